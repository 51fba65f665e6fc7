import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import XuequKit

public struct NoticeEntry: Sendable, Codable { public let name: String; public let residentId: String; public let type: String; public let subject: String }
public struct NoticeView: Sendable, Codable {
    public let id: Int
    public let title: String
    public let from: String
    public let to: String
    public let entries: [NoticeEntry]
}
public struct CertificateRow: Decodable, Sendable {
    public let number: String
    public let applicationId: Int
    public let name: String
    public let residentId: String
    public let type: String
    public let subject: String
    public let issuedOn: String
    public let revokedOn: String?
    public let authority: String
}
public struct CertStatistics: Sendable, Equatable {
    public var applied = 0
    public var certified = 0
    public var byType: [String: Int] = [:]
    public var failureReasons: [String: Int] = [:]
    public var byState: [String: Int] = [:]
    /// Mean days from submission to the decision.
    public var meanDaysToDecision: Double?
    /// Applications still undecided after the due date (30 days after the window closed).
    public var overdue = 0
    public var dueOn: String = ""
    /// Mean days spent in each state by the applications that were in it (the time so far for
    /// those in it now).
    public var daysInState: [String: Double] = [:]
}

/// Public notices (公示), objections (异议), certificates, verification and statistics.
extension CertificationService {
    static let noticeWord = LocalizedText(zh: "公示", en: "notice")

