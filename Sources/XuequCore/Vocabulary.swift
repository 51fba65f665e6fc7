import Foundation

/// A closed vocabulary: a stable API value, labels in both languages, and the spellings a
/// person types into a spreadsheet (本科, 二级甲等, 县级…).
public protocol Vocabulary: RawRepresentable, CaseIterable, Sendable, Hashable, Codable where RawValue == String {
    var zh: String { get }
    var en: String { get }
    /// Extra spellings accepted on import besides the raw value and the two labels.
    var aliases: [String] { get }
    /// Every accepted spelling → its case; each type keeps one (`static let lookup = makeLookup()`),
    /// so an import of 100,000 rows does dictionary look-ups, not scans of the cases.
    static var lookup: [String: Self] { get }
}

extension Vocabulary {
    public var aliases: [String] { [] }
    public func label(_ locale: UILocale) -> String { locale == .en ? en : zh }

    /// Finds the case a person meant: API value, Chinese or English label, or an alias.
    public static func parse(_ raw: String) -> Self? {
        let s = raw.trimmed
        guard !s.isEmpty else { return nil }
        return lookup[s] ?? lookup[s.lowercased()]
    }

    public static func makeLookup() -> [String: Self] {
        var out: [String: Self] = [:]
        // Later spellings never override earlier ones: raw values and labels win over aliases.
        for c in allCases { out[c.rawValue] = out[c.rawValue] ?? c }
        for c in allCases { for k in [c.zh, c.en.lowercased()] where out[k] == nil { out[k] = c } }
        for c in allCases { for a in c.aliases { for k in [a, a.lowercased()] where out[k] == nil { out[k] = c } } }
        return out
    }

    public static var allowedList: String { allCases.map(\.zh).joined(separator: "、") }
}

public enum Gender: String, Vocabulary {
    public static let lookup = makeLookup()
    case male, female
    public var zh: String { self == .male ? "男" : "女" }
    public var en: String { self == .male ? "male" : "female" }
}

/// 学段/办学类型.
public enum Stage: String, Vocabulary {
    public static let lookup = makeLookup()
    case kindergarten, primary, junior
    case nineYear = "nine_year"
    case completeSecondary = "complete_secondary"
    case twelveYear = "twelve_year"
    case senior, vocational, special
    case teachingPoint = "teaching_point"

    public var zh: String {
        switch self {
        case .kindergarten: "幼儿园"; case .primary: "小学"; case .junior: "初中"; case .nineYear: "九年一贯制"
        case .completeSecondary: "完全中学"; case .twelveYear: "十二年一贯制"; case .senior: "高中"
        case .vocational: "中职"; case .special: "特殊教育"; case .teachingPoint: "教学点"
        }
    }
    public var en: String {
        switch self {
        case .kindergarten: "kindergarten"; case .primary: "primary"; case .junior: "junior secondary"; case .nineYear: "nine-year"
        case .completeSecondary: "complete secondary"; case .twelveYear: "twelve-year"; case .senior: "senior secondary"
        case .vocational: "vocational"; case .special: "special education"; case .teachingPoint: "teaching point"
        }
    }
    public var aliases: [String] {
        switch self {
        case .junior: ["初级中学"]; case .senior: ["高级中学"]; case .vocational: ["中等职业学校"]; case .special: ["特教"]
        case .nineYear: ["九年制"]; default: []
        }
    }
    /// Stages whose teachers belong to one part of the school (a 九年一贯制 has primary and junior parts).
    public var parts: [StagePart] {
        switch self {
        case .primary, .teachingPoint: [.primary]
        case .junior: [.junior]
        case .nineYear: [.primary, .junior]
        case .completeSecondary: [.junior, .senior]
        case .twelveYear: [.primary, .junior, .senior]
        case .senior, .vocational: [.senior]
        case .kindergarten, .special: []
        }
    }
    public var isCompulsory: Bool { [.primary, .junior, .nineYear, .completeSecondary, .twelveYear, .teachingPoint].contains(self) }
}

/// The part of a split school a teacher teaches in.
public enum StagePart: String, Vocabulary {
    public static let lookup = makeLookup()
    case primary, junior, senior
    public var zh: String { switch self { case .primary: "小学部"; case .junior: "初中部"; case .senior: "高中部" } }
    public var en: String { switch self { case .primary: "primary part"; case .junior: "junior part"; case .senior: "senior part" } }
    public var aliases: [String] { switch self { case .primary: ["小学"]; case .junior: ["初中"]; case .senior: ["高中"] } }
}

public enum Locality: String, Vocabulary {
    public static let lookup = makeLookup()
    case urban, town, rural
    public var zh: String { switch self { case .urban: "城区"; case .town: "镇区"; case .rural: "乡村" } }
    public var en: String { rawValue }
    public var aliases: [String] { switch self { case .urban: ["城市", "城镇"]; case .town: ["镇"]; case .rural: ["农村", "村"] } }
}

public enum SchoolStatus: String, Vocabulary {
    public static let lookup = makeLookup()
    case active, merged, closed
    public var zh: String { switch self { case .active: "在办"; case .merged: "已撤并"; case .closed: "已停办" } }
    public var en: String { switch self { case .active: "active"; case .merged: "merged"; case .closed: "closed" } }
}

