import Foundation
import Logging
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
@testable import Balance
@testable import Certification
@testable import XuequApp
@testable import XuequKit

@Suite("Security: certification, balance and personal data")
struct SecurityDataTests {
    typealias C = CertificationTests

    @Test("an applicant applies for themself only", arguments: TestDB.all)
    func ownResidentID(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await C.windows(app)
            // A registered applicant: the username is the resident ID.
            let own = Fixture.residentID("19990101", 71), other = Fixture.residentID("19990202", 72)
            let hash = try await Accounts.hashPassword(Fixture.password, app: app)
            let now = app.clock.now()
            try await app.writeGate.transaction(on: app.db) { tx in
                _ = try await Accounts.insertUser(.init(username: own, displayName: "注册人", role: .applicant), passwordHash: hash, on: tx, now: now)
            }
            let registered = try await app.token(own)
            var (s, b) = try await C.post(app, registered, "/api/v1/certification/applications", C.body(rid: other))
            #expect(s == .forbidden && b["code"] as? String == "not_own_resident_id")
            #expect(try await C.post(app, registered, "/api/v1/certification/applications", C.body(rid: own)).0 == .created)
            // An account the bureau made: not for a registered person's ID, and bound by its first application.
            let applicant = try await app.token("applicant")
            (s, b) = try await C.post(app, applicant, "/api/v1/certification/applications", C.body(type: "junior", rid: own))
            #expect(s == .forbidden && b["code"] as? String == "not_own_resident_id")
            #expect(try await C.post(app, applicant, "/api/v1/certification/applications", C.body(rid: other)).0 == .created)
            #expect(try await C.post(app, applicant, "/api/v1/certification/applications", C.body(rid: Fixture.residentID("19990303", 73))).0 == .forbidden)
            // A reviewer still files for anyone.
            let reviewer = try await app.token("reviewer")
            #expect(try await C.post(app, reviewer, "/api/v1/certification/applications", C.body(rid: Fixture.residentID("19990404", 74))).0 == .created)
        }
    }

    /// A certificate of each body: a primary (county) and a senior (prefecture) one.
    @discardableResult
    static func twoCertificates(_ app: Application) async throws -> CertificationDemo.Windows {
        let w = try await C.windows(app)
        let now = app.clock.now().timeIntervalSince1970
        struct Id: Decodable { let id: Int }
        for (k, type) in ["primary", "senior"].enumerated() {
            let rid = Fixture.residentID("1992030\(k + 1)", 80 + k)
            let id = try await app.db.sql.raw("""
                INSERT INTO cert_applications (window_id, name, resident_id, gender, type, subject, education, normal_graduate, putonghua, route, physical_exam, township, state, version, created_at, updated_at)
                VALUES (\(bind: w.open), \(bind: "持证\(k)"), \(bind: rid), 'male', \(bind: type), 'math', 'bachelor', \(bind: false), '2B', 'national_exam', 'pass', \(bind: false), 'certified', 1, \(bind: now), \(bind: now)) RETURNING id
                """).first(decoding: Id.self)!.id
            try await app.db.sql.raw("""
                INSERT INTO certificates (number, application_id, body_id, year, serial, name, resident_id, type, subject, issued_on)
                VALUES (\(bind: "2026130\(k)0\(k + 2)1000001"), \(bind: id), \(bind: 1), 2026, \(bind: k + 1), \(bind: "持证\(k)"), \(bind: rid), \(bind: type), 'math', '2026-01-01')
                """).run()
        }
        return w
    }

    @Test("certificates, their export and the statistics: each body sees its own", arguments: TestDB.all)
    func bodiesSeeTheirOwn(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let w = try await Self.twoCertificates(app)
            let prefecture = try await app.token("prefecture"), reviewer = try await app.token("reviewer")
            let (_, mine) = try await C.get(app, prefecture, "/api/v1/certificates")
            #expect((mine["items"] as? [[String: Any]])?.compactMap { $0["type"] as? String } == ["senior"])
            let (_, county) = try await C.get(app, reviewer, "/api/v1/certificates")
            #expect((county["items"] as? [[String: Any]])?.count == 2)
            // The export: no county holder's full ID for the prefecture.
            var cookies = try await Browser.login(app, "prefecture")
            var h = HTTPHeaders(); h.cookie = cookies
            try await app.check(.GET, "/certification/export", headers: h) { res in
                #expect(res.status == .ok)
                let table = try Spreadsheet.read(Data(buffer: res.body))
                #expect(table.rows.count == 2 && table.rows[1][3] == CertType.senior.zh)
                #expect(!table.rows.joined().contains(Fixture.residentID("19920301", 80)))
            }
            // Statistics: the API and the page agree, with the prefecture's own types.
            let (s, stats) = try await C.get(app, prefecture, "/api/v1/certification/statistics?window=\(w.open)")
            #expect(s == .ok && stats["certified"] as? Int == 1 && stats["byType"] as? [String: Int] == ["senior": 1])
            try await app.check(.GET, "/certification/statistics?window=\(w.open)", headers: h) { res in #expect(res.status == .ok) }
            cookies = try await Browser.login(app, "applicant")
            h.cookie = cookies
            try await app.check(.GET, "/certification/statistics?window=\(w.open)", headers: h) { res in #expect(res.status == .forbidden) }
        }
    }

    @Test("the public objection form names a person on the list; the reviewer sees it tied to that applicant, in Chinese, and as a home task", arguments: TestDB.all)
    func objectionForm(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await C.windows(app)
            let (id, v) = try await C.inReview(app, type: "junior", rid: Fixture.residentID("19940707", 63))
            let reviewer = try await app.token("reviewer")
            _ = try await C.event(app, reviewer, id, "approve", version: v)
            let (_, notice) = try await C.post(app, reviewer, "/api/v1/certification/notices", ["applicationIds": [id], "days": 5])
            let nid = notice["id"] as! Int
            var cookies = HTTPCookies()
            try await app.check(.GET, "/notices/\(nid)") { res in cookies = res.headers.setCookie ?? HTTPCookies() }
            func file(_ fields: [String: String]) async throws -> TestingHTTPResponse {
                var h = HTTPHeaders(); h.cookie = cookies; h.contentType = .urlEncodedForm
                var all = fields; all["_csrf"] = cookies[CSRF.cookieName]?.string ?? ""
                let body = all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&")
                return try await app.testing().sendRequest(.POST, "/notices/\(nid)/objections", headers: h, body: ByteBuffer(string: body))
            }
            let base = ["filedBy": "李某", "contact": "13900000000", "text": "学历证书存疑，请核查。"]
            let missing = try await file(base)
            #expect(missing.status == .unprocessableEntity && missing.body.string.contains("请选择异议针对的人员"))
            #expect(try await file(base.merging(["entry": "2"]) { a, _ in a }).status == .unprocessableEntity, "no row 2 on a one-person notice")
            #expect(try await file(base.merging(["entry": "1"]) { a, _ in a }).status == .seeOther)
            var h = HTTPHeaders(); h.cookie = try await Browser.login(app, "reviewer")
            try await app.check(.GET, "/certification", headers: h) { res in
                #expect(res.text.contains("被异议人") && res.text.contains("待处理") && res.text.contains("/certification/applications/\(id)"))
                #expect(res.text.contains("异议不成立") && !res.text.contains(">dismissed<"))
            }
            try await app.check(.GET, "/", headers: h) { res in #expect(res.text.contains("1 条公示异议待处理")) }
        }
    }

    @Test("objections: on the notice's applications only, throttled per address, resolved and read by the deciding body only", arguments: TestDB.all)
    func objections(db: TestDB) async throws {
        try await withApp(db, settings: { $0.security.objectionsPerAddress = .init(limit: 4, window: 3600) }) { app, _ in
            _ = try await C.windows(app)
            let (id, v) = try await C.inReview(app, type: "junior", rid: Fixture.residentID("19940707", 62))
            let reviewer = try await app.token("reviewer"), prefecture = try await app.token("prefecture")
            _ = try await C.event(app, reviewer, id, "approve", version: v)
            let (_, notice) = try await C.post(app, reviewer, "/api/v1/certification/notices", ["applicationIds": [id], "days": 5])
            let nid = notice["id"] as! Int
            func object(_ applicationId: Int?) async throws -> (UInt, [String: Any]) {
                var body: [String: Any] = ["filedBy": "王某", "contact": "13812345678", "text": "该申请人的学历证书存疑，请核查。"]
                if let applicationId { body["applicationId"] = applicationId }
                let (h, b) = try jsonBody(body)
                var out: (UInt, [String: Any]) = (0, [:])
                try await app.check(.POST, "/api/v1/certification/notices/\(nid)/objections", headers: h, body: b) { res in out = (res.status.code, (try? res.json()) ?? [:]) }
                return out
            }
            #expect(try await object(id + 1000).0 == 422, "no such application")
            let (nobody, why) = try await object(nil)
            #expect(nobody == 422 && (why["fields"] as? [String: Any])?["applicationId"] != nil, "an objection names the person it is about")
            let (ok, filed) = try await object(id)
            #expect(ok == 201)
            let objection = filed["id"] as! Int
            // The fifth from one address within the hour waits.
            #expect(try await object(id).0 == 201)
            #expect(try await object(id).0 == 429)
            // The prefecture cannot dismiss an objection to the county's notice, nor read its contact.
            #expect(try await C.post(app, prefecture, "/api/v1/certification/objections/\(objection)", ["status": "dismissed", "resolution": "无异议"]).0 == .forbidden)
            var h = HTTPHeaders(); h.cookie = try await Browser.login(app, "prefecture")
            try await app.check(.GET, "/certification", headers: h) { res in #expect(!res.text.contains("13812345678")) }
            h.cookie = try await Browser.login(app, "reviewer")
            try await app.check(.GET, "/certification", headers: h) { res in #expect(res.text.contains("13812345678")) }
            #expect(try await C.post(app, reviewer, "/api/v1/certification/objections/\(objection)", ["status": "dismissed", "resolution": "核查无误"]).0 == .ok)
            // The applicant's record shows the objection and its resolution, never who filed it;
            // the reviewer's list keeps the resolution under its own heading.
            let (_, detail) = try await C.get(app, reviewer, "/api/v1/certification/applications/\(id)")
            let history = detail["history"] as? [[String: Any]] ?? []
            #expect(history.contains { $0["event"] as? String == "objection_filed" })
            #expect(history.contains { $0["event"] as? String == "objection_dismissed" && $0["reason"] as? String == "核查无误" }, "\(history)")
            #expect(!history.contains { ($0["reason"] as? String)?.contains("王某") == true })
            try await app.check(.GET, "/certification", headers: h) { res in
                #expect(res.text.contains("处理意见：核查无误") && res.text.contains("公示异议（待处理与已处理）"))
            }
        }
    }

    @Test("the balance answer lists only the reader's own excluded schools", arguments: TestDB.all)
    func excludedInScope(db: TestDB) async throws {
        try await withApp(db) { app, f in
            // No school has conditions: every one is left out, D2's T0003 among them.
            let admin = try await app.token("admin"), d1 = try await app.token("d1")
            let (_, all) = try await C.get(app, admin, "/api/v1/balance?standard=basic&stage=primary")
            #expect(((all["excluded"] as? [[String: Any]]) ?? []).contains { $0["schoolId"] as? Int == f.schools["T0003"] })
            for path in ["/api/v1/balance?standard=basic&stage=primary", "/api/v1/balance/summary"] {
                try await app.check(.GET, path, headers: bearer(d1)) { res in
                    #expect(res.status == .ok)
                    #expect(!res.text.contains("\"schoolId\":\(f.schools["T0003"]!)"), "\(path)")
                }
            }
        }
    }

    @Test("twenty parallel creates of one resident ID: one 201, the rest 409, none 500", arguments: TestDB.all)
    func uniqueRace(db: TestDB) async throws {
        try await withApp(db, postgresConnections: 8) { app, f in
            let token = try await app.token("admin")
            let rid = Fixture.residentID("19930909", 91)
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        let (_, b) = try jsonBody(Bodies.teacher(f, rid: rid))
                        var s: UInt = 0
                        try await app.check(.POST, "/api/v1/teachers", headers: bearer(token, json: true), body: b) { res in s = res.status.code }
                        return s
                    }
                }
                var out: [UInt] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.filter { $0 == 201 }.count == 1)
            #expect(statuses.filter { $0 == 409 }.count == 19, "\(statuses)")
        }
    }

    @Test("no log line keeps a full resident ID or phone number")
    func scrubbedLogs() {
        final class Capture: @unchecked Sendable { var lines: [String] = [] }
        struct Handler: LogHandler {
            let capture: Capture
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? { get { metadata[key] } set { metadata[key] = newValue } }
            func log(event: LogEvent) {
                capture.lines.append(event.message.description + " " + (event.metadata?.description ?? ""))
            }
        }
        let capture = Capture()
        let logger = Logger(label: "t") { _ in ScrubbingLogHandler(Handler(capture: capture)) }
        let rid = Fixture.residentID("19800101", 1)
        logger.error("duplicate key value violates unique constraint: Key (resident_id)=(\(rid)) already exists", metadata: ["phone": "13812345678"])
        logger.info("13048119800101001X and 130481198001010013 in one line, row 12345")
        // A hash's digits are not an ID.
        logger.notice("audit head: 1:661234567890123456248ee393ab020fbff8cbac04b4293604e6cba7f58235f1de0")
        #expect(!capture.lines.joined().contains(rid))
        #expect(!capture.lines.joined().contains("13812345678"))
        #expect(!capture.lines.joined().contains("13048119800101001X"))
        #expect(capture.lines[0].contains(Masking.residentID(rid)))
        #expect(capture.lines[1].contains("row 12345"))
        #expect(capture.lines[2].contains("1:661234567890123456248ee393ab"))
    }

    @Test("ID-card scans are never cached", arguments: TestDB.all)
    func noStore(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await C.windows(app)
            let applicant = try await app.token("applicant")
            let (_, a) = try await C.post(app, applicant, "/api/v1/certification/applications", C.body(rid: Fixture.residentID("19960606", 66)))
            let id = a["id"] as! Int
            #expect(try await CertificationDocumentsTests.upload(app, applicant, id, "id_card", CertificationDocumentsTests.pdf).0 == .created)
            try await app.check(.GET, "/api/v1/certification/applications/\(id)/documents/id_card", headers: bearer(applicant)) { res in
                #expect(res.status == .ok)
                #expect(res.headers.first(name: .cacheControl) == "no-store")
            }
        }
    }
}


