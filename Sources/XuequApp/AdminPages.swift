import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// The bureau admin's pages: accounts (create, role and scope, reset, unlock) and the audit log.
struct AdminPages {
    func register(_ r: any RoutesBuilder) {
        r.get(PlatformRoute.users, use: users)
        r.get(PlatformRoute.userNew, use: newUser)
        r.post(PlatformRoute.userNew, use: createUser)
        r.get(PlatformRoute.user, use: editUser)
        r.post(PlatformRoute.user, use: updateUser)
        r.post(PlatformRoute.userReset, use: resetPassword)
        r.get(PlatformRoute.audit, use: audit)
    }

    struct UserItem: Encodable, Sendable {
        let id: Int; let username: String; let displayName: String; let role: String; let scope: String; let active: Bool; let locked: Bool
    }

    struct UsersPage: Encodable, Sendable {
        let layout: Layout
        let users: [UserItem]
        let pager: Pager
        let q: String
        let roles: [SelectOption]
        let lockedOnly: Bool
    }

    /// The account list's scope column: the county, or the name a module gives the scope.
    func scopeLabel(_ u: UserRow, names: [AccountScope: String], locale: UILocale) -> String {
        if u.roleValue.scopeKind == .county { return L10n.text("home.scope.county", locale) }
        return names[AccountScope(districtId: u.districtId, schoolId: u.schoolId, teacherId: u.teacherId)] ?? "-"
    }

