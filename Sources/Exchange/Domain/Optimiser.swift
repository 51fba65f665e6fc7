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
    public static func round(year: Int) -> CivilDate { CivilDate(year: year, month: 9, day: 1)! }

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
    public let scoreBefore: Double
    public let scoreAfter: Double
    /// What-if evaluations spent by the local search, and the time taken.
    public let evaluations: Int
    public let milliseconds: Int
}

/// The suggested plan (交流方案建议).
///
/// Method: a lazy greedy start, then a first-improvement local search scored by the balance
/// what-if. The greedy ranks every (eligible teacher, receiving school) pair by what the move
/// does that the rules and the county care about — a subject the receiving school is short of,
/// town → rural, a school meeting the quality standard → one below it, and the gap in teachers
/// per hundred students — and takes backbone teachers first until their 20% is met, then the
/// best of everyone until 10% of the eligible move. The search then tries, for a random move,
/// another receiving school among the teacher's best few, or another unused eligible teacher of
/// the same kind (backbone or not), and keeps a change only when the quality-standard
/// coefficients (Σ coefficient ÷ limit over both compulsory parts) fall without breaking a quota
/// or opening a shortage. Why this and not an exact method: the objective (coefficients of
/// variation over enrolment-weighted ratios) is not linear, the quotas and shortages are hard
/// constraints that a greedy meets by construction, and a bounded search gives a plan in a fixed
/// time a planner then edits — the plan is a proposal, not an answer.
public struct RotationOptimiser: Sendable {
    public let year: Int
    public let rules: RotationRules
    public let candidates: [Candidate]
    public let schools: [Int: PlanSchool]
    public let staffing: [Int: [StagePart: Staffing]]
    /// Teachers per hundred students of each school (all parts), for the direction of moves.
    public let density: [Int: Double]
    /// Schools below the quality standard in some part.
    public let weak: Set<Int>
    public let score: @Sendable (Scenario) -> Double
    /// The search stops after this many what-if evaluations (so the same data gives the same
    /// plan on any machine), or after `timeBudget` seconds as a safety valve on a slow one.
    public static let defaultEvaluations = 1500

    /// The budget for an area: 1,500 evaluations for a district; fewer for a county-wide plan,
    /// where one evaluation covers ten times the schools (≈ 250,000 school-evaluations in all,
    /// never under 400), so the suggestion stays near a second either way.
    public static func evaluations(forSchools n: Int) -> Int { min(defaultEvaluations, max(400, 250_000 / max(n, 1))) }
    public var evaluationBudget = defaultEvaluations
    public var timeBudget = 10.0

    /// The active schools in a fixed order, and the largest density: both read by every option.
    let schoolList: [PlanSchool]
    let maxDensity: Double

    public init(year: Int, rules: RotationRules, candidates: [Candidate], schools: [Int: PlanSchool], staffing: [Int: [StagePart: Staffing]],
                density: [Int: Double], weak: Set<Int>, score: @escaping @Sendable (Scenario) -> Double) {
        self.year = year; self.rules = rules; self.candidates = candidates; self.schools = schools; self.staffing = staffing
        self.density = density; self.weak = weak; self.score = score
        self.schoolList = schools.values.filter(\.active).sorted { $0.id < $1.id }
        self.maxDensity = max(density.values.max() ?? 1, 1)
    }

    struct Option { let school: Int; let part: StagePart?; let gain: Double; let subject: Subject? }

