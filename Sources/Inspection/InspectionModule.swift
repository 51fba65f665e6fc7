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

    public var migrations: [any Migration] { [CreateInspection()] }

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
        ])
    }

    public var strings: [String: (String, String)] {
        ["nav.inspection": ("督导评估", "Inspection"), "ins.title": ("优质均衡督导评估", "Quality-balance inspection"), "ins.survey": ("满意度调查", "Satisfaction survey")]
    }
    public var vocabularies: [String: Vocab.Labeler] { ["aspect": Vocab.of(Aspect.self), "surveyGroup": Vocab.of(SurveyGroup.self)] }
    public var routeNames: [any RouteName.Type] { [InspectionRoute.self, InspectionAPIRoute.self, SurveyRoute.self] }

    public var navigation: [NavEntry] {
        [NavEntry(key: "nav.inspection", route: InspectionRoute.home) { $0.can(.inspectionRead) }]
    }

    public func routes(_ r: ModuleRoutes) {
        InspectionAPI().register(r.api)
        InspectionPages().register(r.pages)
        SurveyPages().registerPublic(r.root)
    }

    public func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution {
        guard actor.can(.inspectionRead), actor.registryScope == .county else { return HomeContribution() }
        let r = try await InspectionService(context).readiness(year: nil)
        let label = context.locale == .en ? "Quality-balance indicators met (\(r.year))" : "优质均衡指标达标（\(r.year)年）"
        var out = HomeContribution(stats: [HomeStat(label: label, value: "\(r.met) / \(r.total)", href: InspectionRoute.home.path())])
        if !r.missing.isEmpty {
            out.tasks.append(
                HomeTask(
                    title: context.locale == .en ? "\(r.missing.count) inspection indicators lack data" : "\(r.missing.count) 项督导指标缺数据",
                    detail: r.missing.prefix(4).map { $0.def.name(context.locale) }.joined(separator: "、"), href: InspectionRoute.home.path()))
        }
        return out
    }

    public func seedDemo(_ demo: DemoContext) async throws {
        guard demo.isCounty else { return }
        try await InspectionDemo.seed(demo)
    }

    public func verifyAggregates(on db: any Database) async throws -> [AggregateCheck] {
        [try await DataVersions.check(CreateInspection.watched, area: "inspection", on: db)]
    }
}
