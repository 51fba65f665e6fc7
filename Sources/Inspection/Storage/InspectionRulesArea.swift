import Fluent
import XuequKit

/// 090: the thresholds by area (issue 30): a version is the database's (no area), a province's, a
/// city's or a county's. A county reads its own, else its city's, else its province's, else the
/// database's — a province publishes its detailed rules (e.g. 河北省…具体办法) once and every county
/// below inherits them until it sets its own.
public struct AddInspectionRulesArea: AsyncMigration {
    public init() {}
    public var name: String { "090_InspectionRulesArea" }
    public func prepare(on database: any Database) async throws { try await DatedRules.addArea(to: "inspection_rules", on: database) }
    public func revert(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE inspection_rules DROP COLUMN area_code").run()
    }
}
