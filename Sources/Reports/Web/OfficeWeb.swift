import Foundation
import Internship
import Vapor
import XuequCore
import XuequKit

/// The certification office's and an internship batch's summaries: the page (print on A4), the
/// `.docx` and `.xlsx`, the JSON, the section editor and finalising; and the list of summaries.
public enum OfficeRoute: String, RouteName {
    public static let module = "office"
    case index = "reports"
    case certification = "reports/certification"
    case certificationSection = "reports/certification/sections/:section"
    case certificationFinalise = "reports/certification/finalise"
    case internship = "reports/internship/:batch"
    case internshipSection = "reports/internship/:batch/sections/:section"
    case internshipFinalise = "reports/internship/:batch/finalise"
}

public enum OfficeAPIRoute: String, RouteName {
    public static let module = "officeAPI"
    public static let prefix = "api/v1"
    case certification = "reports/certification"
    case internship = "reports/internship/:batch"
}

extension OfficeSummary {
    /// Its page, with the year for the certification summary.
    var path: String {
        switch kind {
        case .certification: OfficeRoute.certification.path() + "?year=\(year)"
        case .internship: OfficeRoute.internship.path(batchId ?? 0)
        }
    }

    var documentSections: [SummaryDocuments.DocumentSection] {
        sections.map { SummaryDocuments.DocumentSection(title: $0.title, text: $0.text, tables: $0.tables) }
    }

    func docx(_ l: UILocale) throws -> Data {
        try SummaryDocuments.docx(title: title, sections: documentSections, signature: [signer, l == .en ? "Date:" : "\(year)年　　月　　日"])
    }

    func xlsx(_ l: UILocale) throws -> Data {
        try SummaryDocuments.xlsx(title: title, sections: documentSections, sheetName: l == .en ? "Summary" : "工作总结")
    }

    func file(_ req: Request, format: String) async throws -> Response {
        let l = req.uiLocale
        let ascii = kind == .certification ? "certification-\(year)" : "internship-\(batchId ?? 0)"
        switch format {
        case "docx":
            let data = try await req.application.workPools.sheets.runIfActive { try self.docx(l) }
            return download(data, type: DocxWriter.contentType, name: title + ".docx", ascii: ascii + ".docx")
        case "xlsx":
            let data = try await req.application.workPools.sheets.runIfActive { try self.xlsx(l) }
            return download(data, type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name: title + ".xlsx", ascii: ascii + ".xlsx")
        default:
            throw DomainError.validation(["format": LocalizedText(zh: "format 应为 docx 或 xlsx", en: "format must be docx or xlsx")])
        }
    }
}

public struct OfficeAPI: Sendable {
    public init() {}
    public func register(_ api: any RoutesBuilder) {
        api.get(OfficeAPIRoute.certification, use: certification)
        api.get(OfficeAPIRoute.internship, use: internship)
    }

    struct SectionDTO: Content { let key: String; let title: String; let text: String }
    struct DTO: Content {
        let kind: String; let year: Int; let batchId: Int?; let title: String; let figures: [String: String]; let sections: [SectionDTO]
        let final: Bool; let changed: [String]
    }

    func respond(_ req: Request, _ s: OfficeSummary) async throws -> Response {
        if let format = try req.query.get(String?.self, at: "format") { return try await s.file(req, format: format) }
        return try await DTO(
            kind: s.kind.rawValue, year: s.year, batchId: s.batchId, title: s.title, figures: s.values,
            sections: s.sections.map { SectionDTO(key: $0.key, title: $0.title, text: $0.text) }, final: s.isFinal, changed: s.changed.map(\.key)
        ).encodeResponse(for: req)
    }

    func certification(req: Request) async throws -> Response {
        try await respond(req, try await ReportsService(req).officeSummary(.certification, year: try req.query.get(Int?.self, at: "year"), batch: nil))
    }

    func internship(req: Request) async throws -> Response {
        try await respond(req, try await ReportsService(req).officeSummary(.internship, year: nil, batch: try req.intParameter("batch")))
    }
}

