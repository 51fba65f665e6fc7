import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import XuequKit

extension Permission {
    public static let registryRead: Permission = "registry:read"
    public static let districtsWrite: Permission = "registry:districts:write"
    public static let schoolsWrite: Permission = "registry:schools:write"
    public static let schoolsMerge: Permission = "registry:schools:merge"
    public static let teachersWrite: Permission = "registry:teachers:write"
    public static let teachersImport: Permission = "registry:teachers:import"
    public static let conditionsWrite: Permission = "registry:conditions:write"
    public static let registryExport: Permission = "registry:export"
    /// The list of districts as a page (a teacher reads their own school, not the county's map).
    public static let districtsBrowse: Permission = "registry:districts:browse"
    /// The administrative tree above the districts (`GET /api/v1/areas`).
    public static let areasRead: Permission = "registry:areas:read"
}

/// 学区、学校、教师: the registry every other module builds on.
public struct RegistryModule: XuequModule {
    public init() {}
    public let name = "registry"

    public var migrations: [any Migration] { [CreateRegistry(), CreateTeacherTallies(), CreateRotationRules(), AddTeacherQualification(), AddTransferNote(), WatchRegistryVersion(), CreateTeacherNameGrams(), CreateRoleEndings(), CreateClassesRooms(), CreateAreas(), CreateCountyTransfers()] }

    public var auditArea: AuditArea? {
        AuditArea(key: "registry", label: LocalizedText(zh: "学区、学校与教师", en: "Districts, schools and teachers"), prefixes: ["district", "school", "teacher", "area"], phrases: [
            "area.create": ("新增了行政区划", "added an area"), "area.rename": ("修改了行政区划名称", "renamed an area"),
            "area.recode": ("更改了本县的行政区划代码", "gave the county its code"), "area.remove": ("删除了空的行政区划", "removed an empty area"),
            "district.create": ("新建了学区", "created a district"), "school.create": ("新建了学校", "created a school"), "school.update": ("修改了学校信息", "changed a school"),
            "school.import": ("导入了学校名册", "imported schools"), "school.merge": ("办理了学校撤并", "merged a school into another"),
            "school.conditions": ("填报了学校办学条件", "entered a school's conditions"), "school.conditions.import": ("导入了办学条件", "imported school conditions"),
            "teacher.create": ("新建了教师档案", "created a teacher"), "teacher.update": ("修改了教师档案", "changed a teacher"), "teacher.transfer": ("调动了一名教师", "transferred a teacher"),
            "teacher.county_out": ("办理了教师跨县调出", "released a teacher to another county"), "teacher.county_in": ("接收了跨县调入的教师", "received a teacher from another county"),
            "teacher.county_refuse": ("不予接收跨县调入的教师", "refused a teacher from another county"), "teacher.county_withdraw": ("撤回了教师跨县调出", "withdrew a teacher's release"), "teacher.import": ("导入了教师名册", "imported teachers"),
        ])
    }
    public var grants: Grants {
        let all: Set<Permission> = [.registryRead, .districtsBrowse, .districtsWrite, .schoolsWrite, .schoolsMerge,
                                    .teachersWrite, .teachersImport, .conditionsWrite, .registryExport]
        return Grants([
            .bureauAdmin: all.union([.areasRead]),
            .cityAdmin: [.areasRead],
            .provinceAdmin: [.areasRead],
            .districtAdmin: [.registryRead, .districtsBrowse, .schoolsWrite, .teachersWrite, .teachersImport, .schoolsMerge,
                             .conditionsWrite, .registryExport],
            .schoolAdmin: [.registryRead, .districtsBrowse, .teachersWrite, .teachersImport, .conditionsWrite, .registryExport],
            .teacher: [.registryRead],
        ])
    }

