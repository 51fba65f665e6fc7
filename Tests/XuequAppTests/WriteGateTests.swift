import Fluent
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

    @Test("PostgreSQL: a write runs on the writer's own thread; stopping refuses new writes (503) and lets the one under way commit",
          arguments: TestDB.all.filter { $0 == .postgres })
    func postgresWriter(db: TestDB) async throws {
        try await withApp(db, fixture: false) { app, _ in
            let writer = try #require(app.writeGate.postgresWriter)
            try await app.db.sql.raw("CREATE TABLE gate_probe (k INTEGER NOT NULL, note TEXT NOT NULL)").run()
            let here: Bool = try await app.writeGate.transaction(on: app.db) { tx in
                try await tx.sql.raw("INSERT INTO gate_probe (k, note) VALUES (1, 'first')").run()
                return writer.runsHere
            }
            #expect(here, "the body resumed on the writer's loop after its statement")
            #expect(!writer.runsHere)

            let (entered, didEnter) = AsyncStream<Void>.makeStream()
            let (release, doRelease) = AsyncStream<Void>.makeStream()
            let underWay = Task {
                try await app.writeGate.transaction(on: app.db) { tx in
                    try await tx.sql.raw("INSERT INTO gate_probe (k, note) VALUES (2, 'before the stop')").run()
                    didEnter.yield(())
                    for await _ in release { break }
                    try await tx.sql.raw("INSERT INTO gate_probe (k, note) VALUES (3, 'after the stop')").run()
                }
            }
            for await _ in entered { break }
            writer.stopTaking()
            do {
                try await app.writeGate.transaction(on: app.db) { tx in try await tx.sql.raw("INSERT INTO gate_probe (k, note) VALUES (4, 'refused')").run() }
                Issue.record("a write was started after the stop")
            } catch let e as DomainError {
                #expect(e.kind.status == 503 && e.code == "shutting_down")
            }
            let stopped = Task { await writer.shutdown() }
            doRelease.yield(())
            try await underWay.value
            await stopped.value
            await writer.shutdown()  // the application's own stop calls it again: nothing happens
            struct K: Decodable { let k: Int }
            let ks = try await app.db.sql.raw("SELECT k FROM gate_probe ORDER BY k").all(decoding: K.self).map(\.k)
            #expect(ks == [1, 2, 3])
        }
    }

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

    @Test("SQLite's writer keeps each statement prepared: reused with new values, after a failure, and after the schema changed under it")
    func keptStatements() async throws {
        try await withApp(.sqlite, fixture: false) { app, _ in
            let writer = try #require(app.writeGate.writer as? SQLiteWriter)
            try await app.db.sql.raw("CREATE TABLE kept_probe (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, note TEXT, amount REAL, data BLOB)").run()
            struct Row: Decodable, Equatable { let id: Int; let code: String; let note: String?; let amount: Double?; let data: Data? }
            func insert(_ code: String, note: String?, amount: Double?, data: Data?) async throws -> Row {
                try await app.writeGate.transaction(on: app.db) { tx in
                    try await tx.sql.raw("INSERT INTO kept_probe (code, note, amount, data) VALUES (\(bind: code), \(bind: note), \(bind: amount), \(bind: data)) RETURNING id, code, note, amount, data")
                        .first(decoding: Row.self)!
                }
            }
            let first = try await insert("K0", note: "第一条", amount: 1.5, data: Data([0, 1, 2]))
            let kept = writer.preparedStatements
            // The same statement twenty times with other values: prepared once, each row as bound.
            var rows = [first]
            for k in 1...20 {
                rows.append(try await insert("K\(k)", note: k % 2 == 0 ? nil : "教师\(k) 🙂 '\"\\n", amount: k % 3 == 0 ? nil : Double(k) / 4, data: k % 4 == 0 ? nil : Data(repeating: UInt8(k), count: k)))
            }
            #expect(writer.preparedStatements == kept)
            let read = try await app.db.sql.raw("SELECT id, code, note, amount, data FROM kept_probe ORDER BY id").all(decoding: Row.self)
            #expect(read == rows, "what the writer read back is what the pool reads")
            #expect(rows[1].note == "教师1 🙂 '\"\\n")
            // A unique violation: a constraint failure (answered 409, not 500), nothing stored,
            // and the kept statement runs again afterwards.
            do {
                _ = try await insert("K3", note: nil, amount: nil, data: nil)
                Issue.record("a duplicate code was stored")
            } catch let e as any DatabaseError {
                #expect(e.isConstraintFailure)
            }
            #expect(try await insert("K21", note: nil, amount: nil, data: nil).code == "K21")
            // Another connection changes the schema (as a migration by another process would):
            // SQLite prepares the kept statement again by itself.
            try await app.db.sql.raw("ALTER TABLE kept_probe ADD COLUMN extra TEXT").run()
            #expect(try await insert("K22", note: "after", amount: 2, data: nil).note == "after")
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM kept_probe").first(decoding: N.self)?.n == 23)
        }
    }

    @Test("SQLite's version reader answers what the pool reads, and sees every commit (its kept statement holds no snapshot)")
    func versionReader() async throws {
        try await withApp(.sqlite) { app, f in
            let reader = try #require(app.versionReader)
            let first = try reader.all()
            let pooled = try await DataVersions.all(on: app.db)
            #expect(first == pooled)
            #expect(first.keys.contains("registry") && first.keys.contains("accounts"))
            for k in 1...3 {
                try await app.writeGate.transaction(on: app.db) { tx in
                    try await tx.sql.raw("UPDATE teachers SET phone = \(bind: "1380000000\(k)") WHERE id = \(bind: f.teachers["甲"]!)").run()
                }
                let now = try reader.all()
                let pooled = try await DataVersions.all(on: app.db)
                #expect(now["registry"]! > first["registry"]! && now == pooled, "after write \(k)")
            }
            // Readers at once each get a connection; all answer the same.
            let answers = try await withThrowingTaskGroup(of: [String: Int].self) { group in
                for _ in 0..<16 { group.addTask { try reader.all() } }
                var out: [[String: Int]] = []
                for try await a in group { out.append(a) }
                return out
            }
            #expect(Set(answers.map { $0["registry"]! }).count == 1)
        }
    }
}
