import Fluent
import Registry
import SQLKit

/// 085: each internship batch is a county's (issue 30). In a database of several counties each
/// county's bureau runs its own batches; a batch that landed before names the database's only
/// county (a database of several, where no bureau could run batches, leaves it empty).
public struct AddInternBatchCounty: AsyncMigration {
    public init() {}
    public var name: String { "085_InternBatchCounty" }
    public func prepare(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE intern_batches ADD COLUMN county_code TEXT").run()
        if let county = try await AreaStore.soleCounty(on: database) {
            try await database.sql.raw("UPDATE intern_batches SET county_code = \(bind: county)").run()
        }
    }
    public func revert(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE intern_batches DROP COLUMN county_code").run()
    }
}
