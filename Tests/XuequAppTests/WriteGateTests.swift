import Foundation
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import XuequKit
import XuequCore
@testable import XuequApp

/// Group commit on SQLite: writers that queue up share one COMMIT, yet each stays all-or-nothing.
@Suite("Write gate")
struct WriteGateTests {
    struct Failed: Error {}

    @Test("fifty writers at once, every fifth failing after its insert: the forty others are stored, the ten leave nothing", arguments: TestDB.all)
    func groupCommit(db: TestDB) async throws {
        // Fifty writers queue for the pool while the suites run beside them: a production-sized
        // pool, as the parallel-certificates test has, so the wait is the gate's, not the pool's.
        try await withApp(db, fixture: false, postgresConnections: 10) { app, _ in
            try await app.db.sql.raw("CREATE TABLE gate_probe (k INTEGER NOT NULL, note TEXT NOT NULL)").run()
            // SQLite's writes run on the writer's own connection (a file database, as in production).
            #expect(app.writeGate.hasOwnWriter == (db == .sqlite))
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for k in 0..<50 {
                    group.addTask {
                        do {
                            try await app.writeGate.transaction(on: app.db) { tx in
                                try await tx.sql.raw("INSERT INTO gate_probe (k, note) VALUES (\(bind: k), 'first')").run()
                                try await tx.sql.raw("INSERT INTO gate_probe (k, note) VALUES (\(bind: k), 'second')").run()
                                try await Audit.record(on: tx, AuditContext.system("test"), action: "probe", entity: "gate_probe", entityId: String(k), summary: "writer \(k)")
                                if k % 5 == 0 { throw Failed() }
                            }
                            return true
                        } catch is Failed {
                            return false
                        }
                    }
                }
                var all: [Bool] = []
                for try await ok in group { all.append(ok) }
                return all
            }
            #expect(outcomes.filter { $0 }.count == 40)
            struct R: Decodable { let k: Int; let n: Int }
            let rows = try await app.db.sql.raw("SELECT k, COUNT(*) AS n FROM gate_probe GROUP BY k ORDER BY k").all(decoding: R.self)
            #expect(rows.map(\.k) == (0..<50).filter { $0 % 5 != 0 })
            #expect(rows.allSatisfy { $0.n == 2 }, "each writer's two rows together")
            // The audit chain: one entry per stored writer, none for the rolled-back ones, and every
            // link intact although the writers of a group skip reading the head.
            struct E: Decodable { let entityId: String }
            let audited = try await app.db.sql.raw("SELECT entity_id FROM audit_log WHERE action = 'probe'").all(decoding: E.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
            #expect(Set(audited.map(\.entityId)) == Set(rows.map { String($0.k) }) && audited.count == 40)
            #expect(try await Audit.verify(on: app.db, key: app.auditKey).problems.isEmpty)
            // A writer after the burst still works, alone in its transaction.
            let alone: Int = try await app.writeGate.transaction(on: app.db) { tx in
                try await tx.sql.raw("INSERT INTO gate_probe (k, note) VALUES (99, 'alone')").run()
                return 99
            }
            #expect(alone == 99)
            await #expect(throws: Failed.self) {
                try await app.writeGate.transaction(on: app.db) { tx in
                    try await tx.sql.raw("INSERT INTO gate_probe (k, note) VALUES (100, 'rolled back')").run()
                    throw Failed()
                }
            }
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM gate_probe WHERE k >= 99").first(decoding: N.self)?.n == 1)
        }
    }
}
