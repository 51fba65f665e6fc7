import Foundation
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
import XuequKit
@testable import Certification
@testable import XuequApp

/// Documents, the ability test's panel, the rules pages, time in each state, deadlines and a
/// failure in the middle of a step — on both databases.
@Suite("Certification documents, panel, rules")
struct CertificationDocumentsTests {
    static let pdf = Data("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n".utf8)
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")!
    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01]) + Data(count: 64)
    static let gif = Data("GIF89a".utf8) + Data(count: 32)

    /// Uploads raw bytes as one document (`?kind=`); the status and the answer.
    static func upload(_ app: Application, _ token: String, _ id: Int, _ kind: String, _ data: Data, name: String = "scan.pdf") async throws -> (HTTPStatus, [String: Any]) {
        var h = bearer(token)
        h.contentType = HTTPMediaType(type: "application", subType: "octet-stream")
        var out: (HTTPStatus, [String: Any]) = (.internalServerError, [:])
        try await app.check(.POST, "/api/v1/certification/applications/\(id)/documents?kind=\(kind)&filename=\(name)", headers: h, body: ByteBuffer(data: data)) { res in
            out = (res.status, (try? res.json()) ?? [:])
        }
        return out
    }

    /// Every document the route asks for.
    static func uploadAll(_ app: Application, _ token: String, _ id: Int, route: CertRoute = .nationalExam) async throws {
        for k in CertDocumentKind.required(for: route) {
            let (s, _) = try await upload(app, token, id, k.rawValue, k == .photo ? png : pdf, name: k == .photo ? "photo.png" : "\(k.rawValue).pdf")
            #expect(s == .created, "upload \(k.rawValue)")
        }
    }

    static func codes(_ r: [String: Any]) -> [String] { (r["deficiencies"] as? [[String: Any]])?.compactMap { $0["code"] as? String } ?? [] }

    @Test("documents: type from the bytes, 5 MB, the photo an image, stored once by hash, only while correctable, and the checklist follows", arguments: TestDB.all)
    func documents(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await CertificationTests.windows(app)
            let applicant = try await app.token("applicant"), reviewer = try await app.token("reviewer"), teacher = try await app.token("t1")
            let rid = Fixture.residentID("19970707", 31)
            let (_, a) = try await CertificationTests.post(app, applicant, "/api/v1/certification/applications", CertificationTests.body(rid: rid))
            let id = a["id"] as! Int
            #expect(Self.codes(a) == ["physical_exam_missing", "documents_missing"], "an applicant's own \"pass\" for the examination is not taken")

            // Refused, each with the field named and nothing stored.
            var (s, r) = try await Self.upload(app, applicant, id, "degree", Self.gif, name: "degree.pdf")
            #expect(s == .unprocessableEntity && (r["fields"] as? [String: Any])?["file"] != nil)
            (s, _) = try await Self.upload(app, applicant, id, "photo", Self.pdf)
            #expect(s == .unprocessableEntity, "a photo must be an image")
            (s, r) = try await Self.upload(app, applicant, id, "diploma", Self.pdf)
            #expect(s == .unprocessableEntity && (r["fields"] as? [String: Any])?["kind"] != nil)
            (s, _) = try await Self.upload(app, applicant, id, "degree", Data())
            #expect(s == .unprocessableEntity)
            (s, r) = try await Self.upload(app, applicant, id, "degree", Self.pdf + Data(count: DocumentStore.maxBytes))
            #expect(s == .payloadTooLarge && (r["reason"] as? String)?.contains("5 MB") == true)
            (s, r) = try await Self.upload(app, applicant, id, "degree", Self.pdf + Data(count: 7 * 1024 * 1024))
            #expect(s == .payloadTooLarge && (r["reason"] as? String)?.contains("20 MB") == false, "refused by the route's body limit, without the sheets' number")
            (s, _) = try await Self.upload(app, teacher, id, "degree", Self.pdf)
            #expect(s == .forbidden, "a teacher takes no part in certification")
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM cert_documents").first(decoding: N.self)?.n == 0)

            // A JPEG degree scan through the multipart form, then the rest.
            let (mh, mb) = multipart(file: Self.jpeg, filename: "学历.jpg", extra: ["kind": "degree"])
            var h = bearer(applicant)
            h.contentType = mh.contentType
            try await app.check(.POST, "/api/v1/certification/applications/\(id)/documents", headers: h, body: mb) { res in
                #expect(res.status == .created)
                #expect((try? res.json())?["mediaType"] as? String == "image/jpeg")
            }
            // A name with a path and a line break keeps only its last part, without the break.
            let odd = "../../etc/passwd\r\n.pdf".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let (os, oddDoc) = try await Self.upload(app, applicant, id, "id_card", Self.pdf, name: odd)
            #expect(os == .created && oddDoc["filename"] as? String == "passwd.pdf")
            try await Self.uploadAll(app, applicant, id)
            let (_, detail) = try await CertificationTests.get(app, applicant, "/api/v1/certification/applications/\(id)")
            #expect(Self.codes(detail) == ["physical_exam_missing"])
            #expect((detail["history"] as? [[String: Any]])?.filter { $0["event"] as? String == "upload" }.count == 9)

            // Stored once per content, under its hash; served with its sniffed type to those who may see it.
            let hash = DocumentStore.hash(Self.pdf)
            #expect(app.documents.get(hash) == Self.pdf)
            #expect(try await app.db.sql.raw("SELECT COUNT(DISTINCT sha256) AS n FROM cert_documents WHERE application_id = \(bind: id)").first(decoding: N.self)?.n == 2)
            try await app.check(.GET, "/api/v1/certification/applications/\(id)/documents/photo", headers: bearer(reviewer)) { res in
                #expect(res.status == .ok)
                #expect(res.headers.contentType?.description == "image/png")
                #expect(res.headers.first(name: "X-Content-Type-Options") == "nosniff")
                #expect(Data(buffer: res.body) == Self.png)
            }
            try await app.check(.GET, "/api/v1/certification/applications/\(id)/documents/photo", headers: bearer(teacher)) { res in #expect(res.status == .forbidden) }
            try await app.check(.GET, "/api/v1/certification/applications/\(id)/documents", headers: bearer(applicant)) { res in
                #expect((try? res.json())?["missing"] as? [String] == [])
            }

            // Submitted: no more uploads until a correction is asked; accepted: the file is paper now.
            let (_, sub) = try await CertificationTests.event(app, applicant, id, "submit", version: detail["version"] as! Int)
            (s, r) = try await Self.upload(app, applicant, id, "photo", Self.png)
            #expect(s == .unprocessableEntity && r["code"] as? String == "not_correctable")
            let (_, entered) = try await CertificationTests.physical(app, reviewer, id, "pass", version: sub["version"] as! Int)
            let (_, acc) = try await CertificationTests.event(app, reviewer, id, "accept", version: entered["version"] as! Int)
            #expect(acc["state"] as? String == "review")
            let (_, after) = try await CertificationTests.get(app, reviewer, "/api/v1/certification/applications/\(id)")
            #expect(Self.codes(after).isEmpty)
        }
    }

    @Test("the ability test: each expert scores once (a second score replaces it), the panel must be complete, the mean decides", arguments: TestDB.all)
    func panel(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await CertificationTests.windows(app)
            let hash = try await Accounts.hashPassword(Fixture.password, app: app)
            _ = try await app.writeGate.transaction(on: app.db) { tx in
                for u in ["expert1", "expert2"] {
                    _ = try await Accounts.insertUser(.init(username: u, displayName: "评委\(u.suffix(1))", role: .reviewer), passwordHash: hash, on: tx, now: app.clock.now())
                }
            }
            let reviewer = try await app.token("reviewer")
            let e1 = try await app.token("expert1"), e2 = try await app.token("expert2"), prefecture = try await app.token("prefecture")
            func start(_ rid: String) async throws -> (Int, Int) {
                let applicant = try await CertificationTests.applicant(app, for: rid)
                let (_, a) = try await CertificationTests.post(app, applicant, "/api/v1/certification/applications", CertificationTests.body(rid: rid, route: "two_exams"))
                let id = a["id"] as! Int
                try await Self.uploadAll(app, applicant, id, route: .twoExams)
                let (_, d) = try await CertificationTests.get(app, applicant, "/api/v1/certification/applications/\(id)")
                let (_, s) = try await CertificationTests.event(app, applicant, id, "submit", version: d["version"] as! Int)
                let (_, r) = try await CertificationTests.event(app, reviewer, id, "accept", version: s["version"] as! Int)
                #expect(r["state"] as? String == "ability_test")
                return (id, r["version"] as! Int)
            }
            func score(_ token: String, _ id: Int, _ v: Any) async throws -> (HTTPStatus, [String: Any]) {
                try await CertificationTests.post(app, token, "/api/v1/certification/applications/\(id)/ability-scores", ["score": v])
            }
            let (id, v) = try await start(Fixture.residentID("19960101", 41))
            #expect(try await score(reviewer, id, 70).0 == .created)
            #expect(try await score(e1, id, 150).0 == .unprocessableEntity)
            #expect(try await score(try await CertificationTests.applicant(app, for: Fixture.residentID("19960101", 41)), id, 99).0 == .forbidden)
            #expect(try await score(prefecture, id, 99).0 == .forbidden, "only the county body's panel scores")
            #expect(try await score(e1, id, 40).0 == .created)
            // Two of three: the test cannot be closed yet.
            var (s, r) = try await CertificationTests.event(app, reviewer, id, "score_ability_test", version: v)
            #expect(s == .unprocessableEntity && r["code"] as? String == "panel_incomplete")
            (s, r) = try await score(e1, id, 80)
            #expect(s == .created && (r["scores"] as? [Any])?.count == 2, "expert1's second score replaces the first")
            (s, r) = try await score(e2, id, 75)
            #expect(r["mean"] as? Double == 75 && r["passMark"] as? Double == 60 && r["panelMinimum"] as? Int == 3)
            (s, r) = try await CertificationTests.event(app, reviewer, id, "score_ability_test", version: v)
            #expect(s == .ok && r["state"] as? String == "review")
            #expect(try await score(e2, id, 10).0 == .unprocessableEntity, "the test is closed")
            let (_, d) = try await CertificationTests.get(app, reviewer, "/api/v1/certification/applications/\(id)")
            let line = (d["history"] as? [[String: Any]])?.first { $0["event"] as? String == "score_ability_test" }
            #expect((line?["reason"] as? String)?.contains("平均 75.0") == true)

            // Below the pass mark: rejected with the coded reason.
            let (id2, v2) = try await start(Fixture.residentID("19960102", 42))
            for (t, x) in [(reviewer, 50), (e1, 55), (e2, 61)] { _ = try await score(t, id2, x) }
            (s, r) = try await CertificationTests.event(app, reviewer, id2, "score_ability_test", version: v2)
            #expect(r["state"] as? String == "rejected")
            let (_, d2) = try await CertificationTests.get(app, reviewer, "/api/v1/certification/applications/\(id2)")
            #expect(d2["reasonCode"] as? String == "ability_test_failed")
        }
    }

    @Test("rules: the bureau publishes a dated version from the page, it applies from its date; others may not; bad values are all named", arguments: TestDB.all)
    func rules(db: TestDB) async throws {
        let clock = TestClock()
        try await withApp(db, clock: clock) { app, _ in
            _ = try await CertificationTests.windows(app)
            let today = CivilDate.today(app.clock.now())
            let cookies = try await Browser.login(app, "admin")
            let csrf = try await Browser.csrfToken(app, cookies: cookies, page: "/certification/rules")
            var h = HTTPHeaders()
            h.cookie = cookies
            h.contentType = .urlEncodedForm
            func form(_ fields: [String: String]) -> ByteBuffer {
                var all = ["_csrf": csrf, "effectiveFrom": today.adding(days: 1).description, "putonghuaMinimum": "2B", "putonghuaMinimumChinese": "2A", "townshipPutonghua": "",
                           "examValidityYears": "3", "abilityPassMark": "60", "abilityPanelMinimum": "3", "note": "本省自明日起小学要求专科",
                           "education_kindergarten": "junior_college", "education_primary": "junior_college", "education_junior": "junior_college",
                           "education_senior": "bachelor", "education_vocational": "bachelor", "education_vocational_practice": "secondary"]
                for (k, v) in fields { all[k] = v }
                return ByteBuffer(string: all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&"))
            }
            try await app.check(.POST, "/certification/rules", headers: h, body: form(["abilityPassMark": "150", "putonghuaMinimumChinese": "3A", "examValidityYears": "x"])) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.text.contains("合格线应在0到100之间") && res.text.contains("语文教师的普通话要求不能低于一般要求") && res.text.contains("应为整数"))
            }
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM cert_rules").first(decoding: N.self)?.n == 1)
            try await app.check(.POST, "/certification/rules", headers: h, body: form([:])) { res in #expect(res.status == .seeOther) }

            // A reviewer reads the rules but may not publish.
            let rc = try await Browser.login(app, "reviewer")
            var rh = HTTPHeaders()
            rh.cookie = rc
            try await app.check(.GET, "/certification/rules", headers: rh) { res in
                #expect(res.status == .ok && res.text.contains("本省自明日起小学要求专科") && !res.text.contains("id=\"rules-form\""))
            }
            rh.contentType = .urlEncodedForm
            let rcsrf = try await Browser.csrfToken(app, cookies: rc, page: "/certification/rules")
            try await app.check(.POST, "/certification/rules", headers: rh, body: ByteBuffer(string: "_csrf=\(rcsrf)&effectiveFrom=2030-01-01")) { res in #expect(res.status == .forbidden) }

            // A primary applicant with 中师 (secondary): fine today, below the minimum from tomorrow.
            let applicant = try await app.token("applicant")
            let (_, a) = try await CertificationTests.post(app, applicant, "/api/v1/certification/applications", CertificationTests.body(rid: Fixture.residentID("19950505", 51), education: "secondary"))
            #expect(!Self.codes(a).contains("education_below_minimum"))
            clock.advance(86400)
            let (_, later) = try await CertificationTests.get(app, try await app.token("applicant"), "/api/v1/certification/applications/\(a["id"] as! Int)")
            #expect(Self.codes(later).contains("education_below_minimum"))
        }
    }

    @Test("statistics: days in each state from the transitions; the home page warns of the decision deadline and of corrections", arguments: TestDB.all)
    func timesAndDeadlines(db: TestDB) async throws {
        let clock = TestClock()
        try await withApp(db, clock: clock) { app, _ in
            let w = try await CertificationTests.windows(app)
            var applicant = try await app.token("applicant"), reviewer = try await app.token("reviewer")
            let (_, a) = try await CertificationTests.post(app, applicant, "/api/v1/certification/applications", CertificationTests.body(rid: Fixture.residentID("19940404", 61)))
            let id = a["id"] as! Int
            var (_, r) = try await CertificationTests.event(app, applicant, id, "submit", version: a["version"] as! Int)
            clock.advance(2 * 86400)
            reviewer = try await app.token("reviewer")   // tokens last 12 hours
            (_, r) = try await CertificationTests.event(app, reviewer, id, "request_correction", version: r["version"] as! Int, extra: ["reason": "补交材料"])

            let home = try await Browser.login(app, "applicant")
            var h = HTTPHeaders()
            h.cookie = home
            try await app.check(.GET, "/", headers: h) { res in #expect(res.text.contains("待补正，请在")) }

            clock.advance(86400)
            applicant = try await app.token("applicant")
            reviewer = try await app.token("reviewer")
            (_, r) = try await CertificationTests.event(app, applicant, id, "submit", version: r["version"] as! Int)
            (_, r) = try await CertificationTests.event(app, reviewer, id, "accept", version: r["version"] as! Int)
            (_, r) = try await CertificationTests.physical(app, reviewer, id, "pass", version: r["version"] as! Int)
            clock.advance(3 * 86400)
            reviewer = try await app.token("reviewer")
            (_, r) = try await CertificationTests.event(app, reviewer, id, "approve", version: r["version"] as! Int)
            #expect(r["state"] as? String == "approved")
            let (_, stats) = try await CertificationTests.get(app, reviewer, "/api/v1/certification/statistics?window=\(w.open)")
            let days = stats["daysInState"] as? [String: Double] ?? [:]
            #expect(days["submitted"] == 2, "two days before the correction was asked; the resubmission was acted on at once")
            #expect(days["deficient"] == 1 && days["review"] == 3 && days["approved"] == 0)
            #expect(days["ability_test"] == nil, "never in that state")

            // The reviewer's home: the open window has nothing undecided now; a new submission shows the deadline.
            applicant = try await CertificationTests.applicant(app, for: Fixture.residentID("19940405", 62))
            let (_, b) = try await CertificationTests.post(app, applicant, "/api/v1/certification/applications", CertificationTests.body(rid: Fixture.residentID("19940405", 62)))
            _ = try await CertificationTests.event(app, applicant, b["id"] as! Int, "submit", version: b["version"] as! Int)
            var rh = HTTPHeaders()
            rh.cookie = try await Browser.login(app, "reviewer")
            try await app.check(.GET, "/", headers: rh) { res in
                #expect(res.text.contains("1 份申请尚未作出决定"))
                #expect(res.text.contains("/certification?window=\(w.open)"))
            }
        }
    }

    @Test("a failure in the middle of issuing leaves the application noticed and the serial unused", arguments: TestDB.all)
    func failureMidStep(db: TestDB) async throws {
        let clock = TestClock()
        try await withApp(db, clock: clock) { app, _ in
            let w = try await CertificationTests.windows(app)
            let applicant = try await app.token("applicant"), reviewer = try await app.token("reviewer")
            let (_, a) = try await CertificationTests.post(app, applicant, "/api/v1/certification/applications", CertificationTests.body(rid: Fixture.residentID("19930606", 71)))
            let id = a["id"] as! Int
            var (_, r) = try await CertificationTests.event(app, applicant, id, "submit", version: a["version"] as! Int)
            (_, r) = try await CertificationTests.event(app, reviewer, id, "accept", version: r["version"] as! Int)
            (_, r) = try await CertificationTests.physical(app, reviewer, id, "pass", version: r["version"] as! Int)
            (_, r) = try await CertificationTests.event(app, reviewer, id, "approve", version: r["version"] as! Int)
            _ = try await CertificationTests.post(app, reviewer, "/api/v1/certification/notices", ["applicationIds": [id], "days": 5])
            clock.advance(6 * 86400)
            let reviewer2 = try await app.token("reviewer")
            let (_, d) = try await CertificationTests.get(app, reviewer2, "/api/v1/certification/applications/\(id)")
            // A row already holding this application's certificate makes the certificate insert fail
            // after the state, history and serial were written in the same transaction.
            try await app.db.sql.raw("""
                INSERT INTO certificates (number, application_id, body_id, year, serial, name, resident_id, type, subject, issued_on)
                VALUES ('00000000000000000', \(bind: id), \(bind: w.county), 1900, 999, 'x', 'x', 'primary', 'math', '1900-01-01')
                """).run()
            let (s, _) = try await CertificationTests.event(app, reviewer2, id, "issue_certificate", version: d["version"] as! Int)
            #expect(s.code >= 400)
            let (_, after) = try await CertificationTests.get(app, reviewer2, "/api/v1/certification/applications/\(id)")
            #expect(after["state"] as? String == "noticed" && after["version"] as? Int == d["version"] as? Int)
            #expect((after["history"] as? [[String: Any]])?.contains { $0["event"] as? String == "issue_certificate" } == false)
            struct L: Decodable { let last: Int? }
            let last = try await app.db.sql.raw("SELECT MAX(last) AS last FROM cert_serials").first(decoding: L.self)?.last
            #expect(last == nil || last == 0, "the serial went back with the transaction")
            // With the obstacle gone, the step succeeds and takes serial 1.
            try await app.db.sql.raw("DELETE FROM certificates WHERE number = '00000000000000000'").run()
            let (s2, r2) = try await CertificationTests.event(app, reviewer2, id, "issue_certificate", version: d["version"] as! Int)
            #expect(s2 == .ok && r2["state"] as? String == "certified")
            let (_, list) = try await CertificationTests.get(app, reviewer2, "/api/v1/certificates")
            #expect(((list["items"] as? [[String: Any]])?.first?["number"] as? String)?.hasSuffix("000001") == true)
        }
    }
}

extension CertificationDocumentsTests {
    @Test("bodies and windows: the bureau adds them (API and page), every bad field named, overlaps refused; others may not; an application lands in the new window", arguments: TestDB.all)
    func bodiesAndWindows(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            let admin = try await app.token("admin"), reviewer = try await app.token("reviewer")
            var (s, r) = try await CertificationTests.post(app, admin, "/api/v1/certification/bodies", ["code": "1348", "name": "", "level": "city"])
            #expect(s == .unprocessableEntity && Set((r["fields"] as? [String: Any])?.keys.map { $0 } ?? []) == ["code", "name", "level"])
            (s, r) = try await CertificationTests.post(app, reviewer, "/api/v1/certification/bodies", ["code": "13481", "name": "武安市教育局", "level": "county"])
            #expect(s == .forbidden)
            (s, r) = try await CertificationTests.post(app, admin, "/api/v1/certification/bodies", ["code": "13481", "name": "武安市教育局", "level": "county"])
            #expect(s == .created)
            let county = r["id"] as! Int
            (s, _) = try await CertificationTests.post(app, admin, "/api/v1/certification/bodies", ["code": "13481", "name": "重复", "level": "county"])
            #expect(s == .conflict)
            (s, r) = try await CertificationTests.post(app, admin, "/api/v1/certification/bodies", ["code": "13040", "name": "邯郸市教育局", "level": "prefecture"])
            let prefecture = r["id"] as! Int

            let today = CivilDate.today(app.clock.now())
            func window(_ body: Int, _ name: String, _ from: Int, _ to: Int, _ types: [String]) async throws -> (HTTPStatus, [String: Any]) {
                try await CertificationTests.post(app, admin, "/api/v1/certification/windows",
                                                  ["bodyId": body, "name": name, "opensOn": today.adding(days: from).description, "closesOn": today.adding(days: to).description, "types": types])
            }
            (s, r) = try await window(county, "", 5, -5, ["primary", "astronaut"])
            #expect(s == .unprocessableEntity && Set((r["fields"] as? [String: Any])?.keys.map { $0 } ?? []) == ["name", "closesOn", "types"])
            (s, r) = try await window(prefecture, "市级批次", -1, 10, ["senior"])
            #expect(s == .unprocessableEntity && (r["fields"] as? [String: Any])?["bodyId"] != nil, "windows are the county's")
            (s, r) = try await window(county, "2026年秋季", -3, 20, ["primary", "junior", "senior"])
            #expect(s == .created && r["authority"] as? String == "武安市教育局" && r["types"] as? [String] == ["primary", "junior", "senior"])
            (s, r) = try await window(county, "重叠批次", 10, 40, ["junior"])
            #expect(s == .unprocessableEntity && (r["fields"] as? [String: Any])?["opensOn"] != nil)
            (s, _) = try await window(county, "幼儿园专场", 10, 40, ["kindergarten"])
            #expect(s == .created, "the same dates for other types")

            let applicant = try await app.token("applicant")
            let (cs, created) = try await CertificationTests.post(app, applicant, "/api/v1/certification/applications", CertificationTests.body(rid: Fixture.residentID("19920202", 81)))
            #expect(cs == .created && created["state"] as? String == "draft")

            // The page: the bureau sees both forms; a reviewer reads; a teacher may not.
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "admin")
            try await app.check(.GET, "/certification/windows", headers: h) { res in
                #expect(res.status == .ok && res.text.contains("id=\"window-form\"") && res.text.contains("id=\"body-form\"") && res.text.contains("2026年秋季"))
            }
            var rh = HTTPHeaders()
            rh.cookie = try await Browser.login(app, "reviewer")
            try await app.check(.GET, "/certification/windows", headers: rh) { res in #expect(res.status == .ok && !res.text.contains("id=\"window-form\"")) }
            var th = HTTPHeaders()
            th.cookie = try await Browser.login(app, "t1")
            try await app.check(.GET, "/certification/windows", headers: th) { res in #expect(res.status == .forbidden) }
        }
    }
}
