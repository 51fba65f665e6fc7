import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

struct TeachingPages: Sendable {
    func register(_ r: any RoutesBuilder) {
        typealias R = TeachingRoute
        r.get(R.home, use: home)
        r.post(R.create, use: create)
        r.get(R.plan, use: plan)
        r.get(R.edit, use: edit)
        r.post(R.edit, use: save)
        r.post(R.derive, use: derive)
        r.post(R.events, use: event)
        r.post(R.restore, use: restore)
        r.get(R.groups, use: groups)
        r.post(R.groups, use: createGroup)
        r.get(R.modelLessons, use: modelLessons)
        r.post(R.modelLessons, use: uploadModel)
        r.post(R.modelSelect, use: selectModel)
        r.get(R.training, use: training)
        r.post(R.training, use: createProgramme)
        r.post(R.enrol, use: enrol)
        r.post(R.attendance, use: attendance)
        r.get(R.hours, use: hours)
    }

    struct ProgrammeItem: Encodable { let id: Int; let name: String; let kind: String; let dates: String; let hours: String; let enrolled: Int; let attended: Int; let enrolAction: String; let attendanceAction: String }
    struct TrainingPage: Encodable { let tab = "training"; let layout: Layout; let programmes: [ProgrammeItem]; let isBureau: Bool; let kinds: [SelectOption]; let rule: String; let hoursHref: String }
    func training(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let service = TeachingService(req)
        let list = try await service.programmes()
        let counts = try await TeachingService.enrolmentCounts(on: req.db)
        let year = req.context.today.year
        let page = TrainingPage(
            layout: req.layout("te.tr.title"),
            programmes: list.map { p in ProgrammeItem(id: p.id, name: p.name, kind: ProgrammeKind(rawValue: p.kind)?.label(req.uiLocale) ?? p.kind, dates: "\(p.startsOn)—\(p.endsOn)",
                                                      hours: String(format: "%g", p.hours), enrolled: counts[p.id]?.enrolled ?? 0, attended: counts[p.id]?.attended ?? 0,
                                                      enrolAction: TeachingRoute.enrol.path(p.id), attendanceAction: TeachingRoute.attendance.path(p.id)) },
            isBureau: actor.can(.teachingManage) && actor.isCountyBureau, kinds: options(ProgrammeKind.self, selected: "summer", locale: req.uiLocale),
            rule: Self.t(req, "te.tr.rule", String(format: "%g", try await service.rules(year: year).hoursPerYear), String(year)), hoursHref: TeachingRoute.hours.path() + "?year=\(year)")
        return try await req.page("teaching/training", page)
    }

    struct ProgrammeForm: Content { let name: String?; let kind: String?; let startsOn: String?; let endsOn: String?; let hours: String? }
    func createProgramme(req: Request) async throws -> Response {
        try req.requireActor().require(.teachingManage)
        let b = try req.content.decode(ProgrammeForm.self)
        return try await Self.form(req, back: TeachingRoute.training.path(), ok: Self.t(req, "te.saved")) {
            _ = try await TeachingService(req).createProgramme(name: b.name, kind: b.kind, startsOn: b.startsOn, endsOn: b.endsOn, hours: Double(b.hours ?? "")); return nil
        }
    }

