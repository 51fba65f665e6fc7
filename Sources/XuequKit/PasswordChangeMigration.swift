import Fluent
import SQLKit

/// A password set by an administrator or an import must be replaced at first sign-in: the column
/// that says so (existing accounts keep their passwords as they are).
public struct AddPasswordChangeRequired: AsyncMigration {
    public init() {}
    public var name: String { "075_PasswordChangeRequired" }
    public func prepare(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE").run()
    }
    public func revert(on database: any Database) async throws {
        try await database.sql.raw("ALTER TABLE users DROP COLUMN must_change_password").run()
    }
}
