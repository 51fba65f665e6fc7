import Fluent
import Registry
import SQLKit

/// 088: each certifying body is an area's (issue 30): a county body its county's, a prefecture
/// body its city's. In a database of several counties each county's bureau and reviewers handle
/// their own body's windows, and a city's prefecture reviewers what its counties forward. The
/// bodies that landed before belong to the database's only county and its city (a database of
/// several, where no county could certify, leaves them unbound: the bureau binds them).
public struct AddCertBodyArea: AsyncMigration {
    public init() {}
    public var name: String { "088_CertBodyArea" }
    public func prepare(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE cert_bodies ADD COLUMN area_code TEXT").run()
        guard let county = try await AreaStore.soleCounty(on: database) else { return }
        try await database.sql.raw("UPDATE cert_bodies SET area_code = \(bind: county) WHERE level = 'county'").run()
        if let city = try await AreaStore.area(code: county, on: database)?.parentCode {
            try await database.sql.raw("UPDATE cert_bodies SET area_code = \(bind: city) WHERE level = 'prefecture'").run()
        }
    }
    public func revert(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE cert_bodies DROP COLUMN area_code").run()
    }
}
