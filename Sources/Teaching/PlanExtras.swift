import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

/// Attachments of plans and activities, comparing two versions, the lineage tree, and each
/// teacher's calendar with its .ics feed.
extension TeachingService {
    // MARK: attachments

    /// Lesson material: slides, handouts, worksheets, photos of the blackboard.
    public static let attachmentKinds: [DocumentStore.MediaKind] = [.pdf, .jpeg, .png, .docx, .pptx, .xlsx]
    public static let attachmentLimit = 15 * 1024 * 1024
    public static let attachmentsPerOwner = 20

    public enum AttachmentOwner: String, Sendable { case plan, activity }

    /// Who may add to (and remove from) an owner: a plan's owner; an activity's running office
    /// and, for an open class, the teacher who teaches it.
    func mayAttach(_ owner: AttachmentOwner, _ id: Int, _ a: Actor) async throws -> Bool {
        switch owner {
        case .plan: return try await plan(id: id).ownerTeacherId == a.teacherId
        case .activity:
            let x = try await activity(id: id)
            return runs(x, office: try await office(a), county: try await callerCounty(a)) || (a.teacherId != nil && x.hostTeacherId == a.teacherId)
        }
    }

    public func attachments(_ owner: AttachmentOwner, _ id: Int) async throws -> [AttachmentRow] {
        switch owner { case .plan: _ = try await plan(id: id); case .activity: _ = try await activity(id: id) }
        return try await Self.attachmentRows(owner: owner.rawValue, ownerId: id, on: db)
    }

    public func attach(_ owner: AttachmentOwner, _ id: Int, filename: String?, data: Data) async throws -> AttachmentRow {
        let a = try ctx.requireActor()
        guard try await mayAttach(owner, id, a) else { throw DomainError.forbidden }
        let media = try DocumentStore.check(data, field: "file", allowed: Self.attachmentKinds, limit: Self.attachmentLimit)
        if try await attachments(owner, id).count >= Self.attachmentsPerOwner {
            throw DomainError(.conflict, code: "too_many", LocalizedText(zh: "附件最多\(Self.attachmentsPerOwner)个，请先删除不用的", en: "at most \(Self.attachmentsPerOwner) attachments"))
        }
        let hash = try ctx.documents.put(data)
        let given = String(String.UnicodeScalarView((filename ?? "").unicodeScalars.filter { $0.properties.generalCategory != .control }))
        let base = String((given.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? "").trimmed.prefix(120))
        // The stored name ends with the extension of what the bytes are, whatever it was called.
        let stem = base.isEmpty ? "附件" : (base as NSString).deletingPathExtension
        let name = stem + "." + media.fileExtension
        let audit = ctx.audit, now = ctx.now, by = a.username
        let newId = try await ctx.write { tx -> Int in
            let n = try await Self.insertAttachment(owner: owner.rawValue, ownerId: id, filename: name, mediaType: media.contentType, sha256: hash, size: data.count,
                                                    uploadedBy: by, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "teaching.attach", entity: owner == .plan ? "lesson_plan" : "research_activity", entityId: String(id), summary: "\(name)，校验码 \(hash.prefix(12))")
            return n
        }
        return try await attachments(owner, id).first { $0.id == newId }!
    }

    /// An attachment and its bytes, for those who may read its plan or activity.
    public func attachment(id: Int) async throws -> (AttachmentRow, Data) {
        try ctx.requireActor().require(.teachingRead)
        guard let row = try await Self.attachmentRow(id: id, on: db), let owner = AttachmentOwner(rawValue: row.owner) else { throw DomainError.notFound(LocalizedText(zh: "附件", en: "attachment")) }
        switch owner { case .plan: _ = try await plan(id: row.ownerId); case .activity: _ = try await activity(id: row.ownerId) }
        guard let data = ctx.documents.get(row.sha256) else { throw DomainError.notFound(LocalizedText(zh: "附件", en: "attachment")) }
        return (row, data)
    }

    public func removeAttachment(id: Int) async throws -> AttachmentRow {
        let a = try ctx.requireActor()
        let (row, _) = try await attachment(id: id)
        guard try await mayAttach(AttachmentOwner(rawValue: row.owner)!, row.ownerId, a) else { throw DomainError.forbidden }
        let audit = ctx.audit
        try await ctx.write { tx in
            try await Self.deleteAttachment(id: id, on: tx)
            try await Audit.record(on: tx, audit, action: "teaching.attach.remove", entity: row.owner == "plan" ? "lesson_plan" : "research_activity", entityId: String(row.ownerId), summary: row.filename)
        }
        return row
    }

    // MARK: versions and lineage

