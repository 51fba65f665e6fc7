import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// The internship service's reads and writes of its tables (issue 33: the service keeps the
/// permission checks, the validation, the transactions and the audit; the statements are here).
extension InternshipStore {
    // MARK: interns

    /// A batch's interns.
    static func interns(batchId: Int, on db: any Database) async throws -> [InternRow] {
        try await interns(where: "batch_id = \(bind: batchId)", on: db)
    }

    /// The interns an account is (an intern in several batches has one row each).
    static func interns(userId: Int, on db: any Database) async throws -> [InternRow] {
        try await interns(where: "user_id = \(bind: userId)", on: db)
    }

    /// The other interns of a group.
    static func peers(groupId: Int, of internId: Int, on db: any Database) async throws -> [InternRow] {
        try await interns(where: "group_id = \(bind: groupId) AND id <> \(bind: internId)", on: db)
    }

    /// Whose interns one sees: every one, a supervisor's groups', a mentor's, a host school's,
    /// one's own (any that apply).
    struct Visibility {
        var all = false
        /// Every intern of one county's batches (that county's bureau among several).
        var county: String?
        var supervisorUserId: Int?
        var mentorTeacherId: Int?
        var hostSchoolId: Int?
        var ownUserId: Int?
    }

    /// The interns visible so, of one batch or all; none when nothing is visible.
    static func interns(visible v: Visibility, batchId: Int?, on db: any Database) async throws -> [InternRow] {
        var parts: [SQLQueryString] = []
        if v.all { parts.append("1 = 1") }
        if let c = v.county { parts.append("batch_id IN (SELECT id FROM intern_batches WHERE county_code = \(bind: c))") }
        if let u = v.supervisorUserId { parts.append("group_id IN (SELECT id FROM intern_groups WHERE supervisor_user_id = \(bind: u))") }
        if let t = v.mentorTeacherId { parts.append("mentor_teacher_id = \(bind: t)") }
        if let s = v.hostSchoolId { parts.append("school_id = \(bind: s)") }
        if let u = v.ownUserId { parts.append("user_id = \(bind: u)") }
        guard !parts.isEmpty else { return [] }
        var condition: SQLQueryString = "(" + parts.joined(separator: " OR ") + ")"
        if let batchId { condition = condition + " AND batch_id = \(bind: batchId)" }
        return try await interns(where: condition, on: db)
    }

    /// The student numbers already in a batch.
    static func studentNumbers(batchId: Int, on db: any Database) async throws -> [String] {
        struct N: Decodable { let studentNo: String }
        return try await db.sql.raw("SELECT student_no FROM interns WHERE batch_id = \(bind: batchId)").all(decoding: N.self, with: decoder).map(\.studentNo)
    }

    /// One imported intern.
    static func insertIntern(
        batchId: Int, groupId: Int?, userId: Int, studentNo: String, name: String, major: String, subject: String, phone: String?, preferences: String,
        on tx: any Database
    ) async throws {
        try await tx.sql.raw(
            """
            INSERT INTO interns (batch_id, group_id, user_id, student_no, name, major, subject, phone, preferences, version)
            VALUES (\(bind: batchId), \(bind: groupId), \(bind: userId), \(bind: studentNo), \(bind: name), \(bind: major), \(bind: subject), \(bind: phone),
                    \(bind: preferences), 1)
            """
        ).run()
    }

    // MARK: set-up

    static func universityExists(id: Int, on db: any Database) async throws -> Bool {
        struct N: Decodable { let n: Int }
        return (try await db.sql.raw("SELECT COUNT(*) AS n FROM intern_universities WHERE id = \(bind: id)").first(decoding: N.self)?.n ?? 0) != 0
    }

    static func insertUniversity(code: String, name: String, on tx: any Database) async throws -> Int {
        struct Id: Decodable { let id: Int }
        let row = try await tx.sql.raw("INSERT INTO intern_universities (code, name) VALUES (\(bind: code), \(bind: name)) RETURNING id").first(
            decoding: Id.self)
        return row!.id
    }

