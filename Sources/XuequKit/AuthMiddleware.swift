import Vapor
import XuequCore

public enum SessionCookie {
    public static let name = "xq_session"
    public static let langCookie = "xq_lang"
}

/// Browser pages: resume the session cookie, pick the interface language. A kept session is
/// answered without a task of its own (`CallerCache.keptSession`); otherwise one reads it.
public struct BrowserSessionMiddleware: Middleware {
    public init() {}
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard let cookie = request.sentCookies[SessionCookie.name]?.string, !cookie.isEmpty else {
            Self.chooseLanguage(request)
            return next.respond(to: request)
        }
        do {
            if let kept = try request.application.callers.keptSession(cookie: cookie, req: request) {
                Self.resume(request, kept)
                return next.respond(to: request)
            }
        } catch { return request.eventLoop.makeFailedFuture(error) }
        return request.eventLoop.makeFutureWithTask {
            if let found = try await request.application.callers.session(cookie: cookie, req: request) {
                Self.resume(request, found)
            } else {
                Self.chooseLanguage(request)
            }
        }.flatMap { next.respond(to: request) }
    }

    static func resume(_ request: Request, _ caller: (UserRow, XuequCore.Actor, SessionInfo)) {
        request.actor = caller.1
        request.sessionInfo = caller.2
        request.uiLocale = UILocale(rawValue: caller.0.locale) ?? .zh
    }

    /// Chinese first: English only when the reader chose it.
    static func chooseLanguage(_ request: Request) {
        if let lang = request.sentCookies[SessionCookie.langCookie]?.string { request.uiLocale = UILocale(rawValue: lang) ?? .zh }
    }
}

/// `/api/v1`: `Authorization: Bearer TOKEN`; messages follow `Accept-Language`. A kept caller
/// is answered without a task of its own (`CallerCache.keptToken`); otherwise one reads it.
public struct BearerTokenMiddleware: Middleware {
    public init() {}
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if let lang = request.headers.first(name: .acceptLanguage) { request.uiLocale = UILocale(header: lang) }
        guard let bearer = request.headers.bearerAuthorization else { return next.respond(to: request) }
        do {
            if let actor = try request.application.callers.keptToken(bearer.token, req: request) {
                request.actor = actor
                return next.respond(to: request)
            }
        } catch { return request.eventLoop.makeFailedFuture(error) }
        return request.eventLoop.makeFutureWithTask {
            if let (_, actor) = try await request.application.callers.token(bearer.token, req: request) { request.actor = actor }
        }.flatMap { next.respond(to: request) }
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
            // Downloads (exports with full IDs and phone numbers, attachments) and whatever a
            // signed-in person is shown stay out of shared and disk caches.
            if !res.headers.contains(name: .cacheControl), res.headers.contains(name: .contentDisposition) || request.actor != nil {
                res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            }
            return res
        }
    }
}
