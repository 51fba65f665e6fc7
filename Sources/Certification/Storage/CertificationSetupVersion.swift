import Fluent
import XuequKit

/// 071: every write to the tables an application is checked against when it is made — the
/// windows, their bodies, the dated eligibility rules and the bars — raises the `certsetup` data
/// version (see `DataVersions`). They change a few times a year (bars: when a certificate is
/// revoked); a submission reads them kept, not from the database each time.
public struct WatchCertificationSetup: AsyncMigration {
    public init() {}
    public var name: String { "071_CertificationSetupVersion" }
    public static let tables = ["cert_bodies", "cert_windows", "cert_rules", "cert_bars"]
    public func prepare(on database: any Database) async throws { try await DataVersions.watch(Self.tables, area: "certsetup", on: database) }
    public func revert(on database: any Database) async throws { try await DataVersions.unwatch(Self.tables, area: "certsetup", on: database) }
}
