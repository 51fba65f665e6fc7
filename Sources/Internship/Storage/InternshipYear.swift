import Fluent
import Foundation
import SQLKit
import XuequCore

/// The internship's figures for a year's summary: batches that started in the calendar year,
/// their interns (at the given schools, for a district; the caller names them from the registry)
/// and the grades given.
public struct InternshipYearFigures: Codable, Sendable, Equatable {
    public var batches: [String] = []
    public var interns = 0
    public var placed = 0
    public var byGrade: [String: Int] = [:]
    public init() {}
}

public enum InternshipYear {
    /// Interns of the batches that started in the year, by the school they were placed at.
    public static func internsBySchool(year: Int, on db: any Database) async throws -> [Int: Int] {
        struct R: Decodable { let schoolId: Int; let n: Int }
        return Dictionary(
            uniqueKeysWithValues: try await db.sql.raw(
                """
                SELECT i.school_id, COUNT(*) AS n FROM interns i JOIN intern_batches b ON b.id = i.batch_id
                WHERE b.starts_on >= \(bind: "\(year)-01-01") AND b.starts_on <= \(bind: "\(year)-12-31") AND i.school_id IS NOT NULL
                GROUP BY i.school_id
                """
            ).all(decoding: R.self, with: SQLRowDecoder.snakeCase).map { ($0.schoolId, $0.n) })
    }

    public static func figures(year: Int, schoolIds: [Int]?, on db: any Database) async throws -> InternshipYearFigures {
        var f = InternshipYearFigures()
        struct B: Decodable { let id: Int; let name: String }
        let batches = try await db.sql.raw(
            """
            SELECT id, name FROM intern_batches WHERE starts_on >= \(bind: "\(year)-01-01") AND starts_on <= \(bind: "\(year)-12-31") ORDER BY starts_on, id
            """
        ).all(decoding: B.self)
        f.batches = batches.map(\.name)
        guard !batches.isEmpty else { return f }
        let ids = SQLList(batches.map { SQLBind($0.id) })
        let inDistrict: SQLQueryString = schoolIds.map { ids in ids.isEmpty ? "AND 1 = 0" : "AND i.school_id IN (\(SQLList(ids.map { SQLBind($0) })))" } ?? ""
        struct N: Decodable { let n: Int; let placed: Int }
        let n = try await db.sql.raw(
            """
            SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN i.school_id IS NOT NULL THEN 1 ELSE 0 END), 0) AS placed FROM interns i WHERE i.batch_id IN (\(ids)) \(inDistrict)
            """
        ).first(decoding: N.self)
        f.interns = n?.n ?? 0
        f.placed = n?.placed ?? 0
        struct G: Decodable { let grade: String; let n: Int }
        for g in try await db.sql.raw(
            """
            SELECT a.grade, COUNT(*) AS n FROM intern_appraisals a JOIN interns i ON i.id = a.intern_id
            WHERE i.batch_id IN (\(ids)) AND a.grade IS NOT NULL \(inDistrict) GROUP BY a.grade
            """
        ).all(decoding: G.self) { f.byGrade[g.grade] = g.n }
        return f
    }
}
