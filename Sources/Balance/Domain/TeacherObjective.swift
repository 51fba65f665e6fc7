import Registry
import XuequCore

/// The part of `BalanceEvaluator.score` that moving teachers can change, kept up to date one
/// move at a time (issue 29: each what-if was a full recomputation of every school, so a search
/// could afford 1,500 of them).
///
/// A teacher moving changes the amounts of at most four school parts (the one they leave, shared
/// over the parts of a split school when they have no part of their own, and the one they join).
/// Each teacher indicator of the quality standard (高于规定学历、骨干、体育艺术教师 per hundred
/// students) is a coefficient of variation over enrolment-weighted values, so keeping, per part and
/// indicator, ΣP·d and ΣP·d² (d = X − a fixed reference, for precision) makes the coefficient after
/// a move an O(1) update. The schools that count, their students and the way split schools share
/// teachers are those of `BalanceEngine`; `TeacherObjectiveTests` checks the value against the
/// engine's full computation after random moves.
public struct TeacherObjective: Sendable {
    /// A change of one school part's teacher amounts (the three teacher indicators).
    public struct Change: Sendable {
        public var unit: Int32
        public var amounts: SIMD4<Double>
        public init(unit: Int32, amounts: SIMD4<Double>) { self.unit = unit; self.amounts = amounts }
        /// The same change undone.
        public var reversed: Change { Change(unit: unit, amounts: -amounts) }
    }

    /// The indicators teachers carry, in the standard's order.
    public let indicators: [Indicator]
    let parts: [BalancePart]
    let limits: [Double]
    let education: [Education]
    /// Per unit (a school part that takes part): its part's index and students.
    let unitPart: [Int]
    let students: [Double]
    var amounts: [SIMD4<Double>]
    /// School id → unit per part index (-1: not a unit).
    let unitsOf: [Int: [Int32]]
    /// School id → the share of each part a teacher without a part counts in (split schools).
    let shares: [Int: [Double]]
    let split: Set<Int>
    /// Per part: total students, reference value, ΣP·d and ΣP·d².
    let totals: [Double]
    let reference: [SIMD4<Double>]
    var s1: [SIMD4<Double>]
    var s2: [SIMD4<Double>]
    /// The score's part that moves do not change (facility indicators).
    public let constant: Double
    public private(set) var value: Double

