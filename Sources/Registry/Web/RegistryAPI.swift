import Foundation
import Vapor
import XuequCore
import XuequKit

extension SchoolConditions: Content {}
extension MergerRow: Content {}

/// `{"items": [...], "total": N}` (CONTRACT "Lists").
/// Past `PageSpec.countCap` matches `total` is the cap and `totalCapped` is true (absent otherwise).
public struct ListBody<Item: Content>: Content {
    public let items: [Item]
    public let total: Int
    public let totalCapped: Bool?
    public init(items: [Item], total: Int, capped: Bool = false) { self.items = items; self.total = total; self.totalCapped = capped ? true : nil }
}

struct DistrictDTO: Content {
    let id: Int; let code: String; let name: String; let centralSchoolId: Int?
    enum CodingKeys: String, CodingKey { case id, code, name, centralSchoolId }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(code, forKey: .code); try c.encode(name, forKey: .name)
        try c.encode(centralSchoolId, forKey: .centralSchoolId)
    }
}
struct SchoolDTO: Content {
    let id: Int; let code: String; let name: String; let districtId: Int; let stage: String; let locality: String; let status: String; let students: Int
    let boarding: Bool; let central: Bool; let standardised: Bool; let mergedIntoId: Int?; let mergedOn: String?; let version: Int?
}
struct TeacherDTO: Content {
    let id: Int; let name: String; let gender: String; let birthDate: String; let schoolId: Int; let subjects: [String]; let education: String
    let putonghua: String; let title: String; let backbone: String; let schoolSince: String; let stagePart: String?; let residentId: String; let version: Int
    var qualificationType: String? = nil; var qualificationNumber: String? = nil; var principalSince: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, name, gender, birthDate, schoolId, subjects, education, putonghua, title, backbone, schoolSince, stagePart, residentId, version
        case qualificationType, qualificationNumber, principalSince
    }
    /// `stagePart` is always present, `null` for a teacher of a school with one part (CONTRACT).
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id); try c.encode(name, forKey: .name); try c.encode(gender, forKey: .gender); try c.encode(birthDate, forKey: .birthDate)
        try c.encode(schoolId, forKey: .schoolId); try c.encode(subjects, forKey: .subjects); try c.encode(education, forKey: .education)
        try c.encode(putonghua, forKey: .putonghua); try c.encode(title, forKey: .title); try c.encode(backbone, forKey: .backbone)
        try c.encode(schoolSince, forKey: .schoolSince); try c.encode(stagePart, forKey: .stagePart); try c.encode(residentId, forKey: .residentId)
        try c.encode(version, forKey: .version)
        try c.encode(qualificationType, forKey: .qualificationType); try c.encode(qualificationNumber, forKey: .qualificationNumber)
        try c.encode(principalSince, forKey: .principalSince)
    }
}

extension TeacherDTO {
    init(_ t: TeacherRow, full: Bool) {
        self.init(id: t.id, name: t.name, gender: t.gender, birthDate: full ? t.birthDate : String(t.birthDate.prefix(4)), schoolId: t.schoolId, subjects: t.subjectList,
                  education: t.education, putonghua: t.putonghua, title: t.title, backbone: t.backbone, schoolSince: t.schoolSince,
                  stagePart: t.stagePart, residentId: full ? t.residentId : Masking.residentID(t.residentId), version: t.version,
                  qualificationType: t.qualificationType, qualificationNumber: full ? t.qualificationNumber : nil, principalSince: t.principalSince)
    }
}

/// JSON endpoints of the registry under `/api/v1` (bearer token already checked).
public struct RegistryAPI: Sendable {
    public init() {}