    /// Every registry route lists through `registryScope` and checks records with `covers`: a
    /// county bureau among several sees and changes only its own county's districts.
    public var countyKeys: Set<Permission> {
        [.registryRead, .districtsBrowse, .districtsWrite, .schoolsWrite, .schoolsMerge, .teachersWrite, .teachersImport, .conditionsWrite, .registryExport, .areasRead]
    }

    public var strings: [String: (String, String)] { RegistryStrings.table }
    public var vocabularies: [String: Vocab.Labeler] {
        ["transfer": { raw, locale in L10n.text("transfer.reason.\(raw)", locale) }]
    }
    public var routeNames: [any RouteName.Type] { [RegistryRoute.self, RegistryAPIRoute.self, CountyTransferRoute.self, CountyTransferAPIRoute.self] }
    public var viewsDirectory: String? { Bundle.module.url(forResource: "Views", withExtension: nil)?.path }

    public var navigation: [NavEntry] {
        [
            NavEntry(key: "nav.districts", route: RegistryRoute.districts) { $0.can(.districtsBrowse) },
            NavEntry(key: "nav.schools", route: RegistryRoute.schools) { $0.can(.registryRead) },
            NavEntry(key: "nav.teachers", route: RegistryRoute.teachers) { $0.can(.registryRead) },
            NavEntry(key: "nav.imports", route: RegistryRoute.imports) { $0.can(.teachersImport) },
        ]
    }

    public func routes(_ r: ModuleRoutes) {
        RegistryAPI().register(r.api)
        RegistryPages().register(r.pages)
        CountyTransfersWeb().register(pages: r.pages, api: r.api)
    }

    /// A teacher's scope follows the teacher's record (moved, or moved by a merger); a school
    /// administrator's district follows the school's.
    /// A teacher's or school's scope names its school and district, read from the registry.
    public var scopeAreas: [String] { ["registry", "areas"] }

    public func resolve(scope: Scope, role: Role, on db: any Database) async throws -> Scope {
        switch scope {
        case .oneCounty(let c):
            // The only county in the database: the bureau's scope as it always was, every figure
            // and fast path unchanged. Among several: its county's districts.
            guard try await AreaStore.area(code: c.code, on: db)?.levelValue == .county else { return .nothing }
            if try await AreaStore.districtsOutside(county: c.code, on: db) == 0 { return .county }
            return .oneCounty(CountyScope(code: c.code, districts: Set(try await AreaStore.districtCounties([c.code], on: db).keys)))
        case .counties(let a):
            guard let area = try await AreaStore.area(code: a.code, on: db), area.levelValue == a.level else { return .nothing }
            let counties = try await AreaStore.counties(under: a.code, on: db).map(\.code)
            let districts = try await AreaStore.districtCounties(counties, on: db)
            return .counties(AreaScope(code: a.code, level: a.level, counties: Set(counties), districts: Set(districts.keys)))
        case .teacher(let t, _, _):
            guard let row = try await RegistryStore.teacher(id: t, on: db) else { return .nothing }
            return .teacher(id: t, school: row.schoolId, district: row.districtId)
        case .school(let s, _):
            guard let row = try await RegistryStore.school(id: s, on: db) else { return .nothing }
            return .school(id: s, district: row.districtId)
        default:
            return scope
        }
    }

    /// District administrators name a district; school administrators a school by its code;
    /// teachers their own record by resident ID.
    public func accountScope(for role: Role, fields: [String: String], errors e: inout FieldErrors, on db: any Database) async throws -> AccountScope? {
        switch role.scopeKind {
        case .district:
            if let d = fields["districtId"].flatMap({ Int($0) }), try await RegistryStore.district(id: d, on: db) != nil { return AccountScope(districtId: d) }
            e.add("districtId", "请选择学区", "choose a district")
        case .school:
            let code = (fields["schoolCode"] ?? "").trimmingCharacters(in: .whitespaces)
            if let s = try await RegistryStore.schools(codes: [code], on: db)[code] { return AccountScope(districtId: s.districtId, schoolId: s.id) }
            e.add("schoolCode", "学校代码不存在", "no school with this code")
        case .teacher:
            let rid = (fields["teacherResidentId"] ?? "").trimmingCharacters(in: .whitespaces).uppercased()
            if let tid = try await RegistryStore.existingResidentIDs([rid], on: db)[rid], let t = try await RegistryStore.teacher(id: tid, on: db) {
                return AccountScope(districtId: t.districtId, schoolId: t.schoolId, teacherId: t.id)
            }
            e.add("teacherResidentId", "未找到该身份证号的在册教师", "no registered teacher with this resident ID")
        default:
            return nil
        }
        return AccountScope()
    }

