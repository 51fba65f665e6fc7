import Fluent
import SQLKit

/// Universities, batches (calendar and rules), groups with their supervisors, host schools'
/// places per subject, interns (placement, mentor, class), and everything an intern records:
/// lesson plans (versions, comments, the two approvals, the trial lecture), taught lessons,
/// observed lessons, peer evaluations, the class-teacher log, activities, supervisors' visits,
/// summaries, the school's appraisal and the grade.
public struct CreateInternship: AsyncMigration {
    public init() {}
    public var name: String { "051_CreateInternship" }

    public func prepare(on database: any Database) async throws {
        try await database.schema("intern_universities")
            .field("id", .int, .identifier(auto: true))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .unique(on: "code")
            .create()
        try await database.schema("intern_batches")
            .field("id", .int, .identifier(auto: true))
            .field("university_id", .int, .required, .references("intern_universities", "id"))
            .field("name", .string, .required)
            .field("starts_on", .string, .required)
            .field("weeks", .string, .required)
            .field("observations_per_week", .int, .required)
            .field("weight_teaching", .int, .required)
            .field("weight_class", .int, .required)
            .field("weight_other", .int, .required)
            .field("created_at", .double, .required)
            .create()
        try await database.schema("intern_groups")
            .field("id", .int, .identifier(auto: true))
            .field("batch_id", .int, .required, .references("intern_batches", "id"))
            .field("name", .string, .required)
            .field("supervisor_user_id", .int, .required)
            .field("summary", .string)
            .create()
        try await database.schema("intern_capacity")
            .field("batch_id", .int, .required, .references("intern_batches", "id"))
            .field("school_id", .int, .required, .references("schools", "id"))
            .field("subject", .string, .required)
            .field("places", .int, .required)
            .unique(on: "batch_id", "school_id", "subject")
            .create()
        try await database.schema("interns")
            .field("id", .int, .identifier(auto: true))
            .field("batch_id", .int, .required, .references("intern_batches", "id"))
            .field("group_id", .int, .references("intern_groups", "id"))
            .field("user_id", .int)
            .field("student_no", .string, .required)
            .field("name", .string, .required)
            .field("major", .string, .required)
            .field("subject", .string, .required)
            .field("phone", .string)
            .field("preferences", .string, .required)
            .field("school_id", .int)
            .field("mentor_teacher_id", .int)
            .field("class_name", .string)
            .field("class_size", .int)
            .field("version", .int, .required)
            .unique(on: "batch_id", "student_no")
            .create()
        try await database.schema("intern_lesson_plans")
            .field("id", .int, .identifier(auto: true))
            .field("intern_id", .int, .required, .references("interns", "id"))
            .field("title", .string, .required)
            .field("subject", .string, .required)
            .field("grade", .string, .required)
            .field("content", .string, .required)
            .field("version", .int, .required)
            .field("mentor_approved_by", .string)
            .field("mentor_approved_at", .double)
            .field("supervisor_approved_by", .string)
            .field("supervisor_approved_at", .double)
            .field("trial", .string, .required)
            .field("created_at", .double, .required)
            .field("updated_at", .double, .required)
            .create()
        try await database.schema("intern_plan_versions")
            .field("plan_id", .int, .required, .references("intern_lesson_plans", "id"))
            .field("version", .int, .required)
            .field("title", .string, .required)
            .field("content", .string, .required)
            .field("saved_at", .double, .required)
            .unique(on: "plan_id", "version")
            .create()
        try await database.schema("intern_plan_comments")
            .field("id", .int, .identifier(auto: true))
            .field("plan_id", .int, .required, .references("intern_lesson_plans", "id"))
            .field("version", .int, .required)
            .field("author", .string, .required)
            .field("role", .string, .required)
            .field("text", .string, .required)
            .field("at", .double, .required)
            .create()
        try await database.schema("intern_trials")
            .field("id", .int, .identifier(auto: true))
            .field("plan_id", .int, .required, .references("intern_lesson_plans", "id"))
            .field("passed", .bool, .required)
            .field("notes", .string)
            .field("by", .string, .required)
            .field("at", .double, .required)
            .create()
        // One table for the dated records an intern keeps: taught lessons, observed lessons,
        // peer evaluations, class-teacher log, activities; and a supervisor's visits.
        try await database.schema("intern_records")
            .field("id", .int, .identifier(auto: true))
            .field("intern_id", .int, .required, .references("interns", "id"))
            .field("kind", .string, .required)
            .field("on_date", .string, .required)
            .field("lesson_plan_id", .int)
            .field("class_name", .string)
            .field("topic", .string, .required)
            .field("periods", .int)
            .field("of_intern_id", .int)
            .field("scores", .string)
            .field("notes", .string)
            .field("by", .string, .required)
            .field("at", .double, .required)
            .create()
        try await database.schema("intern_appraisals")
            .field("intern_id", .int, .required, .references("interns", "id"))
            .field("summary", .string)
            .field("mentor_comment", .string)
            .field("school_comment", .string)
            .field("school_rating", .string)
            .field("score_teaching", .double)
            .field("score_class", .double)
            .field("score_other", .double)
            .field("final_score", .double)
            .field("grade", .string)
            .field("graded_by", .string)
            .unique(on: "intern_id")
            .create()
        for statement in [
            "CREATE INDEX interns_batch ON interns (batch_id, group_id)",
            "CREATE INDEX interns_school ON interns (school_id)",
            "CREATE INDEX interns_user ON interns (user_id)",
            "CREATE INDEX intern_plans_intern ON intern_lesson_plans (intern_id)",
            "CREATE INDEX intern_records_intern ON intern_records (intern_id, kind, on_date)",
        ] {
            try await database.sql.raw(SQLQueryString(statement)).run()
        }
    }

    public func revert(on database: any Database) async throws {
        for t in ["intern_appraisals", "intern_records", "intern_trials", "intern_plan_comments", "intern_plan_versions", "intern_lesson_plans",
                  "interns", "intern_capacity", "intern_groups", "intern_batches", "intern_universities"] {
            try await database.schema(t).delete()
        }
    }
}
