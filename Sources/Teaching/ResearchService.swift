import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

public struct ResearchUnitRow: Codable, Sendable {
    public let id: Int; public let level: String; public let districtId: Int?; public let name: String
    /// The county of a county office (GB/T 2260).
    public let countyCode: String?
}
public struct ResearcherRow: Codable, Sendable { public let unitId: Int; public let teacherId: Int; public let subject: String?; public let since: String }

public struct ActivityRow: Codable, Sendable {
    public let id: Int; public let kind: String; public let level: String; public let districtId: Int?; public let schoolId: Int?
    public let subject: String; public let grade: String?; public let title: String; public let startsAt: String; public let endsAt: String
    public let place: String?; public let onlineLink: String?; public let agenda: String?; public let minutes: String?
    public let hostTeacherId: Int?; public let planId: Int?; public let organiser: String; public let version: Int
    /// The county of a county-level activity.
    public let countyCode: String?
    public var kindValue: ActivityKind { ActivityKind(rawValue: kind) ?? .activity }
    public var start: LocalDateTime? { LocalDateTime(parsing: startsAt) }
    public var end: LocalDateTime? { LocalDateTime(parsing: endsAt) }
}

public struct ActivityDraft: Sendable {
    public var kind: String?; public var subject: String?; public var grade: String?; public var title: String?
    public var startsAt: String?; public var endsAt: String?; public var place: String?; public var onlineLink: String?; public var agenda: String?
    public var hostTeacherId: Int?; public var planId: Int?; public var groupId: Int?; public var invite: [Int]; public var inviteSubject: Bool
    public init(kind: String?, subject: String?, grade: String? = nil, title: String?, startsAt: String?, endsAt: String?, place: String? = nil, onlineLink: String? = nil,
                agenda: String? = nil, hostTeacherId: Int? = nil, planId: Int? = nil, groupId: Int? = nil, invite: [Int] = [], inviteSubject: Bool = false) {
        self.kind = kind; self.subject = subject; self.grade = grade; self.title = title; self.startsAt = startsAt; self.endsAt = endsAt; self.place = place
        self.onlineLink = onlineLink; self.agenda = agenda; self.hostTeacherId = hostTeacherId; self.planId = planId; self.groupId = groupId; self.invite = invite; self.inviteSubject = inviteSubject
    }
}

public struct AttendeeRow: Codable, Sendable { public let teacherId: Int; public let attended: Bool? }
public struct ObservationRow: Codable, Sendable {
    public let observerTeacherId: Int; public let scores: String; public let total: Int; public let comment: String?
    public var scoreList: [Int] { (try? JSONDecoder().decode([Int].self, from: Data(scores.utf8))) ?? [] }
}
public struct AttachmentRow: Codable, Sendable {
    public let id: Int; public let owner: String; public let ownerId: Int; public let filename: String; public let mediaType: String; public let sha256: String
    public let size: Int; public let uploadedBy: String; public let createdAt: Double
}

/// One node of a plan's lineage (the root 通案 and everything derived from it), in drawing order.
public struct LineageNode: Sendable { public let plan: LessonPlanRow; public let depth: Int; public let readable: Bool; public let hidden: Int }

/// The research network (教研室 → 教研中心 → 教研员), research activities and open classes, the
/// observers' rubric, attachments, each teacher's calendar and its .ics feed.
extension TeachingService {
    static let activityWord = LocalizedText(zh: "教研活动", en: "research activity")

    // MARK: the teaching office a caller works for

