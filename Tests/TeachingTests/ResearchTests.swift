import Foundation
import Registry
import SQLKit
import Testing
import ZIPFoundation
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
import XuequKit
@testable import Teaching
@testable import XuequApp

@Suite("Research activities, pure")
struct ResearchDomainTests {
    @Test("local date-times parse as a datetime-local input writes them, and 'now' is the county's time")
    func localTimes() {
        #expect(LocalDateTime(parsing: "2026-12-05T14:30")?.description == "2026-12-05T14:30")
        #expect(LocalDateTime(parsing: "2026-12-05 08:05")?.display == "2026-12-05 08:05")
        #expect(LocalDateTime(parsing: "2026-12-05T24:00") == nil)
        #expect(LocalDateTime(parsing: "2026-02-30T10:00") == nil)
        #expect(LocalDateTime(parsing: "明天下午") == nil)
        // 1_790_000_000 is 2026-09-21 14:13:20 UTC, 22:13 in the county.
        #expect(LocalDateTime.now(1_790_000_000).description == "2026-09-21T22:13")
        #expect(LocalDateTime.now(1_790_000_000 + 2 * 3600).description == "2026-09-22T00:13")
    }

    @Test("the rubric needs every item from 1 to 5")
    func rubric() {
        #expect(ObservationRubric.check(["goals": 5, "content": 4, "method": 3, "participation": 2, "effect": 1]) == ([5, 4, 3, 2, 1], []))
        #expect(ObservationRubric.check(["goals": 6, "content": 4, "method": 0, "participation": 2]).bad == ["goals", "method", "effect"])
    }

    @Test("iCalendar: text escaped, lines folded at 75 octets without splitting a character, all-day events end the day after")
    func ics() {
        #expect(ICalendar.escape("a,b;c\\d\n第二行") == "a\\,b\\;c\\\\d\\n第二行")
        // Every kind of line break becomes the two characters \n: none can end the content line.
        for brk in ["\r\n", "\r", "\n", "\u{2028}"] {
            let place = "三楼" + brk + "END:VEVENT" + brk + "BEGIN:VEVENT" + brk + "URL:http://evil"
            let escaped = ICalendar.escape(place)
            #expect(!escaped.unicodeScalars.contains { $0 == "\r" || $0 == "\n" }, "\(Array(brk.unicodeScalars))")
            #expect(escaped.hasPrefix("三楼\\nEND:VEVENT\\n"))
            let doc = ICalendar.document(name: "日程", events: [.init(uid: "a@x", title: "t", from: CivilDate(parsing: "2026-07-12")!, through: CivilDate(parsing: "2026-07-12")!, location: place)], now: 0)
            #expect(doc.components(separatedBy: "\r\n").filter { $0 == "BEGIN:VEVENT" }.count == 1)
        }
        #expect(ICalendar.escape("a\rb") == "a\\nb")
        #expect(ICalendar.escape("a\r\n\r\nb") == "a\\n\\nb")
        let long = "SUMMARY:" + String(repeating: "教研", count: 40)
        let folded = ICalendar.fold(long)
        for line in folded.components(separatedBy: "\r\n") { #expect(line.utf8.count <= 75) }
        #expect(folded.replacingOccurrences(of: "\r\n ", with: "") == long)
        let doc = ICalendar.document(name: "日程", events: [
            .init(uid: "a@x", title: "公开课", start: LocalDateTime(parsing: "2026-12-05T09:00")!, end: LocalDateTime(parsing: "2026-12-05T09:40")!, location: "三楼"),
            .init(uid: "b@x", title: "培训", from: CivilDate(parsing: "2026-07-12")!, through: CivilDate(parsing: "2026-07-20")!),
        ], now: 1_790_000_000)
        #expect(doc.hasPrefix("BEGIN:VCALENDAR\r\n") && doc.hasSuffix("END:VCALENDAR\r\n"))
        #expect(doc.contains("DTSTART:20261205T090000\r\nDTEND:20261205T094000"))
        #expect(doc.contains("DTSTART;VALUE=DATE:20260712\r\nDTEND;VALUE=DATE:20260721"))
        #expect(doc.contains("DTSTAMP:20260921T141300Z"))
    }

    @Test("attachments are told by their bytes: Office files by the parts inside the ZIP")
    func sniff() throws {
        #expect(DocumentStore.sniff(try fixtureData("teachers_good.xlsx")) == .xlsx)
        // The two names in the bytes of something that is no package: refused.
        var fakeDocx = Data([0x50, 0x4B, 0x03, 0x04]); fakeDocx.append(Data("[Content_Types].xml ... word/document.xml".utf8))
        #expect(DocumentStore.sniff(fakeDocx) == nil)
        let types = """
            <?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
            """
        func zip(_ entries: [String: String]) throws -> Data {
            let a = try Archive(accessMode: .create)
            for (path, text) in entries.sorted(by: { $0.key < $1.key }) {
                let bytes = Data(text.utf8)
                try a.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count), provider: { pos, size in bytes.subdata(in: Int(pos)..<Int(pos) + size) })
            }
            return a.data!
        }
        let rels = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"/>"
        #expect(DocumentStore.sniff(try zip(["[Content_Types].xml": types, "_rels/.rels": rels, "word/document.xml": "<w:document/>"])) == .docx)
        // Entries with the right names whose content types do not declare the part: not a package.
        #expect(DocumentStore.sniff(try zip(["[Content_Types].xml": "<Types/>", "_rels/.rels": rels, "word/document.xml": "x"])) == nil)
        #expect(DocumentStore.sniff(try zip(["[Content_Types].xml": types, "word/document.xml": "x", "evil.exe": "MZ"])) == nil, "no package relationships")
        var zip = Data([0x50, 0x4B, 0x03, 0x04]); zip.append(Data("payload.exe".utf8))
        #expect(DocumentStore.sniff(zip) == nil, "a ZIP that is not an Office file")
        #expect(DocumentStore.sniff(Data("MZ\u{90}\u{0}".utf8)) == nil)
        // Certificates still take scans only.
        #expect(throws: DomainError.self) { try DocumentStore.check(try fixtureData("teachers_good.xlsx"), field: "file") }
    }
}

