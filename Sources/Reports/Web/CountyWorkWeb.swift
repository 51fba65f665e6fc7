import Balance
import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// `/reports/counties` (page, sortable, printable, `.xlsx`) and `/api/v1/reports/counties`: each
/// county's rotation, 支教, training and student teachers beside the others.
public enum CountyWorkRoute: String, RouteName {
    public static let module = "countyWork"
    case page = "reports/counties"
}

public enum CountyWorkAPIRoute: String, RouteName {
    public static let module = "countyWorkAPI"
    public static let prefix = "api/v1"
    case list = "reports/counties"
}

struct CountyWorkQuery {
    let year: Int?
    let under: String?
    let sort: String

    init(_ req: Request) throws {
        let q = RegistryAPI.Query(req)
        year = try q.int("year")
        under = try AreaStore.under(q.string("under"))
        sort = ["code", "rotation", "training"].contains(q.string("sort") ?? "") ? q.string("sort")! : "code"
    }

    func string(year y: Int, sort s: String? = nil) -> String {
        var items = ["year=\(y)", "sort=\(s ?? sort)"]
        if let under { items.append("under=\(under)") }
        return items.joined(separator: "&")
    }

    /// The least done first for the two shares; by code otherwise.
    func sorted(_ items: [CountyWork]) -> [CountyWork] {
        switch sort {
        case "rotation": items.sorted { ($0.rotationShare ?? 9, $0.code) < ($1.rotationShare ?? 9, $1.code) }
        case "training": items.sorted { ($0.trainedShare ?? 9, $0.code) < ($1.trainedShare ?? 9, $1.code) }
        default: items
        }
    }
}

public struct CountyWorkWeb: Sendable {
    public init() {}
    public func register(pages r: any RoutesBuilder, api: any RoutesBuilder) {
        r.get(CountyWorkRoute.page, use: page)
        api.get(CountyWorkAPIRoute.list, use: list)
    }

    struct ItemDTO: Content {
        let code: String; let name: String; let city: String?; let districts: Int
        let eligible: Int; let required: Int; let moved: Int; let districtsMeeting: Int; let support: Int; let supportToRural: Int
        let teachers: Int; let trained: Int; let interns: Int; let certApplied: Int; let certified: Int
    }
    struct ListDTO: Content {
        let year: Int; let under: String; let hoursRequired: Double; let items: [ItemDTO]
        let yearDefinition: String
    }

    func list(req: Request) async throws -> ListDTO {
        let q = try CountyWorkQuery(req)
        let c = try await ReportsService(req).countyWork(under: q.under, year: q.year)
        return ListDTO(
            year: c.year, under: c.under.code, hoursRequired: c.hoursRequired,
            items: q.sorted(c.items).map {
                ItemDTO(
                    code: $0.code, name: $0.name, city: $0.city, districts: $0.districts, eligible: $0.eligible, required: $0.required, moved: $0.moved,
                    districtsMeeting: $0.districtsMeeting, support: $0.support, supportToRural: $0.supportToRural, teachers: $0.teachers, trained: $0.trained,
                    interns: $0.interns, certApplied: $0.certApplied, certified: $0.certified)
            },
            yearDefinition: tr(
                req, "交流轮岗、支教：当年9月1日起的轮岗方案；培训学时、实习生：自然年；教师资格认定：当年截止的受理批次",
                "rotation and 支教: the plans from 1 September of the year; training and interns: the calendar year; certification: the windows closed in the year"
            ))
    }

    static func pct(_ v: Double?) -> String { v.map { String(format: "%.1f%%", $0 * 100) } ?? "—" }

    static func header(_ req: Request, showCity: Bool) -> [String] {
        (showCity ? [tr(req, "市", "City")] : []) + [
            tr(req, "县（市、区）", "County"), tr(req, "学区", "Districts"), tr(req, "应交流教师", "Due to rotate"), tr(req, "应交流（10%）", "Required (10%)"),
            tr(req, "已交流", "Rotated"), tr(req, "完成率", "Done"), tr(req, "达标学区", "Districts meeting the quota"), tr(req, "支教", "支教"),
            tr(req, "其中到乡村", "to rural schools"), tr(req, "教师", "Teachers"), tr(req, "完成培训学时", "Trained"), tr(req, "培训完成率", "Share trained"),
            tr(req, "实习生", "Student teachers"), tr(req, "认定申请", "Certification applications"), tr(req, "认定通过", "Certified"),
        ]
    }