    /// Where the caller acts as the teaching office: an administrator with teaching:manage over
    /// their area, or a researcher (教研员) over their unit's (the county office: the county; a
    /// district centre: the district). Nil for everyone else.
    public func office(_ a: Actor) async throws -> RegistryScope? {
        if a.can(.teachingManage), a.teacherId == nil { return a.registryScope == .nothing ? nil : a.registryScope }
        guard let t = a.teacherId, a.can(.teachingRead) else { return nil }
        guard let u = try await Self.researcherUnit(teacherId: t, on: db) else { return nil }
        if u.level == ResearchLevel.county.rawValue { return try await countyOffice(u.countyCode) }
        // A district centre's researcher while working in that district (read from the caller's
        // current school, which follows every move).
        guard let d = u.districtId, d == a.districtId else { return nil }
        return .district(d)
    }

    static func covers(_ o: RegistryScope?, schoolId: Int?, districtId: Int?) -> Bool {
        switch o {
        case .county: return true
        case .districts(let ds): return districtId.map(ds.contains) ?? false
        case .district(let d): return districtId == d
        case .school(let s): return schoolId == s
        default: return false
        }
    }

    // MARK: research units and researchers

    public func units() async throws -> [(ResearchUnitRow, [ResearcherRow])] {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        let c = try await callerCounty(a)
        // The caller's county's office and its districts' centres.
        let units = try await Self.unitRows(on: db).filter { $0.districtId == nil ? Self.inCounty($0.countyCode, c) : Self.inCounty(district: $0.districtId, c) }
        let staff = try await Self.staffRows(on: db)
        let byUnit = Dictionary(grouping: staff, by: \.unitId)
        return units.map { ($0, byUnit[$0.id] ?? []) }
    }

    /// The bureau sets up the county office and the districts' centres (one each).
    public func createUnit(level rawLevel: String?, districtId: Int?, name raw: String?) async throws -> Int {
        let a = try ctx.requireActor()
        guard a.can(.teachingManage), a.teacherId == nil, a.isCountyBureau else { throw DomainError.forbidden }
        var e = FieldErrors()
        let level = rawLevel.flatMap(ResearchLevel.parse)
        if level == nil || level == .school { e.add("level", "层级应为县级（教研室）或学区级（教研中心）", "the county office or a district centre") }
        let name = raw?.trimmed ?? ""
        if name.isEmpty || name.count > 60 { e.add("name", "请填写名称（不超过60字）", "enter the name (at most 60 characters)") }
        if level == .district {
            if let d = districtId, try await RegistryStore.districtRows(on: db, scope: a.registryScope).contains(where: { $0.id == d }) {} else { e.add("districtId", "请选择学区", "choose the district") }
        }
        try e.throwIfAny()
        let district = level == .district ? districtId : nil
        let county = level == .county ? try await newItemCounty(a) : nil
        let audit = ctx.audit, now = ctx.now
        return try await ctx.write { tx in
            // Checked inside the write, after the lock: the same office set up twice at once is one office.
            try await Self.lockUnits(on: tx)
            if try await Self.unitCount(level: level!.rawValue, districtId: district, county: county, on: tx) > 0 {
                throw DomainError(.conflict, code: "unit_exists", LocalizedText(zh: level == .county ? "县教研室已设立" : "该学区已有教研中心", en: "this office exists already"))
            }
            let id = try await Self.insertUnit(level: level!.rawValue, districtId: district, name: name, county: county, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "teaching.unit", entity: "research_unit", entityId: String(id), summary: name)
            return id
        }
    }

