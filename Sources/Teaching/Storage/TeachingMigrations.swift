import Fluent
import SQLKit
import XuequKit

/// Research groups (学科中心组) with members and a leader; lesson plans (通案 and 个案) with
/// their sections, lineage, review state and versions; and the search index: each plan's
/// character bigrams in an FTS5 table (SQLite) or a `tsvector` with a GIN index (PostgreSQL).
public struct CreateTeaching: AsyncMigration {
    public init() {}
    public var name: String { "061_CreateTeaching" }

    public func prepare(on database: any Database) async throws {
        try await database.schema("teaching_groups")
            .field("id", .int, .identifier(auto: true))
            .field("name", .string, .required)
            .field("level", .string, .required)
            .field("district_id", .int)
            .field("school_id", .int)
            .field("subject", .string, .required)
            .field("leader_teacher_id", .int, .required, .references("teachers", "id"))
            .field("review_levels", .int, .required)
            .field("created_at", .double, .required)
            .create()
        try await database.schema("teaching_group_members")
            .field("group_id", .int, .required, .references("teaching_groups", "id"))
            .field("teacher_id", .int, .required, .references("teachers", "id"))
            .unique(on: "group_id", "teacher_id")
            .create()
        try await database.schema("lesson_plans")
            .field("id", .int, .identifier(auto: true))
            .field("kind", .string, .required)
            .field("level", .string, .required)
            .field("group_id", .int)
            .field("parent_id", .int)
            .field("owner_teacher_id", .int, .required)
            .field("district_id", .int, .required)
            .field("school_id", .int, .required)
            .field("title", .string, .required)
            .field("subject", .string, .required)
            .field("grade", .string, .required)
            .field("edition", .string)
            .field("unit", .string)
            .field("sections", .string, .required)
            .field("state", .string, .required)
            .field("review_level", .int, .required)
            .field("release_on", .string)
            .field("version", .int, .required)
            .field("created_at", .double, .required)
            .field("updated_at", .double, .required)
            .field("state_since", .double)
            .field("secs_draft", .double, .required)
            .field("secs_in_review", .double, .required)
            .field("secs_approved", .double, .required)
            .create()
        try await database.schema("lesson_plan_versions")
            .field("plan_id", .int, .required, .references("lesson_plans", "id"))
            .field("version", .int, .required)
            .field("title", .string, .required)
            .field("sections", .string, .required)
            .field("saved_by", .string, .required)
            .field("saved_at", .double, .required)
            .unique(on: "plan_id", "version")
            .create()
        try await database.schema("lesson_plan_history")
            .field("id", .int, .identifier(auto: true))
            .field("plan_id", .int, .required, .references("lesson_plans", "id"))
            .field("from_state", .string, .required)
            .field("to_state", .string, .required)
            .field("event", .string, .required)
            .field("actor", .string, .required)
            .field("at", .double, .required)
            .field("reason", .string)
            .create()
        // 优课: a model lesson uploaded before it is taught (late when under 14 days), and how far
        // up it has been selected (school → district → county).
        try await database.schema("teaching_model_lessons")
            .field("id", .int, .identifier(auto: true))
            .field("plan_id", .int, .required, .references("lesson_plans", "id"))
            .field("teacher_id", .int, .required)
            .field("school_id", .int, .required)
            .field("district_id", .int, .required)
            .field("title", .string, .required)
            .field("teaching_on", .string, .required)
            .field("uploaded_on", .string, .required)
            .field("late", .bool, .required)
            .field("level", .string, .required)
            .field("selected_by", .string)
            .field("created_at", .double, .required)
            .unique(on: "plan_id")
            .create()
        // 研训: programmes, who is enrolled, who attended and the hours credited; the required
        // continuing-education hours are a dated rule (national 2011: 360 hours in five years,
        // provinces commonly 72 a year).
        try await database.schema("training_programmes")
            .field("id", .int, .identifier(auto: true))
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("starts_on", .string, .required)
            .field("ends_on", .string, .required)
            .field("hours", .double, .required)
            .field("created_at", .double, .required)
            .create()
        try await database.schema("training_enrolments")
            .field("programme_id", .int, .required, .references("training_programmes", "id"))
            .field("teacher_id", .int, .required, .references("teachers", "id"))
            .field("attended", .bool, .required)
            .field("hours", .double, .required)
            .unique(on: "programme_id", "teacher_id")
            .create()
        try await DatedRules.createTable("training_rules", on: database)
        try await database.sql.raw("""
            INSERT INTO training_rules (effective_from, rules, note, created_by, created_at) VALUES ('2011-01-01',
            '{"hoursPerYear":72}', '中小学教师继续教育规定：五年不少于360学时', 'system', 0)
            """).run()
        let statements: [String]
        if database.sql.dialect.name == "postgresql" {
            statements = [
                "CREATE TABLE lesson_plan_search (plan_id INTEGER PRIMARY KEY REFERENCES lesson_plans (id), grams TSVECTOR NOT NULL)",
                "CREATE INDEX lesson_plan_search_grams ON lesson_plan_search USING GIN (grams)",
            ]
        } else {
            statements = ["CREATE VIRTUAL TABLE lesson_plan_search USING fts5(grams, tokenize = 'unicode61')"]
        }
        for s in statements + [
            "CREATE INDEX lesson_plans_scope ON lesson_plans (kind, subject, district_id, school_id)",
            "CREATE INDEX lesson_plans_parent ON lesson_plans (parent_id)",
            "CREATE INDEX lesson_plans_owner ON lesson_plans (owner_teacher_id)",
        ] {
            try await database.sql.raw(SQLQueryString(s)).run()
        }
    }

    public func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP TABLE lesson_plan_search").run()
        for t in ["training_rules", "training_enrolments", "training_programmes", "teaching_model_lessons", "lesson_plan_history", "lesson_plan_versions", "lesson_plans", "teaching_group_members", "teaching_groups"] {
            try await database.schema(t).delete()
        }
    }
}