    func users(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.usersManage)
        let page = try PageSpec(page: req.query[Int?.self, at: "page"] ?? nil, per: 50)
        let q = (req.query[String.self, at: "q"] ?? "").trimmingCharacters(in: .whitespaces)
        let role = req.query[String.self, at: "role"].flatMap(Role.init(rawValue:))
        let lockedOnly = req.query[String.self, at: "locked"] == "1"
        let now = req.application.clock.now().timeIntervalSince1970
        var conds: [SQLQueryString] = ["1 = 1"]
        if !q.isEmpty { conds.append("(username LIKE \(bind: "%" + q + "%") OR display_name LIKE \(bind: "%" + q + "%"))") }
        if let role { conds.append("role = \(bind: role.rawValue)") }
        if lockedOnly { conds.append("locked_until > \(bind: now)") }
        if let c = actor.oneCounty { conds.append("(" + Audit.countyAccounts(c) + ")") }
        var whereSQL: SQLQueryString = "WHERE "
        for (i, c) in conds.enumerated() { whereSQL = i == 0 ? whereSQL + c : whereSQL + " AND " + c }
        struct N: Decodable { let n: Int }
        let total = try await req.db.sql.raw("SELECT COUNT(*) AS n FROM users " + whereSQL).first(decoding: N.self)?.n ?? 0
        let rows = try await req.db.sql.raw("SELECT id, username, password_hash, display_name, role, district_id, school_id, teacher_id, locale, active, failed_logins, locked_until, created_at, must_change_password FROM users " + whereSQL + " ORDER BY id LIMIT \(bind: page.per) OFFSET \(bind: page.offset)")
            .all(decoding: UserRow.self, with: SQLRowDecoder.snakeCase)
        let scopes = Array(Set(rows.map { AccountScope(districtId: $0.districtId, schoolId: $0.schoolId, teacherId: $0.teacherId) }))
        var names: [AccountScope: String] = [:]
        for m in req.application.modules { names.merge(try await m.accountScopeNames(scopes, on: req.db)) { a, _ in a } }
        let locale = req.uiLocale
        let items = rows.map { u in
            UserItem(id: u.id, username: u.username, displayName: u.displayName, role: u.roleValue.label(locale),
                     scope: scopeLabel(u, names: names, locale: locale), active: u.active, locked: (u.lockedUntil ?? 0) > now)
        }
        let result = PageResult(items: items, total: total, request: page)
        return try await req.page("admin/users", UsersPage(layout: req.layout("nav.users"), users: items, pager: Pager(result, req: req), q: q,
                                                          roles: (actor.oneCounty == nil ? Role.allCases : Self.roles(for: actor)).map { SelectOption(value: $0.rawValue, label: $0.label(locale), selected: $0 == role) },
                                                          lockedOnly: lockedOnly))
    }

    struct UserForm: Encodable, Sendable {
        let layout: Layout
        let action: String
        let isNew: Bool
        let values: [String: String]
        let errors: [String: String]
        /// The account's own address, when the page answers the form that created it.
        let canonical: String?
        let roles: [SelectOption]
        let districts: [SelectOption]
        let newPassword: String?
        let userId: Int?
        let locked: Bool
    }

    struct UserBody: Content {
        // Browser forms send "" for an empty select: numbers arrive as text.
        let username: String?; let displayName: String?; let role: String?; let districtIdText: String?; let schoolCode: String?; let teacherResidentId: String?; let active: String?
        enum CodingKeys: String, CodingKey { case username, displayName, role, districtIdText = "districtId", schoolCode, teacherResidentId, active }
        var districtId: Int? { districtIdText.flatMap { Int($0) } }
    }

    /// The account form. An existing account's page is titled with its name (the crumbs read
    /// 账户 › 张三（zhang）); a page answering the creation says so. A page showing a new password
    /// (creation, reset) shows the account's own address (`canonical`): a reload does not post again.
    func form(req: Request, action: String, isNew: Bool, values: [String: String], errors: [String: String], newPassword: String? = nil, userId: Int? = nil, locked: Bool = false, created: Bool = false, status: HTTPStatus = .ok) async throws -> Response {
        let locale = req.uiLocale
        var options: [String: [SelectOption]] = [:]
        for m in req.application.modules { options.merge(try await m.accountScopeOptions(on: req.db)) { a, _ in a } }
        let actor = try req.requireActor()
        // A county's bureau among several chooses among its own districts.
        if let c = actor.oneCounty { options["districtId"] = options["districtId"]?.filter { Int($0.value).map(c.districts.contains) ?? false } }
        let name = "\(values["displayName"] ?? "")（\(values["username"] ?? "")）"
        let layout = isNew ? req.layout("user.new") : req.layout("user.edit", title: created ? L10n.text("user.created", locale) + name : name)
        return try await req.page("admin/user_form", UserForm(
            layout: layout, action: action, isNew: isNew, values: values, errors: errors, canonical: newPassword != nil ? userId.map { PlatformRoute.user.path($0) } : nil,
            roles: Self.roles(for: actor).map { SelectOption(value: $0.rawValue, label: $0.label(locale), selected: $0.rawValue == values["role"]) },
            districts: (options["districtId"] ?? []).map { SelectOption(value: $0.value, label: $0.label, selected: $0.value == values["districtId"]) },
            newPassword: newPassword, userId: userId, locked: locked), status: status)
    }

    func newUser(req: Request) async throws -> Response {
        try req.requireActor().require(.usersManage)
        return try await form(req: req, action: PlatformRoute.userNew.path(), isNew: true, values: ["role": "school_admin", "active": "on"], errors: [:])
    }

    /// The roles an actor gives accounts: never a city's or province's; a county's bureau among
    /// several only its county's (bureau, certifying body, district, school, teacher, and the
    /// internship's supervisors and interns, bound to the county), since an applicant's or the
    /// prefecture's account belongs to no one county.
    static func roles(for actor: Actor) -> [Role] {
        Role.allCases.filter { r in
            switch r.scopeKind {
            case .city, .province: false
            case .county, .certifyingBody, .district, .school, .teacher, .supervisor, .intern: true
            default: actor.oneCounty == nil
            }
        }
    }

    /// Resolves role + scope inputs to scope ids through the module that owns the role's scope;
    /// every role gets exactly the scope it needs.
    func resolveScope(_ b: UserBody, req: Request) async throws -> (role: Role, districtId: Int?, schoolId: Int?, teacherId: Int?, areaCode: String?) {
        guard let role = b.role.flatMap(Role.init(rawValue:)) else { throw DomainError.validation(["role": LocalizedText(zh: "请选择角色", en: "choose a role")]) }
        let actor = try req.requireActor()
        if !Self.roles(for: actor).contains(role), role.scopeKind != .city, role.scopeKind != .province {
            throw DomainError.validation(["role": LocalizedText(zh: "申请人和地市级认定机构的账户不属于某一个县，不由县教育局设置",
                                                                en: "applicants' and the prefecture's accounts belong to no one county: not the county's to make")])
        }
        // A county's bureau makes its county's accounts; a city's or province's are not its to make.
        let areaCode: String?
        switch role.scopeKind {
        case .city, .province:
            throw DomainError.validation(["role": LocalizedText(zh: "市、省教育行政部门的账户不由县教育局设置", en: "a city's or province's accounts are not the county's to make")])
        case .county, .certifyingBody: areaCode = try req.requireActor().areaCode
        case .prefectureBody: areaCode = try req.requireActor().areaCode.map { String($0.prefix(4)) + "00" }
        // A county's bureau among several binds its supervisors and interns to its county.
        case .supervisor, .intern: areaCode = actor.oneCounty?.code
        default: areaCode = nil
        }
        var e = FieldErrors()
        var scope = AccountScope()
        for m in req.application.modules {
            if let s = try await m.accountScope(for: role, fields: Self.values(b), errors: &e, on: req.db) { scope = s; break }
        }
        try e.throwIfAny()
        // A district, school or teacher of another county is not this bureau's to give an account.
        if let c = actor.oneCounty, let d = scope.districtId, !c.districts.contains(d) {
            let field = role.scopeKind == .school ? "schoolCode" : role.scopeKind == .teacher ? "teacherResidentId" : "districtId"
            throw DomainError.validation([field: LocalizedText(zh: "不在本县", en: "not in this county")])
        }
        return (role, scope.districtId, scope.schoolId, scope.teacherId, areaCode)
    }

    static func values(_ b: UserBody) -> [String: String] {
        ["username": b.username ?? "", "displayName": b.displayName ?? "", "role": b.role ?? "", "districtId": b.districtId.map(String.init) ?? "",
         "schoolCode": b.schoolCode ?? "", "teacherResidentId": b.teacherResidentId ?? "", "active": b.active ?? ""]
    }

    func createUser(req: Request) async throws -> Response {
        try req.requireActor().require(.usersManage)
        let b = try req.content.decode(UserBody.self)
        let locale = req.uiLocale
        do {
            let username = (b.username ?? "").trimmingCharacters(in: .whitespaces)
            let displayName = (b.displayName ?? "").trimmingCharacters(in: .whitespaces)
            var e = FieldErrors()
            if username.count < 3 || username.count > 32 || !username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) {
                e.add("username", "用户名为3–32位字母、数字或 . _ -", "username: 3–32 letters, digits or . _ -")
            }
            if displayName.isEmpty || displayName.count > 40 { e.add("displayName", "姓名不能为空，最长40字", "name is required, at most 40 characters") }
            try e.throwIfAny()
            let scope = try await resolveScope(b, req: req)
            let password = Accounts.randomPassword()
            let hash = try await Accounts.hashPassword(password, app: req.application)
            let ctx = req.auditContext, now = req.application.clock.now()
            let id = try await req.write { tx -> Int in
                if try await Accounts.user(username: username, on: tx) != nil {
                    throw DomainError(.conflict, code: "duplicate_username", LocalizedText(zh: "用户名已存在", en: "username exists"), fields: ["username": LocalizedText(zh: "用户名已存在", en: "username exists")])
                }
                let id = try await Accounts.insertUser(.init(username: username, displayName: displayName, role: scope.role, districtId: scope.districtId, schoolId: scope.schoolId, teacherId: scope.teacherId, areaCode: scope.areaCode), passwordHash: hash, on: tx, now: now, oneTimePassword: true)
                try await Audit.record(on: tx, ctx, action: "user.create", entity: "user", entityId: String(id), summary: "\(Masking.username(username))，角色 \(scope.role.zh)")
                return id
            }
            var values = Self.values(b)
            values["username"] = username
            values["displayName"] = displayName
            return try await form(req: req, action: PlatformRoute.user.path(id), isNew: false, values: values, errors: [:], newPassword: password, userId: id, created: true)
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return try await form(req: req, action: PlatformRoute.userNew.path(), isNew: true, values: Self.values(b), errors: e.fields.mapValues { $0(locale) }, status: .unprocessableEntity)
        }
    }

    func loadUser(_ req: Request) async throws -> UserRow {
        let actor = try req.requireActor()
        try actor.require(.usersManage)
        guard let id = req.parameters.get("id", as: Int.self), let u = try await Accounts.user(id: id, on: req.db), Self.holds(actor, u) else {
            throw DomainError.notFound(LocalizedText(zh: "账户", en: "account"))
        }
        return u
    }

    /// Whether the account is the actor's to manage: any for a database's only bureau; for a
    /// county's bureau among several, one bound to its county or to one of its districts.
    static func holds(_ actor: Actor, _ u: UserRow) -> Bool {
        guard let c = actor.oneCounty else { return true }
        return u.areaCode == c.code || (u.districtId.map(c.districts.contains) ?? false)
    }

    func userValues(_ u: UserRow, req: Request) async throws -> [String: String] {
        var out = ["username": u.username, "displayName": u.displayName, "role": u.role, "active": u.active ? "on" : ""]
        let scope = AccountScope(districtId: u.districtId, schoolId: u.schoolId, teacherId: u.teacherId)
        for m in req.application.modules { out.merge(try await m.accountScopeFields(scope, on: req.db)) { a, _ in a } }
        return out
    }

    func editUser(req: Request) async throws -> Response {
        let u = try await loadUser(req)
        let locked = (u.lockedUntil ?? 0) > req.application.clock.now().timeIntervalSince1970
        return try await form(req: req, action: PlatformRoute.user.path(u.id), isNew: false, values: try await userValues(u, req: req), errors: [:], userId: u.id, locked: locked)
    }

    func updateUser(req: Request) async throws -> Response {
        let u = try await loadUser(req)
        let b = try req.content.decode(UserBody.self)
        let actor = try req.requireActor()
        do {
            let displayName = (b.displayName ?? "").trimmingCharacters(in: .whitespaces)
            if displayName.isEmpty || displayName.count > 40 { throw DomainError.validation(["displayName": LocalizedText(zh: "姓名不能为空，最长40字", en: "name is required, at most 40 characters")]) }
            let scope = try await resolveScope(b, req: req)
            let active = b.active == "on"
            if u.id == actor.userId && (!active || !req.application.grants.permissions(of: scope.role).contains(.usersManage)) {
                throw DomainError.validation(["role": LocalizedText(zh: "不能停用自己的账户或取消自己的管理员角色", en: "you cannot deactivate yourself or drop your own admin role")])
            }
            let ctx = req.auditContext
            try await req.write { tx in
                try await tx.sql.raw("""
                    UPDATE users SET display_name = \(bind: displayName), role = \(bind: scope.role.rawValue), district_id = \(bind: scope.districtId),
                      school_id = \(bind: scope.schoolId), teacher_id = \(bind: scope.teacherId), area_code = \(bind: scope.areaCode), active = \(bind: active) WHERE id = \(bind: u.id)
                    """).run()
                // A changed role or scope takes effect at once: old sessions end.
                if scope.role.rawValue != u.role || scope.districtId != u.districtId || scope.schoolId != u.schoolId || !active {
                    try await tx.sql.raw("DELETE FROM sessions WHERE user_id = \(bind: u.id)").run()
                    try await tx.sql.raw("DELETE FROM api_tokens WHERE user_id = \(bind: u.id)").run()
                }
                try await Audit.record(on: tx, ctx, action: "user.update", entity: "user", entityId: String(u.id),
                                       summary: "角色 \(Role(rawValue: u.role)?.zh ?? u.role) → \(scope.role.zh)，\(u.active ? "启用" : "停用") → \(active ? "启用" : "停用")")
            }
            return req.redirect(to: PlatformRoute.users.path(), flash: L10n.text("flash.saved", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid {
            return try await form(req: req, action: PlatformRoute.user.path(u.id), isNew: false, values: Self.values(b), errors: e.fields.mapValues { $0(req.uiLocale) }, userId: u.id, status: .unprocessableEntity)
        }
    }

    /// A new random password, shown once; it also unlocks the account.
    func resetPassword(req: Request) async throws -> Response {
        let u = try await loadUser(req)
        let password = Accounts.randomPassword()
        let hash = try await Accounts.hashPassword(password, app: req.application)
        let ctx = req.auditContext
        try await req.write { tx in
            try await Accounts.setPassword(userId: u.id, hash: hash, on: tx, oneTime: true)
            try await Audit.record(on: tx, ctx, action: "user.password_reset", entity: "user", entityId: String(u.id), summary: "管理员重置了密码")
        }
        return try await form(req: req, action: PlatformRoute.user.path(u.id), isNew: false, values: try await userValues(u, req: req), errors: [:], newPassword: password, userId: u.id)
    }

    struct AuditRow: Encodable, Sendable { let id: Int; let time: String; let sentence: String; let detail: String; let area: String; let address: String; let requestId: String }
    struct ActionGroup: Encodable, Sendable { let label: String; let options: [SelectOption] }
    struct AuditPage: Encodable, Sendable {
        let layout: Layout
        let entries: [AuditRow]
        let pager: Pager
        let actors: [SelectOption]
        let areas: [SelectOption]
        let actions: [ActionGroup]
        let from: String
        let to: String
        let export: String
        let total: Int
        let capped: Bool
    }

    /// One audit row in the reader's words.
    static func row(_ e: AuditEntry, areas: [AuditArea], locale: UILocale, person: (String) -> String) -> AuditRow {
        let v = AuditView(e)
        return AuditRow(id: e.id, time: v.localTime, sentence: AuditWords.sentence(e, areas: areas, locale: locale, actor: person(e.actorName)), detail: AuditWords.detail(e, locale: locale),
                        area: AuditWords.area(of: e.action, areas: areas).map { locale == .en ? $0.label.en : $0.label.zh } ?? "", address: e.address, requestId: e.requestId)
    }

    func audit(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.auditRead)
        let q = (try? req.query.decode([String: String].self)) ?? [:]
        let areas = req.application.auditAreas
        let locale = req.uiLocale
        for key in ["from", "to"] where !(q[key] ?? "").isEmpty && CivilDate(parsing: q[key]!) == nil {
            throw DomainError.validation([key: LocalizedText(zh: "日期格式为 YYYY-MM-DD", en: "dates are YYYY-MM-DD")])
        }
        let area = areas.first { $0.key == q["area"] }
        let f = Audit.Filter(actor: q["actor"], action: q["action"], entity: q["entity"], from: q["from"], to: q["to"], prefixes: area?.prefixes, county: actor.oneCounty)
        if q["format"] == "xlsx" {
            var table: [[String]] = [[L10n.text("audit.atLocal", locale), L10n.text("audit.actor", locale), L10n.text("audit.what", locale), L10n.text("audit.area", locale),
                                      L10n.text("audit.summary", locale), L10n.text("audit.address", locale), L10n.text("error.requestId", locale)]]
            var page = 1
            while table.count <= 10_000 {
                let result = try await Audit.list(on: req.db, filter: f, page: PageSpec(page: page, per: PageSpec.maxPer))
                let person = try await Accounts.people(result.items.map(\.actorName), on: req.db, locale: locale)
                for e in result.items {
                    let r = Self.row(e, areas: areas, locale: locale, person: person)
                    table.append([r.time, e.actorName, r.sentence, r.area, r.detail, r.address, r.requestId])
                }
                if result.isLast { break }
                page += 1
            }
            let data = try Spreadsheet.write(SheetTable(rows: table), format: .xlsx, sheetName: locale == .en ? "Audit log" : "操作记录")
            let res = Response(status: .ok, body: .init(data: data))
            res.headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"audit.xlsx\"; filename*=UTF-8''\("操作记录.xlsx".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
            return res
        }
        let result = try await Audit.list(on: req.db, filter: f, page: PageSpec(page: Int(q["page"] ?? ""), per: 50))
        let all = L10n.text("audit.all", locale)
        let names: [String]
        if let c = actor.oneCounty { names = try await Audit.countyActorNames(c, on: req.db) } else { names = try await Audit.actorNames(on: req.db) }
        let person = try await Accounts.people(names + result.items.map(\.actorName), on: req.db, locale: locale)
        // Each choice by name, with the username beside it (two people may share a name).
        let actors = [SelectOption(value: "", label: all, selected: (q["actor"] ?? "").isEmpty)]
            + names.map { SelectOption(value: $0, label: person($0) == $0 ? $0 : "\(person($0))（\($0)）", selected: $0 == q["actor"]) }
        let areaOptions = [SelectOption(value: "", label: all, selected: area == nil)] + areas.map { SelectOption(value: $0.key, label: locale == .en ? $0.label.en : $0.label.zh, selected: $0.key == area?.key) }
        let actionGroups = areas.map { a in
            ActionGroup(label: locale == .en ? a.label.en : a.label.zh,
                        options: a.phrases.sorted { $0.key < $1.key }.map { SelectOption(value: $0.key, label: locale == .en ? $0.value.en : $0.value.zh, selected: $0.key == q["action"]) })
        }
        var query = q; query["page"] = nil; query["format"] = "xlsx"
        let export = PlatformRoute.audit.path() + "?" + query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        let page = AuditPage(
            layout: req.layout("nav.audit"), entries: result.items.map { Self.row($0, areas: areas, locale: locale, person: person) }, pager: Pager(result, req: req),
            actors: actors, areas: areaOptions, actions: [ActionGroup(label: "", options: [SelectOption(value: "", label: all, selected: (q["action"] ?? "").isEmpty)])] + actionGroups,
            from: q["from"] ?? "", to: q["to"] ?? "", export: export, total: result.total, capped: result.capped)
        return req.page(page.layout, content: Self.writeAudit(page, locale: locale))
    }

    /// The audit log, written in Swift: Leaf's loops over its rows and the few hundred kinds of
    /// entry in the filter were half the page's CPU (`perf`, issue 34). The markup is the one
    /// `audit.leaf` wrote (the `audit` and `audit-en` page snapshots hold it).
    static func writeAudit(_ p: AuditPage, locale: UILocale) -> String {
        var w = HTMLWriter(capacity: 16_384 + p.entries.count * 400)
        func t(_ key: String) { w.label(key, locale) }
        func select(_ name: String, label: String, _ options: [SelectOption]) {
            w.raw("\n  <label>")
            t(label)
            w.raw("<select name=\"\(name)\">")
            SelectOption.write(options, to: &w)
            w.raw("</select></label>")
        }
        w.raw("\n<div class=\"page-head row\"><div><h1>")
        t("nav.audit")
        w.raw("</h1><p class=\"muted\">")
        t("audit.intro")
        w.raw("</p></div><div class=\"actions no-print\"><a class=\"button\" href=\"")
        w.text(p.export)
        w.raw("\" id=\"audit-export\">")
        t("audit.export")
        w.raw("</a></div></div>\n<form class=\"filters\" method=\"get\" action=\"\(PlatformRoute.audit.path())\" role=\"search\" id=\"audit-filter\">")
        select("actor", label: "audit.actor", p.actors)
        select("area", label: "audit.area", p.areas)
        w.raw("\n  <label>")
        t("audit.what")
        w.raw("<select name=\"action\">")
        for g in p.actions {
            if g.label.isEmpty {
                SelectOption.write(g.options, to: &w)
            } else {
                w.raw("<optgroup label=\"")
                w.text(g.label)
                w.raw("\">")
                SelectOption.write(g.options, to: &w)
                w.raw("</optgroup>")
            }
        }
        w.raw("</select></label>\n  <label>")
        t("audit.from")
        w.raw("<input type=\"date\" name=\"from\" value=\"")
        w.text(p.from)
        w.raw("\"></label>\n  <label>")
        t("audit.to")
        w.raw("<input type=\"date\" name=\"to\" value=\"")
        w.text(p.to)
        w.raw("\"></label>\n  <button type=\"submit\" class=\"primary\">")
        t("list.filter")
        w.raw("</button>\n</form>\n<p class=\"muted small\">")
        w.text(L10n.fill(L10n.text(p.capped ? "audit.count.capped" : "audit.count", locale), [String(p.total)]))
        w.raw("</p>\n<div class=\"table-wrap\"><table class=\"data compact\" id=\"audit-list\">\n<thead><tr>")
        for key in ["audit.atLocal", "audit.what", "audit.summary", "audit.area", "audit.address"] {
            w.raw("<th>")
            t(key)
            w.raw("</th>")
        }
        w.raw("</tr></thead>\n<tbody>")
        let requestId = L10n.text("error.requestId", locale)
        for e in p.entries {
            w.raw("<tr><td class=\"nowrap\">")
            w.text(e.time)
            w.raw("</td><td class=\"sentence\">")
            w.text(e.sentence)
            w.raw("</td><td class=\"small\">")
            w.text(e.detail)
            w.raw("</td><td class=\"nowrap small\">")
            w.text(e.area)
            w.raw("</td><td class=\"small\" title=\"")
            w.text(requestId)
            w.raw("：")
            w.text(e.requestId)
            w.raw(" · #")
            w.text(e.id)
            w.raw("\">")
            w.text(e.address)
            w.raw("</td></tr>")
        }
        w.raw("</tbody>\n</table></div>\n")
        if p.entries.isEmpty {
            w.raw("<p class=\"empty\">")
            t("list.empty")
            w.raw("</p>")
        }
        w.raw("\n")
        p.pager.write(to: &w, locale: locale)
        w.raw("\n")
        return w.html
    }
}
