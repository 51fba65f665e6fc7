import Registry
import XuequCore

/// The two state standards of 义务教育均衡 (DOMAIN §2).
public enum BalanceStandard: String, Vocabulary {
    public static let lookup = makeLookup()
    /// 基本均衡 (2012): eight indicators, composite coefficient.
    case basic
    /// 优质均衡 (2017): seven indicators with per-school standards.
    case quality
    public var zh: String { self == .basic ? "基本均衡" : "优质均衡" }
    public var en: String { self == .basic ? "basic balance" : "quality balance" }
    public var indicators: [Indicator] { self == .basic ? Indicator.basic : Indicator.quality }
}

/// The compulsory parts (学段) coefficients are computed for.
public enum BalancePart: String, Vocabulary {
    public static let lookup = makeLookup()
    case primary, junior
    public var zh: String { self == .primary ? "小学" : "初中" }
    public var en: String { self == .primary ? "primary" : "junior secondary" }
    public var stagePart: StagePart { self == .primary ? .primary : .junior }
}

/// What a school holds, summed over a part: the numerators of the indicators.
public enum Facility: String, Vocabulary {
    public static let lookup = makeLookup()
    case floorArea = "floor_area"
    case sportsArea = "sports_area"
    case equipmentValue = "equipment_value"
    case computers, books
    case multimediaRooms = "multimedia_rooms"
    public var zh: String {
        switch self {
        case .floorArea: "教学及辅助用房面积"; case .sportsArea: "体育运动场馆面积"; case .equipmentValue: "教学仪器设备值"
        case .computers: "计算机台数"; case .books: "图书册数"; case .multimediaRooms: "网络多媒体教室间数"
        }
    }
    public var en: String {
        switch self {
        case .floorArea: "teaching and auxiliary floor area"; case .sportsArea: "sports ground area"; case .equipmentValue: "teaching equipment value"
        case .computers: "computers"; case .books: "books"; case .multimediaRooms: "networked multimedia classrooms"
        }
    }
    public var unitZh: String {
        switch self { case .floorArea, .sportsArea: "平方米"; case .equipmentValue: "元"; case .computers: "台"; case .books: "册"; case .multimediaRooms: "间" }
    }
    public var unitEn: String {
        switch self { case .floorArea, .sportsArea: "m²"; case .equipmentValue: "yuan"; case .computers: "computers"; case .books: "books"; case .multimediaRooms: "rooms" }
    }
}

/// One balance indicator (评估指标): an amount a school part holds, per student or per 100
/// students. Keys are the contract's.
public enum Indicator: String, CaseIterable, Sendable, Codable {
    case floorArea = "floor_area"
    case sportsArea = "sports_area"
    case equipmentValue = "equipment_value"
    case computersPer100 = "computers_per_100"
    case books
    case teacherRatio = "teacher_ratio"
    case aboveRequiredEducation = "above_required_education"
    case intermediateTitle = "intermediate_title"
    case aboveRequiredEducationPer100 = "above_required_education_per_100"
    case backbonePer100 = "backbone_per_100"
    case peArtPer100 = "pe_art_per_100"
    case multimediaPer100 = "multimedia_per_100"

    /// 基本均衡's eight, in the order of the 2012 method.
    public static let basic: [Indicator] = [.floorArea, .sportsArea, .equipmentValue, .computersPer100, .books, .teacherRatio, .aboveRequiredEducation, .intermediateTitle]
    /// 优质均衡's seven, in the order of the 2017 method.
    public static let quality: [Indicator] = [.aboveRequiredEducationPer100, .backbonePer100, .peArtPer100, .floorArea, .sportsArea, .equipmentValue, .multimediaPer100]

    /// Students the value is counted per: 1 or 100.
    public var perStudents: Double {
        switch self {
        case .computersPer100, .aboveRequiredEducationPer100, .backbonePer100, .peArtPer100, .multimediaPer100: 100
        default: 1
        }
    }

    /// The facility the indicator counts, when it counts one.
    public var facility: Facility? {
        switch self {
        case .floorArea: .floorArea; case .sportsArea: .sportsArea; case .equipmentValue: .equipmentValue
        case .computersPer100: .computers; case .books: .books; case .multimediaPer100: .multimediaRooms
        default: nil
        }
    }

    /// The amount of one school part the indicator divides by its students.
    public func amount(_ u: PartAmounts, requiredEducation: Education) -> Double {
        if let f = facility { return u.facilities[f] ?? 0 }
        switch self {
        case .teacherRatio: return u.teachers.total
        case .aboveRequiredEducation, .aboveRequiredEducationPer100: return u.teachers.atLeast(requiredEducation)
        case .intermediateTitle: return u.teachers.intermediatePlus
        case .backbonePer100: return u.teachers.backboneCountyPlus
        case .peArtPer100: return u.teachers.peArt
        default: return 0
        }
    }

