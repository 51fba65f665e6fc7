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

/// The certification contract on both databases: applying, each transition, notices, objections,
/// certificates, verification, bars, and the concurrency cases.
@Suite("Certification")
struct CertificationTests {
    static func windows(_ app: Application) async throws -> CertificationDemo.Windows {
        try await CertificationDemo.bodiesAndWindows(on: app.db, today: CivilDate.today(app.clock.now()))
    }

    static func body(type: String = "primary", rid: String, route: String = "national_exam", physical: String = "pass", putonghua: String = "2B",
                     education: String = "bachelor", subject: String = "math", exam: String? = "2025-06-01") -> [String: Any] {
        var b: [String: Any] = ["name": "申请人甲", "residentId": rid, "type": type, "subject": subject, "education": education, "normalGraduate": false,
                                "putonghua": putonghua, "route": route, "physicalExam": physical]
        if let exam { b["examPassedOn"] = exam }
        return b
    }

    static func post(_ app: Application, _ token: String, _ path: String, _ body: [String: Any]) async throws -> (HTTPStatus, [String: Any]) {
        let (_, b) = try jsonBody(body)
        var out: (HTTPStatus, [String: Any]) = (.internalServerError, [:])
        try await app.check(.POST, path, headers: bearer(token, json: true), body: b) { res in out = (res.status, (try? res.json()) ?? [:]) }
        return out
    }

    static func event(_ app: Application, _ token: String, _ id: Int, _ event: String, version: Int, extra: [String: Any] = [:]) async throws -> (HTTPStatus, [String: Any]) {
        var b: [String: Any] = ["event": event, "version": version]
        for (k, v) in extra { b[k] = v }
        return try await post(app, token, "/api/v1/certification/applications/\(id)/events", b)
    }

