import Foundation
import Vapor
import XuequCore
import XuequKit

/// Browser pages of 教师资格认定: the applicant's and reviewers' pages (signed in), and the
/// public notice, objection form and certificate check (no sign-in).
public struct CertificationPages: Sendable {
    public init() {}

    public func registerPublic(_ r: any RoutesBuilder) {
        typealias R = CertificationRoute
        r.get(R.publicNotice, use: publicNotice)
        r.post(R.publicObjection, use: fileObjection)
        r.get(R.verify, use: verify)
        r.get(R.register, use: registerForm)
        r.post(R.register, use: register)
    }

    public func register(_ r: any RoutesBuilder) {
        typealias R = CertificationRoute
        r.get(R.home, use: home)
        r.get(R.apply, use: applyForm)
        r.post(R.apply, use: apply)
        r.get(R.application, use: detail)
        r.post(R.applicationEvent, use: event)
        r.get(R.certificate, use: certificate)
        r.get(R.applicationEdit, use: editForm)
        r.post(R.applicationEdit, use: saveEdit)
        r.on(.POST, R.documents, body: .collect(maxSize: "6mb"), use: uploadDocument)
        r.get(R.document, use: document)
        r.post(R.scores, use: score)
        r.post(R.physicalExam, use: physicalExam)
        r.get(R.windows, use: windowsPage)
        r.post(R.windows, use: createWindow)
        r.post(R.bodies, use: createBody)
        r.get(R.rules, use: rules)
        r.post(R.rules, use: saveRules)
        r.post(R.notices, use: createNotice)
        r.post(R.objection, use: resolveObjection)
        r.get(R.statistics, use: statistics)
        r.get(R.form, use: applicationForm)
        r.get(R.export, use: export)
    }

    struct Row: Encodable, Sendable {
        let id: Int; let name: String; let type: String; let subject: String; let route: String
        let state: String; let stateKey: String; let submitted: String; let selectable: Bool
        var next: String? = nil; var nextKey: String? = nil; var due: String? = nil; var late = false
    }
    struct StepTab: Encodable, Sendable { let key: String; let label: String; let count: Int; let href: String; let selected: Bool; let work: Bool }

    /// A queue row with its next step and the date that step is due: the correction deadline, the
    /// notice's last day, or the window's decision date.
    static func queueRow(_ q: QueueItem, windows: [CertWindow], today: CivilDate, prefecture: Bool, _ locale: UILocale) -> Row {
        var r = row(q.application, locale)
        r.next = q.step.label(locale, prefecture: prefecture); r.nextKey = q.step.rawValue
        let due: CivilDate?
        switch q.step {
        case .correction: due = q.application.correctionDue.flatMap(CivilDate.init(parsing:))
        case .notice, .certify: due = q.noticeTo.flatMap(CivilDate.init(parsing:)).map { $0.adding(days: 1) }
        case .closed, .elsewhere: due = nil
        default: due = windows.first { $0.id == q.application.windowId }?.decisionDue
        }
        if let due {
            r.due = q.step == .notice || q.step == .certify ? L10n.text("cert.certifyFrom", locale, due.description) : due.description
            r.late = q.step != .notice && q.step != .certify && due < today
        }
        return r
    }

    static func row(_ a: CertApplicationRow, _ locale: UILocale) -> Row {
        let submitted = a.submittedAt.map { CivilDate.today(Date(timeIntervalSince1970: $0)).description } ?? ""
        return Row(id: a.id, name: a.name,
                   type: a.certType.label(locale), subject: Subject(rawValue: a.subject)?.label(locale) ?? a.subject, route: a.certRoute.label(locale),
                   state: a.certState.label(locale), stateKey: a.state, submitted: submitted, selectable: a.certState == .approved)
    }

    // MARK: signed-in home: the applicant's own, or the reviewers' queue

    struct WindowView: Encodable, Sendable { let id: Int; let name: String; let opensOn: String; let closesOn: String; let authority: String; let dueOn: String; let overdue: Int }
    struct HomePage: Encodable, Sendable {
        let layout: Layout
        let isApplicant: Bool
        let canNotice: Bool
        /// Only the county applies on someone's behalf: the prefecture gets no link that would answer 403.
        let canApplyBehalf: Bool
        let windows: [SelectOption]
        let states: [SelectOption]
        let window: WindowView?
        let rows: [Row]
        let pager: Pager
        let tabs: [StepTab]
        let step: String?
        let notices: [CertificationService.NoticeSummary]
        let objections: [ObjectionView]
        let hasOpenWindow: Bool
    }
    struct ObjectionView: Encodable, Sendable {
        let id: Int; let noticeId: Int; let applicationId: Int?; let filedBy: String; let contact: String; let text: String; let open: Bool
        let applicant: String; let status: String; let href: String?; let resolution: String?
    }
    /// Objections with the applicant they name (from the notice entry) and their state in words.
    static func objectionViews(_ rows: [(id: Int, noticeId: Int, applicationId: Int?, filedBy: String, contact: String, text: String, status: String, resolution: String?)], req: Request) async throws -> [ObjectionView] {
        let names = try await CertificationService.applicationNames(rows.compactMap(\.applicationId), on: req.db)
        let locale = req.uiLocale
        return rows.map { o in
            let a = o.applicationId.flatMap { names[$0] }
            let status = L10n.text("cert.objection.state." + o.status, locale)
            return ObjectionView(id: o.id, noticeId: o.noticeId, applicationId: o.applicationId, filedBy: o.filedBy, contact: o.contact, text: o.text, open: o.status == "open",
                                 applicant: a.map { "\($0.name) \(CertType(rawValue: $0.type)?.label(locale) ?? "")" } ?? L10n.text("cert.objection.noApplicant", locale),
                                 status: status, href: o.applicationId.map { CertificationRoute.application.path($0) }, resolution: o.resolution)
        }
    }

