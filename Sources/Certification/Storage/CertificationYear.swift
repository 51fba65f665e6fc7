import Fluent
import Foundation
import SQLKit

/// Each county's certifying body's year, for the city's and province's comparison (issue 30):
/// applications submitted and certified in the windows that closed in the year — the year
/// summary's rule — counted from the kept window figures (a few rows per window), by the county
/// the body serves.
public enum CertificationYear {
    public struct County: Sendable, Equatable {
        public var applied = 0
        public var certified = 0
    }

    public static func byCounty(year: Int, today: String, on db: any Database) async throws -> [String: County] {
        struct R: Decodable {
            let areaCode: String
            let state: String
            let n: Int
        }
        let rows = try await db.sql.raw(
            """
            SELECT b.area_code, f.state, CAST(SUM(f.n) AS BIGINT) AS n
            FROM cert_window_figures f JOIN cert_windows w ON w.id = f.window_id JOIN cert_bodies b ON b.id = w.body_id
            WHERE b.level = 'county' AND b.area_code IS NOT NULL AND w.closes_on >= \(bind: "\(year)-01-01") AND w.closes_on <= \(bind: "\(year)-12-31")
              AND w.closes_on < \(bind: today) AND f.n <> 0
            GROUP BY b.area_code, f.state
            """
        ).all(decoding: R.self, with: SQLRowDecoder.snakeCase)
        var out: [String: County] = [:]
        for r in rows {
            if r.state != "draft" { out[r.areaCode, default: County()].applied += r.n }
            if r.state == "certified" { out[r.areaCode, default: County()].certified += r.n }
        }
        return out
    }
}
