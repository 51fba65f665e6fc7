import Fluent
import Foundation
import Vapor
import Balance
import Certification
import Internship
import XuequCore
import XuequKit

/// 年度工作总结: the year in figures and in words, written from the other modules' data.
public struct ReportsModule: XuequModule {
    public init() {}
    public let name = "reports"
    public var migrations: [any Migration] { [CreateReports()] }

    public var auditArea: AuditArea? {
        AuditArea(
            key: "reports", label: LocalizedText(zh: "年度总结", en: "Year summaries"), prefixes: ["reports"],
            phrases: [
                "reports.section": ("修改了年度总结", "edited a year summary"), "reports.finalise": ("年度总结定稿", "finalised a year summary"),
            ])
    }
    public var grants: Grants {
        Grants([.bureauAdmin: [.reportsRead, .reportsWrite], .districtAdmin: [.reportsRead, .reportsWrite]])
    }
    /// A county's bureau among several writes its own county's year summary (its districts, its
    /// figures; no certification section until certification knows counties).
    public var countyKeys: Set<Permission> { [.reportsRead, .reportsWrite] }

    public var strings: [String: (String, String)] {
        [
            "nav.reports": ("年度总结", "Year summary"), "rp.title": ("年度工作总结", "Year summary"), "nav.office": ("工作总结", "Work summaries"),
            "nav.countyWork": ("各县工作", "Counties' work"),
        ]
    }
    public var routeNames: [any RouteName.Type] {
        [ReportsRoute.self, ReportsAPIRoute.self, OfficeRoute.self, OfficeAPIRoute.self, CountyWorkRoute.self, CountyWorkAPIRoute.self]
    }
    /// The year's summary for the bureau and the districts (its page links to the others); the
    /// list of summaries for a certifying body's reviewers and a batch's supervisors.
    public var navigation: [NavEntry] {
        [
            NavEntry(key: "nav.reports", route: ReportsRoute.summary) { $0.can(.reportsRead) },
            NavEntry(key: "nav.office", route: OfficeRoute.index) { a in
                !a.can(.reportsRead) && ((a.can(.certRecords) && (a.can(.certReviewCounty) || a.can(.certDecidePrefecture))) || a.can(.internshipSupervise))
            },
            NavEntry(key: "nav.countyWork", route: CountyWorkRoute.page) { $0.can(.balanceCounties) },
        ]
    }

    public func routes(_ r: ModuleRoutes) {
        ReportsAPI().register(r.api)
        ReportsPages().register(r.pages)
        OfficeAPI().register(r.api)
        OfficePages().register(r.pages)
        CountyWorkWeb().register(pages: r.pages, api: r.api)
    }

    public func verifyAggregates(on db: any Database) async throws -> [AggregateCheck] {
        [try await DataVersions.check(CreateReports.watched, area: "reports", on: db)]
    }
}
