import Foundation
import Registry
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
import XuequKit
@testable import Teaching
@testable import XuequApp

@Suite("Lesson plans, pure")
struct LessonPlanDomainTests {
    @Test("character diff: what was kept, removed and added, and the changed share")
    func diff() {
        #expect(CharDiff.pieces("认识几分之一", "认识几分之几") == [.same("认识几分之"), .removed("一"), .added("几")])
        #expect(CharDiff.changedRatio("abc", "abc") == (0, 3))
        let d = PlanDiff(parent: ["教学目标": "认识几分之一。", "教后反思": "旧"], child: ["教学目标": "认识几分之一。", "教后反思": "学生掌握得很好"])
        #expect(d.changedRatio == 0, "the reflection does not count")
        #expect(d.sections.first { $0.name == "教后反思" }?.changed == true)
    }

    @Test("the diff rebuilds both texts and keeps a longest common subsequence (random texts against a plain LCS)")
    func diffIsAnLCS() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("分数的初步认识练习。")
        func lcs(_ a: [Character], _ b: [Character]) -> Int {
            var t = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
            for i in 0..<a.count { for j in 0..<b.count { t[i + 1][j + 1] = a[i] == b[j] ? t[i][j] + 1 : max(t[i][j + 1], t[i + 1][j]) } }
            return t[a.count][b.count]
        }
        for _ in 0..<200 {
            let a = String((0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            let b = String((0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            let pieces = CharDiff.pieces(a, b)
            var left = "", right = "", kept = 0
            for p in pieces {
                switch p { case .same(let s): left += s; right += s; kept += s.count; case .removed(let s): left += s; case .added(let s): right += s }
            }
            #expect(left == a && right == b)
            #expect(kept == lcs(Array(a), Array(b)), "\(a) → \(b)")
        }
    }

    @Test("a diff bomb (eight rewritten 4,000-character sections) stays within its budget of table cells, exact texts rebuilt")
    func diffBomb() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("分数的初步认识练习教学目标重点难点过程板书设计作业。，")
        func text(_ n: Int) -> String { String((0..<n).map { _ in alphabet.randomElement(using: &rng)! }) }
        var parent: [String: String] = [:], child: [String: String] = [:]
        for name in PlanSection.names { parent[name] = text(4_000); child[name] = text(4_000) }
        // The table cells one plan fills are bounded by its budget, whatever the texts (an exact
        // table would be 8 × 4,000 × 4,000 = 128 million).
        let meter = CharDiff.Meter()
        let d = CharDiff.$meter.withValue(meter) { PlanDiff(parent: parent, child: child) }
        #expect(meter.cells > 0 && meter.cells <= 2_000_000, "\(meter.cells) cells")
        for s in d.sections {
            var left = "", right = ""
            for p in s.pieces {
                switch p { case .same(let t): left += t; right += t; case .removed(let t): left += t; case .added(let t): right += t }
            }
            #expect(left == parent[s.name] && right == child[s.name], "\(s.name)")
        }
        #expect(d.changedRatio > 0.3)
        // Sentences edited here and there in a long section are still shown by character.
        let long = (0..<300).map { "第\($0)句讲分数的意义。" }.joined()
        let edited = long.replacingOccurrences(of: "第7句讲分数", with: "第7句讲小数").replacingOccurrences(of: "第250句讲分数的", with: "第250句讲分数们的")
        let pieces = CharDiff.pieces(long, edited, budget: CharDiff.Budget(cells: 100_000))
        #expect(pieces.contains(.removed("分")) && pieces.contains(.added("小")) && pieces.contains(.added("们")), "\(pieces.filter { if case .same = $0 { return false }; return true })")
    }

    @Test("bigrams find two or more consecutive characters")
    func bigrams() {
        #expect(Bigrams.of("分数的初步") == ["分数", "数的", "的初", "初步"])
        #expect(Bigrams.of("AB 分") == ["ab", "分"])
    }
}

/// The fixture's 甲 (t1, T0001, math) leads a D1 math group with 丙 as a member.
@Suite("Lesson plans")
struct LessonPlanAPITests {
    static func call(_ app: Application, _ method: HTTPMethod, _ path: String, _ token: String, _ body: [String: Any]? = nil) async throws -> (HTTPStatus, [String: Any]) {
        var out: (HTTPStatus, [String: Any]) = (.internalServerError, [:])
        let b = try body.map { try jsonBody($0).1 }
        try await app.check(method, path, headers: bearer(token, json: b != nil), body: b) { res in out = (res.status, (try? res.json()) ?? [:]) }
        return out
    }

    static func group(_ app: Application, _ f: Fixture, levels: Int = 2) async throws {
        try await app.db.sql.raw("""
            INSERT INTO teaching_groups (name, level, district_id, school_id, subject, leader_teacher_id, review_levels, created_at)
            VALUES ('一学区数学中心组', 'district', \(bind: f.districts["D1"]!), NULL, 'math', \(bind: f.teachers["甲"]!), \(bind: levels), 0)
            """).run()
        for t in ["甲", "丙"] { try await app.db.sql.raw("INSERT INTO teaching_group_members (group_id, teacher_id) VALUES (1, \(bind: f.teachers[t]!))").run() }
    }

    @Test("通案 → review → release → 个案: versions, 409, lineage, diff, search", arguments: TestDB.all)
    func flow(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await Self.group(app, f)
            // 丁 (D2) has no account; accounts: t1 = 甲 (leader). A teacher account for 丙 for the derive.
            let t1 = try await app.token("t1")
            let body: [String: Any] = ["kind": "common", "title": "分数的初步认识", "subject": "math", "grade": "三年级",
                                       "sections": ["教学目标": "认识几分之一，会读写分数。", "教学过程": "一、分蛋糕导入；二、折纸认识二分之一；三、练习。"]]
            let (s, plan) = try await Self.call(app, .POST, "/api/v1/lesson-plans", t1, body)
            #expect(s == .created && plan["kind"] as? String == "common" && plan["state"] as? String == "draft")
            let id = try #require(plan["id"] as? Int)
            // A personal plan for anyone; a common plan only for a group member.
            #expect(try await Self.call(app, .POST, "/api/v1/lesson-plans", try await app.token("s1"), body).0 == .forbidden)
            // Edits: a new version each; a stale one is 409 and saves nothing.
            let (u, v2) = try await Self.call(app, .PUT, "/api/v1/lesson-plans/\(id)", t1, ["sections": ["作业": "练习一"], "version": 1])
            #expect(u == .ok && v2["version"] as? Int == 2 && (v2["sections"] as? [String: String])?["作业"] == "练习一")
            #expect(try await Self.call(app, .PUT, "/api/v1/lesson-plans/\(id)", t1, ["sections": ["作业": "别的"], "version": 1]).0 == .conflict)
            #expect(try await Self.call(app, .PUT, "/api/v1/lesson-plans/\(id)", t1, ["sections": ["心得": "x"], "version": 2]).0 == .unprocessableEntity)
            // Two review levels: the leader, then the district's teaching office; then release.
            func event(_ e: String, _ token: String, _ extra: [String: Any] = [:]) async throws -> (HTTPStatus, [String: Any]) {
                try await Self.call(app, .POST, "/api/v1/lesson-plans/\(id)/events", token, ["event": e].merging(extra) { a, _ in a })
            }
            #expect(try await event("submit", t1).1["state"] as? String == "in_review")
            #expect(try await event("approve", try await app.token("d2")).0 == .notFound)
            // 甲 leads the group and wrote the plan: nobody approves their own work, so it went
            // straight to level 2, the office's.
            #expect(try await event("approve", t1).0 == .forbidden, "not her own, at any level")
            // Her page offers no button she cannot use; the office's offers approval.
            for (user, approves) in [("t1", false), ("d1", true)] {
                var h = HTTPHeaders(); h.cookie = try await Browser.login(app, user)
                try await app.check(.GET, "/teaching/plans/\(id)", headers: h) { res in
                    #expect(res.text.contains("id=\"approve\"") == approves, "\(user)")
                    #expect(res.text.contains("id=\"review-wait\"") == !approves, "\(user)")
                    // In review it is not hers to edit or restore; the heading names the saved version.
                    #expect(!res.text.contains("id=\"edit\"") && !res.text.contains("恢复此版本"), "\(user)")
                    #expect(res.text.contains("v2</span>"), "\(user)")
                }
            }
            #expect(try await event("approve", try await app.token("d1")).1["state"] as? String == "approved")
            #expect(try await event("release", t1).0 == .unprocessableEntity, "a release date")
            // Released for a date after today (the clock is 2026-09-21): not yet visible to the district's teachers.
            #expect(try await event("release", t1, ["releaseOn": "2026-10-08"]).1["state"] as? String == "released")
            // 乙 teaches at T0001 and is not in the group.
            let hash = try await Accounts.hashPassword(Fixture.password, app: app)
            _ = try await app.writeGate.transaction(on: app.db) { tx in
                try await Accounts.insertUser(.init(username: "t2", displayName: "乙老师", role: .teacher, districtId: f.districts["D1"], schoolId: f.schools["T0001"], teacherId: f.teachers["乙"]),
                                              passwordHash: hash, on: tx, now: app.clock.now())
            }
            let t2 = try await app.token("t2")
            #expect(try await Self.call(app, .GET, "/api/v1/lesson-plans/\(id)", t2).0 == .notFound)
            #expect(try await Self.call(app, .GET, "/api/v1/lesson-plans?kind=common", t2).1["total"] as? Int == 0)
            try await app.db.sql.raw("UPDATE lesson_plans SET release_on = '2026-09-01' WHERE id = \(bind: id)").run()
            #expect(try await Self.call(app, .GET, "/api/v1/lesson-plans/\(id)", t2).0 == .ok)
            // 乙 is in no mathematics group: she derives her own 个案, never a 通案 of her level.
            var h2 = HTTPHeaders(); h2.cookie = try await Browser.login(app, "t2")
            try await app.check(.GET, "/teaching/plans/\(id)", headers: h2) { res in
                #expect(res.text.contains("id=\"derive\""))
                #expect(!res.text.contains("name=\"kind\" value=\"common\""))
            }
            // Released: teachers of the district see it; D2's school does not.
            #expect(try await Self.call(app, .GET, "/api/v1/lesson-plans/\(id)", try await app.token("s1")).0 == .ok)
            #expect(try await Self.call(app, .GET, "/api/v1/lesson-plans/\(id)", try await app.token("s3")).0 == .notFound)
            // A 个案 from it, first unchanged (flagged), then adapted.
            let (d, mine) = try await Self.call(app, .POST, "/api/v1/lesson-plans/\(id)/derive", t1, ["kind": "personal"])
            #expect(d == .created && mine["parentId"] as? Int == id && mine["kind"] as? String == "personal")
            let child = try #require(mine["id"] as? Int)
            let (_, same) = try await Self.call(app, .GET, "/api/v1/lesson-plans/\(child)/diff", t1)
            #expect(same["changedRatio"] as? Double == 0 && same["nearlyUnchanged"] as? Bool == true)
            _ = try await Self.call(app, .PUT, "/api/v1/lesson-plans/\(child)", t1, ["sections": ["教学过程": "一、分月饼导入；二、折纸认识二分之一和四分之一；三、分层练习。"], "version": 1])
            let (_, changed) = try await Self.call(app, .GET, "/api/v1/lesson-plans/\(child)/diff", t1)
            let sections = changed["sections"] as? [[String: Any]] ?? []
            #expect(sections.first { $0["name"] as? String == "教学过程" }?["changed"] as? Bool == true)
            #expect(sections.first { $0["name"] as? String == "教学目标" }?["changed"] as? Bool == false)
            #expect((changed["changedRatio"] as? Double ?? 0) > 0.05 && changed["nearlyUnchanged"] as? Bool == false)
            // Search: two characters find both; best first; a snippet; a one-character query is refused.
            let (q, found) = try await Self.call(app, .GET, "/api/v1/lesson-plans?q=\("月饼".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)", t1)
            #expect(q == .ok && (found["items"] as? [[String: Any]])?.map { $0["id"] as? Int } == [child])
            #expect(((found["items"] as? [[String: Any]])?.first?["snippet"] as? String)?.contains("月饼") == true)
            let (_, both) = try await Self.call(app, .GET, "/api/v1/lesson-plans?q=\("折纸".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)&kind=personal", t1)
            #expect((both["items"] as? [[String: Any]])?.count == 1)
            #expect(try await Self.call(app, .GET, "/api/v1/lesson-plans?q=\("分".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)", t1).0 == .unprocessableEntity)
            // The index narrows to the caller's scope: 乙 (a D1 teacher outside the group) finds the
            // released district 通案, not 甲's 个案; D2's school admin finds neither; the bureau both.
            let zhezhi = "折纸".addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!
            #expect((try await Self.call(app, .GET, "/api/v1/lesson-plans?q=\(zhezhi)", t2).1["items"] as? [[String: Any]])?.map { $0["id"] as? Int } == [id])
            #expect((try await Self.call(app, .GET, "/api/v1/lesson-plans?q=\(zhezhi)", try await app.token("s3")).1["items"] as? [[String: Any]])?.isEmpty == true)
            #expect(Set((try await Self.call(app, .GET, "/api/v1/lesson-plans?q=\(zhezhi)", try await app.token("admin")).1["items"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }) == [id, child])
            // Another teacher's 个案 is not listed or readable by s3.
            #expect(try await Self.call(app, .GET, "/api/v1/lesson-plans/\(child)", try await app.token("s3")).0 == .notFound)
        }
    }
}

@Suite("Model lessons")
struct ModelLessonTests {
    @Test("uploaded 14 days ahead or flagged; sent up school → district → county within quotas; the county's list is public", arguments: TestDB.all)
    func modelLessons(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let t1 = try await app.token("t1")
            var plans: [Int] = []
            for k in 0..<5 {
                let (_, p) = try await LessonPlanAPITests.call(app, .POST, "/api/v1/lesson-plans", t1, ["kind": "personal", "title": "优课\(k)", "subject": "math", "grade": "三年级", "sections": ["教学目标": "目标\(k)"]])
                plans.append(try #require(p["id"] as? Int))
            }
            let teacher = try await Browser.login(app, "t1")
            func flash(_ res: TestingHTTPResponse) -> String { res.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding ?? "" }
            // The clock is 2026-09-21: 2026-10-05 is 14 days ahead (on time), 2026-09-30 is not.
            #expect(!flash(try await Browser.form(app, teacher, "/teaching/model-lessons", ["planId": String(plans[0]), "teachingOn": "2026-10-05"])).hasPrefix("!"))
            #expect(flash(try await Browser.form(app, teacher, "/teaching/model-lessons", ["planId": String(plans[1]), "teachingOn": "2026-09-30"])).contains("迟交"))
            #expect(flash(try await Browser.form(app, teacher, "/teaching/model-lessons", ["planId": String(plans[0]), "teachingOn": "2026-10-06"])).contains("已作为优课上传"))
            #expect(flash(try await Browser.form(app, teacher, "/teaching/model-lessons", ["planId": String(plans[2]), "teachingOn": "2026-09-01"])).contains("不能早于今天"))
            for k in 2..<5 { _ = try await Browser.form(app, teacher, "/teaching/model-lessons", ["planId": String(plans[k]), "teachingOn": "2026-11-0\(k)"]) }
            struct L: Decodable { let id: Int; let late: Bool }
            let lessons = try await app.db.sql.raw("SELECT id, late FROM teaching_model_lessons ORDER BY id").all(decoding: L.self)
            #expect(lessons.map(\.late) == [false, true, false, false, false])
            // The school sends three up; the fourth is over its quota; another school's admin cannot.
            let school = try await Browser.login(app, "s1")
            for l in lessons.prefix(3) { #expect(!flash(try await Browser.form(app, school, "/teaching/model-lessons/\(l.id)/select", [:])).hasPrefix("!")) }
            #expect(flash(try await Browser.form(app, school, "/teaching/model-lessons/\(lessons[3].id)/select", [:])).contains("名额"))
            #expect(try await Browser.form(app, try await Browser.login(app, "s3"), "/teaching/model-lessons/\(lessons[3].id)/select", [:]).status == .notFound)
            // The district sends two of them to the county; the county's list is public, names masked.
            let district = try await Browser.login(app, "d1")
            for l in lessons.prefix(2) { _ = try await Browser.form(app, district, "/teaching/model-lessons/\(l.id)/select", [:]) }
            #expect(flash(try await Browser.form(app, district, "/teaching/model-lessons/\(lessons[2].id)/select", [:])).contains("名额"))
            let page = try await app.testing().sendRequest(.GET, "/model-lessons")
            #expect(page.status == .ok && page.text.contains("优课0") && page.text.contains("优课1") && !page.text.contains("优课2") && !page.text.contains("甲老师"))
        }
    }
}

@Suite("Teaching groups")
struct TeachingGroupPageTests {
    @Test("a group is made by picking the leader and members from the teachers in scope; bad picks come back named, nothing saved", arguments: TestDB.all)
    func pickLeader(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let d1 = try await Browser.login(app, "d1")
            var h = HTTPHeaders(); h.cookie = d1
            // The finder lists the district's teachers, by name; another district's are not offered.
            let page = try await app.testing().sendRequest(.GET, "/teaching/groups?cq=%E7%94%B2", headers: h)
            #expect(page.status == .ok)
            #expect(page.text.contains("value=\"\(f.teachers["甲"]!)\">甲老师 · 一中心小学 · 数学"))
            #expect(!page.text.contains("乙老师 ·"), "the finder narrowed to 甲")
            let all = try await app.testing().sendRequest(.GET, "/teaching/groups", headers: h)
            #expect(all.text.contains("丙老师 · 一九年制学校") && !all.text.contains("丁老师"), "d1 sees D1's teachers only")
            #expect(all.text.contains("符合条件的教师 3 名"))
            // Another district's id in the finder lists nobody: the scope comes first.
            let other = try await app.testing().sendRequest(.GET, "/teaching/groups?cdistrict=\(f.districts["D2"]!)", headers: h)
            #expect(other.text.contains("符合条件的教师 0 名") && !other.text.contains("丁老师"))

            // Missing leader and a member from D2: 422, both named, the chosen member stays ticked.
            let bad = try await Browser.form(app, d1, "/teaching/groups", ["name": "一学区语文组", "level": "district", "subject": "chinese", "leader": String(f.teachers["丁"]!), "members[]": String(f.teachers["乙"]!), "reviewLevels": "2"])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("组长不在您的管理范围内") || bad.text.contains("请选择组长"))
            #expect(bad.text.contains("value=\"\(f.teachers["乙"]!)\" checked"))
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM teaching_groups").first(decoding: N.self)?.n == 0)