    public func accountScopeFields(_ scope: AccountScope, on db: any Database) async throws -> [String: String] {
        var out: [String: String] = [:]
        if let d = scope.districtId { out["districtId"] = String(d) }
        if let s = scope.schoolId, let school = try await RegistryStore.school(id: s, on: db) { out["schoolCode"] = school.code }
        if let t = scope.teacherId, let teacher = try await RegistryStore.teacher(id: t, on: db) { out["teacherResidentId"] = teacher.residentId }
        return out
    }

    public func accountScopeNames(_ scopes: [AccountScope], on db: any Database) async throws -> [AccountScope: String] {
        // Only the districts the page names (a province's thousand districts were read on every view).
        let wanted = Array(Set(scopes.compactMap { $0.schoolId == nil ? $0.districtId : nil }))
        let districts = wanted.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try await RegistryStore.districtRows(on: db, scope: .districts(wanted)).map { ($0.id, $0.name) })
        var out: [AccountScope: String] = [:]
        for s in scopes {
            if let id = s.schoolId { out[s] = try await RegistryStore.school(id: id, on: db)?.name }
            else if let d = s.districtId { out[s] = districts[d] }
        }
        return out
    }

    public func verifyAggregates(on db: any Database) async throws -> [AggregateCheck] {
        [try await TeacherTallies.verify(on: db), try await TeacherTallies.verifyStudents(on: db),
         try await DataVersions.check(WatchRegistryVersion.tables, area: "registry", on: db),
         try await DataVersions.check(CreateClassesRooms.tables, area: "classes", on: db)]
    }

    public func accountScopeOptions(on db: any Database) async throws -> [String: [SelectOption]] {
        ["districtId": try await RegistryStore.districtRows(on: db, scope: .county).map { SelectOption(value: String($0.id), label: $0.name, selected: false) }]
    }

    public func home(for actor: Actor, context: ServiceContext) async throws -> HomeContribution {
        // A county's, city's or province's own name heads its home page.
        var areaCode: String?
        switch actor.scope {
        case .county: areaCode = try await actor.areaCode.asyncOr { try await AreaStore.soleCounty(on: context.db) }
        case .oneCounty(let c): areaCode = c.code
        case .counties(let a): areaCode = a.code
        default: break
        }
        let areaName = try await areaCode.asyncMap { try await AreaStore.area(code: $0, on: context.db)?.name } ?? nil
        guard actor.can(.registryRead) else { return HomeContribution(scopeName: areaName) }
        var out = try await RegistryHome(RegistryService(context), actor: actor, locale: context.locale).contribution()
        if let areaName { out.scopeName = areaName }
        return out
    }

    public func seedDemo(_ demo: DemoContext) async throws {
        try await RegistryDemo(scale: RegistryDemo.scale(counties: demo.counties), today: demo.today, progress: demo.progress).seed(demo)
    }
}

/// The registry's figures and tasks on the home page.
struct RegistryHome {
    let service: RegistryService
    let actor: Actor
    let locale: UILocale
    init(_ service: RegistryService, actor: Actor, locale: UILocale) { self.service = service; self.actor = actor; self.locale = locale }

    func t(_ k: String, _ args: String...) -> String { L10n.text(k, locale, args: args) }

