import Fluent
import Foundation
import SQLKit
import XuequCore

/// The registry's figures for a year's summary, one definition each: the calendar year, a school
/// counted while it was not yet merged (`merged_on` after the date).
public struct RegistryYearCounts: Codable, Sendable, Equatable {
    public var districts = 0
    public var centralSchools = 0
    /// Schools open on 1 January and on 31 December, and merged into another during the year.
    public var schoolsStart = 0
    public var schoolsEnd = 0
    public var merged = 0
    /// Every merger up to the year's end, by the year it took effect (布局调整 over the years).
    public var mergedByYear: [String: Int] = [:]
    public var byStage: [String: Int] = [:]
    public var byLocality: [String: Int] = [:]
    public var standardised = 0
    /// Teachers on the register now (the register keeps no history of its own).
    public var teachers = 0
    public var byTitle: [String: Int] = [:]
    public var byEducation: [String: Int] = [:]
    public var byBackbone: [String: Int] = [:]
    /// Teachers by the stage of the school they teach at (a nine-year school's by its part).
    public var teachersByStage: [String: Int] = [:]
    public var qualified = 0
    public init() {}
}

extension RegistryStore {
    /// One district's, one county's among several (`districts`), or the database's.
    public static func yearCounts(year: Int, district: Int?, districts: [Int]? = nil, on db: any Database) async throws -> RegistryYearCounts {
        var c = RegistryYearCounts()
        let start = "\(year)-01-01", end = "\(year)-12-31"
        // Records entered after the year (the register keeps no opening dates) are not counted in it.
        let cutoff = Double(CivilDate.endOf(year: year).daysSinceEpoch + 1) * 86400
        var inDistrict: SQLQueryString = district.map { "AND district_id = \(bind: $0) AND created_at < \(bind: cutoff)" } ?? "AND created_at < \(bind: cutoff)"
        if district == nil, let ds = districts { inDistrict = "AND " + inList("district_id", ds) + " AND created_at < \(bind: cutoff)" }
        struct N: Decodable { let n: Int }
        struct KV: Decodable { let k: String; let n: Int }
        func n(_ q: SQLQueryString) async throws -> Int { try await db.sql.raw(q).first(decoding: N.self)?.n ?? 0 }
        func kv(_ q: SQLQueryString) async throws -> [String: Int] {
            Dictionary(uniqueKeysWithValues: try await db.sql.raw(q).all(decoding: KV.self).map { ($0.k, $0.n) })
        }
        var oneDistrict: SQLQueryString = district.map { "AND id = \(bind: $0)" } ?? ""
        if district == nil, let ds = districts { oneDistrict = "AND " + inList("id", ds) }
        c.districts = try await n("SELECT COUNT(*) AS n FROM districts WHERE created_at < \(bind: cutoff) \(oneDistrict)")
        c.centralSchools = try await n(
            "SELECT COUNT(*) AS n FROM districts WHERE central_school_id IS NOT NULL AND created_at < \(bind: cutoff) \(oneDistrict)")
        c.schoolsStart = try await n("SELECT COUNT(*) AS n FROM schools WHERE (status = 'active' OR merged_on >= \(bind: start)) \(inDistrict)")
        c.schoolsEnd = try await n("SELECT COUNT(*) AS n FROM schools WHERE (status = 'active' OR merged_on > \(bind: end)) \(inDistrict)")
        c.merged = try await n("SELECT COUNT(*) AS n FROM schools WHERE merged_on >= \(bind: start) AND merged_on <= \(bind: end) \(inDistrict)")
        c.mergedByYear = try await kv(
            "SELECT substr(merged_on, 1, 4) AS k, COUNT(*) AS n FROM schools WHERE merged_on <= \(bind: end) \(inDistrict) GROUP BY substr(merged_on, 1, 4)")
        c.byStage = try await kv(
            "SELECT stage AS k, COUNT(*) AS n FROM schools WHERE (status = 'active' OR merged_on > \(bind: end)) \(inDistrict) GROUP BY stage")
        c.byLocality = try await kv(
            "SELECT locality AS k, COUNT(*) AS n FROM schools WHERE (status = 'active' OR merged_on > \(bind: end)) \(inDistrict) GROUP BY locality")
        c.standardised = try await n("SELECT COUNT(*) AS n FROM schools WHERE standardised AND (status = 'active' OR merged_on > \(bind: end)) \(inDistrict)")
        c.teachers = try await n("SELECT COUNT(*) AS n FROM teachers WHERE 1 = 1 \(inDistrict)")
        c.byTitle = try await kv("SELECT title AS k, COUNT(*) AS n FROM teachers WHERE 1 = 1 \(inDistrict) GROUP BY title")
        c.byEducation = try await kv("SELECT education AS k, COUNT(*) AS n FROM teachers WHERE 1 = 1 \(inDistrict) GROUP BY education")
        c.byBackbone = try await kv("SELECT backbone AS k, COUNT(*) AS n FROM teachers WHERE 1 = 1 \(inDistrict) GROUP BY backbone")
        c.qualified = try await n("SELECT COUNT(*) AS n FROM teachers WHERE qualification_type IS NOT NULL \(inDistrict)")
        // The part they teach in where a school has several (nine-year, twelve-year), else the school's stage.
        c.teachersByStage = try await kv(
            """
            SELECT COALESCE(stage_part, (SELECT s.stage FROM schools s WHERE s.id = teachers.school_id)) AS k, COUNT(*) AS n
            FROM teachers WHERE 1 = 1 \(inDistrict) GROUP BY k
            """)
        return c
    }
}

