import Fluent
import Foundation
import SQLKit
import XuequCore

/// Rules that vary by place or year (ARCHITECTURE "Rules that vary…"), kept as versions with an
/// effective date: each version is one Codable value stored as JSON in a module's own table.
/// The version in force on a date is the latest that took effect by then.
public enum DatedRules {
    public struct Version<R: Sendable>: Sendable {
        public let id: Int
        public let effectiveFrom: String
        public let rules: R
        public let note: String
        public let createdBy: String
        public let createdAt: Double
    }

    /// Creates a rules table: id, effective_from, rules (JSON), note, created_by, created_at.
    public static func createTable(_ table: String, on db: any Database) async throws {
        try await db.schema(table)
            .field("id", .int, .identifier(auto: true))
            .field("effective_from", .string, .required)
            .field("rules", .string, .required)
            .field("note", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .double, .required)
            .create()
    }

    public static func insert<R: Encodable>(_ rules: R, effectiveFrom: CivilDate, note: String, by: String, into table: String, on db: any Database, now: Double) async throws {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        try await db.sql.insert(into: table).columns("effective_from", "rules", "note", "created_by", "created_at")
            .values(SQLBind(effectiveFrom.description), SQLBind(String(decoding: try enc.encode(rules), as: UTF8.self)), SQLBind(note), SQLBind(by), SQLBind(now)).run()
    }

    /// Inserts a version as the literal JSON a migration landed with: a migration's seed must
    /// not follow today's types.
    public static func insertFrozen(json: String, effectiveFrom: String, note: String, by: String, into table: String, on db: any Database, now: Double) async throws {
        try await db.sql.insert(into: table).columns("effective_from", "rules", "note", "created_by", "created_at")
            .values(SQLBind(effectiveFrom), SQLBind(json), SQLBind(note), SQLBind(by), SQLBind(now)).run()
    }

    struct Row: Decodable { let id: Int; let effectiveFrom: String; let rules: String; let note: String; let createdBy: String; let createdAt: Double }
    static let decoder = SQLRowDecoder.snakeCase

    static func decode<R: Decodable & Sendable>(_ r: Row, as: R.Type) throws -> Version<R> {
        Version(id: r.id, effectiveFrom: r.effectiveFrom, rules: try JSONDecoder().decode(R.self, from: Data(r.rules.utf8)), note: r.note, createdBy: r.createdBy, createdAt: r.createdAt)
    }

    /// The version in force on `date`, or nil when none had taken effect.
    public static func inForce<R: Decodable & Sendable>(_ type: R.Type, in table: String, on date: CivilDate, db: any Database) async throws -> R? {
        let rows = try await db.sql.raw("SELECT id, effective_from, rules, note, created_by, created_at FROM \(ident: table) WHERE effective_from <= \(bind: date.description) ORDER BY effective_from DESC, id DESC LIMIT 1")
            .all(decoding: Row.self, with: decoder)
        return try rows.first.map { try decode($0, as: R.self).rules }
    }

    /// Every version, newest first.
    public static func versions<R: Decodable & Sendable>(_ type: R.Type, in table: String, db: any Database) async throws -> [Version<R>] {
        try await db.sql.raw("SELECT id, effective_from, rules, note, created_by, created_at FROM \(ident: table) ORDER BY effective_from DESC, id DESC")
            .all(decoding: Row.self, with: decoder).map { try decode($0, as: R.self) }
    }

    // MARK: by area (issue 30)

    /// A version and the area it was set for (nil: the database's, every county's).
    public struct AreaVersion<R: Sendable>: Sendable {
        public let version: Version<R>
        public let areaCode: String?
    }

    struct AreaRow: Decodable { let id: Int; let effectiveFrom: String; let rules: String; let note: String; let createdBy: String; let createdAt: Double; let areaCode: String? }

    static func decode<R: Decodable & Sendable>(_ r: AreaRow, as: R.Type) throws -> AreaVersion<R> {
        AreaVersion(version: try decode(Row(id: r.id, effectiveFrom: r.effectiveFrom, rules: r.rules, note: r.note, createdBy: r.createdBy, createdAt: r.createdAt), as: R.self),
                    areaCode: r.areaCode)
    }

    /// Adds the area a version is set for to a module's rules table (its own migration).
    public static func addArea(to table: String, on db: any Database) async throws {
        try await db.sql.raw("ALTER TABLE \(ident: table) ADD COLUMN area_code TEXT").run()
    }

    /// The version in force on `date` for a county: its own, else that of the nearest area above
    /// it that set one (`chain`, nearest first: the county, its city, its province), else the
    /// database's. Each area's latest version by then is the one in force for it.
    public static func inForce<R: Decodable & Sendable>(_ type: R.Type, in table: String, on date: CivilDate, chain: [String], db: any Database) async throws -> AreaVersion<R>? {
        var rank: SQLQueryString = "CASE"
        for (i, code) in chain.enumerated() { rank = "\(rank) WHEN area_code = \(bind: code) THEN \(unsafeRaw: String(i))" }
        rank = "\(rank) ELSE \(unsafeRaw: String(chain.count)) END"
        let areas: SQLQueryString = chain.isEmpty ? "area_code IS NULL" : "(area_code IS NULL OR area_code IN (\(SQLList(chain.map { SQLBind($0) }))))"
        let rows = try await db.sql.raw(
            """
            SELECT id, effective_from, rules, note, created_by, created_at, area_code FROM \(ident: table)
            WHERE effective_from <= \(bind: date.description) AND \(areas) ORDER BY \(rank), effective_from DESC, id DESC LIMIT 1
            """
        ).all(decoding: AreaRow.self, with: decoder)
        return try rows.first.map { try decode($0, as: R.self) }
    }

    /// The versions of the database and of the given areas, newest first.
    public static func versions<R: Decodable & Sendable>(_ type: R.Type, in table: String, areas: [String], db: any Database) async throws -> [AreaVersion<R>] {
        let filter: SQLQueryString = areas.isEmpty ? "area_code IS NULL" : "area_code IS NULL OR area_code IN (\(SQLList(areas.map { SQLBind($0) })))"
        return try await db.sql.raw(
            "SELECT id, effective_from, rules, note, created_by, created_at, area_code FROM \(ident: table) WHERE \(filter) ORDER BY effective_from DESC, id DESC"
        ).all(decoding: AreaRow.self, with: decoder).map { try decode($0, as: R.self) }
    }

    /// A version for an area (nil: the database's).
    public static func insert<R: Encodable>(_ rules: R, effectiveFrom: CivilDate, note: String, by: String, area: String?, into table: String, on db: any Database, now: Double) async throws {
        let enc = JSONEncoder()
        enc.outputFormatting = .sortedKeys
        try await db.sql.insert(into: table).columns("effective_from", "rules", "note", "created_by", "created_at", "area_code")
            .values(SQLBind(effectiveFrom.description), SQLBind(String(decoding: try enc.encode(rules), as: UTF8.self)), SQLBind(note), SQLBind(by), SQLBind(now), SQLBind(area))
            .run()
    }
}
