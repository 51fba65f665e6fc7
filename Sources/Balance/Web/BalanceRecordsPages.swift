import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// The inspection sheet, conditions overview, rules, equity and student aid pages.
extension BalancePages {
    // MARK: inspection sheet (差异系数测算表)

    struct SheetPage: Encodable, Sendable {
        let layout: Layout
        let chrome: BalanceChrome
        let title: String
        let headers: [String]
        let rows: [[String]]
        let summary: [[String]]
        let made: String
        let exportLink: String
    }

    /// The sheet as inspectors lay it out: one row per school part, then X̄, S and CV per indicator.
    static func sheetTable(_ r: BalanceResult, locale: UILocale, districts: [Int: String], district: Bool = false) -> (headers: [String], rows: [[String]], summary: [[String]]) {
        var headers = locale == .en ? ["No.", "School code", "School", "District", "Students"] : ["序号", "学校代码", "学校名称", "学区", "在校生数"]
        headers += r.indicators.map { Fmt.indicator($0, locale) }
        if r.standard == .quality { headers.append(locale == .en ? "Indicators met" : "达标项数") }
        let units = r.standings.map(\.unit).sorted { $0.code < $1.code }
        let checks = Dictionary(uniqueKeysWithValues: r.standings.map { ($0.unit.schoolId, $0.check) })
        var rows: [[String]] = []
        for (i, u) in units.enumerated() {
            var row = [String(i + 1), u.code, Fmt.unitName(u, locale), districts[u.districtId] ?? "", String(u.students)]
            row += u.values.map { Fmt.n($0) }
            if r.standard == .quality { row.append(String((checks[u.schoolId] ?? nil)?.met ?? 0)) }
            rows.append(row)
        }
        let pad = ["", "", "", "", String(units.reduce(0) { $0 + $1.students })]
        func line(_ label: String, _ values: [String]) -> [String] { ["", "", label, "", ""] + values + (r.standard == .quality ? [""] : []) }
        var summary = [line(L10n.text(district ? "bal.sheetRowsDistrict" : "bal.sheetRows", locale), r.coefficients.map { Fmt.n($0.mean) }),
                       line(L10n.text("bal.sheetSd", locale), r.coefficients.map { Fmt.n($0.standardDeviation) }),
                       line(L10n.text("bal.sheetCv", locale), r.coefficients.map { $0.value.map { Fmt.n($0) } ?? "" }),
                       line(L10n.text("bal.limit", locale), r.coefficients.map { Fmt.n($0.limit, 2) })]
        summary[0][4] = pad[4]
        if let c = r.composite { summary.append(["", "", L10n.text("bal.composite", locale), "", ""] + [Fmt.n(c)] + Array(repeating: "", count: r.indicators.count - 1)) }
        return (headers, rows, summary)
    }

    func sheet(req: Request) async throws -> Response {
        let q = try BalanceQuery(req)
        let locale = req.uiLocale
        let report = try await BalanceService(req).report(standard: q.standard, part: q.part, year: q.year, district: q.district, county: q.county)
        let districts = Dictionary(uniqueKeysWithValues: try await RegistryStore.districtRows(on: req.db, scope: .county).map { ($0.id, $0.name) })
        let t = Self.sheetTable(Self.visibleOnly(report.result, BalanceService(req)), locale: locale, districts: districts, district: q.district != nil)
        let area = q.district.flatMap { districts[$0] } ?? L10n.text("bal.county", locale)
        let title = L10n.text("bal.sheetTitle", locale, String(report.year), area + (locale == .en ? " \(q.part.en)" : q.part.zh), q.standard.label(locale))
        let made = L10n.text("bal.sheetMade", locale, try req.requireActor().displayName, CivilDate.today(req.application.clock.now()).description)
        return try await req.page("balance/sheet", SheetPage(layout: req.layout("nav.balance", title: title), chrome: try await BalanceChrome.make(req, active: BalanceRoute.sheet, q: q, year: report.year),
                                                             title: title, headers: t.headers, rows: t.rows, summary: t.summary, made: made,
                                                             exportLink: BalanceRoute.sheetExport.path() + "?\(q.string(year: report.year))"))
    }

