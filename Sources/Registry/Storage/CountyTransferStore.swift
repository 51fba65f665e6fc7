import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// 089: a teacher moved between counties (issue 30) is a transfer out of one county's bureau and
/// into the other's: the sending bureau releases the teacher to a county (调出), the receiving
/// bureau places them in one of its schools (调入) or refuses; both keep seeing the record. At
/// most one is pending for a teacher.
public struct CreateCountyTransfers: AsyncMigration {
    public init() {}
    public var name: String { "089_CountyTransfers" }
    public func prepare(on database: any Database) async throws {
        try await database.schema("county_transfers")
            .field("id", .int, .identifier(auto: true))
            .field("teacher_id", .int, .required)
            // The name as the sending county knew it: it keeps the record once the teacher is gone.
            .field("teacher_name", .string, .required)
            .field("from_county", .string, .required)
            .field("to_county", .string, .required)
            .field("from_school_id", .int, .required)
            .field("to_school_id", .int)
            .field("on_date", .string, .required)
            .field("reason", .string, .required)
            .field("status", .string, .required)  // pending | accepted | refused | withdrawn
            .field("requested_by", .string, .required)
            .field("requested_at", .double, .required)
            .field("decided_by", .string)
            .field("decided_at", .double)
            .field("note", .string)
            .create()
        try await database.sql.raw("CREATE INDEX county_transfers_from ON county_transfers (from_county, id)").run()
        try await database.sql.raw("CREATE INDEX county_transfers_to ON county_transfers (to_county, id)").run()
        try await database.sql.raw("CREATE UNIQUE INDEX county_transfers_pending ON county_transfers (teacher_id) WHERE status = 'pending'").run()
    }
    public func revert(on database: any Database) async throws { try await database.schema("county_transfers").delete() }
}

public struct CountyTransferRow: Codable, Sendable {
    public let id: Int
    public let teacherId: Int
    public let teacherName: String
    public let fromCounty: String
    public let toCounty: String
    public let fromSchoolId: Int
    public let fromSchoolName: String?
    public let toSchoolId: Int?
    public let toSchoolName: String?
    public let onDate: String
    public let reason: String
    public let status: String
    public let requestedBy: String
    public let requestedAt: Double
    public let decidedBy: String?
    public let decidedAt: Double?
    public let note: String?
}

extension RegistryStore {
    static let countyTransferSelect = """
        SELECT x.id, x.teacher_id, x.teacher_name, x.from_county, x.to_county, x.from_school_id, a.name AS from_school_name, x.to_school_id,
               b.name AS to_school_name, x.on_date, x.reason, x.status, x.requested_by, x.requested_at, x.decided_by, x.decided_at, x.note
        FROM county_transfers x LEFT JOIN schools a ON a.id = x.from_school_id LEFT JOIN schools b ON b.id = x.to_school_id
        """

    public static func countyTransfer(id: Int, on db: any Database) async throws -> CountyTransferRow? {
        try await db.sql.raw("\(unsafeRaw: countyTransferSelect) WHERE x.id = \(bind: id)").first(decoding: CountyTransferRow.self, with: decoder)
    }

    /// The transfers out of or into the given counties (every one when nil), newest first.
    public static func countyTransfers(counties: [String]?, limit: Int = 200, on db: any Database) async throws -> [CountyTransferRow] {
        let filter: SQLQueryString
        if let counties {
            guard !counties.isEmpty else { return [] }
            let list = SQLList(counties.map { SQLBind($0) })
            filter = "WHERE x.from_county IN (\(list)) OR x.to_county IN (\(list))"
        } else {
            filter = ""
        }
        return try await db.sql.raw("\(unsafeRaw: countyTransferSelect) \(filter) ORDER BY x.id DESC LIMIT \(bind: limit)").all(
            decoding: CountyTransferRow.self, with: decoder)
    }

    /// How many transfers wait for a county to receive them.
    public static func incomingCountyTransfers(county: String, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw("SELECT COUNT(*) AS n FROM county_transfers WHERE to_county = \(bind: county) AND status = 'pending'").first(
            decoding: N.self)?
            .n ?? 0
    }

    /// On PostgreSQL, parallel releases queue here, so each one's check for a pending transfer
    /// sees the others' rows (SQLite's single writer does the same).
    static func lockCountyTransfers(on tx: any Database) async throws {
        guard tx.sql.dialect.name == "postgresql" else { return }
        try await tx.sql.raw("SELECT pg_advisory_xact_lock(7402122)").run()
    }

    static func pendingCountyTransfer(teacherId: Int, on tx: any Database) async throws -> Bool {
        struct N: Decodable { let n: Int }
        return
            (try await tx.sql.raw("SELECT COUNT(*) AS n FROM county_transfers WHERE teacher_id = \(bind: teacherId) AND status = 'pending'")
            .first(decoding: N.self)?.n ?? 0) > 0
    }

    static func insertCountyTransfer(
        teacherId: Int, teacherName: String, fromCounty: String, toCounty: String, fromSchoolId: Int, onDate: String, reason: String, by: String,
        on tx: any Database, now: Double
    ) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.insert(into: "county_transfers")
            .columns("teacher_id", "teacher_name", "from_county", "to_county", "from_school_id", "on_date", "reason", "status", "requested_by", "requested_at")
            .values(
                SQLBind(teacherId), SQLBind(teacherName), SQLBind(fromCounty), SQLBind(toCounty), SQLBind(fromSchoolId), SQLBind(onDate), SQLBind(reason),
                SQLBind("pending"), SQLBind(by), SQLBind(now)
            )
            .returning("id").first(decoding: Id.self)!.id
    }

    /// Closes a pending transfer; false when it was no longer pending (someone acted first).
    static func decideCountyTransfer(id: Int, status: String, toSchoolId: Int?, by: String, note: String?, on tx: any Database, now: Double) async throws
        -> Bool
    {
        struct Id: Decodable { let id: Int }
        return
            !(try await tx.sql.raw(
                """
                UPDATE county_transfers SET status = \(bind: status), to_school_id = \(bind: toSchoolId), decided_by = \(bind: by), decided_at = \(bind: now),
                  note = \(bind: note)
                WHERE id = \(bind: id) AND status = 'pending' RETURNING id
                """
            ).all(decoding: Id.self)).isEmpty
    }
}
