import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// A computation with where its numbers came from.
public struct BalanceReport: Sendable {
    public let year: Int
    public let districtId: Int?
    public let result: BalanceResult
    /// False when the year's teacher figures were recorded; true when they are today's.
    public let liveTeachers: Bool
}

/// What a balance question covers: a year and one district, or a county (all its districts).
public struct BalanceArea: Sendable, Hashable {
    public let year: Int
    public let district: Int?
    /// The county asked about, when the database holds several (nil: its only county).
    public let county: String?
    /// That county's districts (nil: every district in the database).
    public let districts: [Int]?

    /// The part of a kept answer's key that names the area.
    var key: String { district.map(String.init) ?? county.map { "c" + $0 } ?? "*" }
}

/// The balance module's use cases: each checks permission and scope first.
public struct BalanceService: Sendable {
    let ctx: ServiceContext
    /// A service acting for whoever the context names: a request's actor, a report's or a command's.
    public init(_ ctx: ServiceContext) { self.ctx = ctx }
    public init(_ req: Request) { self.init(req.context) }

    var db: any Database { ctx.db }
    var now: Double { ctx.now }
    public var today: CivilDate { ctx.today }

    static let districtWord = LocalizedText(zh: "学区", en: "district")
    static let countyWord = LocalizedText(zh: "县", en: "county")

    /// Checks the year and the area; `nil` district is the whole county, which every balance
    /// reader may see in aggregate (the school lists are narrowed to the reader's scope). In a
    /// database of several counties "the whole county" is the reader's own: a county bureau's, a
    /// district's or school's county; a city or province body names one of its counties (issue 30).
    public func area(year: Int?, district: Int?, county: String? = nil) async throws -> BalanceArea {
        let actor = try ctx.requireActor()
        try actor.require(.balanceRead)
        let y = year ?? today.year
        if y < 2000 || y > today.year + 1 {
            throw DomainError.validation(["year": LocalizedText(zh: "年度应在2000到\(today.year + 1)之间", en: "year must be between 2000 and \(today.year + 1)")])
        }
        if let district {
            guard try await RegistryStore.district(id: district, on: db) != nil else { throw DomainError.notFound(Self.districtWord) }
            guard actor.covers(districtId: district) else { throw DomainError.forbidden }
            if let county, try await AreaStore.county(ofDistrict: district, on: db) != county {
                throw DomainError.validation(["district": LocalizedText(zh: "该学区不属于所选的县", en: "the district is not in the chosen county")])
            }
            return BalanceArea(year: y, district: district, county: nil, districts: nil)
        }
        let code: String?
        switch actor.scope {
        case .county: code = county
        case .oneCounty(let c):
            // The bureau's own county: its districts were resolved with the session, no query.
            guard county == nil || county == c.code else { throw DomainError.forbidden }
            return BalanceArea(year: y, district: nil, county: c.code, districts: c.districts.sorted())
        case .counties(let a):
            guard let county else {
                throw DomainError.validation(["county": LocalizedText(zh: "请选择县（市、区）", en: "choose a county")])
            }
            guard a.counties.contains(county) else { throw DomainError.forbidden }
            code = county
        default:
            // A district's, school's or teacher's county: their district's.
            if let d = actor.districtId { code = try await AreaStore.county(ofDistrict: d, on: db) } else { code = nil }
            if county != nil && county != code { throw DomainError.forbidden }
        }
        guard let code else { return BalanceArea(year: y, district: nil, county: nil, districts: nil) }
        guard try await AreaStore.area(code: code, on: db)?.levelValue == .county else { throw DomainError.notFound(Self.countyWord) }
        // The only county in the database: every district, as a single-county install always read.
        guard let districts = try await AreaStore.sharedDistricts(county: code, on: db) else { return BalanceArea(year: y, district: nil, county: nil, districts: nil) }
        return BalanceArea(year: y, district: nil, county: code, districts: districts)
    }

    /// One standard and part for a year and area.
    public func report(standard: BalanceStandard, part: BalancePart, year: Int?, district: Int?, county: String? = nil) async throws -> BalanceReport {
        try await reports(standards: [standard], parts: [part], year: year, district: district, county: county)[0]
    }