    /// A reader outside the county level sees the county's summary rows, but only the own schools' rows.
    static func visibleOnly(_ r: BalanceResult, _ service: BalanceService) -> BalanceResult {
        BalanceResult(standard: r.standard, part: r.part, indicators: r.indicators, coefficients: r.coefficients, composite: r.composite, pass: r.pass,
                      standings: r.standings.filter { service.visible($0.unit) }, excluded: r.excluded.filter(service.visibleExclusion), unassignedTeachers: r.unassignedTeachers, rules: r.rules)
    }

    func exportSheet(req: Request) async throws -> Response {
        let q = try BalanceQuery(req)
        let locale = req.uiLocale
        let report = try await BalanceService(req).report(standard: q.standard, part: q.part, year: q.year, district: q.district, county: q.county)
        let districts = Dictionary(uniqueKeysWithValues: try await RegistryStore.districtRows(on: req.db, scope: .county).map { ($0.id, $0.name) })
        let t = Self.sheetTable(Self.visibleOnly(report.result, BalanceService(req)), locale: locale, districts: districts, district: q.district != nil)
        let numeric = Set([0, 4] + Array(5..<(t.headers.count)))
        let table = SheetTable(rows: [t.headers] + t.rows + [Array(repeating: "", count: t.headers.count)] + t.summary)
        let name = "\(report.year)\(q.part.zh)\(q.standard.zh)差异系数测算表"
        return try RegistryPages.download(table, name: name, req: req, numericColumns: numeric)
    }

    // MARK: conditions overview

    struct ConditionRow: Encodable, Sendable { let id: Int; let code: String; let name: String; let stage: String; let entered: Bool; let students: String }
    struct ConditionsPage: Encodable, Sendable {
        let layout: Layout
        let chrome: BalanceChrome
        let year: Int
        let heading: String
        let entered: Int
        let missing: Int
        let rows: [ConditionRow]
        let truncated: Bool
        let canWrite: Bool
    }

    func conditions(req: Request) async throws -> Response {
        let q = try BalanceQuery(req)
        let actor = try req.requireActor()
        try actor.require(.balanceRead)
        let service = BalanceService(req)
        let area = try await service.area(year: q.year, district: q.district, county: q.county)
        let year = area.year
        let rows = try await RegistryStore.schoolYear(year, stages: BalanceStore.compulsoryStages, district: area.district, districts: area.districts, on: req.db)
            .filter { actor.covers(schoolId: $0.id, districtId: $0.districtId) }
        let sorted = rows.filter { !$0.hasConditions } + rows.filter(\.hasConditions)
        let shown = sorted.prefix(600).map { r in
            ConditionRow(id: r.id, code: r.code, name: r.name, stage: r.stage, entered: r.hasConditions,
                         students: r.hasConditions ? "\(r.studentsPrimary ?? 0) / \(r.studentsJunior ?? 0) / \(r.studentsSenior ?? 0)" : "")
        }
        let locale = req.uiLocale
        return try await req.page("balance/conditions", ConditionsPage(
            layout: req.layout("nav.balance", title: L10n.text("cond.overview", locale, String(year))),
            chrome: try await BalanceChrome.make(req, active: BalanceRoute.conditions, q: q, year: year), year: year,
            heading: L10n.text("cond.overview", locale, String(year)), entered: rows.filter(\.hasConditions).count, missing: rows.filter { !$0.hasConditions }.count,
            rows: Array(shown), truncated: sorted.count > shown.count, canWrite: actor.can(.conditionsWrite)))
    }

    // MARK: rules

    struct RuleLine: Encodable, Sendable { let label: String; let primary: String; let junior: String }
    struct VersionLine: Encodable, Sendable { let effective: String; let note: String; let by: String }
    struct RulesPage: Encodable, Sendable {
        let layout: Layout
        let chrome: BalanceChrome
        let year: Int
        let lines: [RuleLine]
        let versions: [VersionLine]
        let canEdit: Bool
        let values: [String: String]
        let errors: [String: String]
        let errorList: [String]
        let standardFields: [StandardField]
        let educations: [SelectOption]
        let educationsJunior: [SelectOption]
        let recordIntro: String
        let today: String
    }
    struct StandardField: Encodable, Sendable { let label: String; let primaryKey: String; let juniorKey: String; let primary: String; let junior: String }

