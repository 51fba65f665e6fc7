import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// Pages of the research network: offices and researchers, activities and open classes (with
/// attendance, minutes, attachments and the observers' rubric), the teacher's calendar and its
/// feed, attachments of plans, comparing two versions.
struct ResearchPages: Sendable {
    func register(_ r: any RoutesBuilder) {
        typealias R = TeachingRoute
        r.get(R.research, use: research)
        r.post(R.research, use: createUnit)
        r.post(R.researchers, use: addResearcher)
        r.post(R.researcherRemove, use: removeResearcher)
        r.get(R.activities, use: activities)
        r.post(R.activities, use: createActivity)
        r.get(R.activity, use: activity)
        r.post(R.activityRecord, use: record)
        r.get(R.observe, use: observeForm)
        r.post(R.observe, use: observe)
        r.on(.POST, R.activityAttachments, body: .collect(maxSize: "20mb"), use: uploadToActivity)
        r.on(.POST, R.planAttachments, body: .collect(maxSize: "20mb"), use: uploadToPlan)
        r.get(R.attachment, use: download)
        r.post(R.attachmentRemove, use: removeAttachment)
        r.get(R.compare, use: compare)
        r.get(R.calendar, use: calendar)
        r.post(R.calendarFeed, use: newFeed)
    }

    static func t(_ req: Request, _ k: String, _ a: String...) -> String { L10n.text(k, req.uiLocale, args: a) }
    static func ids(_ raw: String?) -> [Int]? {
        let parts = (raw ?? "").split(whereSeparator: { ", ，、\n\r\t".contains($0) })
        let ids = parts.compactMap { Int($0) }
        return ids.count == parts.count ? ids : nil
    }
    static func badNumbers(_ field: String) -> DomainError {
        DomainError.validation([field: LocalizedText(zh: "教师编号应为数字，用逗号分隔", en: "teacher numbers are digits separated by commas")])
    }

    // MARK: offices and researchers

    struct StaffItem: Encodable { let teacherId: Int; let name: String; let school: String; let subject: String; let since: String; let removeAction: String }
    struct UnitItem: Encodable { let id: Int; let name: String; let level: String; let staff: [StaffItem]; let canManage: Bool; let addAction: String }
    struct ResearchPage: Encodable { let tab = "research"; let layout: Layout; let units: [UnitItem]; let isBureau: Bool; let districts: [SelectOption]; let subjects: [SelectOption]; let mine: String? }
    func research(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let service = TeachingService(req)
        let units = try await service.units()
        let teachers = try await RegistryStore.teachers(ids: units.flatMap { $0.1.map(\.teacherId) }, on: req.db)
        let schools = try await RegistryStore.schools(ids: teachers.values.map(\.schoolId), on: req.db)
        let locale = req.uiLocale
        let districts = try await RegistryStore.districtRows(on: req.db, scope: actor.registryScope)
        let isBureau = actor.can(.teachingManage) && actor.teacherId == nil && actor.isCountyBureau
        let mine = units.first { $0.1.contains { $0.teacherId == actor.teacherId } }?.0.name
        let page = ResearchPage(
            layout: req.layout("te.rs.title"),
            units: units.map { u, staff in
                UnitItem(id: u.id, name: u.name, level: u.level == "county" ? Self.t(req, "te.rs.office") : Self.t(req, "te.rs.centre"),
                         staff: staff.map { s in StaffItem(teacherId: s.teacherId, name: teachers[s.teacherId]?.name ?? "", school: teachers[s.teacherId].flatMap { schools[$0.schoolId]?.name } ?? "",
                                                           subject: s.subject.flatMap { Subject(rawValue: $0)?.label(locale) } ?? "", since: s.since,
                                                           removeAction: TeachingRoute.researcherRemove.path(u.id, s.teacherId)) },
                         canManage: actor.can(.teachingManage) && actor.teacherId == nil && (isBureau || u.districtId.map { actor.registryScope == .district($0) } ?? false),
                         addAction: TeachingRoute.researchers.path(u.id))
            },
            isBureau: isBureau, districts: districts.map { SelectOption(value: String($0.id), label: $0.name, selected: false) },
            subjects: [SelectOption(value: "", label: "—", selected: true)] + options(Subject.self, selected: nil, locale: locale), mine: mine)
        return try await req.page("teaching/research", page)
    }

