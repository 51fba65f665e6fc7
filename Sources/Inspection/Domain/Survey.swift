import Foundation
import XuequCore

/// Who answers the satisfaction survey (社会认可度调查).
public enum SurveyGroup: String, Vocabulary {
    public static let lookup = makeLookup()
    case parent, student, teacher, other
    public var zh: String {
        switch self {
        case .parent: "家长";
        case .student: "学生";
        case .teacher: "教师";
        case .other: "社会人士"
        }
    }
    public var en: String {
        switch self {
        case .parent: "parents";
        case .student: "students";
        case .teacher: "teachers";
        case .other: "others"
        }
    }
}

/// The five answers to every question; the first two count as satisfied.
public enum SurveyAnswer: Int, CaseIterable, Sendable {
    case verySatisfied = 1
    case satisfied, neutral, unsatisfied, veryUnsatisfied
    public var zh: String {
        switch self {
        case .verySatisfied: "非常满意";
        case .satisfied: "比较满意";
        case .neutral: "一般";
        case .unsatisfied: "不太满意";
        case .veryUnsatisfied: "不满意"
        }
    }
    public var en: String {
        switch self {
        case .verySatisfied: "very satisfied";
        case .satisfied: "satisfied";
        case .neutral: "neutral";
        case .unsatisfied: "not very satisfied";
        case .veryUnsatisfied: "unsatisfied"
        }
    }
    public var isSatisfied: Bool { self == .verySatisfied || self == .satisfied }
}

public struct SurveyQuestion: Codable, Sendable, Equatable {
    public let group: SurveyGroup
    public let text: String
    public init(group: SurveyGroup, text: String) { self.group = group; self.text = text }
}

extension SurveyGroup: Codable {}

public enum SurveyDefaults {
    /// The default questionnaire, after the satisfaction items provinces publish for the
    /// inspection; the bureau edits it before a round opens.
    public static let questions: [SurveyQuestion] = [
        .init(group: .parent, text: "您对孩子就读学校的办学条件（校舍、场地、设备）是否满意？"),
        .init(group: .parent, text: "您对学校教师的师德师风和教学水平是否满意？"),
        .init(group: .parent, text: "您对孩子的课业负担是否满意？"),
        .init(group: .parent, text: "您对本县就近入学、招生公平是否满意？"),
        .init(group: .parent, text: "总体上，您对本县义务教育是否满意？"),
        .init(group: .student, text: "你对学校的教室、操场、图书室等条件是否满意？"),
        .init(group: .student, text: "你对老师上课的方式是否满意？"),
        .init(group: .student, text: "你对学校开设的音乐、美术、体育课是否满意？"),
        .init(group: .student, text: "你对自己的作业量是否满意？"),
        .init(group: .student, text: "总体上，你对自己的学校是否满意？"),
        .init(group: .teacher, text: "您对本县教师工资待遇落实情况是否满意？"),
        .init(group: .teacher, text: "您对教师培训与专业发展机会是否满意？"),
        .init(group: .teacher, text: "您对教师交流轮岗的组织是否满意？"),
        .init(group: .teacher, text: "您对学校的办学条件是否满意？"),
        .init(group: .teacher, text: "总体上，您对本县义务教育均衡发展是否满意？"),
        .init(group: .other, text: "您对本县义务教育学校布局是否满意？"),
        .init(group: .other, text: "您对本县学校办学行为是否满意？"),
        .init(group: .other, text: "总体上，您对本县义务教育是否满意？"),
    ]
}