    public func register(_ api: any RoutesBuilder) {
        typealias R = RegistryAPIRoute
        api.get(R.districts, use: districts)
        api.get(R.areas, use: areas)
        api.post(R.districts, use: createDistrict)
        api.get(R.schools, use: schools)
        api.post(R.schools, use: createSchool)
        api.get(R.school, use: school)
        api.put(R.schoolConditions, use: putConditions)
        api.get(R.schoolConditions, use: getConditions)
        api.post(R.schoolMerge, use: merge)
        api.get(R.teachers, use: teachers)
        api.post(R.teachers, use: createTeacher)
        api.get(R.teacher, use: teacher)
        api.put(R.teacher, use: updateTeacher)
        api.post(R.teacherTransfers, use: transferTeacher)
        api.on(.POST, R.importTeachers, body: .collect(maxSize: "20mb"), use: importTeachers)
        api.on(.POST, R.importSchools, body: .collect(maxSize: "20mb"), use: importSchools)
        api.on(.POST, R.importConditions, body: .collect(maxSize: "20mb"), use: importConditions)
    }

    /// The query string, decoded once per request (each `req.query[...]` parses it again).
    public struct Query: Sendable {
        public let values: [String: String]
        public init(_ req: Request) {
            values = (try? req.query.decode([String: String].self)) ?? [:]
        }
        public func string(_ name: String) -> String? {
            guard let v = values[name], !v.isEmpty else { return nil }
            return v
        }
        public func int(_ name: String) throws -> Int? {
            guard let raw = string(name) else { return nil }
            guard let v = Int(raw) else { throw DomainError.validation([name: LocalizedText(zh: "应为整数", en: "must be a whole number")]) }
            return v
        }
        public func vocab<V: Vocabulary>(_ name: String, _ t: V.Type) throws -> V? {
            guard let raw = string(name) else { return nil }
            guard let v = V.parse(raw) else { throw DomainError.validation([name: LocalizedText(zh: "取值无效“\(raw.clipped())”", en: "invalid value “\(raw.clipped())”")]) }
            return v
        }
        public var page: PageSpec { get throws { PageSpec(page: try int("page"), per: try int("per")) } }
    }

    static func page(_ req: Request) throws -> PageSpec { try Query(req).page }

    func districts(req: Request) async throws -> ListBody<DistrictDTO> {
        let items = try await RegistryService(req).districtRows().map { DistrictDTO(id: $0.id, code: $0.code, name: $0.name, centralSchoolId: $0.centralSchoolId) }
        return ListBody(items: items, total: items.count)
    }

    struct AreaDTO: Content { let code: String; let name: String; let level: String; let parentCode: String? }

    /// `GET /api/v1/areas`: the administrative areas the caller may read.
    func areas(req: Request) async throws -> ListBody<AreaDTO> {
        let items = try await RegistryService(req).areas().map { AreaDTO(code: $0.code, name: $0.name, level: $0.level, parentCode: $0.parentCode) }
        return ListBody(items: items, total: items.count)
    }

    struct NewDistrict: Content { let code: String?; let name: String? }

    func createDistrict(req: Request) async throws -> Response {
        let body = try req.content.decode(NewDistrict.self)
        let d = try await RegistryService(req).createDistrict(code: body.code ?? "", name: body.name ?? "")
        return try await DistrictDTO(id: d.id, code: d.code, name: d.name, centralSchoolId: d.centralSchoolId).encodeResponse(status: .created, for: req)
    }

    static func schoolFilter(_ req: Request) throws -> SchoolFilter {
        let q = Query(req)
        return SchoolFilter(district: try q.int("district"), stage: try q.vocab("stage", Stage.self), locality: try q.vocab("locality", Locality.self),
                            status: try q.vocab("status", SchoolStatus.self), q: q.string("q"), sort: q.string("sort"))
    }

    func schools(req: Request) async throws -> ListBody<SchoolDTO> {
        let result = try await RegistryService(req).schools(filter: try Self.schoolFilter(req), page: try Self.page(req))
        return ListBody(items: result.items.map { s in
            SchoolDTO(id: s.id, code: s.code, name: s.name, districtId: s.districtId, stage: s.stage, locality: s.locality, status: s.status, students: s.students,
                      boarding: s.boarding, central: s.central, standardised: s.standardised, mergedIntoId: nil, mergedOn: nil, version: nil)
        }, total: result.total, capped: result.capped)
    }

