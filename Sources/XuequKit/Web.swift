import Foundation
import Leaf
import Vapor
import XuequCore

/// `#t("key")` in templates: the interface string in the reader's language.
public struct TranslateTag: LeafTag {
    public init() {}
    public func render(_ ctx: LeafContext) throws -> LeafData {
        guard let key = ctx.parameters.first?.string else { return .string("") }
        let locale = ctx.request?.uiLocale ?? .zh
        // Extra parameters fill {0}, {1}…
        return .string(L10n.fill(L10n.text(key, locale), ctx.parameters.dropFirst().map { $0.string ?? "" }))
    }
}

/// `#label("stage", "nine_year")`: a vocabulary value in the reader's language.
public struct LabelTag: LeafTag {
    public init() {}
    public func render(_ ctx: LeafContext) throws -> LeafData {
        guard ctx.parameters.count >= 2, let kind = ctx.parameters[0].string else { return .string("") }
        let raw = ctx.parameters[1].string ?? ""
        let locale = ctx.request?.uiLocale ?? .zh
        return .string(Vocab.label(kind: kind, raw: raw, locale: locale))
    }
}

/// Vocabulary labels for `#label(kind, raw)`: the shared vocabularies of the kernel, plus the
/// kinds each module registers (`XuequModule.vocabularies`).
public enum Vocab {
    public typealias Labeler = @Sendable (String, UILocale) -> String

    public static func label(kind: String, raw: String, locale: UILocale) -> String {
        if let f = shared[kind] ?? registered(kind) { return f(raw, locale) }
        return raw
    }

    /// Labels of one vocabulary for a list's rows, escaped for HTML, each looked up once per page:
    /// a province list writes five labels a row, and the lookup (the kind, the value's type, the
    /// translation) cost more than writing the row.
    public struct HTMLLabels {
        let kind: String
        let locale: UILocale
        var seen: [String: String] = [:]
        public init(_ kind: String, _ locale: UILocale) { self.kind = kind; self.locale = locale }
        public mutating func write(_ raw: String, to w: inout HTMLWriter) {
            if let html = seen[raw] { w.raw(html); return }
            let html = Vocab.label(kind: kind, raw: raw, locale: locale).htmlEscaped()
            seen[raw] = html
            w.raw(html)
        }
    }

    /// A labeler for one vocabulary type.
    public static func of<V: Vocabulary>(_ t: V.Type) -> Labeler {
        { raw, locale in V(rawValue: raw)?.label(locale) ?? raw }
    }

    public static func register(_ kinds: [String: Labeler]) {
        lock.lock(); defer { lock.unlock() }
        extra.merge(kinds) { a, _ in a }
    }

    private static func registered(_ kind: String) -> Labeler? {
        lock.lock(); defer { lock.unlock() }
        return extra[kind]
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var extra: [String: Labeler] = [:]

    private static let shared: [String: Labeler] = [
        "stage": of(Stage.self),
        "locality": of(Locality.self),
        "status": of(SchoolStatus.self),
        "education": of(Education.self),
        "putonghua": of(Putonghua.self),
        "subject": { raw, locale in
            raw.split(separator: ",").map { Subject(rawValue: String($0))?.label(locale) ?? String($0) }
                .joined(separator: locale == .en ? ", " : "、")
        },
        "title": of(Title.self),
        "backbone": of(Backbone.self),
        "role": of(Role.self),
        "gender": of(Gender.self),
        "stagePart": of(StagePart.self),
    ]
}

/// One entry of the main navigation, pointing at a typed route; shown to the actors `visible` admits.
public struct NavEntry: Sendable {
    public let key: String
    public let path: String
    /// Where it stands in the menu: lower first; modules' entries keep the modules' order.
    public let order: Int
    public let visible: @Sendable (Actor) -> Bool
    public init<R: RouteName>(key: String, route: R, order: Int = 50, visible: @escaping @Sendable (Actor) -> Bool) {
        self.key = key; self.path = route.path(); self.order = order; self.visible = visible
    }
}

struct NavigationKey: StorageKey { typealias Value = [NavEntry] }

extension Application {
    public var navigation: [NavEntry] {
        get { storage[NavigationKey.self] ?? [] }
        set { storage[NavigationKey.self] = newValue }
    }
}

/// What every page's frame needs: title, the user, the navigation, the CSRF token, a flash.
public struct Layout: Encodable, Sendable {
    public struct NavLink: Sendable { let label: String; let path: String; let active: Bool }
    public struct User: Encodable, Sendable { let name: String; let role: String; let username: String }
    /// What the templates read: the page's title, who is signed in, the CSRF token for forms.
    public let title: String
    public let user: User?
    /// The frame around every page's content, written in Swift: everything `base.leaf` wrote
    /// before its `#import("content")` (the head, the header with brand, menu, who is signed in
    /// and language, the flash messages) and after it (the footer). A Leaf page puts its content
    /// between them through `base.leaf`; a page written in Swift (`Request.page(_:content:)`)
    /// puts it there directly, so both kinds of page share one frame. Written in Swift because
    /// Leaf's serializer copied the page's context for each menu entry.
    public let head: String
    public let foot: String
    public let csrf: String

