import Fluent
import Registry
import SQLKit
import XuequCore
import XuequKit

/// The windows a caller's certifying body handles (issue 30). In a database of one county, every
/// window, as it always was. Among several counties, each county certifies through its own body:
/// its bureau and its reviewers handle the windows of the county body bound to their county, and a
/// city's prefecture reviewers the windows of the county bodies of its city (what those counties
/// forward). A reviewer bound to no area in a database of several counties handles nothing.
struct CertReach: Sendable {
    /// nil: every window.
    let windows: Set<Int>?
    func covers(_ window: Int) -> Bool { windows?.contains(window) ?? true }
    /// The windows in id order, for a query's `window_id IN (…)`; nil for every window.
    var sorted: [Int]? { windows.map { $0.sorted() } }
}

extension CertificationService {
    /// The area whose body the caller acts for: a county's code (its bureau, or a reviewer bound to
    /// it), a city's (a prefecture reviewer bound to it); nil for a body of the whole database.
    static func bodyArea(of actor: Actor) -> String? {
        if let c = actor.oneCounty { return c.code }
        if actor.isCountyBureau { return nil }
        return actor.areaCode
    }

    /// The caller's reach; applicants reach every window (they choose where to apply, and see
    /// only their own applications).
    func reach() async throws -> CertReach {
        let actor = try ctx.requireActor()
        if CertificationPolicy.isApplicant(actor) { return CertReach(windows: nil) }
        let prefecture: Bool
        if CertificationPolicy.isCountyBody(actor) {
            prefecture = false
        } else if CertificationPolicy.isPrefectureBody(actor) {
            prefecture = true
        } else {
            return CertReach(windows: [])
        }
        let windows = try await keptWindows()
        guard let code = Self.bodyArea(of: actor) else {
            let db = self.db
            let several = try await ctx.kept("cert.severalCounties", areas: ["areas"]) { try await AreaStore.holdsSeveralCounties(on: db) }
            return CertReach(windows: several ? [] : nil)
        }
        return CertReach(windows: Set(windows.filter { Self.serves($0.bodyArea, code, prefecture: prefecture) }.map(\.id)))
    }

    /// Whether a body bound to `bodyArea` is the caller's (bound to `code`): a county's own body;
    /// for a prefecture reviewer bound to a city, its own and its counties' bodies (never when it
    /// is bound to a county or a province).
    static func serves(_ bodyArea: String?, _ code: String, prefecture: Bool) -> Bool {
        guard let bodyArea else { return false }
        if bodyArea == code { return true }
        return prefecture && code.count == 6 && AreaStore.lies(bodyArea, within: code)
    }

    /// The windows a list reads: the one asked for, when the caller reaches it (another body's
    /// window is 404, as if it did not exist), or every window the caller reaches.
    func windowsFilter(_ window: Int?) async throws -> [Int]? {
        let reach = try await reach()
        guard let window else { return reach.sorted }
        guard reach.covers(window) else { throw DomainError.notFound(LocalizedText(zh: "认定批次", en: "window")) }
        return [window]
    }

}
