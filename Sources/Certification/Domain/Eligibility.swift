import XuequCore

/// Deficiency codes (CONTRACT "Certification"): what keeps an application from being decided.
public enum DeficiencyCode: String, Sendable, Codable, CaseIterable {
    case educationBelowMinimum = "education_below_minimum"
    case putonghuaBelowMinimum = "putonghua_below_minimum"
    case examMissing = "exam_missing"
    case examExpired = "exam_expired"
    case physicalExamFailed = "physical_exam_failed"
    case physicalExamMissing = "physical_exam_missing"
    case barred
    case documentsMissing = "documents_missing"
}

public struct Deficiency: Sendable, Codable, Equatable {
    public let code: DeficiencyCode
    public let reason: LocalizedText
    public init(_ code: DeficiencyCode, _ zh: String, _ en: String) { self.code = code; self.reason = LocalizedText(zh: zh, en: en) }
}

/// Coded reasons for a rejection or a revocation.
public enum CertReason: String, Vocabulary {
    public static let lookup = makeLookup()
    case educationBelowMinimum = "education_below_minimum"
    case putonghuaBelowMinimum = "putonghua_below_minimum"
    case examMissing = "exam_missing"
    case examExpired = "exam_expired"
    case physicalExamFailed = "physical_exam_failed"
    case abilityTestFailed = "ability_test_failed"
    case objectionUpheld = "objection_upheld"
    case fraud
    case examCheating = "exam_cheating"
    case conviction
    case barred
    case other
    public var zh: String {
        switch self {
        case .educationBelowMinimum: "学历不符合要求"; case .putonghuaBelowMinimum: "普通话水平不达标"; case .examMissing: "未通过考试"
        case .examExpired: "考试合格证明已过期"; case .physicalExamFailed: "体检不合格"; case .abilityTestFailed: "教育教学能力测试未通过"
        case .objectionUpheld: "公示异议成立"; case .fraud: "弄虚作假"; case .examCheating: "考试作弊"; case .conviction: "受过刑事处罚"
        case .barred: "处于限制申请期内"; case .other: "其他"
        }
    }
    public var en: String { rawValue.replacingOccurrences(of: "_", with: " ") }
    /// Years a revocation for this reason bars new applications (nil: none; Int.max: for good).
    public var barYears: Int? {
        switch self { case .fraud: 5; case .examCheating: 3; case .conviction: Int.max; default: nil }
    }
}

/// An application's facts as the eligibility rules read them.
public struct ApplicantFacts: Sendable, Equatable {
    public var type: CertType
    public var subject: Subject
    public var education: Education
    public var normalGraduate: Bool
    public var putonghua: Putonghua
    public var route: CertRoute
    public var examPassedOn: CivilDate?
    public var physicalExam: PhysicalExam
    public var township: Bool
    public init(type: CertType, subject: Subject, education: Education, normalGraduate: Bool, putonghua: Putonghua, route: CertRoute,
                examPassedOn: CivilDate?, physicalExam: PhysicalExam, township: Bool = false) {
        self.type = type; self.subject = subject; self.education = education; self.normalGraduate = normalGraduate; self.putonghua = putonghua
        self.route = route; self.examPassedOn = examPassedOn; self.physicalExam = physicalExam; self.township = township
    }
}

/// 认定条件 in force from a date, per region (DOMAIN §5): national defaults in `national`.
public struct EligibilityRules: Codable, Sendable, Equatable {
    public var effectiveFrom: CivilDate
    /// Minimum education per type (教师法 §11), by type key.
    public var educationMinimum: [String: Education]
    /// 二级乙等 for everyone, 二级甲等 for 语文 teachers.
    public var putonghuaMinimum: Putonghua
    public var putonghuaMinimumChinese: Putonghua
    /// Some provinces accept 三级甲等 in township schools (never for 语文).
    public var townshipPutonghua: Putonghua?
    /// The national exam's pass certificate is valid this many years from its date.
    public var examValidityYears: Int
    /// Whether normal-school graduates may apply without the exam this year.
    public var exemptionAllowed: Bool
    /// The ability test's pass mark (mean of the panel's scores, out of 100).
    public var abilityPassMark: Double