    public init(_ evaluator: BalanceEvaluator, standard: BalanceStandard = .quality) {
        let rules = evaluator.rules
        indicators = standard.indicators.filter { $0.facility == nil }
        parts = BalancePart.allCases
        limits = parts.map { rules.limit(standard, $0) }
        education = parts.map { rules.requiredEducation($0) }
        var unitPart: [Int] = [], students: [Double] = [], amounts: [SIMD4<Double>] = []
        var unitsOf: [Int: [Int32]] = [:], shares: [Int: [Double]] = [:], split = Set<Int>()
        var totals: [Double] = [], reference: [SIMD4<Double>] = [], s1: [SIMD4<Double>] = [], s2: [SIMD4<Double>] = []
        var constant = 0.0
        let facts = Dictionary(evaluator.facts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for f in evaluator.facts where f.isSplit {
            split.insert(f.id)
            shares[f.id] = parts.map { BalanceEngine.share(of: $0.stagePart, in: f, rules: rules) }
        }
        let teacherIndicators = indicators
        for (pi, part) in parts.enumerated() {
            let result = BalanceEngine.evaluate(evaluator.facts, standard: standard, part: part, rules: rules)
            for c in result.coefficients where c.indicator.facility != nil {
                if let v = c.value, c.limit > 0 { constant += v / c.limit }
            }
            let (units, _, _) = BalanceEngine.units(evaluator.facts, standard: standard, part: part, rules: rules)
            var total = 0.0, weighted = SIMD4<Double>(repeating: 0)
            var partAmounts: [(Int, SIMD4<Double>, Double)] = []
            for u in units {
                guard facts[u.schoolId] != nil else { continue }
                var a = SIMD4<Double>(repeating: 0)
                for (k, ind) in teacherIndicators.enumerated() { a[k] = ind.amount(u.amounts, requiredEducation: rules.requiredEducation(part)) }
                let p = Double(u.students)
                partAmounts.append((u.schoolId, a, p))
                total += p
                weighted += a * 100
            }
            let ref = total > 0 ? weighted / total : SIMD4<Double>(repeating: 0)
            var sum1 = SIMD4<Double>(repeating: 0), sum2 = SIMD4<Double>(repeating: 0)
            for (school, a, p) in partAmounts {
                let index = Int32(unitPart.count)
                unitPart.append(pi); students.append(p); amounts.append(a)
                unitsOf[school, default: Array(repeating: -1, count: parts.count)][pi] = index
                let d = a * 100 / p - ref
                sum1 += d * p
                sum2 += d * d * p
            }
            totals.append(total); reference.append(ref); s1.append(sum1); s2.append(sum2)
        }
        self.unitPart = unitPart; self.students = students; self.amounts = amounts; self.unitsOf = unitsOf; self.shares = shares; self.split = split
        self.totals = totals; self.reference = reference; self.s1 = s1; self.s2 = s2; self.constant = constant
        value = 0
        value = Self.objective(s1: s1, s2: s2, totals: totals, reference: reference, limits: limits, count: indicators.count)
    }

    static func objective(s1: [SIMD4<Double>], s2: [SIMD4<Double>], totals: [Double], reference: [SIMD4<Double>], limits: [Double], count: Int) -> Double {
        var out = 0.0
        for p in 0..<totals.count where totals[p] > 0 && limits[p] > 0 {
            out += partObjective(s1: s1[p], s2: s2[p], total: totals[p], reference: reference[p], limit: limits[p], count: count)
        }
        return out
    }

    /// One teacher's amounts in each part (the required education differs by part).
    public func amounts(of tally: TeacherTally) -> [SIMD4<Double>] {
        education.map { e in
            var v = SIMD4<Double>(repeating: 0)
            let u = PartAmounts(teachers: tally)
            for (k, ind) in indicators.enumerated() { v[k] = ind.amount(u, requiredEducation: e) }
            return v
        }
    }

    /// The changes of a teacher (amounts per part, from `amounts(of:)`) leaving (`sign` -1) or
    /// joining (+1) a school under `part`, as `Scenario.applied` and `BalanceEngine.amounts` count it.
    public func changes(_ teacher: [SIMD4<Double>], school: Int, part: StagePart?, sign: Double, into out: inout [Change]) {
        guard let units = unitsOf[school] else { return }
        if split.contains(school) {
            if let part, let pi = parts.firstIndex(where: { $0.stagePart == part }) {
                if units[pi] >= 0 { out.append(Change(unit: units[pi], amounts: teacher[pi] * sign)) }
            } else if part == nil, let share = shares[school] {
                for pi in parts.indices where units[pi] >= 0 && share[pi] > 0 { out.append(Change(unit: units[pi], amounts: teacher[pi] * (sign * share[pi]))) }
            }
        } else {
            // A single-part school counts every teacher it holds in its one part.
            for pi in parts.indices where units[pi] >= 0 { out.append(Change(unit: units[pi], amounts: teacher[pi] * sign)) }
        }
    }

    /// The value the objective would have after `changes`, without making them (no allocation:
    /// the search calls this hundreds of thousands of times).
    public func trial(_ changes: [Change]) -> Double {
        let (d1, d2) = deltas(changes)
        var out = 0.0
        for p in 0..<totals.count where totals[p] > 0 && limits[p] > 0 {
            let a = s1[p] + (p == 0 ? d1.0 : d1.1), b = s2[p] + (p == 0 ? d2.0 : d2.1)
            out += Self.partObjective(s1: a, s2: b, total: totals[p], reference: reference[p], limit: limits[p], count: indicators.count)
        }
        return out
    }

    static func partObjective(s1: SIMD4<Double>, s2: SIMD4<Double>, total: Double, reference: SIMD4<Double>, limit: Double, count: Int) -> Double {
        let m1 = s1 / total
        let variance = s2 / total - m1 * m1
        let mean = reference + m1
        var out = 0.0
        for k in 0..<count {
            // As the engine: no spread over no teachers is 0; spread with a zero mean has no coefficient.
            if mean[k] > 1e-12 { out += max(0, variance[k]).squareRoot() / mean[k] / limit }
        }
        return out
    }

    typealias Pair = (SIMD4<Double>, SIMD4<Double>)

    /// The changes' effect on ΣP·d and ΣP·d² of each part (two parts: primary and junior).
    func deltas(_ changes: [Change]) -> (Pair, Pair) {
        var d1: Pair = (.zero, .zero), d2: Pair = (.zero, .zero)
        // Changes to the same unit add up before the unit's value is replaced.
        for (i, c) in changes.enumerated() {
            if changes[..<i].contains(where: { $0.unit == c.unit }) { continue }
            var delta = c.amounts
            for later in changes[(i + 1)...] where later.unit == c.unit { delta += later.amounts }
            let u = Int(c.unit), p = unitPart[u], n = students[u]
            let before = amounts[u] * 100 / n - reference[p]
            let after = (amounts[u] + delta) * 100 / n - reference[p]
            if p == 0 {
                d1.0 += (after - before) * n; d2.0 += (after * after - before * before) * n
            } else {
                d1.1 += (after - before) * n; d2.1 += (after * after - before * before) * n
            }
        }
        return (d1, d2)
    }

    /// Makes the changes.
    public mutating func apply(_ changes: [Change]) {
        let (d1, d2) = deltas(changes)
        s1[0] += d1.0; s2[0] += d2.0
        if s1.count > 1 { s1[1] += d1.1; s2[1] += d2.1 }
        for c in changes { amounts[Int(c.unit)] += c.amounts }
        value = Self.objective(s1: s1, s2: s2, totals: totals, reference: reference, limits: limits, count: indicators.count)
    }
}
