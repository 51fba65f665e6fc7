import Fluent
import Foundation
import SQLKit

/// The training pages' reads of the enrolments, kept with the module's SQL (pages hold none,
/// issue 33).
extension TeachingService {
    struct EnrolmentCount: Decodable {
        let programmeId: Int
        let enrolled: Int
        let attended: Int
    }

    /// Each programme's enrolled and attending teachers, in one grouped count.
    static func enrolmentCounts(on db: any Database) async throws -> [Int: EnrolmentCount] {
        let rows = try await db.sql.raw(
            """
            SELECT programme_id, COUNT(*) AS enrolled, SUM(CASE WHEN attended THEN 1 ELSE 0 END) AS attended
            FROM training_enrolments GROUP BY programme_id
            """
        ).all(decoding: EnrolmentCount.self, with: decoder)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.programmeId, $0) })
    }

    /// The teachers enrolled in a programme.
    static func enrolled(programmeId: Int, on db: any Database) async throws -> [Int] {
        struct T: Decodable { let teacherId: Int }
        return try await db.sql.raw("SELECT teacher_id FROM training_enrolments WHERE programme_id = \(bind: programmeId)")
            .all(decoding: T.self, with: decoder).map(\.teacherId)
    }
}