public struct OfficePages: Sendable {
    public init() {}
    public func register(_ r: any RoutesBuilder) {
        r.get(OfficeRoute.index, use: index)
        r.get(OfficeRoute.certification, use: certification)
        r.post(OfficeRoute.certificationSection, use: certificationSection)
        r.post(OfficeRoute.certificationFinalise, use: certificationFinalise)
        r.get(OfficeRoute.internship, use: internship)
        r.post(OfficeRoute.internshipSection, use: internshipSection)
        r.post(OfficeRoute.internshipFinalise, use: internshipFinalise)
    }

    /// Every summary the caller may open, each with its years or batches.
    func index(req: Request) async throws -> Response {
        let (year, cert, batches) = try await ReportsService(req).officeIndex()
        guard year || cert || !batches.isEmpty else { throw DomainError.forbidden }
        let today = req.context.today.year
        var w = HTMLWriter(capacity: 4096)
        w.raw("<div class=\"page-head\"><h1>")
        w.text(tr(req, "工作总结", "Work summaries"))
        w.raw("</h1><p class=\"muted\">")
        w.text(
            tr(
                req, "由平台数据生成的年度工作总结、教师资格认定工作总结和教育实习工作总结：修改文字、定稿、打印、导出 Word 和 Excel。",
                "Summaries written from the platform's data: edit the text, finalise, print, export to Word and Excel."))
        w.raw("</p></div><div class=\"grid triple\">")
        func card(_ title: String, _ links: [(String, String)], id: String) {
            w.raw("<section class=\"card\" id=\"\(id)\"><h2>")
            w.text(title)
            w.raw("</h2><ul class=\"links\">")
            for (label, href) in links {
                w.raw("<li><a href=\"")
                w.text(href)
                w.raw("\">")
                w.text(label)
                w.raw("</a></li>")
            }
            w.raw("</ul></section>")
        }
        let years = Array(stride(from: today, through: max(2000, today - 3), by: -1))
        if year {
            card(
                tr(req, "年度工作总结", "The year's work summary"), years.map { (tr(req, "\($0)年", "\($0)"), ReportsRoute.summary.path() + "?year=\($0)") },
                id: "year-summaries")
        }
        if cert {
            card(
                tr(req, "教师资格认定工作总结", "Teacher certification"),
                years.map { (tr(req, "\($0)年", "\($0)"), OfficeRoute.certification.path() + "?year=\($0)") }, id: "certification-summaries")
        }
        if !batches.isEmpty {
            card(
                tr(req, "教育实习工作总结", "Student teaching"),
                batches.map { b in ("\(b.name)（\(b.calendar.startsOn)—\(b.calendar.endsOn)）", OfficeRoute.internship.path(b.id)) }, id: "internship-summaries")
        }
        w.raw("</div>")
        return req.page(req.layout("nav.office", title: tr(req, "工作总结", "Work summaries")), content: w.html)
    }

