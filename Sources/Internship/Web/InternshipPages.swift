import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// The internship pages. Everything an intern enters is a short form that works on a phone.
public struct InternshipPages: Sendable {
    public init() {}

    public func register(_ r: any RoutesBuilder) {
        typealias R = InternshipRoute
        r.get(R.home, use: home)
        r.get(R.setup, use: setup)
        r.post(R.universities, use: createUniversity)
        r.post(R.batches, use: createBatch)
        r.get(R.batch, use: batch)
        r.post(R.groups, use: createGroup)
        r.post(R.capacity, use: putCapacity)
        r.on(.POST, R.importInterns, body: .collect(maxSize: "20mb"), use: importInterns)
        r.post(R.assign, use: assign)
        r.get(R.export, use: export)
        r.get(R.intern, use: intern)
        r.post(R.place, use: place)
        r.post(R.appraise, use: appraise)
        r.post(R.grade, use: grade)
        r.get(R.appraisalForm, use: appraisalForm)
        r.post(R.records, use: addRecord)
        r.post(R.plans, use: createPlan)
        r.get(R.plan, use: plan)
        r.post(R.planRevise, use: revisePlan)
        r.post(R.planApprove, use: approvePlan)
        r.post(R.planComment, use: commentPlan)
        r.post(R.planTrial, use: trialPlan)
        r.post(R.groupSummary, use: groupSummary)
    }

    static func t(_ req: Request, _ key: String, _ args: String...) -> String { L10n.text(key, req.uiLocale, args: args) }

