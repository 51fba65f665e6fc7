import Fluent
import SQLKit
import XuequKit

/// Districts, schools, teachers, consolidation history and school conditions.
public struct CreateRegistry: AsyncMigration {
    public init() {}
    public var name: String { "010_CreateRegistry" }

    public func prepare(on database: any Database) async throws {
        try await database.schema("districts")
            .field("id", .int, .identifier(auto: true))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("central_school_id", .int)
            .field("created_at", .double, .required)
            .unique(on: "code")
            .create()
        try await database.schema("schools")
            .field("id", .int, .identifier(auto: true))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("district_id", .int, .required, .references("districts", "id"))
            .field("stage", .string, .required)
            .field("locality", .string, .required)
            .field("boarding", .bool, .required)
            .field("central", .bool, .required)
            .field("standardised", .bool, .required)
            .field("status", .string, .required)
            .field("students", .int, .required)
            .field("address", .string)
            .field("merged_into_id", .int)
            .field("merged_on", .string)
            .field("created_at", .double, .required)
            .field("updated_at", .double, .required)
            .field("version", .int, .required)
            .unique(on: "code")
            .create()
        try await database.schema("teachers")
            .field("id", .int, .identifier(auto: true))
            .field("name", .string, .required)
            .field("resident_id", .string, .required)
            .field("birth_date", .string, .required)
            .field("gender", .string, .required)
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("district_id", .int, .required)
            .field("subjects", .string, .required)
            .field("education", .string, .required)
            .field("putonghua", .string, .required)
            .field("title", .string, .required)
            .field("backbone", .string, .required)
            .field("school_since", .string, .required)
            .field("stage_part", .string)
            .field("phone", .string)
            .field("created_at", .double, .required)
            .field("updated_at", .double, .required)
            .field("version", .int, .required)
            .unique(on: "resident_id")
            .create()
        try await database.schema("school_mergers")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("into_school_id", .int, .required, .references("schools", "id"))
            .field("merged_on", .string, .required)
            .field("teachers_moved", .int, .required)
            .field("students_moved", .int, .required)
            .field("note", .string)
            .field("created_by", .string, .required)
            .field("created_at", .double, .required)
            .create()
        try await database.schema("teacher_transfers")
            .field("id", .int, .identifier(auto: true))
            .field("teacher_id", .int, .required, .references("teachers", "id"))
            .field("from_school_id", .int, .required)
            .field("to_school_id", .int, .required)
            .field("on_date", .string, .required)
            .field("reason", .string, .required)
            .field("created_at", .double, .required)
            .create()
        try await database.schema("school_conditions")
            .field("id", .int, .identifier(auto: true))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("year", .int, .required)
            .field("students_primary", .int, .required)
            .field("students_junior", .int, .required)
            .field("students_senior", .int, .required)
            // Areas in 0.01 m², money in fen: integers, never floats.
            .field("floor_area_centi", .int, .required)
            .field("sports_area_centi", .int, .required)
            .field("equipment_value_fen", .int, .required)
            .field("computers", .int, .required)
            .field("books", .int, .required)
            .field("multimedia_rooms", .int, .required)
            .field("updated_at", .double, .required)
            .unique(on: "school_id", "year")
            .create()
        let sql = database.sql
        for stmt in [
            "CREATE INDEX schools_district ON schools (district_id, code)",
            "CREATE INDEX schools_name ON schools (name)",
            "CREATE INDEX teachers_district ON teachers (district_id, id)",
            "CREATE INDEX teachers_school ON teachers (school_id, id)",
            "CREATE INDEX teachers_name ON teachers (name)",
            "CREATE INDEX school_mergers_school ON school_mergers (school_id)",
            "CREATE INDEX school_mergers_into ON school_mergers (into_school_id)",
            "CREATE INDEX teacher_transfers_teacher ON teacher_transfers (teacher_id)",
        ] { try await sql.raw("\(unsafeRaw: stmt)").run() }
    }

    public func revert(on database: any Database) async throws {
        for t in ["school_conditions", "teacher_transfers", "school_mergers", "teachers", "schools", "districts"] {
            try await database.schema(t).delete()
        }
    }
}