    @Test("a primary application from draft to certificate, with the ability test, the notice and the public check", arguments: TestDB.all)
    func fullPath(db: TestDB) async throws {
        let clock = TestClock()
        try await withApp(db, clock: clock, settings: { $0.publicURL = "https://jiaoyu.example.cn/xuequ" }) { app, _ in
            _ = try await Self.windows(app)
            var applicant = try await app.token("applicant"), reviewer = try await app.token("reviewer")
            let rid = Fixture.residentID("19980305", 22)

            // The checklist before submitting: the physical examination is missing.
            let (created, app1) = try await Self.post(app, applicant, "/api/v1/certification/applications", Self.body(rid: rid, route: "two_exams", physical: "pending"))
            #expect(created == .created)
            #expect(app1["state"] as? String == "draft")
            #expect((app1["deficiencies"] as? [[String: Any]])?.map { $0["code"] as? String } == ["physical_exam_missing", "documents_missing"])
            let id = app1["id"] as! Int
            try await CertificationDocumentsTests.uploadAll(app, applicant, id, route: .twoExams)
            var v = try await Self.get(app, applicant, "/api/v1/certification/applications/\(id)").1["version"] as! Int

            var (s, r) = try await Self.event(app, applicant, id, "submit", version: v)
            #expect(s == .ok && r["state"] as? String == "submitted")
            v = r["version"] as! Int
            (s, r) = try await Self.event(app, reviewer, id, "request_correction", version: v, extra: ["reason": "请补交体检结论"])
            #expect(r["state"] as? String == "deficient")
            v = r["version"] as! Int
            (s, r) = try await Self.event(app, applicant, id, "submit", version: v)
            v = r["version"] as! Int
            (s, r) = try await Self.event(app, reviewer, id, "accept", version: v)
            #expect(r["state"] as? String == "ability_test")
            v = r["version"] as! Int
            (s, r) = try await Self.event(app, reviewer, id, "score_ability_test", version: v, extra: ["scores": [72, 80, 76]])
            #expect(r["state"] as? String == "review")
            v = r["version"] as! Int
            // Approval needs the hospital's result, which the body enters and the applicant cannot.
            (s, r) = try await Self.event(app, reviewer, id, "approve", version: v)
            #expect(s == .unprocessableEntity && r["code"] as? String == "physical_exam_not_recorded")
            #expect(try await Self.physical(app, applicant, id, "pass", version: v).0 == .forbidden)
            #expect(try await Self.physical(app, reviewer, id, "healthy", version: v).0 == .unprocessableEntity)
            #expect(try await Self.physical(app, reviewer, id, "pass", version: v + 7).0 == .conflict)
            (s, r) = try await Self.physical(app, reviewer, id, "pass", version: v)
            #expect(s == .ok && (r["deficiencies"] as? [[String: Any]])?.isEmpty == true, "\(r)")
            v = r["version"] as! Int
            (s, r) = try await Self.event(app, reviewer, id, "approve", version: v)
            #expect(r["state"] as? String == "approved")
            #expect(try await Self.physical(app, reviewer, id, "fail", version: r["version"] as! Int).0 == .unprocessableEntity, "not after the decision")
            v = r["version"] as! Int
            // Not yet on notice: no certificate.
            (s, _) = try await Self.event(app, reviewer, id, "issue_certificate", version: v)
            #expect(s == .unprocessableEntity)

            let (ns, notice) = try await Self.post(app, reviewer, "/api/v1/certification/notices", ["applicationIds": [id], "days": 7])
            #expect(ns == .created)
            let noticeId = notice["id"] as! Int
            try await app.check(.GET, "/api/v1/certification/notices/\(noticeId)") { res in
                #expect(res.status == .ok)
                let entry = ((try? res.json())?["entries"] as? [[String: Any]])?.first ?? [:]
                #expect(entry["residentId"] as? String == Masking.residentID(rid))
                #expect(entry["name"] as? String != "申请人甲")
                #expect(!res.text.contains(rid))
            }
            let (_, detail) = try await Self.get(app, reviewer, "/api/v1/certification/applications/\(id)")
            v = detail["version"] as! Int
            #expect(detail["state"] as? String == "noticed")
            (s, _) = try await Self.event(app, reviewer, id, "issue_certificate", version: v)
            #expect(s == .unprocessableEntity, "the notice period is still running")
            clock.advance(8 * 86400)
            // A week later: new sign-ins (tokens last 12 hours).
            reviewer = try await app.token("reviewer")
            applicant = try await app.token("applicant")
            (s, r) = try await Self.event(app, reviewer, id, "issue_certificate", version: v)
            #expect(s == .ok && r["state"] as? String == "certified")

            let (_, list) = try await Self.get(app, reviewer, "/api/v1/certificates")
            let number = ((list["items"] as? [[String: Any]])?.first?["number"] as? String) ?? ""
            #expect(number.count == 17 && number.hasSuffix("000001"))
            try await app.check(.GET, "/api/v1/certificates/verify?number=\(number)&name=\("申请人甲".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)") { res in
                #expect(res.status == .ok)
                #expect((try? res.json())?["valid"] as? Bool == true)
                #expect((try? res.json())?["authority"] as? String == "武安市教育局")
            }
            try await app.check(.GET, "/api/v1/certificates/verify?number=\(number)&name=x") { res in #expect(res.status == .notFound) }
            // The printed certificate's QR code and address are the public address's, not the request's.
            var page = HTTPHeaders(); page.cookie = try await Browser.login(app, "reviewer"); page.replaceOrAdd(name: .host, value: "127.0.0.1:8080")
            try await app.check(.GET, "/certification/applications/\(id)/certificate", headers: page) { res in
                #expect(res.status == .ok)
                #expect(res.text.contains("https://jiaoyu.example.cn/xuequ/verify?number=\(number)") && !res.text.contains("127.0.0.1"), "\(res.status)")
            }

            // The full timeline.
            let (_, done) = try await Self.get(app, applicant, "/api/v1/certification/applications/\(id)")
            let events = (done["history"] as? [[String: Any]])?.compactMap { $0["event"] as? String }.filter { $0 != "upload" }
            #expect(events == ["submit", "request_correction", "submit", "accept", "score_ability_test", "physical_exam", "approve", "notice", "issue_certificate"])
            #expect((done["history"] as? [[String: Any]])?.allSatisfy { $0["actor"] is String && $0["at"] is String } == true)
        }
    }

    static func get(_ app: Application, _ token: String, _ path: String) async throws -> (HTTPStatus, [String: Any]) {
        var out: (HTTPStatus, [String: Any]) = (.internalServerError, [:])
        try await app.check(.GET, path, headers: bearer(token)) { res in out = (res.status, (try? res.json()) ?? [:]) }
        return out
    }

    /// The token of an applicant registered with `rid` (the username is the resident ID, as
    /// `/register` makes it): an applicant applies for themself only.
    static func applicant(_ app: Application, for rid: String) async throws -> String {
        if try await Accounts.user(username: rid, on: app.db) == nil {
            let hash = try await Accounts.hashPassword(Fixture.password, app: app)
            let now = app.clock.now()
            try await app.writeGate.transaction(on: app.db) { tx in
                _ = try await Accounts.insertUser(.init(username: rid, displayName: "申请人", role: .applicant), passwordHash: hash, on: tx, now: now)
            }
        }
        return try await app.token(rid)
    }

    /// Creates and submits an application as the applicant, then accepts it as the reviewer.
    static func inReview(_ app: Application, type: String, rid: String) async throws -> (id: Int, version: Int) {
        let applicant = try await applicant(app, for: rid), reviewer = try await app.token("reviewer")
        let (_, a) = try await post(app, applicant, "/api/v1/certification/applications", body(type: type, rid: rid))
        let id = a["id"] as! Int
        var (_, r) = try await event(app, applicant, id, "submit", version: a["version"] as! Int)
        (_, r) = try await event(app, reviewer, id, "accept", version: r["version"] as! Int)
        // The hospital's result, entered by the body (an applicant cannot declare it).
        (_, r) = try await physical(app, reviewer, id, "pass", version: r["version"] as! Int)
        return (id, r["version"] as! Int)
    }

    /// The body enters the physical examination's result.
    static func physical(_ app: Application, _ token: String, _ id: Int, _ result: String, version: Int) async throws -> (HTTPStatus, [String: Any]) {
        try await post(app, token, "/api/v1/certification/applications/\(id)/physical-exam", ["physicalExam": result, "version": version])
    }

    @Test("a senior application: the county forwards, the prefecture decides", arguments: TestDB.all)
    func senior(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await Self.windows(app)
            let (id, v) = try await Self.inReview(app, type: "senior", rid: Fixture.residentID("19970101", 31))
            let reviewer = try await app.token("reviewer"), prefecture = try await app.token("prefecture")
            #expect(try await Self.event(app, reviewer, id, "approve", version: v).0 == .forbidden)
            #expect(try await Self.event(app, prefecture, id, "approve", version: v).0 == .unprocessableEntity)
            let (_, f) = try await Self.event(app, reviewer, id, "forward", version: v)
            #expect(f["state"] as? String == "forwarded")
            let (s, a) = try await Self.event(app, prefecture, id, "approve", version: f["version"] as! Int)
            #expect(s == .ok && a["state"] as? String == "approved")
            // Types 1–3 are not the prefecture's.
            let (pid, pv) = try await Self.inReview(app, type: "primary", rid: Fixture.residentID("19970202", 32))
            #expect(try await Self.event(app, prefecture, pid, "approve", version: pv).0 == .notFound)
            // Rejections carry a coded reason.
            let (rs, rb) = try await Self.event(app, reviewer, pid, "reject", version: pv)
            #expect(rs == .unprocessableEntity && (rb["fields"] as? [String: Any])?["reason"] != nil)
            #expect(try await Self.event(app, reviewer, pid, "reject", version: pv, extra: ["reason": "putonghua_below_minimum"]).0 == .ok)
            // A teacher has no business here: refused by role before the application is looked up.
            let teacher = try await app.token("t1")
            #expect(try await Self.get(app, teacher, "/api/v1/certification/applications/\(id)").0 == .forbidden)
            #expect(try await Self.post(app, teacher, "/api/v1/certification/applications", Self.body(rid: Fixture.residentID("19970303", 33))).0 == .forbidden)
        }
    }