    func home(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        let locale = req.uiLocale
        let service = CertificationService(req)
        let q = (try? req.query.decode([String: String].self)) ?? [:]
        let windows = try await service.windows()
        let today = service.today
        let isApplicant = CertificationPolicy.isApplicant(actor)
        let windowId = q["window"].flatMap { Int($0) } ?? (isApplicant ? nil : windows.first?.id)
        let state = q["state"].flatMap { CertState(rawValue: $0) }
        let step = q["step"].flatMap { QueueStep(rawValue: $0) }
        let page: PageResult<Row>
        var tabs: [StepTab] = []
        if isApplicant || state != nil {
            let p = try await service.list(window: windowId, state: state, page: PageSpec(page: q["page"].flatMap { Int($0) }, per: 50))
            page = PageResult(items: p.items.map { Self.row($0, locale) }, total: p.total, request: p.request)
        } else {
            // The reviewers' queue, grouped by the next step: a tab per step with its count.
            let prefecture = !CertificationPolicy.isCountyBody(actor)
            let (p, counts) = try await service.queue(window: windowId, step: step, page: PageSpec(page: q["page"].flatMap { Int($0) }, per: 50))
            page = PageResult(items: p.items.map { Self.queueRow($0, windows: windows, today: today, prefecture: prefecture, locale) }, total: p.total, request: p.request)
            let base = CertificationRoute.home.path() + (windowId.map { "?window=\($0)&" } ?? "?")
            tabs = [StepTab(key: "", label: L10n.text("list.all", locale), count: counts.values.reduce(0, +), href: base.dropLast().description, selected: step == nil, work: false)]
                + QueueStep.allCases.filter { (counts[$0] ?? 0) > 0 || $0.isWork }.map { s in
                    StepTab(key: s.rawValue, label: s.label(locale, prefecture: prefecture), count: counts[s] ?? 0, href: base + "step=" + s.rawValue, selected: s == step, work: s.isWork)
                }
        }
        var windowView: WindowView?
        if let w = windows.first(where: { $0.id == windowId }), !isApplicant {
            // Only the due date and the overdue count: the full statistics are a scan of the window.
            let (due, overdue) = try await service.overdue(window: w)
            // The prefecture reads its own body's name: it decides types 4–6 of the county's window.
            var authority = w.authority
            if !CertificationPolicy.isCountyBody(actor), let own = try await service.bodies().first(where: { $0.level == "prefecture" }) {
                authority = own.name + L10n.text("cert.prefectureTypes", locale)
            }
            windowView = WindowView(id: w.id, name: w.name, opensOn: w.opensOn, closesOn: w.closesOn, authority: authority, dueOn: due.description, overdue: overdue)
        }
        let open = windows.contains { w in (CivilDate(parsing: w.opensOn).map { $0 <= today } ?? false) && (CivilDate(parsing: w.closesOn).map { $0 >= today } ?? false) }
        let objections = isApplicant ? [] : try await Self.objectionViews(try await service.objections(window: windowId), req: req)
        return try await req.page("cert/home", HomePage(
            layout: req.layout("nav.certification", title: L10n.text(isApplicant ? "cert.mine" : "cert.queue", locale)),
            isApplicant: isApplicant, canNotice: actor.can(.certRecords), canApplyBehalf: actor.can(.certApplyBehalf),
            // Windows of several bodies (a prefecture's counties, an applicant's choice) name their body.
            windows: windows.map { w in
                let body = Set(windows.map(\.bodyId)).count > 1 ? w.authority + " " : ""
                return SelectOption(value: String(w.id), label: "\(body)\(w.name)（\(w.opensOn)—\(w.closesOn)）", selected: w.id == windowId)
            },
            states: options(CertState.self, selected: state?.rawValue, locale: locale), window: windowView,
            rows: page.items, pager: Pager(page, req: req), tabs: tabs, step: step?.rawValue,
            notices: isApplicant ? [] : try await service.notices(), objections: objections, hasOpenWindow: open))
    }

    // MARK: applying

    struct ApplyPage: Encodable, Sendable {
        let layout: Layout
        let values: [String: String]
        let errors: [String: String]
        let types: [SelectOption]; let subjects: [SelectOption]; let educations: [SelectOption]; let putonghuas: [SelectOption]
        let routes: [SelectOption]; let physicals: [SelectOption]
        let isApplicant: Bool
        var action = CertificationRoute.apply.path()
        var editing = false
    }

