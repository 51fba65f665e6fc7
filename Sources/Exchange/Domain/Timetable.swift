import Foundation
import XuequCore

/// 走教 weekly timetable: itinerant teachers of scarce subjects teach in several schools of a
/// district; a school needs so many periods of a subject a week; the travel time between two
/// schools must fit in the break between consecutive periods at different schools.
public enum SchoolDay {
    /// Period start times (minutes after midnight), 40-minute periods: four in the morning, three
    /// in the afternoon; the breaks between them are what a teacher has to travel.
    public static let starts = [8 * 60, 8 * 60 + 55, 9 * 60 + 55, 10 * 60 + 50, 14 * 60 + 30, 15 * 60 + 25, 16 * 60 + 20]
    public static let length = 40
    public static let days = 5
    public static var periods: Int { starts.count }
    /// Minutes free between the end of period `a` and the start of period `b` (a < b).
    public static func gap(_ a: Int, _ b: Int) -> Int { starts[b] - (starts[a] + length) }
    public static func label(_ p: Int) -> String {
        let s = starts[p]
        return String(format: "%02d:%02d", s / 60, s % 60)
    }
    public static let dayNames = ["周一", "周二", "周三", "周四", "周五"]
    public static let dayNamesEn = ["Mon", "Tue", "Wed", "Thu", "Fri"]
    /// The scarce subjects taught by itinerant teachers (DOMAIN §3).
    public static let scarceSubjects: [Subject] = [.music, .art, .pe, .english, .it]
}

public struct ItinerantTeacher: Sendable, Codable, Equatable {
    public let teacherId: Int
    public let name: String
    public let subject: Subject
    public let homeSchoolId: Int
    public let maxPeriods: Int
    public init(teacherId: Int, name: String, subject: Subject, homeSchoolId: Int, maxPeriods: Int) {
        self.teacherId = teacherId; self.name = name; self.subject = subject; self.homeSchoolId = homeSchoolId; self.maxPeriods = maxPeriods
    }
}

public struct PeriodDemand: Sendable, Codable, Equatable {
    public let schoolId: Int
    public let subject: Subject
    public let periods: Int
    public init(schoolId: Int, subject: Subject, periods: Int) { self.schoolId = schoolId; self.subject = subject; self.periods = periods }
}

public struct Placement: Sendable, Codable, Equatable {
    public let teacherId: Int
    public let schoolId: Int
    public let subject: Subject
    public let day: Int
    public let period: Int
}

public struct Unplaced: Sendable {
    public let schoolId: Int
    public let subject: Subject
    public let periods: Int
    public let reason: LocalizedText
}

public struct TravelKey: Hashable, Sendable {
    public let a: Int, b: Int
    public init(_ x: Int, _ y: Int) { a = min(x, y); b = max(x, y) }
}

public struct Timetable: Sendable {
    public let placements: [Placement]
    public let unplaced: [Unplaced]
    public let milliseconds: Int
}