    /// A researcher (教研员, a registered teacher) joins a unit: the bureau for any unit, a
    /// district admin for their district's centre; the teacher must work in the unit's area.
    public func addResearcher(unitId: Int, teacherId: Int?, subject rawSubject: String?) async throws {
        let a = try ctx.requireActor()
        guard a.can(.teachingManage), a.teacherId == nil else { throw DomainError.forbidden }
        guard let unit = try await units().map(\.0).first(where: { $0.id == unitId }) else { throw DomainError.notFound(LocalizedText(zh: "教研机构", en: "research office")) }
        guard a.isCountyBureau || (unit.districtId.map { a.registryScope == .district($0) } ?? false) else { throw DomainError.forbidden }
        guard let tid = teacherId, let t = try await RegistryStore.teacher(id: tid, on: db) else {
            throw DomainError.validation(["teacherId": LocalizedText(zh: "请填写在册教师的编号", en: "enter a registered teacher's number")])
        }
        if let d = unit.districtId, t.districtId != d {
            throw DomainError.validation(["teacherId": LocalizedText(zh: "\(t.name)不在该学区任教", en: "this teacher does not work in the district")])
        }
        // The county office's researchers work in its county.
        if unit.districtId == nil, !a.covers(schoolId: t.schoolId, districtId: t.districtId) {
            throw DomainError.validation(["teacherId": LocalizedText(zh: "\(t.name)不在本县任教", en: "this teacher does not work in this county")])
        }
        var subject: String?
        if let s = rawSubject?.trimmed, !s.isEmpty {
            guard let v = Subject.parse(s) else { throw DomainError.validation(["subject": LocalizedText(zh: "未知的学科", en: "unknown subject")]) }
            subject = v.rawValue
        }
        let audit = ctx.audit, today = ctx.today.description, subjectValue = subject
        do {
            try await ctx.write { tx in
                try await Self.insertResearcher(unitId: unitId, teacherId: tid, subject: subjectValue, since: today, on: tx)
                try await Audit.record(on: tx, audit, action: "teaching.researcher", entity: "research_unit", entityId: String(unitId), summary: "教研员（教师编号 \(tid)）")
            }
        } catch let e as any DatabaseError where e.isConstraintFailure {
            throw DomainError(.conflict, code: "already_researcher", LocalizedText(zh: "\(t.name)已是教研员", en: "this teacher is a researcher already"))
        }
    }

    public func removeResearcher(unitId: Int, teacherId: Int) async throws {
        let a = try ctx.requireActor()
        guard a.can(.teachingManage), a.teacherId == nil else { throw DomainError.forbidden }
        guard let unit = try await units().map(\.0).first(where: { $0.id == unitId }) else { throw DomainError.notFound(LocalizedText(zh: "教研机构", en: "research office")) }
        guard a.isCountyBureau || (unit.districtId.map { a.registryScope == .district($0) } ?? false) else { throw DomainError.forbidden }
        let audit = ctx.audit
        try await ctx.write { tx in
            try await Self.deleteResearcher(unitId: unitId, teacherId: teacherId, on: tx)
            try await Audit.record(on: tx, audit, action: "teaching.researcher.remove", entity: "research_unit", entityId: String(unitId), summary: "移除教研员（教师编号 \(teacherId)）")
        }
    }

    // MARK: activities and open classes

    /// The area an activity belongs to, from the office that runs it.
    static func area(_ o: RegistryScope, teacher: TeacherRow?) -> (level: ResearchLevel, districtId: Int?, schoolId: Int?) {
        switch o {
        case .county, .districts: return (.county, nil, nil)
        case .district(let d): return (.district, d, nil)
        case .school(let s): return (.school, teacher?.districtId, s)
        case .nothing: return (.school, nil, nil)
        }
    }

    static func inArea(_ level: String, districtId: Int?, schoolId: Int?, teacher t: TeacherRow, county c: CallerCounty) -> Bool {
        switch ResearchLevel(rawValue: level) {
        case .county: return inCounty(district: t.districtId, c)
        case .district: return t.districtId == districtId
        default: return t.schoolId == schoolId
        }
    }

    /// Whether the caller sees an activity: the teachers and offices of its area, and the county.
    func canSee(_ x: ActivityRow, _ a: Actor, office o: RegistryScope?, county c: CallerCounty) -> Bool {
        if Self.covers(o, schoolId: x.schoolId, districtId: x.districtId) || o == .county { return true }
        if case .district(let d) = o, x.districtId == d { return true }
        switch ResearchLevel(rawValue: x.level) {
        case .county: return a.can(.teachingRead) && Self.inCounty(x.countyCode, c)
        case .district: return x.districtId.map { a.covers(districtId: $0) } ?? false
        default: return x.schoolId == a.schoolId || (x.schoolId != nil && a.registryScope == .county)
        }
    }

