import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// 盟校: alliances, their members, the terms' 四统一 checklists and the yearly scores (issue 33:
/// the service keeps the checks, the validation, the transactions and the audit; the statements
/// are here).
extension ExchangeStore {
    static func allianceRows(on db: any Database) async throws -> [AllianceRow] {
        try await db.sql.raw("SELECT id, name, kind, lead_school_id FROM exchange_alliances ORDER BY id").all(decoding: AllianceRow.self, with: decoder)
    }

    static func alliance(id: Int, on db: any Database) async throws -> AllianceRow? {
        try await db.sql.raw("SELECT id, name, kind, lead_school_id FROM exchange_alliances WHERE id = \(bind: id)").first(
            decoding: AllianceRow.self, with: decoder)
    }

    struct AllianceMember: Decodable {
        let allianceId: Int
        let schoolId: Int
    }

    /// Every alliance's member schools.
    static func allianceMembers(on db: any Database) async throws -> [AllianceMember] {
        try await db.sql.raw("SELECT alliance_id, school_id FROM exchange_alliance_members").all(decoding: AllianceMember.self, with: decoder)
    }

    /// An alliance's member schools.
    static func memberSchools(allianceId id: Int, on db: any Database) async throws -> [Int] {
        struct M: Decodable { let schoolId: Int }
        return try await db.sql.raw("SELECT school_id FROM exchange_alliance_members WHERE alliance_id = \(bind: id)").all(decoding: M.self, with: decoder).map(
            \.schoolId)
    }

    /// A new alliance with its members; its id.
    static func insertAlliance(name: String, kind: String, leadSchoolId: Int, by: String, members: [Int], on tx: any Database, now: Double) async throws -> Int
    {
        struct Id: Decodable { let id: Int }
        let row = try await tx.sql.raw(
            """
            INSERT INTO exchange_alliances (name, kind, lead_school_id, created_by, created_at) VALUES (\(bind: name), \(bind: kind), \(bind: leadSchoolId), \(bind: by), \(bind: now)) RETURNING id
            """
        ).first(decoding: Id.self)!
        for id in members {
            try await tx.sql.raw("INSERT INTO exchange_alliance_members (alliance_id, school_id) VALUES (\(bind: row.id), \(bind: id))").run()
        }
        return row.id
    }

    /// The schools' enrolment (the weights of the bundled score).
    static func students(schoolIds ids: [Int], on db: any Database) async throws -> [Int: Int] {
        struct S: Decodable {
            let id: Int
            let students: Int
        }
        return Dictionary(
            uniqueKeysWithValues: try await db.sql.select().columns("id", "students").from("schools").where("id", .in, SQLBind.group(ids.isEmpty ? [-1] : ids))
                .all(decoding: S.self).map { ($0.id, $0.students) })
    }

    struct AllianceTermRow: Decodable {
        let term: String
        let teachingPlan: Bool
        let research: Bool
        let rules: Bool
        let assessment: Bool
        let updatedBy: String
    }

    /// An alliance's terms, the latest first.
    static func termRows(allianceId id: Int, on db: any Database) async throws -> [AllianceTermRow] {
        try await db.sql.raw(
            "SELECT term, teaching_plan, research, rules, assessment, updated_by FROM exchange_alliance_terms WHERE alliance_id = \(bind: id) ORDER BY term DESC"
        )
        .all(decoding: AllianceTermRow.self, with: decoder)
    }

    struct AllianceScoreRow: Decodable {
        let schoolId: Int
        let year: Int
        let score: Double
    }

    /// An alliance's members' scores, by year.
    static func scoreRows(allianceId id: Int, on db: any Database) async throws -> [AllianceScoreRow] {
        try await db.sql.raw("SELECT school_id, year, score FROM exchange_alliance_scores WHERE alliance_id = \(bind: id) ORDER BY year")
            .all(decoding: AllianceScoreRow.self, with: decoder)
    }

    /// A term's checklist, replacing an earlier one.
    static func replaceTerm(allianceId id: Int, term: String, done: Set<Unification>, by: String, on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM exchange_alliance_terms WHERE alliance_id = \(bind: id) AND term = \(bind: term)").run()
        try await tx.sql.raw(
            """
            INSERT INTO exchange_alliance_terms (alliance_id, term, teaching_plan, research, rules, assessment, updated_by)
            VALUES (\(bind: id), \(bind: term), \(bind: done.contains(.teachingPlan)), \(bind: done.contains(.research)), \(bind: done.contains(.rules)), \(bind: done.contains(.assessment)), \(bind: by))
            """
        ).run()
    }

    /// A year's scores of the member schools, replacing the year's earlier ones.
    static func replaceScores(allianceId id: Int, year y: Int, scores values: [Int: Double], on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM exchange_alliance_scores WHERE alliance_id = \(bind: id) AND year = \(bind: y)").run()
        for (sid, v) in values {
            try await tx.sql.raw(
                "INSERT INTO exchange_alliance_scores (alliance_id, school_id, year, score) VALUES (\(bind: id), \(bind: sid), \(bind: y), \(bind: v))"
            ).run()
        }
    }
}
