import Foundation
import Vapor
import XuequCore
import XuequKit

/// Browser pages of the registry.
public struct RegistryPages: Sendable {
    public init() {}

    public func register(_ r: any RoutesBuilder) {
        typealias R = RegistryRoute
        r.get(R.districts, use: districts)
        r.get(R.district, use: district)
        r.get(R.schools, use: schools)
        r.get(R.schoolsExport, use: exportSchools)
        r.get(R.schoolNew, use: newSchool)
        r.post(R.schoolNew, use: createSchool)
        r.get(R.school, use: school)
        r.get(R.schoolEdit, use: editSchool)
        r.post(R.schoolEdit, use: updateSchool)
        r.get(R.schoolMerge, use: mergeForm)
        r.post(R.schoolMerge, use: merge)
        r.get(R.schoolConditions, use: conditionsForm)
        r.post(R.schoolConditions, use: saveConditions)
        r.get(R.teachers, use: teachers)
        r.get(R.teachersExport, use: exportTeachers)
        r.get(R.departures, use: departures)
        r.get(R.teacherNew, use: newTeacher)
        r.post(R.teacherNew, use: createTeacher)
        r.get(R.teacher, use: teacher)
        r.get(R.teacherEdit, use: editTeacher)
        r.post(R.teacherEdit, use: updateTeacher)
        r.get(R.teacherTransfer, use: transferForm)
        r.post(R.teacherTransfer, use: transfer)
        r.get(R.imports, use: imports)
        r.get(R.importTemplate, use: template)
        r.on(.POST, R.importRun, body: .collect(maxSize: "20mb"), use: runImport)
    }

    /// The balance module's read key: the school page links to the school's balance view for
    /// those who hold it (the registry cannot import balance, which builds on it).
    static let balanceRead: Permission = "balance:read"

    // MARK: districts

    struct DistrictsPage: Encodable, Sendable {
        let layout: Layout
        let districts: [DistrictSummary]
        let totals: [String: Int]
        let pager: Pager
    }

    func districts(req: Request) async throws -> Response {
        let q = RegistryAPI.Query(req)
        let (page, t) = try await RegistryService(req).districts(page: PageSpec(page: try q.int("page"), per: 48))
        let totals = ["districts": t.districts, "schools": t.schools, "students": t.students, "teachers": t.teachers]
        return try await req.page("registry/districts", DistrictsPage(layout: req.layout("nav.districts"), districts: page.items, totals: totals, pager: Pager(page, req: req)))
    }

    struct DistrictPage: Encodable, Sendable {
        let layout: Layout
        let district: DistrictSummary
        let schools: [SchoolListRow]
        let pager: Pager
        let byStage: [StageCount]
        let narrowed: Bool
    }
    struct StageCount: Encodable, Sendable { let stage: String; let count: Int }

    func district(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        let service = RegistryService(req)
        let d = try await service.district(id: id)
        let summary = try await service.districtSummary(id: d.id)
        let schools = try await service.schools(filter: SchoolFilter(district: id, status: .active), page: try RegistryAPI.page(req))
        var counts: [String: Int] = [:]
        for (stage, n) in try await service.districtStages(id: d.id) { counts[stage] = n }
        let byStage = Stage.allCases.compactMap { st in counts[st.rawValue].map { StageCount(stage: st.rawValue, count: $0) } }
        // The counts above are the district's; the table is the caller's own records. A school's
        // people are told their list holds their school only, and get no links into lists that
        // would show them less than the number promises.
        let narrowed: Bool
        if case .school = try req.requireActor().registryScope { narrowed = true } else { narrowed = false }
        return try await req.page("registry/district", DistrictPage(layout: req.layout("", title: d.name), district: summary, schools: schools.items, pager: Pager(schools, req: req), byStage: byStage, narrowed: narrowed))
    }

    // MARK: schools

    /// The school table's rows.
    static func schoolRows(_ items: [SchoolListRow], locale: UILocale, to w: inout HTMLWriter) {
        let central = L10n.text("school.central", locale).htmlEscaped(), boarding = L10n.text("school.boarding", locale).htmlEscaped()
        var stage = Vocab.HTMLLabels("stage", locale), locality = Vocab.HTMLLabels("locality", locale), status = Vocab.HTMLLabels("status", locale)
        for s in items {
            w.raw(s.status != "active" ? "<tr class=\"inactive\"><td class=\"code\">" : "<tr><td class=\"code\">"); w.text(s.code)
            w.raw("</td><td><a href=\""); w.text(RegistryRoute.school.path(s.id)); w.raw("\">"); w.text(s.name); w.raw("</a>")
            if s.central { w.raw(" <span class=\"badge\">"); w.raw(central); w.raw("</span>") }
            if s.boarding { w.raw(" <span class=\"badge soft\">"); w.raw(boarding); w.raw("</span>") }
            w.raw("</td><td>"); w.text(s.districtName)
            w.raw("</td><td>"); stage.write(s.stage, to: &w)
            w.raw("</td><td>"); locality.write(s.locality, to: &w)
            w.raw("</td><td>"); status.write(s.status, to: &w)
            w.raw("</td><td class=\"num\">"); w.text(s.students)
            w.raw("</td><td class=\"num\">"); w.text(s.teachers); w.raw("</td></tr>")
        }
    }