    /// Several computations over one read of the data. Without a scenario the result is kept
    /// under the registry's and the balance rules' data versions (`AggregateCache`): the same
    /// question is answered from memory until a write changes a school, a teacher, a year's
    /// conditions or the rules. The result names every school; a reader's scope is applied when
    /// it is shown (`visible`), so one kept result serves every reader.
    public func reports(standards: [BalanceStandard] = BalanceStandard.allCases, parts: [BalancePart] = BalancePart.allCases, year: Int?, district: Int?, county: String? = nil,
                        scenario: Scenario? = nil) async throws -> [BalanceReport] {
        let a = try await area(year: year, district: district, county: county)
        // A report tolerates a replica's lag (the actor's own recent writes excepted).
        let reporting = try await ctx.reporting()
        let db = reporting.db, logger = ctx.logger, currentYear = today.year
        guard scenario == nil else {
            return try await Self.compute(standards: standards, parts: parts, area: a, currentYear: currentYear, scenario: scenario, db: db, logger: logger)
        }
        let key = "balance.reports|\(a.year)|\(a.key)|\(standards.map(\.rawValue).joined(separator: ","))|\(parts.map(\.rawValue).joined(separator: ","))|\(currentYear)"
        return try await reporting.kept(key, areas: ["registry", "balance", "areas"]) {
            try await Self.compute(standards: standards, parts: parts, area: a, currentYear: currentYear, scenario: nil, db: db, logger: logger)
        }
    }

    /// The computation itself, from the database (no cache).
    static func compute(standards: [BalanceStandard], parts: [BalancePart], area: BalanceArea, currentYear: Int, scenario: Scenario?,
                        db: any Database, logger: Logger) async throws -> [BalanceReport] {
        let started = Date()
        let y = area.year, d = area.district
        let rules = try await BalanceStore.rules(forYear: y, on: db)
        var (facts, live) = try await BalanceStore.facts(year: y, district: d, districts: area.districts, currentYear: currentYear, on: db)
        let read = Date()
        if let scenario { facts = scenario.applied(to: facts) }
        // The computations are independent: one task each, so a province's four use every core.
        let combos = standards.flatMap { s in parts.map { (s, $0) } }
        let input = facts
        let results = await withTaskGroup(of: (Int, BalanceResult).self) { group in
            for (k, (s, p)) in combos.enumerated() {
                group.addTask { (k, BalanceEngine.evaluate(input, standard: s, part: p, rules: rules)) }
            }
            var done: [(Int, BalanceResult)] = []
            for await r in group { done.append(r) }
            return done.sorted { $0.0 < $1.0 }.map(\.1)
        }
        let out = results.map { BalanceReport(year: y, districtId: d, result: $0, liveTeachers: live) }
        logger.debug("balance: \(facts.count) schools read in \(Int(read.timeIntervalSince(started) * 1000)) ms, \(out.count) computations in \(Int(Date().timeIntervalSince(read) * 1000)) ms")
        return out
    }

    /// The same computation read afresh from the database, bypassing the kept results: what
    /// `xuequ verify-aggregates` and the tests compare the kept answers with.
    public func recomputed(standards: [BalanceStandard] = BalanceStandard.allCases, parts: [BalancePart] = BalancePart.allCases, year: Int?, district: Int?,
                           county: String? = nil) async throws -> [BalanceReport] {
        let a = try await area(year: year, district: district, county: county)
        return try await Self.compute(standards: standards, parts: parts, area: a, currentYear: today.year, scenario: nil, db: db, logger: ctx.logger)
    }

