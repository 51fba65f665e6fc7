import Foundation
import Registry
import XuequCore

/// One school's data for a year, as the balance engine reads it.
public struct SchoolFacts: Sendable, Equatable {
    public struct Students: Sendable, Equatable {
        public var primary: Int, junior: Int, senior: Int
        public init(primary: Int, junior: Int, senior: Int) { self.primary = primary; self.junior = junior; self.senior = senior }
        public subscript(_ p: StagePart) -> Int {
            switch p { case .primary: primary; case .junior: junior; case .senior: senior }
        }
    }
    public let id: Int
    public let code: String
    public let name: String
    public let districtId: Int
    public let stage: Stage
    public var students: Students
    /// `nil` when the school has no conditions for the year.
    public var facilities: Facilities?
    /// Teacher tallies by part (`""`: no part given).
    public var tallies: PartTallies

    public init(id: Int, code: String, name: String, districtId: Int, stage: Stage, students: Students, facilities: Facilities?, tallies: PartTallies) {
        self.id = id; self.code = code; self.name = name; self.districtId = districtId; self.stage = stage
        self.students = students; self.facilities = facilities; self.tallies = tallies
    }

    /// The parts a school of this stage has; split schools have more than one.
    public var parts: [StagePart] {
        switch stage {
        case .primary, .teachingPoint: [.primary]
        case .junior: [.junior]
        case .nineYear: [.primary, .junior]
        case .completeSecondary: [.junior, .senior]
        case .twelveYear: [.primary, .junior, .senior]
        default: []
        }
    }
    public var isSplit: Bool { parts.count > 1 }
}

/// Why a school is not in a computation: shown to the user, never silently dropped.
public enum ExclusionReason: String, Sendable, Codable, CaseIterable {
    case noConditions = "no_conditions"
    case noStudents = "no_students"
    case teachingPoint = "teaching_point"
    case smallTeachingPoint = "small_teaching_point"
    public var zh: String {
        switch self {
        case .noConditions: "没有该年度办学条件数据"; case .noStudents: "该学段在校生为0，无法计算生均值"
        case .teachingPoint: "教学点不参加基本均衡测算"; case .smallTeachingPoint: "不足50人的教学点不参加优质均衡测算"
        }
    }
    public var en: String {
        switch self {
        case .noConditions: "no school conditions for the year"; case .noStudents: "no students in this part, so no per-student values"
        case .teachingPoint: "teaching points are not part of the basic balance"; case .smallTeachingPoint: "teaching points under 50 students are not part of the quality balance"
        }
    }
}

public struct Exclusion: Sendable, Codable, Equatable {
    public let schoolId: Int
    public let name: String
    public let reason: ExclusionReason
    /// For narrowing the list to a reader's scope.
    public let districtId: Int
}

/// One school part in a computation (测算单位): its students and indicator values.
public struct BalanceUnit: Sendable, Equatable {
    public let schoolId: Int
    public let code: String
    public let name: String
    public let districtId: Int
    public let stage: Stage
    public let part: BalancePart
    public let students: Int
    public let amounts: PartAmounts
    /// Indicator values, in the standard's order.
    public let values: [Double]
}

/// 差异系数 of one indicator.
public struct Coefficient: Sendable, Codable, Equatable {
    public let indicator: Indicator
    /// Enrolment-weighted mean X̄ and standard deviation S.
    public let mean: Double
    public let standardDeviation: Double
    /// S / X̄; `nil` when there is nothing to compare (no schools, or X̄ = 0 with spread).
    public let value: Double?
    public let limit: Double
    public let pass: Bool
}

/// The 优质均衡 check of one school part: at least k of 7 met, the rest at 85%.
public struct SchoolCheck: Sendable, Codable, Equatable {
    public let met: Int
    /// Indicators below the standard.
    public let failing: [Indicator]
    /// Of those, the ones below the floor share (85%).
    public let belowFloor: [Indicator]
    public let pass: Bool
}

/// A school part's place in the computation: how much it adds to each coefficient and what it lacks.
/// A class: a province has tens of thousands, and results pass them around, filter and sort them;
/// a reference costs a retain where a copy of the struct cost a memmove of everything in it.
public final class SchoolStanding: Sendable {
    public let unit: BalanceUnit
    /// Its share of Σ(P_i/P)(X_i − X̄)², per indicator (0…1).
    public let shares: [Double]
    /// The mean of its shares: how much it holds the county back, all indicators together.
    public let weight: Double
    /// Per indicator: the amount it lacks to reach the standard (quality) or the mean (basic); 0 when it has enough.
    public let gaps: [Double]
    public let check: SchoolCheck?

