import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

extension Permission {
    /// Lesson plans and research groups in the reader's scope.
    public static let teachingRead: Permission = "teaching:read"
    /// Write one's own 个案, and 通案 as a member of a research group (teachers).
    public static let teachingWrite: Permission = "teaching:write"
    /// Research groups of one's area (school, district, county) and the review levels above a group's leader.
    public static let teachingManage: Permission = "teaching:manage"
}

public struct GroupRow: Codable, Sendable {
    public let id: Int; public let name: String; public let level: String; public let districtId: Int?; public let schoolId: Int?
    public let subject: String; public let leaderTeacherId: Int; public let reviewLevels: Int
    /// The county of a county-level group.
    public let countyCode: String?
}

public struct LessonPlanRow: Codable, Sendable {
    public let id: Int; public let kind: String; public let level: String; public let groupId: Int?; public let parentId: Int?
    public let ownerTeacherId: Int; public let districtId: Int; public let schoolId: Int
    public let title: String; public let subject: String; public let grade: String; public let edition: String?; public let unit: String?
    public let sections: String; public let state: String; public let reviewLevel: Int; public let releaseOn: String?; public let version: Int
    public let updatedAt: Double
    /// A derived plan's share of characters changed from its source, as of its last save.
    public let changedRatio: Double?
    public var sectionMap: [String: String] { TeachingService.sectionMap(sections) }
    public var kindValue: PlanKind { PlanKind(rawValue: kind) ?? .personal }
}

public struct PlanDraft: Sendable {
    public var kind: String?; public var title: String?; public var subject: String?; public var grade: String?
    public var edition: String?; public var unit: String?; public var sections: [String: String]?; public var groupId: Int?
    public init(kind: String?, title: String?, subject: String?, grade: String?, edition: String? = nil, unit: String? = nil, sections: [String: String]?, groupId: Int? = nil) {
        self.kind = kind; self.title = title; self.subject = subject; self.grade = grade; self.edition = edition; self.unit = unit; self.sections = sections; self.groupId = groupId
    }
}

/// 教研: research groups, lesson plans (通案 → 个案) with versions, review, release, lineage and
/// the character-level comparison with the parent, searched by character bigrams.
public struct TeachingService: Sendable {
    let ctx: ServiceContext
    public init(_ ctx: ServiceContext) { self.ctx = ctx }
    public init(_ req: Request) { self.init(req.context) }
    var db: any Database { ctx.db }
    static let decoder = SQLRowDecoder.snakeCase
    static let planWord = LocalizedText(zh: "教案", en: "lesson plan")
    static let groupWord = LocalizedText(zh: "教研组", en: "research group")

    // MARK: groups

    public func groups() async throws -> [GroupRow] {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        let rows = try await Self.groupRows(on: db)
        let c = try await callerCounty(a)
        return rows.filter { visible($0, a, county: c) }
    }

    func visible(_ g: GroupRow, _ a: Actor, county c: CallerCounty) -> Bool {
        switch ResearchLevel(rawValue: g.level) {
        case .county: return Self.inCounty(g.countyCode, c)
        case .district: return g.districtId.map { a.covers(districtId: $0) } ?? false
        default: return g.schoolId.map { s in a.covers(schoolId: s, districtId: g.districtId ?? -1) || a.schoolId == s } ?? false
        }
    }

    func group(_ id: Int) async throws -> GroupRow? {
        try await Self.groupRow(id: id, on: db)
    }

    func members(_ groupId: Int) async throws -> Set<Int> {
        Set(try await Self.memberIds(groupId: groupId, on: db))
    }

