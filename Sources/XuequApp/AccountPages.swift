import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit
import Certification

/// Sign in and out, the home page, own password, interface language.
struct AccountPages {
    func registerPublic(_ r: any RoutesBuilder) {
        r.get("login", use: loginPage)
        r.post("login", use: login)
        r.post("lang", use: setLanguage)
    }

    func register(_ r: any RoutesBuilder) {
        r.get(use: home)
        r.post("logout", use: logout)
        r.get("account", "password", use: passwordPage)
        r.post("account", "password", use: changePassword)
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
        if req.actor != nil { return req.redirect(to: "/") }
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
            let res = req.redirect(to: next)
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
        let res = req.redirect(to: "/login")
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

    struct Task: Encodable, Sendable {
        let title: String; let detail: String; let href: String; var urgent = false
        init(title: String, detail: String, href: String, urgent: Bool = false) { self.title = title; self.detail = detail; self.href = href; self.urgent = urgent }
    }
    struct Stat: Encodable, Sendable { let label: String; let value: String; let href: String? }
    struct HomePage: Encodable, Sendable {
        let layout: Layout
        let scope: String
        let stats: [Stat]
        let tasks: [Task]
        let recent: [AuditView]
    }

    func home(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let locale = req.uiLocale
        let today = CivilDate.today(req.application.clock.now())
        var stats: [Stat] = []
        var tasks: [Task] = []
        var scope = actor.role == .bureauAdmin ? L10n.text("home.scope.county", locale) : actor.role.label(locale)
        var recent: [AuditView] = []
        func t(_ k: String, _ args: String...) -> String { L10n.text(k, locale, args: args) }
        if actor.can(.registryRead) {
            let service = RegistryService(req)
            // Plain rows and one SUM: the per-district counts cost a scan of every teacher at province scale.
            let districts = try await service.districtRows()
            if actor.role == .districtAdmin, let d = districts.first { scope = d.name }
            let ownSchool = try await actor.schoolId.asyncMap { try? await service.school(id: $0) } ?? nil
            if let s = ownSchool { scope = s.name }
            let schools = try await service.schools(filter: SchoolFilter(status: .active), page: PageSpec(page: 1, per: 1))
            let teachers = try await service.teachers(filter: TeacherFilter(), page: PageSpec(page: 1, per: 1))
            switch actor.role {
            case .teacher:
                break
            case .schoolAdmin:
                if let s = ownSchool {
                    stats.append(Stat(label: t("home.stat.teachers"), value: String(teachers.total), href: "/teachers"))
                    stats.append(Stat(label: t("home.stat.students"), value: String(s.students), href: "/schools/\(s.id)"))
                }
            default:
                if actor.role == .bureauAdmin { stats.append(Stat(label: t("home.stat.districts"), value: String(districts.count), href: "/districts")) }
                stats.append(Stat(label: t("home.stat.schools"), value: String(schools.total), href: "/schools?status=active"))
                stats.append(Stat(label: t("home.stat.teachers"), value: String(teachers.total), href: "/teachers"))
                stats.append(Stat(label: t("home.stat.students"), value: String(try await service.activeStudents()), href: nil))
            }
            let sept1 = RotationRule.nextRound(after: today)
            if actor.role == .teacher, let tid = actor.teacherId, let me = try? await service.teacher(id: tid) {
                tasks.append(Task(title: t("home.task.record"), detail: t("home.task.record.detail", me.schoolName ?? "", me.schoolSince), href: "/teachers/\(tid)"))
                if me.yearsAtSchool(on: sept1) >= RotationRule.yearsAtSchool {
                    tasks.append(Task(title: t("home.task.selfdue"), detail: t("home.task.selfdue.detail", String(me.yearsAtSchool(on: sept1)), sept1.description), href: "/teachers/\(tid)"))
                }
            } else {
                let due = try await service.teachers(filter: TeacherFilter(dueOn: sept1), page: PageSpec(page: 1, per: 1)).total
                if due > 0 { tasks.append(Task(title: t("home.task.due", String(due)), detail: t("home.task.due.detail", sept1.description), href: "/teachers?due=1")) }
                struct N: Decodable { let n: Int }
                let scopeSQL: SQLQueryString = switch actor.registryScope {
                case .county: ""
                case .district(let d): "AND s.district_id = \(bind: d)"
                case .school(let s): "AND s.id = \(bind: s)"
                case .nothing: "AND 1 = 0"
                }
                let missing = try await req.db.sql.raw("SELECT COUNT(*) AS n FROM schools s WHERE s.status = 'active' AND s.stage <> 'kindergarten' \(scopeSQL) AND NOT EXISTS (SELECT 1 FROM school_conditions c WHERE c.school_id = s.id AND c.year = \(bind: today.year))").first(decoding: N.self)?.n ?? 0
                if missing > 0 {
                    let href = actor.role == .schoolAdmin ? "/schools/\(actor.schoolId ?? 0)" : "/schools?status=active"
                    tasks.append(Task(title: t("home.task.conditions", String(missing), String(today.year)), detail: t("home.task.conditions.detail"), href: href))
                }
            }
        }
        for d in try await CertificationService(req).deadlines() {
            tasks.append(Task(title: d.title, detail: d.detail, href: d.href, urgent: d.urgent))
        }
        if actor.can(.usersManage) {
            struct N: Decodable { let n: Int }
            let now = req.application.clock.now().timeIntervalSince1970
            let locked = try await req.db.sql.raw("SELECT COUNT(*) AS n FROM users WHERE locked_until > \(bind: now)").first(decoding: N.self)?.n ?? 0
            if locked > 0 { tasks.append(Task(title: t("home.task.locked", String(locked)), detail: t("home.task.locked.detail"), href: "/admin/users?locked=1")) }
            recent = try await Audit.list(on: req.db, filter: Audit.Filter(), page: PageSpec(page: 1, per: 8)).items.map(AuditView.init)
        }
        return try await req.page("home", HomePage(layout: req.layout("home.title"), scope: scope, stats: stats, tasks: tasks, recent: recent))
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
            try await Audit.record(on: tx, ctx, action: "user.password_changed", entity: "user", entityId: String(actor.userId), summary: "own password changed")
        }
        // Every session ended with the old password; open a fresh one for this browser.
        guard let user = try await Accounts.user(id: actor.userId, on: req.db) else { throw DomainError.unauthorized }
        let (token, _) = try await Accounts.openSession(for: user, req: req)
        let res = req.redirect(to: "/", flash: L10n.text("password.changed", locale))
        res.cookies[SessionCookie.name] = HTTPCookies.Value(string: token, path: "/", isSecure: req.application.security.secureCookies, isHTTPOnly: true, sameSite: .lax)
        return res
    }
}
