/// Who uses Xuequ (DOMAIN "Who uses it"). This file is the role table: the only place where a
/// role is compared with another. Everything else asks an actor for a permission key (`can`) or
/// for its scope (`covers`), and each module says which roles hold its keys (`Grants`).
public enum Role: String, Vocabulary {
    public static let lookup = makeLookup()
    case bureauAdmin = "bureau_admin"
    case districtAdmin = "district_admin"
    case schoolAdmin = "school_admin"
    case teacher
    case reviewer
    case prefectureReviewer = "prefecture_reviewer"
    case applicant
    case supervisor
    case intern
    /// A city's (地级市/州) education bureau: reads every county below it (issue 30).
    case cityAdmin = "city_admin"
    /// A province's education department: reads every county of the province.
    case provinceAdmin = "province_admin"

    public var zh: String {
        switch self {
        case .bureauAdmin: "县教育局管理员"
        case .districtAdmin: "学区管理员"
        case .schoolAdmin: "学校管理员"
        case .teacher: "教师"
        case .reviewer: "认定机构审核员"
        case .prefectureReviewer: "州/市认定机构审核员"
        case .applicant: "申请人"
        case .supervisor: "高校带队教师"
        case .intern: "实习生"
        case .cityAdmin: "市教育局"
        case .provinceAdmin: "省教育厅"
        }
    }
    public var en: String {
        switch self {
        case .bureauAdmin: "bureau administrator"
        case .districtAdmin: "district administrator"
        case .schoolAdmin: "school administrator"
        case .teacher: "teacher"
        case .reviewer: "certification reviewer"
        case .prefectureReviewer: "prefecture reviewer"
        case .applicant: "applicant"
        case .supervisor: "university supervisor"
        case .intern: "student teacher"
        case .cityAdmin: "city education bureau"
        case .provinceAdmin: "province education department"
        }
    }

    /// The kind of scope an account of this role is bound to.
    public var scopeKind: ScopeKind {
        switch self {
        case .bureauAdmin: .county
        case .districtAdmin: .district
        case .schoolAdmin: .school
        case .teacher: .teacher
        case .reviewer: .certifyingBody
        case .prefectureReviewer: .prefectureBody
        case .applicant: .applicant
        case .supervisor: .supervisor
        case .intern: .intern
        case .cityAdmin: .city
        case .provinceAdmin: .province
        }
    }

    /// Which scope columns an account of this role must carry.
    public var needsDistrict: Bool { scopeKind == .district }
    public var needsSchool: Bool { scopeKind == .school || scopeKind == .teacher }
    public var needsTeacher: Bool { scopeKind == .teacher }
}

/// What a role's scope is made of.
public enum ScopeKind: String, Sendable, Hashable {
    case county, district, school, teacher
    /// The county certifying body (认定机构); `prefectureBody` the prefecture's (州/市).
    case certifyingBody, prefectureBody
    /// Self only: one's own applications, one's own internship record.
    case applicant, intern
    /// A university supervisor's own intern groups.
    case supervisor
    /// Every county below a city or a province (`Scope.counties`).
    case city, province
}

/// A level of the administrative tree (GB/T 2260): province → city (地级市/州) → county
/// (县/县级市/区); districts (学区) and schools hang below a county.
public enum AreaLevel: String, Sendable, Hashable, Codable, CaseIterable {
    case province, city, county

    /// The digits a code of this level has (`13`, `130400`, `130481`).
    public var codeLength: Int { self == .province ? 2 : 6 }
}

/// A county in a database that holds several (a city's or a province's deployment): its code and
/// its districts, resolved from the registry when the session resumes.
public struct CountyScope: Sendable, Hashable {
    public let code: String
    public let districts: Set<Int>
    public init(code: String, districts: Set<Int>) { self.code = code; self.districts = districts }
}

/// The counties a city or province body reads: the area's code, its counties' codes and all
/// their districts.
public struct AreaScope: Sendable, Hashable {
    public let code: String
    public let level: AreaLevel
    public let counties: Set<String>
    public let districts: Set<Int>
    public init(code: String, level: AreaLevel, counties: Set<String>, districts: Set<Int>) {
        self.code = code; self.level = level; self.counties = counties; self.districts = districts
    }
}