    func enrol(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachingManage)
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        let codes = (f["schools"] ?? "").split(whereSeparator: { ", ，、\n".contains($0) }).map(String.init)
        var n = 0
        let res = try await Self.form(req, back: TeachingRoute.training.path(), ok: "") { n = try await TeachingService(req).enrol(programmeId: id, schoolCodes: codes); return nil }
        if res.cookies[FlashCookie.name]?.string.hasPrefix("%21") == true { return res }
        return req.redirect(to: TeachingRoute.training.path(), flash: Self.t(req, "te.tr.enrolled", String(n)))
    }

    /// Absent teachers' numbers; every other enrolled teacher attended.
    func attendance(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachingManage)
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        let absent = Set((f["absent"] ?? "").split(whereSeparator: { ", ，、\n".contains($0) }).compactMap { Int($0) })
        let enrolled = try await TeachingService.enrolled(programmeId: id, on: req.db)
        return try await Self.form(req, back: TeachingRoute.training.path(), ok: Self.t(req, "te.saved")) {
            try await TeachingService(req).attendance(programmeId: id, attended: enrolled.filter { !absent.contains($0) }); return nil
        }
    }

    struct HoursItem: Encodable { let name: String; let school: String; let hours: String; let required: String; let shortfall: String; let short: Bool }
    /// Teachers the hours page lists a page, the largest shortfall first; the export has them
    /// all (a district's 900 rows cost 19 ms of CPU a view to write).
    static let hoursListed = 50

    struct ShortRow: Encodable { let name: String; let teachers: Int; let short: Int; let share: String }
    struct HoursPage: Encodable {
        let layout: Layout; let year: Int; let rows: [HoursItem]; let shortCount: Int; let total: Int; let export: String
        let districts: [ShortRow]; let schools: [ShortRow]; let pager: Pager?
    }

    func hours(req: Request) async throws -> Response {
        try req.requireActor().require(.teachingRead)
        let year = (try? req.query.get(Int.self, at: "year")) ?? req.context.today.year
        guard (2000...(req.context.today.year + 1)).contains(year) else { throw DomainError.validation(["year": LocalizedText(zh: "年度无效", en: "invalid year")]) }
        let service = TeachingService(req)
        // The largest shortfall first (the service keeps them in that order).
        let rows = try await service.hours(year: year)
        if req.query[String.self, at: "format"] != nil {
            var table: [[String]] = [["教师编号", "姓名", "学校", "年度", "已修学时", "应修学时", "差额"]]
            for r in rows { table.append([String(r.teacher.id), r.teacher.name, r.teacher.schoolName ?? "", String(year), String(format: "%g", r.hours), String(format: "%g", r.required), String(format: "%g", r.shortfall)]) }
            return try RegistryPages.download(SheetTable(rows: table), name: "\(year)年教师培训学时", req: req, numericColumns: [0, 3, 4, 5, 6])
        }
        let actor = try req.requireActor()
        let summary = try await service.hoursSummary(year: year)
        func short(_ g: TeachingService.HoursGroup) -> ShortRow {
            ShortRow(name: g.name, teachers: g.teachers, short: g.short, share: String(format: "%.0f%%", Double(g.short) * 100 / Double(max(g.teachers, 1))))
        }
        let districts = summary.byDistrict.map(short)
        let schools = actor.teacherId == nil ? summary.bySchool.prefix(100).map(short) : []
        let spec = PageSpec(page: try? req.query.get(Int.self, at: "page"), per: Self.hoursListed, defaultPer: Self.hoursListed)
        let shown = rows.dropFirst(spec.offset).prefix(spec.per)
        let page = HoursPage(
            layout: req.layout("te.tr.hours"), year: year,
            rows: shown.map { HoursItem(name: $0.teacher.name, school: $0.teacher.schoolName ?? "", hours: String(format: "%g", $0.hours), required: String(format: "%g", $0.required),
                                        shortfall: String(format: "%g", $0.shortfall), short: $0.shortfall > 0) },
            shortCount: summary.short, total: rows.count, export: TeachingRoute.hours.path() + "?year=\(year)&format=xlsx",
            districts: districts.count > 1 ? districts : [], schools: schools.count > 1 ? schools : [],
            pager: rows.count > spec.per ? Pager(PageResult(items: Array(shown), total: rows.count, request: spec), req: req) : nil)
        return req.page(page.layout, content: Self.writeHours(page, locale: req.uiLocale))
    }

    /// The training hours, written in Swift: Leaf was over a third of the page's CPU (`perf`,
    /// issue 34). The markup is the one `hours.leaf` wrote (the `teaching-hours*` page snapshots).
    static func writeHours(_ p: HoursPage, locale: UILocale) -> String {
        var w = HTMLWriter(capacity: 6144 + (p.rows.count + p.schools.count + p.districts.count) * 240)
        func th(_ key: String, num: Bool = false) {
            w.raw(num ? "<th class=\"num\">" : "<th>")
            w.label(key, locale)
            w.raw("</th>")
        }
        func t(_ key: String, _ args: String...) { w.text(L10n.fill(L10n.text(key, locale), args)) }
        w.raw("\n<div class=\"page-head row\"><div><h1>")
        t("te.tr.hours")
        w.raw(" · ")
        w.text(p.year)
        w.raw("</h1><p class=\"lead\" id=\"short-count\">")
        t("te.tr.short", String(p.shortCount), String(p.total))
        w.raw("</p></div><div class=\"actions no-print\"><a class=\"button\" href=\"")
        w.text(p.export)
        w.raw("\" id=\"export\">")
        t("te.tr.export")
        w.raw("</a></div></div>\n")
        func groups(_ rows: [ShortRow], title: String, id: String, column: String) {
            w.raw("\n<section class=\"card\"><h2>")
            t(title)
            w.raw("</h2><div class=\"table-wrap\"><table class=\"data compact\" id=\"\(id)\"><thead><tr>")
            th(column)
            th("te.tr.teachers", num: true)
            th("te.tr.shortTeachers", num: true)
            th("te.tr.shortShare", num: true)
            w.raw("</tr></thead>\n<tbody>")
            for r in rows {
                w.raw("<tr><td>")
                w.text(r.name)
                w.raw("</td><td class=\"num\">")
                w.text(r.teachers)
                w.raw(r.short > 0 ? "</td><td class=\"num bad\">" : "</td><td class=\"num \">")
                w.text(r.short)
                w.raw("</td><td class=\"num\">")
                w.text(r.share)
                w.raw("</td></tr>")
            }
            w.raw("</tbody></table></div></section>\n")
        }
        if !p.districts.isEmpty { groups(p.districts, title: "te.tr.byDistrict", id: "short-by-district", column: "te.tr.district") }
        w.raw("\n")
        if !p.schools.isEmpty { groups(p.schools, title: "te.tr.bySchool", id: "short-by-school", column: "te.ml.schoolCol") }
        w.raw("\n<section class=\"card\"><h2>")
        t("te.tr.byTeacher")
        w.raw("</h2><div class=\"table-wrap\"><table class=\"data compact\" id=\"hours-table\"><thead><tr>")
        th("te.tr.teacher")
        th("te.ml.schoolCol")
        th("te.tr.hoursCol", num: true)
        th("te.tr.required", num: true)
        th("te.tr.shortfall", num: true)
        w.raw("</tr></thead>\n<tbody>")
        for r in p.rows {
            w.raw("<tr><td class=\"nowrap\">")
            w.text(r.name)
            w.raw("</td><td>")
            w.text(r.school)
            w.raw("</td><td class=\"num\">")
            w.text(r.hours)
            w.raw("</td><td class=\"num\">")
            w.text(r.required)
            w.raw(r.short ? "</td><td class=\"num bad\">" : "</td><td class=\"num \">")
            w.text(r.shortfall)
            w.raw("</td></tr>")
        }
        w.raw("</tbody></table></div>")
        if let pager = p.pager { pager.write(to: &w, locale: locale) }
        w.raw("</section>\n")
        return w.html
    }

    struct LessonItem: Encodable { let id: Int; let title: String; let teacher: String; let school: String; let teachingOn: String; let uploadedOn: String; let late: Bool; let level: String; let canSelect: Bool; let planId: Int }
    struct BoardRow: Encodable { let name: String; let total: Int; let late: Int; let onTime: String }
    struct ModelPage: Encodable {
        let tab = "models"
        let layout: Layout; let lessons: [LessonItem]; let schools: [BoardRow]; let districts: [BoardRow]; let myPlans: [SelectOption]; let canUpload: Bool; let today: String
        let rule: String
    }

    static func board(_ lessons: [ModelLessonRow], key: (ModelLessonRow) -> Int, names: [Int: String]) -> [BoardRow] {
        Dictionary(grouping: lessons, by: key).map { id, list in
            let late = list.filter(\.late).count
            return BoardRow(name: names[id] ?? "#\(id)", total: list.count, late: late, onTime: String(format: "%.0f%%", Double(list.count - late) * 100 / Double(max(list.count, 1))))
        }.sorted { ($0.onTime, $0.name) < ($1.onTime, $1.name) }
    }

    func modelLessons(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let service = TeachingService(req)
        let lessons = try await service.modelLessons()
        let schools = try await RegistryStore.schools(ids: lessons.map(\.schoolId), on: req.db)
        let districts = Dictionary(uniqueKeysWithValues: try await RegistryStore.districtRows(on: req.db, scope: .districts(Array(Set(lessons.map(\.districtId))))).map { ($0.id, $0.name) })
        let teachers = try await RegistryStore.teachers(ids: lessons.map(\.teacherId), on: req.db)
        let levelName = ["school": Self.t(req, "te.ml.school"), "district": Self.t(req, "te.ml.district"), "county": Self.t(req, "te.ml.county")]
        func canSelect(_ m: ModelLessonRow) -> Bool {
            guard actor.can(.teachingManage), actor.teacherId == nil, actor.covers(schoolId: m.schoolId, districtId: m.districtId) else { return false }
            switch (m.level, actor.registryScope) {
            case ("school", .school), ("school", .county), ("school", .districts), ("district", .district), ("district", .county), ("district", .districts): return true
            default: return false
            }
        }
        var mine: [SelectOption] = []
        if actor.can(.teachingWrite), let t = actor.teacherId {
            mine = try await service.list(kind: nil, subject: nil, grade: nil, q: nil, limit: 500).map(\.plan).filter { $0.ownerTeacherId == t }
                .map { SelectOption(value: String($0.id), label: "\($0.title)（\($0.kindValue.label(req.uiLocale))）", selected: false) }
        }
        let page = ModelPage(
            layout: req.layout("te.ml.title"),
            lessons: lessons.map { m in LessonItem(id: m.id, title: m.title, teacher: teachers[m.teacherId]?.name ?? "", school: schools[m.schoolId]?.name ?? "", teachingOn: m.teachingOn,
                                                   uploadedOn: m.uploadedOn, late: m.late, level: levelName[m.level] ?? m.level, canSelect: canSelect(m), planId: m.planId) },
            schools: Self.board(lessons, key: \.schoolId, names: schools.mapValues(\.name)), districts: Self.board(lessons, key: \.districtId, names: districts),
            myPlans: mine, canUpload: actor.can(.teachingWrite), today: req.context.today.adding(days: ModelLessonRules.daysBefore).description,
            rule: Self.t(req, "te.ml.rule", String(ModelLessonRules.daysBefore), String(ModelLessonRules.schoolQuota), String(ModelLessonRules.districtQuota)))
        return try await req.page("teaching/models", page)
    }

    struct UploadForm: Content { let planId: String?; let teachingOn: String? }
    func uploadModel(req: Request) async throws -> Response {
        try req.requireActor().require(.teachingWrite)
        let b = try req.content.decode(UploadForm.self)
        var late = false
        let res = try await Self.form(req, back: TeachingRoute.modelLessons.path(), ok: Self.t(req, "te.ml.uploaded")) {
            late = try await TeachingService(req).uploadModelLesson(planId: Int(b.planId ?? ""), teachingOn: b.teachingOn).late; return nil
        }
        return late ? req.redirect(to: TeachingRoute.modelLessons.path(), flash: Self.t(req, "te.ml.late", String(ModelLessonRules.daysBefore)), error: true) : res
    }

    func selectModel(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachingManage)
        return try await Self.form(req, back: TeachingRoute.modelLessons.path(), ok: Self.t(req, "te.ml.selected")) { _ = try await TeachingService(req).selectModelLesson(id: id); return nil }
    }

    struct PublicPage: Encodable { struct L: Encodable { let title: String; let teacher: String; let school: String; let teachingOn: String }; let layout: Layout; let lessons: [L] }
    func publicModels(req: Request) async throws -> Response {
        let lessons = try await TeachingService.publicModelLessons(on: req.db)
        let schools = try await RegistryStore.schools(ids: lessons.map(\.schoolId), on: req.db)
        let teachers = try await RegistryStore.teachers(ids: lessons.map(\.teacherId), on: req.db)
        return try await req.page("teaching/public", PublicPage(layout: req.layout("te.ml.public"), lessons: lessons.map {
            .init(title: $0.title, teacher: teachers[$0.teacherId].map { Masking.name($0.name) } ?? "", school: schools[$0.schoolId]?.name ?? "", teachingOn: $0.teachingOn)
        }))
    }

    static func t(_ req: Request, _ k: String, _ a: String...) -> String { L10n.text(k, req.uiLocale, args: a) }

    static func form(_ req: Request, back: String, ok: String, _ body: () async throws -> String?) async throws -> Response {
        do {
            let to = try await body()
            return req.redirect(to: to ?? back, flash: ok)
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: back, flash: e.flashText(req.uiLocale), error: true)
        }
    }

    struct Item: Encodable { let id: Int; let kind: String; let title: String; let subject: String; let grade: String; let state: String; let snippet: String?; let derived: Bool }
    struct Copied: Encodable { let id: Int; let title: String; let ratio: String }
    struct HomePage: Encodable {
        let tab = "plans"
        let layout: Layout; let searchError: String?; let items: [Item]; let q: String; let kinds: [SelectOption]; let subjects: [SelectOption]; let grade: String
        let canWrite: Bool; let sectionNames: [String]; let copied: [Copied]; let canManage: Bool; let newSubjects: [SelectOption]
    }

    func home(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.teachingRead)
        let q = (try? req.query.decode([String: String].self)) ?? [:]
        let locale = req.uiLocale
        let service = TeachingService(req)
        let kind = q["kind"].flatMap(PlanKind.parse)
        var items: [TeachingService.ListItem] = []
        var searchError: String?
        do { items = try await service.list(kind: kind, subject: q["subject"], grade: q["grade"], q: q["q"]) } catch let e as DomainError where e.kind == .invalid {
            searchError = e.flashText(locale)
        }
        let isOffice = try await service.office(actor) != nil
        // A teacher's new plan starts in their own subject.
        var mySubject: String?
        if let t = actor.teacherId { mySubject = try await RegistryStore.teacher(id: t, on: req.db)?.subjectList.first }
        let copied = isOffice ? try await service.copied().map { Copied(id: $0.0.id, title: $0.0.title, ratio: String(format: "%.1f%%", $0.1 * 100)) } : []
        let page = HomePage(
            layout: req.layout("te.title"), searchError: searchError,
            items: items.map { i in Item(id: i.plan.id, kind: i.plan.kindValue.label(locale), title: i.plan.title, subject: Subject(rawValue: i.plan.subject)?.label(locale) ?? i.plan.subject,
                                         grade: i.plan.grade, state: i.plan.kindValue == .common ? (CommonPlanState(rawValue: i.plan.state)?.label(locale) ?? i.plan.state) : "",
                                         snippet: i.snippet, derived: i.plan.parentId != nil) },
            q: q["q"] ?? "", kinds: [SelectOption(value: "", label: Self.t(req, "te.allKinds"), selected: kind == nil)] + options(PlanKind.self, selected: kind?.rawValue, locale: locale),
            subjects: [SelectOption(value: "", label: Self.t(req, "te.allSubjects"), selected: q["subject"] == nil)] + options(Subject.self, selected: q["subject"], locale: locale),
            grade: q["grade"] ?? "", canWrite: actor.can(.teachingWrite), sectionNames: PlanSection.names, copied: copied, canManage: isOffice,
            newSubjects: options(Subject.self, selected: mySubject, locale: locale))
        return try await req.page("teaching/home", page)
    }

    struct CreateForm: Content { let kind: String?; let title: String?; let subject: String?; let grade: String?; let edition: String?; let unit: String? }
    func create(req: Request) async throws -> Response {
        try req.requireActor().require(.teachingWrite)
        let b = try req.content.decode(CreateForm.self)
        return try await Self.form(req, back: TeachingRoute.home.path(), ok: Self.t(req, "te.saved")) {
            let p = try await TeachingService(req).create(PlanDraft(kind: b.kind, title: b.title, subject: b.subject, grade: b.grade, edition: b.edition, unit: b.unit, sections: [:]))
            return TeachingRoute.edit.path(p.id)
        }
    }

    struct SectionView: Encodable { let name: String; let text: String; let changed: Bool; let pieces: [PieceView] }
    struct PieceView: Encodable { let kind: String; let text: String }
    static func pieces(_ list: [CharDiff.Piece]) -> [PieceView] {
        list.map { piece in
            switch piece { case .same(let s): PieceView(kind: "same", text: s); case .removed(let s): PieceView(kind: "del", text: s); case .added(let s): PieceView(kind: "ins", text: s) }
        }
    }
    struct TreeNode: Encodable { let id: Int; let title: String; let kind: String; let level: String; let owner: String; let depth: Int; let indent: Int; let readable: Bool; let current: Bool; let hidden: Int; let state: String }
    struct VersionView: Encodable { let version: Int; let by: String; let at: String }
    struct PlanPage: Encodable {
        let layout: Layout; let id: Int; let kind: String; let level: String; let state: String; let title: String; let subject: String; let grade: String; let version: Int
        let parent: Item?; let children: [Item]; let sections: [SectionView]; let ratio: String?; let copied: Bool; let versions: [VersionView]
        let tree: [TreeNode]; let attachments: [ResearchPages.AttachmentItem]; let attachAction: String; let compareHref: String
        /// The saved version the heading and the history name (the plan's own counter also moves
        /// when it is submitted or reviewed, so "v3" stood over a history of v2 and v1).
        let shown: Int
        /// The owner may change it now: a 个案 always, a 通案 only as a draft.
        let editable: Bool
        /// The caller writes 通案 of this subject (a member of its research group).
        let canDeriveCommon: Bool
        let own: Bool; let canDerive: Bool; let isCommon: Bool; let stateKey: String; let reviewLevel: Int; let editHref: String; let deriveAction: String; let eventsAction: String; let restoreAction: String
        /// Only the buttons the caller may use (issue 28: the others led to a bare 403).
        let canApprove: Bool; let canSendBack: Bool; let canRelease: Bool
    }

    func plan(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let service = TeachingService(req)
        let (p, parent, diff) = try await service.diff(id: try req.intParameter("id"))
        let locale = req.uiLocale
        let children = try await service.list(kind: nil, subject: p.subject, grade: nil, q: nil, limit: 500).map(\.plan).filter { $0.parentId == p.id }
        func item(_ x: LessonPlanRow) -> Item { Item(id: x.id, kind: x.kindValue.label(locale), title: x.title, subject: "", grade: x.grade, state: "", snippet: nil, derived: false) }
        let sections = PlanSection.names.map { name -> SectionView in
            let d = diff?.sections.first { $0.name == name }
            return SectionView(name: name, text: p.sectionMap[name] ?? "", changed: d?.changed ?? false,
                               pieces: Self.pieces(d?.pieces ?? []))
        }
        let lineage = try await service.lineage(id: p.id)
        let owners = try await RegistryStore.teachers(ids: lineage.map(\.plan.ownerTeacherId), on: req.db)
        let tree = lineage.map { n in
            TreeNode(id: n.plan.id, title: n.plan.title, kind: n.plan.kindValue.label(locale), level: ResearchLevel(rawValue: n.plan.level)?.label(locale) ?? "",
                     owner: n.readable ? (owners[n.plan.ownerTeacherId]?.name ?? "") : "", depth: n.depth, indent: min(n.depth, 5), readable: n.readable, current: n.plan.id == p.id, hidden: n.hidden,
                     state: n.plan.kindValue == .common ? (CommonPlanState(rawValue: n.plan.state)?.label(locale) ?? "") : "")
        }
        let attachments = try await service.attachments(.plan, p.id).map {
            ResearchPages.AttachmentItem(id: $0.id, name: $0.filename, size: ResearchPages.size($0.size), href: TeachingRoute.attachment.path($0.id), removeAction: TeachingRoute.attachmentRemove.path($0.id))
        }
        let rights = try await service.rights(planId: p.id)
        let versionRows = try await service.versions(id: p.id)
        let person = try await Accounts.people(versionRows.map(\.savedBy), on: req.db, locale: locale)
        let versions = versionRows.map { VersionView(version: $0.version, by: person($0.savedBy), at: Date(timeIntervalSince1970: $0.savedAt).formatted(.iso8601.year().month().day())) }
        let deriveCommon = actor.can(.teachingWrite) && p.kindValue == .common ? try await service.writesCommon(subject: p.subject) : false
        let page = PlanPage(
            layout: req.layout("te.plan", title: p.title), id: p.id, kind: p.kindValue.label(locale), level: ResearchLevel(rawValue: p.level)?.label(locale) ?? "",
            state: p.kindValue == .common ? (CommonPlanState(rawValue: p.state)?.label(locale) ?? p.state) : "", title: p.title,
            subject: Subject(rawValue: p.subject)?.label(locale) ?? p.subject, grade: p.grade, version: p.version,
            parent: parent.map(item), children: children.map(item), sections: sections, ratio: diff.map { String(format: "%.1f%%", $0.changedRatio * 100) },
            copied: p.kindValue == .personal && (diff?.changedRatio ?? 1) < PlanDiff.nearlyUnchanged, versions: versions,
            tree: tree.count > 1 ? tree : [], attachments: attachments, attachAction: TeachingRoute.planAttachments.path(p.id), compareHref: TeachingRoute.compare.path(p.id),
            shown: versionRows.first?.version ?? p.version,
            editable: actor.teacherId == p.ownerTeacherId && (p.kindValue != .common || p.state == CommonPlanState.draft.rawValue),
            canDeriveCommon: deriveCommon,
            own: actor.teacherId == p.ownerTeacherId, canDerive: actor.can(.teachingWrite) && p.kindValue == .common, isCommon: p.kindValue == .common, stateKey: p.state,
            reviewLevel: p.reviewLevel, editHref: TeachingRoute.edit.path(p.id), deriveAction: TeachingRoute.derive.path(p.id), eventsAction: TeachingRoute.events.path(p.id),
            restoreAction: TeachingRoute.restore.path(p.id),
            canApprove: rights?.approve ?? false, canSendBack: rights?.sendBack ?? false, canRelease: rights?.release ?? false)
        return try await req.page("teaching/plan", page)
    }

    struct EditPage: Encodable { struct F: Encodable { let name: String; let label: String; let text: String }; let layout: Layout; let id: Int; let title: String; let version: Int; let fields: [F]; let action: String; let cancel: String }
    func edit(req: Request) async throws -> Response {
        let p = try await TeachingService(req).plan(id: try req.intParameter("id"))
        guard req.actor?.teacherId == p.ownerTeacherId else { throw DomainError.forbidden }
        return try await req.page("teaching/edit", EditPage(layout: req.layout("te.edit", title: p.title), id: p.id, title: p.title, version: p.version,
                                                           fields: PlanSection.names.enumerated().map { .init(name: "s\($0.offset)", label: $0.element, text: p.sectionMap[$0.element] ?? "") },
                                                           action: TeachingRoute.edit.path(p.id), cancel: TeachingRoute.plan.path(p.id)))
    }

    func save(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachingWrite)
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        var sections: [String: String] = [:]
        for (k, name) in PlanSection.names.enumerated() { if let v = f["s\(k)"] { sections[name] = v } }
        return try await Self.form(req, back: TeachingRoute.edit.path(id), ok: Self.t(req, "te.saved")) {
            _ = try await TeachingService(req).update(id: id, sections: sections, title: f["title"], version: Int(f["version"] ?? ""))
            return TeachingRoute.plan.path(id)
        }
    }

    func derive(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachingWrite)
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        return try await Self.form(req, back: TeachingRoute.plan.path(id), ok: Self.t(req, "te.derived")) {
            TeachingRoute.edit.path(try await TeachingService(req).derive(id: id, kind: f["kind"]).id)
        }
    }

    func event(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachingRead)
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        guard let e = f["event"].flatMap(TeachingService.Event.init(rawValue:)) else { throw DomainError.validation(["event": LocalizedText(zh: "未知的操作", en: "unknown step")]) }
        return try await Self.form(req, back: TeachingRoute.plan.path(id), ok: Self.t(req, "te.done")) {
            _ = try await TeachingService(req).act(id: id, event: e, version: Int(f["version"] ?? ""), reason: f["reason"], releaseOn: f["releaseOn"]); return nil
        }
    }

    func restore(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachingWrite)
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        return try await Self.form(req, back: TeachingRoute.plan.path(id), ok: Self.t(req, "te.restored", f["to"] ?? "")) {
            _ = try await TeachingService(req).restore(id: id, toVersion: Int(f["to"] ?? "") ?? -1, version: Int(f["version"] ?? "")); return nil
        }
    }

    struct GroupItem: Encodable { let name: String; let level: String; let subject: String; let leader: String; let reviewLevels: Int }
    struct Candidate: Encodable { let id: Int; let label: String; let leader: Bool; let member: Bool }
    struct GroupsPage: Encodable {
        let tab = "groups"; let layout: Layout; let groups: [GroupItem]; let canManage: Bool; let levels: [SelectOption]; let subjects: [SelectOption]
        /// Teachers to choose the leader and members from: those of the caller's scope that match
        /// the finder (name, subject, district), at most 200 at a time.
        let candidates: [Candidate]; let candidateTotal: Int; let candidatesCapped: Bool; let candidatesCut: Bool
        let finder: [String: String]; let finderSubjects: [SelectOption]; let finderDistricts: [SelectOption]
        let values: [String: String]; let errors: [String: String]; let reviewOptions: [SelectOption]
    }

    func groups(req: Request) async throws -> Response {
        try await groupsPage(req: req, values: [:], errors: [:], leader: nil, members: [])
    }

    func groupsPage(req: Request, values: [String: String], errors: [String: String], leader: Int?, members: Set<Int>, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        let groups = try await TeachingService(req).groups()
        let leaders = try await RegistryStore.teachers(ids: groups.map(\.leaderTeacherId), on: req.db)
        let locale = req.uiLocale
        var candidates: [Candidate] = [], total = 0, capped = false
        var finder: [String: String] = [:]
        var finderDistricts: [SelectOption] = []
        let canManage = actor.can(.teachingManage)
        if canManage {
            let q = try? req.query.decode([String: String].self)
            finder = ["q": q?["cq"] ?? values["cq"] ?? "", "subject": q?["csubject"] ?? values["csubject"] ?? "", "district": q?["cdistrict"] ?? values["cdistrict"] ?? ""]
            let service = RegistryService(req)
            let query = finder["q"]!.trimmed
            let filter = TeacherFilter(district: Int(finder["district"]!), q: query.count >= 1 ? String(query.prefix(40)) : nil, subject: Subject.parse(finder["subject"]!), sort: "name")
            let page = try await service.teachers(filter: filter, page: PageSpec(page: 1, per: PageSpec.maxPer), withSchool: true)
            total = page.total; capped = page.capped
            var rows = page.items
            // The chosen leader and members stay on the list when the finder moves on.
            let missing = Array(members.union(leader.map { [$0] } ?? [])).filter { id in !rows.contains { $0.id == id } }
            if !missing.isEmpty {
                for (_, t) in try await RegistryStore.teachers(ids: missing, on: req.db) where actor.covers(schoolId: t.schoolId, districtId: t.districtId) {
                    rows.insert(t, at: 0)
                }
            }
            candidates = rows.map { t in
                let subjects = t.subjects.split(separator: ",").compactMap { Subject(rawValue: String($0))?.label(locale) }.joined(separator: "、")
                return Candidate(id: t.id, label: [t.name, t.schoolName ?? "", subjects].filter { !$0.isEmpty }.joined(separator: " · "), leader: t.id == leader, member: members.contains(t.id))
            }
            if actor.isCountyBureau {
                finderDistricts = try await RegistryStore.districtRows(on: req.db, scope: actor.registryScope).map { SelectOption(value: String($0.id), label: $0.name, selected: String($0.id) == finder["district"]) }
            }
        }
        var formValues = values
        if formValues["level"] == nil { formValues["level"] = "district" }
        return try await req.page("teaching/groups", GroupsPage(
            layout: req.layout("te.groups"),
            groups: groups.map { GroupItem(name: $0.name, level: ResearchLevel(rawValue: $0.level)?.label(locale) ?? $0.level, subject: Subject(rawValue: $0.subject)?.label(locale) ?? $0.subject,
                                           leader: leaders[$0.leaderTeacherId]?.name ?? "", reviewLevels: $0.reviewLevels) },
            canManage: canManage, levels: options(ResearchLevel.self, selected: formValues["level"], locale: locale), subjects: options(Subject.self, selected: formValues["subject"], locale: locale),
            candidates: candidates, candidateTotal: total, candidatesCapped: capped, candidatesCut: total > PageSpec.maxPer,
            finder: finder, finderSubjects: options(Subject.self, selected: finder["subject"], locale: locale), finderDistricts: finderDistricts,
            values: formValues, errors: errors,
            reviewOptions: (1...3).map { SelectOption(value: String($0), label: String($0), selected: String($0) == (formValues["reviewLevels"] ?? "1")) }), status: status)
    }

    struct GroupForm: Content {
        let name: String?; let level: String?; let subject: String?; let leader: String?; let members: [String]?; let reviewLevels: String?
        let cq: String?; let csubject: String?; let cdistrict: String?
    }
    func createGroup(req: Request) async throws -> Response {
        try req.requireActor().require(.teachingManage)
        let b = try req.content.decode(GroupForm.self)
        let ids = Set((b.members ?? []).compactMap { Int($0) })
        do {
            _ = try await TeachingService(req).createGroup(name: b.name, level: b.level, subject: b.subject, leader: Int(b.leader ?? ""), members: Array(ids), reviewLevels: Int(b.reviewLevels ?? ""))
            return req.redirect(to: TeachingRoute.groups.path(), flash: Self.t(req, "te.saved"))
        } catch let e as DomainError where e.kind == .invalid {
            // The form comes back with what was chosen, and each field's complaint beside it.
            let values = ["name": b.name ?? "", "level": b.level ?? "", "subject": b.subject ?? "", "reviewLevels": b.reviewLevels ?? "1",
                          "cq": b.cq ?? "", "csubject": b.csubject ?? "", "cdistrict": b.cdistrict ?? ""]
            return try await groupsPage(req: req, values: values, errors: e.fieldMessages(req.uiLocale), leader: Int(b.leader ?? ""), members: ids, status: .unprocessableEntity)
        }
    }
}