    /// The receiving schools worth considering for one teacher, best first (at most `k`).
    func options(for c: Candidate, held: [Int: [StagePart: Staffing]], k: Int) -> [Option] {
        guard let origin = schools[c.schoolId] else { return [] }
        let maxDensity = self.maxDensity
        // Taking the teacher away must not open a shortage at the sending school (the same for
        // every receiving school, so counted once).
        var leavingPenalty = 0.0
        if let from = held[origin.id]?[c.part ?? origin.parts.first ?? .primary] {
            var after = from
            for subj in c.subjects { after.held[subj, default: 0] -= 1.0 / Double(max(c.subjects.count, 1)) }
            for subj in c.subjects where after.short(subj) > from.short(subj) { leavingPenalty += 2 }
        }
        let originDensity = density[origin.id] ?? 0
        let originWeak = weak.contains(origin.id)
        var out: [Option] = []
        out.reserveCapacity(schoolList.count)
        for s in schoolList where s.id != c.schoolId {
            // The main directions are town → rural and strong → weak: a suggestion never sends a
            // rural teacher to town (a planner may, with the warning).
            if origin.isRural && !s.isRural { continue }
            guard let part = receivingPart(of: c, at: s, from: origin) else { continue }
            if let q = c.qualification, !q.covers(part: s.parts.count > 1 ? part : nil, stage: s.stage) { continue }
            var gain = -leavingPenalty
            var best: Subject?
            var bestShort = 0
            if let staff = held[s.id]?[part] {
                for subj in c.subjects {
                    let short = staff.short(subj)
                    if short > bestShort { best = subj; bestShort = short }
                }
            }
            if best != nil { gain += 3 + Double(min(bestShort, 3)) * 0.5 }
            if !origin.isRural && s.isRural { gain += 2 }
            if !originWeak && weak.contains(s.id) { gain += 1.5 + (c.backbone.isCountyOrHigher ? 1 : 0) }
            if originWeak && !weak.contains(s.id) { gain -= 1.5 }
            gain += (originDensity - (density[s.id] ?? 0)) / maxDensity * 2
            if c.qualification == nil { gain -= 0.5 }
            out.append(Option(school: s.id, part: part, gain: gain, subject: best))
        }
        if k == 1 { return out.max { ($0.gain, -$0.school) < ($1.gain, -$1.school) }.map { [$0] } ?? [] }
        return Array(out.sorted { ($0.gain, -$0.school) > ($1.gain, -$1.school) }.prefix(k))
    }