    func contribution() async throws -> HomeContribution {
        var out = HomeContribution()
        let today = service.today
        // One count and one row: the per-district counts cost a scan of every teacher at province
        // scale, and even the district rows cost more than the rest of the page.
        if case .district(let id) = actor.scope { out.scopeName = try? await service.district(id: id).name }
        let ownSchool = try await actor.schoolId.asyncMap { try? await service.school(id: $0) } ?? nil
        if let s = ownSchool { out.scopeName = s.name }
        let rules = try await RotationRulesStore.inForce(on: today, db: service.db)
        let round = RotationRules.nextRound(after: today)
        if let tid = actor.teacherId {
            // A teacher's home is their own record.
            guard let me = try? await service.teacher(id: tid) else { return out }
            out.tasks.append(HomeTask(title: t("home.task.record"), detail: t("home.task.record.detail", me.schoolName ?? "", me.schoolSince),
                                      href: RegistryRoute.teacher.path(tid)))
            let years = me.yearsAtSchool(on: round)
            if years >= rules.yearsAtSchool {
                out.tasks.append(HomeTask(title: t("home.task.selfdue", String(rules.yearsAtSchool)),
                                          detail: t("home.task.selfdue.detail", String(years), round.description), href: RegistryRoute.teacher.path(tid)))
            }
            return out
        }
        // Teachers another county released to this one, waiting for a school (issue 30).
        if let c = actor.oneCounty, actor.can(.teachersWrite) {
            let n = try await RegistryStore.incomingCountyTransfers(county: c.code, on: service.db)
            if n > 0 { out.tasks.append(HomeTask(title: t("home.task.countyIn", String(n)), detail: t("home.task.countyIn.detail"), href: CountyTransferRoute.list.path(), urgent: true)) }
        }
        let f = try await service.homeFigures(round: round)
        if let s = ownSchool {
            out.stats.append(HomeStat(label: t("home.stat.teachers"), value: String(f.teachers), href: RegistryRoute.teachers.path()))
            out.stats.append(HomeStat(label: t("home.stat.students"), value: String(s.students), href: RegistryRoute.school.path(s.id)))
        } else {
            if actor.districtId == nil {
                out.stats.append(HomeStat(label: t("home.stat.districts"), value: String(f.districts), href: RegistryRoute.districts.path()))
            }
            out.stats.append(HomeStat(label: t("home.stat.schools"), value: String(f.schools), href: RegistryRoute.schools.path() + "?status=active"))
            out.stats.append(HomeStat(label: t("home.stat.teachers"), value: String(f.teachers), href: RegistryRoute.teachers.path()))
            out.stats.append(HomeStat(label: t("home.stat.students"), value: String(f.students), href: nil))
        }
        let due = f.due
        if due > 0 {
            out.tasks.append(HomeTask(title: t("home.task.due", String(due), String(rules.yearsAtSchool)), detail: t("home.task.due.detail", round.description),
                                      href: RegistryRoute.teachers.path() + "?due=1"))
        }
        let missing = f.missingConditions
        if missing > 0 {
            let href = ownSchool.map { RegistryRoute.school.path($0.id) } ?? RegistryRoute.schools.path() + "?status=active"
            out.tasks.append(HomeTask(title: t("home.task.conditions", String(missing), String(today.year)), detail: t("home.task.conditions.detail"), href: href))
        }
        // Roles that ended with a move in the last 60 days: whose, and which, to be filled again
        // (the offices that place teachers; the list of departures says the rest).
        if actor.can(.teachersWrite) {
            let ended = try await RegistryStore.roleEndings(scope: actor.registryScope, since: service.now - 60 * 86_400, on: service.db)
            for e in ended.prefix(5) {
                out.tasks.append(HomeTask(title: t("home.task.roleEnded", e.teacherName, locale == .en ? e.roleEn : e.roleZh),
                                          detail: t("home.task.roleEnded.detail", e.endedOn), href: RegistryRoute.departures.path(), urgent: true))
            }
        }
        return out
    }
}