    /// Runs a form's action; a 422/409 comes back to the page it was sent from as a red flash
    /// naming the fields, everything else propagates (403, 404).
    static func form(_ req: Request, back: String, ok: String, _ body: () async throws -> Void) async throws -> Response {
        do {
            try await body()
            return req.redirect(to: back, flash: ok)
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: back, flash: e.flashText(req.uiLocale), error: true)
        }
    }

    // MARK: home

    struct WeekRow: Encodable {
        let id: Int; let name: String; let school: String; let subject: String; let week: String; let plansWaiting: Int; let lessons: Int; let periods: Int
        let observations: String; let behind: Bool; let classSize: String; let large: Bool; let grade: String
    }
    struct QueueRow: Encodable { let id: Int; let title: String; let intern: String; let updated: String }
    struct BatchItem: Encodable { let id: Int; let name: String; let dates: String }
    struct GroupItem: Encodable { let id: Int; let name: String; let summary: String; let action: String }
    struct HomePage: Encodable {
        let layout: Layout; let rows: [WeekRow]; let queue: [QueueRow]; let batches: [BatchItem]; let isAdmin: Bool; let groups: [GroupItem]
        let stats: [String]
        /// Why the page is empty for this role, in plain words, when it is.
        let notice: String?
        /// What this person has to do today (supervisors and mentors).
        let today: [String]
    }

    /// The batch's figures as lines (the bureau on the batch page, a supervisor on the home page).
    static func statLines(_ req: Request, _ stats: InternshipService.BatchStats) -> [String] {
        let locale = req.uiLocale
        return [stats.batch.name + "：" + t(req, "in.stats.interns", String(stats.interns), String(stats.placed)), t(req, "in.stats.periods", String(stats.periodsTaught)),
                t(req, "in.stats.classes", stats.averageClassSize.map { String(format: "%.0f", $0) } ?? "—", String(stats.largeClasses)),
                t(req, "in.stats.grades") + InternGrade.allCases.map { "\($0.label(locale)) \(stats.grades[$0] ?? 0)" }.joined(separator: "，")]
    }

    static func schoolNames(_ req: Request, _ ids: [Int]) async throws -> [Int: String] {
        try await RegistryStore.schools(ids: ids, on: req.db).mapValues(\.name)
    }

    func home(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let service = InternshipService(req)
        let isIntern = actor.can(.internshipSelf) && !actor.can(.internshipAdmin)
        if isIntern, let me = try? await service.ownIntern() {
            return req.redirect(to: InternshipRoute.intern.path(me.id))
        }
        let batchId = try RegistryAPI.Query(req).int("batch")
        let overview = try await service.overview(batchId: batchId)
        var stats: [String] = []
        if let batchId, actor.can(.internshipSupervise) || actor.can(.internshipAdmin) { stats = Self.statLines(req, try await service.stats(batchId: batchId)) }
        let names = try await Self.schoolNames(req, overview.compactMap(\.intern.schoolId))
        let locale = req.uiLocale
        let rows = overview.map { w in
            WeekRow(id: w.intern.id, name: w.intern.name, school: w.intern.schoolId.flatMap { names[$0] } ?? "—", subject: Subject(rawValue: w.intern.subject)?.label(locale) ?? w.intern.subject,
                    week: w.week.map { "\($0)（\(w.phase?.label(locale) ?? "")）" } ?? "—", plansWaiting: w.plansWaiting, lessons: w.lessons, periods: w.periods,
                    observations: "\(w.observationsThisWeek)/\(w.observationsNeeded)", behind: w.week != nil && w.observationsThisWeek < w.observationsNeeded,
                    classSize: w.intern.classSize.map(String.init) ?? "—", large: (w.intern.classSize ?? 0) >= 80, grade: w.grade.flatMap { InternGrade(rawValue: $0)?.label(locale) } ?? "")
        }
        let queue = try await service.queue().map { p, i in QueueRow(id: p.id, title: p.title, intern: i.name, updated: Date(timeIntervalSince1970: p.updatedAt).formatted(.iso8601.year().month().day())) }
        let batches = try await (actor.can(.internshipAdmin) ? service.batches() : InternshipStore.batches(on: req.db)).map { BatchItem(id: $0.id, name: $0.name, dates: "\($0.calendar.startsOn)—\($0.calendar.endsOn)") }
        var groups: [GroupItem] = []
        if actor.can(.internshipSupervise) {
            for b in try await InternshipStore.batches(on: req.db) {
                for g in try await InternshipStore.groups(batchId: b.id, on: req.db) where g.supervisorUserId == actor.userId {
                    groups.append(GroupItem(id: g.id, name: "\(b.name) · \(g.name)", summary: g.summary ?? "", action: InternshipRoute.groupSummary.path(g.id)))
                }
            }
        }
        // Plain words when there is nothing here for this person yet, and what to do today when there is.
        var notice: String?
        var today: [String] = []
        if actor.can(.internshipAdmin) {
            if batches.isEmpty { notice = L10n.text("in.notice.noBatches", locale) }
        } else if isIntern {
            notice = L10n.text("in.notice.notEnrolled", locale)
        } else if actor.can(.internshipSupervise) && groups.isEmpty {
            notice = L10n.text("in.notice.noGroups", locale)
        } else if !actor.can(.internshipSupervise) && rows.isEmpty {
            notice = L10n.text(actor.can(.internshipHost) ? "in.notice.noHosted" : "in.notice.noMentees", locale)
        }
        if !queue.isEmpty { today.append(L10n.text("in.today.plans", locale, String(queue.count))) }
        let behind = rows.filter(\.behind).count
        if behind > 0 { today.append(L10n.text("in.today.behind", locale, String(behind))) }
        let large = rows.filter(\.large).count
        if large > 0 { today.append(L10n.text("in.today.large", locale, String(large))) }
        return try await req.page("internship/home", HomePage(layout: req.layout("in.title"), rows: rows, queue: queue,
                                                               batches: actor.can(.internshipAdmin) || actor.can(.internshipSupervise) ? batches : [],
                                                               isAdmin: actor.can(.internshipAdmin), groups: groups, stats: stats, notice: notice, today: today))
    }

    // MARK: set-up (the bureau)

    struct SetupPage: Encodable { let layout: Layout; let universities: [SelectOption]; let batches: [BatchItem]; let defaultWeeks: String; let phases: String }
    func setup(req: Request) async throws -> Response {
        try req.requireActor().require(.internshipAdmin)
        let universities = try await InternshipStore.universities(on: req.db)
        let batches = try await InternshipService(req).batches().map { BatchItem(id: $0.id, name: $0.name, dates: "\($0.calendar.startsOn)—\($0.calendar.endsOn)") }
        return try await req.page("internship/setup", SetupPage(layout: req.layout("in.setup"), universities: universities.map { SelectOption(value: String($0.id), label: "\($0.code) \($0.name)", selected: false) },
                                                                  batches: batches, defaultWeeks: BatchCalendar.defaultWeeks.map(\.rawValue).joined(separator: ","),
                                                                  phases: Phase.allCases.map { "\($0.rawValue)=\($0.zh)" }.joined(separator: "，")))
    }

    struct UniversityForm: Content { let code: String?; let name: String? }
    func createUniversity(req: Request) async throws -> Response {
        try req.requireActor().require(.internshipAdmin)
        let b = try req.content.decode(UniversityForm.self)
        return try await Self.form(req, back: InternshipRoute.setup.path(), ok: Self.t(req, "in.saved")) { _ = try await InternshipService(req).createUniversity(code: b.code, name: b.name) }
    }

    struct BatchForm: Content {
        let universityId: String?; let name: String?; let startsOn: String?; let weeks: String?; let observationsPerWeek: String?
        let weightTeaching: String?; let weightClass: String?; let weightOther: String?
    }
    func createBatch(req: Request) async throws -> Response {
        try req.requireActor().require(.internshipAdmin)
        let b = try req.content.decode(BatchForm.self)
        let weights = GradeWeights(teaching: Int(b.weightTeaching ?? "") ?? 50, classTeacher: Int(b.weightClass ?? "") ?? 30, other: Int(b.weightOther ?? "") ?? 20)
        var id: Int?
        let res = try await Self.form(req, back: InternshipRoute.setup.path(), ok: Self.t(req, "in.saved")) {
            id = try await InternshipService(req).createBatch(.init(universityId: Int(b.universityId ?? ""), name: b.name, startsOn: b.startsOn, weeks: b.weeks,
                                                                     observationsPerWeek: Int(b.observationsPerWeek ?? ""), weights: weights))
        }
        return id.map { req.redirect(to: InternshipRoute.batch.path($0), flash: Self.t(req, "in.saved")) } ?? res
    }

    struct InternRowView: Encodable {
        let id: Int; let studentNo: String; let name: String; let subject: String; let group: String; let prefs: String; let school: String
        let mentor: String; let classSize: String; let large: Bool
    }
    struct CapacityRow: Encodable { let school: String; let subject: String; let places: Int; let used: Int }
    struct BatchPage: Encodable {
        let layout: Layout; let id: Int; let name: String; let dates: String; let weeks: [String]; let groups: [String]; let capacity: [CapacityRow]
        let interns: [InternRowView]; let subjects: [SelectOption]; let stats: [String]; let importHeaders: String
        let groupsAction: String; let capacityAction: String; let importAction: String; let assignAction: String; let export: String
        let passwords: [String]
    }

    func batch(req: Request) async throws -> Response {
        try req.requireActor().require(.internshipAdmin)
        let service = InternshipService(req)
        let b = try await service.batch(id: try req.intParameter("id"))
        let locale = req.uiLocale
        let interns = try await InternshipStore.interns(batchId: b.id, on: req.db)
        let groups = try await InternshipStore.groups(batchId: b.id, on: req.db)
        let groupNames = Dictionary(uniqueKeysWithValues: groups.map { ($0.id, $0.name) })
        let capacity = try await InternshipStore.capacity(batchId: b.id, on: req.db)
        let schools = try await RegistryStore.schools(ids: capacity.map(\.schoolId) + interns.flatMap { $0.preferenceList + ($0.schoolId.map { [$0] } ?? []) }, on: req.db)
        let mentors = try await RegistryStore.teachers(ids: interns.compactMap(\.mentorTeacherId), on: req.db)
        let stats = try await service.stats(batchId: b.id)
        let sub = { (s: String) in Subject(rawValue: s)?.label(locale) ?? s }
        let page = BatchPage(
            layout: req.layout("in.batch", title: b.name), id: b.id, name: b.name, dates: "\(b.calendar.startsOn)—\(b.calendar.endsOn)",
            weeks: b.calendar.weeks.enumerated().map { "\($0.offset + 1) \($0.element.label(locale))" },
            groups: groups.map { "\($0.name)" },
            capacity: capacity.map { c in CapacityRow(school: schools[c.schoolId]?.name ?? "", subject: sub(c.subject), places: c.places,
                                                      used: interns.filter { $0.schoolId == c.schoolId && $0.subject == c.subject }.count) },
            interns: interns.map { i in
                InternRowView(id: i.id, studentNo: i.studentNo, name: i.name, subject: sub(i.subject), group: i.groupId.flatMap { groupNames[$0] } ?? "—",
                              prefs: i.preferenceList.compactMap { schools[$0]?.name }.joined(separator: " / "), school: i.schoolId.flatMap { schools[$0]?.name } ?? "—",
                              mentor: i.mentorTeacherId.flatMap { mentors[$0]?.name } ?? "—", classSize: i.classSize.map(String.init) ?? "—", large: (i.classSize ?? 0) >= 80)
            },
            subjects: Subject.allCases.map { SelectOption(value: $0.rawValue, label: $0.label(locale), selected: false) },
            stats: Self.statLines(req, stats),
            importHeaders: InternshipService.importHeaders.joined(separator: "、"),
            groupsAction: InternshipRoute.groups.path(b.id), capacityAction: InternshipRoute.capacity.path(b.id), importAction: InternshipRoute.importInterns.path(b.id),
            assignAction: InternshipRoute.assign.path(b.id), export: InternshipRoute.export.path(b.id), passwords: [])
        return try await req.page("internship/batch", page)
    }

    struct GroupForm: Content { let name: String?; let supervisor: String? }
    func createGroup(req: Request) async throws -> Response {
        try req.requireActor().require(.internshipAdmin)
        let id = try req.intParameter("id")
        let b = try req.content.decode(GroupForm.self)
        return try await Self.form(req, back: InternshipRoute.batch.path(id), ok: Self.t(req, "in.saved")) { _ = try await InternshipService(req).createGroup(batchId: id, name: b.name, supervisor: b.supervisor) }
    }

    struct CapacityForm: Content { let schoolCode: String?; let subject: String?; let places: String? }
    func putCapacity(req: Request) async throws -> Response {
        try req.requireActor().require(.internshipAdmin)
        let id = try req.intParameter("id")
        let b = try req.content.decode(CapacityForm.self)
        let school = try await RegistryStore.schools(codes: [b.schoolCode?.trimmed ?? ""], on: req.db).values.first
        return try await Self.form(req, back: InternshipRoute.batch.path(id), ok: Self.t(req, "in.saved")) {
            try await InternshipService(req).putCapacity(batchId: id, schoolId: school?.id, subject: b.subject, places: Int(b.places ?? ""))
        }
    }

    struct Upload: Content { let file: File? }
    struct PasswordsPage: Encodable { let layout: Layout; let rows: [[String]]; let back: String }
    func importInterns(req: Request) async throws -> Response {
        try req.requireActor().require(.internshipAdmin)
        let id = try req.intParameter("id")
        var made: [(username: String, name: String, password: String)] = []
        let res = try await Self.form(req, back: InternshipRoute.batch.path(id), ok: Self.t(req, "in.saved")) {
            guard let file = try? req.content.decode(Upload.self).file, file.data.readableBytes > 0 else {
                throw DomainError.validation(["file": LocalizedText(zh: "请选择要上传的文件", en: "choose a file to upload")])
            }
            let table = try await Spreadsheet.read(Data(buffer: file.data), filename: file.filename, on: req.application)
            let app = req.application
            made = try await InternshipService(req).importInterns(batchId: id, table) { try await Accounts.hashPassword($0, app: app) }
        }
        guard !made.isEmpty else { return res }
        // The new accounts' passwords, shown once (as for any account the admin creates).
        return try await req.page("internship/passwords", PasswordsPage(layout: req.layout("in.accounts"), rows: made.map { [$0.username, $0.name, $0.password] }, back: InternshipRoute.batch.path(id)))
    }

    func assign(req: Request) async throws -> Response {
        try req.requireActor().require(.internshipAdmin)
        let id = try req.intParameter("id")
        var result = (placed: 0, unplaced: 0)
        let res = try await Self.form(req, back: InternshipRoute.batch.path(id), ok: "") { result = try await InternshipService(req).assign(batchId: id) }
        if res.cookies[FlashCookie.name]?.string.hasPrefix("%21") == true { return res }
        return req.redirect(to: InternshipRoute.batch.path(id), flash: Self.t(req, "in.assigned", String(result.placed), String(result.unplaced)))
    }

    /// The batch summary for the university (.xlsx): one row per intern.
    func export(req: Request) async throws -> Response {
        try req.requireActor().require(.internshipAdmin)
        let service = InternshipService(req)
        let b = try await service.batch(id: try req.intParameter("id"))
        // The summary reads the replica when there is one (unless this actor just wrote).
        let db = try await req.context.reporting().db
        let interns = try await InternshipStore.interns(batchId: b.id, on: db)
        let schools = try await RegistryStore.schools(ids: interns.compactMap(\.schoolId), on: db)
        let mentors = try await RegistryStore.teachers(ids: interns.compactMap(\.mentorTeacherId), on: db)
        let records = try await InternshipStore.records(internIds: interns.map(\.id), on: db)
        let appraisals = try await InternshipStore.appraisals(internIds: interns.map(\.id), on: db)
        var rows: [[String]] = [["学号", "姓名", "专业", "实习学科", "实习学校", "指导教师", "班级", "班额", "授课节数", "听课次数", "评课次数", "班主任工作记录", "教学成绩", "班主任工作成绩", "其他成绩", "总评", "等级", "学校鉴定"]]
        for i in interns {
            let mine = records.filter { $0.internId == i.id }
            let a = appraisals[i.id]
            func n(_ k: RecordKind) -> String { String(mine.filter { $0.kind == k.rawValue }.count) }
            rows.append([i.studentNo, i.name, i.major, Subject(rawValue: i.subject)?.zh ?? i.subject, i.schoolId.flatMap { schools[$0]?.name } ?? "",
                         i.mentorTeacherId.flatMap { mentors[$0]?.name } ?? "", i.className ?? "", i.classSize.map(String.init) ?? "",
                         String(mine.filter { $0.kind == RecordKind.teaching.rawValue }.reduce(0) { $0 + ($1.periods ?? 0) }), n(.observation), n(.evaluation), n(.classLog),
                         a?.scoreTeaching.map { String($0) } ?? "", a?.scoreClass.map { String($0) } ?? "", a?.scoreOther.map { String($0) } ?? "",
                         a?.finalScore.map { String($0) } ?? "", a?.grade.flatMap { InternGrade(rawValue: $0)?.zh } ?? "", a?.schoolRating.flatMap { InternGrade(rawValue: $0)?.zh } ?? ""])
        }
        return try RegistryPages.download(SheetTable(rows: rows), name: "\(b.name)实习汇总", req: req, numericColumns: [7, 8, 9, 10, 11, 12, 13, 14, 15])
    }

    // MARK: an intern

    struct PlanItem: Encodable { let id: Int; let title: String; let version: Int; let mentor: Bool; let supervisor: Bool; let trial: String; let trialPassed: Bool }
    struct RecordItem: Encodable { let date: String; let kind: String; let topic: String; let detail: String }
    struct InternPage: Encodable {
        let layout: Layout; let id: Int; let name: String; let studentNo: String; let school: String; let mentor: String; let classInfo: String; let large: Bool
        let week: String; let phase: String; let batchDates: String; let plans: [PlanItem]; let records: [RecordItem]
        let own: Bool; let supervisor: Bool; let mentorRole: Bool; let host: Bool; let admin: Bool
        let today: String; let approvedPlans: [SelectOption]; let peers: [SelectOption]; let rubric: [SelectOption]; let classKinds: [SelectOption]
        let summary: String; let mentorComment: String; let schoolComment: String; let schoolRating: String; let ratings: [SelectOption]
        let scores: [String: String]; let finalScore: String; let grade: String; let weights: String
        let mentorOptions: [SelectOption]; let placeVersion: Int; let classNameValue: String; let classSizeValue: String
        let recordsAction: String; let plansAction: String; let appraiseAction: String; let gradeAction: String; let placeAction: String; let print: String
    }

    func intern(req: Request) async throws -> Response {
        let service = InternshipService(req)
        let (i, how) = try await service.intern(id: try req.intParameter("id"))
        let locale = req.uiLocale
        let b = try await InternshipStore.batch(id: i.batchId, on: req.db)!
        let cal = b.calendar
        let today = req.context.today
        let school = try await i.schoolId.asyncMap { try await RegistryStore.school(id: $0, on: req.db) } ?? nil
        let mentor = try await i.mentorTeacherId.asyncMap { try await RegistryStore.teacher(id: $0, on: req.db) } ?? nil
        let plans = try await InternshipStore.plans(internIds: [i.id], on: req.db)
        let records = try await InternshipStore.records(internIds: [i.id], on: req.db)
        let peers = try await i.groupId.asyncMap { g in try await InternshipStore.peers(groupId: g, of: i.id, on: req.db) } ?? []
        let peerNames = Dictionary(uniqueKeysWithValues: peers.map { ($0.id, $0.name) })
        let planTitles = Dictionary(uniqueKeysWithValues: plans.map { ($0.id, $0.title) })
        let a = try await InternshipStore.appraisal(internId: i.id, on: req.db)
        var mentorOptions: [SelectOption] = []
        if (how.contains(.supervisor) || how.contains(.admin)), let s = i.schoolId {
            mentorOptions = try await RegistryStore.teachers(on: req.db, scope: .school(s), filter: TeacherFilter(), page: PageSpec(page: 1, per: 200), withSchool: false).items
                .filter { $0.subjectList.contains(i.subject) }.map { SelectOption(value: String($0.id), label: $0.name, selected: $0.id == i.mentorTeacherId) }
        }
        func detail(_ r: RecordRow) -> String {
            switch RecordKind(rawValue: r.kind) {
            case .teaching: return [r.className, r.periods.map { "\($0)节" }, r.lessonPlanId.flatMap { planTitles[$0] }.map { "教案：\($0)" }].compactMap { $0 }.joined(separator: " · ")
            case .evaluation:
                let scores = (try? JSONDecoder().decode([String: Int].self, from: Data((r.scores ?? "{}").utf8))) ?? [:]
                return ([r.ofInternId.flatMap { peerNames[$0] }.map { "评\($0)" }].compactMap { $0 } + InternshipService.rubric.map { "\(InternshipService.rubricLabel($0, locale)) \(scores[$0] ?? 0)" }).joined(separator: " · ") + (r.notes.map { " — " + $0 } ?? "")
            default: return [r.className, r.notes].compactMap { $0 }.joined(separator: " · ")
            }
        }
        let page = InternPage(
            layout: req.layout("in.intern", title: "\(i.name) · \(b.name)"), id: i.id, name: i.name, studentNo: i.studentNo, school: school?.name ?? Self.t(req, "in.unplaced"),
            mentor: mentor?.name ?? "—", classInfo: [i.className, i.classSize.map { Self.t(req, "in.classSize", String($0)) }].compactMap { $0 }.joined(separator: " · "),
            large: (i.classSize ?? 0) >= 80, week: cal.week(of: today).map { Self.t(req, "in.weekN", String($0), String(cal.weeks.count)) } ?? Self.t(req, "in.outside"),
            phase: cal.phase(on: today)?.label(locale) ?? "", batchDates: "\(cal.startsOn)—\(cal.endsOn)",
            plans: plans.map { PlanItem(id: $0.id, title: $0.title, version: $0.version, mentor: $0.mentorApproved, supervisor: $0.supervisorApproved, trial: $0.trialValue.label(locale), trialPassed: $0.trialValue == .passed) },
            records: records.map { RecordItem(date: $0.onDate, kind: RecordKind(rawValue: $0.kind)?.label(locale) ?? $0.kind, topic: $0.topic, detail: detail($0)) },
            own: how.contains(.own), supervisor: how.contains(.supervisor), mentorRole: how.contains(.mentor), host: how.contains(.host), admin: how.contains(.admin),
            today: today.description,
            approvedPlans: plans.filter { $0.mentorApproved && $0.supervisorApproved && $0.trialValue == .passed }.map { SelectOption(value: String($0.id), label: $0.title, selected: false) },
            peers: peers.map { SelectOption(value: String($0.id), label: $0.name, selected: false) },
            rubric: InternshipService.rubric.map { SelectOption(value: $0, label: InternshipService.rubricLabel($0, locale), selected: false) },
            classKinds: [("值日/日常管理", "duty"), ("主题班会", "meeting"), ("家访", "home_visit")].map { SelectOption(value: $0.0, label: $0.0, selected: false) },
            summary: a?.summary ?? "", mentorComment: a?.mentorComment ?? "", schoolComment: a?.schoolComment ?? "",
            schoolRating: a?.schoolRating.flatMap { InternGrade(rawValue: $0)?.label(locale) } ?? "",
            ratings: options(InternGrade.self, selected: a?.schoolRating ?? "good", locale: locale),
            scores: ["teaching": a?.scoreTeaching.map { String($0) } ?? "", "classTeacher": a?.scoreClass.map { String($0) } ?? "", "other": a?.scoreOther.map { String($0) } ?? ""],
            finalScore: a?.finalScore.map { String($0) } ?? "", grade: a?.grade.flatMap { InternGrade(rawValue: $0)?.label(locale) } ?? "",
            weights: Self.t(req, "in.weights", String(b.weightTeaching), String(b.weightClass), String(b.weightOther)),
            mentorOptions: mentorOptions, placeVersion: i.version, classNameValue: i.className ?? "", classSizeValue: i.classSize.map(String.init) ?? "",
            recordsAction: InternshipRoute.records.path(), plansAction: InternshipRoute.plans.path(), appraiseAction: InternshipRoute.appraise.path(i.id),
            gradeAction: InternshipRoute.grade.path(i.id), placeAction: InternshipRoute.place.path(i.id), print: InternshipRoute.appraisalForm.path(i.id))
        return try await req.page("internship/intern", page)
    }

    struct PlaceForm: Content { let schoolCode: String?; let mentorTeacherId: String?; let className: String?; let classSize: String?; let version: String? }
    func place(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        _ = try await InternshipService(req).intern(id: id)
        let b = try req.content.decode(PlaceForm.self)
        let school = try await (b.schoolCode?.trimmed).flatMap { $0.isEmpty ? nil : $0 }.asyncMap { try await RegistryStore.schools(codes: [$0], on: req.db).values.first } ?? nil
        if let code = b.schoolCode?.trimmed, !code.isEmpty, school == nil {
            return req.redirect(to: InternshipRoute.intern.path(id), flash: Self.t(req, "in.noSchool", code), error: true)
        }
        return try await Self.form(req, back: InternshipRoute.intern.path(id), ok: Self.t(req, "in.saved")) {
            _ = try await InternshipService(req).place(internId: id, schoolId: school?.id, mentorTeacherId: Int(b.mentorTeacherId ?? ""), className: b.className,
                                                        classSize: Int(b.classSize ?? ""), version: Int(b.version ?? ""))
        }
    }

    struct AppraiseForm: Content { let field: String?; let text: String?; let rating: String? }
    func appraise(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        _ = try await InternshipService(req).intern(id: id)
        let b = try req.content.decode(AppraiseForm.self)
        return try await Self.form(req, back: InternshipRoute.intern.path(id), ok: Self.t(req, "in.saved")) {
            try await InternshipService(req).appraise(internId: id, field: b.field ?? "", text: b.text, rating: b.rating)
        }
    }

    struct GradeForm: Content { let teaching: String?; let classTeacher: String?; let other: String? }
    func grade(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.internshipSupervise)
        let b = try req.content.decode(GradeForm.self)
        return try await Self.form(req, back: InternshipRoute.intern.path(id), ok: Self.t(req, "in.saved")) {
            _ = try await InternshipService(req).grade(internId: id, teaching: Double(b.teaching ?? ""), classTeacher: Double(b.classTeacher ?? ""), other: Double(b.other ?? ""))
        }
    }

    struct FormPage: Encodable {
        let layout: Layout; let name: String; let gender: String; let studentNo: String; let major: String; let university: String; let batch: String; let dates: String
        let school: String; let mentor: String; let subject: String; let classInfo: String; let periods: Int; let observations: Int; let evaluations: Int; let classLogs: Int
        let summary: String; let mentorComment: String; let schoolComment: String; let schoolRating: String
        let scores: String; let finalScore: String; let grade: String; let printed: String
    }

    /// 实习鉴定表, one A4 page.
    func appraisalForm(req: Request) async throws -> Response {
        let (i, _) = try await InternshipService(req).intern(id: try req.intParameter("id"))
        let b = try await InternshipStore.batch(id: i.batchId, on: req.db)!
        let university = try await InternshipStore.universities(on: req.db).first { $0.id == b.universityId }?.name ?? ""
        let school = try await i.schoolId.asyncMap { try await RegistryStore.school(id: $0, on: req.db) } ?? nil
        let mentor = try await i.mentorTeacherId.asyncMap { try await RegistryStore.teacher(id: $0, on: req.db) } ?? nil
        let records = try await InternshipStore.records(internIds: [i.id], on: req.db)
        let a = try await InternshipStore.appraisal(internId: i.id, on: req.db)
        func n(_ k: RecordKind) -> Int { records.filter { $0.kind == k.rawValue }.count }
        let page = FormPage(
            layout: req.layout("in.form"), name: i.name, gender: "", studentNo: i.studentNo, major: i.major, university: university, batch: b.name,
            dates: "\(b.calendar.startsOn) 至 \(b.calendar.endsOn)", school: school?.name ?? "", mentor: mentor?.name ?? "", subject: Subject(rawValue: i.subject)?.zh ?? i.subject,
            classInfo: [i.className, i.classSize.map { "\($0)人" }].compactMap { $0 }.joined(separator: "，"),
            periods: records.filter { $0.kind == RecordKind.teaching.rawValue }.reduce(0) { $0 + ($1.periods ?? 0) }, observations: n(.observation), evaluations: n(.evaluation), classLogs: n(.classLog),
            summary: a?.summary ?? "", mentorComment: a?.mentorComment ?? "", schoolComment: a?.schoolComment ?? "", schoolRating: a?.schoolRating.flatMap { InternGrade(rawValue: $0)?.zh } ?? "",
            scores: a.flatMap { x in x.scoreTeaching.map { "教学 \($0)（\(b.weightTeaching)%）· 班主任工作 \(x.scoreClass ?? 0)（\(b.weightClass)%）· 其他 \(x.scoreOther ?? 0)（\(b.weightOther)%）" } } ?? "",
            finalScore: a?.finalScore.map { String($0) } ?? "", grade: a?.grade.flatMap { InternGrade(rawValue: $0)?.zh } ?? "", printed: req.context.today.description)
        return try await req.page("internship/form", page)
    }

    // MARK: records, plans

    struct RecordForm: Content {
        let kind: String?; let date: String?; let lessonPlanId: String?; let className: String?; let topic: String?; let periods: String?
        let ofInternId: String?; let notes: String?; let internId: String?
        let objectives: String?; let content: String?; let method: String?; let interaction: String?; let board: String?
    }
    func addRecord(req: Request) async throws -> Response {
        let b = try req.content.decode(RecordForm.self)
        guard let kind = b.kind.flatMap(RecordKind.init(rawValue:)) else { throw DomainError.validation(["kind": LocalizedText(zh: "未知的记录类型", en: "unknown kind of record")]) }
        let service = InternshipService(req)
        let back: String
        if let id = Int(b.internId ?? "") { back = InternshipRoute.intern.path(id) } else { back = InternshipRoute.home.path() }
        var scores: [String: Int]?
        if kind == .evaluation {
            scores = [:]
            for (k, v) in [("objectives", b.objectives), ("content", b.content), ("method", b.method), ("interaction", b.interaction), ("board", b.board)] { if let n = Int(v ?? "") { scores![k] = n } }
        }
        let notes = kind == .classLog ? [b.className.map { "（\($0)）" }, b.notes].compactMap { $0 }.joined(separator: " ") : b.notes
        return try await Self.form(req, back: back, ok: Self.t(req, "in.recorded", kind.label(req.uiLocale))) {
            _ = try await service.record(.init(kind: kind, date: b.date, lessonPlanId: Int(b.lessonPlanId ?? ""), className: kind == .classLog ? nil : b.className, topic: b.topic,
                                               periods: Int(b.periods ?? ""), ofInternId: Int(b.ofInternId ?? ""), scores: scores, notes: notes, internId: Int(b.internId ?? "")))
        }
    }

    struct PlanForm: Content { let title: String?; let subject: String?; let grade: String?; let content: String?; let version: String? }
    func createPlan(req: Request) async throws -> Response {
        let b = try req.content.decode(PlanForm.self)
        let service = InternshipService(req)
        let me = try await service.ownIntern()
        var id: Int?
        let res = try await Self.form(req, back: InternshipRoute.intern.path(me.id), ok: Self.t(req, "in.saved")) {
            id = try await service.createPlan(title: b.title, subject: b.subject, grade: b.grade, content: b.content).id
        }
        return id.map { req.redirect(to: InternshipRoute.plan.path($0), flash: Self.t(req, "in.saved")) } ?? res
    }

    struct VersionItem: Encodable { let version: Int; let title: String; let saved: String; let content: String }
    struct CommentItem: Encodable { let version: Int; let author: String; let role: String; let text: String; let at: String }
    struct PlanPage: Encodable {
        let layout: Layout; let id: Int; let title: String; let subject: String; let grade: String; let content: String; let version: Int
        let mentor: Bool; let supervisor: Bool; let trial: String; let intern: String; let internHref: String
        let versions: [VersionItem]; let comments: [CommentItem]; let own: Bool; let canApprove: Bool; let canTrial: Bool
        let reviseAction: String; let approveAction: String; let commentAction: String; let trialAction: String
    }
    func plan(req: Request) async throws -> Response {
        let (p, i, how) = try await InternshipService(req).plan(id: try req.intParameter("id"))
        let versions = try await InternshipStore.planVersions(planId: p.id, on: req.db)
        let comments = try await InternshipStore.planComments(planId: p.id, on: req.db)
        let day = { (t: Double) in Date(timeIntervalSince1970: t).formatted(.iso8601.year().month().day()) }
        let person = try await Accounts.people(comments.map(\.author), on: req.db, locale: req.uiLocale)
        let roleName = ["mentor": Self.t(req, "in.role.mentor"), "supervisor": Self.t(req, "in.role.supervisor"), "intern": Self.t(req, "in.role.intern")]
        let page = PlanPage(
            layout: req.layout("in.plan", title: p.title), id: p.id, title: p.title, subject: Subject(rawValue: p.subject)?.label(req.uiLocale) ?? p.subject, grade: p.grade,
            content: p.content, version: p.version, mentor: p.mentorApproved, supervisor: p.supervisorApproved, trial: p.trialValue.label(req.uiLocale), intern: i.name,
            internHref: InternshipRoute.intern.path(i.id),
            versions: versions.map { VersionItem(version: $0.version, title: $0.title, saved: day($0.savedAt), content: $0.content) },
            comments: comments.map { CommentItem(version: $0.version, author: person($0.author), role: roleName[$0.role] ?? $0.role, text: $0.text, at: day($0.at)) },
            own: how.contains(.own), canApprove: (how.contains(.mentor) && !p.mentorApproved) || (how.contains(.supervisor) && !p.supervisorApproved),
            canTrial: how.contains(.supervisor) && p.mentorApproved && p.supervisorApproved,
            reviseAction: InternshipRoute.planRevise.path(p.id), approveAction: InternshipRoute.planApprove.path(p.id), commentAction: InternshipRoute.planComment.path(p.id),
            trialAction: InternshipRoute.planTrial.path(p.id))
        return try await req.page("internship/plan", page)
    }

    func revisePlan(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        let b = try req.content.decode(PlanForm.self)
        return try await Self.form(req, back: InternshipRoute.plan.path(id), ok: Self.t(req, "in.revised")) {
            _ = try await InternshipService(req).revisePlan(id: id, title: b.title, content: b.content, version: Int(b.version ?? ""))
        }
    }

    func approvePlan(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        return try await Self.form(req, back: InternshipRoute.plan.path(id), ok: Self.t(req, "in.approved")) { _ = try await InternshipService(req).approve(planId: id) }
    }

    struct CommentForm: Content { let text: String? }
    func commentPlan(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        let b = try req.content.decode(CommentForm.self)
        return try await Self.form(req, back: InternshipRoute.plan.path(id), ok: Self.t(req, "in.saved")) { try await InternshipService(req).comment(planId: id, text: b.text) }
    }

    struct TrialForm: Content { let passed: String?; let notes: String? }
    func trialPlan(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.internshipSupervise)
        let b = try req.content.decode(TrialForm.self)
        return try await Self.form(req, back: InternshipRoute.plan.path(id), ok: Self.t(req, "in.saved")) {
            _ = try await InternshipService(req).trial(planId: id, passed: b.passed.map { $0 == "1" || $0 == "true" }, notes: b.notes)
        }
    }

    struct SummaryForm: Content { let text: String? }
    func groupSummary(req: Request) async throws -> Response {
        let id = try req.intParameter("id")
        try req.requireActor().require(.internshipSupervise)
        let b = try req.content.decode(SummaryForm.self)
        return try await Self.form(req, back: InternshipRoute.home.path(), ok: Self.t(req, "in.saved")) { try await InternshipService(req).groupSummary(groupId: id, text: b.text) }
    }
}