/// 最高学历. `secondary` covers 中专/中师/幼师.
public enum Education: String, Vocabulary {
    public static let lookup = makeLookup()
    case highSchool = "high_school"
    case secondary
    case juniorCollege = "junior_college"
    case bachelor, master, doctor
    public var zh: String {
        switch self { case .highSchool: "高中"; case .secondary: "中专"; case .juniorCollege: "专科"; case .bachelor: "本科"; case .master: "硕士研究生"; case .doctor: "博士研究生" }
    }
    public var en: String {
        switch self { case .highSchool: "high school"; case .secondary: "secondary (normal) school"; case .juniorCollege: "junior college"; case .bachelor: "bachelor"; case .master: "master"; case .doctor: "doctor" }
    }
    public var aliases: [String] {
        switch self {
        case .highSchool: ["高中及以下", "初中"]; case .secondary: ["中师", "幼师", "中专/中师"]; case .juniorCollege: ["大专", "专科(大专)"]
        case .bachelor: ["大学本科", "学士"]; case .master: ["硕士", "研究生"]; case .doctor: ["博士"]
        }
    }
    /// Ordering for "at least" rules.
    public var rank: Int { Education.allCases.firstIndex(of: self)! }
}

/// 普通话水平测试等级, best first.
public enum Putonghua: String, Vocabulary {
    public static let lookup = makeLookup()
    case l1A = "1A", l1B = "1B", l2A = "2A", l2B = "2B", l3A = "3A", l3B = "3B"
    public var zh: String {
        switch self { case .l1A: "一级甲等"; case .l1B: "一级乙等"; case .l2A: "二级甲等"; case .l2B: "二级乙等"; case .l3A: "三级甲等"; case .l3B: "三级乙等" }
    }
    public var en: String {
        switch self { case .l1A: "level 1-A"; case .l1B: "level 1-B"; case .l2A: "level 2-A"; case .l2B: "level 2-B"; case .l3A: "level 3-A"; case .l3B: "level 3-B" }
    }
    public var aliases: [String] {
        switch self { case .l1A: ["一甲", "1a"]; case .l1B: ["一乙", "1b"]; case .l2A: ["二甲", "2a"]; case .l2B: ["二乙", "2b"]; case .l3A: ["三甲", "3a"]; case .l3B: ["三乙", "3b"] }
    }
    /// Lower is better.
    public var rank: Int { Putonghua.allCases.firstIndex(of: self)! }
}

public enum Subject: String, Vocabulary {
    public static let lookup = makeLookup()
    case chinese, math, english, physics, chemistry, biology, politics, history, geography, science, music, art, pe, it, preschool, other
    public var zh: String {
        switch self {
        case .chinese: "语文"; case .math: "数学"; case .english: "英语"; case .physics: "物理"; case .chemistry: "化学"; case .biology: "生物"
        case .politics: "道德与法治"; case .history: "历史"; case .geography: "地理"; case .science: "科学"; case .music: "音乐"; case .art: "美术"
        case .pe: "体育"; case .it: "信息技术"; case .preschool: "学前教育"; case .other: "其他"
        }
    }
    public var en: String {
        switch self {
        case .math: "mathematics"; case .politics: "morality and law"; case .pe: "PE"; case .it: "IT"; case .preschool: "preschool"
        default: rawValue
        }
    }
    public var aliases: [String] {
        switch self {
        case .politics: ["政治", "思想品德", "思品", "道法"]; case .pe: ["体育与健康", "体育健康"]; case .it: ["信息科技", "计算机"]
        case .math: ["数学"]; case .preschool: ["幼教"]; case .music: ["音乐"]; case .art: ["美术", "艺术"]; default: []
        }
    }
    /// Scarce subjects taught by itinerant teachers (走教) and counted in the PE/art indicator.
    public var isPEOrArt: Bool { self == .pe || self == .music || self == .art }
}

/// 专业技术职务 (职称).
public enum Title: String, Vocabulary {
    public static let lookup = makeLookup()
    case none, junior, intermediate, senior, professor
    public var zh: String { switch self { case .none: "未定级"; case .junior: "初级"; case .intermediate: "中级"; case .senior: "高级"; case .professor: "正高级" } }
    public var en: String { switch self { case .none: "unranked"; case .junior: "junior"; case .intermediate: "intermediate"; case .senior: "senior"; case .professor: "professor-level" } }
    public var aliases: [String] {
        switch self {
        case .none: ["无", "未评", "无职称"]; case .junior: ["二级教师", "三级教师", "助理级"]; case .intermediate: ["一级教师", "中级职称"]
        case .senior: ["高级教师", "副高级", "副高"]; case .professor: ["正高级教师", "正高"]
        }
    }
    public var isIntermediateOrHigher: Bool { self == .intermediate || self == .senior || self == .professor }
}

/// 骨干教师级别.
public enum Backbone: String, Vocabulary {
    public static let lookup = makeLookup()
    case none, school, county, city, province
    public var zh: String { switch self { case .none: "无"; case .school: "校级"; case .county: "县级"; case .city: "市级"; case .province: "省级" } }
    public var en: String { switch self { case .none: "none"; case .school: "school"; case .county: "county"; case .city: "city"; case .province: "province" } }
    public var aliases: [String] {
        switch self {
        case .none: ["否", "非骨干", "-"]; case .school: ["校级骨干"]; case .county: ["县级骨干", "县级及以上"]; case .city: ["市级骨干", "州级"]
        case .province: ["省级骨干"]
        }
    }
    public var isCountyOrHigher: Bool { self == .county || self == .city || self == .province }
}

extension String {
    /// Without leading and trailing white space; returns self untouched in the common case.
    public var trimmed: String {
        guard let f = unicodeScalars.first, let l = unicodeScalars.last else { return self }
        if !f.properties.isWhitespace && !l.properties.isWhitespace { return self }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