    static func insertBatch(
        universityId: Int, name: String, startsOn: String, weeks: String, observationsPerWeek: Int, weights: GradeWeights, county: String?, on tx: any Database,
        now: Double
    ) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.raw(
            """
            INSERT INTO intern_batches (university_id, name, starts_on, weeks, observations_per_week, weight_teaching, weight_class, weight_other, created_at, county_code)
            VALUES (\(bind: universityId), \(bind: name), \(bind: startsOn), \(bind: weeks), \(bind: observationsPerWeek),
                    \(bind: weights.teaching), \(bind: weights.classTeacher), \(bind: weights.other), \(bind: now), \(bind: county)) RETURNING id
            """
        ).first(decoding: Id.self)!.id
    }

    static func insertGroup(batchId: Int, name: String, supervisorUserId: Int, on tx: any Database) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.raw(
            "INSERT INTO intern_groups (batch_id, name, supervisor_user_id) VALUES (\(bind: batchId), \(bind: name), \(bind: supervisorUserId)) RETURNING id"
        ).first(decoding: Id.self)!.id
    }

    /// A county's batches under its new code.
    static func recodeBatches(from old: String, to new: String, on tx: any Database) async throws {
        try await tx.sql.raw("UPDATE intern_batches SET county_code = \(bind: new) WHERE county_code = \(bind: old)").run()
    }

    /// A host school's places in a subject for a batch (0 removes them).
    static func setCapacity(batchId: Int, schoolId: Int, subject: String, places: Int, on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM intern_capacity WHERE batch_id = \(bind: batchId) AND school_id = \(bind: schoolId) AND subject = \(bind: subject)")
            .run()
        if places > 0 {
            try await tx.sql.raw(
                "INSERT INTO intern_capacity (batch_id, school_id, subject, places) VALUES (\(bind: batchId), \(bind: schoolId), \(bind: subject), \(bind: places))"
            ).run()
        }
    }

    static func setGroupSummary(groupId: Int, text: String, on tx: any Database) async throws {
        try await tx.sql.raw("UPDATE intern_groups SET summary = \(bind: text) WHERE id = \(bind: groupId)").run()
    }

    // MARK: placement

    /// Places an intern who has no school yet.
    static func placeUnplaced(internId: Int, schoolId: Int, on tx: any Database) async throws {
        try await tx.sql.raw("UPDATE interns SET school_id = \(bind: schoolId), version = version + 1 WHERE id = \(bind: internId) AND school_id IS NULL").run()
    }

    /// A host school's places in a subject for a batch, and the interns placed there.
    static func places(batchId: Int, schoolId: Int, subject: String, on db: any Database) async throws -> (places: Int, used: Int) {
        struct N: Decodable { let n: Int }
        let places =
            try await db.sql.raw(
                "SELECT CAST(COALESCE(SUM(places), 0) AS BIGINT) AS n FROM intern_capacity WHERE batch_id = \(bind: batchId) AND school_id = \(bind: schoolId) AND subject = \(bind: subject)"
            ).first(decoding: N.self)?.n ?? 0
        let used =
            try await db.sql.raw(
                "SELECT COUNT(*) AS n FROM interns WHERE batch_id = \(bind: batchId) AND school_id = \(bind: schoolId) AND subject = \(bind: subject)"
            ).first(decoding: N.self)?.n ?? 0
        return (places, used)
    }

    /// Writes an intern's placement when the version still matches; false when someone else
    /// changed it first.
    static func updatePlacement(
        internId: Int, version: Int, schoolId: Int?, mentorTeacherId: Int?, className: String?, classSize: Int?, on tx: any Database
    ) async throws -> Bool {
        struct Id: Decodable { let id: Int }
        let done = try await tx.sql.raw(
            """
            UPDATE interns SET school_id = \(bind: schoolId), mentor_teacher_id = \(bind: mentorTeacherId), class_name = \(bind: className),
              class_size = \(bind: classSize), version = version + 1 WHERE id = \(bind: internId) AND version = \(bind: version) RETURNING id
            """
        ).all(decoding: Id.self)
        return !done.isEmpty
    }

    /// A mentor who moved to another school stops mentoring the interns outside it: their names.
    static func releaseMentor(teacherId: Int, movedTo schoolId: Int, on tx: any Database) async throws -> [String] {
        struct I: Decodable {
            let id: Int
            let name: String
        }
        let interns = try await tx.sql.raw(
            """
            SELECT id, name FROM interns WHERE mentor_teacher_id = \(bind: teacherId) AND (school_id IS NULL OR school_id <> \(bind: schoolId))
            """
        ).all(decoding: I.self)
        guard !interns.isEmpty else { return [] }
        try await tx.sql.raw(
            """
            UPDATE interns SET mentor_teacher_id = NULL, version = version + 1
            WHERE mentor_teacher_id = \(bind: teacherId) AND (school_id IS NULL OR school_id <> \(bind: schoolId))
            """
        ).run()
        return interns.map(\.name)
    }

    // MARK: lesson plans

    /// A new plan with its first saved version; its id.
    static func insertPlan(
        internId: Int, title: String, subject: String, grade: String, content: String, on tx: any Database, now: Double
    ) async throws -> Int {
        struct Id: Decodable { let id: Int }
        let id = try await tx.sql.raw(
            """
            INSERT INTO intern_lesson_plans (intern_id, title, subject, grade, content, version, trial, created_at, updated_at)
            VALUES (\(bind: internId), \(bind: title), \(bind: subject), \(bind: grade), \(bind: content), 1, 'none', \(bind: now), \(bind: now)) RETURNING id
            """
        ).first(decoding: Id.self)!.id
        try await tx.sql.raw(
            "INSERT INTO intern_plan_versions (plan_id, version, title, content, saved_at) VALUES (\(bind: id), 1, \(bind: title), \(bind: content), \(bind: now))"
        ).run()
        return id
    }

    /// A revised plan, its approvals and trial lecture cleared, when the version still matches;
    /// false when someone else changed it first.
    static func revisePlan(id: Int, version: Int, title: String, content: String, on tx: any Database, now: Double) async throws -> Bool {
        struct Id: Decodable { let id: Int }
        let done = try await tx.sql.raw(
            """
            UPDATE intern_lesson_plans SET title = \(bind: title), content = \(bind: content), version = version + 1, mentor_approved_by = NULL, mentor_approved_at = NULL,
              supervisor_approved_by = NULL, supervisor_approved_at = NULL, trial = 'none', updated_at = \(bind: now)
            WHERE id = \(bind: id) AND version = \(bind: version) RETURNING id
            """
        ).all(decoding: Id.self)
        return !done.isEmpty
    }

    /// A saved version of a plan.
    static func insertPlanVersion(planId: Int, version: Int, title: String, content: String, on tx: any Database, now: Double) async throws {
        try await tx.sql.raw(
            "INSERT INTO intern_plan_versions (plan_id, version, title, content, saved_at) VALUES (\(bind: planId), \(bind: version), \(bind: title), \(bind: content), \(bind: now))"
        ).run()
    }

    /// Who approves a plan.
    enum Approver: String {
        case mentor, supervisor
    }

    /// A mentor's or supervisor's approval of a plan's version.
    static func approvePlan(id: Int, version: Int, as approver: Approver, by username: String, on tx: any Database, now: Double) async throws {
        let column = approver.rawValue
        try await tx.sql.raw(
            """
            UPDATE intern_lesson_plans SET \(unsafeRaw: column)_approved_by = \(bind: username), \(unsafeRaw: column)_approved_at = \(bind: now)
            WHERE id = \(bind: id) AND version = \(bind: version)
            """
        ).run()
    }

    static func insertPlanComment(planId: Int, version: Int, author: String, role: String, text: String, on tx: any Database, now: Double) async throws {
        try await tx.sql.raw(
            "INSERT INTO intern_plan_comments (plan_id, version, author, role, text, at) VALUES (\(bind: planId), \(bind: version), \(bind: author), \(bind: role), \(bind: text), \(bind: now))"
        ).run()
    }

    /// The trial lecture's result, and the plan's trial state with it.
    static func recordTrial(planId: Int, passed: Bool, notes: String?, by: String, on tx: any Database, now: Double) async throws {
        try await tx.sql.raw(
            "INSERT INTO intern_trials (plan_id, passed, notes, by, at) VALUES (\(bind: planId), \(bind: passed), \(bind: notes), \(bind: by), \(bind: now))"
        ).run()
        try await tx.sql.raw("UPDATE intern_lesson_plans SET trial = \(bind: passed ? "passed" : "failed") WHERE id = \(bind: planId)").run()
    }

    // MARK: records and appraisals

    /// A dated record; its id.
    static func insertRecord(
        internId: Int, kind: String, onDate: String, lessonPlanId: Int?, className: String?, topic: String, periods: Int?, ofInternId: Int?, scores: String?,
        notes: String?, by: String, on tx: any Database, now: Double
    ) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.raw(
            """
            INSERT INTO intern_records (intern_id, kind, on_date, lesson_plan_id, class_name, topic, periods, of_intern_id, scores, notes, by, at)
            VALUES (\(bind: internId), \(bind: kind), \(bind: onDate), \(bind: lessonPlanId), \(bind: className),
                    \(bind: topic), \(bind: periods), \(bind: ofInternId), \(bind: scores), \(bind: notes), \(bind: by), \(bind: now)) RETURNING id
            """
        ).first(decoding: Id.self)!.id
    }

    /// The parts of an appraisal written by others than the supervisor.
    enum AppraisalText {
        /// The intern's summary (实习总结).
        case summary(String)
        /// The mentor's comment.
        case mentorComment(String)
        /// The host school's comment and rating.
        case school(comment: String, rating: String)
    }

    static func setAppraisal(internId: Int, _ text: AppraisalText, on tx: any Database) async throws {
        let sets: SQLQueryString
        switch text {
        case .summary(let t): sets = "summary = \(bind: t)"
        case .mentorComment(let t): sets = "mentor_comment = \(bind: t)"
        case .school(let t, let r): sets = "school_comment = \(bind: t), school_rating = \(bind: r)"
        }
        try await setAppraisal(internId: internId, sets, on: tx)
    }

    /// The supervisor's grade: the three scores, the final score and grade.
    static func setGrade(
        internId: Int, teaching: Double, classTeacher: Double, other: Double, score: Double, grade: String, by: String, on tx: any Database
    ) async throws {
        try await setAppraisal(
            internId: internId,
            "score_teaching = \(bind: teaching), score_class = \(bind: classTeacher), score_other = \(bind: other), final_score = \(bind: score), grade = \(bind: grade), graded_by = \(bind: by)",
            on: tx)
    }
}
