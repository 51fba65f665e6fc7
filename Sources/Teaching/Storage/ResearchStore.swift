import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// The research network's offices and researchers, research activities and open classes, their
/// invitations, attendance, minutes and search index, and the observers' rubrics (issue 33: the
/// service keeps the checks, the validation, the transactions and the audit; the statements are
/// here).
extension TeachingService {
    static let activityColumns =
        "id, kind, level, district_id, school_id, subject, grade, title, starts_at, ends_at, place, online_link, agenda, minutes, host_teacher_id, plan_id, organiser, version, county_code"

    // MARK: research units and researchers

    struct ResearcherUnit: Decodable {
        let level: String
        let districtId: Int?
        let countyCode: String?
    }

    /// The unit a teacher is a researcher of, if any.
    static func researcherUnit(teacherId t: Int, on db: any Database) async throws -> ResearcherUnit? {
        try await db.sql.raw(
            "SELECT u.level, u.district_id, u.county_code FROM research_staff s JOIN research_units u ON u.id = s.unit_id WHERE s.teacher_id = \(bind: t)"
        )
        .first(decoding: ResearcherUnit.self, with: decoder)
    }

    /// The units, the county office first, then the districts' centres.
    static func unitRows(on db: any Database) async throws -> [ResearchUnitRow] {
        try await db.sql.raw(
            "SELECT id, level, district_id, name, county_code FROM research_units ORDER BY CASE level WHEN 'county' THEN 0 ELSE 1 END, district_id, id"
        )
        .all(decoding: ResearchUnitRow.self, with: decoder)
    }

    static func staffRows(on db: any Database) async throws -> [ResearcherRow] {
        try await db.sql.raw("SELECT unit_id, teacher_id, subject, since FROM research_staff ORDER BY unit_id, teacher_id").all(
            decoding: ResearcherRow.self, with: decoder)
    }

    /// How many units there are of a level and district (nil: the county's).
    static func unitCount(level: String, districtId district: Int?, county: String?, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        // A district has one centre; a county one office (its own among several).
        let inCounty: SQLQueryString = district == nil && county != nil ? " AND (county_code = \(bind: county) OR county_code IS NULL)" : ""
        return try await db.sql.raw(
            "SELECT COUNT(*) AS n FROM research_units WHERE level = \(bind: level) AND (district_id = \(bind: district) OR (district_id IS NULL AND \(bind: district) IS NULL))"
                + inCounty
        )
        .first(decoding: N.self)?.n ?? 0
    }

    /// On PostgreSQL, orders the writers that set up research units (one at a time, as SQLite's
    /// single writer does), so each one's check for an existing office sees the others' (twenty
    /// set-ups at once made ten offices of one county).
    static func lockUnits(on tx: any Database) async throws {
        guard tx.sql.dialect.name == "postgresql" else { return }
        try await tx.sql.raw("SELECT pg_advisory_xact_lock(7402120)").run()
    }

