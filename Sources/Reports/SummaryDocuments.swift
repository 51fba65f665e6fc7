import Foundation
import Balance
import Exchange
import Registry
import Certification
import Internship
import Teaching
import XuequCore
import XuequKit

/// The summary's tables and documents, shared by the page, the API and `xuequ report summary`.
public enum SummaryDocuments {
    public struct Table: Sendable, Codable {
        public let title: String
        public let header: [String]
        public let rows: [[String]]
        /// Where the rows it counts are listed (the page shows it as a link; documents leave it out).
        public var href: String? = nil
    }

    /// The page listing each section's rows.
    public static func rowsLink(_ section: SummarySection, _ f: YearFigures) -> String? {
        let d = f.districtId.map { "?district=\($0)" } ?? ""
        switch section {
        case .system: return RegistryRoute.districts.path()
        case .planning: return RegistryRoute.schools.path() + d
        case .sharing: return ExchangeRoute.home.path() + "?year=\(f.year)"
        case .research: return TeachingRoute.hours.path() + "?year=\(f.year)"
        case .balance: return BalanceRoute.dashboard.path() + "?year=\(f.year)" + (f.districtId.map { "&district=\($0)" } ?? "")
        case .certification: return CertificationRoute.windows.path()
        case .internship: return f.districtId == nil ? InternshipRoute.home.path() : nil
        }
    }

    static func label<V: Vocabulary>(_ type: V.Type, _ raw: String, _ l: UILocale) -> String { V(rawValue: raw)?.label(l) ?? raw }

