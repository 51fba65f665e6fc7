import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// The bureau's inspection pages: readiness, an indicator's failing schools, entering a figure
/// with evidence, a school's standing, the rules, the printable self-evaluation report.
public struct InspectionPages: Sendable {
    public init() {}

    public func register(_ r: any RoutesBuilder) {
        typealias R = InspectionRoute
        r.get(R.home, use: home)
        r.get(R.indicator, use: indicator)
        r.get(R.entry, use: entryForm)
        r.on(.POST, R.entry, body: .collect(maxSize: "8mb"), use: saveEntry)
        r.get(R.evidence, use: evidence)
        r.get(R.schools, use: schools)
        r.get(R.school, use: school)
        r.get(R.report, use: report)
        r.get(R.rules, use: rules)
        r.post(R.rules, use: addRules)
        SurveyPages().register(r)
    }

    static func verdict(_ met: Bool?, _ req: Request) -> String {
        switch met {
        case true?: "<span class=\"badge ok\">" + tr(req, "达标", "met") + "</span>"
        case false?: "<span class=\"badge bad\">" + tr(req, "未达标", "not met") + "</span>"
        case nil: "<span class=\"badge warn\">" + tr(req, "缺数据", "no data") + "</span>"
        }
    }

    static func yearPicker(_ w: inout HTMLWriter, _ req: Request, years: [Int], selected: Int, action: String) {
        w.raw("<form method=\"get\" action=\""); w.text(action); w.raw("\" class=\"filters no-print\"><label>"); w.text(tr(req, "年度", "Year"))
        w.raw(" <select name=\"year\" data-autosubmit>")
        for y in Set(years + [selected]).sorted(by: >) {
            w.raw("<option value=\"\(y)\"\(y == selected ? " selected" : "")>\(y)</option>")
        }
        w.raw("</select></label> <button type=\"submit\" class=\"button\">"); w.text(tr(req, "查看", "Show")); w.raw("</button></form>")
    }

    // MARK: readiness

