import Foundation
import XuequCore

/// What a week of the internship is for (DOMAIN §6).
public enum Phase: String, Vocabulary {
    public static let lookup = makeLookup()
    /// 见习: observing and preparing; plans may be drafted, no lesson is taught.
    case observation
    /// Teaching, class-teacher and extracurricular work.
    case teaching
    /// The summary week.
    case summary
    public var zh: String { switch self { case .observation: "见习周"; case .teaching: "教学周"; case .summary: "总结周" } }
    public var en: String { switch self { case .observation: "observation"; case .teaching: "teaching"; case .summary: "summary" } }
}

/// A batch's calendar: the start date and one phase per week.
public struct BatchCalendar: Sendable, Codable, Equatable {
    public var startsOn: CivilDate
    public var weeks: [Phase]
    public init(startsOn: CivilDate, weeks: [Phase]) { self.startsOn = startsOn; self.weeks = weeks }

    /// Week 1 observation, weeks 2–7 teaching, week 8 summary.
    public static let defaultWeeks: [Phase] = [.observation] + Array(repeating: .teaching, count: 6) + [.summary]

    public var endsOn: CivilDate { startsOn.adding(days: weeks.count * 7 - 1) }

    /// The week (1-based) a date falls in, nil outside the batch.
    public func week(of date: CivilDate) -> Int? {
        let d = date.daysSinceEpoch - startsOn.daysSinceEpoch
        guard d >= 0, d < weeks.count * 7 else { return nil }
        return d / 7 + 1
    }

    public func phase(on date: CivilDate) -> Phase? { week(of: date).map { weeks[$0 - 1] } }

    /// The first day of a week (1-based).
    public func firstDay(ofWeek w: Int) -> CivilDate { startsOn.adding(days: (w - 1) * 7) }
}

public enum TrialLecture: String, Vocabulary {
    public static let lookup = makeLookup()
    case none, passed, failed
    public var zh: String { switch self { case .none: "未试讲"; case .passed: "试讲通过"; case .failed: "试讲未通过" } }
    public var en: String { switch self { case .none: "no trial lecture"; case .passed: "trial lecture passed"; case .failed: "trial lecture failed" } }
}

/// The gate on recording a taught lesson (CONTRACT "Internship"): why it is refused, if it is.
public enum TeachingGate: Equatable, Sendable {
    case dateOutsideBatch
    case notInTeachingPhase(Phase)
    case planNotApproved(mentor: Bool, supervisor: Bool)
    case trialLectureNotPassed(TrialLecture)

    public var code: String {
        switch self {
        case .dateOutsideBatch: "date_outside_batch"
        case .notInTeachingPhase: "not_in_teaching_phase"
        // The trial lecture is part of the plan's approval (DOMAIN §6: approved by both, then a
        // trial lecture in the group): the contract's code covers both.
        case .planNotApproved, .trialLectureNotPassed: "lesson_plan_not_approved"
        }
    }

    public var message: LocalizedText {
        switch self {
        case .dateOutsideBatch: LocalizedText(zh: "日期不在本批次实习期内", en: "the date is outside the batch")
        case .notInTeachingPhase(let p): LocalizedText(zh: "该日期处于\(p.zh)，教学周才能记录授课", en: "that date is in the \(p.en) week; lessons are recorded from the teaching weeks")
        case .planNotApproved(let m, let s):
            LocalizedText(zh: "教案尚未通过审核：" + [m ? nil : "指导教师", s ? nil : "带队教师"].compactMap { $0 }.joined(separator: "、") + "未批准",
                          en: "the lesson plan is not approved by " + [m ? nil : "the school mentor", s ? nil : "the university supervisor"].compactMap { $0 }.joined(separator: " and "))
        case .trialLectureNotPassed(let t): LocalizedText(zh: "教案已批准但\(t == .failed ? "试讲未通过" : "尚未试讲")，不能记录授课", en: "the plan is approved but the trial lecture \(t == .failed ? "failed" : "has not been given")")
        }
    }

    /// Whether a lesson taught on `date` from a plan in this state may be recorded.
    public static func check(date: CivilDate, calendar: BatchCalendar, mentorApproved: Bool, supervisorApproved: Bool, trial: TrialLecture) -> TeachingGate? {
        guard let phase = calendar.phase(on: date) else { return .dateOutsideBatch }
        guard phase == .teaching else { return .notInTeachingPhase(phase) }
        guard mentorApproved && supervisorApproved else { return .planNotApproved(mentor: mentorApproved, supervisor: supervisorApproved) }
        guard trial == .passed else { return .trialLectureNotPassed(trial) }
        return nil
    }
}

/// 优秀/良好/中等/及格/不及格 from a score out of 100.
public enum InternGrade: String, Vocabulary {
    public static let lookup = makeLookup()
    case excellent, good, fair, pass, fail
    public var zh: String { switch self { case .excellent: "优秀"; case .good: "良好"; case .fair: "中等"; case .pass: "及格"; case .fail: "不及格" } }
    public var en: String { switch self { case .excellent: "excellent"; case .good: "good"; case .fair: "fair"; case .pass: "pass"; case .fail: "fail" } }
    public static func of(score: Double) -> InternGrade {
        switch score {
        case 90...: .excellent
        case 80..<90: .good
        case 70..<80: .fair
        case 60..<70: .pass
        default: .fail
        }
    }
}

