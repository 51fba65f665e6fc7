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

@Suite("Itinerant timetable, pure")
struct TimetableSolverTests {
    /// Two schools 30 minutes apart: longer than every break but lunch.
    static let travel: [TravelKey: Int] = [TravelKey(1, 2): 30]

    @Test("no clashes, enough travel time between consecutive periods at different schools")
    func feasible() {
        let teachers = [ItinerantTeacher(teacherId: 10, name: "甲", subject: .music, homeSchoolId: 1, maxPeriods: 12)]
        let demand = [PeriodDemand(schoolId: 1, subject: .music, periods: 5), PeriodDemand(schoolId: 2, subject: .music, periods: 5)]
        let t = TimetableSolver.solve(teachers: teachers, demand: demand, travel: Self.travel, schoolNames: [1: "一小", 2: "二小"])
        #expect(t.unplaced.isEmpty)
        #expect(t.placements.count == 10)
        #expect(Set(t.placements.map { [$0.teacherId, $0.day, $0.period] }).count == 10, "one place at a time")
        for day in 0..<SchoolDay.days {
            let today = t.placements.filter { $0.day == day }.sorted { $0.period < $1.period }
            for (a, b) in zip(today, today.dropFirst()) where a.schoolId != b.schoolId {
                #expect(SchoolDay.gap(a.period, b.period) >= 30, "day \(day): \(a.period) at \(a.schoolId), \(b.period) at \(b.schoolId)")
            }
        }
    }

    @Test("what cannot be placed is reported with the reason")
    func impossible() {
        let teachers = [ItinerantTeacher(teacherId: 10, name: "甲", subject: .music, homeSchoolId: 1, maxPeriods: 4)]
        let demand = [PeriodDemand(schoolId: 1, subject: .music, periods: 3), PeriodDemand(schoolId: 2, subject: .music, periods: 3),
                      PeriodDemand(schoolId: 2, subject: .art, periods: 2)]
        let t = TimetableSolver.solve(teachers: teachers, demand: demand, travel: Self.travel, schoolNames: [1: "一小", 2: "二小"])
        #expect(t.placements.count == 4)
        let art = try? #require(t.unplaced.first { $0.subject == .art })
        #expect(art?.reason.zh.contains("没有走教的美术教师") == true)
        let music = t.unplaced.filter { $0.subject == .music }.reduce(0) { $0 + $1.periods }
        #expect(music == 2)
        #expect(t.unplaced.contains { $0.subject == .music && $0.reason.zh.contains("排满") })
    }

    @Test("a district of 30 schools and 15 teachers is placed")
    func district() {
        let subjects: [Subject] = [.music, .art, .pe, .english, .it]
        let teachers = (0..<15).map { ItinerantTeacher(teacherId: $0, name: "T\($0)", subject: subjects[$0 % 5], homeSchoolId: $0 * 2, maxPeriods: 18) }
        var demand: [PeriodDemand] = []
        for s in 0..<30 { for (k, sub) in subjects.enumerated() where (s + k) % 2 == 0 { demand.append(PeriodDemand(schoolId: s, subject: sub, periods: 2)) } }
        var travel: [TravelKey: Int] = [:]
        for a in 0..<30 { for b in (a + 1)..<30 { travel[TravelKey(a, b)] = 5 + (a * 7 + b * 3) % 20 } }
        let t = TimetableSolver.solve(teachers: teachers, demand: demand, travel: travel, schoolNames: [:])
        let placed = t.placements.count, needed = demand.reduce(0) { $0 + $1.periods }
        #expect(placed + t.unplaced.reduce(0) { $0 + $1.periods } == needed)
        #expect(placed >= needed * 9 / 10, "\(placed) of \(needed)")
        #expect(Set(t.placements.map { [$0.teacherId, $0.day, $0.period] }).count == placed)
        #expect(Set(t.placements.map { [$0.schoolId, $0.day, $0.period] }).count == placed)
    }
}