    /// `base.leaf`'s markup up to its content: the document's head, the header, the flashes.
    static func head(locale: UILocale, lang: String, title: String, top: String, flash: String?, flashError: String?) -> String {
        var w = HTMLWriter(capacity: 640 + top.utf8.count)
        w.raw("<!doctype html>\n<html lang=\""); w.text(lang)
        w.raw("\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
        w.text(title); w.raw(" · "); w.text(L10n.text("app.name", locale))
        w.raw("</title>\n<link rel=\"stylesheet\" href=\"/static/app.css\">\n<link rel=\"stylesheet\" href=\""); w.text(PlatformRoute.printCSS.path())
        w.raw("\" media=\"print\">\n<link rel=\"icon\" href=\"/static/favicon.svg\" type=\"image/svg+xml\">\n<script src=\"/static/app.js\" defer></script>\n</head>\n<body>\n")
        w.raw(top); w.raw("\n<main id=\"content\">\n  ")
        if let flash { w.raw("<div class=\"flash ok\" role=\"status\">"); w.text(flash); w.raw("</div>") }
        w.raw("\n  ")
        if let flashError { w.raw("<div class=\"flash err\" role=\"alert\">"); w.text(flashError); w.raw("</div>") }
        w.raw("\n  ")
        return w.html
    }

    /// `base.leaf`'s markup after its content.
    static func foot(locale: UILocale) -> String {
        var w = HTMLWriter(capacity: 200)
        w.raw("\n</main>\n<footer class=\"foot\">"); w.text(L10n.text("app.footer", locale)); w.raw("</footer>\n</body>\n</html>\n")
        return w.html
    }

    static func header(locale: UILocale, user: User?, nav: [NavLink], csrf: String, otherLang: String, otherLangLabel: String, path: String) -> String {
        var w = HTMLWriter(capacity: 1800 + nav.count * 64)
        func t(_ key: String) { w.text(L10n.text(key, locale)) }
        func link(_ route: PlatformRoute) { w.text(route.path()) }
        w.raw("<header class=\"top\">\n  <div class=\"top-inner\">\n    <a class=\"brand\" href=\""); link(.home)
        w.raw("\"><span class=\"logo\" aria-hidden=\"true\">学</span><span>"); t("app.name"); w.raw("</span></a>\n    ")
        if let user {
            w.raw("\n    <button class=\"nav-toggle\" type=\"button\" data-toggle=\"main-nav\" aria-label=\""); t("nav.menu")
            w.raw("\">☰</button>\n    <nav class=\"main\" id=\"main-nav\">\n      ")
            for n in nav {
                w.raw("<a href=\""); w.text(n.path); w.raw("\"")
                if n.active { w.raw(" class=\"active\" aria-current=\"page\"") }
                w.raw(">"); w.text(n.label); w.raw("</a>")
            }
            w.raw("\n    </nav>\n    <div class=\"who\">\n      <span class=\"who-name\" title=\""); w.text(user.username); w.raw("\">"); w.text(user.name)
            // The role beside the name, unless the name already says it ("县教育局管理员").
            if user.role != user.name { w.raw("</span><span class=\"who-role\">"); w.text(user.role) }
            w.raw("</span>\n      <a href=\""); link(.password); w.raw("\">"); t("nav.password")
            w.raw("</a>\n      <form method=\"post\" action=\""); link(.logout)
            w.raw("\" class=\"inline\"><input type=\"hidden\" name=\"_csrf\" value=\""); w.text(csrf)
            w.raw("\"><button class=\"link\" type=\"submit\" id=\"logout\">"); t("nav.logout"); w.raw("</button></form>\n    </div>\n    ")
        }
        w.raw("\n    <form method=\"post\" action=\""); link(.language)
        w.raw("\" class=\"inline lang\">\n      <input type=\"hidden\" name=\"_csrf\" value=\""); w.text(csrf)
        w.raw("\"><input type=\"hidden\" name=\"lang\" value=\""); w.text(otherLang)
        w.raw("\"><input type=\"hidden\" name=\"back\" value=\""); w.text(path)
        w.raw("\">\n      <button class=\"link\" type=\"submit\" lang=\""); w.text(otherLang); w.raw("\">"); w.text(otherLangLabel)
        w.raw("</button>\n    </form>\n  </div>\n</header>")
        return w.html
    }
}

struct SentCookiesKey: StorageKey { typealias Value = HTTPCookies }

public struct FlashCookie {
    public static let name = "xq_flash"
}

extension Request {
    /// The CSRF token forms must carry: the session's, or for anonymous forms the double-submit cookie.
    public var csrfToken: String {
        if let s = sessionInfo { return s.csrfToken }
        if let c = sentCookies[CSRF.cookieName]?.string, !c.isEmpty { return c }
        if let c = storage[CSRF.NewCookieKey.self] { return c }
        let fresh = Accounts.randomToken(bytes: 24)
        storage[CSRF.NewCookieKey.self] = fresh
        return fresh
    }