/// Places each needed period greedily, hardest subjects first (demand against the capacity of
/// that subject's teachers), preferring a teacher and a day already at that school (fewer
/// journeys), checking the teacher's previous and next period that day for travel time, and at
/// most one itinerant period per school per slot and two of a subject per school per day.
/// What cannot be placed is reported with the reason.
public enum TimetableSolver {
    public static func solve(teachers: [ItinerantTeacher], demand: [PeriodDemand], travel: [TravelKey: Int], schoolNames: [Int: String]) -> Timetable {
        let started = Date()
        var placements: [Placement] = []
        var unplaced: [Unplaced] = []
        // teacher → day → period → school
        var busy: [Int: [[Int?]]] = [:]
        for t in teachers { busy[t.teacherId] = Array(repeating: Array(repeating: nil, count: SchoolDay.periods), count: SchoolDay.days) }
        var schoolSlot = Set<[Int]>()            // [school, day, period]
        var schoolSubjectDay: [[Int]: Int] = [:] // [school, subject index, day] → periods
        var load: [Int: Int] = [:]
        let bySubject = Dictionary(grouping: teachers, by: \.subject)
        let capacity = bySubject.mapValues { $0.reduce(0) { $0 + $1.maxPeriods } }
        let needed = Dictionary(grouping: demand, by: \.subject).mapValues { $0.reduce(0) { $0 + $1.periods } }
        func scarcity(_ s: Subject) -> Double { Double(needed[s] ?? 0) / Double(max(capacity[s] ?? 0, 1)) }
        let ordered = demand.filter { $0.periods > 0 }.sorted {
            (scarcity($0.subject), $0.periods, -$0.schoolId) > (scarcity($1.subject), $1.periods, -$1.schoolId)
        }
        func subjectIndex(_ s: Subject) -> Int { Subject.allCases.firstIndex(of: s)! }

        func fits(_ t: ItinerantTeacher, school: Int, day: Int, period: Int) -> (ok: Bool, travelProblem: Bool) {
            let row = busy[t.teacherId]![day]
            guard row[period] == nil, !schoolSlot.contains([school, day, period]) else { return (false, false) }
            if (schoolSubjectDay[[school, subjectIndex(t.subject), day]] ?? 0) >= 2 { return (false, false) }
            if row.compactMap({ $0 }).count >= 6 { return (false, false) }
            if let before = (0..<period).reversed().first(where: { row[$0] != nil }), let other = row[before], other != school {
                guard let m = travel[TravelKey(other, school)], m <= SchoolDay.gap(before, period) else { return (false, true) }
            }
            if let after = ((period + 1)..<SchoolDay.periods).first(where: { row[$0] != nil }), let other = row[after], other != school {
                guard let m = travel[TravelKey(school, other)], m <= SchoolDay.gap(period, after) else { return (false, true) }
            }
            return (true, false)
        }

        for d in ordered {
            let pool = bySubject[d.subject] ?? []
            var left = d.periods
            var travelBlocked = false
            while left > 0 {
                // Teachers already teaching here first, then the least loaded.
                let teachersHere = pool.filter { (load[$0.teacherId] ?? 0) < $0.maxPeriods }.sorted { a, b in
                    let ha = placements.contains { $0.teacherId == a.teacherId && $0.schoolId == d.schoolId }
                    let hb = placements.contains { $0.teacherId == b.teacherId && $0.schoolId == d.schoolId }
                    if ha != hb { return ha }
                    return ((load[a.teacherId] ?? 0), a.teacherId) < ((load[b.teacherId] ?? 0), b.teacherId)
                }
                var placed = false
                search: for t in teachersHere {
                    let row = busy[t.teacherId]!
                    // Days where the teacher is already at this school, then the emptiest days.
                    let days = (0..<SchoolDay.days).sorted { a, b in
                        let ha = row[a].contains(d.schoolId), hb = row[b].contains(d.schoolId)
                        if ha != hb { return ha }
                        return (row[a].compactMap { $0 }.count, a) < (row[b].compactMap { $0 }.count, b)
                    }
                    for day in days {
                        for period in 0..<SchoolDay.periods {
                            let f = fits(t, school: d.schoolId, day: day, period: period)
                            if f.travelProblem { travelBlocked = true }
                            guard f.ok else { continue }
                            busy[t.teacherId]![day][period] = d.schoolId
                            schoolSlot.insert([d.schoolId, day, period])
                            schoolSubjectDay[[d.schoolId, subjectIndex(d.subject), day], default: 0] += 1
                            load[t.teacherId, default: 0] += 1
                            placements.append(Placement(teacherId: t.teacherId, schoolId: d.schoolId, subject: d.subject, day: day, period: period))
                            placed = true
                            break search
                        }
                    }
                }
                if !placed { break }
                left -= 1
            }
            if left > 0 {
                let name = schoolNames[d.schoolId] ?? "#\(d.schoolId)"
                let reason: LocalizedText
                if pool.isEmpty {
                    reason = LocalizedText(zh: "本学区没有走教的\(d.subject.zh)教师", en: "the district has no itinerant \(d.subject.en) teacher")
                } else if (needed[d.subject] ?? 0) > (capacity[d.subject] ?? 0) && pool.allSatisfy({ (load[$0.teacherId] ?? 0) >= $0.maxPeriods }) {
                    reason = LocalizedText(zh: "\(d.subject.zh)走教教师每周课时已排满：全学区需要\(needed[d.subject] ?? 0)节，教师共能上\(capacity[d.subject] ?? 0)节",
                                           en: "the \(d.subject.en) teachers are fully booked: the district needs \(needed[d.subject] ?? 0) periods, they can teach \(capacity[d.subject] ?? 0)")
                } else if travelBlocked {
                    reason = LocalizedText(zh: "\(name)与教师当天其他学校之间的路程时间超过课间时间，或路程时间未填写", en: "travel between \(name) and the teacher's other schools that day does not fit in the breaks, or is missing")
                } else {
                    reason = LocalizedText(zh: "\(name)已没有空余节次（每节只排一位走教教师，每科每天最多两节）", en: "no free period left at \(name) (one itinerant teacher a period, two of a subject a day)")
                }
                unplaced.append(Unplaced(schoolId: d.schoolId, subject: d.subject, periods: left, reason: reason))
            }
        }
        return Timetable(placements: placements, unplaced: unplaced, milliseconds: Int(Date().timeIntervalSince(started) * 1000))
    }
}
