import Vapor
import XuequCore

public enum SessionCookie {
    public static let name = "xq_session"
    public static let langCookie = "xq_lang"
}

/// Browser pages: resume the session cookie, pick the interface language.
public struct BrowserSessionMiddleware: AsyncMiddleware {
    public init() {}
    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let cookie = request.cookies[SessionCookie.name]?.string, !cookie.isEmpty,
           let (user, actor, info) = try await request.application.callers.session(cookie: cookie, req: request) {
            request.actor = actor
            request.sessionInfo = info
            request.uiLocale = UILocale(rawValue: user.locale) ?? .zh
        } else if let lang = request.cookies[SessionCookie.langCookie]?.string {
            // Chinese first: English only when the reader chose it.
            request.uiLocale = UILocale(rawValue: lang) ?? .zh
        }
        return try await next.respond(to: request)
    }
}

/// `/api/v1`: `Authorization: Bearer TOKEN`; messages follow `Accept-Language`.
public struct BearerTokenMiddleware: AsyncMiddleware {
    public init() {}
    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let lang = request.headers.first(name: .acceptLanguage) { request.uiLocale = UILocale(header: lang) }
        if let bearer = request.headers.bearerAuthorization,
           let (_, actor) = try await request.application.callers.token(bearer.token, req: request) {
            request.actor = actor
        }
        return try await next.respond(to: request)
    }
}

/// Routes behind it need a signed-in actor (401 for the API, the login page for a browser).
public struct RequireActorMiddleware: Middleware {
    public init() {}
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard request.actor != nil else { return request.eventLoop.makeFailedFuture(DomainError.unauthorized) }
        return next.respond(to: request)
    }
}

/// Security headers on every response: no framing, no sniffing, only our own scripts and styles.
public struct SecurityHeadersMiddleware: Middleware {
    public init() {}
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).map { res in
            res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
            res.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
            res.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
            res.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'")
            return res
        }
    }
}