            let ok = try await Browser.form(app, d1, "/teaching/groups", ["name": "一学区语文组", "level": "district", "subject": "chinese", "leader": String(f.teachers["甲"]!), "members[]": String(f.teachers["乙"]!), "reviewLevels": "2"])
            #expect(ok.status == .seeOther)
            struct G: Decodable { let leaderTeacherId: Int; let reviewLevels: Int; let districtId: Int? }
            let g = try await app.db.sql.raw("SELECT leader_teacher_id, review_levels, district_id FROM teaching_groups").all(decoding: G.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
            #expect(g.count == 1 && g[0].leaderTeacherId == f.teachers["甲"]! && g[0].reviewLevels == 2 && g[0].districtId == f.districts["D1"]!)
            let members = try await app.db.sql.raw("SELECT COUNT(*) AS n FROM teaching_group_members").first(decoding: N.self)?.n
            #expect(members == 2, "the leader and the one member")
            let listed = try await app.testing().sendRequest(.GET, "/teaching/groups", headers: h)
            #expect(listed.text.contains("一学区语文组") && listed.text.contains("<td>甲老师</td>"))
        }
    }
}

@Suite("Training hours")
struct TrainingTests {
    @Test("programmes, enrolment by school, attendance, hours against the rule, the shortfall and the sheet", arguments: TestDB.all)
    func hours(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await Browser.login(app, "admin")
            func flash(_ res: TestingHTTPResponse) -> String { res.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding ?? "" }
            #expect(try await Browser.form(app, try await Browser.login(app, "d1"), "/teaching/training", ["name": "x"]).status == .forbidden)
            for (name, kind, start, end) in [("2026年暑期全员培训", "summer", "2026-07-10", "2026-07-20"), ("2026年寒假全员培训", "winter", "2026-01-20", "2026-01-25")] {
                #expect(!flash(try await Browser.form(app, admin, "/teaching/training", ["name": name, "kind": kind, "startsOn": start, "endsOn": end, "hours": "40"])).hasPrefix("!"))
            }
            #expect(flash(try await Browser.form(app, admin, "/teaching/training", ["name": "坏", "kind": "summer", "startsOn": "2026-07-10", "endsOn": "2026-07-01", "hours": "-1"])).contains("结束日期早于开始日期"))
            #expect(flash(try await Browser.form(app, admin, "/teaching/training/1/enrol", ["schools": "T0001, T9999"])).contains("T9999"))
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM training_enrolments").first(decoding: N.self)?.n == 0, "nothing enrolled")
            #expect(flash(try await Browser.form(app, admin, "/teaching/training/1/enrol", ["schools": "T0001"])).contains("2"))
            _ = try await Browser.form(app, admin, "/teaching/training/2/enrol", ["schools": "T0001"])
            // 乙 missed the summer; 甲 attended both: 80 hours against 72; 乙 40.
            _ = try await Browser.form(app, admin, "/teaching/training/1/attendance", ["absent": String(f.teachers["乙"]!)])
            _ = try await Browser.form(app, admin, "/teaching/training/2/attendance", ["absent": ""])
            let bureau = Actor(userId: 0, username: "t", displayName: "", role: .bureauAdmin, scope: .county, permissions: app.grants.permissions(of: .bureauAdmin))
            let rows = try await TeachingService(app.context(actor: bureau)).hours(year: 2026)
            #expect(rows.first { $0.teacher.id == f.teachers["甲"] }?.hours == 80)
            #expect(rows.first { $0.teacher.id == f.teachers["乙"] }?.shortfall == 32)
            #expect(rows.first { $0.teacher.id == f.teachers["丁"] }?.shortfall == 72)
            // The school admin's home page and sheet: its two teachers, one short.
            var h = HTTPHeaders(); h.cookie = try await Browser.login(app, "s1")
            let home = try await app.testing().sendRequest(.GET, "/", headers: h)
            #expect(home.text.contains("1 名教师 2026 年培训学时不足"))
            let sheet = try await app.testing().sendRequest(.GET, "/teaching/training/hours?year=2026&format=xlsx", headers: h)
            let table = try Spreadsheet.read(Data(buffer: sheet.body))
            #expect(table.body.count == 2 && table.body.contains { $0[1] == "乙老师" && $0[6] == "32" })
        }
    }
}

