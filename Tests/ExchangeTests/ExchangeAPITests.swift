import Foundation
import Registry
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
import XuequKit
@testable import Exchange
@testable import XuequApp

/// The exchange module through its API on both databases. The fixture's clock is 2026-09-21, so
/// the next round is 1 September 2027: 甲 (at T0001 since 2010), 丙 (T0002, 2018) and 丁 (T0003,
/// D2, 2015) are due; 乙 (T0001, 2022) is not. Every fixture teacher is a county backbone.
@Suite("Exchange API")
struct ExchangeAPITests {
    static func call(_ app: Application, _ method: HTTPMethod, _ path: String, _ token: String, _ body: [String: Any]? = nil) async throws -> (HTTPStatus, [String: Any]) {
        var out: (HTTPStatus, [String: Any]) = (.internalServerError, [:])
        let b = try body.map { try jsonBody($0).1 }
        try await app.check(method, path, headers: bearer(token, json: b != nil), body: b) { res in out = (res.status, (try? res.json()) ?? [:]) }
        return out
    }

    static func count(_ app: Application, _ sql: String) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await app.db.sql.raw("\(unsafeRaw: sql)").first(decoding: N.self)!.n
    }

    static func schoolOf(_ app: Application, _ teacher: Int) async throws -> (school: Int, since: String) {
        let t = try #require(try await RegistryStore.teacher(id: teacher, on: app.db))
        return (t.schoolId, t.schoolSince)
    }

    static func runDue(_ app: Application, on date: String) async throws -> ExchangeJobs.Outcome {
        try await ExchangeJobs.runDue(ExchangeService(app.context(actor: nil, name: "test")), on: CivilDate(parsing: date)!)
    }

    /// A certificate issued here, as certification writes it (body, window, application, certificate).
    static func certify(_ app: Application, residentId: String, type: String) async throws {
        let sql = app.db.sql
        try await sql.raw("INSERT INTO cert_bodies (code, name, level) VALUES ('99001', '测试认定机构', 'county')").run()
        struct Id: Decodable { let id: Int }
        let body = try await sql.raw("SELECT id FROM cert_bodies WHERE code = '99001'").first(decoding: Id.self)!.id
        try await sql.raw("INSERT INTO cert_windows (body_id, name, opens_on, closes_on, types) VALUES (\(bind: body), '测试', '2020-03-01', '2020-04-01', 'junior')").run()
        let window = try await sql.raw("SELECT id FROM cert_windows WHERE body_id = \(bind: body)").first(decoding: Id.self)!.id
        try await sql.raw("""
            INSERT INTO cert_applications (window_id, name, resident_id, gender, type, subject, education, normal_graduate, putonghua, route, physical_exam, township, state, version, created_at, updated_at)
            VALUES (\(bind: window), '丙老师', \(bind: residentId), 'female', \(bind: type), 'math', 'bachelor', true, '2A', 'national_exam', 'pass', false, 'certified', 1, 0, 0)
            """).run()
        let application = try await sql.raw("SELECT id FROM cert_applications WHERE resident_id = \(bind: residentId)").first(decoding: Id.self)!.id
        try await sql.raw("""
            INSERT INTO certificates (number, application_id, body_id, year, serial, name, resident_id, type, subject, issued_on)
            VALUES ('20203990010000001', \(bind: application), \(bind: body), 2020, 1, '丙老师', \(bind: residentId), \(bind: type), 'math', '2020-05-01')
            """).run()
    }

    static func move(_ teacher: Int, to school: Int, form: String = "transfer", startsOn: String = "2027-09-01", returnsOn: String? = nil, toPart: String? = nil) -> [String: Any] {
        var m: [String: Any] = ["teacherId": teacher, "toSchoolId": school, "form": form, "startsOn": startsOn]
        if let returnsOn { m["returnsOn"] = returnsOn }
        if let toPart { m["toPart"] = toPart }
        return m
    }

    @Test("who is due on 1 September, in the caller's scope", arguments: TestDB.all)
    func eligibility(db: TestDB) async throws {
        try await withApp(db) { app, f in
            func ids(_ user: String, _ query: String = "year=2027") async throws -> (HTTPStatus, Set<Int>, [[String: Any]]) {
                let (s, body) = try await Self.call(app, .GET, "/api/v1/exchange/eligible?\(query)", try await app.token(user))
                let items = body["items"] as? [[String: Any]] ?? []
                return (s, Set(items.compactMap { $0["teacherId"] as? Int }), items)
            }
            let (s, all, items) = try await ids("admin")
            #expect(s == .ok)
            #expect(all == [f.teachers["甲"]!, f.teachers["丙"]!, f.teachers["丁"]!])
            let jia = try #require(items.first { $0["teacherId"] as? Int == f.teachers["甲"] })
            #expect(jia["yearsAtSchool"] as? Int == 17 && jia["backbone"] as? Bool == true && jia["schoolId"] as? Int == f.schools["T0001"])
            // Rural service is counted on the same day as the years at the school (1 September of
            // the round), not today: 17 years at a rural school are 17-and-a-bit rural years.
            #expect((jia["ruralServiceYears"] as? Double).map { Int($0) } == 17)
            #expect(try await ids("d1").1 == [f.teachers["甲"]!, f.teachers["丙"]!])
            #expect(try await ids("s1").1 == [f.teachers["甲"]!])
            #expect(try await ids("d1", "year=2027&district=\(f.districts["D2"]!)").0 == .forbidden)
            #expect(try await ids("s1", "year=2027&school=\(f.schools["T0003"]!)").0 == .forbidden)
            #expect(try await ids("t1").0 == .forbidden)
            #expect(try await ids("admin", "year=1999").0 == .unprocessableEntity)
            // 1 September 2025: 丙 (2018) has 7 years, 丁 10, 甲 15; a year earlier than 2021's cut-off 乙 is not.
            #expect(try await ids("admin", "year=2024").1 == [f.teachers["甲"]!, f.teachers["丙"]!, f.teachers["丁"]!])
            #expect(try await ids("admin", "year=2023").1 == [f.teachers["甲"]!, f.teachers["丁"]!])
            // The rule is for the compulsory stages: 丁 at a school turned senior high, and 丙 in the
            // senior part of a twelve-year school, are due but not counted (issue 29).
            try await app.db.sql.raw("UPDATE schools SET stage = 'senior' WHERE id = \(bind: f.schools["T0003"]!)").run()
            #expect(try await ids("admin").1 == [f.teachers["甲"]!, f.teachers["丙"]!])
            try await app.db.sql.raw("UPDATE schools SET stage = 'twelve_year' WHERE id = \(bind: f.schools["T0002"]!)").run()
            try await app.db.sql.raw("UPDATE teachers SET stage_part = 'senior' WHERE id = \(bind: f.teachers["丙"]!)").run()
            #expect(try await ids("admin").1 == [f.teachers["甲"]!])
        }
    }

    @Test("a plan is checked: warnings per move, the quota, 422 naming the move and nothing saved", arguments: TestDB.all)
    func planChecks(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let d1 = try await app.token("d1")
            let (jia, bing) = (f.teachers["甲"]!, f.teachers["丙"]!)
            try await app.db.sql.raw("UPDATE schools SET locality = 'town' WHERE id = \(bind: f.schools["T0002"]!)").run()
            try await app.db.sql.raw("UPDATE teachers SET qualification_type = 'primary' WHERE id = \(bind: jia)").run()

            let (s, plan) = try await Self.call(app, .POST, "/api/v1/exchange/plans", d1, ["year": 2027, "moves": [Self.move(jia, to: f.schools["T0002"]!, toPart: "junior")]])
            #expect(s == .created)
            #expect(plan["state"] as? String == "draft" && plan["district"] as? Int == f.districts["D1"])
            let warnings = Set((plan["moves"] as? [[String: Any]])?.first?["warnings"] as? [String] ?? [])
            // A primary certificate does not cover the junior part; rural T0001 → town T0002; with no
            // enrolment recorded, T0002 is short of nothing.
            #expect(warnings == ["qualification_not_covering_stage", "toward_town", "no_shortage"])
            let quota = plan["quota"] as? [String: Any] ?? [:]
            #expect(quota["eligible"] as? Int == 2 && quota["required"] as? Int == 1 && quota["moved"] as? Int == 1)
            #expect(quota["backboneRequired"] as? Int == 1 && quota["backboneMoved"] as? Int == 1)

            // One open plan per district and year: a second is refused, naming the first; edits go into it.
            let firstId = try #require(plan["id"] as? Int)
            let (dup, dupBody) = try await Self.call(app, .POST, "/api/v1/exchange/plans", d1, ["year": 2027, "moves": [Self.move(bing, to: f.schools["T0001"]!)]])
            #expect(dup == .conflict && (dupBody["reason"] as? String ?? "").contains("\(firstId) 号"), "\(dupBody)")
            // 丙 has no qualification recorded and no certificate: the stage cannot be checked.
            let (_, second) = try await Self.call(app, .PUT, "/api/v1/exchange/plans/\(firstId)", d1, ["version": 1, "moves": [Self.move(bing, to: f.schools["T0001"]!)]])
            #expect(Set((second["moves"] as? [[String: Any]])?.first?["warnings"] as? [String] ?? []) == ["qualification_unknown", "no_shortage"], "\(second)")
            // Certified by this county (a junior certificate, found by resident ID): junior covers primary;
            // the county's own plan moving 丙 too is told that another plan holds him.
            try await Self.certify(app, residentId: try #require(try await RegistryStore.teacher(id: bing, on: app.db)).residentId, type: "junior")
            let (_, third) = try await Self.call(app, .POST, "/api/v1/exchange/plans", try await app.token("admin"), ["year": 2027, "moves": [Self.move(bing, to: f.schools["T0001"]!)]])
            #expect(Set((third["moves"] as? [[String: Any]])?.first?["warnings"] as? [String] ?? []) == ["no_shortage", "in_other_plan"], "\(third)")

            let plansBefore = try await Self.count(app, "SELECT COUNT(*) AS n FROM exchange_plans")
            let movesBefore = try await Self.count(app, "SELECT COUNT(*) AS n FROM exchange_moves")
            func rejected(_ moves: [[String: Any]], _ field: String, _ text: String, token: String? = nil) async throws {
                let (s, body) = try await Self.call(app, .POST, "/api/v1/exchange/plans", token ?? d1, ["year": 2027, "moves": moves])
                #expect(s == .unprocessableEntity, "\(field)")
                let fields = body["fields"] as? [String: Any] ?? [:]
                #expect((fields[field] as? String)?.contains(text) == true, "\(field): \(fields)")
            }
            try await rejected([Self.move(jia, to: f.schools["T0002"]!), Self.move(jia, to: f.schools["T0002"]!)], "moves[1].teacherId", "第2条")
            try await rejected([Self.move(jia, to: f.schools["T0003"]!)], "moves[0].toSchoolId", "不在您的管理范围")
            try await rejected([Self.move(jia, to: f.schools["T0002"]!, form: "support", startsOn: "2027-09-01", returnsOn: "2027-03-01")], "moves[0].returnsOn", "早于开始日期")
            try await rejected([Self.move(jia, to: f.schools["T0002"]!, form: "support")], "moves[0].returnsOn", "须填写返回日期")
            try await rejected([Self.move(jia, to: f.schools["T0001"]!)], "moves[0].toSchoolId", "相同")
            try await rejected([Self.move(f.teachers["丁"]!, to: f.schools["T0002"]!)], "moves[0].teacherId", "不存在或不在")
            try await rejected([Self.move(jia, to: f.schools["T0002"]!, form: "lend")], "moves[0].form", "交流形式")
            try await rejected([Self.move(jia, to: f.schools["T0002"]!, startsOn: "2031-02-30")], "moves[0].startsOn", "开始日期")
            // A merged receiving school.
            let admin = try await app.token("admin")
            let (m, _) = try await Self.call(app, .POST, "/api/v1/schools/\(f.schools["T0003"]!)/merge", admin, ["intoSchoolId": f.schools["T0001"]!, "mergedOn": "2026-09-01"])
            #expect(m == .ok || m == .created)
            try await rejected([Self.move(jia, to: f.schools["T0003"]!)], "moves[0].toSchoolId", "已撤并", token: admin)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM exchange_plans") == plansBefore)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM exchange_moves") == movesBefore)
        }
    }

    @Test("submit, approve once under a race, take effect on the date, idempotently; the balance moves", arguments: TestDB.all)
    func workflow(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let (d1, admin) = (try await app.token("d1"), try await app.token("admin"))
            let jia = f.teachers["甲"]!
            let (_, plan) = try await Self.call(app, .POST, "/api/v1/exchange/plans", d1, ["year": 2027, "moves": [Self.move(jia, to: f.schools["T0002"]!)]])
            let id = try #require(plan["id"] as? Int)
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/events", admin, ["event": "approve", "version": 1]).0 == .conflict, "a draft cannot be approved")
            let (s1, submitted) = try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/events", d1, ["event": "submit", "version": 1])
            #expect(s1 == .ok && submitted["state"] as? String == "submitted")
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/events", d1, ["event": "approve", "version": 2]).0 == .forbidden)
            #expect(try await Self.call(app, .PUT, "/api/v1/exchange/plans/\(id)", d1, ["version": 2, "moves": []]).0 == .conflict, "a submitted plan is not edited")

            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for _ in 0..<2 { group.addTask { try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/events", admin, ["event": "approve", "version": 2]).0 } }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.sorted { $0.code < $1.code } == [.ok, .conflict])
            #expect(try await Self.schoolOf(app, jia).school == f.schools["T0001"], "not before its date")

            let tally = "SELECT COALESCE(SUM(total), 0) AS n FROM teacher_tallies WHERE school_id = \(f.schools["T0002"]!)"
            let before = try await Self.count(app, tally)
            #expect(try await Self.runDue(app, on: "2027-08-31") == ExchangeJobs.Outcome())
            #expect(try await Self.runDue(app, on: "2027-09-01") == ExchangeJobs.Outcome(started: 1, returned: 0, plansInEffect: 1))
            #expect(try await Self.runDue(app, on: "2027-09-02") == ExchangeJobs.Outcome(), "idempotent")
            let now = try await Self.schoolOf(app, jia)
            #expect(now.school == f.schools["T0002"] && now.since == "2027-09-01")
            #expect(try await Self.count(app, tally) == before + 1)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM teacher_transfers WHERE reason = 'exchange_transfer' AND teacher_id = \(jia)") == 1)
            #expect(try await Self.call(app, .GET, "/api/v1/exchange/plans/\(id)", d1).1["state"] as? String == "in_effect")
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'exchange.move.start'") == 1)

            // A second plan of the year moving 甲 again is not approved: the move is named.
            let (_, again) = try await Self.call(app, .POST, "/api/v1/exchange/plans", admin, ["year": 2027, "district": f.districts["D1"]!, "moves": [Self.move(jia, to: f.schools["T0001"]!)]])
            let second = try #require(again["id"] as? Int)
            _ = try await Self.call(app, .POST, "/api/v1/exchange/plans/\(second)/events", admin, ["event": "submit", "version": 1])
            let (refused, why) = try await Self.call(app, .POST, "/api/v1/exchange/plans/\(second)/events", admin, ["event": "approve", "version": 2])
            #expect(refused == .conflict)
            #expect(((why["fields"] as? [String: Any])?["moves"] as? String)?.contains("已在\(id) 号方案中交流") == true, "\(why)")
        }
    }

    @Test("a saved plan opens after the registry moves its teachers: stale moves shown, dropped, left out of the approval, void on their date", arguments: TestDB.all)
    func stalePlan(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let (d1, admin) = (try await app.token("d1"), try await app.token("admin"))
            let (jia, yi, bing) = (f.teachers["甲"]!, f.teachers["乙"]!, f.teachers["丙"]!)
            let (created, plan) = try await Self.call(app, .POST, "/api/v1/exchange/plans", d1, ["year": 2027, "moves": [
                Self.move(jia, to: f.schools["T0002"]!), Self.move(yi, to: f.schools["T0002"]!), Self.move(bing, to: f.schools["T0001"]!),
            ]])
            #expect(created == .created)
            let id = try #require(plan["id"] as? Int)
            func transfer(_ teacher: Int, to school: String) async throws {
                let (s, body) = try await Self.call(app, .POST, "/api/v1/teachers/\(teacher)/transfers", admin, ["toSchoolId": f.schools[school]!, "onDate": "2024-09-01", "reason": "工作需要", "version": 1])
                #expect(s == .ok, "\(body)")
            }
            func stale(_ body: [String: Any]) -> [Int: String] {
                Dictionary(uniqueKeysWithValues: (body["moves"] as? [[String: Any]] ?? []).compactMap { m in (m["stale"] as? String).map { (m["teacherId"] as! Int, $0) } })
            }
            // 甲 is transferred to the receiving school through the registry: the plan still opens.
            try await transfer(jia, to: "T0002")
            let (s1, opened) = try await Self.call(app, .GET, "/api/v1/exchange/plans/\(id)", d1)
            #expect(s1 == .ok, "\(opened)")
            #expect((opened["moves"] as? [[String: Any]])?.count == 3)
            #expect(stale(opened)[jia]?.contains("调至") == true && stale(opened).count == 1, "\(opened)")
            #expect((opened["quota"] as? [String: Any])?["moved"] as? Int == 1, "only 丙 is due and not stale")
            var page = HTTPHeaders(); page.cookie = try await Browser.login(app, "d1")
            try await app.check(.GET, "/exchange/plans/\(id)", headers: page) { res in
                #expect(res.status == .ok && res.text.contains("已失效") && res.text.contains("drop-stale"))
            }
            // Dropped in one step; the rest stays.
            let (s2, dropped) = try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/stale", d1, ["version": 1])
            #expect(s2 == .ok && (dropped["moves"] as? [[String: Any]])?.map { $0["teacherId"] as? Int } == [yi, bing], "\(dropped)")
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/stale", d1, ["version": 2]).0 == .unprocessableEntity, "nothing left to drop")
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/stale", try await app.token("d2"), ["version": 2]).0 == .notFound)

            // 乙 leaves the district before the approval: the bureau approves the rest, and the
            // plan's history says which move was left out.
            try await transfer(yi, to: "T0003")
            #expect(stale(try await Self.call(app, .GET, "/api/v1/exchange/plans/\(id)", d1).1)[yi] != nil)
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/events", d1, ["event": "submit", "version": 2]).0 == .ok)
            let (s3, approved) = try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/events", admin, ["event": "approve", "version": 3])
            #expect(s3 == .ok && approved["state"] as? String == "approved", "\(approved)")
            #expect((approved["moves"] as? [[String: Any]])?.map { $0["teacherId"] as? Int } == [bing])
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM exchange_plan_history WHERE plan_id = \(id) AND reason LIKE '%失效记录未予批准%'") == 1)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM exchange_claims WHERE kind = 'teacher' AND ref = \(yi)") == 0)

            // 丙 is transferred after the approval: on the date the move does not start; the plan still opens.
            try await transfer(bing, to: "T0003")
            #expect(try await Self.runDue(app, on: "2027-09-01") == ExchangeJobs.Outcome(started: 0, returned: 0, plansInEffect: 1))
            #expect(try await Self.schoolOf(app, bing).school == f.schools["T0003"])
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM exchange_moves WHERE plan_id = \(id) AND state = 'void'") == 1)
            #expect(try await Self.call(app, .GET, "/api/v1/exchange/plans/\(id)", d1).0 == .ok)
            try await app.check(.GET, "/exchange/plans/\(id)", headers: page) { res in #expect(res.status == .ok && res.text.contains("未生效")) }
        }
    }

    @Test("two plans moving one teacher, approved twenty times at once: one plan wins, the teacher is claimed once", arguments: TestDB.all)
    func approvalRace(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let (d1, admin) = (try await app.token("d1"), try await app.token("admin"))
            let jia = f.teachers["甲"]!
            let (_, a) = try await Self.call(app, .POST, "/api/v1/exchange/plans", d1, ["year": 2027, "moves": [Self.move(jia, to: f.schools["T0002"]!)]])
            let (_, b) = try await Self.call(app, .POST, "/api/v1/exchange/plans", admin, ["year": 2027, "moves": [Self.move(jia, to: f.schools["T0002"]!)]])
            let ids = [try #require(a["id"] as? Int), try #require(b["id"] as? Int)]
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/plans/\(ids[0])/events", d1, ["event": "submit", "version": 1]).0 == .ok)
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/plans/\(ids[1])/events", admin, ["event": "submit", "version": 1]).0 == .ok)
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for k in 0..<20 { group.addTask { try await Self.call(app, .POST, "/api/v1/exchange/plans/\(ids[k % 2])/events", admin, ["event": "approve", "version": 2]).0 } }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1, "\(statuses.map(\.code))")
            #expect(statuses.allSatisfy { $0 == .ok || $0 == .conflict }, "\(statuses.map(\.code))")
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM exchange_plans WHERE state IN ('approved', 'in_effect')") == 1)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM exchange_claims WHERE kind = 'teacher' AND ref = \(jia)") == 1)
        }
    }

    @Test("a plan of 4,999 copies of one move: 422 listing the first hundred problems and their total, a small body", arguments: TestDB.all)
    func cappedErrors(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let d1 = try await app.token("d1")
            let moves = Array(repeating: Self.move(f.teachers["甲"]!, to: f.schools["T0002"]!), count: 4_999)
            let (h, b) = try jsonBody(["year": 2027, "moves": moves])
            var headers = h; headers.bearerAuthorization = BearerAuthorization(token: d1)
            try await app.check(.POST, "/api/v1/exchange/plans", headers: headers, body: b) { res in
                #expect(res.status == .unprocessableEntity)
                #expect(res.body.readableBytes < 40_000, "\(res.body.readableBytes) bytes")
                let json = try res.json()
                #expect((json["fields"] as? [String: Any])?.count == 100 && json["fieldsTotal"] as? Int == 4_998, "\(json["fieldsTotal"] ?? "-")")
                #expect((json["fields"] as? [String: Any])?["moves[1].teacherId"] != nil, "the first ones, in reading order")
            }
            let cookies = try await Browser.login(app, "d1")
            // A demand form without a single cell is refused, not saved as no demand.
            let res = try await Browser.form(app, cookies, "/exchange/itinerant/demand", [:])
            #expect(res.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding?.contains("没有任何学校学科") == true || res.text.contains("没有任何学校学科"), "\(res.status)")
        }
    }

    @Test("the year report counts a county plan's moves by their sending districts, as the quotas do, for the year selected", arguments: TestDB.all)
    func yearReport(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await app.token("admin")
            let (_, plan) = try await Self.call(app, .POST, "/api/v1/exchange/plans", admin, ["year": 2027, "moves": [
                Self.move(f.teachers["甲"]!, to: f.schools["T0002"]!), Self.move(f.teachers["丁"]!, to: f.schools["T0001"]!)]])
            let id = try #require(plan["id"] as? Int)
            let bureau = Actor(userId: f.users["admin"]!, username: "admin", displayName: "admin", role: .bureauAdmin, scope: .county, permissions: app.grants.permissions(of: .bureauAdmin))
            // Kept between requests, and read again once a plan changes.
            #expect(try await ExchangeService(app.context(actor: bureau)).report(year: 2027).byDistrict.isEmpty)
            _ = try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/events", admin, ["event": "submit", "version": 1])
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/events", admin, ["event": "approve", "version": 2]).0 == .ok)
            let r = try await ExchangeService(app.context(actor: bureau)).report(year: 2027)
            #expect(Set(r.byDistrict.map(\.label)) == ["一学区", "二学区"], "\(r.byDistrict.map(\.label))")
            #expect(r.byDistrict.map(\.total).reduce(0, +) == r.quotas.map(\.quota.moved).reduce(0, +))
            // The district's own report holds the moves from its schools, the county plan's included.
            let d1 = Actor(userId: f.users["d1"]!, username: "d1", displayName: "d1", role: .districtAdmin, scope: .district(f.districts["D1"]!), permissions: app.grants.permissions(of: .districtAdmin))
            #expect(try await ExchangeService(app.context(actor: d1)).report(year: 2027).byDistrict.map(\.total) == [1])
            // The page's report follows the year selector.
            var h = HTTPHeaders(); h.cookie = try await Browser.login(app, "admin")
            try await app.check(.GET, "/exchange?year=2027", headers: h) { res in #expect(res.text.contains("id=\"by-district\"")) }
            try await app.check(.GET, "/exchange?year=2026", headers: h) { res in #expect(!res.text.contains("id=\"by-district\""), "no 2026 moves") }
        }
    }

    @Test("a school reads the moves it sends or receives, not every move of a plan that touches it", arguments: TestDB.all)
    func moveScope(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await app.token("admin")
            let (s, plan) = try await Self.call(app, .POST, "/api/v1/exchange/plans", admin, ["year": 2027, "moves": [
                Self.move(f.teachers["甲"]!, to: f.schools["T0002"]!), Self.move(f.teachers["丁"]!, to: f.schools["T0002"]!)]])
            #expect(s == .created)
            let moves = try #require(plan["moves"] as? [[String: Any]])
            let ids = moves.compactMap { $0["id"] as? Int }
            #expect(ids.count == 2)
            let s1 = try await Browser.login(app, "s1")
            var h = HTTPHeaders(); h.cookie = s1
            try await app.check(.GET, "/exchange/moves/\(ids[0])", headers: h) { res in #expect(res.status == .ok) }
            try await app.check(.GET, "/exchange/moves/\(ids[1])", headers: h) { res in #expect(res.status == .notFound, "T0003 → T0002 is not T0001's") }
        }
    }

    @Test("支教: the host school assesses, an extension stays within three years, the teacher returns on the date", arguments: TestDB.all)
    func supportTeaching(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await app.token("admin")
            let ding = f.teachers["丁"]!
            let (s, plan) = try await Self.call(app, .POST, "/api/v1/exchange/plans", admin,
                                                ["year": 2026, "moves": [Self.move(ding, to: f.schools["T0001"]!, form: "support", startsOn: "2026-09-01", returnsOn: "2027-07-15")]])
            #expect(s == .created)
            let id = try #require(plan["id"] as? Int)
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/events", try await app.token("d2"), ["event": "submit", "version": 1]).0 == .notFound, "a county plan is the bureau's: a district does not see it")
            _ = try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/events", admin, ["event": "submit", "version": 1])
            let (_, approved) = try await Self.call(app, .POST, "/api/v1/exchange/plans/\(id)/events", admin, ["event": "approve", "version": 2])
            // Its date has passed (the clock is 2026-09-21): it takes effect on approval.
            #expect(approved["state"] as? String == "in_effect")
            #expect(try await Self.schoolOf(app, ding).school == f.schools["T0001"])
            let moveId = try #require((approved["moves"] as? [[String: Any]])?.first?["id"] as? Int)

            let body: [String: Any] = ["year": 2026, "rating": "competent", "comments": "承担三年级数学教学，完成教学任务。"]
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/moves/\(moveId)/assessments", try await app.token("s3"), body).0 == .forbidden, "the sending school does not assess")
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/moves/\(moveId)/assessments", try await app.token("t1"), body).0 == .forbidden)
            let s1 = try await app.token("s1")
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/moves/\(moveId)/assessments", s1, body).0 == .created)
            let (bad, err) = try await Self.call(app, .POST, "/api/v1/exchange/moves/\(moveId)/assessments", s1, ["year": 2026, "rating": "great", "comments": ""])
            #expect(bad == .unprocessableEntity && (err["fields"] as? [String: Any])?.keys.sorted() == ["comments", "rating"])
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/moves/\(moveId)/assessments", s1, ["year": 2029, "rating": "competent", "comments": "x"]).0 == .unprocessableEntity)
            // Twenty saves at once: each is saved or told to reload, never a 500; one row remains.
            let statuses = try await withThrowingTaskGroup(of: HTTPStatus.self) { group in
                for k in 0..<20 { group.addTask { try await Self.call(app, .POST, "/api/v1/exchange/moves/\(moveId)/assessments", s1, ["year": 2026, "rating": k % 2 == 0 ? "excellent" : "competent", "comments": "第\(k)次"]).0 } }
                return try await group.reduce(into: [HTTPStatus]()) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == .created || $0 == .conflict } && statuses.contains(.created), "\(statuses)")
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM exchange_assessments") == 1)

            #expect(try await Self.call(app, .POST, "/api/v1/exchange/moves/\(moveId)/extend", try await app.token("d2"), ["returnsOn": "2028-07-15"]).0 == .notFound)
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/moves/\(moveId)/extend", try await app.token("s1"), ["returnsOn": "2028-07-15"]).0 == .forbidden)
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/moves/\(moveId)/extend", admin, ["returnsOn": "2029-09-02"]).0 == .unprocessableEntity)
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/moves/\(moveId)/extend", admin, ["returnsOn": "2027-07-01"]).0 == .unprocessableEntity)
            let (ok, extended) = try await Self.call(app, .POST, "/api/v1/exchange/moves/\(moveId)/extend", admin, ["returnsOn": "2028-07-15"])
            #expect(ok == .ok && extended["returnsOn"] as? String == "2028-07-15")

            #expect(try await Self.runDue(app, on: "2027-07-15").returned == 0, "extended")
            #expect(try await Self.runDue(app, on: "2028-07-15").returned == 1)
            let back = try await Self.schoolOf(app, ding)
            #expect(back.school == f.schools["T0003"] && back.since == "2015-09-01", "back home with the years there kept")
            #expect(try await Self.runDue(app, on: "2028-07-16").returned == 0)
        }
    }

    /// D1 gets a town school with too many mathematics teachers and a rural one with too few.
    static func suggestionCounty(_ app: Application, _ f: Fixture) async throws {
        let admin = try await app.token("admin")
        try await app.db.sql.raw("UPDATE schools SET locality = 'town' WHERE id = \(bind: f.schools["T0002"]!)").run()
        for (code, p, j) in [("T0001", 900, 0), ("T0002", 200, 100), ("T0003", 100, 0)] {
            let (_, b) = try jsonBody(["year": 2026, "students": ["primary": p, "junior": j, "senior": 0], "floorArea": 4.5 * Double(p + j), "sportsArea": 8 * (p + j),
                                       "equipmentValue": 2500 * (p + j), "computers": (p + j) / 10, "books": 20 * (p + j), "multimediaRooms": 3])
            try await app.check(.PUT, "/api/v1/schools/\(f.schools[code]!)/conditions", headers: bearer(admin, json: true), body: b) { #expect($0.status == .ok) }
        }
        let now = app.clock.now().timeIntervalSince1970
        let t0002 = f.schools["T0002"]!, d1 = f.districts["D1"]!
        try await app.writeGate.transaction(on: app.db) { tx in
            var rows: [(ValidTeacher, schoolId: Int, districtId: Int)] = []
            for k in 0..<20 {
                let rid = try ResidentID.parse(Fixture.residentID("19780101", 100 + k)).get()
                rows.append((ValidTeacher(name: "数学\(k)", residentId: rid, schoolRef: .id(t0002), subjects: [.math], education: .bachelor, putonghua: .l2A,
                                          title: .intermediate, backbone: k < 6 ? .county : .none, schoolSince: CivilDate(parsing: "2012-09-01")!, stagePart: .primary,
                                          phone: nil, qualificationType: .primary), t0002, d1))
            }
            try await RegistryStore.insertTeachers(rows, on: tx, now: now)
        }
    }

    @Test("the suggestion meets the quota, sends town → rural where subjects are short, lowers the coefficients, saves nothing", arguments: TestDB.all)
    func suggestion(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await Self.suggestionCounty(app, f)
            let admin = try await app.token("admin")
            let (s, body) = try await Self.call(app, .POST, "/api/v1/exchange/plans/suggest", admin, ["year": 2027, "district": f.districts["D1"]!])
            #expect(s == .ok)
            let quota = body["quota"] as? [String: Any] ?? [:]
            let moves = body["moves"] as? [[String: Any]] ?? []
            // 22 due in D1 (20 new, 甲, 丙): at least 3 move, one of them a backbone teacher.
            #expect(quota["eligible"] as? Int == 22 && quota["required"] as? Int == 3)
            #expect(moves.count >= 3 && quota["met"] as? Bool == true)
            #expect(moves.allSatisfy { $0["toSchoolId"] as? Int == f.schools["T0001"] && $0["fromSchoolId"] as? Int == f.schools["T0002"] })
            #expect(moves.contains { ($0["reasons"] as? [String])?.contains { $0.contains("数学教师不足") } == true })
            let before = (body["balanceBefore"] as? [String: Any])?["primary"] as? [String: Any]
            let after = (body["balanceAfter"] as? [String: Any])?["primary"] as? [String: Any]
            func backbone(_ b: [String: Any]?) -> Double? { ((b?["coefficients"] as? [[String: Any]])?.first { $0["indicator"] as? String == "backbone_per_100" })?["value"] as? Double }
            #expect(before?["standard"] as? String == "quality")
            #expect(try #require(backbone(after)) < (try #require(backbone(before))))
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM exchange_plans") == 0)
            // The same data, the same suggestion.
            let (_, again) = try await Self.call(app, .POST, "/api/v1/exchange/plans/suggest", admin, ["year": 2027, "district": f.districts["D1"]!])
            #expect((again["moves"] as? [[String: Any]])?.map { $0["teacherId"] as? Int } == moves.map { $0["teacherId"] as? Int })
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/plans/suggest", try await app.token("d2"), ["year": 2027, "district": f.districts["D1"]!]).0 == .forbidden)
            #expect(try await Self.call(app, .POST, "/api/v1/exchange/plans/suggest", try await app.token("s1"), ["year": 2027]).0 == .forbidden)
        }
    }
}
