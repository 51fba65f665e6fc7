import Foundation
import SQLKit
import Testing
import XuequTestSupport
import Vapor
import XuequKit
@testable import XuequApp

/// A migration's SQL never changes after it has landed: migrating an empty database must give
/// exactly the schema (tables, columns, indexes, triggers, functions) and seeded rule rows that
/// are committed in `Snapshots/schema.<db>.txt`. A new migration changes the snapshot on
/// purpose: record it with `XUEQU_RECORD_SNAPSHOTS=1 swift test --filter MigrationSnapshot` and
/// commit the file with the migration.
@Suite("Migrations are frozen")
struct MigrationSnapshotTests {
    @Test("an empty database migrates to the committed schema", arguments: TestDB.all)
    func schema(db: TestDB) async throws {
        try await withApp(db, fixture: false) { app, _ in
            let dump = try await Self.dump(app, db: db)
            let file = Snapshot.url("schema.\(db.rawValue).txt")
            if Snapshot.recording {
                try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try dump.write(to: file, atomically: true, encoding: .utf8)
                return
            }
            let committed = try String(contentsOf: file, encoding: .utf8)
            #expect(dump == committed, "the migrated schema differs from \(file.lastPathComponent): \(Snapshot.firstDifference(dump, committed))")
        }
    }

    /// The schema as text, in a stable order, without names that differ between runs.
    static func dump(_ app: Application, db: TestDB) async throws -> String {
        var lines: [String] = []
        let sql = app.db.sql
        struct Migration: Decodable { let name: String }
        let migrations = try await sql.raw("SELECT name FROM _fluent_migrations ORDER BY batch, name").all(decoding: Migration.self)
        lines.append("-- migrations")
        lines += migrations.map(\.name).sorted()
        switch db {
        case .sqlite:
            struct Object: Decodable { let type: String; let name: String; let sql: String? }
            let objects = try await sql.raw("""
                SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' AND name <> '_fluent_migrations' ORDER BY type, name
                """).all(decoding: Object.self)
            lines.append("-- objects")
            lines += objects.map { "\($0.type) \($0.name): \($0.sql ?? "(implicit)")" }
        case .postgres:
            struct Column: Decodable { let tableName: String; let columnName: String; let dataType: String; let isNullable: String; let columnDefault: String? }
            let columns = try await sql.raw("""
                SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
                WHERE table_schema = current_schema() AND table_name <> '_fluent_migrations' ORDER BY table_name, ordinal_position
                """).all(decoding: Column.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
            lines.append("-- columns")
            lines += columns.map { "\($0.tableName).\($0.columnName) \($0.dataType) \($0.isNullable == "YES" ? "null" : "not null") \($0.columnDefault.map { "default " + Self.unschema($0) } ?? "")" }
            struct Index: Decodable { let indexdef: String }
            let indexes = try await sql.raw("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename <> '_fluent_migrations' ORDER BY indexname")
                .all(decoding: Index.self)
            lines.append("-- indexes")
            lines += indexes.map { Self.unschema($0.indexdef) }
            struct Trigger: Decodable { let triggerName: String; let eventManipulation: String; let eventObjectTable: String; let actionStatement: String }
            let triggers = try await sql.raw("""
                SELECT trigger_name, event_manipulation, event_object_table, action_statement FROM information_schema.triggers
                WHERE trigger_schema = current_schema() ORDER BY trigger_name, event_manipulation
                """).all(decoding: Trigger.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
            lines.append("-- triggers")
            lines += triggers.map { "\($0.triggerName) \($0.eventManipulation) ON \($0.eventObjectTable): \(Self.unschema($0.actionStatement))" }
            struct Function: Decodable { let proname: String; let prosrc: String }
            let functions = try await sql.raw("""
                SELECT p.proname, p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = current_schema() ORDER BY p.proname
                """).all(decoding: Function.self)
            lines.append("-- functions")
            lines += functions.map { "\($0.proname): \($0.prosrc.trimmingCharacters(in: .whitespacesAndNewlines))" }
        }
        // Rules seeded by migrations: their JSON must not follow today's types either.
        struct Rule: Decodable { let effectiveFrom: String; let rules: String; let note: String }
        for table in ["balance_rules", "cert_rules", "rotation_rules"] {
            let rows = try await sql.raw("SELECT effective_from, rules, note FROM \(ident: table) ORDER BY id")
                .all(decoding: Rule.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
            lines.append("-- \(table)")
            lines += rows.map { "\($0.effectiveFrom) \($0.note) \($0.rules)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Each PostgreSQL test runs in its own schema (`t_…`): drop the name from definitions.
    static func unschema(_ s: String) -> String {
        s.replacingOccurrences(of: #"t_[0-9a-f]{16}\."#, with: "", options: .regularExpression)
    }
}

/// Committed expected output for snapshot tests (schema, pages).
enum Snapshot {
    static var recording: Bool { ProcessInfo.processInfo.environment["XUEQU_RECORD_SNAPSHOTS"] == "1" }

    static func url(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots").appendingPathComponent(name)
    }

    /// The first line where two texts part, for a failure message a person can act on.
    static func firstDifference(_ a: String, _ b: String) -> String {
        let x = a.split(separator: "\n", omittingEmptySubsequences: false), y = b.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(x.count, y.count) {
            let l = i < x.count ? String(x[i]) : "(end)", r = i < y.count ? String(y[i]) : "(end)"
            if l != r { return "line \(i + 1): got «\(l.prefix(300))», committed «\(r.prefix(300))»" }
        }
        return "none"
    }
}
