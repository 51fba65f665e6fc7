import Fluent
import Foundation
import XuequCore
import XuequKit

extension Permission {
    public static let balanceRead: Permission = "balance:read"
    /// Balance rules, and recording a year's teacher figures.
    public static let balanceRulesWrite: Permission = "balance:rules:write"
    public static let equityWrite: Permission = "balance:equity:write"
    public static let aidRead: Permission = "balance:aid:read"
    public static let aidWrite: Permission = "balance:aid:write"
}

/// 义务教育均衡: difference coefficients, school checks, what-if, equity and student aid.
public struct BalanceModule: XuequModule {
    public init() {}
    public let name = "balance"

    public var migrations: [any Migration] { [CreateBalance(), WatchBalanceVersion()] }

    public func verifyAggregates(on db: any Database) async throws -> [AggregateCheck] {
        [try await DataVersions.check(["balance_rules"], area: "balance", on: db)]
    }

    public var auditArea: AuditArea? {
        AuditArea(key: "balance", label: LocalizedText(zh: "均衡监测", en: "Balance monitoring"), prefixes: ["balance", "aid"], phrases: [
            "balance.equity": ("填报了普及与资助指标", "entered equity figures"), "balance.record_teachers": ("留存了教师统计快照", "kept a snapshot of teacher counts"),
            "balance.rules": ("修改了均衡评估标准", "changed the balance standards"), "aid.create": ("登记了学生资助", "recorded student aid"),
        ])
    }
    public var grants: Grants {
        Grants([
            .bureauAdmin: [.balanceRead, .balanceRulesWrite, .equityWrite, .aidRead, .aidWrite],
            .districtAdmin: [.balanceRead, .aidRead, .aidWrite],
            .schoolAdmin: [.balanceRead, .aidRead, .aidWrite],
            // Above the county: each county's coefficients, read-only (issue 30).
            .cityAdmin: [.balanceRead, .balanceCounties],
            .provinceAdmin: [.balanceRead, .balanceCounties],
        ])
    }
    /// The coefficients, the sheet, conditions and what-if read the bureau's own county; student
    /// aid is listed by district. The rules and the equity figures are still the database's, not a
    /// county's: a county among several cannot change them.
    public var countyKeys: Set<Permission> { [.balanceRead, .aidRead, .aidWrite] }

    public var strings: [String: (String, String)] { BalanceStrings.table }

    /// A city's or province's home: how many of its counties pass each standard, and the counties
    /// that do not, each a link to its dashboard.
    public func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution {
        guard actor.can(.balanceCounties) else { return HomeContribution() }
        let service = BalanceService(context), l = context.locale
        var out = HomeContribution()
        var failing: [String: (name: String, what: [String])] = [:]
        var counties = 0
        for standard in BalanceStandard.allCases {
            var failed: Set<String> = []
            for part in BalancePart.allCases {
                let c = try await service.counties(under: nil, year: nil, standard: standard, part: part)
                counties = c.items.count
                for s in c.items where !s.result.pass {
                    failed.insert(s.county.code)
                    failing[s.county.code, default: (s.county.name, [])].what.append(part.label(l) + standard.label(l))
                }
            }
            // A county passes a standard when both its primary and junior schools do.
            out.stats.append(HomeStat(label: L10n.text("cty.home.pass", l, standard.label(l)), value: "\(counties - failed.count) / \(counties)",
                                      href: BalanceRoute.counties.path() + "?standard=\(standard.rawValue)&sort=worst"))
        }
        out.stats.insert(HomeStat(label: L10n.text("cty.home.counties", l), value: String(counties), href: BalanceRoute.counties.path()), at: 0)
        for (code, f) in failing.sorted(by: { $0.key < $1.key }).prefix(12) {
            out.tasks.append(HomeTask(title: L10n.text("cty.home.failing", l, f.name), detail: f.what.joined(separator: "、"),
                                      href: BalanceRoute.dashboard.path() + "?district=0&county=\(code)", urgent: false))
        }
        return out
    }
    public var routeNames: [any RouteName.Type] { [BalanceRoute.self, BalanceAPIRoute.self] }
    public var viewsDirectory: String? { Bundle.module.url(forResource: "Views", withExtension: nil)?.path }

    public var navigation: [NavEntry] {
        [NavEntry(key: "nav.balance", route: BalanceRoute.dashboard) { $0.can(.balanceRead) && !$0.can(.balanceCounties) },
         NavEntry(key: "nav.counties", route: BalanceRoute.counties) { $0.can(.balanceCounties) }]
    }

    public func routes(_ r: ModuleRoutes) {
        BalanceAPI().register(r.api)
        BalancePages().register(r.pages)
    }

    public func seedDemo(_ demo: DemoContext) async throws {
        guard demo.isCounty else { return }
        try await demo.gate.transaction(on: demo.db) { tx in try await BalanceDemo.seed(on: tx, today: demo.today, now: demo.now) }
    }
}
