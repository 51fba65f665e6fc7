import Certification
import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

public struct PlanRow: Codable, Sendable {
    public let id: Int
    public let year: Int
    public let districtId: Int?
    public let title: String
    public let state: String
    public let version: Int
    public let createdBy: String
    public let createdAt: Double
    public let updatedAt: Double
    public let submittedBy: String?
    public let approvedBy: String?
    public let note: String?
    public var stateValue: PlanState { PlanState(rawValue: state) ?? .draft }
}

public struct MoveRow: Codable, Sendable {
    public let id: Int
    public let planId: Int
    public let teacherId: Int
    public let fromSchoolId: Int
    public let fromPart: String?
    public let toSchoolId: Int
    public let toPart: String?
    public let form: String
    public let startsOn: String
    public let returnsOn: String?
    public let reason: String?
    public let warnings: String
    public let state: String
    public let priorSince: String?
    public let returnedOn: String?
    public let version: Int
    public var formValue: MoveForm { MoveForm(rawValue: form) ?? .transfer }
    public var warningList: [MoveWarning] { warnings.split(separator: ",").compactMap { MoveWarning(rawValue: String($0)) } }
}

public struct AssessmentRow: Codable, Sendable {
    public let id: Int
    public let moveId: Int
    public let year: Int
    public let rating: String
    public let comments: String
    public let assessedBy: String
    public let assessedAt: Double
}

/// The exchange module's SQL.
public enum ExchangeStore {
    static let decoder = SQLRowDecoder.snakeCase
    static let planColumns = "id, year, district_id, title, state, version, created_by, created_at, updated_at, submitted_by, approved_by, note"
    static let moveColumns = "id, plan_id, teacher_id, from_school_id, from_part, to_school_id, to_part, form, starts_on, returns_on, reason, warnings, state, prior_since, returned_on, version"

    static let workflow = WorkflowStore(
        table: "exchange_plans", historyTable: "exchange_plan_history", foreignKey: "plan_id", tracked: ["draft", "submitted", "approved"],
        stale: DomainError(.conflict, code: "stale_version", LocalizedText(zh: "该方案已被他人修改或处理，请刷新后重试", en: "someone else changed or acted on this plan; reload and try again")))

    struct CandidateRow: Decodable {
        let id: Int; let name: String; let residentId: String; let schoolId: Int; let districtId: Int; let subjects: String; let title: String
        let backbone: String; let education: String; let schoolSince: String; let stagePart: String?; let principalSince: String?; let qualificationType: String?
    }

    /// Teachers of active schools in an area (a district, or the county), with the qualification
    /// recorded on them or, failing that, the certificate this county issued to their resident ID.
    /// The teachers the rotation rule is for: those of the compulsory stages (DOMAIN §3), at an
    /// active school of a compulsory stage and not in the senior part of a split school. Issue 29:
    /// senior-high and vocational teachers were counted into the quota (26 required where 22 was
    /// right) though no plan could move them.
    static let compulsoryTeacher: SQLQueryString = """
        s.stage IN ('primary', 'junior', 'nine_year', 'complete_secondary', 'twelve_year', 'teaching_point') AND (t.stage_part IS NULL OR t.stage_part <> 'senior')
        """

    /// `districts`: a county's districts when the database holds several counties (with no
    /// `district`); nil with no `district` is every district.
    static func candidates(district: Int?, districts: [Int]? = nil, on db: any Database) async throws -> [Candidate] {
        let filter: SQLQueryString = district.map { "AND t.district_id = \(bind: $0)" } ?? districts.map { "AND " + RegistryStore.inList("t.district_id", $0) } ?? ""
        let rows = try await db.sql.raw("""
            SELECT t.id, t.name, t.resident_id, t.school_id, t.district_id, t.subjects, t.title, t.backbone, t.education, t.school_since,
                   t.stage_part, t.principal_since, t.qualification_type
            FROM teachers t JOIN schools s ON s.id = t.school_id WHERE s.status = 'active' AND \(compulsoryTeacher) \(filter) ORDER BY t.id
            """).all(decoding: CandidateRow.self, with: decoder)
        let unknown = rows.filter { $0.qualificationType == nil }.map(\.residentId)
        let held = try await CertificateLookupBridge.held(unknown, on: db)
        return rows.compactMap { r in
            guard let since = CivilDate(parsing: r.schoolSince) else { return nil }
            let q = r.qualificationType.flatMap(QualificationType.init(rawValue:)) ?? held[r.residentId].flatMap(QualificationType.init(rawValue:))
            return Candidate(id: r.id, name: r.name, schoolId: r.schoolId, districtId: r.districtId,
                             subjects: r.subjects.split(separator: ",").compactMap { Subject(rawValue: String($0)) },
                             title: Title(rawValue: r.title) ?? .none, backbone: Backbone(rawValue: r.backbone) ?? .none,
                             education: Education(rawValue: r.education) ?? .bachelor, schoolSince: since, part: r.stagePart.flatMap(StagePart.init(rawValue:)),
                             principalSince: r.principalSince.flatMap { CivilDate(parsing: $0) }, qualification: q)
        }
    }