    /// A group of the caller's area: the bureau a county group (or any), a district admin one of
    /// the district or its schools, a school admin one of the school. The leader is a member.
    public func createGroup(name raw: String?, level rawLevel: String?, subject rawSubject: String?, leader: Int?, members: [Int], reviewLevels: Int?) async throws -> Int {
        let a = try ctx.requireActor()
        try a.require(.teachingManage)
        var e = FieldErrors()
        let name = raw?.trimmed ?? ""
        if name.isEmpty || name.count > 60 { e.add("name", "请填写教研组名称", "enter the group's name") }
        let level = rawLevel.flatMap(ResearchLevel.parse)
        if level == nil { e.add("level", "请选择层级：县级、学区级或校级", "choose the level") }
        let subject = rawSubject.flatMap(Subject.parse)
        if subject == nil { e.add("subject", "请选择学科", "choose a subject") }
        let levels = reviewLevels ?? 1
        if !(1...3).contains(levels) { e.add("reviewLevels", "审核级数为1到3", "one to three review levels") }
        let leaderRow = try await leader.asyncMap { try await RegistryStore.teacher(id: $0, on: db) } ?? nil
        if leaderRow == nil { e.add("leader", "请选择组长（在册教师）", "choose the leader (a registered teacher)") }
        try e.throwIfAny()
        var districtId: Int?, schoolId: Int?
        switch (level!, a.registryScope) {
        case (.county, .county), (.county, .districts): break
        case (.district, .county), (.district, .districts), (.district, .district):
            districtId = leaderRow!.districtId
        case (.school, .county), (.school, .districts), (.school, .district), (.school, .school):
            districtId = leaderRow!.districtId; schoolId = leaderRow!.schoolId
        default: throw DomainError.forbidden
        }
        guard a.covers(schoolId: leaderRow!.schoolId, districtId: leaderRow!.districtId) else {
            throw DomainError.validation(["leader": LocalizedText(zh: "组长不在您的管理范围内", en: "the leader is outside your scope")])
        }
        let all = Array(Set(members + [leaderRow!.id]))
        let teachers = try await RegistryStore.teachers(ids: all, on: db)
        for id in all where teachers[id] == nil || !a.covers(schoolId: teachers[id]!.schoolId, districtId: teachers[id]!.districtId) {
            e.add("members", "成员\(id)不存在或不在您的管理范围内", "member \(id) is not a teacher in your scope")
        }
        try e.throwIfAny()
        let audit = ctx.audit, now = ctx.now, districtValue = districtId, schoolValue = schoolId
        let county = level == .county ? try await newItemCounty(a) : nil
        return try await ctx.write { tx in
            let id = try await Self.insertGroup(name: name, level: level!.rawValue, districtId: districtValue, schoolId: schoolValue, subject: subject!.rawValue,
                                                leaderTeacherId: leaderRow!.id, reviewLevels: levels, members: all, county: county, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "teaching.group", entity: "teaching_group", entityId: String(id), summary: "\(name)（\(level!.zh)），\(all.count) 名成员")
            return id
        }
    }

    // MARK: plans

    func teacher(_ a: Actor) async throws -> TeacherRow {
        guard let id = a.teacherId, let t = try await RegistryStore.teacher(id: id, on: db) else {
            throw DomainError(.conflict, code: "not_a_teacher", LocalizedText(zh: "只有在册教师可以编写教案", en: "only a registered teacher writes lesson plans"))
        }
        return t
    }

    /// Who may read a plan: the owner; for a 个案 also the school's, district's and county's
    /// teaching office; for a 通案 the group's members and the offices of its area, and once it
    /// is released every teacher of its area.
    func canRead(_ p: LessonPlanRow, _ a: Actor) async throws -> Bool {
        if a.teacherId == p.ownerTeacherId { return true }
        if Self.covers(try await office(a), schoolId: p.schoolId, districtId: p.districtId) { return true }
        guard p.kindValue == .common else { return false }
        if let g = p.groupId, let t = a.teacherId, try await members(g).contains(t) { return true }
        // Released plans reach the teachers of the area on their release date (the start of term).
        guard p.state == CommonPlanState.released.rawValue, a.can(.teachingRead), (p.releaseOn ?? "") <= ctx.today.description else { return false }
        switch ResearchLevel(rawValue: p.level) {
        // A county's 通案 reaches its own county's teachers (its author's district is the county's).
        case .county: return Self.inCounty(district: p.districtId, try await callerCounty(a))
        case .district: return a.covers(districtId: p.districtId)
        default: return a.covers(schoolId: p.schoolId, districtId: p.districtId)
        }
    }

