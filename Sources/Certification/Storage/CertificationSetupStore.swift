import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// The bureau's set-up: certifying bodies, application windows and the dated eligibility rules
/// (issue 33: the service keeps the checks, the transactions and the audit; the statements are
/// here).
extension CertificationService {
    public static func bodies(on db: any Database) async throws -> [CertBody] {
        try await db.sql.raw("SELECT id, code, name, level, area_code FROM cert_bodies ORDER BY level, code").all(decoding: CertBody.self, with: decoder)
    }

    /// Whether a body has this code.
    static func bodyExists(code: String, on tx: any Database) async throws -> Bool {
        struct N: Decodable { let n: Int }
        return (try await tx.sql.raw("SELECT COUNT(*) AS n FROM cert_bodies WHERE code = \(bind: code)").first(decoding: N.self)?.n ?? 0) > 0
    }

    /// A county given its real code keeps its body (`xuequ areas recode`).
    static func recodeBodies(from old: String, to new: String, on tx: any Database) async throws {
        try await tx.sql.raw("UPDATE cert_bodies SET area_code = \(bind: new) WHERE area_code = \(bind: old)").run()
    }

    /// Whether a county already has its body.
    static func countyBodyExists(area: String, on tx: any Database) async throws -> Bool {
        struct N: Decodable { let n: Int }
        return
            (try await tx.sql.raw("SELECT COUNT(*) AS n FROM cert_bodies WHERE level = 'county' AND area_code = \(bind: area)").first(decoding: N.self)?.n ?? 0)
            > 0
    }

    /// On PostgreSQL, parallel set-ups of a body queue here, so each one's checks see the others'.
    static func lockBodies(on tx: any Database) async throws {
        guard tx.sql.dialect.name == "postgresql" else { return }
        try await tx.sql.raw("SELECT pg_advisory_xact_lock(7402121)").run()
    }

    static func insertBody(code: String, name: String, level: String, areaCode: String?, on tx: any Database) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.insert(into: "cert_bodies").columns("code", "name", "level", "area_code")
            .values(SQLBind(code), SQLBind(name), SQLBind(level), SQLBind(areaCode))
            .returning("id").first(decoding: Id.self)!.id
    }

    /// A window of a body; `types` are the types' raw values, comma-separated.
    static func insertWindow(bodyId: Int, name: String, opensOn: String, closesOn: String, types: String, on tx: any Database) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.insert(into: "cert_windows").columns("body_id", "name", "opens_on", "closes_on", "types")
            .values(SQLBind(bodyId), SQLBind(name), SQLBind(opensOn), SQLBind(closesOn), SQLBind(types))
            .returning("id").first(decoding: Id.self)!.id
    }

    // MARK: eligibility rules

    /// The rules in force on a date (the national ones when none is recorded).
    static func rules(on db: any Database, at date: CivilDate) async throws -> EligibilityRules {
        try await DatedRules.inForce(EligibilityRules.self, in: "cert_rules", on: date, db: db) ?? .national
    }

    /// Every version of the rules.
    static func ruleVersions(on db: any Database) async throws -> [DatedRules.Version<EligibilityRules>] {
        try await DatedRules.versions(EligibilityRules.self, in: "cert_rules", db: db)
    }

    /// A new version of the rules from a date.
    static func insertRules(_ rules: EligibilityRules, note: String, by: String, on tx: any Database, now: Double) async throws {
        try await DatedRules.insert(rules, effectiveFrom: rules.effectiveFrom, note: note, by: by, into: "cert_rules", on: tx, now: now)
    }
}
