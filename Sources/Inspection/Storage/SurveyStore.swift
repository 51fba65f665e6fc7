import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// The satisfaction survey's tables: questions, rounds, one-use codes and answers (issue 33: the
/// service keeps the checks, the transactions and the audit; the statements are here).
extension InspectionService {
    // MARK: questions

    /// Every group's questions, in order.
    static func surveyQuestions(on db: any Database) async throws -> [SurveyQuestionRow] {
        try await db.sql.raw("SELECT id, grp, position, text FROM inspection_survey_questions ORDER BY grp, position, id").all(
            decoding: SurveyQuestionRow.self, with: Self.decoder)
    }

    /// Replaces one group's questions with these, in this order.
    static func replaceQuestions(group: String, _ questions: [String], on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM inspection_survey_questions WHERE grp = \(bind: group)").run()
        for (i, q) in questions.enumerated() {
            try await tx.sql.insert(into: "inspection_survey_questions").columns("grp", "position", "text").values(
                SQLBind(group), SQLBind(i), SQLBind(q)
            ).run()
        }
    }

    // MARK: rounds

    /// A county's rounds, newest first.
    static func rounds(county: String, on db: any Database) async throws -> [SurveyRoundRow] {
        try await db.sql.raw(
            "SELECT id, year, name, state, questions, created_by, created_at, closed_at, county_code FROM inspection_survey_rounds WHERE county_code = \(bind: county) ORDER BY id DESC"
        )
        .all(decoding: SurveyRoundRow.self, with: Self.decoder)
    }

    static func round(id: Int, on db: any Database) async throws -> SurveyRoundRow? {
        try await db.sql.raw(
            "SELECT id, year, name, state, questions, created_by, created_at, closed_at, county_code FROM inspection_survey_rounds WHERE id = \(bind: id)"
        )
        .first(decoding: SurveyRoundRow.self, with: Self.decoder)
    }

    /// Opens a round with its questionnaire (JSON) and its codes (code, school, group), 300 codes
    /// a statement; returns the round's id.
    static func insertRound(
        county: String, year: Int, name: String, questions: String, codes: [(String, Int, String)], by: String, on tx: any Database, now: Double
    ) async throws -> Int {
        struct I: Decodable { let id: Int }
        let id = try await tx.sql.raw(
            """
            INSERT INTO inspection_survey_rounds (year, name, state, questions, created_by, created_at, county_code)
            VALUES (\(bind: year), \(bind: name), 'open', \(bind: questions), \(bind: by), \(bind: now), \(bind: county)) RETURNING id
            """
        ).first(decoding: I.self)!.id
        for start in stride(from: 0, to: codes.count, by: 300) {
            var q = tx.sql.insert(into: "inspection_survey_codes").columns("code", "round_id", "school_id", "grp")
            for (c, sid, g) in codes[start..<min(start + 300, codes.count)] { q = q.values(SQLBind(c), SQLBind(id), SQLBind(sid), SQLBind(g)) }
            try await q.run()
        }
        return id
    }

    /// Closes an open round; false when it was closed already.
    static func closeRound(id: Int, on tx: any Database, now: Double) async throws -> Bool {
        struct I: Decodable { let id: Int }
        let closed = try await tx.sql.raw(
            "UPDATE inspection_survey_rounds SET state = 'closed', closed_at = \(bind: now) WHERE id = \(bind: id) AND state = 'open' RETURNING id"
        )
        .all(decoding: I.self)
        return !closed.isEmpty
    }

    /// A round's state ("open", "closed"), nil for no such round.
    static func roundState(id: Int, on db: any Database) async throws -> String? {
        struct St: Decodable { let state: String }
        return try await db.sql.raw("SELECT state FROM inspection_survey_rounds WHERE id = \(bind: id)").first(decoding: St.self)?.state
    }

    struct RoundResponses: Decodable {
        let id: Int
        let codes: Int
        let used: Int
    }

