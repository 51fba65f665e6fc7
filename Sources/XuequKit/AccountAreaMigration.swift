import Fluent
import SQLKit

/// 082: a county, city or province account names its administrative area (GB/T 2260). Existing
/// accounts move under the demo county's tree, as the registry's districts do (083): the county
/// bureau and its certifying body are 130481's, the prefecture's body 130400's (issue 30).
public struct AddAccountArea: AsyncMigration {
    public init() {}
    public var name: String { "082_AccountArea" }
    public func prepare(on database: any Database) async throws {
        let sql = database.sql
        try await sql.raw("ALTER TABLE users ADD COLUMN area_code TEXT").run()
        try await sql.raw("UPDATE users SET area_code = '130481' WHERE role IN ('bureau_admin', 'reviewer')").run()
        try await sql.raw("UPDATE users SET area_code = '130400' WHERE role = 'prefecture_reviewer'").run()
    }
    public func revert(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE users DROP COLUMN area_code").run()
    }
}
