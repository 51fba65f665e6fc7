import Fluent
import Registry
import SQLKit

/// 087: teaching research is a county's (issue 30). What belongs to the county as a whole and has
/// no district — a county research group, the county's teaching-research office, a county activity,
/// a training programme — names its county, so that in a database of several counties each
/// county's bureau, researchers and teachers see their own. What landed names the database's only
/// county.
public struct AddTeachingCounty: AsyncMigration {
    public init() {}
    public var name: String { "087_TeachingCounty" }
    static let tables = ["teaching_groups", "research_units", "research_activities", "training_programmes"]

    public func prepare(on database: any Database) async throws {
        for t in Self.tables { try await database.sql.raw("ALTER TABLE \(unsafeRaw: t) ADD COLUMN county_code TEXT").run() }
        if let county = try await AreaStore.soleCounty(on: database) {
            for t in Self.tables { try await database.sql.raw("UPDATE \(unsafeRaw: t) SET county_code = \(bind: county)").run() }
        }
    }

    public func revert(on database: any Database) async throws {
        for t in Self.tables { try await database.sql.raw("ALTER TABLE \(unsafeRaw: t) DROP COLUMN county_code").run() }
    }
}