    func page(_ req: Request, _ s: OfficeSummary, sectionPath: (String) -> String, finalisePath: String) async throws -> Response {
        if let format = try req.query.get(String?.self, at: "format") { return try await s.file(req, format: format) }
        let canWrite = ReportsService(req).canWriteOffice(s.kind) && !s.isFinal
        let base = s.path
        let join = base.contains("?") ? "&" : "?"
        var w = HTMLWriter(capacity: 20_000)
        w.raw("<div class=\"page-head row no-print\"><div>")
        if s.kind == .certification {
            w.raw("<form method=\"get\" class=\"filters\" action=\"")
            w.text(OfficeRoute.certification.path())
            w.raw("\"><label>")
            w.text(tr(req, "年度", "Year"))
            w.raw(" <select name=\"year\" data-autosubmit>")
            for yy in stride(from: req.context.today.year, through: max(2000, req.context.today.year - 5), by: -1) {
                w.raw("<option value=\"\(yy)\"\(yy == s.year ? " selected" : "")>\(yy)</option>")
            }
            w.raw("</select></label> <button class=\"button\" type=\"submit\">")
            w.text(tr(req, "查看", "Show"))
            w.raw("</button></form>")
        } else {
            w.raw("<a href=\"")
            w.text(OfficeRoute.index.path())
            w.raw("\">‹ ")
            w.text(tr(req, "工作总结", "Work summaries"))
            w.raw("</a>")
        }
        w.raw("</div><div class=\"actions\"><button type=\"button\" class=\"button\" data-print>")
        w.text(tr(req, "打印", "Print"))
        w.raw("</button> <a class=\"button\" id=\"docx\" href=\"")
        w.text(base + join + "format=docx")
        w.raw("\">Word</a> <a class=\"button\" id=\"xlsx\" href=\"")
        w.text(base + join + "format=xlsx")
        w.raw("\">Excel</a>")
        if canWrite {
            w.raw(" <form method=\"post\" class=\"inline\" data-confirm=\"")
            w.text(tr(req, "定稿后数字和文字都不再改变，确定定稿？", "Once final, neither the figures nor the text change. Finalise?"))
            w.raw("\" action=\"")
            w.text(finalisePath)
            w.raw("\"><input type=\"hidden\" name=\"_csrf\" value=\"")
            w.text(req.csrfToken)
            w.raw("\"><button class=\"button primary\" id=\"finalise\" type=\"submit\">")
            w.text(tr(req, "定稿", "Finalise"))
            w.raw("</button></form>")
        }
        w.raw("</div></div>")
        if let fin = s.final {
            let by = try await Accounts.displayNames([fin.finalisedBy], on: req.db)[fin.finalisedBy] ?? fin.finalisedBy
            let on = CivilDate.today(Date(timeIntervalSince1970: fin.finalisedAt)).description
            w.raw("<div class=\"notice-bar no-print\" id=\"final-note\">")
            w.text(tr(req, "已于 \(on) 由 \(by) 定稿：以下为定稿时的数字与文字。", "Finalised on \(on) by \(by): figures and text as they were then."))
            if !s.changed.isEmpty {
                w.raw("<br><strong>")
                w.text(tr(req, "此后有变化的数字：", "Figures changed since: "))
                w.raw("</strong>")
                w.text(s.changed.map { "{\($0.key)} \($0.then) → \($0.now)" }.joined(separator: tr(req, "；", "; ")))
            }
            w.raw("</div>")
        }
        w.raw("<article class=\"paper summary\"><h1 class=\"sheet-title\">")
        w.text(s.title)
        w.raw("</h1>")
        if s.kind == .certification {
            w.raw("<p class=\"muted small center\">")
            w.text(tr(req, "统计口径：\(s.year)年内结束受理的认定批次。", "Counted: the windows that closed in \(s.year)."))
            w.raw("</p>")
        }
        let placeholders = OfficeSpec.placeholders(s.kind).prefix(6).map { "{\($0)}" }.joined(separator: "、")
        for sec in s.sections {
            w.raw("<section class=\"summary-section\" id=\"sec-\(sec.key)\"><h2>")
            w.text(sec.title)
            w.raw("</h2><p class=\"summary-text\">")
            w.text(sec.text)
            w.raw("</p>")
            if canWrite {
                w.raw("<details class=\"no-print\"><summary>")
                w.text(tr(req, "修改本节文字", "Edit this section"))
                w.raw("</summary><form method=\"post\" class=\"stack\" action=\"")
                w.text(sectionPath(sec.key))
                w.raw("\"><input type=\"hidden\" name=\"_csrf\" value=\"")
                w.text(req.csrfToken)
                w.raw("\"><textarea name=\"text\" rows=\"5\" maxlength=\"5000\">")
                w.text(sec.template)
                w.raw("</textarea><p class=\"muted small\">")
                w.text(tr(req, "花括号中的占位符由数据填入，如 \(placeholders)。", "Placeholders in braces take the figures, e.g. \(placeholders)."))
                w.raw("</p><button class=\"button\" type=\"submit\">")
                w.text(tr(req, "保存", "Save"))
                w.raw("</button></form></details>")
            }
            for t in sec.tables where !t.rows.isEmpty {
                if let href = t.href {
                    w.raw("<p class=\"no-print small\"><a href=\"")
                    w.text(href)
                    w.raw("\">")
                    w.text(tr(req, "查看明细", "See the rows"))
                    w.raw("</a></p>")
                }
                SummaryDocuments.writeTable(t, to: &w)
            }
            w.raw("</section>")
        }
        w.raw("<div class=\"seal-block\"><div><span>")
        w.text(s.signer)
        w.raw("：</span><span class=\"line\"></span></div><div><span>")
        w.text(tr(req, "日期", "Date"))
        w.raw("：</span><span class=\"line\"></span></div></div></article>")
        return req.page(req.layout("nav.office", title: s.title), content: w.html)
    }