    /// `GET /api/v1/balance/summary`'s answer: both standards for both parts as JSON, the school
    /// lists narrowed to the reader. For the county's readers (whose lists are the whole
    /// province's, 4.6 MB) the encoded answer is kept too, under the same data versions as the
    /// coefficients: encoding it took most of a request's time once the coefficients were kept.
    /// Narrower readers get short lists, encoded per request (one kept copy per district or
    /// school would hold memory for little gain).
    public func summaryJSON(year: Int?, district: Int?, county: String? = nil) async throws -> String {
        let a = try await area(year: year, district: district, county: county)
        let y = a.year, d = a.district
        let actor = try ctx.requireActor()
        let visible = self.visible, visibleExclusion = self.visibleExclusion, service = self
        let encode: @Sendable () async throws -> String = {
            let reports = try await service.reports(year: y, district: d, county: a.county)
            let parts = await withTaskGroup(of: (Int, String).self) { group in
                for (k, r) in reports.enumerated() { group.addTask { (k, BalanceDTO.json(r, visible: visible, visibleExclusion: visibleExclusion)) } }
                var done: [(Int, String)] = []
                for await p in group { done.append(p) }
                return done.sorted { $0.0 < $1.0 }.map(\.1)
            }
            return "{\"year\":\(y),\"district\":\(d.map(String.init) ?? "null"),\"results\":[" + parts.joined(separator: ",") + "]}"
        }
        guard actor.registryScope == .county else { return try await encode() }
        return try await ctx.reporting().kept("balance.summary.json|\(y)|\(a.key)|county|\(today.year)", areas: ["registry", "balance", "areas"], compute: encode)
    }

    /// The composite (basic) and the worst coefficient (quality) for each year with conditions.
    public func trend(standard: BalanceStandard, part: BalancePart, district: Int?, county: String? = nil) async throws -> [BalanceReport] {
        let a = try await area(year: nil, district: district, county: county)
        var out: [BalanceReport] = []
        for y in try await conditionYears().filter({ $0 <= today.year }).prefix(8).reversed() {
            out.append(try await report(standard: standard, part: part, year: y, district: a.district, county: a.county))
        }
        return out
    }

    /// The years with school conditions, newest first: kept until the registry changes (a scan
    /// of every conditions row at province scale, asked by every balance page's year picker).
    public func conditionYears() async throws -> [Int] {
        let db = self.db
        return try await ctx.kept("balance.conditionYears", areas: ["registry"]) { try await RegistryStore.conditionYears(on: db) }
    }

    /// Whether a school part may be listed by name to this reader (the actor is read once, not per school).
    public var visible: @Sendable (BalanceUnit) -> Bool {
        let actor = ctx.actor
        return { u in actor?.covers(schoolId: u.schoolId, districtId: u.districtId) ?? false }
    }

    /// The same for a school left out of the computation: a district's reader sees the
    /// county's coefficients, not the county's list of schools.
    public var visibleExclusion: @Sendable (Exclusion) -> Bool {
        let actor = ctx.actor
        return { e in actor?.covers(schoolId: e.schoolId, districtId: e.districtId) ?? false }
    }

    // MARK: what-if

    /// One read of an area's facts, evaluated as often as a caller likes: the exchange module's
    /// optimiser scores thousands of candidate plans against it without touching the database.
    public func evaluator(year: Int?, district: Int?, county: String? = nil) async throws -> BalanceEvaluator {
        let a = try await area(year: year, district: district, county: county)
        let y = a.year, d = a.district
        let rules = try await BalanceStore.rules(forYear: y, on: db)
        let (facts, live) = try await BalanceStore.facts(year: y, district: d, districts: a.districts, currentYear: today.year, on: db)
        return BalanceEvaluator(year: y, districtId: d, facts: facts, rules: rules, liveTeachers: live)
    }

    /// The contract's balance answer (`GET /api/v1/balance`) of an evaluated result, as JSON,
    /// with the school lists narrowed to this reader's scope.
    public func json(_ result: BalanceResult, of evaluator: BalanceEvaluator) -> String {
        BalanceDTO.json(BalanceReport(year: evaluator.year, districtId: evaluator.districtId, result: result, liveTeachers: evaluator.liveTeachers),
                        visible: visible, visibleExclusion: visibleExclusion)
    }

    /// A teacher to move, a school to move to, and the part there (split schools).
    public struct MoveRequest: Sendable, Codable {
        public var teacherId: Int
        public var toSchoolId: Int
        public var toPart: String?
        public init(teacherId: Int, toSchoolId: Int, toPart: String?) { self.teacherId = teacherId; self.toSchoolId = toSchoolId; self.toPart = toPart }
    }