    static func insertUnit(level: String, districtId: Int?, name: String, county: String?, on tx: any Database, now: Double) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.raw(
            "INSERT INTO research_units (level, district_id, name, created_at, county_code) VALUES (\(bind: level), \(bind: districtId), \(bind: name), \(bind: now), \(bind: county)) RETURNING id"
        )
        .first(decoding: Id.self)!.id
    }

    static func insertResearcher(unitId: Int, teacherId: Int, subject: String?, since: String, on tx: any Database) async throws {
        try await tx.sql.raw(
            "INSERT INTO research_staff (unit_id, teacher_id, subject, since) VALUES (\(bind: unitId), \(bind: teacherId), \(bind: subject), \(bind: since))"
        ).run()
    }

    static func deleteResearcher(unitId: Int, teacherId: Int, on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM research_staff WHERE unit_id = \(bind: unitId) AND teacher_id = \(bind: teacherId)").run()
    }

    struct StaffUnit: Decodable {
        let id: Int
        let name: String
        let level: String
        let districtId: Int?
    }

    /// The units a teacher is a researcher of.
    static func units(ofResearcher teacherId: Int, on db: any Database) async throws -> [StaffUnit] {
        try await db.sql.raw(
            """
            SELECT u.id, u.name, u.level, u.district_id FROM research_staff s JOIN research_units u ON u.id = s.unit_id WHERE s.teacher_id = \(bind: teacherId)
            """
        ).all(decoding: StaffUnit.self, with: decoder)
    }

    // MARK: activities and open classes

    static func activityRow(id: Int, on db: any Database) async throws -> ActivityRow? {
        try await db.sql.raw("SELECT \(unsafeRaw: activityColumns) FROM research_activities WHERE id = \(bind: id)").first(
            decoding: ActivityRow.self, with: decoder)
    }

    /// (Re)writes an activity's search row.
    static func indexActivity(_ id: Int, title: String, agenda: String?, minutes: String?, on tx: any Database) async throws {
        let doc = activityDocument((title, agenda, minutes))
        if tx.sql.dialect.name == "postgresql" {
            try await tx.sql.raw("DELETE FROM research_activity_search WHERE activity_id = \(bind: id)").run()
            try await tx.sql.raw("INSERT INTO research_activity_search (activity_id, grams) VALUES (\(bind: id), to_tsvector('simple', \(bind: doc)))").run()
        } else {
            try await tx.sql.raw("DELETE FROM research_activity_search WHERE rowid = \(bind: id)").run()
            try await tx.sql.raw("INSERT INTO research_activity_search (rowid, grams) VALUES (\(bind: id), \(bind: doc))").run()
        }
    }

    struct TeacherSubjects: Decodable {
        let id: Int
        let subjects: String
    }

    /// The teachers of an activity's area (the county's: all, or its districts' among several)
    /// with the subjects they teach.
    static func teacherSubjects(level: ResearchLevel, districtId: Int, schoolId: Int, countyDistricts: Set<Int>?, on db: any Database) async throws
        -> [TeacherSubjects]
    {
        let cond: SQLQueryString
        switch level {
        case .county: cond = countyDistricts.map { "\(RegistryStore.inList("district_id", $0.sorted()))" } ?? "1 = 1"
        case .district: cond = "district_id = \(bind: districtId)"
        case .school: cond = "school_id = \(bind: schoolId)"
        }
        return try await db.sql.raw("SELECT id, subjects FROM teachers WHERE \(cond)").all(decoding: TeacherSubjects.self)
    }

    /// A new activity with its invitations (teachers by id, in statements of 500); its id.
    static func insertActivity(
        kind: String, level: String, districtId: Int?, schoolId: Int?, subject: String, grade: String?, title: String, startsAt: String, endsAt: String,
        place: String?, onlineLink: String?, agenda: String?, hostTeacherId: Int?, planId: Int?, organiser: String, invited: [Int], county: String?,
        on tx: any Database, now: Double
    ) async throws -> Int {
        struct Id: Decodable { let id: Int }
        let id = try await tx.sql.raw(
            """
            INSERT INTO research_activities (kind, level, district_id, school_id, subject, grade, title, starts_at, ends_at, place, online_link, agenda, minutes, host_teacher_id, plan_id,
              organiser, version, created_at, updated_at, county_code)
            VALUES (\(bind: kind), \(bind: level), \(bind: districtId), \(bind: schoolId), \(bind: subject),
                    \(bind: grade), \(bind: title), \(bind: startsAt), \(bind: endsAt), \(bind: place), \(bind: onlineLink),
                    \(bind: agenda), NULL, \(bind: hostTeacherId), \(bind: planId), \(bind: organiser), 1, \(bind: now), \(bind: now), \(bind: county)) RETURNING id
            """
        ).first(decoding: Id.self)!.id
        for chunk in stride(from: 0, to: invited.count, by: 500) {
            let part = invited[chunk..<min(chunk + 500, invited.count)]
            try await tx.sql.raw(
                "INSERT INTO research_attendees (activity_id, teacher_id, attended) VALUES \(unsafeRaw: part.map { "(\(id), \($0), NULL)" }.joined(separator: ", "))"
            ).run()
        }
        return id
    }

    /// The activities a reader sees: the county's, and the district's and school's of one's own
    /// (an office: its area; the county's reader: all).
    struct ActivityQuery: Sendable {
        var kind: String?
        var subject: String?
        var from: String?
        var office: RegistryScope?
        var county: Bool
        /// The caller's county among several: its county-level activities only.
        var countyCode: String?
        var districtId: Int?
        var schoolId: Int?
    }

    static let activityListColumns = activityColumns.split(separator: ",").map { "x." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")

    static func whereClause(_ q: ActivityQuery) -> SQLQueryString {
        var conds: [SQLQueryString] = []
        if let kind = q.kind { conds.append("x.kind = \(bind: kind)") }
        if let s = q.subject { conds.append("x.subject = \(bind: s)") }
        if let f = q.from { conds.append("x.ends_at >= \(bind: f)") }
        // The caller's area, in the query.
        var scope: [SQLQueryString] = [
            q.countyCode.map { "(x.level = 'county' AND (x.county_code = \(bind: $0) OR x.county_code IS NULL))" } ?? "x.level = 'county'"
        ]
        if q.county { scope = ["1 = 1"] }
        if case .districts(let ds)? = q.office { scope.append("\(RegistryStore.inList("x.district_id", ds))") }
        if case .district(let d)? = q.office { scope.append("x.district_id = \(bind: d)") }
        if case .school(let s)? = q.office { scope.append("x.school_id = \(bind: s)") }
        if let d = q.districtId { scope.append("(x.level = 'district' AND x.district_id = \(bind: d))") }
        if let s = q.schoolId { scope.append("(x.level = 'school' AND x.school_id = \(bind: s))") }
        conds.append("(" + scope.joined(separator: " OR ") + ")")
        return "WHERE " + conds.joined(separator: " AND ")
    }

    /// The activities of a list, the latest first.
    static func activities(_ q: ActivityQuery, limit: Int, on db: any Database) async throws -> [ActivityRow] {
        try await db.sql.raw(
            "SELECT \(unsafeRaw: activityListColumns) FROM research_activities x \(whereClause(q)) ORDER BY x.starts_at DESC, x.id DESC LIMIT \(bind: limit)"
        )
        .all(decoding: ActivityRow.self, with: decoder)
    }

    /// The activities of a list holding a phrase (bigrams joined by spaces), best matches first.
    static func searchActivities(phrase: String, _ q: ActivityQuery, limit: Int, on db: any Database) async throws -> [ActivityRow] {
        let whereClause = whereClause(q)
        if db.sql.dialect.name == "postgresql" {
            return try await db.sql.raw(
                """
                SELECT \(unsafeRaw: activityListColumns) FROM research_activities x JOIN research_activity_search s ON s.activity_id = x.id
                \(whereClause) AND s.grams @@ phraseto_tsquery('simple', \(bind: phrase))
                ORDER BY ts_rank(s.grams, phraseto_tsquery('simple', \(bind: phrase))) DESC, x.starts_at DESC LIMIT \(bind: limit)
                """
            ).all(decoding: ActivityRow.self, with: decoder)
        }
        let match = "\"" + phrase.replacingOccurrences(of: "\"", with: "") + "\""
        return try await db.sql.raw(
            """
            SELECT \(unsafeRaw: activityListColumns) FROM research_activity_search s JOIN research_activities x ON x.id = s.rowid
            \(whereClause) AND research_activity_search MATCH \(bind: match)
            ORDER BY bm25(research_activity_search), x.starts_at DESC LIMIT \(bind: limit)
            """
        ).all(decoding: ActivityRow.self, with: decoder)
    }

    /// The activities a teacher teaches or is invited to that end on or after `from` and start
    /// before `to`, by start.
    static func activities(ofTeacher t: Int, from lo: String, to hi: String, on db: any Database) async throws -> [ActivityRow] {
        try await db.sql.raw(
            """
            SELECT \(unsafeRaw: activityListColumns) FROM research_activities x WHERE x.ends_at >= \(bind: lo) AND x.starts_at < \(bind: hi)
            AND (x.host_teacher_id = \(bind: t) OR x.id IN (SELECT activity_id FROM research_attendees WHERE teacher_id = \(bind: t))) ORDER BY x.starts_at
            """
        ).all(decoding: ActivityRow.self, with: decoder)
    }

    /// How many activities a teacher teaches or is invited to start in `[from, to)`.
    static func activitiesStarting(teacherId t: Int, from: String, to: String, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw(
            """
            SELECT COUNT(*) AS n FROM research_activities x WHERE x.starts_at >= \(bind: from) AND x.starts_at < \(bind: to)
            AND (x.host_teacher_id = \(bind: t) OR x.id IN (SELECT activity_id FROM research_attendees WHERE teacher_id = \(bind: t)))
            """
        ).first(decoding: N.self)?.n ?? 0
    }

    static func attendeeRows(activityId: Int, on db: any Database) async throws -> [AttendeeRow] {
        try await db.sql.raw("SELECT teacher_id, attended FROM research_attendees WHERE activity_id = \(bind: activityId) ORDER BY teacher_id").all(
            decoding: AttendeeRow.self, with: decoder)
    }

    static func attendee(activityId: Int, teacherId t: Int, on db: any Database) async throws -> AttendeeRow? {
        try await db.sql.raw("SELECT teacher_id, attended FROM research_attendees WHERE activity_id = \(bind: activityId) AND teacher_id = \(bind: t)").first(
            decoding: AttendeeRow.self, with: decoder)
    }

    /// A new version of an activity (with its minutes, when given: empty clears them) when the
    /// version still matches; false when someone else changed it first.
    static func bumpActivity(id: Int, version v: Int, minutes: String?, on tx: any Database, now: Double) async throws -> Bool {
        struct N: Decodable { let id: Int }
        var set: SQLQueryString = "version = version + 1, updated_at = \(bind: now)"
        if let minutes { set = set + ", minutes = \(bind: minutes.isEmpty ? nil : minutes)" }
        let bumped = try await tx.sql.raw("UPDATE research_activities SET \(set) WHERE id = \(bind: id) AND version = \(bind: v) RETURNING id").all(
            decoding: N.self)
        return !bumped.isEmpty
    }

    /// Who came: the listed teachers attended, the rest of the invited did not.
    static func recordAttendance(activityId id: Int, attended: [Int], on tx: any Database) async throws {
        try await tx.sql.raw("UPDATE research_attendees SET attended = false WHERE activity_id = \(bind: id)").run()
        for chunk in stride(from: 0, to: attended.count, by: 500) {
            let part = Array(attended[chunk..<min(chunk + 500, attended.count)])
            try await tx.sql.raw(
                "UPDATE research_attendees SET attended = true WHERE activity_id = \(bind: id) AND teacher_id IN (\(unsafeRaw: part.map(String.init).joined(separator: ", ")))"
            ).run()
        }
    }

    // MARK: the observers' rubric

    /// An observer's rubric of an open class, replacing their earlier one.
    static func replaceObservation(activityId: Int, observer t: Int, scores json: String, total: Int, comment: String?, on tx: any Database, now: Double)
        async throws
    {
        try await tx.sql.raw("DELETE FROM research_observations WHERE activity_id = \(bind: activityId) AND observer_teacher_id = \(bind: t)").run()
        try await tx.sql.raw(
            """
            INSERT INTO research_observations (activity_id, observer_teacher_id, scores, total, comment, created_at, updated_at)
            VALUES (\(bind: activityId), \(bind: t), \(bind: json), \(bind: total), \(bind: comment), \(bind: now), \(bind: now))
            """
        ).run()
    }

    static func observationRows(activityId: Int, on db: any Database) async throws -> [ObservationRow] {
        try await db.sql.raw(
            "SELECT observer_teacher_id, scores, total, comment FROM research_observations WHERE activity_id = \(bind: activityId) ORDER BY id"
        )
        .all(decoding: ObservationRow.self, with: decoder)
    }
}