/// Where an actor may act, resolved from the registry when the session resumes (a teacher moved
/// to another school is in the new school's scope on the next request).
public enum Scope: Sendable, Hashable {
    /// The county bureau of a database that holds one county: everything in it.
    case county
    /// A county bureau in a database of several counties: its own county's districts only. A
    /// module that has not learnt counties treats it as no scope at all (its `case .county`
    /// does not match), so nothing crosses counties by default.
    case oneCounty(CountyScope)
    /// A city or province body: reads the counties below it, personal data masked.
    case counties(AreaScope)
    case district(Int)
    case school(id: Int, district: Int)
    case teacher(id: Int, school: Int, district: Int)
    case certifyingBody
    case prefectureBody
    /// One's own records (applicant, intern), or one's own intern groups (supervisor): the user id.
    case own(ScopeKind, userId: Int)
    /// A role bound to a district or school whose record no longer exists: sees nothing.
    case nothing
}

/// A permission key, `module:object:verb`. Each module declares its own keys as static members
/// (`extension Permission { static let balanceRead: Permission = "balance:read" }`) and grants them to
/// roles in its `Grants`.
public struct Permission: RawRepresentable, Sendable, Hashable, Comparable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }
    public static func < (a: Permission, b: Permission) -> Bool { a.rawValue < b.rawValue }
}

extension Permission {
    public static let usersManage: Permission = "admin:users:manage"
    public static let auditRead: Permission = "admin:audit:read"
}

/// Which roles hold which permission keys: each module's table, merged into one at start.
public struct Grants: Sendable {
    public private(set) var table: [Role: Set<Permission>]
    public init(_ table: [Role: Set<Permission>] = [:]) { self.table = table }

    public func merging(_ other: Grants) -> Grants {
        Grants(table.merging(other.table) { $0.union($1) })
    }
    public func permissions(of role: Role) -> Set<Permission> { table[role] ?? [] }
    /// Every key any role holds.
    public var allKeys: Set<Permission> { table.values.reduce(into: Set()) { $0.formUnion($1) } }
}

/// The signed-in person a request acts for: role, resolved scope and the keys the role holds.
public struct Actor: Sendable, Hashable {
    public let userId: Int
    public let username: String
    public let displayName: String
    public let role: Role
    public let scope: Scope
    public let permissions: Set<Permission>
    /// The administrative area the account is bound to (a county bureau's county, a city's or
    /// province's code); nil for roles bound to a district, school or person.
    public let areaCode: String?
    /// Signed in with a one-time password not yet replaced: the actor holds no keys, and the
    /// error middleware turns any refusal into `DomainError.passwordChangeRequired`.
    public let passwordChangeDue: Bool

    public init(userId: Int, username: String, displayName: String, role: Role, scope: Scope, permissions: Set<Permission>, areaCode: String? = nil, passwordChangeDue: Bool = false) {
        self.userId = userId; self.username = username; self.displayName = displayName; self.role = role
        self.scope = scope; self.permissions = permissions; self.areaCode = areaCode; self.passwordChangeDue = passwordChangeDue
    }

    /// The scope a role's stored columns name, before the registry resolves it. A county role
    /// starts as `.county`; the registry narrows it to `.oneCounty` when the database holds other
    /// counties too, and fills a city's or province's counties.
    public static func scope(for role: Role, userId: Int, districtId: Int?, schoolId: Int?, teacherId: Int?, areaCode: String? = nil) -> Scope {
        switch role.scopeKind {
        case .city, .province:
            guard let code = areaCode else { return .nothing }
            return .counties(AreaScope(code: code, level: role.scopeKind == .city ? .city : .province, counties: [], districts: []))
        case .county:
            guard let code = areaCode else { return .county }
            return .oneCounty(CountyScope(code: code, districts: []))
        case .district: return districtId.map(Scope.district) ?? .nothing
        case .school:
            guard let s = schoolId, let d = districtId else { return .nothing }
            return .school(id: s, district: d)
        case .teacher:
            guard let t = teacherId, let s = schoolId, let d = districtId else { return .nothing }
            return .teacher(id: t, school: s, district: d)
        case .certifyingBody: return .certifyingBody
        case .prefectureBody: return .prefectureBody
        case .applicant, .intern, .supervisor: return .own(role.scopeKind, userId: userId)
        }
    }

