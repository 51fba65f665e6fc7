import XuequKit

/// The certification pages: each case registers its route and builds its links.
public enum CertificationRoute: String, RouteName {
    public static let module = "cert"
    // Public, no sign-in.
    case publicNotice = "notices/:id"
    case publicObjection = "notices/:id/objections"
    case verify = "verify"
    case register = "register"
    // Signed in.
    case home = "certification"
    case apply = "certification/apply"
    case application = "certification/applications/:id"
    case applicationEvent = "certification/applications/:id/events"
    case certificate = "certification/applications/:id/certificate"
    case form = "certification/applications/:id/form"
    case applicationEdit = "certification/applications/:id/edit"
    case documents = "certification/applications/:id/documents"
    case document = "certification/applications/:id/documents/:kind"
    case scores = "certification/applications/:id/scores"
    case physicalExam = "certification/applications/:id/physical-exam"
    case windows = "certification/windows"
    case bodies = "certification/bodies"
    case rules = "certification/rules"
    case notices = "certification/notices"
    case objection = "certification/objections/:id"
    case statistics = "certification/statistics"
    case export = "certification/export"
}

/// The certification JSON API under `/api/v1`.
public enum CertificationAPIRoute: String, RouteName {
    public static let module = "certAPI"
    public static let prefix = "api/v1"
    case notice = "certification/notices/:id"
    case noticeObjections = "certification/notices/:id/objections"
    case verify = "certificates/verify"
    case windows = "certification/windows"
    case bodies = "certification/bodies"
    case applications = "certification/applications"
    case application = "certification/applications/:id"
    case events = "certification/applications/:id/events"
    case documents = "certification/applications/:id/documents"
    case document = "certification/applications/:id/documents/:kind"
    case abilityScores = "certification/applications/:id/ability-scores"
    case physicalExam = "certification/applications/:id/physical-exam"
    case notices = "certification/notices"
    case objection = "certification/objections/:id"
    case statistics = "certification/statistics"
    case certificates = "certificates"
}