    /// Puts approved applications on public notice for `days` days, starting today.
    public func createNotice(applicationIds: [Int], days: Int) async throws -> NoticeView {
        let actor = try ctx.requireActor()
        try actor.require(.certRecords)
        var e = FieldErrors()
        if applicationIds.isEmpty || applicationIds.count > 5000 { e.add("applicationIds", "请选择1到5000份已通过的申请", "choose 1 to 5000 approved applications") }
        if !(5...30).contains(days) { e.add("days", "公示期应为5到30天", "the notice runs 5 to 30 days") }
        try e.throwIfAny()
        let ids = Set(applicationIds).sorted()
        // The chosen applications in one read.
        let rows = try await Self.applications(ids: ids, on: db)
        if rows.count < ids.count { throw DomainError.notFound(Self.applicationWord) }
        let reach = try await reach()
        for a in rows {
            let who = try actorRole(for: a, reach: reach)
            // Only the deciding body publishes its decisions.
            guard CertificationPolicy.decides(who, a.certType) else { throw DomainError.forbidden }
            guard a.certState == .approved else {
                throw DomainError(.invalid, code: "not_approved", LocalizedText(zh: "申请\(a.id)不是“已通过”状态", en: "application \(a.id) is not approved"), fields: ["applicationIds": LocalizedText(zh: "含未通过的申请", en: "contains applications not approved")])
            }
        }
        guard Set(rows.map(\.windowId)).count == 1 else { throw DomainError.validation(["applicationIds": LocalizedText(zh: "一次公示只能包含同一批次的申请", en: "one notice covers one window")]) }
        let window = try await Self.window(rows[0].windowId, on: db)!
        let today = self.today, now = self.now, audit = ctx.audit
        let to = today.adding(days: days - 1)
        let title = "\(window.name)教师资格认定拟通过人员公示"
        let noticeId: Int = try await ctx.write { tx in
            let nid = try await Self.insertNotice(windowId: window.id, title: title, fromOn: today.description, toOn: to.description, by: actor.username, on: tx, now: now)
            // In chunks of 500 rows: a statement's bound values stay under SQLite's limit.
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                let updated = try await Self.markNoticed(chunk, on: tx, now: now)
                // Someone acted on one of them since it was read: nothing of the notice is kept.
                if updated.count != chunk.count { throw Self.stale }
                try await Self.insertNoticeEntries(noticeId: nid, applicationIds: chunk, on: tx)
                try await Self.history(chunk, from: .approved, to: .noticed, event: "notice", actor: actor.username, at: now, reason: "公示 \(today) 至 \(to)", on: tx)
            }
            try await Audit.record(on: tx, audit, action: "cert.notice", entity: "cert_notice", entityId: String(nid), summary: "公示 \(ids.count) 人，\(days) 天")
            return nid
        }
        return try await Self.notice(noticeId, on: db)!
    }

    /// A notice as the public sees it: names and IDs masked.
    public static func notice(_ id: Int, on db: any Database) async throws -> NoticeView? {
        guard let n = try await noticeHeader(id, on: db) else { return nil }
        let entries = try await noticeEntries(id, on: db)
        return NoticeView(id: n.id, title: n.title, from: n.fromOn, to: n.toOn,
                          entries: entries.map { NoticeEntry(name: Masking.name($0.name), residentId: Masking.residentID($0.residentId), type: $0.type, subject: $0.subject) })
    }

    /// A notice's people as its public page lists them (DOMAIN §5, §7): the full name — a notice
    /// is for people to recognise who is listed — sex, type and subject, the ID masked, in the
    /// order of the list. (The API's entries stay masked as CONTRACT says.)
    public struct NoticePerson: Sendable { public let name: String; public let gender: String; public let residentId: String; public let type: String; public let subject: String }
    public static func noticePeople(_ id: Int, on db: any Database) async throws -> [NoticePerson] {
        return try await noticePersonRows(id, on: db).map { NoticePerson(name: $0.name, gender: $0.gender, residentId: Masking.residentID($0.residentId), type: $0.type, subject: $0.subject) }
    }

    public struct NoticeSummary: Codable, Sendable { public let id: Int; public let title: String; public let fromOn: String; public let toOn: String; public let entries: Int }

    /// Whether the actor's body decides what a notice publishes: the county's reviewers and the
    /// bureau for the county's decisions, the prefecture for its own.
    static func decides(_ actor: Actor, prefecture: Bool) -> Bool {
        prefecture ? CertificationPolicy.isPrefectureBody(actor) : CertificationPolicy.isCountyBody(actor)
    }

    /// An objection from anyone (no sign-in), during the notice period. It concerns the whole
    /// notice, or one application that is on it; an address files a few an hour.
    public func object(noticeId: Int, applicationId: Int?, filedBy: String, contact: String, text: String) async throws -> Int {
        guard let n = try await Self.notice(noticeId, on: db) else { throw DomainError.notFound(Self.noticeWord) }
        var e = FieldErrors()
        // An objection is against someone on the notice (issue 27: the API took one naming nobody).
        if applicationId == nil { e.add("applicationId", "请选择异议针对的公示人员", "choose the person on the notice the objection is about") }
        if let applicationId {
            if !(try await Self.isOnNotice(noticeId: noticeId, applicationId: applicationId, on: db)) { e.add("applicationId", "该申请不在此公示名单中", "that application is not on this notice") }
        }
        if filedBy.trimmed.isEmpty || filedBy.count > 40 { e.add("filedBy", "请填写异议人姓名", "your name is required") }
        if contact.trimmed.isEmpty || contact.count > 60 { e.add("contact", "请填写联系方式", "a way to reach you is required") }
        if text.trimmed.count < 5 || text.count > 2000 { e.add("text", "请写明异议的事实和理由（5到2000字）", "state the facts and reasons (5 to 2000 characters)") }
        if let to = CivilDate(parsing: n.to), to < today { e.add("_", "公示期已结束", "the notice period has ended") }
        try e.throwIfAny()
        let now = self.now, audit = ctx.audit
        return try await ctx.write { tx in
            let id = try await Self.insertObjection(noticeId: noticeId, applicationId: applicationId, filedBy: filedBy.trimmed, contact: contact.trimmed, text: text.trimmed,
                                                    on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "cert.objection", entity: "cert_objection", entityId: String(id), summary: "针对第 \(noticeId) 号公示")
            // The applicant's record says an objection came in (not who filed it).
            if let applicationId, let state = try await Self.application(applicationId, on: tx)?.certState {
                try await Self.history([applicationId], from: state, to: state, event: "objection_filed", actor: "公示", at: now, reason: nil, on: tx)
            }
            return id
        }
    }

    /// A reviewer closes an objection: upheld (then reject the application) or dismissed.
    /// Only the body that decided the notice's applications resolves its objections (the
    /// prefecture cannot clear an objection to the county's notice, and so unblock a certificate).
    public func resolveObjection(id: Int, upheld: Bool?, resolution: String) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.certRecords)
        guard let o = try await Self.objection(id, on: db),
              let prefecture = try await Self.noticeIsPrefecture(o.noticeId, on: db) else {
            throw DomainError.notFound(LocalizedText(zh: "异议", en: "objection"))
        }
        guard Self.decides(actor, prefecture: prefecture) else { throw DomainError.forbidden }
        // Another county's notice is not this body's to clear.
        guard let window = try await Self.noticeWindow(o.noticeId, on: db), try await reach().covers(window) else {
            throw DomainError.notFound(LocalizedText(zh: "异议", en: "objection"))
        }
        guard let upheld else { throw DomainError.validation(["status": LocalizedText(zh: "应为 upheld 或 dismissed", en: "must be upheld or dismissed")]) }
        if resolution.trimmed.isEmpty { throw DomainError.validation(["resolution": LocalizedText(zh: "请写明处理意见", en: "write the resolution")]) }
        let audit = ctx.audit
        try await ctx.write { tx in
            if !(try await Self.resolveObjection(id: id, upheld: upheld, resolution: resolution.trimmed, on: tx)) { throw DomainError(.conflict, code: "objection_closed", LocalizedText(zh: "该异议已处理", en: "the objection is already closed")) }
            try await Audit.record(on: tx, audit, action: "cert.objection.resolve", entity: "cert_objection", entityId: String(id), summary: upheld ? "异议成立" : "异议不成立")
            // The applicant's record keeps the decision and its reasons.
            if let aid = o.applicationId, let state = try await Self.application(aid, on: tx)?.certState {
                try await Self.history([aid], from: state, to: state, event: upheld ? "objection_upheld" : "objection_dismissed", actor: Masking.username(actor.username),
                                       at: ctx.now, reason: resolution.trimmed, on: tx)
            }
        }
    }

    // MARK: certificates

    /// Public check by number and name (both must match).
    public static func verify(number: String, name: String, on db: any Database) async throws -> CertificateRow? {
        let n = number.trimmed, nm = name.trimmed
        guard n.count == 17, n.allSatisfy(\.isNumber), !nm.isEmpty else { return nil }
        return try await certificate(number: n, name: nm, on: db)
    }

    /// Certificates with full IDs, for the body's own records and the national upload: the
    /// county (its reviewers and the bureau) sees the applications it handled, the prefecture
    /// only the types it decides — as with applications (`list`).
    public func certificates(window: Int?) async throws -> [CertificateRow] {
        let actor = try ctx.requireActor()
        try actor.require(.certRecords)
        let windows = try await windowsFilter(window)
        return try await Self.certificates(prefectureOnly: !CertificationPolicy.isCountyBody(actor), windows: windows, on: ctx.reporting().db)
    }

    public func certificate(applicationId: Int) async throws -> CertificateRow? {
        _ = try requireParticipant()
        guard let a = try await Self.application(applicationId, on: db) else { throw DomainError.notFound(Self.applicationWord) }
        _ = try await actorRole(for: a)
        return try await Self.certificate(applicationId: applicationId, on: db)
    }

    // MARK: statistics

    /// One window's figures, read from `cert_window_figures`, which the database keeps as the
    /// applications are written (a few hundred rows for a 300,000-application window). The
    /// time-so-far of the applications in a state now is added at reading time.
    public func statistics(window: Int) async throws -> CertStatistics {
        try await statistics(window: window, fresh: false)
    }

    /// The same figures counted afresh from the applications (what `xuequ verify-aggregates`
    /// and the tests compare the kept ones with).
    public func recomputedStatistics(window: Int) async throws -> CertStatistics {
        try await statistics(window: window, fresh: true)
    }

    func statistics(window: Int, fresh: Bool) async throws -> CertStatistics {
        let actor = try ctx.requireActor()
        try actor.require(.certRecords)
        guard let w = try await Self.window(window, on: db), try await reach().covers(window) else { throw DomainError.notFound(LocalizedText(zh: "认定批次", en: "window")) }
        // Each body its own figures: the prefecture counts the types it decides.
        let prefectureOnly = !CertificationPolicy.isCountyBody(actor)
        let f = fresh ? try await Self.windowFigures(window, prefectureOnly: prefectureOnly, on: db)
            : try await Self.keptFigures(window, prefectureOnly: prefectureOnly, on: try await ctx.reportDB())
        var s = CertStatistics()
        s.byState = f.byState; s.byType = f.byType; s.failureReasons = f.failureReasons
        let now = self.now
        var stateSum = f.stateSum, stateN = f.stateN
        for (k, cur) in f.current {
            // In it now: the time so far; counted once even without earlier time in it.
            stateSum[k, default: 0] += Double(cur.n) * now - cur.since
            stateN[k, default: 0] += cur.zero
        }
        let open = CertState.undecided.reduce(0) { $0 + (s.byState[$1.rawValue] ?? 0) }
        s.applied = s.byState.filter { $0.key != "draft" }.values.reduce(0, +)
        s.certified = s.byState["certified"] ?? 0
        s.meanDaysToDecision = f.decisionCount > 0 ? f.decisionSum / Double(f.decisionCount) / 86400 : nil
        for (k, n) in stateN where n > 0 { s.daysInState[k] = (stateSum[k] ?? 0) / Double(n) / 86400 }
        let due = w.decisionDue
        s.dueOn = due.description
        if due < today { s.overdue = open }
        return s
    }

    /// The kept window figures against a recount of the applications: counts exactly, sums of
    /// times to a billionth (they are added and subtracted one row at a time).
    public static func verifyFigures(on db: any Database) async throws -> AggregateCheck {
        let columns = CreateCertificationFigures.sumColumns
        let kept = try await keptFigureRows(on: db)
        let recount = try await recountedFigureRows(on: db)
        var bad: [String] = []
        for key in Set(kept.keys).union(recount.keys).sorted() where bad.count < 20 {
            guard let k = kept[key], let r = recount[key] else { bad.append("\(key): \(kept[key] == nil ? "missing from" : "not in the applications but in") the kept figures"); continue }
            for (i, c) in columns.enumerated() where abs(k[i] - r[i]) > 1e-9 * max(1, abs(r[i])) {
                bad.append("\(key) \(c): kept \(k[i]), counted \(r[i])")
                break
            }
        }
        return AggregateCheck(name: "window statistics (认定统计)", checked: recount.count, mismatches: bad)
    }

    /// 档案袋 reconciliation: accepted-or-later applications without a folder, folders without an application.
    public func archiveMismatch(window: Int) async throws -> (withoutFolder: [Int], folderWithoutApplication: [String]) {
        let actor = try ctx.requireActor()
        guard CertificationPolicy.isCountyBody(actor) else { throw DomainError.forbidden }
        // Another county's window is 404; a folder whose application is gone names no window, so
        // only the body of a database of one county is shown those.
        let reach = try await reach()
        guard reach.covers(window) else { throw DomainError.notFound(LocalizedText(zh: "认定批次", en: "window")) }
        let without = try await Self.applicationsWithoutFolder(window: window, on: db)
        let orphans = reach.windows == nil ? try await Self.foldersWithoutApplication(on: db) : []
        return (without, orphans)
    }
}

