import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore

/// Teaching research's figures for a year's summary (calendar year), for the county or a district:
/// research activities and open classes held, 通案 and 个案 written, how many 个案 are near copies
/// of their 通案, model lessons and those uploaded late, teachers credited at partner universities.
public struct TeachingYearFigures: Codable, Sendable, Equatable {
    public var activities = 0
    public var openClasses = 0
    public var commonPlans = 0
    public var ownPlans = 0
    /// 个案 that changed less than a tenth of their 通案 (`changed_ratio` < 0.1).
    public var nearCopies = 0
    public var modelLessons = 0
    public var modelLessonsLate = 0
    public var universityTeachers = 0
    public init() {}
}

public enum TeachingYear {
    /// The years the training programmes ended in, for a figure over a training cycle (the
    /// inspection's G9): read by whoever may read that figure, whatever their teaching keys.
    public static func programmeEndYears(county: String?, on db: any Database) async throws -> Set<Int> {
        Set(
            try await TeachingService.programmeRows(on: db).filter { p in county == nil || p.countyCode == nil || p.countyCode == county }.compactMap {
                Int($0.endsOn.prefix(4))
            })
    }

    /// Per school: its teachers and those credited with `due` hours over `years` (the inspection's G9).
    public static func completionBySchool(years: ClosedRange<Int>, due: Double, on db: any Database) async throws -> [Int: (teachers: Int, done: Int)] {
        let rows = try await TeachingService.completion(years: years, due: due, on: db)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.schoolId, (teachers: $0.n, done: $0.done)) })
    }

    /// Per district: its teachers, and those credited with the year's required hours in
    /// programmes that ended in the year (the training-hours page's rule), in one aggregate over
    /// the register; with the hours required. For the comparisons above the counties.
    public static func completionByDistrict(year: Int, on db: any Database) async throws -> (
        hoursRequired: Double, byDistrict: [Int: (teachers: Int, done: Int)]
    ) {
        let due = try await TeachingService.trainingRules(on: CivilDate.endOf(year: year), db: db)?.hoursPerYear ?? TrainingRules(hoursPerYear: 72).hoursPerYear
        struct R: Decodable { let districtId: Int; let n: Int; let done: Int }
        let rows = try await db.sql.raw(
            """
            SELECT t.district_id, COUNT(*) AS n, SUM(CASE WHEN COALESCE(h.total, 0) + 0.000001 >= \(bind: due) THEN 1 ELSE 0 END) AS done
            FROM teachers t LEFT JOIN (
              SELECT e.teacher_id, SUM(e.hours) AS total FROM training_enrolments e JOIN training_programmes p ON p.id = e.programme_id
              WHERE e.attended AND substr(p.ends_on, 1, 4) = \(bind: String(year))
              GROUP BY e.teacher_id) h ON h.teacher_id = t.id
            GROUP BY t.district_id
            """
        ).all(decoding: R.self, with: SQLRowDecoder.snakeCase)
        return (due, Dictionary(uniqueKeysWithValues: rows.map { ($0.districtId, (teachers: $0.n, done: $0.done)) }))
    }

    /// The year's teaching research of one district, one county among several (`districts`, and its
    /// county-level activities by `county`), or the database.
    public static func figures(year: Int, district: Int?, districts: [Int]? = nil, county: String? = nil, on db: any Database) async throws
        -> TeachingYearFigures
    {
        var f = TeachingYearFigures()
        let from = "\(year)-01-01", to = "\(year)-12-31"
        let start = Double(CivilDate.startOf(year: year).daysSinceEpoch) * 86400,
            end = Double(CivilDate.endOf(year: year).daysSinceEpoch + 1) * 86400
        var inDistrict: SQLQueryString = district.map { "AND district_id = \(bind: $0)" } ?? ""
        var activitiesIn = inDistrict
        if district == nil, let ds = districts {
            inDistrict = "AND " + RegistryStore.inList("district_id", ds)
            activitiesIn =
                "AND (" + RegistryStore.inList("district_id", ds) + " OR (district_id IS NULL AND (county_code = \(bind: county) OR county_code IS NULL)))"
        }
        struct N: Decodable { let n: Int }
        func n(_ q: SQLQueryString) async throws -> Int { try await db.sql.raw(q).first(decoding: N.self)?.n ?? 0 }
        // One read per table, each count a conditional sum (PostgreSQL's SUM of integers is numeric: cast).
        struct Two: Decodable { let a: Int?; let b: Int? }
        struct Three: Decodable { let a: Int?; let b: Int?; let c: Int? }
        let held = try await db.sql.raw(
            """
            SELECT CAST(SUM(CASE WHEN kind = 'activity' THEN 1 ELSE 0 END) AS BIGINT) AS a, CAST(SUM(CASE WHEN kind = 'open_class' THEN 1 ELSE 0 END) AS BIGINT) AS b
            FROM research_activities WHERE substr(starts_at, 1, 10) >= \(bind: from) AND substr(starts_at, 1, 10) <= \(bind: to) \(activitiesIn)
            """
        ).first(decoding: Two.self)
        f.activities = held?.a ?? 0
        f.openClasses = held?.b ?? 0
        let plans = try await db.sql.raw(
            """
            SELECT CAST(SUM(CASE WHEN kind = 'common' THEN 1 ELSE 0 END) AS BIGINT) AS a, CAST(SUM(CASE WHEN kind <> 'common' THEN 1 ELSE 0 END) AS BIGINT) AS b,
                   CAST(SUM(CASE WHEN kind <> 'common' AND changed_ratio < 0.1 THEN 1 ELSE 0 END) AS BIGINT) AS c
            FROM lesson_plans WHERE created_at >= \(bind: start) AND created_at < \(bind: end) \(inDistrict)
            """
        ).first(decoding: Three.self)
        f.commonPlans = plans?.a ?? 0
        f.ownPlans = plans?.b ?? 0
        f.nearCopies = plans?.c ?? 0
        let lessons = try await db.sql.raw(
            """
            SELECT CAST(COUNT(*) AS BIGINT) AS a, CAST(SUM(CASE WHEN late THEN 1 ELSE 0 END) AS BIGINT) AS b
            FROM teaching_model_lessons WHERE teaching_on >= \(bind: from) AND teaching_on <= \(bind: to) \(inDistrict)
            """
        ).first(decoding: Two.self)
        f.modelLessons = lessons?.a ?? 0
        f.modelLessonsLate = lessons?.b ?? 0
        var enrolled: SQLQueryString = district.map { "AND e.teacher_id IN (SELECT id FROM teachers WHERE district_id = \(bind: $0))" } ?? ""
        if district == nil, let ds = districts {
            enrolled = "AND e.teacher_id IN (SELECT id FROM teachers WHERE " + RegistryStore.inList("district_id", ds) + ")"
        }
        f.universityTeachers = try await n(
            """
            SELECT COUNT(DISTINCT e.teacher_id) AS n FROM training_enrolments e JOIN training_programmes p ON p.id = e.programme_id
            WHERE p.kind = 'university' AND e.attended AND substr(p.ends_on, 1, 4) = \(bind: String(year)) \(enrolled)
            """)
        return f
    }
}