    // The scope's readers are never inlined: Swift 6.3.1's optimiser (CopyPropagation) crashed
    // in release builds on a `switch` over a scope with a county's district set, inlined into an
    // async function that kept the actor across an `await`.
    @inline(never)
    public var districtId: Int? {
        switch scope {
        case .district(let d), .school(_, let d), .teacher(_, _, let d): d
        default: nil
        }
    }
    @inline(never)
    public var schoolId: Int? {
        switch scope {
        case .school(let s, _), .teacher(_, let s, _): s
        default: nil
        }
    }
    @inline(never)
    public var teacherId: Int? {
        if case .teacher(let t, _, _) = scope { return t }
        return nil
    }

    public func can(_ p: Permission) -> Bool { permissions.contains(p) }

    /// Throws 403 unless the role carries the permission.
    public func require(_ p: Permission) throws {
        // (An actor still on a one-time password is told so by the error middleware, whatever refused it.)
        guard can(p) else { throw DomainError.forbidden }
    }

    /// Whether a school (by its id and district) lies inside this actor's scope.
    @inline(never)
    public func covers(schoolId: Int, districtId: Int) -> Bool {
        switch scope {
        case .county: return true
        case .oneCounty(let c): return c.districts.contains(districtId)
        case .counties(let a): return a.districts.contains(districtId)
        case .district(let d): return d == districtId
        case .school(let s, _), .teacher(_, let s, _): return s == schoolId
        default: return false
        }
    }

    @inline(never)
    public func covers(districtId: Int) -> Bool {
        switch scope {
        case .county: return true
        case .oneCounty(let c): return c.districts.contains(districtId)
        case .counties(let a): return a.districts.contains(districtId)
        case .district(let d), .school(_, let d), .teacher(_, _, let d): return d == districtId
        default: return false
        }
    }

    /// Whether this actor may see a teacher's personal data (full resident ID) in full: the
    /// bureau, the teacher's district or school, or the teacher.
    @inline(never)
    public func seesPersonalData(ofTeacher teacherId: Int, schoolId: Int, districtId: Int) -> Bool {
        switch scope {
        case .teacher(let t, _, _): return t == teacherId
        // A city or province reads its counties' figures, never a person in full (DOMAIN §7).
        case .counties: return false
        default: return covers(schoolId: schoolId, districtId: districtId)
        }
    }

    /// The districts a county-wide question covers: nil for every district (the bureau of a
    /// database with one county), the county's for a bureau among several.
    @inline(never)
    public var countyDistricts: [Int]? {
        if case .oneCounty(let c) = scope { return c.districts.sorted() }
        return nil
    }

    /// The county of a county's bureau among several (`.oneCounty`): its code and districts; nil for
    /// everyone else (the bureau of a database's only county included).
    @inline(never)
    public var oneCounty: CountyScope? {
        if case .oneCounty(let c) = scope { return c }
        return nil
    }

    /// A county's bureau, alone in its database (`.county`) or among several counties
    /// (`.oneCounty`): it reads its whole county and chooses among its districts.
    @inline(never)
    public var isCountyBureau: Bool {
        switch scope {
        case .county, .oneCounty: true
        default: false
        }
    }

    /// Whether the actor is bound to one person's own records (a teacher, applicant or intern).
    @inline(never)
    public var isSelfScoped: Bool {
        switch scope {
        case .teacher, .own(.applicant, _), .own(.intern, _): true
        default: false
        }
    }

    /// The narrowest filter a list must apply for this actor.
    @inline(never)
    public var registryScope: RegistryScope {
        switch scope {
        case .county: return .county
        case .oneCounty(let c): return .districts(c.districts.sorted())
        case .district(let d): return .district(d)
        case .school(let s, _), .teacher(_, let s, _): return .school(s)
        default: return .nothing
        }
    }
}

public enum RegistryScope: Sendable, Equatable {
    /// Every district in the database (a single-county install's bureau).
    case county
    /// One county's districts, in a database of several counties.
    case districts([Int])
    case district(Int)
    case school(Int)
    case nothing
}
