import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// The year report's reads (issue 33): every figure counts moves by the district that sends the
/// teacher, as the quota does; a district reads its own, a county among several its districts'.
extension ExchangeStore {
    /// A district's own rows (by `column`); a county's among several, its districts'.
    static func only(_ column: String, in scope: RegistryScope) -> SQLQueryString {
        switch scope {
        case .district(let d): return "AND \(unsafeRaw: column) = \(bind: d)"
        case .districts(let ds): return "AND " + RegistryStore.inList(column, ds)
        default: return ""
        }
    }

    struct ReportMove: Decodable {
        let form: String
        let fromSchoolId: Int
        let toSchoolId: Int
        let subjects: String
        let districtId: Int
    }

    /// The moves of a year's approved plans, with the teacher's subjects and the sending district.
    static func reportMoves(year y: Int, scope: RegistryScope, on db: any Database) async throws -> [ReportMove] {
        let filter = only("sf.district_id", in: scope)
        return try await db.sql.raw(
            """
            SELECT m.form, m.from_school_id, m.to_school_id, t.subjects, sf.district_id FROM exchange_moves m
            JOIN exchange_plans p ON p.id = m.plan_id JOIN teachers t ON t.id = m.teacher_id JOIN schools sf ON sf.id = m.from_school_id
            WHERE p.year = \(bind: y) AND p.state IN ('approved', 'in_effect') \(filter)
            """
        ).all(decoding: ReportMove.self, with: decoder)
    }

    /// Teachers due to move by the rule's cut-off dates (at their school since `teacherCutoff`, or
    /// principals since `principalCutoff`), by district: one grouped count.
    static func dueTeachers(scope: RegistryScope, teacherCutoff: String, principalCutoff: String, on db: any Database) async throws -> [Int: Int] {
        struct Due: Decodable {
            let districtId: Int
            let n: Int
        }
        // A district counts its own teachers (its index), never the province's.
        let ownDistrict = only("t.district_id", in: scope)
        return Dictionary(
            uniqueKeysWithValues: try await db.sql.raw(
                """
                SELECT t.district_id, COUNT(*) AS n FROM teachers t JOIN schools s ON s.id = t.school_id
                WHERE s.status = 'active' AND \(compulsoryTeacher) \(ownDistrict) AND (t.school_since <= \(bind: teacherCutoff) OR t.principal_since <= \(bind: principalCutoff))
                GROUP BY t.district_id
                """
            ).all(decoding: Due.self, with: decoder).map { ($0.districtId, $0.n) })
    }

    struct Moved: Decodable {
        let districtId: Int
        let moved: Int
        let backbone: Int
    }

    /// The teachers a year's approved plans move, and the backbone teachers among them, by the
    /// sending district.
    static func movedTeachers(year y: Int, scope: RegistryScope, on db: any Database) async throws -> [Int: Moved] {
        Dictionary(
            uniqueKeysWithValues: try await db.sql.raw(
                """
                SELECT s.district_id, COUNT(*) AS moved, SUM(CASE WHEN t.backbone IN ('county', 'city', 'province') THEN 1 ELSE 0 END) AS backbone
                FROM exchange_moves m JOIN exchange_plans p ON p.id = m.plan_id JOIN teachers t ON t.id = m.teacher_id JOIN schools s ON s.id = m.from_school_id
                WHERE p.year = \(bind: y) AND p.state IN ('approved', 'in_effect') \(only("s.district_id", in: scope)) GROUP BY s.district_id
                """
            ).all(decoding: Moved.self, with: decoder).map { ($0.districtId, $0) })
    }
}
