import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// Roles that ended because their holder moved (`teacher_role_endings`), for the old school's
/// and district's offices to see on their home page and fill again.
public struct CreateRoleEndings: AsyncMigration {
    public init() {}
    public var name: String { "073_TeacherRoleEndings" }

    public func prepare(on database: any Database) async throws {
        try await database.schema("teacher_role_endings")
            .field("id", .int, .identifier(auto: true))
            .field("teacher_id", .int, .required, .references("teachers", "id"))
            .field("from_school_id", .int, .required)
            .field("from_district_id", .int)
            .field("to_school_id", .int, .required)
            .field("role_zh", .string, .required)
            .field("role_en", .string, .required)
            .field("ended_on", .string, .required)
            .field("created_at", .double, .required)
            .create()
        try await database.sql.raw("CREATE INDEX teacher_role_endings_district ON teacher_role_endings (from_district_id, created_at)").run()
    }

    public func revert(on database: any Database) async throws {
        try await database.schema("teacher_role_endings").delete()
    }
}

public struct RoleEndingRow: Codable, Sendable {
    public let teacherId: Int
    public let teacherName: String
    public let fromSchoolId: Int
    public let fromDistrictId: Int?
    public let roleZh: String
    public let roleEn: String
    public let endedOn: String
}

extension RegistryStore {
    /// What a move changes besides the school.
    public struct Move: Sendable {
        public var teacherId: Int
        public var toSchoolId: Int
        /// The part (小学/初中) taught at the new school; nil clears it.
        public var toPart: String?
        /// 本校任教起始 after the move; nil keeps it (a merger keeps a teacher's service).
        public var schoolSince: String?
        public var onDate: String
        /// `transfer`, `merge`, `exchange_<form>`, `exchange_return`.
        public var reason: String
        public var note: String?
        public var createdBy: String?
        /// The teacher's row version the caller read (a form's optimistic lock); nil for none.
        public var version: Int?
        public init(
            teacherId: Int, toSchoolId: Int, toPart: String?, schoolSince: String?, onDate: String, reason: String, note: String? = nil,
            createdBy: String? = nil, version: Int? = nil
        ) {
            self.teacherId = teacherId; self.toSchoolId = toSchoolId; self.toPart = toPart; self.schoolSince = schoolSince; self.onDate = onDate
            self.reason = reason; self.note = note; self.createdBy = createdBy; self.version = version
        }
    }

    public struct StaleTeacher: Error {}

    /// The one way a teacher changes school, inside the caller's transaction: the teacher's school,
    /// district, part and start, the transfer row, and the roles other modules tie to the old school
    /// or district ended (`TeacherMoveHooks`) and recorded. Returns the teacher's old school and the
    /// roles that ended. Throws `StaleTeacher` when `version` no longer matches.
    @discardableResult
    public static func moveTeacher(_ m: Move, on tx: any Database, now: Double) async throws -> (fromSchoolId: Int, ended: [LocalizedText]) {
        struct Before: Decodable { let schoolId: Int; let districtId: Int? }
        guard
            let before = try await tx.sql.raw("SELECT school_id, district_id FROM teachers WHERE id = \(bind: m.teacherId)").first(
                decoding: Before.self, with: decoder)
        else {
            throw StaleTeacher()
        }
        let versionCheck: SQLQueryString = m.version.map { " AND version = \(bind: $0)" } ?? ""
        let since: SQLQueryString = m.schoolSince.map { ", school_since = \(bind: $0)" } ?? ""
        struct Id: Decodable { let id: Int }
        let done = try await tx.sql.raw(
            """
            UPDATE teachers SET school_id = \(bind: m.toSchoolId), district_id = (SELECT district_id FROM schools WHERE id = \(bind: m.toSchoolId)),
              stage_part = \(bind: m.toPart)\(since), updated_at = \(bind: now), version = version + 1
            WHERE id = \(bind: m.teacherId)\(versionCheck) RETURNING id
            """
        ).all(decoding: Id.self)
        if done.isEmpty { throw StaleTeacher() }
        try await tx.sql.raw(
            """
            INSERT INTO teacher_transfers (teacher_id, from_school_id, to_school_id, on_date, reason, note, created_by, created_at)
            VALUES (\(bind: m.teacherId), \(bind: before.schoolId), \(bind: m.toSchoolId), \(bind: m.onDate), \(bind: m.reason), \(bind: m.note), \(bind: m.createdBy), \(bind: now))
            """
        ).run()
        let ended = try await endRoles(
            teacherId: m.teacherId, fromSchoolId: before.schoolId, fromDistrictId: before.districtId, toSchoolId: m.toSchoolId, onDate: m.onDate, on: tx,
            now: now)
        return (before.schoolId, ended)
    }

