import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// 优课: the model lessons, their selection up the levels and the county's public list (issue 33:
/// the service keeps the checks, the quota's decision, the transactions and the audit; the
/// statements are here).
extension TeachingService {
    static let lessonColumns = "id, plan_id, teacher_id, school_id, district_id, title, teaching_on, uploaded_on, late, level"

    /// A plan put up as a school's model lesson.
    static func insertModelLesson(
        planId: Int, teacherId: Int, schoolId: Int, districtId: Int, title: String, teachingOn: String, uploadedOn: String, late: Bool, on tx: any Database,
        now: Double
    ) async throws {
        try await tx.sql.raw(
            """
            INSERT INTO teaching_model_lessons (plan_id, teacher_id, school_id, district_id, title, teaching_on, uploaded_on, late, level, created_at)
            VALUES (\(bind: planId), \(bind: teacherId), \(bind: schoolId), \(bind: districtId), \(bind: title), \(bind: teachingOn), \(bind: uploadedOn),
                    \(bind: late), 'school', \(bind: now))
            """
        ).run()
    }

    static func modelLesson(planId: Int, on db: any Database) async throws -> ModelLessonRow? {
        try await db.sql.raw("SELECT \(unsafeRaw: lessonColumns) FROM teaching_model_lessons WHERE plan_id = \(bind: planId)").first(
            decoding: ModelLessonRow.self, with: decoder)
    }

    static func modelLesson(id: Int, on db: any Database) async throws -> ModelLessonRow? {
        try await db.sql.raw("SELECT \(unsafeRaw: lessonColumns) FROM teaching_model_lessons WHERE id = \(bind: id)").first(
            decoding: ModelLessonRow.self, with: decoder)
    }

    /// The model lessons of an area (a school, a district, several, the county), the newest
    /// teaching date first.
    static func modelLessons(in scope: RegistryScope, on db: any Database) async throws -> [ModelLessonRow] {
        let filter: SQLQueryString =
            switch scope {
            case .county: ""
            case .districts(let ds): "WHERE \(RegistryStore.inList("district_id", ds))"
            case .district(let d): "WHERE district_id = \(bind: d)"
            case .school(let s): "WHERE school_id = \(bind: s)"
            case .nothing: "WHERE 1 = 0"
            }
        return try await db.sql.raw("SELECT \(unsafeRaw: lessonColumns) FROM teaching_model_lessons \(filter) ORDER BY teaching_on DESC, id DESC").all(
            decoding: ModelLessonRow.self, with: decoder)
    }

    /// Whose quota a selection counts against: a school's, or a district's.
    enum QuotaArea: Sendable {
        case school(Int)
        case district(Int)
    }

    /// How many lessons of an area taught in a year are at one of `levels`.
    static func selectedCount(area quotaArea: QuotaArea, year: String, levels: [String], on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        let area: SQLQueryString =
            switch quotaArea {
            case .school(let s): "school_id = \(bind: s)"
            case .district(let d): "district_id = \(bind: d)"
            }
        return try await db.sql.raw(
            """
            SELECT COUNT(*) AS n FROM teaching_model_lessons WHERE \(area) AND substr(teaching_on, 1, 4) = \(bind: year)
              AND level IN (\(binds: levels))
            """
        ).first(decoding: N.self)?.n ?? 0
    }

    /// Sends a lesson up a level if it is still at `from`; false when someone else moved it first.
    static func sendUp(id: Int, from: String, to next: String, by: String, on tx: any Database) async throws -> Bool {
        struct Id: Decodable { let id: Int }
        let done = try await tx.sql.raw(
            "UPDATE teaching_model_lessons SET level = \(bind: next), selected_by = \(bind: by) WHERE id = \(bind: id) AND level = \(bind: from) RETURNING id"
        ).all(decoding: Id.self)
        return !done.isEmpty
    }

    /// The county's list, for anyone (names masked).
    public static func publicModelLessons(on db: any Database) async throws -> [ModelLessonRow] {
        try await db.sql.raw("SELECT \(unsafeRaw: lessonColumns) FROM teaching_model_lessons WHERE level = 'county' ORDER BY teaching_on DESC, id DESC").all(
            decoding: ModelLessonRow.self, with: decoder)
    }
}