    /// The top of a registry list page, up to its filter form's search field: the title, the
    /// export buttons (`export`: the export route and an id for the Excel button) and the
    /// new-record button for those who may, the form and its search box.
    static func listHead(_ w: inout HTMLWriter, req: Request, title: String, export: (path: String, xlsxID: String?)?, new: (path: String, label: String)?,
                         action: String, q: String?, searchHint: String, extra: (path: String, label: String)? = nil) {
        let locale = req.uiLocale
        w.raw("\n<div class=\"page-head row\">\n  <h1>"); w.label(title, locale); w.raw("</h1>\n  <div class=\"actions\">\n    ")
        if let export {
            w.raw("<a class=\"button\" href=\""); w.text(Pager.url(req, path: export.path, replacing: ["format": "xlsx", "page": nil])); w.raw("\"")
            if let id = export.xlsxID { w.raw(" id=\""); w.raw(id); w.raw("\"") }
            w.raw(">"); w.label("list.exportXlsx", locale); w.raw("</a><a class=\"button\" href=\"")
            w.text(Pager.url(req, path: export.path, replacing: ["format": "csv", "page": nil])); w.raw("\">"); w.label("list.exportCsv", locale); w.raw("</a>")
        }
        w.raw("\n    ")
        if let extra { w.raw("<a class=\"button\" href=\""); w.text(extra.path); w.raw("\">"); w.label(extra.label, locale); w.raw("</a>") }
        if let new { w.raw("<a class=\"button primary\" href=\""); w.text(new.path); w.raw("\">"); w.label(new.label, locale); w.raw("</a>") }
        w.raw("\n  </div>\n</div>\n<form class=\"filters\" method=\"get\" action=\""); w.text(action)
        w.raw("\" role=\"search\">\n  <label class=\"grow\">"); w.label("list.search", locale); w.raw("<input type=\"search\" name=\"q\" value=\""); w.text(q ?? "")
        w.raw("\" placeholder=\""); w.label(searchHint, locale); w.raw("\"></label>\n  ")
    }

    /// A column heading that sorts the list by `sort` (nil: the default order), from the first page.
    static func sortHeader(_ w: inout HTMLWriter, req: Request, sort: String?, _ label: String, numeric: Bool = false) {
        w.raw(numeric ? "<th class=\"num\"><a href=\"" : "<th><a href=\""); w.text(Pager.url(req, replacing: ["sort": sort, "page": nil]))
        w.raw("\">"); w.label(label, req.uiLocale); w.raw("</a></th>")
    }

    /// The school list, written in Swift (`Request.page(_:content:)`): at province scale Leaf's
    /// interpreter cost more than the list's query. The markup is the one `schools.leaf` wrote
    /// (the `schools` and `schools-district` page snapshots hold it).
    func schools(req: Request) async throws -> Response {
        let service = RegistryService(req)
        let filter = try RegistryAPI.schoolFilter(req)
        let result = try await service.schools(filter: filter, page: try RegistryAPI.page(req))
        let actor = try req.requireActor()
        let districts = try await service.districtRows()
        let locale = req.uiLocale
        var w = HTMLWriter(capacity: 4096 + result.items.count * 400 + districts.count * 48)
        Self.listHead(&w, req: req, title: "nav.schools", export: actor.can(.registryExport) ? (RegistryRoute.schoolsExport.path(), "export-xlsx") : nil,
                      new: actor.can(.schoolsWrite) ? (RegistryRoute.schoolNew.path(), "school.new") : nil, action: RegistryRoute.schools.path(),
                      q: filter.q, searchHint: "schools.searchHint")
        if districts.count > 1 { w.filter("district", label: "school.district", districts.map { SelectOption(value: String($0.id), label: $0.name, selected: $0.id == filter.district) }, locale: locale) }
        w.raw("\n  "); w.filter("stage", label: "school.stage", options(Stage.self, selected: filter.stage?.rawValue, locale: locale), locale: locale)
        w.raw("\n  "); w.filter("locality", label: "school.locality", options(Locality.self, selected: filter.locality?.rawValue, locale: locale), locale: locale)
        w.raw("\n  "); w.filter("status", label: "school.status", options(SchoolStatus.self, selected: filter.status?.rawValue, locale: locale), locale: locale)
        w.raw("\n  <button type=\"submit\" class=\"primary\">"); w.label("list.filter", locale)
        w.raw("</button>\n</form>\n<div class=\"table-wrap\"><table class=\"data\" id=\"school-list\">\n<thead><tr>")
        Self.sortHeader(&w, req: req, sort: nil, "school.code"); Self.sortHeader(&w, req: req, sort: "name", "school.name")
        for key in ["school.district", "school.stage", "school.locality", "school.status"] { w.raw("<th>"); w.label(key, locale); w.raw("</th>") }
        Self.sortHeader(&w, req: req, sort: filter.sort == "students" ? "-students" : "students", "school.students", numeric: true)
        w.raw("<th class=\"num\">"); w.label("school.teacherCount", locale); w.raw("</th></tr></thead>\n<tbody>\n")
        Self.schoolRows(result.items, locale: locale, to: &w)
        w.raw("\n</tbody></table></div>\n")
        w.listEnd(empty: result.items.isEmpty, pager: Pager(result, req: req), locale: locale)
        return req.page(req.layout("nav.schools"), content: w.html)
    }

