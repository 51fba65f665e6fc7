import XuequCore

/// A teacher record as typed (form, API or spreadsheet row), before it is checked.
public struct TeacherDraft: Sendable {
    public var name: String
    public var residentId: String
    public var schoolRef: SchoolRef
    public var subjects: [String]
    public var education: String
    public var putonghua: String
    public var title: String
    public var backbone: String
    public var schoolSince: String
    public var stagePart: String?
    public var phone: String?
    /// 教师资格 held (certified elsewhere; optional), its certificate number, and for a
    /// principal the start of the headship at this school.
    public var qualificationType: String? = nil
    public var qualificationNumber: String? = nil
    public var principalSince: String? = nil

    public enum SchoolRef: Sendable, Hashable { case id(Int), code(String) }

    public init(name: String, residentId: String, schoolRef: SchoolRef, subjects: [String], education: String, putonghua: String, title: String, backbone: String, schoolSince: String, stagePart: String? = nil, phone: String? = nil) {
        self.name = name; self.residentId = residentId; self.schoolRef = schoolRef; self.subjects = subjects; self.education = education
        self.putonghua = putonghua; self.title = title; self.backbone = backbone; self.schoolSince = schoolSince; self.stagePart = stagePart; self.phone = phone
    }
}

/// Problems found by a validation, keyed by field.
public struct FieldProblems<Key: Hashable & Sendable>: Error, Sendable {
    public let fields: [Key: LocalizedText]
}

/// A checked teacher record, ready to store.
public struct ValidTeacher: Sendable, Hashable {
    public let name: String
    public let residentId: ResidentID
    public let schoolRef: TeacherDraft.SchoolRef
    public let subjects: [Subject]
    public let education: Education
    public let putonghua: Putonghua
    public let title: Title
    public let backbone: Backbone
    public let schoolSince: CivilDate
    public let stagePart: StagePart?
    public let phone: String?
    public let qualificationType: QualificationType?
    public let qualificationNumber: String?
    public let principalSince: CivilDate?

    public init(name: String, residentId: ResidentID, schoolRef: TeacherDraft.SchoolRef, subjects: [Subject], education: Education, putonghua: Putonghua, title: Title, backbone: Backbone, schoolSince: CivilDate, stagePart: StagePart?, phone: String?,
                qualificationType: QualificationType? = nil, qualificationNumber: String? = nil, principalSince: CivilDate? = nil) {
        self.name = name; self.residentId = residentId; self.schoolRef = schoolRef; self.subjects = subjects; self.education = education; self.putonghua = putonghua
        self.title = title; self.backbone = backbone; self.schoolSince = schoolSince; self.stagePart = stagePart; self.phone = phone
        self.qualificationType = qualificationType; self.qualificationNumber = qualificationNumber; self.principalSince = principalSince
    }

    public var subjectsColumn: String { subjects.map(\.rawValue).joined(separator: ",") }
}

/// The teacher fields' names as the API, the forms and the spreadsheet know them.
public enum TeacherField: String, CaseIterable, Sendable {
    case name, residentId, schoolId, subjects, education, putonghua, title, backbone, schoolSince, stagePart, phone
    case qualificationType, qualificationNumber, principalSince

    /// Column header in the import template (CONTRACT "Registry").
    public var header: String {
        switch self {
        case .name: "姓名"; case .residentId: "身份证号"; case .schoolId: "学校代码"; case .subjects: "任教学科"; case .education: "学历"
        case .putonghua: "普通话等级"; case .title: "职称"; case .backbone: "骨干级别"; case .schoolSince: "本校任教起始日期"
        case .stagePart: "任教学段"; case .phone: "手机号"
        case .qualificationType: "教师资格种类"; case .qualificationNumber: "教师资格证书编号"; case .principalSince: "任校长起始日期"
        }
    }
}