    func applyForm(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        var values: [String: String] = [:]
        if CertificationPolicy.isApplicant(actor) { values["name"] = actor.displayName }
        return try await applyPage(req, values: values, errors: [:])
    }

    func applyPage(_ req: Request, values: [String: String], errors: [String: String], status: HTTPStatus = .ok, editing: Int? = nil) async throws -> Response {
        let actor = try req.requireActor()
        guard actor.can(.certApplySelf) || actor.can(.certApplyBehalf) else { throw DomainError.forbidden }
        let l = req.uiLocale
        var page = ApplyPage(
            layout: req.layout("nav.certification", title: editing == nil ? L10n.text("cert.apply", l) : L10n.text("cert.editApplication", l) + "（\(values["name"] ?? "")）"), values: values, errors: errors,
            types: options(CertType.self, selected: values["type"], locale: l), subjects: options(Subject.self, selected: values["subject"], locale: l),
            educations: options(Education.self, selected: values["education"] ?? "bachelor", locale: l), putonghuas: options(Putonghua.self, selected: values["putonghua"] ?? "2B", locale: l),
            routes: options(CertRoute.self, selected: values["route"], locale: l), physicals: options(PhysicalExam.self, selected: values["physicalExam"] ?? "pending", locale: l),
            isApplicant: CertificationPolicy.isApplicant(actor))
        if let editing { page.action = CertificationRoute.applicationEdit.path(editing); page.editing = true }
        return try await req.page("cert/apply", page, status: status)
    }

    /// The application form's fields (checkboxes send "on").
    static func draft(_ form: [String: String]) -> ApplicationDraft {
        var d = ApplicationDraft()
        d.name = form["name"]; d.residentId = form["residentId"]; d.phone = form["phone"]; d.type = form["type"]; d.subject = form["subject"]
        d.education = form["education"]; d.normalGraduate = form["normalGraduate"] == "on"; d.putonghua = form["putonghua"]; d.route = form["route"]
        d.examPassedOn = form["examPassedOn"]; d.physicalExam = form["physicalExam"]; d.township = form["township"] == "on"
        return d
    }

    func editForm(req: Request) async throws -> Response {
        let id = try req.intParameter()
        let (a, _, _) = try await CertificationService(req).application(id: id)
        let values = ["name": a.name, "residentId": a.residentId, "type": a.type, "subject": a.subject, "education": a.education, "putonghua": a.putonghua,
                      "route": a.route, "examPassedOn": a.examPassedOn ?? "", "physicalExam": a.physicalExam, "normalGraduate": a.normalGraduate ? "on" : "",
                      "township": a.township ? "on" : "", "version": String(a.version)]
        return try await applyPage(req, values: values, errors: [:], editing: id)
    }