    static func dto(_ s: SchoolRow) -> SchoolDTO {
        SchoolDTO(id: s.id, code: s.code, name: s.name, districtId: s.districtId, stage: s.stage, locality: s.locality, status: s.status, students: s.students,
                  boarding: s.boarding, central: s.central, standardised: s.standardised, mergedIntoId: s.mergedIntoId, mergedOn: s.mergedOn, version: s.version)
    }

    func school(req: Request) async throws -> SchoolDTO {
        Self.dto(try await RegistryService(req).school(id: try req.intParameter("id")))
    }

    struct NewSchool: Content {
        let code: String?; let name: String?; let districtId: Int?; let stage: String?; let locality: String?
        let boarding: Bool?; let central: Bool?; let standardised: Bool?; let students: Int?; let address: String?
    }

    func createSchool(req: Request) async throws -> Response {
        let b = try req.content.decode(NewSchool.self)
        guard let did = b.districtId else { throw DomainError.validation(["districtId": LocalizedText(zh: "学区不能为空", en: "districtId is required")]) }
        let s = try await RegistryService(req).createSchool(SchoolDraft(code: b.code ?? "", name: b.name ?? "", districtRef: .id(did), stage: b.stage ?? "", locality: b.locality ?? "",
                                                                        boarding: b.boarding ?? false, central: b.central ?? false, standardised: b.standardised ?? false, students: b.students, address: b.address))
        return try await Self.dto(s).encodeResponse(status: .created, for: req)
    }

    func putConditions(req: Request) async throws -> SchoolConditions {
        let body = try req.content.decode(SchoolConditions.self)
        let id = try req.intParameter("id")
        try await RegistryService(req).putConditions(schoolId: id, body)
        return body
    }

    func getConditions(req: Request) async throws -> ListBody<SchoolConditions> {
        let items = try await RegistryService(req).conditions(schoolId: try req.intParameter("id"))
        return ListBody(items: items, total: items.count)
    }

    struct MergeBody: Content { let intoSchoolId: Int; let mergedOn: String; let note: String? }

    func merge(req: Request) async throws -> MergerRow {
        try req.requireActor().require(.schoolsMerge)
        let b = try req.content.decode(MergeBody.self)
        guard let date = CivilDate(parsing: b.mergedOn) else { throw DomainError.validation(["mergedOn": LocalizedText(zh: "日期格式应为 YYYY-MM-DD", en: "expected YYYY-MM-DD")]) }
        return try await RegistryService(req).merge(schoolId: try req.intParameter("id"), into: b.intoSchoolId, on: date, note: b.note)
    }

    static func teacherFilter(_ req: Request) throws -> TeacherFilter {
        let q = Query(req)
        return TeacherFilter(district: try q.int("district"), school: try q.int("school"), q: q.string("q"),
                             subject: try q.vocab("subject", Subject.self), title: try q.vocab("title", Title.self),
                             education: try q.vocab("education", Education.self), backbone: try q.vocab("backbone", Backbone.self),
                             dueOn: q.string("dueOn").flatMap(CivilDate.init(parsing:)), sort: q.string("sort"))
    }

    func teachers(req: Request) async throws -> Response {
        let (items, total, capped) = try await RegistryService(req).teachersJSON(filter: try Self.teacherFilter(req), page: try Self.page(req))
        // Past 10,000 matches `total` is 10,000 and `totalCapped` says there are more.
        let res = Response(status: .ok, body: .init(string: "{\"items\":\(items),\"total\":\(total)\(capped ? ",\"totalCapped\":true" : "")}"))
        res.headers.contentType = .json
        return res
    }

    func teacher(req: Request) async throws -> TeacherDTO {
        let service = RegistryService(req)
        let t = try await service.teacher(id: try req.intParameter("id"))
        return TeacherDTO(t, full: service.seesFull(t))
    }

