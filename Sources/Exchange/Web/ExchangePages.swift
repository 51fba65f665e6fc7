import Balance
import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// The exchange pages (server-rendered, no scripts needed).
public struct ExchangePages: Sendable {
    public init() {}

    public func register(_ r: any RoutesBuilder) {
        typealias R = ExchangeRoute
        r.get(R.home, use: home)
        r.get(R.eligible, use: eligible)
        r.get(R.teacher, use: teacher)
        r.get(R.mine, use: mine)
        r.get(R.planNew, use: newPlan)
        r.post(R.planNew, use: createPlan)
        r.get(R.plan, use: plan)
        r.get(R.planEdit, use: editPlan)
        r.post(R.planEdit, use: updatePlan)
        r.post(R.planEvents, use: planEvent)
        r.post(R.planStale, use: planDropStale)
        r.get(R.move, use: move)
        r.post(R.moveAssess, use: assess)
        r.post(R.moveExtend, use: extend)
        r.get(R.alliances, use: alliances)
        r.post(R.alliances, use: createAlliance)
        r.get(R.alliance, use: alliance)
        r.post(R.allianceTerms, use: allianceTerm)
        r.post(R.allianceScores, use: allianceScores)
        r.get(R.itinerant, use: itinerant)
        r.post(R.itinerantTeachers, use: itinerantTeacher)
        r.post(R.itinerantDemand, use: itinerantDemand)
        r.post(R.itinerantTravel, use: itinerantTravel)
        r.get(R.rules, use: rules)
        r.post(R.rules, use: publishRules)
    }

    static func t(_ req: Request, _ key: String, _ args: String...) -> String { L10n.text(key, req.uiLocale, args: args) }
    static func num(_ v: Double?, _ digits: Int = 3) -> String { v.map { String(format: "%.\(digits)f", $0) } ?? "—" }

    struct Tab: Encodable { let label: String; let href: String; let active: Bool }
    static func tabs(_ req: Request, _ active: String) -> [Tab] {
        let actor = req.actor
        var out = [Tab(label: t(req, "ex.tab.plans"), href: ExchangeRoute.home.path(), active: active == "plans"),
                   Tab(label: t(req, "ex.tab.eligible"), href: ExchangeRoute.eligible.path(), active: active == "eligible"),
                   Tab(label: t(req, "ex.tab.alliances"), href: ExchangeRoute.alliances.path(), active: active == "alliances")]
        if case .school? = actor?.registryScope {} else {
            out.append(Tab(label: t(req, "ex.tab.itinerant"), href: ExchangeRoute.itinerant.path(), active: active == "itinerant"))
        }
        out.append(Tab(label: t(req, "ex.tab.rules"), href: ExchangeRoute.rules.path(), active: active == "rules"))
        return out
    }

    // MARK: overview

    struct PlanItem: Encodable { let id: Int; let title: String; let year: Int; let area: String; let state: String; let stateLabel: String; let moves: Int; let note: String? }
    struct ReportRow: Encodable { let label: String; let transfer: Int; let support: Int; let secondment: Int; let total: Int }
    struct QuotaRow: Encodable { let district: String; let eligible: Int; let required: Int; let moved: Int; let backboneRequired: Int; let backboneMoved: Int; let met: Bool }
    struct HomePage: Encodable {
        let layout: Layout; let tabs: [Tab]; let year: Int; let years: [SelectOption]; let rule: String
        let plans: [PlanItem]; let canPlan: Bool; let newPlan: String
        let report: Bool; let reportTitle: String; let supportLine: String; let byDistrict: [ReportRow]; let bySubject: [ReportRow]; let byDirection: [ReportRow]; let quotas: [QuotaRow]
        let schoolMoves: [MoveItem]
        /// More districts than the page lists (a province as one county), and where to see them all.
        let quotasMore: Int; let quotasAll: String?
    }

    /// Districts the year report lists against the quota before it offers the rest (a county has
    /// a dozen; a province run as one county a thousand, 40 ms of CPU a view to write).
    static let quotasListed = 100

    static func yearOptions(_ req: Request, _ year: Int) -> [SelectOption] {
        let today = req.context.today
        return (max(2015, today.year - 4)...(today.year + 1)).reversed().map { SelectOption(value: String($0), label: String($0), selected: $0 == year) }
    }

