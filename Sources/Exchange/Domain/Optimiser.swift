import Balance
import Foundation
import Registry
import XuequCore

/// A teacher as the planner sees one: where, what, how long, and what they hold.
public struct Candidate: Sendable {
    public let id: Int
    public let name: String
    public let schoolId: Int
    public let districtId: Int
    public let subjects: [Subject]
    public let title: Title
    public let backbone: Backbone
    public let education: Education
    public let schoolSince: CivilDate
    public let part: StagePart?
    public let principalSince: CivilDate?
    public let qualification: QualificationType?
    public var tally: TeacherTally {
        TeacherTally(education: education, title: title, backbone: backbone, subjects: subjects)
    }
    public init(id: Int, name: String, schoolId: Int, districtId: Int, subjects: [Subject], title: Title, backbone: Backbone, education: Education,
                schoolSince: CivilDate, part: StagePart?, principalSince: CivilDate?, qualification: QualificationType?) {
        self.id = id; self.name = name; self.schoolId = schoolId; self.districtId = districtId; self.subjects = subjects; self.title = title
        self.backbone = backbone; self.education = education; self.schoolSince = schoolSince; self.part = part; self.principalSince = principalSince
        self.qualification = qualification
    }
}

/// A school as the planner sees one.
public struct PlanSchool: Sendable {
    public let id: Int
    public let code: String
    public let name: String
    public let districtId: Int
    public let stage: Stage
    public let locality: Locality
    public let active: Bool
    public var parts: [StagePart] { stage.parts }
    public var isRural: Bool { locality == .rural }
    public init(id: Int, code: String, name: String, districtId: Int, stage: Stage, locality: Locality, active: Bool) {
        self.id = id; self.code = code; self.name = name; self.districtId = districtId; self.stage = stage; self.locality = locality; self.active = active
    }
}

/// Who is due on a round (DOMAIN §3): 6 years at the school on 1 September, or a principal's two terms.
public enum Eligibility {
    /// 1 September of the year (held to the calendar's years: a year from a query string never
    /// makes a date that is not there).
    public static func round(year: Int) -> CivilDate { CivilDate(year: min(max(year, 1), 9999), month: 9, day: 1)! }

    public static func isDue(_ c: Candidate, year: Int, rules: RotationRules) -> Bool {
        let r = round(year: year)
        if c.schoolSince.wholeYears(until: r) >= rules.yearsAtSchool { return true }
        if let p = c.principalSince, p.wholeYears(until: r) >= rules.principalTerms * rules.principalTermYears { return true }
        return false
    }

    public static func years(_ c: Candidate, year: Int) -> Int { max(0, c.schoolSince.wholeYears(until: round(year: year))) }
}

/// The part a teacher would teach at the receiving school: their own part if it has one,
/// otherwise the school's only part; nil when the school has no such part (a junior teacher
/// and a primary school): that move is not proposed.
public func receivingPart(of c: Candidate, at school: PlanSchool, from origin: PlanSchool?) -> StagePart? {
    let own = c.part ?? origin?.parts.first
    if let own, school.parts.contains(own) { return own }
    return school.parts.count == 1 && own == nil ? school.parts.first : nil
}

/// A proposed move and why.
public struct SuggestedMove: Sendable {
    public let teacherId: Int
    public let fromSchoolId: Int
    public let toSchoolId: Int
    public let toPart: StagePart?
    public let reasons: [LocalizedText]
}

public struct Suggestion: Sendable {
    public let moves: [SuggestedMove]
    public let quota: Quota
    /// `BalanceEvaluator.score` before and after the moves (Σ coefficient ÷ limit over both
    /// compulsory parts' quality indicators), computed in full.
    public let scoreBefore: Double
    public let scoreAfter: Double
    /// What-if evaluations spent by the search, and the time taken.
    public let evaluations: Int
    public let milliseconds: Int
    /// Due teachers the suggestion may not move, with why (in another plan of the year, itinerant).
    public let heldBack: [Int: LocalizedText]
    /// The soft preferences' total in the objective (already inside neither score).
    public let preference: Double
}

