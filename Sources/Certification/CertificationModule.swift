import Fluent
import Foundation
import Vapor
import XuequCore
import XuequKit

extension Permission {
    /// Apply for a qualification for oneself (申请人).
    public static let certApplySelf: Permission = "certification:applications:apply"
    /// Enter an application on someone's behalf (the county body's counter).
    public static let certApplyBehalf: Permission = "certification:applications:enter"
    /// The county body's review: accept, ask for corrections, score, decide types 1–3, forward 4–6.
    public static let certReviewCounty: Permission = "certification:review:county"
    /// The prefecture body's decision on types 4–6 forwarded by the county.
    public static let certDecidePrefecture: Permission = "certification:review:prefecture"
    /// Queues, notices, certificates, statistics and exports of the actor's own body.
    public static let certRecords: Permission = "certification:records:read"
    /// Certifying bodies, windows and the dated eligibility rules.
    public static let certAdmin: Permission = "certification:admin"
}

/// 教师资格认定: applications, eligibility rules, the workflow, notices, certificates.
public struct CertificationModule: XuequModule {
    public init() {}
    public let name = "certification"

    public var migrations: [any Migration] { [CreateCertification(), CreateCertificationDocuments()] }

    public var grants: Grants {
        Grants([
            .bureauAdmin: [.certApplyBehalf, .certReviewCounty, .certRecords, .certAdmin],
            .reviewer: [.certApplyBehalf, .certReviewCounty, .certRecords],
            .prefectureReviewer: [.certDecidePrefecture, .certRecords],
            .applicant: [.certApplySelf],
        ])
    }

    public var strings: [String: (String, String)] { CertificationStrings.table }
    public var routeNames: [any RouteName.Type] { [CertificationRoute.self, CertificationAPIRoute.self] }
    public var viewsDirectory: String? { Bundle.module.url(forResource: "Views", withExtension: nil)?.path }

    public var navigation: [NavEntry] {
        [NavEntry(key: "nav.certification", route: CertificationRoute.home) { $0.can(.certRecords) || $0.can(.certApplySelf) }]
    }

    public func routes(_ r: ModuleRoutes) {
        CertificationAPI().register(open: r.openAPI, authed: r.api)
        CertificationPages().registerPublic(r.publicPages)
        CertificationPages().register(r.pages)
    }

    public func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution {
        let tasks = try await CertificationService(context).deadlines().map {
            HomeTask(title: $0.title, detail: $0.detail, href: $0.href, urgent: $0.urgent)
        }
        return HomeContribution(tasks: tasks)
    }

    public func seedDemo(_ demo: DemoContext) async throws {
        try await demo.addAccounts([
            .init(username: "reviewer", displayName: "县认定机构审核员", role: .reviewer),
            // The ability test's panel: `reviewer` and two more experts of the county body.
            .init(username: "expert1", displayName: "能力测试评委甲", role: .reviewer),
            .init(username: "expert2", displayName: "能力测试评委乙", role: .reviewer),
            .init(username: "prefecture", displayName: "市认定机构审核员", role: .prefectureReviewer),
            .init(username: "applicant1", displayName: "申请人一", role: .applicant),
        ])
        guard demo.isCounty else { return }
        let applicant = demo.user("applicant1")
        try await demo.gate.transaction(on: demo.db) { tx in
            try await CertificationDemo.seed(on: tx, today: demo.today, now: demo.now, applicantUserId: applicant, documents: demo.app.documents)
        }
    }
}
