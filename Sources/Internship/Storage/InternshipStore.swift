import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

public struct BatchRow: Codable, Sendable {
    public let id: Int
    public let universityId: Int
    public let name: String
    public let startsOn: String
    public let weeks: String
    public let observationsPerWeek: Int
    public let weightTeaching: Int
    public let weightClass: Int
    public let weightOther: Int
    /// The county whose bureau runs the batch (GB/T 2260).
    public let countyCode: String?
    public var calendar: BatchCalendar {
        BatchCalendar(startsOn: CivilDate(parsing: startsOn) ?? CivilDate(year: 2000, month: 1, day: 1)!,
                      weeks: weeks.split(separator: ",").compactMap { Phase(rawValue: String($0)) })
    }
    public var weights: GradeWeights { GradeWeights(teaching: weightTeaching, classTeacher: weightClass, other: weightOther) }
}

public struct GroupRow: Codable, Sendable {
    public let id: Int
    public let batchId: Int
    public let name: String
    public let supervisorUserId: Int
    public let summary: String?
}

public struct InternRow: Codable, Sendable {
    public let id: Int
    public let batchId: Int
    public let groupId: Int?
    public let userId: Int?
    public let studentNo: String
    public let name: String
    public let major: String
    public let subject: String
    public let phone: String?
    public let preferences: String
    public let schoolId: Int?
    public let mentorTeacherId: Int?
    public let className: String?
    public let classSize: Int?
    public let version: Int
    public var preferenceList: [Int] { preferences.split(separator: ",").compactMap { Int($0) } }
}

public struct PlanRow: Codable, Sendable {
    public let id: Int
    public let internId: Int
    public let title: String
    public let subject: String
    public let grade: String
    public let content: String
    public let version: Int
    public let mentorApprovedBy: String?
    public let supervisorApprovedBy: String?
    public let trial: String
    public let updatedAt: Double
    public var mentorApproved: Bool { mentorApprovedBy != nil }
    public var supervisorApproved: Bool { supervisorApprovedBy != nil }
    public var trialValue: TrialLecture { TrialLecture(rawValue: trial) ?? .none }
}

public struct RecordRow: Codable, Sendable {
    public let id: Int
    public let internId: Int
    public let kind: String
    public let onDate: String
    public let lessonPlanId: Int?
    public let className: String?
    public let topic: String
    public let periods: Int?
    public let ofInternId: Int?
    public let scores: String?
    public let notes: String?
    public let by: String
}

public struct AppraisalRow: Codable, Sendable {
    public let internId: Int
    public let summary: String?
    public let mentorComment: String?
    public let schoolComment: String?
    public let schoolRating: String?
    public let scoreTeaching: Double?
    public let scoreClass: Double?
    public let scoreOther: Double?
    public let finalScore: Double?
    public let grade: String?
    public let gradedBy: String?
}

/// The kinds of dated record (one table).
public enum RecordKind: String, Vocabulary {
    public static let lookup = makeLookup()
    case teaching, observation, evaluation
    case classLog = "class_log"
    case activity, visit
    public var zh: String { switch self { case .teaching: "授课"; case .observation: "听课"; case .evaluation: "评课"; case .classLog: "班主任工作"; case .activity: "课外活动"; case .visit: "带队教师走访" } }
    public var en: String { switch self { case .teaching: "lesson taught"; case .observation: "lesson observed"; case .evaluation: "peer evaluation"; case .classLog: "class-teacher work"; case .activity: "activity"; case .visit: "supervisor's visit" } }
}

enum InternshipStore {
    static let decoder = SQLRowDecoder.snakeCase
    static let internColumns = "id, batch_id, group_id, user_id, student_no, name, major, subject, phone, preferences, school_id, mentor_teacher_id, class_name, class_size, version"
    static let planColumns = "id, intern_id, title, subject, grade, content, version, mentor_approved_by, supervisor_approved_by, trial, updated_at"
    static let recordColumns = "id, intern_id, kind, on_date, lesson_plan_id, class_name, topic, periods, of_intern_id, scores, notes, by"

