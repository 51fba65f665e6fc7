import Fluent
import Foundation
import SQLKit
import XuequKit

/// 080: the inspection's tables: its dated thresholds (the national values seeded), the figures
/// and declarations the bureau enters with their evidence, and the satisfaction survey (questions,
/// rounds, one-use codes, anonymous answers), watched as the `inspection` data version.
public struct CreateInspection: AsyncMigration {
    public init() {}
    public var name: String { "080_Inspection" }
    public static let watched = [
        "inspection_rules", "inspection_entries", "inspection_survey_questions", "inspection_survey_rounds", "inspection_survey_answers",
    ]

    /// The national thresholds of 教督〔2017〕6号 as they landed.
    static let nationalRules = """
        {"artRoomArea":90,"classJunior":50,"classPrimary":45,"classesPerRoom":12,"disability":95,"migrantShare":85,"musicRoomArea":96,"payShare":100,\
        "placesShare":50,"qualifiedShare":100,"retention":95,"satisfaction":85,"schoolSize":2000,"schoolSizeLarge":2500,"specialFunding":6000,\
        "trainingFunds":5,"trainingHours":360,"trainingShare":100,"trainingYears":5}
        """

    public func prepare(on database: any Database) async throws {
        try await DatedRules.createTable("inspection_rules", on: database)
        try await DatedRules.insertFrozen(
            json: Self.nationalRules, effectiveFrom: "2017-04-19", note: "国家规定（县域义务教育优质均衡发展督导评估办法，教督〔2017〕6号）",
            by: "system", into: "inspection_rules", on: database, now: 0)
        try await database.schema("inspection_entries")
            .field("id", .int, .identifier(auto: true))
            .field("year", .int, .required)
            // An indicator's code (G1…Q9) or a veto's (V1…V6).
            .field("code", .string, .required)
            .field("value", .double)
            .field("met", .bool)
            .field("note", .string, .required)
            .field("evidence_hash", .string)
            .field("evidence_name", .string)
            .field("evidence_kind", .string)
            .field("entered_by", .string, .required)
            .field("entered_at", .double, .required)
            .unique(on: "year", "code")
            .create()
        try await database.schema("inspection_survey_questions")
            .field("id", .int, .identifier(auto: true))
            .field("grp", .string, .required)
            .field("position", .int, .required)
            .field("text", .string, .required)
            .create()
        try await database.schema("inspection_survey_rounds")
            .field("id", .int, .identifier(auto: true))
            .field("year", .int, .required)
            .field("name", .string, .required)
            .field("state", .string, .required)
            // The questions as they were when the round opened: later edits do not change it.
            .field("questions", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .double, .required)
            .field("closed_at", .double)
            .create()
        try await database.schema("inspection_survey_codes")
            .field("code", .string, .identifier(auto: false))
            .field("round_id", .int, .required, .references("inspection_survey_rounds", "id"))
            .field("school_id", .int, .required)
            .field("grp", .string, .required)
            .field("used_at", .double)
            .create()
        // Answers carry the school and the group, never the code: nobody can tell who answered what.
        try await database.schema("inspection_survey_answers")
            .field("id", .int, .identifier(auto: true))
            .field("round_id", .int, .required, .references("inspection_survey_rounds", "id"))
            .field("school_id", .int, .required)
            .field("grp", .string, .required)
            .field("satisfied", .int, .required)
            .field("answered", .int, .required)
            .field("answers", .string, .required)
            .field("created_at", .double, .required)
            .create()
        for stmt in [
            "CREATE INDEX inspection_survey_codes_round ON inspection_survey_codes (round_id, school_id, grp)",
            "CREATE INDEX inspection_survey_answers_round ON inspection_survey_answers (round_id, school_id)",
        ] { try await database.sql.raw("\(unsafeRaw: stmt)").run() }
        for (i, q) in SurveyDefaults.questions.enumerated() {
            try await database.sql.insert(into: "inspection_survey_questions").columns("grp", "position", "text")
                .values(SQLBind(q.group.rawValue), SQLBind(i), SQLBind(q.text)).run()
        }
        try await DataVersions.watch(Self.watched, area: "inspection", on: database)
    }

    public func revert(on database: any Database) async throws {
        try await DataVersions.unwatch(Self.watched, area: "inspection", on: database)
        for t in [
            "inspection_survey_answers", "inspection_survey_codes", "inspection_survey_rounds", "inspection_survey_questions", "inspection_entries",
            "inspection_rules",
        ] {
            try await database.schema(t).delete()
        }
    }
}
