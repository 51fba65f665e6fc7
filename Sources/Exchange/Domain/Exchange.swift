import Foundation
import Registry
import XuequCore

/// 交流形式: the forms a move takes (DOMAIN §3).
public enum MoveForm: String, Vocabulary {
    public static let lookup = makeLookup()
    /// 交流: a regular rotation; the teacher belongs to the new school from the start date.
    case transfer
    /// 支教: one to three years at a (rural) school, back on the return date unless extended;
    /// "人走关系动、支教校考核": the record moves and the host school does the yearly assessment.
    case support
    /// 挂职: a principal or vice-principal placed in another school for a period.
    case secondment
    public var zh: String { switch self { case .transfer: "交流"; case .support: "支教"; case .secondment: "挂职" } }
    public var en: String { switch self { case .transfer: "transfer"; case .support: "support teaching"; case .secondment: "secondment" } }
    public var aliases: [String] { switch self { case .transfer: ["交流轮岗", "轮岗"]; case .support: ["支教"]; case .secondment: ["挂职锻炼"] } }
    /// Forms that end on a return date.
    public var returns: Bool { self != .transfer }
}

public enum PlanState: String, Vocabulary {
    public static let lookup = makeLookup()
    case draft, submitted, approved
    case inEffect = "in_effect"
    public var zh: String { switch self { case .draft: "草稿"; case .submitted: "已报局审批"; case .approved: "已批准，待生效"; case .inEffect: "已生效" } }
    public var en: String { switch self { case .draft: "draft"; case .submitted: "submitted"; case .approved: "approved, not yet in effect"; case .inEffect: "in effect" } }
}

public enum PlanEvent: String, Sendable, CaseIterable {
    case submit, approve
    /// The bureau sends a submitted plan back to its district, with a reason.
    case sendBack = "send_back"
}

public enum MoveState: String, Vocabulary {
    public static let lookup = makeLookup()
    /// In a plan that has not started yet.
    case planned
    /// The teacher is at the receiving school.
    case active
    /// A support or secondment move that ended: the teacher is back.
    case returned
    /// Never started: on its date the teacher was no longer at the sending school (a transfer in
    /// the registry after the approval).
    case void
    public var zh: String { switch self { case .planned: "待生效"; case .active: "在岗"; case .returned: "已返回"; case .void: "未生效（教师已调动）" } }
    public var en: String {
        switch self {
        case .planned: "planned"; case .active: "at the receiving school"; case .returned: "returned"; case .void: "void (the teacher had moved)"
        }
    }
}

/// What the checks say about one move (CONTRACT "Exchange" names the first three).
public enum MoveWarning: String, Vocabulary {
    public static let lookup = makeLookup()
    case notEligible = "not_eligible"
    case qualificationNotCoveringStage = "qualification_not_covering_stage"
    case towardTown = "toward_town"
    /// From a school below the quality standard to one that meets it (weak → strong).
    case towardStronger = "toward_stronger"
    /// No qualification recorded and no certificate issued here: the stage check could not be made.
    case qualificationUnknown = "qualification_unknown"
    /// The receiving school has no shortage in any of the teacher's subjects.
    case noShortage = "no_shortage"
    /// The same teacher is in another plan of the year.
    case inOtherPlan = "in_other_plan"
    /// A secondment of someone who is not a principal.
    case secondmentNotPrincipal = "secondment_not_principal"
    public var zh: String {
        switch self {
        case .notEligible: "未满交流年限"; case .qualificationNotCoveringStage: "教师资格不覆盖调入学段"; case .towardTown: "由乡村调往城镇"
        case .towardStronger: "由薄弱学校调往优质学校"; case .qualificationUnknown: "未登记教师资格，无法核对学段"
        case .noShortage: "调入学校该学科不缺编"; case .inOtherPlan: "已在本年度其他方案中"; case .secondmentNotPrincipal: "挂职人员不是校长"
        }
    }
    public var en: String {
        switch self {
        case .notEligible: "not yet due to rotate"; case .qualificationNotCoveringStage: "qualification does not cover the receiving stage"
        case .towardTown: "from a rural to a town or urban school"; case .towardStronger: "from a school below the standard to one meeting it"
        case .qualificationUnknown: "no qualification on record; the stage could not be checked"; case .noShortage: "the receiving school is not short of this subject"
        case .inOtherPlan: "already in another plan this year"; case .secondmentNotPrincipal: "a secondment of someone who is not a principal"
        }
    }
    /// Warnings that block approval unless the planner removes the move.
    public var serious: Bool { self == .qualificationNotCoveringStage }
}