    /// The tables of each section, in the reader's language.
    public static func tables(_ f: YearFigures, _ l: UILocale) -> [SummarySection: [Table]] {
        let en = l == .en
        func pct(_ a: Int, _ b: Int) -> String { b > 0 ? String(format: "%.1f%%", Double(a) * 100 / Double(b)) : "—" }
        var out: [SummarySection: [Table]] = [:]
        out[.system] = [
            Table(
                title: en ? "Districts and schools" : "学区与学校", header: en ? ["Item", "Count"] : ["项目", "数量"],
                rows: [
                    [en ? "Districts" : "学区", String(f.districts)], [en ? "Central schools" : "中心校", String(f.centralSchools)],
                    [en ? "Teachers" : "教师", String(f.teachers.total)],
                ])
        ]
        let order = Dictionary(uniqueKeysWithValues: Stage.allCases.enumerated().map { ($1.rawValue, $0) })
        if let byStage = f.teachers.byStage, !byStage.isEmpty {
            // A part of a nine-year school counts with its stage (小学 / 初中); a teacher of such a
            // school with no part recorded, under the school's kind.
            func name(_ k: String) -> String { label(Stage.self, k, l) }
            let keys = byStage.keys.sorted { (order[$0] ?? 99, $0) < (order[$1] ?? 99, $1) }
            out[.system, default: []].append(
                Table(
                    title: en ? "Teachers by the stage they teach" : "教师（按任教学段）", header: en ? ["Stage", "Teachers"] : ["学段", "教师数"],
                    rows: keys.map { [name($0), String(byStage[$0] ?? 0)] } + [[en ? "Total" : "合计", String(byStage.values.reduce(0, +))]]))
        }
        let stages = f.schools.byStage.keys.sorted { (order[$0] ?? 99, $0) < (order[$1] ?? 99, $1) }.map {
            [label(Stage.self, $0, l), String(f.schools.byStage[$0] ?? 0)]
        }
        out[.planning] = [
            Table(
                title: en ? "Schools in \(f.year)" : "\(f.year)年学校数",
                header: en ? ["Start of year", "Merged", "End of year", "Standardised"] : ["年初", "年内撤并", "年末", "标准化学校"],
                rows: [[String(f.schools.start), String(f.schools.merged), String(f.schools.end), String(f.schools.standardised)]]),
            Table(title: en ? "Schools by stage, end of year" : "年末学校（按学段）", header: en ? ["Stage", "Schools"] : ["学段", "学校数"], rows: stages),
            Table(
                title: en ? "Schools by locality, end of year" : "年末学校（按城乡）", header: en ? ["Locality", "Schools"] : ["城乡", "学校数"],
                rows: f.schools.byLocality.keys.sorted().map { [label(Locality.self, $0, l), String(f.schools.byLocality[$0] ?? 0)] }),
        ]
        if let history = f.schools.mergedByYear, !history.isEmpty {
            // Each year's mergers, and the schools at its end as the register has them now
            // (this year's end and the mergers since).
            var after = 0
            var rows: [[String]] = []
            for y in history.keys.sorted(by: >) {
                rows.append([y, String(history[y] ?? 0), String(f.schools.end + after)])
                after += history[y] ?? 0
            }
            out[.planning, default: []].append(
                Table(
                    title: en ? "Consolidation over the years" : "历年学校布局调整", header: en ? ["Year", "Merged", "Schools at the end"] : ["年度", "撤并学校", "年末学校"],
                    rows: rows.reversed() + [[en ? "Total" : "合计", String(after), String(f.schools.end)]]))
        }
        out[.sharing] = [
            Table(
                title: en ? "Rotation \(f.year) by sending district" : "\(f.year)年交流轮岗（按派出学区）",
                header: en ? ["District", "Moved", "Required", "支教"] : ["学区", "交流人数", "应交流", "支教"],
                rows: f.exchange.byDistrict.map { [$0.district, String($0.moved), String($0.required), String($0.support)] }
                    + [[en ? "Total" : "合计", String(f.exchange.moved), String(f.exchange.required), String(f.exchange.support)]])
        ]
        let t = f.teaching ?? TeachingYearFigures()
        let research = Table(
            title: en ? "Research and shared plans \(f.year)" : "\(f.year)年教研与集体备课",
            header: en
                ? ["Activities", "Open classes", "通案", "个案", "near copies", "Model lessons (late)", "At universities"]
                : ["教研活动", "公开课", "通案", "个案", "其中改动不足一成", "优课（逾期）", "高校研修教师"],
            rows: [
                [
                    String(t.activities), String(t.openClasses), String(t.commonPlans), String(t.ownPlans), String(t.nearCopies),
                    "\(t.modelLessons)（\(t.modelLessonsLate)）", String(t.universityTeachers),
                ]
            ])
        if let directions = f.exchange.byDirection, !directions.isEmpty {
            out[.sharing, default: []].append(
                Table(
                    title: en ? "Moves by direction and form" : "交流方向与形式",
                    header: en ? ["Direction", "Transfer", "支教", "Secondment"] : ["方向", "调动交流", "支教", "挂职"],
                    rows: directions.map { [$0.label, String($0.transfer), String($0.support), String($0.secondment)] }))
        }
        if let scores = f.exchange.allianceScores, !scores.isEmpty {
            func score(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "—" }
            out[.sharing, default: []].append(
                Table(
                    title: en ? "Alliances: bundled scores" : "学校联盟捆绑考核",
                    header: en
                        ? ["Alliance", "Schools", "Assessed for", "Bundled score", "Best − worst member"] : ["联盟", "成员校", "考核年度", "捆绑考核得分", "成员校最高与最低分差"],
                    rows: scores.map { [$0.name, String($0.schools), $0.year.map(String.init) ?? "—", score($0.combined), score($0.gap)] }))
        }
        if let i = f.exchange.itinerant, i.teachers > 0 {
            out[.sharing, default: []].append(
                Table(
                    title: en ? "Itinerant teaching (走教) as arranged now" : "走教（现行安排）",
                    header: en ? ["Itinerant teachers", "Schools served", "Periods a week", "Periods not placed"] : ["走教教师", "服务学校", "每周课时", "未能排入课时"],
                    rows: [[String(i.teachers), String(i.schools), String(i.periods), String(i.unplaced)]]))
        }
        out[.research] =
            [research] + [
                Table(
                    title: en ? "Training hours \(f.year)" : "\(f.year)年教师培训学时",
                    header: en ? ["Teachers", "Completed", "Share", "Hours required"] : ["教师数", "完成学时", "完成率", "年度要求学时"],
                    rows: [
                        [
                            String(f.training.teachers), String(f.training.completed), pct(f.training.completed, f.training.teachers),
                            String(format: "%g", f.training.hoursRequired),
                        ]
                    ])
            ]
        var balanceRows: [[String]] = []
        func verdict(_ b: Bool?) -> String { b.map { $0 ? (en ? "pass" : "达标") : (en ? "not yet" : "未达标") } ?? "—" }
        balanceRows.append([en ? "Basic balance, primary / junior" : "基本均衡（小学／初中）", verdict(f.balance.basicPrimary) + " / " + verdict(f.balance.basicJunior)])
        balanceRows.append([
            en ? "Quality balance, primary / junior" : "优质均衡（小学／初中）", verdict(f.balance.qualityPrimary) + " / " + verdict(f.balance.qualityJunior),
        ])
        balanceRows.append([en ? "School parts meeting 6 of 7" : "资源配置6项以上达标的校（部）", "\(f.balance.schoolsMeetingQuality) / \(f.balance.schoolParts)"])
        if let e = f.equity {
            for i in EquityIndicator.allCases {
                if let r = e.rates[i.rawValue] { balanceRows.append([i.label(l) + " (\(e.year ?? 0))", String(format: "%.2f%%", r * 100)]) }
            }
        }
        out[.balance] = [Table(title: en ? "Balance and equity" : "均衡与公平", header: en ? ["Indicator", "Value"] : ["指标", "数值"], rows: balanceRows)]
        if let c = f.certification {
            let types = CertificateType.allCases.map(\.rawValue)
            out[.certification] = [
                Table(
                    title: en ? "Certification by window" : "教师资格认定（按批次）",
                    header: (en ? ["Window", "Applied", "Certified"] : ["批次", "申请", "认定通过"]) + CertificateType.allCases.map { $0.label(l) },
                    rows: c.windows.map { w in [w.name, String(w.applied), String(w.certified)] + types.map { String(w.byType[$0] ?? 0) } }
                        + [[en ? "Total" : "合计", String(c.applied), String(c.certified)] + types.map { String(c.byType[$0] ?? 0) }]),
                Table(
                    title: en ? "Reasons for refusal" : "未通过原因", header: en ? ["Reason", "Applicants"] : ["原因", "人数"],
                    rows: c.failureReasons.sorted { $0.value > $1.value }.map { [label(CertReason.self, $0.key, l), String($0.value)] }),
            ]
        }
        out[.internship] = [
            Table(
                title: en ? "Internship batches" : "教育实习",
                header: (en ? ["Batches", "Interns", "Placed"] : ["批次", "实习生", "已分配学校"]) + InternGrade.allCases.map { $0.label(l) },
                rows: [
                    [f.internship.batches.joined(separator: "、"), String(f.internship.interns), String(f.internship.placed)]
                        + InternGrade.allCases.map { String(f.internship.byGrade[$0.rawValue] ?? 0) }
                ])
        ]
        return out
    }