    func home(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.exchangeRead)
        let service = ExchangeService(req)
        let year = try RegistryAPI.Query(req).int("year") ?? RotationRules.nextRound(after: service.today).year
        let rules = try await RotationRulesStore.inForce(on: Eligibility.round(year: year), db: req.db)
        let plans = try await service.plans(year: year)
        // The names of the listed plans' districts only (a province holds a thousand districts).
        let districts = Dictionary(uniqueKeysWithValues: try await RegistryStore.districtRows(on: req.db, scope: .districts(Array(Set(plans.compactMap(\.districtId))))).map { ($0.id, $0.name) })
        let counts = try await ExchangeStore.moveCounts(planIds: plans.map(\.id), on: req.db)
        var items: [PlanItem] = []
        for p in plans {
            let n = counts[p.id] ?? 0
            items.append(PlanItem(id: p.id, title: p.title, year: p.year, area: p.districtId.flatMap { districts[$0] } ?? Self.t(req, "ex.county"), state: p.state,
                                  stateLabel: p.stateValue.label(req.uiLocale), moves: n, note: p.note))
        }
        var report: ExchangeService.YearReport?
        if actor.registryScope != .nothing, !{ if case .school = actor.registryScope { return true }; return false }() {
            // One year on the page: the plans listed and the report are the selected round's (the
            // year whose 1 September the moves start), by default the next one, as on the home page.
            report = try await service.report(year: year)
        }
        func rows(_ r: [ExchangeService.YearReport.Row]) -> [ReportRow] { r.map { ReportRow(label: $0.label, transfer: $0.transfer, support: $0.support, secondment: $0.secondment, total: $0.total) } }
        var schoolMoves: [MoveItem] = []
        if case .school(let s) = actor.registryScope {
            schoolMoves = try await Self.moveItems(req, try await ExchangeStore.moves(ofSchool: s, on: req.db))
        }
        let allQuotas = report?.quotas ?? []
        let showAll = RegistryAPI.Query(req).string("quotas") == "all"
        let page = HomePage(
            layout: req.layout("ex.title"), tabs: Self.tabs(req, "plans"), year: year, years: Self.yearOptions(req, year),
            rule: Self.t(req, "ex.rule", String(rules.yearsAtSchool), String(rules.principalTerms), String(rules.principalTermYears), String(rules.minimumSharePercent), String(rules.backboneSharePercent)),
            plans: items, canPlan: actor.can(.exchangePlan), newPlan: ExchangeRoute.planNew.path() + "?year=\(year)",
            report: report != nil, reportTitle: Self.t(req, "ex.report", String(report?.year ?? year)), supportLine: Self.t(req, "ex.report.support", String(report?.supportToRural ?? 0), String(ExchangeService.supportTarget)),
            byDistrict: rows(report?.byDistrict ?? []), bySubject: rows(report?.bySubject ?? []), byDirection: rows(report?.byDirection ?? []),
            quotas: allQuotas.prefix(showAll ? allQuotas.count : Self.quotasListed).map { QuotaRow(district: $0.district, eligible: $0.quota.eligible, required: $0.quota.required, moved: $0.quota.moved,
                                                         backboneRequired: $0.quota.backboneRequired, backboneMoved: $0.quota.backboneMoved, met: $0.quota.met) },
            schoolMoves: schoolMoves, quotasMore: showAll ? 0 : max(0, allQuotas.count - Self.quotasListed),
            quotasAll: Pager.url(req, replacing: ["quotas": "all"]) + "#quotas")
        return req.page(page.layout, content: Self.writeHome(page, locale: req.uiLocale))
    }

    // MARK: eligibility

    struct EligibleRow: Encodable {
        let id: Int; let name: String; let school: String; let subjects: String; let title: String; let backbone: String; let isBackbone: Bool
        let years: Int; let principal: Bool; let rural: String; let lacksRural: Bool; let qualification: String
    }
    struct EligiblePage: Encodable {
        let layout: Layout; let tabs: [Tab]; let year: Int; let years: [SelectOption]; let districts: [SelectOption]; let showDistricts: Bool
        let count: String; let rule: String; let rows: [EligibleRow]; let total: Int; let pager: Pager?
    }

    func eligible(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.exchangeRead)
        let q = RegistryAPI.Query(req)
        let locale = req.uiLocale
        let service = ExchangeService(req)
        let district = try q.int("district")
        let r = try await service.eligible(year: try q.int("year"), district: district, school: try q.int("school"))
        // A hundred a page: a district of a province has several hundred due, and writing them all
        // on every visit cost ~11 ms (issue 34); the count above the table is the whole list's.
        let spec = PageSpec(page: try q.int("page"), per: 100, defaultPer: 100)
        let slice = r.items.dropFirst((spec.page - 1) * spec.per).prefix(spec.per)
        let rows = slice.map { e in
            EligibleRow(id: e.teacher.id, name: e.teacher.name, school: e.schoolName, subjects: e.teacher.subjects.map { $0.label(locale) }.joined(separator: "、"),
                        title: e.teacher.title.label(locale), backbone: e.teacher.backbone.label(locale), isBackbone: e.teacher.backbone.isCountyOrHigher,
                        years: e.years, principal: e.principal, rural: String(format: "%.1f", e.ruralYears), lacksRural: e.lacksRural,
                        qualification: e.teacher.qualification?.label(locale) ?? Self.t(req, "ex.unknown"))
        }
        let districts = actor.isCountyBureau ? try await RegistryStore.districtRows(on: req.db, scope: actor.registryScope) : []
        let pager = Pager(PageResult(items: Array(slice), total: r.items.count, request: spec), req: req)
        let page = EligiblePage(
            layout: req.layout("ex.eligible.title"), tabs: Self.tabs(req, "eligible"), year: r.year, years: Self.yearOptions(req, r.year),
            districts: [SelectOption(value: "", label: Self.t(req, "ex.county"), selected: district == nil)] + districts.map { SelectOption(value: String($0.id), label: $0.name, selected: $0.id == district) },
            showDistricts: actor.isCountyBureau, count: Self.t(req, "ex.eligible.count", String(r.items.count), String(r.year)),
            rule: Self.t(req, "ex.rule", String(r.rules.yearsAtSchool), String(r.rules.principalTerms), String(r.rules.principalTermYears), String(r.rules.minimumSharePercent), String(r.rules.backboneSharePercent)),
            rows: Array(rows), total: r.items.count, pager: r.items.count > spec.per ? pager : nil)
        return req.page(page.layout, content: Self.writeEligible(page, locale: req.uiLocale))
    }

    // MARK: a teacher's record

    struct PostingRow: Encodable { let date: String; let from: String; let to: String; let reason: String }
    struct MoveItem: Encodable {
        let id: Int; let teacher: String; let from: String; let to: String; let form: String; let startsOn: String; let returnsOn: String?
        let state: String; let stateLabel: String; let warnings: [String]; let serious: Bool; let reason: String?; let assessments: [String]
        /// Why the registry has overtaken this saved move, if it has.
        var stale: String? = nil
    }
    struct RecordPage: Encodable {
        let layout: Layout; let name: String; let school: String; let dueLine: String; let due: Bool; let yearsLine: String
        let rural: String; let postings: [PostingRow]; let moves: [MoveItem]; let own: Bool
    }

    static func moveItems(_ req: Request, _ moves: [MoveRow]) async throws -> [MoveItem] {
        let locale = req.uiLocale
        let schools = try await ExchangeStore.schools(ids: moves.flatMap { [$0.fromSchoolId, $0.toSchoolId] }, on: req.db)
        let teachers = try await RegistryStore.teachers(ids: moves.map(\.teacherId), on: req.db)
        // A school sees the assessments of the moves it sends or receives only.
        var school: Int?
        if case .school(let s)? = req.actor?.registryScope { school = s }
        let visible = moves.filter { m in school.map { m.fromSchoolId == $0 || m.toSchoolId == $0 } ?? true }
        let assessments = try await ExchangeStore.assessments(moveIds: visible.map(\.id), on: req.db)
        return moves.map { m in
            MoveItem(id: m.id, teacher: teachers[m.teacherId]?.name ?? "#\(m.teacherId)", from: schools[m.fromSchoolId]?.name ?? "", to: schools[m.toSchoolId]?.name ?? "",
                     form: m.formValue.label(locale), startsOn: m.startsOn, returnsOn: m.returnsOn, state: m.state,
                     stateLabel: MoveState(rawValue: m.state)?.label(locale) ?? m.state, warnings: m.warningList.map { $0.label(locale) },
                     serious: m.warningList.contains(where: \.serious), reason: m.reason,
                     assessments: (assessments[m.id] ?? []).map { "\($0.year)：\(AssessmentRating(rawValue: $0.rating)?.label(locale) ?? $0.rating)" })
        }
    }

    func record(_ req: Request, teacherId: Int?) async throws -> Response {
        let r = try await ExchangeService(req).teacherRecord(teacherId: teacherId)
        let locale = req.uiLocale
        let postings = r.transfers.map { x in
            PostingRow(date: x.onDate, from: x.fromSchoolName ?? "", to: x.toSchoolName ?? "", reason: Self.transferReason(x.reason, locale))
        }
        let round = Eligibility.round(year: r.year)
        let page = RecordPage(
            layout: req.layout(teacherId == nil ? "ex.mine.title" : "ex.title", title: teacherId == nil ? nil : Self.t(req, "ex.record", r.teacher.name)),
            name: r.teacher.name, school: r.teacher.schoolName ?? "", dueLine: Self.t(req, r.due ? "ex.due" : "ex.notDue", String(r.year)), due: r.due,
            yearsLine: Self.t(req, "ex.yearsAt", r.teacher.schoolName ?? "", String(r.years), round.description), rural: String(format: "%.1f", r.ruralYears),
            postings: postings, moves: try await Self.moveItems(req, r.moves), own: teacherId == nil)
        return try await req.page("exchange/record", page)
    }

    /// The registry's words for why a teacher moved (one table for both modules).
    static func transferReason(_ raw: String, _ locale: UILocale) -> String {
        let key = "transfer.reason." + raw
        let text = L10n.text(key, locale)
        return text == key ? raw : text
    }

    func teacher(req: Request) async throws -> Response { try await record(req, teacherId: try req.intParameter("id")) }
    func mine(req: Request) async throws -> Response { try await record(req, teacherId: nil) }

    // MARK: the plan editor

    struct Option: Encodable { let value: String }
    struct EditorRow: Encodable {
        let n: Int; let teacher: String; let to: String; let form: String; let startsOn: String; let returnsOn: String; let reason: String
        let forms: [SelectOption]; let warnings: [String]; let serious: Bool; let errors: [String]; let reasons: [String]
    }
    struct BalanceRow: Encodable { let label: String; let before: String; let after: String; let limit: String; let better: Bool?; let passAfter: Bool }
    struct BalanceTable: Encodable { let title: String; let rows: [BalanceRow] }
    struct ShortageRow: Encodable { let school: String; let subjects: String }
    struct QuotaView: Encodable { let eligible: Int; let required: Int; let moved: Int; let backboneRequired: Int; let backboneMoved: Int; let met: Bool }
    struct CheckView: Encodable { let quota: QuotaView; let balance: [BalanceTable]; let shortages: [ShortageRow] }
    struct EditorPage: Encodable {
        let layout: Layout; let action: String; let year: Int; let district: String; let area: String; let title: String; let version: Int?
        let rows: [EditorRow]; let blanks: [EditorRow]; let teachers: [Option]; let schools: [Option]
        let errors: [String]; let check: CheckView?; let suggested: String?; let method: Bool; let suggestHref: String?; let cancel: String
        /// The plan of the year that already exists, when a second one was refused.
        var existing: String? = nil
    }

    struct EditorBody: Content {
        let title: String?; let year: String?; let district: String?; let version: String?; let intent: String?
        let teacher: [String]?; let to: [String]?; let form: [String]?; let startsOn: [String]?; let returnsOn: [String]?; let reason: [String]?; let action: [String]?
    }

    /// What the planner's datalists offer: the area's teachers (`id 姓名（学校）`) and schools (`code 名称`).
    typealias Pickers = (teachers: [Option], schools: [Option], byCode: [String: Int], names: [Int: String], schoolNames: [Int: PlanSchool])
    static func pickers(_ req: Request, district: Int?) async throws -> Pickers {
        let candidates = try await ExchangeStore.candidates(district: district, on: req.db)
        let schools = try await ExchangeStore.schools(district: district, on: req.db)
        let teacherOptions = candidates.map { Option(value: "\($0.id) \($0.name)（\(schools[$0.schoolId]?.name ?? "")）") }
        let active = schools.values.filter(\.active).sorted { $0.code < $1.code }
        return (teacherOptions, active.map { Option(value: "\($0.code) \($0.name)") }, Dictionary(uniqueKeysWithValues: schools.values.map { ($0.code, $0.id) }),
                Dictionary(uniqueKeysWithValues: candidates.map { ($0.id, "\($0.id) \($0.name)（\(schools[$0.schoolId]?.name ?? "")）") }), schools)
    }

    static func leadingInt(_ s: String) -> Int? { Int(s.trimmed.prefix { $0.isNumber }) }
    static func leadingToken(_ s: String) -> String { String(s.trimmed.prefix { !$0.isWhitespace }) }

    /// The form's rows as moves, blank and removed rows dropped.
    static func inputs(_ b: EditorBody, byCode: [String: Int]) -> [MoveInput] {
        let teachers = b.teacher ?? []
        var out: [MoveInput] = []
        for i in teachers.indices {
            func at(_ a: [String]?) -> String { (a ?? []).indices.contains(i) ? a![i] : "" }
            if at(b.action) == "remove" { continue }
            let teacher = teachers[i].trimmed, to = at(b.to).trimmed
            if teacher.isEmpty && to.isEmpty { continue }
            let code = leadingToken(to)
            out.append(MoveInput(teacherId: leadingInt(teacher) ?? -1, toSchoolId: byCode[code] ?? (to.isEmpty ? nil : -1), form: at(b.form).isEmpty ? "transfer" : at(b.form),
                                 startsOn: at(b.startsOn), returnsOn: at(b.returnsOn), reason: at(b.reason)))
        }
        return out
    }

    static func checkView(_ req: Request, _ c: PlanCheck) -> CheckView {
        let locale = req.uiLocale
        let tables = zip(c.before, c.after).map { b, a in
            BalanceTable(title: "\(b.part.label(locale))（\(Self.t(req, "ex.limit")) \(Self.num(b.coefficients.first?.limit, 2))）", rows: zip(b.coefficients, a.coefficients).map { x, y in
                let better: Bool? = (x.value != nil && y.value != nil && abs(x.value! - y.value!) > 0.0005) ? y.value! < x.value! : nil
                return BalanceRow(label: locale == .en ? x.indicator.en : x.indicator.zh, before: Self.num(x.value), after: Self.num(y.value), limit: Self.num(x.limit, 2),
                                  better: better, passAfter: y.pass)
            })
        }
        let shortages = c.shortagesAfter.keys.sorted().compactMap { id -> ShortageRow? in
            let list = c.shortagesAfter[id] ?? []
            guard !list.isEmpty else { return nil }
            let split = (c.schools[id]?.parts.count ?? 1) > 1
            return ShortageRow(school: c.schools[id]?.name ?? "#\(id)",
                               subjects: list.map { "\(split ? $0.0.label(locale) + " " : "")\($0.1.label(locale)) \($0.2)" }.joined(separator: "、"))
        }
        let q = c.quota
        return CheckView(quota: QuotaView(eligible: q.eligible, required: q.required, moved: q.moved, backboneRequired: q.backboneRequired, backboneMoved: q.backboneMoved, met: q.met),
                         balance: tables, shortages: shortages)
    }

    func editor(_ req: Request, action: String, year: Int, district: Int?, title: String, version: Int?, rows: [EditorRow], errors: [String], check: CheckView?,
                suggested: String?, cancel: String, status: HTTPStatus = .ok, existing: Int? = nil) async throws -> Response {
        let pick = try await Self.pickers(req, district: district)
        var areaName = Self.t(req, "ex.county")
        if let district, let row = try await RegistryStore.district(id: district, on: req.db) { areaName = row.name }
        let forms = options(MoveForm.self, selected: "transfer", locale: req.uiLocale)
        let blanks = (0..<3).map { k in EditorRow(n: rows.count + k + 1, teacher: "", to: "", form: "transfer", startsOn: "\(year)-09-01", returnsOn: "", reason: "", forms: forms,
                                                   warnings: [], serious: false, errors: [], reasons: []) }
        var page = EditorPage(layout: req.layout(version == nil ? "ex.newPlan" : "ex.edit"), action: action, year: year, district: district.map(String.init) ?? "", area: areaName,
                              title: title, version: version, rows: rows, blanks: blanks, teachers: pick.teachers, schools: pick.schools, errors: errors, check: check,
                              suggested: suggested, method: suggested != nil,
                              // A draft gets the suggestion inside it: the same editor, its moves replaced, saved as the draft.
                              suggestHref: version == nil ? ExchangeRoute.planNew.path() + "?year=\(year)" + (district.map { "&district=\($0)" } ?? "") + "&suggest=1" : action + "?suggest=1",
                              cancel: cancel)
        page.existing = existing.map { ExchangeRoute.plan.path($0) }
        return try await req.page("exchange/editor", page, status: status)
    }

    static func rows(_ req: Request, checked: PlanCheck?, inputs: [MoveInput], names: [Int: String], schools: [Int: PlanSchool], errors: [String: String],
                     reasons: [Int: [String]] = [:]) -> [EditorRow] {
        let locale = req.uiLocale
        return inputs.enumerated().map { i, m in
            let c = checked?.moves.indices.contains(i) == true ? checked!.moves[i] : nil
            let rowErrors = errors.filter { $0.key.hasPrefix("moves[\(i)]") }.map(\.value)
            let to = m.toSchoolId.flatMap { schools[$0] }.map { "\($0.code) \($0.name)" } ?? ""
            return EditorRow(n: i + 1, teacher: m.teacherId.flatMap { names[$0] } ?? (m.teacherId.map(String.init) ?? ""), to: to, form: m.form ?? "transfer",
                             startsOn: m.startsOn ?? "", returnsOn: m.returnsOn ?? "", reason: m.reason ?? "",
                             forms: options(MoveForm.self, selected: m.form ?? "transfer", locale: locale), warnings: c?.warnings.map { $0.label(locale) } ?? [],
                             serious: c?.warnings.contains(where: \.serious) ?? false, errors: rowErrors, reasons: reasons[i] ?? [])
        }
    }

    func newPlan(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.exchangePlan)
        let q = RegistryAPI.Query(req)
        let service = ExchangeService(req)
        if try q.int("district") == nil, case .districts = actor.registryScope {
            // A county among several plans district by district: choose one first.
            let year = try q.int("year")
            var w = HTMLWriter(capacity: 2000)
            w.raw("<div class=\"page-head\"><h1>"); w.text(Self.t(req, "ex.newPlan.chooseDistrict")); w.raw("</h1></div><section class=\"card\"><ul class=\"tasks\" id=\"plan-districts\">")
            for d in try await RegistryStore.districtRows(on: req.db, scope: actor.registryScope) {
                w.raw("<li><a href=\""); w.text(ExchangeRoute.planNew.path() + "?district=\(d.id)" + (year.map { "&year=\($0)" } ?? "") + (q.string("suggest") == "1" ? "&suggest=1" : ""))
                w.raw("\"><strong>"); w.text(d.name); w.raw("</strong></a></li>")
            }
            w.raw("</ul></section>")
            return req.page(req.layout("ex.title", title: Self.t(req, "ex.newPlan.chooseDistrict")), content: w.html)
        }
        let (year, district) = try await service.area(year: try q.int("year"), district: try q.int("district"), permission: .exchangePlan)
        let pick = try await Self.pickers(req, district: district)
        guard q.string("suggest") == "1" else {
            return try await editor(req, action: ExchangeRoute.planNew.path(), year: year, district: district, title: "", version: nil, rows: [], errors: [], check: nil,
                                    suggested: nil, cancel: ExchangeRoute.home.path())
        }
        return try await suggestedEditor(req, year: year, district: district, plan: nil, pick: pick)
    }

    /// The editor filled with the suggestion: a new plan's, or inside an existing draft (its
    /// moves replaced in the form; saving keeps the draft, its title and its history).
    func suggestedEditor(_ req: Request, year: Int, district: Int?, plan: PlanRow?, pick: Pickers) async throws -> Response {
        let service = ExchangeService(req)
        let s = try await service.suggest(year: year, district: district)
        let startsOn = "\(year)-09-01"
        let inputs = s.suggestion.moves.map { m in
            MoveInput(teacherId: m.teacherId, toSchoolId: m.toSchoolId, toPart: m.toPart?.rawValue, form: "transfer", startsOn: startsOn, returnsOn: nil,
                      reason: m.reasons.map { $0(req.uiLocale) }.joined(separator: "；"))
        }
        let checked = try await service.check(year: year, district: district, moves: inputs, planId: plan?.id)
        let reasons = Dictionary(uniqueKeysWithValues: s.suggestion.moves.enumerated().map { ($0.offset, $0.element.reasons.map { $0(req.uiLocale) }) })
        return try await editor(req, action: plan.map { ExchangeRoute.planEdit.path($0.id) } ?? ExchangeRoute.planNew.path(), year: year, district: district,
                                title: plan?.title ?? "", version: plan?.version,
                                rows: Self.rows(req, checked: checked, inputs: inputs, names: pick.names, schools: pick.schoolNames, errors: [:], reasons: reasons),
                                errors: [], check: Self.checkView(req, checked),
                                suggested: Self.t(req, "ex.suggested", String(s.suggestion.moves.count), String(s.suggestion.evaluations), String(s.suggestion.milliseconds)),
                                cancel: plan.map { ExchangeRoute.plan.path($0.id) } ?? ExchangeRoute.home.path())
    }

    /// "Check" re-renders with the checks; "save" creates (or updates) the draft.
    func submitEditor(_ req: Request, planId: Int?) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.exchangePlan)
        let b = try req.content.decode(EditorBody.self)
        let service = ExchangeService(req)
        var year = Int(b.year ?? "") ?? RotationRules.nextRound(after: service.today).year
        var district = Int(b.district ?? "")
        var existing: PlanRow?
        if let planId {
            existing = try await service.plan(id: planId)
            year = existing!.year; district = existing!.districtId
        }
        let (y, d) = try await service.area(year: year, district: district, permission: .exchangePlan)
        let pick = try await Self.pickers(req, district: d)
        var inputs = Self.inputs(b, byCode: pick.byCode)
        // Each move explained as it is now: the suggestion's words follow a re-pointed move (a
        // planner's own words stay); shown after 检查 and saved with the draft.
        let locale = req.uiLocale
        let why = try await service.moveReasons(year: y, district: d, moves: inputs)
        var reasons: [Int: [String]] = [:]
        for (i, r) in why {
            reasons[i] = r.map { $0(locale) }
            if ExchangeService.isSuggestedReason(inputs[i].reason ?? "") { inputs[i].reason = r.map(\.zh).joined(separator: "；") }
        }
        let action = planId.map { ExchangeRoute.planEdit.path($0) } ?? ExchangeRoute.planNew.path()
        let cancel = planId.map { ExchangeRoute.plan.path($0) } ?? ExchangeRoute.home.path()
        do {
            if b.intent == "check" {
                let c = try await service.check(year: y, district: d, moves: inputs, planId: planId)
                return try await editor(req, action: action, year: y, district: d, title: b.title ?? "", version: existing?.version ?? Int(b.version ?? ""),
                                        rows: Self.rows(req, checked: c, inputs: inputs, names: pick.names, schools: pick.schoolNames, errors: [:], reasons: reasons),
                                        errors: [], check: Self.checkView(req, c), suggested: nil, cancel: cancel)
            }
            if let planId {
                let (p, c) = try await service.updatePlan(id: planId, version: Int(b.version ?? "") ?? -1, title: b.title, moves: inputs)
                return req.redirect(to: ExchangeRoute.plan.path(p.id), flash: Self.t(req, "ex.flash.saved") + "（\(c.moves.count)）")
            }
            let (p, c) = try await service.createPlan(year: y, district: d, title: b.title, moves: inputs)
            return req.redirect(to: ExchangeRoute.plan.path(p.id), flash: Self.t(req, "ex.flash.created", String(c.moves.count)))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            // A second plan of the year: the sentence that names the first, and a link to it.
            if e.code == "plan_exists", let id = e.fields["planId"].flatMap({ Int($0.zh) }) {
                return try await editor(req, action: action, year: y, district: d, title: b.title ?? "", version: Int(b.version ?? ""),
                                        rows: Self.rows(req, checked: nil, inputs: inputs, names: pick.names, schools: pick.schoolNames, errors: [:]),
                                        errors: [e.message(req.uiLocale)], check: nil, suggested: nil, cancel: cancel, status: e.formStatus, existing: id)
            }
            let messages = e.fieldMessages(req.uiLocale)
            let general = messages.filter { !$0.key.hasPrefix("moves[") }.map(\.value) + (messages.isEmpty ? [e.summary(req.uiLocale)] : [])
            return try await editor(req, action: action, year: y, district: d, title: b.title ?? "", version: Int(b.version ?? ""),
                                    rows: Self.rows(req, checked: nil, inputs: inputs, names: pick.names, schools: pick.schoolNames, errors: messages),
                                    errors: general + messages.filter { $0.key.hasPrefix("moves[") }.sorted { $0.key < $1.key }.map(\.value),
                                    check: nil, suggested: nil, cancel: cancel, status: e.formStatus)
        }
    }

    func createPlan(req: Request) async throws -> Response { try await submitEditor(req, planId: nil) }
    func updatePlan(req: Request) async throws -> Response { try await submitEditor(req, planId: try req.intParameter("id")) }

    func editPlan(req: Request) async throws -> Response {
        let service = ExchangeService(req)
        let p = try await service.plan(id: try req.intParameter("id"))
        _ = try service.requirePlanner(p)
        let moves = try await service.moves(planId: p.id)
        let inputs = moves.map(ExchangeService.input)
        let pick = try await Self.pickers(req, district: p.districtId)
        if RegistryAPI.Query(req).string("suggest") == "1" {
            return try await suggestedEditor(req, year: p.year, district: p.districtId, plan: p, pick: pick)
        }
        let c = try? await service.check(year: p.year, district: p.districtId, moves: inputs, planId: p.id)
        return try await editor(req, action: ExchangeRoute.planEdit.path(p.id), year: p.year, district: p.districtId, title: p.title, version: p.version,
                                rows: Self.rows(req, checked: c, inputs: inputs, names: pick.names, schools: pick.schoolNames, errors: [:]),
                                errors: [], check: c.map { Self.checkView(req, $0) }, suggested: nil, cancel: ExchangeRoute.plan.path(p.id))
    }

    // MARK: a plan

    struct HistoryItem: Encodable { let at: String; let actor: String; let step: String; let reason: String? }
    struct PlanPage: Encodable {
        let layout: Layout; let id: Int; let title: String; let year: Int; let area: String; let state: String; let stateLabel: String; let version: Int
        let note: String?; let moves: [MoveItem]; let check: CheckView; let history: [HistoryItem]
        let canEdit: Bool; let canSubmit: Bool; let canApprove: Bool; let events: String; let edit: String; let inEffect: Bool
        let staleCount: Int; let canDropStale: Bool; let dropStale: String
    }

    func plan(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let service = ExchangeService(req)
        let p = try await service.plan(id: try req.intParameter("id"))
        var moves = try await service.moves(planId: p.id)
        if case .school(let s) = actor.registryScope { moves = moves.filter { $0.fromSchoolId == s || $0.toSchoolId == s } }
        let c = try await service.checkSaved(p)
        var items = try await Self.moveItems(req, moves)
        let staleReasons = Dictionary(c.stale.compactMap { x in x.moveId.map { ($0, x.reason(req.uiLocale)) } }, uniquingKeysWith: { a, _ in a })
        for i in items.indices { items[i].stale = staleReasons[items[i].id] }
        var area = Self.t(req, "ex.county")
        if let d = p.districtId, let row = try await RegistryStore.district(id: d, on: req.db) { area = row.name }
        let planner = (try? service.requirePlanner(p)) != nil
        let historyRows = try await service.history(planId: p.id)
        let person = try await Accounts.people(historyRows.map(\.actor), on: req.db, locale: req.uiLocale)
        let history = historyRows.map { h in
            HistoryItem(at: Date(timeIntervalSince1970: h.at).formatted(.iso8601.year().month().day()), actor: person(h.actor),
                        step: "\(PlanState(rawValue: h.fromState)?.label(req.uiLocale) ?? "—") → \(PlanState(rawValue: h.toState)?.label(req.uiLocale) ?? h.toState)", reason: h.reason)
        }
        let page = PlanPage(layout: req.layout("ex.plans", title: p.title), id: p.id, title: p.title, year: p.year, area: area, state: p.state, stateLabel: p.stateValue.label(req.uiLocale),
                            version: p.version, note: p.note, moves: items, check: Self.checkView(req, c), history: history,
                            canEdit: planner && p.stateValue == .draft, canSubmit: planner && p.stateValue == .draft && !moves.isEmpty,
                            canApprove: actor.can(.exchangeApprove) && p.stateValue == .submitted, events: ExchangeRoute.planEvents.path(p.id),
                            edit: ExchangeRoute.planEdit.path(p.id), inEffect: p.stateValue == .inEffect, staleCount: c.stale.count,
                            canDropStale: planner && p.stateValue == .draft && !c.stale.isEmpty, dropStale: ExchangeRoute.planStale.path(p.id))
        return try await req.page("exchange/plan", page)
    }

    struct EventForm: Content { let event: String?; let version: String?; let reason: String? }

    func planDropStale(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.exchangeRead)
        let b = try req.content.decode(EventForm.self)
        do {
            let (_, n) = try await ExchangeService(req).dropStale(planId: id, version: Int(b.version ?? "") ?? -1)
            return req.redirect(to: ExchangeRoute.plan.path(id), flash: Self.t(req, "ex.flash.dropStale", String(n)))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: ExchangeRoute.plan.path(id), flash: e.flashText(req.uiLocale), error: true)
        }
    }

    func planEvent(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.exchangeRead)
        let b = try req.content.decode(EventForm.self)
        guard let event = b.event.flatMap(PlanEvent.init(rawValue:)) else {
            throw DomainError.validation(["event": LocalizedText(zh: "未知的操作", en: "unknown step")])
        }
        do {
            let p = try await ExchangeService(req).act(planId: id, event: event, version: Int(b.version ?? "") ?? -1, reason: b.reason)
            return req.redirect(to: ExchangeRoute.plan.path(id), flash: Self.t(req, "ex.flash.\(event.rawValue)", p.title))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: ExchangeRoute.plan.path(id), flash: e.flashText(req.uiLocale), error: true)
        }
    }

    // MARK: a move: assessment, extension

    struct AssessmentItem: Encodable { let year: Int; let rating: String; let comments: String; let by: String }
    struct MovePage: Encodable {
        let layout: Layout; let move: MoveItem; let plan: String; let planHref: String?; let assessments: [AssessmentItem]
        let canAssess: Bool; let canExtend: Bool; let ratings: [SelectOption]; let year: Int; let assessAction: String; let extendAction: String; let version: Int
        let values: [String: String]; let errors: [String: String]
    }

    func movePage(_ req: Request, id: Int, values: [String: String] = [:], errors: [String: String] = [:], status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let service = ExchangeService(req)
        let (m, p) = try await service.move(id: id)
        let item = try await Self.moveItems(req, [m])[0]
        let assessmentRows = try await service.assessments(moveIds: [m.id])[m.id] ?? []
        let person = try await Accounts.people(assessmentRows.map(\.assessedBy), on: req.db, locale: req.uiLocale)
        let assessments = assessmentRows.map {
            AssessmentItem(year: $0.year, rating: AssessmentRating(rawValue: $0.rating)?.label(req.uiLocale) ?? $0.rating, comments: $0.comments, by: person($0.assessedBy))
        }
        let hostDistrict = try await RegistryStore.school(id: m.toSchoolId, on: req.db)?.districtId ?? -1
        let hosting: Bool = {
            if case .school(let s) = actor.registryScope { return s == m.toSchoolId }
            return actor.isCountyBureau && actor.covers(schoolId: m.toSchoolId, districtId: hostDistrict)
        }()
        let started = m.state != MoveState.planned.rawValue
        let page = MovePage(
            layout: req.layout("ex.moves", title: Self.t(req, "ex.move.title", item.teacher, item.from, item.to)), move: item, plan: p.title,
            planHref: actor.can(.exchangeRead) ? ExchangeRoute.plan.path(p.id) : nil, assessments: assessments,
            canAssess: actor.can(.exchangeAssess) && hosting && m.formValue.returns && started,
            canExtend: (try? service.requirePlanner(p)) != nil && m.formValue.returns && m.state != MoveState.returned.rawValue,
            ratings: options(AssessmentRating.self, selected: values["rating"] ?? "competent", locale: req.uiLocale), year: Int(values["year"] ?? "") ?? service.today.year,
            assessAction: ExchangeRoute.moveAssess.path(m.id), extendAction: ExchangeRoute.moveExtend.path(m.id), version: m.version, values: values, errors: errors)
        return try await req.page("exchange/move", page, status: status)
    }

    func move(req: Request) async throws -> Response { try await movePage(req, id: try req.intParameter("id")) }

    struct AssessForm: Content { let year: String?; let rating: String?; let comments: String? }
    func assess(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.exchangeAssess)
        let b = try req.content.decode(AssessForm.self)
        do {
            let a = try await ExchangeService(req).assess(moveId: id, year: Int(b.year ?? ""), rating: b.rating, comments: b.comments)
            return req.redirect(to: ExchangeRoute.move.path(id), flash: Self.t(req, "ex.flash.assessed", String(a.year)))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return try await movePage(req, id: id, values: ["year": b.year ?? "", "rating": b.rating ?? "", "comments": b.comments ?? ""],
                                      errors: e.fieldMessages(req.uiLocale).merging(["_": e.summary(req.uiLocale)]) { a, _ in a }, status: e.formStatus)
        }
    }

    struct ExtendForm: Content { let returnsOn: String?; let version: String? }
    func extend(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.exchangePlan)
        let b = try req.content.decode(ExtendForm.self)
        do {
            let m = try await ExchangeService(req).extend(moveId: id, returnsOn: b.returnsOn, version: Int(b.version ?? ""))
            return req.redirect(to: ExchangeRoute.move.path(id), flash: Self.t(req, "ex.flash.extended", m.returnsOn ?? ""))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return try await movePage(req, id: id, values: ["returnsOn": b.returnsOn ?? ""],
                                      errors: e.fieldMessages(req.uiLocale).merging(["_": e.summary(req.uiLocale)]) { a, _ in a }, status: e.formStatus)
        }
    }
}

