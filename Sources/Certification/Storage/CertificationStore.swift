import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// The applications' tables: windows, applications and their history, the workflow's writes,
/// bars, archive folders and the certificates' serials (issue 33: the service keeps the checks,
/// the validation, the transactions and the audit; the statements are here).
extension CertificationService {
    static let columns = """
        a.id, a.window_id, a.user_id, a.name, a.resident_id, a.gender, a.type, a.subject, a.education, a.normal_graduate, a.putonghua, a.route,
        a.exam_passed_on, a.physical_exam, a.township, a.state, a.version, a.scores, a.reason_code, a.correction_due, a.submitted_at, a.decided_at
        """

    /// The applications' workflow tables, written through the shared kit: history rows, the
    /// version- and state-checked update, time in each state.
    static let workflow = WorkflowStore(
        table: "cert_applications", historyTable: "cert_history", foreignKey: "application_id",
        tracked: CertStateTimes.tracked.map(\.rawValue), stale: stale)

    // MARK: reading

    public static func windows(on db: any Database) async throws -> [CertWindow] {
        try await db.sql.raw(
            """
            SELECT w.id, w.body_id, w.name, w.opens_on, w.closes_on, w.types, b.name AS authority, b.code AS body_code, b.area_code AS body_area
            FROM cert_windows w JOIN cert_bodies b ON b.id = w.body_id ORDER BY w.opens_on DESC, w.id
            """
        ).all(decoding: CertWindow.self, with: decoder)
    }

    static func application(_ id: Int, on db: any Database) async throws -> CertApplicationRow? {
        try await db.sql.raw("SELECT \(unsafeRaw: columns) FROM cert_applications a WHERE a.id = \(bind: id)").first(
            decoding: CertApplicationRow.self, with: decoder)
    }

    /// An application's history, in order.
    static func historyRows(applicationId id: Int, on db: any Database) async throws -> [CertHistoryRow] {
        try await db.sql.raw("SELECT from_state, to_state, event, actor, at, reason FROM cert_history WHERE application_id = \(bind: id) ORDER BY id")
            .all(decoding: CertHistoryRow.self, with: Self.decoder)
    }

    /// Every barred resident ID with the day its last bar ends.
    static func bars(on db: any Database) async throws -> [String: CivilDate] {
        struct B: Decodable {
            let residentId: String
            let until: String?
        }
        let rows = try await db.sql.raw("SELECT resident_id, MAX(until) AS until FROM cert_bars GROUP BY resident_id").all(decoding: B.self, with: Self.decoder)
        var out: [String: CivilDate] = [:]
        for r in rows { if let d = r.until.flatMap(CivilDate.init(parsing:)) { out[r.residentId] = d } }
        return out
    }

    // MARK: applying

    /// On PostgreSQL, parallel creates for one resident ID queue on this lock for the rest of the
    /// transaction (no unique index can say "one open application per ID and window").
    static func lockResidentID(_ residentId: String, on tx: any Database) async throws {
        if tx.sql.dialect.name == "postgresql" {
            try await tx.sql.raw("SELECT pg_advisory_xact_lock(7402118, hashtext(\(bind: residentId)))").run()
        }
    }

    /// The applications of a resident ID in a window that are still open (not rejected,
    /// withdrawn or revoked).
    static func openApplications(windowId: Int, residentId: String, on tx: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await tx.sql.raw(
            """
            SELECT COUNT(*) AS n FROM cert_applications WHERE window_id = \(bind: windowId) AND resident_id = \(bind: residentId)
            AND state NOT IN ('rejected', 'withdrawn', 'revoked')
            """
        ).first(decoding: N.self)?.n ?? 0
    }

