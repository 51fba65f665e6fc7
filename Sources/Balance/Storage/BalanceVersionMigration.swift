import Fluent
import XuequKit

/// 066: the balance rules raise the `balance` data version (the coefficients are kept under it).
public struct WatchBalanceVersion: AsyncMigration {
    public init() {}
    public var name: String { "066_BalanceVersion" }
    public func prepare(on database: any Database) async throws { try await DataVersions.watch(["balance_rules"], area: "balance", on: database) }
    public func revert(on database: any Database) async throws { try await DataVersions.unwatch(["balance_rules"], area: "balance", on: database) }
}