// MARK: rotation rules

extension ExchangePages {
    struct RuleLine: Encodable { let label: String; let value: String; let note: String? }
    struct VersionLine: Encodable { let effective: String; let note: String; let by: String }
    struct WeightField: Encodable { let key: String; let label: String; let value: String; let error: String? }
    struct RulesPage: Encodable {
        let layout: Layout; let tabs: [Tab]; let lines: [RuleLine]; let weights: [RuleLine]; let versions: [VersionLine]
        let canEdit: Bool; let values: [String: String]; let errors: [String: String]; let weightFields: [WeightField]
    }

    func rulesPage(_ req: Request, values: [String: String]? = nil, errors: [String: String] = [:], status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let service = ExchangeService(req)
        let (r, versions) = try await service.rules()
        let person = try await Accounts.people(versions.map(\.createdBy), on: req.db, locale: req.uiLocale)
        let zh = req.uiLocale == .zh
        let w = r.suggestionWeights ?? .standard
        let lines = [
            RuleLine(label: Self.t(req, "ex.rules.years"), value: "\(r.yearsAtSchool)", note: nil),
            RuleLine(label: Self.t(req, "ex.rules.principal"), value: Self.t(req, "ex.rules.principalValue", String(r.principalTerms), String(r.principalTermYears)), note: nil),
            RuleLine(label: Self.t(req, "ex.rules.share"), value: "\(r.minimumSharePercent)%", note: nil),
            RuleLine(label: Self.t(req, "ex.rules.backbone"), value: "\(r.backboneSharePercent)%", note: nil),
        ]
        let weights = SuggestionWeights.Term.allCases.map { term in
            RuleLine(label: zh ? term.zh : term.en, value: String(format: "%.4f", abs(w[term])), note: nil)
        }
        let v = values ?? [
            "effectiveFrom": service.today.description, "yearsAtSchool": "\(r.yearsAtSchool)", "principalTerms": "\(r.principalTerms)",
            "principalTermYears": "\(r.principalTermYears)", "minimumSharePercent": "\(r.minimumSharePercent)", "backboneSharePercent": "\(r.backboneSharePercent)", "note": "",
        ].merging(Dictionary(uniqueKeysWithValues: SuggestionWeights.Term.allCases.map { ("weight.\($0.rawValue)", String(format: "%.4f", abs(w[$0]))) })) { a, _ in a }
        let page = RulesPage(
            layout: req.layout("ex.title", title: Self.t(req, "ex.rules.title")), tabs: Self.tabs(req, "rules"), lines: lines, weights: weights,
            versions: versions.reversed().map { VersionLine(effective: $0.effectiveFrom.description, note: $0.note, by: person($0.createdBy)) },
            canEdit: actor.can(.exchangeApprove) && actor.registryScope == .county, values: v, errors: errors,
            weightFields: SuggestionWeights.Term.allCases.map { term in
                WeightField(key: "weight.\(term.rawValue)", label: zh ? term.zh : term.en, value: v["weight.\(term.rawValue)"] ?? "", error: errors["weight.\(term.rawValue)"])
            })
        return try await req.page("exchange/rules", page, status: status)
    }

