import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// The inspection's thresholds (dated rules) and the bureau's entries (issue 33: the service
/// keeps the checks, the transactions and the audit; the statements are here).
extension InspectionService {
    /// The thresholds in force on a date for a county (`chain`: it and the areas above it).
    static func rulesInForce(on date: CivilDate, chain: [String], db: any Database) async throws -> DatedRules.AreaVersion<InspectionRules>? {
        try await DatedRules.inForce(InspectionRules.self, in: "inspection_rules", on: date, chain: chain, db: db)
    }

    /// The versions of the database and of the given areas.
    static func ruleVersions(areas: [String], on db: any Database) async throws -> [DatedRules.AreaVersion<InspectionRules>] {
        try await DatedRules.versions(InspectionRules.self, in: "inspection_rules", areas: areas, db: db)
    }

    /// A new version of the thresholds from a date, for an area (nil: the database's).
    static func insertRules(_ rules: InspectionRules, effectiveFrom date: CivilDate, note: String, by: String, area: String?, on tx: any Database, now: Double)
        async throws
    {
        try await DatedRules.insert(rules, effectiveFrom: date, note: note, by: by, area: area, into: "inspection_rules", on: tx, now: now)
    }

    /// A county bureau's entries of a year.
    static func entryRows(county: String, year: Int, on db: any Database) async throws -> [EntryRow] {
        try await db.sql.raw(
            """
            SELECT year, code, value, met, note, evidence_hash, evidence_name, evidence_kind, entered_by, entered_at FROM inspection_county_entries
            WHERE county_code = \(bind: county) AND year = \(bind: year)
            """
        ).all(decoding: EntryRow.self, with: Self.decoder)
    }

    /// Replaces a county's entry of an indicator or veto for a year.
    static func replaceEntry(
        county: String, year: Int, code: String, value: Double?, met: Bool?, note: String, evidenceHash: String?, evidenceName: String?, evidenceKind: String?,
        by: String, on tx: any Database, now: Double
    ) async throws {
        // One statement: twenty saves at once on PostgreSQL each see the row or make it (a
        // delete then insert let two of them insert the same key).
        try await tx.sql.raw(
            """
            INSERT INTO inspection_county_entries (county_code, year, code, value, met, note, evidence_hash, evidence_name, evidence_kind, entered_by, entered_at)
            VALUES (\(bind: county), \(bind: year), \(bind: code), \(bind: value), \(bind: met), \(bind: note), \(bind: evidenceHash), \(bind: evidenceName),
                    \(bind: evidenceKind), \(bind: by), \(bind: now))
            ON CONFLICT (county_code, year, code) DO UPDATE SET value = excluded.value, met = excluded.met, note = excluded.note,
              evidence_hash = excluded.evidence_hash, evidence_name = excluded.evidence_name, evidence_kind = excluded.evidence_kind,
              entered_by = excluded.entered_by, entered_at = excluded.entered_at
            """
        ).run()
    }

    /// A county's entries and survey rounds under its new code.
    static func recodeCounty(from old: String, to new: String, on tx: any Database) async throws {
        try await tx.sql.raw("UPDATE inspection_county_entries SET county_code = \(bind: new) WHERE county_code = \(bind: old)").run()
        try await tx.sql.raw("UPDATE inspection_survey_rounds SET county_code = \(bind: new) WHERE county_code = \(bind: old)").run()
        try await tx.sql.raw("UPDATE inspection_rules SET area_code = \(bind: new) WHERE area_code = \(bind: old)").run()
    }
}
