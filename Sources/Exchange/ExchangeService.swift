import Balance
import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// A move as the planner enters it (CONTRACT "Exchange").
public struct MoveInput: Sendable, Codable {
    public var teacherId: Int?
    public var toSchoolId: Int?
    public var toPart: String?
    public var form: String?
    public var startsOn: String?
    public var returnsOn: String?
    public var reason: String?
    public init(teacherId: Int?, toSchoolId: Int?, toPart: String? = nil, form: String?, startsOn: String?, returnsOn: String? = nil, reason: String? = nil) {
        self.teacherId = teacherId; self.toSchoolId = toSchoolId; self.toPart = toPart; self.form = form; self.startsOn = startsOn
        self.returnsOn = returnsOn; self.reason = reason
    }
}

/// A move after the checks.
public struct CheckedMove: Sendable {
    public let teacher: Candidate
    public let from: PlanSchool
    public let to: PlanSchool
    public let toPart: StagePart?
    public let form: MoveForm
    public let startsOn: CivilDate
    public let returnsOn: CivilDate?
    public let reason: String?
    public let warnings: [MoveWarning]
}

/// Everything the planner sees about a set of moves: per-move warnings, the quota, the balance
/// before and after, and the receiving schools' shortages.
public struct PlanCheck: Sendable {
    public let year: Int
    public let districtId: Int?
    public let moves: [CheckedMove]
    public let quota: Quota
    public let evaluator: BalanceEvaluator
    public let before: [BalanceResult]
    public let after: [BalanceResult]
    /// Receiving schools' shortages (part, subject, teachers short) after the moves; the part
    /// matters in a nine-year school (小学 数学 and 初中 数学 are different shortages).
    public let shortagesAfter: [Int: [(StagePart, Subject, Int)]]
    public let schools: [Int: PlanSchool]
    /// Saved moves the registry has overtaken (the teacher transferred, left, retired or moved by
    /// another plan; the receiving school closed): shown with why, left out of the quota, the
    /// balance and the approval, and dropped or re-pointed by the planner (issue 29).
    public var stale: [StaleMove] = []
}

/// A saved move that no longer applies, and why.
public struct StaleMove: Sendable {
    public let moveId: Int?
    public let teacherId: Int
    public let name: String
    public let reason: LocalizedText
}

/// Everything an area's planning reads once: teachers, schools, staffing, balance.
struct PlanningArea: Sendable {
    let year: Int
    let districtId: Int?
    let rules: RotationRules
    let candidates: [Candidate]
    let byId: [Int: Candidate]
    let schools: [Int: PlanSchool]
    let staffing: [Int: [StagePart: Staffing]]
    let density: [Int: Double]
    let weak: Set<Int>
    let evaluator: BalanceEvaluator
    let baseline: [BalanceResult]
}

/// The exchange module's use cases; each checks permission and scope first.
public struct ExchangeService: Sendable {
    let ctx: ServiceContext
    public init(_ ctx: ServiceContext) { self.ctx = ctx }
    public init(_ req: Request) { self.init(req.context) }

    var db: any Database { ctx.db }
    public var today: CivilDate { ctx.today }

    static let planWord = LocalizedText(zh: "交流方案", en: "rotation plan")
    static let moveWord = LocalizedText(zh: "交流记录", en: "move")
    /// The round under way: the latest 1 September on or before today.
    public static func currentRound(_ today: CivilDate) -> Int { today >= Eligibility.round(year: today.year) ? today.year : today.year - 1 }

    /// The county's yearly target of teachers sent to rural schools (支教), from the seed.
    public static let supportTarget = 200

    // MARK: area

    /// The year and area a caller may plan or read: a district admin is held to the district; a
    /// county-wide area is the bureau's.
    func area(year: Int?, district: Int?, permission: Permission) async throws -> (year: Int, district: Int?) {
        let actor = try ctx.requireActor()
        try actor.require(permission)
        let y = year ?? RotationRules.nextRound(after: today).year
        if y < 2000 || y > today.year + 1 {
            throw DomainError.validation(["year": LocalizedText(zh: "年度应在2000到\(today.year + 1)之间", en: "year must be between 2000 and \(today.year + 1)")])
        }
        var d = district
        if d == nil, case .district(let own) = actor.registryScope { d = own }
        if let d {
            guard try await RegistryStore.district(id: d, on: db) != nil else { throw DomainError.notFound(LocalizedText(zh: "学区", en: "district")) }
            guard actor.covers(districtId: d) else { throw DomainError.forbidden }
            if case .school = actor.registryScope, permission != .exchangeRead { throw DomainError.forbidden }
        } else if case .districts = actor.registryScope {
            // A county bureau of a database holding several counties reads its county whole, and
            // plans district by district: a plan of no district would belong to no county.
            if permission != .exchangeRead {
                throw DomainError.validation(["district": LocalizedText(zh: "请选择学区：交流方案按学区编制", en: "choose a district: plans are drawn up district by district")])
            }
        } else if actor.registryScope != .county {
            throw DomainError.forbidden
        }
        return (y, d)
    }

    /// The part of a kept answer's key naming the caller's county when the database holds several.
    var countyKey: String? {
        guard let actor = ctx.actor, case .oneCounty(let c) = actor.scope else { return nil }
        return "c" + c.code
    }


    func load(year: Int, district: Int?) async throws -> PlanningArea {
        let rules = try await RotationRulesStore.inForce(on: Eligibility.round(year: year), db: db)
        async let candidatesRead = ExchangeStore.candidates(district: district, on: db)
        async let schoolsRead = ExchangeStore.schools(district: district, on: db)
        // The balance of the year the plan takes effect in, as recorded or live.
        let evaluator = try await BalanceService(ctx).evaluator(year: min(year, today.year), district: district)
        let candidates = try await candidatesRead
        let schools = try await schoolsRead
        let baseline = BalancePart.allCases.map { evaluator.evaluate(part: $0) }
        var weak = Set<Int>()
        for r in baseline { for s in r.standings where s.check.map({ !$0.pass }) ?? false { weak.insert(s.unit.schoolId) } }
        var staffing: [Int: [StagePart: Staffing]] = [:]
        var students: [Int: Int] = [:]
        for f in evaluator.facts {
            var parts: [StagePart: Staffing] = [:]
            for p in f.parts { parts[p] = Staffing(needed: SubjectNeed.needed(part: p, students: f.students[p])) }
            staffing[f.id] = parts
            students[f.id] = f.students.primary + f.students.junior + f.students.senior
        }
        var count: [Int: Int] = [:]
        for c in candidates {
            count[c.schoolId, default: 0] += 1
            guard let p = c.part ?? schools[c.schoolId]?.parts.first else { continue }
            let share = 1.0 / Double(max(c.subjects.count, 1))
            for s in c.subjects { staffing[c.schoolId, default: [:]][p, default: Staffing()].held[s, default: 0] += share }
        }
        var density: [Int: Double] = [:]
        for (id, n) in students where n > 0 { density[id] = Double(count[id] ?? 0) * 100 / Double(n) }
        return PlanningArea(year: year, districtId: district, rules: rules, candidates: candidates, byId: Dictionary(uniqueKeysWithValues: candidates.map { ($0.id, $0) }),
                            schools: schools, staffing: staffing, density: density, weak: weak, evaluator: evaluator, baseline: baseline)
    }

    // MARK: rotation rules

    /// The rotation rules in force on a date (every exchange reader sees them), and their versions.
    public func rules(on date: CivilDate? = nil) async throws -> (inForce: RotationRules, versions: [DatedRules.Version<RotationRules>]) {
        try ctx.requireActor().require(.exchangeRead)
        return (try await RotationRulesStore.inForce(on: date ?? today, db: db), try await RotationRulesStore.versions(db: db))
    }