    struct SchoolInfoRow: Decodable { let id: Int; let code: String; let name: String; let districtId: Int; let stage: String; let locality: String; let status: String }

    static func schools(district: Int?, districts: [Int]? = nil, on db: any Database) async throws -> [Int: PlanSchool] {
        let filter: SQLQueryString = district.map { "WHERE district_id = \(bind: $0)" } ?? districts.map { "WHERE " + RegistryStore.inList("district_id", $0) } ?? ""
        let rows = try await db.sql.raw("SELECT id, code, name, district_id, stage, locality, status FROM schools \(filter)").all(decoding: SchoolInfoRow.self, with: decoder)
        return Dictionary(uniqueKeysWithValues: rows.map { r in
            (r.id, PlanSchool(id: r.id, code: r.code, name: r.name, districtId: r.districtId, stage: Stage(rawValue: r.stage) ?? .primary,
                              locality: Locality(rawValue: r.locality) ?? .rural, active: r.status == SchoolStatus.active.rawValue))
        })
    }

    static func schools(ids: [Int], on db: any Database) async throws -> [Int: PlanSchool] {
        guard !ids.isEmpty else { return [:] }
        let rows = try await db.sql.select().columns("id", "code", "name", "district_id", "stage", "locality", "status").from("schools")
            .where("id", .in, SQLBind.group(Array(Set(ids)))).all(decoding: SchoolInfoRow.self, with: decoder)
        return Dictionary(uniqueKeysWithValues: rows.map { r in
            (r.id, PlanSchool(id: r.id, code: r.code, name: r.name, districtId: r.districtId, stage: Stage(rawValue: r.stage) ?? .primary,
                              locality: Locality(rawValue: r.locality) ?? .rural, active: r.status == SchoolStatus.active.rawValue))
        })
    }

    /// How many moves each plan holds: one grouped count for a list, not a read of each plan's moves.
    static func moveCounts(planIds: [Int], on db: any Database) async throws -> [Int: Int] {
        guard !planIds.isEmpty else { return [:] }
        struct Count: Decodable { let planId: Int; let n: Int }
        return Dictionary(uniqueKeysWithValues: try await db.sql.raw(
            "SELECT plan_id, COUNT(*) AS n FROM exchange_moves WHERE plan_id IN (\(binds: planIds)) GROUP BY plan_id")
            .all(decoding: Count.self, with: decoder).map { ($0.planId, $0.n) })
    }

    static func plan(id: Int, on db: any Database) async throws -> PlanRow? {
        try await db.sql.raw("SELECT \(unsafeRaw: planColumns) FROM exchange_plans WHERE id = \(bind: id)").first(decoding: PlanRow.self, with: decoder)
    }

    static func plans(year: Int?, scope: RegistryScope, on db: any Database) async throws -> [PlanRow] {
        var conditions: [SQLQueryString] = []
        if let year { conditions.append("year = \(bind: year)") }
        switch scope {
        case .county: break
        case .districts(let ds): conditions.append(RegistryStore.inList("district_id", ds))
        case .district(let d): conditions.append("district_id = \(bind: d)")
        case .school(let s): conditions.append("id IN (SELECT plan_id FROM exchange_moves WHERE from_school_id = \(bind: s) OR to_school_id = \(bind: s))")
        case .nothing: return []
        }
        let whereClause: SQLQueryString = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try await db.sql.raw("SELECT \(unsafeRaw: planColumns) FROM exchange_plans \(whereClause) ORDER BY year DESC, id DESC")
            .all(decoding: PlanRow.self, with: decoder)
    }

    static func moves(planId: Int, on db: any Database) async throws -> [MoveRow] {
        try await db.sql.raw("SELECT \(unsafeRaw: moveColumns) FROM exchange_moves WHERE plan_id = \(bind: planId) ORDER BY id").all(decoding: MoveRow.self, with: decoder)
    }