    /// The year's main figures beside the year before's, with the change (nil without a year
    /// before). One row per figure the summary's sections state.
    public static func comparison(_ s: ReportsService.Summary, _ l: UILocale) -> Table? {
        guard let p = s.previous else { return nil }
        let f = s.figures, en = l == .en
        func backbone(_ t: YearFigures.Teachers) -> Int { (t.byBackbone["county"] ?? 0) + (t.byBackbone["city"] ?? 0) + (t.byBackbone["province"] ?? 0) }
        func share(_ a: Int, _ b: Int) -> Double? { b > 0 ? Double(a) * 100 / Double(b) : nil }
        var rows: [[String]] = []
        func count(_ zh: String, _ enName: String, _ a: Int, _ b: Int) {
            let d = b - a
            rows.append([en ? enName : zh, String(a), String(b), d == 0 ? "0" : (d > 0 ? "+\(d)" : "−\(-d)")])
        }
        func rate(_ zh: String, _ enName: String, _ a: Double?, _ b: Double?) {
            let text = { (x: Double?) in x.map { String(format: "%.1f%%", $0) } ?? "—" }
            let change: String
            if let a, let b {
                let d = b - a
                change = String(format: "%@%.1f", d >= 0 ? "+" : "−", abs(d)) + (en ? " points" : " 个百分点")
            } else {
                change = "—"
            }
            rows.append([en ? enName : zh, text(a), text(b), change])
        }
        count("学区", "Districts", p.districts, f.districts)
        count("年末学校", "Schools at the end of the year", p.schools.end, f.schools.end)
        count("年内撤并学校", "Schools merged in the year", p.schools.merged, f.schools.merged)
        count("标准化学校", "Standardised schools", p.schools.standardised, f.schools.standardised)
        count("教师", "Teachers", p.teachers.total, f.teachers.total)
        count("县级及以上骨干教师", "County-or-higher backbone teachers", backbone(p.teachers), backbone(f.teachers))
        count("交流轮岗人数", "Teachers rotated", p.exchange.moved, f.exchange.moved)
        count("支教到乡村学校", "支教 to rural schools", p.exchange.supportToRural, f.exchange.supportToRural)
        rate("培训学时完成率", "Training hours completed", share(p.training.completed, p.training.teachers), share(f.training.completed, f.training.teachers))
        rate(
            "资源配置6项以上达标的校（部）", "School parts meeting 6 of 7", share(p.balance.schoolsMeetingQuality, p.balance.schoolParts),
            share(f.balance.schoolsMeetingQuality, f.balance.schoolParts))
        if let a = p.certification, let b = f.certification {
            count("教师资格认定申请", "Certification applications", a.applied, b.applied)
            count("认定通过", "Certified", a.certified, b.certified)
        }
        count("实习生", "Student teachers", p.internship.interns, f.internship.interns)
        return Table(
            title: en ? "\(f.year) against \(p.year)" : "\(f.year)年与\(p.year)年比较",
            header: en ? ["Figure", String(p.year), String(f.year), "Change"] : ["项目", "\(p.year)年", "\(f.year)年", "增减"], rows: rows)
    }