/// The suggested plan (交流方案建议).
///
/// The objective is the quality standard's teacher coefficients — Σ over primary and junior of
/// coefficient ÷ limit for 高于规定学历、骨干、体育艺术教师 per hundred students (the facility
/// coefficients do not move with teachers) — minus small bonuses for what the county prefers
/// (`SuggestionWeights`: a subject the receiving school is short of, town → rural, an
/// intermediate-title teacher who lacks the rural service the senior title asks for, a backbone
/// teacher to a school below the standard).
///
/// Hard rules, kept by every step and asserted by `OptimiserRuleTests` after it: exactly the
/// quota's number of movers (⌈10% of the due⌉), backbone at least ⌈20%⌉ of them, only due
/// teachers, none held back (another plan of the year, itinerant), at most a fifth of a school's
/// teachers (one at least) leave it, no rural → town move, the teacher's part kept, a qualification
/// on record covers the receiving stage (none on record is a preference against, not a bar).
///
/// Method (issue 29: the first version reached 75% of the achievable reduction): a greedy start
/// that adds the best (teacher, school) pair by its exact effect, then simulated annealing over
/// three neighbourhoods — re-point one move, replace one mover by a teacher not moving (with their
/// best school), exchange two movers' schools — with the objective updated incrementally
/// (`TeacherObjective`: a move touches two schools, so one evaluation is O(1), not a
/// recomputation of the area), and a steepest-descent polish at the end. Why annealing: the
/// objective (coefficients of variation) is not linear, the moves interact through the shared
/// means, and the hard rules are easy to keep inside each step, so a local search with occasional
/// uphill steps explores the few hundred movers' choices well in a fixed budget; a fixed seed
/// and a budget in evaluations (not seconds) make the same data give the same plan anywhere.
/// `Benchmarks/exchange_exact.py` measures the result against an exact MILP.
public struct RotationOptimiser: Sendable {
    public let year: Int
    public let rules: RotationRules
    public let candidates: [Candidate]
    public let schools: [Int: PlanSchool]
    public let staffing: [Int: [StagePart: Staffing]]
    /// Teachers per hundred students of each school (all parts), for the reasons.
    public let density: [Int: Double]
    /// Schools below the quality standard in some part.
    public let weak: Set<Int>
    public let evaluator: BalanceEvaluator
    /// Due teachers who may not be moved, with why.
    public var heldBack: [Int: LocalizedText] = [:]
    /// Years each teacher served in rural schools (for the senior title's rural service).
    public var ruralYears: [Int: Double] = [:]
    public var weights: SuggestionWeights

    /// The search stops after this many evaluations (so the same data gives the same plan on any
    /// machine), or after `timeBudget` seconds as a safety valve on a slow one: 2.4 million for a
    /// district (about a second in release), 1.5 million for a county-wide plan, whose every
    /// evaluation of a move's options covers ten times the schools.
    public static let defaultEvaluations = 2_400_000
    public static let countyEvaluations = 1_500_000
    public var evaluationBudget = defaultEvaluations
    /// Seconds: a valve for a machine far slower than expected, not the normal stop (a search cut
    /// by time would give a different plan under load).
    public var timeBudget = 4.0
    public var seed: UInt64 = 0x5EED
    /// Independent annealing runs from the greedy start (the landscape is rugged: one run's
    /// result varies by a percent or two with its random path; the best of several does not).
    public var restarts = 6

    public init(year: Int, rules: RotationRules, candidates: [Candidate], schools: [Int: PlanSchool], staffing: [Int: [StagePart: Staffing]],
                density: [Int: Double], weak: Set<Int>, evaluator: BalanceEvaluator) {
        self.year = year; self.rules = rules; self.candidates = candidates; self.schools = schools; self.staffing = staffing
        self.density = density; self.weak = weak; self.evaluator = evaluator
        self.weights = rules.suggestionWeights ?? .standard
    }

    /// Whether a teacher may be suggested for a school, and the part they would teach there.
    /// (nil: not a move the suggestion may make.)
    public func feasiblePart(_ c: Candidate, to s: PlanSchool) -> StagePart? {
        guard let origin = schools[c.schoolId], s.active, s.id != c.schoolId else { return nil }
        if origin.isRural && !s.isRural { return nil }
        guard let part = receivingPart(of: c, at: s, from: origin) else { return nil }
        // A qualification on record must cover the receiving stage; a teacher with none on record
        // may move (the plan shows it to be checked, and `qualificationUnknown` weighs against it).
        if let q = c.qualification, !q.covers(part: s.parts.count > 1 ? part : nil, stage: s.stage) { return nil }
        return part
    }

