import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// A stored rule set with its history fields.
public struct RuleVersion: Sendable, Encodable {
    public let id: Int
    public let rules: BalanceRules
    public let note: String
    public let createdBy: String
    public let createdAt: Double
}

/// A stored aid record, as lists show it.
public struct AidRow: Decodable, Sendable {
    public let id: Int
    public let year: Int
    public let schoolId: Int
    public let schoolName: String
    public let districtId: Int
    public let studentName: String
    public let residentId: String
    public let stage: String
    public let aidType: String
    public let amountFen: Int
    public let note: String
}

public struct AidTotal: Decodable, Sendable, Encodable {
    public let year: Int
    public let stage: String
    public let students: Int
    public let amountFen: Int
}

/// SQL of the balance module. The registry's tables are read only through `RegistryStore`.
public enum BalanceStore {
    static let decoder = SQLRowDecoder.snakeCase
    static let compulsoryStages: [Stage] = [.primary, .junior, .nineYear, .completeSecondary, .twelveYear, .teachingPoint]

    // MARK: facts

    /// Every compulsory school of the area for a year, with its conditions and teacher tallies.
    /// Past years use that year's recorded teacher tallies when there are some (`live` false);
    /// otherwise the live ones.
    /// `districts`: a county's districts when the database holds several (nil: every district).
    public static func facts(year: Int, district: Int?, districts: [Int]? = nil, currentYear: Int, on db: any Database) async throws -> (facts: [SchoolFacts], liveTeachers: Bool) {
        let rows = try await RegistryStore.schoolYear(year, stages: compulsoryStages, district: district, districts: districts, on: db)
        var tallies: [Int: [String: TeacherTally]]?
        if year != currentYear { tallies = try await TeacherTallies.load(year: year, district: district, districts: districts, on: db) }
        let live = tallies == nil
        if tallies == nil { tallies = try await TeacherTallies.load(year: nil, district: district, districts: districts, on: db) }
        let facts = rows.map { r -> SchoolFacts in
            var facilities: Facilities?
            if r.hasConditions {
                var f = Facilities()
                f.floorArea = Double(r.floorAreaCenti ?? 0) / 100; f.sportsArea = Double(r.sportsAreaCenti ?? 0) / 100
                f.equipmentValue = Double(r.equipmentValueFen ?? 0) / 100; f.computers = Double(r.computers ?? 0)
                f.books = Double(r.books ?? 0); f.multimediaRooms = Double(r.multimediaRooms ?? 0)
                facilities = f
            }
            var parts = PartTallies()
            for (k, v) in tallies?[r.id] ?? [:] { parts[k] = v }
            return SchoolFacts(id: r.id, code: r.code, name: r.name, districtId: r.districtId, stage: Stage(rawValue: r.stage) ?? .primary,
                               students: .init(primary: r.studentsPrimary ?? 0, junior: r.studentsJunior ?? 0, senior: r.studentsSenior ?? 0),
                               facilities: facilities, tallies: parts)
        }
        return (facts, live)
    }

    // MARK: rules

    /// The rule set in force during `year`: the latest that took effect by the year's end.
    public static func rules(forYear year: Int, on db: any Database) async throws -> BalanceRules {
        try await DatedRules.inForce(BalanceRules.self, in: "balance_rules", on: CivilDate.endOf(year: year), db: db) ?? .national
    }

    public static func ruleVersions(on db: any Database) async throws -> [RuleVersion] {
        try await DatedRules.versions(BalanceRules.self, in: "balance_rules", db: db).map {
            RuleVersion(id: $0.id, rules: $0.rules, note: $0.note, createdBy: $0.createdBy, createdAt: $0.createdAt)
        }
    }

    public static func insertRules(_ rules: BalanceRules, note: String, by: String, on db: any Database, now: Double) async throws {
        try await DatedRules.insert(rules, effectiveFrom: rules.effectiveFrom, note: note, by: by, into: "balance_rules", on: db, now: now)
    }

    // MARK: equity