    @Test("bad input: field errors, a stale version, an event out of place", arguments: TestDB.all)
    func errors(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await Self.windows(app)
            let applicant = try await app.token("applicant")
            let (s, e) = try await Self.post(app, applicant, "/api/v1/certification/applications", ["residentId": "123", "type": "pilot"])
            #expect(s == .unprocessableEntity)
            let fields = e["fields"] as? [String: Any] ?? [:]
            #expect(Set(fields.keys).isSuperset(of: ["name", "residentId", "type", "subject", "education", "putonghua", "route"]))
            // The subject must be one the type's certificate can name.
            for (type, subject) in [("kindergarten", "math"), ("primary", "physics"), ("senior", "preschool")] {
                let (ks, kb) = try await Self.post(app, applicant, "/api/v1/certification/applications", Self.body(type: type, rid: Fixture.residentID("19960404", 43), subject: subject))
                #expect(ks == .unprocessableEntity, "\(type) in \(subject)")
                #expect(((kb["fields"] as? [String: String])?["subject"] ?? "").contains("任教学科不能是"))
            }
            for t in ["kindergarten", "primary", "junior", "senior", "vocational", "vocational_practice"] {
                #expect(!CertType(rawValue: t)!.allowedSubjects.isEmpty)
            }
            let rid = Fixture.residentID("19960404", 41)
            let (_, a) = try await Self.post(app, applicant, "/api/v1/certification/applications", Self.body(rid: rid))
            #expect(try await Self.post(app, applicant, "/api/v1/certification/applications", Self.body(rid: rid)).0 == .conflict)
            let id = a["id"] as! Int
            #expect(try await Self.event(app, applicant, id, "submit", version: 99).0 == .conflict)
            #expect(try await Self.event(app, applicant, id, "approve", version: 1).0 == .forbidden)
            #expect(try await Self.event(app, applicant, id, "issue_certificate", version: 1).0 == .forbidden)
            #expect(try await Self.event(app, applicant, id, "submit", version: 1).0 == .ok)
            #expect(try await Self.event(app, applicant, id, "submit", version: 2).0 == .unprocessableEntity)
            #expect(try await Self.event(app, applicant, id, "fly", version: 1).0 == .unprocessableEntity)
        }
    }

    @Test("two reviewers act at once: one succeeds, the other gets 409", arguments: TestDB.all)
    func concurrentReviewers(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await Self.windows(app)
            let (id, v) = try await Self.inReview(app, type: "primary", rid: Fixture.residentID("19950505", 51))
            let reviewer = try await app.token("reviewer"), admin = try await app.token("admin")
            let results = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                group.addTask { try await Self.event(app, reviewer, id, "approve", version: v).0 }
                group.addTask { try await Self.event(app, admin, id, "reject", version: v, extra: ["reason": "other"]).0 }
                var out: [HTTPStatus] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(results.sorted { $0.code < $1.code } == [.ok, .conflict])
            let (_, detail) = try await Self.get(app, reviewer, "/api/v1/certification/applications/\(id)")
            #expect((detail["history"] as? [[String: Any]])?.count == 4, "submit, accept, the examination, and the one decision")
        }
    }

    @Test("fifty certificates issued in parallel get fifty consecutive serials", arguments: TestDB.all)
    func parallelCertificates(db: TestDB) async throws {
        let clock = TestClock()
        // A production-sized pool: fifty writers queue on one serial row while every other suite
        // runs beside them (the support's pool timeout is generous for that); what is checked is
        // the serials.
        try await withApp(db, clock: clock, postgresConnections: 8) { app, _ in
            let w = try await Self.windows(app)
            // Fifty applications already on a notice that has ended.
            let now = clock.now.timeIntervalSince1970
            struct Id: Decodable { let id: Int }
            let notice = try await app.db.sql.raw("INSERT INTO cert_notices (window_id, title, from_on, to_on, created_by, created_at) VALUES (\(bind: w.open), 'n', '2020-01-01', '2020-01-07', 'x', \(bind: now)) RETURNING id").first(decoding: Id.self)!.id
            var ids: [Int] = []
            for k in 0..<50 {
                let rid = Fixture.residentID(String(format: "1990%02d%02d", 1 + k / 28, 1 + k % 28), 100 + k)
                let id = try await app.db.sql.raw("""
                    INSERT INTO cert_applications (window_id, name, resident_id, gender, type, subject, education, normal_graduate, putonghua, route, physical_exam, township, state, version, created_at, updated_at)
                    VALUES (\(bind: w.open), \(bind: "人\(k)"), \(bind: rid), 'male', 'junior', 'math', 'bachelor', \(bind: false), '2B', 'national_exam', 'pass', \(bind: false), 'noticed', 1, \(bind: now), \(bind: now)) RETURNING id
                    """).first(decoding: Id.self)!.id
                try await app.db.sql.raw("INSERT INTO cert_notice_entries (notice_id, application_id) VALUES (\(bind: notice), \(bind: id))").run()
                ids.append(id)
            }
            let reviewer = try await app.token("reviewer")
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for id in ids { group.addTask { try await Self.event(app, reviewer, id, "issue_certificate", version: 1).0 } }
                var out: [HTTPStatus] = []
                for try await s in group { out.append(s) }
                return out
            }
            #expect(statuses.allSatisfy { $0 == .ok }, "\(statuses.map(\.code))")
            struct S: Decodable { let serial: Int; let number: String }
            let rows = try await app.db.sql.raw("SELECT serial, number FROM certificates ORDER BY serial").all(decoding: S.self)
            #expect(rows.map(\.serial) == Array(1...50))
            #expect(Set(rows.map(\.number)).count == 50)
        }
    }

    @Test("an open objection holds the certificate; a revocation for fraud bars new applications for 5 years", arguments: TestDB.all)
    func objectionAndBar(db: TestDB) async throws {
        let clock = TestClock()
        try await withApp(db, clock: clock) { app, _ in
            _ = try await Self.windows(app)
            let rid = Fixture.residentID("19940606", 61)
            let (id, v) = try await Self.inReview(app, type: "junior", rid: rid)
            var reviewer = try await app.token("reviewer")
            _ = try await Self.event(app, reviewer, id, "approve", version: v)
            let (_, notice) = try await Self.post(app, reviewer, "/api/v1/certification/notices", ["applicationIds": [id], "days": 5])
            let nid = notice["id"] as! Int
            // The public files an objection, without signing in.
            let objection = try await Self.fileObjection(app, notice: nid, application: id, text: "该申请人的学历证书存疑，请核查。")
            clock.advance(6 * 86400)
            reviewer = try await app.token("reviewer")
            let (ds, d) = try await Self.get(app, reviewer, "/api/v1/certification/applications/\(id)")
            #expect(ds == .ok, "\(d)")
            let version = try #require(d["version"] as? Int)
            let (blocked, body) = try await Self.event(app, reviewer, id, "issue_certificate", version: version)
            #expect(blocked == .unprocessableEntity && body["code"] as? String == "objection_open")
            #expect(try await Self.post(app, reviewer, "/api/v1/certification/objections/\(objection)", ["status": "dismissed", "resolution": "核查学历证书无误"]).0 == .ok)
            let (ok, issued) = try await Self.event(app, reviewer, id, "issue_certificate", version: version)
            #expect(ok == .ok)
            let (_, revoked) = try await Self.event(app, reviewer, id, "revoke", version: issued["version"] as! Int, extra: ["reason": "fraud"])
            #expect(revoked["state"] as? String == "revoked")
            // Applying again: barred.
            let applicant = try await Self.applicant(app, for: rid)
            let (_, again) = try await Self.post(app, applicant, "/api/v1/certification/applications", Self.body(type: "primary", rid: rid))
            #expect((again["deficiencies"] as? [[String: Any]])?.contains { $0["code"] as? String == "barred" } == true)
            struct U: Decodable { let until: String }
            let until = try await app.db.sql.raw("SELECT until FROM cert_bars").first(decoding: U.self)?.until ?? ""
            #expect(until.hasPrefix(String(CivilDate.today(clock.now).year + 5)))
        }
    }

    /// The public files an objection against one person on a notice, without signing in (201 expected).
    static func fileObjection(_ app: Application, notice: Int, application: Int, text: String) async throws -> Int {
        let (_, ob) = try jsonBody(["applicationId": application, "filedBy": "王某", "contact": "13800000000", "text": text])
        var objection = 0
        try await app.check(.POST, "/api/v1/certification/notices/\(notice)/objections", headers: ["Content-Type": "application/json"], body: ob) { res in
            #expect(res.status == .created)
            objection = (try? res.json())?["id"] as? Int ?? 0
        }
        return objection
    }

    /// The next step the reviewers' queue shows for an application, read off the queue page.
    static func queueStep(_ app: Application, _ user: String, application id: Int) async throws -> String? {
        struct W: Decodable { let windowId: Int }
        let w = try await app.db.sql.raw("SELECT window_id FROM cert_applications WHERE id = \(bind: id)").first(decoding: W.self, with: CertificationService.decoder)!.windowId
        var h = HTTPHeaders()
        h.cookie = try await Browser.login(app, user)
        var step: String?
        try await app.check(.GET, "/certification?window=\(w)", headers: h) { res in
            #expect(res.status == .ok)
            let html = res.text
            guard let start = html.range(of: "href=\"/certification/applications/\(id)\"") else { return }
            let row = html[start.upperBound...]
            guard let end = row.range(of: "</tr>"), let mark = row[..<end.lowerBound].range(of: "data-step=\"") else { return }
            step = String(row[mark.upperBound...].prefix { $0 != "\"" })
        }
        return step
    }

    @Test("the reviewers' queue by next step: to decide, on notice, held by an objection, ready to certify, closed; the prefecture sees its own steps", arguments: TestDB.all)
    func queueSteps(db: TestDB) async throws {
        let clock = TestClock()
        try await withApp(db, clock: clock) { app, _ in
            _ = try await Self.windows(app)
            let rid = Fixture.residentID("19940707", 63)
            let (id, v) = try await Self.inReview(app, type: "junior", rid: rid)
            #expect(try await Self.queueStep(app, "reviewer", application: id) == "decide")
            let reviewer = try await app.token("reviewer")
            _ = try await Self.event(app, reviewer, id, "approve", version: v)
            #expect(try await Self.queueStep(app, "reviewer", application: id) == "publish")
            let (_, notice) = try await Self.post(app, reviewer, "/api/v1/certification/notices", ["applicationIds": [id], "days": 5])
            let nid = notice["id"] as! Int
            #expect(try await Self.queueStep(app, "reviewer", application: id) == "notice")
            let objection = try await Self.fileObjection(app, notice: nid, application: id, text: "请核查该申请人的学历。")
            clock.advance(6 * 86400)
            // The notice is over but an objection is open: still not ready.
            #expect(try await Self.queueStep(app, "reviewer", application: id) == "notice")
            let fresh = try await app.token("reviewer")
            #expect(try await Self.post(app, fresh, "/api/v1/certification/objections/\(objection)", ["status": "dismissed", "resolution": "核查无误"]).0 == .ok)
            #expect(try await Self.queueStep(app, "reviewer", application: id) == "certify")
            // The step filter lists it, and no other step does.
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "reviewer")
            // (Only the list counts: the objections below it link to the applicant too.)
            func listed(_ html: String) -> Bool {
                guard let start = html.range(of: "id=\"cert-list\"") else { return false }
                let table = html[start.upperBound...]
                let end = table.range(of: "</table>")?.lowerBound ?? table.endIndex
                return table[..<end].contains("/certification/applications/\(id)\"")
            }
            try await app.check(.GET, "/certification?step=certify", headers: h) { res in #expect(listed(res.text)) }
            try await app.check(.GET, "/certification?step=accept", headers: h) { res in #expect(!listed(res.text)) }
            let d = try await Self.get(app, fresh, "/api/v1/certification/applications/\(id)").1
            _ = try await Self.event(app, fresh, id, "issue_certificate", version: d["version"] as! Int)
            #expect(try await Self.queueStep(app, "reviewer", application: id) == "closed")

            // A senior application forwarded by the county is the prefecture's to decide.
            let (sid, sv) = try await Self.inReview(app, type: "senior", rid: Fixture.residentID("19930808", 64))
            _ = try await Self.event(app, try await app.token("reviewer"), sid, "forward", version: sv)
            #expect(try await Self.queueStep(app, "reviewer", application: sid) == "elsewhere")
            #expect(try await Self.queueStep(app, "prefecture", application: sid) == "decide")
            // The prefecture's queue holds no county types.
            #expect(try await Self.queueStep(app, "prefecture", application: id) == nil)
        }
    }

    @Test("the printed application form: the applicant's facts in full for the applicant and the reviewer, the bodies' opinions; nobody else's", arguments: TestDB.all)
    func applicationForm(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await Self.windows(app)
            let rid = Fixture.residentID("19960909", 65)
            let (id, v) = try await Self.inReview(app, type: "primary", rid: rid)
            _ = try await Self.event(app, try await app.token("reviewer"), id, "approve", version: v)
            for user in [rid, "reviewer"] {
                var h = HTTPHeaders()
                h.cookie = try await Browser.login(app, user)
                try await app.check(.GET, "/certification/applications/\(id)/form", headers: h) { res in
                    #expect(res.status == .ok)
                    #expect(res.text.contains("教师资格认定申请表") && res.text.contains(rid) && res.text.contains("小学教师资格"))
                    #expect(res.text.contains("材料齐全，予以受理") && res.text.contains("同意认定"))
                }
            }
            // Another applicant, and the prefecture for a county type, get nothing.
            _ = try await Self.applicant(app, for: Fixture.residentID("19970101", 66))
            for user in [Fixture.residentID("19970101", 66), "prefecture"] {
                var h = HTTPHeaders()
                h.cookie = try await Browser.login(app, user)
                try await app.check(.GET, "/certification/applications/\(id)/form", headers: h) { res in
                    #expect(res.status == .forbidden || res.status == .notFound)
                    #expect(!res.text.contains(rid))
                }
            }
        }
    }

    @Test("the demo county's closed window gives the seed's year: 82 applied, 42 certified (12/22/3/5)")
    func demoStatistics() async throws {
        try await withApp(.sqlite, fixture: false) { app, _ in
            try await DemoCounty(today: CivilDate.today(app.clock.now())).seed(app: app)
            let reviewer = try await app.token("reviewer", password: DemoCounty.password)
            let (_, windows) = try await Self.get(app, reviewer, "/api/v1/certification/windows")
            let closed = (windows["items"] as? [[String: Any]])?.first { ($0["closesOn"] as? String ?? "9") < CivilDate.today(app.clock.now()).description }?["id"] as? Int
            let (_, s) = try await Self.get(app, reviewer, "/api/v1/certification/statistics?window=\(closed ?? -1)")
            #expect(s["applied"] as? Int == 82)
            #expect(s["certified"] as? Int == 42)
            #expect(s["byType"] as? [String: Int] == ["primary": 12, "junior": 22, "senior": 3, "vocational": 5])
            let reasons = s["failureReasons"] as? [String: Int] ?? [:]
            #expect(reasons.max { $0.value < $1.value }?.key == "putonghua_below_minimum")
            let (_, certs) = try await Self.get(app, reviewer, "/api/v1/certificates?window=\(closed ?? -1)")
            #expect(certs["total"] as? Int == 42)
            let applicant = try await app.token("applicant1", password: DemoCounty.password)
            _ = applicant
            struct N: Decodable { let n: Int }
            let folders = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM archive_folders f JOIN cert_applications a ON a.id = f.application_id WHERE a.window_id = \(bind: closed ?? -1)").first(decoding: N.self)?.n
            // 78 not withdrawn, five of whose folders never reached the office (the seed's "档案袋统计数字与实际申报办证人数有较大出入").
            #expect(folders == 73)
        }
    }
}

