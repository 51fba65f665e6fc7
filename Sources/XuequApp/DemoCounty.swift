import Foundation
import Vapor
import XuequCore
import XuequKit

/// The demo county (CONTRACT "Demo county"): every module seeds its part, in the modules' order,
/// each reading the ids the ones before it recorded (`district1`, `school1`, `applicant1`…).
/// Deterministic: a fixed date and fixed random seeds give the same data every run.
public struct DemoCounty: Sendable {
    public static let password = DemoContext.password

    public enum Scale: Sendable {
        case county
        /// Four counties of one city (≈ 700 schools): a city's deployment to try the comparison on,
        /// and the browser tests' second database. The registry only beyond the demo county.
        case city
        /// ≈ 30,000 schools and 900,000 teachers, for benchmarks: the registry only.
        case province
        var counties: Int {
            switch self {
            case .county: 1
            case .city: 2
            case .province: 86
            }
        }
    }

    let scale: Scale
    let today: CivilDate
    let progress: (@Sendable (String, Int, Int) -> Void)?

    public init(scale: Scale = .county, today: CivilDate, progress: (@Sendable (String, Int, Int) -> Void)? = nil) {
        self.scale = scale; self.today = today; self.progress = progress
    }

    /// Seeds an empty database; returns (schools, teachers).
    @discardableResult
    public func seed(app: Application, accounts: Bool = true) async throws -> (Int, Int) {
        let demo = DemoContext(app: app, today: today, counties: scale.counties, withAccounts: accounts, progress: progress)
        for m in app.modules { try await m.seedDemo(demo) }
        return (demo["schools"] ?? 0, demo["teachers"] ?? 0)
    }
}
