import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import XuequKit

public struct CertDocumentRow: Decodable, Sendable {
    public let kind: String
    public let sha256: String
    public let mediaType: String
    public let size: Int
    public let filename: String
    public let uploadedBy: String
    public let uploadedAt: Double
}

public struct AbilityScoreRow: Decodable, Sendable {
    public let expertId: Int
    public let expert: String
    public let score: Double
    public let at: Double
}

/// Documents (材料) and the panel's ability-test scores (能力测试评分).
extension CertificationService {
    /// The application (for those who may see it) and its documents.
    public func documents(id: Int) async throws -> (CertApplicationRow, [CertDocumentRow]) {
        _ = try requireParticipant()
        guard let a = try await Self.application(id, on: db) else { throw DomainError.notFound(Self.applicationWord) }
        _ = try await actorRole(for: a)
        return (a, try await Self.documents(id, on: db))
    }

    /// Uploads (or replaces) one document while the application is a draft or being corrected:
    /// the type is read from the bytes, the file stored by its hash, and the application's
    /// version moves on (its checklist changed) with a history line.
    public func upload(id: Int, kind rawKind: String?, filename: String?, data: Data) async throws -> CertDocumentRow {
        _ = try requireParticipant()
        guard let a = try await Self.application(id, on: db) else { throw DomainError.notFound(Self.applicationWord) }
        let who = try await actorRole(for: a)
        guard who == .applicant || who == .countyReviewer || who == .bureau else { throw DomainError.forbidden }
        guard let kind = rawKind.flatMap(CertDocumentKind.parse) else {
            throw DomainError.validation(["kind": LocalizedText(zh: "材料种类应为：\(CertDocumentKind.allCases.map(\.rawValue).joined(separator: "、"))",
                                                                en: "kind must be one of \(CertDocumentKind.allCases.map(\.rawValue).joined(separator: ", "))")])
        }
        guard a.certState == .draft || a.certState == .deficient else {
            throw DomainError(.invalid, code: "not_correctable", LocalizedText(zh: "只有草稿或待补正的申请可以上传材料", en: "documents can be uploaded to a draft or a deficient application only"))
        }
        let media = try DocumentStore.check(data, field: "file", allowed: kind.acceptsPDF ? DocumentStore.MediaKind.scans : [.jpeg, .png])
        let hash = try ctx.documents.put(data)
        // The name as the uploader gave it, without control characters or a path, at most 120 characters.
        let given = String(String.UnicodeScalarView((filename ?? "").unicodeScalars.filter { $0.properties.generalCategory != .control }))
        let base = String((given.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? "").trimmed.prefix(120))
        let name = base.isEmpty ? "\(kind.rawValue).\(media.fileExtension)" : base
        let now = self.now, audit = ctx.audit, actorName = Masking.username(try ctx.requireActor().username)
        let note = "上传\(kind.zh)（\(media.rawValue.uppercased())，\(max(1, data.count / 1024)) KB）"
        try await ctx.write { tx in
            guard try await Self.touchForUpload(id: id, on: tx, now: now) else { throw Self.stale }
            try await Self.replaceDocument(applicationId: id, kind: kind.rawValue, sha256: hash, mediaType: media.contentType, size: data.count, filename: name,
                                           by: actorName, on: tx, now: now)
            try await Self.history([id], from: a.certState, to: a.certState, event: "upload", actor: actorName, at: now, reason: note, on: tx)
            try await Audit.record(on: tx, audit, action: "cert.upload", entity: "cert_application", entityId: String(id), summary: "\(kind.zh)，校验码 \(hash.prefix(12))")
        }
        return try await Self.documents(id, on: db).first { $0.kind == kind.rawValue }!
    }

    /// One document's bytes for those who may see the application.
    public func document(id: Int, kind: String) async throws -> (CertDocumentRow, Data) {
        let (_, docs) = try await documents(id: id)
        guard let d = docs.first(where: { $0.kind == kind }), let data = ctx.documents.get(d.sha256) else {
            throw DomainError.notFound(LocalizedText(zh: "材料", en: "document"))
        }
        return (d, data)
    }

    // MARK: the ability test's panel

    /// An expert of the county's panel enters (or changes) their own score while the test is
    /// open; the test is closed by `score_ability_test` with the panel's mean.
    public func scoreAsExpert(id: Int, score: Double?) async throws -> [AbilityScoreRow] {
        // Only the county body's panel scores: everyone else is refused before any lookup.
        guard CertificationPolicy.isCountyBody(try ctx.requireActor()) else { throw DomainError.forbidden }
        guard let a = try await Self.application(id, on: db) else { throw DomainError.notFound(Self.applicationWord) }
        let who = try await actorRole(for: a)
        guard who == .countyReviewer || who == .bureau else { throw DomainError.forbidden }
        guard let score, score >= 0, score <= 100 else { throw DomainError.validation(["score": LocalizedText(zh: "评分应为0到100之间的数", en: "the score is a number from 0 to 100")]) }
        guard a.certState == .abilityTest else {
            throw DomainError(.invalid, code: "event_not_allowed", LocalizedText(zh: "该申请不在能力测试阶段", en: "the application is not at the ability test"))
        }
        let actor = try ctx.requireActor()
        let now = self.now, audit = ctx.audit, name = actor.displayName.isEmpty ? Masking.username(actor.username) : actor.displayName
        try await ctx.write { tx in
            // Read the state inside the write: a test closed meanwhile takes no more scores.
            guard try await Self.state(ofApplication: id, on: tx) == CertState.abilityTest.rawValue else { throw Self.stale }
            try await Self.replaceAbilityScore(applicationId: id, expertId: actor.userId, expert: name, score: score, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "cert.score", entity: "cert_application", entityId: String(id), summary: String(format: "评分 %.1f", score))
        }
        return try await Self.abilityScores(id, on: db)
    }
}