    struct UnitForm: Content { let level: String?; let districtId: String?; let name: String? }
    func createUnit(req: Request) async throws -> Response {
        try req.requireActor().require(.teachingManage)
        let f = try req.content.decode(UnitForm.self)
        return try await TeachingPages.form(req, back: TeachingRoute.research.path(), ok: Self.t(req, "te.saved")) {
            _ = try await TeachingService(req).createUnit(level: f.level, districtId: Int(f.districtId ?? ""), name: f.name); return nil
        }
    }

    struct StaffForm: Content { let teacherId: String?; let subject: String? }
    func addResearcher(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachingManage)
        let f = try req.content.decode(StaffForm.self)
        return try await TeachingPages.form(req, back: TeachingRoute.research.path(), ok: Self.t(req, "te.saved")) {
            try await TeachingService(req).addResearcher(unitId: id, teacherId: Int(f.teacherId?.trimmed ?? ""), subject: f.subject); return nil
        }
    }

    func removeResearcher(req: Request) async throws -> Response {
        let id = try req.intParameter("id"), teacher = try req.intParameter("teacher")
        try req.requireActor().require(.teachingManage)
        return try await TeachingPages.form(req, back: TeachingRoute.research.path(), ok: Self.t(req, "te.rs.removed")) {
            try await TeachingService(req).removeResearcher(unitId: id, teacherId: teacher); return nil
        }
    }

    // MARK: activities

    struct ActivityItem: Encodable { let id: Int; let kind: String; let isOpenClass: Bool; let title: String; let subject: String; let grade: String; let when: String; let place: String; let level: String; let past: Bool }
    struct ActivitiesPage: Encodable {
        let tab = "activities"
        let layout: Layout; let upcoming: [ActivityItem]; let past: [ActivityItem]; let q: String; let searchError: String?; let canCreate: Bool
        let kinds: [SelectOption]; let subjects: [SelectOption]; let groups: [SelectOption]; let office: String
    }

    func item(_ x: ActivityRow, _ req: Request, now: LocalDateTime) -> ActivityItem {
        let locale = req.uiLocale
        let s = x.start, e = x.end
        let when = s.map { s in s.display + "—" + ((e?.date == s.date) ? (e?.time ?? "") : (e?.display ?? "")) } ?? x.startsAt
        return ActivityItem(id: x.id, kind: x.kindValue.label(locale), isOpenClass: x.kindValue == .openClass, title: x.title, subject: Subject(rawValue: x.subject)?.label(locale) ?? x.subject,
                            grade: x.grade ?? "", when: when, place: [x.place, x.onlineLink == nil ? nil : Self.t(req, "te.ac.online")].compactMap { $0 }.joined(separator: " · "),
                            level: ResearchLevel(rawValue: x.level)?.label(locale) ?? x.level, past: (e.map { $0 < now } ?? false))
    }

    func activities(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.teachingRead)
        let service = TeachingService(req)
        let q = (try? req.query.decode([String: String].self)) ?? [:]
        var rows: [ActivityRow] = []
        var searchError: String?
        do { rows = try await service.activities(kind: q["kind"].flatMap(ActivityKind.parse), subject: q["subject"], q: q["q"]) } catch let e as DomainError where e.kind == .invalid {
            searchError = e.flashText(req.uiLocale)
        }
        let now = LocalDateTime.now(req.context.now)
        let items = rows.map { item($0, req, now: now) }
        let office = try await service.office(actor)
        let officeName: String
        switch office {
        case .county?, .districts?: officeName = Self.t(req, "te.ac.area.county")
        case .district?: officeName = Self.t(req, "te.ac.area.district")
        case .school?: officeName = Self.t(req, "te.ac.area.school")
        default: officeName = ""
        }
        let groups = office == nil ? [] : try await service.groups()
        let locale = req.uiLocale
        return try await req.page("teaching/activities", ActivitiesPage(
            layout: req.layout("te.ac.title"), upcoming: items.filter { !$0.past }.reversed(), past: items.filter(\.past), q: q["q"] ?? "", searchError: searchError,
            canCreate: office != nil, kinds: options(ActivityKind.self, selected: "activity", locale: locale),
            subjects: options(Subject.self, selected: q["subject"], locale: locale),
            groups: [SelectOption(value: "", label: "—", selected: true)] + groups.map { SelectOption(value: String($0.id), label: $0.name, selected: false) }, office: officeName))
    }

    struct ActivityForm: Content {
        let kind: String?; let subject: String?; let grade: String?; let title: String?; let startsAt: String?; let endsAt: String?; let place: String?
        let onlineLink: String?; let agenda: String?; let hostTeacherId: String?; let planId: String?; let groupId: String?; let invite: String?; let inviteSubject: String?
    }
    func createActivity(req: Request) async throws -> Response {
        try req.requireActor().require(.teachingRead)
        let f = try req.content.decode(ActivityForm.self)
        return try await TeachingPages.form(req, back: TeachingRoute.activities.path(), ok: Self.t(req, "te.ac.created")) {
            guard let invite = Self.ids(f.invite) else { throw Self.badNumbers("invite") }
            let x = try await TeachingService(req).createActivity(ActivityDraft(
                kind: f.kind, subject: f.subject, grade: f.grade, title: f.title, startsAt: f.startsAt, endsAt: f.endsAt, place: f.place, onlineLink: f.onlineLink, agenda: f.agenda,
                hostTeacherId: Int(f.hostTeacherId?.trimmed ?? ""), planId: Int(f.planId?.trimmed ?? ""), groupId: Int(f.groupId ?? ""), invite: invite, inviteSubject: f.inviteSubject != nil))
            return TeachingRoute.activity.path(x.id)
        }
    }

    struct AttendeeItem: Encodable { let teacherId: Int; let name: String; let school: String; let state: String; let attended: Bool }
    struct AttachmentItem: Encodable { let id: Int; let name: String; let size: String; let href: String; let removeAction: String }
    struct RubricMean: Encodable { let name: String; let mean: String; let width: Int }
    struct CommentItem: Encodable { let who: String; let total: Int; let comment: String }
    struct ActivityPage: Encodable {
        let layout: Layout; let id: Int; let kind: String; let isOpenClass: Bool; let title: String; let subject: String; let grade: String; let when: String; let place: String
        let onlineLink: String?; let agenda: String; let minutes: String; let host: String?; let planHref: String?; let planTitle: String?; let level: String; let organiser: String
        let attendees: [AttendeeItem]; let attendedCount: Int; let recorded: Bool; let runs: Bool; let started: Bool; let version: Int; let recordAction: String
        let attachments: [AttachmentItem]; let mayAttach: Bool; let attachAction: String
        /// An invited observer before the class: the card says the rubric opens when it starts.
        var observeLater = false
        let canObserve: Bool; let observeHref: String; let mineTotal: Int?; let seesAll: Bool; let means: [RubricMean]; let observationCount: Int; let comments: [CommentItem]; let overall: String
    }

    func activity(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let service = TeachingService(req)
        let id = try req.intParameter("id")
        let x = try await service.activity(id: id)
        let attendees = try await service.attendees(activityId: id)
        let teachers = try await RegistryStore.teachers(ids: attendees.map(\.teacherId) + [x.hostTeacherId].compactMap { $0 }, on: req.db)
        let schools = try await RegistryStore.schools(ids: teachers.values.map(\.schoolId), on: req.db)
        let office = try await service.office(actor)
        let runs = service.runs(x, office: office, county: try await service.callerCounty(actor))
        let now = LocalDateTime.now(req.context.now)
        let started = x.start.map { now >= $0 } ?? true
        let locale = req.uiLocale
        let attachments = try await service.attachments(.activity, id)
        let mayAttach = try await service.mayAttach(.activity, id, actor)
        var plan: LessonPlanRow?
        if let pid = x.planId { plan = try? await service.plan(id: pid) }
        let obs = x.kindValue == .openClass ? try await service.observations(activityId: id) : (all: [], mine: nil, seesAll: false)
        let invited = actor.teacherId.map { t in attendees.contains { $0.teacherId == t } } ?? false
        let canObserve = x.kindValue == .openClass && actor.teacherId != nil && actor.teacherId != x.hostTeacherId && (invited || office != nil)
        let means = TeachingService.means(obs.all) ?? []
        let observers = try await RegistryStore.teachers(ids: obs.all.map(\.observerTeacherId), on: req.db)
        let recorded = attendees.contains { $0.attended != nil }
        let person = try await Accounts.people([x.organiser], on: req.db, locale: locale)
        var page = ActivityPage(
            layout: req.layout("te.ac.title", title: x.title), id: id, kind: x.kindValue.label(locale), isOpenClass: x.kindValue == .openClass, title: x.title,
            subject: Subject(rawValue: x.subject)?.label(locale) ?? x.subject, grade: x.grade ?? "", when: item(x, req, now: now).when, place: x.place ?? "", onlineLink: x.onlineLink,
            agenda: x.agenda ?? "", minutes: x.minutes ?? "", host: x.hostTeacherId.flatMap { teachers[$0]?.name }, planHref: plan.map { TeachingRoute.plan.path($0.id) }, planTitle: plan?.title,
            level: ResearchLevel(rawValue: x.level)?.label(locale) ?? x.level, organiser: person(x.organiser),
            attendees: attendees.map { a in
                AttendeeItem(teacherId: a.teacherId, name: teachers[a.teacherId]?.name ?? "", school: teachers[a.teacherId].flatMap { schools[$0.schoolId]?.name } ?? "",
                             state: a.attended == nil ? "" : (a.attended! ? Self.t(req, "te.ac.present") : Self.t(req, "te.ac.absent")), attended: a.attended ?? true)
            },
            attendedCount: attendees.filter { $0.attended == true }.count, recorded: recorded, runs: runs, started: started, version: x.version, recordAction: TeachingRoute.activityRecord.path(id),
            attachments: attachments.map { AttachmentItem(id: $0.id, name: $0.filename, size: Self.size($0.size), href: TeachingRoute.attachment.path($0.id), removeAction: TeachingRoute.attachmentRemove.path($0.id)) },
            mayAttach: mayAttach, attachAction: TeachingRoute.activityAttachments.path(id),
            canObserve: canObserve && started, observeHref: TeachingRoute.observe.path(id), mineTotal: obs.mine?.total, seesAll: obs.seesAll,
            means: zip(ObservationRubric.items, means).map { RubricMean(name: locale == .en ? $0.0.en : $0.0.zh, mean: String(format: "%.1f", $0.1), width: Int($0.1 / Double(ObservationRubric.maxScore) * 100)) },
            observationCount: obs.all.count,
            comments: obs.all.map { o in CommentItem(who: office != nil ? (observers[o.observerTeacherId]?.name ?? "") : Self.t(req, "te.ac.observer"), total: o.total, comment: o.comment ?? "") },
            overall: means.isEmpty ? "" : String(format: "%.1f", means.reduce(0, +)))
        page.observeLater = canObserve && !started
        return try await req.page("teaching/activity", page)
    }

    static func size(_ n: Int) -> String { n >= 1024 * 1024 ? String(format: "%.1f MB", Double(n) / 1_048_576) : "\(max(1, n / 1024)) KB" }

    /// Attendance as checkboxes (`came` repeated) and the minutes, in one save.
    func record(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachingRead)
        struct F: Content { let came: [String]?; let minutes: String?; let version: String?; let attendance: String? }
        let f = try req.content.decode(F.self)
        return try await TeachingPages.form(req, back: TeachingRoute.activity.path(id), ok: Self.t(req, "te.saved")) {
            let came = f.attendance == nil ? nil : (f.came ?? []).compactMap { Int($0) }
            _ = try await TeachingService(req).recordActivity(id: id, attended: came, minutes: f.minutes, version: Int(f.version ?? "")); return nil
        }
    }

    struct RubricItem: Encodable { let key: String; let name: String; let hint: String; let value: Int; let options: [Int] }
    struct ObservePage: Encodable { let layout: Layout; let id: Int; let title: String; let host: String; let when: String; let items: [RubricItem]; let comment: String; let action: String; let back: String; let again: Bool }
    func observeForm(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let service = TeachingService(req)
        let id = try req.intParameter("id")
        let x = try await service.activity(id: id)
        guard x.kindValue == .openClass, actor.teacherId != nil else { throw DomainError.notFound(TeachingService.activityWord) }
        let mine = try await service.observations(activityId: id).mine
        let host = try await x.hostTeacherId.asyncMap { try await RegistryStore.teacher(id: $0, on: req.db) } ?? nil
        let values = mine?.scoreList ?? []
        return try await req.page("teaching/observe", ObservePage(
            layout: req.layout("te.ob.title", title: x.title), id: id, title: x.title, host: host?.name ?? "", when: item(x, req, now: LocalDateTime.now(req.context.now)).when,
            items: ObservationRubric.items.enumerated().map { i, r in
                RubricItem(key: r.key, name: req.uiLocale == .en ? r.en : r.zh, hint: req.uiLocale == .en ? "" : r.hintZh, value: values.count > i ? values[i] : 0, options: Array(1...ObservationRubric.maxScore))
            }, comment: mine?.comment ?? "", action: TeachingRoute.observe.path(id), back: TeachingRoute.activity.path(id), again: mine != nil))
    }

    func observe(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachingRead)
        let f = (try? req.content.decode([String: String].self)) ?? [:]
        var scores: [String: Int] = [:]
        for i in ObservationRubric.items { if let v = f[i.key].flatMap({ Int($0) }) { scores[i.key] = v } }
        do {
            try await TeachingService(req).observe(activityId: id, scores: scores, comment: f["comment"])
            return req.redirect(to: TeachingRoute.activity.path(id), flash: Self.t(req, "te.ob.thanks"))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: e.kind == .invalid ? TeachingRoute.observe.path(id) : TeachingRoute.activity.path(id), flash: e.flashText(req.uiLocale), error: true)
        }
    }

    // MARK: attachments

    struct UploadForm: Content { let file: File? }
    func upload(_ req: Request, _ owner: TeachingService.AttachmentOwner, _ id: Int, back: String) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.teachingRead)
        // The plan or activity first (404 / 403), then the file.
        guard try await TeachingService(req).mayAttach(owner, id, actor) else { throw DomainError.forbidden }
        let file = (try? req.content.decode(UploadForm.self))?.file
        return try await TeachingPages.form(req, back: back, ok: Self.t(req, "te.at.added")) {
            guard let file else { throw DomainError.validation(["file": LocalizedText(zh: "请选择要上传的文件", en: "choose a file to upload")]) }
            _ = try await TeachingService(req).attach(owner, id, filename: file.filename, data: Data(buffer: file.data)); return nil
        }
    }
    func uploadToActivity(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        return try await upload(req, .activity, id, back: TeachingRoute.activity.path(id))
    }
    func uploadToPlan(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        return try await upload(req, .plan, id, back: TeachingRoute.plan.path(id))
    }

    func download(req: Request) async throws -> Response {
        let (row, data) = try await TeachingService(req).attachment(id: try req.intParameter("id"))
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.replaceOrAdd(name: .contentType, value: row.mediaType)
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, no-store")
        let ascii = row.filename.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" } ? row.filename : "attachment." + (row.filename as NSString).pathExtension
        // Office files download; PDFs and pictures open in the browser.
        let inline = row.mediaType == "application/pdf" || row.mediaType.hasPrefix("image/")
        res.headers.replaceOrAdd(name: .contentDisposition, value: "\(inline ? "inline" : "attachment"); filename=\"\(ascii)\"; filename*=UTF-8''\(row.filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "attachment")")
        return res
    }

    func removeAttachment(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.teachingRead)
        var back = TeachingRoute.activities.path()
        return try await TeachingPages.form(req, back: back, ok: Self.t(req, "te.at.removed")) {
            let row = try await TeachingService(req).removeAttachment(id: id)
            back = row.owner == "plan" ? TeachingRoute.plan.path(row.ownerId) : TeachingRoute.activity.path(row.ownerId)
            return back
        }
    }

    // MARK: comparing versions

    struct ComparePage: Encodable {
        let layout: Layout; let id: Int; let title: String; let from: Int; let to: Int; let versions: [SelectOption]; let versionsTo: [SelectOption]
        let sections: [TeachingPages.SectionView]; let ratio: String; let back: String; let fromBy: String; let toBy: String
    }
    func compare(req: Request) async throws -> Response {
        let service = TeachingService(req)
        let id = try req.intParameter("id")
        let p = try await service.plan(id: id)
        let all = try await service.versions(id: id)
        let from = (try? req.query.get(Int.self, at: "from")) ?? max(1, p.version - 1)
        let to = (try? req.query.get(Int.self, at: "to")) ?? p.version
        let (a, b, d) = try await service.compare(id: id, from: from, to: to)
        let sections = PlanSection.names.map { name -> TeachingPages.SectionView in
            let s = d.sections.first { $0.name == name }
            return TeachingPages.SectionView(name: name, text: "", changed: s?.changed ?? false, pieces: TeachingPages.pieces(s?.pieces ?? []))
        }
        let person = try await Accounts.people(all.map(\.savedBy), on: req.db, locale: req.uiLocale)
        func when(_ v: TeachingService.VersionRow) -> String { "\(person(v.savedBy)) · " + Date(timeIntervalSince1970: v.savedAt).formatted(.iso8601.year().month().day()) }
        return try await req.page("teaching/compare", ComparePage(
            layout: req.layout("te.cmp.title", title: p.title), id: id, title: p.title, from: from, to: to,
            versions: all.map { SelectOption(value: String($0.version), label: "v\($0.version)", selected: $0.version == from) },
            versionsTo: all.map { SelectOption(value: String($0.version), label: "v\($0.version)", selected: $0.version == to) },
            sections: sections, ratio: String(format: "%.1f%%", d.changedRatio * 100), back: TeachingRoute.plan.path(id), fromBy: when(a), toBy: when(b)))
    }

    // MARK: calendar

    struct DayCell: Encodable { let day: Int; let inMonth: Bool; let today: Bool; let entries: [EntryItem] }
    struct EntryItem: Encodable { let title: String; let time: String; let kind: String; let href: String; let date: String; let place: String }
    struct CalendarPage: Encodable {
        let tab = "calendar"
        let layout: Layout; let month: String; let prev: String; let next: String; let weeks: [[DayCell]]; let list: [EntryItem]; let isTeacher: Bool
        let feedAction: String; let weekdays: [String]
    }
    func calendar(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.teachingRead)
        let today = req.context.today
        var year = today.year, month = today.month
        if let m = req.query[String.self, at: "month"] {
            let parts = m.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 2, (2000...2100).contains(parts[0]), (1...12).contains(parts[1]) else {
                throw DomainError.validation(["month": LocalizedText(zh: "月份格式为 YYYY-MM", en: "month is YYYY-MM")])
            }
            year = parts[0]; month = parts[1]
        }
        let first = CivilDate(year: year, month: month, day: 1)!
        let next = first.adding(days: CivilDate.daysIn(year: year, month: month))
        let entries = try await TeachingService(req).calendar(teacherId: actor.teacherId, from: first, to: next)
        func item(_ e: TeachingService.CalendarEntry) -> EntryItem {
            EntryItem(title: e.title, time: e.allDay ? "" : e.start.time, kind: e.kind, href: e.href, date: e.start.date.description, place: e.place)
        }
        // Monday-first weeks covering the month.
        let weekday = (first.daysSinceEpoch + 3) % 7 // 0 = Monday (1970-01-01 was a Thursday)
        var day = first.adding(days: -((weekday + 7) % 7))
        var weeks: [[DayCell]] = []
        while day < next {
            var week: [DayCell] = []
            for _ in 0..<7 {
                let d = day
                let here = entries.filter { $0.start.date <= d && d <= $0.end.date }
                week.append(DayCell(day: d.day, inMonth: d.month == month, today: d == today, entries: here.map(item)))
                day = day.adding(days: 1)
            }
            weeks.append(week)
        }
        let prev = first.adding(days: -1)
        let fmt = { (d: CivilDate) in String(format: "%04d-%02d", d.year, d.month) }
        let weekdays = req.uiLocale == .en ? ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] : ["一", "二", "三", "四", "五", "六", "日"]
        return try await req.page("teaching/calendar", CalendarPage(
            layout: req.layout("te.cal.title"), month: req.uiLocale == .en ? fmt(first) : "\(year)年\(month)月",
            prev: TeachingRoute.calendar.path() + "?month=" + fmt(prev), next: TeachingRoute.calendar.path() + "?month=" + fmt(next),
            weeks: weeks, list: entries.map(item), isTeacher: actor.teacherId != nil, feedAction: TeachingRoute.calendarFeed.path(), weekdays: weekdays))
    }

    /// A new secret feed address, shown once in the flash (only its hash is kept).
    func newFeed(req: Request) async throws -> Response {
        try req.requireActor().require(.teachingRead)
        do {
            let token = try await TeachingService(req).newCalendarFeed()
            let url = req.publicBaseURL + TeachingRoute.publicFeed.path(token + ".ics")
            return req.redirect(to: TeachingRoute.calendar.path(), flash: Self.t(req, "te.cal.feedMade", url))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: TeachingRoute.calendar.path(), flash: e.flashText(req.uiLocale), error: true)
        }
    }

    /// GET /calendar/{token}.ics — no session: the secret address is the key.
    func publicFeed(req: Request) async throws -> Response {
        var token = req.parameters.get("token") ?? ""
        if token.hasSuffix(".ics") { token.removeLast(4) }
        guard let body = try await TeachingService.calendarFeed(token: token, context: req.context) else { throw DomainError.notFound(LocalizedText(zh: "日程", en: "calendar")) }
        let res = Response(status: .ok, body: .init(string: body))
        res.headers.replaceOrAdd(name: .contentType, value: "text/calendar; charset=utf-8")
        res.headers.replaceOrAdd(name: .cacheControl, value: "private, max-age=300")
        return res
    }
}

