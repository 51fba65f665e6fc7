import Fluent
import Foundation
import SQLKit

/// The certificates this county issued, by holder's resident ID: how the registry's teachers are
/// linked to certification (an exchange plan checks that a moved teacher's qualification covers
/// the receiving school's stage). Revoked certificates do not count.
public enum CertificateLookup {
    public struct Held: Sendable, Equatable {
        /// The type's raw value, the same words as the registry's `QualificationType`.
        public let type: String
        public let number: String
    }

    /// The best certificate each resident ID holds (the highest type; senior before vocational).
    public static func held(residentIds: [String], on db: any Database) async throws -> [String: Held] {
        struct R: Decodable { let residentId: String; let type: String; let number: String }
        var out: [String: Held] = [:]
        let order = CertType.allCases.map(\.rawValue)
        let ids = Array(Set(residentIds))
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            let rows = try await db.sql.select().column("resident_id").column("type").column("number").from("certificates")
                .where("resident_id", .in, SQLBind.group(chunk)).where(SQLColumn("revoked_on"), .is, SQLLiteral.null)
                .all(decoding: R.self, with: SQLRowDecoder.snakeCase)
            for r in rows {
                let rank = order.firstIndex(of: r.type) ?? -1
                // The practice-instructor certificate covers no school stage: any other one wins.
                let effective = r.type == CertType.vocationalPractice.rawValue ? -2 : (r.type == CertType.vocational.rawValue ? 3 : rank)
                if let have = out[r.residentId] {
                    let h =
                        have.type == CertType.vocationalPractice.rawValue
                        ? -2 : (have.type == CertType.vocational.rawValue ? 3 : (order.firstIndex(of: have.type) ?? -1))
                    if h >= effective { continue }
                }
                out[r.residentId] = Held(type: r.type, number: r.number)
            }
        }
        return out
    }

    /// Every resident ID holding a certificate of this county, with its best one: the few who may
    /// be covered where the registry records no qualification (the registry's own column covers
    /// the rest in one aggregate).
    public static func holders(on db: any Database) async throws -> [String: Held] {
        struct R: Decodable { let residentId: String }
        let ids = try await db.sql.raw("SELECT DISTINCT resident_id FROM certificates WHERE revoked_on IS NULL").all(
            decoding: R.self, with: SQLRowDecoder.snakeCase
        ).map(\.residentId)
        return try await held(residentIds: ids, on: db)
    }
}
