import Foundation
import Vapor
import XuequCore
import XuequKit

/// 跨县调动 (issue 30): the bureaus' page of transfers out and in, the release form on a
/// teacher, and the API.
public enum CountyTransferRoute: String, RouteName {
    public static let module = "countyTransfers"
    case list = "county-transfers"
    case release = "teachers/:id/county-transfer"
    case accept = "county-transfers/:id/accept"
    case refuse = "county-transfers/:id/refuse"
    case withdraw = "county-transfers/:id/withdraw"
}

public enum CountyTransferAPIRoute: String, RouteName {
    public static let module = "countyTransfersAPI"
    public static let prefix = "api/v1"
    case list = "county-transfers"
    case release = "teachers/:id/county-transfers"
    case accept = "county-transfers/:id/accept"
    case refuse = "county-transfers/:id/refuse"
    case withdraw = "county-transfers/:id/withdraw"
}

struct CountyTransfersWeb: Sendable {
    func register(pages r: any RoutesBuilder, api: any RoutesBuilder) {
        r.get(CountyTransferRoute.list, use: page)
        r.get(CountyTransferRoute.release, use: releaseForm)
        r.post(CountyTransferRoute.release, use: release)
        r.post(CountyTransferRoute.accept, use: accept)
        r.post(CountyTransferRoute.refuse, use: refuse)
        r.post(CountyTransferRoute.withdraw, use: withdraw)
        api.get(CountyTransferAPIRoute.list, use: list)
        api.post(CountyTransferAPIRoute.release, use: releaseAPI)
        api.post(CountyTransferAPIRoute.accept, use: acceptAPI)
        api.post(CountyTransferAPIRoute.refuse, use: refuseAPI)
        api.post(CountyTransferAPIRoute.withdraw, use: withdrawAPI)
    }

    static func tr(_ req: Request, _ zh: String, _ en: String) -> String { req.uiLocale == .en ? en : zh }

    // MARK: API

    struct DTO: Content {
        struct County: Content { let code: String; let name: String }
        let id: Int; let direction: String?; let teacherId: Int?; let teacherName: String
        let fromCounty: County; let toCounty: County; let fromSchool: String?; let toSchool: String?
        let onDate: String; let reason: String; let status: String; let note: String?
        init(_ v: CountyTransferView) {
            id = v.row.id; direction = v.direction
            // The teacher's id to the county that holds the teacher now.
            teacherId = (v.direction == "out" && v.row.status != "accepted") || (v.direction == "in" && v.row.status == "accepted") ? v.row.teacherId : nil
            teacherName = v.teacherName
            fromCounty = County(code: v.row.fromCounty, name: v.fromCountyName); toCounty = County(code: v.row.toCounty, name: v.toCountyName)
            fromSchool = v.fromSchoolName; toSchool = v.toSchoolName; onDate = v.row.onDate; reason = v.row.reason; status = v.row.status; note = v.row.note
        }
    }
    struct ListDTO: Content { let items: [DTO]; let total: Int }
    struct ReleaseBody: Content { let toCounty: String?; let onDate: String?; let reason: String?; let version: Int? }
    struct AcceptBody: Content { let toSchoolId: Int?; let stagePart: String? }
    struct NoteBody: Content { let note: String? }

    func list(req: Request) async throws -> ListDTO {
        let items = try await RegistryService(req).countyTransfers().map(DTO.init)
        return ListDTO(items: items, total: items.count)
    }

    func releaseAPI(req: Request) async throws -> Response {
        let b = try req.content.decode(ReleaseBody.self)
        let v = try await RegistryService(req).releaseToCounty(
            teacherId: try req.intParameter("id"), toCounty: b.toCounty, on: b.onDate, reason: b.reason, version: b.version)
        return try await DTO(v).encodeResponse(status: .created, for: req)
    }

    func acceptAPI(req: Request) async throws -> DTO {
        let b = try req.content.decode(AcceptBody.self)
        return DTO(try await RegistryService(req).acceptCountyTransfer(id: try req.intParameter("id"), toSchoolId: b.toSchoolId, stagePart: b.stagePart))
    }

    func refuseAPI(req: Request) async throws -> DTO {
        let b = try req.content.decode(NoteBody.self)
        return DTO(try await RegistryService(req).closeCountyTransfer(id: try req.intParameter("id"), refuse: true, note: b.note))
    }

