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
    public var byStage: [String: Int] = [:]
    public var byLocality: [String: Int] = [:]
    public var standardised = 0
    /// Teachers on the register now (the register keeps no history of its own).
    public var teachers = 0
    public var byTitle: [String: Int] = [:]
    public var byEducation: [String: Int] = [:]
    public var byBackbone: [String: Int] = [:]
    public var qualified = 0
    public init() {}
}

extension RegistryStore {
    public static func yearCounts(year: Int, district: Int?, on db: any Database) async throws -> RegistryYearCounts {
        var c = RegistryYearCounts()
        let start = "\(year)-01-01", end = "\(year)-12-31"
        // Records entered after the year (the register keeps no opening dates) are not counted in it.
        let cutoff = Double(CivilDate(year: year + 1, month: 1, day: 1)!.daysSinceEpoch) * 86400
        let inDistrict: SQLQueryString = district.map { "AND district_id = \(bind: $0) AND created_at < \(bind: cutoff)" } ?? "AND created_at < \(bind: cutoff)"
        struct N: Decodable { let n: Int }
        struct KV: Decodable { let k: String; let n: Int }
        func n(_ q: SQLQueryString) async throws -> Int { try await db.sql.raw(q).first(decoding: N.self)?.n ?? 0 }
        func kv(_ q: SQLQueryString) async throws -> [String: Int] {
            Dictionary(uniqueKeysWithValues: try await db.sql.raw(q).all(decoding: KV.self).map { ($0.k, $0.n) })
        }
        let oneDistrict: SQLQueryString = district.map { "AND id = \(bind: $0)" } ?? ""
        c.districts = try await n("SELECT COUNT(*) AS n FROM districts WHERE created_at < \(bind: cutoff) \(oneDistrict)")
        c.centralSchools = try await n(
            "SELECT COUNT(*) AS n FROM districts WHERE central_school_id IS NOT NULL AND created_at < \(bind: cutoff) \(oneDistrict)")
        c.schoolsStart = try await n("SELECT COUNT(*) AS n FROM schools WHERE (status = 'active' OR merged_on >= \(bind: start)) \(inDistrict)")
        c.schoolsEnd = try await n("SELECT COUNT(*) AS n FROM schools WHERE (status = 'active' OR merged_on > \(bind: end)) \(inDistrict)")
        c.merged = try await n("SELECT COUNT(*) AS n FROM schools WHERE merged_on >= \(bind: start) AND merged_on <= \(bind: end) \(inDistrict)")
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
        return c
    }
}
