import Foundation

/// 教师资格种类 (DOMAIN §5), one enum for the whole platform: the registry records the type a
/// teacher holds (持证上岗, DOMAIN §3), certification issues it, and the digit is the one in the
/// certificate number. The registry calls it `QualificationType`, certification `CertType`.
public enum CertificateType: String, Vocabulary {
    public static let lookup = makeLookup()
    case kindergarten, primary, junior, senior, vocational
    case vocationalPractice = "vocational_practice"

    public var zh: String {
        switch self {
        case .kindergarten: "幼儿园教师资格";
        case .primary: "小学教师资格";
        case .junior: "初级中学教师资格"
        case .senior: "高级中学教师资格";
        case .vocational: "中等职业学校教师资格";
        case .vocationalPractice: "中等职业学校实习指导教师资格"
        }
    }
    public var en: String {
        switch self {
        case .kindergarten: "kindergarten";
        case .primary: "primary";
        case .junior: "junior secondary";
        case .senior: "senior secondary"
        case .vocational: "vocational school";
        case .vocationalPractice: "vocational practice instructor"
        }
    }
    public var aliases: [String] {
        switch self {
        case .kindergarten: ["幼儿园", "1"];
        case .primary: ["小学", "2"];
        case .junior: ["初中", "初级中学", "3"]
        case .senior: ["高中", "高级中学", "4"];
        case .vocational: ["中职", "5"];
        case .vocationalPractice: ["实习指导", "6"]
        }
    }

    /// The level a certificate reaches: each covers its own and every lower one; senior and
    /// vocational are interchangeable; the practice-instructor certificate covers no school stage.
    public var level: Int? {
        switch self {
        case .kindergarten: 1;
        case .primary: 2;
        case .junior: 3;
        case .senior, .vocational: 4;
        case .vocationalPractice: nil
        }
    }

    /// Whether a holder may teach the given part (or, for a school of one part, the school's stage).
    public func covers(part: StagePart?, stage: Stage) -> Bool {
        guard let level else { return false }
        return level >= Self.levelNeeded(part: part, stage: stage)
    }

    /// The level a post needs: a part of a split school, or the highest part of the school's stage.
    public static func levelNeeded(part: StagePart?, stage: Stage) -> Int {
        if let part { return part == .primary ? 2 : part == .junior ? 3 : 4 }
        switch stage {
        case .kindergarten: return 1
        case .primary, .teachingPoint, .special: return 2
        case .junior, .nineYear: return 3
        case .senior, .completeSecondary, .twelveYear, .vocational: return 4
        }
    }

    public var digit: Int { CertificateType.allCases.firstIndex(of: self)! + 1 }
    /// Types 4–6 are decided by the prefecture after the county's preliminary review.
    public var decidedByPrefecture: Bool { self == .senior || self == .vocational || self == .vocationalPractice }
    /// The subjects a certificate of this type can name (任教学科): a kindergarten certificate is
    /// 学前教育 only; primary has no physics, chemistry, biology, history or geography; senior has
    /// no 科学; no school certificate is in 学前教育 (vocational ones name a specialty, any).
    public var allowedSubjects: [Subject] {
        switch self {
        case .kindergarten: [.preschool]
        case .primary: [.chinese, .math, .english, .science, .politics, .music, .art, .pe, .it, .other]
        case .junior: Subject.allCases.filter { $0 != .preschool }
        case .senior: Subject.allCases.filter { $0 != .preschool && $0 != .science }
        case .vocational, .vocationalPractice: Subject.allCases
        }
    }
}