    public static func title(_ s: ReportsService.Summary, _ l: UILocale) -> String {
        let y = s.figures.year
        if s.area.districtId == nil {
            // A county among several names itself (邯山区2026年度教育工作总结); the only county of its
            // database is "the county", as it always was.
            let county = s.area.districts == nil ? nil : s.area.name
            return l == .en ? "Work summary \(y): \(county ?? "the county's schools")" : "\(county ?? "")\(y)年度教育工作总结"
        }
        return l == .en ? "Work summary \(y): \(s.area.name)" : "\(s.area.name)\(y)年度工作总结"
    }

    /// A section of a summary as its documents write it: heading, text, tables.
    public struct DocumentSection: Sendable {
        public let title: String
        public let text: String
        public let tables: [Table]
    }

    /// The year's summary's sections, its comparison with the year before as a last section.
    static func documentSections(_ s: ReportsService.Summary, _ l: UILocale) -> [DocumentSection] {
        let tables = tables(s.figures, l)
        var out = s.sections.map { DocumentSection(title: $0.title, text: $0.text, tables: tables[$0.key] ?? []) }
        if let c = comparison(s, l) { out.append(DocumentSection(title: c.title, text: "", tables: [Table(title: "", header: c.header, rows: c.rows)])) }
        return out
    }

    /// Any summary as `.docx` (the year's, the certification office's, a batch's): title, each
    /// section's heading, text and tables, the signature lines.
    public static func docx(title: String, sections: [DocumentSection], signature: [String]) throws -> Data {
        var blocks: [DocxDocument.Block] = [.title(title)]
        for sec in sections {
            blocks.append(.heading(sec.title, level: 1))
            if !sec.text.isEmpty { blocks.append(.paragraph(sec.text)) }
            for t in sec.tables where !t.rows.isEmpty {
                if !t.title.isEmpty { blocks.append(.paragraph(t.title)) }
                blocks.append(.table(header: t.header, rows: t.rows))
            }
        }
        blocks.append(.signature(lines: signature))
        return try DocxWriter.write(DocxDocument(title: title, header: title, blocks: blocks))
    }

    /// Every table of any summary, one after another on one sheet, each under its section's and
    /// its own title.
    public static func xlsx(title: String, sections: [DocumentSection], sheetName: String) throws -> Data {
        var rows: [[String]] = [[title]]
        for sec in sections {
            for t in sec.tables {
                rows.append([])
                rows.append([t.title.isEmpty ? sec.title : sec.title + " · " + t.title])
                rows.append(t.header)
                rows.append(contentsOf: t.rows)
            }
        }
        return try XLSXWriter.write(SheetTable(rows: rows), sheetName: sheetName)
    }

    public static func docx(_ s: ReportsService.Summary, _ l: UILocale) throws -> Data {
        try docx(
            title: title(s, l), sections: documentSections(s, l),
            signature: l == .en ? ["The education bureau", "Date:"] : ["县教育局（盖章）", "\(s.figures.year)年　　月　　日"])
    }

    public static func xlsx(_ s: ReportsService.Summary, _ l: UILocale) throws -> Data {
        try xlsx(title: title(s, l), sections: documentSections(s, l), sheetName: l == .en ? "Summary" : "年度总结")
    }

    /// A table of a summary's page, with its caption.
    static func writeTable(_ t: Table, to w: inout HTMLWriter) {
        w.raw("<div class=\"table-wrap\"><table class=\"data compact sheet\"><caption>")
        w.text(t.title)
        w.raw("</caption><thead><tr>")
        for h in t.header {
            w.raw("<th>")
            w.text(h)
            w.raw("</th>")
        }
        w.raw("</tr></thead><tbody>")
        for r in t.rows {
            w.raw("<tr>")
            for c in r {
                w.raw("<td>")
                w.text(c)
                w.raw("</td>")
            }
            w.raw("</tr>")
        }
        w.raw("</tbody></table></div>")
    }
}
