import Fluent
import Registry
import SQLKit
import XuequKit

/// 086: the inspection is a county's (issue 30). Each county's bureau enters its own figures and
/// declarations (`inspection_county_entries`, one row per county, year and indicator, watched as
/// the `inspcounty` data version) and runs its own survey rounds (`county_code` on the rounds).
/// What a single-county install entered moves under its county; `inspection_entries` stays, read by
/// nothing (a landed table is not dropped).
public struct InspectionByCounty: AsyncMigration {
    public init() {}
    public var name: String { "086_InspectionByCounty" }
    public static let watched = ["inspection_county_entries"]

    public func prepare(on database: any Database) async throws {
        try await database.schema("inspection_county_entries")
            .field("id", .int, .identifier(auto: true))
            .field("county_code", .string, .required)
            .field("year", .int, .required)
            .field("code", .string, .required)
            .field("value", .double)
            .field("met", .bool)
            .field("note", .string, .required)
            .field("evidence_hash", .string)
            .field("evidence_name", .string)
            .field("evidence_kind", .string)
            .field("entered_by", .string, .required)
            .field("entered_at", .double, .required)
            .unique(on: "county_code", "year", "code")
            .create()
        try await database.sql.raw("ALTER TABLE inspection_survey_rounds ADD COLUMN county_code TEXT").run()
        if let county = try await AreaStore.soleCounty(on: database) {
            try await database.sql.raw(
                """
                INSERT INTO inspection_county_entries (county_code, year, code, value, met, note, evidence_hash, evidence_name, evidence_kind, entered_by, entered_at)
                SELECT \(bind: county), year, code, value, met, note, evidence_hash, evidence_name, evidence_kind, entered_by, entered_at FROM inspection_entries
                """
            ).run()
            try await database.sql.raw("UPDATE inspection_survey_rounds SET county_code = \(bind: county)").run()
        }
        try await DataVersions.watch(Self.watched, area: "inspcounty", on: database)
    }

    public func revert(on database: any Database) async throws {
        try await DataVersions.unwatch(Self.watched, area: "inspcounty", on: database)
        try await database.schema("inspection_county_entries").delete()
        try await database.sql.raw("ALTER TABLE inspection_survey_rounds DROP COLUMN county_code").run()
    }
}