    func home(req: Request) async throws -> Response {
        let s = InspectionService(req)
        let r = try await s.readiness(year: try req.query.get(Int?.self, at: "year"))
        let years = try await s.years()
        let canWrite = req.actor?.can(.inspectionWrite) ?? false
        let names = try await Accounts.displayNames(r.indicators.compactMap { $0.entry?.enteredBy }, on: req.db)
        var w = HTMLWriter(capacity: 24_000)
        w.raw("<div class=\"page-head row\"><div><h1>"); w.text(tr(req, "县域义务教育优质均衡发展督导评估", "Quality-balance inspection readiness"))
        w.raw("</h1><p class=\"muted\">");
        w.text(tr(req, "教督〔2017〕6号，32项指标；数据来自平台实时记录与县教育局填报", "32 indicators of the 2017 method, from live records and the bureau's entries"))
        w.raw("</p></div><div class=\"actions no-print\"><a class=\"button\" href=\""); w.text(InspectionRoute.report.path() + "?year=\(r.year)")
        w.raw("\">"); w.text(tr(req, "自评报告", "Self-evaluation report")); w.raw("</a> <a class=\"button\" href=\"");
        w.text(InspectionRoute.report.path() + "?year=\(r.year)&format=docx")
        w.raw("\">"); w.text(tr(req, "下载 Word", "Download .docx")); w.raw("</a> <a class=\"button\" href=\""); w.text(InspectionRoute.survey.path())
        w.raw("\">"); w.text(tr(req, "满意度调查", "Survey")); w.raw("</a> <a class=\"button\" href=\""); w.text(InspectionRoute.rules.path())
        w.raw("\">"); w.text(tr(req, "评估标准", "Thresholds")); w.raw("</a></div></div>")
        Self.yearPicker(&w, req, years: years, selected: r.year, action: InspectionRoute.home.path())
        // The verdict.
        w.raw("<section class=\"stats\" id=\"readiness\">")
        w.raw("<div class=\"stat verdict \(r.passed ? "ok" : "bad")\"><span class=\"stat-value\">\(r.met) / \(r.total)</span><span class=\"stat-label\">");
        w.text(tr(req, "项指标达标", "indicators met")); w.raw("</span></div>")
        w.raw("<div class=\"stat\"><span class=\"stat-value\">\(r.missing.count)</span><span class=\"stat-label\">"); w.text(tr(req, "项缺数据", "without data"));
        w.raw("</span></div>")
        w.raw(
            "<div class=\"stat verdict \(r.vetoed ? "bad" : "ok")\"><span class=\"stat-value\">\(r.vetoes.filter(\.triggered).count)</span><span class=\"stat-label\">"
        ); w.text(tr(req, "项否决情形", "vetoes triggered")); w.raw("</span></div>")
        w.raw("<div class=\"stat\"><span class=\"stat-value\">\(r.schoolsMeeting) / \(r.schoolParts)</span><span class=\"stat-label\">");
        w.text(tr(req, "校（部）资源配置7项中至少6项达标", "school parts meeting 6 of 7 resource standards")); w.raw("</span></div>")
        w.raw("</section>")
        for a in Aspect.allCases {
            let items = r.indicators.filter { $0.def.aspect == a }
            w.raw("<section class=\"card\" id=\"aspect-\(a.rawValue)\"><h2>"); w.text(a.label(req.uiLocale)); w.raw(" <span class=\"muted small\">")
            w.text(tr(req, "\(items.filter { $0.met == true }.count)/\(items.count) 项达标", "\(items.filter { $0.met == true }.count) of \(items.count) met"))
            w.raw("</span></h2><div class=\"table-wrap\"><table class=\"data compact\"><thead><tr><th>"); w.text(tr(req, "序号", "No."))
            w.raw("</th><th>"); w.text(tr(req, "指标", "Indicator")); w.raw("</th><th>"); w.text(tr(req, "要求", "Requirement")); w.raw("</th><th>")
            w.text(tr(req, "现状", "Value")); w.raw("</th><th>"); w.text(tr(req, "判定", "Judgement")); w.raw("</th><th>"); w.text(tr(req, "来源", "Source"));
            w.raw("</th></tr></thead><tbody>")
            for i in items {
                w.raw("<tr id=\"ind-\(i.def.code)\"><td>\(i.def.code)</td><td>"); w.text(i.def.name(req.uiLocale)); w.raw("</td><td class=\"small\">");
                w.text(i.requirement)
                w.raw("</td><td>"); w.text(i.valueText)
                if !i.failing.isEmpty {
                    w.raw("<br><a href=\""); w.text(InspectionRoute.indicator.path(i.def.code) + "?year=\(r.year)"); w.raw("\">")
                    w.text(tr(req, "\(i.failing.count) 项未达标明细", "\(i.failing.count) failing")); w.raw("</a>")
                }
                w.raw("</td><td class=\"nowrap\">"); w.raw(Self.verdict(i.met, req)); w.raw("</td><td class=\"small\">")
                if i.def.source == .computed {
                    w.text(tr(req, "平台计算", "computed"))
                } else {
                    if let e = i.entry {
                        w.text(tr(req, "填报：", "entered: ")); w.text(names[e.enteredBy] ?? e.enteredBy)
                        if e.evidenceHash != nil {
                            w.raw(" · <a href=\""); w.text(InspectionRoute.evidence.path(i.def.code) + "?year=\(r.year)"); w.raw("\">");
                            w.text(tr(req, "佐证", "evidence")); w.raw("</a>")
                        }
                    } else {
                        w.text(tr(req, "待填报", "to enter"))
                    }
                    if canWrite {
                        w.raw(" · <a class=\"no-print\" href=\""); w.text(InspectionRoute.entry.path(i.def.code) + "?year=\(r.year)"); w.raw("\">");
                        w.text(tr(req, "填报", "enter")); w.raw("</a>")
                    }
                }
                w.raw("</td></tr>")
            }
            w.raw("</tbody></table></div></section>")
        }
        let trend = try await s.trend()
        if trend.count > 1 {
            w.raw("<section class=\"card\" id=\"trend\"><h2>"); w.text(tr(req, "逐年变化", "Year on year"));
            w.raw("</h2><table class=\"data compact\"><thead><tr><th>")
            w.text(tr(req, "年度", "Year")); w.raw("</th><th class=\"num\">"); w.text(tr(req, "达标指标", "Met")); w.raw("</th><th class=\"num\">");
            w.text(tr(req, "缺数据", "No data"))
            w.raw("</th><th class=\"num\">"); w.text(tr(req, "资源配置6项以上达标的校（部）", "School parts meeting 6 of 7")); w.raw("</th></tr></thead><tbody>")
            for t in trend {
                w.raw("<tr><td><a href=\""); w.text(InspectionRoute.home.path() + "?year=\(t.year)");
                w.raw(
                    "\">\(t.year)</a></td><td class=\"num\">\(t.met) / \(t.total)</td><td class=\"num\">\(t.missing.count)</td><td class=\"num\">\(t.schoolsMeeting) / \(t.schoolParts)</td></tr>"
                )
            }
            w.raw("</tbody></table></section>")
        }
        w.raw("<section class=\"card\" id=\"vetoes\"><h2>"); w.text(tr(req, "一票否决情形", "One-vote vetoes")); w.raw("</h2><table class=\"data compact\"><tbody>")
        for v in r.vetoes {
            w.raw("<tr><td>\(v.def.code)</td><td>"); w.text(v.def.name(req.uiLocale)); w.raw("</td><td>")
            if v.triggered {
                w.raw("<span class=\"badge bad\">"); w.text(tr(req, "存在", "triggered")); w.raw("</span>")
            } else if v.declared {
                w.raw("<span class=\"badge ok\">"); w.text(tr(req, "不存在", "none")); w.raw("</span>")
            } else {
                w.raw("<span class=\"badge warn\">"); w.text(tr(req, "未申报", "not declared")); w.raw("</span>")
            }
            w.raw("</td><td class=\"small\">")
            if !v.def.computed && canWrite {
                w.raw("<a class=\"no-print\" href=\""); w.text(InspectionRoute.entry.path(v.def.code) + "?year=\(r.year)"); w.raw("\">");
                w.text(tr(req, "申报", "declare")); w.raw("</a>")
            }
            w.raw("</td></tr>")
        }
        w.raw("</tbody></table></section>")
        return req.page(req.layout("ins.title"), content: w.html)
    }