extension CertificationService {
    /// The applications a caller may see: an applicant's own; a county reviewer's all; the
    /// prefecture's types 4–6; filtered by window and state, newest first.
    public func list(window: Int?, state: CertState?, page: PageSpec) async throws -> PageResult<CertApplicationRow> {
        let actor = try ctx.requireActor()
        let scope: ApplicationScope
        if CertificationPolicy.isApplicant(actor) { scope = .applicant(userId: actor.userId) }
        else if CertificationPolicy.isCountyBody(actor) { scope = .county }
        else if CertificationPolicy.isPrefectureBody(actor) { scope = .prefecture }
        else { throw DomainError.forbidden }
        let windows = try await windowsFilter(window)
        let (total, items) = try await Self.applications(in: scope, windows: windows, state: state, page: page, on: db)
        return PageResult(items: items, total: total, request: page)
    }

    /// Objections filed against a notice (reviewers).
    public func objections(window: Int?) async throws -> [(id: Int, noticeId: Int, applicationId: Int?, filedBy: String, contact: String, text: String, status: String, resolution: String?)] {
        let actor = try ctx.requireActor()
        try actor.require(.certRecords)
        // Objections, with the objectors' contact details, go to the body that decides the
        // notice only.
        let windows = try await windowsFilter(window)
        return try await Self.objections(prefecture: !CertificationPolicy.isCountyBody(actor), windows: windows, on: db).map { ($0.id, $0.noticeId, $0.applicationId, $0.filedBy, $0.contact, $0.text, $0.status, $0.resolution) }
    }
}