    static func cells(_ c: CountyWork) -> [String] {
        [
            String(c.districts), String(c.eligible), String(c.required), String(c.moved), pct(c.rotationShare), "\(c.districtsMeeting) / \(c.districts)",
            String(c.support), String(c.supportToRural), String(c.teachers), String(c.trained), pct(c.trainedShare), String(c.interns),
            String(c.certApplied), String(c.certified),
        ]
    }

    func page(req: Request) async throws -> Response {
        let q = try CountyWorkQuery(req)
        let actor = try req.requireActor()
        let c = try await ReportsService(req).countyWork(under: q.under, year: q.year)
        let showCity = c.under.levelValue == .province
        let title = tr(req, "\(c.year)年\(c.under.name)各县工作对比", "\(c.under.name): the counties' work in \(c.year)")
        if RegistryAPI.Query(req).string("format") == "xlsx" {
            var rows = [Self.header(req, showCity: true) + [tr(req, "代码", "Code")]]
            for w in q.sorted(c.items) { rows.append([w.city ?? "", w.name] + Self.cells(w) + [w.code]) }
            let numeric = Set(2..<(rows[0].count - 1)).subtracting([6, 7, 12])
            return try RegistryPages.download(SheetTable(rows: rows), name: title, req: req, numericColumns: numeric)
        }
        guard case .counties(let scope) = actor.scope else { throw DomainError.forbidden }
        let unders = try await AreaStore.all(on: req.db).filter { $0.code == scope.code || ($0.levelValue == .city && $0.parentCode == scope.code) }
        let today = req.context.today.year
        var w = HTMLWriter(capacity: 8192 + c.items.count * 600)
        w.raw("<div class=\"page-head row no-print\"><div><h1>")
        w.text(title)
        w.raw("</h1><p class=\"muted small\">")
        w.text(
            tr(
                req,
                "交流轮岗与支教按\(c.year)年9月1日起的轮岗方案，应交流为符合条件教师的10%；培训学时按自然年，年度要求\(String(format: "%g", c.hoursRequired))学时；实习生为当年开始的实习批次；教师资格认定为各县认定机构当年截止的受理批次。均衡情况见各县均衡对比。",
                "Rotation and 支教 by the plans from 1 September \(c.year), the quota 10% of the due teachers; training by the calendar year, \(String(format: "%g", c.hoursRequired)) hours required; student teachers of the batches begun in the year; certification: each county body's windows closed in the year. Balance: the counties' balance comparison."
            ))
        w.raw("</p></div><div class=\"actions\"><button type=\"button\" class=\"button\" data-print>")
        w.text(tr(req, "打印", "Print"))
        w.raw("</button> <a class=\"button\" id=\"export\" href=\"")
        w.text(CountyWorkRoute.page.path() + "?" + q.string(year: c.year) + "&format=xlsx")
        w.raw("\">Excel</a> <a class=\"button\" href=\"")
        w.text(BalanceRoute.counties.path() + "?year=\(c.year)" + (q.under.map { "&under=\($0)" } ?? ""))
        w.raw("\">")
        w.text(tr(req, "各县均衡对比", "The counties' balance"))
        w.raw("</a></div></div><form method=\"get\" class=\"filters no-print\" action=\"")
        w.text(CountyWorkRoute.page.path())
        w.raw("\"><label>")
        w.text(tr(req, "年度", "Year"))
        w.raw("<select name=\"year\" data-autosubmit>")
        for yy in stride(from: today + 1, through: max(2000, today - 4), by: -1) {
            w.raw("<option value=\"\(yy)\"\(yy == c.year ? " selected" : "")>\(yy)</option>")
        }
        w.raw("</select></label>")
        if unders.count > 1 {
            w.raw("<label>")
            w.text(tr(req, "范围", "Area"))
            w.raw("<select name=\"under\" data-autosubmit>")
            SelectOption.write(unders.map { SelectOption(value: $0.code, label: $0.name, selected: $0.code == c.under.code) }, to: &w)
            w.raw("</select></label>")
        }
        w.raw("<input type=\"hidden\" name=\"sort\" value=\"")
        w.text(q.sort)
        w.raw("\"><noscript><button class=\"button\" type=\"submit\">")
        w.text(tr(req, "查看", "Show"))
        w.raw("</button></noscript></form><p class=\"no-print small\">")
        w.text(tr(req, "排序：", "Sort: "))
        for (key, label) in [
            ("code", tr(req, "按代码", "by code")), ("rotation", tr(req, "交流完成率低的在前", "least rotated first")),
            ("training", tr(req, "培训完成率低的在前", "least trained first")),
        ] {
            if key == q.sort {
                w.raw("<strong>")
                w.text(label)
                w.raw("</strong> ")
            } else {
                w.raw("<a href=\"")
                w.text(CountyWorkRoute.page.path() + "?" + q.string(year: c.year, sort: key))
                w.raw("\">")
                w.text(label)
                w.raw("</a> ")
            }
        }
        w.raw("</p><div class=\"table-wrap\"><table class=\"data compact sheet\" id=\"county-work\"><thead><tr><th class=\"num\">")
        w.text(tr(req, "序号", "No."))
        w.raw("</th>")
        for (i, h) in Self.header(req, showCity: showCity).enumerated() {
            w.raw(i < (showCity ? 2 : 1) ? "<th>" : "<th class=\"num\">")
            w.text(h)
            w.raw("</th>")
        }
        w.raw("</tr></thead><tbody>")
        var total = CountyWork(code: "", name: tr(req, "合计", "Total"), city: nil)
        for (k, item) in q.sorted(c.items).enumerated() {
            w.raw("<tr data-county=\"")
            w.text(item.code)
            w.raw("\"><td class=\"num\">")
            w.text(k + 1)
            w.raw("</td>")
            if showCity {
                w.raw("<td class=\"nowrap\">")
                w.text(item.city ?? "")
                w.raw("</td>")
            }
            w.raw("<td class=\"nowrap\"><a href=\"")
            w.text(BalanceRoute.dashboard.path() + "?year=\(c.year)&district=0&county=\(item.code)")
            w.raw("\">")
            w.text(item.name)
            w.raw("</a> <span class=\"code\">")
            w.text(item.code)
            w.raw("</span></td>")
            for (i, cell) in Self.cells(item).enumerated() {
                let bad = (i == 4 && (item.rotationShare ?? 1) < 1) || (i == 10 && (item.trainedShare ?? 1) < 0.9)
                w.raw(bad ? "<td class=\"num bad\">" : "<td class=\"num\">")
                w.text(cell)
                w.raw("</td>")
            }
            w.raw("</tr>")
            total.districts += item.districts; total.eligible += item.eligible; total.required += item.required; total.moved += item.moved
            total.districtsMeeting += item.districtsMeeting; total.support += item.support; total.supportToRural += item.supportToRural
            total.teachers += item.teachers; total.trained += item.trained; total.interns += item.interns
            total.certApplied += item.certApplied; total.certified += item.certified
        }
        w.raw("</tbody><tfoot><tr><td></td>")
        if showCity { w.raw("<td></td>") }
        w.raw("<td>")
        w.text(total.name)
        w.raw("</td>")
        for cell in Self.cells(total) {
            w.raw("<td class=\"num\">")
            w.text(cell)
            w.raw("</td>")
        }
        w.raw("</tr></tfoot></table></div>")
        if c.items.isEmpty {
            w.raw("<p class=\"empty\">")
            w.text(tr(req, "没有下属县（市、区）", "No counties below"))
            w.raw("</p>")
        }
        return req.page(req.layout("nav.countyWork", title: title), content: w.html)
    }
}
