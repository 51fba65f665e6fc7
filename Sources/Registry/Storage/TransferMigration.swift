import Fluent
import SQLKit

/// A transfer (调动) says why and who: the reason in words and the account that recorded it.
/// Additive: two nullable columns on `teacher_transfers`.
public struct AddTransferNote: AsyncMigration {
    public init() {}
    public var name: String { "063_TransferNote" }

    public func prepare(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE teacher_transfers ADD COLUMN note TEXT").run()
        try await database.sql.raw("ALTER TABLE teacher_transfers ADD COLUMN created_by TEXT").run()
    }

    public func revert(on database: any Database) async throws {
        for c in ["note", "created_by"] { try await database.sql.raw("ALTER TABLE teacher_transfers DROP COLUMN \(ident: c)").run() }
    }
}