    func indicator(req: Request) async throws -> Response {
        let code = try req.parameters.require("code")
        let r = try await InspectionService(req).readiness(year: try req.query.get(Int?.self, at: "year"))
        guard let i = r.indicator(code) else { throw DomainError.notFound(InspectionService.word) }
        var w = HTMLWriter(capacity: 16_000 + i.failing.count * 160)
        w.raw("<nav class=\"crumbs\"><a href=\""); w.text(InspectionRoute.home.path() + "?year=\(r.year)"); w.raw("\">"); w.text(tr(req, "督导评估", "Inspection"));
        w.raw("</a></nav>")
        w.raw("<h1>\(i.def.code) "); w.text(i.def.name(req.uiLocale)); w.raw("</h1><section class=\"card\"><p>"); w.text(tr(req, "要求：", "Requirement: "));
        w.text(i.requirement)
        w.raw("</p><p>"); w.text(tr(req, "现状：", "Value: ")); w.text(i.valueText); w.raw(" "); w.raw(Self.verdict(i.met, req));
        w.raw("</p><p class=\"muted small\">")
        w.text(tr(req, "口径：", "Basis: ")); w.text(i.basis); w.raw("</p></section>")
        w.raw("<section class=\"card\" id=\"failing\"><h2>"); w.text(tr(req, "未达标（\(i.failing.count)）", "Failing (\(i.failing.count))"))
        w.raw("</h2>")
        if i.failing.isEmpty {
            w.raw("<p class=\"empty\">"); w.text(tr(req, "没有未达标的学校。", "Nothing fails this indicator.")); w.raw("</p>")
        } else {
            w.raw("<div class=\"table-wrap\"><table class=\"data compact\"><thead><tr><th>"); w.text(tr(req, "学校", "School")); w.raw("</th><th>");
            w.text(tr(req, "差距", "Shortfall"))
            w.raw("</th></tr></thead><tbody>")
            for f in i.failing {
                w.raw("<tr><td>")
                if let sid = f.schoolId {
                    w.raw("<a href=\""); w.text(InspectionRoute.school.path(sid) + "?year=\(r.year)"); w.raw("\">"); w.text(f.name); w.raw("</a>")
                } else {
                    w.text(f.name)
                }
                w.raw("</td><td>"); w.text(f.shortfall); w.raw("</td></tr>")
            }
            w.raw("</tbody></table></div>")
        }
        w.raw("</section>")
        return req.page(req.layout("ins.title", title: i.def.name(req.uiLocale)), content: w.html)
    }

