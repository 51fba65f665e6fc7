import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import XuequKit

public struct CertWindow: Decodable, Sendable {
    public let id: Int
    public let bodyId: Int
    public let name: String
    public let opensOn: String
    public let closesOn: String
    public let types: String
    public let authority: String
    public let bodyCode: String
    /// The county the window's body serves (nil: a body not bound to a county).
    public let bodyArea: String?
    public var typeList: [CertType] { types.split(separator: ",").compactMap { CertType(rawValue: String($0)) } }
    /// Decisions are due 30 days after the window closes (DOMAIN §5).
    public var decisionDue: CivilDate { (CivilDate(parsing: closesOn) ?? CivilDate(year: 1970, month: 1, day: 1)!).adding(days: 30) }
}

public struct CertApplicationRow: Decodable, Sendable {
    public let id: Int
    public let windowId: Int
    public let userId: Int?
    public let name: String
    public let residentId: String
    public let gender: String
    public let type: String
    public let subject: String
    public let education: String
    public let normalGraduate: Bool
    public let putonghua: String
    public let route: String
    public let examPassedOn: String?
    public let physicalExam: String
    public let township: Bool
    public let state: String
    public let version: Int
    public let scores: String?
    public let reasonCode: String?
    public let correctionDue: String?
    public let submittedAt: Double?
    public let decidedAt: Double?

    public var certType: CertType { CertType(rawValue: type) ?? .primary }
    public var certRoute: CertRoute { CertRoute(rawValue: route) ?? .nationalExam }
    public var certState: CertState { CertState(rawValue: state) ?? .draft }
    public var facts: ApplicantFacts {
        ApplicantFacts(type: certType, subject: Subject(rawValue: subject) ?? .other, education: Education(rawValue: education) ?? .highSchool,
                       normalGraduate: normalGraduate, putonghua: Putonghua(rawValue: putonghua) ?? .l3B, route: certRoute,
                       examPassedOn: examPassedOn.flatMap(CivilDate.init(parsing:)), physicalExam: PhysicalExam(rawValue: physicalExam) ?? .pending, township: township)
    }
}

public struct CertHistoryRow: Decodable, Sendable {
    public let fromState: String
    public let toState: String
    public let event: String
    public let actor: String
    public let at: Double
    public let reason: String?
}

/// The fields of a new application, as sent.
public struct ApplicationDraft: Content, Sendable {
    public var name: String?
    public var residentId: String?
    public var phone: String?
    public var type: String?
    public var subject: String?
    public var education: String?
    public var normalGraduate: Bool?
    public var putonghua: String?
    public var route: String?
    public var examPassedOn: String?
    public var physicalExam: String?
    public var township: Bool?
    public var windowId: Int?
    public init() {}
}

/// 教师资格认定 use cases: each checks the actor, validates, writes one transaction with its
/// history row and audit entry.
public struct CertificationService: Sendable {
    /// What the service acts with: a request's context, or a command's or report's.
    let ctx: ServiceContext
    public init(_ ctx: ServiceContext) { self.ctx = ctx }
    public init(_ req: Request) { self.init(req.context) }
    var db: any Database { ctx.db }
    var now: Double { ctx.clock.now().timeIntervalSince1970 }
    public var today: CivilDate { CivilDate.today(ctx.clock.now()) }
    static let decoder = SQLRowDecoder.snakeCase
    static let applicationWord = LocalizedText(zh: "申请", en: "application")

    // MARK: reading

    /// The windows the caller may name: an applicant every body's (they choose where to apply),
    /// a body its own (issue 30).
    public func windows() async throws -> [CertWindow] {
        let reach = try await reach()
        return try await keptWindows().filter { reach.covers($0.id) }
    }

    /// The latest notices of the caller's body.
    public func notices() async throws -> [NoticeSummary] {
        try await Self.notices(windows: try await reach().sorted, on: db)
    }

    /// The windows, kept under the `certsetup` data version (migration 071).
    func keptWindows() async throws -> [CertWindow] {
        let db = self.db
        return try await ctx.kept("cert.windows", areas: ["certsetup"]) { try await Self.windows(on: db) }
    }

    static func window(_ id: Int, on db: any Database) async throws -> CertWindow? {
        try await windows(on: db).first { $0.id == id }
    }

