import Fluent
import Foundation
import Registry
import SQLKit
import Vapor
import XuequCore
import XuequKit

extension Permission {
    /// Universities, batches, groups, host places, the intern list, placement, statistics (the bureau).
    public static let internshipAdmin: Permission = "internship:admin"
    /// A university supervisor: their groups' interns, approvals, trial lectures, visits, grades.
    public static let internshipSupervise: Permission = "internship:supervise"
    /// A school mentor (a teacher): their interns' plans and appraisal comments.
    public static let internshipMentor: Permission = "internship:mentor"
    /// A host school's admin: the school's interns and the school's appraisal.
    public static let internshipHost: Permission = "internship:host"
    /// An intern: their own plans and records.
    public static let internshipSelf: Permission = "internship:self"
}

/// How the actor stands to one intern.
public struct InternAccess: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    public static let admin = InternAccess(rawValue: 1)
    public static let supervisor = InternAccess(rawValue: 2)
    public static let mentor = InternAccess(rawValue: 4)
    public static let host = InternAccess(rawValue: 8)
    public static let own = InternAccess(rawValue: 16)
}

/// The internship module's use cases. Everyone sees only their own part: interns their own
/// records, mentors their interns, supervisors their groups, host schools their school.
public struct InternshipService: Sendable {
    let ctx: ServiceContext
    public init(_ ctx: ServiceContext) { self.ctx = ctx }
    public init(_ req: Request) { self.init(req.context) }
    var db: any Database { ctx.db }
    var today: CivilDate { ctx.today }

    static let internWord = LocalizedText(zh: "实习生", en: "intern")
    static let planWord = LocalizedText(zh: "实习教案", en: "lesson plan")
    static let batchWord = LocalizedText(zh: "实习批次", en: "batch")
    static let anyKey: [Permission] = [.internshipAdmin, .internshipSupervise, .internshipMentor, .internshipHost, .internshipSelf]

    func actor() throws -> Actor {
        let a = try ctx.requireActor()
        guard Self.anyKey.contains(where: a.can) else { throw DomainError.forbidden }
        return a
    }

    /// The actor's standing to an intern (empty: not theirs).
    /// `run`: the batches the bureau runs, when the caller asks for many interns at once (one
    /// query, not one per intern).
    func access(_ i: InternRow, _ a: Actor, run: Set<Int>? = nil) async throws -> InternAccess {
        var out: InternAccess = []
        if a.can(.internshipAdmin) {
            let runs = if let run { run.contains(i.batchId) } else { try await runs(batchId: i.batchId, a) }
            if runs { out.insert(.admin) }
        }
        if a.can(.internshipSelf), i.userId == a.userId { out.insert(.own) }
        if a.can(.internshipMentor), let t = a.teacherId, i.mentorTeacherId == t { out.insert(.mentor) }
        if a.can(.internshipHost), let s = a.schoolId, i.schoolId == s, a.teacherId == nil { out.insert(.host) }
        if a.can(.internshipSupervise), let g = i.groupId, let group = try await InternshipStore.group(id: g, on: db), group.supervisorUserId == a.userId { out.insert(.supervisor) }
        return out
    }

    /// An intern the actor may see, with how; 404 otherwise (as for anything outside a scope).
    public func intern(id: Int) async throws -> (InternRow, InternAccess) {
        let a = try actor()
        guard let i = try await InternshipStore.intern(id: id, on: db) else { throw DomainError.notFound(Self.internWord) }
        let how = try await access(i, a)
        if how.isEmpty { throw DomainError.notFound(Self.internWord) }
        return (i, how)
    }

    /// The interns in the actor's view: all (bureau), their groups, their mentees, their school, themselves.
    public func interns(batchId: Int? = nil) async throws -> [InternRow] {
        let a = try actor()
        var visible = InternshipStore.Visibility()
        if a.can(.internshipAdmin) {
            if let c = a.oneCounty?.code { visible.county = c } else { visible.all = true }
        }
        if a.can(.internshipSupervise) { visible.supervisorUserId = a.userId }
        if a.can(.internshipMentor), let t = a.teacherId { visible.mentorTeacherId = t }
        if a.can(.internshipHost), let s = a.schoolId, a.teacherId == nil { visible.hostSchoolId = s }
        if a.can(.internshipSelf) { visible.ownUserId = a.userId }
        return try await InternshipStore.interns(visible: visible, batchId: batchId, on: db)
    }

    public func batch(id: Int) async throws -> BatchRow {
        let a = try actor()
        guard let b = try await InternshipStore.batch(id: id, on: db) else { throw DomainError.notFound(Self.batchWord) }
        // Another county's batch is not there for a county's bureau among several.
        if let c = a.oneCounty?.code, b.countyCode != c { throw DomainError.notFound(Self.batchWord) }
        return b
    }

    /// Whether the bureau runs the batch: any for a database's only bureau, its own county's for
    /// a county's bureau among several.
    func runs(batchId: Int, _ a: Actor) async throws -> Bool {
        guard a.can(.internshipAdmin) else { return false }
        guard let c = a.oneCounty?.code else { return true }
        return try await InternshipStore.batch(id: batchId, on: db)?.countyCode == c
    }

    /// The batches the bureau runs, newest first: its county's when it is one among several.
    public func batches() async throws -> [BatchRow] {
        let a = try requireBatchAdmin()
        return try await InternshipStore.batches(county: a.oneCounty?.code, on: db)
    }

    /// Whether a school lies in the batch's county (a batch of no county: any school).
    func inCounty(_ b: BatchRow, school: SchoolRow) async throws -> Bool {
        guard let c = b.countyCode else { return true }
        return try await AreaStore.county(ofDistrict: school.districtId, on: db) == c
    }

    func requireBatchAdmin() throws -> Actor {
        let a = try ctx.requireActor()
        try a.require(.internshipAdmin)
        return a
    }

    // MARK: set-up

