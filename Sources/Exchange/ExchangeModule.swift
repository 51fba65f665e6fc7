import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

extension Permission {
    /// Eligibility lists, plans, moves, alliances and timetables in the reader's scope.
    public static let exchangeRead: Permission = "exchange:read"
    /// Draw up, change and submit rotation plans (a district its own, the bureau any).
    public static let exchangePlan: Permission = "exchange:plan"
    /// Approve or send back submitted plans (the bureau).
    public static let exchangeApprove: Permission = "exchange:approve"
    /// The host school's yearly assessment of 支教 and 挂职 teachers.
    public static let exchangeAssess: Permission = "exchange:assess"
    /// A teacher's own eligibility, planned move and assessments.
    public static let exchangeSelf: Permission = "exchange:self"
    /// Create alliances and record their yearly scores (the bureau).
    public static let exchangeAlliances: Permission = "exchange:alliances:write"
    /// Tick the term's four unifications of an alliance one belongs to.
    public static let exchangeChecklist: Permission = "exchange:alliances:checklist"
    /// Itinerant teachers, the periods schools need and travel times (district and bureau).
    public static let exchangeItinerant: Permission = "exchange:itinerant:write"
}

/// 交流轮岗: eligibility, rotation plans, the optimiser, 支教, alliances and itinerant teaching.
public struct ExchangeModule: XuequModule {
    public init() {}
    public let name = "exchange"

    public var migrations: [any Migration] { [CreateExchange(), CreateExchangeClaims(), CreateExchangeClaims.version] }

    public func verifyAggregates(on db: any Database) async throws -> [AggregateCheck] {
        [try await CreateExchangeClaims.version.check(on: db)]
    }

    public var auditArea: AuditArea? {
        AuditArea(key: "exchange", label: LocalizedText(zh: "交流轮岗", en: "Teacher exchange"), prefixes: ["exchange"], phrases: [
            "exchange.plan.create": ("编制了交流轮岗方案", "drew up a rotation plan"), "exchange.plan.update": ("修改了交流轮岗方案", "changed a rotation plan"),
            "exchange.plan.submit": ("将交流方案报局审批", "submitted a rotation plan"), "exchange.plan.approve": ("批准了交流轮岗方案", "approved a rotation plan"),
            "exchange.plan.send_back": ("退回了交流轮岗方案", "sent a rotation plan back"), "exchange.plan.effect": ("交流方案生效", "put a rotation plan into effect"),
            "exchange.move.start": ("教师到岗交流", "started a teacher's move"), "exchange.move.void": ("交流记录未生效（教师已调动）", "voided a move (the teacher had moved)"),
            "exchange.plan.drop_stale": ("移出方案中的失效记录", "dropped a plan's stale moves"), "exchange.rules": ("发布了交流轮岗规则", "published rotation rules"), "exchange.move.return": ("交流教师返回原校", "returned a teacher to their school"),
            "exchange.assess": ("填写了支教考核", "assessed a support teacher"), "exchange.extend": ("延长了支教期限", "extended a support term"),
            "exchange.alliance.create": ("组建了学校联盟", "formed a school alliance"), "exchange.alliance.scores": ("登记了联盟学校评分", "entered alliance scores"),
            "exchange.alliance.term": ("设置了联盟学期", "set an alliance term"), "exchange.itinerant.teacher": ("设置了走教教师", "set an itinerant teacher"),
            "exchange.itinerant.demand": ("登记了走教课时需求", "entered itinerant demand"), "exchange.itinerant.travel": ("登记了走教路程", "entered travel times"),
            "exchange.itinerant.remove": ("移除了走教安排", "removed an itinerant entry"),
        ])
    }
    public var grants: Grants {
        Grants([
            .bureauAdmin: [.exchangeRead, .exchangePlan, .exchangeApprove, .exchangeAssess, .exchangeAlliances, .exchangeChecklist, .exchangeItinerant],
            .districtAdmin: [.exchangeRead, .exchangePlan, .exchangeChecklist, .exchangeItinerant],
            .schoolAdmin: [.exchangeRead, .exchangeAssess, .exchangeChecklist],
            .teacher: [.exchangeSelf],
        ])
    }

    /// A county bureau among several counties plans, approves and reads its own county's
    /// exchange (every read and write checks the county's districts); the rotation rules stay
    /// the database's (publishing them needs a bureau alone in its database).
    public var countyKeys: Set<Permission> {
        [.exchangeRead, .exchangePlan, .exchangeApprove, .exchangeAssess, .exchangeAlliances, .exchangeChecklist, .exchangeItinerant]
    }

    public var strings: [String: (String, String)] { ExchangeStrings.table }
    public var vocabularies: [String: Vocab.Labeler] {
        ["moveForm": Vocab.of(MoveForm.self), "planState": Vocab.of(PlanState.self), "moveState": Vocab.of(MoveState.self),
         "moveWarning": Vocab.of(MoveWarning.self), "rating": Vocab.of(AssessmentRating.self), "allianceKind": Vocab.of(AllianceKind.self)]
    }
    public var routeNames: [any RouteName.Type] { [ExchangeRoute.self, ExchangeAPIRoute.self] }
    public var viewsDirectory: String? { Bundle.module.url(forResource: "Views", withExtension: nil)?.path }

