import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// Notices, objections, certificates, statistics, the reviewers' lists and the writes of the
/// records' use cases (issue 33: the service keeps the checks, the validation, the transactions
/// and the audit; the statements are here).
extension CertificationService {
    /// Types 4–6, decided by the prefecture (values from the enum, never from input).
    static let prefectureTypesSQL = "(" + CertType.allCases.filter(\.decidedByPrefecture).map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"

    /// Applications by id, in id order.
    static func applications(ids: [Int], on db: any Database) async throws -> [CertApplicationRow] {
        try await db.sql.raw("SELECT \(unsafeRaw: Self.columns) FROM cert_applications a WHERE a.id IN (\(binds: ids)) ORDER BY a.id")
            .all(decoding: CertApplicationRow.self, with: Self.decoder)
    }

    // MARK: notices

    /// A new notice of a window; its id.
    static func insertNotice(windowId: Int, title: String, fromOn: String, toOn: String, by: String, on tx: any Database, now: Double) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.insert(into: "cert_notices").columns("window_id", "title", "from_on", "to_on", "created_by", "created_at")
            .values(SQLBind(windowId), SQLBind(title), SQLBind(fromOn), SQLBind(toOn), SQLBind(by), SQLBind(now))
            .returning("id").first(decoding: Id.self)!.id
    }

    /// Puts approved applications on notice: the ids of those that were still approved.
    static func markNoticed(_ ids: [Int], on tx: any Database, now: Double) async throws -> [Int] {
        struct N: Decodable { let id: Int }
        return try await tx.sql.raw(
            """
            UPDATE cert_applications SET state = 'noticed', version = version + 1, updated_at = \(bind: now), \(CertStateTimes.leaving(.approved, now: now))
            WHERE id IN (\(binds: ids)) AND state = 'approved' RETURNING id
            """
        ).all(decoding: N.self).map(\.id)
    }

    /// The applications a notice lists.
    static func insertNoticeEntries(noticeId: Int, applicationIds: [Int], on tx: any Database) async throws {
        var entries = tx.sql.insert(into: "cert_notice_entries").columns("notice_id", "application_id")
        for id in applicationIds { entries = entries.values(SQLBind(noticeId), SQLBind(id)) }
        try await entries.run()
    }

    struct NoticeHeader: Decodable {
        let id: Int
        let title: String
        let fromOn: String
        let toOn: String
    }

    static func noticeHeader(_ id: Int, on db: any Database) async throws -> NoticeHeader? {
        try await db.sql.raw("SELECT id, title, from_on, to_on FROM cert_notices WHERE id = \(bind: id)").first(decoding: NoticeHeader.self, with: decoder)
    }

    struct NoticeEntryRow: Decodable {
        let name: String
        let residentId: String
        let type: String
        let subject: String
    }

    /// A notice's people, unmasked, in the order of the list.
    static func noticeEntries(_ id: Int, on db: any Database) async throws -> [NoticeEntryRow] {
        try await db.sql.raw(
            """
            SELECT a.name, a.resident_id, a.type, a.subject FROM cert_notice_entries e JOIN cert_applications a ON a.id = e.application_id
            WHERE e.notice_id = \(bind: id) ORDER BY a.type, a.id
            """
        ).all(decoding: NoticeEntryRow.self, with: decoder)
    }

    struct NoticePersonRow: Decodable {
        let name: String
        let gender: String
        let residentId: String
        let type: String
        let subject: String
    }

    /// A notice's people with their sex, unmasked, in the order of the list.
    static func noticePersonRows(_ id: Int, on db: any Database) async throws -> [NoticePersonRow] {
        try await db.sql.raw(
            """
            SELECT a.name, a.gender, a.resident_id, a.type, a.subject FROM cert_notice_entries e JOIN cert_applications a ON a.id = e.application_id
            WHERE e.notice_id = \(bind: id) ORDER BY a.type, a.id
            """
        ).all(decoding: NoticePersonRow.self, with: decoder)
    }

    /// The applications on a notice, in the order its public list shows them (row 1 first): the
    /// public names a row by its number, never by an internal id.
    public static func noticeApplicationIds(_ id: Int, on db: any Database) async throws -> [Int] {
        struct E: Decodable { let id: Int }
        return try await db.sql.raw(
            """
            SELECT a.id FROM cert_notice_entries e JOIN cert_applications a ON a.id = e.application_id WHERE e.notice_id = \(bind: id) ORDER BY a.type, a.id
            """
        ).all(decoding: E.self).map(\.id)
    }

    /// The latest 20 notices with their sizes, in one query.
    static func notices(windows: [Int]?, on db: any Database) async throws -> [NoticeSummary] {
        try await db.sql.raw(
            """
            SELECT n.id, n.title, n.from_on, n.to_on, (SELECT COUNT(*) FROM cert_notice_entries e WHERE e.notice_id = n.id) AS entries
            FROM cert_notices n WHERE \(windowSQL("n.window_id", windows)) ORDER BY n.id DESC LIMIT 20
            """
        ).all(decoding: NoticeSummary.self, with: decoder)
    }

    /// The window a notice publishes decisions of; nil when there is no such notice.
    static func noticeWindow(_ noticeId: Int, on db: any Database) async throws -> Int? {
        struct W: Decodable { let windowId: Int }
        return try await db.sql.raw("SELECT window_id FROM cert_notices WHERE id = \(bind: noticeId)").first(decoding: W.self, with: decoder)?.windowId
    }

    /// Whether a notice publishes the prefecture's decisions (a notice holds one body's: see
    /// `createNotice`); nil when there is no such notice.
    static func noticeIsPrefecture(_ noticeId: Int, on db: any Database) async throws -> Bool? {
        struct N: Decodable {
            let entries: Int
            let prefecture: Int
        }
        guard
            let n = try await db.sql.raw(
                """
                SELECT COUNT(*) AS entries, COUNT(CASE WHEN a.type IN \(unsafeRaw: prefectureTypesSQL) THEN 1 END) AS prefecture
                FROM cert_notices n LEFT JOIN cert_notice_entries e ON e.notice_id = n.id LEFT JOIN cert_applications a ON a.id = e.application_id
                WHERE n.id = \(bind: noticeId) GROUP BY n.id
                """
            ).first(decoding: N.self)
        else { return nil }
        return n.prefecture > 0
    }

    // MARK: objections

    /// Whether an application is on a notice.
    static func isOnNotice(noticeId: Int, applicationId: Int, on db: any Database) async throws -> Bool {
        struct N: Decodable { let n: Int }
        let onNotice =
            try await db.sql.raw(
                "SELECT COUNT(*) AS n FROM cert_notice_entries WHERE notice_id = \(bind: noticeId) AND application_id = \(bind: applicationId)"
            )
            .first(decoding: N.self)?.n ?? 0
        return onNotice != 0
    }

    /// A new open objection; its id.
    static func insertObjection(
        noticeId: Int, applicationId: Int?, filedBy: String, contact: String, text: String, on tx: any Database, now: Double
    ) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.insert(into: "cert_objections").columns("notice_id", "application_id", "filed_by", "contact", "text", "status", "created_at")
            .values(SQLBind(noticeId), SQLBind(applicationId), SQLBind(filedBy), SQLBind(contact), SQLBind(text), SQLBind("open"), SQLBind(now))
            .returning("id").first(decoding: Id.self)!.id
    }

    /// The notice and the application an objection concerns.
    static func objection(_ id: Int, on db: any Database) async throws -> (noticeId: Int, applicationId: Int?)? {
        struct O: Decodable {
            let noticeId: Int
            let applicationId: Int?
        }
        return try await db.sql.raw("SELECT notice_id, application_id FROM cert_objections WHERE id = \(bind: id)").first(decoding: O.self, with: Self.decoder)
            .map { ($0.noticeId, $0.applicationId) }
    }

    /// Closes an open objection, upheld or dismissed; false when it was closed already.
    static func resolveObjection(id: Int, upheld: Bool, resolution: String, on tx: any Database) async throws -> Bool {
        struct N: Decodable { let id: Int }
        let done = try await tx.sql.raw(
            "UPDATE cert_objections SET status = \(bind: upheld ? "upheld" : "dismissed"), resolution = \(bind: resolution) WHERE id = \(bind: id) AND status = 'open' RETURNING id"
        ).all(decoding: N.self)
        return !done.isEmpty
    }

    struct ObjectionRow: Decodable {
        let id: Int
        let noticeId: Int
        let applicationId: Int?
        let filedBy: String
        let contact: String
        let text: String
        let status: String
        let resolution: String?
    }

    /// The objections to the prefecture's notices (`prefecture`) or to the county's, of one
    /// window or all, newest first.
    static func objections(prefecture: Bool, windows: [Int]?, on db: any Database) async throws -> [ObjectionRow] {
        let prefectureNotices: SQLQueryString = """
            (SELECT e.notice_id FROM cert_notice_entries e JOIN cert_applications a ON a.id = e.application_id WHERE a.type IN \(unsafeRaw: Self.prefectureTypesSQL))
            """
        var filter: SQLQueryString = prefecture ? "WHERE o.notice_id IN \(prefectureNotices)" : "WHERE o.notice_id NOT IN \(prefectureNotices)"
        if windows != nil { filter = "\(filter) AND o.notice_id IN (SELECT id FROM cert_notices WHERE \(windowSQL("window_id", windows)))" }
        return try await db.sql.raw(
            "SELECT o.id, o.notice_id, o.application_id, o.filed_by, o.contact, o.text, o.status, o.resolution FROM cert_objections o \(filter) ORDER BY o.id DESC"
        )
        .all(decoding: ObjectionRow.self, with: Self.decoder)
    }

    // MARK: certificates

    static let certificateSelect = """
        SELECT c.number, c.application_id, c.name, c.resident_id, c.type, c.subject, c.issued_on, c.revoked_on, b.name AS authority
        FROM certificates c JOIN cert_bodies b ON b.id = c.body_id
        """

    /// The certificate with this number and holder's name.
    static func certificate(number: String, name: String, on db: any Database) async throws -> CertificateRow? {
        try await db.sql.raw("\(unsafeRaw: certificateSelect) WHERE c.number = \(bind: number) AND c.name = \(bind: name)").first(
            decoding: CertificateRow.self, with: decoder)
    }

    /// The certificates of the prefecture's types (`prefectureOnly`) or all, of one window or
    /// all, by number.
    static func certificates(prefectureOnly: Bool, windows: [Int]?, on db: any Database) async throws -> [CertificateRow] {
        var filter: SQLQueryString = prefectureOnly ? "WHERE c.type IN \(unsafeRaw: Self.prefectureTypesSQL)" : "WHERE 1 = 1"
        if windows != nil { filter = "\(filter) AND c.application_id IN (SELECT id FROM cert_applications WHERE \(windowSQL("window_id", windows)))" }
        return try await db.sql.raw("\(unsafeRaw: Self.certificateSelect) \(filter) ORDER BY c.number").all(decoding: CertificateRow.self, with: Self.decoder)
    }

    static func certificate(applicationId: Int, on db: any Database) async throws -> CertificateRow? {
        try await db.sql.raw("\(unsafeRaw: Self.certificateSelect) WHERE c.application_id = \(bind: applicationId)").first(
            decoding: CertificateRow.self, with: Self.decoder)
    }

    // MARK: statistics

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
        for g in try await db.sql.raw(
            "SELECT \(unsafeRaw: Self.keptSumsSQL) FROM cert_window_figures WHERE window_id = \(bind: window) AND n <> 0 \(own) GROUP BY state"
        ).all() {
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
    static let keptSumsSQL: String = {
        let totals = ["state", "CAST(SUM(n) AS BIGINT) AS n", "SUM(since_sum) AS since", "SUM(decision_sum) AS dsum", "CAST(SUM(decision_n) AS BIGINT) AS dn"]
        let perState = keptSumColumns.flatMap { _, s, n, z in ["SUM(\(s)) AS \(s)", "CAST(SUM(\(n)) AS BIGINT) AS \(n)", "CAST(SUM(\(z)) AS BIGINT) AS \(z)"] }
        return (totals + perState).joined(separator: ", ")
    }()

    /// The kept window figures, by window/state/type/reason, in `sumColumns` order.
    static func keptFigureRows(on db: any Database) async throws -> [String: [Double]] {
        let columns = CreateCertificationFigures.sumColumns
        return try await figureRows(
            "SELECT window_id, state, type, reason_code, \(columns.joined(separator: ", ")) FROM cert_window_figures WHERE n <> 0", on: db)
    }

    /// The same figures counted afresh from the applications.
    static func recountedFigureRows(on db: any Database) async throws -> [String: [Double]] {
        let columns = CreateCertificationFigures.sumColumns
        return try await figureRows(
            "SELECT window_id, state, type, reason_code, \(columns.joined(separator: ", ")) FROM (\(CreateCertificationFigures.recountAliased)) x", on: db)
    }

    private static func figureRows(_ query: String, on db: any Database) async throws -> [String: [Double]] {
        let columns = CreateCertificationFigures.sumColumns
        var out: [String: [Double]] = [:]
        for r in try await db.sql.raw("\(unsafeRaw: query)").all() {
            let key = try ["window_id", "state", "type", "reason_code"].map { c in
                c == "window_id" ? String(try r.decode(column: c, as: Int.self)) : try r.decode(column: c, as: String.self)
            }.joined(separator: "/")
            out[key] = try columns.map { c in
                c.hasPrefix("n") || c.hasPrefix("z_") || c == "decision_n"
                    ? Double(try r.decode(column: c, as: Int.self)) : try r.decode(column: c, as: Double?.self) ?? 0
            }
        }
        return out
    }

    /// The figures counted from the applications themselves.
    static func windowFigures(_ window: Int, prefectureOnly: Bool, on db: any Database) async throws -> WindowFigures {
        let own: SQLQueryString = prefectureOnly ? "AND type IN \(unsafeRaw: Self.prefectureTypesSQL)" : ""
        var f = WindowFigures()
        // Two scans of the covering index cert_applications_figures, in its order (no sorting):
        // counts by state, type and reason; then per state the decision times and the time kept
        // for each state.
        struct G: Decodable {
            let state: String
            let type: String
            let reasonCode: String?
            let n: Int
        }
        for g in try await db.sql.raw(
            """
            SELECT state, type, reason_code, COUNT(*) AS n FROM cert_applications WHERE window_id = \(bind: window) \(own) GROUP BY state, type, reason_code
            """
        ).all(decoding: G.self, with: Self.decoder) {
            f.byState[g.state, default: 0] += g.n
            if g.state == CertState.certified.rawValue { f.byType[g.type, default: 0] += g.n }
            if g.state == CertState.rejected.rawValue, let r = g.reasonCode { f.failureReasons[r, default: 0] += g.n }
        }
        var columns = [
            "state", "COUNT(*) AS n", "SUM(COALESCE(state_since, updated_at)) AS since",
            "SUM(decided_at - submitted_at) AS dsum", "COUNT(decided_at - submitted_at) AS dn",
        ]
        for st in CertStateTimes.tracked {
            let c = CertStateTimes.column(st)
            columns += [
                "SUM(\(c)) AS s_\(st.rawValue)", "COUNT(NULLIF(\(c), 0)) AS n_\(st.rawValue)", "COUNT(CASE WHEN \(c) = 0 THEN 1 END) AS z_\(st.rawValue)",
            ]
        }
        for g in try await db.sql.raw(
            "SELECT \(unsafeRaw: columns.joined(separator: ", ")) FROM cert_applications WHERE window_id = \(bind: window) \(own) GROUP BY state"
        )
        .all() {
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

    // MARK: archive folders

    /// A window's accepted-or-later applications without an archive folder.
    static func applicationsWithoutFolder(window: Int, on db: any Database) async throws -> [Int] {
        struct I: Decodable { let id: Int }
        return try await db.sql.raw(
            """
            SELECT a.id FROM cert_applications a WHERE a.window_id = \(bind: window)
              AND a.state NOT IN ('draft', 'submitted', 'deficient', 'withdrawn') AND a.id IN (SELECT application_id FROM cert_history WHERE event = 'accept')
              AND NOT EXISTS (SELECT 1 FROM archive_folders f WHERE f.application_id = a.id)
            """
        ).all(decoding: I.self).map(\.id)
    }

    /// Archive folders whose application is gone.
    static func foldersWithoutApplication(on db: any Database) async throws -> [String] {
        struct F: Decodable { let folderNo: String }
        return try await db.sql.raw("SELECT f.folder_no FROM archive_folders f LEFT JOIN cert_applications a ON a.id = f.application_id WHERE a.id IS NULL")
            .all(decoding: F.self, with: Self.decoder).map(\.folderNo)
    }

    // MARK: lists

    /// Whose applications a list shows.
    enum ApplicationScope {
        /// An applicant's own.
        case applicant(userId: Int)
        /// The county body's: all.
        case county
        /// The prefecture's: types 4–6.
        case prefecture
    }

    /// A page of the applications in a scope, filtered by window and state, newest first, and
    /// their number.
    static func applications(
        in scope: ApplicationScope, windows: [Int]?, state: CertState?, page: PageSpec, on db: any Database
    ) async throws -> (total: Int, items: [CertApplicationRow]) {
        var filter: SQLQueryString
        switch scope {
        case .applicant(let userId): filter = "a.user_id = \(bind: userId)"
        case .county: filter = "1 = 1"
        case .prefecture: filter = "a.type IN ('senior', 'vocational', 'vocational_practice')"
        }
        if windows != nil { filter = "\(filter) AND \(windowSQL("a.window_id", windows))" }
        if let state { filter = "\(filter) AND a.state = \(bind: state.rawValue)" }
        struct N: Decodable { let n: Int }
        let total = try await db.sql.raw("SELECT COUNT(*) AS n FROM cert_applications a WHERE \(filter)").first(decoding: N.self)?.n ?? 0
        let items = try await db.sql.raw(
            "SELECT \(unsafeRaw: Self.columns) FROM cert_applications a WHERE \(filter) ORDER BY a.id DESC LIMIT \(bind: page.per) OFFSET \(bind: page.offset)"
        )
        .all(decoding: CertApplicationRow.self, with: Self.decoder)
        return (total, items)
    }

    struct CorrectionDue: Decodable {
        let id: Int
        let type: String
        let correctionDue: String?
    }

    /// An applicant's applications waiting for their correction.
    static func correctionsDue(userId: Int, on db: any Database) async throws -> [CorrectionDue] {
        try await db.sql.raw("SELECT id, type, correction_due FROM cert_applications WHERE user_id = \(bind: userId) AND state = 'deficient'")
            .all(decoding: CorrectionDue.self, with: Self.decoder)
    }

    /// Per window, the applications waiting for the county's decision (`county`) or the
    /// prefecture's (forwarded), from the kept window figures (a few rows per window), not a count
    /// of the applications; windows with none are left out.
    static func waitingByWindow(county: Bool, on db: any Database) async throws -> [(windowId: Int, n: Int)] {
        struct N: Decodable {
            let windowId: Int
            let n: Int
        }
        let states: SQLQueryString = county ? "state IN \(unsafeRaw: CertState.undecidedSQL)" : "state = 'forwarded'"
        return try await db.sql.raw(
            "SELECT window_id, CAST(SUM(n) AS BIGINT) AS n FROM cert_window_figures WHERE \(states) GROUP BY window_id HAVING SUM(n) > 0"
        )
        .all(decoding: N.self, with: Self.decoder).map { ($0.windowId, $0.n) }
    }

    /// A window's undecided applications (one count on the (window, state) index).
    static func undecidedCount(windowId: Int, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw(
            "SELECT COUNT(*) AS n FROM cert_applications WHERE window_id = \(bind: windowId) AND state IN \(unsafeRaw: CertState.undecidedSQL)"
        )
        .first(decoding: N.self)?.n ?? 0
    }

    // MARK: the reviewers' queue

    /// The step expression: an application's next step as seen by the county or the prefecture.
    static func stepSQL(prefecture: Bool, today: CivilDate) -> SQLQueryString {
        let today = today.description
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

    /// The queue's applications: the prefecture's types (`prefecture`) or all, of one window or all.
    static func queueFilter(prefecture: Bool, windows: [Int]?) -> SQLQueryString {
        var filter: SQLQueryString = prefecture ? "a.type IN \(unsafeRaw: Self.prefectureTypesSQL)" : "1 = 1"
        if windows != nil { filter = "\(filter) AND \(windowSQL("a.window_id", windows))" }
        return filter
    }

    /// The queue's applications counted by step.
    static func queueCounts(prefecture: Bool, windows: [Int]?, today: CivilDate, on db: any Database) async throws -> [(step: String, n: Int)] {
        let filter = queueFilter(prefecture: prefecture, windows: windows), stepExpr = stepSQL(prefecture: prefecture, today: today)
        struct C: Decodable {
            let step: String
            let n: Int
        }
        return try await db.sql.raw("SELECT s.step, COUNT(*) AS n FROM (SELECT \(stepExpr) AS step FROM cert_applications a WHERE \(filter)) s GROUP BY s.step")
            .all(decoding: C.self).map { ($0.step, $0.n) }
    }

    /// A page of the queue at one step (oldest first) or at all (newest first).
    static func queueItems(prefecture: Bool, windows: [Int]?, step: QueueStep?, page: PageSpec, today: CivilDate, on db: any Database) async throws
        -> [QueueItem]
    {
        let filter = queueFilter(prefecture: prefecture, windows: windows), stepExpr = stepSQL(prefecture: prefecture, today: today)
        var where_ = filter
        if let step { where_ = "\(filter) AND (\(stepExpr)) = \(bind: step.rawValue)" }
        struct Extra: Decodable {
            let step: String
            let noticeTo: String?
        }
        let rows = try await db.sql.raw(
            """
            SELECT \(unsafeRaw: Self.columns), \(stepExpr) AS step,
                   (SELECT MAX(n.to_on) FROM cert_notice_entries e JOIN cert_notices n ON n.id = e.notice_id WHERE e.application_id = a.id) AS notice_to
            FROM cert_applications a WHERE \(where_) ORDER BY a.id \(unsafeRaw: step == nil ? "DESC" : "ASC") LIMIT \(bind: page.per) OFFSET \(bind: page.offset)
            """
        ).all()
        return try rows.map { r in
            let x = try r.decode(model: Extra.self, with: Self.decoder)
            return QueueItem(
                application: try r.decode(model: CertApplicationRow.self, with: Self.decoder), step: QueueStep(rawValue: x.step) ?? .closed,
                noticeTo: x.noticeTo)
        }
    }

    // MARK: corrections

    /// Writes an application's corrected facts when its version and state still match; false
    /// when someone else acted first.
    static func correctApplication(
        id: Int, version: Int, state: String, name: String, facts: ApplicantFacts, on tx: any Database, now: Double
    ) async throws -> Bool {
        struct N: Decodable { let id: Int }
        let done = try await tx.sql.raw(
            """
            UPDATE cert_applications SET name = \(bind: name), subject = \(bind: facts.subject.rawValue), education = \(bind: facts.education.rawValue),
              normal_graduate = \(bind: facts.normalGraduate), putonghua = \(bind: facts.putonghua.rawValue), route = \(bind: facts.route.rawValue),
              exam_passed_on = \(bind: facts.examPassedOn?.description), physical_exam = \(bind: facts.physicalExam.rawValue), township = \(bind: facts.township),
              version = version + 1, updated_at = \(bind: now)
            WHERE id = \(bind: id) AND version = \(bind: version) AND state = \(bind: state) RETURNING id
            """
        ).all(decoding: N.self)
        return !done.isEmpty
    }

    /// Writes the physical examination's result when the version and state still match; false
    /// when someone else acted first.
    static func setPhysicalExam(id: Int, version: Int, state: String, result: String, on tx: any Database, now: Double) async throws -> Bool {
        struct N: Decodable { let id: Int }
        let done = try await tx.sql.raw(
            """
            UPDATE cert_applications SET physical_exam = \(bind: result), version = version + 1, updated_at = \(bind: now)
            WHERE id = \(bind: id) AND version = \(bind: version) AND state = \(bind: state) RETURNING id
            """
        ).all(decoding: N.self)
        return !done.isEmpty
    }
}
