import Foundation
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import XuequCore
import XuequKit
@testable import XuequApp

/// The workflow kit on a table of its own: version- and state-checked transitions, one winner
/// among parallel writers, history rows, time in each state, and the rebuild from history.
@Suite("Workflow kit")
struct WorkflowKitTests {
    static let stale = DomainError(.conflict, code: "stale_version", LocalizedText(zh: "已被他人处理", en: "someone else acted first"))
    static let store = WorkflowStore(table: "wf_items", historyTable: "wf_history", foreignKey: "item_id", tracked: ["review"], stale: stale)

    static func makeTables(_ app: Application) async throws -> Int {
        let sql = app.db.sql
        let real = app.databaseFlavor == .postgres ? "DOUBLE PRECISION" : "REAL"
        let key = app.databaseFlavor == .postgres ? "SERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
        try await sql.raw("CREATE TABLE wf_items (id \(unsafeRaw: key), state TEXT NOT NULL, version INTEGER NOT NULL, updated_at \(unsafeRaw: real) NOT NULL, state_since \(unsafeRaw: real), secs_review \(unsafeRaw: real) NOT NULL DEFAULT 0, note TEXT)").run()
        try await sql.raw("CREATE TABLE wf_history (id \(unsafeRaw: key), item_id INTEGER NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL, event TEXT NOT NULL, actor TEXT NOT NULL, at \(unsafeRaw: real) NOT NULL, reason TEXT)").run()
        struct Id: Decodable { let id: Int }
        return try await sql.raw("INSERT INTO wf_items (state, version, updated_at) VALUES ('draft', 1, 0) RETURNING id").first(decoding: Id.self)!.id
    }

    struct Item: Decodable { let state: String; let version: Int; let secsReview: Double }
    static func item(_ app: Application, _ id: Int) async throws -> Item {
        try await app.db.sql.raw("SELECT state, version, secs_review FROM wf_items WHERE id = \(bind: id)")
            .first(decoding: Item.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))!
    }

    @Test("a stale version or a moved state writes nothing and answers 409; time in a tracked state is counted", arguments: TestDB.all)
    func transitions(db: TestDB) async throws {
        try await withApp(db, fixture: false) { app, _ in
            let id = try await Self.makeTables(app)
            let s = Self.store
            try await app.writeGate.transaction(on: app.db) { tx in
                try await s.advance(id: id, from: "draft", version: 1, to: "review", now: 100, on: tx)
                try await s.history([id], from: "draft", to: "review", event: "submit", actor: "a", at: 100, reason: nil, on: tx)
            }
            await #expect(throws: DomainError.self) {
                try await s.advance(id: id, from: "draft", version: 2, to: "review", now: 150, on: app.db)
            }
            await #expect(throws: DomainError.self) {
                try await s.advance(id: id, from: "review", version: 1, to: "approved", now: 150, on: app.db)
            }
            try await s.advance(id: id, from: "review", version: 2, to: "approved", set: ["note = \(bind: "ok")"], now: 160, on: app.db)
            try await s.history([id], from: "review", to: "approved", event: "approve", actor: "b", at: 160, reason: "ok", on: app.db)
            let after = try await Self.item(app, id)
            #expect(after.state == "approved" && after.version == 3 && after.secsReview == 60)

            // The rebuild from history gives the same time.
            try await app.db.sql.raw("UPDATE wf_items SET secs_review = 0").run()
            try await s.rebuildTimes(on: app.db)
            #expect(try await Self.item(app, id).secsReview == 60)
        }
    }

    @Test("twenty writers at once: one transition, nineteen 409s", arguments: TestDB.all)
    func oneWinner(db: TestDB) async throws {
        try await withApp(db, fixture: false, postgresConnections: 8) { app, _ in
            let id = try await Self.makeTables(app)
            let s = Self.store
            let results = await withTaskGroup(of: Bool.self) { group in
                for i in 0..<20 {
                    group.addTask {
                        do {
                            try await app.writeGate.transaction(on: app.db) { tx in
                                try await s.advance(id: id, from: "draft", version: 1, to: "review", now: Double(i), on: tx)
                                try await s.history([id], from: "draft", to: "review", event: "submit", actor: "w\(i)", at: Double(i), reason: nil, on: tx)
                            }
                            return true
                        } catch { return false }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(results.filter { $0 }.count == 1)
            struct N: Decodable { let n: Int }
            #expect(try await app.db.sql.raw("SELECT COUNT(*) AS n FROM wf_history").first(decoding: N.self)?.n == 1)
        }
    }
}
