import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// The registry service's own writes to schools, teachers and districts (issue 33: the service
/// keeps the checks, the transaction and the audit; the statements are here).
extension RegistryStore {
    /// Makes a school its district's central school, unless the district has one already.
    static func setCentralSchool(_ schoolId: Int, districtId: Int, on tx: any Database) async throws {
        try await tx.sql.raw("UPDATE districts SET central_school_id = \(bind: schoolId) WHERE id = \(bind: districtId) AND central_school_id IS NULL").run()
    }

    /// Writes a school's edited fields when its version still matches; false when someone else
    /// changed it first.
    static func updateSchool(id: Int, version: Int, _ v: ValidSchool, districtId: Int, students: Int, on tx: any Database, now: Double) async throws -> Bool {
        struct N: Decodable { let id: Int }
        let updated = try await tx.sql.raw(
            """
            UPDATE schools SET code = \(bind: v.code), name = \(bind: v.name), district_id = \(bind: districtId), stage = \(bind: v.stage.rawValue),
              locality = \(bind: v.locality.rawValue), boarding = \(bind: v.boarding), central = \(bind: v.central), standardised = \(bind: v.standardised),
              students = \(bind: students), address = \(bind: v.address), updated_at = \(bind: now), version = version + 1
            WHERE id = \(bind: id) AND version = \(bind: version) RETURNING id
            """
        ).all(decoding: N.self)
        return !updated.isEmpty
    }

    /// A school's teachers follow it into another district.
    static func moveSchoolTeachers(schoolId: Int, toDistrict districtId: Int, on tx: any Database) async throws {
        try await tx.sql.raw("UPDATE teachers SET district_id = \(bind: districtId) WHERE school_id = \(bind: schoolId)").run()
    }

    /// 撤并, the teachers: each teacher of the closing school gets a 'merge' transfer and moves
    /// to the target school (their `school_since` is kept: a merge keeps their service). Returns
    /// the ids of the teachers moved.
    static func mergeTeachers(from sourceId: Int, into targetId: Int, targetDistrictId: Int, mergedOn date: CivilDate, on tx: any Database, now: Double)
        async throws -> [Int]
    {
        struct T: Decodable { let id: Int }
        let movedIds = try await tx.sql.raw("SELECT id FROM teachers WHERE school_id = \(bind: sourceId)").all(decoding: T.self).map(\.id)
        try await tx.sql.raw(
            """
            INSERT INTO teacher_transfers (teacher_id, from_school_id, to_school_id, on_date, reason, created_at)
            SELECT id, \(bind: sourceId), \(bind: targetId), \(bind: date.description), 'merge', \(bind: now) FROM teachers WHERE school_id = \(bind: sourceId)
            """
        ).run()
        try await tx.sql.raw(
            "UPDATE teachers SET school_id = \(bind: targetId), district_id = \(bind: targetDistrictId), updated_at = \(bind: now), version = version + 1 WHERE school_id = \(bind: sourceId)"
        ).run()
        return movedIds
    }

    /// 撤并, the school: it becomes `merged` into the target from the date; false when it is no
    /// longer active.
    static func markMerged(_ sourceId: Int, into targetId: Int, mergedOn date: CivilDate, on tx: any Database, now: Double) async throws -> Bool {
        struct Id: Decodable { let id: Int }
        let updated = try await tx.sql.raw(
            """
            UPDATE schools SET status = 'merged', merged_into_id = \(bind: targetId), merged_on = \(bind: date.description), students = 0,
              updated_at = \(bind: now), version = version + 1 WHERE id = \(bind: sourceId) AND status = 'active' RETURNING id
            """
        ).all(decoding: Id.self)
        return !updated.isEmpty
    }

    /// 撤并, the students: from the merge year on, the source's pupils are the target's in the
    /// yearly conditions, and the target's registry figure is its latest year again — or, without
    /// conditions, the sum.
    static func mergeStudents(from sourceId: Int, students: Int, into targetId: Int, fromYear year: Int, on tx: any Database, now: Double) async throws {
        try await tx.sql.raw(
            """
            UPDATE school_conditions SET
              students_primary = students_primary + COALESCE((SELECT c.students_primary FROM school_conditions c WHERE c.school_id = \(bind: sourceId) AND c.year = school_conditions.year), 0),
              students_junior = students_junior + COALESCE((SELECT c.students_junior FROM school_conditions c WHERE c.school_id = \(bind: sourceId) AND c.year = school_conditions.year), 0),
              students_senior = students_senior + COALESCE((SELECT c.students_senior FROM school_conditions c WHERE c.school_id = \(bind: sourceId) AND c.year = school_conditions.year), 0),
              updated_at = \(bind: now)
            WHERE school_id = \(bind: targetId) AND year >= \(bind: year)
            """
        ).run()
        try await tx.sql.raw(
            "UPDATE schools SET students = students + \(bind: students), updated_at = \(bind: now), version = version + 1 WHERE id = \(bind: targetId)"
        ).run()
        try await refreshStudents(schoolId: targetId, fromYear: year, on: tx, now: now)
    }

    /// 撤并, the record: the closed school is no district's central school any more, and the
    /// merger is kept with what moved.
    static func recordMerger(
        _ sourceId: Int, into targetId: Int, mergedOn date: CivilDate, teachersMoved: Int, studentsMoved: Int, note: String?, by: String, on tx: any Database,
        now: Double
    ) async throws {
        try await tx.sql.raw("UPDATE districts SET central_school_id = NULL WHERE central_school_id = \(bind: sourceId)").run()
        try await tx.sql.insert(into: "school_mergers")
            .columns("school_id", "into_school_id", "merged_on", "teachers_moved", "students_moved", "note", "created_by", "created_at")
            .values(
                SQLBind(sourceId), SQLBind(targetId), SQLBind(date.description), SQLBind(teachersMoved), SQLBind(studentsMoved), SQLBind(note), SQLBind(by),
                SQLBind(now)
            )
            .run()
    }

    /// Writes a teacher's edited fields when the version still matches; false when someone else
    /// changed the record first.
    static func updateTeacher(id: Int, version: Int, _ v: ValidTeacher, schoolId: Int, districtId: Int, on tx: any Database, now: Double) async throws -> Bool {
        struct N: Decodable { let id: Int }
        let updated = try await tx.sql.raw(
            """
            UPDATE teachers SET name = \(bind: v.name), resident_id = \(bind: v.residentId.value), birth_date = \(bind: v.residentId.birthDate.description),
              gender = \(bind: v.residentId.gender.rawValue), school_id = \(bind: schoolId), district_id = \(bind: districtId),
              subjects = \(bind: v.subjectsColumn), education = \(bind: v.education.rawValue), putonghua = \(bind: v.putonghua.rawValue),
              title = \(bind: v.title.rawValue), backbone = \(bind: v.backbone.rawValue), school_since = \(bind: v.schoolSince.description),
              stage_part = \(bind: v.stagePart?.rawValue), phone = \(bind: v.phone), qualification_type = \(bind: v.qualificationType?.rawValue),
              qualification_number = \(bind: v.qualificationNumber), principal_since = \(bind: v.principalSince?.description),
              updated_at = \(bind: now), version = version + 1
            WHERE id = \(bind: id) AND version = \(bind: version) RETURNING id
            """
        ).all(decoding: N.self)
        return !updated.isEmpty
    }
}