    init(unit: BalanceUnit, shares: [Double], weight: Double, gaps: [Double], check: SchoolCheck?) {
        self.unit = unit; self.shares = shares; self.weight = weight; self.gaps = gaps; self.check = check
    }
}

/// The outcome of one computation: one standard, one part, one year, one area.
public struct BalanceResult: Sendable {
    public let standard: BalanceStandard
    public let part: BalancePart
    public let indicators: [Indicator]
    public let coefficients: [Coefficient]
    /// 综合差异系数 (basic only): the mean of the eight.
    public let composite: Double?
    public let pass: Bool
    /// Ranked by `weight`, largest first.
    public let standings: [SchoolStanding]
    public let excluded: [Exclusion]
    /// Teachers of split schools without a part, shared out by student weight.
    public let unassignedTeachers: Double
    public let rules: BalanceRules

    public var schools: Int { standings.count }
    public var schoolsBelowStandard: [SchoolStanding] { standings.filter { $0.check.map { !$0.pass } ?? false } }
}

/// The computation (差异系数测算), pure: facts and rules in, result out.
public enum BalanceEngine {
    /// X̄ = ΣP_i·X_i / P, S = √(Σ (P_i/P)(X_i − X̄)²), CV = S / X̄ (DOMAIN §2).
    public static func weighted(_ pairs: [(students: Double, value: Double)]) -> (mean: Double, sd: Double, cv: Double?, terms: [Double]) {
        let total = pairs.reduce(0) { $0 + $1.students }
        guard total > 0 else { return (0, 0, nil, pairs.map { _ in 0 }) }
        let mean = pairs.reduce(0) { $0 + $1.students * $1.value } / total
        let terms = pairs.map { ($0.students / total) * ($0.value - mean) * ($0.value - mean) }
        let sd = terms.reduce(0, +).squareRoot()
        let cv: Double? = mean > 0 ? sd / mean : (sd == 0 ? 0 : nil)
        return (mean, sd, cv, terms)
    }

    /// The share of a split school's facilities (and of its teachers without a part) that belongs to `part`.
    public static func share(of part: StagePart, in f: SchoolFacts, rules: BalanceRules) -> Double {
        let a = Double(f.students.primary), b = Double(f.students.junior), c = Double(f.students.senior)
        let weighted: [StagePart: Double]
        switch f.stage {
        case .nineYear: weighted = [.primary: a, .junior: rules.juniorWeight * b]
        case .completeSecondary: weighted = [.junior: b, .senior: rules.seniorWeight * c]
        case .twelveYear:
            let w = rules.twelveYearWeights
            weighted = [.primary: w[0] * a, .junior: w[1] * b, .senior: w[2] * c]
        default: return f.parts.contains(part) ? 1 : 0
        }
        let sum = weighted.values.reduce(0, +)
        guard sum > 0 else { return 0 }
        return (weighted[part] ?? 0) / sum
    }

    /// A school's amounts for one part: facilities by share; teachers by their part, those without one by share.
    public static func amounts(of part: StagePart, in f: SchoolFacts, rules: BalanceRules) -> (PartAmounts, unassigned: Double) {
        let share = share(of: part, in: f, rules: rules)
        let facilities = f.facilities?.scaled(share) ?? Facilities()
        guard f.isSplit else {
            return (PartAmounts(facilities: facilities, teachers: f.tallies.all), 0)
        }
        var teachers = f.tallies[part.rawValue] ?? TeacherTally()
        let loose = f.tallies[""] ?? TeacherTally()
        teachers = teachers + loose.scaled(share)
        return (PartAmounts(facilities: facilities, teachers: teachers), loose.total * share)
    }