    public static let national = EligibilityRules(
        effectiveFrom: CivilDate(year: 2015, month: 1, day: 1)!,
        educationMinimum: [CertType.kindergarten.rawValue: .secondary, CertType.primary.rawValue: .secondary, CertType.junior.rawValue: .juniorCollege,
                           CertType.senior.rawValue: .bachelor, CertType.vocational.rawValue: .bachelor, CertType.vocationalPractice.rawValue: .secondary],
        putonghuaMinimum: .l2B, putonghuaMinimumChinese: .l2A, townshipPutonghua: nil,
        examValidityYears: 3, exemptionAllowed: false, abilityPassMark: 60)

    /// Every deficiency of an application on `today` (the checklist the applicant sees).
    public func deficiencies(_ a: ApplicantFacts, today: CivilDate, barredUntil: CivilDate?) -> [Deficiency] {
        var out: [Deficiency] = []
        let minimum = educationMinimum[a.type.rawValue] ?? .bachelor
        if Education.allCases.firstIndex(of: a.education)! < Education.allCases.firstIndex(of: minimum)! {
            out.append(Deficiency(.educationBelowMinimum, "\(a.type.zh)要求\(minimum.zh)及以上学历，申请人为\(a.education.zh)",
                                  "\(a.type.en) needs \(minimum.en) or higher; the applicant has \(a.education.en)"))
        }
        var needed = a.subject == .chinese ? putonghuaMinimumChinese : putonghuaMinimum
        if a.township, a.subject != .chinese, let t = townshipPutonghua, t.rank > needed.rank { needed = t }
        if a.putonghua.rank > needed.rank {
            out.append(Deficiency(.putonghuaBelowMinimum, "\(a.subject == .chinese ? "语文教师" : "教师")普通话应达到\(needed.zh)，申请人为\(a.putonghua.zh)",
                                  "Putonghua must be \(needed.en) or better\(a.subject == .chinese ? " for Chinese teachers" : ""); the applicant has \(a.putonghua.en)"))
        }
        switch a.route {
        case .nationalExam, .twoExams:
            if let passed = a.examPassedOn {
                if a.route == .nationalExam, passed.adding(days: 0) < CivilDate(year: today.year - examValidityYears, month: today.month, day: min(today.day, 28))! {
                    out.append(Deficiency(.examExpired, "考试合格证明（\(passed)）已超过\(examValidityYears)年有效期", "the exam pass of \(passed) is older than \(examValidityYears) years"))
                }
                if passed > today { out.append(Deficiency(.examMissing, "考试合格日期在将来", "the exam pass date is in the future")) }
            } else {
                out.append(Deficiency(.examMissing, a.route == .nationalExam ? "缺少国家教师资格考试合格证明" : "缺少教育学、心理学考试合格证明",
                                      a.route == .nationalExam ? "no national exam pass" : "no pass in pedagogy and psychology"))
            }
        case .exempt:
            if !(exemptionAllowed && a.normalGraduate) {
                out.append(Deficiency(.examMissing, exemptionAllowed ? "只有师范毕业生可以免试认定" : "本年度不实行免试认定，需提供考试合格证明",
                                      exemptionAllowed ? "only normal-school graduates may apply without the exam" : "no exemption this year: an exam pass is needed"))
            }
        }
        switch a.physicalExam {
        case .fail: out.append(Deficiency(.physicalExamFailed, "体检不合格", "the physical examination was failed"))
        case .pending: out.append(Deficiency(.physicalExamMissing, "尚未提交指定医院的体检结论", "no physical examination result from a designated hospital"))
        case .pass: break
        }
        if let until = barredUntil, until >= today {
            out.append(Deficiency(.barred, "因此前被撤销教师资格，\(until.year >= 9999 ? "不得再次申请" : "\(until)前不得申请")",
                                  until.year >= 9999 ? "barred for good after a revocation" : "barred until \(until) after a revocation"))
        }
        return out
    }
}

/// 教师资格证书编号: year (4) + body code (5) + type (1) + sex (1) + serial (6) = 17 digits.
public enum CertificateNumber {
    public static func make(year: Int, bodyCode: String, type: CertType, gender: Gender, serial: Int, femaleDigit: Int = 2) -> String {
        let sex = gender == .male ? 1 : femaleDigit
        return String(format: "%04d", year) + bodyCode + String(type.digit) + String(sex) + String(format: "%06d", serial)
    }
}
