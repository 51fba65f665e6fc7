import Fluent
import SQLKit
import XuequKit

/// 083: the administrative tree above the districts (GB/T 2260): province → city (地级市/州) →
/// county (县/县级市/区), and each district's county. A database made before it upgrades in place:
/// its districts move under the demo's county, 130481 武安市, under 130400 邯郸市, under 13 河北省
/// (issue 30), so every figure it showed stays the same.
public struct CreateAreas: AsyncMigration {
    public init() {}
    public var name: String { "083_Areas" }
    public static let tables = ["areas"]

    public func prepare(on database: any Database) async throws {
        let sql = database.sql
        try await sql.raw(
            """
            CREATE TABLE areas (
              code TEXT PRIMARY KEY,
              name TEXT NOT NULL,
              level TEXT NOT NULL,
              parent_code TEXT REFERENCES areas (code),
              created_at DOUBLE PRECISION NOT NULL
            )
            """
        ).run()
        try await sql.raw("CREATE INDEX areas_parent ON areas (parent_code, code)").run()
        for (code, name, level, parent) in [("13", "河北省", "province", nil), ("130400", "邯郸市", "city", "13"), ("130481", "武安市", "county", "130400")]
            as [(String, String, String, String?)]
        {
            try await sql.raw(
                "INSERT INTO areas (code, name, level, parent_code, created_at) VALUES (\(bind: code), \(bind: name), \(bind: level), \(bind: parent), 0)"
            ).run()
        }
        try await sql.raw("ALTER TABLE districts ADD COLUMN county_code TEXT REFERENCES areas (code)").run()
        try await sql.raw("UPDATE districts SET county_code = '130481'").run()
        try await sql.raw("CREATE INDEX districts_county ON districts (county_code, id)").run()
        // Scopes and the comparison pages read the tree: a change is a new `areas` version.
        try await DataVersions.watch(Self.tables, area: "areas", on: database)
    }

    public func revert(on database: any Database) async throws {
        try await DataVersions.unwatch(Self.tables, area: "areas", on: database)
        try await database.sql.raw("DROP INDEX districts_county").run()
        try await database.sql.raw("ALTER TABLE districts DROP COLUMN county_code").run()
        try await database.sql.raw("DROP TABLE areas").run()
    }
}
