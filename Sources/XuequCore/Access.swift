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
}

/// Where an actor may act, resolved from the registry when the session resumes (a teacher moved
/// to another school is in the new school's scope on the next request).
public enum Scope: Sendable, Hashable {
    case county
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

    public init(userId: Int, username: String, displayName: String, role: Role, scope: Scope, permissions: Set<Permission>) {
        self.userId = userId; self.username = username; self.displayName = displayName; self.role = role
        self.scope = scope; self.permissions = permissions
    }

    /// The scope a role's stored columns name, before the registry resolves it.
    public static func scope(for role: Role, userId: Int, districtId: Int?, schoolId: Int?, teacherId: Int?) -> Scope {
        switch role.scopeKind {
        case .county: return .county
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

    public var districtId: Int? {
        switch scope {
        case .district(let d), .school(_, let d), .teacher(_, _, let d): d
        default: nil
        }
    }
    public var schoolId: Int? {
        switch scope {
        case .school(let s, _), .teacher(_, let s, _): s
        default: nil
        }
    }
    public var teacherId: Int? {
        if case .teacher(let t, _, _) = scope { return t }
        return nil
    }

    public func can(_ p: Permission) -> Bool { permissions.contains(p) }

    /// Throws 403 unless the role carries the permission.
    public func require(_ p: Permission) throws {
        guard can(p) else { throw DomainError.forbidden }
    }

    /// Whether a school (by its id and district) lies inside this actor's scope.
    public func covers(schoolId: Int, districtId: Int) -> Bool {
        switch scope {
        case .county: return true
        case .district(let d): return d == districtId
        case .school(let s, _), .teacher(_, let s, _): return s == schoolId
        default: return false
        }
    }

    public func covers(districtId: Int) -> Bool {
        switch scope {
        case .county: return true
        case .district(let d), .school(_, let d), .teacher(_, _, let d): return d == districtId
        default: return false
        }
    }

    /// Whether this actor may see a teacher's personal data (full resident ID) in full: the
    /// bureau, the teacher's district or school, or the teacher.
    public func seesPersonalData(ofTeacher teacherId: Int, schoolId: Int, districtId: Int) -> Bool {
        switch scope {
        case .teacher(let t, _, _): return t == teacherId
        default: return covers(schoolId: schoolId, districtId: districtId)
        }
    }

    /// Whether the actor is bound to one person's own records (a teacher, applicant or intern).
    public var isSelfScoped: Bool {
        switch scope {
        case .teacher, .own(.applicant, _), .own(.intern, _): true
        default: false
        }
    }

    /// The narrowest filter a list must apply for this actor.
    public var registryScope: RegistryScope {
        switch scope {
        case .county: return .county
        case .district(let d): return .district(d)
        case .school(let s, _), .teacher(_, let s, _): return .school(s)
        default: return .nothing
        }
    }
}

public enum RegistryScope: Sendable, Equatable {
    case county
    case district(Int)
    case school(Int)
    case nothing
}
