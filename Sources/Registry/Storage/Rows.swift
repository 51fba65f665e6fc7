import Foundation
import SQLKit
import XuequCore
import XuequKit

public struct DistrictRow: Codable, Sendable {
    public let id: Int
    public let code: String
    public let name: String
    public let centralSchoolId: Int?
}

public struct DistrictSummary: Codable, Sendable {
    public let id: Int
    public let code: String
    public let name: String
    public let centralSchoolId: Int?
    public let centralSchoolName: String?
    public let schools: Int
    public let students: Int
    public let teachers: Int
}

public struct SchoolRow: Codable, Sendable {
    public let id: Int
    public let code: String
    public let name: String
    public let districtId: Int
    public let stage: String
    public let locality: String
    public let boarding: Bool
    public let central: Bool
    public let standardised: Bool
    public let status: String
    public let students: Int
    public let address: String?
    public let mergedIntoId: Int?
    public let mergedOn: String?
    public let version: Int
}

/// A school in a list, with its district's name and head count.
public struct SchoolListRow: Codable, Sendable {
    public let id: Int
    public let code: String
    public let name: String
    public let districtId: Int
    public let districtName: String
    public let stage: String
    public let locality: String
    public let boarding: Bool
    public let central: Bool
    public let standardised: Bool
    public let status: String
    public let students: Int
    public let teachers: Int
}

extension SchoolListRow {
    /// Read column by column, not through `Decodable`: on a list page the keyed decoder (a key
    /// conversion, a lookup and a dynamic cast per column) was a fifth of the request's CPU.
    init(columns r: any SQLRow) throws {
        id = try r.decode(column: "id", as: Int.self)
        code = try r.decode(column: "code", as: String.self)
        name = try r.decode(column: "name", as: String.self)
        districtId = try r.decode(column: "district_id", as: Int.self)
        districtName = try r.decode(column: "district_name", as: String.self)
        stage = try r.decode(column: "stage", as: String.self)
        locality = try r.decode(column: "locality", as: String.self)
        boarding = try r.decode(column: "boarding", as: Bool.self)
        central = try r.decode(column: "central", as: Bool.self)
        standardised = try r.decode(column: "standardised", as: Bool.self)
        status = try r.decode(column: "status", as: String.self)
        students = try r.decode(column: "students", as: Int.self)
        teachers = try r.decode(column: "teachers", as: Int.self)
    }
}

/// A school to pick in a select box.
public struct SchoolChoice: Codable, Sendable {
    public let id: Int
    public let code: String
    public let name: String
}

public struct TeacherRow: Codable, Sendable {
    public let id: Int
    public let name: String
    public let residentId: String
    public let birthDate: String
    public let gender: String
    public let schoolId: Int
    public let districtId: Int
    public let subjects: String
    public let education: String
    public let putonghua: String
    public let title: String
    public let backbone: String
    public let schoolSince: String
    public let stagePart: String?
    public let phone: String?
    public let version: Int
    public let schoolName: String?
    public let schoolCode: String?
    /// A certificate type (`QualificationType`) recorded on the teacher, when known.
    public var qualificationType: String? = nil
    public var qualificationNumber: String? = nil
    /// For a principal: when the headship at this school began.
    public var principalSince: String? = nil

    public var subjectList: [String] { subjects.split(separator: ",").map(String.init) }

    /// Years at the current school on a date (the rotation rule counts from 1 September).
    public func yearsAtSchool(on date: CivilDate) -> Int {
        guard let since = CivilDate(parsing: schoolSince) else { return 0 }
        return max(0, since.wholeYears(until: date))
    }
}

