import Foundation
import Vapor
import XuequCore
import XuequKit

/// The self-evaluation report (自评报告): each aspect and indicator with its value, requirement,
/// judgement, evidence and the schools that fail it; on A4 and as a `.docx` for Word and WPS.
extension InspectionPages {
    /// Failing schools listed per indicator in the report; the rest are counted.
    static let reportFailingLimit = 10

    static func summary(_ r: Readiness, _ l: UILocale) -> String {
        // A break may fall after each code (a word processor treats "R1、R2、…" as one word).
        let missing = r.missing.map(\.def.code).joined(separator: "、\u{200B}")
        let failing = r.indicators.filter { $0.met == false }.map(\.def.code).joined(separator: "、\u{200B}")
        if l == .en {
            return "Of the 32 indicators, \(r.met) are met" + (failing.isEmpty ? "" : ", \(failing) are not")
                + (missing.isEmpty ? "" : ", \(missing) lack data")
                + ". \(r.schoolsMeeting) of \(r.schoolParts) school parts meet at least 6 of the 7 resource standards. "
                + (r.vetoed ? "A one-vote veto is triggered." : "No veto is triggered.")
        }
        return "对照32项指标，已达标\(r.met)项" + (failing.isEmpty ? "" : "，未达标\(failing)") + (missing.isEmpty ? "" : "，\(missing)尚缺数据")
            + "。全县\(r.schoolParts)个学校（部）中，\(r.schoolsMeeting)个资源配置7项指标中至少6项达标。" + (r.vetoed ? "存在一票否决情形。" : "未发现一票否决情形。")
    }

    func report(req: Request) async throws -> Response {
        if (try? req.query.get(String.self, at: "format")) == "docx" { return try await Self.docx(req, year: try req.query.get(Int?.self, at: "year")) }
        let r = try await InspectionService(req).readiness(year: try req.query.get(Int?.self, at: "year"))
        let county = try await InspectionService(req).countyName() ?? ""
        let l = req.uiLocale
        var w = HTMLWriter(capacity: 40_000)
        w.raw("<div class=\"actions no-print\"><button type=\"button\" class=\"button\" data-print>"); w.text(tr(req, "打印", "Print"));
        w.raw("</button> <a class=\"button\" href=\"")
        w.text(InspectionRoute.report.path() + "?year=\(r.year)&format=docx"); w.raw("\">"); w.text(tr(req, "下载 Word", "Download .docx"));
        w.raw("</a></div>")
        w.raw("<article class=\"paper inspection-report\"><h1 class=\"sheet-title\">");
        // Named for its county, as the report is filed: 武安市县域义务教育优质均衡发展自评报告.
        w.text(tr(req, county + "县域义务教育优质均衡发展自评报告", (county.isEmpty ? "" : county + ": ") + "county self-evaluation, quality balance of compulsory education"))
        w.raw("</h1><p class=\"center muted\">"); w.text(tr(req, "（\(r.year)年度）", "(\(r.year))")); w.raw("</p><h2>"); w.text(tr(req, "一、总体情况", "1. Overview"));
        w.raw("</h2><p>")
        w.text(Self.summary(r, l)); w.raw("</p>")
        for (n, a) in Aspect.allCases.enumerated() {
            let items = r.indicators.filter { $0.def.aspect == a }
            w.raw("<h2>"); w.text(["二", "三", "四", "五"][n] + "、" + a.zh + (l == .en ? " — " + a.en : "")); w.raw("</h2>")
            w.raw("<table class=\"data sheet\"><thead><tr><th>"); w.text(tr(req, "序号", "No.")); w.raw("</th><th>"); w.text(tr(req, "指标", "Indicator"));
            w.raw("</th><th>")
            w.text(tr(req, "要求", "Requirement")); w.raw("</th><th>"); w.text(tr(req, "现状", "Value")); w.raw("</th><th>"); w.text(tr(req, "判定", "Judgement"));
            w.raw("</th><th>")
            w.text(tr(req, "佐证", "Evidence")); w.raw("</th></tr></thead><tbody>")
            for i in items {
                w.raw("<tr><td>\(i.def.code)</td><td>"); w.text(i.def.name(l)); w.raw("</td><td>"); w.text(i.requirement); w.raw("</td><td>");
                w.text(i.valueText); w.raw("</td><td>")
                w.text(Self.judgement(i.met, l)); w.raw("</td><td>"); w.text(Self.evidence(i, l)); w.raw("</td></tr>")
            }
            w.raw("</tbody></table>")
            for i in items where !i.failing.isEmpty {
                w.raw("<p class=\"small\"><strong>\(i.def.code) "); w.text(tr(req, "未达标：", "failing: ")); w.raw("</strong>")
                w.text(i.failing.prefix(Self.reportFailingLimit).map { "\($0.name)（\($0.shortfall)）" }.joined(separator: "；"))
                if i.failing.count > Self.reportFailingLimit { w.text(tr(req, "等 \(i.failing.count) 项", " and others: \(i.failing.count) in all")) }
                w.raw("</p>")
            }
        }
        w.raw("<h2>"); w.text(tr(req, "六、一票否决情形", "6. One-vote vetoes")); w.raw("</h2><table class=\"data sheet\"><tbody>")
        for v in r.vetoes {
            w.raw("<tr><td>\(v.def.code)</td><td>"); w.text(v.def.name(l)); w.raw("</td><td>"); w.text(Self.vetoText(v, l)); w.raw("</td></tr>")
        }
        w.raw("</tbody></table>")
        w.raw("<div class=\"seal-block\"><div><span>"); w.text(tr(req, "填报单位（盖章）", "Unit (seal)"));
        w.raw("：</span><span class=\"line\"></span></div><div><span>")
        w.text(tr(req, "负责人", "Responsible")); w.raw("：</span><span class=\"line\"></span></div><div><span>"); w.text(tr(req, "日期", "Date"));
        w.raw("：</span><span class=\"line\">")
        w.text(tr(req, "年　月　日", "")); w.raw("</span></div></div></article>")
        return req.page(req.layout("ins.title", title: tr(req, "自评报告", "Self-evaluation report")), content: w.html)
    }