    public var zh: String {
        switch self {
        case .floorArea: "生均教学及辅助用房面积"; case .sportsArea: "生均体育运动场馆面积"; case .equipmentValue: "生均教学仪器设备值"
        case .computersPer100: "每百名学生拥有计算机台数"; case .books: "生均图书册数"; case .teacherRatio: "师生比"
        case .aboveRequiredEducation: "生均高于规定学历教师数"; case .intermediateTitle: "生均中级及以上专业技术职务教师数"
        case .aboveRequiredEducationPer100: "每百名学生拥有高于规定学历教师数"; case .backbonePer100: "每百名学生拥有县级及以上骨干教师数"
        case .peArtPer100: "每百名学生拥有体育、艺术(美术、音乐)专任教师数"; case .multimediaPer100: "每百名学生拥有网络多媒体教室数"
        }
    }
    public var en: String {
        switch self {
        case .floorArea: "teaching and auxiliary floor area per student"; case .sportsArea: "sports ground area per student"
        case .equipmentValue: "teaching equipment value per student"; case .computersPer100: "computers per 100 students"
        case .books: "books per student"; case .teacherRatio: "teachers per student"
        case .aboveRequiredEducation: "teachers above the required education per student"; case .intermediateTitle: "teachers with intermediate or higher title per student"
        case .aboveRequiredEducationPer100: "teachers above the required education per 100 students"; case .backbonePer100: "county-or-higher backbone teachers per 100 students"
        case .peArtPer100: "full-time PE, music and art teachers per 100 students"; case .multimediaPer100: "networked multimedia classrooms per 100 students"
        }
    }
    /// A short label for charts and sheet headers.
    public var shortZh: String {
        switch self {
        case .floorArea: "生均校舍"; case .sportsArea: "生均场馆"; case .equipmentValue: "生均设备值"; case .computersPer100: "百生计算机"
        case .books: "生均图书"; case .teacherRatio: "师生比"; case .aboveRequiredEducation: "生均高学历教师"; case .intermediateTitle: "生均中级职称教师"
        case .aboveRequiredEducationPer100: "百生高学历教师"; case .backbonePer100: "百生骨干教师"; case .peArtPer100: "百生体艺教师"; case .multimediaPer100: "百生多媒体教室"
        }
    }
    public var shortEn: String {
        switch self {
        case .floorArea: "floor area"; case .sportsArea: "sports area"; case .equipmentValue: "equipment"; case .computersPer100: "computers/100"
        case .books: "books"; case .teacherRatio: "teacher ratio"; case .aboveRequiredEducation: "qualified teachers"; case .intermediateTitle: "titled teachers"
        case .aboveRequiredEducationPer100: "qualified/100"; case .backbonePer100: "backbone/100"; case .peArtPer100: "PE & art/100"; case .multimediaPer100: "multimedia/100"
        }
    }
    /// Unit of the numerator, for "lacks 320 m²".
    public var amountUnitZh: String { facility?.unitZh ?? "名教师" }
    public var amountUnitEn: String { facility?.unitEn ?? "teachers" }
}

/// What a school holds, one field per facility (a value type without heap storage).
public struct Facilities: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public var floorArea = 0.0, sportsArea = 0.0, equipmentValue = 0.0, computers = 0.0, books = 0.0, multimediaRooms = 0.0
    public init() {}
    public init(dictionaryLiteral elements: (Facility, Double)...) {
        for (k, v) in elements { self[k] = v }
    }
    public subscript(_ f: Facility) -> Double? {
        get {
            switch f {
            case .floorArea: floorArea; case .sportsArea: sportsArea; case .equipmentValue: equipmentValue
            case .computers: computers; case .books: books; case .multimediaRooms: multimediaRooms
            }
        }
        set {
            let v = newValue ?? 0
            switch f {
            case .floorArea: floorArea = v; case .sportsArea: sportsArea = v; case .equipmentValue: equipmentValue = v
            case .computers: computers = v; case .books: books = v; case .multimediaRooms: multimediaRooms = v
            }
        }
    }
    public func scaled(_ k: Double) -> Facilities {
        var r = self
        r.floorArea *= k; r.sportsArea *= k; r.equipmentValue *= k; r.computers *= k; r.books *= k; r.multimediaRooms *= k
        return r
    }
}

/// Teacher tallies of one school by part: "" (no part given), primary, junior, senior.
public struct PartTallies: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public var none: TeacherTally?, primary: TeacherTally?, junior: TeacherTally?, senior: TeacherTally?
    public init() {}
    public init(dictionaryLiteral elements: (String, TeacherTally)...) {
        for (k, v) in elements { self[k] = v }
    }
    public subscript(_ key: String) -> TeacherTally? {
        get {
            switch key { case "primary": primary; case "junior": junior; case "senior": senior; default: none }
        }
        set {
            switch key { case "primary": primary = newValue; case "junior": junior = newValue; case "senior": senior = newValue; default: none = newValue }
        }
    }
    /// Every teacher of the school, whatever the part.
    public var all: TeacherTally {
        var t = TeacherTally()
        for x in [none, primary, junior, senior] { if let x { t = t + x } }
        return t
    }
}

/// The amounts of one school part: its facilities and its teachers.
public struct PartAmounts: Sendable, Equatable {
    public var facilities: Facilities
    public var teachers: TeacherTally
    public init(facilities: Facilities = [:], teachers: TeacherTally = TeacherTally()) {
        self.facilities = facilities; self.teachers = teachers
    }
}
