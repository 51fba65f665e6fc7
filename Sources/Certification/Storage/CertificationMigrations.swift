import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// Certifying bodies, windows, rules, applications with their history, archive folders, public
/// notices with objections, certificates with their per-body serials, and bars.
public struct CreateCertification: AsyncMigration {
    public init() {}
    public var name: String { "030_CreateCertification" }

    public func prepare(on database: any Database) async throws {
        try await database.schema("cert_bodies")
            .field("id", .int, .identifier(auto: true))
            .field("code", .string, .required)          // 5 digits, in certificate numbers
            .field("name", .string, .required)
            .field("level", .string, .required)         // county | prefecture
            .unique(on: "code")
            .create()
        try await database.schema("cert_windows")
            .field("id", .int, .identifier(auto: true))
            .field("body_id", .int, .required, .references("cert_bodies", "id"))
            .field("name", .string, .required)
            .field("opens_on", .string, .required)
            .field("closes_on", .string, .required)
            .field("types", .string, .required)         // comma-separated type keys
            .create()
        try await DatedRules.createTable("cert_rules", on: database)
        try await database.schema("cert_applications")
            .field("id", .int, .identifier(auto: true))
            .field("window_id", .int, .required, .references("cert_windows", "id"))
            .field("user_id", .int)
            .field("name", .string, .required)
            .field("resident_id", .string, .required)
            .field("gender", .string, .required)
            .field("phone", .string)
            .field("type", .string, .required)
            .field("subject", .string, .required)
            .field("education", .string, .required)
            .field("normal_graduate", .bool, .required)
            .field("putonghua", .string, .required)
            .field("route", .string, .required)
            .field("exam_passed_on", .string)
            .field("physical_exam", .string, .required)
            .field("township", .bool, .required)
            .field("state", .string, .required)
            .field("version", .int, .required)
            .field("scores", .string)                   // the panel's scores, JSON array
            .field("reason_code", .string)
            .field("correction_due", .string)
            .field("created_at", .double, .required)
            .field("updated_at", .double, .required)
            .field("submitted_at", .double)
            .field("decided_at", .double)
            .create()
        try await database.schema("cert_history")
            .field("id", .int, .identifier(auto: true))
            .field("application_id", .int, .required, .references("cert_applications", "id"))
            .field("from_state", .string, .required)
            .field("to_state", .string, .required)
            .field("event", .string, .required)
            .field("actor", .string, .required)
            .field("at", .double, .required)
            .field("reason", .string)
            .create()
        try await database.schema("archive_folders")
            .field("id", .int, .identifier(auto: true))
            .field("application_id", .int, .required, .references("cert_applications", "id"))
            .field("folder_no", .string, .required)
            .field("received_on", .string, .required)
            .field("contents", .string, .required)
            .unique(on: "application_id")
            .unique(on: "folder_no")
            .create()
        try await database.schema("cert_notices")
            .field("id", .int, .identifier(auto: true))
            .field("window_id", .int, .required, .references("cert_windows", "id"))
            .field("title", .string, .required)
            .field("from_on", .string, .required)
            .field("to_on", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .double, .required)
            .create()
        try await database.schema("cert_notice_entries")
            .field("notice_id", .int, .required, .references("cert_notices", "id"))
            .field("application_id", .int, .required, .references("cert_applications", "id"))
            .unique(on: "application_id")
            .create()
        try await database.schema("cert_objections")
            .field("id", .int, .identifier(auto: true))
            .field("notice_id", .int, .required, .references("cert_notices", "id"))
            .field("application_id", .int)
            .field("filed_by", .string, .required)
            .field("contact", .string, .required)
            .field("text", .string, .required)
            .field("status", .string, .required)        // open | upheld | dismissed
            .field("resolution", .string)
            .field("created_at", .double, .required)
            .create()
        try await database.schema("cert_serials")
            .field("body_id", .int, .required)
            .field("year", .int, .required)
            .field("last", .int, .required)
            .unique(on: "body_id", "year")
            .create()
        try await database.schema("certificates")
            .field("id", .int, .identifier(auto: true))
            .field("number", .string, .required)
            .field("application_id", .int, .required, .references("cert_applications", "id"))
            .field("body_id", .int, .required)
            .field("year", .int, .required)
            .field("serial", .int, .required)
            .field("name", .string, .required)
            .field("resident_id", .string, .required)
            .field("type", .string, .required)
            .field("subject", .string, .required)
            .field("issued_on", .string, .required)
            .field("revoked_on", .string)
            .unique(on: "number")
            .unique(on: "application_id")
            .unique(on: "body_id", "year", "serial")
            .create()
        try await database.schema("cert_bars")
            .field("id", .int, .identifier(auto: true))
            .field("resident_id", .string, .required)
            .field("until", .string, .required)
            .field("reason", .string, .required)
            .field("application_id", .int)
            .field("created_at", .double, .required)
            .create()
        for stmt in [
            "CREATE INDEX cert_applications_window ON cert_applications (window_id, state)",
            "CREATE INDEX cert_applications_resident ON cert_applications (resident_id)",
            "CREATE INDEX cert_applications_user ON cert_applications (user_id)",
            "CREATE INDEX cert_history_application ON cert_history (application_id, id)",
            "CREATE INDEX cert_bars_resident ON cert_bars (resident_id)",
            "CREATE INDEX certificates_number ON certificates (number, name)",
        ] { try await database.sql.raw("\(unsafeRaw: stmt)").run() }
        // `EligibilityRules.national` as it was encoded when this migration landed.
        try await DatedRules.insertFrozen(json: Self.nationalRules, effectiveFrom: "2015-01-01", note: "国家规定(教师法第十一条、普通话等级要求)",
                                          by: "system", into: "cert_rules", on: database, now: 0)
    }