    static func move(id: Int, on db: any Database) async throws -> MoveRow? {
        try await db.sql.raw("SELECT \(unsafeRaw: moveColumns) FROM exchange_moves WHERE id = \(bind: id)").first(decoding: MoveRow.self, with: decoder)
    }

    static func moves(ofTeacher teacherId: Int, on db: any Database) async throws -> [MoveRow] {
        try await db.sql.raw("SELECT \(unsafeRaw: moveColumns) FROM exchange_moves WHERE teacher_id = \(bind: teacherId) ORDER BY starts_on DESC, id DESC")
            .all(decoding: MoveRow.self, with: decoder)
    }

    /// Moves touching a school (sent or received), newest first.
    static func moves(ofSchool schoolId: Int, on db: any Database) async throws -> [MoveRow] {
        try await db.sql.raw("""
            SELECT \(unsafeRaw: moveColumns) FROM exchange_moves WHERE (from_school_id = \(bind: schoolId) OR to_school_id = \(bind: schoolId))
              AND plan_id IN (SELECT id FROM exchange_plans WHERE state IN ('approved', 'in_effect')) ORDER BY starts_on DESC, id DESC
            """).all(decoding: MoveRow.self, with: decoder)
    }

    /// Teachers of the year's other plans (not `except`), for the in-other-plan warning.
    static func teachersInOtherPlans(year: Int, except: Int?, on db: any Database) async throws -> Set<Int> {
        struct R: Decodable { let teacherId: Int }
        return Set(try await db.sql.raw("""
            SELECT m.teacher_id FROM exchange_moves m JOIN exchange_plans p ON p.id = m.plan_id WHERE p.year = \(bind: year) AND p.id <> \(bind: except ?? -1)
            """).all(decoding: R.self, with: decoder).map(\.teacherId))
    }

    /// Itinerant (走教) teachers of a district (nil: all).
    static func itinerantTeachers(district: Int?, on db: any Database) async throws -> [Int] {
        struct R: Decodable { let teacherId: Int }
        let filter: SQLQueryString = district.map { "WHERE district_id = \(bind: $0)" } ?? ""
        return try await db.sql.raw("SELECT teacher_id FROM exchange_itinerant_teachers \(filter)").all(decoding: R.self, with: decoder).map(\.teacherId)
    }

    /// The draft or submitted plan of a district (nil: the county's own) and year, if any.
    static func openPlan(year: Int, district: Int?, on db: any Database) async throws -> PlanRow? {
        struct R: Decodable { let planId: Int }
        guard let r = try await db.sql.raw("SELECT plan_id FROM exchange_claims WHERE kind = 'open' AND year = \(bind: year) AND ref = \(bind: district ?? 0)")
            .first(decoding: R.self, with: decoder) else { return nil }
        return try await plan(id: r.planId, on: db)
    }

    /// Teachers of `teacherIds` claimed by another approved plan of the year, with that plan.
    static func teacherClaims(year: Int, teacherIds: [Int], except: Int, on db: any Database) async throws -> [Int: Int] {
        guard !teacherIds.isEmpty else { return [:] }
        struct R: Decodable { let ref: Int; let planId: Int }
        let rows = try await db.sql.raw("""
            SELECT ref, plan_id FROM exchange_claims WHERE kind = 'teacher' AND year = \(bind: year) AND plan_id <> \(bind: except)
              AND ref IN (\(SQLList(teacherIds.map { SQLBind($0) })))
            """).all(decoding: R.self, with: decoder)
        return Dictionary(rows.map { ($0.ref, $0.planId) }, uniquingKeysWith: { a, _ in a })
    }

    static func teachersInApprovedPlans(year: Int, except: Int, on db: any Database) async throws -> Set<Int> {
        struct R: Decodable { let teacherId: Int }
        return Set(try await db.sql.raw("""
            SELECT m.teacher_id FROM exchange_moves m JOIN exchange_plans p ON p.id = m.plan_id
            WHERE p.year = \(bind: year) AND p.id <> \(bind: except) AND p.state IN ('approved', 'in_effect')
            """).all(decoding: R.self, with: decoder).map(\.teacherId))
    }

    static func assessments(moveIds: [Int], on db: any Database) async throws -> [Int: [AssessmentRow]] {
        guard !moveIds.isEmpty else { return [:] }
        let rows = try await db.sql.select().columns("id", "move_id", "year", "rating", "comments", "assessed_by", "assessed_at").from("exchange_assessments")
            .where("move_id", .in, SQLBind.group(moveIds)).orderBy("year").all(decoding: AssessmentRow.self, with: decoder)
        return Dictionary(grouping: rows, by: \.moveId)
    }

