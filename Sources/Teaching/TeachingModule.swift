import Fluent
import SQLKit
import Foundation
import Vapor
import XuequCore
import XuequKit

/// 教研: research groups and shared lesson plans (通案 → 个案).
public struct TeachingModule: XuequModule {
    public init() {}
    public let name = "teaching"
    public var migrations: [any Migration] { [CreateTeaching(), CreateResearch(), AddPlanChangedRatio(), AddPlanChangedRatio.training, AddTeachingCounty()] }

    public func verifyAggregates(on db: any Database) async throws -> [AggregateCheck] {
        [try await AddPlanChangedRatio.training.check(on: db)]
    }
    public var auditArea: AuditArea? {
        AuditArea(key: "teaching", label: LocalizedText(zh: "教研备课", en: "Teaching research"), prefixes: ["teaching"], phrases: [
            "teaching.group": ("组建了教研组", "formed a research group"), "teaching.plan.create": ("新建了教案", "wrote a lesson plan"), "teaching.plan.derive": ("派生了教案（二次备课）", "derived a lesson plan"),
            "teaching.plan.update": ("保存了教案新版本", "saved a lesson plan"), "teaching.plan.submit": ("提交通案审核", "submitted a common plan for review"),
            "teaching.plan.approve": ("审核通过了通案", "approved a common plan"), "teaching.plan.send_back": ("退回了通案", "sent a common plan back"), "teaching.plan.release": ("发布了通案", "released a common plan"),
            "teaching.model_lesson": ("上传了优课", "put up a model lesson"), "teaching.model_lesson.select": ("推荐了优课", "sent a model lesson up"),
            "teaching.training.programme": ("新建了培训项目", "created a training programme"), "teaching.training.enrol": ("办理了培训报名", "enrolled schools in training"),
            "teaching.training.attendance": ("登记了培训出勤", "recorded training attendance"), "teaching.unit": ("设立了教研机构", "set up a research office"),
            "teaching.researcher": ("聘任了教研员", "appointed a researcher"), "teaching.researcher.remove": ("免去了教研员", "removed a researcher"),
            "teaching.activity": ("安排了教研活动", "scheduled a research activity"), "teaching.activity.record": ("登记了活动出勤与纪要", "recorded attendance and minutes"),
            "teaching.observe": ("填写了观课量表", "filled in an observation rubric"), "teaching.attach": ("上传了附件", "attached a file"), "teaching.attach.remove": ("删除了附件", "removed an attachment"),
            "teaching.calendar.feed": ("生成了日历订阅地址", "made a calendar feed address"),
        ])
    }
    public var grants: Grants {
        Grants([
            .bureauAdmin: [.teachingRead, .teachingManage],
            .districtAdmin: [.teachingRead, .teachingManage],
            .schoolAdmin: [.teachingRead, .teachingManage],
            .teacher: [.teachingRead, .teachingWrite],
        ])
    }
    public var strings: [String: (String, String)] { TeachingStrings.table.merging(ResearchStrings.table) { a, _ in a } }
    public var routeNames: [any RouteName.Type] { [TeachingRoute.self, TeachingAPIRoute.self] }
    public var viewsDirectory: String? { Bundle.module.url(forResource: "Views", withExtension: nil)?.path }
    /// A county's bureau among several runs its own county's teaching research: county groups,
    /// its office and researchers, county activities and training programmes of its county
    /// (`county_code`), its districts' plans and hours (`TeachingService.callerCounty`).
    public var countyKeys: Set<Permission> { grants.permissions(of: .bureauAdmin) }

