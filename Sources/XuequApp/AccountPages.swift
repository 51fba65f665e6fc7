import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// Sign in and out, the home page, own password, interface language.
struct AccountPages {
    func registerPublic(_ r: any RoutesBuilder) {
        r.get(PlatformRoute.login, use: loginPage)
        r.post(PlatformRoute.login, use: login)
        r.post(PlatformRoute.language, use: setLanguage)
        r.get(PlatformRoute.printCSS, use: printCSS)
    }

    /// `@page` margin boxes for every printed page: the printing date (the county's today) on the
    /// left, "第 N 页，共 M 页" on the right. A stylesheet from this server, so the page's
    /// content-security policy allows it; it changes with the day and the language.
    func printCSS(req: Request) async throws -> Response {
        let locale = req.uiLocale
        let today = req.context.today.description
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "").replacingOccurrences(of: "\"", with: "") + "\"" }
        let date = quoted(L10n.text("print.date", locale, args: [today]))
        let pages = locale == .en ? "\"Page \" counter(page) \" of \" counter(pages)" : "\"第 \" counter(page) \" 页，共 \" counter(pages) \" 页\""
        let box = "font-size: 8pt; color: #555;"
        let css = """
            @page { @bottom-left { content: \(date); \(box) } @bottom-right { content: \(pages); \(box) } }
            @page landscape { size: A4 landscape; @bottom-left { content: \(date); \(box) } @bottom-right { content: \(pages); \(box) } }

            """
        let res = Response(status: .ok, body: .init(string: css))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"])
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=600")
        res.headers.replaceOrAdd(name: .vary, value: "Cookie, Accept-Language")
        return res
    }

    func register(_ r: any RoutesBuilder) {
        r.get(PlatformRoute.home, use: home)
        r.post(PlatformRoute.logout, use: logout)
        r.get(PlatformRoute.password, use: passwordPage)
        r.post(PlatformRoute.password, use: changePassword)
    }

    struct LoginPage: Encodable, Sendable {
        let layout: Layout
        let username: String
        let error: String?
        let next: String
    }

    static func safeNext(_ raw: String?) -> String {
        guard let raw, raw.hasPrefix("/"), !raw.hasPrefix("//"), !raw.contains("\\") else { return "/" }
        return raw
    }

    func loginPage(req: Request) async throws -> Response {
        if req.actor != nil { return req.redirect(to: PlatformRoute.home.path()) }
        return try await req.page("login", LoginPage(layout: req.layout("login.title"), username: "", error: nil, next: Self.safeNext(req.query[String.self, at: "next"])))
    }

    struct LoginForm: Content { let username: String?; let password: String?; let next: String? }

    func login(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let next = Self.safeNext(form.next)
        do {
            guard let u = form.username, !u.isEmpty, let p = form.password, !p.isEmpty else {
                throw DomainError(.unauthorized, code: "invalid_credentials", LocalizedText(zh: "请输入用户名和密码", en: "enter your username and password"))
            }
            let user = try await Accounts.authenticate(username: u, password: p, req: req)
            let (token, _) = try await Accounts.openSession(for: user, req: req)
            // A one-time password is replaced first; until then the account may do nothing else.
            let res = user.passwordChangeDue
                ? req.redirect(to: PlatformRoute.password.path(), flash: L10n.text("password.firstSignIn", req.uiLocale))
                : req.redirect(to: next)
            res.cookies[SessionCookie.name] = HTTPCookies.Value(string: token, path: "/", isSecure: req.application.security.secureCookies, isHTTPOnly: true, sameSite: .lax)
            return res
        } catch let e as DomainError where e.kind == .unauthorized || e.kind == .locked || e.kind == .tooManyRequests {
            let page = LoginPage(layout: req.layout("login.title"), username: form.username ?? "", error: e.message(req.uiLocale), next: next)
            let res = try await req.page("login", page, status: HTTPStatus(statusCode: e.kind.status))
            if let retry = e.retryAfter { res.headers.replaceOrAdd(name: .retryAfter, value: String(retry)) }
            return res
        }
    }

    func logout(req: Request) async throws -> Response {
        if let s = req.sessionInfo { try await Accounts.closeSession(id: s.id, req: req) }
        let res = req.redirect(to: PlatformRoute.login.path())
        res.cookies[SessionCookie.name] = .expired
        return res
    }

    struct LangForm: Content { let lang: String?; let back: String? }

    /// Switches the interface language; remembered on the account, or in a cookie before sign-in.
    func setLanguage(req: Request) async throws -> Response {
        let form = try req.content.decode(LangForm.self)
        let locale = UILocale(rawValue: form.lang ?? "zh") ?? .zh
        if let actor = req.actor {
            try await req.write { tx in
                try await tx.sql.raw("UPDATE users SET locale = \(bind: locale.rawValue) WHERE id = \(bind: actor.userId)").run()
            }
        }
        let res = req.redirect(to: Self.safeNext(form.back))
        res.cookies[SessionCookie.langCookie] = HTTPCookies.Value(string: locale.rawValue, maxAge: 365 * 24 * 3600, path: "/", isHTTPOnly: true, sameSite: .lax)
        return res
    }

    // MARK: home

    struct HomePage: Encodable, Sendable {
        let layout: Layout
        let scope: String
        let stats: [HomeStat]
        let tasks: [HomeTask]
        let recent: [AdminPages.AuditRow]
    }

    /// Every module's figures and tasks for this actor, then the latest audit entries for those
    /// who read the log.
    func home(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let locale = req.uiLocale
        let context = req.context
        var scope = actor.scope == .county ? L10n.text("home.scope.county", locale) : actor.role.label(locale)
        var stats: [HomeStat] = []
        var tasks: [HomeTask] = []
        for m in req.application.modules {
            let c = try await m.home(for: actor, context: context)
            if let s = c.scopeName { scope = s }
            stats += c.stats
            tasks += c.tasks
        }
        var recent: [AdminPages.AuditRow] = []
        if actor.can(.auditRead) {
            let entries = try await Audit.list(on: req.db, filter: Audit.Filter(county: actor.oneCounty), page: PageSpec(page: 1, per: 8), counting: false).items
            let person = try await Accounts.people(entries.map(\.actorName), on: req.db, locale: locale)
            recent = entries.map { AdminPages.row($0, areas: req.application.auditAreas, locale: locale, person: person) }
        }
        // "县教育局管理员 · 县教育局管理员" says nothing twice: the role only when it adds something.
        let role = actor.role.label(locale)
        let subtitle = scope == role ? scope : "\(scope) · \(role)"
        return try await req.page("home", HomePage(layout: req.layout("home.title"), scope: subtitle, stats: stats, tasks: tasks, recent: recent))
    }

    // MARK: password

    struct PasswordPage: Encodable, Sendable { let layout: Layout; let errors: [String: String]; let done: Bool }

    func passwordPage(req: Request) async throws -> Response {
        try await req.page("password", PasswordPage(layout: req.layout("password.title"), errors: [:], done: false))
    }

    struct PasswordForm: Content { let current: String?; let new: String?; let confirm: String? }

    func changePassword(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let form = try req.content.decode(PasswordForm.self)
        let locale = req.uiLocale
        var errors: [String: String] = [:]
        do {
            _ = try await Accounts.authenticate(username: actor.username, password: form.current ?? "", req: req)
        } catch let e as DomainError {
            errors["current"] = e.kind == .locked ? e.message(locale) : L10n.text("password.wrong", locale)
        }
        if (form.new ?? "") != (form.confirm ?? "") { errors["confirm"] = L10n.text("password.mismatch", locale) }
        if errors.isEmpty {
            do { try Accounts.checkPasswordPolicy(form.new ?? "", username: actor.username, policy: req.application.security) }
            catch let e as DomainError { errors["new"] = e.fields["password"]?(locale) ?? e.message(locale) }
        }
        if !errors.isEmpty {
            return try await req.page("password", PasswordPage(layout: req.layout("password.title"), errors: errors, done: false), status: .unprocessableEntity)
        }
        let hash = try await Accounts.hashPassword(form.new!, app: req.application)
        let ctx = req.auditContext
        try await req.write { tx in
            try await Accounts.setPassword(userId: actor.userId, hash: hash, on: tx)
            try await Audit.record(on: tx, ctx, action: "user.password_changed", entity: "user", entityId: String(actor.userId), summary: "修改了自己的密码")
        }
        // Every session ended with the old password; open a fresh one for this browser.
        guard let user = try await Accounts.user(id: actor.userId, on: req.db) else { throw DomainError.unauthorized }
        let (token, _) = try await Accounts.openSession(for: user, req: req)
        let res = req.redirect(to: PlatformRoute.home.path(), flash: L10n.text("password.changed", locale))
        res.cookies[SessionCookie.name] = HTTPCookies.Value(string: token, path: "/", isSecure: req.application.security.secureCookies, isHTTPOnly: true, sameSite: .lax)
        return res
    }
}
