import Fluent
import Foundation
import SQLKit
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

    public var migrations: [any Migration] { [CreateCertification(), CreateCertificationDocuments(), CreateCertificationFigures(), WatchCertificationSetup(), WatchCertificationSetup.certificates, AddCertBodyArea()] }

    public var auditArea: AuditArea? {
        AuditArea(key: "certification", label: LocalizedText(zh: "教师资格认定", en: "Teacher certification"), prefixes: ["cert"], phrases: [
            "cert.create": ("填写了认定申请", "started an application"), "cert.upload": ("上传了申请材料", "uploaded a document"), "cert.correct": ("补正了申请", "corrected an application"), "cert.physical_exam": ("录入了体检结论", "entered a physical examination result"),
            "cert.submit": ("提交了认定申请", "submitted an application"), "cert.request_correction": ("通知申请人补正材料", "asked for corrections"), "cert.accept": ("受理了认定申请", "accepted an application"),
            "cert.score": ("登记了教育教学能力测试评分", "entered an ability-test score"), "cert.score_ability_test": ("完成了教育教学能力测试计分", "closed the ability test's scoring"),
            "cert.approve": ("审核通过了认定申请", "approved an application"), "cert.reject": ("作出不予认定决定", "refused an application"),
            "cert.forward": ("将申请报送市(州)认定机构", "forwarded an application to the prefecture"), "cert.issue_certificate": ("颁发了教师资格证书", "issued a certificate"),
            "cert.withdraw": ("撤回了认定申请", "withdrew an application"), "cert.revoke": ("撤销了教师资格", "revoked a certificate"),
            "cert.notice": ("发布了认定公示", "published a public notice"), "cert.objection": ("登记了公示异议", "recorded an objection"),
            "cert.objection.resolve": ("处理了公示异议", "resolved an objection"), "cert.window": ("设置了认定受理期", "set an application window"),
            "cert.body": ("设置了认定机构", "set a certifying body"), "cert.rules": ("修改了认定规则", "changed the certification rules"),
        ])
    }
    /// A county's bureau among several certifies as its own county's body (issue 30): the keys
    /// below work inside its county; the eligibility rules stay the database's (403 for it).
    public var countyKeys: Set<Permission> { [.certApplyBehalf, .certReviewCounty, .certRecords, .certAdmin] }
    public func countyRecoded(from old: String, to new: String, on tx: any Database) async throws {
        try await CertificationService.recodeBodies(from: old, to: new, on: tx)
    }

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

    /// Each body's serial counter against the certificates it numbered; the statistics' triggers.
    public func verifyAggregates(on db: any Database) async throws -> [AggregateCheck] {
        let rows = try await CertificationService.serialCounts(on: db)
        let bad = rows.filter { $0.last == nil || $0.highest > $0.last! || $0.n > $0.highest }
        return [AggregateCheck(name: "certificate serials (证书编号)", checked: rows.count,
                               mismatches: bad.map { "body \($0.bodyId) \($0.year): \($0.n) certificates, highest serial \($0.highest), counter \($0.last.map(String.init) ?? "missing")" }),
                try await CertificationService.verifyFigures(on: db),
                try await WatchCertificationSetup.certificates.check(on: db)]
    }

    public func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution {
        var tasks = try await CertificationService(context).deadlines().map {
            HomeTask(title: $0.title, detail: $0.detail, href: $0.href, urgent: $0.urgent)
        }
        // Open objections to a public notice, for the body that decides them.
        if actor.can(.certRecords) {
            let open = try await CertificationService(context).objections(window: nil).filter { $0.status == "open" }
            if !open.isEmpty {
                tasks.insert(HomeTask(title: L10n.text("cert.home.objections", context.locale, args: [String(open.count)]), detail: L10n.text("cert.home.objections.detail", context.locale),
                                      href: CertificationRoute.home.path() + "#objections", urgent: true), at: 0)
            }
        }
        return HomeContribution(tasks: tasks)
    }

    public func seedDemo(_ demo: DemoContext) async throws {
        // Among several counties the demo's reviewers are 武安's body's and 邯郸's (issue 30).
        let county = demo.isCounty ? nil : "130481", city = demo.isCounty ? nil : "130400"
        try await demo.addAccounts([
            .init(username: "reviewer", displayName: "县认定机构审核员", role: .reviewer, areaCode: county),
            // The ability test's panel: `reviewer` and two more experts of the county body.
            .init(username: "expert1", displayName: "能力测试评委甲", role: .reviewer, areaCode: county),
            .init(username: "expert2", displayName: "能力测试评委乙", role: .reviewer, areaCode: county),
            .init(username: "prefecture", displayName: "市认定机构审核员", role: .prefectureReviewer, areaCode: city),
            .init(username: "applicant1", displayName: "申请人一", role: .applicant),
        ])
        guard demo.isCounty else {
            try await demo.gate.transaction(on: demo.db) { tx in try await CertificationDemo.countyBodies(on: tx, today: demo.today) }
            return
        }
        let applicant = demo.user("applicant1")
        try await demo.gate.transaction(on: demo.db) { tx in
            try await CertificationDemo.seed(on: tx, today: demo.today, now: demo.now, applicantUserId: applicant, documents: demo.app.documents)
        }
    }
}
