import Foundation
import Vapor
import XuequCore
import XuequKit

public enum ReportsRoute: String, RouteName {
    public static let module = "reports"
    case summary = "reports/summary"
    case section = "reports/summary/sections/:section"
    case finalise = "reports/summary/finalise"
}

/// CONTRACT "Reports".
public enum ReportsAPIRoute: String, RouteName {
    public static let module = "reportsAPI"
    public static let prefix = "api/v1"
    case summary = "reports/summary"
}

func tr(_ req: Request, _ zh: String, _ en: String) -> String { req.uiLocale == .en ? en : zh }

/// Sends a document as a download.
func download(_ data: Data, type: String, name: String, ascii: String) -> Response {
    let res = Response(status: .ok, body: .init(data: data))
    res.headers.replaceOrAdd(name: .contentType, value: type)
    res.headers.replaceOrAdd(
        name: .contentDisposition,
        value: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ascii)")
    res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
    return res
}

extension ReportsService {
    /// The summary as `.docx` or `.xlsx`, written off the event loop.
    static func file(_ req: Request, _ s: Summary, format: String) async throws -> Response {
        let l = req.uiLocale, y = s.figures.year
        let base = (s.area.districtId == nil && s.area.districts == nil ? "" : s.area.name) + "\(y)年度工作总结"
        switch format {
        case "docx":
            let data = try await req.application.workPools.sheets.runIfActive { try SummaryDocuments.docx(s, l) }
            return download(data, type: DocxWriter.contentType, name: base + ".docx", ascii: "summary-\(y).docx")
        case "xlsx":
            let data = try await req.application.workPools.sheets.runIfActive { try SummaryDocuments.xlsx(s, l) }
            return download(data, type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name: base + ".xlsx", ascii: "summary-\(y).xlsx")
        default:
            throw DomainError.validation(["format": LocalizedText(zh: "format 应为 docx 或 xlsx", en: "format must be docx or xlsx")])
        }
    }
}

public struct ReportsAPI: Sendable {
    public init() {}
    public func register(_ api: any RoutesBuilder) { api.get(ReportsAPIRoute.summary, use: summary) }

    struct SectionDTO: Content { let key: String; let title: String; let text: String }
    struct ScopeDTO: Content { let kind: String; let districtId: Int?; let name: String }
    struct Figures: Content {
        let districts: Int; let centralSchools: Int
        let schools: YearFigures.Schools; let teachers: Int; let teacherDetail: YearFigures.Teachers
        let exchange: YearFigures.Exchange; let training: YearFigures.Training
        let certification: YearFigures.Certification?; let internship: Internship; let balance: YearFigures.Balance; let equity: YearFigures.Equity?
        struct Internship: Content { let batches: [String]; let interns: Int; let placed: Int; let byGrade: [String: Int] }
    }
    struct SummaryDTO: Content {
        let year: Int; let scope: ScopeDTO; let figures: Figures; let sections: [SectionDTO]; let final: Bool; let changed: [String]
        let yearDefinition: String
    }

    func summary(req: Request) async throws -> Response {
        let s = try await ReportsService(req).summary(year: try req.query.get(Int?.self, at: "year"), district: try req.query.get(Int?.self, at: "district"))
        if let format = try req.query.get(String?.self, at: "format") { return try await ReportsService.file(req, s, format: format) }
        let f = s.figures
        let dto = SummaryDTO(
            year: f.year, scope: ScopeDTO(kind: s.area.districtId == nil ? "county" : "district", districtId: s.area.districtId, name: s.area.name),
            figures: Figures(
                districts: f.districts, centralSchools: f.centralSchools, schools: f.schools, teachers: f.teachers.total, teacherDetail: f.teachers,
                exchange: f.exchange, training: f.training, certification: f.certification,
                internship: .init(batches: f.internship.batches, interns: f.internship.interns, placed: f.internship.placed, byGrade: f.internship.byGrade),
                balance: f.balance, equity: f.equity),
            sections: s.sections.map { SectionDTO(key: $0.key.rawValue, title: $0.title, text: $0.text) }, final: s.isFinal, changed: s.changed.map(\.key),
            yearDefinition: tr(
                req, "自然年（1月1日至12月31日）；交流轮岗按当年方案；教育公平指标取不晚于该年的最近统计年度",
                "calendar year; rotation by the year's plans; equity from the latest statistical year up to it"))
        return try await dto.encodeResponse(for: req)
    }
}

public struct ReportsPages: Sendable {
    public init() {}
    public func register(_ r: any RoutesBuilder) {
        r.get(ReportsRoute.summary, use: summary)
        r.post(ReportsRoute.section, use: saveSection)
        r.post(ReportsRoute.finalise, use: finalise)
    }