extension CertificationService {
    /// 补正: the applicant (or a reviewer) corrects the application's facts while it is a draft or
    /// deficient; the version must match, and the history keeps what changed.
    public func correct(id: Int, version: Int?, _ d: ApplicationDraft) async throws -> (CertApplicationRow, [Deficiency]) {
        _ = try requireParticipant()
        guard let a = try await Self.application(id, on: db) else { throw DomainError.notFound(Self.applicationWord) }
        let who = try await actorRole(for: a)
        guard who == .applicant || who == .countyReviewer || who == .bureau else { throw DomainError.forbidden }
        guard a.certState == .draft || a.certState == .deficient else {
            throw DomainError(.invalid, code: "not_correctable", LocalizedText(zh: "只有草稿或待补正的申请可以修改", en: "only a draft or a deficient application can be corrected"))
        }
        guard let version else { throw DomainError.validation(["version": LocalizedText(zh: "缺少版本号", en: "version is required")]) }
        let (name, rid, declared) = try validate(d)
        // The examination's result is the body's to enter from the hospital's report, not the applicant's.
        var checked = declared
        if who == .applicant { checked.physicalExam = a.facts.physicalExam }
        let facts = checked
        guard rid.value == a.residentId else {
            throw DomainError.validation(["residentId": LocalizedText(zh: "身份证号不能修改", en: "the resident ID cannot be changed")])
        }
        guard facts.type == a.certType else { throw DomainError.validation(["type": LocalizedText(zh: "资格种类不能修改，请撤回后重新申请", en: "the type cannot change; withdraw and apply again")]) }
        let before = a.facts
        var changed: [String] = []
        if before.education != facts.education { changed.append("学历 \(before.education.zh)→\(facts.education.zh)") }
        if before.putonghua != facts.putonghua { changed.append("普通话 \(before.putonghua.zh)→\(facts.putonghua.zh)") }
        if before.route != facts.route { changed.append("途径 \(before.route.zh)→\(facts.route.zh)") }
        if before.examPassedOn != facts.examPassedOn { changed.append("考试合格 \(before.examPassedOn?.description ?? "-")→\(facts.examPassedOn?.description ?? "-")") }
        if before.physicalExam != facts.physicalExam { changed.append("体检 \(before.physicalExam.zh)→\(facts.physicalExam.zh)") }
        if before.subject != facts.subject { changed.append("学科 \(before.subject.zh)→\(facts.subject.zh)") }
        if before.normalGraduate != facts.normalGraduate { changed.append(facts.normalGraduate ? "师范毕业 否→是" : "师范毕业 是→否") }
        if before.township != facts.township { changed.append(facts.township ? "乡镇教师 否→是" : "乡镇教师 是→否") }
        if a.name != name { changed.append("姓名已更正") }
        // Saving the form unchanged writes nothing: no version, no line in the history.
        if changed.isEmpty {
            guard version == a.version else { throw Self.stale }
            return (a, try await deficiencies(a, on: db))
        }
        let now = self.now, audit = ctx.audit, actorName = Masking.username(try ctx.requireActor().username)
        let summary = changed.joined(separator: "；")
        try await ctx.write { tx in
            guard try await Self.correctApplication(id: id, version: version, state: a.state, name: name, facts: facts, on: tx, now: now) else { throw Self.stale }
            try await Self.history([id], from: a.certState, to: a.certState, event: "correct", actor: actorName, at: now, reason: summary, on: tx)
            try await Audit.record(on: tx, audit, action: "cert.correct", entity: "cert_application", entityId: String(id), summary: summary)
        }
        let row = try await Self.application(id, on: db)!
        return (row, try await deficiencies(row, on: db))
    }
}


