import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// Balance rules by effective date, the county's equity figures per year, and student aid.
public struct CreateBalance: AsyncMigration {
    public init() {}
    public var name: String { "020_CreateBalance" }

    public func prepare(on database: any Database) async throws {
        try await DatedRules.createTable("balance_rules", on: database)
        try await database.schema("equity_figures")
            .field("id", .int, .identifier(auto: true))
            .field("year", .int, .required)
            .field("indicator", .string, .required)
            .field("numerator", .int, .required)
            .field("denominator", .int, .required)
            .field("note", .string, .required)
            .field("updated_by", .string, .required)
            .field("updated_at", .double, .required)
            .unique(on: "year", "indicator")
            .create()
        try await database.schema("student_aid")
            .field("id", .int, .identifier(auto: true))
            .field("year", .int, .required)
            .field("school_id", .int, .required)
            .field("district_id", .int, .required)
            .field("student_name", .string, .required)
            .field("resident_id", .string, .required)
            .field("stage", .string, .required)
            .field("aid_type", .string, .required)
            // Money in fen.
            .field("amount_fen", .int, .required)
            .field("note", .string, .required)
            .field("created_by", .string, .required)
            .field("created_at", .double, .required)
            .create()
        try await database.sql.raw("CREATE INDEX student_aid_school ON student_aid (school_id, year)").run()
        try await database.sql.raw("CREATE INDEX student_aid_district ON student_aid (district_id, year)").run()
        try await database.sql.raw("CREATE INDEX student_aid_year ON student_aid (year, stage)").run()
        // The state's defaults, so a new county computes from the first day: `BalanceRules.national`
        // as it was encoded when this migration landed.
        try await DatedRules.insertFrozen(json: Self.nationalRules, effectiveFrom: "2017-04-26", note: "国家标准(2012基本均衡、2017优质均衡)",
                                          by: "system", into: "balance_rules", on: database, now: 0)
    }

    static let nationalRules = #"{"basicLimit":{"junior":0.55,"primary":0.65},"effectiveFrom":"2017-04-26","juniorWeight":1.1,"qualityFloorShare":0.85,"qualityLimit":{"junior":0.45,"primary":0.5},"qualityMinimumMet":6,"qualityStandards":{"above_required_education_per_100":{"junior":5.3,"primary":4.2},"backbone_per_100":{"junior":1,"primary":1},"equipment_value":{"junior":2500,"primary":2000},"floor_area":{"junior":5.8,"primary":4.5},"multimedia_per_100":{"junior":2.4,"primary":2.3},"pe_art_per_100":{"junior":0.9,"primary":0.9},"sports_area":{"junior":10.2,"primary":7.5}},"qualityTeachingPointMinimum":50,"requiredEducationJunior":"bachelor","requiredEducationPrimary":"junior_college","seniorWeight":1.2,"twelveYearWeights":[1,1.1,1.32]}"#

    public func revert(on database: any Database) async throws {
        for t in ["student_aid", "equity_figures", "balance_rules"] { try await database.schema(t).delete() }
    }
}