    /// The office that may run it: the county office runs county activities; a district office
    /// its district's (and its schools'); a school admin the school's.
    func runs(_ x: ActivityRow, office o: RegistryScope?, county c: CallerCounty) -> Bool {
        switch (ResearchLevel(rawValue: x.level), o) {
        case (_, .county): return true
        case (.county, .districts): return Self.inCounty(x.countyCode, c)
        case (_, .districts(let ds)): return x.districtId.map(ds.contains) ?? false
        case (.district, .district(let d)), (.school, .district(let d)): return x.districtId == d
        case (.school, .school(let s)): return x.schoolId == s
        default: return false
        }
    }

    public func activity(id: Int) async throws -> ActivityRow {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        guard let x = try await Self.activityRow(id: id, on: db), canSee(x, a, office: try await office(a), county: try await callerCounty(a)) else {
            throw DomainError.notFound(Self.activityWord)
        }
        return x
    }

    static func activityDocument(_ x: (title: String, agenda: String?, minutes: String?)) -> String { Bigrams.document([x.title, x.agenda ?? "", x.minutes ?? ""]) }

    static func checkLink(_ raw: String?, into e: inout FieldErrors) -> String? {
        guard let s = raw?.trimmed, !s.isEmpty else { return nil }
        guard s.count <= 300, let u = URL(string: s), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.host != nil else {
            e.add("onlineLink", "线上链接应以 http:// 或 https:// 开头", "the online link starts with http:// or https://"); return nil
        }
        return s
    }

