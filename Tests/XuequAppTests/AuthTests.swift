import Foundation
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
@testable import XuequApp
@testable import XuequKit

@Suite("Accounts, sessions and tokens")
struct AuthTests {
    @Test("health answers with the database kind", arguments: TestDB.all)
    func health(db: TestDB) async throws {
        try await withApp(db, fixture: false) { app, _ in
            try await app.check(.GET, "/healthz") { res in
                #expect(res.status == .ok)
                #expect((try? res.json())?["status"] as? String == "ok")
                #expect((try? res.json())?["database"] as? String == db.rawValue)
                #expect(res.headers.first(name: "X-Request-Id") != nil)
            }
            // /metrics is not for everyone (see SecurityTests: the token, or the machine itself).
            try await app.check(.GET, "/metrics") { res in #expect(res.status == .forbidden) }
        }
    }

    @Test("API: a token for the right password, 401 for a wrong one or none, revoked on logout", arguments: TestDB.all)
    func tokens(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let (h, b) = try jsonBody(["username": "admin", "password": "wrong-password"])
            try await app.check(.POST, "/api/v1/session", headers: h, body: b) { res in
                #expect(res.status == .unauthorized)
                #expect((try? res.json())?["error"] as? Bool == true)
                #expect((try? res.json())?["code"] as? String == "invalid_credentials")
            }
            try await app.check(.GET, "/api/v1/districts") { res in #expect(res.status == .unauthorized) }
            let token = try await app.token("admin")
            try await app.check(.GET, "/api/v1/districts", headers: bearer(token)) { res in #expect(res.status == .ok) }
            // Stored hashed: the token itself is nowhere in the database.
            struct Row: Decodable { let id: String }
            let stored = try await app.db.sql.raw("SELECT id FROM api_tokens").all(decoding: Row.self)
            #expect(stored.count == 1 && stored[0].id != token && stored[0].id == Accounts.tokenHash(token))
            try await app.check(.DELETE, "/api/v1/session", headers: bearer(token)) { res in #expect(res.status == .noContent) }
            try await app.check(.GET, "/api/v1/districts", headers: bearer(token)) { res in #expect(res.status == .unauthorized) }
        }
    }

    @Test("a signed-in caller kept between requests is read again when the account, its token or session, or its scope's records change (by SQL, as another process would)", arguments: TestDB.all)
    func keptCallers(db: TestDB) async throws {
        try await withApp(db) { app, f in
            func me(_ h: HTTPHeaders) async throws -> [String: Any]? {
                var out: [String: Any]?
                try await app.check(.GET, "/api/v1/me", headers: h) { res in out = res.status == .ok ? try res.json() : nil }
                return out
            }
            let teacher = try await app.token("t1")
            #expect(try await me(bearer(teacher))?["schoolId"] as? Int == f.schools["T0001"])
            let before = app.callers.counts
            for _ in 0..<3 { _ = try await me(bearer(teacher)) }
            #expect(app.callers.counts.hits >= before.hits + 3, "kept: the token and account are not read again")
            // The teacher's record moves to another district's school: the scope follows at once.
            try await app.db.sql.raw("UPDATE teachers SET school_id = \(bind: f.schools["T0003"]!), district_id = \(bind: f.districts["D2"]!) WHERE id = \(bind: f.teachers["甲"]!)").run()
            let moved = try await me(bearer(teacher))
            #expect(moved?["schoolId"] as? Int == f.schools["T0003"] && moved?["districtId"] as? Int == f.districts["D2"])

            // A school administrator rebound to another school.
            let school = try await app.token("s1")
            #expect(try await me(bearer(school))?["schoolId"] as? Int == f.schools["T0001"])
            try await app.db.sql.raw("UPDATE users SET school_id = \(bind: f.schools["T0003"]!), district_id = \(bind: f.districts["D2"]!) WHERE username = 's1'").run()
            #expect(try await me(bearer(school))?["schoolId"] as? Int == f.schools["T0003"])
            // Deactivated: the token stops at once.
            try await app.db.sql.raw("UPDATE users SET active = \(bind: false) WHERE username = 's1'").run()
            #expect(try await me(bearer(school)) == nil)

            // A token deleted behind the cache's back (a revocation in another process).
            let admin = try await app.token("admin")
            #expect(try await me(bearer(admin))?["role"] as? String == "bureau_admin")
            // Twenty at once: each is answered for the one account, none mixes callers up.
            func twenty(_ h: HTTPHeaders) async throws -> [String?] {
                try await withThrowingTaskGroup(of: String?.self) { group in
                    for _ in 0..<20 { group.addTask { try await me(h)?["username"] as? String } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
            #expect(try await twenty(bearer(admin)) == Array(repeating: "admin", count: 20))
            try await app.db.sql.raw("DELETE FROM api_tokens WHERE id = \(bind: Accounts.tokenHash(admin))").run()
            #expect(try await me(bearer(admin)) == nil)
            #expect(try await twenty(bearer(admin)) == Array(repeating: nil, count: 20))

            // A browser session: kept, then gone when its row is deleted; a role change is seen.
            let cookies = try await Browser.login(app, "d1")
            var h = HTTPHeaders(); h.cookie = cookies
            try await app.check(.GET, "/", headers: h) { res in #expect(res.status == .ok) }
            try await app.db.sql.raw("UPDATE users SET display_name = '学区一（改）' WHERE username = 'd1'").run()
            try await app.check(.GET, "/", headers: h) { res in #expect(res.status == .ok && res.text.contains("学区一（改）")) }
            try await app.db.sql.raw("DELETE FROM sessions").run()
            try await app.check(.GET, "/", headers: h) { res in #expect(res.status == .seeOther) }
        }
    }

    @Test("tokens expire", arguments: TestDB.all)
    func tokenExpiry(db: TestDB) async throws {
        let clock = TestClock()
        try await withApp(db, clock: clock) { app, _ in
            let token = try await app.token("admin")
            clock.advance(12 * 3600 + 1)
            try await app.check(.GET, "/api/v1/districts", headers: bearer(token)) { res in #expect(res.status == .unauthorized) }
        }
    }

    @Test("five failed sign-ins lock the account for 15 minutes, even for the right password", arguments: TestDB.all)
    func lockout(db: TestDB) async throws {
        let clock = TestClock()
        try await withApp(db, clock: clock) { app, _ in
            for _ in 0..<5 {
                let (h, b) = try jsonBody(["username": "d1", "password": "not-the-password"])
                try await app.check(.POST, "/api/v1/session", headers: h, body: b) { res in #expect(res.status == .unauthorized) }
            }
            let (h, b) = try jsonBody(["username": "d1", "password": Fixture.password])
            try await app.check(.POST, "/api/v1/session", headers: h, body: b) { res in
                #expect(res.status.code == 423)
                #expect((try? res.json())?["code"] as? String == "account_locked")
            }
            clock.advance(15 * 60 + 1)
            _ = try await app.token("d1")
        }
    }

    /// Signs in through the login form; returns the cookies a browser would keep.
    @Test("browser: sign in, see the home page, forms need the CSRF token, sign out", arguments: TestDB.all)
    func browserSession(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            try await app.check(.GET, "/") { res in
                #expect(res.status == .seeOther)
                #expect(res.headers.first(name: .location)?.hasPrefix("/login") == true)
            }
            let cookies = try await Browser.login(app, "admin")
            var h = HTTPHeaders()
            h.cookie = cookies
            try await app.check(.GET, "/", headers: h) { res in
                #expect(res.status == .ok)
                #expect(res.text.contains("局管理员"))
            }
            // A form without the token is refused.
            var post = h
            post.contentType = .urlEncodedForm
            try await app.check(.POST, "/logout", headers: post, body: ByteBuffer(string: "")) { res in #expect(res.status == .forbidden) }
            let csrf = try await Browser.csrfToken(app, cookies: cookies)
            try await app.check(.POST, "/logout", headers: post, body: ByteBuffer(string: "_csrf=\(csrf)")) { res in #expect(res.status == .seeOther) }
            try await app.check(.GET, "/", headers: h) { res in #expect(res.status == .seeOther) }
        }
    }

    @Test("sessions end after 30 idle minutes and after 12 hours in all", arguments: TestDB.all)
    func sessionTimeouts(db: TestDB) async throws {
        let clock = TestClock()
        try await withApp(db, clock: clock) { app, _ in
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "admin")
            clock.advance(29 * 60)
            try await app.check(.GET, "/", headers: h) { res in #expect(res.status == .ok) }
            clock.advance(29 * 60)
            try await app.check(.GET, "/", headers: h) { res in #expect(res.status == .ok, "activity keeps it alive") }
            clock.advance(31 * 60)
            try await app.check(.GET, "/", headers: h) { res in #expect(res.status == .seeOther, "idle 31 minutes") }

            h.cookie = try await Browser.login(app, "admin")
            for _ in 0..<25 {
                clock.advance(29 * 60)
                try await app.check(.GET, "/", headers: h) { _ in }
            }
            try await app.check(.GET, "/", headers: h) { res in #expect(res.status == .seeOther, "past 12 hours") }
        }
    }

    @Test("changing the password needs the current one and at least 10 characters", arguments: TestDB.all)
    func changePassword(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let cookies = try await Browser.login(app, "s1")
            var res = try await Browser.form(app, cookies, "/account/password", ["current": Fixture.password, "new": "short", "confirm": "short"])
            #expect(res.status == .unprocessableEntity)
            #expect(res.text.contains("10"))
            res = try await Browser.form(app, cookies, "/account/password", ["current": "wrong-one-xx", "new": "a-much-better-one", "confirm": "a-much-better-one"])
            #expect(res.status == .unprocessableEntity)
            res = try await Browser.form(app, cookies, "/account/password", ["current": Fixture.password, "new": "a-much-better-one", "confirm": "a-much-better-one"])
            #expect(res.status == .seeOther)
            _ = try await app.token("s1", password: "a-much-better-one")
        }
    }

    @Test("the language switch is remembered for the user", arguments: TestDB.all)
    func language(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let cookies = try await Browser.login(app, "admin")
            let res = try await Browser.form(app, cookies, "/lang", ["lang": "en", "back": "/"])
            #expect(res.status == .seeOther)
            var fresh = HTTPHeaders()
            fresh.cookie = try await Browser.login(app, "admin")
            fresh.cookie?[SessionCookie.langCookie] = nil
            try await app.check(.GET, "/schools", headers: fresh) { res in
                #expect(res.text.contains("Schools"))
                #expect(res.text.contains("lang=\"en\""))
            }
        }
    }
}