    static func ruleValues(_ r: BalanceRules, effective: String) -> [String: String] {
        var v = ["effectiveFrom": effective, "note": "", "basic_primary": "\(r.basicLimit.primary)", "basic_junior": "\(r.basicLimit.junior)",
                 "quality_primary": "\(r.qualityLimit.primary)", "quality_junior": "\(r.qualityLimit.junior)", "minimumMet": "\(r.qualityMinimumMet)",
                 "floorShare": "\(r.qualityFloorShare)", "tpMinimum": "\(r.qualityTeachingPointMinimum)", "eduPrimary": r.requiredEducationPrimary.rawValue,
                 "eduJunior": r.requiredEducationJunior.rawValue, "juniorWeight": "\(r.juniorWeight)", "seniorWeight": "\(r.seniorWeight)",
                 "w1": "\(r.twelveYearWeights[0])", "w2": "\(r.twelveYearWeights[1])", "w3": "\(r.twelveYearWeights[2])"]
        for i in Indicator.quality {
            v["std_\(i.rawValue)_primary"] = "\(r.qualityStandards[i.rawValue]?.primary ?? 0)"
            v["std_\(i.rawValue)_junior"] = "\(r.qualityStandards[i.rawValue]?.junior ?? 0)"
        }
        return v
    }

    func rules(req: Request) async throws -> Response {
        try await rulesPage(req, values: nil, errors: [:])
    }

    func rulesPage(_ req: Request, values: [String: String]?, errors: [String: String], status: HTTPStatus = .ok) async throws -> Response {
        let locale = req.uiLocale
        let q = try BalanceQuery(req)
        let service = BalanceService(req)
        let actor = try req.requireActor()
        let year = q.year ?? service.today.year
        let current = try await service.rules(forYear: year)
        let lines = [RuleLine(label: L10n.text("rules.basicLimit", locale), primary: "\(current.basicLimit.primary)", junior: "\(current.basicLimit.junior)"),
                     RuleLine(label: L10n.text("rules.qualityLimit", locale), primary: "\(current.qualityLimit.primary)", junior: "\(current.qualityLimit.junior)")]
            + Indicator.quality.map { i in RuleLine(label: Fmt.indicator(i, locale), primary: "≥ \(current.standard(i, .primary) ?? 0)", junior: "≥ \(current.standard(i, .junior) ?? 0)") }
            + [RuleLine(label: L10n.text("rules.education", locale), primary: current.requiredEducationPrimary.label(locale), junior: current.requiredEducationJunior.label(locale))]
        let versions = try await service.ruleVersions().map { v in
            VersionLine(effective: v.rules.effectiveFrom.description, note: v.note, by: v.createdBy)
        }
        let today = service.today
        let v = values ?? Self.ruleValues(current, effective: today.description)
        let recorded = try await service.recordedYears().map(String.init).joined(separator: "、")
        return try await req.page("balance/rules", RulesPage(
            layout: req.layout("nav.balance", title: L10n.text("rules.title", locale)),
            chrome: try await BalanceChrome.make(req, active: BalanceRoute.rules, q: q, year: year), year: year, lines: lines, versions: versions,
            canEdit: actor.can(.balanceRulesWrite), values: v, errors: errors, errorList: errors.filter { $0.key != "_" && $0.key != "effectiveFrom" }.sorted { $0.key < $1.key }.map(\.value),
            standardFields: Indicator.quality.map { i in
                StandardField(label: Fmt.indicator(i, locale), primaryKey: "std_\(i.rawValue)_primary", juniorKey: "std_\(i.rawValue)_junior",
                              primary: v["std_\(i.rawValue)_primary"] ?? "", junior: v["std_\(i.rawValue)_junior"] ?? "")
            },
            educations: options(Education.self, selected: v["eduPrimary"], locale: locale),
            educationsJunior: options(Education.self, selected: v["eduJunior"], locale: locale),
            recordIntro: L10n.text("rules.recordIntro", locale, recorded.isEmpty ? L10n.text("bal.none", locale) : recorded),
            today: String(today.year)), status: status)
    }