@Suite("Applicant registration")
struct RegistrationTests {
    @Test("an applicant registers with the resident ID, signs in and applies; bad input is named; one account per ID", arguments: TestDB.all)
    func register(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await CertificationTests.windows(app)
            var cookies = HTTPCookies()
            try await app.check(.GET, "/register") { res in
                #expect(res.status == .ok)
                cookies = res.headers.setCookie ?? HTTPCookies()
            }
            func post(_ fields: [String: String]) async throws -> TestingHTTPResponse {
                var h = HTTPHeaders()
                h.cookie = cookies
                h.contentType = .urlEncodedForm
                var all = fields
                all["_csrf"] = cookies[CSRF.cookieName]?.string ?? ""
                let body = all.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
                return try await app.testing().sendRequest(.POST, "/register", headers: h, body: ByteBuffer(string: body))
            }
            let rid = Fixture.residentID("19990909", 77)
            let bad = try await post(["name": "", "residentId": "12345", "phone": "12", "password": "short", "confirm": "other"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("身份证号应为18位") && bad.text.contains("手机号应为11位数字") && bad.text.contains("两次输入的密码不一致"))
            let good = ["name": "新申请人", "residentId": rid, "phone": "13912345678", "password": "long-enough-pw", "confirm": "long-enough-pw"]
            #expect(try await post(good).status == .seeOther)
            #expect(try await post(good).status == .conflict)
            let token = try await app.token(rid, password: "long-enough-pw")
            let (s, _) = try await CertificationTests.post(app, token, "/api/v1/certification/applications", CertificationTests.body(rid: rid))
            #expect(s == .created)
        }
    }
}