/// 持证上岗 counted in the database: per school, its teachers and those whose recorded
/// qualification covers the stage they teach (the levels of `CertificateType`, written into the
/// query from the Swift definition), and the others by resident ID for a certificate lookup.
public struct QualificationTally: Sendable {
    public struct Uncovered: Sendable, Decodable {
        public let schoolId: Int; public let residentId: String; public let stagePart: String?; public let stage: String
    }
    public var teachers: [Int: Int] = [:]
    public var covered: [Int: Int] = [:]
    /// Uncovered teachers among the candidates given.
    public var uncovered: [Uncovered] = []
}

extension RegistryStore {
    /// `candidates`: resident IDs that hold a certificate the registry does not record; only their
    /// uncovered teachers are listed (the others stay uncovered).
    public static func qualificationTally(stages: [Stage], candidates: [String], on db: any Database) async throws -> QualificationTally {
        func caseOf(_ column: String, _ pairs: [(String, Int)], otherwise: Int) -> String {
            "CASE \(column) " + pairs.map { "WHEN '\($0.0)' THEN \($0.1)" }.joined(separator: " ") + " ELSE \(otherwise) END"
        }
        let held = caseOf("t.qualification_type", CertificateType.allCases.map { ($0.rawValue, $0.level ?? 0) }, otherwise: 0)
        let byPart = caseOf("t.stage_part", StagePart.allCases.map { ($0.rawValue, CertificateType.levelNeeded(part: $0, stage: .primary)) }, otherwise: 0)
        let byStage = caseOf("s.stage", Stage.allCases.map { ($0.rawValue, CertificateType.levelNeeded(part: nil, stage: $0)) }, otherwise: 4)
        let needed = "CASE WHEN t.stage_part IS NULL THEN \(byStage) ELSE \(byPart) END"
        let stageList = SQLList(stages.map { SQLBind($0.rawValue) })
        var out = QualificationTally()
        struct Row: Decodable { let schoolId: Int; let n: Int; let covered: Int }
        for r in try await db.sql.raw(
            """
            SELECT t.school_id, COUNT(*) AS n, SUM(CASE WHEN \(unsafeRaw: held) >= \(unsafeRaw: needed) THEN 1 ELSE 0 END) AS covered
            FROM teachers t JOIN schools s ON s.id = t.school_id WHERE s.status = 'active' AND s.stage IN (\(stageList)) GROUP BY t.school_id
            """
        ).all(decoding: Row.self, with: decoder) {
            out.teachers[r.schoolId] = r.n; out.covered[r.schoolId] = r.covered
        }
        let postgres = db.sql.dialect.name == "postgresql"
        for start in stride(from: 0, to: candidates.count, by: 10_000) {
            let json = String(decoding: try JSONEncoder().encode(Array(candidates[start..<min(start + 10_000, candidates.count)])), as: UTF8.self)
            let among: SQLQueryString = postgres ? "SELECT json_array_elements_text(\(bind: json)::json)" : "SELECT value FROM json_each(\(bind: json))"
            out.uncovered += try await db.sql.raw(
                """
                SELECT t.school_id, t.resident_id, t.stage_part, s.stage FROM teachers t JOIN schools s ON s.id = t.school_id
                WHERE s.status = 'active' AND s.stage IN (\(stageList)) AND \(unsafeRaw: held) < \(unsafeRaw: needed) AND t.resident_id IN (\(among))
                """
            ).all(decoding: QualificationTally.Uncovered.self, with: decoder)
        }
        return out
    }
}

extension RegistryStore {
    /// Every teacher in a scope, in id order, fetched by keyset (ids above the last one seen), so
    /// a province's 900,000 cost a few thousand indexed reads, not an OFFSET scan each (paging by
    /// OFFSET through them once took 178 s).
    public static func allTeachers(on db: any Database, scope: RegistryScope, withSchool: Bool) async throws -> [TeacherRow] {
        var out: [TeacherRow] = []
        var filter = TeacherFilter()
        let batch = 5000
        struct Items: Decodable { let items: String? }
        while true {
            let inner = db.sql.select()
                .column(
                    SQLRaw(
                        teacherList + ", t.id AS k"
                            + (withSchool ? ", s.name AS school_name, s.code AS school_code" : ", NULL AS school_name, NULL AS school_code"))
                )
                .from(SQLRaw(withSchool ? "teachers t JOIN schools s ON s.id = t.school_id" : "teachers t"))
                .where(teacherConditions(scope: scope, filter: filter)).orderBy(SQLRaw("t.id")).limit(batch)
            let row = try await db.sql.select()
                .column(SQLRaw(jsonAggregate(teacherValues, orderBy: "x.k, x.id", on: db)), as: "items")
                .from(SQLAlias(SQLGroupExpression(inner.select), as: SQLIdentifier("x")))
                .first(decoding: Items.self)
            let items = try readJSONRows(row?.items, as: TeacherRow.self, capacity: batch)
            out += items
            guard items.count == batch, let last = items.last?.id else { return out }
            filter.afterId = last
        }
    }
}