    /// Two saved versions of one plan, compared section by section (the older on the left).
    public func compare(id: Int, from: Int, to: Int) async throws -> (VersionRow, VersionRow, PlanDiff) {
        let all = try await versions(id: id)
        guard let a = all.first(where: { $0.version == from }), let b = all.first(where: { $0.version == to }) else {
            throw DomainError.notFound(LocalizedText(zh: "版本", en: "version"))
        }
        func map(_ v: VersionRow) -> [String: String] { (try? JSONDecoder().decode([String: String].self, from: Data(v.sections.utf8))) ?? [:] }
        return (a, b, PlanDiff(parent: map(a), child: map(b)))
    }

    /// The plan's family: up to its root 通案, then everything derived from it, depth first; plans
    /// the caller cannot read are counted under their parent, not shown. At most 30 children are
    /// drawn under one plan (the rest counted), so a county 通案 with thousands of 个案 stays legible.
    public func lineage(id: Int) async throws -> [LineageNode] {
        let a = try ctx.requireActor()
        let p = try await plan(id: id)
        var root = p
        var seen: Set<Int> = [p.id]
        while let pid = root.parentId, !seen.contains(pid), seen.count < 10,
              let up = try await Self.planRow(id: pid, on: db) {
            seen.insert(pid); root = up
        }
        var children: [Int: [LessonPlanRow]] = [:]
        var frontier = [root.id], total = 1
        while !frontier.isEmpty, total < 20_000 {
            let rows = try await Self.children(of: frontier, on: db)
            for r in rows { children[r.parentId!, default: []].append(r) }
            frontier = rows.map(\.id); total += rows.count
        }
        let groups = try await myGroups(a)
        let o = try await office(a)
        let c = try await callerCounty(a)
        var out: [LineageNode] = []
        func walk(_ n: LessonPlanRow, _ depth: Int) {
            let kids = children[n.id] ?? []
            let readable = kids.filter { self.readable($0, a, groups: groups, office: o, county: c) }
            // The caller's own plans and the page's plan first, then the rest up to 30.
            let ordered = readable.sorted { (x, y) in
                let kx = (x.id == id || x.ownerTeacherId == a.teacherId) ? 0 : 1, ky = (y.id == id || y.ownerTeacherId == a.teacherId) ? 0 : 1
                return (kx, x.kind == "common" ? 0 : 1, x.id) < (ky, y.kind == "common" ? 0 : 1, y.id)
            }
            let shown = Array(ordered.prefix(30))
            out.append(LineageNode(plan: n, depth: depth, readable: self.readable(n, a, groups: groups, office: o, county: c), hidden: kids.count - shown.count))
            for k in shown { walk(k, depth + 1) }
        }
        walk(root, 0)
        return out
    }

    func myGroups(_ a: Actor) async throws -> Set<Int> {
        guard let t = a.teacherId else { return [] }
        return Set(try await Self.groupIds(memberTeacherId: t, on: db))
    }

    /// `canRead` without a query per plan (the caller's groups and office looked up once).
    func readable(_ p: LessonPlanRow, _ a: Actor, groups: Set<Int>, office o: RegistryScope?, county c: CallerCounty) -> Bool {
        if a.teacherId == p.ownerTeacherId { return true }
        if Self.covers(o, schoolId: p.schoolId, districtId: p.districtId) { return true }
        guard p.kindValue == .common else { return false }
        if let g = p.groupId, groups.contains(g) { return true }
        guard p.state == CommonPlanState.released.rawValue, a.can(.teachingRead), (p.releaseOn ?? "") <= ctx.today.description else { return false }
        switch ResearchLevel(rawValue: p.level) {
        case .county: return Self.inCounty(district: p.districtId, c)
        case .district: return a.covers(districtId: p.districtId)
        default: return a.covers(schoolId: p.schoolId, districtId: p.districtId)
        }
    }

    // MARK: calendar

    public struct CalendarEntry: Sendable {
        public let uid: String; public let title: String; public let kind: String; public let start: LocalDateTime; public let end: LocalDateTime
        public let allDay: Bool; public let place: String; public let href: String
    }