    public func run() -> Suggestion {
        let started = Date()
        let eligible = candidates.filter { Eligibility.isDue($0, year: year, rules: rules) }
        let base = Quota(eligible: eligible.count, moved: 0, backboneMoved: 0, rules: rules)
        let required = base.required
        let backboneRequired = Int((Double(required * rules.backboneSharePercent) / 100).rounded(.up))
        var held = staffing
        var chosen: [(Candidate, Option)] = []
        var used = Set<Int>()
        var leaving: [Int: Int] = [:], arriving: [Int: Int] = [:]
        var teachersAt: [Int: Int] = [:]
        for c in candidates { teachersAt[c.schoolId, default: 0] += 1 }

        func take(_ c: Candidate, _ o: Option) {
            chosen.append((c, o)); used.insert(c.id)
            leaving[c.schoolId, default: 0] += 1; arriving[o.school, default: 0] += 1
            let share = 1.0 / Double(max(c.subjects.count, 1))
            if let p = c.part ?? schools[c.schoolId]?.parts.first { for s in c.subjects { held[c.schoolId]?[p]?.held[s, default: 0] -= share } }
            if let p = o.part { for s in c.subjects { held[o.school, default: [:]][p, default: Staffing()].held[s, default: 0] += share } }
        }
        // A school sends at most a fifth of its teachers in one round.
        func canLeave(_ c: Candidate) -> Bool { (leaving[c.schoolId] ?? 0) + 1 <= max(1, (teachersAt[c.schoolId] ?? 0) / 5) }

        func greedy(_ pool: [Candidate], until count: Int) {
            // Lazy greedy: each teacher's best option is recomputed only when it reaches the top.
            var heap = pool.filter { !used.contains($0.id) }.compactMap { c -> (Double, Candidate)? in
                options(for: c, held: held, k: 1).first.map { ($0.gain, c) }
            }.sorted { ($0.0, -$0.1.id) > ($1.0, -$1.1.id) }
            var taken = 0
            while taken < count, !heap.isEmpty {
                let (g, c) = heap.removeFirst()
                guard !used.contains(c.id), canLeave(c) else { continue }
                guard let fresh = options(for: c, held: held, k: 1).first else { continue }
                if fresh.gain < g - 1e-9, let next = heap.first, fresh.gain < next.0 {
                    let i = heap.firstIndex { ($0.0, -$0.1.id) < (fresh.gain, -c.id) } ?? heap.count
                    heap.insert((fresh.gain, c), at: i)
                    continue
                }
                take(c, fresh)
                taken += 1
            }
        }
        greedy(eligible.filter { $0.backbone.isCountyOrHigher }, until: backboneRequired)
        greedy(eligible, until: max(0, required - chosen.count))

        // Local search on the what-if score.
        func scenario(_ list: [(Candidate, Option)]) -> Scenario {
            Scenario(moves: list.map { c, o in
                Scenario.TeacherMove(teacherId: c.id, teacher: c.tally, fromSchoolId: c.schoolId, fromPart: c.part, toSchoolId: o.school, toPart: o.part)
            })
        }
        let before = score(Scenario())
        var current = score(scenario(chosen))
        var evaluations = 2
        var rng = SplitMix(seed: UInt64(year) &* 2654435761 &+ UInt64(candidates.count))
        let unusedByKind: [Bool: [Candidate]] = Dictionary(grouping: eligible.filter { !used.contains($0.id) }) { $0.backbone.isCountyOrHigher }
        while !chosen.isEmpty, evaluations < evaluationBudget, Date().timeIntervalSince(started) < timeBudget {
            let i = Int(rng.next() % UInt64(chosen.count))
            let (c, o) = chosen[i]
            var trial = chosen
            if rng.next() % 2 == 0 {
                // Another school that fills a shortage too, if this one did.
                let alternatives = options(for: c, held: held, k: 5).filter { $0.school != o.school && ($0.subject != nil || o.subject == nil) }
                guard !alternatives.isEmpty else { evaluations += 1; continue }
                trial[i] = (c, alternatives[Int(rng.next() % UInt64(alternatives.count))])
            } else {
                let pool = unusedByKind[c.backbone.isCountyOrHigher] ?? []
                guard !pool.isEmpty else { evaluations += 1; continue }
                let other = pool[Int(rng.next() % UInt64(pool.count))]
                // The fifth rule holds for the swap too: the newcomer's school may send one more
                // only if it is under its cap (issue 29: a five-teacher school sent two).
                let sendsAlready = (leaving[other.schoolId] ?? 0) - (other.schoolId == c.schoolId ? 1 : 0)
                guard !trial.contains(where: { $0.0.id == other.id }), sendsAlready + 1 <= max(1, (teachersAt[other.schoolId] ?? 0) / 5),
                      let opt = options(for: other, held: held, k: 1).first else { evaluations += 1; continue }
                trial[i] = (other, opt)
            }
            let s = score(scenario(trial))
            evaluations += 1
            if s < current - 1e-12 {
                // Re-apply the staffing from scratch for the accepted plan.
                held = staffing; used = []; leaving = [:]; arriving = [:]
                let accepted = trial
                chosen = []
                for (tc, to) in accepted { take(tc, to) }
                current = s
            }
        }

        let moves = chosen.map { c, o -> SuggestedMove in
            var reasons: [LocalizedText] = []
            if let subj = o.subject, let short = staffing[o.school]?[o.part ?? .primary]?.short(subj), short > 0 {
                reasons.append(LocalizedText(zh: "\(subj.zh)教师不足 \(short) 人", en: "\(short) \(subj.en) teacher\(short == 1 ? "" : "s") short"))
            }
            if c.backbone.isCountyOrHigher { reasons.append(LocalizedText(zh: "骨干教师比例", en: "backbone share")) }
            if let from = schools[c.schoolId], let to = schools[o.school], !from.isRural, to.isRural {
                reasons.append(LocalizedText(zh: "城镇→乡村", en: "town → rural"))
            }
            if !weak.contains(c.schoolId) && weak.contains(o.school) { reasons.append(LocalizedText(zh: "优质学校→薄弱学校", en: "strong → weak school")) }
            if (density[c.schoolId] ?? 0) > (density[o.school] ?? 0) + 0.5 {
                reasons.append(LocalizedText(zh: "师资由每百名学生教师数高的学校流向低的学校", en: "from more to fewer teachers per hundred students"))
            }
            if reasons.isEmpty { reasons.append(LocalizedText(zh: "满足交流比例", en: "meets the rotation share")) }
            return SuggestedMove(teacherId: c.id, fromSchoolId: c.schoolId, toSchoolId: o.school, toPart: o.part, reasons: reasons)
        }
        let quota = Quota(eligible: eligible.count, moved: chosen.count, backboneMoved: chosen.filter { $0.0.backbone.isCountyOrHigher }.count, rules: rules)
        return Suggestion(moves: moves, quota: quota, scoreBefore: before, scoreAfter: current, evaluations: evaluations,
                          milliseconds: Int(Date().timeIntervalSince(started) * 1000))
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
