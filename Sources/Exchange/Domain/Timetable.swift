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
/// most one itinerant period per school per slot, two of a subject per school per day, six periods
/// a day and the teacher's weekly maximum. Then a repair (issue 29: the greedy left periods an
/// exact model places): for each period still unplaced, every slot of every teacher of the subject
/// is tried with the placements in its way taken out — the teacher's own period there, the
/// school's, the neighbouring periods whose travel does not fit, a period of a full day or week —
/// and those re-placed elsewhere (themselves with one more level of the same repair); a change is
/// kept only when everything moved finds a place, so the number placed never falls. Bounded by a
/// time budget. What still cannot be placed is reported with a reason that is a true constraint.
public enum TimetableSolver {
    public static func solve(teachers: [ItinerantTeacher], demand: [PeriodDemand], travel: [TravelKey: Int], schoolNames: [Int: String],
                             timeBudget: Double = 1.5) -> Timetable {
        let started = Date()
        let bySubject = Dictionary(grouping: teachers, by: \.subject)
        let capacity = bySubject.mapValues { $0.reduce(0) { $0 + $1.maxPeriods } }
        let needed = Dictionary(grouping: demand, by: \.subject).mapValues { $0.reduce(0) { $0 + $1.periods } }
        func scarcity(_ s: Subject) -> Double { Double(needed[s] ?? 0) / Double(max(capacity[s] ?? 0, 1)) }
        let base = demand.filter { $0.periods > 0 }.sorted {
            (scarcity($0.subject), $0.periods, -$0.schoolId) > (scarcity($1.subject), $1.periods, -$1.schoolId)
        }
        var ordered = base
        var state = TimetableState(teachers: teachers, travel: travel)
        var left: [Int: Int] = [:]   // demand index in `ordered` → periods not placed
        var travelBlocked = Set<Int>()
        // Build, repair; then, while periods stay unplaced and time is left, build again with the
        // demands that failed first (squeaky wheel), keeping the best week.
        var failedFirst: [PeriodDemand] = []
        var keptOrder = ordered
        for attempt in 0..<4 {
            if attempt > 0 {
                guard !left.isEmpty, Date().timeIntervalSince(started) < timeBudget * 0.75 else { break }
                failedFirst += left.keys.sorted().map { ordered[$0] }.filter { d in !failedFirst.contains(d) }
                ordered = failedFirst + base.filter { d in !failedFirst.contains(d) }
            }
            var trial = TimetableState(teachers: teachers, travel: travel)
            trial.deadline = started.addingTimeInterval(timeBudget)
            var trialLeft: [Int: Int] = [:], trialTravel = Set<Int>()
            for (i, d) in ordered.enumerated() {
                var n = d.periods
                while n > 0, let slot = trial.firstFit(school: d.schoolId, subject: d.subject, pool: bySubject[d.subject] ?? [], noteTravel: { trialTravel.insert(i) }) {
                    trial.place(Placement(teacherId: slot.teacher, schoolId: d.schoolId, subject: d.subject, day: slot.day, period: slot.period))
                    n -= 1
                }
                if n > 0 { trialLeft[i] = n }
            }
            // Repair, one level deeper each time the last found nothing more.
            var repairDepth = 2
            var progress = true
            let until = started.addingTimeInterval(timeBudget * Double(attempt + 1) / 4)
            while progress, !trialLeft.isEmpty, Date() < until {
                progress = false
                for i in trialLeft.keys.sorted() {
                    let d = ordered[i]
                    while (trialLeft[i] ?? 0) > 0, Date() < until,
                          trial.repair(Placement(teacherId: -1, schoolId: d.schoolId, subject: d.subject, day: -1, period: -1), pool: bySubject, depth: repairDepth) {
                        trialLeft[i]! -= 1
                        progress = true
                    }
                    if trialLeft[i] == 0 { trialLeft[i] = nil }
                }
                if !progress && repairDepth < 4 { repairDepth += 1; progress = true }
            }
            if attempt == 0 || trial.placements.count > state.placements.count {
                state = trial; left = trialLeft; travelBlocked = trialTravel; keptOrder = ordered
            }
        }
        ordered = keptOrder
        var unplaced: [Unplaced] = []
        for i in left.keys.sorted() {
            let d = ordered[i], n = left[i]!
            let pool = bySubject[d.subject] ?? []
            let name = schoolNames[d.schoolId] ?? "#\(d.schoolId)"
            let reason: LocalizedText
            if pool.isEmpty {
                reason = LocalizedText(zh: "本学区没有走教的\(d.subject.zh)教师", en: "the district has no itinerant \(d.subject.en) teacher")
            } else if pool.allSatisfy({ state.load[$0.teacherId, default: 0] >= $0.maxPeriods }) {
                reason = LocalizedText(zh: "\(d.subject.zh)走教教师每周课时已排满：全学区需要\(needed[d.subject] ?? 0)节，教师共能上\(capacity[d.subject] ?? 0)节",
                                       en: "the \(d.subject.en) teachers are fully booked: the district needs \(needed[d.subject] ?? 0) periods, they can teach \(capacity[d.subject] ?? 0)")
            } else if travelBlocked.contains(i) {
                reason = LocalizedText(zh: "\(name)与教师当天其他学校之间的路程时间超过课间时间，调整其他学校的节次后仍无法排入",
                                       en: "travel between \(name) and the teachers' other schools that day does not fit in the breaks, even after moving other periods")
            } else {
                reason = LocalizedText(zh: "\(name)已没有可用节次（每节只排一位走教教师，每科每天最多两节，教师每天最多六节）",
                                       en: "no usable period left at \(name) (one itinerant teacher a period, two of a subject a day, six periods a day for a teacher)")
            }
            unplaced.append(Unplaced(schoolId: d.schoolId, subject: d.subject, periods: n, reason: reason))
        }
        let placements = state.placements.values.sorted { ($0.day, $0.period, $0.teacherId) < ($1.day, $1.period, $1.teacherId) }
        return Timetable(placements: placements, unplaced: unplaced, milliseconds: Int(Date().timeIntervalSince(started) * 1000))
    }
}