    /// The cookies the request sent, parsed once (Vapor's `cookies` parses the header on each
    /// read, and a page reads it three times: the session, the flash, the flash's removal).
    public var sentCookies: HTTPCookies {
        if let c = storage[SentCookiesKey.self] { return c }
        let c = cookies
        storage[SentCookiesKey.self] = c
        return c
    }

    public func layout(_ titleKey: String, title: String? = nil) -> Layout {
        let locale = uiLocale
        let nav: [Layout.NavLink]
        if let a = actor {
            nav = application.navigation.filter { $0.visible(a) }.map { e in
                Layout.NavLink(label: L10n.text(e.key, locale), path: e.path, active: e.path == "/" ? url.path == "/" : url.path.hasPrefix(e.path))
            }
        } else { nav = [] }
        let flashText = sentCookies[FlashCookie.name]?.string.removingPercentEncoding
        var flash: String? = nil, flashError: String? = nil
        if let f = flashText {
            if f.hasPrefix("!") { flashError = String(f.dropFirst()) } else { flash = f }
        }
        let user = actor.map { Layout.User(name: $0.displayName, role: $0.role.label(locale), username: $0.username) }
        let otherLang = locale == .en ? "zh" : "en", otherLangLabel = locale == .en ? "中文" : "English"
        let csrf = csrfToken, path = url.path
        let title = title ?? L10n.text(titleKey, locale), lang = locale == .en ? "en" : "zh-CN"
        let top = Layout.header(locale: locale, user: user, nav: nav, csrf: csrf, otherLang: otherLang, otherLangLabel: otherLangLabel, path: path)
        return Layout(title: title, user: user,
                      head: Layout.head(locale: locale, lang: lang, title: title, top: top, flash: flash, flashError: flashError),
                      foot: Layout.foot(locale: locale), csrf: csrf)
    }