    /// Runs the modules' hooks for a teacher already moved (a merger moves a school's teachers in
    /// one statement) and records what ended.
    public static func endRoles(teacherId: Int, fromSchoolId: Int, fromDistrictId: Int?, toSchoolId: Int, onDate: String, on tx: any Database, now: Double)
        async throws -> [LocalizedText]
    {
        struct D: Decodable { let districtId: Int }
        let toDistrict = try await tx.sql.raw("SELECT district_id FROM schools WHERE id = \(bind: toSchoolId)").first(decoding: D.self, with: decoder)?
            .districtId
        let ended = try await TeacherMoveHooks.run(
            TeacherMoved(
                teacherId: teacherId, fromSchoolId: fromSchoolId, fromDistrictId: fromDistrictId, toSchoolId: toSchoolId,
                toDistrictId: toDistrict, onDate: onDate), on: tx)
        for role in ended {
            try await tx.sql.insert(into: "teacher_role_endings")
                .columns("teacher_id", "from_school_id", "from_district_id", "to_school_id", "role_zh", "role_en", "ended_on", "created_at")
                .values(
                    SQLBind(teacherId), SQLBind(fromSchoolId), SQLBind(fromDistrictId), SQLBind(toSchoolId), SQLBind(role.zh), SQLBind(role.en),
                    SQLBind(onDate), SQLBind(now)
                )
                .run()
        }
        return ended
    }

    /// Roles ended by moves in the last `days` days in a scope (the county: all; a district: moves
    /// out of its schools; a school: moves out of it), newest first.
    public static func roleEndings(scope: RegistryScope, since: Double, limit: Int = 20, on db: any Database) async throws -> [RoleEndingRow] {
        let filter: SQLQueryString
        switch scope {
        case .county: filter = ""
        case .districts(let ds): filter = " AND \(RegistryStore.inList("e.from_district_id", ds))"
        case .district(let d): filter = " AND e.from_district_id = \(bind: d)"
        case .school(let s): filter = " AND e.from_school_id = \(bind: s)"
        case .nothing: return []
        }
        return try await db.sql.raw(
            """
            SELECT e.teacher_id, t.name AS teacher_name, e.from_school_id, e.from_district_id, e.role_zh, e.role_en, e.ended_on
            FROM teacher_role_endings e JOIN teachers t ON t.id = e.teacher_id
            WHERE e.created_at >= \(bind: since)\(filter) ORDER BY e.created_at DESC, e.id DESC LIMIT \(bind: limit)
            """
        ).all(decoding: RoleEndingRow.self, with: decoder)
    }

    public struct Departure: Codable, Sendable {
        public let teacherId: Int
        public let teacherName: String
        public let fromSchoolId: Int
        public let fromSchoolName: String
        public let toSchoolName: String
        public let onDate: String
        public let reason: String
    }

    /// Teachers who left the scope (a school: moved out of it; a district: to a school of another
    /// district; the county: every move) since `since` (a date), newest first.
    public static func departures(scope: RegistryScope, since: String, limit: Int = 300, on db: any Database) async throws -> [Departure] {
        let filter: SQLQueryString
        switch scope {
        case .county: filter = ""
        case .districts(let ds): filter = " AND \(RegistryStore.inList("a.district_id", ds))"
        case .district(let d): filter = " AND a.district_id = \(bind: d) AND b.district_id <> \(bind: d)"
        case .school(let s): filter = " AND x.from_school_id = \(bind: s)"
        case .nothing: return []
        }
        return try await db.sql.raw(
            """
            SELECT x.teacher_id, t.name AS teacher_name, x.from_school_id, a.name AS from_school_name, b.name AS to_school_name, x.on_date, x.reason
            FROM teacher_transfers x JOIN teachers t ON t.id = x.teacher_id JOIN schools a ON a.id = x.from_school_id JOIN schools b ON b.id = x.to_school_id
            WHERE x.on_date >= \(bind: since) AND x.from_school_id <> x.to_school_id\(filter)
            ORDER BY x.on_date DESC, x.id DESC LIMIT \(bind: limit)
            """
        ).all(decoding: Departure.self, with: decoder)
    }
}
