import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// The registry's use cases: each checks permission and scope, validates, writes in one
/// transaction and records the audit entry.
public struct RegistryService: Sendable {
    let ctx: ServiceContext

    /// A service acting for whoever the context names: a request's actor, or a command's.
    public init(_ ctx: ServiceContext) { self.ctx = ctx }
    public init(_ req: Request) { self.init(req.context) }

    var db: any Database { ctx.db }
    public var now: Double { ctx.now }
    var today: CivilDate { ctx.today }

    public static let schoolWord = LocalizedText(zh: "学校", en: "school")
    public static let teacherWord = LocalizedText(zh: "教师", en: "teacher")
    static let districtWord = LocalizedText(zh: "学区", en: "district")

    // MARK: districts

    /// A page of districts with their counts, and the totals of the caller's scope.
    public func districts(page: PageSpec) async throws -> (page: PageResult<DistrictSummary>, totals: (districts: Int, schools: Int, students: Int, teachers: Int)) {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        // A school's people see their district's cards; the header counts the same district, not
        // only their school (the counts are aggregates, not anyone's record).
        let scope: RegistryScope
        switch actor.scope {
        case .school(_, let d), .teacher(_, _, let d): scope = .district(d)
        default: scope = actor.registryScope
        }
        let totals = try await RegistryStore.totals(on: db, scope: scope)
        let items = try await RegistryStore.districts(on: db, scope: scope, page: page)
        return (PageResult(items: items, total: totals.districts, request: page), totals)
    }

    /// Active schools of a district by stage, counted over the whole district.
    public func districtStages(id: Int) async throws -> [(stage: String, count: Int)] {
        let d = try await district(id: id)
        return try await RegistryStore.stageCounts(districtId: d.id, on: db)
    }

    public func districtSummary(id: Int) async throws -> DistrictSummary {
        let d = try await district(id: id)
        guard let s = try await RegistryStore.districts(on: db, scope: .county, only: d.id).first else { throw DomainError.notFound(Self.districtWord) }
        return s
    }

    public func district(id: Int) async throws -> DistrictRow {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        guard let d = try await RegistryStore.district(id: id, on: db) else { throw DomainError.notFound(Self.districtWord) }
        guard actor.covers(districtId: d.id) else { throw DomainError.forbidden }
        return d
    }

