import Fluent
import Foundation
import Prometheus
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// Prepares the route groups (tokens for the API, sessions and CSRF for pages) and hands them
/// to every module.
func routes(_ app: Application) {
    let openAPI = app.grouped("api", "v1").grouped(BearerTokenMiddleware())
    let web = app.grouped(BrowserSessionMiddleware()).grouped(CSRFMiddleware())
    let groups = ModuleRoutes(root: app.routes, openAPI: openAPI, api: openAPI.grouped(RequireActorMiddleware()),
                              publicPages: web, pages: web.grouped(RequireActorMiddleware()))
    for m in app.modules { m.routes(groups) }
}

/// The platform itself as a module: health and metrics, sign-in, the home page, accounts and
/// the audit log, with their migrations and the bureau's keys.
struct PlatformModule: XuequModule {
    let metrics: PrometheusCollectorRegistry
    /// `/metrics` answers callers with this token, or the machine itself (see `MetricsAccess`).
    let metricsToken: String?
    /// The key of the audit chain (nil for commands that open no database).
    let auditKey: AuditKey?
    let name = "platform"

    var migrations: [any Migration] { [CreateAuditLog(), CreateAccounts(), KeyAuditChain(key: auditKey), CreateDataVersions(), CreateActorWrites(), CreateAccountsVersion(), AddPasswordChangeRequired(), AddAccountArea(), IndexAuditActors()] }
    var auditArea: AuditArea? {
        AuditArea(key: "platform", label: LocalizedText(zh: "账号与登录", en: "Accounts and sign-in"), prefixes: ["auth", "user", "audit", "seed"], phrases: [
            "auth.login": ("登录", "signed in"), "auth.login_failed": ("登录失败（密码错误）", "failed to sign in (wrong password)"), "auth.locked": ("因多次密码错误被暂时锁定", "was locked out after wrong passwords"),
            "auth.logout": ("退出登录", "signed out"), "auth.token_issued": ("获取了接口令牌", "obtained an API token"), "auth.token_revoked": ("注销了接口令牌", "revoked an API token"),
            "user.create": ("新建了账号", "created an account"), "user.update": ("修改了账号", "changed an account"), "user.register": ("注册了申请人账号", "registered as an applicant"),
            "user.password_changed": ("修改了自己的密码", "changed their password"), "user.password_reset": ("重置了账号密码", "reset an account's password"),
            "audit.rekey": ("为审计链更换了密钥", "re-keyed the audit chain"), "seed": ("生成了演示数据", "seeded demo data"),
        ])
    }
    var grants: Grants { Grants([.bureauAdmin: [.usersManage, .auditRead]]) }
    /// A county's bureau among several manages its county's accounts and reads what they did
    /// (`AdminPages` narrows both to the county).
    var countyKeys: Set<Permission> { [.usersManage, .auditRead] }
    var routeNames: [any RouteName.Type] { [PlatformRoute.self, PlatformAPIRoute.self] }
    var navigation: [NavEntry] {
        [
            NavEntry(key: "nav.home", route: PlatformRoute.home, order: 0) { _ in true },
            // Administration comes last in the menu, after every module's entries.
            NavEntry(key: "nav.users", route: PlatformRoute.users, order: 100) { $0.can(.usersManage) },
            NavEntry(key: "nav.audit", route: PlatformRoute.audit, order: 100) { $0.can(.auditRead) },
        ]
    }

    func routes(_ r: ModuleRoutes) {
        let metrics = self.metrics, metricsToken = self.metricsToken
        // Public, no session.
        r.root.get(PlatformRoute.health) { req async throws -> Response in
            struct Health: Content { let status: String; let database: String }
            let flavor = req.application.databaseFlavor
            do {
                _ = try await req.db.sql.raw("SELECT 1 AS ok").all()
                return try await Health(status: "ok", database: flavor.rawValue).encodeResponse(for: req)
            } catch {
                req.logger.error("health check failed: \(String(reflecting: error))")
                let res = try await Health(status: "database_unavailable", database: flavor.rawValue).encodeResponse(for: req)
                res.status = .serviceUnavailable
                return res
            }
        }
        r.root.get(PlatformRoute.metrics) { req -> Response in
            guard MetricsAccess.allows(req, token: metricsToken) else { throw DomainError.forbidden }
            let res = Response(status: .ok, body: .init(string: metrics.emitToString()))
            res.headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
            return res
        }
        SessionAPI().register(r.openAPI)
        AccountPages().registerPublic(r.publicPages)
        AccountPages().register(r.pages)
        AdminPages().register(r.pages)
    }