    // MARK: entries

    func entryForm(req: Request) async throws -> Response {
        try req.context.requireActor().require(.inspectionWrite)
        let code = try req.parameters.require("code")
        let s = InspectionService(req)
        let y = try await s.year(try req.query.get(Int?.self, at: "year"))
        let def = Catalogue.byCode[code]
        let veto = Catalogue.vetoByCode[code]
        guard def?.source == .entered || (veto != nil && veto?.computed == false) else { throw DomainError.notFound(InspectionService.word) }
        let e = try await s.entries(year: y)[code]
        let rules = try await s.rules(year: y, county: try await s.area(try req.context.requireActor()).code)
        var w = HTMLWriter(capacity: 6000)
        w.raw("<nav class=\"crumbs\"><a href=\""); w.text(InspectionRoute.home.path() + "?year=\(y)"); w.raw("\">"); w.text(tr(req, "督导评估", "Inspection"));
        w.raw("</a></nav>")
        w.raw("<h1>\(code) "); w.text(def?.name(req.uiLocale) ?? veto!.name(req.uiLocale)); w.raw("（\(y)）</h1>")
        if let def {
            w.raw("<p class=\"muted\">"); w.text(tr(req, "要求：", "Requirement: ")); w.text(rules.requirement(def, req.uiLocale, extra: [:])); w.raw("</p>")
        }
        w.raw("<form method=\"post\" enctype=\"multipart/form-data\" class=\"card stack\" action=\""); w.text(InspectionRoute.entry.path(code) + "?year=\(y)")
        w.raw("\"><input type=\"hidden\" name=\"_csrf\" value=\""); w.text(req.csrfToken); w.raw("\"><input type=\"hidden\" name=\"year\" value=\"\(y)\">")
        switch def?.kind ?? .flag {
        case .flag:
            let yes = veto != nil ? tr(req, "存在该情形", "it happened") : tr(req, "达到", "met"),
                no = veto != nil ? tr(req, "不存在", "it did not happen") : tr(req, "未达到", "not met")
            w.raw("<fieldset><legend>"); w.text(veto != nil ? tr(req, "是否存在", "Did it happen?") : tr(req, "是否达到", "Is it met?")); w.raw("</legend>")
            w.raw("<label><input type=\"radio\" name=\"met\" value=\"true\"\(e?.met == true ? " checked" : "")> "); w.text(yes); w.raw("</label> ")
            w.raw("<label><input type=\"radio\" name=\"met\" value=\"false\"\(e?.met == false ? " checked" : "")> "); w.text(no); w.raw("</label></fieldset>")
        case .percent:
            w.raw("<label>"); w.text(tr(req, "数值（%）", "Value (%)")); w.raw("<input name=\"value\" inputmode=\"decimal\" value=\"");
            w.text(e?.value.map { InspectionRules.n($0) } ?? ""); w.raw("\" required></label>")
        case .amount:
            w.raw("<label>"); w.text(tr(req, "金额（元）", "Amount (yuan)")); w.raw("<input name=\"value\" inputmode=\"decimal\" value=\"");
            w.text(e?.value.map { InspectionRules.n($0) } ?? ""); w.raw("\" required></label>")
        }
        w.raw("<label>"); w.text(tr(req, "说明（数据来源、文件文号等）", "Note (source, document number)")); w.raw("<textarea name=\"note\" rows=\"4\" maxlength=\"2000\">");
        w.text(e?.note ?? ""); w.raw("</textarea></label>")
        w.raw("<label>"); w.text(tr(req, "佐证材料（PDF、JPG、PNG、Word、Excel，5 MB以内）", "Evidence (PDF, JPG, PNG, Word or Excel, at most 5 MB)"));
        w.raw("<input type=\"file\" name=\"evidence\" accept=\".pdf,.jpg,.jpeg,.png,.docx,.xlsx\"></label>")
        if let e, let n = e.evidenceName {
            w.raw("<p class=\"muted small\">"); w.text(tr(req, "已上传：", "Uploaded: ")); w.text(n);
            w.text(tr(req, "（不选文件则保留）", " (kept unless you choose another)")); w.raw("</p>")
        }
        w.raw("<button type=\"submit\" class=\"button primary\">"); w.text(tr(req, "保存", "Save")); w.raw("</button></form>")
        return req.page(req.layout("ins.title", title: code), content: w.html)
    }