    func withdrawAPI(req: Request) async throws -> DTO {
        DTO(try await RegistryService(req).closeCountyTransfer(id: try req.intParameter("id"), refuse: false, note: nil))
    }

    // MARK: pages

    static func statusLabel(_ req: Request, _ s: String) -> String {
        switch s {
        case "pending": tr(req, "待接收", "Waiting")
        case "accepted": tr(req, "已调入", "Received")
        case "refused": tr(req, "不予接收", "Refused")
        default: tr(req, "已撤回", "Withdrawn")
        }
    }

    func page(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let service = RegistryService(req)
        let items = try await service.countyTransfers()
        let acts = actor.oneCounty != nil && actor.can(.teachersWrite)
        let schools = acts && items.contains { $0.direction == "in" && $0.row.status == "pending" } ? try await Self.ownSchools(req) : []
        let title = Self.tr(req, "跨县调动", "Transfers between counties")
        var w = HTMLWriter(capacity: 4096 + items.count * 900)
        w.raw("<div class=\"page-head\"><h1>"); w.text(title); w.raw("</h1><p class=\"muted\">")
        w.text(
            Self.tr(
                req, "调出由本县教育局在教师页面办理，对方县教育局选择调入学校后生效；双方都能看到每一条记录。",
                "The sending bureau releases a teacher from the teacher's page; the move takes effect when the receiving bureau places them in a school. Both see every record."
            ))
        w.raw("</p></div><div class=\"table-wrap\"><table class=\"data\" id=\"county-transfers\"><thead><tr>")
        for h in [
            Self.tr(req, "教师", "Teacher"), Self.tr(req, "调出", "From"), Self.tr(req, "调入", "To"), Self.tr(req, "日期", "Date"),
            Self.tr(req, "原因", "Reason"), Self.tr(req, "状态", "Status"),
        ] {
            w.raw("<th>"); w.text(h); w.raw("</th>")
        }
        w.raw("</tr></thead><tbody>")
        for v in items {
            w.raw("<tr data-transfer=\""); w.text(v.row.id); w.raw("\" data-direction=\""); w.text(v.direction ?? ""); w.raw("\"><td class=\"nowrap\">")
            w.text(v.teacherName)
            w.raw("</td><td class=\"nowrap\">"); w.text(v.fromCountyName)
            if let s = v.fromSchoolName { w.raw("<br><span class=\"small muted\">"); w.text(s); w.raw("</span>") }
            w.raw("</td><td class=\"nowrap\">"); w.text(v.toCountyName)
            if let s = v.toSchoolName { w.raw("<br><span class=\"small muted\">"); w.text(s); w.raw("</span>") }
            w.raw("</td><td class=\"nowrap\">"); w.text(v.row.onDate); w.raw("</td><td>"); w.text(v.row.reason)
            w.raw("</td><td>"); w.raw(v.row.status == "pending" ? "<span class=\"badge warn\">" : "<span class=\"badge\">");
            w.text(Self.statusLabel(req, v.row.status)); w.raw("</span>")
            if let n = v.row.note { w.raw("<br><span class=\"small\">"); w.text(n); w.raw("</span>") }
            w.raw("</td></tr>")
            // What the county does next, on a row of its own under the transfer.
            if acts && v.row.status == "pending" && v.direction != nil {
                w.raw("<tr class=\"row-actions\"><td colspan=\"6\">")
                if v.direction == "in" {
                    w.raw("<form method=\"post\" class=\"inline-form\" action=\""); w.text(CountyTransferRoute.accept.path(v.row.id))
                    w.raw("\"><input type=\"hidden\" name=\"_csrf\" value=\""); w.text(req.csrfToken)
                    w.raw("\"><select name=\"toSchoolId\" required aria-label=\""); w.text(Self.tr(req, "调入学校", "School")); w.raw("\"><option value=\"\">")
                    w.text(Self.tr(req, "选择调入学校", "choose the school")); w.raw("</option>")
                    SelectOption.write(schools, to: &w)
                    w.raw("</select> <button type=\"submit\" class=\"primary\">"); w.text(Self.tr(req, "接收", "Receive")); w.raw("</button></form>")
                    w.raw("<form method=\"post\" class=\"inline-form\" action=\""); w.text(CountyTransferRoute.refuse.path(v.row.id))
                    w.raw("\"><input type=\"hidden\" name=\"_csrf\" value=\""); w.text(req.csrfToken)
                    w.raw("\"><input name=\"note\" required maxlength=\"200\" placeholder=\""); w.text(Self.tr(req, "不予接收的原因", "why not"));
                    w.raw("\"> <button type=\"submit\" class=\"button\">")
                    w.text(Self.tr(req, "不予接收", "Refuse")); w.raw("</button></form>")
                } else if v.direction == "out" {
                    w.raw("<form method=\"post\" class=\"inline-form\" action=\""); w.text(CountyTransferRoute.withdraw.path(v.row.id))
                    w.raw("\"><input type=\"hidden\" name=\"_csrf\" value=\""); w.text(req.csrfToken)
                    w.raw("\"><button type=\"submit\" class=\"button\">"); w.text(Self.tr(req, "撤回调出", "Withdraw")); w.raw("</button></form>")
                }
                w.raw("</td></tr>")
            }
        }
        w.raw("</tbody></table></div>")
        if items.isEmpty { w.raw("<p class=\"empty\">"); w.text(Self.tr(req, "暂无跨县调动。", "No transfers between counties.")); w.raw("</p>") }
        return req.page(req.layout("nav.teachers", title: title), content: w.html)
    }

