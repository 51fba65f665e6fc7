import Foundation
import Testing
import Vapor
import VaporTesting
import XuequKit

/// Signing in and posting forms as a browser does: the session cookie and the CSRF token.
public enum Browser {
    /// Signs in through the login form; returns the cookies (session and CSRF).
    public static func login(_ app: Application, _ user: String, password: String = Fixture.password) async throws -> HTTPCookies {
        var cookies = HTTPCookies()
        try await app.check(.GET, "/login") { res in
            #expect(res.status == .ok)
            cookies = res.headers.setCookie ?? HTTPCookies()
        }
        let csrf = cookies[CSRF.cookieName]?.string ?? ""
        var h = HTTPHeaders()
        h.cookie = cookies
        h.contentType = .urlEncodedForm
        let body = "username=\(user)&password=\(password)&_csrf=\(csrf)&next=/"
        try await app.check(.POST, "/login", headers: h, body: ByteBuffer(string: body)) { res in
            #expect(res.status == .seeOther)
            if let s = res.headers.setCookie?[SessionCookie.name] { cookies[SessionCookie.name] = s }
            let c = res.headers.setCookie?[SessionCookie.name]
            #expect(c?.isHTTPOnly == true)
            #expect(c?.sameSite == .lax)
        }
        return cookies
    }

    /// The session's CSRF token, read from a page's form.
    public static func csrfToken(_ app: Application, cookies: HTTPCookies, page: String = "/account/password") async throws -> String {
        var token = ""
        var h = HTTPHeaders()
        h.cookie = cookies
        try await app.check(.GET, page, headers: h) { res in
            let html = res.text
            if let r = html.range(of: "name=\"_csrf\" value=\"") {
                token = String(html[r.upperBound...].prefix { $0 != "\"" })
            }
        }
        return token
    }

    /// Posts a url-encoded form with the session's CSRF token.
    public static func form(_ app: Application, _ cookies: HTTPCookies, _ path: String, _ fields: [String: String]) async throws -> TestingHTTPResponse {
        let csrf = try await csrfToken(app, cookies: cookies)
        var h = HTTPHeaders()
        h.cookie = cookies
        h.contentType = .urlEncodedForm
        var all = fields
        all["_csrf"] = csrf
        let body = all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await app.testing().sendRequest(.POST, path, headers: h, body: ByteBuffer(string: body))
    }
}

/// Request bodies several modules' tests need.
public enum Bodies {
    /// A valid teacher for `POST /api/v1/teachers` at one of the fixture's schools.
    public static func teacher(_ f: Fixture, name: String = "新教师", rid: String, school: String = "T0001", extra: [String: Any] = [:]) -> [String: Any] {
        var b: [String: Any] = ["name": name, "residentId": rid, "schoolId": f.schools[school]!, "subjects": ["chinese"], "education": "bachelor",
                                "putonghua": "2A", "title": "none", "backbone": "none", "schoolSince": "2020-09-01"]
        for (k, v) in extra { b[k] = v }
        return b
    }
}