enum ResearchStrings {
    static let table: [String: (String, String)] = [
        "te.tab.plans": ("教案", "Plans"), "te.tab.activities": ("教研活动", "Activities"), "te.tab.calendar": ("我的日程", "My calendar"),
        "te.rs.title": ("教研机构与教研员", "Research offices and researchers"), "te.rs.office": ("县教研室", "county research office"), "te.rs.centre": ("学区教研中心", "district research centre"),
        "te.rs.none": ("尚未设立教研机构。", "No research offices yet."), "te.rs.staff": ("教研员", "Researchers"), "te.rs.noStaff": ("暂无教研员。", "No researchers yet."),
        "te.rs.add": ("添加教研员", "Add a researcher"), "te.rs.teacherId": ("教师编号", "Teacher number"), "te.rs.subject": ("学科", "Subject"), "te.rs.since": ("任职日期", "Since"),
        "te.rs.remove": ("移除", "Remove"), "te.rs.removed": ("已移除", "Removed"), "te.rs.new": ("设立教研机构", "Set up an office"), "te.rs.level": ("层级", "Level"),
        "te.rs.levelCounty": ("县教研室", "County office"), "te.rs.levelDistrict": ("学区教研中心", "District centre"), "te.rs.district": ("学区", "District"), "te.rs.name": ("名称", "Name"),
        "te.rs.mine": ("您是{0}的教研员：可查看本学区教案、审核第二级通案、组织教研活动。", "You are a researcher of {0}: you read the district's plans, review level 2 and run activities."),
        "te.rs.school": ("学校", "School"),
        "te.ac.title": ("教研活动与公开课", "Research activities and open classes"), "te.ac.upcoming": ("即将开展", "Coming up"), "te.ac.past": ("已开展", "Held"),
        "te.ac.none": ("暂无活动。", "No activities."), "te.ac.new": ("安排活动", "Schedule an activity"), "te.ac.kind": ("类型", "Kind"), "te.ac.topic": ("主题", "Topic"),
        "te.ac.when": ("时间", "When"), "te.ac.place": ("地点", "Place"), "te.ac.online": ("线上", "online"), "te.ac.link": ("线上链接", "Online link"),
        "te.ac.starts": ("开始", "Starts"), "te.ac.ends": ("结束", "Ends"), "te.ac.agenda": ("议程", "Agenda"), "te.ac.host": ("授课教师编号（公开课）", "Teacher of the open class (number)"),
        "te.ac.plan": ("教案编号（可选）", "Lesson plan number (optional)"), "te.ac.group": ("邀请教研组", "Invite a research group"), "te.ac.invite": ("邀请教师（编号，逗号分隔）", "Invite teachers (numbers)"),
        "te.ac.inviteSubject": ("邀请本范围内该学科全部教师", "Invite every teacher of the subject in the area"), "te.ac.created": ("已安排，受邀教师可在日程中看到", "Scheduled: the invited teachers see it in their calendar"),
        "te.ac.area.county": ("全县", "the county"), "te.ac.area.district": ("本学区", "your district"), "te.ac.area.school": ("本校", "your school"),
        "te.ac.areaNote": ("活动范围：{0}", "Area: {0}"), "te.ac.level": ("层级", "Level"), "te.ac.organiser": ("组织者", "Organiser"), "te.ac.teacher": ("授课", "Taught by"),
        "te.ac.attendees": ("受邀与出勤", "Invited and attendance"), "te.ac.present": ("出勤", "present"), "te.ac.absent": ("缺勤", "absent"),
        "te.ac.attendedCount": ("出勤 {0} / {1}", "{0} of {1} present"), "te.ac.record": ("登记出勤与纪要", "Save attendance and minutes"), "te.ac.minutes": ("活动纪要", "Minutes"),
        "te.ac.noMinutes": ("尚无纪要。", "No minutes yet."), "te.ac.notStarted": ("活动开始后可登记出勤和纪要。", "Attendance and minutes can be recorded once it has begun."),
        "te.ac.came": ("到场（取消勾选即缺勤）", "Came (untick the absent)"), "te.ac.attachments": ("附件", "Attachments"), "te.ac.noAttachments": ("暂无附件。", "No attachments."),
        "te.ac.upload": ("上传附件", "Upload"), "te.ac.uploadHint": ("PDF、图片、Word、PowerPoint、Excel，每个不超过15 MB", "PDF, pictures, Word, PowerPoint, Excel; up to 15 MB each"),
        "te.ac.observe": ("填写观课量表", "Fill in the observation rubric"), "te.ac.observed": ("您已评分（总分 {0}），可修改", "You scored it ({0} in all); you can change it"),
        "te.ac.rubric": ("观课评价", "Observations"), "te.ac.noObs": ("尚无听课教师评分。", "No observations yet."),
        "te.ac.observeLater": ("公开课开始后，您可在此填写观课量表。", "Once the class starts you fill in the observation rubric here."),
        "te.ac.commentTotal": ("总分 {0}", "total {0}"), "te.ac.obsCount": ("{0} 位听课教师评分，平均总分 {1} / 25", "{0} observers; mean total {1} of 25"),
        "te.ac.observer": ("听课教师", "observer"), "te.ac.comments": ("评语", "Comments"), "te.ac.search": ("检索主题、议程、纪要", "Search topics, agendas, minutes"),
        "te.ob.title": ("观课量表", "Observation rubric"), "te.ob.comment": ("评语（优点与建议）", "Comment (strengths and suggestions)"), "te.ob.submit": ("提交评分", "Submit"),
        "te.ob.thanks": ("已提交观课评分", "Your observation is saved"), "te.ob.again": ("您已提交过，再次提交将替换原评分。", "You have scored this lesson; sending again replaces it."),
        "te.ob.scale": ("1 分最低，5 分最高", "1 lowest, 5 highest"), "te.ob.back": ("返回活动", "Back to the activity"),
        "te.at.added": ("已上传附件", "Attachment added"), "te.at.removed": ("已删除附件", "Attachment removed"), "te.at.remove": ("删除", "Remove"),
        "te.cmp.title": ("比较版本", "Compare versions"), "te.cmp.from": ("旧版本", "From"), "te.cmp.to": ("新版本", "To"), "te.cmp.show": ("比较", "Compare"),
        "te.cmp.ratio": ("改动 {0}（教后反思不计）", "{0} changed (the reflection not counted)"), "te.cmp.link": ("比较任意两个版本", "Compare two versions"), "te.cmp.back": ("返回教案", "Back to the plan"),
        "te.tree": ("谱系", "Lineage"), "te.tree.hidden": ("另有 {0} 份（不在您的范围内或未列出）", "{0} more (outside your scope or not listed)"), "te.tree.here": ("本教案", "this plan"),
        "te.cal.title": ("我的教研日程", "My research calendar"), "te.cal.prev": ("上月", "Previous"), "te.cal.next": ("下月", "Next"), "te.cal.list": ("本月安排", "This month"),
        "te.cal.none": ("本月没有安排。", "Nothing this month."), "te.cal.feed": ("生成日历订阅地址（.ics）", "Make a calendar feed address (.ics)"),
        "te.cal.feedHint": ("在手机或电脑日历中订阅此地址即可同步教研活动、公开课、培训与优课；重新生成后旧地址失效。", "Subscribe in a phone or desktop calendar to follow activities, open classes, training and model lessons; making a new address ends the old one."),
        "te.cal.feedMade": ("日历订阅地址（只显示这一次，请复制保存）：{0}", "Your calendar feed (shown once; copy it): {0}"),
        "te.home.activities": ("{0} 项教研活动将在一周内开展", "{0} research activities in the coming week"), "te.home.activities.detail": ("您受邀参加或授课", "you are invited or teach"),
        "te.home.review2": ("{0} 份通案待教研室/教研中心审核", "{0} common plans to review as the teaching office"),
    ]
}