    func saveRules(req: Request) async throws -> Response {
        // Permission before the form is judged: a reader without it gets 403, not the form's 422.
        try req.requireActor().require(.balanceRulesWrite)
        let form = try req.content.decode([String: String].self)
        var e = FieldErrors()
        func number(_ k: String, _ field: String) -> Double {
            guard let v = form[k].flatMap({ Double($0.trimmed) }), v.isFinite else { e.add(field, "应为数字", "must be a number"); return 0 }
            return v
        }
        let effective = CivilDate(parsing: form["effectiveFrom"] ?? "")
        if effective == nil { e.add("effectiveFrom", "日期格式应为YYYY-MM-DD", "date must be YYYY-MM-DD") }
        var standards: [String: PartValue] = [:]
        for i in Indicator.quality {
            standards[i.rawValue] = PartValue(primary: number("std_\(i.rawValue)_primary", "standard.\(i.rawValue).primary"), junior: number("std_\(i.rawValue)_junior", "standard.\(i.rawValue).junior"))
        }
        let rules = BalanceRules(
            effectiveFrom: effective ?? CivilDate(year: 2000, month: 1, day: 1)!,
            basicLimit: PartValue(primary: number("basic_primary", "basicLimit.primary"), junior: number("basic_junior", "basicLimit.junior")),
            qualityLimit: PartValue(primary: number("quality_primary", "qualityLimit.primary"), junior: number("quality_junior", "qualityLimit.junior")),
            qualityStandards: standards, qualityMinimumMet: Int(number("minimumMet", "qualityMinimumMet")), qualityFloorShare: number("floorShare", "qualityFloorShare"),
            qualityTeachingPointMinimum: Int(number("tpMinimum", "qualityTeachingPointMinimum")),
            requiredEducationPrimary: Education(rawValue: form["eduPrimary"] ?? "") ?? .juniorCollege, requiredEducationJunior: Education(rawValue: form["eduJunior"] ?? "") ?? .bachelor,
            juniorWeight: number("juniorWeight", "juniorWeight"), seniorWeight: number("seniorWeight", "seniorWeight"),
            twelveYearWeights: [number("w1", "twelveYearWeights"), number("w2", "twelveYearWeights"), number("w3", "twelveYearWeights")])
        // Every problem at once: unreadable numbers and numbers out of range.
        do { try rules.validate() } catch let err as DomainError { for (k, v) in err.fields { e.add(k, v) } }
        do {
            try e.throwIfAny()
            try await BalanceService(req).addRules(rules, note: form["note"] ?? "")
            return req.redirect(to: BalanceRoute.rules.path(), flash: L10n.text("rules.saved", req.uiLocale))
        } catch let err as DomainError where err.kind == .invalid {
            // Field names of the rules → the form's inputs.
            var messages: [String: String] = [:]
            for (k, v) in err.fieldMessages(req.uiLocale) {
                let key = k.replacingOccurrences(of: "basicLimit.", with: "basic_").replacingOccurrences(of: "qualityLimit.", with: "quality_")
                    .replacingOccurrences(of: "standard.", with: "std_").replacingOccurrences(of: ".", with: "_")
                messages[key] = v
            }
            var values = form
            values.removeValue(forKey: "_csrf")
            return try await rulesPage(req, values: values, errors: messages, status: .unprocessableEntity)
        }
    }

    struct RecordForm: Content { let year: String? }

    func recordTeachers(req: Request) async throws -> Response {
        let year = try req.content.decode(RecordForm.self).year.flatMap { Int($0.trimmed) } ?? 0
        do {
            try await BalanceService(req).recordTeachers(year: year)
            return req.redirect(to: BalanceRoute.rules.path(), flash: L10n.text("rules.recorded", req.uiLocale, String(year)))
        } catch let e as DomainError where e.kind == .invalid {
            return req.redirect(to: BalanceRoute.rules.path(), flash: e.summary(req.uiLocale), error: true)
        }
    }

    // MARK: equity

    struct EquityRow: Encodable, Sendable {
        let key: String; let label: String; let numeratorLabel: String; let denominatorLabel: String
        let numerator: String; let denominator: String; let rate: String?; let target: String?; let ok: Bool?; let error: String?
    }
    struct EquityPage: Encodable, Sendable {
        let layout: Layout
        let chrome: BalanceChrome
        let year: Int
        let years: [SelectOption]
        let rows: [EquityRow]
        let canEdit: Bool
        let errors: [String: String]
        let heading: String
    }