    /// A new application in `draft`; its id. Written out rather than built (the builder quotes
    /// twenty names per submission, in the write lock).
    static func insertApplication(
        windowId: Int, userId: Int?, name: String, residentId: ResidentID, phone: String?, facts: ApplicantFacts, on tx: any Database, now: Double
    ) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.raw(
            """
            INSERT INTO cert_applications (window_id, user_id, name, resident_id, gender, phone, type, subject, education, normal_graduate, putonghua, route,
                exam_passed_on, physical_exam, township, state, version, created_at, updated_at, state_since)
            VALUES (\(bind: windowId), \(bind: userId), \(bind: name), \(bind: residentId.value), \(bind: residentId.gender.rawValue), \(bind: phone), \(bind: facts.type.rawValue),
                \(bind: facts.subject.rawValue), \(bind: facts.education.rawValue), \(bind: facts.normalGraduate), \(bind: facts.putonghua.rawValue),
                \(bind: facts.route.rawValue), \(bind: facts.examPassedOn?.description), \(bind: facts.physicalExam.rawValue), \(bind: facts.township),
                \(bind: CertState.draft.rawValue), 1, \(bind: now), \(bind: now), \(bind: now))
            RETURNING id
            """
        ).first(decoding: Id.self)!.id
    }

    /// The resident IDs an account's applications were made under.
    static func residentIDs(ofUser userId: Int, on db: any Database) async throws -> [String] {
        struct R: Decodable { let residentId: String }
        return try await db.sql.raw("SELECT DISTINCT resident_id FROM cert_applications WHERE user_id = \(bind: userId)")
            .all(decoding: R.self, with: Self.decoder).map(\.residentId)
    }

    /// How many other accounts registered with a resident ID, or applied under it.
    static func otherAccountsUsing(residentId: String, besides userId: Int, on db: any Database) async throws -> Int {
        struct N: Decodable { let n: Int }
        return try await db.sql.raw(
            """
            SELECT (SELECT COUNT(*) FROM users WHERE username = \(bind: residentId) AND id <> \(bind: userId))
                 + (SELECT COUNT(*) FROM cert_applications WHERE resident_id = \(bind: residentId) AND user_id IS NOT NULL AND user_id <> \(bind: userId)) AS n
            """
        ).first(decoding: N.self)?.n ?? 0
    }

    // MARK: events

    static func history(_ ids: [Int], from: CertState, to: CertState, event: String, actor: String, at: Double, reason: String?, on db: any Database)
        async throws
    {
        try await workflow.history(ids, from: from.rawValue, to: to.rawValue, event: event, actor: actor, at: at, reason: reason, on: db)
    }

    /// Moves an application to its next state with the event's fields, checked against its
    /// version and state (409 when stale).
    static func advance(
        _ a: CertApplicationRow, to next: CertState, reasonCode: String?, scores: String?, correctionDue: String?, submittedAt: Double?, decidedAt: Double?,
        on tx: any Database, now: Double
    ) async throws {
        try await workflow.advance(
            id: a.id, from: a.state, version: a.version, to: next.rawValue,
            set: [
                "reason_code = \(bind: reasonCode)", "scores = \(bind: scores)",
                "correction_due = \(bind: correctionDue)", "submitted_at = \(bind: submittedAt)",
                "decided_at = \(bind: decidedAt)",
            ], now: now, on: tx)
    }

    /// 档案袋: opened with the acceptance.
    static func insertArchiveFolder(applicationId: Int, folderNo: String, receivedOn: String, contents: String, on tx: any Database) async throws {
        try await tx.sql.insert(into: "archive_folders").columns("application_id", "folder_no", "received_on", "contents")
            .values(SQLBind(applicationId), SQLBind(folderNo), SQLBind(receivedOn), SQLBind(contents)).run()
    }

    /// A revocation's bar on applying again, until a day.
    static func insertBar(residentId: String, until: String, reason: String, applicationId: Int, on tx: any Database, now: Double) async throws {
        try await tx.sql.insert(into: "cert_bars").columns("resident_id", "until", "reason", "application_id", "created_at")
            .values(SQLBind(residentId), SQLBind(until), SQLBind(reason), SQLBind(applicationId), SQLBind(now)).run()
    }

    /// An application's certificate is revoked from a day.
    static func revokeCertificate(applicationId: Int, revokedOn date: String, on tx: any Database) async throws {
        try await tx.sql.raw("UPDATE certificates SET revoked_on = \(bind: date) WHERE application_id = \(bind: applicationId)").run()
    }

    /// The last day of the notice an application is on, and the open objections to it (to the
    /// whole notice or to this application); nil when it is on no notice.
    static func noticeStatus(applicationId: Int, on db: any Database) async throws -> (toOn: String, open: Int)? {
        struct R: Decodable {
            let toOn: String
            let open: Int
        }
        return try await db.sql.raw(
            """
            SELECT n.to_on, (SELECT COUNT(*) FROM cert_objections o WHERE o.notice_id = n.id AND o.status = 'open'
                              AND (o.application_id IS NULL OR o.application_id = \(bind: applicationId))) AS open
            FROM cert_notice_entries e JOIN cert_notices n ON n.id = e.notice_id WHERE e.application_id = \(bind: applicationId)
            """
        ).first(decoding: R.self, with: decoder).map { ($0.toOn, $0.open) }
    }

    // MARK: certificates' numbers

    /// The first body of a level (county, prefecture), which numbers its certificates.
    static func firstBody(level: String, on tx: any Database) async throws -> (id: Int, code: String)? {
        struct Body: Decodable {
            let id: Int
            let code: String
        }
        return try await tx.sql.raw("SELECT id, code FROM cert_bodies WHERE level = \(bind: level) ORDER BY id LIMIT 1").first(decoding: Body.self)
            .map { ($0.id, $0.code) }
    }

    /// The next serial of a body and year. The serial row is incremented inside the transaction:
    /// concurrent issues queue on it, and a rolled-back issue gives its number back.
    static func nextSerial(bodyId: Int, year: Int, on tx: any Database) async throws -> Int {
        struct Last: Decodable { let last: Int }
        try await tx.sql.raw("INSERT INTO cert_serials (body_id, year, last) VALUES (\(bind: bodyId), \(bind: year), 0) ON CONFLICT (body_id, year) DO NOTHING")
            .run()
        return try await tx.sql.raw("UPDATE cert_serials SET last = last + 1 WHERE body_id = \(bind: bodyId) AND year = \(bind: year) RETURNING last").first(
            decoding: Last.self)!.last
    }

    static func insertCertificate(
        number: String, application a: CertApplicationRow, bodyId: Int, year: Int, serial: Int, issuedOn: String, on tx: any Database
    ) async throws {
        try await tx.sql.insert(into: "certificates").columns(
            "number", "application_id", "body_id", "year", "serial", "name", "resident_id", "type", "subject", "issued_on"
        )
        .values(
            SQLBind(number), SQLBind(a.id), SQLBind(bodyId), SQLBind(year), SQLBind(serial), SQLBind(a.name), SQLBind(a.residentId),
            SQLBind(a.type), SQLBind(a.subject), SQLBind(issuedOn)
        ).run()
    }

    struct SerialCount: Decodable {
        let bodyId: Int
        let year: Int
        let highest: Int
        let n: Int
        let last: Int?
    }

    /// Per body and year: the certificates numbered, the highest serial, and the serial counter.
    static func serialCounts(on db: any Database) async throws -> [SerialCount] {
        try await db.sql.raw(
            """
            SELECT c.body_id, c.year, MAX(c.serial) AS highest, COUNT(*) AS n, s.last FROM certificates c
            LEFT JOIN cert_serials s ON s.body_id = c.body_id AND s.year = c.year
            GROUP BY c.body_id, c.year, s.last
            """
        ).all(decoding: SerialCount.self, with: SQLRowDecoder.snakeCase)
    }
}

extension CertState {
    /// `state IN (…)` for the undecided states (values from the enum, never from input).
    public static var undecidedSQL: String { "(" + undecided.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")" }
}

extension CertificationService {
    /// `column IN (…)` for a set of windows; nothing for every window.
    static func windowSQL(_ column: String, _ windows: [Int]?) -> SQLQueryString {
        guard let windows else { return "1 = 1" }
        guard !windows.isEmpty else { return "1 = 0" }
        return "\(unsafeRaw: column) IN (\(unsafeRaw: windows.map(String.init).joined(separator: ", ")))"
    }
}
