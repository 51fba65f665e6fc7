import XuequCore

/// Who an actor is to certification, from their permission keys — small named policies instead
/// of role comparisons (the pure workflow then names its own actor kinds).
enum CertificationPolicy {
    /// May use certification at all: apply, review, decide or read the records.
    static func participates(_ a: Actor) -> Bool {
        a.can(.certApplySelf) || a.can(.certApplyBehalf) || a.can(.certReviewCounty) || a.can(.certDecidePrefecture) || a.can(.certRecords)
    }

    /// Applies for themself only (owner policy): their own applications, nobody else's.
    static func isApplicant(_ a: Actor) -> Bool { a.can(.certApplySelf) }

    /// The county body (its reviewers and the bureau): receives, reviews, decides types 1–3.
    static func isCountyBody(_ a: Actor) -> Bool { a.can(.certReviewCounty) }

    /// The prefecture body: decides types 4–6 once the county forwarded them.
    static func isPrefectureBody(_ a: Actor) -> Bool { a.can(.certDecidePrefecture) }

    /// How the actor acts on one application, or nil when it may not see it (→ 404).
    static func actorKind(_ actor: Actor, for a: CertApplicationRow) -> CertActor? {
        if isApplicant(actor) { return a.userId == actor.userId ? .applicant : nil }
        if isCountyBody(actor) { return actor.can(.certAdmin) ? .bureau : .countyReviewer }
        if isPrefectureBody(actor) { return a.certType.decidedByPrefecture ? .prefectureReviewer : nil }
        return nil
    }

    /// The deciding body policy: the county decides types 1–3, the prefecture types 4–6.
    static func decides(_ who: CertActor, _ type: CertType) -> Bool {
        type.decidedByPrefecture ? who == .prefectureReviewer : (who == .countyReviewer || who == .bureau)
    }
}