    func saveEdit(req: Request) async throws -> Response {
        let id = try req.intParameter()
        var form = try req.content.decode([String: String].self)
        form.removeValue(forKey: "_csrf")
        let d = Self.draft(form)
        do {
            let version = form["version"].flatMap { Int($0) }
            let (a, _) = try await CertificationService(req).correct(id: id, version: version, d)
            return req.redirect(to: CertificationRoute.application.path(id), flash: L10n.text(a.version == version ? "cert.unchanged" : "flash.saved", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            let m = e.fieldMessages(req.uiLocale)
            return try await applyPage(req, values: form, errors: m, status: e.formStatus, editing: id)
        }
    }

    func apply(req: Request) async throws -> Response {
        var form = try req.content.decode([String: String].self)
        form.removeValue(forKey: "_csrf")
        let d = Self.draft(form)
        do {
            let (a, _) = try await CertificationService(req).create(d)
            return req.redirect(to: CertificationRoute.application.path(a.id), flash: L10n.text("cert.created", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict || e.code == "not_own_resident_id" {
            let m = e.fieldMessages(req.uiLocale)
            return try await applyPage(req, values: form, errors: m, status: e.kind == .forbidden ? .forbidden : e.formStatus)
        }
    }

    // MARK: one application

    struct HistoryLine: Encodable, Sendable { let at: String; let text: String; let actor: String; let reason: String? }
    struct EventButton: Encodable, Sendable { let key: String; let label: String; let needsReason: Bool; let needsScores: Bool; let danger: Bool; let confirm: String? }
    struct DetailPage: Encodable, Sendable {
        let layout: Layout
        let app: Row
        let facts: [SelectOption]
        let deficiencies: [String]
        let correctionDue: String?
        let history: [HistoryLine]
        let events: [EventButton]
        let version: Int
        let reasons: [SelectOption]
        let revokeReasons: [SelectOption]
        let hasCertificate: Bool
        let scores: String?
        let canEdit: Bool
        let documents: [DocumentLine]
        let folder: String?
        let panel: PanelView?
        let waiting: String?
        /// The body's form for the examination's result (nil: not theirs, or decided).
        var physicalForm: [SelectOption]? = nil
    }
    struct DocumentLine: Encodable, Sendable {
        let key: String; let label: String; let required: Bool; let uploaded: Bool; let filename: String; let size: String; let url: String; let isImage: Bool; let accept: String
    }
    struct PanelView: Encodable, Sendable {
        let intro: String; let lines: [SelectOption]; let mean: String?; let progress: String?; let canScore: Bool; let myScore: String
        /// An expert who has not scored yet does not see the others' scores (independent scoring).
        let sealed: String?
    }

    func detail(req: Request) async throws -> Response {
        let locale = req.uiLocale
        let service = CertificationService(req)
        let (a, history, deficiencies) = try await service.application(id: try req.intParameter())
        let who = try await service.actorRole(for: a)
        let f = a.facts
        let facts = [
            (L10n.text("cert.name", locale), a.name), (L10n.text("cert.residentId", locale), a.residentId),
            (L10n.text("cert.type", locale), f.type.label(locale)), (L10n.text("cert.subject", locale), f.subject.label(locale)),
            (L10n.text("cert.education", locale), f.education.label(locale)), (L10n.text("cert.putonghua", locale), f.putonghua.label(locale)),
            (L10n.text("cert.route", locale), f.route.label(locale)), (L10n.text("cert.exam", locale), a.examPassedOn ?? "—"),
            (L10n.text("cert.physical", locale), f.physicalExam.label(locale)),
        ].map { SelectOption(value: $0.1, label: $0.0, selected: false) }
        // Who acted, by name (issue 28: the record said "applicant1", "reviewer").
        let person = try await Accounts.people(history.map(\.actor), on: req.db, locale: locale)
        let lines = history.map { h in
            HistoryLine(at: ISOTime.beijing(h.at, seconds: false),
                        text: h.fromState == h.toState ? L10n.text("cert.history.\(h.event)", locale)
                            : "\(CertState(rawValue: h.fromState)?.label(locale) ?? h.fromState) → \(CertState(rawValue: h.toState)?.label(locale) ?? h.toState)",
                        actor: person(h.actor), reason: h.reason)
        }
        // A certificate is not offered while the notice runs or an objection is open: the page says when it can be.
        var waiting: String?
        var events = CertWorkflow.events(from: a.certState, actor: who, type: f.type, route: f.route)
        if events.contains(.issueCertificate) {
            do { try await CertificationService.checkNoticeOver(a.id, today: service.today, on: req.db) } catch let e as DomainError {
                waiting = e.summary(locale); events.removeAll { $0 == .issueCertificate }
            }
        }
        let who_ = "\(a.name) \(f.type.label(locale))"
        let buttons = events.map { e in
            EventButton(key: e.rawValue, label: e.label(locale), needsReason: e == .reject || e == .revoke || e == .requestCorrection,
                        needsScores: e == .scoreAbilityTest, danger: e == .reject || e == .revoke || e == .withdraw,
                        confirm: [.accept, .approve, .issueCertificate, .reject, .revoke, .withdraw, .forward].contains(e)
                            ? L10n.text("cert.confirmEvent", locale, args: [e.label(locale), who_]) : nil)
        }
        let hasCertificate = try await service.certificate(applicationId: a.id) != nil
        let canEdit = (a.certState == .draft || a.certState == .deficient) && (who == .applicant || who == .countyReviewer || who == .bureau)
        let uploaded = try await CertificationService.documents(a.id, on: req.db)
        let required = CertDocumentKind.required(for: f.route)
        let documents = CertDocumentKind.allCases.compactMap { k -> DocumentLine? in
            let d = uploaded.first { $0.kind == k.rawValue }
            if d == nil && !required.contains(k) { return nil }
            return DocumentLine(key: k.rawValue, label: k.label(locale), required: required.contains(k), uploaded: d != nil, filename: d?.filename ?? "",
                                size: d.map { $0.size >= 1_048_576 ? String(format: "%.1f MB", Double($0.size) / 1_048_576) : "\(max(1, $0.size / 1024)) KB" } ?? "",
                                url: CertificationRoute.document.path(a.id, k.rawValue), isImage: d?.mediaType.hasPrefix("image/") ?? false,
                                accept: k.acceptsPDF ? ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png" : ".jpg,.jpeg,.png,image/jpeg,image/png")
        }
        let folder = try await CertificationService.folderNumber(applicationId: a.id, on: req.db)
        var panel: PanelView?
        let experts = try await CertificationService.abilityScores(a.id, on: req.db)
        if a.certState == .abilityTest || !experts.isEmpty {
            let rules = try await service.rulesInForce()
            let me = try req.requireActor()
            // The mean only once the panel is complete (or the test is closed): a partial mean would
            // steer the experts still to score.
            let complete = experts.count >= rules.panelMinimum || a.certState != .abilityTest
            let mean = experts.isEmpty || !complete ? nil : String(format: "%.1f", experts.map(\.score).reduce(0, +) / Double(experts.count))
            let canScore = a.certState == .abilityTest && (who == .countyReviewer || who == .bureau)
            let mine = experts.first { $0.expertId == me.userId }
            let sealed = canScore && mine == nil && !experts.isEmpty
            panel = PanelView(intro: L10n.text("cert.panelIntro", locale, String(format: "%g", rules.abilityPassMark), String(rules.panelMinimum)),
                              lines: sealed ? [] : experts.map { SelectOption(value: String(format: "%g", $0.score), label: $0.expert, selected: $0.expertId == me.userId) },
                              mean: sealed ? nil : mean,
                              progress: complete ? nil : L10n.text("cert.panelProgress", locale, String(experts.count), String(rules.panelMinimum)), canScore: canScore, myScore: mine.map { String(format: "%g", $0.score) } ?? "",
                              sealed: sealed ? L10n.text("cert.sealed", locale, String(experts.count)) : nil)
        }
        let examStates: [CertState] = [.draft, .submitted, .deficient, .accepted, .abilityTest, .review, .forwarded]
        let examiner = who == .countyReviewer || who == .bureau || (who == .prefectureReviewer && f.type.decidedByPrefecture)
        var page = DetailPage(
            layout: req.layout("nav.certification", title: "\(a.name) · \(f.type.label(locale))"), app: Self.row(a, locale), facts: facts,
            deficiencies: deficiencies.map { $0.reason(locale) }, correctionDue: a.certState == .deficient ? a.correctionDue : nil, history: lines, events: buttons,
            version: a.version,
            reasons: CertReason.allCases.filter { $0.barYears == nil && $0 != .barred }.map { SelectOption(value: $0.rawValue, label: $0.label(locale), selected: false) },
            revokeReasons: [CertReason.fraud, .examCheating, .conviction].map { SelectOption(value: $0.rawValue, label: $0.label(locale), selected: false) },
            hasCertificate: hasCertificate, scores: a.scores, canEdit: canEdit, documents: documents, folder: folder, panel: panel, waiting: waiting)
        if examiner && examStates.contains(a.certState) { page.physicalForm = options(PhysicalExam.self, selected: f.physicalExam.rawValue, locale: locale) }
        return try await req.page("cert/detail", page)
    }

    func event(req: Request) async throws -> Response {
        let id = try req.intParameter()
        let form = try req.content.decode([String: String].self)
        let scores = (form["scores"] ?? "").split(whereSeparator: { $0 == "," || $0 == "，" || $0 == " " || $0 == "、" }).compactMap { Double($0) }
        let reason = [form["reason"], form["note"]].compactMap { $0?.trimmed }.filter { !$0.isEmpty }
        // A coded reason first; a free note after it is kept in the history.
        let reasonText = form["event"] == "request_correction" ? reason.joined(separator: "：") : form["reason"]
        do {
            let a = try await CertificationService(req).apply(id: id, .init(event: form["event"], version: form["version"].flatMap { Int($0) }, reason: reasonText, scores: scores.isEmpty ? nil : scores))
            // What happened to whom: "已受理：张三 小学教师资格".
            let l = req.uiLocale
            let done = form["event"].flatMap(CertEvent.init(rawValue:)).map { "\($0.label(l))：\(a.name) \(a.certType.label(l))" } ?? L10n.text("cert.done", l)
            return req.redirect(to: CertificationRoute.application.path(id), flash: done)
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            let text = e.summary(req.uiLocale)
            return req.redirect(to: CertificationRoute.application.path(id), flash: text, error: true)
        }
    }

    // MARK: documents and scores

    func uploadDocument(req: Request) async throws -> Response {
        let id = try req.intParameter()
        let back = CertificationRoute.application.path(id)
        // Who may upload, and whether the application is theirs, before the form is read.
        _ = try await CertificationService(req).application(id: id)
        do {
            let form = try? req.content.decode(CertificationAPI.UploadForm.self)
            guard let file = form?.file, file.data.readableBytes > 0 else {
                throw DomainError.validation(["file": LocalizedText(zh: "请选择要上传的文件", en: "choose a file to upload")])
            }
            _ = try await CertificationService(req).upload(id: id, kind: form?.kind, filename: file.filename, data: Data(buffer: file.data))
            return req.redirect(to: back + "#documents", flash: L10n.text("cert.uploaded", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict || e.kind == .tooLarge {
            return req.redirect(to: back + "#documents", flash: e.summary(req.uiLocale), error: true)
        }
    }

    func document(req: Request) async throws -> Response {
        let (d, data) = try await CertificationService(req).document(id: try req.intParameter(), kind: req.parameters.get("kind") ?? "")
        return CertificationAPI.documentResponse(d, data)
    }

    /// The body enters the physical examination's result from the hospital's report.
    func physicalExam(req: Request) async throws -> Response {
        let id = try req.intParameter()
        let form = try req.content.decode([String: String].self)
        do {
            let a = try await CertificationService(req).recordPhysicalExam(id: id, result: form["physicalExam"], version: form["version"].flatMap { Int($0) })
            return req.redirect(to: CertificationRoute.application.path(id), flash: L10n.text("cert.physicalRecorded", req.uiLocale, a.facts.physicalExam.label(req.uiLocale)))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: CertificationRoute.application.path(id), flash: e.summary(req.uiLocale), error: true)
        }
    }

    func score(req: Request) async throws -> Response {
        let id = try req.intParameter()
        let form = try req.content.decode([String: String].self)
        do {
            // An unreadable score goes to the service as none: it checks who may score first.
            let score = Double((form["score"] ?? "").trimmed)
            _ = try await CertificationService(req).scoreAsExpert(id: id, score: score)
            return req.redirect(to: CertificationRoute.application.path(id) + "#panel", flash: L10n.text("cert.scored", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: CertificationRoute.application.path(id) + "#panel", flash: e.summary(req.uiLocale), error: true)
        }
    }

    // MARK: certificate

    struct CertificatePage: Encodable, Sendable {
        let layout: Layout
        let number: String; let name: String; let gender: String; let birth: String; let type: String; let subject: String; let issuedOn: String; let authority: String
        let idType: String; let idNumber: String; let photo: String?; let qr: String; let verifyURL: String
        let revokedOn: String?
    }

    /// One date style on the certificate: 2026年11月25日.
    static func chineseDate(_ iso: String) -> String {
        guard let d = CivilDate(parsing: String(iso.prefix(10))) else { return iso }
        return "\(d.year)年\(d.month)月\(d.day)日"
    }

    /// The certificate in the fields of the national form, with the holder's photo and a QR code
    /// that opens the public verification with the number filled in.
    func certificate(req: Request) async throws -> Response {
        let service = CertificationService(req)
        let id = try req.intParameter()
        guard let c = try await service.certificate(applicationId: id), let a = try await CertificationService.application(id, on: req.db) else {
            throw DomainError.notFound(LocalizedText(zh: "证书", en: "certificate"))
        }
        let l = req.uiLocale
        let rid = try? ResidentID.parse(a.residentId).get()
        let hasPhoto = (try? await service.documents(id: id))?.1.contains { $0.kind == "photo" } ?? false
        // The public address (XUEQU_PUBLIC_URL), where anyone holding the paper can check it.
        let verifyURL = req.publicBaseURL + CertificationRoute.verify.path() + "?number=" + (c.number.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? c.number)
        let qr = try QRCode.encode(verifyURL).svg(label: L10n.text("cert.qrLabel", l))
        return try await req.page("cert/certificate", CertificatePage(
            layout: req.layout("nav.certification", title: L10n.text("cert.certificate", l)), number: c.number, name: c.name,
            gender: Gender(rawValue: a.gender)?.label(l) ?? a.gender, birth: rid.map { "\($0.birthDate.year)年\($0.birthDate.month)月\($0.birthDate.day)日" } ?? "",
            type: CertType(rawValue: c.type)?.label(l) ?? c.type, subject: Subject(rawValue: c.subject)?.label(l) ?? c.subject, issuedOn: Self.chineseDate(c.issuedOn), authority: c.authority,
            idType: "居民身份证", idNumber: a.residentId, photo: hasPhoto ? CertificationRoute.document.path(id, "photo") : nil, qr: qr, verifyURL: verifyURL,
            revokedOn: c.revokedOn.map(Self.chineseDate)))
    }

    // MARK: the application form (申请表), printed for the archive folder

    struct FormPage: Encodable, Sendable {
        let layout: Layout
        let id: Int; let name: String; let gender: String; let birth: String; let idNumber: String
        let education: String; let normalGraduate: String; let putonghua: String; let type: String; let subject: String
        let route: String; let examPassedOn: String; let physical: String; let township: String; let window: String; let authority: String
        let submitted: String; let photo: String?; let folder: String?
        let accepted: String?; let acceptedBy: String?; let scores: String?; let decision: String?; let decidedOn: String?; let decidedBy: String?
        let certificate: String?
    }

    /// The national 教师资格认定申请表 filled from the application: the applicant's facts, the
    /// commitment to sign, and the bodies' opinions with the dates the history records.
    func applicationForm(req: Request) async throws -> Response {
        let l = req.uiLocale
        let service = CertificationService(req)
        let (a, history, _) = try await service.application(id: try req.intParameter())
        let f = a.facts
        let rid = try? ResidentID.parse(a.residentId).get()
        let day: (Double) -> String = { Self.chineseDate(CivilDate.today(Date(timeIntervalSince1970: $0)).description) }
        let windows = try await service.windows()
        let w = windows.first { $0.id == a.windowId }
        let accept = history.first { $0.event == CertEvent.accept.rawValue }
        let decided = history.last { [CertEvent.approve.rawValue, CertEvent.reject.rawValue].contains($0.event) }
        let hasPhoto = (try? await service.documents(id: a.id))?.1.contains { $0.kind == "photo" } ?? false
        let folder = try await CertificationService.folderNumber(applicationId: a.id, on: req.db)
        let cert = try await service.certificate(applicationId: a.id)
        let yes = L10n.text("form.yes", l), no = L10n.text("form.no", l)
        return try await req.page("cert/form", FormPage(
            layout: req.layout("nav.certification", title: L10n.text("cert.applicationForm", l)),
            id: a.id, name: a.name, gender: Gender(rawValue: a.gender)?.label(l) ?? a.gender,
            birth: rid.map { "\($0.birthDate.year)年\($0.birthDate.month)月\($0.birthDate.day)日" } ?? "", idNumber: a.residentId,
            education: f.education.label(l), normalGraduate: a.normalGraduate ? yes : no, putonghua: f.putonghua.label(l),
            type: f.type.label(l), subject: f.subject.label(l), route: f.route.label(l), examPassedOn: a.examPassedOn.map(Self.chineseDate) ?? "—",
            physical: f.physicalExam.label(l), township: a.township ? yes : no, window: w?.name ?? "", authority: w?.authority ?? "",
            submitted: a.submittedAt.map(day) ?? "", photo: hasPhoto ? CertificationRoute.document.path(a.id, "photo") : nil, folder: folder,
            accepted: accept.map { day($0.at) }, acceptedBy: accept?.actor, scores: a.scores,
            decision: decided.map { $0.event == CertEvent.approve.rawValue ? L10n.text("cert.form.approved", l) : L10n.text("cert.form.rejected", l) + ($0.reason.map { "（\($0)）" } ?? "") },
            decidedOn: decided.map { day($0.at) }, decidedBy: decided?.actor, certificate: cert?.number))
    }

    // MARK: notices and objections

    struct NoticeForm: Content { let days: String?; let ids: [Int]? }

    func createNotice(req: Request) async throws -> Response {
        let form = try req.content.decode(NoticeForm.self)
        do {
            let n = try await CertificationService(req).createNotice(applicationIds: form.ids ?? [], days: form.days.flatMap { Int($0) } ?? 7)
            return req.redirect(to: CertificationRoute.publicNotice.path(n.id), flash: L10n.text("cert.noticeCreated", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            let text = e.summary(req.uiLocale)
            return req.redirect(to: CertificationRoute.home.path() + "?state=approved", flash: text, error: true)
        }
    }

    func resolveObjection(req: Request) async throws -> Response {
        let form = try req.content.decode([String: String].self)
        do {
            try await CertificationService(req).resolveObjection(id: try req.intParameter(), upheld: form["status"] == "upheld", resolution: form["resolution"] ?? "")
            return req.redirect(to: CertificationRoute.home.path(), flash: L10n.text("cert.done", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            return req.redirect(to: CertificationRoute.home.path(), flash: e.summary(req.uiLocale), error: true)
        }
    }

    struct PublicNoticePage: Encodable, Sendable {
        let layout: Layout
        let notice: NoticeView
        let entries: [NoticeEntryView]
        let open: Bool
        let errors: [String: String]
        let values: [String: String]
        let filed: Bool
    }
    struct NoticeEntryView: Encodable, Sendable { let name: String; let gender: String; let residentId: String; let type: String; let subject: String }

    func publicNotice(req: Request) async throws -> Response {
        try await noticePage(req, errors: [:], values: [:], filed: (try? req.query.get(String.self, at: "filed")) == "1")
    }

    func noticePage(_ req: Request, errors: [String: String], values: [String: String], filed: Bool, status: HTTPStatus = .ok) async throws -> Response {
        guard let n = try await CertificationService.notice(try req.intParameter(), on: req.db) else { throw DomainError.notFound(CertificationService.noticeWord) }
        let l = req.uiLocale
        let today = CertificationService(req).today
        let people = try await CertificationService.noticePeople(n.id, on: req.db)
        return try await req.page("cert/notice", PublicNoticePage(
            layout: req.layout("", title: n.title), notice: n,
            entries: people.map { NoticeEntryView(name: $0.name, gender: Gender(rawValue: $0.gender)?.label(l) ?? $0.gender, residentId: $0.residentId,
                                                  type: CertType(rawValue: $0.type)?.label(l) ?? $0.type, subject: Subject(rawValue: $0.subject)?.label(l) ?? $0.subject) },
            open: (CivilDate(parsing: n.to).map { $0 >= today } ?? false), errors: errors, values: values, filed: filed), status: status)
    }

    func fileObjection(req: Request) async throws -> Response {
        var form = try req.content.decode([String: String].self)
        form.removeValue(forKey: "_csrf")
        let id = try req.intParameter()
        do {
            try req.throttleObjections()
            // The objection names one applicant on the list, by their row number.
            let ids = try await CertificationService.noticeApplicationIds(id, on: req.db)
            guard let row = Int(form["entry"] ?? ""), (1...max(1, ids.count)).contains(row), row <= ids.count else {
                throw DomainError.validation(["entry": LocalizedText(zh: "请选择异议针对的人员", en: "choose the person the objection concerns")])
            }
            _ = try await CertificationService(req).object(noticeId: id, applicationId: ids[row - 1], filedBy: form["filedBy"] ?? "", contact: form["contact"] ?? "", text: form["text"] ?? "")
            return req.redirect(to: CertificationRoute.publicNotice.path(id) + "?filed=1")
        } catch let e as DomainError where e.kind == .invalid {
            let m = e.fieldMessages(req.uiLocale)
            return try await noticePage(req, errors: m, values: form, filed: false, status: .unprocessableEntity)
        }
    }

    struct VerifyPage: Encodable, Sendable {
        let layout: Layout
        let number: String; let name: String; let asked: Bool
        let found: Bool; let valid: Bool; let type: String?; let subject: String?; let issuedOn: String?; let authority: String?; let revokedOn: String?
    }

    func verify(req: Request) async throws -> Response {
        let q = (try? req.query.decode([String: String].self)) ?? [:]
        let number = (q["number"] ?? "").trimmed, name = (q["name"] ?? "").trimmed
        // A scanned certificate brings the number only: the form asks for the name (no lookup by number alone).
        let asked = !number.isEmpty && !name.isEmpty
        let c = asked ? try await CertificationService.verify(number: number, name: name, on: req.db) : nil
        let l = req.uiLocale
        return try await req.page("cert/verify", VerifyPage(
            layout: req.layout("", title: L10n.text("cert.verify", l)), number: number, name: name, asked: asked, found: c != nil, valid: c?.revokedOn == nil,
            type: c.flatMap { CertType(rawValue: $0.type)?.label(l) }, subject: c.flatMap { Subject(rawValue: $0.subject)?.label(l) }, issuedOn: c?.issuedOn,
            authority: c?.authority, revokedOn: c?.revokedOn))
    }

    // MARK: statistics and export

    struct Count: Encodable, Sendable { let label: String; let n: Int }
    struct StatisticsPage: Encodable, Sendable {
        let layout: Layout
        let windows: [SelectOption]
        let windowId: Int
        let applied: Int; let certified: Int; let meanDays: String?; let overdue: Int; let dueOn: String
        let byType: [Count]; let failures: [Count]; let byState: [Count]
        let archiveOk: Bool; let missing: String; let orphans: String
        let timeChart: String?
    }

    func statistics(req: Request) async throws -> Response {
        try req.requireActor().require(.certRecords)
        let service = CertificationService(req)
        let l = req.uiLocale
        let windows = try await service.windows()
        guard let windowId = (try? req.query.get(Int.self, at: "window")) ?? windows.last?.id else { throw DomainError.notFound(LocalizedText(zh: "认定批次", en: "window")) }
        let s = try await service.statistics(window: windowId)
        // The archive folders are the county's; the prefecture sees its own figures without them.
        let archive = !CertificationPolicy.isCountyBody(try req.requireActor()) ? (withoutFolder: [], folderWithoutApplication: []) : try await service.archiveMismatch(window: windowId)
        return try await req.page("cert/statistics", StatisticsPage(
            layout: req.layout("nav.certification", title: L10n.text("cert.statistics", l)),
            windows: windows.map { w in
                SelectOption(value: String(w.id), label: (Set(windows.map(\.bodyId)).count > 1 ? w.authority + " " : "") + w.name, selected: w.id == windowId)
            }, windowId: windowId,
            applied: s.applied, certified: s.certified, meanDays: s.meanDaysToDecision.map { String(format: "%.1f", $0) }, overdue: s.overdue, dueOn: s.dueOn,
            byType: CertType.allCases.compactMap { t in s.byType[t.rawValue].map { Count(label: t.label(l), n: $0) } },
            failures: s.failureReasons.sorted { $0.value > $1.value }.map { Count(label: CertReason(rawValue: $0.key)?.label(l) ?? $0.key, n: $0.value) },
            byState: CertState.allCases.compactMap { st in s.byState[st.rawValue].map { Count(label: st.label(l), n: $0) } },
            archiveOk: archive.withoutFolder.isEmpty && archive.folderWithoutApplication.isEmpty,
            missing: archive.withoutFolder.map(String.init).joined(separator: "、"), orphans: archive.folderWithoutApplication.joined(separator: "、"),
            timeChart: s.daysInState.isEmpty ? nil : SVGChart.bars(CertStateTimes.tracked.compactMap { st in
                s.daysInState[st.rawValue].map { SVGChart.Bar(label: st.label(l), value: $0, limit: nil) }
            }, title: L10n.text("cert.timeInState", l), limitLabel: "", digits: 1)))
    }

    /// Certified records of a window for upload to the national system (xlsx).
    func export(req: Request) async throws -> Response {
        let service = CertificationService(req)
        let window = try? req.query.get(Int.self, at: "window")
        let rows = try await service.certificates(window: window)
        var table = [["证书编号", "姓名", "身份证号", "资格种类", "任教学科", "发证日期", "认定机构", "状态"]]
        for c in rows {
            table.append([c.number, c.name, c.residentId, CertType(rawValue: c.type)?.zh ?? c.type, Subject(rawValue: c.subject)?.zh ?? c.subject, c.issuedOn, c.authority, c.revokedOn == nil ? "有效" : "已撤销"])
        }
        let data = try XLSXWriter.write(SheetTable(rows: table), sheetName: "认定通过名单")
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        res.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename=\"certified.xlsx\"; filename*=UTF-8''\("教师资格认定通过名单.xlsx".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
        return res
    }
}