    struct EntryForm: Content { let year: Int?; let value: String?; let met: String?; let note: String?; let evidence: File? }

    func saveEntry(req: Request) async throws -> Response {
        let code = try req.parameters.require("code")
        let f = try req.content.decode(EntryForm.self)
        let back = InspectionRoute.entry.path(code) + "?year=\(f.year.map(String.init) ?? "")"
        do {
            let file = f.evidence.flatMap { $0.data.readableBytes > 0 ? Data(buffer: $0.data) : nil }
            try await InspectionService(req).enter(
                year: f.year, code: code, .init(value: f.value, met: f.met, note: f.note, evidence: file, evidenceName: f.evidence?.filename))
            return req.redirect(to: InspectionRoute.home.path() + "?year=\(f.year ?? 0)#ind-\(code)", flash: tr(req, "已保存", "Saved"))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict || e.kind == .tooLarge {
            return req.redirect(to: back, flash: e.flashText(req.uiLocale), error: true)
        }
    }

    func evidence(req: Request) async throws -> Response {
        try req.context.requireActor().require(.inspectionRead)
        let code = try req.parameters.require("code")
        guard let y = try req.query.get(Int?.self, at: "year") else { throw DomainError.notFound(LocalizedText(zh: "佐证材料", en: "evidence")) }
        let (data, kind, name) = try await InspectionService(req).evidence(year: y, code: code)
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = HTTPMediaType(
            type: String(kind.contentType.split(separator: "/")[0]), subType: String(kind.contentType.split(separator: "/")[1]))
        res.headers.replaceOrAdd(
            name: .contentDisposition,
            value:
                "inline; filename=\"evidence.\(kind.fileExtension)\"; filename*=UTF-8''\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "evidence")"
        )
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        return res
    }

    // MARK: schools

    /// A district's (or, for the bureau, a chosen district's) schools with the school-level
    /// indicators each fails; a school office goes straight to its own page.
    func schools(req: Request) async throws -> Response {
        let actor = try req.context.requireActor()
        if case .school(let sid) = actor.registryScope, actor.can(.inspectionSchool) {
            return req.redirect(to: InspectionRoute.school.path(sid))
        }
        let district = try req.query.get(Int?.self, at: "district")
        let (year, rows) = try await InspectionService(req).schools(year: try req.query.get(Int?.self, at: "year"), district: district)
        var w = HTMLWriter(capacity: 8000 + rows.count * 300)
        w.raw("<div class=\"page-head\"><h1>"); w.text(tr(req, "学校督导评估（校级指标）", "Schools against the school-level indicators"));
        w.raw("</h1><p class=\"muted\">")
        w.text(
            tr(
                req, "\(year)年：资源配置7项、专用教室、规模、班额、培训、持证上岗、满意度；按未达标项数排列。",
                "\(year): resources, rooms, size, class size, training, qualifications, satisfaction; most failing first."))
        w.raw("</p></div><section class=\"card\"><div class=\"table-wrap\"><table class=\"data compact\" id=\"inspection-schools\"><thead><tr><th>");
        w.text(tr(req, "学校", "School"))
        w.raw("</th><th class=\"num\">"); w.text(tr(req, "未达标项", "Failing")); w.raw("</th><th>"); w.text(tr(req, "差距", "Shortfalls"));
        w.raw("</th></tr></thead><tbody>")
        for r in rows {
            w.raw("<tr><td><a href=\""); w.text(InspectionRoute.school.path(r.school.id) + "?year=\(year)"); w.raw("\">"); w.text(r.school.name);
            w.raw("</a></td><td class=\"num\">\(r.failing.count)</td><td class=\"small\">")
            // In words: 小学 百生高学历教师 缺4名教师 (a code alone says nothing to a head teacher).
            w.text(
                r.failing.prefix(4).map { f in [f.part, f.label ?? f.def.name(req.uiLocale), f.shortfall].compactMap { $0 }.joined(separator: " ") }
                    .joined(separator: tr(req, "；", "; ")) + (r.failing.count > 4 ? "…" : ""))
            w.raw("</td></tr>")
        }
        w.raw("</tbody></table></div></section>")
        return req.page(req.layout("ins.title", title: tr(req, "学校督导评估", "Schools")), content: w.html)
    }

    // MARK: a school

    func school(req: Request) async throws -> Response {
        let (s, r) = try await InspectionService(req).school(id: try req.intParameter("id"), year: try req.query.get(Int?.self, at: "year"))
        var w = HTMLWriter(capacity: 8000)
        if req.actor?.can(.inspectionRead) ?? false {
            w.raw("<nav class=\"crumbs\"><a href=\""); w.text(InspectionRoute.home.path() + "?year=\(r.year)"); w.raw("\">");
            w.text(tr(req, "督导评估", "Inspection")); w.raw("</a></nav>")
        }
        w.raw("<h1>"); w.text(s.name); w.raw(" <span class=\"muted small\">"); w.text(tr(req, "\(r.year)年 校级指标", "school-level indicators, \(r.year)"));
        w.raw("</span></h1>")
        w.raw("<section class=\"card\"><div class=\"table-wrap\"><table class=\"data compact\" id=\"school-indicators\"><thead><tr><th>");
        w.text(tr(req, "指标", "Indicator"))
        w.raw("</th><th>"); w.text(tr(req, "要求", "Requirement")); w.raw("</th><th>"); w.text(tr(req, "本校", "This school")); w.raw("</th></tr></thead><tbody>")
        for i in r.indicators {
            let mine = i.failing.filter { $0.schoolId == s.id }
            w.raw("<tr><td>\(i.def.code) "); w.text(i.def.name(req.uiLocale)); w.raw("</td><td class=\"small\">"); w.text(i.requirement); w.raw("</td><td>")
            if mine.isEmpty {
                w.raw(i.met == nil && i.def.code == "S1" ? Self.verdict(nil, req) : Self.verdict(true, req))
            } else {
                w.raw(Self.verdict(false, req)); w.raw(" "); w.text(mine.map(\.shortfall).joined(separator: tr(req, "；", "; ")))
            }
            w.raw("</td></tr>")
        }
        w.raw("</tbody></table></div></section>")
        return req.page(req.layout("ins.title", title: s.name), content: w.html)
    }

    // MARK: rules

    func rules(req: Request) async throws -> Response {
        let s = InspectionService(req)
        let actor = try req.context.requireActor()
        let all = try await s.ruleVersions()
        let versions = all.map(\.version)
        let names = try await Accounts.displayNames(versions.map(\.createdBy), on: req.db)
        let areaNames = Dictionary(uniqueKeysWithValues: try await AreaStore.all(on: req.db).map { ($0.code, $0.name) })
        // The caller's own area's latest version prefills the form (else what it inherits).
        let ownArea: String? = {
            switch actor.scope {
            case .oneCounty(let c): c.code;
            case .counties(let a): a.code;
            default: nil
            }
        }()
        let current = (all.first { $0.areaCode == ownArea } ?? all.first)?.version.rules ?? .national
        var w = HTMLWriter(capacity: 8000)
        // A city or province reads no county's inspection page: no crumb to it.
        if actor.can(.inspectionRead) {
            w.raw("<nav class=\"crumbs\"><a href=\""); w.text(InspectionRoute.home.path()); w.raw("\">"); w.text(tr(req, "督导评估", "Inspection"));
            w.raw("</a></nav>")
        }
        w.raw("<h1>")
        w.text(tr(req, "评估标准（按生效日期）", "Thresholds, by date")); w.raw("</h1><section class=\"card\"><table class=\"data compact\"><thead><tr><th>")
        w.text(tr(req, "生效日期", "From")); w.raw("</th>")
        // Among several areas each version names whose it is; a county reads its own, else its
        // city's, else its province's, else the database's.
        let byArea = all.contains { $0.areaCode != nil }
        if byArea { w.raw("<th>"); w.text(tr(req, "适用范围", "Set by")); w.raw("</th>") }
        w.raw("<th>"); w.text(tr(req, "依据", "Source")); w.raw("</th><th>"); w.text(tr(req, "录入", "By"));
        w.raw("</th></tr></thead><tbody>")
        for (v, a) in zip(versions, all) {
            w.raw("<tr><td>"); w.text(v.effectiveFrom); w.raw("</td><td>")
            if byArea { w.text(a.areaCode.map { areaNames[$0] ?? $0 } ?? tr(req, "全平台", "every county")); w.raw("</td><td>") }
            w.text(v.note); w.raw("</td><td>");
            w.text(v.createdBy == "system" ? tr(req, "系统（国家标准）", "system (national)") : names[v.createdBy] ?? v.createdBy); w.raw("</td></tr>")
        }
        w.raw("</tbody></table></section>")
        let fields: [(String, String, String, String)] = [
            ("schoolSize", "学校规模上限（人）", "school size limit", String(current.schoolSize)),
            ("schoolSizeLarge", "九年、十二年一贯制规模上限（人）", "nine/twelve-year limit", String(current.schoolSizeLarge)),
            ("classPrimary", "小学班额上限", "primary class limit", String(current.classPrimary)),
            ("classJunior", "初中班额上限", "junior class limit", String(current.classJunior)),
            ("classesPerRoom", "每多少个班配1间专用教室", "classes per room", String(current.classesPerRoom)),
            ("musicRoomArea", "音乐教室面积（㎡）", "music room area", InspectionRules.n(current.musicRoomArea)),
            ("artRoomArea", "美术教室面积（㎡）", "art room area", InspectionRules.n(current.artRoomArea)),
            ("specialFunding", "特教生均公用经费（元）", "special-school funding", InspectionRules.n(current.specialFunding)),
            ("payShare", "教师工资不低于公务员的（%）", "pay vs civil servants (%)", InspectionRules.n(current.payShare)),
            ("trainingHours", "培训学时", "training hours", InspectionRules.n(current.trainingHours)),
            ("trainingYears", "培训周期（年）", "training cycle (years)", String(current.trainingYears)),
            ("trainingShare", "培训完成率（%）", "training completion (%)", InspectionRules.n(current.trainingShare)),
            ("qualifiedShare", "持证上岗率（%）", "qualified (%)", InspectionRules.n(current.qualifiedShare)),
            ("placesShare", "优质高中名额分配（%）", "senior-high places (%)", InspectionRules.n(current.placesShare)),
            ("migrantShare", "随迁子女公办就读（%）", "migrant children (%)", InspectionRules.n(current.migrantShare)),
            ("retention", "初中三年巩固率（%）", "junior retention (%)", InspectionRules.n(current.retention)),
            ("disability", "残疾儿童入学率（%）", "disability enrolment (%)", InspectionRules.n(current.disability)),
            ("trainingFunds", "培训经费占公用经费（%）", "training funds (%)", InspectionRules.n(current.trainingFunds)),
            ("satisfaction", "满意率（%）", "satisfaction (%)", InspectionRules.n(current.satisfaction)),
        ]
        if InspectionService.setsRules(req.actor) {
            w.raw("<form method=\"post\" class=\"card stack\" action=\""); w.text(InspectionRoute.rules.path()); w.raw("\"><h2>");
            if let ownArea {
                let name = areaNames[ownArea] ?? ownArea
                w.text(tr(req, "新增\(name)的版本（下级未另定的沿用）", "Add \(name)'s version (inherited below unless set there)"))
            } else {
                w.text(tr(req, "新增版本（如省级细则）", "Add a version (e.g. the province's rules)"))
            }
            w.raw("</h2><input type=\"hidden\" name=\"_csrf\" value=\""); w.text(req.csrfToken); w.raw("\"><div class=\"grid\">")
            for (k, zh, en, v) in fields {
                w.raw("<label>"); w.text(tr(req, zh, en)); w.raw("<input name=\"\(k)\" value=\""); w.text(v);
                w.raw("\" inputmode=\"decimal\" required></label>")
            }
            w.raw("<label>"); w.text(tr(req, "生效日期", "Takes effect")); w.raw("<input name=\"effectiveFrom\" type=\"date\" required></label><label>");
            w.text(tr(req, "依据", "Source"))
            w.raw("<input name=\"note\" maxlength=\"200\" required></label></div><button class=\"button primary\" type=\"submit\">");
            w.text(tr(req, "保存", "Save")); w.raw("</button></form>")
        }
        return req.page(req.layout("ins.title", title: tr(req, "评估标准", "Thresholds")), content: w.html)
    }

    func addRules(req: Request) async throws -> Response {
        guard InspectionService.setsRules(try req.context.requireActor()) else { throw DomainError.forbidden }
        let f = try req.content.decode([String: String].self)
        var r = InspectionRules()
        var e = FieldErrors()
        func int(_ k: String, _ set: (Int) -> Void) {
            if let v = f[k].flatMap({ Int($0.trimmed) }) { set(v) } else { e.add(k, "应为整数", "must be a whole number") }
        }
        func dbl(_ k: String, _ set: (Double) -> Void) {
            if let v = f[k].flatMap({ Double($0.trimmed) }), v.isFinite { set(v) } else { e.add(k, "应为数字", "must be a number") }
        }
        int("schoolSize") { r.schoolSize = $0 }; int("schoolSizeLarge") { r.schoolSizeLarge = $0 }; int("classPrimary") { r.classPrimary = $0 };
        int("classJunior") { r.classJunior = $0 }
        int("classesPerRoom") { r.classesPerRoom = $0 }; int("trainingYears") { r.trainingYears = $0 }
        dbl("musicRoomArea") { r.musicRoomArea = $0 }; dbl("artRoomArea") { r.artRoomArea = $0 }; dbl("specialFunding") { r.specialFunding = $0 };
        dbl("payShare") { r.payShare = $0 }
        dbl("trainingHours") { r.trainingHours = $0 }; dbl("trainingShare") { r.trainingShare = $0 }; dbl("qualifiedShare") { r.qualifiedShare = $0 };
        dbl("placesShare") { r.placesShare = $0 }
        dbl("migrantShare") { r.migrantShare = $0 }; dbl("retention") { r.retention = $0 }; dbl("disability") { r.disability = $0 };
        dbl("trainingFunds") { r.trainingFunds = $0 }
        dbl("satisfaction") { r.satisfaction = $0 }
        do {
            try e.throwIfAny()
            try await InspectionService(req).addRules(r, effectiveFrom: f["effectiveFrom"], note: f["note"])
            return req.redirect(to: InspectionRoute.rules.path(), flash: tr(req, "已保存新版本", "Saved"))
        } catch let err as DomainError where err.kind == .invalid {
            return req.redirect(to: InspectionRoute.rules.path(), flash: err.flashText(req.uiLocale), error: true)
        }
    }
}

/// The page's words in the reader's language.
func tr(_ req: Request, _ zh: String, _ en: String) -> String { req.uiLocale == .en ? en : zh }