    public static func equity(year: Int, on db: any Database) async throws -> [EquityFigure] {
        struct R: Decodable { let indicator: String; let numerator: Int; let denominator: Int }
        return try await db.sql.raw("SELECT indicator, numerator, denominator FROM equity_figures WHERE year = \(bind: year)").all(decoding: R.self)
            .compactMap { r in EquityIndicator(rawValue: r.indicator).map { EquityFigure(indicator: $0, numerator: r.numerator, denominator: r.denominator) } }
    }

    public static func equityYears(on db: any Database) async throws -> [Int] {
        struct Y: Decodable { let year: Int }
        return try await db.sql.raw("SELECT DISTINCT year FROM equity_figures ORDER BY year DESC").all(decoding: Y.self).map(\.year)
    }

    public static func putEquity(year: Int, _ figures: [EquityFigure], note: String, by: String, on db: any Database, now: Double) async throws {
        for f in figures {
            try await db.sql.raw("DELETE FROM equity_figures WHERE year = \(bind: year) AND indicator = \(bind: f.indicator.rawValue)").run()
            try await db.sql.insert(into: "equity_figures").columns("year", "indicator", "numerator", "denominator", "note", "updated_by", "updated_at")
                .values(SQLBind(year), SQLBind(f.indicator.rawValue), SQLBind(f.numerator), SQLBind(f.denominator), SQLBind(note), SQLBind(by), SQLBind(now)).run()
        }
    }

    // MARK: student aid

    static func aidScope(_ scope: RegistryScope) -> SQLQueryString {
        switch scope {
        case .county: return "1 = 1"
        case .districts(let ds): return RegistryStore.inList("a.district_id", ds)
        case .district(let d): return "a.district_id = \(bind: d)"
        case .school(let s): return "a.school_id = \(bind: s)"
        case .nothing: return "1 = 0"
        }
    }

    public static func aid(scope: RegistryScope, year: Int?, stage: AidStage?, page: PageSpec, on db: any Database) async throws -> PageResult<AidRow> {
        var filter = aidScope(scope)
        if let year { filter = "\(filter) AND a.year = \(bind: year)" }
        if let stage { filter = "\(filter) AND a.stage = \(bind: stage.rawValue)" }
        struct N: Decodable { let n: Int }
        let total = try await db.sql.raw("SELECT COUNT(*) AS n FROM student_aid a WHERE \(filter)").first(decoding: N.self)?.n ?? 0
        let items = try await db.sql.raw("""
            SELECT a.id, a.year, a.school_id, s.name AS school_name, a.district_id, a.student_name, a.resident_id, a.stage, a.aid_type, a.amount_fen, a.note
            FROM student_aid a JOIN schools s ON s.id = a.school_id WHERE \(filter)
            ORDER BY a.year DESC, a.id DESC LIMIT \(bind: page.per) OFFSET \(bind: page.offset)
            """).all(decoding: AidRow.self, with: decoder)
        return PageResult(items: items, total: total, request: page)
    }

    public static func aidTotals(scope: RegistryScope, on db: any Database) async throws -> [AidTotal] {
        try await db.sql.raw("""
            SELECT a.year, a.stage, COUNT(*) AS students, CAST(SUM(a.amount_fen) AS BIGINT) AS amount_fen
            FROM student_aid a WHERE \(aidScope(scope)) GROUP BY a.year, a.stage ORDER BY a.year DESC, a.stage
            """).all(decoding: AidTotal.self, with: decoder)
    }

    public static func insertAid(_ a: ValidAid, districtId: Int, by: String, on db: any Database, now: Double) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await db.sql.insert(into: "student_aid")
            .columns("year", "school_id", "district_id", "student_name", "resident_id", "stage", "aid_type", "amount_fen", "note", "created_by", "created_at")
            .values(SQLBind(a.year), SQLBind(a.schoolId), SQLBind(districtId), SQLBind(a.studentName), SQLBind(a.residentId.value), SQLBind(a.stage.rawValue),
                    SQLBind(a.aidType.rawValue), SQLBind(a.amountFen), SQLBind(a.note), SQLBind(by), SQLBind(now))
            .returning("id").first(decoding: Id.self)!.id
    }
}
