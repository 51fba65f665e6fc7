/// Who uses Xuequ (DOMAIN "Who uses it").
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
        case .bureauAdmin: "县教育局管理员"; case .districtAdmin: "学区管理员"; case .schoolAdmin: "学校管理员"; case .teacher: "教师"
        case .reviewer: "认定机构审核员"; case .prefectureReviewer: "州/市认定机构审核员"; case .applicant: "申请人"; case .supervisor: "高校带队教师"; case .intern: "实习生"
        }
    }
    public var en: String {
        switch self {
        case .bureauAdmin: "bureau administrator"; case .districtAdmin: "district administrator"; case .schoolAdmin: "school administrator"; case .teacher: "teacher"
        case .reviewer: "certification reviewer"; case .prefectureReviewer: "prefecture reviewer"; case .applicant: "applicant"; case .supervisor: "university supervisor"; case .intern: "student teacher"
        }
    }

    /// Which scope columns an account of this role must carry.
    public var needsDistrict: Bool { self == .districtAdmin }
    public var needsSchool: Bool { self == .schoolAdmin || self == .teacher }
    public var needsTeacher: Bool { self == .teacher }

    public var permissions: Set<Permission> {
        switch self {
        case .bureauAdmin:
            return Set(Permission.allCases)
        case .districtAdmin:
            return [.registryRead, .schoolsWrite, .teachersWrite, .teachersImport, .schoolsMerge, .conditionsWrite, .registryExport, .balanceRead, .aidRead, .aidWrite]
        case .schoolAdmin:
            return [.registryRead, .teachersWrite, .teachersImport, .conditionsWrite, .registryExport, .balanceRead, .aidRead, .aidWrite]
        case .teacher:
            return [.registryRead]
        case .reviewer, .prefectureReviewer, .applicant, .supervisor, .intern:
            return []
        }
    }
}

/// Permission keys, `module:object:verb`.
public enum Permission: String, Sendable, CaseIterable, Hashable {
    case registryRead = "registry:read"
    case districtsWrite = "registry:districts:write"
    case schoolsWrite = "registry:schools:write"
    case schoolsMerge = "registry:schools:merge"
    case schoolsImport = "registry:schools:import"
    case teachersWrite = "registry:teachers:write"
    case teachersImport = "registry:teachers:import"
    case conditionsWrite = "registry:conditions:write"
    case registryExport = "registry:export"
    case balanceRead = "balance:read"
    /// Balance rules, and recording a year's teacher figures.
    case balanceRulesWrite = "balance:rules:write"
    case equityWrite = "balance:equity:write"
    case aidRead = "balance:aid:read"
    case aidWrite = "balance:aid:write"
    case usersManage = "admin:users:manage"
    case auditRead = "admin:audit:read"
}

/// The signed-in person a request acts for, with the scope their role is bound to.
public struct Actor: Sendable, Hashable {
    public let userId: Int
    public let username: String
    public let displayName: String
    public let role: Role
    public let districtId: Int?
    public let schoolId: Int?
    public let teacherId: Int?

    public init(userId: Int, username: String, displayName: String, role: Role, districtId: Int?, schoolId: Int?, teacherId: Int?) {
        self.userId = userId; self.username = username; self.displayName = displayName; self.role = role
        self.districtId = districtId; self.schoolId = schoolId; self.teacherId = teacherId
    }

    public func can(_ p: Permission) -> Bool { role.permissions.contains(p) }

    /// Throws 403 unless the role carries the permission.
    public func require(_ p: Permission) throws {
        guard can(p) else { throw DomainError.forbidden }
    }

    /// Whether a school (by its id and district) lies inside this actor's scope.
    public func covers(schoolId: Int, districtId: Int) -> Bool {
        switch role {
        case .bureauAdmin: return true
        case .districtAdmin: return self.districtId == districtId
        case .schoolAdmin, .teacher: return self.schoolId == schoolId
        default: return false
        }
    }

    public func covers(districtId: Int) -> Bool {
        switch role {
        case .bureauAdmin: return true
        case .districtAdmin, .schoolAdmin, .teacher: return self.districtId == districtId
        default: return false
        }
    }

    /// Whether this actor may see a teacher's personal data (full resident ID) in full.
    public func seesPersonalData(ofTeacher teacherId: Int, schoolId: Int, districtId: Int) -> Bool {
        switch role {
        case .bureauAdmin: return true
        case .districtAdmin: return self.districtId == districtId
        case .schoolAdmin: return self.schoolId == schoolId
        case .teacher: return self.teacherId == teacherId
        default: return false
        }
    }

    /// The narrowest filter a list must apply for this actor.
    public var registryScope: RegistryScope {
        switch role {
        case .bureauAdmin: return .county
        case .districtAdmin: return .district(districtId ?? -1)
        case .schoolAdmin, .teacher: return .school(schoolId ?? -1)
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