    /// An office schedules an activity or an open class in its area and invites teachers: a
    /// group's members, teachers by number, or every teacher of the subject in the area.
    public func createActivity(_ d: ActivityDraft) async throws -> ActivityRow {
        let a = try ctx.requireActor()
        guard let o = try await office(a) else { throw DomainError.forbidden }
        var e = FieldErrors()
        let kind = d.kind.flatMap(ActivityKind.parse) ?? .activity
        let title = d.title?.trimmed ?? ""
        if title.isEmpty || title.count > 100 { e.add("title", "请填写主题（不超过100字）", "enter the topic (at most 100 characters)") }
        let subject = d.subject.flatMap(Subject.parse)
        if subject == nil { e.add("subject", "请选择学科", "choose a subject") }
        let grade = d.grade?.trimmed ?? ""
        if grade.count > 20 { e.add("grade", "年级不超过20字", "at most 20 characters") }
        let start = d.startsAt.flatMap(LocalDateTime.init(parsing:)), end = d.endsAt.flatMap(LocalDateTime.init(parsing:))
        if start == nil { e.add("startsAt", "请填写开始时间（YYYY-MM-DD HH:MM）", "enter the start (YYYY-MM-DD HH:MM)") }
        if end == nil { e.add("endsAt", "请填写结束时间（YYYY-MM-DD HH:MM）", "enter the end (YYYY-MM-DD HH:MM)") }
        if let s = start, let t = end {
            if t <= s { e.add("endsAt", "结束时间应晚于开始时间", "the end is after the start") }
            if t.date.daysSinceEpoch - s.date.daysSinceEpoch > 7 { e.add("endsAt", "一次活动不超过7天", "an activity lasts at most 7 days") }
            let today = ctx.today
            if s.date < today.adding(days: -366) || s.date > today.adding(days: 366) { e.add("startsAt", "活动时间应在前后一年之内", "within a year of today") }
        }
        let place = d.place?.trimmed ?? ""
        if place.count > 100 { e.add("place", "地点不超过100字", "at most 100 characters") }
        let link = Self.checkLink(d.onlineLink, into: &e)
        if place.isEmpty && link == nil && e.fields["onlineLink"] == nil { e.add("place", "请填写地点或线上链接", "enter the place or an online link") }
        let agenda = d.agenda?.trimmed ?? ""
        if agenda.count > 5000 { e.add("agenda", "议程不超过5000字", "at most 5,000 characters") }
        // The area follows the office; a school admin's activity is the school's.
        var host: TeacherRow?
        if let h = d.hostTeacherId { host = try await RegistryStore.teacher(id: h, on: db) }
        var schoolTeacher: TeacherRow?
        if case .school = o, let s = a.schoolId { schoolTeacher = try await RegistryStore.teachers(on: db, scope: .school(s), filter: TeacherFilter(), page: PageSpec(page: 1, per: 1), withSchool: false).items.first }
        let area = Self.area(o, teacher: schoolTeacher)
        let districtId = area.districtId ?? (a.districtId)
        let county = try await callerCounty(a)
        if kind == .openClass {
            if let h = host {
                if !Self.inArea(area.level.rawValue, districtId: districtId, schoolId: area.schoolId, teacher: h, county: county) { e.add("hostTeacherId", "授课教师\(h.name)不在本活动范围内", "the teacher is outside this activity's area") }
            } else { e.add("hostTeacherId", "公开课请填写授课教师编号", "enter the teacher who teaches the open class") }
        }
        if let pid = d.planId {
            let p = try? await plan(id: pid)
            if p == nil || (host != nil && p?.ownerTeacherId != host?.id) { e.add("planId", "教案\(pid)不存在、不可见或不是授课教师的", "plan \(pid) is not the teacher's or not visible") }
        }
        try e.throwIfAny()
        // Invitations: all named teachers must work in the area; unknown numbers are named.
        var invited = Set(d.invite)
        if let g = d.groupId {
            guard let group = try await groups().first(where: { $0.id == g }) else { throw DomainError.validation(["groupId": LocalizedText(zh: "教研组不存在或不可见", en: "no such group")]) }
            invited.formUnion(try await members(group.id))
        }
        if d.inviteSubject, let subject {
            let all = try await Self.teacherSubjects(level: area.level, districtId: districtId ?? -1, schoolId: area.schoolId ?? -1, countyDistricts: county.districts, on: db)
            invited.formUnion(all.filter { $0.subjects.split(separator: ",").contains { $0 == subject.rawValue } }.map(\.id))
        }
        if let h = host { invited.remove(h.id) }
        if invited.count > 5000 { throw DomainError.validation(["invite": LocalizedText(zh: "一次最多邀请5000名教师", en: "at most 5,000 teachers")]) }
        let teachers = try await RegistryStore.teachers(ids: Array(invited), on: db)
        for id in invited.sorted() {
            guard let t = teachers[id] else { e.add("invite", "教师编号\(id)不存在", "no teacher \(id)"); continue }
            if !Self.inArea(area.level.rawValue, districtId: districtId, schoolId: area.schoolId, teacher: t, county: county) { e.add("invite", "\(t.name)（\(id)）不在本活动范围内", "teacher \(id) is outside this activity's area") }
        }
        try e.throwIfAny()
        let audit = ctx.audit, now = ctx.now, organiser = a.username, inviteList = invited.sorted(), hostId = host?.id
        let itemCounty = area.level == .county ? try await newItemCounty(a) : nil
        let id = try await ctx.write { tx -> Int in
            let id = try await Self.insertActivity(kind: kind.rawValue, level: area.level.rawValue, districtId: area.level == .county ? nil : districtId, schoolId: area.schoolId,
                                                   subject: subject!.rawValue, grade: grade.isEmpty ? nil : grade, title: title, startsAt: start!.description, endsAt: end!.description,
                                                   place: place.isEmpty ? nil : place, onlineLink: link, agenda: agenda.isEmpty ? nil : agenda, hostTeacherId: hostId, planId: d.planId,
                                                   organiser: organiser, invited: inviteList, county: itemCounty, on: tx, now: now)
            try await Self.indexActivity(id, title: title, agenda: agenda, minutes: nil, on: tx)
            try await Audit.record(on: tx, audit, action: "teaching.activity", entity: "research_activity", entityId: String(id), summary: "\(kind.zh)《\(title)》，邀请 \(inviteList.count) 人")
            return id
        }
        return try await activity(id: id)
    }