    /// The county's active schools, code first, for the receiving form.
    static func ownSchools(_ req: Request) async throws -> [SelectOption] {
        let service = RegistryService(req)
        let filter = SchoolFilter(status: .active, sort: "district")
        var page = 1, all: [SchoolListRow] = []
        while true {
            let p = try await service.schools(filter: filter, page: PageSpec(page: page, per: 200))
            all += p.items
            if all.count >= p.total || p.items.isEmpty || page >= 20 { break }
            page += 1
        }
        return all.map { SelectOption(value: String($0.id), label: "\($0.code) \($0.name)（\($0.districtName)）", selected: false) }
    }

    /// The forms are a county's bureau's among several: 403 before anything is looked up for
    /// anyone else (the bureau of a database of one county has no other county to deal with).
    static func requireActing(_ req: Request) throws {
        let actor = try req.requireActor()
        try actor.require(.teachersWrite)
        guard actor.oneCounty != nil else { throw DomainError.forbidden }
    }

    func releaseForm(req: Request) async throws -> Response {
        try Self.requireActing(req)
        let t = try await RegistryService(req).teacher(id: try req.intParameter("id"))
        return try await releasePage(req, t, values: ["onDate": req.context.today.description, "version": String(t.version)], errors: [:])
    }

    func releasePage(_ req: Request, _ t: TeacherRow, values: [String: String], errors: [String: String], status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.teachersWrite)
        guard let own = actor.oneCounty else { throw DomainError.forbidden }
        let areas = try await AreaStore.all(on: req.db)
        let cities = Dictionary(uniqueKeysWithValues: areas.filter { $0.levelValue == .city }.map { ($0.code, $0.name) })
        let counties = areas.filter { $0.levelValue == .county && $0.code != own.code }
        let title = Self.tr(req, "调往外县：\(t.name)", "Release to another county: \(t.name)")
        var w = HTMLWriter(capacity: 4096 + counties.count * 80)
        w.raw("<nav class=\"crumbs\"><a href=\""); w.text(RegistryRoute.teacher.path(t.id)); w.raw("\">"); w.text(t.name); w.raw("</a> › ")
        w.text(Self.tr(req, "调往外县", "Release to another county")); w.raw("</nav><div class=\"page-head\"><h1>"); w.text(title);
        w.raw("</h1><p class=\"muted\">")
        w.text((t.schoolName ?? "") + " · " + Self.tr(req, "本校任教起始 ", "at this school since ") + t.schoolSince)
        w.raw("</p></div>")
        if let e = errors["_"] { w.raw("<div class=\"flash err\" role=\"alert\">"); w.text(e); w.raw("</div>") }
        w.raw("<section class=\"card\"><p class=\"small muted\">")
        w.text(
            Self.tr(
                req, "教师在对方县教育局选定调入学校后才调出本县；在此之前可以撤回。",
                "The teacher leaves the county when the other county's bureau places them in a school; until then the release can be withdrawn."))
        w.raw("</p><form method=\"post\" class=\"stack narrow\" id=\"county-out-form\" action=\""); w.text(CountyTransferRoute.release.path(t.id))
        w.raw("\"><input type=\"hidden\" name=\"_csrf\" value=\""); w.text(req.csrfToken); w.raw("\"><input type=\"hidden\" name=\"version\" value=\"");
        w.text(values["version"] ?? "")
        w.raw("\"><label>"); w.text(Self.tr(req, "调入的县（市、区）", "County")); w.raw("<select name=\"toCounty\" required data-filter><option value=\"\">—</option>")
        SelectOption.write(
            counties.map { c in
                SelectOption(
                    value: c.code, label: (c.parentCode.flatMap { cities[$0] }.map { $0 + " " } ?? "") + c.name, selected: c.code == values["toCounty"])
            }, to: &w)
        w.raw("</select></label>")
        for (field, label, input) in [
            ("toCounty", "", ""),
            ("onDate", Self.tr(req, "调动日期", "Date"), "<input type=\"date\" name=\"onDate\" required value=\""),
            ("reason", Self.tr(req, "调动原因", "Reason"), "<input name=\"reason\" required maxlength=\"200\" value=\""),
        ] {
            if !label.isEmpty { w.raw("<label>"); w.text(label); w.raw(input); w.text(values[field] ?? ""); w.raw("\"></label>") }
            if let e = errors[field] { w.raw("<p class=\"field-error\" id=\"err-"); w.raw(field); w.raw("\">"); w.text(e); w.raw("</p>") }
        }
        w.raw("<div class=\"actions\"><button type=\"submit\" class=\"primary\" id=\"county-out-submit\">"); w.text(Self.tr(req, "调出", "Release"))
        w.raw("</button><a class=\"button\" href=\""); w.text(RegistryRoute.teacher.path(t.id)); w.raw("\">"); w.label("form.cancel", req.uiLocale);
        w.raw("</a></div></form></section>")
        return req.page(req.layout("nav.teachers", title: title), status: status, content: w.html)
    }

    struct ReleaseForm: Content { let toCounty: String?; let onDate: String?; let reason: String?; let version: String? }

    func release(req: Request) async throws -> Response {
        try Self.requireActing(req)
        let service = RegistryService(req)
        let t = try await service.teacher(id: try req.intParameter("id"))
        let f = try req.content.decode(ReleaseForm.self)
        do {
            let v = try await service.releaseToCounty(
                teacherId: t.id, toCounty: f.toCounty, on: f.onDate, reason: f.reason, version: f.version.flatMap { Int($0) })
            return req.redirect(
                to: CountyTransferRoute.list.path(), flash: Self.tr(req, "已办理调出，待\(v.toCountyName)接收", "Released; waiting for \(v.toCountyName)"))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            let values = ["toCounty": f.toCounty ?? "", "onDate": f.onDate ?? "", "reason": f.reason ?? "", "version": f.version ?? ""]
            return try await releasePage(req, t, values: values, errors: e.fieldMessages(req.uiLocale), status: e.formStatus)
        }
    }

    struct AcceptForm: Content { let toSchoolId: String?; let stagePart: String? }
    struct NoteForm: Content { let note: String? }

    /// The list's forms: each answers with the list and a message (an error names what was wrong).
    func decided(_ req: Request, _ act: () async throws -> CountyTransferView, done: String) async throws -> Response {
        do {
            _ = try await act()
            return req.redirect(to: CountyTransferRoute.list.path(), flash: done)
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: CountyTransferRoute.list.path(), flash: e.summary(req.uiLocale), error: true)
        }
    }

    func accept(req: Request) async throws -> Response {
        try Self.requireActing(req)
        let f = try req.content.decode(AcceptForm.self)
        let id = try req.intParameter("id")
        return try await decided(
            req, { try await RegistryService(req).acceptCountyTransfer(id: id, toSchoolId: f.toSchoolId.flatMap { Int($0) }, stagePart: f.stagePart) },
            done: Self.tr(req, "已接收，教师已调入", "Received: the teacher has joined"))
    }

    func refuse(req: Request) async throws -> Response {
        try Self.requireActing(req)
        let f = try req.content.decode(NoteForm.self)
        let id = try req.intParameter("id")
        return try await decided(
            req, { try await RegistryService(req).closeCountyTransfer(id: id, refuse: true, note: f.note) }, done: Self.tr(req, "已不予接收", "Refused"))
    }

    func withdraw(req: Request) async throws -> Response {
        try Self.requireActing(req)
        let id = try req.intParameter("id")
        return try await decided(
            req, { try await RegistryService(req).closeCountyTransfer(id: id, refuse: false, note: nil) }, done: Self.tr(req, "已撤回", "Withdrawn"))
    }
}