extension RegistrationTests {
    @Test("an applicant's resident ID never reaches the audit log or the history in full", arguments: TestDB.all)
    func noFullIDInLogs(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await CertificationTests.windows(app)
            let rid = Fixture.residentID("19990808", 78)
            let hash = try await Accounts.hashPassword("long-enough-pw", app: app)
            _ = try await app.writeGate.transaction(on: app.db) { tx in
                try await Accounts.insertUser(.init(username: rid, displayName: "某人", role: .applicant), passwordHash: hash, on: tx, now: app.clock.now())
            }
            let (_, wrong) = try jsonBody(["username": rid, "password": "wrong-password-x"])
            try await app.check(.POST, "/api/v1/session", headers: ["Content-Type": "application/json"], body: wrong) { res in #expect(res.status == .unauthorized) }
            let token = try await app.token(rid, password: "long-enough-pw")
            let (_, a) = try await CertificationTests.post(app, token, "/api/v1/certification/applications", CertificationTests.body(rid: rid))
            _ = try await CertificationTests.event(app, token, a["id"] as! Int, "submit", version: a["version"] as! Int)
            struct T: Decodable { let t: String }
            let audit = try await app.db.sql.raw("SELECT actor_name || ' ' || summary AS t FROM audit_log").all(decoding: T.self).map(\.t).joined(separator: "\n")
            let history = try await app.db.sql.raw("SELECT actor AS t FROM cert_history").all(decoding: T.self).map(\.t).joined(separator: "\n")
            #expect(!audit.contains(rid) && !history.contains(rid))
            #expect(history.contains(Masking.residentID(rid)))
        }
    }
}

