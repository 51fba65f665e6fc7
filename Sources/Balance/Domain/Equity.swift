import Foundation
import XuequCore

/// The county's equity indicators beside the coefficients (DOMAIN §2, "Other county indicators"),
/// entered as counts and computed as rates, so the definition is visible and checkable.
public enum EquityIndicator: String, Vocabulary {
    public static let lookup = makeLookup()
    /// 学前三年毛入园率.
    case preschoolGross = "preschool_gross"
    /// 高中阶段毛入学率.
    case seniorGross = "senior_gross"
    /// 三类残疾儿童少年入学率.
    case disabilityEnrolment = "disability_enrolment"
    /// 初中辍学率.
    case juniorDropout = "junior_dropout"

    public var zh: String {
        switch self {
        case .preschoolGross: "学前三年毛入园率"; case .seniorGross: "高中阶段毛入学率"
        case .disabilityEnrolment: "三类残疾儿童少年入学率"; case .juniorDropout: "初中辍学率"
        }
    }
    public var en: String {
        switch self {
        case .preschoolGross: "3-year preschool gross enrolment rate"; case .seniorGross: "senior secondary gross enrolment rate"
        case .disabilityEnrolment: "enrolment rate of children with the three kinds of disability"; case .juniorDropout: "junior secondary dropout rate"
        }
    }
    public var numeratorZh: String {
        switch self {
        case .preschoolGross: "在园幼儿数(不分年龄)"; case .seniorGross: "高中阶段在校生数(普通高中+中职，不分年龄)"
        case .disabilityEnrolment: "已入学的视力、听力、智力残疾适龄儿童少年(含随班就读、送教上门)"; case .juniorDropout: "学年内辍学的初中学生数"
        }
    }
    public var numeratorEn: String {
        switch self {
        case .preschoolGross: "children in kindergarten (any age)"; case .seniorGross: "students in senior high and vocational schools (any age)"
        case .disabilityEnrolment: "school-age children with visual, hearing or intellectual disability who are enrolled (incl. inclusive classes and home teaching)"
        case .juniorDropout: "junior students who dropped out during the school year"
        }
    }
    public var denominatorZh: String {
        switch self {
        case .preschoolGross: "3—5周岁适龄人口"; case .seniorGross: "15—17周岁适龄人口"
        case .disabilityEnrolment: "视力、听力、智力残疾适龄儿童少年总数"; case .juniorDropout: "学年初初中在校生数"
        }
    }
    public var denominatorEn: String {
        switch self {
        case .preschoolGross: "population aged 3–5"; case .seniorGross: "population aged 15–17"
        case .disabilityEnrolment: "school-age children with the three kinds of disability"; case .juniorDropout: "junior students at the start of the school year"
        }
    }
    /// Gross rates count pupils of any age, so they may exceed 100%; the others may not.
    public var mayExceedDenominator: Bool { self == .preschoolGross || self == .seniorGross }
    /// The target the seed's county was held to, where one is fixed: dropout below 1%.
    public var ceiling: Double? { self == .juniorDropout ? 0.01 : nil }
}

/// One equity figure for a year.
public struct EquityFigure: Sendable, Equatable, Codable {
    public let indicator: EquityIndicator
    public let numerator: Int
    public let denominator: Int
    public init(indicator: EquityIndicator, numerator: Int, denominator: Int) {
        self.indicator = indicator; self.numerator = numerator; self.denominator = denominator
    }
    /// numerator / denominator, or nil without a denominator.
    public var rate: Double? { denominator > 0 ? Double(numerator) / Double(denominator) : nil }

    public func validate() throws {
        var e = FieldErrors()
        let k = indicator.rawValue
        if denominator <= 0 || denominator > 100_000_000 { e.add("\(k).denominator", "分母应为正整数", "the denominator must be a positive whole number") }
        if numerator < 0 || numerator > 100_000_000 { e.add("\(k).numerator", "分子应为非负整数", "the numerator must be a non-negative whole number") }
        if !indicator.mayExceedDenominator && numerator > denominator && denominator > 0 {
            e.add("\(k).numerator", "分子不能大于分母", "the numerator cannot exceed the denominator")
        }
        try e.throwIfAny()
    }
}