    public var navigation: [NavEntry] {
        [
            NavEntry(key: "nav.exchange", route: ExchangeRoute.home) { $0.can(.exchangeRead) },
            NavEntry(key: "nav.exchange.mine", route: ExchangeRoute.mine) { $0.can(.exchangeSelf) },
        ]
    }

    public func routes(_ r: ModuleRoutes) {
        ExchangeAPI().register(r.api)
        ExchangePages().register(r.pages)
    }

    public var jobs: [ScheduledJob] {
        [ScheduledJob(name: "exchange.due", everySeconds: 3600) { ctx in _ = try await ExchangeJobs.runDue(ExchangeService(ctx), on: ctx.today) }]
    }

    public func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution {
        try await ExchangeHome(ExchangeService(context), actor: actor, locale: context.locale).contribution()
    }

    public func seedDemo(_ demo: DemoContext) async throws {
        guard demo.isCounty else { return }
        try await ExchangeDemo.seed(demo)
    }
}

/// The module's figures and tasks on the home page.
struct ExchangeHome {
    let service: ExchangeService
    let actor: Actor
    let locale: UILocale
    init(_ service: ExchangeService, actor: Actor, locale: UILocale) { self.service = service; self.actor = actor; self.locale = locale }
    func t(_ k: String, _ args: String...) -> String { L10n.text(k, locale, args: args) }

    func contribution() async throws -> HomeContribution {
        var out = HomeContribution()
        let db = service.db
        if actor.can(.exchangeSelf), let tid = actor.teacherId {
            let moves = try await ExchangeStore.currentMoves(ofTeacher: tid, on: db)
            if let m = moves.first {
                let school = try await ExchangeStore.schools(ids: [m.toSchoolId], on: db)[m.toSchoolId]?.name ?? ""
                let form = MoveForm(rawValue: m.form)?.label(locale) ?? m.form
                out.tasks.append(HomeTask(title: t(m.state == MoveState.planned.rawValue ? "ex.home.planned" : "ex.home.active", form, school),
                                          detail: t("ex.home.startsOn", m.startsOn), href: ExchangeRoute.mine.path()))
            }
            // An itinerant teacher's week: how many periods, at how many schools.
            if let (_, table, me) = try await ItinerantService(service.ctx).myWeek() {
                let mine = table.placements.filter { $0.teacherId == me.teacherId }
                out.tasks.append(HomeTask(title: t("ex.it.homeTask", String(mine.count), String(Set(mine.map(\.schoolId)).count)),
                                          detail: t("ex.it.homeTask.detail"), href: ExchangeRoute.itinerant.path()))
            }
            return out
        }
        guard actor.can(.exchangeRead) else { return out }
        let year = RotationRules.nextRound(after: service.today).year
        switch actor.registryScope {
        case .county, .districts:
            // Plans waiting for the bureau: its county's (a county among several), or all.
            let waiting = try await ExchangeStore.plans(year: nil, scope: actor.registryScope, on: db).filter { $0.stateValue == .submitted }.count
            if waiting > 0 {
                out.tasks.append(HomeTask(title: t("ex.home.toApprove", String(waiting)), detail: t("ex.home.toApprove.detail"), href: ExchangeRoute.home.path(), urgent: true))
            }
            // The year report's figure (支教 to rural schools, against the target): the home page, the
            // report and the year's summary say the same number.
            let support = try await service.report(year: year).supportToRural
            out.stats.append(HomeStat(label: t("ex.home.support", String(year)), value: "\(support) / \(ExchangeService.supportTarget)", href: ExchangeRoute.home.path()))
        case .district(let d):
            let plans = try await ExchangeStore.plans(year: year, scope: .district(d), on: db)
            if let p = plans.first {
                if p.stateValue == .draft {
                    out.tasks.append(HomeTask(title: t("ex.home.draft", String(year)), detail: p.note.map { t("ex.home.sentBack", $0) } ?? t("ex.home.draft.detail"),
                                              href: ExchangeRoute.plan.path(p.id), urgent: p.note != nil))
                }
            } else {
                out.tasks.append(HomeTask(title: t("ex.home.noPlan", String(year)), detail: t("ex.home.noPlan.detail"), href: ExchangeRoute.planNew.path() + "?year=\(year)"))
            }
        case .school(let s):
            // 支教 teachers hosted here without this year's assessment.
            let pending = try await ExchangeStore.unassessedMoves(hostSchool: s, year: service.today.year, on: db)
            if let first = pending.first {
                out.tasks.append(HomeTask(title: t("ex.home.assess", String(pending.count)), detail: t("ex.home.assess.detail", String(service.today.year)),
                                          href: ExchangeRoute.move.path(first), urgent: service.today.month >= 11))
            }
        case .nothing: break
        }
        return out
    }
}
