import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// 优质均衡督导评估: the 2017 method's 32 indicators from live data and the bureau's evidence,
/// the satisfaction survey, the self-evaluation report.
public struct InspectionModule: XuequModule {
    public init() {}
    public let name = "inspection"

    public var migrations: [any Migration] { [CreateInspection(), InspectionByCounty(), AddInspectionRulesArea()] }

    /// A county's bureau among several runs its own county's inspection: its schools, its entries,
    /// its survey rounds (`InspectionService.area`); the thresholds and the questionnaire stay the
    /// database's.
    public var countyKeys: Set<Permission> { [.inspectionRead, .inspectionWrite, .inspectionSchool] }

    public func countyRecoded(from old: String, to new: String, on tx: any Database) async throws {
        try await InspectionService.recodeCounty(from: old, to: new, on: tx)
    }

    public var auditArea: AuditArea? {
        AuditArea(
            key: "inspection", label: LocalizedText(zh: "督导评估", en: "Inspection"), prefixes: ["inspection"],
            phrases: [
                "inspection.entry": ("填报了督导评估指标", "entered an inspection indicator"), "inspection.rules": ("新增了评估标准版本", "added inspection thresholds"),
                "inspection.survey.questions": ("修改了满意度问卷", "edited the survey questions"), "inspection.survey.open": ("发起了满意度调查", "opened a survey round"),
                "inspection.survey.close": ("结束了满意度调查", "closed a survey round"),
            ])
    }

    public var grants: Grants {
        Grants([
            .bureauAdmin: [.inspectionRead, .inspectionWrite, .inspectionSchool],
            .districtAdmin: [.inspectionSchool],
            .schoolAdmin: [.inspectionSchool],
            // A city's or province's own thresholds, which the counties below inherit.
            .cityAdmin: [.inspectionRulesArea],
            .provinceAdmin: [.inspectionRulesArea],
        ])
    }

    public var strings: [String: (String, String)] {
        [
            "nav.inspection": ("督导评估", "Inspection"), "nav.inspectionRules": ("督导评估标准", "Inspection thresholds"),
            "ins.title": ("优质均衡督导评估", "Quality-balance inspection"), "ins.survey": ("满意度调查", "Satisfaction survey"),
        ]
    }
    public var vocabularies: [String: Vocab.Labeler] { ["aspect": Vocab.of(Aspect.self), "surveyGroup": Vocab.of(SurveyGroup.self)] }
    public var routeNames: [any RouteName.Type] { [InspectionRoute.self, InspectionAPIRoute.self, SurveyRoute.self] }

    public var navigation: [NavEntry] {
        [
            NavEntry(key: "nav.inspection", route: InspectionRoute.home) { $0.can(.inspectionRead) },
            NavEntry(key: "nav.inspection", route: InspectionRoute.schools) { $0.can(.inspectionSchool) && !$0.can(.inspectionRead) },
            NavEntry(key: "nav.inspectionRules", route: InspectionRoute.rules) { $0.can(.inspectionRulesArea) && !$0.can(.inspectionRead) },
        ]
    }

    public func routes(_ r: ModuleRoutes) {
        InspectionAPI().register(r.api)
        InspectionPages().register(r.pages)
        SurveyPages().registerPublic(r.root)
    }

    /// What the bureau has still to enter for the latest year with conditions: two counts, never
    /// the readiness itself (at a province's scale that reads every teacher; the home page must
    /// not wait for it after each write).
    public func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution {
        guard actor.can(.inspectionRead), actor.isCountyBureau else { return HomeContribution() }
        let service = InspectionService(context)
        let year = try await service.year(nil)
        let entered = try await service.entries(year: year)
        let toEnter = Catalogue.indicators.filter { $0.source == .entered }.map(\.code) + Catalogue.vetoes.filter { !$0.computed }.map(\.code)
        let missing = toEnter.filter { entered[$0] == nil }
        let en = context.locale == .en
        var out = HomeContribution(stats: [
            HomeStat(
                label: en ? "Inspection entries for \(year)" : "\(year)年督导评估填报", value: "\(toEnter.count - missing.count) / \(toEnter.count)",
                href: InspectionRoute.home.path())
        ])
        if !missing.isEmpty {
            let names = missing.prefix(3).compactMap { Catalogue.byCode[$0]?.name(context.locale) ?? Catalogue.vetoByCode[$0]?.name(context.locale) }
            out.tasks.append(
                HomeTask(
                    title: en ? "\(missing.count) inspection items to enter for \(year)" : "\(year)年还有 \(missing.count) 项督导评估指标待填报",
                    detail: names.joined(separator: en ? "; " : "、"), href: InspectionRoute.home.path()))
        }
        return out
    }

    public func seedDemo(_ demo: DemoContext) async throws {
        guard demo.isCounty else { return }
        try await InspectionDemo.seed(demo)
    }

    public func verifyAggregates(on db: any Database) async throws -> [AggregateCheck] {
        [
            try await DataVersions.check(CreateInspection.watched, area: "inspection", on: db),
            try await DataVersions.check(InspectionByCounty.watched, area: "inspcounty", on: db),
        ]
    }
}
