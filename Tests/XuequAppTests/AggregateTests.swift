import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import XuequCore
import XuequKit
import XuequTestSupport
@testable import Balance
@testable import Certification
@testable import Registry
@testable import XuequApp
import CXuequSQLite

/// Kept figures (the balance's coefficients, a window's statistics) equal a computation from
/// scratch after every kind of write, and every maintained counter equals its recount.
@Suite("Aggregates kept under data versions")
struct AggregateTests {
    static func bureau(_ app: Application) -> Actor {
        Actor(userId: 0, username: "test", displayName: "", role: .bureauAdmin, scope: .county, permissions: app.grants.permissions(of: .bureauAdmin))
    }
    static func reviewer(_ app: Application) -> Actor {
        Actor(userId: 0, username: "reviewer", displayName: "", role: .reviewer, scope: .certifyingBody, permissions: app.grants.permissions(of: .reviewer))
    }

    /// The kept answers against fresh ones, as the readers see them (the contract's JSON).
    static func compare(_ app: Application, window: Int, step: String) async throws {
        let balance = BalanceService(app.context(actor: bureau(app)))
        for district in [nil, 1] as [Int?] {
            let kept = try await balance.reports(year: nil, district: district)
            let fresh = try await balance.recomputed(year: nil, district: district)
            #expect(kept.count == fresh.count)
            for (k, f) in zip(kept, fresh) {
                let a = BalanceDTO.json(k, visible: { _ in true }, visibleExclusion: { _ in true })
                let b = BalanceDTO.json(f, visible: { _ in true }, visibleExclusion: { _ in true })
                #expect(a == b, "balance after \(step), district \(district.map(String.init) ?? "all")")
            }
        }
        // The county's summary, kept encoded, against one encoded from a fresh computation.
        let fresh = try await balance.recomputed(year: nil, district: nil)
        let encoded = "{\"year\":\(fresh[0].year),\"district\":null,\"results\":[" + fresh.map { BalanceDTO.json($0, visible: balance.visible, visibleExclusion: balance.visibleExclusion) }.joined(separator: ",") + "]}"
        #expect(try await balance.summaryJSON(year: nil, district: nil) == encoded, "summary after \(step)")
        let cert = CertificationService(app.context(actor: reviewer(app)))
        let keptStats = try await cert.statistics(window: window)
        let freshStats = try await cert.recomputedStatistics(window: window)
        #expect(Self.close(keptStats, freshStats), "statistics after \(step): kept \(keptStats), counted \(freshStats)")
        for m in app.modules {
            for c in try await m.verifyAggregates(on: app.db) { #expect(c.ok, "\(m.name) \(c.name) after \(step): \(c.mismatches)") }
        }
    }

    /// Counts equal; times (sums added and subtracted one row at a time) to a millionth of a day.
    static func close(_ a: CertStatistics, _ b: CertStatistics) -> Bool {
        func near(_ x: Double?, _ y: Double?) -> Bool { x == nil ? y == nil : y != nil && abs(x! - y!) < 1e-6 }
        return a.applied == b.applied && a.certified == b.certified && a.byType == b.byType && a.failureReasons == b.failureReasons
            && a.byState == b.byState && a.overdue == b.overdue && a.dueOn == b.dueOn && near(a.meanDaysToDecision, b.meanDaysToDecision)
            && Set(a.daysInState.keys) == Set(b.daysInState.keys) && a.daysInState.allSatisfy { near($0.value, b.daysInState[$0.key]) }
    }

    @Test("after random writes of every kind the kept figures equal a recomputation, and every counter its recount", arguments: TestDB.all)
    func keptEqualsFresh(db: TestDB) async throws {
        let clock = TestClock()
        try await withApp(db, clock: clock) { app, f in
            #expect(app.aggregates.enabled)
            let windows = try await CertificationDemo.bodiesAndWindows(on: app.db, today: CivilDate.today(app.clock.now()))
            var admin = try await app.token("admin"), reviewerToken = try await app.token("reviewer")
            func call(_ method: HTTPMethod, _ path: String, _ token: String, _ body: [String: Any]? = nil) async throws -> (HTTPStatus, [String: Any]) {
                var out: (HTTPStatus, [String: Any]) = (.internalServerError, [:])
                let b = try body.map { try jsonBody($0).1 }
                try await app.check(method, path, headers: bearer(token, json: b != nil), body: b) { res in out = (res.status, (try? res.json()) ?? [:]) }
                return out
            }
            try await Self.compare(app, window: windows.open, step: "nothing")
            var rng = SeededRandom(seed: 20_261_202)
            var teachers = Array(f.teachers.values)
            var seq = 40
            var applications: [(id: Int, version: Int)] = []
            let schools = ["T0001", "T0002", "T0003"].map { f.schools[$0]! }
            var kinds = Set<Int>()
            for step in 0..<30 {
                let kind = rng.int(0...5)
                kinds.insert(kind)
                var what = ""
                switch kind {
                case 0:
                    seq += 1
                    let school = ["T0001", "T0002", "T0003"][rng.int(0...2)]
                    let (s, t) = try await call(.POST, "/api/v1/teachers", admin, Bodies.teacher(f, name: "新\(seq)", rid: Fixture.residentID("19900101", seq), school: school,
                                                                                               extra: ["education": ["bachelor", "master", "junior_college"][rng.int(0...2)], "subjects": [["pe"], ["math"], ["art", "music"]][rng.int(0...2)]] + (school == "T0002" ? ["stagePart": "primary"] : [:])))
                    #expect(s == .created, "new teacher: \(t)")
                    if let id = t["id"] as? Int { teachers.append(id) }
                    what = "a new teacher at \(school)"
                case 1:
                    let id = teachers[rng.int(0...(teachers.count - 1))]
                    let to = schools[rng.int(0...2)]
                    let (s, _) = try await call(.POST, "/api/v1/teachers/\(id)/transfers", admin, ["toSchoolId": to, "onDate": "2026-09-01", "reason": "exchange_support",
                                                                                                "stagePart": to == f.schools["T0002"]! ? "junior" : NSNull()])
                    what = "transfer of \(id) to \(to) (\(s.code))"
                case 2:
                    let school = schools[rng.int(0...2)]
                    let p = rng.int(100...900), j = school == f.schools["T0002"]! ? rng.int(50...400) : 0
                    let (s, _) = try await call(.PUT, "/api/v1/schools/\(school)/conditions", admin, ["year": 2026, "students": ["primary": p, "junior": j, "senior": 0],
                                                                                                     "floorArea": rng.int(1000...9000), "sportsArea": rng.int(1000...9000), "equipmentValue": rng.int(100_000...900_000),
                                                                                                     "computers": rng.int(10...90), "books": rng.int(1000...20000), "multimediaRooms": rng.int(1...20)])
                    #expect(s == .ok)
                    what = "conditions of \(school)"
                case 3:
                    seq += 1
                    let rid = Fixture.residentID("19970101", seq)
                    let hash = try await Accounts.hashPassword(Fixture.password, app: app)
                    let now = app.clock.now()
                    try await app.writeGate.transaction(on: app.db) { tx in
                        _ = try await Accounts.insertUser(.init(username: rid, displayName: "申请人", role: .applicant), passwordHash: hash, on: tx, now: now)
                    }
                    let applicant = try await app.token(rid)
                    let (s, a) = try await call(.POST, "/api/v1/certification/applications", applicant, ["name": "申请人\(seq)", "residentId": rid, "type": "primary", "subject": "math",
                                                                                                          "education": "bachelor", "normalGraduate": false, "putonghua": "2B", "route": "national_exam",
                                                                                                          "physicalExam": "pass", "examPassedOn": "2025-06-01"])
                    #expect(s == .created)
                    if let id = a["id"] as? Int {
                        let (_, r) = try await call(.POST, "/api/v1/certification/applications/\(id)/events", applicant, ["event": "submit", "version": a["version"] as? Int ?? 1])
                        applications.append((id, r["version"] as? Int ?? 0))
                    }
                    what = "an application submitted"
                case 4:
                    guard !applications.isEmpty else { continue }
                    let k = rng.int(0...(applications.count - 1))
                    let (id, v) = applications[k]
                    let (s, r) = try await call(.POST, "/api/v1/certification/applications/\(id)/events", reviewerToken, ["event": "accept", "version": v])
                    if s == .ok { applications[k].version = r["version"] as? Int ?? v }
                    what = "an application accepted (\(s.code))"
                default:
                    clock.advance(3600 * Double(rng.int(1...48)))
                    // Sessions end after idle hours: sign in again, as people do the next morning.
                    admin = try await app.token("admin"); reviewerToken = try await app.token("reviewer")
                    what = "time passing"
                }
                try await Self.compare(app, window: windows.open, step: "step \(step): \(what)")
            }
            #expect(kinds.count == 6, "every kind of write happened")
            let (hits, misses) = app.aggregates.counts
            #expect(hits > 0 && misses > 0, "the cache answered some and recomputed after writes (\(hits) hits, \(misses) misses)")
        }
    }

    #if os(Linux)
    @Test("on glibc the memory calls reach the allocator (they were compiled as stubs once, which answer 0)")
    func allocatorReached() {
        #expect(xq_fix_large_allocation_threshold(MemoryTrim.largeAllocation) == 1)
    }
    #endif

    @Test("a write raises its area's version in the same transaction; a rolled-back write does not", arguments: TestDB.all)
    func versionsFollowWrites(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let before = try await DataVersions.current(["registry", "balance"], on: app.db)
            #expect(before.count == 2)
            try await app.db.sql.raw("UPDATE schools SET students = students + 1 WHERE id = \(bind: f.schools["T0001"]!)").run()
            var after = try await DataVersions.current(["registry", "balance"], on: app.db)
            #expect(after["registry"]! > before["registry"]! && after["balance"] == before["balance"])
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await app.writeGate.transaction(on: app.db) { tx in
                    try await tx.sql.raw("UPDATE teachers SET name = '改' WHERE id = \(bind: f.teachers["甲"]!)").run()
                    throw Boom()
                }
            }
            let rolledBack = try await DataVersions.current(["registry"], on: app.db)
            #expect(rolledBack["registry"] == after["registry"])
            after = rolledBack
            // The kept coefficients are answered again until the next write, then recomputed.
            let balance = BalanceService(app.context(actor: Self.bureau(app)))
            _ = try await balance.reports(year: nil, district: nil)
            let (h0, m0) = app.aggregates.counts
            _ = try await balance.reports(year: nil, district: nil)
            #expect(app.aggregates.counts.hits == h0 + 1 && app.aggregates.counts.misses == m0)
            try await app.db.sql.raw("UPDATE teachers SET education = 'master' WHERE id = \(bind: f.teachers["甲"]!)").run()
            _ = try await balance.reports(year: nil, district: nil)
            #expect(app.aggregates.counts.misses == m0 + 1)
            // A result read just now survives a trim of those idle for a minute; one nobody
            // reads (here: idle for any time at all) is let go and computed again when asked.
            let kept = app.aggregates.count
            #expect(kept > 0)
            #expect(app.aggregates.dropIdle(unusedFor: 60) == 0 && app.aggregates.count == kept)
            #expect(app.aggregates.dropIdle(unusedFor: 0) == kept && app.aggregates.count == 0)
            let (h1, m1) = app.aggregates.counts
            let again = try await balance.reports(year: nil, district: nil)
            #expect(app.aggregates.counts.misses > m1 && app.aggregates.counts.hits == h1)
            #expect(try await balance.reports(year: nil, district: nil).count == again.count)
        }
    }

    @Test("a request keeps the versions it read with its caller until its own write; then it reads its write", arguments: TestDB.all)
    func requestVersions(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let teacher = f.teachers["甲"]!
            struct N: Decodable { let n: Int }
            let renamed: @Sendable () async throws -> Int = {
                try await app.db.sql.raw("SELECT COUNT(*) AS n FROM teachers WHERE name = '改名'").first(decoding: N.self)?.n ?? -1
            }
            // As a request's context: the versions read once, with its caller.
            let base = app.context(actor: Self.bureau(app))
            let ctx = ServiceContext(db: base.db, gate: base.gate, clock: base.clock, actor: base.actor, logger: base.logger, audit: base.audit,
                                     documents: base.documents, cache: app.aggregates, versions: VersionSnapshot(try await DataVersions.all(on: app.db)))
            #expect(try await ctx.kept("probe", areas: ["registry"], compute: renamed) == 0)
            // Someone else's write raises the version, but this request answers at its own moment.
            try await app.db.sql.raw("UPDATE teachers SET name = '改名' WHERE id = \(bind: teacher)").run()
            let (h0, _) = app.aggregates.counts
            #expect(try await ctx.kept("probe", areas: ["registry"], compute: renamed) == 0)
            #expect(app.aggregates.counts.hits == h0 + 1)
            // Its own write forgets the versions it read: what it reads next includes the write.
            try await ctx.write { tx in try await tx.sql.raw("UPDATE teachers SET phone = '13800000000' WHERE id = \(bind: teacher)").run() }
            #expect(ctx.versions?.versions == nil)
            #expect(try await ctx.kept("probe", areas: ["registry"], compute: renamed) == 1)
        }
    }

    @Test("verify-aggregates finds a counter that drifted from its rows")
    func verifyFindsDrift() async throws {
        try await withApp(.sqlite) { app, f in
            for m in app.modules { for c in try await m.verifyAggregates(on: app.db) { #expect(c.ok, "\(c.name): \(c.mismatches)") } }
            // Written around the triggers (as a hand edit of the file would).
            try await app.db.sql.raw("UPDATE teacher_tallies SET total = total + 1 WHERE school_id = \(bind: f.schools["T0001"]!)").run()
            try await app.db.sql.raw("UPDATE schools SET students = 1 WHERE id = \(bind: f.schools["T0003"]!)").run()
            try await app.db.sql.raw("INSERT INTO school_conditions (school_id, year, students_primary, students_junior, students_senior, floor_area_centi, sports_area_centi, equipment_value_fen, computers, books, multimedia_rooms, updated_at) VALUES (\(bind: f.schools["T0003"]!), 2026, 300, 0, 0, 1, 1, 1, 1, 1, 1, 0)").run()
            let checks = try await app.modules.asyncFlatMap { try await $0.verifyAggregates(on: app.db) }
            #expect(checks.first { $0.name.hasPrefix("teacher tallies") }?.mismatches.count == 2, "the recount and the kept row both named")
            #expect(checks.first { $0.name.hasPrefix("students") }?.mismatches.first?.contains("1 on the school, 300") == true)
        }
    }
}

extension Array {
    func asyncFlatMap<T>(_ f: (Element) async throws -> [T]) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out += try await f(e) }
        return out
    }
}

extension Dictionary where Key == String, Value == Any {
    static func + (a: [String: Any], b: [String: Any]) -> [String: Any] { a.merging(b) { _, new in new } }
}
