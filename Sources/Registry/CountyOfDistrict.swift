import Fluent
import XuequKit

/// A district's county: its code and, when the database holds other counties too, that county's
/// districts (nil: every district).
public struct CountyArea: Sendable, Hashable {
    public let code: String?
    public let districts: [Int]?
}

extension ServiceContext {
    /// The county of a district, kept until a district or the tree changes: the modules that
    /// scope a district's, school's or teacher's question to its county (teaching research, the
    /// inspection) ask it on every list.
    public func countyArea(ofDistrict d: Int) async throws -> CountyArea {
        let db = self.db
        return try await kept("county.ofDistrict|\(d)", areas: ["registry", "areas"]) {
            guard let code = try await AreaStore.county(ofDistrict: d, on: db) else { return CountyArea(code: nil, districts: nil) }
            return CountyArea(code: code, districts: try await AreaStore.sharedDistricts(county: code, on: db))
        }
    }
}