    struct SectionForm: Content { let text: String? }

    /// Saves or finalises, then back to the page with a message (an error's in the reader's words).
    func act(_ req: Request, back: String, _ body: () async throws -> Void, ok: String) async throws -> Response {
        do {
            try await body()
            return req.redirect(to: back, flash: ok)
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: back, flash: e.flashText(req.uiLocale), error: true)
        }
    }

    func certification(req: Request) async throws -> Response {
        let year = try req.query.get(Int?.self, at: "year")
        let s: OfficeSummary
        do { s = try await ReportsService(req).officeSummary(.certification, year: year, batch: nil) } catch let e as DomainError
            where e.kind == .invalid && year != nil
        {
            return req.redirect(to: OfficeRoute.index.path(), flash: e.flashText(req.uiLocale), error: true)
        }
        let q = "?year=\(s.year)"
        return try await page(
            req, s, sectionPath: { OfficeRoute.certificationSection.path($0) + q }, finalisePath: OfficeRoute.certificationFinalise.path() + q)
    }

    func certificationSection(req: Request) async throws -> Response {
        let year = try req.query.get(Int?.self, at: "year")
        let section = try req.parameters.require("section")
        let f = try req.content.decode(SectionForm.self)
        let back = OfficeRoute.certification.path() + (year.map { "?year=\($0)" } ?? "") + "#sec-\(section)"
        return try await act(
            req, back: back, { try await ReportsService(req).saveOfficeSection(.certification, year: year, batch: nil, section: section, text: f.text) },
            ok: tr(req, "已保存", "Saved"))
    }

    func certificationFinalise(req: Request) async throws -> Response {
        let year = try req.query.get(Int?.self, at: "year")
        let back = OfficeRoute.certification.path() + (year.map { "?year=\($0)" } ?? "")
        return try await act(
            req, back: back, { try await ReportsService(req).finaliseOffice(.certification, year: year, batch: nil) }, ok: tr(req, "已定稿", "Finalised"))
    }

    func internship(req: Request) async throws -> Response {
        let batch = try req.intParameter("batch")
        let s = try await ReportsService(req).officeSummary(.internship, year: nil, batch: batch)
        return try await page(
            req, s, sectionPath: { OfficeRoute.internshipSection.path(batch, $0) }, finalisePath: OfficeRoute.internshipFinalise.path(batch))
    }

    func internshipSection(req: Request) async throws -> Response {
        let batch = try req.intParameter("batch")
        let section = try req.parameters.require("section")
        let f = try req.content.decode(SectionForm.self)
        return try await act(
            req, back: OfficeRoute.internship.path(batch) + "#sec-\(section)",
            { try await ReportsService(req).saveOfficeSection(.internship, year: nil, batch: batch, section: section, text: f.text) },
            ok: tr(req, "已保存", "Saved"))
    }

    func internshipFinalise(req: Request) async throws -> Response {
        let batch = try req.intParameter("batch")
        return try await act(
            req, back: OfficeRoute.internship.path(batch), { try await ReportsService(req).finaliseOffice(.internship, year: nil, batch: batch) },
            ok: tr(req, "已定稿", "Finalised"))
    }
}