    static func batch(id: Int, on db: any Database) async throws -> BatchRow? {
        try await db.sql.raw("SELECT id, university_id, name, starts_on, weeks, observations_per_week, weight_teaching, weight_class, weight_other, county_code FROM intern_batches WHERE id = \(bind: id)")
            .first(decoding: BatchRow.self, with: decoder)
    }
    /// Every batch, or one county's, newest first.
    static func batches(county: String? = nil, on db: any Database) async throws -> [BatchRow] {
        let only: SQLQueryString = county.map { "WHERE county_code = \(bind: $0) " } ?? ""
        return try await db.sql.raw("SELECT id, university_id, name, starts_on, weeks, observations_per_week, weight_teaching, weight_class, weight_other, county_code FROM intern_batches " + only + "ORDER BY starts_on DESC, id DESC")
            .all(decoding: BatchRow.self, with: decoder)
    }
    static func groups(batchId: Int, on db: any Database) async throws -> [GroupRow] {
        try await db.sql.raw("SELECT id, batch_id, name, supervisor_user_id, summary FROM intern_groups WHERE batch_id = \(bind: batchId) ORDER BY id").all(decoding: GroupRow.self, with: decoder)
    }
    static func group(id: Int, on db: any Database) async throws -> GroupRow? {
        try await db.sql.raw("SELECT id, batch_id, name, supervisor_user_id, summary FROM intern_groups WHERE id = \(bind: id)").first(decoding: GroupRow.self, with: decoder)
    }
    static func intern(id: Int, on db: any Database) async throws -> InternRow? {
        try await db.sql.raw("SELECT \(unsafeRaw: internColumns) FROM interns WHERE id = \(bind: id)").first(decoding: InternRow.self, with: decoder)
    }
    static func interns(where condition: SQLQueryString, on db: any Database) async throws -> [InternRow] {
        try await db.sql.raw("SELECT \(unsafeRaw: internColumns) FROM interns WHERE " + condition + " ORDER BY batch_id, group_id, student_no").all(decoding: InternRow.self, with: decoder)
    }
    static func plan(id: Int, on db: any Database) async throws -> PlanRow? {
        try await db.sql.raw("SELECT \(unsafeRaw: planColumns) FROM intern_lesson_plans WHERE id = \(bind: id)").first(decoding: PlanRow.self, with: decoder)
    }
    static func plans(internIds: [Int], on db: any Database) async throws -> [PlanRow] {
        guard !internIds.isEmpty else { return [] }
        return try await db.sql.raw("SELECT \(unsafeRaw: planColumns) FROM intern_lesson_plans WHERE intern_id IN (\(binds: internIds)) ORDER BY intern_id, id").all(decoding: PlanRow.self, with: decoder)
    }
    static func records(internIds: [Int], on db: any Database) async throws -> [RecordRow] {
        guard !internIds.isEmpty else { return [] }
        return try await db.sql.raw("SELECT \(unsafeRaw: recordColumns) FROM intern_records WHERE intern_id IN (\(binds: internIds)) ORDER BY on_date DESC, id DESC").all(decoding: RecordRow.self, with: decoder)
    }
    static func appraisal(internId: Int, on db: any Database) async throws -> AppraisalRow? {
        try await db.sql.raw("""
            SELECT intern_id, summary, mentor_comment, school_comment, school_rating, score_teaching, score_class, score_other, final_score, grade, graded_by
            FROM intern_appraisals WHERE intern_id = \(bind: internId)
            """).first(decoding: AppraisalRow.self, with: decoder)
    }
    static func appraisals(internIds: [Int], on db: any Database) async throws -> [Int: AppraisalRow] {
        guard !internIds.isEmpty else { return [:] }
        let rows = try await db.sql.raw("""
            SELECT intern_id, summary, mentor_comment, school_comment, school_rating, score_teaching, score_class, score_other, final_score, grade, graded_by
            FROM intern_appraisals WHERE intern_id IN (\(binds: internIds))
            """).all(decoding: AppraisalRow.self, with: decoder)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.internId, $0) })
    }
    /// Ensures the appraisal row exists, then sets the given columns.
    static func setAppraisal(internId: Int, _ sets: SQLQueryString, on tx: any Database) async throws {
        struct N: Decodable { let n: Int }
        let has = try await tx.sql.raw("SELECT COUNT(*) AS n FROM intern_appraisals WHERE intern_id = \(bind: internId)").first(decoding: N.self)?.n ?? 0
        if has == 0 { try await tx.sql.raw("INSERT INTO intern_appraisals (intern_id) VALUES (\(bind: internId))").run() }
        try await tx.sql.raw("UPDATE intern_appraisals SET " + sets + " WHERE intern_id = \(bind: internId)").run()
    }
    static func capacity(batchId: Int, on db: any Database) async throws -> [(schoolId: Int, subject: String, places: Int)] {
        struct R: Decodable { let schoolId: Int; let subject: String; let places: Int }
        return try await db.sql.raw("SELECT school_id, subject, places FROM intern_capacity WHERE batch_id = \(bind: batchId) ORDER BY school_id, subject")
            .all(decoding: R.self, with: decoder).map { ($0.schoolId, $0.subject, $0.places) }
    }

    struct University: Decodable { let id: Int; let code: String; let name: String }
    /// The partner universities, by code.
    static func universities(on db: any Database) async throws -> [University] {
        try await db.sql.raw("SELECT id, code, name FROM intern_universities ORDER BY code").all(decoding: University.self)
    }

    struct PlanVersion: Decodable { let version: Int; let title: String; let content: String; let savedAt: Double }
    /// A lesson plan's saved versions, newest first.
    static func planVersions(planId: Int, on db: any Database) async throws -> [PlanVersion] {
        try await db.sql.raw("SELECT version, title, content, saved_at FROM intern_plan_versions WHERE plan_id = \(bind: planId) ORDER BY version DESC")
            .all(decoding: PlanVersion.self, with: decoder)
    }

    struct PlanComment: Decodable { let version: Int; let author: String; let role: String; let text: String; let at: Double }
    /// The mentors' and the intern's comments on a lesson plan, in the order written.
    static func planComments(planId: Int, on db: any Database) async throws -> [PlanComment] {
        try await db.sql.raw("SELECT version, author, role, text, at FROM intern_plan_comments WHERE plan_id = \(bind: planId) ORDER BY id")
            .all(decoding: PlanComment.self, with: decoder)
    }

    /// The code of the university a batch belongs to.
    static func universityCode(batchId: Int, on db: any Database) async throws -> String? {
        struct C: Decodable { let code: String }
        return try await db.sql.raw("SELECT u.code FROM intern_universities u JOIN intern_batches b ON b.university_id = u.id WHERE b.id = \(bind: batchId)")
            .first(decoding: C.self)?.code
    }

    struct Account: Decodable { let id: Int; let username: String; let role: String }
    /// Accounts by username (the platform's table: the import names its interns' accounts).
    static func accounts(usernames: [String], on db: any Database) async throws -> [String: Account] {
        guard !usernames.isEmpty else { return [:] }
        let rows = try await db.sql.select().columns("id", "username", "role").from("users").where("username", .in, SQLBind.group(usernames)).all(decoding: Account.self)
        return Dictionary(rows.map { ($0.username, $0) }, uniquingKeysWith: { a, _ in a })
    }

    struct KnownIntern: Decodable { let userId: Int?; let studentNo: String; let name: String }
    /// Interns of the batch's university (any of its batches) with these student numbers.
    static func internsOfUniversity(batchId: Int, studentNos: [String], on db: any Database) async throws -> [KnownIntern] {
        guard !studentNos.isEmpty else { return [] }
        return try await db.sql.raw("""
            SELECT i.user_id, i.student_no, i.name FROM interns i JOIN intern_batches b ON b.id = i.batch_id
            WHERE b.university_id = (SELECT university_id FROM intern_batches WHERE id = \(bind: batchId))
              AND i.student_no IN (\(SQLList(studentNos.map { SQLBind($0) })))
            """).all(decoding: KnownIntern.self, with: decoder)
    }
}