/// The week being built: who is where, and the counts the rules read.
struct TimetableState {
    let teachers: [Int: ItinerantTeacher]
    let travel: [TravelKey: Int]
    /// [teacher, day, period] → placement.
    var placements: [[Int]: Placement] = [:]
    var schoolSlot: [[Int]: [Int]] = [:]        // [school, day, period] → key of the placement there
    var subjectDay: [[Int]: Int] = [:]          // [school, subject, day] → periods
    var load: [Int: Int] = [:]
    var dayLoad: [[Int]: Int] = [:]             // [teacher, day] → periods
    /// The repair stops trying when this passes.
    var deadline = Date.distantFuture

    init(teachers: [ItinerantTeacher], travel: [TravelKey: Int]) {
        self.teachers = Dictionary(teachers.map { ($0.teacherId, $0) }, uniquingKeysWith: { a, _ in a })
        self.travel = travel
    }

    static func subjectIndex(_ s: Subject) -> Int { Subject.allCases.firstIndex(of: s)! }

    func at(_ t: Int, _ day: Int, _ period: Int) -> Placement? { placements[[t, day, period]] }

    /// Whether `t` may teach at `school` in the slot as things stand; `travelProblem` says when
    /// only the journey is in the way.
    func fits(_ t: ItinerantTeacher, school: Int, day: Int, period: Int) -> (ok: Bool, travelProblem: Bool) {
        guard at(t.teacherId, day, period) == nil, schoolSlot[[school, day, period]] == nil else { return (false, false) }
        if subjectDay[[school, Self.subjectIndex(t.subject), day], default: 0] >= 2 { return (false, false) }
        if dayLoad[[t.teacherId, day], default: 0] >= 6 || load[t.teacherId, default: 0] >= t.maxPeriods { return (false, false) }
        if let before = (0..<period).reversed().first(where: { at(t.teacherId, day, $0) != nil }), let other = at(t.teacherId, day, before)?.schoolId, other != school {
            guard let m = travel[TravelKey(other, school)], m <= SchoolDay.gap(before, period) else { return (false, true) }
        }
        if let after = ((period + 1)..<SchoolDay.periods).first(where: { at(t.teacherId, day, $0) != nil }), let other = at(t.teacherId, day, after)?.schoolId, other != school {
            guard let m = travel[TravelKey(school, other)], m <= SchoolDay.gap(period, after) else { return (false, true) }
        }
        return (true, false)
    }

    mutating func place(_ p: Placement) {
        placements[[p.teacherId, p.day, p.period]] = p
        schoolSlot[[p.schoolId, p.day, p.period]] = [p.teacherId, p.day, p.period]
        subjectDay[[p.schoolId, Self.subjectIndex(p.subject), p.day], default: 0] += 1
        load[p.teacherId, default: 0] += 1
        dayLoad[[p.teacherId, p.day], default: 0] += 1
    }

    mutating func remove(_ p: Placement) {
        placements[[p.teacherId, p.day, p.period]] = nil
        schoolSlot[[p.schoolId, p.day, p.period]] = nil
        subjectDay[[p.schoolId, Self.subjectIndex(p.subject), p.day], default: 0] -= 1
        load[p.teacherId, default: 0] -= 1
        dayLoad[[p.teacherId, p.day], default: 0] -= 1
    }