extension CertificationTests {
    @Test("补正: a deficient application is corrected by the applicant, then resubmitted; not after, not stale, not another person", arguments: TestDB.all)
    func correction(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            _ = try await Self.windows(app)
            let applicant = try await app.token("applicant"), reviewer = try await app.token("reviewer")
            let rid = Fixture.residentID("19930303", 91)
            let (_, a) = try await Self.post(app, applicant, "/api/v1/certification/applications", Self.body(rid: rid, physical: "pending"))
            let id = a["id"] as! Int
            var (_, r) = try await Self.event(app, applicant, id, "submit", version: a["version"] as! Int)
            (_, r) = try await Self.event(app, reviewer, id, "request_correction", version: r["version"] as! Int, extra: ["reason": "补交体检结论"])
            let v = r["version"] as! Int
            func put(_ body: [String: Any], _ token: String) async throws -> (HTTPStatus, [String: Any]) {
                let (_, b) = try jsonBody(body)
                var out: (HTTPStatus, [String: Any]) = (.internalServerError, [:])
                try await app.check(.PUT, "/api/v1/certification/applications/\(id)", headers: bearer(token, json: true), body: b) { res in out = (res.status, (try? res.json()) ?? [:]) }
                return out
            }
            // The applicant corrects her Putonghua level; her "pass" for the examination is not hers to give.
            var fixed = Self.body(rid: rid, physical: "pass", putonghua: "2A")
            fixed["version"] = v + 5
            #expect(try await put(fixed, applicant).0 == .conflict)
            var other = Self.body(rid: Fixture.residentID("19930304", 92), physical: "pass")
            other["version"] = v
            #expect(try await put(other, applicant).0 == .unprocessableEntity)
            fixed["version"] = v
            let (s, corrected) = try await put(fixed, applicant)
            #expect(s == .ok)
            #expect((corrected["deficiencies"] as? [[String: Any]])?.map { $0["code"] as? String } == ["physical_exam_missing", "documents_missing"],
                    "the examination stays for the body to enter; the documents are not uploaded")
            #expect(corrected["state"] as? String == "deficient")
            // The same form saved again changes nothing: no new version, no second line in the history.
            fixed["version"] = corrected["version"] as! Int
            let (again, unchanged) = try await put(fixed, applicant)
            #expect(again == .ok && unchanged["version"] as? Int == corrected["version"] as? Int)
            let (_, before) = try await Self.get(app, applicant, "/api/v1/certification/applications/\(id)")
            #expect((before["history"] as? [[String: Any]])?.filter { $0["event"] as? String == "correct" }.count == 1)
            let (rs, resubmitted) = try await Self.event(app, applicant, id, "submit", version: corrected["version"] as! Int)
            #expect(rs == .ok && resubmitted["state"] as? String == "submitted")
            fixed["version"] = resubmitted["version"] as! Int
            #expect(try await put(fixed, applicant).0 == .unprocessableEntity)
            let (_, detail) = try await Self.get(app, applicant, "/api/v1/certification/applications/\(id)")
            let correction = (detail["history"] as? [[String: Any]])?.first { $0["event"] as? String == "correct" }
            #expect((correction?["reason"] as? String)?.contains("普通话") == true && (correction?["reason"] as? String)?.contains("体检") == false)
            let (ps, entered) = try await Self.physical(app, reviewer, id, "pass", version: resubmitted["version"] as! Int)
            #expect(ps == .ok && (entered["history"] as? [[String: Any]])?.last?["reason"] as? String == "体检结论 未体检→合格（按指定医院体检报告录入）")
        }
    }
}
