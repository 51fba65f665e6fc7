import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// `012_CreateRotationRules`: the dated rotation rules, seeded with the national version.
public struct CreateRotationRules: AsyncMigration {
    public init() {}
    public var name: String { "012_CreateRotationRules" }

    public func prepare(on database: any Database) async throws {
        try await DatedRules.createTable(RotationRulesStore.table, on: database)
        // The first version as the literal it is, not encoded from today's type.
        try await database.sql.raw("""
            INSERT INTO rotation_rules (effective_from, rules, note, created_by, created_at) VALUES ('2014-08-13',
            '{"backboneSharePercent":20,"minimumSharePercent":10,"principalTermYears":3,"principalTerms":2,"yearsAtSchool":6}',
            '国家规定（2014）', 'system', 0)
            """).run()
    }

    public func revert(on database: any Database) async throws {
        try await database.schema(RotationRulesStore.table).delete()
    }
}

/// Reads and publishes rotation rule versions.
public enum RotationRulesStore {
    static let table = "rotation_rules"

    /// The rules in force on `date` (the national ones when none had taken effect).
    public static func inForce(on date: CivilDate, db: any Database) async throws -> RotationRules {
        try await DatedRules.inForce(RotationRules.self, in: table, on: date, db: db) ?? .national
    }

    public static func versions(db: any Database) async throws -> [DatedRules.Version<RotationRules>] {
        try await DatedRules.versions(RotationRules.self, in: table, db: db)
    }

    public static func publish(_ rules: RotationRules, from date: CivilDate, note: String, by: String, on db: any Database, now: Double) async throws {
        try await DatedRules.insert(rules, effectiveFrom: date, note: note, by: by, into: table, on: db, now: now)
    }
}
