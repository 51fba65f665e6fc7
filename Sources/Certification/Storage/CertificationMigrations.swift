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
        try await DatedRules.insert(EligibilityRules.national, effectiveFrom: EligibilityRules.national.effectiveFrom, note: "国家规定(教师法第十一条、普通话等级要求)",
                                    by: "system", into: "cert_rules", on: database, now: 0)
    }

    public func revert(on database: any Database) async throws {
        for t in ["cert_bars", "certificates", "cert_serials", "cert_objections", "cert_notice_entries", "cert_notices", "archive_folders",
                  "cert_history", "cert_applications", "cert_rules", "cert_windows", "cert_bodies"] {
            try await database.schema(t).delete()
        }
    }
}