@Suite("Research network and activities")
struct ResearchTests {
    static func actor(_ app: Application, _ role: Role, _ scope: Scope, _ name: String = "x") -> Actor {
        Actor(userId: 0, username: name, displayName: name, role: role, scope: scope, permissions: app.grants.permissions(of: role))
    }
    static func teacher(_ app: Application, _ f: Fixture, _ name: String) -> Actor {
        let (school, district) = ["甲": ("T0001", "D1"), "乙": ("T0001", "D1"), "丙": ("T0002", "D1"), "丁": ("T0003", "D2")][name]!
        return actor(app, .teacher, .teacher(id: f.teachers[name]!, school: f.schools[school]!, district: f.districts[district]!), name)
    }
    static func service(_ app: Application, _ a: Actor) -> TeachingService { TeachingService(app.context(actor: a)) }
    static func code(_ body: () async throws -> Void) async -> String? {
        do { try await body(); return nil } catch let e as DomainError { return e.code } catch { return "other: \(error)" }
    }
    struct N: Decodable { let n: Int }
    static func count(_ app: Application, _ sql: String) async throws -> Int {
        try await app.db.sql.raw(SQLQueryString(sql)).first(decoding: N.self)?.n ?? -1
    }

    @Test("a district centre's researcher is its teaching office: reads the district's plans and reviews level 2; the author's school does not", arguments: TestDB.all)
    func researchers(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let bureau = Self.actor(app, .bureauAdmin, .county, "admin")
            let d1 = Self.actor(app, .districtAdmin, .district(f.districts["D1"]!), "d1"), d2 = Self.actor(app, .districtAdmin, .district(f.districts["D2"]!), "d2")
            let unit = try await Self.service(app, bureau).createUnit(level: "district", districtId: f.districts["D1"], name: "一学区教研中心")
            #expect(await Self.code { _ = try await Self.service(app, bureau).createUnit(level: "district", districtId: f.districts["D1"], name: "又一个") } == "unit_exists")
            #expect(await Self.code { _ = try await Self.service(app, d1).createUnit(level: "county", districtId: nil, name: "x") } == "forbidden")
            #expect(await Self.code { try await Self.service(app, d2).addResearcher(unitId: unit, teacherId: f.teachers["丙"], subject: "math") } == "forbidden")
            #expect(await Self.code { try await Self.service(app, d1).addResearcher(unitId: unit, teacherId: f.teachers["丁"], subject: nil) } == "validation_failed")
            try await Self.service(app, d1).addResearcher(unitId: unit, teacherId: f.teachers["丙"], subject: "math")
            #expect(await Self.code { try await Self.service(app, bureau).addResearcher(unitId: unit, teacherId: f.teachers["丙"], subject: nil) } == "already_researcher")

            // 甲 leads a D1 group with two review levels; 乙 is not in it.
            try await LessonPlanAPITests.group(app, f)
            let jia = Self.teacher(app, f, "甲"), bing = Self.teacher(app, f, "丙"), ding = Self.teacher(app, f, "丁")
            let p = try await Self.service(app, jia).create(PlanDraft(kind: "common", title: "分数的初步认识", subject: "math", grade: "三年级", sections: ["教学目标": "认识几分之一"]))
            // The leader's own plan goes straight to level 2; she approves nothing of hers.
            _ = try await Self.service(app, jia).act(id: p.id, event: .submit, version: nil, reason: nil, releaseOn: nil)
            #expect(try await Self.service(app, jia).plan(id: p.id).reviewLevel == 2)
            #expect(await Self.code { _ = try await Self.service(app, jia).act(id: p.id, event: .approve, version: nil, reason: nil, releaseOn: nil) } == "forbidden")
            // Level 2 is the district's office: not the school admin of the author's school.
            let s1 = Self.actor(app, .schoolAdmin, .school(id: f.schools["T0001"]!, district: f.districts["D1"]!), "s1")
            #expect(await Self.code { _ = try await Self.service(app, s1).act(id: p.id, event: .approve, version: nil, reason: nil, releaseOn: nil) } == "forbidden")
            #expect(await Self.code { _ = try await Self.service(app, ding).plan(id: p.id) } == "not_found")
            // The researcher reads it in review (an unreleased 通案 of the district) and approves.
            #expect(try await Self.service(app, bing).list(kind: .common, subject: nil, grade: nil, q: nil).map(\.plan.id) == [p.id])
            #expect(try await Self.service(app, bing).act(id: p.id, event: .approve, version: nil, reason: nil, releaseOn: nil).state == "approved")
            // Once removed, 丙 is no office: 乙 (no group, no office) never read it either.
            #expect(try await Self.service(app, bing).office(bing) == .district(f.districts["D1"]!))
            try await Self.service(app, bureau).removeResearcher(unitId: unit, teacherId: f.teachers["丙"]!)
            #expect(try await Self.service(app, bing).office(bing) == nil)
            #expect(await Self.code { _ = try await Self.service(app, Self.teacher(app, f, "乙")).plan(id: p.id) } == "not_found")
        }
    }

    @Test("roles follow a move: a transfer out of the district ends the researcher, group leader and member roles in its transaction, and the old district's home says so", arguments: TestDB.all)
    func rolesFollowAMove(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let bureau = Self.actor(app, .bureauAdmin, .county, "admin")
            let unit = try await Self.service(app, bureau).createUnit(level: "district", districtId: f.districts["D1"], name: "一学区教研中心")
            try await Self.service(app, bureau).addResearcher(unitId: unit, teacherId: f.teachers["丙"], subject: "math")
            // 甲 leads the D1 group (丙 a member); 丙 is D1's researcher.
            try await LessonPlanAPITests.group(app, f)
            let jia = Self.teacher(app, f, "甲")
            let p = try await Self.service(app, jia).create(PlanDraft(kind: "common", title: "分数的初步认识", subject: "math", grade: "三年级", sections: ["教学目标": "认识几分之一"]))
            _ = try await Self.service(app, jia).act(id: p.id, event: .submit, version: nil, reason: nil, releaseOn: nil)
            // Both move to D2's T0003 through the registry's transfer.
            let admin = try await app.token("admin")
            for name in ["甲", "丙"] {
                let id = f.teachers[name]!
                let version = try #require(try await RegistryStore.teacher(id: id, on: app.db)).version
                let (h, b) = try jsonBody(["toSchoolId": f.schools["T0003"]!, "onDate": "2026-09-01", "reason": "工作需要", "version": version])
                var headers = h; headers.bearerAuthorization = BearerAuthorization(token: admin)
                try await app.check(.POST, "/api/v1/teachers/\(id)/transfers", headers: headers, body: b) { res in #expect(res.status == .ok, "\(res.text)") }
            }
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM research_staff") == 0)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM teaching_group_members") == 0)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM teacher_role_endings") == 3, "researcher, leader, member")
            // The moved people act in D2 now: 丙 is no office, 甲 approves nothing at level 1 of D1's group.
            let movedJia = Self.actor(app, .teacher, .teacher(id: f.teachers["甲"]!, school: f.schools["T0003"]!, district: f.districts["D2"]!), "甲")
            let movedBing = Self.actor(app, .teacher, .teacher(id: f.teachers["丙"]!, school: f.schools["T0003"]!, district: f.districts["D2"]!), "丙")
            #expect(try await Self.service(app, movedBing).office(movedBing) == nil)
            #expect(await Self.code { _ = try await Self.service(app, movedJia).act(id: p.id, event: .approve, version: nil, reason: nil, releaseOn: nil) } != nil)
            // Even with the roles still written (a move behind the registry's back), the checks read the current school.
            try await app.db.sql.raw("INSERT INTO research_staff (unit_id, teacher_id, subject, since) VALUES (\(bind: unit), \(bind: f.teachers["丙"]!), 'math', '2020-09-01')").run()
            #expect(try await Self.service(app, movedBing).office(movedBing) == nil)
            // The old district's home page names whose role ended.
            let cookies = try await Browser.login(app, "d1")
            var h = HTTPHeaders(); h.cookie = cookies
            try await app.check(.GET, "/", headers: h) { res in
                #expect(res.text.contains("已调离") && res.text.contains("一学区数学中心组组长"), "\(res.text.count)")
                #expect(res.text.contains("/teachers/departures"))
            }
            try await app.check(.GET, "/teachers/departures", headers: h) { res in
                #expect(res.status == .ok)
                #expect(res.text.contains("一学区数学中心组组长") && res.text.contains("一学区教研中心教研员"))
            }
        }
    }

    @Test("activities and open classes: area, invitations, attendance and minutes after the start, the rubric, search, calendar", arguments: TestDB.all)
    func activities(db: TestDB) async throws {
        let clock = TestClock()
        try await withApp(db, clock: clock) { app, f in
            let d1 = Self.actor(app, .districtAdmin, .district(f.districts["D1"]!), "d1"), d2 = Self.actor(app, .districtAdmin, .district(f.districts["D2"]!), "d2")
            let jia = Self.teacher(app, f, "甲"), yi = Self.teacher(app, f, "乙"), bing = Self.teacher(app, f, "丙"), ding = Self.teacher(app, f, "丁")
            // Bad input: every field named, nothing written.
            do {
                _ = try await Self.service(app, d1).createActivity(ActivityDraft(kind: "open_class", subject: "math", title: "公开课", startsAt: "2026-09-22T10:00", endsAt: "2026-09-22T09:00",
                                                                                  onlineLink: "javascript:alert(1)", hostTeacherId: f.teachers["丁"], invite: [f.teachers["丁"]!, 99_999]))
                Issue.record("accepted bad input")
            } catch let e as DomainError {
                #expect(Set(e.fields.keys) == ["endsAt", "onlineLink", "hostTeacherId"], "\(e.fields.keys)")
            }
            do {
                _ = try await Self.service(app, d1).createActivity(ActivityDraft(kind: "activity", subject: "math", title: "研讨", startsAt: "2026-09-22T10:00", endsAt: "2026-09-22T11:00",
                                                                                  place: "会议室", invite: [f.teachers["丁"]!, 99_999]))
                Issue.record("invited outside the area")
            } catch let e as DomainError {
                #expect(e.fields["invite"]?.zh.contains("99999") == true || e.fields["invite"]?.zh.contains("丁老师") == true)
            }
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM research_activities") == 0)
            #expect(await Self.code { _ = try await Self.service(app, jia).createActivity(ActivityDraft(kind: "activity", subject: "math", title: "x", startsAt: "2026-09-22T10:00", endsAt: "2026-09-22T11:00", place: "x")) } == "forbidden")

            // 乙's open class tomorrow morning; 甲 and 丙 invited.
            let x = try await Self.service(app, d1).createActivity(ActivityDraft(
                kind: "open_class", subject: "math", grade: "三年级", title: "分数的初步认识公开课", startsAt: "2026-09-22T09:00", endsAt: "2026-09-22T09:40", place: "一中心小学三(2)班",
                agenda: "授课、观课、评课", hostTeacherId: f.teachers["乙"], invite: [f.teachers["甲"]!, f.teachers["丙"]!]))
            #expect(x.level == "district" && x.districtId == f.districts["D1"])
            #expect(await Self.code { _ = try await Self.service(app, d2).activity(id: x.id) } == "not_found")
            #expect(await Self.code { _ = try await Self.service(app, ding).activity(id: x.id) } == "not_found")
            #expect(try await Self.service(app, jia).activity(id: x.id).title == x.title)
            #expect(try await Self.service(app, d2).activities().isEmpty)
            // Before it begins: no attendance, no rubric.
            #expect(await Self.code { _ = try await Self.service(app, d1).recordActivity(id: x.id, attended: [f.teachers["甲"]!], minutes: "x", version: 1) } == "not_started")
            let five = Dictionary(uniqueKeysWithValues: ObservationRubric.items.map { ($0.key, 5) })
            #expect(await Self.code { try await Self.service(app, jia).observe(activityId: x.id, scores: five, comment: nil) } == "not_started")
            // 甲 (t1) is invited: her card says when the rubric opens, and offers no form yet.
            var ht = HTTPHeaders(); ht.cookie = try await Browser.login(app, "t1")
            let card = try await app.testing().sendRequest(.GET, "/teaching/activities/\(x.id)", headers: ht).text
            #expect(card.contains("id=\"observe-later\"") && !card.contains("id=\"observe\""))
            // The calendar of the invited and of the teacher who teaches.
            let sept = (CivilDate(parsing: "2026-09-01")!, CivilDate(parsing: "2026-10-01")!)
            #expect(try await Self.service(app, jia).calendar(teacherId: f.teachers["甲"], from: sept.0, to: sept.1).map(\.uid) == ["activity-\(x.id)"])
            #expect(try await Self.service(app, yi).calendar(teacherId: f.teachers["乙"], from: sept.0, to: sept.1).map(\.uid) == ["activity-\(x.id)"])

            clock.advance(86_400)
            // Attendance and minutes; the other office cannot; a stale version is 409.
            #expect(await Self.code { _ = try await Self.service(app, d2).recordActivity(id: x.id, attended: [], minutes: nil, version: 1) } == "not_found")
            #expect(await Self.code { _ = try await Self.service(app, d1).recordActivity(id: x.id, attended: [f.teachers["丁"]!], minutes: nil, version: 1) } == "validation_failed")
            let held = try await Self.service(app, d1).recordActivity(id: x.id, attended: [f.teachers["甲"]!], minutes: "评课议定：分层练习在全学区推广。", version: 1)
            #expect(held.version == 2 && held.minutes?.contains("分层练习") == true)
            #expect(await Self.code { _ = try await Self.service(app, d1).recordActivity(id: x.id, attended: [], minutes: "旧页面", version: 1) } == "stale_version")
            #expect(try await Self.service(app, jia).attendees(activityId: x.id).map(\.attended) == [true, false])

            // The rubric: invited observers; not the teacher of the lesson; every item 1–5.
            try await Self.service(app, jia).observe(activityId: x.id, scores: five, comment: "导入好")
            #expect(await Self.code { try await Self.service(app, yi).observe(activityId: x.id, scores: five, comment: nil) } == "own_lesson")
            #expect(await Self.code { try await Self.service(app, bing).observe(activityId: x.id, scores: ["goals": 4], comment: nil) } == "validation_failed")
            #expect(await Self.code { try await Self.service(app, ding).observe(activityId: x.id, scores: five, comment: nil) } == "not_found")
            // Twenty saves at once by the same observer: each saved or told to reload, one rubric kept.
            let results = await withTaskGroup(of: String?.self) { group in
                for k in 0..<20 {
                    group.addTask {
                        var s = five; s["effect"] = 1 + k % 5
                        return await Self.code { try await Self.service(app, bing).observe(activityId: x.id, scores: s, comment: "第\(k)次") }
                    }
                }
                return await group.reduce(into: [String?]()) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0 == nil || $0 == "concurrent_save" }, "\(results)")
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM research_observations WHERE observer_teacher_id = \(f.teachers["丙"]!)") == 1)
            let forHost = try await Self.service(app, yi).observations(activityId: x.id)
            #expect(forHost.seesAll && forHost.all.count == 2)
            let forJia = try await Self.service(app, jia).observations(activityId: x.id)
            #expect(!forJia.seesAll && forJia.all.isEmpty && forJia.mine?.total == 25)
            #expect(TeachingService.means(forHost.all)?.first == 5)

            // Search: a phrase from the minutes, scoped in the query; one character is refused.
            #expect(try await Self.service(app, jia).activities(q: "分层练习").map(\.id) == [x.id])
            #expect(try await Self.service(app, d2).activities(q: "分层练习").isEmpty)
            #expect(await Self.code { _ = try await Self.service(app, jia).activities(q: "分") } == "validation_failed")
            #expect(await Self.code { _ = try await Self.service(app, jia).activities(q: String(repeating: "分层", count: 5000)) } == "validation_failed")
        }
    }

    @Test("attachments, comparing versions, lineage and the calendar feed, through the pages", arguments: TestDB.all)
    func pages(db: TestDB) async throws {
        try await withApp(db) { app, f in
            func flash(_ res: TestingHTTPResponse) -> String { res.headers.setCookie?[FlashCookie.name]?.string.removingPercentEncoding ?? "" }
            let t1 = try await app.token("t1")
            let (s, plan) = try await LessonPlanAPITests.call(app, .POST, "/api/v1/lesson-plans", t1, ["kind": "personal", "title": "分数", "subject": "math", "grade": "三年级",
                                                                                                  "sections": ["教学目标": "认识几分之一。"]])
            #expect(s == .created)
            let id = try #require(plan["id"] as? Int)
            _ = try await LessonPlanAPITests.call(app, .PUT, "/api/v1/lesson-plans/\(id)", t1, ["sections": ["教学目标": "认识几分之一和几分之几。"], "version": 1])
            let (ds, diff) = try await LessonPlanAPITests.call(app, .GET, "/api/v1/lesson-plans/\(id)/diff?from=1&to=2", t1)
            #expect(ds == .ok && (diff["changedRatio"] as? Double ?? 0) > 0)
            #expect(try await LessonPlanAPITests.call(app, .GET, "/api/v1/lesson-plans/\(id)/diff?from=1&to=9", t1).0 == .notFound)

            // An .xlsx worksheet attached through the page; a program file refused; nothing half-written.
            let cookies = try await Browser.login(app, "t1")
            let csrf = try await Browser.csrfToken(app, cookies: cookies)
            func upload(_ data: Data, _ name: String) async throws -> TestingHTTPResponse {
                let (h, body) = multipart(file: data, filename: name, extra: ["_csrf": csrf])
                var headers = HTTPHeaders(); headers.cookie = cookies; headers.contentType = h.contentType
                return try await app.testing().sendRequest(.POST, "/teaching/plans/\(id)/attachments", headers: headers, body: body)
            }
            #expect(!flash(try await upload(try fixtureData("teachers_good.xlsx"), "练习单.xlsx")).hasPrefix("!"))
            #expect(flash(try await upload(Data("MZ\u{90}\u{0}not an office file".utf8), "课件.pptx")).contains("只接受"))
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM teaching_attachments") == 1)
            var h = HTTPHeaders(); h.cookie = cookies
            let file = try await app.testing().sendRequest(.GET, "/teaching/attachments/1", headers: h)
            #expect(file.status == .ok && file.headers.contentType?.subType.contains("spreadsheetml") == true)
            #expect(file.headers.first(name: .contentDisposition)?.removingPercentEncoding?.contains("练习单.xlsx") == true)
            var other = HTTPHeaders(); other.cookie = try await Browser.login(app, "s3")
            #expect(try await app.testing().sendRequest(.GET, "/teaching/attachments/1", headers: other).status == .notFound)
            let page = try await app.testing().sendRequest(.GET, "/teaching/plans/\(id)/compare?from=1&to=2", headers: h)
            #expect(page.status == .ok && page.body.string.contains("<ins>") && page.body.string.contains("和几分之几"))

            // The calendar feed: a secret address shown once; a new one ends the old.
            let made = flash(try await Browser.form(app, cookies, "/teaching/calendar/feed", [:]))
            let token = try #require(made.range(of: "/calendar/").map { String(made[$0.upperBound...].prefix { $0 != "." }) })
            let ics = try await app.testing().sendRequest(.GET, "/calendar/\(token).ics")
            #expect(ics.status == .ok && ics.headers.contentType?.description.hasPrefix("text/calendar") == true && ics.body.string.hasPrefix("BEGIN:VCALENDAR"))
            _ = try await Browser.form(app, cookies, "/teaching/calendar/feed", [:])
            #expect(try await app.testing().sendRequest(.GET, "/calendar/\(token).ics").status == .notFound)
            #expect(try await app.testing().sendRequest(.GET, "/calendar/short.ics").status == .notFound)
            #expect(try await app.testing().sendRequest(.GET, "/teaching/calendar?month=2026-13", headers: h).status == .unprocessableEntity)
            #expect(try await app.testing().sendRequest(.GET, "/teaching/calendar?month=2026-09", headers: h).status == .ok)
        }
    }

    @Test("lineage: the root 通案 and what was derived, drawn for each reader within their scope", arguments: [TestDB.sqlite])
    func lineage(db: TestDB) async throws {
        try await withApp(db) { app, f in
            try await LessonPlanAPITests.group(app, f)
            let jia = Self.teacher(app, f, "甲"), bing = Self.teacher(app, f, "丙"), yi = Self.teacher(app, f, "乙")
            let root = try await Self.service(app, jia).create(PlanDraft(kind: "common", title: "分数", subject: "math", grade: "三年级", sections: ["教学目标": "认识几分之一"]))
            try await app.db.sql.raw("UPDATE lesson_plans SET state = 'released', release_on = '2026-09-01' WHERE id = \(bind: root.id)").run()
            let a = try await Self.service(app, yi).derive(id: root.id, kind: "personal")
            let b = try await Self.service(app, bing).derive(id: root.id, kind: "personal")
            let seenByYi = try await Self.service(app, yi).lineage(id: a.id)
            #expect(seenByYi.map(\.plan.id) == [root.id, a.id], "乙 sees the root and their own plan")
            #expect(seenByYi.first?.hidden == 1, "丙's plan is counted, not shown")
            let d1 = Self.actor(app, .districtAdmin, .district(f.districts["D1"]!), "d1")
            #expect(try await Self.service(app, d1).lineage(id: root.id).map(\.plan.id) == [root.id, a.id, b.id])
            #expect(try await Self.service(app, d1).lineage(id: b.id).map(\.depth) == [0, 1, 1])
        }
    }
}