    public static func download(_ table: SheetTable, name: String, req: Request, numericColumns: Set<Int> = []) throws -> Response {
        let format: SpreadsheetFormat = req.query[String.self, at: "format"] == "csv" ? .csv : .xlsx
        let data = try Spreadsheet.write(table, format: format, sheetName: name, numericColumns: numericColumns)
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = format == .csv ? HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"]) : HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        let filename = "\(name).\(format.rawValue)"
        let encoded = filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "export"
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"export.\(format.rawValue)\"; filename*=UTF-8''\(encoded)")
        return res
    }

    func exportSchools(req: Request) async throws -> Response {
        let table = try await RegistryService(req).exportSchools(filter: try RegistryAPI.schoolFilter(req))
        return try Self.download(table, name: "学校名册", req: req)
    }

    struct SchoolDetailPage: Encodable, Sendable {
        let layout: Layout
        let school: SchoolRow
        let districtName: String
        let mergedIntoName: String?
        let teachers: [TeacherRow]
        let teacherTotal: Int
        let mergers: [MergerRow]
        let conditions: [ConditionsView]
        let canEdit: Bool
        let canMerge: Bool
        let isActive: Bool
        let canConditions: Bool
        let canBalance: Bool
    }

    func school(req: Request) async throws -> Response {
        let service = RegistryService(req)
        let s = try await service.school(id: try req.intParameter("id"))
        let actor = try req.requireActor()
        let teachers = try await service.teachers(filter: TeacherFilter(school: s.id, sort: "name"), page: PageSpec(page: 1, per: 20))
        let district = try await RegistryStore.district(id: s.districtId, on: req.db)
        let into = try await s.mergedIntoId.asyncMap { try await RegistryStore.school(id: $0, on: req.db) }
        let page = SchoolDetailPage(layout: req.layout("", title: s.name), school: s, districtName: district?.name ?? "", mergedIntoName: (into ?? nil)?.name,
                                    teachers: teachers.items, teacherTotal: teachers.total, mergers: try await service.mergers(schoolId: s.id),
                                    conditions: try await RegistryStore.conditions(schoolId: s.id, on: req.db).map(ConditionsView.init),
                                    canEdit: actor.can(.schoolsWrite), canMerge: actor.can(.schoolsMerge) && s.status == "active", isActive: s.status == "active",
                                    canConditions: actor.can(.conditionsWrite) && s.status == "active", canBalance: actor.can(Self.balanceRead))
        return try await req.page("registry/school", page)
    }

    /// Conditions for display: decimals as text, since templates cannot format `Decimal`.
    struct ConditionsView: Encodable, Sendable {
        let year: Int; let students: SchoolConditions.Students; let floorArea: String; let sportsArea: String; let equipmentValue: String
        let computers: Int; let books: Int; let multimediaRooms: Int
        init(_ c: SchoolConditions) {
            year = c.year; students = c.students; computers = c.computers; books = c.books; multimediaRooms = c.multimediaRooms
            floorArea = "\(c.floorArea)"; sportsArea = "\(c.sportsArea)"; equipmentValue = "\(c.equipmentValue)"
        }
    }

    struct SchoolForm: Encodable, Sendable {
        let layout: Layout
        let action: String
        let values: [String: String]
        let errors: [String: String]
        let districts: [SelectOption]
        let stages: [SelectOption]
        let localities: [SelectOption]
        let isNew: Bool
        let cancel: String
        /// The school has yearly conditions: its students are theirs, shown and not typed.
        let studentsLocked: Bool
        let conditionsHref: String?
    }

    /// Browser forms send "" for an empty select or field: numbers arrive as text and are read here.
    struct SchoolFormBody: Content {
        let code: String?; let name: String?; let districtIdText: String?; let stage: String?; let locality: String?; let students: String?
        let boarding: String?; let central: String?; let standardised: String?; let address: String?; let versionText: String?
        enum CodingKeys: String, CodingKey {
            case code, name, stage, locality, students, boarding, central, standardised, address
            case districtIdText = "districtId", versionText = "version"
        }
        var districtId: Int? { districtIdText.flatMap { Int($0) } }
        var version: Int? { versionText.flatMap { Int($0) } }
    }

    func schoolForm(req: Request, action: String, values: [String: String], errors: [String: String], isNew: Bool, cancel: String, schoolId: Int? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let locale = req.uiLocale
        let districts = try await RegistryService(req).districtRows()
        let locked = try await schoolId.asyncMap { try await RegistryService(req).schoolHasConditions(id: $0) } ?? false
        let form = SchoolForm(layout: req.layout(isNew ? "school.new" : "school.edit"), action: action, values: values, errors: errors,
                              districts: districts.map { SelectOption(value: String($0.id), label: $0.name, selected: String($0.id) == values["districtId"]) },
                              stages: options(Stage.self, selected: values["stage"], locale: locale), localities: options(Locality.self, selected: values["locality"], locale: locale),
                              isNew: isNew, cancel: cancel, studentsLocked: locked, conditionsHref: schoolId.map { RegistryRoute.schoolConditions.path($0) })
        return try await req.page("registry/school_form", form, status: status)
    }

    func newSchool(req: Request) async throws -> Response {
        try req.requireActor().require(.schoolsWrite)
        let d = req.actor?.districtId.map(String.init) ?? ""
        return try await schoolForm(req: req, action: RegistryRoute.schoolNew.path(), values: ["districtId": d, "stage": "primary", "locality": "rural"], errors: [:], isNew: true, cancel: RegistryRoute.schools.path())
    }

    static func values(_ b: SchoolFormBody) -> [String: String] {
        ["code": b.code ?? "", "name": b.name ?? "", "districtId": b.districtId.map(String.init) ?? "", "stage": b.stage ?? "", "locality": b.locality ?? "",
         "students": b.students ?? "", "boarding": b.boarding ?? "", "central": b.central ?? "", "standardised": b.standardised ?? "", "address": b.address ?? "",
         "version": b.version.map(String.init) ?? ""]
    }

    static func draft(_ b: SchoolFormBody) throws -> SchoolDraft {
        let students: Int?
        if let s = b.students?.trimmingCharacters(in: .whitespaces), !s.isEmpty {
            guard let n = Int(s) else { throw DomainError.validation(["students": LocalizedText(zh: "应为整数", en: "must be a whole number")]) }
            students = n
        } else { students = nil }
        guard let did = b.districtId else { throw DomainError.validation(["districtId": LocalizedText(zh: "请选择学区", en: "choose a district")]) }
        return SchoolDraft(code: b.code ?? "", name: b.name ?? "", districtRef: .id(did), stage: b.stage ?? "", locality: b.locality ?? "",
                           boarding: b.boarding == "on", central: b.central == "on", standardised: b.standardised == "on", students: students, address: b.address)
    }

    /// A form sent back: 409 when someone else changed the record, else 422.

    func createSchool(req: Request) async throws -> Response {
        // Permission before the form is judged: 403, not the form's 422, to those without it.
        try req.requireActor().require(.schoolsWrite)
        let b = try req.content.decode(SchoolFormBody.self)
        do {
            let s = try await RegistryService(req).createSchool(try Self.draft(b))
            return req.redirect(to: RegistryRoute.school.path(s.id), flash: L10n.text("flash.saved", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return try await schoolForm(req: req, action: RegistryRoute.schoolNew.path(), values: Self.values(b), errors: e.fieldMessages(req.uiLocale), isNew: true, cancel: RegistryRoute.schools.path(), status: e.formStatus)
        }
    }

    func editSchool(req: Request) async throws -> Response {
        try req.requireActor().require(.schoolsWrite)
        let s = try await RegistryService(req).school(id: try req.intParameter("id"))
        let values = ["code": s.code, "name": s.name, "districtId": String(s.districtId), "stage": s.stage, "locality": s.locality, "students": String(s.students),
                      "boarding": s.boarding ? "on" : "", "central": s.central ? "on" : "", "standardised": s.standardised ? "on" : "", "address": s.address ?? "", "version": String(s.version)]
        return try await schoolForm(req: req, action: RegistryRoute.schoolEdit.path(s.id), values: values, errors: [:], isNew: false, cancel: RegistryRoute.school.path(s.id), schoolId: s.id)
    }

    func updateSchool(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.schoolsWrite)
        _ = try await RegistryService(req).school(id: id)
        let b = try req.content.decode(SchoolFormBody.self)
        do {
            _ = try await RegistryService(req).updateSchool(id: id, try Self.draft(b), version: b.version ?? -1)
            return req.redirect(to: RegistryRoute.school.path(id), flash: L10n.text("flash.saved", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return try await schoolForm(req: req, action: RegistryRoute.schoolEdit.path(id), values: Self.values(b), errors: e.fieldMessages(req.uiLocale), isNew: false, cancel: RegistryRoute.school.path(id), schoolId: id, status: e.formStatus)
        }
    }

    struct MergeForm: Encodable, Sendable {
        let layout: Layout
        let school: SchoolRow
        let targets: [SelectOption]
        let today: String
        let errors: [String: String]
        let teacherCount: Int
    }

    func mergeFormPage(req: Request, id: Int, errors: [String: String], status: HTTPStatus = .ok) async throws -> Response {
        try req.requireActor().require(.schoolsMerge)
        let service = RegistryService(req)
        let s = try await service.school(id: id)
        let candidates = try await service.schools(filter: SchoolFilter(district: s.districtId, status: .active), page: PageSpec(page: 1, per: 200))
        let teacherCount = try await service.teachers(filter: TeacherFilter(school: id), page: PageSpec(page: 1, per: 1)).total
        let today = CivilDate.today(req.application.clock.now()).description
        return try await req.page("registry/merge", MergeForm(layout: req.layout("merge.title"), school: s,
                                                              targets: candidates.items.filter { $0.id != s.id }.map { SelectOption(value: String($0.id), label: "\($0.name)（\($0.code)）", selected: false) },
                                                              today: today, errors: errors, teacherCount: teacherCount), status: status)
    }

    func mergeForm(req: Request) async throws -> Response {
        try await mergeFormPage(req: req, id: try req.intParameter("id"), errors: [:])
    }

    struct MergeBody: Content {
        let intoSchoolIdText: String?; let mergedOn: String?; let note: String?
        enum CodingKeys: String, CodingKey { case intoSchoolIdText = "intoSchoolId", mergedOn, note }
        var intoSchoolId: Int? { intoSchoolIdText.flatMap { Int($0) } }
    }

    func merge(req: Request) async throws -> Response {
        try req.requireActor().require(.schoolsMerge)
        let id = try req.intParameter("id")
        let b = try req.content.decode(MergeBody.self)
        do {
            guard let into = b.intoSchoolId else { throw DomainError.validation(["intoSchoolId": LocalizedText(zh: "请选择并入的学校", en: "choose the school to merge into")]) }
            guard let date = CivilDate(parsing: b.mergedOn ?? "") else { throw DomainError.validation(["mergedOn": LocalizedText(zh: "日期格式应为 YYYY-MM-DD", en: "expected YYYY-MM-DD")]) }
            let m = try await RegistryService(req).merge(schoolId: id, into: into, on: date, note: b.note?.isEmpty == true ? nil : b.note)
            return req.redirect(to: RegistryRoute.school.path(m.intoSchoolId), flash: L10n.text("flash.merged", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid {
            return try await mergeFormPage(req: req, id: id, errors: e.fieldMessages(req.uiLocale), status: e.formStatus)
        }
    }

    // MARK: teachers

    struct TeacherItem: Encodable, Sendable {
        let id: Int; let name: String; let gender: String; let residentId: String; let schoolId: Int; let schoolName: String; let subjects: String
        let education: String; let putonghua: String; let title: String; let backbone: String; let schoolSince: String; let years: Int; let due: Bool
        let round: String
    }

    static func item(_ t: TeacherRow, service: RegistryService, today: CivilDate, rules: RotationRules) -> TeacherItem {
        let full = service.seesFull(t)
        let round = RotationRules.nextRound(after: today)
        // Counted on the round (1 September), as the rotation counts them: one computation for
        // the list's badge and /exchange/eligible (issue 28: the list said 5 where eligibility said 6).
        let years = t.yearsAtSchool(on: round)
        return TeacherItem(id: t.id, name: t.name, gender: t.gender, residentId: full ? t.residentId : Masking.residentID(t.residentId), schoolId: t.schoolId,
                           schoolName: t.schoolName ?? "", subjects: t.subjects, education: t.education, putonghua: t.putonghua, title: t.title, backbone: t.backbone,
                           schoolSince: t.schoolSince, years: years, due: years >= rules.yearsAtSchool, round: round.description)
    }

    /// The teacher table's rows.
    static func teacherRows(_ items: [TeacherItem], locale: UILocale, to w: inout HTMLWriter) {
        let dueTitle = L10n.text("teachers.due", locale).htmlEscaped(), years = L10n.text("teachers.years", locale)
        var gender = Vocab.HTMLLabels("gender", locale), subject = Vocab.HTMLLabels("subject", locale), education = Vocab.HTMLLabels("education", locale)
        var title = Vocab.HTMLLabels("title", locale), backbone = Vocab.HTMLLabels("backbone", locale)
        for t in items {
            w.raw("<tr><td><a href=\""); w.text(RegistryRoute.teacher.path(t.id)); w.raw("\">"); w.text(t.name)
            w.raw("</a></td><td>"); gender.write(t.gender, to: &w)
            w.raw("</td><td class=\"code\">"); w.text(t.residentId)
            w.raw("</td><td><a href=\""); w.text(RegistryRoute.school.path(t.schoolId)); w.raw("\">"); w.text(t.schoolName)
            w.raw("</a></td><td>"); subject.write(t.subjects, to: &w)
            w.raw("</td><td>"); education.write(t.education, to: &w)
            w.raw("</td><td>"); title.write(t.title, to: &w)
            w.raw("</td><td>"); backbone.write(t.backbone, to: &w)
            w.raw("</td><td class=\"nowrap\">"); w.text(t.schoolSince); w.raw(" ")
            if t.due {
                w.raw("<span class=\"badge warn\" title=\""); w.raw(dueTitle); w.raw("\">")
                w.text(L10n.fill(years, [String(t.years), t.round])); w.raw("</span>")
            }
            w.raw("</td></tr>")
        }
    }

    struct DepartureView: Encodable { let date: String; let teacher: String; let from: String; let to: String; let reason: String; let roles: [String] }
    struct DeparturesPage: Encodable { let layout: Layout; let rows: [DepartureView]; let since: String }

    /// Teachers who left the caller's school, district or county in the last year, with the roles
    /// that ended with each move (a district's researcher, a group's leader, an intern's mentor),
    /// for the office to fill again.
    func departures(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.teachersWrite)
        let today = CivilDate.today(req.application.clock.now())
        let since = today.adding(days: -365).description
        let rows = try await RegistryStore.departures(scope: actor.registryScope, since: since, on: req.db)
        let ended = try await RegistryStore.roleEndings(scope: actor.registryScope, since: req.application.clock.now().timeIntervalSince1970 - 366 * 86_400, limit: 1_000, on: req.db)
        let roles = Dictionary(grouping: ended) { "\($0.teacherId):\($0.fromSchoolId):\($0.endedOn)" }
        let locale = req.uiLocale
        let views = rows.map { d in
            DepartureView(date: d.onDate, teacher: d.teacherName, from: d.fromSchoolName, to: d.toSchoolName, reason: { let k = "transfer.reason." + d.reason; let t = L10n.text(k, locale); return t == k ? d.reason : t }(),
                          roles: (roles["\(d.teacherId):\(d.fromSchoolId):\(d.onDate)"] ?? []).map { locale == .en ? $0.roleEn : $0.roleZh })
        }
        return try await req.page("registry/departures", DeparturesPage(layout: req.layout("departures.title"), rows: views, since: since))
    }

    /// The teacher list, written in Swift like the school list; the markup is the one
    /// `teachers.leaf` wrote (the three `teachers-*` page snapshots hold it).
    func teachers(req: Request) async throws -> Response {
        let service = RegistryService(req)
        var filter = try RegistryAPI.teacherFilter(req)
        let today = CivilDate.today(req.application.clock.now())
        let dueChecked = req.query[String.self, at: "due"] == "1"
        if dueChecked { filter.dueOn = RotationRules.nextRound(after: today) }
        if filter.sort == nil { filter.sort = "default" }
        let result = try await service.teachers(filter: filter, page: try RegistryAPI.page(req), withSchool: true)
        let rules = try await service.rotationRules()
        let actor = try req.requireActor()
        let locale = req.uiLocale
        let districts = try await service.districtRows()
        var schoolOptions: [SelectOption] = []
        if actor.schoolId == nil {
            let district = filter.district ?? (districts.count == 1 ? districts[0].id : nil)
            if let district {
                schoolOptions = try await service.schoolChoices(district: district)
                    .map { SelectOption(value: String($0.id), label: "\($0.code) \($0.name)", selected: $0.id == filter.school) }
            }
        }
        let items = result.items.map { Self.item($0, service: service, today: today, rules: rules) }
        var w = HTMLWriter(capacity: 6144 + items.count * 600 + (districts.count + schoolOptions.count) * 48)
        Self.listHead(&w, req: req, title: "nav.teachers", export: actor.can(.registryExport) ? (RegistryRoute.teachersExport.path(), nil) : nil,
                      new: actor.can(.teachersWrite) ? (RegistryRoute.teacherNew.path(), "teacher.new") : nil, action: RegistryRoute.teachers.path(),
                      q: filter.q, searchHint: "teachers.searchHint",
                      extra: actor.oneCounty != nil ? (CountyTransferRoute.list.path(), "teachers.countyTransfers") : nil)
        if districts.count > 1 { w.filter("district", label: "school.district", districts.map { SelectOption(value: String($0.id), label: $0.name, selected: $0.id == filter.district) }, locale: locale) }
        w.raw("\n  ")
        if !schoolOptions.isEmpty { w.filter("school", label: "teacher.school", schoolOptions, locale: locale) }
        w.raw("\n  "); w.filter("subject", label: "teacher.subjects", options(Subject.self, selected: filter.subject?.rawValue, locale: locale), locale: locale)
        w.raw("\n  "); w.filter("title", label: "teacher.title", options(Title.self, selected: filter.title?.rawValue, locale: locale), locale: locale)
        w.raw("\n  "); w.filter("backbone", label: "teacher.backbone", options(Backbone.self, selected: filter.backbone?.rawValue, locale: locale), locale: locale)
        w.raw("\n  <label class=\"check\"><input type=\"checkbox\" name=\"due\" value=\"1\""); if dueChecked { w.raw(" checked") }
        w.raw("> "); w.label("teachers.due", locale); w.raw("</label>\n  <button type=\"submit\" class=\"primary\">"); w.label("list.filter", locale)
        w.raw("</button>\n</form>\n<div class=\"table-wrap\"><table class=\"data\" id=\"teacher-list\">\n<thead><tr>")
        func th(_ key: String) { w.raw("<th>"); w.label(key, locale); w.raw("</th>") }
        Self.sortHeader(&w, req: req, sort: "name", "teacher.name"); th("teacher.gender"); th("teacher.residentId"); Self.sortHeader(&w, req: req, sort: nil, "teacher.school")
        th("teacher.subjects"); th("teacher.education"); th("teacher.title"); th("teacher.backbone"); Self.sortHeader(&w, req: req, sort: "since", "teacher.since")
        w.raw("</tr></thead>\n<tbody>\n")
        Self.teacherRows(items, locale: locale, to: &w)
        w.raw("\n</tbody></table></div>\n")
        w.listEnd(empty: items.isEmpty, pager: Pager(result, req: req), locale: locale)
        return req.page(req.layout("nav.teachers"), content: w.html)
    }

    func exportTeachers(req: Request) async throws -> Response {
        var filter = try RegistryAPI.teacherFilter(req)
        if req.query[String.self, at: "due"] == "1" {
            filter.dueOn = RotationRules.nextRound(after: CivilDate.today(req.application.clock.now()))
        }
        let table = try await RegistryService(req).exportTeachers(filter: filter)
        return try Self.download(table, name: "教师名册", req: req)
    }

    struct TeacherDetailPage: Encodable, Sendable {
        let layout: Layout
        let teacher: TeacherItem
        let birthDate: String
        let phone: String
        let stagePart: String
        let transfers: [TransferRow]
        let canEdit: Bool
        /// A county's bureau among several may release the teacher to another county.
        let canLeaveCounty: Bool
    }

    func teacher(req: Request) async throws -> Response {
        let service = RegistryService(req)
        let t = try await service.teacher(id: try req.intParameter("id"))
        let actor = try req.requireActor()
        let full = service.seesFull(t)
        let today = CivilDate.today(req.application.clock.now())
        let page = TeacherDetailPage(layout: req.layout("", title: t.name), teacher: Self.item(t, service: service, today: today, rules: try await service.rotationRules()),
                                     birthDate: full ? t.birthDate : String(t.birthDate.prefix(4)), phone: full ? (t.phone ?? "") : (t.phone.map(Masking.phone) ?? ""),
                                     stagePart: t.stagePart ?? "", transfers: try await service.transfers(teacherId: t.id),
                                     canEdit: actor.can(.teachersWrite) && actor.covers(schoolId: t.schoolId, districtId: t.districtId),
                                     canLeaveCounty: actor.oneCounty != nil && actor.can(.teachersWrite))
        return try await req.page("registry/teacher", page)
    }

    struct TeacherForm: Encodable, Sendable {
        let layout: Layout
        let action: String
        let values: [String: String]
        let errors: [String: String]
        let schools: [SelectOption]
        let subjects: [SelectOption]
        let educations: [SelectOption]
        let putonghuas: [SelectOption]
        let titles: [SelectOption]
        let backbones: [SelectOption]
        let parts: [SelectOption]
        let qualifications: [SelectOption]
        let isNew: Bool
        let cancel: String
        /// When editing: the school, which only a transfer changes.
        var currentSchool: String? = nil
        var transferHref: String? = nil
        /// Above a few hundred schools a select box is unusable: type the school code instead.
        let schoolCodeInput: Bool
    }

    struct TeacherFormBody: Content {
        let schoolCode: String?
        let name: String?; let residentId: String?; let schoolIdText: String?; let subjects: [String]?; let education: String?; let putonghua: String?
        let title: String?; let backbone: String?; let schoolSince: String?; let stagePart: String?; let phone: String?; let versionText: String?
        let qualificationType: String?; let qualificationNumber: String?; let principalSince: String?
        enum CodingKeys: String, CodingKey {
            case schoolCode, name, residentId, subjects, education, putonghua, title, backbone, schoolSince, stagePart, phone
            case qualificationType, qualificationNumber, principalSince
            case schoolIdText = "schoolId", versionText = "version"
        }
        var schoolId: Int? { schoolIdText.flatMap { Int($0) } }
        var version: Int? { versionText.flatMap { Int($0) } }
    }

    func teacherForm(req: Request, action: String, values: [String: String], errors: [String: String], isNew: Bool, cancel: String, status: HTTPStatus = .ok) async throws -> Response {
        let locale = req.uiLocale
        let service = RegistryService(req)
        let schools = try await service.schools(filter: SchoolFilter(status: .active, sort: "district"), page: PageSpec(page: 1, per: 200))
        var allSchools = schools.items
        let codeInput = schools.total > 600
        // Bureau admins of a county see every active school (350 or so); a province types codes.
        if schools.total > 200 && !codeInput {
            for p in 2...((schools.total + 199) / 200) {
                allSchools += try await service.schools(filter: SchoolFilter(status: .active, sort: "district"), page: PageSpec(page: p, per: 200)).items
            }
        }
        let chosenSubjects = Set((values["subjects"] ?? "").split(separator: ",").map(String.init))
        let form = TeacherForm(
            layout: req.layout(isNew ? "teacher.new" : "teacher.edit"), action: action, values: values, errors: errors,
            schools: allSchools.map { SelectOption(value: String($0.id), label: "\($0.code) \($0.name)（\($0.districtName)）", selected: String($0.id) == values["schoolId"]) },
            subjects: Subject.allCases.map { SelectOption(value: $0.rawValue, label: $0.label(locale), selected: chosenSubjects.contains($0.rawValue)) },
            educations: options(Education.self, selected: values["education"], locale: locale), putonghuas: options(Putonghua.self, selected: values["putonghua"], locale: locale),
            titles: options(Title.self, selected: values["title"], locale: locale), backbones: options(Backbone.self, selected: values["backbone"], locale: locale),
            parts: options(StagePart.self, selected: values["stagePart"], locale: locale),
            qualifications: options(QualificationType.self, selected: values["qualificationType"], locale: locale), isNew: isNew, cancel: cancel,
            currentSchool: isNew ? nil : allSchools.first { String($0.id) == values["schoolId"] }.map { "\($0.code) \($0.name)（\($0.districtName)）" } ?? values["schoolName"],
            transferHref: isNew ? nil : values["teacherId"].flatMap { Int($0) }.map { RegistryRoute.teacherTransfer.path($0) }, schoolCodeInput: codeInput)
        return try await req.page("registry/teacher_form", form, status: status)
    }

    static func values(_ b: TeacherFormBody) -> [String: String] {
        ["name": b.name ?? "", "residentId": b.residentId ?? "", "schoolId": b.schoolId.map(String.init) ?? "", "schoolCode": b.schoolCode ?? "", "subjects": (b.subjects ?? []).joined(separator: ","),
         "education": b.education ?? "", "putonghua": b.putonghua ?? "", "title": b.title ?? "", "backbone": b.backbone ?? "", "schoolSince": b.schoolSince ?? "",
         "stagePart": b.stagePart ?? "", "phone": b.phone ?? "", "version": b.version.map(String.init) ?? "",
         "qualificationType": b.qualificationType ?? "", "qualificationNumber": b.qualificationNumber ?? "", "principalSince": b.principalSince ?? ""]
    }

    static func draft(_ b: TeacherFormBody) throws -> TeacherDraft {
        let ref: TeacherDraft.SchoolRef
        if let sid = b.schoolId { ref = .id(sid) }
        else if let code = b.schoolCode?.trimmed, !code.isEmpty { ref = .code(code) }
        else { throw DomainError.validation(["schoolId": LocalizedText(zh: "请选择学校", en: "choose a school")]) }
        var d = TeacherDraft(name: b.name ?? "", residentId: b.residentId ?? "", schoolRef: ref, subjects: b.subjects ?? [], education: b.education ?? "",
                             putonghua: b.putonghua ?? "", title: b.title ?? "", backbone: b.backbone ?? "", schoolSince: b.schoolSince ?? "", stagePart: b.stagePart, phone: b.phone)
        d.qualificationType = b.qualificationType; d.qualificationNumber = b.qualificationNumber; d.principalSince = b.principalSince
        return d
    }

    func newTeacher(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.teachersWrite)
        let values = ["schoolId": actor.schoolId.map(String.init) ?? (req.query[String.self, at: "school"] ?? ""), "title": "none", "backbone": "none", "putonghua": "2B", "education": "bachelor"]
        return try await teacherForm(req: req, action: RegistryRoute.teacherNew.path(), values: values, errors: [:], isNew: true, cancel: RegistryRoute.teachers.path())
    }

    func createTeacher(req: Request) async throws -> Response {
        try req.requireActor().require(.teachersWrite)
        let b = try req.content.decode(TeacherFormBody.self)
        do {
            let t = try await RegistryService(req).createTeacher(try Self.draft(b))
            return req.redirect(to: RegistryRoute.teacher.path(t.id), flash: L10n.text("flash.saved", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return try await teacherForm(req: req, action: RegistryRoute.teacherNew.path(), values: Self.values(b), errors: e.fieldMessages(req.uiLocale), isNew: true, cancel: RegistryRoute.teachers.path(), status: e.formStatus)
        }
    }

    func editTeacher(req: Request) async throws -> Response {
        try req.requireActor().require(.teachersWrite)
        let t = try await RegistryService(req).teacher(id: try req.intParameter("id"))
        let values = ["teacherId": String(t.id), "schoolName": t.schoolName ?? "", "name": t.name, "residentId": t.residentId, "schoolId": String(t.schoolId), "subjects": t.subjects, "education": t.education, "putonghua": t.putonghua,
                      "title": t.title, "backbone": t.backbone, "schoolSince": t.schoolSince, "stagePart": t.stagePart ?? "", "phone": t.phone ?? "", "version": String(t.version),
                      "qualificationType": t.qualificationType ?? "", "qualificationNumber": t.qualificationNumber ?? "", "principalSince": t.principalSince ?? ""]
        return try await teacherForm(req: req, action: RegistryRoute.teacherEdit.path(t.id), values: values, errors: [:], isNew: false, cancel: RegistryRoute.teacher.path(t.id))
    }

    func updateTeacher(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachersWrite)
        _ = try await RegistryService(req).teacher(id: id)
        let b = try req.content.decode(TeacherFormBody.self)
        do {
            _ = try await RegistryService(req).updateTeacher(id: id, try Self.draft(b), version: b.version ?? -1)
            return req.redirect(to: RegistryRoute.teacher.path(id), flash: L10n.text("flash.saved", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            var values = Self.values(b)
            values["teacherId"] = String(id)
            return try await teacherForm(req: req, action: RegistryRoute.teacherEdit.path(id), values: values, errors: e.fieldMessages(req.uiLocale), isNew: false, cancel: RegistryRoute.teacher.path(id), status: e.formStatus)
        }
    }

    // MARK: 调动 (transfer)

    struct TransferPage: Encodable, Sendable {
        let layout: Layout
        let teacherId: Int; let teacherName: String; let currentSchool: String; let since: String
        let schools: [SelectOption]; let parts: [SelectOption]
        let codeInput: Bool
        let values: [String: String]; let errors: [String: String]
    }
    struct TransferFormBody: Content {
        let toSchoolId: String?; let toSchoolCode: String?; let onDate: String?; let reason: String?; let stagePart: String?; let version: String?
    }

    func transferPage(_ req: Request, _ t: TeacherRow, values: [String: String], errors: [String: String], status: HTTPStatus = .ok) async throws -> Response {
        let locale = req.uiLocale
        let service = RegistryService(req)
        let filter = SchoolFilter(status: .active, sort: "district")
        let first = try await service.schools(filter: filter, page: PageSpec(page: 1, per: 200))
        var all = first.items
        let codeInput = first.total > 600
        if first.total > 200 && !codeInput {
            for p in 2...((first.total + 199) / 200) { all += try await service.schools(filter: filter, page: PageSpec(page: p, per: 200)).items }
        }
        // Code first, then the name and district: two schools of one name are told apart.
        let choices = all.filter { $0.id != t.schoolId }.map { SelectOption(value: String($0.id), label: "\($0.code) \($0.name)（\($0.districtName)）", selected: String($0.id) == values["toSchoolId"]) }
        return try await req.page("registry/transfer", TransferPage(
            layout: req.layout("", title: L10n.text("teacher.transferTitle", locale, t.name)), teacherId: t.id, teacherName: t.name,
            currentSchool: t.schoolName ?? "", since: t.schoolSince, schools: choices,
            parts: options(StagePart.self, selected: values["stagePart"], locale: locale), codeInput: codeInput, values: values, errors: errors), status: status)
    }

    func transferForm(req: Request) async throws -> Response {
        try req.requireActor().require(.teachersWrite)
        let t = try await RegistryService(req).teacher(id: try req.intParameter("id"))
        return try await transferPage(req, t, values: ["onDate": CivilDate.today(req.application.clock.now()).description, "version": String(t.version)], errors: [:])
    }

    func transfer(req: Request) async throws -> Response {
        try req.requireActor().require(.teachersWrite)
        let service = RegistryService(req)
        let t = try await service.teacher(id: try req.intParameter("id"))
        let b = try req.content.decode(TransferFormBody.self)
        let values = ["toSchoolId": b.toSchoolId ?? "", "toSchoolCode": b.toSchoolCode ?? "", "onDate": b.onDate ?? "", "reason": b.reason ?? "", "stagePart": b.stagePart ?? "", "version": b.version ?? ""]
        do {
            var target = b.toSchoolId.flatMap { Int($0.trimmed) }
            if target == nil, let code = b.toSchoolCode?.trimmed, !code.isEmpty {
                guard let s = try await RegistryStore.schools(codes: [code], on: req.db)[code] else {
                    throw DomainError.validation(["toSchoolId": LocalizedText(zh: "没有代码为 \(code) 的学校", en: "no school has the code \(code)")])
                }
                target = s.id
            }
            let moved = try await service.transfer(teacherId: t.id, toSchoolId: target, on: b.onDate, reason: b.reason, stagePart: b.stagePart, version: b.version.flatMap { Int($0) })
            return req.redirect(to: RegistryRoute.teacher.path(t.id), flash: L10n.text("teacher.transferred", req.uiLocale, t.schoolName ?? "", moved.schoolName ?? ""))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return try await transferPage(req, t, values: values, errors: e.fieldMessages(req.uiLocale), status: e.formStatus)
        }
    }

    // MARK: imports

    struct ImportPage: Encodable, Sendable {
        let layout: Layout
        let canSchools: Bool
        var canConditions = true
        let kind: String?
        let imported: Int?
        let message: String?
        let rows: [ErrorBody.Row]
        let vocab: [VocabHelp]
    }
    struct VocabHelp: Encodable, Sendable { let column: String; let values: String }

    static func vocabHelp() -> [VocabHelp] {
        [VocabHelp(column: "任教学科", values: Subject.allowedList + "（多个学科用“、”分隔）"), VocabHelp(column: "学历", values: Education.allowedList),
         VocabHelp(column: "普通话等级", values: Putonghua.allowedList), VocabHelp(column: "职称", values: Title.allowedList),
         VocabHelp(column: "骨干级别", values: Backbone.allowedList), VocabHelp(column: "本校任教起始日期", values: "YYYY-MM-DD，如 2019-09-01"),
         VocabHelp(column: "任教学段（可选）", values: StagePart.allowedList), VocabHelp(column: "办学类型（学校）", values: Stage.allowedList),
         VocabHelp(column: "城乡类型（学校）", values: Locality.allowedList)]
    }

    func imports(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.teachersImport)
        return try await req.page("registry/imports", ImportPage(layout: req.layout("nav.imports"), canSchools: actor.can(.schoolsWrite), kind: nil, imported: nil, message: nil, rows: [], vocab: Self.vocabHelp()))
    }

    func template(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.teachersImport)
        let kind = req.parameters.get("kind") ?? ""
        let data: Data
        let name: String
        switch kind {
        case "teachers.xlsx": data = try XLSXWriter.write(RegistrySheets.teacherTemplate(), sheetName: "教师"); name = "教师导入模板.xlsx"
        case "schools.xlsx": data = try XLSXWriter.write(RegistrySheets.schoolTemplate(), sheetName: "学校"); name = "学校导入模板.xlsx"
        case "conditions.xlsx": data = try XLSXWriter.write(RegistrySheets.conditionsTemplate(), sheetName: "办学条件"); name = "办学条件导入模板.xlsx"
        default: throw DomainError.notFound(LocalizedText(zh: "模板", en: "template"))
        }
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"template.xlsx\"; filename*=UTF-8''\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "template.xlsx")")
        return res
    }

    struct UploadForm: Content { let file: File? }

    func runImport(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let kind = req.parameters.get("kind") ?? ""
        guard let key = RegistryService.importPermission(kind) else { throw DomainError.notFound(LocalizedText(zh: "导入类型", en: "import kind")) }
        try actor.require(key)
        let locale = req.uiLocale
        do {
            try RegistryAPI.checkUploadSize(req)
            guard let file = try? req.content.decode(UploadForm.self).file, file.data.readableBytes > 0 || !(file.filename.isEmpty) else {
                throw DomainError.validation(["file": LocalizedText(zh: "请选择要上传的文件", en: "choose a file to upload")])
            }
            let table = try await Spreadsheet.read(Data(buffer: file.data), filename: file.filename, on: req.application)
            let service = RegistryService(req)
            let n: Int
            switch kind {
            case "teachers": n = try await service.importTeachers(table)
            case "schools": n = try await service.importSchools(table)
            default: n = try await service.importConditions(table)
            }
            return try await req.page("registry/imports", ImportPage(layout: req.layout("nav.imports"), canSchools: actor.can(.schoolsWrite), kind: kind, imported: n,
                                                                     message: nil, rows: [], vocab: Self.vocabHelp()))
        } catch let e as DomainError where e.kind == .invalid {
            let rows = e.rows.map { ErrorBody.Row(row: $0.row, column: $0.column, reason: $0.reason(locale)) }
            let message = e.summary(locale)
            return try await req.page("registry/imports", ImportPage(layout: req.layout("nav.imports"), canSchools: actor.can(.schoolsWrite), kind: kind, imported: nil,
                                                                     message: message, rows: rows, vocab: Self.vocabHelp()), status: e.formStatus)
        }
    }
}

extension Optional {
    /// `map` for async transforms.

    public func asyncMap<U>(_ f: (Wrapped) async throws -> U) async rethrows -> U? {
        switch self { case .some(let w): return try await f(w); case .none: return nil }
    }
}
