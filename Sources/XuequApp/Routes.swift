import Fluent
import Foundation
import Prometheus
import Balance
import Certification
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

func routes(_ app: Application, metrics: PrometheusCollectorRegistry, metricsToken: String? = nil) throws {
    // Public, no session.
    app.get("healthz") { req async throws -> Response in
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
    app.get("metrics") { req -> Response in
        guard MetricsAccess.allows(req, token: metricsToken) else { throw DomainError.forbidden }
        let res = Response(status: .ok, body: .init(string: metrics.emitToString()))
        res.headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
        return res
    }

    // JSON API: bearer tokens.
    let api = app.grouped("api", "v1").grouped(BearerTokenMiddleware())
    SessionAPI().register(api)
    let authedAPI = api.grouped(RequireActorMiddleware())
    RegistryAPI().register(authedAPI)
    BalanceAPI().register(authedAPI)
    CertificationAPI().register(open: api, authed: authedAPI)

    // Browser pages: session cookie, CSRF on every form.
    let web = app.grouped(BrowserSessionMiddleware()).grouped(CSRFMiddleware())
    AccountPages().registerPublic(web)
    CertificationPages().registerPublic(web)
    let authed = web.grouped(RequireActorMiddleware())
    AccountPages().register(authed)
    RegistryPages().register(authed)
    BalancePages().register(authed)
    CertificationPages().register(authed)
    AdminPages().register(authed)
}

/// `POST /api/v1/session` → token; `DELETE /api/v1/session` revokes it.
struct SessionAPI {
    func register(_ api: any RoutesBuilder) {
        api.post("session", use: login)
        api.grouped(RequireActorMiddleware()).delete("session", use: logout)
        api.grouped(RequireActorMiddleware()).get("me", use: me)
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
        return req.headers[.xForwardedFor].isEmpty && req.headers["Forwarded"].isEmpty
    }
}
