import Foundation
import Registry
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
import XuequKit
@testable import Internship
@testable import XuequApp

/// The internship through the contract's API and the pages, on both databases. The clock is
/// 2026-09-21: a batch from Monday 2026-09-07 is in its third week (teaching); week 1 was observation.
@Suite("Internship")
struct InternshipAPITests {
    struct Setup { let batch: Int; let group: Int; let intern: Int; let other: Int }

    /// One batch, one group led by `supervisor`, `intern` placed at T0001 (math) with 甲 (`t1`) as mentor,
    /// and a second intern of the group without an account.
    static func setUp(_ app: Application, _ f: Fixture) async throws -> Setup {
        try await app.writeGate.transaction(on: app.db) { tx in
            struct Id: Decodable { let id: Int }
            let u = try await tx.sql.raw("INSERT INTO intern_universities (code, name) VALUES ('10102', '邯郸学院') RETURNING id").first(decoding: Id.self)!.id
            let b = try await tx.sql.raw("""
                INSERT INTO intern_batches (university_id, name, starts_on, weeks, observations_per_week, weight_teaching, weight_class, weight_other, created_at)
                VALUES (\(bind: u), '2026秋', '2026-09-07', 'observation,teaching,teaching,teaching,teaching,teaching,teaching,summary', 4, 50, 30, 20, 0) RETURNING id
                """).first(decoding: Id.self)!.id
            let g = try await tx.sql.raw("INSERT INTO intern_groups (batch_id, name, supervisor_user_id) VALUES (\(bind: b), '第一组', \(bind: f.users["supervisor"]!)) RETURNING id").first(decoding: Id.self)!.id
            try await tx.sql.raw("INSERT INTO intern_capacity (batch_id, school_id, subject, places) VALUES (\(bind: b), \(bind: f.schools["T0001"]!), 'math', 2)").run()
            func intern(_ no: String, _ name: String, user: Int?) async throws -> Int {
                try await tx.sql.raw("""
                    INSERT INTO interns (batch_id, group_id, user_id, student_no, name, major, subject, preferences, school_id, mentor_teacher_id, class_name, class_size, version)
                    VALUES (\(bind: b), \(bind: g), \(bind: user), \(bind: no), \(bind: name), '数学与应用数学', 'math', '', \(bind: f.schools["T0001"]!), \(bind: f.teachers["甲"]!), '三年级1班', 82, 1) RETURNING id
                    """).first(decoding: Id.self)!.id
            }
            let i = try await intern("S0001", "李思雨", user: f.users["intern"])
            let o = try await intern("S0002", "王浩然", user: nil)
            return Setup(batch: b, group: g, intern: i, other: o)
        }
    }

    static func call(_ app: Application, _ method: HTTPMethod, _ path: String, _ token: String, _ body: [String: Any]? = nil) async throws -> (HTTPStatus, [String: Any]) {
        var out: (HTTPStatus, [String: Any]) = (.internalServerError, [:])
        let b = try body.map { try jsonBody($0).1 }
        try await app.check(method, path, headers: bearer(token, json: b != nil), body: b) { res in out = (res.status, (try? res.json()) ?? [:]) }
        return out
    }

