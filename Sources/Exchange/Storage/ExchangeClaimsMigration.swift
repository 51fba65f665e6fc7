import Fluent
import SQLKit
import XuequKit

/// Claims that keep two approvals or two drafts from passing their checks at the same moment
/// (issue 27): one row per teacher moved by an approved plan of a year (`teacher`, ref = the
/// teacher), and one per district's open plan of a year (`open`, ref = the district, 0 for the
/// county) while it is a draft or submitted. The unique index decides between two transactions
/// on PostgreSQL as SQLite's single writer does: the second waits for the first and fails.
public struct CreateExchangeClaims: AsyncMigration {
    public init() {}
    public var name: String { "072_ExchangeClaims" }

    public func prepare(on database: any Database) async throws {
        try await database.schema("exchange_claims")
            .field("kind", .string, .required)
            .field("year", .int, .required)
            .field("ref", .int, .required)
            .field("plan_id", .int, .required, .references("exchange_plans", "id"))
            .unique(on: "kind", "year", "ref")
            .create()
        try await database.sql.raw("CREATE INDEX exchange_claims_plan ON exchange_claims (plan_id)").run()
        // What is already there: the first approved plan keeps a teacher moved twice before.
        try await database.sql.raw(
            """
            INSERT INTO exchange_claims (kind, year, ref, plan_id)
            SELECT 'teacher', p.year, m.teacher_id, MIN(p.id) FROM exchange_moves m JOIN exchange_plans p ON p.id = m.plan_id
            WHERE p.state IN ('approved', 'in_effect') GROUP BY p.year, m.teacher_id
            """
        ).run()
        try await database.sql.raw(
            """
            INSERT INTO exchange_claims (kind, year, ref, plan_id)
            SELECT 'open', year, COALESCE(district_id, 0), MIN(id) FROM exchange_plans WHERE state IN ('draft', 'submitted') GROUP BY year, COALESCE(district_id, 0)
            """
        ).run()
    }

    public func revert(on database: any Database) async throws {
        try await database.schema("exchange_claims").delete()
    }
}

extension CreateExchangeClaims {
    /// 076: every write to the plans, their moves and claims raises the `exchange` data version:
    /// the year report (a province's quotas count every due teacher) is kept until one of them,
    /// or the registry, changes.
    public static let version = WatchDataVersion("076_ExchangeVersion", tables: ["exchange_plans", "exchange_moves", "exchange_claims"], area: "exchange")
}
