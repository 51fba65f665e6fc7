import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// The training's rules, programmes, enrolments, attendance and hours (issue 33: the service keeps
/// the checks, the validation, the transactions and the audit; the statements are here), and the
/// training pages' reads of the enrolments.
extension TeachingService {
    /// The rule in force on a day.
    static func trainingRules(on date: CivilDate, db: any Database) async throws -> TrainingRules? {
        try await DatedRules.inForce(TrainingRules.self, in: "training_rules", on: date, db: db)
    }

    // MARK: programmes

    static func programmeRows(on db: any Database) async throws -> [ProgrammeRow] {
        try await db.sql.raw("SELECT id, name, kind, starts_on, ends_on, hours, county_code FROM training_programmes ORDER BY starts_on DESC, id DESC").all(
            decoding: ProgrammeRow.self, with: decoder)
    }

    static func programme(id programmeId: Int, on db: any Database) async throws -> ProgrammeRow? {
        try await db.sql.raw("SELECT id, name, kind, starts_on, ends_on, hours, county_code FROM training_programmes WHERE id = \(bind: programmeId)").first(
            decoding: ProgrammeRow.self, with: decoder)
    }

    static func insertProgramme(name: String, kind: String, startsOn: String, endsOn: String, hours: Double, county: String?, on tx: any Database, now: Double)
        async throws
        -> Int
    {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.raw(
            "INSERT INTO training_programmes (name, kind, starts_on, ends_on, hours, created_at, county_code) VALUES (\(bind: name), \(bind: kind), \(bind: startsOn), \(bind: endsOn), \(bind: hours), \(bind: now), \(bind: county)) RETURNING id"
        )
        .first(decoding: Id.self)!.id
    }

    // MARK: enrolment and attendance

    /// How many teachers a programme has enrolled.
    static func enrolmentCount(programmeId: Int, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw("SELECT COUNT(*) AS n FROM training_enrolments WHERE programme_id = \(bind: programmeId)").first(decoding: N.self)?.n ?? 0
    }

    /// Enrols the teachers of the schools who are not enrolled yet.
    static func enrol(programmeId: Int, schoolIds ids: [Int], on tx: any Database) async throws {
        try await tx.sql.raw(
            """
            INSERT INTO training_enrolments (programme_id, teacher_id, attended, hours)
            SELECT \(bind: programmeId), t.id, false, 0 FROM teachers t WHERE t.school_id IN (\(binds: ids))
              AND NOT EXISTS (SELECT 1 FROM training_enrolments e WHERE e.programme_id = \(bind: programmeId) AND e.teacher_id = t.id)
            """
        ).run()
    }

    /// Attendance: the listed teachers attended (credited `hours`), the rest of the enrolled did not.
    static func recordAttendance(programmeId: Int, hours: Double, attended teacherIds: [Int], on tx: any Database) async throws {
        try await tx.sql.raw("UPDATE training_enrolments SET attended = false, hours = 0 WHERE programme_id = \(bind: programmeId)").run()
        if !teacherIds.isEmpty {
            try await tx.sql.raw(
                "UPDATE training_enrolments SET attended = true, hours = \(bind: hours) WHERE programme_id = \(bind: programmeId) AND teacher_id IN (\(binds: teacherIds))"
            ).run()
        }
    }

    // MARK: hours

    /// Hours credited to the teachers in programmes that ended in `year`, by teacher (in reads of
    /// 500 teachers); teachers without any are left out.
    static func creditedHours(year: Int, teacherIds ids: [Int], on db: any Database) async throws -> [Int: Double] {
        struct H: Decodable {
            let teacherId: Int
            let total: Double
        }
        var totals: [Int: Double] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            for r in try await db.sql.raw(
                """
                SELECT e.teacher_id, SUM(e.hours) AS total FROM training_enrolments e JOIN training_programmes p ON p.id = e.programme_id
                WHERE e.attended AND substr(p.ends_on, 1, 4) = \(bind: String(year)) AND e.teacher_id IN (\(binds: chunk)) GROUP BY e.teacher_id
                """
            ).all(decoding: H.self, with: decoder) { totals[r.teacherId] = r.total }
        }
        return totals
    }

    /// Hours credited to the teachers in programmes that ended in `years`, by teacher (in reads of
    /// 500 teachers); teachers without any are left out.
    static func creditedHours(years: ClosedRange<Int>, teacherIds ids: [Int], on db: any Database) async throws -> [Int: Double] {
        struct H: Decodable {
            let teacherId: Int
            let total: Double
        }
        var totals: [Int: Double] = [:]
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            for r in try await db.sql.raw(
                """
                SELECT e.teacher_id, SUM(e.hours) AS total FROM training_enrolments e JOIN training_programmes p ON p.id = e.programme_id
                WHERE e.attended AND substr(p.ends_on, 1, 4) >= \(bind: String(years.lowerBound)) AND substr(p.ends_on, 1, 4) <= \(bind: String(years.upperBound))
                  AND e.teacher_id IN (\(binds: chunk)) GROUP BY e.teacher_id
                """
            ).all(decoding: H.self, with: decoder) { totals[r.teacherId] = r.total }
        }
        return totals
    }

    struct Completion: Decodable {
        let schoolId: Int
        let n: Int
        let done: Int
    }

    /// Per school: its teachers, and those with at least `due` hours in programmes that ended in
    /// `years`, in one aggregate over the register.
    static func completion(years: ClosedRange<Int>, due: Double, on db: any Database) async throws -> [Completion] {
        try await db.sql.raw(
            """
            SELECT t.school_id, COUNT(*) AS n, SUM(CASE WHEN COALESCE(h.total, 0) + 0.000001 >= \(bind: due) THEN 1 ELSE 0 END) AS done
            FROM teachers t LEFT JOIN (
              SELECT e.teacher_id, SUM(e.hours) AS total FROM training_enrolments e JOIN training_programmes p ON p.id = e.programme_id
              WHERE e.attended AND substr(p.ends_on, 1, 4) >= \(bind: String(years.lowerBound)) AND substr(p.ends_on, 1, 4) <= \(bind: String(years.upperBound))
              GROUP BY e.teacher_id) h ON h.teacher_id = t.id
            GROUP BY t.school_id
            """
        ).all(decoding: Completion.self, with: decoder)
    }

    // MARK: the training pages

    struct EnrolmentCount: Decodable {
        let programmeId: Int
        let enrolled: Int
        let attended: Int
    }

    /// Each programme's enrolled and attending teachers, in one grouped count.
    static func enrolmentCounts(on db: any Database) async throws -> [Int: EnrolmentCount] {
        let rows = try await db.sql.raw(
            """
            SELECT programme_id, COUNT(*) AS enrolled, SUM(CASE WHEN attended THEN 1 ELSE 0 END) AS attended
            FROM training_enrolments GROUP BY programme_id
            """
        ).all(decoding: EnrolmentCount.self, with: decoder)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.programmeId, $0) })
    }

    /// The teachers enrolled in a programme.
    static func enrolled(programmeId: Int, on db: any Database) async throws -> [Int] {
        struct T: Decodable { let teacherId: Int }
        return try await db.sql.raw("SELECT teacher_id FROM training_enrolments WHERE programme_id = \(bind: programmeId)")
            .all(decoding: T.self, with: decoder).map(\.teacherId)
    }
}