    /// The school parts that take part, and the schools that do not, with the reason.
    public static func units(_ facts: [SchoolFacts], standard: BalanceStandard, part: BalancePart, rules: BalanceRules) -> ([BalanceUnit], [Exclusion], unassigned: Double) {
        var units: [BalanceUnit] = [], excluded: [Exclusion] = [], unassigned = 0.0
        let indicators = standard.indicators
        let education = rules.requiredEducation(part)
        for f in facts where f.parts.contains(part.stagePart) {
            if f.stage == .teachingPoint {
                if standard == .basic { excluded.append(Exclusion(schoolId: f.id, name: f.name, reason: .teachingPoint, districtId: f.districtId)); continue }
                if f.students.primary < rules.qualityTeachingPointMinimum { excluded.append(Exclusion(schoolId: f.id, name: f.name, reason: .smallTeachingPoint, districtId: f.districtId)); continue }
            }
            guard f.facilities != nil else { excluded.append(Exclusion(schoolId: f.id, name: f.name, reason: .noConditions, districtId: f.districtId)); continue }
            let p = f.students[part.stagePart]
            guard p > 0 else { excluded.append(Exclusion(schoolId: f.id, name: f.name, reason: .noStudents, districtId: f.districtId)); continue }
            let (amounts, loose) = amounts(of: part.stagePart, in: f, rules: rules)
            unassigned += loose
            let values = indicators.map { $0.amount(amounts, requiredEducation: education) / Double(p) * $0.perStudents }
            units.append(BalanceUnit(schoolId: f.id, code: f.code, name: f.name, districtId: f.districtId, stage: f.stage, part: part, students: p, amounts: amounts, values: values))
        }
        return (units, excluded, unassigned)
    }

    /// Computes one standard for one part over the given schools.
    public static func evaluate(_ facts: [SchoolFacts], standard: BalanceStandard, part: BalancePart, rules: BalanceRules) -> BalanceResult {
        let (units, excluded, unassigned) = units(facts, standard: standard, part: part, rules: rules)
        let indicators = standard.indicators
        let limit = rules.limit(standard, part)
        var coefficients: [Coefficient] = []
        var terms: [[Double]] = []
        for (k, ind) in indicators.enumerated() {
            let w = weighted(units.map { (Double($0.students), $0.values[k]) })
            terms.append(w.terms)
            coefficients.append(Coefficient(indicator: ind, mean: w.mean, standardDeviation: w.sd, value: w.cv, limit: limit,
                                            pass: w.cv.map { $0 <= limit } ?? false))
        }
        let cvs = coefficients.compactMap(\.value)
        let composite: Double? = standard == .basic && !units.isEmpty && cvs.count == coefficients.count ? cvs.reduce(0, +) / Double(cvs.count) : nil

        var standings: [SchoolStanding] = []
        standings.reserveCapacity(units.count)
        let totals = terms.map { $0.reduce(0, +) }
        for (i, u) in units.enumerated() {
            var shares: [Double] = [], gaps: [Double] = []
            for (k, ind) in indicators.enumerated() {
                let total = totals[k]
                shares.append(total > 0 ? terms[k][i] / total : 0)
                let target = standard == .quality ? (rules.standard(ind, part) ?? 0) : coefficients[k].mean
                gaps.append(max(0, (target - u.values[k]) / ind.perStudents * Double(u.students)))
            }
            var check: SchoolCheck?
            if standard == .quality {
                var failing: [Indicator] = [], floor: [Indicator] = []
                for (k, ind) in indicators.enumerated() {
                    let s = rules.standard(ind, part) ?? 0
                    if u.values[k] < s {
                        failing.append(ind)
                        if u.values[k] < s * rules.qualityFloorShare { floor.append(ind) }
                    }
                }
                let met = indicators.count - failing.count
                check = SchoolCheck(met: met, failing: failing, belowFloor: floor, pass: met >= rules.qualityMinimumMet && floor.isEmpty)
            }
            standings.append(SchoolStanding(unit: u, shares: shares, weight: shares.reduce(0, +) / Double(max(1, shares.count)), gaps: gaps, check: check))
        }
        // Sort positions, not the (large) standings themselves.
        let order = standings.indices.sorted { a, b in
            standings[a].weight != standings[b].weight ? standings[a].weight > standings[b].weight : standings[a].unit.code < standings[b].unit.code
        }
        standings = order.map { standings[$0] }

        let pass: Bool
        if units.isEmpty {
            pass = false
        } else if standard == .basic {
            pass = (composite ?? .infinity) <= limit
        } else {
            pass = coefficients.allSatisfy(\.pass) && standings.allSatisfy { $0.check?.pass ?? true }
        }
        return BalanceResult(standard: standard, part: part, indicators: indicators, coefficients: coefficients, composite: composite, pass: pass,
                             standings: standings, excluded: excluded, unassignedTeachers: unassigned, rules: rules)
    }
}

/// Rounds for display and the API: 3 decimals, half away from zero.
public func round3(_ x: Double) -> Double { (x * 1000).rounded(.toNearestOrAwayFromZero) / 1000 }