    public func plan(id: Int) async throws -> LessonPlanRow {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        guard let p = try await Self.planRow(id: id, on: db), try await canRead(p, a) else { throw DomainError.notFound(Self.planWord) }
        return p
    }

    static func checkSections(_ raw: [String: String]?, into e: inout FieldErrors) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in raw ?? [:] {
            guard PlanSection.names.contains(k) else { e.add("sections.\(k)", "未知的栏目“\(k.clipped())”，可用：\(PlanSection.names.joined(separator: "、"))", "unknown section"); continue }
            let t = v.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.count > 20_000 { e.add("sections.\(k)", "\(k)不超过2万字", "at most 20,000 characters") }
            if !t.isEmpty { out[k] = t }
        }
        return out
    }

    static func sectionMap(_ json: String) -> [String: String] { (try? JSONDecoder().decode([String: String].self, from: Data(json.utf8))) ?? [:] }

    /// The share of characters a derived plan changed from its source (kept in `changed_ratio`).
    static func changedRatio(parent: LessonPlanRow?, sections: [String: String]) -> Double? {
        parent.map { PlanDiff(parent: $0.sectionMap, child: sections).changedRatio }
    }

    static func json(_ sections: [String: String]) -> String {
        let enc = JSONEncoder(); enc.outputFormatting = .sortedKeys
        return String(decoding: (try? enc.encode(sections)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func searchDocument(title: String, sections: [String: String]) -> String {
        Bigrams.document([title] + PlanSection.names.compactMap { sections[$0] })
    }

    /// Who may find a plan, as index tokens beside its bigrams (four or more characters, so never
    /// a bigram): owner, group, district, school, and once released the area it reaches. A search
    /// asks for the caller's tokens in the same full-text query, so the index narrows to the
    /// caller's scope before ranking; the exact scope is still applied in SQL.
    static func scopeTokens(kind: String, state: String, level: String, owner: Int, group: Int?, district: Int, school: Int) -> [String] {
        var t = ["xqo\(owner)", "xqd\(district)", "xqs\(school)"]
        if let group { t.append("xqg\(group)") }
        if kind == PlanKind.common.rawValue && state == CommonPlanState.released.rawValue {
            switch ResearchLevel(rawValue: level) {
            case .county: t.append("xqrc")
            case .district: t.append("xqrd\(district)")
            default: t.append("xqrs\(school)")
            }
        }
        return t
    }

    /// The caller's tokens (nil: no narrowing, the county sees everything).
    func scopeTokens(_ a: Actor, office o: RegistryScope?) async throws -> [String]? {
        if o == .county || a.registryScope == .county { return nil }
        var t = ["xqrc"]
        if let id = a.teacherId { t.append("xqo\(id)"); t += try await myGroups(a).sorted().map { "xqg\($0)" } }
        switch o {
        case .district(let d)?: t.append("xqd\(d)")
        case .school(let s)?: t.append("xqs\(s)")
        case .districts(let ds)?: t += ds.map { "xqd\($0)" }
        default: break
        }
        if let d = a.districtId { t.append("xqrd\(d)") }
        if let s = a.schoolId { t.append("xqrs\(s)") }
        return t
    }

    /// A 通案 by a member of a research group of its subject (the plan's level is the group's),
    /// or a 个案 by a teacher.
    public func create(_ d: PlanDraft, parent: LessonPlanRow? = nil) async throws -> LessonPlanRow {
        let a = try ctx.requireActor()
        try a.require(.teachingWrite)
        let t = try await teacher(a)
        var e = FieldErrors()
        let kind = d.kind.flatMap(PlanKind.parse)
        if kind == nil { e.add("kind", "类型应为 common（通案）或 personal（个案）", "kind is common or personal") }
        let title = d.title?.trimmed ?? ""
        if title.isEmpty || title.count > 100 { e.add("title", "请填写课题（不超过100字）", "enter the title (at most 100 characters)") }
        let subject = d.subject.flatMap(Subject.parse)
        if subject == nil { e.add("subject", "请选择学科", "choose a subject") }
        let grade = d.grade?.trimmed ?? ""
        if grade.isEmpty || grade.count > 20 { e.add("grade", "请填写年级", "enter the grade") }
        let sections = Self.checkSections(d.sections, into: &e)
        var group: GroupRow?
        if kind == .common {
            let mine = try await Self.groups(memberTeacherId: t.id, on: db)
            group = d.groupId.flatMap { id in mine.first { $0.id == id } } ?? mine.first { $0.subject == subject?.rawValue }
            if group == nil || group?.subject != subject?.rawValue {
                throw DomainError(.forbidden, code: "not_in_group", LocalizedText(zh: "通案由该学科教研组的成员编写，您不在\(subject?.zh ?? "")教研组中", en: "a common plan is written by a member of the subject's research group"))
            }
        }
        try e.throwIfAny()
        let level = kind == .common ? group!.level : "personal"
        let audit = ctx.audit, now = ctx.now, actorName = a.username, groupValue = group
        let ratio = Self.changedRatio(parent: parent, sections: sections)
        let id = try await ctx.write { tx -> Int in
            let id = try await Self.insertPlan(kind: kind!.rawValue, level: level, groupId: groupValue?.id, parentId: parent?.id, ownerTeacherId: t.id, districtId: t.districtId,
                                               schoolId: t.schoolId, title: title, subject: subject!.rawValue, grade: grade, edition: d.edition?.trimmed, unit: d.unit?.trimmed,
                                               sections: Self.json(sections), changedRatio: ratio, savedBy: actorName, on: tx, now: now)
            try await Self.index(id, on: tx)
            try await Audit.record(on: tx, audit, action: parent == nil ? "teaching.plan.create" : "teaching.plan.derive", entity: "lesson_plan", entityId: String(id),
                                   summary: "\(kind!.zh)《\(title)》" + (parent.map { "，源自 \($0.id) 号教案" } ?? ""))
            return id
        }
        return try await plan(id: id)
    }

    /// The owner saves the sections: a new version (stale version → 409, nothing saved). A
    /// 通案 in review or released is not edited (its reflection aside, a 个案 always is).
    public func update(id: Int, sections raw: [String: String]?, title: String?, version: Int?) async throws -> LessonPlanRow {
        let a = try ctx.requireActor()
        try a.require(.teachingWrite)
        let p = try await plan(id: id)
        guard a.teacherId == p.ownerTeacherId else { throw DomainError.forbidden }
        if p.kindValue == .common && p.state != CommonPlanState.draft.rawValue {
            throw DomainError(.conflict, code: "not_draft", LocalizedText(zh: "通案在审核中或已发布，不能修改", en: "a common plan in review or released is not changed"))
        }
        var e = FieldErrors()
        var sections = p.sectionMap
        for (k, v) in Self.checkSections(raw, into: &e) { sections[k] = v }
        for (k, v) in raw ?? [:] where v.trimmed.isEmpty && PlanSection.names.contains(k) { sections[k] = nil }
        let newTitle = title?.trimmed.isEmpty == false ? String(title!.trimmed.prefix(100)) : p.title
        try e.throwIfAny()
        let audit = ctx.audit, now = ctx.now, actorName = a.username, v = version ?? p.version, sectionsValue = sections
        // The changed share against the source, kept with the save (never recomputed per view).
        let parent = try await p.parentId.asyncMap { try await Self.planRow(id: $0, on: db) } ?? nil
        let ratio = Self.changedRatio(parent: parent, sections: sections)
        try await ctx.write { tx in
            try await Self.savePlan(id: id, version: v, state: p.state, title: newTitle, sections: Self.json(sectionsValue), changedRatio: ratio, savedBy: actorName, on: tx, now: now)
            try await Self.index(id, on: tx)
            try await Audit.record(on: tx, audit, action: "teaching.plan.update", entity: "lesson_plan", entityId: String(id), summary: "保存为第 \(v + 1) 版")
        }
        return try await plan(id: id)
    }

    public struct VersionRow: Codable, Sendable { public let version: Int; public let title: String; public let sections: String; public let savedBy: String; public let savedAt: Double }

    public func versions(id: Int) async throws -> [VersionRow] {
        _ = try await plan(id: id)
        return try await Self.versionRows(planId: id, on: db)
    }

    /// Restores an earlier version as a new one (history is never rewritten).
    public func restore(id: Int, toVersion: Int, version: Int?) async throws -> LessonPlanRow {
        let old = try await versions(id: id).first { $0.version == toVersion }
        guard let old else { throw DomainError.notFound(LocalizedText(zh: "版本", en: "version")) }
        let sections = (try? JSONDecoder().decode([String: String].self, from: Data(old.sections.utf8))) ?? [:]
        var all: [String: String] = Dictionary(uniqueKeysWithValues: PlanSection.names.map { ($0, "") })
        for (k, v) in sections { all[k] = v }
        return try await update(id: id, sections: all, title: old.title, version: version)
    }

    /// Whether the caller may write a 通案 of this subject: a teacher in a research group of it.
    public func writesCommon(subject: String) async throws -> Bool {
        guard let t = ctx.actor?.teacherId else { return false }
        return try await Self.isMember(teacherId: t, ofGroupIn: subject, on: db)
    }

    /// A new plan from a visible one, owned by the caller: a 个案 from a 通案 (any teacher), or a
    /// district or school version of a 通案 (a member of a group of that subject: kind common).
    public func derive(id: Int, kind rawKind: String?) async throws -> LessonPlanRow {
        try ctx.requireActor().require(.teachingWrite)
        let parent = try await plan(id: id)
        guard parent.kindValue == .common else {
            throw DomainError(.conflict, code: "not_common", LocalizedText(zh: "只能由通案派生", en: "only a common plan is derived from"))
        }
        let kind = rawKind.flatMap(PlanKind.parse) ?? .personal
        var sections = parent.sectionMap
        sections[PlanSection.reflection] = nil
        return try await create(PlanDraft(kind: kind.rawValue, title: parent.title, subject: parent.subject, grade: parent.grade, edition: parent.edition, unit: parent.unit,
                                          sections: sections), parent: parent)
    }

    public func diff(id: Int) async throws -> (LessonPlanRow, LessonPlanRow?, PlanDiff?) {
        let p = try await plan(id: id)
        guard let pid = p.parentId else { return (p, nil, nil) }
        let parent = try await Self.planRow(id: pid, on: db)
        guard let parent else { return (p, nil, nil) }
        return (p, parent, PlanDiff(parent: parent.sectionMap, child: p.sectionMap))
    }

    // MARK: review and release of 通案

    public enum Event: String, Sendable { case submit, approve, sendBack = "send_back", release }

    /// submit (owner) → each review level approves (1: the group's leader; 2: the teaching office
    /// of the area; 3: the bureau) → approved → released on a date (the leader or the office).
    public func act(id: Int, event: Event, version: Int?, reason: String?, releaseOn: String?) async throws -> LessonPlanRow {
        let a = try ctx.requireActor()
        let p = try await plan(id: id)
        guard p.kindValue == .common, let gid = p.groupId, let g = try await group(gid) else {
            throw DomainError(.conflict, code: "not_common", LocalizedText(zh: "只有通案需要审核发布", en: "only common plans are reviewed and released"))
        }
        let rights = try await rights(a, plan: p, group: g)
        var change = ReviewChange.none
        let from = CommonPlanState(rawValue: p.state) ?? .draft
        let to: CommonPlanState
        switch (event, from) {
        case (.submit, .draft):
            guard a.teacherId == p.ownerTeacherId else { throw DomainError.forbidden }
            // The leader's own plan skips level 1: nobody approves their own work (issue 28).
            to = .inReview; change = .submitted(byLeader: rights.isLeader)
        case (.approve, .inReview):
            let level = p.reviewLevel
            guard rights.approve else { throw DomainError.forbidden }
            if level >= g.reviewLevels { to = .approved } else { to = .inReview; change = .nextLevel(level + 1) }
        case (.sendBack, .inReview):
            guard rights.sendBack else { throw DomainError.forbidden }
            if (reason?.trimmed ?? "").isEmpty { throw DomainError.validation(["reason": LocalizedText(zh: "退回须说明理由", en: "give a reason")]) }
            to = .draft; change = .sentBack
        case (.release, .approved):
            guard rights.release else { throw DomainError.forbidden }
            guard let date = releaseOn.flatMap({ CivilDate(parsing: $0.trimmed) }) else {
                throw DomainError.validation(["releaseOn": LocalizedText(zh: "请填写发布日期（学期初）", en: "enter the release date (the start of the term)")])
            }
            to = .released; change = .released(on: date.description)
        default:
            throw DomainError(.conflict, code: "invalid_transition", LocalizedText(zh: "教案当前为“\(from.zh)”，不能进行此操作", en: "the plan is \(from.en); not possible now"))
        }
        let audit = ctx.audit, now = ctx.now, v = version ?? p.version, changeValue = change
        try await ctx.write { tx in
            if to == from {
                try await Self.touchPlan(id: id, version: v, state: from.rawValue, change: changeValue, on: tx, now: now)
            } else {
                try await Self.advancePlan(id: id, from: from.rawValue, version: v, to: to.rawValue, change: changeValue, on: tx, now: now)
            }
            try await Self.planHistory(id: id, from: from.rawValue, to: to.rawValue, event: event.rawValue, actor: a.username, at: now, reason: reason?.trimmed, on: tx)
            // Released: the area it reaches becomes a search token.
            if to == .released { try await Self.index(id, on: tx) }
            try await Audit.record(on: tx, audit, action: "teaching.plan.\(event.rawValue)", entity: "lesson_plan", entityId: String(id), summary: "\(from.zh) → \(to.zh)")
        }
        return try await plan(id: id)
    }

    /// What the caller may do with a 通案 in review or approved, as `act` checks it and the plan
    /// page shows its buttons: level 1 is the group's leader (while still in the group's reach),
    /// level 2 the teaching office of the group's area, level 3 the county's; nobody approves a
    /// plan they wrote.
    public struct ReviewRights: Sendable { public let isLeader: Bool; public let approve: Bool; public let sendBack: Bool; public let release: Bool }

    public func rights(_ a: Actor, plan p: LessonPlanRow, group g: GroupRow) async throws -> ReviewRights {
        let isLeader = a.teacherId == g.leaderTeacherId
            && TeachingModule.groupHolds(level: g.level, schoolId: g.schoolId, districtId: g.districtId, teacherSchool: a.schoolId, teacherDistrict: a.districtId)
        let o = try await self.office(a)
        // The county's office: the only county's, or the plan's own county's among several.
        let countyOffice = Self.isCountyOffice(o) && Self.covers(o, schoolId: p.schoolId, districtId: p.districtId)
        func reviews(level: Int) -> Bool {
            if level >= 3 { return countyOffice }
            switch ResearchLevel(rawValue: p.level) {
            case .county: return countyOffice
            case .district: return countyOffice || o == .district(p.districtId)
            default: return Self.covers(o, schoolId: p.schoolId, districtId: p.districtId) || o == .district(p.districtId)
            }
        }
        let own = a.teacherId != nil && a.teacherId == p.ownerTeacherId
        let level = p.reviewLevel
        let mayReview = level == 1 ? isLeader : reviews(level: level)
        return ReviewRights(isLeader: isLeader, approve: mayReview && !own, sendBack: mayReview, release: isLeader || reviews(level: 2))
    }

    /// The rights on a plan by id, for its page (nil for a personal plan).
    public func rights(planId: Int) async throws -> ReviewRights? {
        let a = try ctx.requireActor()
        let p = try await plan(id: planId)
        guard p.kindValue == .common, let gid = p.groupId, let g = try await group(gid) else { return nil }
        return try await rights(a, plan: p, group: g)
    }

    // MARK: lists and search

    public struct ListItem: Sendable { public let plan: LessonPlanRow; public let snippet: String? }

    /// Plans visible to the caller, filtered; with `q` (two or more characters) a bigram phrase
    /// search over titles and sections, best matches first, each with a snippet.
    public func list(kind: PlanKind?, subject: String?, grade: String?, q: String?, limit: Int = 200) async throws -> [ListItem] {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        let g = grade?.trimmed ?? ""
        // The teaching office (an administrator, or a researcher of the district's centre) reads its area.
        let o = try await office(a)
        let c = try await callerCounty(a)
        let q0 = PlanQuery(kind: kind?.rawValue, subject: subject.flatMap(Subject.parse)?.rawValue, grade: g.isEmpty ? nil : g, teacherId: a.teacherId, office: o,
                           districtId: a.districtId, schoolId: a.schoolId, county: a.registryScope == .county, countyDistricts: c.districts.map { $0.sorted() },
                           today: ctx.today.description)
        let query = q?.trimmed ?? ""
        if !query.isEmpty {
            let grams = Bigrams.of(query)
            guard query.count >= 2, query.count <= 100, !grams.isEmpty else {
                throw DomainError.validation(["q": LocalizedText(zh: "检索词为2到100个字", en: "search for 2 to 100 characters")])
            }
            let phrase = grams.joined(separator: " ")
            let tokens = try await scopeTokens(a, office: try await office(a))
            let rows = try await Self.search(phrase: phrase, tokens: tokens, q0, limit: limit, on: db)
            return rows.map { ListItem(plan: $0, snippet: Self.snippet(query, title: $0.title, sections: $0.sectionMap)) }
        }
        let rows = try await Self.plans(q0, limit: limit, on: db)
        return rows.map { ListItem(plan: $0, snippet: nil) }
    }

    /// Up to 20 characters either side of the first place the words occur (title first).
    static func snippet(_ q: String, title: String, sections: [String: String]) -> String? {
        for (name, text) in [("课题", title)] + PlanSection.names.compactMap({ n in sections[n].map { (n, $0) } }) {
            guard let r = text.range(of: q, options: .caseInsensitive) else { continue }
            let start = text.index(r.lowerBound, offsetBy: -20, limitedBy: text.startIndex) ?? text.startIndex
            let end = text.index(r.upperBound, offsetBy: 20, limitedBy: text.endIndex) ?? text.endIndex
            return "\(name)：" + (start > text.startIndex ? "…" : "") + text[start..<end] + (end < text.endIndex ? "…" : "")
        }
        return nil
    }

    /// 个案 barely changed from their 通案 (a copied plan), for the teaching office: the share kept
    /// with each save, read, not recomputed.
    public func copied() async throws -> [(LessonPlanRow, Double)] {
        let a = try ctx.requireActor()
        guard try await office(a) != nil else { throw DomainError.forbidden }
        let items = try await list(kind: .personal, subject: nil, grade: nil, q: nil, limit: 1000).map(\.plan)
        return items.compactMap { p in p.changedRatio.flatMap { p.parentId != nil && $0 < PlanDiff.nearlyUnchanged ? (p, $0) : nil } }
    }
}