    static func back(_ year: Int?, _ district: Int?) -> String {
        ReportsRoute.summary.path() + "?" + [year.map { "year=\($0)" }, district.map { "district=\($0)" }].compactMap { $0 }.joined(separator: "&")
    }

    func summary(req: Request) async throws -> Response {
        let year = try req.query.get(Int?.self, at: "year"), district = try req.query.get(Int?.self, at: "district")
        let service = ReportsService(req)
        let s: ReportsService.Summary
        do { s = try await service.summary(year: year, district: district) } catch let e as DomainError where e.kind == .invalid && year != nil {
            return req.redirect(to: Self.back(nil, district), flash: e.flashText(req.uiLocale), error: true)
        }
        if let format = try req.query.get(String?.self, at: "format") { return try await ReportsService.file(req, s, format: format) }
        let l = req.uiLocale, y = s.figures.year
        let canWrite = (req.actor?.can(.reportsWrite) ?? false) && !s.isFinal
        let query = Self.back(y, s.area.districtId == nil ? nil : s.area.districtId).split(separator: "?").last.map(String.init) ?? ""
        let tables = SummaryDocuments.tables(s.figures, l)
        var w = HTMLWriter(capacity: 30_000)
        w.raw("<div class=\"page-head row no-print\"><div><form method=\"get\" class=\"filters\" action=\""); w.text(ReportsRoute.summary.path());
        w.raw("\"><label>")
        w.text(tr(req, "年度", "Year")); w.raw(" <select name=\"year\" data-autosubmit>")
        for yy in stride(from: req.context.today.year, through: max(2000, req.context.today.year - 5), by: -1) {
            w.raw("<option value=\"\(yy)\"\(yy == y ? " selected" : "")>\(yy)</option>")
        }
        w.raw("</select></label>")
        if let d = s.area.districtId, req.actor?.registryScope == .county { w.raw("<input type=\"hidden\" name=\"district\" value=\"\(d)\">") }
        w.raw(" <button class=\"button\" type=\"submit\">"); w.text(tr(req, "查看", "Show")); w.raw("</button></form></div><div class=\"actions\">")
        // The certification office's and the internship batches' summaries, for those who write them.
        if s.area.districtId == nil, try await !ReportsService(req).officeIndex().batches.isEmpty || service.canWriteOffice(.certification) {
            w.raw("<a class=\"button\" id=\"other-summaries\" href=\""); w.text(OfficeRoute.index.path()); w.raw("\">")
            w.text(tr(req, "认定、实习工作总结", "Certification and internship summaries")); w.raw("</a> ")
        }
        w.raw("<button type=\"button\" class=\"button\" data-print>"); w.text(tr(req, "打印", "Print"));
        w.raw("</button> <a class=\"button\" id=\"docx\" href=\"")
        w.text(ReportsRoute.summary.path() + "?\(query)&format=docx"); w.raw("\">Word</a> <a class=\"button\" id=\"xlsx\" href=\"");
        w.text(ReportsRoute.summary.path() + "?\(query)&format=xlsx"); w.raw("\">Excel</a>")
        if canWrite {
            w.raw(" <form method=\"post\" class=\"inline\" data-confirm=\"");
            w.text(tr(req, "定稿后数字和文字都不再改变，确定定稿？", "Once final, neither the figures nor the text change. Finalise?"))
            w.raw("\" action=\""); w.text(ReportsRoute.finalise.path() + "?\(query)")
            w.raw("\"><input type=\"hidden\" name=\"_csrf\" value=\""); w.text(req.csrfToken)
            w.raw("\"><button class=\"button primary\" id=\"finalise\" type=\"submit\">"); w.text(tr(req, "定稿", "Finalise")); w.raw("</button></form>")
        }
        w.raw("</div></div>")
        if let fin = s.final {
            let by = try await Accounts.displayNames([fin.finalisedBy], on: req.db)[fin.finalisedBy] ?? fin.finalisedBy
            w.raw("<div class=\"notice-bar no-print\" id=\"final-note\">");
            w.text(
                tr(
                    req, "已于 \(CivilDate.today(Date(timeIntervalSince1970: fin.finalisedAt)).description) 由 \(by) 定稿：以下为定稿时的数字与文字。",
                    "Finalised on \(CivilDate.today(Date(timeIntervalSince1970: fin.finalisedAt)).description) by \(by): figures and text as they were then."
                ))
            if !s.changed.isEmpty {
                w.raw("<br><strong>"); w.text(tr(req, "此后有变化的数字：", "Figures changed since: ")); w.raw("</strong>")
                w.text(s.changed.map { "{\($0.key)} \($0.then) → \($0.now)" }.joined(separator: tr(req, "；", "; ")))
            }
            w.raw("</div>")
        }
        w.raw("<article class=\"paper summary\"><h1 class=\"sheet-title\">"); w.text(SummaryDocuments.title(s, l));
        w.raw("</h1><p class=\"muted small center\">")
        w.text(
            tr(
                req, "统计口径：自然年（1月1日至12月31日）；交流轮岗按\(y)年方案；教育公平指标取不晚于\(y)年的最近统计年度。",
                "Calendar year; rotation by the plans of \(y); equity from the latest statistical year up to \(y)."))
        w.raw("</p>")
        for sec in s.sections {
            w.raw("<section class=\"summary-section\" id=\"sec-\(sec.key.rawValue)\"><h2>"); w.text(sec.title); w.raw("</h2><p class=\"summary-text\">");
            w.text(sec.text); w.raw("</p>")
            if canWrite {
                w.raw("<details class=\"no-print\"><summary>"); w.text(tr(req, "修改本节文字", "Edit this section"));
                w.raw("</summary><form method=\"post\" class=\"stack\" action=\"")
                w.text(ReportsRoute.section.path(sec.key.rawValue) + "?\(query)"); w.raw("\"><input type=\"hidden\" name=\"_csrf\" value=\"");
                w.text(req.csrfToken)
                w.raw("\"><textarea name=\"text\" rows=\"5\" maxlength=\"5000\">"); w.text(sec.template); w.raw("</textarea><p class=\"muted small\">")
                w.text(
                    tr(
                        req, "花括号中的占位符由当年数字填入，如 {schools.end}、{exchange.moved}。",
                        "Placeholders in braces take the year's figures, e.g. {schools.end}, {exchange.moved}."))
                w.raw("</p><button class=\"button\" type=\"submit\">"); w.text(tr(req, "保存", "Save")); w.raw("</button></form></details>")
            }
            if let href = SummaryDocuments.rowsLink(sec.key, s.figures) {
                w.raw("<p class=\"no-print small\"><a href=\""); w.text(href); w.raw("\">"); w.text(tr(req, "查看明细", "See the rows")); w.raw("</a></p>")
            }
            for t in tables[sec.key] ?? [] where !t.rows.isEmpty { SummaryDocuments.writeTable(t, to: &w) }
            w.raw("</section>")
        }
        if let c = SummaryDocuments.comparison(s, l) {
            w.raw("<section class=\"summary-section\" id=\"sec-compare\"><h2>"); w.text(c.title); w.raw("</h2>")
            w.raw("<div class=\"table-wrap\"><table class=\"data compact sheet\" id=\"compare\"><thead><tr>")
            for (i, h) in c.header.enumerated() { w.raw(i == 0 ? "<th>" : "<th class=\"num\">"); w.text(h); w.raw("</th>") }
            w.raw("</tr></thead><tbody>")
            for r in c.rows {
                w.raw("<tr>")
                for (i, cell) in r.enumerated() { w.raw(i == 0 ? "<td>" : "<td class=\"num\">"); w.text(cell); w.raw("</td>") }
                w.raw("</tr>")
            }
            w.raw("</tbody></table></div><p class=\"muted small\">")
            w.text(tr(req, "上年数字取上年定稿（如已定稿），否则按现有数据计算。", "The year before as finalised, if it was; otherwise from the data as they stand."))
            w.raw("</p></section>")
        }
        w.raw("<div class=\"seal-block\"><div><span>"); w.text(tr(req, "单位（盖章）", "Unit (seal)")); w.raw("：</span><span class=\"line\"></span></div><div><span>")
        w.text(tr(req, "日期", "Date")); w.raw("：</span><span class=\"line\"></span></div></div></article>")
        return req.page(req.layout("rp.title", title: SummaryDocuments.title(s, l)), content: w.html)
    }

    struct SectionForm: Content { let text: String? }

    func saveSection(req: Request) async throws -> Response {
        let year = try req.query.get(Int?.self, at: "year"), district = try req.query.get(Int?.self, at: "district")
        let f = try req.content.decode(SectionForm.self)
        let section = try req.parameters.require("section")
        do {
            try await ReportsService(req).saveSection(year: year, district: district, section: section, text: f.text)
            return req.redirect(to: Self.back(year, district) + "#sec-\(section)", flash: tr(req, "已保存", "Saved"))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: Self.back(year, district) + "#sec-\(section)", flash: e.flashText(req.uiLocale), error: true)
        }
    }

    func finalise(req: Request) async throws -> Response {
        let year = try req.query.get(Int?.self, at: "year"), district = try req.query.get(Int?.self, at: "district")
        do {
            try await ReportsService(req).finalise(year: year, district: district)
            return req.redirect(to: Self.back(year, district), flash: tr(req, "已定稿", "Finalised"))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: Self.back(year, district), flash: e.flashText(req.uiLocale), error: true)
        }
    }
}