    /// The areas the caller may read: a county bureau its county and the city and province above
    /// it; a city its counties (and the province above); a province every area below it.
    public func areas() async throws -> [AreaRow] {
        let actor = try ctx.requireActor()
        try actor.require(.areasRead)
        let all = try await AreaStore.all(on: db)
        let byCode = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })
        func withAncestors(_ code: String) -> Set<String> {
            var out = Set<String>(), next: String? = code
            while let c = next, let a = byCode[c], !out.contains(c) { out.insert(c); next = a.parentCode }
            return out
        }
        var visible = Set<String>()
        switch actor.scope {
        case .county:
            if let c = try await actor.areaCode.asyncOr({ try await AreaStore.soleCounty(on: db) }) { visible = withAncestors(c) }
        case .oneCounty(let c):
            visible = withAncestors(c.code)
        case .counties(let a):
            visible = withAncestors(a.code).union(a.counties)
            for c in a.counties { if let p = byCode[c]?.parentCode { visible.insert(p) } }
        default:
            throw DomainError.forbidden
        }
        return all.filter { visible.contains($0.code) }
    }

    public func createDistrict(code: String, name: String) async throws -> DistrictRow {
        let actor = try ctx.requireActor()
        try actor.require(.districtsWrite)
        var e = FieldErrors()
        let code = code.trimmingCharacters(in: .whitespaces), name = name.trimmingCharacters(in: .whitespaces)
        if code.isEmpty || code.count > 20 { e.add("code", "学区代码不能为空，最长20位", "code is required, at most 20 characters") }
        if name.isEmpty || name.count > 60 { e.add("name", "学区名称不能为空，最长60字", "name is required, at most 60 characters") }
        try e.throwIfAny()
        let audit = ctx.audit, now = self.now
        let id: Int = try await ctx.write { tx in
            if try await RegistryStore.district(code: code, on: tx) != nil {
                throw DomainError(.conflict, code: "duplicate_code", LocalizedText(zh: "学区代码\(code)已存在", en: "district code \(code) exists"), fields: ["code": LocalizedText(zh: "已存在", en: "already exists")])
            }
            // A bureau among several counties adds to its own; the only county's bureau to that one.
            let county: String?
            if case .oneCounty(let c) = actor.scope { county = c.code } else { county = actor.areaCode }
            let id = try await RegistryStore.insertDistrict(code: code, name: name, county: county, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "district.create", entity: "district", entityId: String(id), summary: "\(code) \(name)")
            return id
        }
        return DistrictRow(id: id, code: code, name: name, centralSchoolId: nil)
    }

    // MARK: schools

    public func schools(filter: SchoolFilter, page: PageSpec) async throws -> PageResult<SchoolListRow> {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        return try await RegistryStore.schools(on: db, scope: actor.registryScope, filter: filter, page: page)
    }

    /// The active schools of a district the caller may see, for a select box: id, code and
    /// name, in code order, at most 200 (no counts, unlike the school list).
    public func schoolChoices(district: Int) async throws -> [SchoolChoice] {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        let db = self.db, scope = actor.registryScope
        return try await ctx.kept("registry.schoolChoices|\(scope)|\(district)", areas: ["registry"]) {
            try await RegistryStore.schoolChoices(on: db, scope: scope, district: district, limit: 200)
        }
    }

    public func school(id: Int) async throws -> SchoolRow {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        guard let s = try await RegistryStore.school(id: id, on: db) else { throw DomainError.notFound(Self.schoolWord) }
        guard actor.covers(schoolId: s.id, districtId: s.districtId) else { throw DomainError.forbidden }
        return s
    }

    /// The home page's figures for the caller's scope: schools, teachers, students, teachers due
    /// to rotate by `round`, schools without this year's conditions. Whole-province counts
    /// (900,000 teachers) are kept under the registry's data version, so the home page counts
    /// once per change, not once per visit.
    public struct HomeFigures: Sendable { public let districts: Int; public let schools: Int; public let teachers: Int; public let students: Int; public let due: Int; public let missingConditions: Int }
    public func homeFigures(round: CivilDate) async throws -> HomeFigures {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        let reporting = try await ctx.reporting()
        let scope = actor.registryScope, db = reporting.db, year = today.year
        let rules = try await rotationRules()
        let key = "registry.home|\(scope)|\(round)|\(year)"
        return try await reporting.kept(key, areas: ["registry"]) {
            let totals = try await RegistryStore.totals(on: db, scope: scope)
            var dueFilter = TeacherFilter(dueOn: round)
            dueFilter.rotation = rules
            let due = try await RegistryStore.countTeachers(on: db, where: RegistryStore.teacherConditions(scope: scope, filter: dueFilter))
            let missing = try await RegistryStore.schoolsMissingConditions(year: year, scope: scope, on: db)
            return HomeFigures(districts: totals.districts, schools: totals.schools, teachers: totals.teachers, students: totals.students, due: due, missingConditions: missing)
        }
    }

    /// Whether the school has yearly conditions (its students are then theirs).
    public func schoolHasConditions(id: Int) async throws -> Bool {
        _ = try await school(id: id)
        return try await RegistryStore.hasConditions(schoolId: id, on: db)
    }

    func resolveDistrict(_ ref: SchoolDraft.DistrictRef, on db: any Database) async throws -> DistrictRow {
        let d: DistrictRow?
        switch ref {
        case .id(let id): d = try await RegistryStore.district(id: id, on: db)
        case .code(let c): d = try await RegistryStore.district(code: c, on: db)
        }
        guard let d else { throw DomainError.validation(["districtId": LocalizedText(zh: "学区不存在", en: "no such district")]) }
        return d
    }

    public func createSchool(_ draft: SchoolDraft) async throws -> SchoolRow {
        let actor = try ctx.requireActor()
        try actor.require(.schoolsWrite)
        let v: ValidSchool
        switch SchoolRules.validate(draft) {
        case .success(let s): v = s
        case .failure(let e): throw DomainError.validation(e.fields)
        }
        let district = try await resolveDistrict(v.districtRef, on: db)
        guard actor.covers(districtId: district.id) else { throw DomainError.forbidden }
        let audit = ctx.audit, now = self.now
        let id: Int = try await ctx.write { tx in
            if !(try await RegistryStore.schools(codes: [v.code], on: tx)).isEmpty {
                throw DomainError(.conflict, code: "duplicate_code", LocalizedText(zh: "学校代码\(v.code)已存在", en: "school code \(v.code) exists"), fields: ["code": LocalizedText(zh: "已存在", en: "already exists")])
            }
            let id = try await RegistryStore.insertSchool(v, districtId: district.id, on: tx, now: now)
            if v.central { try await RegistryStore.setCentralSchool(id, districtId: district.id, on: tx) }
            try await Audit.record(on: tx, audit, action: "school.create", entity: "school", entityId: String(id), summary: "\(v.code) \(v.name)（\(v.stage.zh)）")
            return id
        }
        return try await RegistryStore.school(id: id, on: db)!
    }

    public func updateSchool(id: Int, _ draft: SchoolDraft, version: Int) async throws -> SchoolRow {
        let actor = try ctx.requireActor()
        try actor.require(.schoolsWrite)
        let before = try await school(id: id)
        let v: ValidSchool
        switch SchoolRules.validate(draft) {
        case .success(let s): v = s
        case .failure(let e): throw DomainError.validation(e.fields)
        }
        let district = try await resolveDistrict(v.districtRef, on: db)
        guard actor.covers(districtId: district.id) else { throw DomainError.forbidden }
        // Students come from the yearly conditions once there are any: the figure on the school
        // is their cache. Left out, it stays; a different figure is refused, naming where to go.
        let students = draft.students ?? before.students
        if students != before.students, try await RegistryStore.hasConditions(schoolId: id, on: db) {
            throw DomainError.validation(["students": LocalizedText(zh: "在校生数来自办学条件，请在“办学条件”中按年度填报", en: "students come from the yearly conditions; enter them there")])
        }
        let audit = ctx.audit, now = self.now
        try await ctx.write { tx in
            if v.code != before.code, !(try await RegistryStore.schools(codes: [v.code], on: tx)).isEmpty {
                throw DomainError(.conflict, code: "duplicate_code", LocalizedText(zh: "学校代码\(v.code)已存在", en: "school code \(v.code) exists"), fields: ["code": LocalizedText(zh: "已存在", en: "already exists")])
            }
            guard try await RegistryStore.updateSchool(id: id, version: version, v, districtId: district.id, students: students, on: tx, now: now) else { throw Self.staleVersion }
            if district.id != before.districtId {
                try await RegistryStore.moveSchoolTeachers(schoolId: id, toDistrict: district.id, on: tx)
            }
            try await Audit.record(on: tx, audit, action: "school.update", entity: "school", entityId: String(id),
                                   summary: Self.diff(["code": (before.code, v.code), "name": (before.name, v.name), "district": (String(before.districtId), String(district.id)),
                                                       "stage": (before.stage, v.stage.rawValue), "locality": (before.locality, v.locality.rawValue), "students": (String(before.students), String(students)),
                                                       "boarding": (String(before.boarding), String(v.boarding)), "standardised": (String(before.standardised), String(v.standardised))]))
        }
        return try await RegistryStore.school(id: id, on: db)!
    }

    static let staleVersion = DomainError(.conflict, code: "stale_version", LocalizedText(zh: "该记录已被他人修改，请刷新后重试", en: "someone else changed this record; reload and try again"))

    /// `field: before → after` for the fields that changed.
    /// The fields of a change log in the words of the forms.
    static let fieldWords: [String: String] = [
        "code": "代码", "name": "名称", "district": "学区", "stage": "学段", "locality": "城乡", "students": "在校生", "boarding": "寄宿", "standardised": "标准化",
        "residentId": "身份证号", "school": "学校", "subjects": "任教学科", "education": "学历", "putonghua": "普通话", "title": "职称", "backbone": "骨干",
        "gender": "性别", "phone": "电话", "schoolSince": "本校任教起始", "teachingSince": "任教起始", "stagePart": "任教学段", "qualificationType": "资格种类",
        "qualificationNumber": "资格证号", "principalSince": "任校长起始", "status": "状态", "birthDate": "出生日期", "hiredOn": "参加工作",
    ]
    static func diff(_ pairs: [String: (String, String)]) -> String {
        let changed = pairs.keys.sorted().compactMap { k -> String? in
            let (a, b) = pairs[k]!
            return a == b ? nil : "\(Self.fieldWords[k] ?? k)：\(a) → \(b)"
        }
        return changed.isEmpty ? "无变化" : changed.joined(separator: "；")
    }

    /// 撤并: the school is merged into another on a date; its teachers and students move, it
    /// becomes `merged`, and both schools keep the record.
    public func merge(schoolId: Int, into targetId: Int, on date: CivilDate, note: String?) async throws -> MergerRow {
        let actor = try ctx.requireActor()
        try actor.require(.schoolsMerge)
        let source = try await school(id: schoolId)
        let target = try await school(id: targetId)
        var e = FieldErrors()
        if source.id == target.id { e.add("intoSchoolId", "不能并入自身", "a school cannot merge into itself") }
        if source.status != SchoolStatus.active.rawValue { e.add("schoolId", "该校已撤并或停办", "this school is no longer active") }
        if target.status != SchoolStatus.active.rawValue { e.add("intoSchoolId", "目标学校已撤并或停办", "the target school is no longer active") }
        if date > today { e.add("mergedOn", "撤并日期不能晚于今天", "the merge date cannot be in the future") }
        if let n = note, n.count > 500 { e.add("note", "说明不能超过500字", "note is longer than 500 characters") }
        try e.throwIfAny()
        let audit = ctx.audit, now = self.now, actorName = actor.username
        try await ctx.write { tx in
            // Teachers' years at the school restart only when they really change school; a merge
            // keeps their service, so school_since is left as it was.
            let movedIds = try await RegistryStore.mergeTeachers(from: source.id, into: target.id, targetDistrictId: target.districtId, mergedOn: date, on: tx, now: now)
            let moved = movedIds.count
            // Roles tied to the closed school (or to its district, when the target is in another) end.
            for id in movedIds {
                try await RegistryStore.endRoles(teacherId: id, fromSchoolId: source.id, fromDistrictId: source.districtId, toSchoolId: target.id, onDate: date.description, on: tx, now: now)
            }
            guard try await RegistryStore.markMerged(source.id, into: target.id, mergedOn: date, on: tx, now: now) else { throw Self.staleVersion }
            // One count of students: from the merge year on, the source's pupils are the target's in
            // the yearly conditions the balance reads (the source drops out of those years), and the
            // registry's figure is the target's latest year again — or, without conditions, the sum.
            try await RegistryStore.mergeStudents(from: source.id, students: source.students, into: target.id, fromYear: date.year, on: tx, now: now)
            try await RegistryStore.recordMerger(source.id, into: target.id, mergedOn: date, teachersMoved: moved, studentsMoved: source.students, note: note, by: actorName, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "school.merge", entity: "school", entityId: String(source.id),
                                   summary: "\(source.code) \(source.name) → \(target.code) \(target.name)，\(date) 起，转入教师 \(moved) 名、学生 \(source.students) 名")
        }
        return try await RegistryStore.mergers(of: source.id, on: db).first { $0.schoolId == source.id }!
    }

    public func mergers(schoolId: Int) async throws -> [MergerRow] {
        _ = try await school(id: schoolId)
        return try await RegistryStore.mergers(of: schoolId, on: db)
    }

    // MARK: teachers

    public func teachers(filter: TeacherFilter, page: PageSpec, withSchool: Bool = false) async throws -> PageResult<TeacherRow> {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        let filter = try await withRules(filter)
        return try await RegistryStore.teachers(on: db, scope: actor.registryScope, filter: filter, page: page, withSchool: withSchool)
    }

    /// The API's teacher list as JSON built by the database (see `RegistryStore.teachersJSON`).
    public func teachersJSON(filter: TeacherFilter, page: PageSpec) async throws -> (items: String, total: Int, capped: Bool) {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        // The list is already cut to the scope; inside it, everyone but a teacher sees IDs in full.
        // (Both read before the first await: the optimiser of Swift 6.3.1 crashed on the actor
        // kept across it once the scope carried a county's districts.)
        let scope = actor.registryScope
        let full: RegistryStore.FullData
        if let t = actor.teacherId { full = .onlyTeacher(t) } else { full = .everyone }
        let filter = try await withRules(filter)
        return try await RegistryStore.teachersJSON(on: db, scope: scope, filter: filter, page: page, full: full)
    }

    /// The filter with the rotation rules in force today, when it asks who is due.
    func withRules(_ filter: TeacherFilter) async throws -> TeacherFilter {
        guard filter.dueOn != nil else { return filter }
        var f = filter
        f.rotation = try await rotationRules()
        return f
    }

    /// The rotation rules in force today (交流轮岗, a dated rule).
    public func rotationRules() async throws -> RotationRules {
        let db = self.db, today = self.today
        return try await ctx.kept("registry.rotationRules|\(today)", areas: ["registry"]) { try await RotationRulesStore.inForce(on: today, db: db) }
    }

    /// Active schools in the caller's scope without their conditions for `year`.
    public func schoolsMissingConditions(year: Int) async throws -> Int {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        return try await RegistryStore.schoolsMissingConditions(year: year, scope: actor.registryScope, on: db)
    }

    /// Students of the active schools in the caller's scope.
    public func activeStudents() async throws -> Int {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        return try await RegistryStore.activeStudents(on: db, scope: actor.registryScope)
    }

    /// Districts without their counts, for the API.
    public func districtRows() async throws -> [DistrictRow] {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        let db = self.db, scope = actor.registryScope
        return try await ctx.kept("registry.districtRows|\(scope)", areas: ["registry"]) { try await RegistryStore.districtRows(on: db, scope: scope) }
    }

    /// A teacher outside the caller's scope answers 404: whether a person is on record is itself personal.
    public func teacher(id: Int) async throws -> TeacherRow {
        let actor = try ctx.requireActor()
        try actor.require(.registryRead)
        guard let t = try await RegistryStore.teacher(id: id, on: db), actor.covers(schoolId: t.schoolId, districtId: t.districtId) else {
            throw DomainError.notFound(Self.teacherWord)
        }
        return t
    }

    func resolveSchool(_ ref: TeacherDraft.SchoolRef, on db: any Database) async throws -> SchoolRow? {
        switch ref {
        case .id(let id): return try await RegistryStore.school(id: id, on: db)
        case .code(let c): return try await RegistryStore.schools(codes: [c], on: db)[c]
        }
    }

    static func fieldErrors(_ e: [TeacherField: LocalizedText]) -> DomainError {
        var out: [String: LocalizedText] = [:]
        for (k, v) in e { out[k.rawValue] = v }
        return DomainError.validation(out)
    }

    /// Checks a teacher draft against the registry: the school exists, is active and in scope; the part fits.
    func checkPlacement(_ v: ValidTeacher, actor: Actor, on db: any Database) async throws -> SchoolRow {
        guard let school = try await resolveSchool(v.schoolRef, on: db) else {
            throw DomainError.validation(["schoolId": LocalizedText(zh: "学校不存在", en: "no such school")])
        }
        try Self.checkTarget(school, part: v.stagePart, actor: actor, field: "schoolId")
        return school
    }

    /// A school a teacher may be placed at (created, edited or transferred): in the actor's
    /// scope, still active, and holding the teacher's part.
    static func checkTarget(_ school: SchoolRow, part: StagePart?, actor: Actor, field: String) throws {
        guard actor.covers(schoolId: school.id, districtId: school.districtId) else { throw DomainError.forbidden }
        if school.status != SchoolStatus.active.rawValue {
            throw DomainError.validation([field: LocalizedText(zh: "该校已撤并或停办", en: "the school is no longer active")])
        }
        if let p = TeacherRules.check(part: part, stage: Stage(rawValue: school.stage) ?? .primary) {
            throw DomainError.validation(["stagePart": p])
        }
    }

    public func createTeacher(_ draft: TeacherDraft) async throws -> TeacherRow {
        let actor = try ctx.requireActor()
        try actor.require(.teachersWrite)
        let v: ValidTeacher
        switch TeacherRules.validate(draft, today: today) {
        case .success(let t): v = t
        case .failure(let e): throw Self.fieldErrors(e.fields)
        }
        let school = try await checkPlacement(v, actor: actor, on: db)
        let audit = ctx.audit, now = self.now
        let duplicate = DomainError(.conflict, code: "duplicate_resident_id", LocalizedText(zh: "该身份证号的教师已在册（每人只登记一次；在其他县（市、区）在册的，由该县办理调出）", en: "a teacher with this resident ID is already registered (one record per person; one registered in another county is transferred out by that county)"),
                                    fields: ["residentId": LocalizedText(zh: "已在册", en: "already registered")])
        do {
            try await ctx.write { tx in
                try await RegistryStore.lockResidentIDs(on: tx)
                if !(try await RegistryStore.existingResidentIDs([v.residentId.value], on: tx)).isEmpty { throw duplicate }
                try await RegistryStore.insertTeachers([(v, school.id, school.districtId)], on: tx, now: now)
                try await Audit.record(on: tx, audit, action: "teacher.create", entity: "teacher", entityId: v.residentId.masked, summary: "\(Masking.name(v.name)) \(v.residentId.masked)，任教于 \(school.code) \(school.name)")
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            // On PostgreSQL two creates of one ID can both pass the check; the unique index stops
            // the second, which gets the answer the check gives on SQLite.
            throw duplicate
        }
        let id = try await RegistryStore.existingResidentIDs([v.residentId.value], on: db)[v.residentId.value]!
        return try await RegistryStore.teacher(id: id, on: db)!
    }

    public func updateTeacher(id: Int, _ draft: TeacherDraft, version: Int) async throws -> TeacherRow {
        let actor = try ctx.requireActor()
        try actor.require(.teachersWrite)
        let before = try await teacher(id: id)
        let v: ValidTeacher
        switch TeacherRules.validate(draft, today: today) {
        case .success(let t): v = t
        case .failure(let e): throw Self.fieldErrors(e.fields)
        }
        let school = try await checkPlacement(v, actor: actor, on: db)
        // A move is a transfer, with its date and reason and a new start at the school: not an edit.
        if school.id != before.schoolId {
            throw DomainError(.invalid, code: "use_transfer", LocalizedText(zh: "更换学校请使用“调动”，并填写调动日期和原因", en: "to move a teacher to another school, use Transfer with its date and reason"),
                              fields: ["schoolId": LocalizedText(zh: "请使用“调动”", en: "use Transfer")])
        }
        let audit = ctx.audit, now = self.now
        try await ctx.write { tx in
            if v.residentId.value != before.residentId { try await RegistryStore.lockResidentIDs(on: tx) }
            if v.residentId.value != before.residentId, !(try await RegistryStore.existingResidentIDs([v.residentId.value], on: tx)).isEmpty {
                throw DomainError(.conflict, code: "duplicate_resident_id", LocalizedText(zh: "该身份证号的教师已在册", en: "a teacher with this resident ID is already registered"),
                                  fields: ["residentId": LocalizedText(zh: "已在册", en: "already registered")])
            }
            guard try await RegistryStore.updateTeacher(id: id, version: version, v, schoolId: school.id, districtId: school.districtId, on: tx, now: now) else {
                throw Self.staleVersion
            }
            try await Audit.record(on: tx, audit, action: "teacher.update", entity: "teacher", entityId: String(id),
                                   summary: Self.diff(["name": (Masking.name(before.name), Masking.name(v.name)), "residentId": (Masking.residentID(before.residentId), v.residentId.masked),
                                                       "school": (String(before.schoolId), String(school.id)), "subjects": (before.subjects, v.subjectsColumn),
                                                       "education": (before.education, v.education.rawValue), "putonghua": (before.putonghua, v.putonghua.rawValue),
                                                       "title": (before.title, v.title.rawValue), "backbone": (before.backbone, v.backbone.rawValue),
                                                       "schoolSince": (before.schoolSince, v.schoolSince.description), "stagePart": (before.stagePart ?? "-", v.stagePart?.rawValue ?? "-"),
                                                       "qualification": ((before.qualificationType ?? "-") + " " + (before.qualificationNumber ?? "-"), (v.qualificationType?.rawValue ?? "-") + " " + (v.qualificationNumber ?? "-")),
                                                       "principalSince": (before.principalSince ?? "-", v.principalSince?.description ?? "-")]))
        }
        return try await RegistryStore.teacher(id: id, on: db)!
    }

    /// 调动: a teacher moves to another school on a date, for a reason. The teacher's school,
    /// district and part change, 本校任教起始 becomes the transfer date (the rotation clock starts
    /// again), and the transfer is recorded with its reason and author, all in one transaction.
    /// Future moves belong to an exchange plan, so the date is today or earlier.
    public func transfer(teacherId: Int, toSchoolId: Int?, on rawDate: String?, reason rawReason: String?, stagePart rawPart: String?, version: Int?) async throws -> TeacherRow {
        let actor = try ctx.requireActor()
        try actor.require(.teachersWrite)
        let t = try await teacher(id: teacherId)
        var e = FieldErrors()
        let date = rawDate.flatMap { CivilDate(parsing: $0.trimmed) }
        let reason = rawReason?.trimmed ?? ""
        let part: StagePart? = rawPart.flatMap { $0.trimmed.isEmpty ? nil : StagePart.parse($0.trimmed) }
        if toSchoolId == nil { e.add("toSchoolId", "请选择调入学校", "choose the school the teacher moves to") }
        if let d = date {
            if d > today { e.add("onDate", "调动日期不能晚于今天（以后的调动请列入交流轮岗方案）", "the date cannot be after today (future moves belong to a rotation plan)") }
            if let since = CivilDate(parsing: t.schoolSince), d < since { e.add("onDate", "调动日期不能早于本校任教起始（\(t.schoolSince)）", "the date cannot be before the current start at this school (\(t.schoolSince))") }
        } else { e.add("onDate", "请填写调动日期（如 2026-09-01）", "enter the date of the move (e.g. 2026-09-01)") }
        if reason.isEmpty || reason.count > 200 { e.add("reason", "请填写调动原因（不超过200字）", "give the reason (at most 200 characters)") }
        if let raw = rawPart?.trimmed, !raw.isEmpty, part == nil { e.add("stagePart", "任教学段不正确", "unknown part") }
        if version == nil { e.add("version", "缺少版本号", "version is required") }
        if !e.isEmpty { throw DomainError.validation(e.fields) }
        guard let school = try await RegistryStore.school(id: toSchoolId!, on: db) else {
            throw DomainError.validation(["toSchoolId": LocalizedText(zh: "学校不存在", en: "no such school")])
        }
        try Self.checkTarget(school, part: part, actor: actor, field: "toSchoolId")
        if school.id == t.schoolId { throw DomainError.validation(["toSchoolId": LocalizedText(zh: "调入学校与现任学校相同", en: "the teacher is already at this school")]) }
        let audit = ctx.audit, now = self.now, author = actor.username
        let from = try await RegistryStore.school(id: t.schoolId, on: db)
        try await ctx.write { tx in
            let ended: [LocalizedText]
            do {
                ended = try await RegistryStore.moveTeacher(.init(teacherId: t.id, toSchoolId: school.id, toPart: part?.rawValue, schoolSince: date!.description, onDate: date!.description,
                                                                  reason: "transfer", note: reason, createdBy: author, version: version!), on: tx, now: now).ended
            } catch is RegistryStore.StaleTeacher { throw Self.staleVersion }
            try await Audit.record(on: tx, audit, action: "teacher.transfer", entity: "teacher", entityId: String(t.id),
                                   summary: "\(Masking.name(t.name))：\(from.map { "\($0.code) \($0.name)" } ?? "—") → \(school.code) \(school.name)，\(date!.description) 起；原因：\(reason)"
                                       + (ended.isEmpty ? "" : "；随调动结束：" + ended.map(\.zh).joined(separator: "、")))
        }
        return try await RegistryStore.teacher(id: t.id, on: db)!
    }

    public func transfers(teacherId: Int) async throws -> [TransferRow] {
        _ = try await teacher(id: teacherId)
        return try await RegistryStore.transfers(of: teacherId, on: db)
    }

    // MARK: conditions

    /// A school's conditions for a year, and with `rooms` its classes and music and art rooms
    /// (all-or-nothing: both are checked before either is written).
    public func putConditions(schoolId: Int, _ c: SchoolConditions, rooms: ClassesRooms? = nil) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.conditionsWrite)
        let s = try await school(id: schoolId)
        var e = FieldErrors()
        for check in [{ try c.validate(today: self.today) }, { try rooms?.validate(today: self.today) }] {
            do { try check() } catch let err as DomainError { for (k, v) in err.fields { e.add(k, v) } }
        }
        try e.throwIfAny()
        let audit = ctx.audit, now = self.now
        try await ctx.write { tx in
            try await Self.storeConditions(c, schoolId: s.id, on: tx, now: now)
            if let rooms { try await RegistryStore.upsertClassesRooms(rooms, schoolId: s.id, on: tx, now: now) }
            try await Audit.record(on: tx, audit, action: "school.conditions", entity: "school", entityId: String(s.id), summary: "\(c.year) 年办学条件")
        }
    }

    public func conditions(schoolId: Int) async throws -> [SchoolConditions] {
        _ = try await school(id: schoolId)
        return try await RegistryStore.conditions(schoolId: schoolId, on: db)
    }

    /// The key an import of this kind needs, checked before the upload is read (a reader without
    /// it gets 403, not the file's 422).
    public static func importPermission(_ kind: String) -> Permission? {
        switch kind {
        case "teachers": .teachersImport
        case "schools": .schoolsWrite
        case "conditions": .conditionsWrite
        default: nil
        }
    }

    /// Whether the caller may see this teacher's personal data in full.
    public func seesFull(_ t: TeacherRow) -> Bool {
        ctx.actor?.seesPersonalData(ofTeacher: t.id, schoolId: t.schoolId, districtId: t.districtId) ?? false
    }
}