extension CertificationService {
    /// Eligibility rule versions, newest first (reviewers and the bureau read them).
    public func ruleVersions() async throws -> [DatedRules.Version<EligibilityRules>] {
        let actor = try ctx.requireActor()
        try actor.require(.certRecords)
        return try await Self.ruleVersions(on: db)
    }

    public func rulesInForce() async throws -> EligibilityRules { try await Self.rules(on: db, at: today) }

    /// A new version of the eligibility rules from a date (the bureau only); every problem at once.
    public func addRules(_ rules: EligibilityRules, note: String) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.certAdmin)
        // The rules are the database's: a county's bureau among several inherits them.
        if actor.oneCounty != nil { throw Self.databaseWide }
        try rules.validate()
        let note = note.trimmed.isEmpty ? "由\(actor.displayName)修订" : String(note.trimmed.prefix(200))
        let now = self.now, audit = ctx.audit, by = actor.username
        try await ctx.write { tx in
            try await Self.insertRules(rules, note: note, by: by, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "cert.rules", entity: "cert_rules", entityId: rules.effectiveFrom.description, summary: note)
        }
    }
}

/// A deadline for the home page: a window's decisions for reviewers, a correction for applicants.
public struct CertDeadline: Sendable {
    public let title: String
    public let detail: String
    public let href: String
    public let urgent: Bool
}

