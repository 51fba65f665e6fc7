import Exchange
import Foundation
import Registry
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
@testable import XuequApp
@testable import XuequKit

@Suite("Demo county and first start")
struct DemoCountyTests {
    struct Row: Decodable { let name: String; let residentId: String; let code: String }

    static func seeded(_ app: Application) async throws -> [Row] {
        try await DemoCounty(today: CivilDate(year: 2026, month: 11, day: 29)!).seed(app: app)
        return try await app.db.sql.raw("SELECT t.name, t.resident_id, s.code FROM teachers t JOIN schools s ON s.id = t.school_id ORDER BY t.resident_id")
            .all(decoding: Row.self, keyDecodingStrategy: .convertFromSnakeCase)
    }

    @Test("the demo county matches the contract and is the same on every run", arguments: TestDB.all)
    func demo(db: TestDB) async throws {
        var first: [Row] = []
        try await withApp(db, fixture: false) { app, _ in
            first = try await Self.seeded(app)
            struct N: Decodable { let n: Int }
            func count(_ sql: String) async throws -> Int { try await app.db.sql.raw("\(unsafeRaw: sql)").first(decoding: N.self)!.n }
            #expect(try await count("SELECT COUNT(*) AS n FROM districts") == 12)
            #expect(try await count("SELECT COUNT(*) AS n FROM districts WHERE central_school_id IS NULL") == 0)
            // The seed's 布局调整: 534 schools, 186 merged over the years, 348 open.
            #expect(try await count("SELECT COUNT(*) AS n FROM schools") == 534)
            #expect(try await count("SELECT COUNT(*) AS n FROM schools WHERE status = 'active'") == 348)
            #expect(try await count("SELECT COUNT(*) AS n FROM school_mergers") == 186)
            #expect(try await count("SELECT COUNT(*) AS n FROM schools WHERE status = 'active' AND stage IN ('primary','junior','nine_year','teaching_point')") == 343)
            #expect(try await count("SELECT COUNT(*) AS n FROM schools WHERE stage = 'senior'") == 4)
            #expect(try await count("SELECT COUNT(*) AS n FROM schools WHERE stage = 'vocational'") == 1)
            #expect(try await count("SELECT COUNT(*) AS n FROM school_conditions WHERE year = 2026") == 348)
            let teachers = try await count("SELECT COUNT(*) AS n FROM teachers")
            #expect((5500...6500).contains(teachers), "about 6,000 teachers, got \(teachers)")
            #expect(first.allSatisfy { (try? ResidentID.parse($0.residentId).get()) != nil }, "every resident ID is valid")
            let due = try await count("SELECT COUNT(*) AS n FROM teachers WHERE school_since <= '2021-09-01'")
            #expect(due > 300 && due < teachers / 2, "some, not most, are due to rotate (\(due))")
            // Every demo account signs in with the demo password; scopes as the contract says.
            for user in ["admin", "district1", "district2", "school1", "school2", "teacher1", "reviewer", "prefecture", "supervisor", "intern1", "applicant1"] {
                _ = try await app.token(user, password: DemoCounty.password)
            }
            let s1 = try #require(try await Accounts.user(username: "school1", on: app.db))
            let d1 = try #require(try await Accounts.user(username: "district1", on: app.db))
            let t1 = try #require(try await Accounts.user(username: "teacher1", on: app.db))
            #expect(s1.schoolId == (try await RegistryStoreProbe.centralSchool(of: d1.districtId!, app)))
            #expect(t1.schoolId == s1.schoolId && t1.teacherId != nil)
            // This year's summary reproduces the seed's own figures, and its 支教 figure is the
            // exchange report's (one definition).
            let admin = try await app.token("admin", password: DemoCounty.password)
            let summary = try await app.testing().sendRequest(.GET, "/api/v1/reports/summary?year=2026", headers: bearer(admin)).json()
            let figures = try #require(summary["figures"] as? [String: Any])
            #expect(figures["districts"] as? Int == 12)
            #expect((figures["schools"] as? [String: Any])?["end"] as? Int == 348)
            let history = (figures["schools"] as? [String: Any])?["mergedByYear"] as? [String: Int] ?? [:]
            #expect(history.values.reduce(0, +) == 186 && history.keys.min() == "2009" && history["2026"] == nil)
            let planning = ((summary["sections"] as? [[String: Any]]) ?? []).first { $0["key"] as? String == "planning" }?["text"] as? String ?? ""
            #expect(planning.contains("累计撤并小规模学校186所，全县学校由534所调整为348所"), "\(planning)")
            let cert = try #require(figures["certification"] as? [String: Any])
            #expect(cert["applied"] as? Int == 82 && cert["certified"] as? Int == 42)
            #expect(cert["byType"] as? [String: Int] == ["primary": 12, "junior": 22, "senior": 3, "vocational": 5])
            let rates = ((figures["equity"] as? [String: Any])?["rates"] as? [String: Double]) ?? [:]
            #expect(abs((rates["preschool_gross"] ?? 0) - 0.9205) < 1e-9 && abs((rates["senior_gross"] ?? 0) - 0.862) < 1e-9)
            #expect(abs((rates["disability_enrolment"] ?? 0) - 0.9382) < 5e-5)
            let bureau = Actor(userId: 0, username: "probe", displayName: "probe", role: .bureauAdmin, scope: .county, permissions: app.grants.permissions(of: .bureauAdmin))
            let report = try await ExchangeService(app.context(actor: bureau)).report(year: 2026)
            #expect((figures["exchange"] as? [String: Any])?["supportToRural"] as? Int == report.supportToRural)
            #expect((figures["exchange"] as? [String: Any])?["moved"] as? Int == report.quotas.reduce(0) { $0 + $1.quota.moved })
            // Each alliance's bundled score is its page's; 走教 is what each district's timetable
            // (the API the itinerant teacher's week reads) places, summed over the county.
            let exchange = try #require(figures["exchange"] as? [String: Any])
            let scores = try #require(exchange["allianceScores"] as? [[String: Any]])
            let alliances = try await AllianceService(app.context(actor: bureau)).list()
            #expect(scores.count == alliances.count && scores.contains { $0["combined"] is Double }, "the demo's alliances are scored")
            for (a, members) in alliances {
                // The demo's assessments run to last year (a year is assessed after it ends).
                let page = try await AllianceService(app.context(actor: bureau)).detail(id: a.id).years.first { $0.year == 2025 }
                let s = scores.first { $0["name"] as? String == a.name }
                #expect(s?["year"] as? Int == 2025 && s?["combined"] as? Double == page?.combined && s?["schools"] as? Int == members.count, "\(a.name)")
            }
            var placed = 0, schools = 0
            for d in 1...12 {
                let t = try await app.testing().sendRequest(.GET, "/api/v1/exchange/itinerant/timetable?district=\(d)", headers: bearer(admin)).json()
                let slots = t["placements"] as? [[String: Any]] ?? []
                placed += slots.count
                schools += Set(slots.compactMap { $0["schoolId"] as? Int }).count
            }
            let itinerant = try #require(exchange["itinerant"] as? [String: Any])
            #expect(placed > 0 && itinerant["periods"] as? Int == placed && itinerant["schools"] as? Int == schools)
            // The bureau's home page states the same figures: districts, open schools and teachers as
            // the summary counts them, and its 支教 figure (of the coming round, as it says) is the
            // exchange report's for that year.
            var ah = HTTPHeaders(); ah.cookie = try await Browser.login(app, "admin", password: DemoCounty.password)
            let home = try await app.testing().sendRequest(.GET, "/", headers: ah).text
            func stat(_ href: String) -> String? {
                guard let r = home.range(of: "<a href=\"\(href)\"><span class=\"stat-value\">") else { return nil }
                return String(home[r.upperBound...].prefix { $0 != "<" })
            }
            #expect(stat("/districts") == String(figures["districts"] as? Int ?? -1))
            #expect(stat("/schools?status=active") == String((figures["schools"] as? [String: Any])?["end"] as? Int ?? -1))
            #expect(stat("/teachers") == String(figures["teachers"] as? Int ?? -1))
            let round = RotationRules.nextRound(after: CivilDate.today(app.clock.now())).year
            let next = try await ExchangeService(app.context(actor: bureau)).report(year: round)
            #expect(home.contains("<span class=\"stat-value\">\(next.supportToRural) / \(ExchangeService.supportTarget)</span><span class=\"stat-label\">\(round) 年支教人数 / 目标</span>"))
            // The 支教 host school with an assessment to enter, and an itinerant teacher with a week.
            for (user, text) in [("hostschool1", "待年度考核"), ("itinerant1", "本周走教")] {
                _ = try await app.token(user, password: DemoCounty.password)
                var h = HTTPHeaders(); h.cookie = try await Browser.login(app, user, password: DemoCounty.password)
                try await app.check(.GET, "/", headers: h) { res in #expect(res.text.contains(text), "\(user)") }
            }
        }
        try await withApp(db, fixture: false) { app, _ in
            let second = try await Self.seeded(app)
            #expect(second.count == first.count)
            #expect(zip(first, second).allSatisfy { $0.name == $1.name && $0.residentId == $1.residentId && $0.code == $1.code }, "deterministic")
        }
    }

    @Test("first start without --demo: one admin with a random password, no demo data")
    func firstStart() async throws {
        try await withApp(.sqlite, fixture: false) { app, _ in
            try await prepareForServing(app, AppConfig(database: .sqliteMemory, dataDir: NSTemporaryDirectory()))
            #expect(try await Accounts.countUsers(on: app.db) == 1)
            let admin = try #require(try await Accounts.user(username: "admin", on: app.db))
            #expect(admin.roleValue == .bureauAdmin)
            #expect(!((try? Bcrypt.verify(DemoCounty.password, created: admin.passwordHash)) ?? true), "no fixed password outside --demo")
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM schools").first(decoding: N.self)!.n == 0)
            // A second start leaves it alone.
            try await prepareForServing(app, AppConfig(database: .sqliteMemory, dataDir: NSTemporaryDirectory()))
            #expect(try await Accounts.countUsers(on: app.db) == 1)
        }
    }
}

enum RegistryStoreProbe {
    static func centralSchool(of district: Int, _ app: Application) async throws -> Int? {
        struct C: Decodable { let centralSchoolId: Int? }
        return try await app.db.sql.raw("SELECT central_school_id FROM districts WHERE id = \(bind: district)").first(decoding: C.self, keyDecodingStrategy: .convertFromSnakeCase)?.centralSchoolId
    }
}