    struct TeacherBody: Content {
        let name: String?; let residentId: String?; let schoolId: Int?; let subjects: [String]?; let education: String?; let putonghua: String?
        let title: String?; let backbone: String?; let schoolSince: String?; let stagePart: String?; let phone: String?; let version: Int?
        let qualificationType: String?; let qualificationNumber: String?; let principalSince: String?

        func draft() throws -> TeacherDraft {
            guard let schoolId else { throw DomainError.validation(["schoolId": LocalizedText(zh: "学校不能为空", en: "schoolId is required")]) }
            var d = TeacherDraft(name: name ?? "", residentId: residentId ?? "", schoolRef: .id(schoolId), subjects: subjects ?? [], education: education ?? "",
                                 putonghua: putonghua ?? "", title: title ?? "", backbone: backbone ?? "", schoolSince: schoolSince ?? "", stagePart: stagePart, phone: phone)
            d.qualificationType = qualificationType; d.qualificationNumber = qualificationNumber; d.principalSince = principalSince
            return d
        }
    }

    func createTeacher(req: Request) async throws -> Response {
        let b = try req.content.decode(TeacherBody.self)
        let service = RegistryService(req)
        let t = try await service.createTeacher(try b.draft())
        return try await TeacherDTO(t, full: service.seesFull(t)).encodeResponse(status: .created, for: req)
    }

    func updateTeacher(req: Request) async throws -> TeacherDTO {
        let b = try req.content.decode(TeacherBody.self)
        guard let version = b.version else { throw DomainError.validation(["version": LocalizedText(zh: "缺少版本号", en: "version is required")]) }
        let service = RegistryService(req)
        let t = try await service.updateTeacher(id: try req.intParameter("id"), try b.draft(), version: version)
        return TeacherDTO(t, full: service.seesFull(t))
    }

    struct TransferBody: Content { let toSchoolId: Int?; let onDate: String?; let reason: String?; let stagePart: String?; let version: Int? }

    /// POST /api/v1/teachers/{id}/transfers — 调动 with its date and reason.
    func transferTeacher(req: Request) async throws -> TeacherDTO {
        let b = try req.content.decode(TransferBody.self)
        let service = RegistryService(req)
        let t = try await service.transfer(teacherId: try req.intParameter("id"), toSchoolId: b.toSchoolId, on: b.onDate, reason: b.reason, stagePart: b.stagePart, version: b.version)
        return TeacherDTO(t, full: service.seesFull(t))
    }

    struct Imported: Content { let imported: Int }
    struct Upload: Content { let file: File }

    /// Refuses an oversized body before the multipart parser spends time on it.
    static func checkUploadSize(_ req: Request) throws {
        if (req.body.data?.readableBytes ?? 0) > Spreadsheet.maxUploadBytes + 64 * 1024 { throw Spreadsheet.tooLarge }
    }

    static func uploadedTable(_ req: Request) async throws -> SheetTable {
        try checkUploadSize(req)
        guard let upload = try? req.content.decode(Upload.self) else {
            throw DomainError.validation(["file": LocalizedText(zh: "请选择要上传的文件（字段名 file）", en: "attach the file in the form field “file”")])
        }
        let started = Date()
        let table = try await Spreadsheet.read(Data(buffer: upload.file.data), filename: upload.file.filename, on: req.application)
        req.logger.info("read \(upload.file.filename): \(table.rows.count) rows in \(String(format: "%.2f", Date().timeIntervalSince(started))) s")
        return table
    }

    func importTeachers(req: Request) async throws -> Imported {
        try req.requireActor().require(RegistryService.importPermission("teachers")!)
        return Imported(imported: try await RegistryService(req).importTeachers(try await Self.uploadedTable(req)))
    }

    func importConditions(req: Request) async throws -> Imported {
        try req.requireActor().require(RegistryService.importPermission("conditions")!)
        return Imported(imported: try await RegistryService(req).importConditions(try await Self.uploadedTable(req)))
    }

    func importSchools(req: Request) async throws -> Imported {
        try req.requireActor().require(RegistryService.importPermission("schools")!)
        return Imported(imported: try await RegistryService(req).importSchools(try await Self.uploadedTable(req)))
    }
}