    @Test("the university's list never binds a row to another university's intern or to an account of the same name: accounts are per university, a clash is a named row error", arguments: TestDB.all)
    func importIdentity(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let s = try await Self.setUp(app, f)
            struct Id: Decodable { let id: Int }
            let (other, spring) = try await app.writeGate.transaction(on: app.db) { tx -> (Int, Int) in
                let u = try await tx.sql.raw("INSERT INTO intern_universities (code, name) VALUES ('10094', '河北师范大学') RETURNING id").first(decoding: Id.self)!.id
                func batch(_ university: SQLQueryString) async throws -> Int {
                    try await tx.sql.raw("""
                        INSERT INTO intern_batches (university_id, name, starts_on, weeks, observations_per_week, weight_teaching, weight_class, weight_other, created_at)
                        VALUES (\(university), '2027春', '2027-03-01', 'observation,teaching,teaching,teaching,teaching,teaching,teaching,summary', 4, 50, 30, 20, 0) RETURNING id
                        """).first(decoding: Id.self)!.id
                }
                return (try await batch("\(bind: u)"), try await batch("(SELECT university_id FROM intern_batches WHERE id = \(bind: s.batch))"))
            }
            struct N: Decodable { let n: Int }
            func count(_ sql: String) async throws -> Int { try await app.db.sql.raw(SQLQueryString(sql)).first(decoding: N.self)!.n }
            let bureau = Actor(userId: f.users["admin"]!, username: "admin", displayName: "admin", role: .bureauAdmin, scope: .county, permissions: app.grants.permissions(of: .bureauAdmin))
            let service = InternshipService(app.context(actor: bureau))
            let head = ["学号", "姓名", "专业", "实习学科"]
            func sheet(_ rows: [[String]]) -> SheetTable { SheetTable(rows: [head] + rows) }
            let hash: @Sendable (String) async throws -> String = { _ in "x" }
            // University 10102 imports 2023001; university 10094 its own 2023001 and a student numbered "intern".
            let first = try await service.importInterns(batchId: s.batch, sheet([["2023001", "赵一", "数学", "数学"]]), hash: hash)
            let second = try await service.importInterns(batchId: other, sheet([["2023001", "钱二", "语文", "语文"], ["intern", "孙三", "语文", "语文"]]), hash: hash)
            #expect(first.map(\.username) == ["10102-2023001"])
            #expect(second.map(\.username) == ["10094-2023001", "10094-intern"])
            struct U: Decodable { let userId: Int?; let name: String }
            let rows = try await app.db.sql.raw("SELECT user_id, name FROM interns WHERE student_no IN ('2023001', 'intern') ORDER BY id").all(decoding: U.self, with: SQLRowDecoder.snakeCase)
            #expect(Set(rows.compactMap(\.userId)).count == 3, "three people, three accounts")
            #expect(!rows.contains { $0.userId == f.users["intern"] }, "the demo's intern account is bound to nobody new")
            // The same university's next batch: another person under a known number is a named row,
            // and nothing of that file is written; the same student is taken again (one account).
            let before = try await count("SELECT COUNT(*) AS n FROM interns")
            var refused: DomainError?
            do { _ = try await service.importInterns(batchId: spring, sheet([["2023009", "周五", "数学", "数学"], ["2023001", "吴六", "数学", "数学"]]), hash: hash) } catch let e as DomainError { refused = e }
            #expect(refused?.rows.first?.row == 3 && refused?.rows.first?.column == "学号", "\(refused?.rows ?? [])")
            #expect(refused?.rows.first?.reason.zh.contains("10102-2023001") == true)
            #expect(try await count("SELECT COUNT(*) AS n FROM interns") == before)
            let again = try await service.importInterns(batchId: spring, sheet([["2023001", "赵一", "数学", "数学"]]), hash: hash)
            #expect(again.isEmpty, "no new account for the same student")
            #expect(try await count("SELECT COUNT(*) AS n FROM users WHERE username = '10102-2023009'") == 0)
        }
    }

    @Test("an intern without a school mentor in a batch under way is on the supervisor's and the bureau's home page", arguments: TestDB.all)
    func withoutMentor(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let s = try await Self.setUp(app, f)
            func home(_ user: String) async throws -> String {
                var h = HTTPHeaders(); h.cookie = try await Browser.login(app, user)
                return try await app.testing().sendRequest(.GET, "/", headers: h).text
            }
            #expect(!(try await home("supervisor")).contains("还没有学校指导教师"))
            try await app.db.sql.raw("UPDATE interns SET mentor_teacher_id = NULL WHERE id = \(bind: s.other)").run()
            for user in ["supervisor", "admin"] {
                let page = try await home(user)
                #expect(page.contains("1 名实习生还没有学校指导教师") && page.contains("王浩然"), "\(user)")
            }
            // The intern's own mentor does not get the task.
            #expect(!(try await home("t1")).contains("还没有学校指导教师"))
        }
    }

    @Test("the gates: plans approved by both mentors and a passed trial lecture, in the teaching weeks only", arguments: TestDB.all)
    func gates(db: TestDB) async throws {
        try await withApp(db) { app, f in
            _ = try await Self.setUp(app, f)
            let (intern, mentor, supervisor) = (try await app.token("intern"), try await app.token("t1"), try await app.token("supervisor"))
            let (s, plan) = try await Self.call(app, .POST, "/api/v1/internship/lesson-plans", intern, ["title": "分数的初步认识", "subject": "math", "grade": "三年级", "content": "教学目标：认识几分之一。"])
            #expect(s == .created)
            #expect((plan["approvals"] as? [String: Bool]) == ["mentor": false, "supervisor": false] && plan["trialLecture"] as? String == "none")
            let id = try #require(plan["id"] as? Int)
            func teach(_ date: String, _ token: String? = nil) async throws -> (HTTPStatus, String?) {
                let (s, b) = try await Self.call(app, .POST, "/api/v1/internship/teaching-records", token ?? intern,
                                                 ["lessonPlanId": id, "date": date, "className": "三年级1班", "topic": "分数的初步认识", "periods": 1])
                return (s, b["code"] as? String)
            }
            #expect(try await teach("2026-09-16") == (.unprocessableEntity, "lesson_plan_not_approved"))
            #expect(try await teach("2026-09-08") == (.unprocessableEntity, "not_in_teaching_phase"))
            #expect(try await teach("2026-12-01") == (.unprocessableEntity, "date_outside_batch"))

            // Only the intern's school mentor and the group's supervisor approve.
            for other in ["s1", "d1", "intern", "applicant", "admin"] {
                #expect(try await Self.call(app, .POST, "/api/v1/internship/lesson-plans/\(id)/approve", try await app.token(other)).0 == .forbidden, "\(other)")
            }
            let (m, afterMentor) = try await Self.call(app, .POST, "/api/v1/internship/lesson-plans/\(id)/approve", mentor)
            #expect(m == .ok && (afterMentor["approvals"] as? [String: Bool]) == ["mentor": true, "supervisor": false])
            #expect(try await teach("2026-09-16") == (.unprocessableEntity, "lesson_plan_not_approved"))
            #expect(try await Self.call(app, .POST, "/api/v1/internship/trial-lectures", supervisor, ["lessonPlanId": id, "passed": true]).0 == .unprocessableEntity, "trial after both approvals")
            _ = try await Self.call(app, .POST, "/api/v1/internship/lesson-plans/\(id)/approve", supervisor)
            #expect(try await teach("2026-09-16") == (.unprocessableEntity, "lesson_plan_not_approved"), "no trial lecture yet")
            #expect(try await Self.call(app, .POST, "/api/v1/internship/trial-lectures", mentor, ["lessonPlanId": id, "passed": true]).0 == .forbidden)
            let (t, trial) = try await Self.call(app, .POST, "/api/v1/internship/trial-lectures", supervisor, ["lessonPlanId": id, "passed": true])
            #expect(t == .created && trial["trialLecture"] as? String == "passed")
            #expect(try await teach("2026-09-16").0 == .created)
            #expect(try await teach("2026-09-25").0 == .unprocessableEntity, "not in the future")
            #expect(try await teach("2026-09-16", mentor).0 == .forbidden, "a mentor does not record the intern's lessons")

            // A revised plan is a new version that needs both approvals and a trial again.
            let (r, revised) = try await Self.call(app, .PUT, "/api/v1/internship/lesson-plans/\(id)", intern, ["content": "教学目标：认识几分之一，会比较大小。", "version": 1])
            #expect(r == .ok && revised["version"] as? Int == 2 && (revised["approvals"] as? [String: Bool]) == ["mentor": false, "supervisor": false])
            #expect(try await Self.call(app, .PUT, "/api/v1/internship/lesson-plans/\(id)", intern, ["content": "x", "version": 1]).0 == .conflict)
            #expect(try await teach("2026-09-17") == (.unprocessableEntity, "lesson_plan_not_approved"))
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM intern_records").first(decoding: N.self)?.n == 1)
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM intern_plan_versions WHERE plan_id = \(bind: id)").first(decoding: N.self)?.n == 2)
        }
    }

    @Test("interns see their own records; mentors, supervisors and host schools theirs; nobody else", arguments: TestDB.all)
    func scopes(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let s = try await Self.setUp(app, f)
            func page(_ user: String, _ path: String) async throws -> HTTPStatus {
                var h = HTTPHeaders()
                h.cookie = try await Browser.login(app, user)
                return try await app.testing().sendRequest(.GET, path, headers: h).status
            }
            let mine = "/internship/interns/\(s.intern)", theirs = "/internship/interns/\(s.other)"
            #expect(try await page("intern", mine) == .ok)
            #expect(try await page("intern", theirs) == .notFound)
            #expect(try await page("t1", theirs) == .ok, "the mentor of both")
            #expect(try await page("supervisor", theirs) == .ok)
            #expect(try await page("s1", theirs) == .ok, "the host school")
            #expect(try await page("s3", theirs) == .notFound)
            #expect(try await page("d1", theirs) == .forbidden)
            #expect(try await page("applicant", theirs) == .forbidden)
            #expect(try await page("intern", "/internship/interns/\(s.intern)/appraisal") == .ok)
            // A plan of another intern, through the API.
            try await app.db.sql.raw("""
                INSERT INTO intern_lesson_plans (intern_id, title, subject, grade, content, version, trial, created_at, updated_at)
                VALUES (\(bind: s.other), '他人的教案', 'math', '三年级', '内容', 1, 'none', 0, 0)
                """).run()
            struct Id: Decodable { let id: Int }
            let plan = try await app.db.sql.raw("SELECT id FROM intern_lesson_plans WHERE intern_id = \(bind: s.other)").first(decoding: Id.self)!.id
            #expect(try await Self.call(app, .GET, "/api/v1/internship/lesson-plans/\(plan)", try await app.token("intern")).0 == .notFound)
            #expect(try await Self.call(app, .PUT, "/api/v1/internship/lesson-plans/\(plan)", try await app.token("intern"), ["content": "改", "version": 1]).0 == .notFound)
            #expect(try await Self.call(app, .GET, "/api/v1/internship/lesson-plans/\(plan)", try await app.token("t1")).0 == .ok)
        }
    }

    @Test("before anything is set up, each role's internship page says plainly why it is empty; once set up, the supervisor sees what to do today", arguments: TestDB.all)
    func emptyPagesSayWhy(db: TestDB) async throws {
        try await withApp(db) { app, f in
            func page(_ user: String) async throws -> String {
                var h = HTTPHeaders()
                h.cookie = try await Browser.login(app, user)
                let res = try await app.testing().sendRequest(.GET, "/internship", headers: h)
                #expect(res.status == .ok, "\(user)")
                return res.body.string
            }
            #expect(try await page("admin").contains("还没有实习批次"))
            #expect(try await page("intern").contains("您的账户还没有加入实习批次"))
            #expect(try await page("supervisor").contains("您还没有带领实习小组"))
            #expect(try await page("t1").contains("您目前没有指导的实习生"))
            #expect(try await page("s1").contains("本校目前没有实习生"))
            // Set up: the intern goes to their own page, the supervisor's page has work and no empty-page notice.
            _ = try await Self.setUp(app, f)
            let supervisor = try await page("supervisor")
            #expect(!supervisor.contains("还没有带领实习小组") && supervisor.contains("id=\"overview\""))
            #expect(!(try await page("t1")).contains("没有指导的实习生"))
        }
    }

    @Test("set-up, the university's list imported all-or-nothing, placement, records, grade and the batch summary", arguments: TestDB.all)
    func lifecycle(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let s = try await Self.setUp(app, f)
            let admin = try await Browser.login(app, "admin")
            try await app.db.sql.raw("INSERT INTO intern_capacity (batch_id, school_id, subject, places) VALUES (\(bind: s.batch), \(bind: f.schools["T0002"]!), 'chinese', 1)").run()
            func upload(_ name: String) async throws -> TestingHTTPResponse {
                let csrf = try await Browser.csrfToken(app, cookies: admin)
                var (h, body) = multipart(file: try fixtureData(name), filename: name, extra: ["_csrf": csrf])
                h.cookie = admin
                return try await app.testing().sendRequest(.POST, "/internship/batches/\(s.batch)/import", headers: h, body: body)
            }
            let bad = try await upload("interns_bad.xlsx")
            #expect(bad.status == .seeOther)
            let flash = bad.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding ?? ""
            for expected in ["第2行 手机号", "第3行 学号", "第3行 实习学科", "第3行 志愿1", "第3行 小组", "第4行 学号", "第4行 姓名"] {
                #expect(flash.contains(expected), "\(expected) in \(flash)")
            }
            struct N: Decodable { let n: Int }
            func count(_ sql: String) async throws -> Int { try await app.db.sql.raw("\(unsafeRaw: sql)").first(decoding: N.self)!.n }
            #expect(try await count("SELECT COUNT(*) AS n FROM interns") == 2, "nothing imported")
            let good = try await upload("interns_good.xlsx")
            #expect(good.status == .ok && good.text.contains("20230103"), "the new accounts' passwords, once")
            #expect(try await count("SELECT COUNT(*) AS n FROM interns") == 5)
            #expect(try await count("SELECT COUNT(*) AS n FROM users WHERE role = 'intern'") == 4)
            // 20230101 and 20230102 want T0001 for math, whose two places the set-up's interns hold:
            // they stay unplaced; 20230103 gets T0002's one place for chinese.
            let csrf = try await Browser.csrfToken(app, cookies: admin)
            var h = HTTPHeaders(); h.cookie = admin; h.contentType = .urlEncodedForm
            _ = try await app.testing().sendRequest(.POST, "/internship/batches/\(s.batch)/assign", headers: h, body: ByteBuffer(string: "_csrf=\(csrf)"))
            struct P: Decodable { let studentNo: String; let schoolId: Int? }
            let placed = try await app.db.sql.raw("SELECT student_no, school_id FROM interns ORDER BY student_no").all(decoding: P.self, keyDecodingStrategy: .convertFromSnakeCase)
            #expect(placed.first { $0.studentNo == "20230103" }?.schoolId == f.schools["T0002"])
            #expect(placed.filter { $0.schoolId == f.schools["T0001"] }.count == 2, "capacity respected")

            // Records through the pages, the supervisor's grade, the batch summary.
            let intern = try await Browser.login(app, "intern")
            var res = try await Browser.form(app, intern, "/internship/records", ["kind": "observation", "date": "2026-09-08", "topic": "听课", "internId": String(s.intern)])
            #expect(res.status == .seeOther)
            // Class-teacher work is for the teaching weeks, not the observation week.
            res = try await Browser.form(app, intern, "/internship/records", ["kind": "class_log", "date": "2026-09-08", "topic": "值日", "internId": String(s.intern)])
            #expect(res.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding?.contains("见习周") == true, "\(res.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding ?? "-")")
            res = try await Browser.form(app, intern, "/internship/records", ["kind": "class_log", "date": "2026-09-15", "topic": "值日", "internId": String(s.intern)])
            #expect(res.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding?.contains("已记录") == true)
            res = try await Browser.form(app, intern, "/internship/records", ["kind": "evaluation", "date": "2026-09-15", "topic": "评课", "internId": String(s.intern), "ofInternId": String(s.other),
                                                                            "objectives": "5", "content": "4", "method": "4", "interaction": "3", "board": "9"])
            #expect(res.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding?.contains("请评1到5分") == true)
            let sup = try await Browser.login(app, "supervisor")
            res = try await Browser.form(app, sup, "/internship/interns/\(s.intern)/grade", ["teaching": "90", "classTeacher": "80", "other": "70"])
            #expect(res.status == .seeOther)
            struct A: Decodable { let finalScore: Double; let grade: String }
            let a = try await app.db.sql.raw("SELECT final_score, grade FROM intern_appraisals WHERE intern_id = \(bind: s.intern)").first(decoding: A.self, keyDecodingStrategy: .convertFromSnakeCase)
            #expect(a?.finalScore == 83 && a?.grade == "good")
            res = try await Browser.form(app, try await Browser.login(app, "t1"), "/internship/interns/\(s.intern)/grade", ["teaching": "100", "classTeacher": "100", "other": "100"])
            #expect(res.status == .forbidden)
            var hx = HTTPHeaders(); hx.cookie = admin
            let xlsx = try await app.testing().sendRequest(.GET, "/internship/batches/\(s.batch)/export", headers: hx)
            #expect(xlsx.status == .ok)
            let table = try Spreadsheet.read(Data(buffer: xlsx.body))
            #expect(table.header.first == "学号" && table.body.count == 5)
            #expect(table.body.first { $0[0] == "S0001" && $0[1] == "李思雨" }?[16] == "良好")
        }
    }
}
