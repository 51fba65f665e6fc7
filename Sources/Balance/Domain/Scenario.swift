import Registry
import XuequCore

/// A set of changes to try before anyone makes them (what-if, 模拟测算): teachers moved between
/// schools, facilities added to a school. The exchange module builds one from a rotation plan.
public struct Scenario: Sendable, Equatable, Codable {
    /// One teacher leaving a school (and part) for another.
    public struct TeacherMove: Sendable, Equatable, Codable {
        public var teacherId: Int?
        /// The teacher's own tally (one person).
        public var teacher: TeacherTally
        public var fromSchoolId: Int
        public var fromPart: StagePart?
        public var toSchoolId: Int
        public var toPart: StagePart?
        public init(teacherId: Int?, teacher: TeacherTally, fromSchoolId: Int, fromPart: StagePart?, toSchoolId: Int, toPart: StagePart?) {
            self.teacherId = teacherId; self.teacher = teacher; self.fromSchoolId = fromSchoolId; self.fromPart = fromPart
            self.toSchoolId = toSchoolId; self.toPart = toPart
        }
    }
    /// An amount added to (or, negative, taken from) one school's facilities.
    public struct FacilityChange: Sendable, Equatable, Codable {
        public var schoolId: Int
        public var facility: Facility
        public var amount: Double
        public init(schoolId: Int, facility: Facility, amount: Double) { self.schoolId = schoolId; self.facility = facility; self.amount = amount }
    }

    public var moves: [TeacherMove]
    public var facilities: [FacilityChange]
    public init(moves: [TeacherMove] = [], facilities: [FacilityChange] = []) { self.moves = moves; self.facilities = facilities }
    public var isEmpty: Bool { moves.isEmpty && facilities.isEmpty }

    /// The facts as they would be after the changes. Schools outside `facts` (another district)
    /// simply lose or gain nothing here; amounts never go below zero.
    public func applied(to facts: [SchoolFacts]) -> [SchoolFacts] {
        var out = facts
        var index: [Int: Int] = [:]
        for (i, f) in out.enumerated() { index[f.id] = i }
        for m in moves {
            if let i = index[m.fromSchoolId] {
                let key = m.fromPart?.rawValue ?? ""
                out[i].tallies[key] = (out[i].tallies[key] ?? TeacherTally()) - m.teacher
            }
            if let j = index[m.toSchoolId] {
                // A single-part school keeps its teachers under one key; a split school by part.
                let key = out[j].isSplit ? (m.toPart?.rawValue ?? "") : ""
                out[j].tallies[key] = (out[j].tallies[key] ?? TeacherTally()) + m.teacher
            }
        }
        for c in facilities {
            guard let i = index[c.schoolId] else { continue }
            var f = out[i].facilities ?? Facilities()
            f[c.facility] = max(0, (f[c.facility] ?? 0) + c.amount)
            out[i].facilities = f
        }
        return out
    }
}

/// An area's facts and rules for a year, read once; `evaluate` is pure and cheap (a county's
/// 350 schools in well under a millisecond), so a search can try many scenarios.
public struct BalanceEvaluator: Sendable {
    public let year: Int
    public let districtId: Int?
    public let facts: [SchoolFacts]
    public let rules: BalanceRules
    public let liveTeachers: Bool

    public init(year: Int, districtId: Int?, facts: [SchoolFacts], rules: BalanceRules, liveTeachers: Bool) {
        self.year = year; self.districtId = districtId; self.facts = facts; self.rules = rules; self.liveTeachers = liveTeachers
    }

    public func evaluate(_ scenario: Scenario? = nil, standard: BalanceStandard = .quality, part: BalancePart) -> BalanceResult {
        BalanceEngine.evaluate(scenario.map { $0.applied(to: facts) } ?? facts, standard: standard, part: part, rules: rules)
    }

    /// Σ over the compulsory parts and the standard's indicators of coefficient ÷ limit: one
    /// number a search lowers (a coefficient at its limit counts 1).
    public func score(_ scenario: Scenario? = nil, standard: BalanceStandard = .quality) -> Double {
        let applied = scenario.map { $0.applied(to: facts) } ?? facts
        var total = 0.0
        for part in BalancePart.allCases {
            let r = BalanceEngine.evaluate(applied, standard: standard, part: part, rules: rules)
            for c in r.coefficients { if let v = c.value, c.limit > 0 { total += v / c.limit } }
        }
        return total
    }
}
