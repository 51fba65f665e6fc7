import Fluent
import SQLKit
import XuequKit

/// The research network's offices (the county's 教研室, each district's 教研中心) with their
/// researchers (教研员); research activities and open classes with invitations, attendance,
/// minutes and the observers' rubrics; attachments of plans and activities (document store
/// hashes); each teacher's calendar feed token (stored hashed); and the activities' search index
/// (character bigrams, as for plans).
public struct CreateResearch: AsyncMigration {
    public init() {}
    public var name: String { "062_CreateResearch" }

    public func prepare(on database: any Database) async throws {
        try await database.schema("research_units")
            .field("id", .int, .identifier(auto: true))
            .field("level", .string, .required)
            .field("district_id", .int)
            .field("name", .string, .required)
            .field("created_at", .double, .required)
            .create()
        try await database.schema("research_staff")
            .field("unit_id", .int, .required, .references("research_units", "id"))
            .field("teacher_id", .int, .required, .references("teachers", "id"))
            .field("subject", .string)
            .field("since", .string, .required)
            .unique(on: "teacher_id")
            .create()
        try await database.schema("research_activities")
            .field("id", .int, .identifier(auto: true))
            .field("kind", .string, .required)
            .field("level", .string, .required)
            .field("district_id", .int)
            .field("school_id", .int)
            .field("subject", .string, .required)
            .field("grade", .string)
            .field("title", .string, .required)
            .field("starts_at", .string, .required)
            .field("ends_at", .string, .required)
            .field("place", .string)
            .field("online_link", .string)
            .field("agenda", .string)
            .field("minutes", .string)
            .field("host_teacher_id", .int)
            .field("plan_id", .int)
            .field("organiser", .string, .required)
            .field("version", .int, .required)
            .field("created_at", .double, .required)
            .field("updated_at", .double, .required)
            .create()
        try await database.schema("research_attendees")
            .field("activity_id", .int, .required, .references("research_activities", "id"))
            .field("teacher_id", .int, .required, .references("teachers", "id"))
            .field("attended", .bool)
            .unique(on: "activity_id", "teacher_id")
            .create()
        try await database.schema("research_observations")
            .field("id", .int, .identifier(auto: true))
            .field("activity_id", .int, .required, .references("research_activities", "id"))
            .field("observer_teacher_id", .int, .required, .references("teachers", "id"))
            .field("scores", .string, .required)
            .field("total", .int, .required)
            .field("comment", .string)
            .field("created_at", .double, .required)
            .field("updated_at", .double, .required)
            .unique(on: "activity_id", "observer_teacher_id")
            .create()
        try await database.schema("teaching_attachments")
            .field("id", .int, .identifier(auto: true))
            .field("owner", .string, .required)
            .field("owner_id", .int, .required)
            .field("filename", .string, .required)
            .field("media_type", .string, .required)
            .field("sha256", .string, .required)
            .field("size", .int, .required)
            .field("uploaded_by", .string, .required)
            .field("created_at", .double, .required)
            .create()
        try await database.schema("teaching_calendar_feeds")
            .field("teacher_id", .int, .required, .references("teachers", "id"))
            .field("token_hash", .string, .required)
            .field("created_at", .double, .required)
            .unique(on: "teacher_id")
            .unique(on: "token_hash")
            .create()
        let statements: [String]
        if database.sql.dialect.name == "postgresql" {
            statements = [
                "CREATE TABLE research_activity_search (activity_id INTEGER PRIMARY KEY REFERENCES research_activities (id), grams TSVECTOR NOT NULL)",
                "CREATE INDEX research_activity_search_grams ON research_activity_search USING GIN (grams)",
            ]
        } else {
            statements = ["CREATE VIRTUAL TABLE research_activity_search USING fts5(grams, tokenize = 'unicode61')"]
        }
        for s in statements + [
            "CREATE INDEX research_activities_scope ON research_activities (district_id, school_id, starts_at)",
            "CREATE INDEX research_attendees_teacher ON research_attendees (teacher_id)",
            "CREATE INDEX teaching_attachments_owner ON teaching_attachments (owner, owner_id)",
        ] {
            try await database.sql.raw(SQLQueryString(s)).run()
        }
    }

    public func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP TABLE research_activity_search").run()
        for t in ["teaching_calendar_feeds", "teaching_attachments", "research_observations", "research_attendees", "research_activities", "research_staff", "research_units"] {
            try await database.schema(t).delete()
        }
    }
}
