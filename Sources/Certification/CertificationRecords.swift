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
        let rows = try await db.sql.raw("SELECT \(unsafeRaw: Self.columns) FROM cert_applications a WHERE a.id IN (\(binds: ids)) ORDER BY a.id")
            .all(decoding: CertApplicationRow.self, with: Self.decoder)
        if rows.count < ids.count { throw DomainError.notFound(Self.applicationWord) }
        for a in rows {
            let who = try actorRole(for: a)
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
            struct Id: Decodable { let id: Int }
            let nid = try await tx.sql.insert(into: "cert_notices").columns("window_id", "title", "from_on", "to_on", "created_by", "created_at")
                .values(SQLBind(window.id), SQLBind(title), SQLBind(today.description), SQLBind(to.description), SQLBind(actor.username), SQLBind(now))
                .returning("id").first(decoding: Id.self)!.id
            // In chunks of 500 rows: a statement's bound values stay under SQLite's limit.
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                struct N: Decodable { let id: Int }
                let updated = try await tx.sql.raw("""
                    UPDATE cert_applications SET state = 'noticed', version = version + 1, updated_at = \(bind: now), \(CertStateTimes.leaving(.approved, now: now))
                    WHERE id IN (\(binds: chunk)) AND state = 'approved' RETURNING id
                    """).all(decoding: N.self)
                // Someone acted on one of them since it was read: nothing of the notice is kept.
                if updated.count != chunk.count { throw Self.stale }
                var entries = tx.sql.insert(into: "cert_notice_entries").columns("notice_id", "application_id")
                for id in chunk { entries = entries.values(SQLBind(nid), SQLBind(id)) }
                try await entries.run()
                try await Self.history(chunk, from: .approved, to: .noticed, event: "notice", actor: actor.username, at: now, reason: "公示 \(today) 至 \(to)", on: tx)
            }
            try await Audit.record(on: tx, audit, action: "cert.notice", entity: "cert_notice", entityId: String(nid), summary: "公示 \(ids.count) 人，\(days) 天")
            return nid
        }
        return try await Self.notice(noticeId, on: db)!
    }

    /// A notice as the public sees it: names and IDs masked.
    public static func notice(_ id: Int, on db: any Database) async throws -> NoticeView? {
        struct N: Decodable { let id: Int; let title: String; let fromOn: String; let toOn: String }
        guard let n = try await db.sql.raw("SELECT id, title, from_on, to_on FROM cert_notices WHERE id = \(bind: id)").first(decoding: N.self, with: decoder) else { return nil }
        struct E: Decodable { let name: String; let residentId: String; let type: String; let subject: String }
        let entries = try await db.sql.raw("""
            SELECT a.name, a.resident_id, a.type, a.subject FROM cert_notice_entries e JOIN cert_applications a ON a.id = e.application_id
            WHERE e.notice_id = \(bind: id) ORDER BY a.type, a.id
            """).all(decoding: E.self, with: decoder)
        return NoticeView(id: n.id, title: n.title, from: n.fromOn, to: n.toOn,
                          entries: entries.map { NoticeEntry(name: Masking.name($0.name), residentId: Masking.residentID($0.residentId), type: $0.type, subject: $0.subject) })
    }

    /// A notice's people as its public page lists them (DOMAIN §5, §7): the full name — a notice
    /// is for people to recognise who is listed — sex, type and subject, the ID masked, in the
    /// order of the list. (The API's entries stay masked as CONTRACT says.)
    public struct NoticePerson: Sendable { public let name: String; public let gender: String; public let residentId: String; public let type: String; public let subject: String }
    public static func noticePeople(_ id: Int, on db: any Database) async throws -> [NoticePerson] {
        struct E: Decodable { let name: String; let gender: String; let residentId: String; let type: String; let subject: String }
        return try await db.sql.raw("""
            SELECT a.name, a.gender, a.resident_id, a.type, a.subject FROM cert_notice_entries e JOIN cert_applications a ON a.id = e.application_id
            WHERE e.notice_id = \(bind: id) ORDER BY a.type, a.id
            """).all(decoding: E.self, with: decoder).map { NoticePerson(name: $0.name, gender: $0.gender, residentId: Masking.residentID($0.residentId), type: $0.type, subject: $0.subject) }
    }

    /// The applications on a notice, in the order its public list shows them (row 1 first): the
    /// public names a row by its number, never by an internal id.
    public static func noticeApplicationIds(_ id: Int, on db: any Database) async throws -> [Int] {
        struct E: Decodable { let id: Int }
        return try await db.sql.raw("""
            SELECT a.id FROM cert_notice_entries e JOIN cert_applications a ON a.id = e.application_id WHERE e.notice_id = \(bind: id) ORDER BY a.type, a.id
            """).all(decoding: E.self).map(\.id)
    }

    public struct NoticeSummary: Codable, Sendable { public let id: Int; public let title: String; public let fromOn: String; public let toOn: String; public let entries: Int }

    /// The latest 20 notices with their sizes, in one query.
    public static func notices(on db: any Database) async throws -> [NoticeSummary] {
        try await db.sql.raw("""
            SELECT n.id, n.title, n.from_on, n.to_on, (SELECT COUNT(*) FROM cert_notice_entries e WHERE e.notice_id = n.id) AS entries
            FROM cert_notices n ORDER BY n.id DESC LIMIT 20
            """).all(decoding: NoticeSummary.self, with: decoder)
    }

    /// Types 4–6, decided by the prefecture (values from the enum, never from input).
    static let prefectureTypesSQL = "(" + CertType.allCases.filter(\.decidedByPrefecture).map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"

    /// Whether a notice publishes the prefecture's decisions (a notice holds one body's: see
    /// `createNotice`); nil when there is no such notice.
    static func noticeIsPrefecture(_ noticeId: Int, on db: any Database) async throws -> Bool? {
        struct N: Decodable { let entries: Int; let prefecture: Int }
        guard let n = try await db.sql.raw("""
            SELECT COUNT(*) AS entries, COUNT(CASE WHEN a.type IN \(unsafeRaw: prefectureTypesSQL) THEN 1 END) AS prefecture
            FROM cert_notices n LEFT JOIN cert_notice_entries e ON e.notice_id = n.id LEFT JOIN cert_applications a ON a.id = e.application_id
            WHERE n.id = \(bind: noticeId) GROUP BY n.id
            """).first(decoding: N.self) else { return nil }
        return n.prefecture > 0
    }

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
            struct N: Decodable { let n: Int }
            let onNotice = try await db.sql.raw("SELECT COUNT(*) AS n FROM cert_notice_entries WHERE notice_id = \(bind: noticeId) AND application_id = \(bind: applicationId)")
                .first(decoding: N.self)?.n ?? 0
            if onNotice == 0 { e.add("applicationId", "该申请不在此公示名单中", "that application is not on this notice") }
        }
        if filedBy.trimmed.isEmpty || filedBy.count > 40 { e.add("filedBy", "请填写异议人姓名", "your name is required") }
        if contact.trimmed.isEmpty || contact.count > 60 { e.add("contact", "请填写联系方式", "a way to reach you is required") }
        if text.trimmed.count < 5 || text.count > 2000 { e.add("text", "请写明异议的事实和理由（5到2000字）", "state the facts and reasons (5 to 2000 characters)") }
        if let to = CivilDate(parsing: n.to), to < today { e.add("_", "公示期已结束", "the notice period has ended") }
        try e.throwIfAny()
        let now = self.now, audit = ctx.audit
        return try await ctx.write { tx in
            struct Id: Decodable { let id: Int }
            let id = try await tx.sql.insert(into: "cert_objections").columns("notice_id", "application_id", "filed_by", "contact", "text", "status", "created_at")
                .values(SQLBind(noticeId), SQLBind(applicationId), SQLBind(filedBy.trimmed), SQLBind(contact.trimmed), SQLBind(text.trimmed), SQLBind("open"), SQLBind(now))
                .returning("id").first(decoding: Id.self)!.id
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
        struct O: Decodable { let noticeId: Int; let applicationId: Int? }
        guard let o = try await db.sql.raw("SELECT notice_id, application_id FROM cert_objections WHERE id = \(bind: id)").first(decoding: O.self, with: Self.decoder),
              let prefecture = try await Self.noticeIsPrefecture(o.noticeId, on: db) else {
            throw DomainError.notFound(LocalizedText(zh: "异议", en: "objection"))
        }
        guard Self.decides(actor, prefecture: prefecture) else { throw DomainError.forbidden }
        guard let upheld else { throw DomainError.validation(["status": LocalizedText(zh: "应为 upheld 或 dismissed", en: "must be upheld or dismissed")]) }
        if resolution.trimmed.isEmpty { throw DomainError.validation(["resolution": LocalizedText(zh: "请写明处理意见", en: "write the resolution")]) }
        let audit = ctx.audit
        try await ctx.write { tx in
            struct N: Decodable { let id: Int }
            let done = try await tx.sql.raw("UPDATE cert_objections SET status = \(bind: upheld ? "upheld" : "dismissed"), resolution = \(bind: resolution.trimmed) WHERE id = \(bind: id) AND status = 'open' RETURNING id").all(decoding: N.self)
            if done.isEmpty { throw DomainError(.conflict, code: "objection_closed", LocalizedText(zh: "该异议已处理", en: "the objection is already closed")) }
            try await Audit.record(on: tx, audit, action: "cert.objection.resolve", entity: "cert_objection", entityId: String(id), summary: upheld ? "异议成立" : "异议不成立")
            // The applicant's record keeps the decision and its reasons.
            if let aid = o.applicationId, let state = try await Self.application(aid, on: tx)?.certState {
                try await Self.history([aid], from: state, to: state, event: upheld ? "objection_upheld" : "objection_dismissed", actor: Masking.username(actor.username),
                                       at: ctx.now, reason: resolution.trimmed, on: tx)
            }
        }
    }

    // MARK: certificates

    static let certificateSelect = """
        SELECT c.number, c.application_id, c.name, c.resident_id, c.type, c.subject, c.issued_on, c.revoked_on, b.name AS authority
        FROM certificates c JOIN cert_bodies b ON b.id = c.body_id
        """

    /// Public check by number and name (both must match).
    public static func verify(number: String, name: String, on db: any Database) async throws -> CertificateRow? {
        let n = number.trimmed, nm = name.trimmed
        guard n.count == 17, n.allSatisfy(\.isNumber), !nm.isEmpty else { return nil }
        return try await db.sql.raw("\(unsafeRaw: certificateSelect) WHERE c.number = \(bind: n) AND c.name = \(bind: nm)").first(decoding: CertificateRow.self, with: decoder)
    }

    /// Certificates with full IDs, for the body's own records and the national upload: the
    /// county (its reviewers and the bureau) sees the applications it handled, the prefecture
    /// only the types it decides — as with applications (`list`).
    public func certificates(window: Int?) async throws -> [CertificateRow] {
        let actor = try ctx.requireActor()
        try actor.require(.certRecords)
        var filter: SQLQueryString = !CertificationPolicy.isCountyBody(actor) ? "WHERE c.type IN \(unsafeRaw: Self.prefectureTypesSQL)" : "WHERE 1 = 1"
        if let window { filter = "\(filter) AND c.application_id IN (SELECT id FROM cert_applications WHERE window_id = \(bind: window))" }
        return try await ctx.reporting().db.sql.raw("\(unsafeRaw: Self.certificateSelect) \(filter) ORDER BY c.number").all(decoding: CertificateRow.self, with: Self.decoder)
    }

    public func certificate(applicationId: Int) async throws -> CertificateRow? {
        _ = try requireParticipant()
        guard let a = try await Self.application(applicationId, on: db) else { throw DomainError.notFound(Self.applicationWord) }
        _ = try actorRole(for: a)
        return try await db.sql.raw("\(unsafeRaw: Self.certificateSelect) WHERE c.application_id = \(bind: applicationId)").first(decoding: CertificateRow.self, with: Self.decoder)
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
        guard let w = try await Self.window(window, on: db) else { throw DomainError.notFound(LocalizedText(zh: "认定批次", en: "window")) }
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

    /// What the statistics are made of, as the database sums it (independent of the clock).
    struct WindowFigures: Sendable {
        var byState: [String: Int] = [:], byType: [String: Int] = [:], failureReasons: [String: Int] = [:]
        var decisionSum = 0.0, decisionCount = 0
        /// Per tracked state: the recorded time in it and how many were in it (past stays).
        var stateSum: [String: Double] = [:], stateN: [String: Int] = [:]
        /// Per tracked state, those in it now: how many, the sum of their entry times, and how
        /// many of them had no earlier time in it.
        var current: [String: (n: Int, since: Double, zero: Int)] = [:]
    }

    /// The kept figures of a window (`cert_window_figures`, migration 067).
    static func keptFigures(_ window: Int, prefectureOnly: Bool, on db: any Database) async throws -> WindowFigures {
        let own: SQLQueryString = prefectureOnly ? "AND type IN \(unsafeRaw: Self.prefectureTypesSQL)" : ""
        var f = WindowFigures()
        // The counts by state, type and reason: four columns of each kept row.
        for g in try await db.sql.raw("SELECT state, type, reason_code, n FROM cert_window_figures WHERE window_id = \(bind: window) AND n <> 0 \(own)").all() {
            let state = try g.decode(column: "state", as: String.self), type = try g.decode(column: "type", as: String.self)
            let reason = try g.decode(column: "reason_code", as: String.self), n = try g.decode(column: "n", as: Int.self)
            f.byState[state, default: 0] += n
            if state == CertState.certified.rawValue { f.byType[type, default: 0] += n }
            if state == CertState.rejected.rawValue, !reason.isEmpty { f.failureReasons[reason, default: 0] += n }
        }
        // The times, summed per state by the database: one row per state rather than every kept
        // row's twenty-odd columns decoded one by one (most of the statistics request's CPU).
        for g in try await db.sql.raw("SELECT \(unsafeRaw: Self.keptSumsSQL) FROM cert_window_figures WHERE window_id = \(bind: window) AND n <> 0 \(own) GROUP BY state").all() {
            let state = try g.decode(column: "state", as: String.self), n = try g.decode(column: "n", as: Int.self)
            f.decisionSum += try g.decode(column: "dsum", as: Double.self)
            f.decisionCount += try g.decode(column: "dn", as: Int.self)
            for (k, s, nk, z) in Self.keptSumColumns {
                f.stateSum[k, default: 0] += try g.decode(column: s, as: Double.self)
                f.stateN[k, default: 0] += try g.decode(column: nk, as: Int.self)
                if state == k {
                    let cur = f.current[k] ?? (0, 0, 0)
                    f.current[k] = (cur.n + n, cur.since + (try g.decode(column: "since", as: Double.self)), cur.zero + (try g.decode(column: z, as: Int.self)))
                }
            }
        }
        return f
    }

    /// Per tracked state: its name and the columns of its time sum, non-zero count and zero count.
    static let keptSumColumns: [(String, String, String, String)] = CertStateTimes.tracked.map { st in
        let k = st.rawValue
        return (k, "s_\(k)", "n_\(k)", "z_\(k)")
    }
    /// The sums of `keptFigures` (counts cast back to integers: PostgreSQL sums BIGINTs as NUMERIC).
    static let keptSumsSQL: String = (["state", "CAST(SUM(n) AS BIGINT) AS n", "SUM(since_sum) AS since", "SUM(decision_sum) AS dsum", "CAST(SUM(decision_n) AS BIGINT) AS dn"]
        + keptSumColumns.flatMap { _, s, n, z in ["SUM(\(s)) AS \(s)", "CAST(SUM(\(n)) AS BIGINT) AS \(n)", "CAST(SUM(\(z)) AS BIGINT) AS \(z)"] }).joined(separator: ", ")

    /// The kept window figures against a recount of the applications: counts exactly, sums of
    /// times to a billionth (they are added and subtracted one row at a time).
    public static func verifyFigures(on db: any Database) async throws -> AggregateCheck {
        let columns = CreateCertificationFigures.sumColumns
        func rows(_ query: String) async throws -> [String: [Double]] {
            var out: [String: [Double]] = [:]
            for r in try await db.sql.raw("\(unsafeRaw: query)").all() {
                let key = try ["window_id", "state", "type", "reason_code"].map { c in c == "window_id" ? String(try r.decode(column: c, as: Int.self)) : try r.decode(column: c, as: String.self) }.joined(separator: "/")
                out[key] = try columns.map { c in
                    c.hasPrefix("n") || c.hasPrefix("z_") || c == "decision_n" ? Double(try r.decode(column: c, as: Int.self)) : try r.decode(column: c, as: Double?.self) ?? 0
                }
            }
            return out
        }
        let kept = try await rows("SELECT window_id, state, type, reason_code, \(columns.joined(separator: ", ")) FROM cert_window_figures WHERE n <> 0")
        let recount = try await rows("SELECT window_id, state, type, reason_code, \(columns.joined(separator: ", ")) FROM (\(CreateCertificationFigures.recountAliased)) x")
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

    /// The figures counted from the applications themselves.
    static func windowFigures(_ window: Int, prefectureOnly: Bool, on db: any Database) async throws -> WindowFigures {
        let own: SQLQueryString = prefectureOnly ? "AND type IN \(unsafeRaw: Self.prefectureTypesSQL)" : ""
        var f = WindowFigures()
        // Two scans of the covering index cert_applications_figures, in its order (no sorting):
        // counts by state, type and reason; then per state the decision times and the time kept
        // for each state.
        struct G: Decodable { let state: String; let type: String; let reasonCode: String?; let n: Int }
        for g in try await db.sql.raw("""
            SELECT state, type, reason_code, COUNT(*) AS n FROM cert_applications WHERE window_id = \(bind: window) \(own) GROUP BY state, type, reason_code
            """).all(decoding: G.self, with: Self.decoder) {
            f.byState[g.state, default: 0] += g.n
            if g.state == CertState.certified.rawValue { f.byType[g.type, default: 0] += g.n }
            if g.state == CertState.rejected.rawValue, let r = g.reasonCode { f.failureReasons[r, default: 0] += g.n }
        }
        var columns = ["state", "COUNT(*) AS n", "SUM(COALESCE(state_since, updated_at)) AS since",
                       "SUM(decided_at - submitted_at) AS dsum", "COUNT(decided_at - submitted_at) AS dn"]
        for st in CertStateTimes.tracked {
            let c = CertStateTimes.column(st)
            columns += ["SUM(\(c)) AS s_\(st.rawValue)", "COUNT(NULLIF(\(c), 0)) AS n_\(st.rawValue)", "COUNT(CASE WHEN \(c) = 0 THEN 1 END) AS z_\(st.rawValue)"]
        }
        for g in try await db.sql.raw("SELECT \(unsafeRaw: columns.joined(separator: ", ")) FROM cert_applications WHERE window_id = \(bind: window) \(own) GROUP BY state").all() {
            let state = try g.decode(column: "state", as: String.self), n = try g.decode(column: "n", as: Int.self)
            f.decisionSum += try g.decode(column: "dsum", as: Double?.self) ?? 0
            f.decisionCount += try g.decode(column: "dn", as: Int.self)
            for st in CertStateTimes.tracked {
                let k = st.rawValue
                f.stateSum[k, default: 0] += try g.decode(column: "s_\(k)", as: Double?.self) ?? 0
                f.stateN[k, default: 0] += try g.decode(column: "n_\(k)", as: Int.self)
                if state == k {
                    f.current[k] = (n, try g.decode(column: "since", as: Double?.self) ?? 0, try g.decode(column: "z_\(k)", as: Int.self))
                }
            }
        }
        return f
    }

    /// 档案袋 reconciliation: accepted-or-later applications without a folder, folders without an application.
    public func archiveMismatch(window: Int) async throws -> (withoutFolder: [Int], folderWithoutApplication: [String]) {
        let actor = try ctx.requireActor()
        guard CertificationPolicy.isCountyBody(actor) else { throw DomainError.forbidden }
        struct I: Decodable { let id: Int }
        struct F: Decodable { let folderNo: String }
        let without = try await db.sql.raw("""
            SELECT a.id FROM cert_applications a WHERE a.window_id = \(bind: window)
              AND a.state NOT IN ('draft', 'submitted', 'deficient', 'withdrawn') AND a.id IN (SELECT application_id FROM cert_history WHERE event = 'accept')
              AND NOT EXISTS (SELECT 1 FROM archive_folders f WHERE f.application_id = a.id)
            """).all(decoding: I.self).map(\.id)
        let orphans = try await db.sql.raw("SELECT f.folder_no FROM archive_folders f LEFT JOIN cert_applications a ON a.id = f.application_id WHERE a.id IS NULL")
            .all(decoding: F.self, with: Self.decoder).map(\.folderNo)
        return (without, orphans)
    }
}

extension CertificationService {
    /// The applications a caller may see: an applicant's own; a county reviewer's all; the
    /// prefecture's types 4–6; filtered by window and state, newest first.
    public func list(window: Int?, state: CertState?, page: PageSpec) async throws -> PageResult<CertApplicationRow> {
        let actor = try ctx.requireActor()
        var filter: SQLQueryString
        if CertificationPolicy.isApplicant(actor) { filter = "a.user_id = \(bind: actor.userId)" }
        else if CertificationPolicy.isCountyBody(actor) { filter = "1 = 1" }
        else if CertificationPolicy.isPrefectureBody(actor) { filter = "a.type IN ('senior', 'vocational', 'vocational_practice')" }
        else { throw DomainError.forbidden }
        if let window { filter = "\(filter) AND a.window_id = \(bind: window)" }
        if let state { filter = "\(filter) AND a.state = \(bind: state.rawValue)" }
        struct N: Decodable { let n: Int }
        let total = try await db.sql.raw("SELECT COUNT(*) AS n FROM cert_applications a WHERE \(filter)").first(decoding: N.self)?.n ?? 0
        let items = try await db.sql.raw("SELECT \(unsafeRaw: Self.columns) FROM cert_applications a WHERE \(filter) ORDER BY a.id DESC LIMIT \(bind: page.per) OFFSET \(bind: page.offset)")
            .all(decoding: CertApplicationRow.self, with: Self.decoder)
        return PageResult(items: items, total: total, request: page)
    }

    /// Objections filed against a notice (reviewers).
    public func objections(window: Int?) async throws -> [(id: Int, noticeId: Int, applicationId: Int?, filedBy: String, contact: String, text: String, status: String, resolution: String?)] {
        let actor = try ctx.requireActor()
        try actor.require(.certRecords)
        struct O: Decodable { let id: Int; let noticeId: Int; let applicationId: Int?; let filedBy: String; let contact: String; let text: String; let status: String; let resolution: String? }
        // Objections, with the objectors' contact details, go to the body that decides the
        // notice only.
        let prefectureNotices: SQLQueryString = """
            (SELECT e.notice_id FROM cert_notice_entries e JOIN cert_applications a ON a.id = e.application_id WHERE a.type IN \(unsafeRaw: Self.prefectureTypesSQL))
            """
        var filter: SQLQueryString = !CertificationPolicy.isCountyBody(actor) ? "WHERE o.notice_id IN \(prefectureNotices)" : "WHERE o.notice_id NOT IN \(prefectureNotices)"
        if let window { filter = "\(filter) AND o.notice_id IN (SELECT id FROM cert_notices WHERE window_id = \(bind: window))" }
        return try await db.sql.raw("SELECT o.id, o.notice_id, o.application_id, o.filed_by, o.contact, o.text, o.status, o.resolution FROM cert_objections o \(filter) ORDER BY o.id DESC")
            .all(decoding: O.self, with: Self.decoder).map { ($0.id, $0.noticeId, $0.applicationId, $0.filedBy, $0.contact, $0.text, $0.status, $0.resolution) }
    }
}

extension CertificationService {
    /// 补正: the applicant (or a reviewer) corrects the application's facts while it is a draft or
    /// deficient; the version must match, and the history keeps what changed.
    public func correct(id: Int, version: Int?, _ d: ApplicationDraft) async throws -> (CertApplicationRow, [Deficiency]) {
        _ = try requireParticipant()
        guard let a = try await Self.application(id, on: db) else { throw DomainError.notFound(Self.applicationWord) }
        let who = try actorRole(for: a)
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
            struct N: Decodable { let id: Int }
            let done = try await tx.sql.raw("""
                UPDATE cert_applications SET name = \(bind: name), subject = \(bind: facts.subject.rawValue), education = \(bind: facts.education.rawValue),
                  normal_graduate = \(bind: facts.normalGraduate), putonghua = \(bind: facts.putonghua.rawValue), route = \(bind: facts.route.rawValue),
                  exam_passed_on = \(bind: facts.examPassedOn?.description), physical_exam = \(bind: facts.physicalExam.rawValue), township = \(bind: facts.township),
                  version = version + 1, updated_at = \(bind: now)
                WHERE id = \(bind: id) AND version = \(bind: version) AND state = \(bind: a.state) RETURNING id
                """).all(decoding: N.self)
            if done.isEmpty { throw Self.stale }
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
        return try await DatedRules.versions(EligibilityRules.self, in: "cert_rules", db: db)
    }

    public func rulesInForce() async throws -> EligibilityRules { try await Self.rules(on: db, at: today) }

    /// A new version of the eligibility rules from a date (the bureau only); every problem at once.
    public func addRules(_ rules: EligibilityRules, note: String) async throws {
        let actor = try ctx.requireActor()
        try actor.require(.certAdmin)
        try rules.validate()
        let note = note.trimmed.isEmpty ? "由\(actor.displayName)修订" : String(note.trimmed.prefix(200))
        let now = self.now, audit = ctx.audit, by = actor.username
        try await ctx.write { tx in
            try await DatedRules.insert(rules, effectiveFrom: rules.effectiveFrom, note: note, by: by, into: "cert_rules", on: tx, now: now)
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
        struct N: Decodable { let windowId: Int; let n: Int }
        if CertificationPolicy.isApplicant(actor) {
            struct D: Decodable { let id: Int; let type: String; let correctionDue: String? }
            let rows = try await db.sql.raw("SELECT id, type, correction_due FROM cert_applications WHERE user_id = \(bind: actor.userId) AND state = 'deficient'")
                .all(decoding: D.self, with: Self.decoder)
            return rows.map { r in
                let due = r.correctionDue ?? ""
                return CertDeadline(title: L10n.text("home.certCorrection", l, CertType(rawValue: r.type)?.label(l) ?? r.type, due), detail: L10n.text("cert.checklist", l),
                                    href: CertificationRoute.application.path(r.id), urgent: CivilDate(parsing: due).map { $0 <= today.adding(days: 3) } ?? true)
            }
        }
        guard actor.can(.certRecords) else { return [] }
        // The prefecture waits for what the county forwarded; the county for everything undecided.
        let states: SQLQueryString = CertificationPolicy.isCountyBody(actor)
            ? "state IN \(unsafeRaw: CertState.undecidedSQL)" : "state = 'forwarded'"
        // From the kept window figures (a few rows per window), not a count of the applications.
        let counts = try await db.sql.raw("SELECT window_id, CAST(SUM(n) AS BIGINT) AS n FROM cert_window_figures WHERE \(states) GROUP BY window_id HAVING SUM(n) > 0")
            .all(decoding: N.self, with: Self.decoder)
        let windows = try await keptWindows()
        // The prefecture's card names its own body and the types it decides (not the county's).
        var authority: String? = nil
        if !CertificationPolicy.isCountyBody(actor), let own = try await Self.bodies(on: db).first(where: { $0.level == "prefecture" }) {
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
        struct N: Decodable { let n: Int }
        let n = try await db.sql.raw("SELECT COUNT(*) AS n FROM cert_applications WHERE window_id = \(bind: w.id) AND state IN \(unsafeRaw: CertState.undecidedSQL)")
            .first(decoding: N.self)?.n ?? 0
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
    /// The step expression: an application's next step as seen by the county or the prefecture.
    func stepSQL(prefecture: Bool) -> SQLQueryString {
        let today = self.today.description
        return """
            CASE WHEN a.state = 'submitted' THEN 'accept' WHEN a.state = 'deficient' THEN 'correction' WHEN a.state = 'ability_test' THEN 'score'
                 WHEN a.state IN ('accepted', 'review') THEN '\(unsafeRaw: prefecture ? "elsewhere" : "decide")'
                 WHEN a.state = 'forwarded' THEN '\(unsafeRaw: prefecture ? "decide" : "elsewhere")'
                 WHEN a.state = 'approved' THEN 'publish'
                 WHEN a.state = 'noticed' THEN (CASE WHEN EXISTS (SELECT 1 FROM cert_notice_entries e JOIN cert_notices n ON n.id = e.notice_id
                        WHERE e.application_id = a.id AND n.to_on < \(bind: today)
                          AND NOT EXISTS (SELECT 1 FROM cert_objections o WHERE o.notice_id = n.id AND o.status = 'open' AND (o.application_id IS NULL OR o.application_id = a.id)))
                      THEN 'certify' ELSE 'notice' END)
                 ELSE 'closed' END
            """
    }

    /// The reviewers' queue: one window's applications at one step (or all), with counts per step.
    /// Work at a step is listed oldest first; the whole list newest first.
    public func queue(window: Int?, step: QueueStep?, page: PageSpec) async throws -> (items: PageResult<QueueItem>, counts: [QueueStep: Int]) {
        let actor = try ctx.requireActor()
        let prefecture: Bool
        var filter: SQLQueryString
        if CertificationPolicy.isCountyBody(actor) { filter = "1 = 1"; prefecture = false }
        else if CertificationPolicy.isPrefectureBody(actor) { filter = "a.type IN \(unsafeRaw: Self.prefectureTypesSQL)"; prefecture = true }
        else { throw DomainError.forbidden }
        if let window { filter = "\(filter) AND a.window_id = \(bind: window)" }
        let stepExpr = stepSQL(prefecture: prefecture)
        struct C: Decodable { let step: String; let n: Int }
        var counts: [QueueStep: Int] = [:]
        for c in try await db.sql.raw("SELECT s.step, COUNT(*) AS n FROM (SELECT \(stepExpr) AS step FROM cert_applications a WHERE \(filter)) s GROUP BY s.step").all(decoding: C.self) {
            if let s = QueueStep(rawValue: c.step) { counts[s] = c.n }
        }
        var where_ = filter
        if let step { where_ = "\(filter) AND (\(stepExpr)) = \(bind: step.rawValue)" }
        let total = step.map { counts[$0] ?? 0 } ?? counts.values.reduce(0, +)
        struct Extra: Decodable { let step: String; let noticeTo: String? }
        let rows = try await db.sql.raw("""
            SELECT \(unsafeRaw: Self.columns), \(stepExpr) AS step,
                   (SELECT MAX(n.to_on) FROM cert_notice_entries e JOIN cert_notices n ON n.id = e.notice_id WHERE e.application_id = a.id) AS notice_to
            FROM cert_applications a WHERE \(where_) ORDER BY a.id \(unsafeRaw: step == nil ? "DESC" : "ASC") LIMIT \(bind: page.per) OFFSET \(bind: page.offset)
            """).all()
        let items = try rows.map { r in
            let x = try r.decode(model: Extra.self, with: Self.decoder)
            return QueueItem(application: try r.decode(model: CertApplicationRow.self, with: Self.decoder), step: QueueStep(rawValue: x.step) ?? .closed, noticeTo: x.noticeTo)
        }
        return (PageResult(items: items, total: total, request: page), counts)
    }

    /// The physical examination's result, entered by the certifying body (the county's reviewer or
    /// the bureau; the prefecture for what it decides) from the designated hospital's report, at
    /// any step before the decision; the history keeps the change.
    public func recordPhysicalExam(id: Int, result raw: String?, version: Int?) async throws -> CertApplicationRow {
        _ = try requireParticipant()
        guard let a = try await Self.application(id, on: db) else { throw DomainError.notFound(Self.applicationWord) }
        let who = try actorRole(for: a)
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
            struct N: Decodable { let id: Int }
            let done = try await tx.sql.raw("""
                UPDATE cert_applications SET physical_exam = \(bind: after.rawValue), version = version + 1, updated_at = \(bind: now)
                WHERE id = \(bind: id) AND version = \(bind: a.version) AND state = \(bind: a.state) RETURNING id
                """).all(decoding: N.self)
            if done.isEmpty { throw Self.stale }
            try await Self.history([id], from: a.certState, to: a.certState, event: "physical_exam", actor: actorName, at: now, reason: note, on: tx)
            try await Audit.record(on: tx, audit, action: "cert.physical_exam", entity: "cert_application", entityId: String(id), summary: note)
        }
        return try await Self.application(id, on: db)!
    }
}
