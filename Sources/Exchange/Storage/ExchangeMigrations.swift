import Fluent
import SQLKit

/// Rotation plans and their moves (with the workflow kit's history and time columns), the host
/// schools' 支教 assessments, alliances with their checklists and scores, and a district's
/// itinerant teachers, the periods schools need and the travel times between them.
public struct CreateExchange: AsyncMigration {
    public init() {}
    public var name: String { "041_CreateExchange" }

    public func prepare(on database: any Database) async throws {
        try await database.schema("exchange_plans")
            .field("id", .int, .identifier(auto: true))
            .field("year", .int, .required)
            .field("district_id", .int)
            .field("title", .string, .required)
            .field("state", .string, .required)
            .field("version", .int, .required)
            .field("created_by", .string, .required)
            .field("created_at", .double, .required)
            .field("updated_at", .double, .required)
            .field("state_since", .double)
            .field("secs_draft", .double, .required)
            .field("secs_submitted", .double, .required)
            .field("secs_approved", .double, .required)
            .field("submitted_by", .string)
            .field("approved_by", .string)
            .field("note", .string)
            .create()
        try await database.schema("exchange_plan_history")
            .field("id", .int, .identifier(auto: true))
            .field("plan_id", .int, .required, .references("exchange_plans", "id"))
            .field("from_state", .string, .required)
            .field("to_state", .string, .required)
            .field("event", .string, .required)
            .field("actor", .string, .required)
            .field("at", .double, .required)
            .field("reason", .string)
            .create()
        try await database.schema("exchange_moves")
            .field("id", .int, .identifier(auto: true))
            .field("plan_id", .int, .required, .references("exchange_plans", "id"))
            .field("teacher_id", .int, .required, .references("teachers", "id"))
            .field("from_school_id", .int, .required)
            .field("from_part", .string)
            .field("to_school_id", .int, .required)
            .field("to_part", .string)
            .field("form", .string, .required)
            .field("starts_on", .string, .required)
            .field("returns_on", .string)
            .field("reason", .string)
            .field("warnings", .string, .required)
            .field("state", .string, .required)
            .field("prior_since", .string)
            .field("effected_at", .double)
            .field("returned_on", .string)
            .field("version", .int, .required)
            .unique(on: "plan_id", "teacher_id")
            .create()
        try await database.schema("exchange_assessments")
            .field("id", .int, .identifier(auto: true))
            .field("move_id", .int, .required, .references("exchange_moves", "id"))
            .field("year", .int, .required)
            .field("rating", .string, .required)
            .field("comments", .string, .required)
            .field("assessed_by", .string, .required)
            .field("assessed_at", .double, .required)
            .unique(on: "move_id", "year")
            .create()
        try await database.schema("exchange_alliances")
            .field("id", .int, .identifier(auto: true))
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("lead_school_id", .int, .required, .references("schools", "id"))
            .field("created_by", .string, .required)
            .field("created_at", .double, .required)
            .create()
        try await database.schema("exchange_alliance_members")
            .field("alliance_id", .int, .required, .references("exchange_alliances", "id"))
            .field("school_id", .int, .required, .references("schools", "id"))
            .unique(on: "alliance_id", "school_id")
            .create()
        try await database.schema("exchange_alliance_terms")
            .field("alliance_id", .int, .required, .references("exchange_alliances", "id"))
            .field("term", .string, .required)
            .field("teaching_plan", .bool, .required)
            .field("research", .bool, .required)
            .field("rules", .bool, .required)
            .field("assessment", .bool, .required)
            .field("updated_by", .string, .required)
            .unique(on: "alliance_id", "term")
            .create()
        try await database.schema("exchange_alliance_scores")
            .field("alliance_id", .int, .required, .references("exchange_alliances", "id"))
            .field("school_id", .int, .required)
            .field("year", .int, .required)
            .field("score", .double, .required)
            .unique(on: "alliance_id", "school_id", "year")
            .create()
        try await database.schema("exchange_itinerant_teachers")
            .field("district_id", .int, .required)
            .field("teacher_id", .int, .required, .references("teachers", "id"))
            .field("subject", .string, .required)
            .field("max_periods", .int, .required)
            .unique(on: "teacher_id")
            .create()
        try await database.schema("exchange_itinerant_demand")
            .field("district_id", .int, .required)
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("subject", .string, .required)
            .field("periods", .int, .required)
            .unique(on: "school_id", "subject")
            .create()
        try await database.schema("exchange_travel")
            .field("district_id", .int, .required)
            .field("from_school_id", .int, .required)
            .field("to_school_id", .int, .required)
            .field("minutes", .int, .required)
            .unique(on: "from_school_id", "to_school_id")
            .create()
        for statement in [
            "CREATE INDEX exchange_plans_area ON exchange_plans (year, district_id)",
            "CREATE INDEX exchange_moves_teacher ON exchange_moves (teacher_id)",
            "CREATE INDEX exchange_moves_to ON exchange_moves (to_school_id)",
            "CREATE INDEX exchange_moves_due ON exchange_moves (state, starts_on)",
            "CREATE INDEX exchange_plan_history_plan ON exchange_plan_history (plan_id)",
        ] {
            try await database.sql.raw(SQLQueryString(statement)).run()
        }
    }

    public func revert(on database: any Database) async throws {
        for t in ["exchange_travel", "exchange_itinerant_demand", "exchange_itinerant_teachers", "exchange_alliance_scores", "exchange_alliance_terms",
                  "exchange_alliance_members", "exchange_alliances", "exchange_assessments", "exchange_moves", "exchange_plan_history", "exchange_plans"] {
            try await database.schema(t).delete()
        }
    }
}