    /// The preferences a move earns (each a weight of `SuggestionWeights`).
    public func preferences(_ c: Candidate, to s: PlanSchool, part: StagePart?) -> [SuggestionWeights.Term] {
        guard let origin = schools[c.schoolId] else { return [] }
        var out: [SuggestionWeights.Term] = []
        if let staff = staffing[s.id]?[part ?? s.parts.first ?? .primary], c.subjects.contains(where: { staff.short($0) > 0 }) { out.append(.shortageFilled) }
        if !origin.isRural && s.isRural {
            out.append(.townToRural)
            if c.title == .intermediate && (ruralYears[c.id] ?? 0) < 1 { out.append(.lacksRuralService) }
        }
        if c.backbone.isCountyOrHigher && weak.contains(s.id) && !weak.contains(origin.id) { out.append(.backboneToWeak) }
        if c.qualification == nil { out.append(.qualificationUnknown) }
        return out
    }

    public func run() -> Suggestion {
        let started = Date()
        let due = candidates.filter { Eligibility.isDue($0, year: year, rules: rules) }
        let base = Quota(eligible: due.count, moved: 0, backboneMoved: 0, rules: rules)
        let required = base.required
        let backboneRequired = Int((Double(required * rules.backboneSharePercent) / 100).rounded(.up))
        let scoreBefore = evaluator.score(nil)

        // The movable teachers and, for each, the schools they may go to with the part and bonus.
        let active = schools.values.filter(\.active).sorted { $0.id < $1.id }
        var objective = TeacherObjective(evaluator)
        struct Option { let school: Int; let part: StagePart?; let bonus: Double }
        struct Mover {
            let c: Candidate
            let amounts: [SIMD4<Double>]
            let leave: [TeacherObjective.Change]
            let options: [Option]
            let backbone: Bool
        }
        var movers: [Mover] = []
        var teachersAt: [Int: Int] = [:]
        for c in candidates { teachersAt[c.schoolId, default: 0] += 1 }
        for c in due where heldBack[c.id] == nil {
            var options: [Option] = []
            for s in active {
                guard let part = feasiblePart(c, to: s) else { continue }
                let bonus = preferences(c, to: s, part: part).reduce(0) { $0 + weights[$1] }
                options.append(Option(school: s.id, part: part, bonus: bonus))
            }
            guard !options.isEmpty else { continue }
            let amounts = objective.amounts(of: c.tally)
            var leave: [TeacherObjective.Change] = []
            objective.changes(amounts, school: c.schoolId, part: c.part, sign: -1, into: &leave)
            movers.append(Mover(c: c, amounts: amounts, leave: leave, options: options, backbone: c.backbone.isCountyOrHigher))
        }
        let cap = teachersAt.mapValues { max(1, $0 / 5) }

        // The state: each mover's chosen option (-1: stays).
        var choice = Array(repeating: -1, count: movers.count)
        var leaving: [Int: Int] = [:]
        var chosen: [Int] = []          // mover indices moving
        var backboneMoving = 0
        var bonusTotal = 0.0
        var evaluations = 0
        var buffer: [TeacherObjective.Change] = []
        buffer.reserveCapacity(16)

        func arrive(_ m: Int, _ o: Int, sign: Double, into out: inout [TeacherObjective.Change]) {
            let opt = movers[m].options[o]
            objective.changes(movers[m].amounts, school: opt.school, part: opt.part, sign: sign, into: &out)
        }
        func addMove(_ m: Int, _ o: Int, into out: inout [TeacherObjective.Change]) {
            out.append(contentsOf: movers[m].leave)
            arrive(m, o, sign: 1, into: &out)
        }
        func removeMove(_ m: Int, into out: inout [TeacherObjective.Change]) {
            for c in movers[m].leave { out.append(TeacherObjective.Change(unit: c.unit, amounts: -c.amounts)) }
            arrive(m, choice[m], sign: -1, into: &out)
        }
        /// The objective (lower is better) if the buffered changes were made and `bonusDelta` earned.
        func cost(_ changes: [TeacherObjective.Change], bonus: Double) -> Double {
            evaluations += 1
            return objective.trial(changes) - (bonusTotal + bonus)
        }
        func commitAdd(_ m: Int, _ o: Int) {
            buffer.removeAll(keepingCapacity: true); addMove(m, o, into: &buffer)
            objective.apply(buffer)
            choice[m] = o; chosen.append(m); leaving[movers[m].c.schoolId, default: 0] += 1
            if movers[m].backbone { backboneMoving += 1 }
            bonusTotal += movers[m].options[o].bonus
        }
        func commitRemove(_ m: Int) {
            buffer.removeAll(keepingCapacity: true); removeMove(m, into: &buffer)
            objective.apply(buffer)
            bonusTotal -= movers[m].options[choice[m]].bonus
            choice[m] = -1; chosen.removeAll { $0 == m }; leaving[movers[m].c.schoolId, default: 0] -= 1
            if movers[m].backbone { backboneMoving -= 1 }
        }
        func commitRetarget(_ m: Int, _ o: Int) {
            buffer.removeAll(keepingCapacity: true)
            arrive(m, choice[m], sign: -1, into: &buffer); arrive(m, o, sign: 1, into: &buffer)
            objective.apply(buffer)
            bonusTotal += movers[m].options[o].bonus - movers[m].options[choice[m]].bonus
            choice[m] = o
        }
        func canLeave(_ m: Int, freeing: Int? = nil) -> Bool {
            let s = movers[m].c.schoolId
            let freed = freeing.map { movers[$0].c.schoolId == s ? 1 : 0 } ?? 0
            return (leaving[s] ?? 0) - freed + 1 <= (cap[s] ?? 1)
        }
        /// A mover's best option from the current state, and its cost.
        func bestOption(_ m: Int, replacing r: Int? = nil) -> (Int, Double)? {
            var best: (Int, Double)?
            for o in movers[m].options.indices {
                buffer.removeAll(keepingCapacity: true)
                if let r { removeMove(r, into: &buffer) }
                addMove(m, o, into: &buffer)
                let v = cost(buffer, bonus: movers[m].options[o].bonus - (r.map { movers[$0].options[choice[$0]].bonus } ?? 0))
                if best == nil || v < best!.1 - 1e-15 { best = (o, v) }
            }
            return best
        }

        // 1. Greedy start: backbone teachers until their share is met, then anyone, each time the
        //    pair that lowers the objective most (lazily re-evaluated: a pair's value changes
        //    little as others move).
        func greedy(_ pool: [Int], until target: () -> Bool) {
            var heap = pool.compactMap { m -> (Double, Int)? in bestOption(m).map { ($0.1, m) } }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
            while !target(), !heap.isEmpty {
                let (_, m) = heap.removeFirst()
                guard choice[m] < 0, canLeave(m), let (o, v) = bestOption(m) else { continue }
                if let next = heap.first, v > next.0 + 1e-12 {
                    let i = heap.firstIndex { ($0.0, $0.1) > (v, m) } ?? heap.count
                    heap.insert((v, m), at: i)
                    continue
                }
                commitAdd(m, o)
            }
        }
        greedy(movers.indices.filter { movers[$0].backbone }) { backboneMoving >= backboneRequired || chosen.count >= required }
        greedy(Array(movers.indices)) { chosen.count >= required }

        // 2. Simulated annealing, three rounds each from the best plan so far with the temperature
        //    raised again, over five neighbourhoods: re-point a move (to a random school, or the
        //    best of three), replace a mover by someone staying (who takes the same school, or a
        //    random one, or the best of three), and exchange two movers' schools.
        var rng = SplitMix(seed: seed &+ UInt64(year) &* 2654435761 &+ UInt64(candidates.count))
        func random(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        func unit() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        var current = objective.value - bonusTotal
        var best = (value: current, choice: choice)
        func restore(_ target: [Int]) {
            for m in chosen where target[m] != choice[m] { commitRemove(m) }
            for m in movers.indices where target[m] >= 0 && choice[m] < 0 { commitAdd(m, target[m]) }
            current = objective.value - bonusTotal
        }
        let budget = evaluationBudget
        // The starting temperature: a typical worsening step of the re-pointing neighbourhood.
        var t0 = 0.0
        if !chosen.isEmpty {
            var ups: [Double] = []
            for _ in 0..<60 {
                let m = chosen[random(chosen.count)]
                let o = random(movers[m].options.count)
                guard o != choice[m] else { continue }
                buffer.removeAll(keepingCapacity: true)
                arrive(m, choice[m], sign: -1, into: &buffer); arrive(m, o, sign: 1, into: &buffer)
                let d = cost(buffer, bonus: movers[m].options[o].bonus - movers[m].options[choice[m]].bonus) - current
                if d > 0 { ups.append(d) }
            }
            t0 = ups.isEmpty ? 1e-4 : ups.sorted()[ups.count / 2] * 0.5
        }
        /// The cost of `m` re-pointed to `o`.
        func retargetCost(_ m: Int, _ o: Int) -> Double {
            buffer.removeAll(keepingCapacity: true)
            arrive(m, choice[m], sign: -1, into: &buffer); arrive(m, o, sign: 1, into: &buffer)
            return cost(buffer, bonus: movers[m].options[o].bonus - movers[m].options[choice[m]].bonus)
        }
        /// The cost of `n` taking `m`'s place, going to `o`.
        func replaceCost(_ m: Int, _ n: Int, _ o: Int) -> Double {
            buffer.removeAll(keepingCapacity: true)
            removeMove(m, into: &buffer); addMove(n, o, into: &buffer)
            return cost(buffer, bonus: movers[n].options[o].bonus - movers[m].options[choice[m]].bonus)
        }
        /// Steepest descent to a plan no single re-pointing or replacement improves: each mover's
        /// best school; each mover against every teacher staying, at that teacher's best school.
        func descend(until limit: Int) {
            var improved = true
            while improved, evaluations < limit, Date().timeIntervalSince(started) < timeBudget {
                improved = false
                for m in chosen {
                    guard let (o, v) = bestOption(m, replacing: m), o != choice[m], v < current - 1e-12 else { continue }
                    commitRetarget(m, o); current = objective.value - bonusTotal; improved = true
                }
                for m in chosen.sorted() {
                    guard choice[m] >= 0 else { continue }
                    var top: (Int, Int, Double)?
                    for n in movers.indices where choice[n] < 0 {
                        if evaluations >= limit { break }
                        if movers[m].backbone && !movers[n].backbone && backboneMoving <= backboneRequired { continue }
                        guard canLeave(n, freeing: m), let (o, v) = bestOption(n, replacing: m) else { continue }
                        if v < (top?.2 ?? current) - 1e-12 { top = (n, o, v) }
                    }
                    if evaluations >= limit { break }
                    if let (n, o, _) = top { commitRemove(m); commitAdd(n, o); current = objective.value - bonusTotal; improved = true }
                }
            }
        }
        let greedyChoice = choice
        var overall = (value: current, choice: choice)
        for round in 0..<restarts {
            if round > 0 { restore(greedyChoice); best = (current, choice) }
            var idle = movers.indices.filter { choice[$0] < 0 }
            let from = evaluations, share = max(1, (budget - from) / (restarts - round)), span = share * 6 / 10
            let start = t0, end = t0 * 1e-3
            while !chosen.isEmpty, evaluations < from + span, Date().timeIntervalSince(started) < timeBudget * Double(round + 1) / Double(restarts) * 0.8 {
                let temperature = start * pow(end / start, Double(evaluations - from) / Double(span))
                func accept(_ v: Double) -> Bool {
                    let d = v - current
                    return d < 0 || (temperature > 0 && unit() < exp(-d / temperature))
                }
                let kind = random(20)
                if kind < 8 {
                    // Re-point one move: a random school, or the best of three.
                    let m = chosen[random(chosen.count)]
                    let n = movers[m].options.count
                    guard n > 1 else { continue }
                    var pick = (o: -1, v: Double.infinity)
                    for _ in 0..<(kind < 5 ? 1 : 3) {
                        let o = random(n)
                        guard o != choice[m] else { continue }
                        let v = retargetCost(m, o)
                        if v < pick.v { pick = (o, v) }
                    }
                    if pick.o >= 0, accept(pick.v) { commitRetarget(m, pick.o); current = pick.v }
                } else if kind < 17 {
                    // Replace a mover by someone staying.
                    guard !idle.isEmpty else { continue }
                    let m = chosen[random(chosen.count)]
                    let j = random(idle.count), n = idle[j]
                    if movers[m].backbone && !movers[n].backbone && backboneMoving <= backboneRequired { continue }
                    guard canLeave(n, freeing: m) else { continue }
                    var pick = (o: -1, v: Double.infinity)
                    if kind < 11, let same = movers[n].options.firstIndex(where: { $0.school == movers[m].options[choice[m]].school }) {
                        pick = (same, replaceCost(m, n, same))
                    } else {
                        for _ in 0..<(kind < 14 ? 1 : 3) {
                            let o = random(movers[n].options.count)
                            let v = replaceCost(m, n, o)
                            if v < pick.v { pick = (o, v) }
                        }
                    }
                    if pick.o >= 0, accept(pick.v) {
                        commitRemove(m); commitAdd(n, pick.o)
                        idle[j] = m
                        current = pick.v
                    }
                } else {
                    // Two movers exchange their schools, where both may go to the other's.
                    guard chosen.count > 1 else { continue }
                    let a = chosen[random(chosen.count)], b = chosen[random(chosen.count)]
                    guard a != b else { continue }
                    let sa = movers[a].options[choice[a]].school, sb = movers[b].options[choice[b]].school
                    guard sa != sb, let oa = movers[a].options.firstIndex(where: { $0.school == sb }),
                          let ob = movers[b].options.firstIndex(where: { $0.school == sa }) else { continue }
                    buffer.removeAll(keepingCapacity: true)
                    arrive(a, choice[a], sign: -1, into: &buffer); arrive(a, oa, sign: 1, into: &buffer)
                    arrive(b, choice[b], sign: -1, into: &buffer); arrive(b, ob, sign: 1, into: &buffer)
                    let bonus = movers[a].options[oa].bonus + movers[b].options[ob].bonus - movers[a].options[choice[a]].bonus - movers[b].options[choice[b]].bonus
                    let v = cost(buffer, bonus: bonus)
                    if accept(v) { commitRetarget(a, oa); commitRetarget(b, ob); current = v }
                }
                if current < best.value - 1e-12 { best = (current, choice) }
            }
            // The round's best plan, polished; the best of the rounds is the suggestion.
            if best.choice != choice { restore(best.choice) }
            descend(until: from + share)
            if current < overall.value - 1e-12 { overall = (current, choice) }
        }
        if overall.choice != choice { restore(overall.choice) }

        let final = chosen.sorted { movers[$0].c.id < movers[$1].c.id }
        let scenario = Scenario(moves: final.map { m in
            let c = movers[m].c, o = movers[m].options[choice[m]]
            return Scenario.TeacherMove(teacherId: c.id, teacher: c.tally, fromSchoolId: c.schoolId, fromPart: c.part, toSchoolId: o.school, toPart: o.part)
        })
        let moves = final.map { m -> SuggestedMove in
            let c = movers[m].c, o = movers[m].options[choice[m]]
            return SuggestedMove(teacherId: c.id, fromSchoolId: c.schoolId, toSchoolId: o.school, toPart: o.part, reasons: reasons(c, o.school, o.part))
        }
        let quota = Quota(eligible: due.count, moved: moves.count, backboneMoved: final.filter { movers[$0].backbone }.count, rules: rules)
        return Suggestion(moves: moves, quota: quota, scoreBefore: scoreBefore, scoreAfter: evaluator.score(scenario), evaluations: evaluations,
                          milliseconds: Int(Date().timeIntervalSince(started) * 1000), heldBack: heldBack, preference: bonusTotal)
    }

    /// Why a move is proposed, in the planner's words.
    func reasons(_ c: Candidate, _ to: Int, _ part: StagePart?) -> [LocalizedText] {
        var reasons: [LocalizedText] = []
        if let s = schools[to] {
            let terms = preferences(c, to: s, part: part)
            if terms.contains(.shortageFilled), let staff = staffing[to]?[part ?? s.parts.first ?? .primary],
               let subj = c.subjects.first(where: { staff.short($0) > 0 }) {
                let short = staff.short(subj)
                reasons.append(LocalizedText(zh: "\(subj.zh)教师不足 \(short) 人", en: "\(short) \(subj.en) teacher\(short == 1 ? "" : "s") short"))
            }
            if terms.contains(.townToRural) { reasons.append(LocalizedText(zh: "城镇→乡村", en: "town → rural")) }
            if terms.contains(.lacksRuralService) { reasons.append(LocalizedText(zh: "评高级职称需乡村任教经历", en: "needs rural service for the senior title")) }
            if terms.contains(.backboneToWeak) { reasons.append(LocalizedText(zh: "骨干教师到薄弱学校", en: "backbone teacher to a weak school")) }
        }
        if c.backbone.isCountyOrHigher { reasons.append(LocalizedText(zh: "骨干教师比例", en: "backbone share")) }
        if (density[c.schoolId] ?? 0) > (density[to] ?? 0) + 0.5 {
            reasons.append(LocalizedText(zh: "师资由每百名学生教师数高的学校流向低的学校", en: "from more to fewer teachers per hundred students"))
        }
        if reasons.isEmpty { reasons.append(LocalizedText(zh: "满足交流比例", en: "meets the rotation share")) }
        return reasons
    }
}

/// A small deterministic generator: the same data gives the same suggestion.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