    static func history(planId: Int, on db: any Database) async throws -> [HistoryRow] {
        try await db.sql.raw("SELECT from_state, to_state, event, actor, at, reason FROM exchange_plan_history WHERE plan_id = \(bind: planId) ORDER BY id")
            .all(decoding: HistoryRow.self, with: decoder)
    }

    public struct HistoryRow: Codable, Sendable { public let fromState: String; public let toState: String; public let event: String; public let actor: String; public let at: Double; public let reason: String? }

    struct TransferSpan: Decodable { let teacherId: Int; let toSchoolId: Int; let onDate: String }

    /// Years each teacher has served in rural schools, from the registry's transfer history and
    /// the current posting (time before the first recorded transfer is unknown and not counted).
    static func ruralYears(_ teachers: [Candidate], schools: [Int: PlanSchool], asOf day: CivilDate, on db: any Database) async throws -> [Int: Double] {
        guard !teachers.isEmpty else { return [:] }
        var spans: [Int: [TransferSpan]] = [:]
        for start in stride(from: 0, to: teachers.count, by: 500) {
            let ids = teachers[start..<min(start + 500, teachers.count)].map(\.id)
            for r in try await db.sql.select().columns("teacher_id", "to_school_id", "on_date").from("teacher_transfers").where("teacher_id", .in, SQLBind.group(ids))
                .orderBy("on_date").orderBy("id").all(decoding: TransferSpan.self, with: decoder) {
                spans[r.teacherId, default: []].append(r)
            }
        }
        let extra = Set(spans.values.flatMap { $0.map(\.toSchoolId) }).subtracting(schools.keys)
        let more = try await Self.schools(ids: Array(extra), on: db)
        func rural(_ id: Int) -> Bool { (schools[id] ?? more[id])?.isRural ?? false }
        var out: [Int: Double] = [:]
        for t in teachers {
            var days = 0
            let list = spans[t.id] ?? []
            for (k, s) in list.enumerated() {
                guard let from = CivilDate(parsing: s.onDate) else { continue }
                let until = k + 1 < list.count ? (CivilDate(parsing: list[k + 1].onDate) ?? day) : day
                // The last span is the current posting, counted below from school_since.
                if k + 1 == list.count { break }
                if rural(s.toSchoolId) { days += max(0, until.daysSinceEpoch - from.daysSinceEpoch) }
            }
            if rural(t.schoolId) { days += max(0, day.daysSinceEpoch - t.schoolSince.daysSinceEpoch) }
            out[t.id] = Double(days) / 365.25
        }
        return out
    }

    // MARK: the home page

    struct HomeMove: Decodable {
        let id: Int
        let toSchoolId: Int
        let form: String
        let startsOn: String
        let state: String
    }

    /// A teacher's moves of plans past the draft that have not ended, the latest start first.
    static func currentMoves(ofTeacher tid: Int, on db: any Database) async throws -> [HomeMove] {
        try await db.sql.raw(
            """
            SELECT m.id, m.to_school_id, m.form, m.starts_on, m.state FROM exchange_moves m JOIN exchange_plans p ON p.id = m.plan_id
            WHERE m.teacher_id = \(bind: tid) AND p.state <> 'draft' AND m.state <> 'returned' ORDER BY m.starts_on DESC
            """
        ).all(decoding: HomeMove.self, with: decoder)
    }

    /// The 支教 and 挂职 moves a school hosts without the year's assessment.
    static func unassessedMoves(hostSchool s: Int, year: Int, on db: any Database) async throws -> [Int] {
        struct M: Decodable { let id: Int }
        return try await db.sql.raw(
            """
            SELECT m.id FROM exchange_moves m WHERE m.to_school_id = \(bind: s) AND m.state = 'active' AND m.form IN ('support', 'secondment')
              AND NOT EXISTS (SELECT 1 FROM exchange_assessments a WHERE a.move_id = m.id AND a.year = \(bind: year))
            """
        ).all(decoding: M.self, with: decoder).map(\.id)
    }
}

/// The certificates lookup lives in the certification module; this is the one place the
/// exchange module reads it.
enum CertificateLookupBridge {
    static func held(_ residentIds: [String], on db: any Database) async throws -> [String: String] {
        try await CertificateLookup.held(residentIds: residentIds, on: db).mapValues(\.type)
    }
}
