import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// The balance module's part of the demo county: two earlier years of conditions (less even
/// than today, so the trend shows the county catching up) with their teacher figures recorded,
/// equity figures matching the seed's year, and student aid records.
public enum BalanceDemo {
    public static func seed(on db: any Database, today: CivilDate, now: Double) async throws {
        let y = today.year
        // Each school gets its own pseudo-random factor r ∈ [0, 1) from its id, so earlier
        // years differ from today unevenly: the weakest schools caught up the most.
        for (back, base, spread) in [(1, 0.84, 0.22), (2, 0.70, 0.38)] {
            let f = "(\(base) + \(spread) * ((s.school_id * 37 + \(back * 11)) % 100) / 100.0)"
            try await db.sql.raw("""
                INSERT INTO school_conditions (school_id, year, students_primary, students_junior, students_senior, floor_area_centi, sports_area_centi,
                                               equipment_value_fen, computers, books, multimedia_rooms, updated_at)
                SELECT s.school_id, \(bind: y - back), s.students_primary, s.students_junior, s.students_senior,
                       CAST(s.floor_area_centi * \(unsafeRaw: f) AS BIGINT), CAST(s.sports_area_centi * \(unsafeRaw: f) AS BIGINT),
                       CAST(s.equipment_value_fen * \(unsafeRaw: f) * \(unsafeRaw: f) AS BIGINT), CAST(s.computers * \(unsafeRaw: f) AS INTEGER),
                       CAST(s.books * \(unsafeRaw: f) AS INTEGER), CAST(s.multimedia_rooms * \(unsafeRaw: f) AS INTEGER), \(bind: now)
                FROM school_conditions s WHERE s.year = \(bind: y)
                """).run()
            try await TeacherTallies.record(year: y - back, on: db)
        }
        // The seed's year: 92.05%, 86.2%, 93.82%, dropout under 1%.
        let figures: [(Int, [EquityFigure])] = [
            (y - 1, [EquityFigure(indicator: .preschoolGross, numerator: 11_046, denominator: 12_000), EquityFigure(indicator: .seniorGross, numerator: 10_344, denominator: 12_000),
                     EquityFigure(indicator: .disabilityEnrolment, numerator: 243, denominator: 259), EquityFigure(indicator: .juniorDropout, numerator: 46, denominator: 5_612)]),
            (y - 2, [EquityFigure(indicator: .preschoolGross, numerator: 10_512, denominator: 12_180), EquityFigure(indicator: .seniorGross, numerator: 9_890, denominator: 11_930),
                     EquityFigure(indicator: .disabilityEnrolment, numerator: 231, denominator: 262), EquityFigure(indicator: .juniorDropout, numerator: 71, denominator: 5_580)]),
        ]
        for (year, list) in figures {
            try await BalanceStore.putEquity(year: year, list, note: "县统计年报", by: "seed", on: db, now: now)
        }
        try await seedAid(on: db, today: today, now: now)
    }

    static func seedAid(on db: any Database, today: CivilDate, now: Double) async throws {
        var rng = SeededRandom(seed: 20_261_101)
        let rows = try await RegistryStore.schoolYear(today.year, stages: [.primary, .junior, .nineYear, .senior, .vocational, .teachingPoint], district: nil, on: db)
        guard !rows.isEmpty else { return }
        let surnames = Array("王李张刘陈杨赵黄周吴孙郭马")
        var used = Set<String>()
        for year in [today.year - 1, today.year] {
            for _ in 0..<60 {
                let school = rows[rng.int(0...(rows.count - 1))]
                let stage: AidStage
                switch school.stage {
                case "junior": stage = .junior
                case "senior": stage = rng.int(0...3) == 0 ? .university : .senior
                case "vocational": stage = .vocational
                case "nine_year": stage = rng.int(0...1) == 0 ? .primary : .junior
                default: stage = .primary
                }
                let age: Int
                switch stage { case .primary: age = rng.int(7...12); case .junior: age = rng.int(13...15); case .university: age = 18; default: age = rng.int(16...18) }
                let type: AidType, fen: Int
                switch stage {
                case .primary, .junior: type = .boardingAllowance; fen = stage == .primary ? 100_000 : 125_000
                case .senior, .vocational: type = rng.int(0...1) == 0 ? .nationalGrant : .tuitionWaiver; fen = type == .nationalGrant ? 200_000 : 150_000
                case .university: type = .universityEntry; fen = 500_000
                case .preschool: type = .preschoolAid; fen = 100_000
                }
                var head = ""
                repeat {
                    head = String(format: "130481%04d%02d%02d%03d", year - age, rng.int(1...12), rng.int(1...28), rng.int(0...999))
                } while used.contains(head)
                used.insert(head)
                let rid = try ResidentID.parse(head + String(ResidentID.checkCharacter(forFirst17: head))).get()
                let name = String(surnames[rng.int(0...(surnames.count - 1))]) + DemoNames.given(male: Int(String(head.last!))! % 2 == 1, length: 2) { rng.int(0...($0 - 1)) }
                let aid = ValidAid(year: year, schoolId: school.id, studentName: name, residentId: rid, stage: stage, aidType: type, amountFen: fen, note: "")
                _ = try await BalanceStore.insertAid(aid, districtId: school.districtId, by: "seed", on: db, now: now)
            }
        }
    }
}