    /// How the caller acts on this application; 404 when it may not see it at all.
    /// Another county's body's application is 404, as if it did not exist (issue 30).
    func actorRole(for a: CertApplicationRow) async throws -> CertActor {
        try actorRole(for: a, reach: try await reach())
    }

    func actorRole(for a: CertApplicationRow, reach: CertReach) throws -> CertActor {
        guard let who = CertificationPolicy.actorKind(try ctx.requireActor(), for: a) else { throw DomainError.notFound(Self.applicationWord) }
        if who != .applicant, !reach.covers(a.windowId) { throw DomainError.notFound(Self.applicationWord) }
        return who
    }

    /// 403 before anything is looked up for actors who take no part in certification.
    func requireParticipant() throws -> Actor {
        let actor = try ctx.requireActor()
        guard CertificationPolicy.participates(actor) else { throw DomainError.forbidden }
        return actor
    }

    public func application(id: Int) async throws -> (CertApplicationRow, [CertHistoryRow], [Deficiency]) {
        _ = try requireParticipant()
        guard let a = try await Self.application(id, on: db) else { throw DomainError.notFound(Self.applicationWord) }
        _ = try await actorRole(for: a)
        let history = try await Self.historyRows(applicationId: id, on: db)
        return (a, history, try await deficiencies(a, on: db))
    }

    /// The checklist: the rules' deficiencies, and the documents until the application is
    /// accepted (from then on the paper file is in its archive folder).
    func deficiencies(_ a: CertApplicationRow, on db: any Database) async throws -> [Deficiency] {
        let checksDocuments = [.draft, .submitted, .deficient].contains(a.certState)
        let uploaded = checksDocuments ? Set(try await Self.documents(a.id, on: db).compactMap { CertDocumentKind(rawValue: $0.kind) }) : nil
        return try await checklist(a.facts, residentId: a.residentId, uploaded: uploaded, on: db)
    }

    /// The rules' deficiencies, and `documents_missing` when `uploaded` is given.
    func checklist(_ facts: ApplicantFacts, residentId: String, uploaded: Set<CertDocumentKind>?, on db: any Database) async throws -> [Deficiency] {
        let rules = try await keptRules()
        var out = rules.deficiencies(facts, today: today, barredUntil: try await keptBars()[residentId])
        if let uploaded, let d = CertDocumentKind.deficiency(route: facts.route, uploaded: uploaded) { out.append(d) }
        return out
    }

    /// The rules in force today, kept under the `certsetup` data version.
    func keptRules() async throws -> EligibilityRules {
        let db = self.db, today = self.today
        return try await ctx.kept("cert.rules|\(today)", areas: ["certsetup"]) { try await Self.rules(on: db, at: today) }
    }

    /// Every barred resident ID with the day its last bar ends, kept under the `certsetup` data
    /// version: bars come with revocations, a few a year, and every new application is checked.
    func keptBars() async throws -> [String: CivilDate] {
        let db = self.db
        return try await ctx.kept("cert.bars", areas: ["certsetup"]) { try await Self.bars(on: db) }
    }


    // MARK: applying