/// The final grade's weights (percent, summing to 100): teaching, class-teacher work, the rest.
public struct GradeWeights: Sendable, Codable, Equatable {
    public var teaching: Int
    public var classTeacher: Int
    public var other: Int
    public init(teaching: Int = 50, classTeacher: Int = 30, other: Int = 20) { self.teaching = teaching; self.classTeacher = classTeacher; self.other = other }
    public var valid: Bool { teaching >= 0 && classTeacher >= 0 && other >= 0 && teaching + classTeacher + other == 100 }
    public func score(teaching t: Double, classTeacher c: Double, other o: Double) -> Double {
        ((t * Double(teaching) + c * Double(classTeacher) + o * Double(other)) / 100 * 10).rounded() / 10
    }
}

/// Placement: interns to host schools with capacity per subject.
///
/// Method: an optimal assignment (minimum-cost flow by successive shortest paths), not a stable
/// matching. Host schools declare places per subject and do not rank students, so stability
/// reduces to serving interns in some order — whoever comes first takes the place — and the
/// order decides who gets a third choice. The assignment instead minimises the total cost over
/// everyone: first choice 0, second 1, third 3, a school the intern did not name 10 (still in
/// the subject), so as many as possible get their first choice and nobody is left out while a
/// place in their subject exists. Ties go by student number: the same list gives the same result.
public enum Placement {
    public struct Intern: Sendable { public let id: Int; public let subject: String; public let preferences: [Int]
        public init(id: Int, subject: String, preferences: [Int]) { self.id = id; self.subject = subject; self.preferences = preferences } }
    public struct Slot: Sendable, Hashable { public let schoolId: Int; public let subject: String
        public init(schoolId: Int, subject: String) { self.schoolId = schoolId; self.subject = subject } }

    public static let costs = [0, 1, 3]
    public static let unnamed = 10

    /// intern id → school id; interns without a place in their subject are left out.
    public static func assign(_ interns: [Intern], capacity: [Slot: Int]) -> [Int: Int] {
        // Nodes: 0 source, 1…n interns, then slots, then the sink.
        let interns = interns.sorted { $0.id < $1.id }
        let slots = capacity.keys.filter { capacity[$0]! > 0 }.sorted { ($0.subject, $0.schoolId) < ($1.subject, $1.schoolId) }
        let n = interns.count, m = slots.count
        let sink = n + m + 1
        struct Edge { let to: Int; var cap: Int; let cost: Int; let rev: Int }
        var graph = Array(repeating: [Edge](), count: sink + 1)
        func add(_ a: Int, _ b: Int, _ cap: Int, _ cost: Int) {
            graph[a].append(Edge(to: b, cap: cap, cost: cost, rev: graph[b].count))
            graph[b].append(Edge(to: a, cap: 0, cost: -cost, rev: graph[a].count - 1))
        }
        let slotIndex = Dictionary(uniqueKeysWithValues: slots.enumerated().map { ($0.element, n + 1 + $0.offset) })
        for (i, intern) in interns.enumerated() {
            add(0, i + 1, 1, 0)
            for (j, slot) in slots.enumerated() where slot.subject == intern.subject {
                let rank = intern.preferences.firstIndex(of: slot.schoolId)
                add(i + 1, n + 1 + j, 1, rank.map { costs[min($0, costs.count - 1)] } ?? unnamed)
            }
        }
        for slot in slots { add(slotIndex[slot]!, sink, capacity[slot]!, 0) }
        // Successive shortest paths (Bellman–Ford: costs are small and the graph is sparse).
        while true {
            var dist = Array(repeating: Int.max, count: sink + 1)
            var prev = Array(repeating: (node: -1, edge: -1), count: sink + 1)
            var inQueue = Array(repeating: false, count: sink + 1)
            dist[0] = 0
            var queue = [0]
            var head = 0
            inQueue[0] = true
            while head < queue.count {
                let u = queue[head]; head += 1; inQueue[u] = false
                for (k, e) in graph[u].enumerated() where e.cap > 0 && dist[u] != Int.max && dist[u] + e.cost < dist[e.to] {
                    dist[e.to] = dist[u] + e.cost
                    prev[e.to] = (u, k)
                    if !inQueue[e.to] { inQueue[e.to] = true; queue.append(e.to) }
                }
            }
            guard dist[sink] != Int.max else { break }
            var v = sink
            while v != 0 {
                let (u, k) = prev[v]
                graph[u][k].cap -= 1
                graph[v][graph[u][k].rev].cap += 1
                v = u
            }
        }
        var out: [Int: Int] = [:]
        for (i, intern) in interns.enumerated() {
            for e in graph[i + 1] where e.to > n && e.to < sink && e.cap == 0 && e.cost >= 0 {
                out[intern.id] = slots[e.to - n - 1].schoolId
            }
        }
        return out
    }
}