extension CertificationService {
    /// What is due: for reviewers, each window with undecided applications (decisions are due 30
    /// days after the window closes); for an applicant, corrections asked of them.
    public func deadlines() async throws -> [CertDeadline] {
        let actor = try ctx.requireActor()
        let l = ctx.locale, today = self.today
        if CertificationPolicy.isApplicant(actor) {
            let rows = try await Self.correctionsDue(userId: actor.userId, on: db)
            return rows.map { r in
                let due = r.correctionDue ?? ""
                return CertDeadline(title: L10n.text("home.certCorrection", l, CertType(rawValue: r.type)?.label(l) ?? r.type, due), detail: L10n.text("cert.checklist", l),
                                    href: CertificationRoute.application.path(r.id), urgent: CivilDate(parsing: due).map { $0 <= today.adding(days: 3) } ?? true)
            }
        }
        guard actor.can(.certRecords) else { return [] }
        // The prefecture waits for what the county forwarded; the county for everything undecided.
        // From the kept window figures (a few rows per window), not a count of the applications.
        let reach = try await reach()
        let counts = try await Self.waitingByWindow(county: CertificationPolicy.isCountyBody(actor), on: db).filter { reach.covers($0.windowId) }
        let windows = try await keptWindows()
        // The prefecture's card names its own body and the types it decides (not the county's).
        var authority: String? = nil
        if !CertificationPolicy.isCountyBody(actor), let own = try await bodies().first(where: { $0.level == "prefecture" }) {
            authority = own.name + L10n.text("cert.prefectureTypes", l)
        }
        return counts.compactMap { c in
            guard let w = windows.first(where: { $0.id == c.windowId }) else { return nil }
            let due = w.decisionDue
            let left = due.daysSinceEpoch - today.daysSinceEpoch
            let when = left >= 0 ? L10n.text("home.certDaysLeft", l, String(left)) : L10n.text("home.certOverdue", l, String(-left))
            return CertDeadline(title: L10n.text("home.certDue", l, w.name, String(c.n), due.description, when), detail: authority ?? w.authority,
                                href: CertificationRoute.home.path() + "?window=\(w.id)", urgent: left <= 7)
        }.sorted { $0.urgent && !$1.urgent }

    }
}

extension CertificationService {
    /// A window's decision due date and how many applications are still undecided after it (one
    /// count on the (window, state) index, for pages that need only this and not the statistics).
    public func overdue(window w: CertWindow) async throws -> (dueOn: CivilDate, overdue: Int) {
        let due = w.decisionDue
        guard due < today else { return (due, 0) }
        let n = try await Self.undecidedCount(windowId: w.id, on: db)
        return (due, n)
    }
}

/// The reviewers' queue by what has to happen next to an application, for the body looking at it.
public enum QueueStep: String, CaseIterable, Sendable {
    case accept, correction, score, decide, elsewhere, publish, notice, certify, closed
    public func label(_ l: UILocale, prefecture: Bool) -> String {
        switch self {
        case .accept: l == .en ? "To accept" : "待受理"
        case .correction: l == .en ? "Awaiting the applicant's correction" : "待申请人补正"
        case .score: l == .en ? "Ability test to score" : "待能力测试计分"
        case .decide: l == .en ? "To decide" : "待审核决定"
        case .elsewhere: prefecture ? (l == .en ? "County pre-review" : "县级初审中") : (l == .en ? "With the prefecture" : "已报市(州)审核")
        case .publish: l == .en ? "To put on notice" : "待公示"
        case .notice: l == .en ? "On notice" : "公示中"
        case .certify: l == .en ? "Ready to certify" : "公示期满待发证"
        case .closed: l == .en ? "Closed" : "已办结"
        }
    }
    /// Steps where the body looking at the queue has work to do.
    public var isWork: Bool { [.accept, .score, .decide, .publish, .certify].contains(self) }
}