    func equity(req: Request) async throws -> Response {
        try await equityPage(req, form: nil, errors: [:])
    }

    func equityPage(_ req: Request, form: [String: String]?, errors: [String: String], status: HTTPStatus = .ok) async throws -> Response {
        let locale = req.uiLocale
        let q = try BalanceQuery(req)
        let service = BalanceService(req)
        let actor = try req.requireActor()
        let entered = try await service.equityYears()
        // Without a year asked for, the latest year with figures.
        let year = min((form?["year"] ?? RegistryAPI.Query(req).values["year"]).flatMap { Int($0) } ?? entered.first ?? service.today.year, service.today.year)
        let figures = Dictionary(uniqueKeysWithValues: try await service.equity(year: year).map { ($0.indicator, $0) })
        var years = Set(entered)
        years.insert(service.today.year)
        let rows = EquityIndicator.allCases.map { i in
            let f = figures[i]
            return EquityRow(key: i.rawValue, label: i.label(locale), numeratorLabel: locale == .en ? i.numeratorEn : i.numeratorZh,
                             denominatorLabel: locale == .en ? i.denominatorEn : i.denominatorZh,
                             numerator: form?["\(i.rawValue)_numerator"] ?? f.map { String($0.numerator) } ?? "",
                             denominator: form?["\(i.rawValue)_denominator"] ?? f.map { String($0.denominator) } ?? "",
                             rate: f?.rate.map { Fmt.percent($0, 2) }, target: i.ceiling.map { L10n.text("eq.target", locale, Fmt.percent($0, 0)) },
                             ok: i.ceiling.flatMap { c in f?.rate.map { $0 < c } }, error: errors[i.rawValue])
        }
        return try await req.page("balance/equity", EquityPage(
            layout: req.layout("nav.balance", title: L10n.text("eq.title", locale)),
            chrome: try await BalanceChrome.make(req, active: BalanceRoute.equity, q: q, year: year), year: year,
            years: years.sorted(by: >).map { SelectOption(value: String($0), label: String($0), selected: $0 == year) },
            rows: rows, canEdit: actor.can(.equityWrite), errors: errors, heading: L10n.text("eq.edit", locale, String(year))), status: status)
    }

    func saveEquity(req: Request) async throws -> Response {
        try req.requireActor().require(.equityWrite)
        let form = try req.content.decode([String: String].self)
        let year = form["year"].flatMap { Int($0.trimmed) } ?? 0
        var e = FieldErrors()
        var figures: [EquityFigure] = []
        for i in EquityIndicator.allCases {
            let n = (form["\(i.rawValue)_numerator"] ?? "").trimmed, d = (form["\(i.rawValue)_denominator"] ?? "").trimmed
            if n.isEmpty && d.isEmpty { continue }
            guard let nv = Int(n), let dv = Int(d) else { e.add("\(i.rawValue).numerator", "分子和分母都应填写整数", "both counts must be whole numbers"); continue }
            figures.append(EquityFigure(indicator: i, numerator: nv, denominator: dv))
        }
        if figures.isEmpty && e.isEmpty { e.add("_", "请至少填写一项指标", "enter at least one indicator") }
        do {
            try e.throwIfAny()
            try await BalanceService(req).putEquity(year: year, figures, note: form["note"] ?? "")
            return req.redirect(to: BalanceRoute.equity.path() + "?year=\(year)", flash: L10n.text("eq.saved", req.uiLocale))
        } catch let err as DomainError where err.kind == .invalid {
            var messages: [String: String] = [:]
            for (k, v) in err.fieldMessages(req.uiLocale) { messages[k.split(separator: ".").first.map(String.init) ?? k] = v }
            return try await equityPage(req, form: form, errors: messages, status: .unprocessableEntity)
        }
    }

    // MARK: student aid

    struct AidLine: Encodable, Sendable {
        let year: Int; let school: String; let student: String; let residentId: String; let stage: String; let type: String; let amount: String; let note: String
    }
    struct AidTotalLine: Encodable, Sendable { let year: Int; let stage: String; let students: Int; let amount: String }
    struct AidPage: Encodable, Sendable {
        let layout: Layout
        let chrome: BalanceChrome
        let totals: [AidTotalLine]
        let lines: [AidLine]
        let pager: Pager
        let canWrite: Bool
        let schools: [SelectOption]
        let stages: [SelectOption]
        let types: [SelectOption]
        let filterStages: [SelectOption]
        let filterYear: String
        let values: [String: String]
        let errors: [String: String]
        let thisYear: String
    }