@Suite("Training hours count every teacher")
struct TrainingHoursCountTests {
    @Test("450 teachers: the county's hours page and its export count all of them, with the shortfall by district and by school", arguments: TestDB.all)
    func everyTeacher(db: TestDB) async throws {
        try await withApp(db) { app, f in
            // 446 more teachers at T0001 and T0003, copies of 甲 with their own resident IDs.
            try await f.addTeachers(app, names: (0..<446).map { "教师\($0)" })
            let bureau = Actor(userId: f.users["admin"]!, username: "admin", displayName: "admin", role: .bureauAdmin, scope: .county, permissions: app.grants.permissions(of: .bureauAdmin))
            let rows = try await TeachingService(app.context(actor: bureau)).hours(year: 2026)
            #expect(rows.count == 450)
            let cookies = try await Browser.login(app, "admin")
            var h = HTTPHeaders(); h.cookie = cookies
            try await app.check(.GET, "/teaching/training/hours?year=2026", headers: h) { res in
                #expect(res.text.contains("/ 450 名教师学时不足"), "\(res.status)")
                #expect(res.text.contains("id=\"short-by-district\"") && res.text.contains("id=\"short-by-school\""))
            }
            try await app.check(.GET, "/teaching/training/hours?year=2026&format=xlsx", headers: h) { res in
                let table = try Spreadsheet.read(Data(buffer: res.body), filename: "x.xlsx")
                #expect(table.body.count == 450)
            }
        }
    }

    @Test("PageSpec.all reads to the end whatever page size the caller would have liked")
    func pagingToTheEnd() async throws {
        let source = Array(1...1_234)
        let all = try await PageSpec.all { spec in
            PageResult(items: Array(source.dropFirst(spec.offset).prefix(spec.per)), total: source.count, request: spec)
        }
        #expect(all == source)
    }
}