    /// A new version of the rotation rules from a date (the bureau's; not before today, so plans
    /// already checked keep the rules they were checked against).
    public func publishRules(_ r: RotationRules, from date: CivilDate, note: String) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.exchangeApprove)
        // The rules are the database's: with several counties in it, not one county's to change.
        guard actor.registryScope == .county else { throw DomainError.forbidden }
        var e = FieldErrors()
        if date < today { e.add("effectiveFrom", "生效日期不能早于今天（已有方案按原规则核对）", "the rules cannot take effect before today (plans already checked keep theirs)") }
        if !(1...20).contains(r.yearsAtSchool) { e.add("yearsAtSchool", "任教年限应在1到20年之间", "years at a school must be 1 to 20") }
        if !(1...5).contains(r.principalTerms) { e.add("principalTerms", "校长任期届数应在1到5之间", "principal terms must be 1 to 5") }
        if !(1...10).contains(r.principalTermYears) { e.add("principalTermYears", "每届年限应在1到10年之间", "a term lasts 1 to 10 years") }
        if !(1...100).contains(r.minimumSharePercent) { e.add("minimumSharePercent", "交流比例应在1%到100%之间", "the share must be 1% to 100%") }
        if !(0...100).contains(r.backboneSharePercent) { e.add("backboneSharePercent", "骨干教师比例应在0%到100%之间", "the backbone share must be 0% to 100%") }
        let w = r.suggestionWeights ?? .standard
        for term in SuggestionWeights.Term.allCases where !(0...0.1).contains(abs(w[term])) || !w[term].isFinite {
            e.add("weight.\(term.rawValue)", "\(term.zh)：权重应在0到0.1之间", "\(term.en): the weight must be between 0 and 0.1")
        }
        let note = note.trimmed
        if note.isEmpty { e.add("note", "请说明依据（文件名称、文号）", "say on what authority (the document and its number)") }
        if note.count > 200 { e.add("note", "说明不超过200字", "the note is at most 200 characters") }
        try e.throwIfAny()
        let audit = ctx.audit, now = ctx.now
        try await ctx.write { tx in
            try await RotationRulesStore.publish(r, from: date, note: note, by: actor.username, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "exchange.rules", entity: "rotation_rules", entityId: date.description, summary: note)
        }
    }

    // MARK: eligibility

    public struct EligibleTeacher: Sendable {
        public let teacher: Candidate
        public let schoolName: String
        public let years: Int
        public let principal: Bool
        public let ruralYears: Double
        /// An intermediate-title teacher (the next title is senior) without a year of rural service.
        public let lacksRural: Bool
    }

    /// Teachers due to rotate in `year` in an area the caller may read (a school admin: the school).
    public func eligible(year: Int?, district: Int?, school: Int? = nil) async throws -> (year: Int, rules: RotationRules, items: [EligibleTeacher]) {
        let actor = try ctx.requireActor()
        var districtId = district
        var schoolId = school
        if case .school(let s) = actor.registryScope {
            if let school, school != s { throw DomainError.forbidden }
            if let district, district != actor.districtId { throw DomainError.forbidden }
            schoolId = s; districtId = actor.districtId
        }
        if let schoolId, districtId == nil {
            guard let s = try await RegistryStore.school(id: schoolId, on: db) else { throw DomainError.notFound(RegistryService.schoolWord) }
            districtId = s.districtId
        }
        let (y, d) = try await area(year: year, district: districtId, permission: .exchangeRead)
        if let schoolId {
            guard let school = try await RegistryStore.school(id: schoolId, on: db), actor.covers(schoolId: schoolId, districtId: school.districtId) else { throw DomainError.forbidden }
        }
        // An area's list is kept until the registry or an issued certificate changes (a
        // district's took 30 ms of CPU a view at province scale: its teachers, their types, their
        // years in the countryside); the school's view filters the district's.
        let db = self.db, today = self.today
        let districts = d == nil ? ctx.actor?.countyDistricts : nil
        let areaKey: String
        if let d {
            areaKey = String(d)
        } else if let ds = districts {
            areaKey = countyKey ?? ("d" + ds.map(String.init).joined(separator: ","))
        } else {
            areaKey = "*"
        }
        let (rules, all) = try await ctx.kept("exchange.eligible|\(y)|\(areaKey)|\(today)", areas: ["registry", "certificates"]) {
            try await Self.computeEligible(year: y, district: d, districts: districts, today: today, on: db)
        }
        return (y, rules, schoolId.map { s in all.filter { $0.teacher.schoolId == s } } ?? all)
    }

    static func computeEligible(year y: Int, district d: Int?, districts: [Int]? = nil, today: CivilDate, on db: any Database) async throws -> (RotationRules, [EligibleTeacher]) {
        let rules = try await RotationRulesStore.inForce(on: Eligibility.round(year: y), db: db)
        let candidates = try await ExchangeStore.candidates(district: d, districts: districts, on: db).filter { Eligibility.isDue($0, year: y, rules: rules) }
        let schools = try await ExchangeStore.schools(district: d, districts: districts, on: db)
        let round = Eligibility.round(year: y)
        // Rural service on the same day as the years at the school: 1 September of the round.
        let rural = try await ExchangeStore.ruralYears(candidates, schools: schools, asOf: round, on: db)
        let items = candidates.map { c in
            let principal = c.principalSince.map { $0.wholeYears(until: round) >= rules.principalTerms * rules.principalTermYears } ?? false
            let r = rural[c.id] ?? 0
            return EligibleTeacher(teacher: c, schoolName: schools[c.schoolId]?.name ?? "", years: Eligibility.years(c, year: y), principal: principal,
                                   ruralYears: r, lacksRural: c.title == .intermediate && r < 1)
        }.sorted { ($0.teacher.schoolId, -$0.years, $0.teacher.id) < ($1.teacher.schoolId, -$1.years, $1.teacher.id) }
        return (rules, items)
    }

    // MARK: suggestion

    public struct SuggestionResult: Sendable {
        public let year: Int
        public let districtId: Int?
        public let suggestion: Suggestion
        public let evaluator: BalanceEvaluator
        public let before: [BalanceResult]
        public let after: [BalanceResult]
        public let schools: [Int: PlanSchool]
        public let teachers: [Int: Candidate]
        /// Time of one what-if evaluation of the area, for the optimiser's cost in evaluations.
        public let evaluationMicros: Int
    }

    /// The suggested plan for an area; nothing is saved.
    /// Why each move of a plan is proposed, in the suggestion's words, for its teacher and school as
    /// they are now (a move re-pointed in the editor is explained afresh). Keyed by the move's index.
    public func moveReasons(year: Int?, district: Int?, moves: [MoveInput]) async throws -> [Int: [LocalizedText]] {
        let (y, d) = try await area(year: year, district: district, permission: .exchangePlan)
        guard moves.contains(where: { $0.teacherId != nil && $0.toSchoolId != nil }) else { return [:] }
        let a = try await load(year: y, district: d)
        let optimiser = RotationOptimiser(year: y, rules: a.rules, candidates: a.candidates, schools: a.schools, staffing: a.staffing,
                                          density: a.density, weak: a.weak, evaluator: a.evaluator)
        var out: [Int: [LocalizedText]] = [:]
        for (i, m) in moves.enumerated() {
            guard let t = m.teacherId, let c = a.byId[t], let to = m.toSchoolId, a.schools[to] != nil else { continue }
            out[i] = optimiser.reasons(c, to, m.toPart.flatMap(StagePart.parse))
        }
        return out
    }

    /// Whether a move's reason is the suggestion's own words (filled in for the planner), not the
    /// planner's: then it follows the move when the move changes.
    public static func isSuggestedReason(_ text: String) -> Bool {
        let parts = text.split(separator: "；").map { $0.trimmingCharacters(in: .whitespaces) }
        guard !parts.isEmpty else { return true }
        let fixed: Set<String> = ["城镇→乡村", "评高级职称需乡村任教经历", "骨干教师到薄弱学校", "骨干教师比例", "师资由每百名学生教师数高的学校流向低的学校", "满足交流比例"]
        return parts.allSatisfy { p in fixed.contains(p) || (p.contains("教师不足 ") && p.hasSuffix(" 人")) }
    }

    public func suggest(year: Int?, district: Int?, evaluationBudget: Int? = nil) async throws -> SuggestionResult {
        let (y, d) = try await area(year: year, district: district, permission: .exchangePlan)
        if d == nil {
            // A province's bureau plans district by district: a suggestion over 900,000 teachers
            // would take minutes and move nobody a planner could check.
            let teachers = try await ExchangeStore.teacherCount(on: db)
            if teachers > 60_000 {
                throw DomainError.validation(["district": LocalizedText(zh: "全域教师超过6万人，请按学区生成建议方案", en: "over 60,000 teachers: suggest a plan per district")])
            }
        }
        let a = try await load(year: y, district: d)
        let evaluator = a.evaluator
        var optimiser = RotationOptimiser(year: y, rules: a.rules, candidates: a.candidates, schools: a.schools, staffing: a.staffing,
                                          density: a.density, weak: a.weak, evaluator: evaluator)
        // Teachers the suggestion leaves alone: those in another plan of the year (the area's own
        // open plan is what the suggestion replaces) and itinerant teachers, whose week of 走教
        // the timetable is built on.
        let open = try await ExchangeStore.openPlan(year: y, district: d, on: db)
        for id in try await ExchangeStore.teachersInOtherPlans(year: y, except: open?.id, on: db) {
            optimiser.heldBack[id] = LocalizedText(zh: "已在本年度其他交流方案中", en: "already in another plan this year")
        }
        for id in try await ExchangeStore.itinerantTeachers(district: d, on: db) where optimiser.heldBack[id] == nil {
            optimiser.heldBack[id] = LocalizedText(zh: "走教教师（已排入走教课表）", en: "an itinerant teacher (on the 走教 timetable)")
        }
        let due = a.candidates.filter { Eligibility.isDue($0, year: y, rules: a.rules) }
        optimiser.ruralYears = try await ExchangeStore.ruralYears(due.filter { $0.title == .intermediate }, schools: a.schools, asOf: Eligibility.round(year: y), on: db)
        if d == nil { optimiser.evaluationBudget = RotationOptimiser.countyEvaluations }
        if let evaluationBudget { optimiser.evaluationBudget = evaluationBudget }
        // A benchmark's knob (Benchmarks/exchange_exact.py): a larger budget, to see what more
        // search would buy; the time valve grows with it.
        if let raw = ProcessInfo.processInfo.environment["XUEQU_SUGGESTION_EVALUATIONS"], let n = Int(raw), n > 0 {
            optimiser.evaluationBudget = n
            optimiser.timeBudget = max(optimiser.timeBudget, Double(n) / 200_000)
        }
        let started = Date()
        _ = evaluator.score(nil)
        let micros = Int(Date().timeIntervalSince(started) * 1_000_000)
        let s = optimiser.run()
        let scenario = Scenario(moves: s.moves.compactMap { m in
            a.byId[m.teacherId].map { Scenario.TeacherMove(teacherId: $0.id, teacher: $0.tally, fromSchoolId: m.fromSchoolId, fromPart: $0.part, toSchoolId: m.toSchoolId, toPart: m.toPart) }
        })
        let after = BalancePart.allCases.map { evaluator.evaluate(scenario, part: $0) }
        ctx.logger.info("exchange suggestion: \(a.candidates.count) teachers, \(s.moves.count) moves, \(s.evaluations) evaluations in \(s.milliseconds) ms")
        return SuggestionResult(year: y, districtId: d, suggestion: s, evaluator: evaluator, before: a.baseline, after: after, schools: a.schools,
                                teachers: a.byId, evaluationMicros: micros)
    }

    public func balanceJSON(_ r: BalanceResult, _ e: BalanceEvaluator) -> String { BalanceService(ctx).json(r, of: e) }

    // MARK: checking a plan

    /// Checks moves against the rules; throws 422 naming the move for what cannot be saved,
    /// returns warnings for what the planner should see.
    ///
    /// `stored`: the saved moves `input` was read from (a saved plan opening). Then what the
    /// registry has changed since — the teacher transferred, gone from the area, moved by another
    /// approved plan, the receiving school closed — makes the move stale, not the plan unreadable.
    func check(year: Int, district: Int?, moves input: [MoveInput], planId: Int?, stored: [MoveRow]? = nil) async throws -> PlanCheck {
        let actor = try ctx.requireActor()
        let a = try await load(year: year, district: district)
        var e = FieldErrors()
        if input.count > 5000 { e.add("moves", "一个方案最多5000条交流记录", "a plan has at most 5,000 moves") }
        try e.throwIfAny()
        let others = try await ExchangeStore.teachersInOtherPlans(year: year, except: planId, on: db)
        let outside = try await ExchangeStore.schools(ids: input.compactMap(\.toSchoolId).filter { a.schools[$0] == nil }, on: db)
        var seen: [Int: Int] = [:]
        var checked: [CheckedMove] = []
        var stale: [StaleMove] = []
        var registry: [Int: TeacherRow] = [:]
        if let stored {
            // (A teacher another approved plan claims but has not moved yet is the in-other-plan
            // warning, and the approval's moved-twice refusal, not a stale move.)
            registry = try await RegistryStore.teachers(ids: stored.map(\.teacherId).filter { a.byId[$0] == nil }, on: db)
        }
        // The schools teachers who left the area work at now, in one read (not one per stale move).
        let elsewhere = try await ExchangeStore.schools(ids: registry.values.map(\.schoolId), on: db)
        for (i, m) in input.enumerated() {
            let key = "moves[\(i)]"
            let n = i + 1
            if let row = stored?[i] {
                let name = a.byId[row.teacherId]?.name ?? registry[row.teacherId]?.name ?? "#\(row.teacherId)"
                func overtaken(_ zh: String, _ en: String) { stale.append(StaleMove(moveId: row.id, teacherId: row.teacherId, name: name, reason: LocalizedText(zh: zh, en: en))) }
                guard let t = a.byId[row.teacherId], actor.covers(schoolId: t.schoolId, districtId: t.districtId) || actor.registryScope == .county else {
                    if let r = registry[row.teacherId] {
                        let school = elsewhere[r.schoolId]?.name ?? "#\(r.schoolId)"
                        overtaken("已调离本方案范围（现在\(school)）或已不在义务教育学校任教", "no longer in this plan's area (now at \(school)) or not teaching in a compulsory school")
                    } else {
                        overtaken("教师已不在登记册中（退休、调出本县或删除）", "the teacher is no longer in the registry (retired, left the county or removed)")
                    }
                    continue
                }
                if t.schoolId != row.fromSchoolId {
                    let now = a.schools[t.schoolId]?.name ?? "#\(t.schoolId)"
                    overtaken("保存后已在登记册中调至\(now)", "transferred to \(now) in the registry since the plan was saved"); continue
                }
                if let to = a.schools[row.toSchoolId] ?? outside[row.toSchoolId], !to.active {
                    overtaken("调入学校\(to.name)已撤并或停办", "the receiving school \(to.name) has been merged or closed"); continue
                }
            }
            guard let tid = m.teacherId, let t = a.byId[tid], actor.covers(schoolId: t.schoolId, districtId: t.districtId) else {
                e.add("\(key).teacherId", "第\(n)条：教师不存在或不在本方案范围内", "move \(n): no such teacher in this plan's area"); continue
            }
            if let first = seen[tid] {
                e.add("\(key).teacherId", "第\(n)条：\(t.name)已在第\(first)条中交流，一个方案中每位教师只能交流一次", "move \(n): \(t.name) is already moved by move \(first); a teacher moves once in a plan")
                continue
            }
            seen[tid] = n
            guard let toId = m.toSchoolId, let to = a.schools[toId] ?? outside[toId] else {
                e.add("\(key).toSchoolId", "第\(n)条：调入学校不存在", "move \(n): no such receiving school"); continue
            }
            if a.schools[toId] == nil || !actor.covers(schoolId: to.id, districtId: to.districtId) {
                // Named only when the caller may see it (another county's school is not named).
                let named = actor.covers(schoolId: to.id, districtId: to.districtId) ? to.name : "（编号 \(to.id)）"
                e.add("\(key).toSchoolId", "第\(n)条：调入学校\(named)不在您的管理范围或本方案学区内", "move \(n): the receiving school \(named) is outside your scope or this plan's district"); continue
            }
            if !to.active { e.add("\(key).toSchoolId", "第\(n)条：调入学校\(to.name)已撤并或停办", "move \(n): the receiving school \(to.name) has been merged or closed"); continue }
            if to.id == t.schoolId { e.add("\(key).toSchoolId", "第\(n)条：调入学校与现任学校相同", "move \(n): the teacher already works at \(to.name)"); continue }
            guard let from = a.schools[t.schoolId] else { continue }
            var part: StagePart?
            if let raw = m.toPart?.trimmed, !raw.isEmpty {
                part = StagePart.parse(raw)
                if part == nil || !to.parts.contains(part!) { e.add("\(key).toPart", "第\(n)条：\(to.name)没有该学段", "move \(n): \(to.name) has no such part"); continue }
            } else {
                part = receivingPart(of: t, at: to, from: from) ?? to.parts.first
            }
            guard let form = MoveForm.parse(m.form ?? "transfer") else {
                e.add("\(key).form", "第\(n)条：交流形式应为交流、支教或挂职", "move \(n): form must be transfer, support or secondment"); continue
            }
            guard let starts = m.startsOn.flatMap({ CivilDate(parsing: $0.trimmed) }) else {
                e.add("\(key).startsOn", "第\(n)条：请填写开始日期（YYYY-MM-DD）", "move \(n): enter a start date (YYYY-MM-DD)"); continue
            }
            if starts.year < year || starts.year > year + 1 {
                e.add("\(key).startsOn", "第\(n)条：开始日期应在\(year)至\(year + 1)年内", "move \(n): the start date must fall in \(year) or \(year + 1)"); continue
            }
            var returns: CivilDate?
            if let raw = m.returnsOn?.trimmed, !raw.isEmpty {
                guard let r = CivilDate(parsing: raw) else { e.add("\(key).returnsOn", "第\(n)条：返回日期格式应为 YYYY-MM-DD", "move \(n): the return date must be YYYY-MM-DD"); continue }
                returns = r
            }
            if form.returns {
                guard let r = returns else { e.add("\(key).returnsOn", "第\(n)条：\(form.zh)须填写返回日期", "move \(n): a \(form.en) needs a return date"); continue }
                if r <= starts { e.add("\(key).returnsOn", "第\(n)条：返回日期\(r)早于开始日期\(starts)", "move \(n): the return date \(r) is before the start \(starts)"); continue }
                if form == .support, r.daysSinceEpoch - starts.daysSinceEpoch < 300 || r > starts.addingYears(3) {
                    e.add("\(key).returnsOn", "第\(n)条：支教期限为一至三年", "move \(n): support teaching lasts one to three years"); continue
                }
                if r > starts.addingYears(3) { e.add("\(key).returnsOn", "第\(n)条：挂职不超过三年", "move \(n): a secondment lasts at most three years"); continue }
            } else if returns != nil {
                e.add("\(key).returnsOn", "第\(n)条：交流（调动）不设返回日期", "move \(n): a transfer has no return date"); continue
            }
            let reason = m.reason?.trimmed.isEmpty == false ? String(m.reason!.trimmed.prefix(300)) : nil
            var warnings: [MoveWarning] = []
            if !Eligibility.isDue(t, year: year, rules: a.rules) { warnings.append(.notEligible) }
            if let q = t.qualification {
                if !q.covers(part: to.parts.count > 1 ? part : nil, stage: to.stage) { warnings.append(.qualificationNotCoveringStage) }
            } else { warnings.append(.qualificationUnknown) }
            if from.isRural && !to.isRural { warnings.append(.towardTown) }
            if a.weak.contains(from.id) && !a.weak.contains(to.id) { warnings.append(.towardStronger) }
            let staff = a.staffing[to.id]?[part ?? to.parts.first ?? .primary]
            if !t.subjects.contains(where: { (staff?.short($0) ?? 0) > 0 }) && form != .secondment { warnings.append(.noShortage) }
            if others.contains(t.id) { warnings.append(.inOtherPlan) }
            if form == .secondment && t.principalSince == nil { warnings.append(.secondmentNotPrincipal) }
            checked.append(CheckedMove(teacher: t, from: from, to: to, toPart: part, form: form, startsOn: starts, returnsOn: returns, reason: reason, warnings: warnings))
        }
        try e.throwIfAny()
        let eligible = a.candidates.filter { Eligibility.isDue($0, year: year, rules: a.rules) }.count
        let movers = checked.filter { !$0.warnings.contains(.notEligible) }
        let quota = Quota(eligible: eligible, moved: movers.count, backboneMoved: movers.filter { $0.teacher.backbone.isCountyOrHigher }.count, rules: a.rules)
        let scenario = Scenario(moves: checked.map { c in
            Scenario.TeacherMove(teacherId: c.teacher.id, teacher: c.teacher.tally, fromSchoolId: c.from.id, fromPart: c.teacher.part, toSchoolId: c.to.id, toPart: c.toPart)
        })
        let after = BalancePart.allCases.map { a.evaluator.evaluate(scenario, part: $0) }
        var staffing = a.staffing
        for c in checked {
            let share = 1.0 / Double(max(c.teacher.subjects.count, 1))
            if let p = c.teacher.part ?? c.from.parts.first { for s in c.teacher.subjects { staffing[c.from.id]?[p]?.held[s, default: 0] -= share } }
            if let p = c.toPart { for s in c.teacher.subjects { staffing[c.to.id, default: [:]][p, default: Staffing()].held[s, default: 0] += share } }
        }
        var shortages: [Int: [(StagePart, Subject, Int)]] = [:]
        for id in Set(checked.map(\.to.id)) {
            shortages[id] = (staffing[id] ?? [:]).sorted { StagePart.allCases.firstIndex(of: $0.key)! < StagePart.allCases.firstIndex(of: $1.key)! }.flatMap { part, staff in staff.shortages.map { (part, $0.0, $0.1) } }
        }
        var out = PlanCheck(year: year, districtId: district, moves: checked, quota: quota, evaluator: a.evaluator, before: a.baseline, after: after,
                            shortagesAfter: shortages, schools: a.schools.merging(outside) { x, _ in x })
        out.stale = stale
        return out
    }

    /// Checks moves without saving (the plan editor's "check" button).
    public func preview(year: Int?, district: Int?, moves: [MoveInput]) async throws -> PlanCheck {
        let (y, d) = try await area(year: year, district: district, permission: .exchangePlan)
        return try await check(year: y, district: d, moves: moves, planId: nil)
    }

    // MARK: plans

    public func createPlan(year: Int?, district: Int?, title: String?, moves: [MoveInput]) async throws -> (PlanRow, PlanCheck) {
        let actor = try ctx.requireActor()
        let (y, d) = try await area(year: year, district: district, permission: .exchangePlan)
        if moves.isEmpty { throw DomainError.validation(["moves": LocalizedText(zh: "方案中至少要有一条交流记录", en: "a plan needs at least one move")]) }
        let c = try await check(year: y, district: d, moves: moves, planId: nil)
        var districtName: String?
        if let d { districtName = try await RegistryStore.district(id: d, on: db)?.name }
        let name = title?.trimmed.isEmpty == false ? String(title!.trimmed.prefix(80)) : "\(y)年\(districtName ?? "全县")教师交流轮岗方案"
        let audit = ctx.audit, now = ctx.now
        // One open plan per district and year: the suggestion and every edit go into it.
        if let open = try await ExchangeStore.openPlan(year: y, district: d, on: db) { throw Self.secondPlan(open, year: y) }
        let id: Int
        do {
            id = try await ctx.write { tx -> Int in
                // The plan's open claim: its unique index refuses a second plan created at the same moment.
                let planId = try await ExchangeStore.insertPlan(year: y, district: d, title: name, by: actor.username, on: tx, now: now)
                try await ExchangeStore.insertMoves(c.moves, planId: planId, on: tx)
                try await ExchangeStore.planHistory(id: planId, from: "", to: PlanState.draft.rawValue, event: "create", actor: actor.username, at: now, reason: nil, on: tx)
                try await Audit.record(on: tx, audit, action: "exchange.plan.create", entity: "exchange_plan", entityId: String(planId),
                                       summary: "\(y) 年\(d.map { "学区编号 \($0)" } ?? "全县")：\(c.moves.count) 人次交流")
                return planId
            }
        } catch {
            if let e = error as? any DatabaseError, e.isConstraintFailure, let open = try await ExchangeStore.openPlan(year: y, district: d, on: db) {
                throw Self.secondPlan(open, year: y)
            }
            throw error
        }
        return (try await ExchangeStore.plan(id: id, on: db)!, c)
    }

    /// A district's second open plan of a year, refused with the first one named.
    static func secondPlan(_ open: PlanRow, year: Int) -> DomainError {
        DomainError(.conflict, code: "plan_exists", LocalizedText(zh: "\(year) 年已有交流方案“\(open.title)”（\(open.id) 号，\(open.stateValue.zh)），请在该方案中修改",
                                                                  en: "there is already a \(year) plan, “\(open.title)” (no. \(open.id), \(open.stateValue.en)); change that one"),
                    fields: ["planId": LocalizedText(zh: "\(open.id)", en: "\(open.id)")])
    }

    /// Every move of `moves` whose teacher another approved plan of the year already moves, in words.
    func alreadyMoved(_ c: PlanCheck, year: Int, planId: Int) async throws -> [String] {
        let claims = try await ExchangeStore.teacherClaims(year: year, teacherIds: c.moves.map(\.teacher.id), except: planId, on: db)
        let taken = try await ExchangeStore.teachersInApprovedPlans(year: year, except: planId, on: db)
        var seen = Set<Int>()
        return c.moves.compactMap { m in
            guard claims[m.teacher.id] != nil || taken.contains(m.teacher.id), seen.insert(m.teacher.id).inserted else { return nil }
            let other = claims[m.teacher.id].map { "\($0) 号" } ?? "另一个已批准的"
            return "\(m.teacher.name) 已在\(other)方案中交流"
        }
    }

    /// A plan the caller may read: the bureau any, a district its own, a school those touching it.
    public func plan(id: Int) async throws -> PlanRow {
        let actor = try ctx.requireActor()
        try actor.require(.exchangeRead)
        guard let p = try await ExchangeStore.plan(id: id, on: db) else { throw DomainError.notFound(Self.planWord) }
        switch actor.registryScope {
        case .county: return p
        case .districts(let ds): if let d = p.districtId, ds.contains(d) { return p }
        case .district(let d): if p.districtId == d { return p }
        case .school(let s):
            let moves = try await ExchangeStore.moves(planId: id, on: db)
            if moves.contains(where: { $0.fromSchoolId == s || $0.toSchoolId == s }) { return p }
        case .nothing: break
        }
        throw DomainError.notFound(Self.planWord)
    }

    public func plans(year: Int?) async throws -> [PlanRow] {
        let actor = try ctx.requireActor()
        try actor.require(.exchangeRead)
        return try await ExchangeStore.plans(year: year, scope: actor.registryScope, on: db)
    }

    public func moves(planId: Int) async throws -> [MoveRow] {
        _ = try await plan(id: planId)
        return try await ExchangeStore.moves(planId: planId, on: db)
    }

    /// The saved plan checked again as it stands (quota, balance, warnings).
    public func checkSaved(_ p: PlanRow) async throws -> PlanCheck {
        let moves = try await ExchangeStore.moves(planId: p.id, on: db)
        if p.stateValue == .inEffect || moves.contains(where: { $0.state != MoveState.planned.rawValue }) {
            // Moves in effect have changed the registry; the saved check is what was approved.
            return try await checkStored(p, moves)
        }
        return try await check(year: p.year, district: p.districtId, moves: moves.map(Self.input), planId: p.id, stored: moves)
    }

    static func input(_ m: MoveRow) -> MoveInput {
        MoveInput(teacherId: m.teacherId, toSchoolId: m.toSchoolId, toPart: m.toPart, form: m.form, startsOn: m.startsOn, returnsOn: m.returnsOn, reason: m.reason)
    }

    /// A plan whose moves already took effect: quota and balance from the stored moves (their
    /// teachers are now at the receiving schools, so "before" is the plan undone).
    func checkStored(_ p: PlanRow, _ moves: [MoveRow]) async throws -> PlanCheck {
        let a = try await load(year: p.year, district: p.districtId)
        let teachers = try await RegistryStore.teachers(ids: moves.map(\.teacherId), on: db)
        var checked: [CheckedMove] = []
        var undo: [Scenario.TeacherMove] = []
        let extraIds = moves.flatMap { [$0.fromSchoolId, $0.toSchoolId] }.filter { a.schools[$0] == nil }
        let extra = try await ExchangeStore.schools(ids: extraIds, on: db)
        let schools = a.schools.merging(extra) { x, _ in x }
        for m in moves {
            guard let t = teachers[m.teacherId], let from = schools[m.fromSchoolId], let to = schools[m.toSchoolId] else { continue }
            let c = Candidate(id: t.id, name: t.name, schoolId: t.schoolId, districtId: t.districtId, subjects: t.subjectList.compactMap(Subject.init(rawValue:)),
                              title: Title(rawValue: t.title) ?? .none, backbone: Backbone(rawValue: t.backbone) ?? .none, education: Education(rawValue: t.education) ?? .bachelor,
                              schoolSince: CivilDate(parsing: t.schoolSince) ?? today, part: t.stagePart.flatMap(StagePart.init(rawValue:)),
                              principalSince: t.principalSince.flatMap { CivilDate(parsing: $0) }, qualification: t.qualificationType.flatMap(QualificationType.init(rawValue:)))
            checked.append(CheckedMove(teacher: c, from: from, to: to, toPart: m.toPart.flatMap(StagePart.init(rawValue:)), form: m.formValue,
                                       startsOn: CivilDate(parsing: m.startsOn) ?? today, returnsOn: m.returnsOn.flatMap { CivilDate(parsing: $0) }, reason: m.reason,
                                       warnings: m.warningList))
            if m.state == MoveState.active.rawValue {
                undo.append(.init(teacherId: t.id, teacher: c.tally, fromSchoolId: m.toSchoolId, fromPart: m.toPart.flatMap(StagePart.init(rawValue:)),
                                  toSchoolId: m.fromSchoolId, toPart: m.fromPart.flatMap(StagePart.init(rawValue:))))
            }
        }
        let movers = checked.filter { !$0.warnings.contains(.notEligible) }
        let eligibleNow = a.candidates.filter { Eligibility.isDue($0, year: p.year, rules: a.rules) }.count
        let quota = Quota(eligible: max(eligibleNow, movers.count), moved: movers.count, backboneMoved: movers.filter { $0.teacher.backbone.isCountyOrHigher }.count, rules: a.rules)
        let before = BalancePart.allCases.map { a.evaluator.evaluate(Scenario(moves: undo), part: $0) }
        return PlanCheck(year: p.year, districtId: p.districtId, moves: checked, quota: quota, evaluator: a.evaluator, before: before, after: a.baseline,
                         shortagesAfter: [:], schools: schools)
    }

    func requirePlanner(_ p: PlanRow) throws -> Actor {
        let actor = try ctx.requireActor()
        try actor.require(.exchangePlan)
        switch (actor.registryScope, p.districtId) {
        case (.county, _): return actor
        case (.districts(let ds), let pd?) where ds.contains(pd): return actor
        case (.district(let d), let pd?) where d == pd: return actor
        default: throw DomainError.forbidden
        }
    }

    /// Takes the moves the registry has overtaken out of a draft (the planner's one click after a
    /// transfer; re-pointing one instead is an edit).
    public func dropStale(planId: Int, version: Int) async throws -> (PlanRow, Int) {
        let p = try await plan(id: planId)
        _ = try requirePlanner(p)
        guard p.stateValue == .draft else {
            throw DomainError(.conflict, code: "not_draft", LocalizedText(zh: "只有草稿状态的方案可以修改（当前：\(p.stateValue.zh)）", en: "only a draft can be changed (now: \(p.stateValue.en))"))
        }
        let c = try await checkSaved(p)
        let ids = c.stale.compactMap(\.moveId)
        if ids.isEmpty { throw DomainError.validation(["moves": LocalizedText(zh: "方案中没有失效的交流记录", en: "the plan has no stale moves")]) }
        let audit = ctx.audit, now = ctx.now
        let summary = c.stale.map { "\($0.name)：\($0.reason.zh)" }.joined(separator: "；")
        try await ctx.write { tx in
            try await ExchangeStore.touchDraft(id: planId, version: version, on: tx, now: now)
            try await ExchangeStore.deletePlannedMoves(planId: planId, ids: ids, on: tx)
            try await Audit.record(on: tx, audit, action: "exchange.plan.drop_stale", entity: "exchange_plan", entityId: String(planId),
                                   summary: String("移出 \(ids.count) 条失效记录：\(summary)".prefix(900)))
        }
        return (try await ExchangeStore.plan(id: planId, on: db)!, ids.count)
    }

    /// Replaces a draft's moves (the planner's edits), checked as a new plan would be.
    public func updatePlan(id: Int, version: Int, title: String?, moves: [MoveInput]) async throws -> (PlanRow, PlanCheck) {
        let p = try await plan(id: id)
        let actor = try requirePlanner(p)
        guard p.stateValue == .draft else {
            throw DomainError(.conflict, code: "not_draft", LocalizedText(zh: "只有草稿状态的方案可以修改（当前：\(p.stateValue.zh)）", en: "only a draft can be changed (now: \(p.stateValue.en))"))
        }
        let c = try await check(year: p.year, district: p.districtId, moves: moves, planId: p.id)
        let name = title?.trimmed.isEmpty == false ? String(title!.trimmed.prefix(80)) : p.title
        let audit = ctx.audit, now = ctx.now
        try await ctx.write { tx in
            try await ExchangeStore.touchDraft(id: id, version: version, title: name, on: tx, now: now)
            try await ExchangeStore.deleteMoves(planId: id, on: tx)
            try await ExchangeStore.insertMoves(c.moves, planId: id, on: tx)
            try await Audit.record(on: tx, audit, action: "exchange.plan.update", entity: "exchange_plan", entityId: String(id), summary: "修改为 \(c.moves.count) 人次交流")
        }
        return (try await ExchangeStore.plan(id: id, on: db)!, c)
    }

    /// submit (district or bureau), approve or send back (bureau).
    public func act(planId: Int, event: PlanEvent, version: Int, reason: String?) async throws -> PlanRow {
        let p = try await plan(id: planId)
        let actor: Actor
        switch event {
        case .submit: actor = try requirePlanner(p)
        case .approve, .sendBack:
            actor = try ctx.requireActor()
            try actor.require(.exchangeApprove)
        }
        guard let to = PlanWorkflow.next(from: p.stateValue, event: event) else {
            throw DomainError(.conflict, code: "invalid_transition", LocalizedText(zh: "方案当前为“\(p.stateValue.zh)”，不能进行此操作", en: "the plan is \(p.stateValue.en); this step is not possible now"))
        }
        let note = reason?.trimmed ?? ""
        var approvedTeachers: [Int] = []
        var staleIds: [Int] = []
        var staleNote = ""
        if event == .sendBack && note.isEmpty { throw DomainError.validation(["reason": LocalizedText(zh: "退回须说明理由", en: "give a reason for sending it back")]) }
        if note.count > 500 { throw DomainError.validation(["reason": LocalizedText(zh: "理由不超过500字", en: "at most 500 characters")]) }
        if event == .submit || event == .approve {
            let moves = try await ExchangeStore.moves(planId: p.id, on: db)
            if moves.isEmpty { throw DomainError.validation(["moves": LocalizedText(zh: "方案中没有交流记录", en: "the plan has no moves")]) }
            if event == .approve {
                // The plan is checked again as it stands: a teacher moved or a school merged since
                // the district submitted it stops the approval with the move named.
                let c = try await check(year: p.year, district: p.districtId, moves: moves.map(Self.input), planId: p.id, stored: moves)
                // Moves the registry has overtaken are not approved: they leave the plan, named in
                // its history (issue 29: one transferred teacher made the whole plan unreadable).
                staleIds = c.stale.compactMap(\.moveId)
                staleNote = c.stale.map { "\($0.name)：\($0.reason.zh)" }.joined(separator: "；")
                if c.moves.isEmpty {
                    throw DomainError.validation(["moves": LocalizedText(zh: "方案中的交流记录都已失效，请退回修改", en: "every move of the plan is stale; send it back")])
                }
                // A teacher already moved by another approved plan of the year is not moved twice:
                // every such move named once, in words. Checked again inside the approval's write.
                let twice = try await alreadyMoved(c, year: p.year, planId: p.id)
                if !twice.isEmpty { throw Self.movedTwice(twice) }
                approvedTeachers = c.moves.map(\.teacher.id)
                if let bad = c.moves.firstIndex(where: { $0.warnings.contains(.qualificationNotCoveringStage) }) {
                    throw DomainError.validation(["moves[\(bad)]": LocalizedText(zh: "第\(bad + 1)条：\(c.moves[bad].teacher.name)的教师资格不覆盖\(c.moves[bad].to.name)的学段，请退回修改",
                                                                                 en: "move \(bad + 1): \(c.moves[bad].teacher.name)'s qualification does not cover the stage at \(c.moves[bad].to.name); send the plan back")])
                }
            }
        }
        let audit = ctx.audit, now = ctx.now, year = p.year, teachers = approvedTeachers, dropped = staleIds
        let historyNote = dropped.isEmpty ? note : ([note].filter { !$0.isEmpty } + ["\(dropped.count) 条失效记录未予批准，已移出方案：\(staleNote)"]).joined(separator: "。")
        do {
            try await ctx.write { tx in
                try await ExchangeStore.advancePlan(id: planId, from: p.state, version: version, to: to.rawValue, event: event, by: actor.username, note: note, on: tx, now: now)
                if event == .approve, !dropped.isEmpty {
                    try await ExchangeStore.deletePlannedMoves(planId: planId, ids: dropped, on: tx)
                }
                if event == .approve {
                    // Each moved teacher claimed for the year inside the approval: of two plans
                    // moving one teacher approved at once, the unique index lets one through.
                    try await ExchangeStore.claimForApproval(teachers: teachers, year: year, planId: planId, on: tx)
                }
                try await ExchangeStore.planHistory(id: planId, from: p.state, to: to.rawValue, event: event.rawValue, actor: actor.username, at: now,
                                                    reason: historyNote.isEmpty ? nil : String(historyNote.prefix(1000)), on: tx)
                try await Audit.record(on: tx, audit, action: "exchange.plan.\(event.rawValue)", entity: "exchange_plan", entityId: String(planId), summary: "\(PlanState(rawValue: p.state)?.zh ?? p.state) → \(to.zh)")
            }
        } catch let e as any DatabaseError where e.isConstraintFailure && event == .approve {
            let stored = try await ExchangeStore.moves(planId: p.id, on: db)
            let c = try await check(year: p.year, district: p.districtId, moves: stored.map(Self.input), planId: p.id, stored: stored)
            let twice = try await alreadyMoved(c, year: p.year, planId: p.id)
            throw Self.movedTwice(twice.isEmpty ? ["另一个方案同时获批，请刷新后重试"] : twice)
        }
        if event == .approve {
            // Moves whose date has come take effect at once.
            _ = try await ExchangeJobs.runDue(ExchangeService(ctx), on: today)
        }
        return try await ExchangeStore.plan(id: planId, on: db)!
    }

    static func movedTwice(_ lines: [String]) -> DomainError {
        DomainError(.conflict, code: "moved_twice", LocalizedText(zh: lines.joined(separator: "；") + "。请退回修改。",
                                                                 en: "\(lines.count) of its teachers are already moved by another approved plan this year (" + lines.joined(separator: "; ") + "); send the plan back"),
                    fields: ["moves": LocalizedText(zh: lines.joined(separator: "；"), en: lines.joined(separator: "; "))])
    }

    public func history(planId: Int) async throws -> [ExchangeStore.HistoryRow] {
        _ = try await plan(id: planId)
        return try await ExchangeStore.history(planId: planId, on: db)
    }

    // MARK: support teaching: assessment, extension

    public func move(id: Int) async throws -> (MoveRow, PlanRow) {
        let actor = try ctx.requireActor()
        guard actor.can(.exchangeRead) || actor.can(.exchangeSelf) else { throw DomainError.forbidden }
        guard let m = try await ExchangeStore.move(id: id, on: db) else { throw DomainError.notFound(Self.moveWord) }
        if actor.can(.exchangeRead) {
            // A school reads the moves it sends or receives, not every move of a plan that
            // touches it (their assessments are the other schools' business).
            if case .school(let s) = actor.registryScope, m.fromSchoolId != s, m.toSchoolId != s {
                throw DomainError.notFound(Self.moveWord)
            }
            let p = try await plan(id: m.planId)
            return (m, p)
        }
        if actor.can(.exchangeSelf), actor.teacherId == m.teacherId, let p = try await ExchangeStore.plan(id: m.planId, on: db) { return (m, p) }
        throw DomainError.notFound(Self.moveWord)
    }

    /// The host school's yearly assessment of a 支教 or 挂职 teacher (支教校考核).
    public func assess(moveId: Int, year: Int?, rating raw: String?, comments raw2: String?) async throws -> AssessmentRow {
        let actor = try ctx.requireActor()
        try actor.require(.exchangeAssess)
        let (m, _) = try await move(id: moveId)
        // The host school's admin, or the bureau.
        switch actor.registryScope {
        case .county: break
        case .districts(let ds):
            guard let host = try await RegistryStore.school(id: m.toSchoolId, on: db), ds.contains(host.districtId) else { throw DomainError.forbidden }
        case .school(let s) where s == m.toSchoolId: break
        default: throw DomainError.forbidden
        }
        guard m.formValue.returns else {
            throw DomainError(.conflict, code: "not_support", LocalizedText(zh: "只有支教、挂职人员由接收学校考核", en: "only support teachers and secondees are assessed by the host school"))
        }
        guard m.state != MoveState.planned.rawValue else {
            throw DomainError(.conflict, code: "not_started", LocalizedText(zh: "该教师尚未到岗，不能考核", en: "the teacher has not started at the host school yet"))
        }
        var e = FieldErrors()
        let y = year ?? today.year
        let start = CivilDate(parsing: m.startsOn)?.year ?? y
        let end = (m.returnedOn ?? m.returnsOn).flatMap { CivilDate(parsing: $0)?.year } ?? today.year
        if y < start || y > min(end, today.year) { e.add("year", "考核年度应在\(start)到\(min(end, today.year))之间", "the year must be between \(start) and \(min(end, today.year))") }
        let rating = raw.flatMap(AssessmentRating.parse)
        if rating == nil { e.add("rating", "请选择考核等次：\(AssessmentRating.allowedList)", "choose a rating: excellent, competent, basic or incompetent") }
        let comments = raw2?.trimmed ?? ""
        if comments.isEmpty { e.add("comments", "请填写考核评语", "write the assessment comments") }
        if comments.count > 1000 { e.add("comments", "评语不超过1000字", "at most 1,000 characters") }
        try e.throwIfAny()
        let audit = ctx.audit, now = ctx.now
        try await ctx.writeOnce { tx in
            try await ExchangeStore.replaceAssessment(moveId: moveId, year: y, rating: rating!.rawValue, comments: comments, by: actor.username, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "exchange.assess", entity: "exchange_move", entityId: String(moveId), summary: "\(y) 年考核：\(rating!.zh)")
        }
        return try await ExchangeStore.assessments(moveIds: [moveId], on: db)[moveId]!.first { $0.year == y }!
    }

    /// Extends a 支教 or 挂职 move that has started to a later return date (three years at most).
    public func extend(moveId: Int, returnsOn raw: String?, version: Int?) async throws -> MoveRow {
        try ctx.requireActor().require(.exchangePlan)
        let (m, p) = try await move(id: moveId)
        _ = try requirePlanner(p)
        guard m.formValue.returns, m.state != MoveState.returned.rawValue else {
            throw DomainError(.conflict, code: "not_extendable", LocalizedText(zh: "只有未返回的支教、挂职可以延期", en: "only a support or secondment move that has not ended can be extended"))
        }
        guard let date = raw.flatMap({ CivilDate(parsing: $0.trimmed) }) else {
            throw DomainError.validation(["returnsOn": LocalizedText(zh: "请填写新的返回日期（YYYY-MM-DD）", en: "enter the new return date (YYYY-MM-DD)")])
        }
        let starts = CivilDate(parsing: m.startsOn)!
        if let old = m.returnsOn.flatMap({ CivilDate(parsing: $0) }), date <= old {
            throw DomainError.validation(["returnsOn": LocalizedText(zh: "新的返回日期应晚于\(old)", en: "the new return date must be after \(old)")])
        }
        if date > starts.addingYears(3) {
            throw DomainError.validation(["returnsOn": LocalizedText(zh: "支教、挂职累计不超过三年（至\(starts.addingYears(3))）", en: "at most three years in all (until \(starts.addingYears(3)))")])
        }
        let audit = ctx.audit
        try await ctx.write { tx in
            if !(try await ExchangeStore.extendMove(id: moveId, returnsOn: date.description, version: version ?? m.version, on: tx)) { throw ExchangeStore.workflow.stale }
            try await Audit.record(on: tx, audit, action: "exchange.extend", entity: "exchange_move", entityId: String(moveId), summary: "期满日期 \(m.returnsOn ?? "—") → \(date)")
        }
        return try await ExchangeStore.move(id: moveId, on: db)!
    }

    public func assessments(moveIds: [Int]) async throws -> [Int: [AssessmentRow]] {
        _ = try ctx.requireActor()
        return try await ExchangeStore.assessments(moveIds: moveIds, on: db)
    }

    // MARK: a teacher's own

    public struct Mine: Sendable {
        public let teacher: TeacherRow
        public let year: Int
        public let years: Int
        public let due: Bool
        public let rules: RotationRules
        public let moves: [MoveRow]
        public let plans: [Int: PlanRow]
        public let assessments: [Int: [AssessmentRow]]
        public let transfers: [TransferRow]
        public let ruralYears: Double
        public let schools: [Int: PlanSchool]
    }

    /// A teacher's own eligibility, planned and past moves, assessments and postings; a school,
    /// district or bureau reader may open any teacher in scope the same way.
    public func teacherRecord(teacherId: Int?) async throws -> Mine {
        let actor = try ctx.requireActor()
        let id: Int
        if let teacherId {
            id = teacherId
            if actor.teacherId != id { try actor.require(.exchangeRead) } else { try actor.require(.exchangeSelf) }
        } else {
            try actor.require(.exchangeSelf)
            guard let own = actor.teacherId else { throw DomainError.forbidden }
            id = own
        }
        guard let t = try await RegistryStore.teacher(id: id, on: db), actor.teacherId == id || actor.covers(schoolId: t.schoolId, districtId: t.districtId) else {
            throw DomainError.notFound(RegistryService.teacherWord)
        }
        let year = RotationRules.nextRound(after: today).year
        let rules = try await RotationRulesStore.inForce(on: Eligibility.round(year: year), db: db)
        var moves = try await ExchangeStore.moves(ofTeacher: id, on: db)
        var plans: [Int: PlanRow] = [:]
        for pid in Set(moves.map(\.planId)) { plans[pid] = try await ExchangeStore.plan(id: pid, on: db) }
        // A teacher sees a move once the district has submitted it, not the district's drafts.
        if actor.teacherId == id { moves = moves.filter { plans[$0.planId]?.stateValue != .draft } }
        let transfers = try await RegistryStore.transfers(of: id, on: db)
        let schools = try await ExchangeStore.schools(ids: [t.schoolId] + moves.flatMap { [$0.fromSchoolId, $0.toSchoolId] } + transfers.flatMap { [$0.fromSchoolId, $0.toSchoolId] }, on: db)
        let since = CivilDate(parsing: t.schoolSince) ?? today
        let c = Candidate(id: t.id, name: t.name, schoolId: t.schoolId, districtId: t.districtId, subjects: [], title: .none, backbone: .none, education: .bachelor,
                          schoolSince: since, part: nil, principalSince: t.principalSince.flatMap { CivilDate(parsing: $0) }, qualification: nil)
        let rural = try await ExchangeStore.ruralYears([c], schools: schools, asOf: Eligibility.round(year: year), on: db)[id] ?? 0
        return Mine(teacher: t, year: year, years: Eligibility.years(c, year: year), due: Eligibility.isDue(c, year: year, rules: rules), rules: rules,
                    moves: moves, plans: plans, assessments: try await ExchangeStore.assessments(moveIds: moves.map(\.id), on: db), transfers: transfers,
                    ruralYears: rural, schools: schools)
    }

    // MARK: reports

    public struct YearReport: Sendable {
        public struct Row: Sendable { public let label: String; public let transfer: Int; public let support: Int; public let secondment: Int; public var total: Int { transfer + support + secondment } }
        public let year: Int
        public let byDistrict: [Row]
        public let bySubject: [Row]
        public let byDirection: [Row]
        public let supportToRural: Int
        public let quotas: [(district: String, quota: Quota)]
    }

    /// Moves of a year in approved or effective plans, by district, subject and direction, and
    /// the 支教 count against the county's 200.
    public func report(year: Int?) async throws -> YearReport {
        let actor = try ctx.requireActor()
        try actor.require(.exchangeRead)
        let y = year ?? RotationRules.nextRound(after: today).year
        if y < 2000 || y > today.year + 1 {
            throw DomainError.validation(["year": LocalizedText(zh: "年度应在2000到\(today.year + 1)之间", en: "year must be between 2000 and \(today.year + 1)")])
        }
        let scope = actor.registryScope
        if case .school = scope { throw DomainError.forbidden }
        // A report: the replica when there is one (unless this actor just wrote); kept until a
        // plan, a move or the registry changes (a province's quotas count every due teacher: 0.3 s).
        let reader = try await ctx.reporting()
        let countyKey = self.countyKey
        let locale = ctx.locale, scopeKey: String = {
            switch scope {
            case .district(let d): return "d\(d)"
            case .districts(let ds): return countyKey ?? "d" + ds.map(String.init).joined(separator: ",")
            default: return "county"
            }
        }()
        return try await reader.kept("exchange.report|\(y)|\(scopeKey)|\(locale == .en ? "en" : "zh")", areas: ["registry", "exchange"]) {
            try await Self.computeReport(year: y, scope: scope, locale: locale, on: reader.db)
        }
    }

    static func computeReport(year y: Int, scope: RegistryScope, locale loc: UILocale, on db: any Database) async throws -> YearReport {
        // Every figure counts moves by the district that sends the teacher, as the quota does: a
        // county-wide plan's moves belong to their districts, not to a row of their own (issue 28:
        // 按学区 said 全县 40 beside quotas of 17 + 17 + 6).
        // A district's own moves; a county's among several, its districts'.
        let rows = try await ExchangeStore.reportMoves(year: y, scope: scope, on: db)
        let schools = try await ExchangeStore.schools(ids: rows.flatMap { [$0.fromSchoolId, $0.toSchoolId] }, on: db)
        let districts = try await RegistryStore.districtRows(on: db, scope: scope == .county ? .county : scope)
        let districtNames = Dictionary(uniqueKeysWithValues: districts.map { ($0.id, $0.name) })
        func tally(_ key: (ExchangeStore.ReportMove) -> [String]) -> [YearReport.Row] {
            var counts: [String: [MoveForm: Int]] = [:]
            for r in rows { for k in key(r) { counts[k, default: [:]][MoveForm(rawValue: r.form) ?? .transfer, default: 0] += 1 } }
            return counts.keys.sorted().map { k in YearReport.Row(label: k, transfer: counts[k]?[.transfer] ?? 0, support: counts[k]?[.support] ?? 0, secondment: counts[k]?[.secondment] ?? 0) }
        }
        let byDistrict = tally { r in [districtNames[r.districtId] ?? "#\(r.districtId)"] }
        let bySubject = tally { r in r.subjects.split(separator: ",").compactMap { Subject(rawValue: String($0))?.label(loc) } }
        let byDirection = tally { r in
            guard let a = schools[r.fromSchoolId], let b = schools[r.toSchoolId] else { return [] }
            return ["\(a.locality.label(loc)) → \(b.locality.label(loc))"]
        }
        let supportToRural = rows.filter { $0.form == MoveForm.support.rawValue && (schools[$0.toSchoolId]?.isRural ?? false) }.count
        // Each district against the quota, in two grouped queries (not a read of every teacher
        // per district): due teachers by the rule's cut-off dates, movers by the sending district.
        let rules = try await RotationRulesStore.inForce(on: Eligibility.round(year: y), db: db)
        let round = Eligibility.round(year: y)
        let teacherCutoff = rules.dueCutoff(on: round)
        var principalRule = rules
        principalRule.yearsAtSchool = rules.principalTerms * rules.principalTermYears
        let principalCutoff = principalRule.dueCutoff(on: round)
        // A district counts its own teachers (its index), never the province's.
        let due = try await ExchangeStore.dueTeachers(scope: scope, teacherCutoff: teacherCutoff.description, principalCutoff: principalCutoff.description, on: db)
        let moved = try await ExchangeStore.movedTeachers(year: y, scope: scope, on: db)
        let quotas = districts.map { d in
            (d.name, Quota(eligible: due[d.id] ?? 0, moved: moved[d.id]?.moved ?? 0, backboneMoved: moved[d.id]?.backbone ?? 0, rules: rules))
        }
        return YearReport(year: y, byDistrict: byDistrict, bySubject: bySubject, byDirection: byDirection, supportToRural: supportToRural,
                          quotas: quotas.map { (district: $0.0, quota: $0.1) })
    }
}

extension CivilDate {
    func addingYears(_ n: Int) -> CivilDate {
        CivilDate(year: year + n, month: month, day: min(day, CivilDate.daysIn(year: year + n, month: month)))!
    }
}