    public var navigation: [NavEntry] { [NavEntry(key: "nav.teaching", route: TeachingRoute.home) { $0.can(.teachingRead) }] }
    public func routes(_ r: ModuleRoutes) {
        TeachingAPI().register(r.api)
        TeachingPages().register(r.pages)
        ResearchPages().register(r.pages)
        r.publicPages.get(TeachingRoute.publicModels, use: TeachingPages().publicModels)
        r.publicPages.get(TeachingRoute.publicFeed, use: ResearchPages().publicFeed)
    }
    public func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution {
        // A school's teachers short of the year's training hours; plans waiting for a leader's review.
        if case .school = actor.registryScope, actor.teacherId == nil, actor.can(.teachingManage) {
            let year = context.today.year
            let short = try await TeachingService(context).hours(year: year).filter { $0.shortfall > 0 }.count
            guard short > 0 else { return HomeContribution() }
            return HomeContribution(tasks: [HomeTask(title: L10n.text("te.home.hours", context.locale, args: [String(short), String(year)]), detail: L10n.text("te.home.hours.detail", context.locale),
                                                     href: TeachingRoute.hours.path() + "?year=\(year)")])
        }
        guard let t = actor.teacherId else { return HomeContribution() }
        var tasks: [HomeTask] = []
        let n = try await TeachingService.plansAwaitingLeader(teacherId: t, on: context.db)
        if n > 0 {
            tasks.append(HomeTask(title: L10n.text("te.home.review", context.locale, args: [String(n)]), detail: L10n.text("te.home.review.detail", context.locale),
                                  href: TeachingRoute.home.path() + "?kind=common"))
        }
        // A researcher: 通案 of the district (or county) waiting at level 2.
        if let office = try await TeachingService(context).office(actor) {
            let m = try await TeachingService.plansAwaitingOffice(office, on: context.db)
            if m > 0 { tasks.append(HomeTask(title: L10n.text("te.home.review2", context.locale, args: [String(m)]), detail: "", href: TeachingRoute.home.path() + "?kind=common")) }
        }
        // Activities in the coming week that the teacher is invited to or teaches.
        let now = LocalDateTime.now(context.now)
        let soon = LocalDateTime(date: now.date.adding(days: 7), minutes: now.minutes)
        let k = try await TeachingService.activitiesStarting(teacherId: t, from: now.description, to: soon.description, on: context.db)
        if k > 0 {
            tasks.append(HomeTask(title: L10n.text("te.home.activities", context.locale, args: [String(k)]), detail: L10n.text("te.home.activities.detail", context.locale),
                                  href: TeachingRoute.calendar.path()))
        }
        return HomeContribution(tasks: tasks)
    }
    public func seedDemo(_ demo: DemoContext) async throws { try await TeachingDemo.seed(demo) }

    /// A teacher who leaves a district stops being its researcher; one who leaves a group's school
    /// (or district) stops being a member, and the group's leadership is shown as ended (the group
    /// keeps its leader's name until the office names another; checks read the leader's school).
    public func teacherMoved(_ move: TeacherMoved, on tx: any Database) async throws -> [LocalizedText] {
        var ended: [LocalizedText] = []
        let units = try await TeachingService.units(ofResearcher: move.teacherId, on: tx)
        for u in units where u.level != ResearchLevel.county.rawValue && u.districtId != move.toDistrictId {
            try await TeachingService.deleteResearcher(unitId: u.id, teacherId: move.teacherId, on: tx)
            ended.append(LocalizedText(zh: "\(u.name)教研员", en: "researcher of \(u.name)"))
        }
        let groups = try await TeachingService.groupsHeld(byTeacher: move.teacherId, on: tx)
        for g in groups where !Self.groupHolds(level: g.level, schoolId: g.schoolId, districtId: g.districtId, teacherSchool: move.toSchoolId, teacherDistrict: move.toDistrictId) {
            try await TeachingService.deleteGroupMember(groupId: g.id, teacherId: move.teacherId, on: tx)
            ended.append(g.leaderTeacherId == move.teacherId ? LocalizedText(zh: "\(g.name)组长", en: "leader of \(g.name)") : LocalizedText(zh: "\(g.name)成员", en: "member of \(g.name)"))
        }
        return ended
    }

    /// Whether a teacher at `teacherSchool` (in `teacherDistrict`) belongs within a group's reach.
    static func groupHolds(level: String, schoolId: Int?, districtId: Int?, teacherSchool: Int?, teacherDistrict: Int?) -> Bool {
        switch ResearchLevel(rawValue: level) {
        case .county: true
        case .district: districtId == teacherDistrict
        case .school: schoolId == teacherSchool
        case nil: false
        }
    }
}
