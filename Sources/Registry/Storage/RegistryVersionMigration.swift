import Fluent
import XuequKit

/// 065: every write to the tables the registry's figures and the balance read raises the
/// `registry` data version (see `DataVersions`): cached province figures are answered until then.
public struct WatchRegistryVersion: AsyncMigration {
    public init() {}
    public var name: String { "065_RegistryVersion" }
    public static let tables = ["districts", "schools", "school_conditions", "teachers", "teacher_tally_snapshots", "rotation_rules"]
    public func prepare(on database: any Database) async throws { try await DataVersions.watch(Self.tables, area: "registry", on: database) }
    public func revert(on database: any Database) async throws { try await DataVersions.unwatch(Self.tables, area: "registry", on: database) }
}