    /// Validates a draft into facts; field errors name the contract's fields.
    func validate(_ d: ApplicationDraft) throws -> (name: String, rid: ResidentID, facts: ApplicantFacts) {
        var e = FieldErrors()
        let name = (d.name ?? "").trimmed
        if name.isEmpty || name.count > 40 { e.add("name", "姓名不能为空，且不超过40字", "name is required, at most 40 characters") }
        var rid: ResidentID?
        switch ResidentID.parse(d.residentId ?? "", today: today) {
        case .success(let r): rid = r
        case .failure(let p): e.add("residentId", p.message)
        }
        func vocab<V: Vocabulary>(_ key: String, _ raw: String?, _ t: V.Type) -> V? {
            guard let v = raw.flatMap(V.parse) else {
                e.add(key, "应为：\(V.allCases.map(\.rawValue).joined(separator: "、"))", "must be one of \(V.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            return v
        }
        let type = vocab("type", d.type, CertType.self), subject = vocab("subject", d.subject, Subject.self)
        let education = vocab("education", d.education, Education.self), putonghua = vocab("putonghua", d.putonghua, Putonghua.self)
        let route = vocab("route", d.route, CertRoute.self), physical = vocab("physicalExam", d.physicalExam ?? "pending", PhysicalExam.self)
        if let type, let subject, !type.allowedSubjects.contains(subject) {
            e.add("subject", "\(type.zh)的任教学科不能是“\(subject.zh)”，可选：\(type.allowedSubjects.map(\.zh).joined(separator: "、"))",
                  "a \(type.en) certificate cannot be in \(subject.en); choose one of \(type.allowedSubjects.map(\.en).joined(separator: ", "))")
        }
        var exam: CivilDate?
        if let raw = d.examPassedOn?.trimmed, !raw.isEmpty {
            exam = CivilDate(parsing: raw)
            if exam == nil { e.add("examPassedOn", "日期格式应为YYYY-MM-DD", "date must be YYYY-MM-DD") }
        }
        try e.throwIfAny()
        return (name, rid!, ApplicantFacts(type: type!, subject: subject!, education: education!, normalGraduate: d.normalGraduate ?? false, putonghua: putonghua!,
                                           route: route!, examPassedOn: exam, physicalExam: physical!, township: d.township ?? false))
    }

    /// Creates an application in `draft`: an applicant for self, a reviewer on someone's behalf.
    public func create(_ d: ApplicationDraft) async throws -> (CertApplicationRow, [Deficiency]) {
        let actor = try ctx.requireActor()
        guard actor.can(.certApplySelf) || actor.can(.certApplyBehalf) else { throw DomainError.forbidden }
        let (name, rid, declared) = try validate(d)
        // The physical examination's result comes from the designated hospital's report: the
        // certifying body enters it (`recordPhysicalExam`), never the applicant (issue 28:
        // applicant1 declared 合格 herself and was passed).
        var checked = declared
        if CertificationPolicy.isApplicant(actor) { checked.physicalExam = .pending }
        let facts = checked
        let today = self.today
        // A body files on someone's behalf in its own windows only; an applicant may apply to any.
        let reach = CertificationPolicy.isApplicant(actor) ? CertReach(windows: nil) : try await reach()
        let windows = try await keptWindows().filter { reach.covers($0.id) }
        let open = windows.filter { w in
            (CivilDate(parsing: w.opensOn).map { $0 <= today } ?? false) && (CivilDate(parsing: w.closesOn).map { $0 >= today } ?? false)
        }
        let window: CertWindow
        if let id = d.windowId {
            guard let w = windows.first(where: { $0.id == id }) else { throw DomainError.validation(["windowId": LocalizedText(zh: "没有这个认定批次", en: "no such window")]) }
            guard open.contains(where: { $0.id == id }) else { throw DomainError.validation(["windowId": LocalizedText(zh: "该批次不在受理期内（\(w.opensOn)至\(w.closesOn)）", en: "the window is closed (\(w.opensOn) to \(w.closesOn))")]) }
            window = w
        } else {
            let taking = open.filter { $0.typeList.contains(facts.type) }
            guard let w = taking.first else {
                throw DomainError.validation(["windowId": LocalizedText(zh: "目前没有受理\(facts.type.zh)的批次", en: "no open window takes \(facts.type.en) applications")])
            }
            // Several counties' bodies take it: the applicant names the one where they apply.
            if Set(taking.map(\.bodyId)).count > 1 {
                throw DomainError.validation(["windowId": LocalizedText(zh: "有多个认定机构正在受理\(facts.type.zh)，请选择户籍或工作所在地认定机构的批次", en: "several bodies take \(facts.type.en) applications: choose the window of the body where you apply")])
            }
            window = w
        }
        guard window.typeList.contains(facts.type) else { throw DomainError.validation(["type": LocalizedText(zh: "该批次不受理\(facts.type.zh)", en: "this window does not take \(facts.type.en)")]) }
        if CertificationPolicy.isApplicant(actor) { try await requireOwnResidentID(actor, rid) }
        let audit = ctx.audit, now = self.now
        let userId = CertificationPolicy.isApplicant(actor) ? actor.userId : nil
        let phone = d.phone?.trimmed
        let id: Int = try await ctx.write { tx in
            // No unique index can say "one open application per ID and window": on PostgreSQL
            // parallel creates for one ID queue here instead, so the check below sees the first.
            try await Self.lockResidentID(rid.value, on: tx)
            let existing = try await Self.openApplications(windowId: window.id, residentId: rid.value, on: tx)
            if existing > 0 {
                throw DomainError(.conflict, code: "duplicate_application", LocalizedText(zh: "该身份证号在本批次已有申请", en: "this resident ID already has an application in this window"),
                                  fields: ["residentId": LocalizedText(zh: "本批次已有申请", en: "already applied in this window")])
            }
            let id = try await Self.insertApplication(windowId: window.id, userId: userId, name: name, residentId: rid, phone: phone, facts: facts, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "cert.create", entity: "cert_application", entityId: String(id), summary: "\(facts.type.zh) \(rid.masked)")
            return id
        }
        // The row as written (not read back): a new draft has no documents yet.
        let row = CertApplicationRow(
            id: id, windowId: window.id, userId: userId, name: name, residentId: rid.value, gender: rid.gender.rawValue, type: facts.type.rawValue,
            subject: facts.subject.rawValue, education: facts.education.rawValue, normalGraduate: facts.normalGraduate, putonghua: facts.putonghua.rawValue,
            route: facts.route.rawValue, examPassedOn: facts.examPassedOn?.description, physicalExam: facts.physicalExam.rawValue, township: facts.township,
            state: CertState.draft.rawValue, version: 1, scores: nil, reasonCode: nil, correctionDue: nil, submittedAt: nil, decidedAt: nil)
        return (row, try await checklist(facts, residentId: rid.value, uploaded: [], on: db))
    }

    static let notOwnResidentID = DomainError(.forbidden, code: "not_own_resident_id",
        LocalizedText(zh: "申请人只能以本人的身份证号申请；为他人申请请由认定机构代为办理", en: "an applicant applies under their own resident ID only; a certifying body files for someone else"),
        fields: ["residentId": LocalizedText(zh: "不是本人的身份证号", en: "not your own resident ID")])

    /// An applicant applies for themself only: under the resident ID they registered with (the
    /// username), or, for an account the bureau made, the one its first application used —
    /// never an ID that another account registered or applied under.
    func requireOwnResidentID(_ actor: Actor, _ rid: ResidentID) async throws {
        if case .success(let own) = ResidentID.parse(actor.username) {
            guard own.value == rid.value else { throw Self.notOwnResidentID }
            return
        }
        let used = try await Self.residentIDs(ofUser: actor.userId, on: db)
        if !used.isEmpty {
            guard used.contains(rid.value) else { throw Self.notOwnResidentID }
            return
        }
        let taken = try await Self.otherAccountsUsing(residentId: rid.value, besides: actor.userId, on: db)
        if taken > 0 { throw Self.notOwnResidentID }
    }

    // MARK: events

    public struct EventInput: Sendable {
        public var event: String?
        public var version: Int?
        public var reason: String?
        public var score: Double?
        public var scores: [Double]?
        public init(event: String?, version: Int?, reason: String? = nil, score: Double? = nil, scores: [Double]? = nil) {
            self.event = event; self.version = version; self.reason = reason; self.score = score; self.scores = scores
        }
    }

    /// An archive folder's contents checklist (JSON): the application form and the documents.
    public static let folderContents: String = {
        let items = ["申请表"] + CertDocumentKind.allCases.map(\.zh)
        return String(decoding: try! JSONEncoder().encode(items), as: UTF8.self)
    }()

    static let stale = DomainError(.conflict, code: "stale_version", LocalizedText(zh: "该申请已被他人处理，请刷新后重试", en: "someone else acted on this application; reload and try again"))

    /// Applies an event: checks who may, the version (409 when stale), the state (422), and writes
    /// the new state, the history row, and the event's own effect, all in one transaction.
    public func apply(id: Int, _ input: EventInput) async throws -> CertApplicationRow {
        _ = try requireParticipant()
        guard let a = try await Self.application(id, on: db) else { throw DomainError.notFound(Self.applicationWord) }
        let who = try await actorRole(for: a)
        let event = input.event.flatMap(CertEvent.parse)
        // Who may send the event at all is settled before the form is judged: a 403 is not
        // hidden behind a 422 for a missing field.
        if let event, !CertWorkflow.mayEverSend(who, event) { throw DomainError.forbidden }
        var e = FieldErrors()
        if event == nil { e.add("event", "应为：\(CertEvent.allCases.map(\.rawValue).joined(separator: "、"))", "must be one of \(CertEvent.allCases.map(\.rawValue).joined(separator: ", "))") }
        if input.version == nil { e.add("version", "缺少版本号", "version is required") }
        let reasonCode = input.reason.flatMap(CertReason.parse)
        if (event == .reject || event == .revoke), reasonCode == nil {
            e.add("reason", "请选择原因：\(CertReason.allCases.map(\.rawValue).joined(separator: "、"))", "a coded reason is required: \(CertReason.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if event == .revoke, let r = reasonCode, r.barYears == nil, r != .other { e.add("reason", "撤销原因应为弄虚作假、考试作弊或刑事处罚", "revocation is for fraud, exam cheating or a conviction") }
        var sheet = input.scores ?? input.score.map { [$0] } ?? []
        if event == .scoreAbilityTest, sheet.contains(where: { !($0 >= 0 && $0 <= 100) }) { e.add("score", "评分应为0到100之间的数", "scores are numbers from 0 to 100") }
        try e.throwIfAny()
        // Then in this order: the right to act here (403), the version (409: a stale request is a
        // conflict whatever state the application has moved to), the state (422).
        do {
            _ = try CertWorkflow.transition(from: a.certState, event: event!, actor: who, type: a.certType, route: a.certRoute, passed: true)
        } catch CertTransitionError.forbidden {
            throw DomainError.forbidden
        } catch {
            guard input.version == a.version else { throw Self.stale }
            throw DomainError(.invalid, code: "event_not_allowed",
                              LocalizedText(zh: "“\(a.certState.zh)”状态下不能“\(event!.zh)”", en: "\(event!.rawValue) is not allowed when the application is \(a.certState.rawValue)"))
        }
        guard input.version == a.version else { throw Self.stale }
        if event == .approve || event == .forward, a.facts.physicalExam != .pass {
            throw DomainError(.invalid, code: "physical_exam_not_recorded", LocalizedText(
                zh: "体检结论为“\(a.facts.physicalExam.zh)”：请先按指定医院的体检报告录入体检结论（合格才能通过或报送）",
                en: "the physical examination is “\(a.facts.physicalExam.en)”: enter the result from the designated hospital's report first (only a pass can be approved or forwarded)"),
                fields: ["physicalExam": LocalizedText(zh: "体检结论未录入或不合格", en: "no passed physical examination on record")])
        }
        let rules = try await keptRules()
        if event == .scoreAbilityTest, sheet.isEmpty {
            // No sheet sent: close the test with the scores the panel's experts entered themselves.
            sheet = try await Self.abilityScores(a.id, on: db).map(\.score)
            if sheet.count < rules.panelMinimum {
                throw DomainError(.invalid, code: "panel_incomplete", LocalizedText(zh: "评委评分未齐：已有\(sheet.count)人，需\(rules.panelMinimum)人", en: "the panel has not finished: \(sheet.count) of \(rules.panelMinimum) experts have scored"),
                                  fields: ["score": LocalizedText(zh: "评委评分未齐", en: "the panel has not finished scoring")])
            }
        }
        let scores = sheet
        let mean = scores.isEmpty ? nil : scores.reduce(0, +) / Double(scores.count)
        let passed = mean.map { $0 >= rules.abilityPassMark }
        // Allowed above; `passed` only picks the way out of the ability test.
        let next = try CertWorkflow.transition(from: a.certState, event: event!, actor: who, type: a.certType, route: a.certRoute, passed: passed)
        let window = try await Self.window(a.windowId, on: db)!
        let today = self.today, now = self.now, audit = ctx.audit
        let actorName = Masking.username(try ctx.requireActor().username)
        // The event's own checks, before anything is written.
        var due: String?
        if event == .requestCorrection {
            let closes = CivilDate(parsing: window.closesOn)!
            guard closes >= today else { throw DomainError(.invalid, code: "window_closed", LocalizedText(zh: "批次已截止，不能再通知补正", en: "the window has closed; no correction can be asked")) }
            due = min(today.adding(days: 10), closes).description
        }
        let correctionDue = due
        let reasonText = [reasonCode.map { $0.zh }, input.reason.flatMap { CertReason.parse($0) == nil ? $0.trimmed : nil }].compactMap { $0 }.joined(separator: "：")
        let storedReason: String? = event == .scoreAbilityTest ? (passed == true ? nil : CertReason.abilityTestFailed.rawValue) : reasonCode?.rawValue
        try await ctx.write { tx in
            if event == .issueCertificate { try await Self.checkNoticeOver(a.id, today: today, on: tx) }
            let scoresJSON = scores.isEmpty ? a.scores : String(decoding: try JSONEncoder().encode(scores), as: UTF8.self)
            let decided: Double? = [.approved, .rejected, .forwarded].contains(next) ? now : a.decidedAt
            try await Self.advance(a, to: next, reasonCode: storedReason ?? a.reasonCode, scores: scoresJSON, correctionDue: correctionDue ?? a.correctionDue,
                                   submittedAt: event == .submit ? now : a.submittedAt, decidedAt: decided, on: tx, now: now)
            let historyReason = event == .scoreAbilityTest ? "评分 \(scores.map { String(format: "%.1f", $0) }.joined(separator: "、"))，平均 \(String(format: "%.1f", mean ?? 0))（合格线 \(rules.abilityPassMark)）"
                : (event == .requestCorrection ? "补正期限 \(correctionDue!)" + (reasonText.isEmpty ? "" : "：\(reasonText)") : reasonText)
            try await Self.history([a.id], from: a.certState, to: next, event: event!.rawValue, actor: actorName, at: now, reason: historyReason.isEmpty ? nil : historyReason, on: tx)
            switch event! {
            case .accept:
                // 档案袋: opened with the acceptance, so folders and accepted applications match by construction.
                try await Self.insertArchiveFolder(applicationId: a.id, folderNo: String(format: "DA%04d-%06d", today.year, a.id), receivedOn: today.description,
                                                   contents: Self.folderContents, on: tx)
            case .issueCertificate:
                try await Self.issue(a, window: window, on: tx, today: today)
            case .revoke:
                let years = reasonCode?.barYears ?? 0
                let until = years == Int.max ? "9999-12-31" : CivilDate(year: today.year + years, month: today.month, day: min(today.day, 28))!.description
                if years > 0 {
                    try await Self.insertBar(residentId: a.residentId, until: until, reason: reasonCode!.rawValue, applicationId: a.id, on: tx, now: now)
                }
                try await Self.revokeCertificate(applicationId: a.id, revokedOn: today.description, on: tx)
            default: break
            }
            try await Audit.record(on: tx, audit, action: "cert.\(event!.rawValue)", entity: "cert_application", entityId: String(a.id),
                                   summary: "\(a.certState.zh) → \(next.zh)" + (storedReason.map { "（\(CertReason(rawValue: $0)?.zh ?? $0)）" } ?? ""))
        }
        return try await Self.application(id, on: db)!
    }

    /// A certificate only after the notice period ended with no open objection.
    static func checkNoticeOver(_ applicationId: Int, today: CivilDate, on db: any Database) async throws {
        guard let r = try await noticeStatus(applicationId: applicationId, on: db) else {
            throw DomainError(.invalid, code: "not_noticed", LocalizedText(zh: "尚未公示", en: "not on public notice"))
        }
        if let end = CivilDate(parsing: r.toOn), end >= today {
            throw DomainError(.invalid, code: "notice_running", LocalizedText(zh: "公示期至\(r.toOn)，期满后才能发证", en: "the notice runs until \(r.toOn); certificates come after it"))
        }
        if r.open > 0 {
            throw DomainError(.invalid, code: "objection_open", LocalizedText(zh: "有未处理的公示异议", en: "an objection is still open"))
        }
    }

    /// Issues the certificate with the next serial of the deciding body and year. The serial row
    /// is incremented inside the transaction: concurrent issues queue on it, and a rolled-back
    /// issue gives its number back, so serials have no gaps.
    static func issue(_ a: CertApplicationRow, window: CertWindow, on tx: any Database, today: CivilDate) async throws {
        let level = a.certType.decidedByPrefecture ? "prefecture" : "county"
        let body = try await firstBody(level: level, on: tx) ?? (id: window.bodyId, code: window.bodyCode)
        let year = today.year
        let serial = try await nextSerial(bodyId: body.id, year: year, on: tx)
        let number = CertificateNumber.make(year: year, bodyCode: body.code, type: a.certType, gender: Gender(rawValue: a.gender) ?? .female, serial: serial)
        try await insertCertificate(number: number, application: a, bodyId: body.id, year: year, serial: serial, issuedOn: today.description, on: tx)
    }
}