    static let nationalRules = #"{"abilityPanelMinimum":3,"abilityPassMark":60,"educationMinimum":{"junior":"junior_college","kindergarten":"secondary","primary":"secondary","senior":"bachelor","vocational":"bachelor","vocational_practice":"secondary"},"effectiveFrom":"2015-01-01","examValidityYears":3,"exemptionAllowed":false,"putonghuaMinimum":"2B","putonghuaMinimumChinese":"2A"}"#

    public func revert(on database: any Database) async throws {
        for t in ["cert_bars", "certificates", "cert_serials", "cert_objections", "cert_notice_entries", "cert_notices", "archive_folders",
                  "cert_history", "cert_applications", "cert_rules", "cert_windows", "cert_bodies"] {
            try await database.schema(t).delete()
        }
    }
}

/// Documents (by content hash), the panel's per-expert ability-test scores, and the time each
/// application has spent in each state (kept at each transition, so statistics read one row per
/// application instead of walking the history).
public struct CreateCertificationDocuments: AsyncMigration {
    public init() {}
    public var name: String { "031_CertificationDocumentsScoresTimes" }

    public func prepare(on database: any Database) async throws {
        try await database.schema("cert_documents")
            .field("id", .int, .identifier(auto: true))
            .field("application_id", .int, .required, .references("cert_applications", "id"))
            .field("kind", .string, .required)
            .field("sha256", .string, .required)
            .field("media_type", .string, .required)
            .field("size", .int, .required)
            .field("filename", .string, .required)
            .field("uploaded_by", .string, .required)
            .field("uploaded_at", .double, .required)
            .unique(on: "application_id", "kind")
            .create()
        try await database.schema("cert_ability_scores")
            .field("id", .int, .identifier(auto: true))
            .field("application_id", .int, .required, .references("cert_applications", "id"))
            .field("expert_id", .int, .required)
            .field("expert", .string, .required)
            .field("score", .double, .required)
            .field("at", .double, .required)
            .unique(on: "application_id", "expert_id")
            .create()
        try await database.sql.raw("ALTER TABLE cert_applications ADD COLUMN state_since DOUBLE PRECISION").run()
        // The tracked states when this migration landed (`CertStateTimes.tracked` then), frozen.
        for column in Self.stateColumns {
            try await database.sql.raw("ALTER TABLE cert_applications ADD COLUMN \(unsafeRaw: column) DOUBLE PRECISION NOT NULL DEFAULT 0").run()
        }
        // The statistics read only these columns: a covering index lets them scan the index, not
        // the table's wide rows (300,000 applications in well under a second).
        try await database.sql.raw("""
            CREATE INDEX cert_applications_figures ON cert_applications (window_id, state, type, reason_code, submitted_at, decided_at, state_since, updated_at, \
            \(unsafeRaw: Self.stateColumns.joined(separator: ", ")))
            """).run()
        try await CertStateTimes.rebuild(on: database, states: Self.stateColumns.map { String($0.dropFirst("secs_".count)) })
    }

    static let stateColumns = ["secs_submitted", "secs_deficient", "secs_accepted", "secs_ability_test", "secs_review", "secs_forwarded",
                               "secs_approved", "secs_noticed"]

    public func revert(on database: any Database) async throws {
        try await database.schema("cert_ability_scores").delete()
        try await database.schema("cert_documents").delete()
    }
}

/// Time in each state: a column per state an application waits in, added to at each transition.
public enum CertStateTimes {
    public static let tracked: [CertState] = [.submitted, .deficient, .accepted, .abilityTest, .review, .forwarded, .approved, .noticed]

    /// The column for a tracked state (names come from the enum, never from input).
    public static func column(_ s: CertState) -> String { "secs_" + s.rawValue }

    /// `SET` fragment adding the time since `state_since` to the state being left (nothing for
    /// draft and final states).
    static func leaving(_ s: CertState, now: Double) -> SQLQueryString {
        CertificationService.workflow.leaving(s.rawValue, now: now)
    }

    /// Recomputes every application's times from its history (for rows written before the columns
    /// existed, and for the demo, which writes history directly). `states` are the tracked
    /// states' raw values (a migration passes the ones it landed with).
    public static func rebuild(on db: any Database, states: [String] = tracked.map(\.rawValue)) async throws {
        let store = WorkflowStore(table: "cert_applications", historyTable: "cert_history", foreignKey: "application_id", tracked: states,
                                  stale: CertificationService.stale)
        try await store.rebuildTimes(on: db)
    }
}