    func rules(req: Request) async throws -> Response { try await rulesPage(req) }

    func publishRules(req: Request) async throws -> Response {
        let publisher = try req.requireActor()
        try publisher.require(.exchangeApprove)
        // The rules are the database's: with several counties in it, not one county's to change.
        guard publisher.registryScope == .county else { throw DomainError.forbidden }
        var form = try req.content.decode([String: String].self)
        form.removeValue(forKey: "_csrf")
        var e = FieldErrors()
        func int(_ k: String) -> Int {
            guard let v = form[k].flatMap({ Int($0.trimmed) }) else { e.add(k, "应为整数", "must be a whole number"); return 0 }
            return v
        }
        func weight(_ t: SuggestionWeights.Term) -> Double {
            guard let v = form["weight.\(t.rawValue)"].flatMap({ Double($0.trimmed) }), v.isFinite else { e.add("weight.\(t.rawValue)", "应为数字", "must be a number"); return 0 }
            return v
        }
        let date = CivilDate(parsing: form["effectiveFrom"]?.trimmed ?? "")
        if date == nil { e.add("effectiveFrom", "日期格式应为 YYYY-MM-DD", "the date must be YYYY-MM-DD") }
        let rules = RotationRules(yearsAtSchool: int("yearsAtSchool"), principalTerms: int("principalTerms"), principalTermYears: int("principalTermYears"),
                                  minimumSharePercent: int("minimumSharePercent"), backboneSharePercent: int("backboneSharePercent"),
                                  suggestionWeights: SuggestionWeights(shortageFilled: weight(.shortageFilled), townToRural: weight(.townToRural),
                                                                       lacksRuralService: weight(.lacksRuralService), backboneToWeak: weight(.backboneToWeak),
                                                                       qualificationUnknown: weight(.qualificationUnknown)))
        do {
            try e.throwIfAny()
            try await ExchangeService(req).publishRules(rules, from: date!, note: form["note"] ?? "")
            return req.redirect(to: ExchangeRoute.rules.path(), flash: Self.t(req, "ex.rules.saved", date!.description))
        } catch let err as DomainError where err.kind == .invalid {
            return try await rulesPage(req, values: form, errors: err.fieldMessages(req.uiLocale), status: .unprocessableEntity)
        }
    }
}
