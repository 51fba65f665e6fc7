import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// An application's documents and the panel's ability-test scores (issue 33: the service keeps
/// the checks, the transactions and the audit; the statements are here).
extension CertificationService {
    static func documents(_ applicationId: Int, on db: any Database) async throws -> [CertDocumentRow] {
        try await db.sql.raw(
            "SELECT kind, sha256, media_type, size, filename, uploaded_by, uploaded_at FROM cert_documents WHERE application_id = \(bind: applicationId) ORDER BY id"
        )
        .all(decoding: CertDocumentRow.self, with: decoder)
    }

    /// Moves on the version of an application still a draft or deficient (its checklist
    /// changes); false when it is neither any more.
    static func touchForUpload(id: Int, on tx: any Database, now: Double) async throws -> Bool {
        struct N: Decodable { let id: Int }
        let bumped = try await tx.sql.raw(
            """
            UPDATE cert_applications SET version = version + 1, updated_at = \(bind: now) WHERE id = \(bind: id) AND state IN ('draft', 'deficient') RETURNING id
            """
        ).all(decoding: N.self)
        return !bumped.isEmpty
    }

    /// Replaces an application's document of a kind.
    static func replaceDocument(
        applicationId id: Int, kind: String, sha256: String, mediaType: String, size: Int, filename: String, by: String, on tx: any Database, now: Double
    ) async throws {
        try await tx.sql.raw("DELETE FROM cert_documents WHERE application_id = \(bind: id) AND kind = \(bind: kind)").run()
        try await tx.sql.insert(into: "cert_documents").columns(
            "application_id", "kind", "sha256", "media_type", "size", "filename", "uploaded_by", "uploaded_at"
        )
        .values(SQLBind(id), SQLBind(kind), SQLBind(sha256), SQLBind(mediaType), SQLBind(size), SQLBind(filename), SQLBind(by), SQLBind(now)).run()
    }

    // MARK: the ability test's panel

    /// The panel's scores (callers have checked who may see the application).
    static func abilityScores(_ id: Int, on db: any Database) async throws -> [AbilityScoreRow] {
        try await db.sql.raw("SELECT expert_id, expert, score, at FROM cert_ability_scores WHERE application_id = \(bind: id) ORDER BY id")
            .all(decoding: AbilityScoreRow.self, with: Self.decoder)
    }

    /// An application's state, read inside a write.
    static func state(ofApplication id: Int, on tx: any Database) async throws -> String? {
        struct S: Decodable { let state: String }
        return try await tx.sql.raw("SELECT state FROM cert_applications WHERE id = \(bind: id)").first(decoding: S.self)?.state
    }

    /// An expert's score of an application, replacing their earlier one.
    static func replaceAbilityScore(applicationId id: Int, expertId: Int, expert: String, score: Double, on tx: any Database, now: Double) async throws {
        try await tx.sql.raw("DELETE FROM cert_ability_scores WHERE application_id = \(bind: id) AND expert_id = \(bind: expertId)").run()
        try await tx.sql.insert(into: "cert_ability_scores").columns("application_id", "expert_id", "expert", "score", "at")
            .values(SQLBind(id), SQLBind(expertId), SQLBind(expert), SQLBind(score), SQLBind(now)).run()
    }
}