    /// Builds a scenario from requests of any size in one read of the teachers and one of the
    /// schools, checking that every teacher and school is in the caller's scope (a teacher
    /// outside it is 404, as everywhere; a school outside it is 403).
    public func scenario(moves: [MoveRequest], facilities: [Scenario.FacilityChange]) async throws -> Scenario {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        let teachers = try await RegistryStore.teachers(ids: moves.map(\.teacherId), on: db)
        let schools = try await RegistryStore.schools(ids: moves.map(\.toSchoolId) + facilities.map(\.schoolId), on: db)
        func school(_ id: Int) throws -> SchoolRow {
            guard let s = schools[id] else { throw DomainError.notFound(RegistryService.schoolWord) }
            guard actor.covers(schoolId: s.id, districtId: s.districtId) else { throw DomainError.forbidden }
            return s
        }
        var out = Scenario()
        var e = FieldErrors()
        for (i, m) in moves.enumerated() {
            guard let t = teachers[m.teacherId], actor.covers(schoolId: t.schoolId, districtId: t.districtId) else {
                throw DomainError.notFound(RegistryService.teacherWord)
            }
            let to = try school(m.toSchoolId)
            if to.id == t.schoolId { e.add("moves[\(i)].toSchoolId", "调入学校与原学校相同", "the teacher is already at that school") }
            var toPart: StagePart?
            if let raw = m.toPart, !raw.isEmpty {
                toPart = StagePart.parse(raw)
                if toPart == nil { e.add("moves[\(i)].toPart", "学段应为小学部、初中部或高中部", "part must be primary, junior or senior") }
            }
            let tally = TeacherTally(education: Education(rawValue: t.education) ?? .bachelor, title: Title(rawValue: t.title) ?? .none,
                                     backbone: Backbone(rawValue: t.backbone) ?? .none, subjects: t.subjects.split(separator: ",").compactMap { Subject(rawValue: String($0)) })
            out.moves.append(.init(teacherId: t.id, teacher: tally, fromSchoolId: t.schoolId, fromPart: t.stagePart.flatMap(StagePart.init(rawValue:)),
                                   toSchoolId: to.id, toPart: toPart ?? t.stagePart.flatMap(StagePart.init(rawValue:))))
        }
        for (i, f) in facilities.enumerated() {
            _ = try school(f.schoolId)
            if !f.amount.isFinite || abs(f.amount) > 1e10 || f.amount == 0 { e.add("facilities[\(i)].amount", "请输入非零的数量", "enter a non-zero amount") }
        }
        try e.throwIfAny()
        out.facilities = facilities
        return out
    }

    // MARK: rules

    public func ruleVersions() async throws -> [RuleVersion] {
        try ctx.requireActor().require(.balanceRead)
        return try await BalanceStore.ruleVersions(on: db)
    }

    public func rules(forYear year: Int) async throws -> BalanceRules {
        try ctx.requireActor().require(.balanceRead)
        if year < 2000 || year > today.year + 1 {
            throw DomainError.validation(["year": LocalizedText(zh: "年度应在2000到\(today.year + 1)之间", en: "year must be between 2000 and \(today.year + 1)")])
        }
        return try await BalanceStore.rules(forYear: year, on: db)
    }

