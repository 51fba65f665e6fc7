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
        // The state's defaults, so a new county computes from the first day.
        try await BalanceStore.insertRules(.national, note: "国家标准(2012基本均衡、2017优质均衡)", by: "system", on: database, now: 0)
    }

    public func revert(on database: any Database) async throws {
        for t in ["student_aid", "equity_figures", "balance_rules"] { try await database.schema(t).delete() }
    }
}