    /// A teacher's calendar: the activities and open classes they are invited to or teach, the
    /// training they are enrolled in, and their model lessons' teaching dates. An office (or an
    /// administrator) sees the activities it runs. Entries that end on or after `from` and start
    /// before `to`.
    public func calendar(teacherId: Int?, from: CivilDate, to: CivilDate) async throws -> [CalendarEntry] {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        let lo = LocalDateTime(date: from, minutes: 0).description, hi = LocalDateTime(date: to, minutes: 0).description
        var out: [CalendarEntry] = []
        var rows: [ActivityRow] = []
        if let t = teacherId {
            rows = try await Self.activities(ofTeacher: t, from: lo, to: hi, on: db)
        }
        if let o = try await office(a) {
            let c = try await callerCounty(a)
            let mine = try await activities(from: lo, limit: 500).filter { runs($0, office: o, county: c) && $0.startsAt < hi }
            let have = Set(rows.map(\.id))
            rows += mine.filter { !have.contains($0.id) }
        }
        for x in rows {
            guard let s = x.start, let e = x.end else { continue }
            let place = [x.place, x.onlineLink].compactMap { $0 }.joined(separator: " ")
            out.append(CalendarEntry(uid: "activity-\(x.id)", title: (x.kindValue == .openClass ? "【公开课】" : "【教研】") + x.title, kind: x.kind, start: s, end: e, allDay: false,
                                     place: place, href: TeachingRoute.activity.path(x.id)))
        }
        if let t = teacherId {
            let programmes = try await Self.programmes(ofTeacher: t, from: from.description, to: to.description, on: db)
            for p in programmes {
                guard let s = CivilDate(parsing: p.startsOn), let e = CivilDate(parsing: p.endsOn) else { continue }
                out.append(CalendarEntry(uid: "training-\(p.id)", title: "【研训】" + p.name, kind: "training", start: LocalDateTime(date: s, minutes: 0),
                                         end: LocalDateTime(date: e, minutes: 24 * 60 - 1), allDay: true, place: "", href: TeachingRoute.training.path()))
            }
            let lessons = try await Self.modelLessons(ofTeacher: t, from: from.description, to: to.description, on: db)
            for m in lessons {
                guard let d = CivilDate(parsing: m.teachingOn) else { continue }
                out.append(CalendarEntry(uid: "model-\(m.id)", title: "【优课】" + m.title, kind: "model", start: LocalDateTime(date: d, minutes: 0), end: LocalDateTime(date: d, minutes: 24 * 60 - 1),
                                         allDay: true, place: "", href: TeachingRoute.modelLessons.path()))
            }
        }
        return out.sorted { ($0.start, $0.uid) < ($1.start, $1.uid) }
    }

    static func feedHash(_ token: String) -> String { SHA256.hash(data: Data(token.utf8)).hexString }

    /// A new secret feed address for the calling teacher (the old one stops working). Only its
    /// hash is kept: the address is shown once.
    public func newCalendarFeed() async throws -> String {
        let a = try ctx.requireActor()
        try a.require(.teachingRead)
        guard let t = a.teacherId else { throw DomainError(.conflict, code: "not_a_teacher", LocalizedText(zh: "日程订阅供教师使用", en: "calendar feeds are for teachers")) }
        let token = Accounts.randomToken(bytes: 24)
        let hash = Self.feedHash(token), audit = ctx.audit, now = ctx.now
        try await ctx.writeOnce { tx in
            try await Self.replaceCalendarFeed(teacherId: t, tokenHash: hash, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "teaching.calendar.feed", entity: "teacher", entityId: String(t), summary: "生成新的日历订阅地址")
        }
        return token
    }

    /// The feed behind a token (no session: a calendar program fetches it): the teacher's entries
    /// from 60 days back to a year ahead, or nil for an unknown token.
    public static func calendarFeed(token: String, context: ServiceContext) async throws -> String? {
        guard token.count >= 16, token.count <= 100 else { return nil }
        guard let teacherId = try await feedTeacher(tokenHash: feedHash(token), on: context.db),
              let teacher = try await RegistryStore.teacher(id: teacherId, on: context.db) else { return nil }
        // The feed is its teacher's account's: a deactivated account's address stops answering.
        guard try await hasActiveAccount(teacherId: teacher.id, on: context.db) else { return nil }
        // Read as that teacher: the feed shows what their own calendar shows.
        let actor = Actor(userId: 0, username: "calendar-feed", displayName: teacher.name, role: .teacher,
                          scope: .teacher(id: teacher.id, school: teacher.schoolId, district: teacher.districtId), permissions: [.teachingRead])
        let service = TeachingService(ServiceContext(db: context.db, gate: context.gate, clock: context.clock, actor: actor, logger: context.logger,
                                                     audit: context.audit, documents: context.documents, locale: context.locale, cache: context.cache, replica: context.replica))
        let today = context.today
        let entries = try await service.calendar(teacherId: teacher.id, from: today.adding(days: -60), to: today.adding(days: 366))
        let events = entries.map { e in
            e.allDay ? ICalendar.Event(uid: e.uid + "@xuequ", title: e.title, from: e.start.date, through: e.end.date, location: e.place)
                     : ICalendar.Event(uid: e.uid + "@xuequ", title: e.title, start: e.start, end: e.end, location: e.place)
        }
        return ICalendar.document(name: "\(teacher.name)的教研日程", events: events, now: context.now)
    }
}
