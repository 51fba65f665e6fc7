import Fluent
import Foundation
import Registry
import XuequCore
import XuequKit

/// Teaching research among several counties (issue 30). What is the county's as a whole — a county
/// research group and its 通案, the county's office and its researchers, county activities,
/// training programmes — is its own county's: a county bureau among several, its researchers and
/// its teachers see and run their county's, never another's. In a database of one county nothing
/// changes: every county-level item is everyone's.
extension TeachingService {
    /// Where a caller works: its county's code and districts. nil code: every county (the bureau of
    /// a database's only county); nil districts: every district (a database of one county).
    public struct CallerCounty: Sendable, Hashable {
        public let code: String?
        public let districts: Set<Int>?
        static let everywhere = CallerCounty(code: nil, districts: nil)
        static let nowhere = CallerCounty(code: "", districts: [])
    }

    func callerCounty(_ a: Actor) async throws -> CallerCounty {
        switch a.scope {
        case .county: return .everywhere
        case .oneCounty(let c): return CallerCounty(code: c.code, districts: c.districts)
        default:
            guard let d = a.districtId else { return .nowhere }
            let c = try await ctx.countyArea(ofDistrict: d)
            guard let code = c.code else { return .everywhere }
            return CallerCounty(code: code, districts: c.districts.map(Set.init))
        }
    }

    /// Whether a county-level item (by its county) is the caller's. An item of no county landed
    /// before counties and is the database's only county's.
    static func inCounty(_ item: String?, _ c: CallerCounty) -> Bool { c.code == nil || item == nil || item == c.code }

    /// Whether a district lies in the caller's county.
    static func inCounty(district: Int?, _ c: CallerCounty) -> Bool {
        guard let ds = c.districts else { return true }
        return district.map(ds.contains) ?? false
    }

    /// The county a new county-level item belongs to: the bureau's (its own among several, else
    /// the database's), or a county researcher's.
    func newItemCounty(_ a: Actor) async throws -> String? {
        if let code = try await callerCounty(a).code { return code }
        if let code = a.areaCode { return code }
        return try await AreaStore.soleCounty(on: db)
    }

    /// A teaching office over a whole county: the only county's (`.county`) or one among several
    /// (`.districts`, its districts).
    static func isCountyOffice(_ o: RegistryScope?) -> Bool {
        switch o {
        case .county?, .districts?: true
        default: false
        }
    }

    /// The office of a county's researchers: the whole database when it holds one county, else
    /// the county's districts.
    func countyOffice(_ code: String?) async throws -> RegistryScope? {
        guard let code else { return try await AreaStore.soleCounty(on: db) != nil ? .county : nil }
        // Kept as a district's county is: a county researcher's every list asks it.
        return try await ctx.kept("teaching.office|\(code)", areas: ["registry", "areas"]) { [db] in
            try await AreaStore.sharedDistricts(county: code, on: db).map { .districts($0) } ?? .county
        }
    }
}
