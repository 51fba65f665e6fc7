import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting
import XuequCore
import XuequKit
import XuequTestSupport
@testable import XuequApp

/// `DATABASE_REPLICA_URL`: reports read the replica, an actor who just wrote reads the primary,
/// writes never go to the replica. The replica here is a stand-in that never catches up: a
/// migrated, empty schema on the same server, so every read shows where it went. (CI also runs
/// two app processes against a real streaming replica made with pg_basebackup.)
@Suite("A replica for reports")
struct ReplicaTests {
    @Test("reports and exports go to the replica; whoever just wrote reads the primary for 30 s; writes stay on the primary")
    func routing() async throws {
        guard let url = ProcessInfo.processInfo.environment["TEST_DATABASE_URL"] else { return }
        let replicaSchema = "r_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let clock = TestClock()
        try await withApp(.postgres, clock: clock, settings: { $0.replica = (url, replicaSchema) }) { app, f in
            #expect(app.hasReplica)
            try await app.db.sql.raw("CREATE SCHEMA \(ident: replicaSchema)").run()
            let replica = app.db(.replica)
            for m in app.modules.flatMap(\.migrations) { try await m.prepare(on: replica).get() }
            struct N: Decodable { let n: Int }
            func teachersOn(_ db: any Database) async throws -> Int { try await db.sql.raw("SELECT COUNT(*) AS n FROM teachers").first(decoding: N.self)!.n }
            let (p0, r0) = (try await teachersOn(app.db), try await teachersOn(replica))
            #expect(p0 == 4 && r0 == 0)

            func homeTeachers(_ user: String) async throws -> String {
                var h = HTTPHeaders()
                h.cookie = try await Browser.login(app, user)
                let page = try await app.testing().sendRequest(.GET, "/", headers: h)
                // The teachers figure on the home page: <span class="stat-value">N</span><span class="stat-label">教师</span>
                guard let r = page.text.range(of: #"stat-value">(\d+)</span><span class="stat-label">教师<"#, options: .regularExpression) else { return "?" }
                return String(page.text[r].dropFirst("stat-value\">".count).prefix { $0.isNumber })
            }
            #expect(try await homeTeachers("admin") == "0", "nobody wrote: the home page reads the replica")
            // An export's data rows (the CSV's lines after its header).
            func exportedTeachers(_ user: String) async throws -> Int {
                var h = HTTPHeaders()
                h.cookie = try await Browser.login(app, user)
                let res = try await app.testing().sendRequest(.GET, "/teachers/export?format=csv", headers: h)
                #expect(res.status == .ok)
                return res.text.split(whereSeparator: \.isNewline).count - 1
            }
            #expect(try await exportedTeachers("admin") == 0, "an export reads the replica")
            let admin = try await app.token("admin")
            let (_, b) = try jsonBody(Bodies.teacher(f, name: "新老师", rid: Fixture.residentID("19920101", 77)))
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(admin, json: true), body: b) { res in #expect(res.status == .created) }
            let (p1, r1) = (try await teachersOn(app.db), try await teachersOn(replica))
            #expect(p1 == 5 && r1 == 0, "the write went to the primary only")
            #expect(try await homeTeachers("admin") == "5", "the one who wrote reads the primary")
            #expect(try await homeTeachers("d1") == "0", "others read the replica")
            #expect(try await exportedTeachers("admin") == 5, "the one who wrote exports from the primary")
            #expect(try await exportedTeachers("d1") == 0, "others export from the replica")
            clock.advance(ServiceContext.readYourWrites + 1)
            #expect(try await homeTeachers("admin") == "0", "after the window, the replica again")
            try await app.db.sql.raw("DROP SCHEMA \(ident: replicaSchema) CASCADE").run()
        }
    }
}