    static func judgement(_ met: Bool?, _ l: UILocale) -> String {
        switch met {
        case true?: l == .en ? "met" : "达标";
        case false?: l == .en ? "not met" : "未达标";
        case nil: l == .en ? "no data" : "缺数据"
        }
    }

    static func evidence(_ i: IndicatorResult, _ l: UILocale) -> String {
        if i.def.source == .computed { return l == .en ? "platform records: " + i.basis : "平台数据：" + i.basis }
        guard let e = i.entry else { return l == .en ? "not entered" : "未填报" }
        return [e.note, e.evidenceName ?? ""].filter { !$0.isEmpty }.joined(separator: l == .en ? "; " : "；")
    }

    static func vetoText(_ v: VetoResult, _ l: UILocale) -> String {
        if v.triggered { return l == .en ? "triggered" : "存在" }
        return v.declared ? (l == .en ? "none" : "不存在") : (l == .en ? "not declared" : "未申报")
    }

    /// The report as WordprocessingML (`DocxWriter`), with the same content as the printed page.
    static func docx(_ req: Request, year: Int?) async throws -> Response {
        let r = try await InspectionService(req).readiness(year: year)
        let county = try await InspectionService(req).countyName() ?? ""
        let l = req.uiLocale
        let title =
            l == .en
            ? (county.isEmpty ? "" : county + ": ") + "county self-evaluation, quality balance of compulsory education (\(r.year))"
            : "\(county)县域义务教育优质均衡发展自评报告（\(r.year)年度）"
        var blocks: [DocxDocument.Block] = [.title(title), .heading(l == .en ? "1. Overview" : "一、总体情况", level: 1), .paragraph(summary(r, l))]
        for (n, a) in Aspect.allCases.enumerated() {
            let items = r.indicators.filter { $0.def.aspect == a }
            blocks.append(.heading((l == .en ? "\(n + 2). " : ["二", "三", "四", "五"][n] + "、") + a.label(l), level: 1))
            blocks.append(
                .table(
                    header: l == .en ? ["No.", "Indicator", "Requirement", "Value", "Judgement", "Evidence"] : ["序号", "指标", "要求", "现状", "判定", "佐证"],
                    rows: items.map { [$0.def.code, $0.def.name(l), $0.requirement, $0.valueText, judgement($0.met, l), evidence($0, l)] }))
            for i in items where !i.failing.isEmpty {
                var text =
                    "\(i.def.code) " + (l == .en ? "failing: " : "未达标：")
                    + i.failing.prefix(reportFailingLimit).map { "\($0.name)（\($0.shortfall)）" }.joined(separator: "；")
                if i.failing.count > reportFailingLimit { text += l == .en ? " and others: \(i.failing.count) in all" : "等 \(i.failing.count) 项" }
                blocks.append(.paragraph(text))
            }
        }
        blocks.append(.heading(l == .en ? "6. One-vote vetoes" : "六、一票否决情形", level: 1))
        blocks.append(
            .table(
                header: l == .en ? ["No.", "Situation", "Declared"] : ["序号", "情形", "申报"], rows: r.vetoes.map { [$0.def.code, $0.def.name(l), vetoText($0, l)] })
        )
        blocks.append(.signature(lines: l == .en ? ["Unit (seal):", "Date:"] : ["填报单位（盖章）：", "日期：　　年　　月　　日"]))
        let doc = DocxDocument(title: title, header: title, blocks: blocks)
        let data = try await req.application.workPools.sheets.runIfActive { try DocxWriter.write(doc) }
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.replaceOrAdd(name: .contentType, value: DocxWriter.contentType)
        let name = l == .en ? "self-evaluation-\(r.year).docx" : "优质均衡自评报告-\(r.year).docx"
        res.headers.replaceOrAdd(
            name: .contentDisposition,
            value:
                "attachment; filename=\"self-evaluation-\(r.year).docx\"; filename*=UTF-8''\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "report.docx")"
        )
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return res
    }
}