    static func yuan(_ fen: Int) -> String {
        let yuan = fen / 100, cents = abs(fen % 100)
        return "\(yuan.formatted())" + (cents == 0 ? "" : String(format: ".%02d", cents))
    }

    func aid(req: Request) async throws -> Response {
        try await aidPage(req, values: [:], errors: [:])
    }

    func aidPage(_ req: Request, values: [String: String], errors: [String: String], status: HTTPStatus = .ok) async throws -> Response {
        let locale = req.uiLocale
        let actor = try req.requireActor()
        let service = BalanceService(req)
        let rq = RegistryAPI.Query(req)
        let year = try rq.int("year")
        let stage = try rq.vocab("stage", AidStage.self)
        let page = try await service.aid(year: year, stage: stage, page: try rq.page)
        let lines = page.items.map { r in
            let full = service.seesFull(r)
            return AidLine(year: r.year, school: r.schoolName, student: full ? r.studentName : Masking.name(r.studentName),
                           residentId: full ? r.residentId : Masking.residentID(r.residentId), stage: AidStage(rawValue: r.stage)?.label(locale) ?? r.stage,
                           type: AidType(rawValue: r.aidType)?.label(locale) ?? r.aidType, amount: Self.yuan(r.amountFen), note: r.note)
        }
        let totals = try await service.aidTotals().map { AidTotalLine(year: $0.year, stage: AidStage(rawValue: $0.stage)?.label(locale) ?? $0.stage, students: $0.students, amount: Self.yuan($0.amountFen)) }
        // Every school of the scope for the picker (a datalist: typing a code or name filters it).
        let schools = actor.can(.aidWrite)
            ? try await RegistryStore.schoolYear(service.today.year, stages: Stage.allCases, district: actor.districtId, districts: actor.countyDistricts, on: req.db)
                .filter { actor.covers(schoolId: $0.id, districtId: $0.districtId) }.prefix(3000).map { $0 }
            : []
        var q = try BalanceQuery(req)
        q.year = nil
        return try await req.page("balance/aid", AidPage(
            layout: req.layout("nav.balance", title: L10n.text("aid.title", locale)),
            chrome: try await BalanceChrome.make(req, active: BalanceRoute.aid, q: q, year: service.today.year), totals: totals, lines: lines, pager: Pager(page, req: req),
            canWrite: actor.can(.aidWrite),
            schools: schools.map { SelectOption(value: $0.code, label: $0.name, selected: false) },
            stages: options(AidStage.self, selected: values["stage"], locale: locale), types: options(AidType.self, selected: values["aidType"], locale: locale),
            filterStages: options(AidStage.self, selected: stage?.rawValue, locale: locale), filterYear: year.map(String.init) ?? "",
            values: values, errors: errors, thisYear: String(service.today.year)), status: status)
    }

    func addAid(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        var d = AidDraft()
        d.year = form["year"].flatMap { Int($0.trimmed) }
        let code = (form["schoolCode"] ?? "").trimmed
        // A school code, or a pick from the list as "code name".
        let bare = String(code.prefix { !$0.isWhitespace })
        d.schoolId = bare.isEmpty ? nil : try await RegistryStore.schools(codes: [bare], on: req.db)[bare]?.id ?? -1
        d.studentName = form["studentName"]; d.residentId = form["residentId"]; d.stage = form["stage"]; d.aidType = form["aidType"]
        d.amount = form["amount"]; d.note = form["note"]
        do {
            _ = try await BalanceService(req).addAid(d)
            return req.redirect(to: BalanceRoute.aid.path(), flash: L10n.text("aid.saved", req.uiLocale))
        } catch let err as DomainError where err.kind == .invalid {
            var values = form
            values.removeValue(forKey: "_csrf")
            return try await aidPage(req, values: values, errors: err.fieldMessages(req.uiLocale), status: .unprocessableEntity)
        }
    }
}