    /// Renders a page and clears a shown flash message.
    public func page<E: Encodable & Sendable>(_ template: String, _ context: E, status: HTTPStatus = .ok) async throws -> Response {
        let view = try await self.view.render(template, context)
        return pageSent(try await view.encodeResponse(status: status, for: self))
    }

    /// A page whose content is written in Swift (`HTMLWriter`), in the frame `base.leaf` gives
    /// the others (`Layout.head`, `Layout.foot`): for the province-scale list pages, where Leaf's
    /// interpreter was the larger part of the request. `content` is what the page's template
    /// exported as `"content"`, byte for byte (the page snapshot tests hold it to that).
    public func page(_ layout: Layout, status: HTTPStatus = .ok, content: String) -> Response {
        var body = ByteBufferAllocator().buffer(capacity: layout.head.utf8.count + content.utf8.count + layout.foot.utf8.count + 1)
        // The last newline is the one a Leaf page writes after its `#endextend`.
        body.writeString(layout.head); body.writeString(content); body.writeString(layout.foot); body.writeString("\n")
        let res = Response(status: status, body: .init(buffer: body))
        res.headers.contentType = .html
        return pageSent(res)
    }

    private func pageSent(_ res: Response) -> Response {
        if sentCookies[FlashCookie.name] != nil { res.cookies[FlashCookie.name] = .expired }
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return res
    }

    /// Redirect after a successful form (POST → redirect → GET) with a message for the next page.
    public func redirect(to path: String, flash: String? = nil, error: Bool = false) -> Response {
        let res = redirect(to: path, redirectType: .normal)
        if let f = flash {
            let v = (error ? "!" : "") + f
            res.cookies[FlashCookie.name] = HTTPCookies.Value(string: v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "", maxAge: 60, path: "/", isHTTPOnly: true, sameSite: .lax)
        }
        return res
    }
}

public enum CSRF {
    public static let cookieName = "xq_csrf"
    public static let fieldName = "_csrf"
    struct NewCookieKey: StorageKey { typealias Value = String }
}

/// Checks the CSRF token on every state-changing browser request; sets the anonymous
/// double-submit cookie when a page handed one out.
public struct CSRFMiddleware: Middleware {
    public init() {}
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        // A page read (GET) is checked without a task; a form's post collects and reads its body in one.
        let checked: EventLoopFuture<Void> = !request.isAPI && ![.GET, .HEAD, .OPTIONS].contains(request.method)
            ? request.eventLoop.makeFutureWithTask { try await check(request) }
            : request.eventLoop.makeSucceededVoidFuture()
        return checked.flatMap { next.respond(to: request) }.map { res in
            if let fresh = request.storage[CSRF.NewCookieKey.self] {
                res.cookies[CSRF.cookieName] = HTTPCookies.Value(string: fresh, path: "/", isSecure: request.application.security.secureCookies, isHTTPOnly: true, sameSite: .lax)
            }
            return res
        }
    }

    func check(_ request: Request) async throws {
        // Route middleware runs before the route collects the body: collect it here (uploads up to 20 MB).
        if request.headers.first(name: "X-CSRF-Token") == nil && request.body.data == nil {
            _ = try await request.body.collect(max: BodyLimitsMiddleware.maxBody(request)).get()
        }
        struct Field: Decodable { let _csrf: String? }
        // Decoding a one-field struct works for url-encoded and multipart bodies alike.
        let sent = request.headers.first(name: "X-CSRF-Token") ?? (try? request.content.decode(Field.self))?._csrf
        let expected = request.sessionInfo?.csrfToken ?? request.sentCookies[CSRF.cookieName]?.string
        guard let sent, let expected, !expected.isEmpty, constantTimeEqual(sent, expected) else {
            throw DomainError(.forbidden, code: "csrf_failed", LocalizedText(zh: "页面已过期或来源不明，请刷新页面后重试", en: "the form has expired or did not come from this site; reload the page and try again"))
        }
    }

    func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