    /// Activities the caller sees, soonest upcoming first then the most recent past; with `q`
    /// (two or more characters) a bigram search over topic, agenda and minutes.
    public func activities(kind: ActivityKind? = nil, subject: String? = nil, q: String? = nil, from: String? = nil, limit: Int = 200) async throws -> [ActivityRow] {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        let o = try await office(a)
        let c = try await callerCounty(a)
        let q0 = ActivityQuery(kind: kind?.rawValue, subject: subject.flatMap(Subject.parse)?.rawValue, from: from, office: o, county: o == .county || a.registryScope == .county,
                               countyCode: c.districts == nil ? nil : c.code, districtId: a.districtId, schoolId: a.schoolId)
        let query = q?.trimmed ?? ""
        if !query.isEmpty {
            let grams = Bigrams.of(query)
            guard query.count >= 2, query.count <= 100, !grams.isEmpty else {
                throw DomainError.validation(["q": LocalizedText(zh: "检索词为2到100个字", en: "search for 2 to 100 characters")])
            }
            return try await Self.searchActivities(phrase: grams.joined(separator: " "), q0, limit: limit, on: db)
        }
        return try await Self.activities(q0, limit: limit, on: db)
    }

    public func attendees(activityId: Int) async throws -> [AttendeeRow] {
        _ = try await activity(id: activityId)
        return try await Self.attendeeRows(activityId: activityId, on: db)
    }

    var nowLocal: LocalDateTime { LocalDateTime.now(ctx.now) }

    /// The running office records who came (the rest of the invited did not) and the minutes,
    /// once the activity has begun; a stale version is 409 and saves nothing.
    public func recordActivity(id: Int, attended: [Int]?, minutes raw: String?, version: Int?) async throws -> ActivityRow {
        let a = try ctx.requireActor()
        let x = try await activity(id: id)
        guard runs(x, office: try await office(a), county: try await callerCounty(a)) else { throw DomainError.forbidden }
        if let s = x.start, nowLocal < s {
            throw DomainError(.conflict, code: "not_started", LocalizedText(zh: "活动尚未开始，开始后才能登记出勤和纪要", en: "the activity has not begun; attendance and minutes come after"))
        }
        let minutes = raw?.trimmed
        if (minutes?.count ?? 0) > 20_000 { throw DomainError.validation(["minutes": LocalizedText(zh: "纪要不超过2万字", en: "at most 20,000 characters")]) }
        let invited = Set(try await attendees(activityId: id).map(\.teacherId))
        if let attended {
            let strangers = attended.filter { !invited.contains($0) }
            if !strangers.isEmpty {
                throw DomainError.validation(["attended": LocalizedText(zh: "教师编号\(strangers.map(String.init).joined(separator: "、"))不在受邀名单中", en: "not invited: \(strangers.map(String.init).joined(separator: ", "))")])
            }
        }
        let audit = ctx.audit, now = ctx.now, v = version ?? x.version
        try await ctx.write { tx in
            if !(try await Self.bumpActivity(id: id, version: v, minutes: minutes, on: tx, now: now)) { throw Self.staleActivity }
            if let attended { try await Self.recordAttendance(activityId: id, attended: attended, on: tx) }
            if minutes != nil { try await Self.indexActivity(id, title: x.title, agenda: x.agenda, minutes: minutes, on: tx) }
            try await Audit.record(on: tx, audit, action: "teaching.activity.record", entity: "research_activity", entityId: String(id),
                                   summary: [attended.map { "出勤 \($0.count) 人" }, minutes == nil ? nil : "记录纪要"].compactMap { $0 }.joined(separator: "，"))
        }
        return try await activity(id: id)
    }

