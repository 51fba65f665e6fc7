import Fluent
import SQLKit
import XuequKit

/// Each derived plan's share of characters changed from its source, kept when it is saved: the
/// teaching office's list of copied 个案 once compared up to a thousand plans on every view
/// (issue 27). Plans already there are compared once here.
public struct AddPlanChangedRatio: AsyncMigration {
    public init() {}
    public var name: String { "074_PlanChangedRatio" }

    public func prepare(on database: any Database) async throws {
        try await database.schema("lesson_plans").field("changed_ratio", .double).update()
        struct P: Decodable { let id: Int; let sections: String; let parentSections: String }
        let rows = try await database.sql.raw(
            """
            SELECT c.id, c.sections, p.sections AS parent_sections FROM lesson_plans c JOIN lesson_plans p ON p.id = c.parent_id
            """
        ).all(decoding: P.self, with: SQLRowDecoder.snakeCase)
        for r in rows {
            let ratio = PlanDiff(parent: TeachingService.sectionMap(r.parentSections), child: TeachingService.sectionMap(r.sections)).changedRatio
            try await database.sql.raw("UPDATE lesson_plans SET changed_ratio = \(bind: ratio) WHERE id = \(bind: r.id)").run()
        }
        try await database.sql.raw("CREATE INDEX lesson_plans_copied ON lesson_plans (kind, changed_ratio)").run()
    }

    public func revert(on database: any Database) async throws {
        try await database.sql.raw("DROP INDEX lesson_plans_copied").run()
        try await database.schema("lesson_plans").deleteField("changed_ratio").update()
    }
}

extension AddPlanChangedRatio {
    /// 078: programmes, enrolments and the hours rule raise the `training` data version: the
    /// hours page of a district or the county is kept until one of them, or the registry, changes.
    public static let training = WatchDataVersion(
        "078_TrainingVersion", tables: ["training_programmes", "training_enrolments", "training_rules"], area: "training")
}