enum TeachingStrings {
    static let table: [String: (String, String)] = [
        "nav.teaching": ("教研备课", "Lesson plans"), "te.title": ("教研与集体备课", "Teaching research and lesson plans"), "te.plan": ("教案", "Lesson plan"),
        "te.edit": ("编辑教案", "Edit the plan"), "te.groups": ("教研组", "Research groups"), "te.saved": ("已保存", "Saved"), "te.derived": ("已派生，请在此基础上二次备课", "Derived: now adapt it"),
        "te.done": ("已办理", "Done"), "te.restored": ("已恢复为第 {0} 版（另存为新版本）", "Version {0} restored as a new version"),
        "te.allKinds": ("全部类型", "all kinds"), "te.allSubjects": ("全部学科", "all subjects"), "te.search": ("检索（两个字以上）", "Search (two or more characters)"),
        "te.grade": ("年级", "Grade"), "te.kind": ("类型", "Kind"), "te.subject": ("学科", "Subject"), "te.titleCol": ("课题", "Title"), "te.planTitle": ("教案标题", "Plan title"), "te.state": ("状态", "State"),
        "te.show": ("查找", "Find"), "te.none": ("没有教案。", "No plans."), "te.new": ("新建教案", "New plan"), "te.create": ("创建并编辑", "Create and edit"),
        "te.edition": ("教材版本", "Textbook edition"), "te.unit": ("单元/课", "Unit / lesson"),
        "te.copied": ("与通案几乎相同的个案（改动不足5%）", "Personal plans nearly identical to their common plan (< 5% changed)"),
        "te.parent": ("来源", "Derived from"), "te.children": ("由此派生", "Derived plans"), "te.changed": ("与来源相比改动 {0}", "{0} changed from its source"),
        "te.copiedFlag": ("几乎未改动", "nearly unchanged"), "te.versions": ("历次版本", "Versions"), "te.restore": ("恢复此版本", "Restore"),
        "te.deriveMine": ("派生我的个案（二次备课）", "Derive my personal plan"), "te.deriveCommon": ("派生本级通案", "Derive a common plan for my level"),
        "te.submit": ("提交审核", "Submit for review"), "te.approve": ("审核通过（第 {0} 级）", "Approve (level {0})"), "te.sendBack": ("退回", "Send back"), "te.reviewWait": ("正在第 {0} 级审核，等待审核人处理", "in review at level {0}, with its reviewer"),
        "te.release": ("发布", "Release"), "te.releaseOn": ("发布日期（学期初）", "Release date (start of term)"), "te.reason": ("理由", "Reason"),
        "te.save": ("保存（新版本）", "Save (a new version)"), "te.cancel": ("取消", "Cancel"),
        "te.level": ("层级", "Level"), "te.leader": ("组长", "Leader"), "te.members": ("成员（组长自动加入）", "Members (the leader joins anyway)"),
        "te.finder": ("先找候选教师", "Find the teachers first"), "te.finder.q": ("姓名", "Name"), "te.finder.go": ("列出", "List"),
        "te.finder.count": ("符合条件的教师 {0} 名", "{0} teachers match"), "te.finder.countMore": ("符合条件的教师超过 {0} 名", "more than {0} teachers match"), "te.finder.cut": ("只列出前 200 名，请按姓名、学科或学区缩小范围。", "Only the first 200 are listed; narrow by name, subject or district."),
        "te.finder.none": ("没有符合条件的教师，请换个条件。", "No teacher matches; change the finder."), "te.anyDistrict": ("全部学区", "all districts"),
        "te.reviewLevels": ("审核级数", "Review levels"), "te.addGroup": ("新建教研组", "New group"),
        "te.home.review": ("{0} 份通案待您审核", "{0} common plans to review"),
        "te.tr.title": ("研训", "Training"), "te.tr.hours": ("教师培训学时", "Training hours"),
        "te.tr.rule": ("继续教育规定：每年不少于 {0} 学时（{1}年在用的规定）", "Continuing education: at least {0} hours a year (the rule for {1})"),
        "te.tr.enrolled": ("已报名 {0} 名教师", "{0} teachers enrolled"), "te.tr.new": ("新建培训项目", "New programme"), "te.tr.name": ("名称", "Name"),
        "te.tr.kind": ("类型", "Kind"), "te.tr.starts": ("开始", "Starts"), "te.tr.ends": ("结束", "Ends"), "te.tr.hoursCol": ("学时", "Hours"),
        "te.tr.enrolledCol": ("报名", "Enrolled"), "te.tr.attendedCol": ("出勤", "Attended"), "te.tr.enrol": ("按学校报名", "Enrol schools"),
        "te.tr.schools": ("学校代码（逗号分隔）", "School codes"), "te.tr.absent": ("缺勤教师编号（逗号分隔，其余为出勤）", "Absent teachers' numbers (the rest attended)"),
        "te.tr.attendance": ("登记出勤", "Record attendance"), "te.tr.export": ("导出学时（.xlsx）", "Hours (.xlsx)"),
        "te.tr.short": ("{0} / {1} 名教师学时不足", "{0} of {1} teachers short of hours"),
        "te.tr.byDistrict": ("按学区", "By district"), "te.tr.bySchool": ("按学校（学时不足人数最多的前100所）", "By school (the 100 with the most teachers short)"),
        "te.tr.byTeacher": ("按教师（差额最大者在前）", "By teacher (the largest shortfall first)"), "te.tr.district": ("学区", "District"),
        "te.tr.teachers": ("教师数", "Teachers"), "te.tr.shortTeachers": ("学时不足", "Short of hours"), "te.tr.shortShare": ("占比", "Share"),
        "te.tr.teacher": ("教师", "Teacher"), "te.tr.required": ("应修", "Required"),
        "te.tr.shortfall": ("差额", "Short"), "te.tr.none": ("暂无培训项目。", "No programmes yet."),
        "te.home.hours": ("{0} 名教师 {1} 年培训学时不足", "{0} teachers short of training hours in {1}"), "te.home.hours.detail": ("继续教育学时按规定统计", "continuing-education hours against the rule"),
        "te.ml.title": ("优课", "Model lessons"), "te.ml.public": ("县级优课名单", "The county's model lessons"), "te.ml.uploaded": ("已上传优课", "Model lesson uploaded"),
        "te.ml.late": ("已上传，但距上课不足{0}天，已标记为迟交", "Uploaded, but less than {0} days before the lesson: marked late"), "te.ml.selected": ("已推荐到上一级", "Sent up a level"),
        "te.ml.rule": ("优课须在上课前至少{0}天上传，迟交的标记出来；学校每年向学区推荐{1}节，学区向县推荐{2}节。", "Upload at least {0} days before the lesson (later ones are marked); a school sends {1} a year to its district, a district {2} to the county."),
        "te.ml.school": ("校级", "school"), "te.ml.district": ("学区级", "district"), "te.ml.county": ("县级", "county"),
        "te.ml.upload": ("上传优课", "Upload a model lesson"), "te.ml.plan": ("教案", "Plan"), "te.ml.teachingOn": ("上课日期", "Teaching date"),
        "te.ml.board": ("按时上传情况", "On-time uploads"), "te.ml.total": ("上传", "Uploaded"), "te.ml.lateCol": ("迟交", "Late"), "te.ml.onTime": ("按时率", "On time"),
        "te.ml.teacher": ("教师", "Teacher"), "te.ml.schoolCol": ("学校", "School"), "te.ml.level": ("级别", "Level"), "te.ml.select": ("推荐到上一级", "Send up"),
        "te.ml.lateFlag": ("迟交", "late"), "te.ml.none": ("暂无优课。", "No model lessons yet."), "te.ml.districtCol": ("学区", "District"), "te.home.review.detail": ("教研组长第一级审核", "first review level: the group's leader"),
    ]
}
