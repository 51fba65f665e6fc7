import Foundation
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import VaporTesting
import XuequCore
@testable import XuequApp
@testable import XuequKit

@Suite("Audit log and backups")
struct AuditTests {
    @Test("writes leave entries with actor, request id and masked IDs; the chain verifies", arguments: TestDB.all)
    func entries(db: TestDB) async throws {
        try await withApp(db) { app, f in
            let t = try await app.token("s1")
            let rid = Fixture.residentID("19900215", 11)
            let (_, b) = try jsonBody(Bodies.teacher(f, rid: rid))
            try await app.check(.POST, "/api/v1/teachers", headers: bearer(t, json: true), body: b)
            let page = try await Audit.list(on: app.db, filter: .init(action: "teacher.create"), page: PageSpec(page: 1, per: 10))
            let entry = try #require(page.items.first)
            #expect(entry.actorName == "s1")
            #expect(!entry.requestId.isEmpty)
            #expect(!entry.summary.contains(rid) && !entry.entityId.contains(rid), "no full ID in the log")
            let (rows, problems, _) = try await Audit.verify(on: app.db, key: app.auditKey)
            #expect(rows >= 2 && problems.isEmpty)
        }
    }

    @Test("the log is append-only, and an edited or deleted row breaks the chain", arguments: TestDB.all)
    func tamper(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            for i in 0..<5 {
                try await app.writeGate.transaction(on: app.db) { tx in
                    try await Audit.record(on: tx, .system("test"), action: "test.\(i)", entity: "x", entityId: String(i), summary: "entry \(i)")
                }
            }
            await #expect(throws: (any Error).self) { try await app.db.sql.raw("UPDATE audit_log SET summary = 'x' WHERE id = 2").run() }
            await #expect(throws: (any Error).self) { try await app.db.sql.raw("DELETE FROM audit_log WHERE id = 2").run() }
            // Someone with the database file removes the guards and edits a row…
            if db == .postgres {
                try await app.db.sql.raw("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change").run()
            } else {
                try await app.db.sql.raw("DROP TRIGGER audit_log_no_update").run()
                try await app.db.sql.raw("DROP TRIGGER audit_log_no_delete").run()
            }
            try await app.db.sql.raw("UPDATE audit_log SET summary = 'nothing happened' WHERE action = 'test.1'").run()
            var problems = try await Audit.verify(on: app.db, key: app.auditKey).problems
            #expect(problems.count == 1 && problems[0].reason.contains("edited"))
            // …or deletes one.
            try await app.db.sql.raw("DELETE FROM audit_log WHERE action = 'test.3'").run()
            problems = try await Audit.verify(on: app.db, key: app.auditKey).problems
            #expect(problems.contains { $0.reason.contains("deleted") })
        }
    }

    @Test("the admin reads the log in sentences, filters it from lists and exports it; nobody else may", arguments: TestDB.all)
    func browse(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "admin")
            _ = try await Browser.login(app, "d1")
            try await app.check(.GET, "/admin/audit?area=platform", headers: h) { res in
                #expect(res.status == .ok)
                #expect(res.text.contains(" 登录</td>") && !res.text.contains(">auth.login<"), "a sentence, not a code")
                #expect(!res.text.contains("xuequ audit"), "no command-line hint on a bureau page")
                #expect(res.text.contains("<optgroup label=\"教师资格认定\">"), "actions are chosen from a list, grouped by area")
            }
            // One person, one action: only d1's sign-in.
            let d1Name = try await app.db.sql.raw("SELECT actor_name FROM audit_log WHERE action = 'auth.login' ORDER BY id DESC LIMIT 1").first(decoding: [String: String].self)?["actor_name"] ?? ""
            try await app.check(.GET, "/admin/audit?action=auth.login&actor=\(d1Name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", headers: h) { res in
                #expect(res.text.contains("共 1 条"))
            }
            try await app.check(.GET, "/admin/audit?from=yesterday", headers: h) { res in #expect(res.status == .unprocessableEntity) }
            // The same rows as a workbook.
            try await app.check(.GET, "/admin/audit?area=platform&format=xlsx", headers: h) { res in
                #expect(res.status == .ok)
                let table = try Spreadsheet.read(Data(buffer: res.body), filename: "audit.xlsx")
                #expect(table.rows.first?.first == "时间（北京时间）")
                #expect(table.rows.dropFirst().contains { $0.count > 2 && $0[2].hasSuffix(" 登录") })
            }
            // The home page's recent actions read the same way.
            try await app.check(.GET, "/", headers: h) { res in #expect(res.text.contains(" 登录") && !res.text.contains("<code>auth.login</code>")) }
            var d = HTTPHeaders()
            d.cookie = try await Browser.login(app, "d1")
            try await app.check(.GET, "/admin/audit", headers: d) { res in #expect(res.status == .forbidden) }
        }
    }

    /// A year's log holds a million rows: the page counts to 10,000 and says "more than", and
    /// the filter's names are found name by name along the index, the same as `SELECT DISTINCT`.
    @Test("a long log: the count stops at 10,000, each name is offered once", arguments: TestDB.all)
    func longLog(db: TestDB) async throws {
        try await withApp(db) { app, _ in
            try await app.db.sql.raw("""
                INSERT INTO audit_log (at, actor_id, actor_name, action, entity, entity_id, summary, request_id, address, prev_hash, hash)
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10050)
                SELECT '2026-01-01T00:00:00Z', NULL, CASE WHEN i % 3 = 0 THEN 'bulk-c' WHEN i % 3 = 1 THEN 'bulk-a' ELSE 'bulk-b' END,
                       'teacher.update', 'teacher', '1', 'x', 'r', '-', 'p', 'h' FROM n
                """).run()
            struct N: Decodable { let actorName: String }
            let plain = try await app.db.sql.raw("SELECT DISTINCT actor_name FROM audit_log ORDER BY actor_name").all(decoding: N.self, with: SQLRowDecoder.snakeCase).map(\.actorName)
            #expect(try await Audit.actorNames(on: app.db) == plain)
            #expect(plain.contains("bulk-b") && plain.count >= 4)
            #expect(try await Audit.actorNames(on: app.db, limit: 2) == Array(plain.prefix(2)))
            var h = HTTPHeaders()
            h.cookie = try await Browser.login(app, "admin")
            try await app.check(.GET, "/admin/audit", headers: h) { res in
                #expect(res.status == .ok)
                #expect(res.text.contains("超过 10000 条"))
                #expect(res.text.components(separatedBy: "<option value=\"bulk-a\">").count == 2)
                #expect(res.text.contains("rel=\"next\""))
            }
            try await app.check(.GET, "/admin/audit?actor=bulk-a", headers: h) { res in #expect(res.text.contains("共 3350 条")) }
        }
    }

    @Test("every audit action the code records has words in its module's area")
    func everyActionHasWords() async throws {
        var areas: [AuditArea] = []
        try await withApp(.sqlite, fixture: false) { app, _ in areas = app.auditAreas }
        // The literal codes in Sources (`action: "teacher.import"`); dynamic ones end in an event and read by their prefix.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")
        var codes: Set<String> = []
        let pattern = try NSRegularExpression(pattern: #"action: "([a-z_.]+)(\\\()?"#)
        for case let url as URL in FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)! where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                var code = String(text[Range(m.range(at: 1), in: text)!])
                if m.range(at: 2).location != NSNotFound { code = String(code.dropLast()) }  // "cert.\(event)" → "cert"
                codes.insert(code)
            }
        }
        #expect(codes.count > 60)
        for code in codes where !code.hasPrefix("test") {
            #expect(AuditWords.phrase(code, areas: areas, locale: .zh) != nil || areas.contains { a in a.phrases.keys.contains { $0.hasPrefix(code + ".") } }, "no words for \(code)")
            #expect(AuditWords.area(of: code, areas: areas) != nil, "no area for \(code)")
        }
    }

    @Test("backup while running, then restore: the data comes back")
    func backupRestore() async throws {
        let dir = NSTemporaryDirectory() + "xq-backup-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let dbPath = dir + "/xuequ.sqlite"
        let backup = dir + "/copy.sqlite"
        func open() async throws -> Application {
            let app = try await Application.make(.testing)
            app.logger.logLevel = .warning
            var security = SecurityPolicy(); security.bcryptCost = 4
            try await configure(app, AppConfig(database: .sqlite(path: dbPath), dataDir: dir, security: security))
            try await app.autoMigrate()
            return app
        }
        var app = try await open()
        _ = try await Fixture.make(app)
        try await Backup.sqliteBackup(app: app, to: backup)
        // A change after the backup…
        try await app.writeGate.transaction(on: app.db) { tx in try await tx.sql.raw("DELETE FROM teacher_transfers").run(); try await tx.sql.raw("UPDATE schools SET name = 'changed'").run() }
        try await app.asyncShutdown()
        // …is gone after the restore.
        let restorer = try await Application.make(.testing)
        _ = try await Backup.sqliteRestore(from: backup, to: dbPath, key: try AuditKey.load(dataDir: dir), app: restorer)
        app = try await open()
        struct Name: Decodable { let name: String }
        let names = try await app.db.sql.raw("SELECT name FROM schools ORDER BY id").all(decoding: Name.self).map(\.name)
        #expect(names == ["一中心小学", "一九年制学校", "二小学"])
        #expect(try await Audit.verify(on: app.db, key: app.auditKey).problems.isEmpty)
        try await app.asyncShutdown()
        await #expect(throws: Backup.RestoreError.self) { _ = try await Backup.sqliteRestore(from: dir + "/nothing", to: dbPath, key: nil, app: restorer) }
        try await restorer.asyncShutdown()
    }
}
