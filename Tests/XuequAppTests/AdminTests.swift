import Foundation
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
@testable import XuequApp
@testable import XuequKit

@Suite("Account administration")
struct AdminTests {
    static func shownPassword(_ html: String) -> String? {
        guard let r = html.range(of: "id=\"new-password\"") else { return nil }
        let after = html[r.upperBound...]
        guard let c = after.range(of: "<code>"), let e = after.range(of: "</code>") else { return nil }
        return String(after[c.upperBound..<e.lowerBound])
    }

    /// Signs in with a one-time password (sent to the password page) and chooses another.
    static func ownPassword(_ app: Application, _ user: String, oneTime: String) async throws -> String {
        var cookies = HTTPCookies()
        try await app.check(.GET, "/login") { res in cookies = res.headers.setCookie ?? HTTPCookies() }
        var h = HTTPHeaders(); h.cookie = cookies; h.contentType = .urlEncodedForm
        let csrf = cookies[CSRF.cookieName]?.string ?? ""
        try await app.check(.POST, "/login", headers: h, body: ByteBuffer(string: "username=\(user)&password=\(oneTime)&_csrf=\(csrf)&next=/")) { res in
            #expect(res.headers.first(name: .location) == "/account/password", "sent to choose a password")
            if let s = res.headers.setCookie?[SessionCookie.name] { cookies[SessionCookie.name] = s }
        }
        let own = "own-password-\(user)-1"
        let res = try await Browser.form(app, cookies, "/account/password", ["current": oneTime, "new": own, "confirm": own])
        #expect(res.status == .seeOther)
        return own
    }

    @Test("the admin creates a scoped account whose password is shown once; resets it; scope changes end sessions", arguments: TestDB.all)
    func createAndReset(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await Browser.login(app, "admin")
            // A school admin needs a real school code.
            var res = try await Browser.form(app, admin, "/admin/users/new", ["username": "newhead", "displayName": "新校长", "role": "school_admin", "schoolCode": "NOPE"])
            #expect(res.status == .unprocessableEntity)
            #expect(res.text.contains("学校代码不存在"))
            // The browser sends the hidden district select too, empty.
            res = try await Browser.form(app, admin, "/admin/users/new", ["username": "newhead", "displayName": "新校长", "role": "school_admin", "schoolCode": "T0003", "districtId": "", "teacherResidentId": ""])
            #expect(res.status == .ok)
            let oneTime = try #require(Self.shownPassword(res.text))
            #expect(oneTime.count >= 10)
            // The page says it made the account, names it, and shows the account's own address.
            let made = try #require(try await Accounts.user(username: "newhead", on: app.db))
            #expect(res.text.contains("已创建账户：新校长（newhead）") && res.text.contains(#"data-canonical="/admin/users/\#(made.id)""#))
            #expect(!res.text.contains("› 账户</nav>"))
            // The one-time password signs in to nothing but choosing one's own, and says so.
            let first = try await app.token("newhead", password: oneTime)
            try await app.check(.GET, "/api/v1/schools", headers: bearer(first)) { r in
                #expect(r.status == .forbidden)
                #expect((try? r.json())?["code"] as? String == "password_change_required")
            }
            var pending = HTTPCookies()
            try await app.check(.GET, "/login") { r in pending = r.headers.setCookie ?? HTTPCookies() }
            var lh = HTTPHeaders(); lh.cookie = pending; lh.contentType = .urlEncodedForm
            try await app.check(.POST, "/login", headers: lh, body: ByteBuffer(string: "username=newhead&password=\(oneTime)&_csrf=\(pending[CSRF.cookieName]?.string ?? "")&next=/")) { r in
                if let c = r.headers.setCookie?[SessionCookie.name] { pending[SessionCookie.name] = c }
            }
            var ph = HTTPHeaders(); ph.cookie = pending
            try await app.check(.GET, "/schools", headers: ph) { r in
                #expect(r.status == .seeOther && r.headers.first(name: .location) == "/account/password", "a page sends the account to choose its password")
            }
            let password = try await Self.ownPassword(app, "newhead", oneTime: oneTime)
            let token = try await app.token("newhead", password: password)
            try await app.check(.GET, "/api/v1/schools", headers: bearer(token)) { r in
                let items = (try? r.json())?["items"] as? [[String: Any]] ?? []
                #expect(items.map { $0["id"] as? Int } == [f.schools["T0003"]])
            }
            let user = try #require(try await Accounts.user(username: "newhead", on: app.db))
            // Moving the account to another district ends its token at once.
            res = try await Browser.form(app, admin, "/admin/users/\(user.id)", ["displayName": "新校长", "role": "district_admin", "districtId": String(f.districts["D1"]!), "active": "on"])
            #expect(res.status == .seeOther)
            try await app.check(.GET, "/api/v1/schools", headers: bearer(token)) { r in #expect(r.status == .unauthorized) }
            res = try await Browser.form(app, admin, "/admin/users/\(user.id)/reset", [:])
            let fresh = try #require(Self.shownPassword(res.text))
            #expect(fresh != password)
            // A reset is a one-time password again.
            try await app.check(.GET, "/api/v1/schools", headers: bearer(try await app.token("newhead", password: fresh))) { r in #expect(r.status == .forbidden) }
            // Duplicate usernames are refused; the admin cannot lock themself out.
            res = try await Browser.form(app, admin, "/admin/users/new", ["username": "newhead", "displayName": "x", "role": "bureau_admin"])
            #expect(res.status == .unprocessableEntity)
            res = try await Browser.form(app, admin, "/admin/users/\(f.users["admin"]!)", ["displayName": "局管理员", "role": "bureau_admin"])
            #expect(res.status == .unprocessableEntity)
        }
    }

    @Test("a teacher account is bound to the teacher record by resident ID", arguments: TestDB.all)
    func teacherAccount(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await Browser.login(app, "admin")
            let res = try await Browser.form(app, admin, "/admin/users/new", ["username": "ding", "displayName": "丁老师", "role": "teacher", "teacherResidentId": Fixture.residentID("19870404", 4)])
            let password = try await Self.ownPassword(app, "ding", oneTime: try #require(Self.shownPassword(res.text)))
            let token = try await app.token("ding", password: password)
            try await app.check(.GET, "/api/v1/teachers/\(f.teachers["丁"]!)", headers: bearer(token)) { r in
                #expect(r.status == .ok)
                #expect(((try? r.json())?["residentId"] as? String)?.contains("*") == false, "own record in full")
            }
        }
    }
}