public struct QueueItem: Sendable {
    public let application: CertApplicationRow
    public let step: QueueStep
    /// The notice's last day, for applications on notice.
    public let noticeTo: String?
}

extension CertificationService {
    /// The reviewers' queue: one window's applications at one step (or all), with counts per step.
    /// Work at a step is listed oldest first; the whole list newest first.
    public func queue(window: Int?, step: QueueStep?, page: PageSpec) async throws -> (items: PageResult<QueueItem>, counts: [QueueStep: Int]) {
        let actor = try ctx.requireActor()
        let prefecture: Bool
        if CertificationPolicy.isCountyBody(actor) { prefecture = false }
        else if CertificationPolicy.isPrefectureBody(actor) { prefecture = true }
        else { throw DomainError.forbidden }
        let today = self.today
        let windows = try await windowsFilter(window)
        var counts: [QueueStep: Int] = [:]
        for c in try await Self.queueCounts(prefecture: prefecture, windows: windows, today: today, on: db) {
            if let s = QueueStep(rawValue: c.step) { counts[s] = c.n }
        }
        let total = step.map { counts[$0] ?? 0 } ?? counts.values.reduce(0, +)
        let items = try await Self.queueItems(prefecture: prefecture, windows: windows, step: step, page: page, today: today, on: db)
        return (PageResult(items: items, total: total, request: page), counts)
    }

    /// The physical examination's result, entered by the certifying body (the county's reviewer or
    /// the bureau; the prefecture for what it decides) from the designated hospital's report, at
    /// any step before the decision; the history keeps the change.
    public func recordPhysicalExam(id: Int, result raw: String?, version: Int?) async throws -> CertApplicationRow {
        _ = try requireParticipant()
        guard let a = try await Self.application(id, on: db) else { throw DomainError.notFound(Self.applicationWord) }
        let who = try await actorRole(for: a)
        let deciding: Bool = switch who {
        case .countyReviewer, .bureau: true
        case .prefectureReviewer: a.certType.decidedByPrefecture
        case .applicant: false
        }
        guard deciding else { throw DomainError.forbidden }
        var e = FieldErrors()
        let result = raw.flatMap(PhysicalExam.parse)
        if result == nil {
            e.add("physicalExam", "应为：\(PhysicalExam.allCases.map(\.zh).joined(separator: "、"))", "must be one of \(PhysicalExam.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if version == nil { e.add("version", "缺少版本号", "version is required") }
        try e.throwIfAny()
        guard [.draft, .submitted, .deficient, .accepted, .abilityTest, .review, .forwarded].contains(a.certState) else {
            throw DomainError(.invalid, code: "decided", LocalizedText(zh: "申请已作出决定（\(a.certState.zh)），不能再录入体检结论", en: "the application is decided (\(a.certState.en)); the examination can no longer be entered"))
        }
        guard version == a.version else { throw Self.stale }
        let before = a.facts.physicalExam, after = result!
        let now = self.now, audit = ctx.audit, actorName = Masking.username(try ctx.requireActor().username)
        let note = "体检结论 \(before.zh)→\(after.zh)（按指定医院体检报告录入）"
        try await ctx.write { tx in
            guard try await Self.setPhysicalExam(id: id, version: a.version, state: a.state, result: after.rawValue, on: tx, now: now) else { throw Self.stale }
            try await Self.history([id], from: a.certState, to: a.certState, event: "physical_exam", actor: actorName, at: now, reason: note, on: tx)
            try await Audit.record(on: tx, audit, action: "cert.physical_exam", entity: "cert_application", entityId: String(id), summary: note)
        }
        return try await Self.application(id, on: db)!
    }
}

extension CertificationService {
    static let databaseWide = DomainError(
        .forbidden, code: "database_wide",
        LocalizedText(zh: "认定规则适用于本平台的所有县，县教育局不能修改", en: "the eligibility rules are every county's: not one county's to change"))
}