    func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution {
        guard actor.can(.usersManage) else { return HomeContribution() }
        struct N: Decodable { let n: Int }
        let locked = try await context.db.sql.raw("SELECT COUNT(*) AS n FROM users WHERE locked_until > \(bind: context.now)").first(decoding: N.self)?.n ?? 0
        guard locked > 0 else { return HomeContribution() }
        let l = context.locale
        return HomeContribution(tasks: [HomeTask(title: L10n.text("home.task.locked", l, String(locked)), detail: L10n.text("home.task.locked.detail", l),
                                                 href: PlatformRoute.users.path() + "?locked=1")])
    }

    func seedDemo(_ demo: DemoContext) async throws {
        try await demo.addAccounts([
            // The demo county's bureau: 130481 武安市, the county migration 083 puts the districts under.
            .init(username: "admin", displayName: "县教育局管理员", role: .bureauAdmin, areaCode: "130481"),
            .init(username: "supervisor", displayName: "高校带队教师", role: .supervisor),
            .init(username: "intern1", displayName: "实习生一", role: .intern),
        ])
    }
}

/// `POST /api/v1/session` → token; `DELETE /api/v1/session` revokes it.
struct SessionAPI {
    func register(_ api: any RoutesBuilder) {
        api.post(PlatformAPIRoute.session, use: login)
        api.grouped(RequireActorMiddleware()).delete(PlatformAPIRoute.session, use: logout)
        api.grouped(RequireActorMiddleware()).get(PlatformAPIRoute.me, use: me)
    }

    struct Credentials: Content { let username: String?; let password: String? }
    struct TokenBody: Content { let token: String; let role: String; let expiresIn: Int }
    struct Me: Content { let id: Int; let username: String; let displayName: String; let role: String; let districtId: Int?; let schoolId: Int?; let teacherId: Int? }

    func login(req: Request) async throws -> TokenBody {
        let c = try req.content.decode(Credentials.self)
        var e = FieldErrors()
        if (c.username ?? "").isEmpty { e.add("username", "用户名不能为空", "username is required") }
        if (c.password ?? "").isEmpty { e.add("password", "密码不能为空", "password is required") }
        try e.throwIfAny()
        let user = try await Accounts.authenticate(username: c.username!, password: c.password!, req: req)
        let token = try await Accounts.issueToken(for: user, req: req)
        return TokenBody(token: token, role: user.role, expiresIn: Int(req.application.security.tokenLifetime))
    }

    func logout(req: Request) async throws -> HTTPStatus {
        if let bearer = req.headers.bearerAuthorization {
            try await Accounts.revokeToken(hash: Accounts.tokenHash(bearer.token), req: req)
        }
        return .noContent
    }

    func me(req: Request) async throws -> Me {
        let a = try req.requireActor()
        return Me(id: a.userId, username: a.username, displayName: a.displayName, role: a.role.rawValue, districtId: a.districtId, schoolId: a.schoolId, teacherId: a.teacherId)
    }
}

/// Who may read `/metrics`: with `XUEQU_METRICS_TOKEN` set, whoever sends it as a bearer
/// token; without it, only a direct request from the machine itself (loopback, and no
/// forwarding header — a proxy on the same machine would otherwise make everyone local).
enum MetricsAccess {
    static func allows(_ req: Request, token: String?) -> Bool {
        if let token {
            guard let given = req.headers.bearerAuthorization?.token else { return false }
            // Compared in constant time.
            let a = Array(given.utf8), b = Array(token.utf8)
            guard a.count == b.count else { return false }
            return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
        }
        guard let remote = req.remoteAddress?.ipAddress, TrustedProxies.isLoopback(remote) else { return false }
        // A proxy on the machine forwards remote callers: any forwarding header makes it remote.
        return !forwardingHeaders.contains { !req.headers[$0].isEmpty }
    }

    static let forwardingHeaders = ["X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Server",
                                    "X-Client-IP", "X-Cluster-Client-IP", "True-Client-IP", "CF-Connecting-IP", "Via"]
}