public enum TeacherRules {
    /// Checks every field and reports all problems at once, keyed by `TeacherField`.
    public static func validate(_ d: TeacherDraft, today: CivilDate) -> Result<ValidTeacher, FieldProblems<TeacherField>> {
        var errors: [TeacherField: LocalizedText] = [:]
        let name = d.name.trimmed
        if name.isEmpty { errors[.name] = LocalizedText(zh: "姓名不能为空", en: "name is required") }
        else if name.count > 40 { errors[.name] = LocalizedText(zh: "姓名不能超过40个字符", en: "name is longer than 40 characters") }
        else if name.unicodeScalars.contains(where: { $0.value < 0x20 }) { errors[.name] = LocalizedText(zh: "姓名含有控制字符", en: "name contains control characters") }

        var rid: ResidentID?
        let rawID = d.residentId.trimmed
        if rawID.contains("E+") || rawID.contains("e+") {
            errors[.residentId] = LocalizedText(zh: "身份证号被 Excel 存成了科学计数法数字，请把该列设为“文本”后重新填写", en: "the resident ID was stored by Excel as a number in scientific notation; format the column as text and type it again")
        } else {
            switch ResidentID.parse(rawID, today: today) {
            case .success(let r): rid = r
            case .failure(let p): errors[.residentId] = p.message
            }
        }
        if case .code(let c) = d.schoolRef, c.trimmed.isEmpty {
            errors[.schoolId] = LocalizedText(zh: "学校代码不能为空", en: "school code is required")
        }

        var subjects: [Subject] = []
        let rawSubjects = d.subjects.flatMap { $0.split(whereSeparator: { "、,，;；/ ".contains($0) }) }.map(String.init).filter { !$0.isEmpty }
        if rawSubjects.isEmpty { errors[.subjects] = LocalizedText(zh: "任教学科不能为空", en: "at least one subject is required") }
        for s in rawSubjects {
            guard let v = Subject.parse(s) else {
                errors[.subjects] = LocalizedText(zh: "未知学科“\(s.clipped())”，可填：\(Subject.allowedList)", en: "unknown subject “\(s.clipped())”; allowed: \(Subject.allCases.map(\.rawValue).joined(separator: ", "))")
                break
            }
            if !subjects.contains(v) { subjects.append(v) }
        }

        func vocab<V: Vocabulary>(_ t: V.Type, _ raw: String, _ field: TeacherField, _ zhName: String) -> V? {
            if raw.trimmed.isEmpty {
                errors[field] = LocalizedText(zh: "\(zhName)不能为空", en: "\(field.rawValue) is required"); return nil
            }
            guard let v = V.parse(raw) else {
                errors[field] = LocalizedText(zh: "无法识别的\(zhName)“\(raw.clipped())”，可填：\(V.allowedList)", en: "unknown \(field.rawValue) “\(raw.clipped())”; allowed: \(V.allCases.map(\.rawValue).joined(separator: ", "))")
                return nil
            }
            return v
        }
        let education = vocab(Education.self, d.education, .education, "学历")
        let putonghua = vocab(Putonghua.self, d.putonghua, .putonghua, "普通话等级")
        let title = vocab(Title.self, d.title.isEmpty ? "none" : d.title, .title, "职称")
        let backbone = vocab(Backbone.self, d.backbone.isEmpty ? "none" : d.backbone, .backbone, "骨干级别")

        var since: CivilDate?
        let rawSince = d.schoolSince.trimmed
        if rawSince.isEmpty {
            errors[.schoolSince] = LocalizedText(zh: "本校任教起始日期不能为空", en: "schoolSince is required")
        } else if let date = CivilDate(parsing: rawSince) ?? Double(rawSince).flatMap({ CivilDate(excelSerial: $0) }) {
            if date > today { errors[.schoolSince] = LocalizedText(zh: "本校任教起始日期不能晚于今天（\(date)）", en: "schoolSince \(date) is in the future") }
            else if let r = rid, r.birthDate.wholeYears(until: date) < 16 {
                errors[.schoolSince] = LocalizedText(zh: "本校任教起始日期早于本人满16岁", en: "schoolSince is before the teacher turned 16")
            } else { since = date }
        } else {
            errors[.schoolSince] = LocalizedText(zh: "日期格式应为 YYYY-MM-DD，实际为“\(rawSince.clipped())”", en: "expected a date YYYY-MM-DD, got “\(rawSince.clipped())”")
        }

        var part: StagePart?
        if let raw = d.stagePart?.trimmed, !raw.isEmpty, raw != "null" {
            if let p = StagePart.parse(raw) { part = p } else {
                errors[.stagePart] = LocalizedText(zh: "任教学段应为小学、初中或高中，实际为“\(raw.clipped())”", en: "stagePart must be primary, junior or senior, got “\(raw.clipped())”")
            }
        }
        var phone: String?
        if let raw = d.phone?.trimmed, !raw.isEmpty {
            if raw.count == 11, raw.first == "1", raw.allSatisfy({ $0.isASCII && $0.isNumber }) { phone = raw } else {
                errors[.phone] = LocalizedText(zh: "手机号应为以1开头的11位数字", en: "a mobile number has 11 digits starting with 1")
            }
        }

        var qualification: QualificationType?
        if let raw = d.qualificationType?.trimmed, !raw.isEmpty, raw != "null" {
            if let q = QualificationType.parse(raw) { qualification = q } else {
                errors[.qualificationType] = LocalizedText(zh: "无法识别的教师资格种类“\(raw.clipped())”，可填：\(QualificationType.allowedList)",
                                                           en: "unknown qualificationType “\(raw.clipped())”; allowed: \(QualificationType.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        var number: String?
        if let raw = d.qualificationNumber?.trimmed, !raw.isEmpty {
            if raw.count <= 30, raw.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) { number = raw } else {
                errors[.qualificationNumber] = LocalizedText(zh: "证书编号应为不超过30位的字母或数字", en: "a certificate number has at most 30 letters or digits")
            }
            if qualification == nil, errors[.qualificationType] == nil {
                errors[.qualificationType] = LocalizedText(zh: "填写证书编号时须选择资格种类", en: "choose the qualification type of the certificate number")
            }
        }
        var principal: CivilDate?
        if let raw = d.principalSince?.trimmed, !raw.isEmpty {
            if let date = CivilDate(parsing: raw) ?? Double(raw).flatMap({ CivilDate(excelSerial: $0) }) {
                if date > today { errors[.principalSince] = LocalizedText(zh: "任校长起始日期不能晚于今天", en: "principalSince is in the future") }
                else if let since, date < since { errors[.principalSince] = LocalizedText(zh: "任校长起始日期早于本校任教起始日期", en: "principalSince is before schoolSince") }
                else { principal = date }
            } else {
                errors[.principalSince] = LocalizedText(zh: "日期格式应为 YYYY-MM-DD，实际为“\(raw.clipped())”", en: "expected a date YYYY-MM-DD, got “\(raw.clipped())”")
            }
        }

        guard errors.isEmpty, let rid, let education, let putonghua, let title, let backbone, let since else { return .failure(FieldProblems(fields: errors)) }
        return .success(ValidTeacher(name: name, residentId: rid, schoolRef: d.schoolRef, subjects: subjects, education: education, putonghua: putonghua,
                                     title: title, backbone: backbone, schoolSince: since, stagePart: part, phone: phone,
                                     qualificationType: qualification, qualificationNumber: number, principalSince: principal))
    }

    /// Whether the part fits the school's stage (a 小学 has no 初中部).
    public static func check(part: StagePart?, stage: Stage) -> LocalizedText? {
        guard let part else { return nil }
        if !stage.parts.contains(part) {
            return LocalizedText(zh: "\(stage.zh)没有\(part.zh)", en: "a \(stage.en) school has no \(part.en)")
        }
        return nil
    }
}

/// A school as typed.
public struct SchoolDraft: Sendable {
    public var code: String
    public var name: String
    public var districtRef: DistrictRef
    public var stage: String
    public var locality: String
    public var boarding: Bool
    public var central: Bool
    public var standardised: Bool
    public var students: Int?
    public var address: String?

    public enum DistrictRef: Sendable, Hashable { case id(Int), code(String) }

    public init(code: String, name: String, districtRef: DistrictRef, stage: String, locality: String, boarding: Bool = false, central: Bool = false, standardised: Bool = false, students: Int? = nil, address: String? = nil) {
        self.code = code; self.name = name; self.districtRef = districtRef; self.stage = stage; self.locality = locality
        self.boarding = boarding; self.central = central; self.standardised = standardised; self.students = students; self.address = address
    }
}

public struct ValidSchool: Sendable {
    public let code: String
    public let name: String
    public let districtRef: SchoolDraft.DistrictRef
    public let stage: Stage
    public let locality: Locality
    public let boarding: Bool
    public let central: Bool
    public let standardised: Bool
    public let students: Int
    public let address: String?

    public init(code: String, name: String, districtRef: SchoolDraft.DistrictRef, stage: Stage, locality: Locality, boarding: Bool, central: Bool, standardised: Bool, students: Int, address: String?) {
        self.code = code; self.name = name; self.districtRef = districtRef; self.stage = stage; self.locality = locality
        self.boarding = boarding; self.central = central; self.standardised = standardised; self.students = students; self.address = address
    }
}

public enum SchoolRules {
    public static func validate(_ d: SchoolDraft) -> Result<ValidSchool, FieldProblems<String>> {
        var e: [String: LocalizedText] = [:]
        let code = d.code.trimmingCharacters(in: .whitespaces)
        if code.isEmpty { e["code"] = LocalizedText(zh: "学校代码不能为空", en: "code is required") }
        else if code.count > 20 || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
            e["code"] = LocalizedText(zh: "学校代码只能由字母、数字和“-”组成，最长20位", en: "code takes letters, digits and “-”, at most 20")
        }
        let name = d.name.trimmed
        if name.isEmpty { e["name"] = LocalizedText(zh: "学校名称不能为空", en: "name is required") }
        else if name.count > 80 { e["name"] = LocalizedText(zh: "学校名称不能超过80个字符", en: "name is longer than 80 characters") }
        let stage = Stage.parse(d.stage)
        if stage == nil { e["stage"] = LocalizedText(zh: "无法识别的办学类型“\(d.stage.clipped())”，可填：\(Stage.allowedList)", en: "unknown stage “\(d.stage.clipped())”") }
        let locality = Locality.parse(d.locality)
        if locality == nil { e["locality"] = LocalizedText(zh: "无法识别的城乡类型“\(d.locality.clipped())”，可填：\(Locality.allowedList)", en: "unknown locality “\(d.locality.clipped())”") }
        if let s = d.students, s < 0 || s > 100_000 { e["students"] = LocalizedText(zh: "在校生数应在0到100000之间", en: "students must be between 0 and 100000") }
        guard e.isEmpty, let stage, let locality else { return .failure(FieldProblems(fields: e)) }
        return .success(ValidSchool(code: code, name: name, districtRef: d.districtRef, stage: stage, locality: locality, boarding: d.boarding,
                                    central: d.central, standardised: d.standardised, students: d.students ?? 0, address: d.address?.trimmingCharacters(in: .whitespaces)))
    }
}