/// 学生资助: the kinds of aid a county pays out.
public enum AidType: String, Vocabulary {
    public static let lookup = makeLookup()
    case boardingAllowance = "boarding_allowance"
    case nationalGrant = "national_grant"
    case tuitionWaiver = "tuition_waiver"
    case preschoolAid = "preschool_aid"
    case universityEntry = "university_entry"
    case other
    public var zh: String {
        switch self {
        case .boardingAllowance: "寄宿生生活补助"; case .nationalGrant: "国家助学金"; case .tuitionWaiver: "免学费"
        case .preschoolAid: "学前教育资助"; case .universityEntry: "大学新生入学资助"; case .other: "其他资助"
        }
    }
    public var en: String {
        switch self {
        case .boardingAllowance: "boarding living allowance"; case .nationalGrant: "national grant"; case .tuitionWaiver: "tuition waiver"
        case .preschoolAid: "preschool aid"; case .universityEntry: "university entry aid"; case .other: "other aid"
        }
    }
}

/// The stage an aided student is at.
public enum AidStage: String, Vocabulary {
    public static let lookup = makeLookup()
    case preschool, primary, junior, senior, vocational, university
    public var zh: String {
        switch self { case .preschool: "学前"; case .primary: "小学"; case .junior: "初中"; case .senior: "普通高中"; case .vocational: "中职"; case .university: "高校新生" }
    }
    public var en: String {
        switch self { case .preschool: "preschool"; case .primary: "primary"; case .junior: "junior secondary"; case .senior: "senior high"; case .vocational: "vocational"; case .university: "university entrant" }
    }
}

/// A student aid record as entered (家庭经济困难学生资助).
public struct AidDraft: Sendable, Codable {
    public var year: Int?
    public var schoolId: Int?
    public var studentName: String?
    public var residentId: String?
    public var stage: String?
    public var aidType: String?
    /// Yuan, up to two decimals.
    public var amount: String?
    public var note: String?
    public init() {}
}

public struct ValidAid: Sendable {
    public let year: Int
    public let schoolId: Int
    public let studentName: String
    public let residentId: ResidentID
    public let stage: AidStage
    public let aidType: AidType
    public let amountFen: Int
    public let note: String
}

extension AidDraft {
    public func validate(today: CivilDate) throws -> ValidAid {
        var e = FieldErrors()
        let year = self.year ?? 0
        if year < 2000 || year > today.year + 1 { e.add("year", "年度应在2000到\(today.year + 1)之间", "year must be between 2000 and \(today.year + 1)") }
        if schoolId == nil { e.add("schoolId", "请填写学校代码", "enter a school code") } else if schoolId! < 0 { e.add("schoolId", "没有这个学校代码", "no school has this code") }
        let name = (studentName ?? "").trimmed
        if name.isEmpty || name.count > 40 { e.add("studentName", "姓名不能为空，且不超过40字", "name is required, at most 40 characters") }
        var rid: ResidentID?
        switch ResidentID.parse(residentId ?? "", today: today) {
        case .success(let r): rid = r
        case .failure(let err): e.add("residentId", err.message)
        }
        let stage = AidStage.parse(self.stage ?? "")
        if stage == nil { e.add("stage", "学段应为：\(AidStage.allowedList)", "stage must be one of \(AidStage.allCases.map(\.rawValue).joined(separator: ", "))") }
        let type = AidType.parse(aidType ?? "")
        if type == nil { e.add("aidType", "资助类型应为：\(AidType.allowedList)", "aid type must be one of \(AidType.allCases.map(\.rawValue).joined(separator: ", "))") }
        var fen = 0
        let amountText = (amount ?? "").trimmed
        if let d = Decimal(string: amountText), d > 0, d <= 1_000_000, amountText.range(of: #"^\d+(\.\d{1,2})?$"#, options: .regularExpression) != nil {
            fen = NSDecimalNumber(decimal: d * 100).intValue
        } else {
            e.add("amount", "金额应为大于0、不超过1000000的数，最多两位小数", "amount must be above 0 and at most 1,000,000, with at most two decimals")
        }
        let note = (self.note ?? "").trimmed
        if note.count > 200 { e.add("note", "备注不超过200字", "note is at most 200 characters") }
        try e.throwIfAny()
        return ValidAid(year: year, schoolId: schoolId!, studentName: name, residentId: rid!, stage: stage!, aidType: type!, amountFen: fen, note: note)
    }
}