    public func createUniversity(code raw: String?, name raw2: String?) async throws -> Int {
        _ = try requireBatchAdmin()
        var e = FieldErrors()
        let code = raw?.trimmed ?? "", name = raw2?.trimmed ?? ""
        if code.isEmpty || code.count > 20 || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) { e.add("code", "院校代码为不超过20位的字母或数字", "a code of at most 20 letters or digits") }
        if name.isEmpty || name.count > 60 { e.add("name", "请填写院校名称（不超过60字）", "enter the university's name (at most 60 characters)") }
        try e.throwIfAny()
        let audit = ctx.audit
        do {
            return try await ctx.write { tx in
                let id = try await InternshipStore.insertUniversity(code: code, name: name, on: tx)
                try await Audit.record(on: tx, audit, action: "internship.university", entity: "intern_university", entityId: String(id), summary: "\(code) \(name)")
                return id
            }
        } catch let err as any DatabaseError where err.isConstraintFailure {
            throw DomainError(.conflict, code: "duplicate_code", LocalizedText(zh: "院校代码已存在", en: "that code exists"), fields: ["code": LocalizedText(zh: "已存在", en: "exists")])
        }
    }

    public struct BatchDraft: Sendable {
        public var universityId: Int?; public var name: String?; public var startsOn: String?; public var weeks: String?
        public var observationsPerWeek: Int?; public var weights: GradeWeights
        public init(universityId: Int?, name: String?, startsOn: String?, weeks: String?, observationsPerWeek: Int?, weights: GradeWeights) {
            self.universityId = universityId; self.name = name; self.startsOn = startsOn; self.weeks = weeks; self.observationsPerWeek = observationsPerWeek; self.weights = weights
        }
    }

    /// A batch: term dates as a start and a week template (default 1 observation, 6 teaching, 1 summary).
    public func createBatch(_ d: BatchDraft) async throws -> Int {
        let a = try requireBatchAdmin()
        var e = FieldErrors()
        if d.universityId == nil { e.add("universityId", "请选择院校", "choose the university") }
        let name = d.name?.trimmed ?? ""
        if name.isEmpty || name.count > 60 { e.add("name", "请填写批次名称", "enter the batch's name") }
        let starts = d.startsOn.flatMap { CivilDate(parsing: $0.trimmed) }
        if starts == nil { e.add("startsOn", "开始日期格式应为 YYYY-MM-DD", "the start date must be YYYY-MM-DD") }
        var weeks = BatchCalendar.defaultWeeks
        if let raw = d.weeks?.trimmed, !raw.isEmpty {
            let parsed = raw.split(whereSeparator: { ",，、 ".contains($0) }).map { Phase.parse(String($0)) }
            if parsed.isEmpty || parsed.count > 20 || parsed.contains(where: { $0 == nil }) || !parsed.contains(.teaching) {
                e.add("weeks", "周安排应为逗号分隔的“见习周/教学周/总结周”，不超过20周，至少一个教学周", "weeks are a comma list of observation/teaching/summary, at most 20, with a teaching week")
            } else { weeks = parsed.compactMap { $0 } }
        }
        let per = d.observationsPerWeek ?? 4
        if per < 0 || per > 30 { e.add("observationsPerWeek", "每周听课次数应在0到30之间", "observations a week must be between 0 and 30") }
        if !d.weights.valid { e.add("weights", "成绩权重应为非负整数且合计100", "the weights must be whole numbers summing to 100") }
        if let u = d.universityId {
            if !(try await InternshipStore.universityExists(id: u, on: db)) {
                e.add("universityId", "院校不存在", "no such university")
            }
        }
        try e.throwIfAny()
        // The batch is the bureau's county's: its own among several, else the database's county.
        let county: String?
        if let c = a.oneCounty?.code { county = c } else if let code = a.areaCode { county = code } else { county = try await AreaStore.soleCounty(on: db) }
        let audit = ctx.audit, now = ctx.now, weekList = weeks
        return try await ctx.write { tx in
            let id = try await InternshipStore.insertBatch(universityId: d.universityId!, name: name, startsOn: starts!.description, weeks: weekList.map(\.rawValue).joined(separator: ","),
                                                           observationsPerWeek: per, weights: d.weights, county: county, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "internship.batch", entity: "intern_batch", entityId: String(id), summary: "\(name)，\(starts!) 起共 \(weekList.count) 周")
            return id
        }
    }

    /// A group with its supervisor (an account with the supervisor role).
    public func createGroup(batchId: Int, name raw: String?, supervisor username: String?) async throws -> Int {
        let a = try requireBatchAdmin()
        _ = try await batch(id: batchId)
        var e = FieldErrors()
        let name = raw?.trimmed ?? ""
        if name.isEmpty || name.count > 40 { e.add("name", "请填写小组名称", "enter the group's name") }
        let user = try await username.flatMap { $0.trimmed.isEmpty ? nil : $0.trimmed }.asyncMap { try await Accounts.user(username: $0, on: db) } ?? nil
        if user == nil || user?.roleValue != .supervisor { e.add("supervisor", "请填写带队教师的账户名（角色须为高校带队教师）", "enter the supervisor's account (with the supervisor role)") }
        // A county's bureau among several names its own county's supervisor accounts only.
        else if let c = a.oneCounty?.code, user?.areaCode != c { e.add("supervisor", "该带队教师账户不属于本县，请先在“账户”中为其设置本县账户", "that supervisor's account is not this county's") }
        try e.throwIfAny()
        let audit = ctx.audit
        return try await ctx.write { tx in
            let id = try await InternshipStore.insertGroup(batchId: batchId, name: name, supervisorUserId: user!.id, on: tx)
            try await Audit.record(on: tx, audit, action: "internship.group", entity: "intern_group", entityId: String(id), summary: "\(name)，带队教师 \(Masking.username(user!.username))")
            return id
        }
    }

    /// A host school's places per subject for a batch (0 removes them).
    public func putCapacity(batchId: Int, schoolId: Int?, subject raw: String?, places: Int?) async throws {
        _ = try requireBatchAdmin()
        let b = try await batch(id: batchId)
        var e = FieldErrors()
        let school = try await schoolId.asyncMap { try await RegistryStore.school(id: $0, on: db) } ?? nil
        if school == nil || school?.status != SchoolStatus.active.rawValue { e.add("schoolId", "请选择在办学校", "choose an active school") }
        else if !(try await inCounty(b, school: school!)) { e.add("schoolId", "\(school!.name)不在本批次所在县", "that school is not in the batch's county") }
        let subject = raw.flatMap(Subject.parse)
        if subject == nil { e.add("subject", "请选择学科", "choose a subject") }
        let n = places ?? -1
        if n < 0 || n > 100 { e.add("places", "名额应在0到100之间", "places must be between 0 and 100") }
        try e.throwIfAny()
        let audit = ctx.audit
        try await ctx.writeOnce { tx in
            try await InternshipStore.setCapacity(batchId: batchId, schoolId: school!.id, subject: subject!.rawValue, places: n, on: tx)
            try await Audit.record(on: tx, audit, action: "internship.capacity", entity: "intern_batch", entityId: String(batchId), summary: "\(school!.code) \(subject!.zh) 可接收 \(n) 名")
        }
    }

    static let importHeaders = ["学号", "姓名", "专业", "实习学科", "手机号", "志愿1", "志愿2", "志愿3", "小组"]

    /// The university's list (`.xlsx`/`.csv`): 学号, 姓名, 专业, 实习学科, 手机号, 志愿1–3 (host
    /// school codes), 小组. All rows are checked first; one bad row imports nothing. Each new
    /// intern gets an account (username = university code-学号) whose password is returned once.
    public func importInterns(batchId: Int, _ table: SheetTable, hash: @escaping @Sendable (String) async throws -> String) async throws -> [(username: String, name: String, password: String)] {
        _ = try requireBatchAdmin()
        let batch = try await batch(id: batchId)
        var index: [String: Int] = [:]
        for (i, h) in table.header.enumerated() { index[h.trimmed.replacingOccurrences(of: "*", with: "")] = index[h.trimmed] ?? i }
        let missing = Self.importHeaders.prefix(4).filter { index[$0] == nil }
        if !missing.isEmpty {
            throw DomainError(.invalid, code: "missing_headers", LocalizedText(zh: "缺少列：" + missing.joined(separator: "、"), en: "missing columns: " + missing.joined(separator: ", ")))
        }
        func cell(_ row: [String], _ h: String) -> String { index[h].flatMap { $0 < row.count ? row[$0].trimmed : nil } ?? "" }
        let groups = Dictionary(try await InternshipStore.groups(batchId: batchId, on: db).map { ($0.name, $0.id) }, uniquingKeysWith: { a, _ in a })
        let codes = Set(table.body.flatMap { r in ["志愿1", "志愿2", "志愿3"].map { cell(r, $0) } }.filter { !$0.isEmpty })
        var schools = try await RegistryStore.schools(codes: Array(codes), on: db)
        // A school of another county is no host of this batch's (the same words as an unknown code).
        if let c = batch.countyCode, !schools.isEmpty {
            let counties = try await AreaStore.districtCounties([c], on: db)
            schools = schools.filter { counties[$0.value.districtId] == c }
        }
        let existing = Set(try await InternshipStore.studentNumbers(batchId: batchId, on: db))
        var errors = RowErrorList()
        var seen: [String: Int] = [:], rowOf: [String: Int] = [:]
        struct Valid { let no: String; let name: String; let major: String; let subject: Subject; let phone: String?; let prefs: [Int]; let group: Int? }
        var valid: [Valid] = []
        for (k, row) in table.body.enumerated() where !row.allSatisfy({ $0.trimmed.isEmpty }) {
            let n = k + 2
            func bad(_ col: String, _ zh: String, _ en: String) { errors.append(.init(row: n, column: col, reason: LocalizedText(zh: zh, en: en))) }
            let no = cell(row, "学号"), name = cell(row, "姓名"), major = cell(row, "专业")
            if no.isEmpty || no.count > 20 || !no.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) { bad("学号", "学号应为不超过20位的字母或数字", "a student number of at most 20 letters or digits") }
            else if let first = seen[no] { bad("学号", "与第\(first)行重复", "same as row \(first)") }
            else if existing.contains(no) { bad("学号", "该学号已在本批次中", "already in this batch") }
            else { seen[no] = n; rowOf[no] = n }
            if name.isEmpty || name.count > 40 { bad("姓名", "姓名不能为空", "name is required") }
            if major.isEmpty || major.count > 40 { bad("专业", "专业不能为空", "major is required") }
            let subject = Subject.parse(cell(row, "实习学科"))
            if subject == nil { bad("实习学科", "未知学科“\(cell(row, "实习学科").clipped())”，可填：\(Subject.allowedList)", "unknown subject") }
            var phone: String?
            let rawPhone = cell(row, "手机号")
            if !rawPhone.isEmpty {
                if rawPhone.count == 11, rawPhone.first == "1", rawPhone.allSatisfy({ $0.isASCII && $0.isNumber }) { phone = rawPhone } else { bad("手机号", "手机号应为以1开头的11位数字", "a mobile number has 11 digits starting with 1") }
            }
            var prefs: [Int] = []
            for col in ["志愿1", "志愿2", "志愿3"] {
                let code = cell(row, col)
                guard !code.isEmpty else { continue }
                guard let s = schools[code], s.status == SchoolStatus.active.rawValue else { bad(col, "学校代码\(code.clipped())不存在或已撤并", "no active school \(code.clipped())"); continue }
                if !prefs.contains(s.id) { prefs.append(s.id) }
            }
            var group: Int?
            let g = cell(row, "小组")
            if !g.isEmpty { if let id = groups[g] { group = id } else { bad("小组", "本批次没有小组“\(g.clipped())”", "no group “\(g.clipped())” in this batch") } }
            if let subject { valid.append(Valid(no: no, name: name, major: major, subject: subject, phone: phone, prefs: prefs, group: group)) }
        }
        if valid.isEmpty && errors.isEmpty { throw DomainError.validation(["file": LocalizedText(zh: "文件中没有实习生", en: "the file has no interns")]) }
        // Accounts: one per intern, named by the university's code and the student number (a
        // student number is unique within its university only), with a password shown once. An
        // existing account is taken again only for the same student of the same university — an
        // intern of this university with that number and name; anything else is a named row
        // error and nothing is written (issue 27: a second university's 2023001 once attached
        // its row to the first one's intern, and 学号 "intern1" to the demo's account).
        let universityCode = try await InternshipStore.universityCode(batchId: batchId, on: db) ?? "U\(batchId)"
        func username(_ no: String) -> String { "\(universityCode)-\(no)" }
        let names = valid.map { username($0.no) }
        let accounts = try await InternshipStore.accounts(usernames: names, on: db)
        let known = try await InternshipStore.internsOfUniversity(batchId: batchId, studentNos: valid.map(\.no), on: db)
        var reuse: [Int: Int] = [:]
        for (k, v) in valid.enumerated() {
            guard let account = accounts[names[k]] else { continue }
            if account.role == Role.intern.rawValue, known.contains(where: { $0.userId == account.id && $0.studentNo == v.no && $0.name == v.name }) {
                reuse[k] = account.id
            } else {
                errors.append(.init(row: rowOf[v.no] ?? 0, column: "学号", reason: LocalizedText(zh: "账号\(names[k])已属于另一人（姓名或身份不符），未导入任何实习生",
                                                                                          en: "the account \(names[k]) belongs to someone else; nothing was imported")))
            }
        }
        if !errors.isEmpty { throw RegistryService.importFailed(errors) }
        let passwords = valid.indices.map { reuse[$0] != nil ? "" : Accounts.randomPassword(length: 12) }
        let hashes = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for (k, p) in passwords.enumerated() where !p.isEmpty { group.addTask { (k, try await hash(p)) } }
            return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
        }
        let audit = ctx.audit, now = ctx.now
        let rows = valid, reused = reuse
        try await ctx.writeOnce { tx in
            for (k, v) in rows.enumerated() {
                let userId: Int
                if let id = reused[k] { userId = id } else {
                    userId = try await Accounts.insertUser(.init(username: names[k], displayName: v.name, role: .intern, areaCode: batch.countyCode), passwordHash: hashes[k]!, on: tx, now: Date(timeIntervalSince1970: now), oneTimePassword: true)
                }
                try await InternshipStore.insertIntern(batchId: batchId, groupId: v.group, userId: userId, studentNo: v.no, name: v.name, major: v.major, subject: v.subject.rawValue,
                                                       phone: v.phone, preferences: v.prefs.map(String.init).joined(separator: ","), on: tx)
            }
            try await Audit.record(on: tx, audit, action: "internship.import", entity: "intern_batch", entityId: String(batchId), summary: "导入 \(rows.count) 名实习生")
        }
        return valid.enumerated().compactMap { k, v in passwords[k].isEmpty ? nil : (names[k], v.name, passwords[k]) }
    }
    struct UsernameRow: Decodable { let username: String }

    // MARK: placement

    /// Places every unplaced intern of the batch (optimal assignment, see `Placement`).
    public func assign(batchId: Int) async throws -> (placed: Int, unplaced: Int) {
        _ = try requireBatchAdmin()
        _ = try await batch(id: batchId)
        let interns = try await InternshipStore.interns(batchId: batchId, on: db)
        var capacity: [Placement.Slot: Int] = [:]
        for c in try await InternshipStore.capacity(batchId: batchId, on: db) { capacity[.init(schoolId: c.schoolId, subject: c.subject)] = c.places }
        for i in interns { if let s = i.schoolId, let v = capacity[.init(schoolId: s, subject: i.subject)] { capacity[.init(schoolId: s, subject: i.subject)] = v - 1 } }
        let open = interns.filter { $0.schoolId == nil }
        let result = Placement.assign(open.map { .init(id: $0.id, subject: $0.subject, preferences: $0.preferenceList) }, capacity: capacity)
        let audit = ctx.audit
        try await ctx.write { tx in
            for (intern, school) in result {
                try await InternshipStore.placeUnplaced(internId: intern, schoolId: school, on: tx)
            }
            try await Audit.record(on: tx, audit, action: "internship.assign", entity: "intern_batch", entityId: String(batchId), summary: "安排 \(result.count) 名，\(open.count - result.count) 名暂无实习学校")
        }
        return (result.count, open.count - result.count)
    }

    /// The supervisor (of the intern's group) or the bureau places an intern by hand: school,
    /// mentor (a teacher of the subject at that school), class and its size.
    public func place(internId: Int, schoolId: Int?, mentorTeacherId: Int?, className: String?, classSize: Int?, version: Int?) async throws -> InternRow {
        let (i, how) = try await intern(id: internId)
        guard how.contains(.admin) || how.contains(.supervisor) else { throw DomainError.forbidden }
        var e = FieldErrors()
        let school = try await schoolId.asyncMap { try await RegistryStore.school(id: $0, on: db) } ?? nil
        if schoolId != nil && (school == nil || school?.status != SchoolStatus.active.rawValue) { e.add("schoolId", "请选择在办学校", "choose an active school") }
        else if let s = school, let b = try await InternshipStore.batch(id: i.batchId, on: db), !(try await inCounty(b, school: s)) {
            e.add("schoolId", "\(s.name)不在本批次所在县", "that school is not in the batch's county")
        }
        if let s = school, s.id != i.schoolId {
            let (places, used) = try await InternshipStore.places(batchId: i.batchId, schoolId: s.id, subject: i.subject, on: db)
            if used >= places { e.add("schoolId", "\(s.name)本批次\(Subject(rawValue: i.subject)?.zh ?? i.subject)名额已满（\(places)）", "\(s.name) has no \(i.subject) place left (\(places))") }
        }
        if let m = mentorTeacherId {
            let t = try await RegistryStore.teacher(id: m, on: db)
            let target = school?.id ?? i.schoolId
            if t == nil || t?.schoolId != target || !(t?.subjectList.contains(i.subject) ?? false) {
                e.add("mentorTeacherId", "指导教师须是实习学校任教\(Subject(rawValue: i.subject)?.zh ?? i.subject)的教师", "the mentor must teach \(i.subject) at the host school")
            }
        }
        let cls = className?.trimmed ?? ""
        if cls.count > 30 { e.add("className", "班级名称不超过30字", "at most 30 characters") }
        if let n = classSize, n < 1 || n > 200 { e.add("classSize", "班额应在1到200之间", "class size must be between 1 and 200") }
        try e.throwIfAny()
        let audit = ctx.audit
        try await ctx.write { tx in
            guard try await InternshipStore.updatePlacement(internId: i.id, version: version ?? i.version, schoolId: school?.id ?? i.schoolId, mentorTeacherId: mentorTeacherId,
                                                            className: cls.isEmpty ? nil : cls, classSize: classSize, on: tx) else { throw Self.stale }
            try await Audit.record(on: tx, audit, action: "internship.place", entity: "intern", entityId: String(i.id),
                                   summary: "实习学校编号 \(i.schoolId.map(String.init) ?? "—") → \((school?.id ?? i.schoolId).map(String.init) ?? "—")，指导教师编号 \(mentorTeacherId.map(String.init) ?? "—")，班额 \(classSize.map(String.init) ?? "—")")
        }
        return try await InternshipStore.intern(id: i.id, on: db)!
    }

    static let stale = DomainError(.conflict, code: "stale_version", LocalizedText(zh: "记录已被他人修改，请刷新后重试", en: "someone else changed this; reload and try again"))

    // MARK: lesson plans, approvals, trial lectures

    func ownIntern() async throws -> InternRow {
        let a = try ctx.requireActor()
        try a.require(.internshipSelf)
        guard let i = try await InternshipStore.interns(userId: a.userId, on: db).last else {
            throw DomainError(.conflict, code: "not_enrolled", LocalizedText(zh: "您的账户尚未加入实习批次", en: "your account is not in an internship batch"))
        }
        return i
    }

    static func checkPlan(title: String?, subject: String?, grade: String?, content: String?) throws -> (String, Subject, String, String) {
        var e = FieldErrors()
        let title = title?.trimmed ?? "", grade = grade?.trimmed ?? "", content = content?.trimmed ?? ""
        if title.isEmpty || title.count > 80 { e.add("title", "请填写课题（不超过80字）", "enter the lesson's title (at most 80 characters)") }
        let subject = subject.flatMap(Subject.parse)
        if subject == nil { e.add("subject", "请选择学科", "choose a subject") }
        if grade.isEmpty || grade.count > 20 { e.add("grade", "请填写年级", "enter the grade") }
        if content.isEmpty { e.add("content", "请填写教案内容", "write the plan") }
        if content.count > 20_000 { e.add("content", "教案不超过2万字", "at most 20,000 characters") }
        try e.throwIfAny()
        return (title, subject!, grade, content)
    }

    public func createPlan(title: String?, subject: String?, grade: String?, content: String?) async throws -> PlanRow {
        let i = try await ownIntern()
        let (t, s, g, c) = try Self.checkPlan(title: title, subject: subject, grade: grade, content: content)
        let b = try await InternshipStore.batch(id: i.batchId, on: db)!
        if today > b.calendar.endsOn { throw DomainError(.conflict, code: "batch_ended", LocalizedText(zh: "本批次实习已结束", en: "the batch has ended")) }
        let audit = ctx.audit, now = ctx.now
        let id = try await ctx.write { tx -> Int in
            let id = try await InternshipStore.insertPlan(internId: i.id, title: t, subject: s.rawValue, grade: g, content: c, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "internship.plan.create", entity: "intern_plan", entityId: String(id), summary: t)
            return id
        }
        return try await InternshipStore.plan(id: id, on: db)!
    }

    /// The intern revises a plan: a new version; the approvals and the trial lecture start over
    /// (what was approved is not what will be taught).
    public func revisePlan(id: Int, title: String?, content: String?, version: Int?) async throws -> PlanRow {
        let i = try await ownIntern()
        guard let p = try await InternshipStore.plan(id: id, on: db), p.internId == i.id else { throw DomainError.notFound(Self.planWord) }
        let (t, _, _, c) = try Self.checkPlan(title: title ?? p.title, subject: p.subject, grade: p.grade, content: content)
        let audit = ctx.audit, now = ctx.now
        try await ctx.write { tx in
            guard try await InternshipStore.revisePlan(id: id, version: version ?? p.version, title: t, content: c, on: tx, now: now) else { throw Self.stale }
            try await InternshipStore.insertPlanVersion(planId: id, version: (version ?? p.version) + 1, title: t, content: c, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "internship.plan.revise", entity: "intern_plan", entityId: String(id), summary: "第 \((version ?? p.version) + 1) 版")
        }
        return try await InternshipStore.plan(id: id, on: db)!
    }

    public func plan(id: Int) async throws -> (PlanRow, InternRow, InternAccess) {
        guard let p = try await InternshipStore.plan(id: id, on: db) else { _ = try actor(); throw DomainError.notFound(Self.planWord) }
        let (i, how) = try await intern(id: p.internId)
        return (p, i, how)
    }

    /// The school mentor or the university supervisor approves the plan as it stands.
    public func approve(planId: Int) async throws -> PlanRow {
        let a = try actor()
        let (p, _, how) = try await plan(id: planId)
        let column: InternshipStore.Approver
        if how.contains(.mentor) { column = .mentor } else if how.contains(.supervisor) { column = .supervisor } else {
            throw a.can(.internshipMentor) || a.can(.internshipSupervise) ? DomainError.notFound(Self.planWord) : DomainError.forbidden
        }
        let audit = ctx.audit, now = ctx.now
        try await ctx.write { tx in
            try await InternshipStore.approvePlan(id: planId, version: p.version, as: column, by: a.username, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "internship.plan.approve", entity: "intern_plan", entityId: String(planId), summary: "\(column == .mentor ? "指导教师" : "带队教师")审批通过第 \(p.version) 版")
        }
        return try await InternshipStore.plan(id: planId, on: db)!
    }

    public func comment(planId: Int, text raw: String?) async throws {
        let a = try actor()
        let (p, _, how) = try await plan(id: planId)
        let role = how.contains(.mentor) ? "mentor" : how.contains(.supervisor) ? "supervisor" : how.contains(.own) ? "intern" : nil
        guard let role else { throw DomainError.forbidden }
        let text = raw?.trimmed ?? ""
        if text.isEmpty || text.count > 2000 { throw DomainError.validation(["text": LocalizedText(zh: "请填写意见（不超过2000字）", en: "write the comment (at most 2,000 characters)")]) }
        let audit = ctx.audit, now = ctx.now
        try await ctx.write { tx in
            try await InternshipStore.insertPlanComment(planId: planId, version: p.version, author: a.username, role: role, text: text, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "internship.plan.comment", entity: "intern_plan", entityId: String(planId), summary: role == "mentor" ? "指导教师意见" : role == "supervisor" ? "带队教师意见" : role)
        }
    }

    /// The supervisor records the trial lecture (试讲) of a plan both mentors approved.
    public func trial(planId: Int?, passed: Bool?, notes: String?) async throws -> PlanRow {
        let a = try ctx.requireActor()
        try a.require(.internshipSupervise)
        guard let planId, let passed else {
            throw DomainError.validation(["lessonPlanId": LocalizedText(zh: "需要教案编号和是否通过", en: "lessonPlanId and passed are required")])
        }
        let (p, _, how) = try await plan(id: planId)
        guard how.contains(.supervisor) else { throw DomainError.notFound(Self.planWord) }
        if let gate = p.mentorApproved && p.supervisorApproved ? nil : TeachingGate.planNotApproved(mentor: p.mentorApproved, supervisor: p.supervisorApproved) {
            throw DomainError(.invalid, code: gate.code, gate.message)
        }
        let audit = ctx.audit, now = ctx.now
        try await ctx.write { tx in
            try await InternshipStore.recordTrial(planId: planId, passed: passed, notes: notes?.trimmed, by: a.username, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "internship.trial", entity: "intern_plan", entityId: String(planId), summary: passed ? "试讲通过" : "试讲未通过")
        }
        return try await InternshipStore.plan(id: planId, on: db)!
    }

    // MARK: records

    public struct RecordDraft: Sendable {
        public var kind: RecordKind; public var date: String?; public var lessonPlanId: Int?; public var className: String?; public var topic: String?
        public var periods: Int?; public var ofInternId: Int?; public var scores: [String: Int]?; public var notes: String?; public var internId: Int?
        public init(kind: RecordKind, date: String?, lessonPlanId: Int? = nil, className: String? = nil, topic: String?, periods: Int? = nil, ofInternId: Int? = nil,
                    scores: [String: Int]? = nil, notes: String? = nil, internId: Int? = nil) {
            self.kind = kind; self.date = date; self.lessonPlanId = lessonPlanId; self.className = className; self.topic = topic; self.periods = periods
            self.ofInternId = ofInternId; self.scores = scores; self.notes = notes; self.internId = internId
        }
    }

    /// The peer-evaluation rubric (评课), each 1–5.
    public static let rubric = ["objectives", "content", "method", "interaction", "board"]
    public static func rubricLabel(_ k: String, _ l: UILocale) -> String {
        let zh = ["objectives": "教学目标", "content": "教学内容", "method": "教学方法", "interaction": "师生互动", "board": "板书与语言"]
        return l == .en ? k : zh[k] ?? k
    }

    /// A dated record: the intern's own (teaching through the gate, observations, peer
    /// evaluations, class-teacher log, activities), or a supervisor's visit to an intern.
    public func record(_ d: RecordDraft) async throws -> RecordRow {
        let a = try ctx.requireActor()
        let subject: InternRow
        if d.kind == .visit {
            try a.require(.internshipSupervise)
            guard let id = d.internId else { throw DomainError.validation(["internId": LocalizedText(zh: "请选择实习生", en: "choose the intern")]) }
            let (i, how) = try await self.intern(id: id)
            guard how.contains(.supervisor) else { throw DomainError.forbidden }
            subject = i
        } else {
            subject = try await ownIntern()
        }
        let intern = subject
        let batch = try await InternshipStore.batch(id: intern.batchId, on: db)!
        var e = FieldErrors()
        guard let date = d.date.flatMap({ CivilDate(parsing: $0.trimmed) }) else {
            throw DomainError.validation(["date": LocalizedText(zh: "日期格式应为 YYYY-MM-DD", en: "the date must be YYYY-MM-DD")])
        }
        if batch.calendar.week(of: date) == nil {
            throw DomainError(.invalid, code: "date_outside_batch", LocalizedText(zh: "日期不在本批次实习期内（\(batch.calendar.startsOn)至\(batch.calendar.endsOn)）", en: "the date is outside the batch (\(batch.calendar.startsOn) to \(batch.calendar.endsOn))"),
                              fields: ["date": LocalizedText(zh: "不在实习期内", en: "outside the batch")])
        }
        if date > today { e.add("date", "不能记录未来的日期", "the date is in the future") }
        // The observation week is for observing and drafting plans; class-teacher work,
        // activities and peer evaluations belong to the teaching weeks (lessons have their gate).
        if [.evaluation, .classLog, .activity].contains(d.kind), let phase = batch.calendar.phase(on: date), phase != .teaching {
            throw DomainError(.invalid, code: "not_in_teaching_phase", LocalizedText(zh: "该日期处于\(phase.zh)，\(d.kind.zh)从教学周开始记录", en: "that date is in the \(phase.en) week; \(d.kind.en) is recorded from the teaching weeks"),
                              fields: ["date": LocalizedText(zh: "不在教学周", en: "not a teaching week")])
        }
        let topic = d.topic?.trimmed ?? ""
        if topic.isEmpty || topic.count > 120 { e.add("topic", "请填写课题或事项（不超过120字）", "enter the topic (at most 120 characters)") }
        let notes = d.notes?.trimmed
        if (notes?.count ?? 0) > 4000 { e.add("notes", "记录不超过4000字", "at most 4,000 characters") }
        var periods: Int?
        var scoresJSON: String?
        switch d.kind {
        case .teaching:
            periods = d.periods ?? 1
            if periods! < 1 || periods! > 8 { e.add("periods", "课时应在1到8之间", "periods must be between 1 and 8") }
            if (d.className?.trimmed ?? "").isEmpty { e.add("className", "请填写班级", "enter the class") }
            guard let pid = d.lessonPlanId, let p = try await InternshipStore.plan(id: pid, on: db), p.internId == intern.id else {
                throw DomainError.validation(["lessonPlanId": LocalizedText(zh: "请选择自己的教案", en: "choose one of your lesson plans")])
            }
            try e.throwIfAny()
            if let gate = TeachingGate.check(date: date, calendar: batch.calendar, mentorApproved: p.mentorApproved, supervisorApproved: p.supervisorApproved, trial: p.trialValue) {
                throw DomainError(.invalid, code: gate.code, gate.message)
            }
        case .evaluation:
            guard let of = d.ofInternId, let other = try await InternshipStore.intern(id: of, on: db), other.id != intern.id, other.groupId != nil, other.groupId == intern.groupId else {
                throw DomainError.validation(["ofInternId": LocalizedText(zh: "请选择同组的另一位实习生", en: "choose another intern of your group")])
            }
            var scores: [String: Int] = [:]
            for k in Self.rubric {
                guard let v = d.scores?[k], (1...5).contains(v) else { e.add("scores.\(k)", "\(Self.rubricLabel(k, .zh))：请评1到5分", "\(k): score 1 to 5"); continue }
                scores[k] = v
            }
            scoresJSON = String(decoding: try JSONEncoder().encode(scores), as: UTF8.self)
        default: break
        }
        try e.throwIfAny()
        let audit = ctx.audit, now = ctx.now, kind = d.kind, periodsValue = periods, scoresValue = scoresJSON
        let cls = d.className?.trimmed
        let id = try await ctx.write { tx -> Int in
            let id = try await InternshipStore.insertRecord(internId: intern.id, kind: kind.rawValue, onDate: date.description, lessonPlanId: kind == .teaching ? d.lessonPlanId : nil,
                                                            className: cls, topic: topic, periods: periodsValue, ofInternId: kind == .evaluation ? d.ofInternId : nil,
                                                            scores: scoresValue, notes: notes, by: a.username, on: tx, now: now)
            try await Audit.record(on: tx, audit, action: "internship.record.\(kind.rawValue)", entity: "intern", entityId: String(intern.id), summary: "\(date) \(topic.prefix(40))")
            return id
        }
        return try await InternshipStore.records(internIds: [intern.id], on: db).first { $0.id == id }!
    }

    // MARK: close

    /// The intern's summary (实习总结), the mentor's comment, the school's appraisal (comment and
    /// rating), each by whoever may write it.
    public func appraise(internId: Int, field: String, text raw: String?, rating: String?) async throws {
        let (i, how) = try await intern(id: internId)
        let text = raw?.trimmed ?? ""
        if text.isEmpty || text.count > 5000 { throw DomainError.validation(["text": LocalizedText(zh: "请填写内容（不超过5000字）", en: "write it (at most 5,000 characters)")]) }
        let sets: InternshipStore.AppraisalText
        switch field {
        case "summary" where how.contains(.own): sets = .summary(text)
        case "mentor" where how.contains(.mentor): sets = .mentorComment(text)
        case "school" where how.contains(.host):
            guard let r = rating.flatMap(InternGrade.parse) else { throw DomainError.validation(["rating": LocalizedText(zh: "请选择鉴定等次", en: "choose a rating")]) }
            sets = .school(comment: text, rating: r.rawValue)
        default: throw DomainError.forbidden
        }
        let audit = ctx.audit
        try await ctx.write { tx in
            try await InternshipStore.setAppraisal(internId: i.id, sets, on: tx)
            try await Audit.record(on: tx, audit, action: "internship.appraise.\(field)", entity: "intern", entityId: String(i.id), summary: "\(text.count) 字")
        }
    }

    /// The supervisor's grade: three scores, the batch's weights, the final score and grade.
    public func grade(internId: Int, teaching: Double?, classTeacher: Double?, other: Double?) async throws -> AppraisalRow {
        let a = try ctx.requireActor()
        try a.require(.internshipSupervise)
        let (i, how) = try await intern(id: internId)
        guard how.contains(.supervisor) else { throw DomainError.forbidden }
        var e = FieldErrors()
        for (k, v) in [("teaching", teaching), ("classTeacher", classTeacher), ("other", other)] where v == nil || !v!.isFinite || v! < 0 || v! > 100 {
            e.add(k, "请填写0到100的分数", "enter a score from 0 to 100")
        }
        try e.throwIfAny()
        let b = try await InternshipStore.batch(id: i.batchId, on: db)!
        let score = b.weights.score(teaching: teaching!, classTeacher: classTeacher!, other: other!)
        let grade = InternGrade.of(score: score)
        let audit = ctx.audit
        try await ctx.write { tx in
            try await InternshipStore.setGrade(internId: i.id, teaching: teaching!, classTeacher: classTeacher!, other: other!, score: score, grade: grade.rawValue, by: a.username, on: tx)
            try await Audit.record(on: tx, audit, action: "internship.grade", entity: "intern", entityId: String(i.id), summary: "\(score) 分，\(grade.zh)")
        }
        return try await InternshipStore.appraisal(internId: i.id, on: db)!
    }

    public func groupSummary(groupId: Int, text raw: String?) async throws {
        let a = try ctx.requireActor()
        try a.require(.internshipSupervise)
        guard let g = try await InternshipStore.group(id: groupId, on: db), g.supervisorUserId == a.userId else { throw DomainError.notFound(LocalizedText(zh: "实习小组", en: "group")) }
        let text = raw?.trimmed ?? ""
        if text.isEmpty || text.count > 10000 { throw DomainError.validation(["text": LocalizedText(zh: "请填写小组总结（不超过1万字）", en: "write the group summary (at most 10,000 characters)")]) }
        let audit = ctx.audit
        try await ctx.write { tx in
            try await InternshipStore.setGroupSummary(groupId: groupId, text: text, on: tx)
            try await Audit.record(on: tx, audit, action: "internship.group.summary", entity: "intern_group", entityId: String(groupId), summary: "\(text.count) 字")
        }
    }

    // MARK: dashboards

    public struct InternWeek: Sendable {
        public let intern: InternRow
        public let week: Int?
        public let phase: Phase?
        public let plansWaiting: Int
        public let lessons: Int
        public let periods: Int
        public let observationsThisWeek: Int
        public let observationsNeeded: Int
        public let grade: String?
    }

    /// Each visible intern's week: plans waiting, lessons taught, observations against the minimum.
    public func overview(batchId: Int?) async throws -> [InternWeek] {
        let interns = try await interns(batchId: batchId)
        let ids = interns.map(\.id)
        let plans = try await InternshipStore.plans(internIds: ids, on: db)
        let records = try await InternshipStore.records(internIds: ids, on: db)
        let appraisals = try await InternshipStore.appraisals(internIds: ids, on: db)
        var batches: [Int: BatchRow] = [:]
        for b in Set(interns.map(\.batchId)) { batches[b] = try await InternshipStore.batch(id: b, on: db) }
        return interns.map { i in
            let cal = batches[i.batchId]!.calendar
            let week = cal.week(of: today)
            let weekStart = week.map { cal.firstDay(ofWeek: $0) }
            let mine = records.filter { $0.internId == i.id }
            let taught = mine.filter { $0.kind == RecordKind.teaching.rawValue }
            let observed = weekStart.map { start in mine.filter { $0.kind == RecordKind.observation.rawValue && (CivilDate(parsing: $0.onDate) ?? start) >= start }.count } ?? 0
            return InternWeek(intern: i, week: week, phase: cal.phase(on: today),
                              plansWaiting: plans.filter { $0.internId == i.id && !($0.mentorApproved && $0.supervisorApproved) }.count,
                              lessons: taught.count, periods: taught.reduce(0) { $0 + ($1.periods ?? 0) }, observationsThisWeek: observed,
                              observationsNeeded: week == nil ? 0 : batches[i.batchId]!.observationsPerWeek, grade: appraisals[i.id]?.grade)
        }
    }

    /// Plans waiting for this mentor's or supervisor's approval.
    public func queue() async throws -> [(PlanRow, InternRow)] {
        let a = try actor()
        let interns = try await interns()
        var out: [(PlanRow, InternRow)] = []
        let byId = Dictionary(uniqueKeysWithValues: interns.map { ($0.id, $0) })
        // The standing to each intern once (it reads the intern's group), not once per plan.
        var standing: [Int: InternAccess] = [:]
        let run = a.can(.internshipAdmin) ? Set(try await batches().map(\.id)) : []
        for i in interns { standing[i.id] = try await access(i, a, run: run) }
        for p in try await InternshipStore.plans(internIds: interns.map(\.id), on: db) {
            guard let i = byId[p.internId], let how = standing[i.id] else { continue }
            if how.contains(.mentor) && !p.mentorApproved { out.append((p, i)) } else if how.contains(.supervisor) && !p.supervisorApproved { out.append((p, i)) }
        }
        return out
    }

    public struct BatchStats: Sendable {
        public let batch: BatchRow
        public let interns: Int
        public let placed: Int
        public let periodsTaught: Int
        public let averageClassSize: Double?
        public let largeClasses: Int
        public let grades: [InternGrade: Int]
        /// The batch's course as its summary tells it (实习工作总结): its university, groups,
        /// host schools and mentors; lesson plans written and approved by both mentors; trial
        /// lectures given and passed; lessons taught and observed.
        public var university = ""
        public var groups = 0
        public var schools = 0
        public var mentors = 0
        public var plans = 0
        public var plansApproved = 0
        public var trials = 0
        public var trialsPassed = 0
        public var lessons = 0
        public var observations = 0
        public var graded = 0
    }

    /// The batches whose figures the caller may read (`stats`): every batch for the bureau, a
    /// supervisor's the batches of their groups; newest first.
    public func statsBatches() async throws -> [BatchRow] {
        let a = try actor()
        if a.can(.internshipAdmin) { return try await batches() }
        guard a.can(.internshipSupervise) else { return [] }
        var out: [BatchRow] = []
        for b in try await InternshipStore.batches(on: db) where try await InternshipStore.groups(batchId: b.id, on: db).contains(where: { $0.supervisorUserId == a.userId }) {
            out.append(b)
        }
        return out
    }

    /// For the bureau (and a supervisor, of the batches of their groups).
    public func stats(batchId: Int) async throws -> BatchStats {
        let a = try actor()
        let b = try await batch(id: batchId)
        guard a.can(.internshipAdmin) || a.can(.internshipSupervise) else { throw DomainError.forbidden }
        let interns = try await InternshipStore.interns(batchId: batchId, on: db)
        if !a.can(.internshipAdmin) {
            let mine = try await InternshipStore.groups(batchId: batchId, on: db).filter { $0.supervisorUserId == a.userId }
            if mine.isEmpty { throw DomainError.notFound(Self.batchWord) }
        }
        let records = try await InternshipStore.records(internIds: interns.map(\.id), on: db)
        let appraisals = try await InternshipStore.appraisals(internIds: interns.map(\.id), on: db)
        let sizes = interns.compactMap(\.classSize)
        var grades: [InternGrade: Int] = [:]
        for g in appraisals.values.compactMap({ $0.grade.flatMap(InternGrade.init(rawValue:)) }) { grades[g, default: 0] += 1 }
        var s = BatchStats(batch: b, interns: interns.count, placed: interns.filter { $0.schoolId != nil }.count,
                           periodsTaught: records.filter { $0.kind == RecordKind.teaching.rawValue }.reduce(0) { $0 + ($1.periods ?? 0) },
                           averageClassSize: sizes.isEmpty ? nil : Double(sizes.reduce(0, +)) / Double(sizes.count), largeClasses: sizes.filter { $0 >= 80 }.count, grades: grades)
        let plans = try await InternshipStore.plans(internIds: interns.map(\.id), on: db)
        s.university = try await InternshipStore.universities(on: db).first { $0.id == b.universityId }?.name ?? ""
        s.groups = try await InternshipStore.groups(batchId: batchId, on: db).count
        s.schools = Set(interns.compactMap(\.schoolId)).count
        s.mentors = Set(interns.compactMap(\.mentorTeacherId)).count
        s.plans = plans.count
        s.plansApproved = plans.filter { $0.mentorApproved && $0.supervisorApproved }.count
        s.trials = plans.filter { $0.trial != TrialLecture.none.rawValue }.count
        s.trialsPassed = plans.filter { $0.trial == TrialLecture.passed.rawValue }.count
        s.lessons = records.filter { $0.kind == RecordKind.teaching.rawValue }.count
        s.observations = records.filter { $0.kind == RecordKind.observation.rawValue }.count
        s.graded = grades.values.reduce(0, +)
        return s
    }
}