    /// A county's closed rounds of a year with their codes and the codes used, newest first.
    static func closedRoundResponses(county: String, year: Int, on db: any Database) async throws -> [RoundResponses] {
        try await db.sql.raw(
            """
            SELECT r.id, COUNT(c.code) AS codes, COALESCE(SUM(CASE WHEN c.used_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS used
            FROM inspection_survey_rounds r LEFT JOIN inspection_survey_codes c ON c.round_id = r.id
            WHERE r.county_code = \(bind: county) AND r.year = \(bind: year) AND r.state = 'closed' GROUP BY r.id ORDER BY r.id DESC
            """
        ).all(decoding: RoundResponses.self, with: Self.decoder)
    }

    // MARK: codes

    /// A school's codes of a round, by group and code.
    static func codes(roundId: Int, schoolId: Int, on db: any Database) async throws -> [CodeRow] {
        try await db.sql.raw(
            "SELECT code, school_id, grp, used_at FROM inspection_survey_codes WHERE round_id = \(bind: roundId) AND school_id = \(bind: schoolId) ORDER BY grp, code"
        )
        .all(decoding: CodeRow.self, with: Self.decoder)
    }

    /// How many codes a round has.
    static func codeCount(roundId: Int, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw("SELECT COUNT(*) AS n FROM inspection_survey_codes WHERE round_id = \(bind: roundId)").first(decoding: N.self)?.n ?? 0
    }

    /// One code.
    static func code(_ code: String, on db: any Database) async throws -> CodeRow? {
        try await db.sql.raw("SELECT code, school_id, grp, used_at FROM inspection_survey_codes WHERE code = \(bind: code)").first(
            decoding: CodeRow.self, with: Self.decoder)
    }

    /// The round a code belongs to.
    static func roundId(code: String, on db: any Database) async throws -> Int? {
        struct R: Decodable { let roundId: Int }
        return try await db.sql.raw("SELECT round_id FROM inspection_survey_codes WHERE code = \(bind: code)").first(
            decoding: R.self, with: Self.decoder)?.roundId
    }

    /// Marks a code used, once: the code's school, nil when it was used already.
    static func useCode(_ code: String, on tx: any Database, now: Double) async throws -> Int? {
        struct S: Decodable { let schoolId: Int }
        return try await tx.sql.raw(
            "UPDATE inspection_survey_codes SET used_at = \(bind: now) WHERE code = \(bind: code) AND used_at IS NULL RETURNING school_id"
        )
        .first(decoding: S.self, with: Self.decoder)?.schoolId
    }

    // MARK: answers

    /// One questionnaire's answers (nothing of its code).
    static func insertAnswer(
        roundId: Int, schoolId: Int, group: String, satisfied: Int, answered: Int, answers: String, on tx: any Database, now: Double
    ) async throws {
        try await tx.sql.insert(into: "inspection_survey_answers").columns("round_id", "school_id", "grp", "satisfied", "answered", "answers", "created_at")
            .values(SQLBind(roundId), SQLBind(schoolId), SQLBind(group), SQLBind(satisfied), SQLBind(answered), SQLBind(answers), SQLBind(now)).run()
    }

    struct AnswerTally: Decodable {
        let schoolId: Int
        let grp: String
        let satisfied: Int
        let answered: Int
        let n: Int
    }

    /// A round's answers summed by school and group.
    static func answerTallies(roundId: Int, on db: any Database) async throws -> [AnswerTally] {
        try await db.sql.raw(
            """
            SELECT school_id, grp, CAST(SUM(satisfied) AS BIGINT) AS satisfied, CAST(SUM(answered) AS BIGINT) AS answered, COUNT(*) AS n FROM inspection_survey_answers
            WHERE round_id = \(bind: roundId) GROUP BY school_id, grp
            """
        ).all(decoding: AnswerTally.self, with: Self.decoder)
    }
}