/// Tight instances whose maximum is known: a week is planted first (random schools and slots,
/// 5–40 minutes between schools, every rule kept), the demand is what it places and each teacher's
/// weekly maximum is their planted load, so all of it can be placed and nothing more.
struct PlantedTimetable {
    let teachers: [ItinerantTeacher]
    let demand: [PeriodDemand]
    let travel: [TravelKey: Int]
    let total: Int

    init(seed: UInt64, schools: Int, teacherCount: Int, attempts: Int) {
        var rng = SplitMix(seed: seed)
        func r(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
        let subjects: [Subject] = [.music, .art, .pe, .english, .it]
        var travel: [TravelKey: Int] = [:]
        for a in 0..<schools { for b in (a + 1)..<schools { travel[TravelKey(a, b)] = 5 + r(36) } }
        let open = (0..<teacherCount).map { ItinerantTeacher(teacherId: $0, name: "T\($0)", subject: subjects[$0 % 5], homeSchoolId: $0 % schools, maxPeriods: 35) }
        var state = TimetableState(teachers: open, travel: travel)
        for _ in 0..<attempts {
            let t = open[r(open.count)]
            let school = r(schools), day = r(SchoolDay.days), period = r(SchoolDay.periods)
            if state.fits(t, school: school, day: day, period: period).ok {
                state.place(Placement(teacherId: t.teacherId, schoolId: school, subject: t.subject, day: day, period: period))
            }
        }
        var counts: [[Int]: Int] = [:]
        for p in state.placements.values { counts[[p.schoolId, TimetableState.subjectIndex(p.subject)], default: 0] += 1 }
        demand = counts.keys.sorted { ($0[0], $0[1]) < ($1[0], $1[1]) }.map { PeriodDemand(schoolId: $0[0], subject: Subject.allCases[$0[1]], periods: counts[$0]!) }
        teachers = open.map { ItinerantTeacher(teacherId: $0.teacherId, name: $0.name, subject: $0.subject, homeSchoolId: $0.homeSchoolId, maxPeriods: state.load[$0.teacherId, default: 0]) }
        self.travel = travel
        total = state.placements.count
    }
}

@Suite("Itinerant timetable, tight instances at their maximum")
struct TimetableMaximumTests {
    @Test("every planted period is placed again, every rule kept", arguments: Array(UInt64(1)...UInt64(12)))
    func planted(seed: UInt64) {
        // 3,000 tries saturate the week: the greedy alone leaves 2 to 10 periods of these unplaced.
        let instance = PlantedTimetable(seed: seed, schools: 10 + Int(seed % 21), teacherCount: 6 + Int(seed % 10), attempts: 3000)
        let t = TimetableSolver.solve(teachers: instance.teachers, demand: instance.demand, travel: instance.travel, schoolNames: [:], timeBudget: 20)
        #expect(t.placements.count == instance.total, "\(t.placements.count) of \(instance.total) placed: \(t.unplaced.map { "\($0.schoolId) \($0.subject) \($0.periods)" })")
        // The rules, checked from the answer alone.
        let byTeacher = Dictionary(uniqueKeysWithValues: instance.teachers.map { ($0.teacherId, $0) })
        #expect(Set(t.placements.map { [$0.teacherId, $0.day, $0.period] }).count == t.placements.count)
        #expect(Set(t.placements.map { [$0.schoolId, $0.day, $0.period] }).count == t.placements.count)
        for (id, list) in Dictionary(grouping: t.placements, by: \.teacherId) {
            #expect(list.count <= byTeacher[id]!.maxPeriods)
            #expect(list.allSatisfy { $0.subject == byTeacher[id]!.subject })
            for day in 0..<SchoolDay.days {
                let today = list.filter { $0.day == day }.sorted { $0.period < $1.period }
                #expect(today.count <= 6)
                for (a, b) in zip(today, today.dropFirst()) where a.schoolId != b.schoolId {
                    #expect((instance.travel[TravelKey(a.schoolId, b.schoolId)] ?? .max) <= SchoolDay.gap(a.period, b.period))
                }
            }
        }
        for (_, list) in Dictionary(grouping: t.placements, by: { [$0.schoolId, TimetableState.subjectIndex($0.subject), $0.day] }) { #expect(list.count <= 2) }
        let demanded = Dictionary(instance.demand.map { ([$0.schoolId, TimetableState.subjectIndex($0.subject)], $0.periods) }, uniquingKeysWith: +)
        for (key, list) in Dictionary(grouping: t.placements, by: { [$0.schoolId, TimetableState.subjectIndex($0.subject)] }) { #expect(list.count <= demanded[key] ?? 0) }
    }
}

@Suite("Itinerant teaching and alliances")
struct ItinerantAllianceTests {
    static func body(_ fields: [(String, String)], csrf: String) -> ByteBuffer {
        ByteBuffer(string: (fields + [("_csrf", csrf)]).map { "\($0.0.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)" }.joined(separator: "&"))
    }

    static func post(_ app: Application, _ cookies: HTTPCookies, _ path: String, _ fields: [(String, String)]) async throws -> TestingHTTPResponse {
        var h = HTTPHeaders()
        h.cookie = cookies
        h.contentType = .urlEncodedForm
        let csrf = try await Browser.csrfToken(app, cookies: cookies)
        return try await app.testing().sendRequest(.POST, path, headers: h, body: body(fields, csrf: csrf))
    }

    @Test("the bureau publishes rotation rules with the suggestion's weights: checked field by field, not backdated, then in force", arguments: TestDB.all)
    func rotationRules(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await Browser.login(app, "admin")
            let today = CivilDate.today(app.clock.now())
            func fields(_ date: String, years: String = "5", weight: String = "0.002", note: String = "市教育局文件") -> [(String, String)] {
                [("effectiveFrom", date), ("note", note), ("yearsAtSchool", years), ("principalTerms", "2"), ("principalTermYears", "3"), ("minimumSharePercent", "15"),
                 ("backboneSharePercent", "20"), ("weight.shortageFilled", weight), ("weight.townToRural", "0.001"), ("weight.lacksRuralService", "0.001"),
                 ("weight.backboneToWeak", "0.001"), ("weight.qualificationUnknown", "0.001")]
            }
            var res = try await Self.post(app, admin, "/exchange/rules", fields("2020-01-01", years: "0", weight: "7", note: ""))
            #expect(res.status == .unprocessableEntity)
            for text in ["生效日期不能早于今天", "任教年限应在1到20年之间", "权重应在0到0.1之间", "请说明依据"] { #expect(res.text.contains(text), "\(text)") }
            #expect(try await Self.post(app, try await Browser.login(app, "d1"), "/exchange/rules", fields(today.description)).status == .forbidden)
            res = try await Self.post(app, admin, "/exchange/rules", fields(today.description))
            #expect(res.status == .seeOther)
            let r = try await RotationRulesStore.inForce(on: today, db: app.db)
            #expect(r.yearsAtSchool == 5 && r.minimumSharePercent == 15 && r.suggestionWeights?.shortageFilled == 0.002)
            var h = HTTPHeaders(); h.cookie = try await Browser.login(app, "s1")
            let page = try await app.testing().sendRequest(.GET, "/exchange/rules", headers: h)
            #expect(page.status == .ok && page.text.contains("市教育局文件") && !page.text.contains("rules-form"), "a school reads the rules, without the form")
        }
    }

    @Test("a district's itinerant set-up: bad cells named and nothing saved, then a timetable", arguments: TestDB.all)
    func itinerant(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let (jia, bing) = (f.teachers["甲"]!, f.teachers["丙"]!)
            try await app.db.sql.raw("UPDATE teachers SET subjects = 'music' WHERE id IN (\(bind: jia), \(bind: bing))").run()
            let d1 = f.districts["D1"]!
            let cookies = try await Browser.login(app, "d1")
            let base = "/exchange/itinerant"
            // A teacher of another district, a subject that is not itinerant, a subject the teacher does not teach.
            var res = try await Self.post(app, cookies, base + "/teachers?district=\(d1)", [("teacherId", String(f.teachers["丁"]!)), ("subject", "music")])
            #expect(res.status == .unprocessableEntity && res.text.contains("请选择本学区的教师"))
            res = try await Self.post(app, cookies, base + "/teachers?district=\(d1)", [("teacherId", String(jia)), ("subject", "math")])
            #expect(res.status == .unprocessableEntity && res.text.contains("走教学科应为"))
            res = try await Self.post(app, cookies, base + "/teachers?district=\(d1)", [("teacherId", String(jia)), ("subject", "art")])
            #expect(res.status == .unprocessableEntity && res.text.contains("任教学科中没有美术"))
            res = try await Self.post(app, cookies, base + "/teachers?district=\(d1)", [("teacherId", String(jia)), ("subject", "music"), ("maxPeriods", "6")])
            #expect(res.status == .seeOther)

            let (s1, s2) = (f.schools["T0001"]!, f.schools["T0002"]!)
            // A negative cell and a missing one: both named, nothing saved.
            res = try await Self.post(app, cookies, base + "/travel?district=\(d1)", [("m_\(s1):\(s2)", "-5")])
            #expect(res.status == .unprocessableEntity && res.text.contains("一中心小学→一九年制学校"))
            res = try await Self.post(app, cookies, base + "/travel?district=\(d1)", [("m_\(s1):\(s2)", "")])
            #expect(res.status == .unprocessableEntity && res.text.contains("请填写路程时间"))
            res = try await Self.post(app, cookies, base + "/demand?district=\(d1)", [("d_\(s1):music", "4"), ("d_\(s2):music", "abc")])
            #expect(res.status == .unprocessableEntity && res.text.contains("一九年制学校 音乐"))
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM exchange_itinerant_demand").first(decoding: N.self)?.n == 0)
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM exchange_travel").first(decoding: N.self)?.n == 0)

            #expect(try await Self.post(app, cookies, base + "/travel?district=\(d1)", [("m_\(s1):\(s2)", "25")]).status == .seeOther)
            #expect(try await Self.post(app, cookies, base + "/demand?district=\(d1)", [("d_\(s1):music", "4"), ("d_\(s2):music", "4")]).status == .seeOther)
            let token = try await app.token("d1")
            try await app.check(.GET, "/api/v1/exchange/itinerant/timetable?district=\(d1)", headers: bearer(token)) { res in
                let body = try res.json()
                let slots = body["placements"] as? [[String: Any]] ?? []
                let unplaced = body["unplaced"] as? [[String: Any]] ?? []
                // 甲 teaches at most six periods; two are left, with the reason.
                #expect(slots.count == 6)
                #expect(unplaced.reduce(0) { $0 + ($1["periods"] as? Int ?? 0) } == 2)
                #expect((unplaced.first?["reason"] as? String)?.contains("排满") == true)
            }
            let page = try await app.testing().sendRequest(.GET, base, headers: { var h = HTTPHeaders(); h.cookie = cookies; return h }())
            #expect(page.status == .ok && page.text.contains("甲老师"))
            // The bureau's reader of another district sees D2's page, not D1's.
            #expect(try await app.testing().sendRequest(.GET, base + "?district=\(d1)", headers: { var h = HTTPHeaders(); h.cookie = try await Browser.login(app, "d2"); return h }()).status == .forbidden)
            // 甲 (t1) is the itinerant teacher: her own week, on her page and her home page.
            var mine = HTTPHeaders(); mine.cookie = try await Browser.login(app, "t1")
            let week = try await app.testing().sendRequest(.GET, base, headers: mine)
            #expect(week.status == .ok && week.text.contains("id=\"my-week\"") && week.text.contains("每周 6 节，2 所学校"), "\(week.status)")
            #expect(!week.text.contains("id=\"demand\""), "not the district's set-up")
            let home = try await app.testing().sendRequest(.GET, "/", headers: mine)
            #expect(home.text.contains("本周走教 6 节（2 所学校）"))
            // 丙 has no account here; a teacher with no itinerant periods is not shown the district's.
            try await app.db.sql.raw("DELETE FROM exchange_itinerant_teachers").run()
            #expect(try await app.testing().sendRequest(.GET, base, headers: mine).status == .forbidden)
        }
    }

    @Test("an alliance: members, the term's checklist, bundled scores and the gap over the years", arguments: TestDB.all)
    func alliance(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let admin = try await Browser.login(app, "admin")
            let (s1, s3) = (f.schools["T0001"]!, f.schools["T0003"]!)
            var res = try await ItinerantAllianceTests.post(app, admin, "/exchange/alliances", [("name", "一中心—二小对口帮扶"), ("kind", "pairing"), ("leadSchoolId", String(s1))])
            #expect(res.status == .unprocessableEntity && res.text.contains("至少包括两所学校"))
            res = try await ItinerantAllianceTests.post(app, admin, "/exchange/alliances", [("name", "一中心—二小对口帮扶"), ("kind", "pairing"), ("leadSchoolId", String(s1)), ("members[]", String(s3))])
            #expect(res.status == .seeOther)
            let id = try #require(res.headers.first(name: .location).flatMap { Int($0.split(separator: "/").last ?? "") })
            // Scores: every member, 0–100; one bad score saves nothing.
            res = try await ItinerantAllianceTests.post(app, admin, "/exchange/alliances/\(id)/scores", [("year", "2024"), ("score_\(s1)", "90"), ("score_\(s3)", "130")])
            #expect(res.status == .unprocessableEntity && res.text.contains("二小学：请填写0到100的分数"))
            for (y, a, b) in [(2024, "90", "70"), (2025, "91", "76")] {
                #expect(try await ItinerantAllianceTests.post(app, admin, "/exchange/alliances/\(id)/scores", [("year", String(y)), ("score_\(s1)", a), ("score_\(s3)", b)]).status == .seeOther)
            }
            let bureau = Actor(userId: 0, username: "test", displayName: "", role: .bureauAdmin, scope: .county, permissions: app.grants.permissions(of: .bureauAdmin))
            let detail = try await AllianceService(app.context(actor: bureau)).detail(id: id)
            // 300 and 300 pupils: the combined score is the mean; the gap closes from 20 to 15.
            #expect(detail.years.map(\.combined) == [80, 83.5])
            #expect(detail.years.map(\.gap) == [20, 15])
            // The checklist: a member school's admin ticks it; a school outside the alliance cannot see it.
            let s1c = try await Browser.login(app, "s1")
            #expect(try await ItinerantAllianceTests.post(app, s1c, "/exchange/alliances/\(id)/terms", [("term", "2026秋"), ("done[]", "research"), ("done[]", "rules")]).status == .seeOther)
            #expect(try await ItinerantAllianceTests.post(app, s1c, "/exchange/alliances/\(id)/terms", [("term", "2026冬")]).status == .unprocessableEntity)
            let page = try await app.testing().sendRequest(.GET, "/exchange/alliances/\(id)", headers: { var h = HTTPHeaders(); h.cookie = s1c; return h }())
            #expect(page.status == .ok && page.text.contains("<svg") && page.text.contains("2026秋"))
            try await app.db.sql.raw("DELETE FROM exchange_alliance_members WHERE school_id = \(bind: s3)").run()
            let s3c = try await Browser.login(app, "s3")
            #expect(try await app.testing().sendRequest(.GET, "/exchange/alliances/\(id)", headers: { var h = HTTPHeaders(); h.cookie = s3c; return h }()).status == .notFound)
        }
    }
}