    public func addRules(_ rules: BalanceRules, note: String) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.balanceRulesWrite)
        try rules.validate()
        let note = note.trimmed
        if note.count > 200 { throw DomainError.validation(["note": LocalizedText(zh: "说明不超过200字", en: "note is at most 200 characters")]) }
        let audit = ctx.audit, now = self.now
        try await ctx.write { tx in
            try await BalanceStore.insertRules(rules, note: note, by: actor.username, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "balance.rules", entity: "balance_rules", entityId: rules.effectiveFrom.description, summary: note)
        }
    }

    /// Records today's teacher figures as `year`'s, so that year's coefficients stay as they were.
    public func recordTeachers(year: Int) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.balanceRulesWrite)
        if year < 2000 || year > today.year { throw DomainError.validation(["year": LocalizedText(zh: "只能记录今年或以前的年度", en: "only this year or earlier can be recorded")]) }
        let audit = ctx.audit
        try await ctx.write { tx in
            try await TeacherTallies.record(year: year, on: tx)
            try await Audit.record(on: tx, audit, action: "balance.record_teachers", entity: "teacher_tally_snapshots", entityId: String(year), summary: "\(year) 年教师数据存档")
        }
    }

    public func recordedYears() async throws -> [Int] {
        try ctx.requireActor().require(.balanceRead)
        return try await TeacherTallies.recordedYears(on: db)
    }

    // MARK: equity

    /// The entered equity figures are the database's county's: a county among several (or a
    /// city reading its counties) has none of its own yet, and sees none of another's.
    public func equity(year: Int) async throws -> [EquityFigure] {
        let actor = try ctx.requireActor()
        try actor.require(.balanceRead)
        guard try await ownsCountyWideRows(actor) else { return [] }
        return try await BalanceStore.equity(year: year, on: db)
    }

    public func equityYears() async throws -> [Int] {
        let actor = try ctx.requireActor()
        try actor.require(.balanceRead)
        guard try await ownsCountyWideRows(actor) else { return [] }
        return try await BalanceStore.equityYears(on: db)
    }

    /// Whether rows kept for the whole database (equity figures) are this reader's county's: only
    /// when the database holds one county.
    func ownsCountyWideRows(_ actor: Actor) async throws -> Bool {
        switch actor.scope {
        case .oneCounty, .counties: return false
        case .county: return true
        default:
            guard let d = actor.districtId, let code = try await AreaStore.county(ofDistrict: d, on: db) else { return true }
            return try await AreaStore.districtsOutside(county: code, on: db) == 0
        }
    }

    public func putEquity(year: Int, _ figures: [EquityFigure], note: String) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.equityWrite)
        var e = FieldErrors()
        if year < 2000 || year > today.year { e.add("year", "年度应在2000到\(today.year)之间", "year must be between 2000 and \(today.year)") }
        for f in figures {
            do { try f.validate() } catch let err as DomainError { for (k, v) in err.fields { e.add(k, v) } }
        }
        try e.throwIfAny()
        let audit = ctx.audit, now = self.now
        try await ctx.write { tx in
            try await BalanceStore.putEquity(year: year, figures, note: note.trimmed, by: actor.username, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "balance.equity", entity: "equity_figures", entityId: String(year),
                                   summary: figures.map { "\($0.indicator.zh) \($0.numerator)/\($0.denominator)" }.joined(separator: "；"))
        }
    }

    // MARK: student aid

    public func aid(year: Int?, stage: AidStage?, page: PageSpec) async throws -> PageResult<AidRow> {
        let actor = try ctx.requireActor()
        try actor.require(.aidRead)
        return try await BalanceStore.aid(scope: actor.registryScope, year: year, stage: stage, page: page, on: db)
    }

    public func aidTotals() async throws -> [AidTotal] {
        let actor = try ctx.requireActor()
        try actor.require(.aidRead)
        return try await BalanceStore.aidTotals(scope: actor.registryScope, on: db)
    }

    /// Whether the reader sees an aided student's name and ID in full: only inside the school.
    public func seesFull(_ row: AidRow) -> Bool {
        guard case .school(let school, _)? = ctx.actor?.scope else { return false }
        return school == row.schoolId
    }

    public func addAid(_ draft: AidDraft) async throws -> Int {
        let actor = try ctx.requireActor()
        try actor.require(.aidWrite)
        let v = try draft.validate(today: today)
        let school = try await RegistryService(ctx).school(id: v.schoolId)
        let audit = ctx.audit, now = self.now
        return try await ctx.write { tx in
            let id = try await BalanceStore.insertAid(v, districtId: school.districtId, by: actor.username, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "aid.create", entity: "student_aid", entityId: String(id),
                                   summary: "\(v.year) \(Masking.name(v.studentName)) \(v.residentId.masked) \(v.aidType.zh) \(String(format: "%.2f", Double(v.amountFen) / 100)) 元")
            return id
        }
    }
}