/// 支教 yearly assessment by the host school (年度考核等次).
public enum AssessmentRating: String, Vocabulary {
    public static let lookup = makeLookup()
    case excellent, competent, basic, incompetent
    public var zh: String { switch self { case .excellent: "优秀"; case .competent: "合格"; case .basic: "基本合格"; case .incompetent: "不合格" } }
    public var en: String { switch self { case .excellent: "excellent"; case .competent: "competent"; case .basic: "basically competent"; case .incompetent: "incompetent" } }
}

/// Who may do what to a plan in a state; pure, so it is tested without a database.
public enum PlanWorkflow {
    public static func next(from state: PlanState, event: PlanEvent) -> PlanState? {
        switch (state, event) {
        case (.draft, .submit): .submitted
        case (.submitted, .approve): .approved
        case (.submitted, .sendBack): .draft
        default: nil
        }
    }
}

/// The rotation quota of an area and year (DOMAIN §3): at least 10% of the eligible move, and
/// backbone teachers are at least 20% of those who move.
public struct Quota: Codable, Sendable, Equatable {
    public var eligible: Int
    public var required: Int
    public var backboneRequired: Int
    public var moved: Int
    public var backboneMoved: Int

    public init(eligible: Int, moved: Int, backboneMoved: Int, rules: RotationRules) {
        self.eligible = eligible
        self.required = Int((Double(eligible * rules.minimumSharePercent) / 100).rounded(.up))
        self.moved = moved
        self.backboneMoved = backboneMoved
        self.backboneRequired = Int((Double(max(moved, required) * rules.backboneSharePercent) / 100).rounded(.up))
    }

    public var met: Bool { moved >= required && backboneMoved >= backboneRequired }
}

/// Subject shortages estimated from enrolment (no timetable data in the registry): classes at
/// the standard sizes (45 primary, 50 junior), the national curriculum's weekly periods per
/// class (义务教育课程方案, 2022, averaged over the grades), and a full load of 16 periods a
/// week in primary and 14 in junior. Teachers of several subjects count a share for each.
public enum SubjectNeed {
    public static let classSize: [StagePart: Int] = [.primary: 45, .junior: 50, .senior: 50]
    public static let fullLoad: [StagePart: Double] = [.primary: 16, .junior: 14, .senior: 14]
    public static let periods: [StagePart: [Subject: Double]] = [
        .primary: [.chinese: 7, .math: 4.5, .english: 1.4, .science: 1.7, .politics: 2, .music: 2, .art: 2, .pe: 3.3, .it: 0.7],
        .junior: [.chinese: 5, .math: 5, .english: 4, .physics: 2, .chemistry: 1, .biology: 1.3, .politics: 2, .history: 2, .geography: 1.3,
                  .music: 1, .art: 1, .pe: 3, .it: 1],
        .senior: [.chinese: 4, .math: 4, .english: 4, .physics: 3, .chemistry: 2.5, .biology: 2, .politics: 2, .history: 2, .geography: 2,
                  .music: 1, .art: 1, .pe: 2, .it: 1],
    ]

    /// Teachers needed per subject for a part with this many students.
    public static func needed(part: StagePart, students: Int) -> [Subject: Double] {
        guard students > 0 else { return [:] }
        let classes = Double((students + classSize[part]! - 1) / classSize[part]!)
        return (periods[part] ?? [:]).mapValues { $0 * classes / fullLoad[part]! }
    }
}

/// One school part's staffing by subject: needed against held, in full-time teachers.
public struct Staffing: Sendable {
    public var needed: [Subject: Double]
    public var held: [Subject: Double]
    public init(needed: [Subject: Double] = [:], held: [Subject: Double] = [:]) { self.needed = needed; self.held = held }
    /// Whole teachers short in a subject (0 when covered).
    public func short(_ s: Subject) -> Int { max(0, Int(((needed[s] ?? 0) - (held[s] ?? 0)).rounded(.down))) }
    public var shortages: [(Subject, Int)] {
        Subject.allCases.compactMap { s in let n = short(s); return n > 0 ? (s, n) : nil }
    }
}
