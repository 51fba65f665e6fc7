import Fluent
import SQLKit

/// 084: the log by who acted. A county's bureau among several reads what its county's accounts
/// did (`Audit.Filter.county`); without this index its page and its count would read the whole
/// province's log backwards to find a county's rows.
public struct IndexAuditActors: AsyncMigration {
    public init() {}
    public var name: String { "084_AuditActorIndex" }
    public func prepare(on database: any Database) async throws {
        try await database.sql.raw("CREATE INDEX audit_log_actor_id ON audit_log (actor_id, id)").run()
    }
    public func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX audit_log_actor_id").run()
    }
}
