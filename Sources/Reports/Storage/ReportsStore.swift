import Fluent
import Foundation
import SQLKit

/// The summary's tables: the section texts edited per year and scope, and the finalised
/// summaries (issue 33: the service keeps the checks, the transactions and the audit).
extension ReportsService {
    /// A year's edited section texts for a scope, by section.
    static func sectionTexts(year: Int, key: String, on db: any Database) async throws -> [String: String] {
        struct T: Decodable {
            let section: String
            let text: String
        }
        return Dictionary(
            uniqueKeysWithValues: try await db.sql.raw("SELECT section, text FROM report_texts WHERE year = \(bind: year) AND scope_key = \(bind: key)")
                .all(decoding: T.self).map { ($0.section, $0.text) })
    }

    /// A year's finalised summary for a scope, if there is one.
    static func finalRecord(year: Int, key: String, on db: any Database) async throws -> FinalRow? {
        try await db.sql.raw("SELECT figures, sections, finalised_by, finalised_at FROM report_finals WHERE year = \(bind: year) AND scope_key = \(bind: key)")
            .first(decoding: FinalRow.self, with: Self.decoder)
    }

    /// Whether a year's summary for a scope is finalised (counted, inside a write).
    static func finalRow(year: Int, key: String, on db: any Database) async throws -> Bool {
        struct N: Decodable { let n: Int }
        return
            (try await db.sql.raw("SELECT COUNT(*) AS n FROM report_finals WHERE year = \(bind: year) AND scope_key = \(bind: key)").first(decoding: N.self)?.n
            ?? 0) > 0
    }

    /// Replaces a section's text for the year and scope.
    static func replaceSection(year: Int, key: String, section: String, text: String, by: String, now: Double, on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM report_texts WHERE year = \(bind: year) AND scope_key = \(bind: key) AND section = \(bind: section)").run()
        try await tx.sql.insert(into: "report_texts").columns("year", "scope_key", "section", "text", "updated_by", "updated_at")
            .values(SQLBind(year), SQLBind(key), SQLBind(section), SQLBind(text), SQLBind(by), SQLBind(now)).run()
    }

    /// Keeps a finalised summary: its figures and sections (JSON) as they are now.
    static func insertFinal(year: Int, key: String, figures: String, sections: String, by: String, now: Double, on tx: any Database) async throws {
        try await tx.sql.insert(into: "report_finals").columns("year", "scope_key", "figures", "sections", "finalised_by", "finalised_at")
            .values(SQLBind(year), SQLBind(key), SQLBind(figures), SQLBind(sections), SQLBind(by), SQLBind(now)).run()
    }
}