@Suite("Security: statuses in the right order")
struct SecurityStatusTests {
    typealias C = CertificationTests

    @Test("a stale version on an application that has moved on is 409, on both databases", arguments: TestDB.all)
    func staleIsConflict(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await C.windows(app)
            let (id, v) = try await C.inReview(app, type: "primary", rid: Fixture.residentID("19950808", 58))
            let reviewer = try await app.token("reviewer"), admin = try await app.token("admin")
            #expect(try await C.event(app, reviewer, id, "approve", version: v).0 == .ok)
            // The other reviewer's page still shows the old version: approving again is stale.
            let (s, b) = try await C.event(app, admin, id, "reject", version: v, extra: ["reason": "other"])
            #expect(s == .conflict && b["code"] as? String == "stale_version")
        }
    }

    @Test("forms answer 403 before 422 to users who may not use them", arguments: TestDB.all)
    func permissionFirst(db: TestDB) async throws {
        try await withApp(db) { app, f in
            _ = try await C.windows(app)
            // Balance rules and equity: a district admin reads balance but writes neither.
            let d1 = try await Browser.login(app, "d1")
            #expect(try await Browser.form(app, d1, "/balance/rules", ["effectiveFrom": "bad"]).status == .forbidden)
            #expect(try await Browser.form(app, d1, "/balance/equity", ["year": "x"]).status == .forbidden)
            // School conditions: a teacher sees the school but does not write its conditions.
            let t1 = try await Browser.login(app, "t1")
            #expect(try await Browser.form(app, t1, "/schools/\(f.schools["T0001"]!)/conditions", ["year": "x"]).status == .forbidden)
            // The panel's score form: an applicant is no expert.
            let applicant = try await app.token("applicant")
            let (_, a) = try await C.post(app, applicant, "/api/v1/certification/applications", C.body(rid: Fixture.residentID("19970707", 77)))
            let id = a["id"] as! Int
            let ac = try await Browser.login(app, "applicant")
            #expect(try await Browser.form(app, ac, "/certification/applications/\(id)/scores", ["score": "abc"]).status == .forbidden)
            // The API: an event the applicant may never send, an objection they may not resolve.
            #expect(try await C.post(app, applicant, "/api/v1/certification/applications/\(id)/events", ["event": "approve"]).0 == .forbidden)
            #expect(try await C.post(app, applicant, "/api/v1/certification/objections/1", ["status": "maybe"]).0 == .forbidden)
            #expect(try await C.post(app, try await app.token("s1"), "/api/v1/schools/\(f.schools["T0001"]!)/merge", ["intoSchoolId": "x"]).0 == .forbidden)
        }
    }
}