    /// The greedy's choice: teachers already teaching at the school first, then the least loaded;
    /// days already at the school first, then the emptiest.
    func firstFit(school: Int, subject: Subject, pool: [ItinerantTeacher], noteTravel: () -> Void = {}) -> (teacher: Int, day: Int, period: Int)? {
        let here = Set(placements.values.filter { $0.schoolId == school }.map(\.teacherId))
        let order = pool.filter { load[$0.teacherId, default: 0] < $0.maxPeriods }.sorted { a, b in
            let ha = here.contains(a.teacherId), hb = here.contains(b.teacherId)
            if ha != hb { return ha }
            return (load[a.teacherId, default: 0], a.teacherId) < (load[b.teacherId, default: 0], b.teacherId)
        }
        for t in order {
            let days = (0..<SchoolDay.days).sorted { a, b in
                let ha = (0..<SchoolDay.periods).contains { at(t.teacherId, a, $0)?.schoolId == school }
                let hb = (0..<SchoolDay.periods).contains { at(t.teacherId, b, $0)?.schoolId == school }
                if ha != hb { return ha }
                return (dayLoad[[t.teacherId, a], default: 0], a) < (dayLoad[[t.teacherId, b], default: 0], b)
            }
            for day in days {
                for period in 0..<SchoolDay.periods {
                    let f = fits(t, school: school, day: day, period: period)
                    if f.travelProblem { noteTravel() }
                    if f.ok { return (t.teacherId, day, period) }
                }
            }
        }
        return nil
    }

    /// The placements in the way of `t` teaching at `school` in the slot.
    func blockers(_ t: ItinerantTeacher, school: Int, subject: Subject, day: Int, period: Int) -> [Placement] {
        var out: [Placement] = []
        func add(_ p: Placement?) { if let p, !out.contains(p) { out.append(p) } }
        add(at(t.teacherId, day, period))
        if let key = schoolSlot[[school, day, period]] { add(placements[key]) }
        if let before = (0..<period).reversed().first(where: { at(t.teacherId, day, $0) != nil }) { add(at(t.teacherId, day, before)) }
        if let after = ((period + 1)..<SchoolDay.periods).first(where: { at(t.teacherId, day, $0) != nil }) { add(at(t.teacherId, day, after)) }
        if subjectDay[[school, Self.subjectIndex(subject), day], default: 0] >= 2 {
            for p in placements.values where p.schoolId == school && p.subject == subject && p.day == day { add(p) }
        }
        return out
    }

    /// Places one period of `target`'s school and subject, moving others out of the way and back in
    /// elsewhere (`depth` levels); true when it did, and then every period moved has a place.
    mutating func repair(_ target: Placement, pool: [Subject: [ItinerantTeacher]], depth: Int, avoid: Set<[Int]> = []) -> Bool {
        let candidates = pool[target.subject] ?? []
        if let slot = firstFit(school: target.schoolId, subject: target.subject, pool: candidates) {
            place(Placement(teacherId: slot.teacher, schoolId: target.schoolId, subject: target.subject, day: slot.day, period: slot.period))
            return true
        }
        guard depth > 0 else { return false }
        for t in candidates.sorted(by: { $0.teacherId < $1.teacherId }) {
            for day in 0..<SchoolDay.days {
                for period in 0..<SchoolDay.periods where !avoid.contains([t.teacherId, day, period]) {
                    if Date() > deadline { return false }
                    var out = blockers(t, school: target.schoolId, subject: target.subject, day: day, period: period)
                    // A full week or day: one of the teacher's periods has to go elsewhere.
                    if load[t.teacherId, default: 0] >= t.maxPeriods || dayLoad[[t.teacherId, day], default: 0] >= 6 {
                        guard out.isEmpty else { continue }
                        let theirs = placements.values.filter { $0.teacherId == t.teacherId && (dayLoad[[t.teacherId, day], default: 0] < 6 || $0.day == day) }
                        guard let any = theirs.sorted(by: { ($0.day, $0.period) < ($1.day, $1.period) }).first else { continue }
                        out = [any]
                    }
                    guard !out.isEmpty, out.count <= 2 else { continue }
                    let saved = self
                    for p in out { remove(p) }
                    guard fits(t, school: target.schoolId, day: day, period: period).ok else { self = saved; continue }
                    let here = Placement(teacherId: t.teacherId, schoolId: target.schoolId, subject: target.subject, day: day, period: period)
                    place(here)
                    var fixed = true
                    var keep = avoid
                    keep.insert([t.teacherId, day, period])
                    for p in out where !repair(p, pool: pool, depth: depth - 1, avoid: keep) { fixed = false; break }
                    if fixed { return true }
                    self = saved
                }
            }
        }
        return false
    }
}
