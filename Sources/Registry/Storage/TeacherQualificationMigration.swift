import Fluent
import SQLKit

/// A teacher's qualification (type and certificate number, for teachers certified elsewhere; a
/// teacher certified by this county is linked to the certificate by resident ID) and, for a
/// principal, the date the headship at this school began (the rotation rule counts terms).
/// Additive: three nullable columns.
public struct AddTeacherQualification: AsyncMigration {
    public init() {}
    public var name: String { "013_TeacherQualification" }

    public func prepare(on database: any Database) async throws {
        for statement in [
            "ALTER TABLE teachers ADD COLUMN qualification_type TEXT",
            "ALTER TABLE teachers ADD COLUMN qualification_number TEXT",
            "ALTER TABLE teachers ADD COLUMN principal_since TEXT",
        ] {
            try await database.sql.raw(SQLQueryString(statement)).run()
        }
    }

    public func revert(on database: any Database) async throws {
        for c in ["qualification_type", "qualification_number", "principal_since"] {
            try await database.sql.raw("ALTER TABLE teachers DROP COLUMN \(ident: c)").run()
        }
    }
}