    static let staleActivity = DomainError(.conflict, code: "stale_version", LocalizedText(zh: "该活动已被他人修改，请刷新后再登记（您的修改未保存）", en: "someone else changed this activity; reload and try again (nothing was saved)"))

    // MARK: the observers' rubric

    /// An invited teacher (not the one teaching) scores an open class once it has begun; sending
    /// it again replaces their own rubric.
    public func observe(activityId: Int, scores raw: [String: Int], comment rawComment: String?) async throws {
        let a = try ctx.requireActor()
        let x = try await activity(id: activityId)
        guard x.kindValue == .openClass else { throw DomainError(.conflict, code: "not_open_class", LocalizedText(zh: "只有公开课填写观察量表", en: "only open classes are observed with the rubric")) }
        guard let t = a.teacherId else { throw DomainError(.conflict, code: "not_a_teacher", LocalizedText(zh: "观课量表由听课教师填写", en: "observers are teachers")) }
        if t == x.hostTeacherId { throw DomainError(.conflict, code: "own_lesson", LocalizedText(zh: "授课教师不给自己的课打分", en: "the teacher does not score their own lesson")) }
        let invited = try await Self.attendee(activityId: activityId, teacherId: t, on: db)
        let o = try await office(a)
        let researcher = Self.covers(o, schoolId: x.schoolId, districtId: x.districtId) || o == .county
        guard invited != nil || researcher else { throw DomainError(.forbidden, code: "not_invited", LocalizedText(zh: "您不在本节公开课的听课名单中", en: "you are not an invited observer of this lesson")) }
        if let s = x.start, nowLocal < s {
            throw DomainError(.conflict, code: "not_started", LocalizedText(zh: "公开课尚未开始，听课后再填写", en: "the lesson has not begun yet"))
        }
        var e = FieldErrors()
        let (list, bad) = ObservationRubric.check(raw)
        for k in bad { let item = ObservationRubric.items.first { $0.key == k }!; e.add("scores.\(k)", "请为“\(item.zh)”打1到5分", "score \(item.en) from 1 to 5") }
        let comment = rawComment?.trimmed ?? ""
        if comment.count > 2000 { e.add("comment", "评语不超过2000字", "at most 2,000 characters") }
        try e.throwIfAny()
        let audit = ctx.audit, now = ctx.now, json = "[" + list.map(String.init).joined(separator: ",") + "]", total = list.reduce(0, +)
        try await ctx.writeOnce { tx in
            try await Self.replaceObservation(activityId: activityId, observer: t, scores: json, total: total, comment: comment.isEmpty ? nil : comment, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "teaching.observe", entity: "research_activity", entityId: String(activityId), summary: "评价总分 \(total)")
        }
    }

    /// The rubrics of an open class: the caller's own, and all of them for the teacher who taught
    /// and the offices that run it.
    public func observations(activityId: Int) async throws -> (all: [ObservationRow], mine: ObservationRow?, seesAll: Bool) {
        let a = try ctx.requireActor()
        let x = try await activity(id: activityId)
        let rows = try await Self.observationRows(activityId: activityId, on: db)
        let sees = runs(x, office: try await office(a), county: try await callerCounty(a)) || (a.teacherId != nil && a.teacherId == x.hostTeacherId)
        return (sees ? rows : [], rows.first { $0.observerTeacherId == a.teacherId }, sees)
    }

    /// Mean score per rubric item (nil without observations).
    public static func means(_ rows: [ObservationRow]) -> [Double]? {
        guard !rows.isEmpty else { return nil }
        return ObservationRubric.items.indices.map { i in Double(rows.map { $0.scoreList.count > i ? $0.scoreList[i] : 0 }.reduce(0, +)) / Double(rows.count) }
    }
}