extension TeacherRow: JSONRow {
    /// From the database's JSON rows: `RegistryStore.teacherColumns`, then the school's name and
    /// code (null without the school), in that order.
    init(_ c: inout JSONRowReader) throws {
        id = try c.int(); name = try c.string(); residentId = try c.string(); birthDate = try c.string(); gender = try c.string()
        schoolId = try c.int(); districtId = try c.int(); subjects = try c.string(); education = try c.string(); putonghua = try c.string()
        title = try c.string(); backbone = try c.string(); schoolSince = try c.string(); stagePart = try c.stringOrNil(); phone = try c.stringOrNil()
        version = try c.int(); qualificationType = try c.stringOrNil(); qualificationNumber = try c.stringOrNil(); principalSince = try c.stringOrNil()
        schoolName = try c.stringOrNil(); schoolCode = try c.stringOrNil()
    }
}

public struct MergerRow: Codable, Sendable {
    public let id: Int
    public let schoolId: Int
    public let schoolName: String
    public let intoSchoolId: Int
    public let intoSchoolName: String
    public let mergedOn: String
    public let teachersMoved: Int
    public let studentsMoved: Int
    public let note: String?
    public let createdBy: String
}

public struct TransferRow: Codable, Sendable {
    public let fromSchoolId: Int
    public let fromSchoolName: String?
    public let toSchoolId: Int
    public let toSchoolName: String?
    public let onDate: String
    public let reason: String
    /// Why, in words, and who recorded it (transfers made on the transfer page).
    public let note: String?
    public let createdBy: String?
}

/// 办学条件 for one school and year, in display units.
public struct SchoolConditions: Codable, Sendable, Equatable {
    public struct Students: Codable, Sendable, Equatable {
        public var primary: Int
        public var junior: Int
        public var senior: Int
        public init(primary: Int, junior: Int, senior: Int) { self.primary = primary; self.junior = junior; self.senior = senior }
    }
    public var year: Int
    public var students: Students
    /// m², two decimals.
    public var floorArea: Decimal
    public var sportsArea: Decimal
    /// yuan, two decimals.
    public var equipmentValue: Decimal
    public var computers: Int
    public var books: Int
    public var multimediaRooms: Int

    public init(year: Int, students: Students, floorArea: Decimal, sportsArea: Decimal, equipmentValue: Decimal, computers: Int, books: Int, multimediaRooms: Int) {
        self.year = year; self.students = students; self.floorArea = floorArea; self.sportsArea = sportsArea
        self.equipmentValue = equipmentValue; self.computers = computers; self.books = books; self.multimediaRooms = multimediaRooms
    }

    /// Rejects negatives, absurd sizes and years outside the records we keep.
    public func validate(today: CivilDate) throws {
        var e = FieldErrors()
        if year < 2000 || year > today.year + 1 { e.add("year", "年份应在2000到\(today.year + 1)之间", "year must be between 2000 and \(today.year + 1)") }
        for (k, v) in [("students.primary", students.primary), ("students.junior", students.junior), ("students.senior", students.senior)] where v < 0 || v > 100_000 {
            e.add(k, "学生数应在0到100000之间", "must be between 0 and 100000")
        }
        for (k, v) in [("floorArea", floorArea), ("sportsArea", sportsArea)] where v < 0 || v > 10_000_000 {
            e.add(k, "面积应在0到10000000平方米之间", "area must be between 0 and 10,000,000 m²")
        }
        if equipmentValue < 0 || equipmentValue > 10_000_000_000 { e.add("equipmentValue", "设备值应为非负金额", "must be a non-negative amount") }
        for (k, v) in [("computers", computers), ("books", books), ("multimediaRooms", multimediaRooms)] where v < 0 || v > 100_000_000 {
            e.add(k, "不能为负数", "must not be negative")
        }
        try e.throwIfAny()
    }
}

/// Decimal ↔ integer hundredths, rounding half away from zero at the third decimal.
public enum Hundredths {
    public static func from(_ d: Decimal) -> Int {
        var value = d * 100
        var rounded = Decimal()
        NSDecimalRound(&rounded, &value, 0, .plain)
        return NSDecimalNumber(decimal: rounded).intValue
    }
    public static func decimal(_ i: Int) -> Decimal { Decimal(i) / 100 }
}
