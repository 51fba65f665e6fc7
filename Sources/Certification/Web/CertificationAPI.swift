import Foundation
import Vapor
import XuequCore
import XuequKit

extension NoticeView: Content {}
extension NoticeEntry: Content {}

/// `/api/v1/certification…` and `/api/v1/certificates…` (CONTRACT "Certification").
public struct CertificationAPI: Sendable {
    public init() {}

    /// `open`: no sign-in needed (public notice, objections, certificate check); `authed`: signed in.
    public func register(open: any RoutesBuilder, authed: any RoutesBuilder) {
        typealias R = CertificationAPIRoute
        open.get(R.notice, use: notice)
        open.post(R.noticeObjections, use: object)
        open.get(R.verify, use: verify)
        authed.get(R.windows, use: windows)
        authed.post(R.windows, use: createWindow)
        authed.get(R.bodies, use: bodies)
        authed.post(R.bodies, use: createBody)
        authed.post(R.applications, use: create)
        authed.get(R.application, use: application)
        authed.put(R.application, use: correct)
        authed.post(R.events, use: event)
        authed.get(R.documents, use: documents)
        authed.on(.POST, R.documents, body: .collect(maxSize: "6mb"), use: upload)
        authed.get(R.document, use: document)
        authed.post(R.abilityScores, use: score)
        authed.post(R.physicalExam, use: physicalExam)
        authed.post(R.notices, use: createNotice)
        authed.post(R.objection, use: resolveObjection)
        authed.get(R.statistics, use: statistics)
        authed.get(R.certificates, use: certificates)
    }

    struct DeficiencyDTO: Content { let code: String; let reason: String }
    struct HistoryDTO: Content { let from: String; let to: String; let event: String; let actor: String; let at: String; let reason: String? }
    struct ApplicationDTO: Content {
        let id: Int; let state: String; let version: Int; let type: String; let windowId: Int; let route: String
        let deficiencies: [DeficiencyDTO]; let history: [HistoryDTO]?; let correctionDue: String?; let reasonCode: String?
    }

    static func deficiencies(_ list: [Deficiency], _ req: Request) -> [DeficiencyDTO] {
        list.map { DeficiencyDTO(code: $0.code.rawValue, reason: $0.reason(req.uiLocale)) }
    }

    func windows(req: Request) async throws -> Response {
        struct W: Content { let id: Int; let name: String; let opensOn: String; let closesOn: String; let authority: String; let types: [String] }
        struct L: Content { let items: [W]; let total: Int }
        let items = try await CertificationService(req).windows().map { W(id: $0.id, name: $0.name, opensOn: $0.opensOn, closesOn: $0.closesOn, authority: $0.authority, types: $0.typeList.map(\.rawValue)) }
        return try await L(items: items, total: items.count).encodeResponse(for: req)
    }

    func create(req: Request) async throws -> Response {
        let draft = try req.content.decode(ApplicationDraft.self)
        let (a, d) = try await CertificationService(req).create(draft)
        return try await ApplicationDTO(id: a.id, state: a.state, version: a.version, type: a.type, windowId: a.windowId, route: a.route,
                                        deficiencies: Self.deficiencies(d, req), history: nil, correctionDue: a.correctionDue, reasonCode: a.reasonCode)
            .encodeResponse(status: .created, for: req)
    }

    func application(req: Request) async throws -> ApplicationDTO {
        let (a, history, d) = try await CertificationService(req).application(id: try req.intParameter())
        return ApplicationDTO(id: a.id, state: a.state, version: a.version, type: a.type, windowId: a.windowId, route: a.route, deficiencies: Self.deficiencies(d, req),
                              history: history.map { HistoryDTO(from: $0.fromState, to: $0.toState, event: $0.event, actor: $0.actor, at: ISOTime.string(Date(timeIntervalSince1970: $0.at)), reason: $0.reason) },
                              correctionDue: a.correctionDue, reasonCode: a.reasonCode)
    }

    struct VersionField: Content { let version: Int? }

    /// `PUT /api/v1/certification/applications/{id}` with the application's fields and `version`:
    /// corrects a draft or deficient application.
    func correct(req: Request) async throws -> ApplicationDTO {
        let d = try req.content.decode(ApplicationDraft.self)
        let version = try req.content.decode(VersionField.self).version
        let (a, deficiencies) = try await CertificationService(req).correct(id: try req.intParameter(), version: version, d)
        return ApplicationDTO(id: a.id, state: a.state, version: a.version, type: a.type, windowId: a.windowId, route: a.route,
                              deficiencies: Self.deficiencies(deficiencies, req), history: nil, correctionDue: a.correctionDue, reasonCode: a.reasonCode)
    }

    struct PhysicalBody: Content { let physicalExam: String?; let version: Int? }

    /// `POST /api/v1/certification/applications/{id}/physical-exam {physicalExam, version}`: the
    /// body enters the result from the hospital's report (an applicant: 403).
    func physicalExam(req: Request) async throws -> ApplicationDTO {
        let b = try req.content.decode(PhysicalBody.self)
        let service = CertificationService(req)
        let a = try await service.recordPhysicalExam(id: try req.intParameter(), result: b.physicalExam, version: b.version)
        let (_, history, d) = try await service.application(id: a.id)
        return ApplicationDTO(id: a.id, state: a.state, version: a.version, type: a.type, windowId: a.windowId, route: a.route, deficiencies: Self.deficiencies(d, req),
                              history: history.map { HistoryDTO(from: $0.fromState, to: $0.toState, event: $0.event, actor: $0.actor, at: ISOTime.string(Date(timeIntervalSince1970: $0.at)), reason: $0.reason) },
                              correctionDue: a.correctionDue, reasonCode: a.reasonCode)
    }

    struct EventBody: Content { let event: String?; let version: Int?; let reason: String?; let score: Double?; let scores: [Double]? }
    struct StateDTO: Content { let state: String; let version: Int }

    func event(req: Request) async throws -> StateDTO {
        let b = try req.content.decode(EventBody.self)
        let a = try await CertificationService(req).apply(id: try req.intParameter(), .init(event: b.event, version: b.version, reason: b.reason, score: b.score, scores: b.scores))
        return StateDTO(state: a.state, version: a.version)
    }

    struct NoticeBody: Content { let applicationIds: [Int]?; let days: Int? }

    func createNotice(req: Request) async throws -> Response {
        let b = try req.content.decode(NoticeBody.self)
        let n = try await CertificationService(req).createNotice(applicationIds: b.applicationIds ?? [], days: b.days ?? 0)
        return try await n.encodeResponse(status: .created, for: req)
    }

    func notice(req: Request) async throws -> NoticeView {
        guard let n = try await CertificationService.notice(try req.intParameter(), on: req.db) else { throw DomainError.notFound(CertificationService.noticeWord) }
        return n
    }

    struct ObjectionBody: Content { let applicationId: Int?; let filedBy: String?; let contact: String?; let text: String? }

    func object(req: Request) async throws -> Response {
        let b = try req.content.decode(ObjectionBody.self)
        try req.throttleObjections()
        let id = try await CertificationService(req).object(noticeId: try req.intParameter(), applicationId: b.applicationId, filedBy: b.filedBy ?? "", contact: b.contact ?? "", text: b.text ?? "")
        struct Created: Content { let id: Int; let status: String }
        return try await Created(id: id, status: "open").encodeResponse(status: .created, for: req)
    }

    struct ResolveBody: Content { let status: String?; let resolution: String? }

    func resolveObjection(req: Request) async throws -> HTTPStatus {
        let b = try req.content.decode(ResolveBody.self)
        // The service checks who may before it judges the status.
        let upheld: Bool? = b.status == "upheld" ? true : (b.status == "dismissed" ? false : nil)
        try await CertificationService(req).resolveObjection(id: try req.intParameter(), upheld: upheld, resolution: b.resolution ?? "")
        return .ok
    }

    func verify(req: Request) async throws -> Response {
        struct Valid: Content { let valid: Bool; let type: String; let subject: String; let issuedOn: String; let authority: String; let revokedOn: String? }
        let q = (try? req.query.decode([String: String].self)) ?? [:]
        guard let c = try await CertificationService.verify(number: q["number"] ?? "", name: q["name"] ?? "", on: req.db) else {
            throw DomainError.notFound(LocalizedText(zh: "该编号与姓名的证书", en: "a certificate with this number and name"))
        }
        return try await Valid(valid: c.revokedOn == nil, type: c.type, subject: c.subject, issuedOn: c.issuedOn, authority: c.authority, revokedOn: c.revokedOn).encodeResponse(for: req)
    }

    func certificates(req: Request) async throws -> Response {
        struct C: Content { let number: String; let name: String; let type: String; let subject: String; let issuedOn: String; let revokedOn: String? }
        struct L: Content { let items: [C]; let total: Int }
        let window = (try? req.query.decode([String: String].self))?["window"].flatMap { Int($0) }
        let items = try await CertificationService(req).certificates(window: window).map { C(number: $0.number, name: $0.name, type: $0.type, subject: $0.subject, issuedOn: $0.issuedOn, revokedOn: $0.revokedOn) }
        return try await L(items: items, total: items.count).encodeResponse(for: req)
    }

    func statistics(req: Request) async throws -> Response {
        struct S: Content {
            let applied: Int; let certified: Int; let byType: [String: Int]; let failureReasons: [String: Int]; let byState: [String: Int]
            let meanDaysToDecision: Double?; let overdue: Int; let decisionDueOn: String; let daysInState: [String: Double]
        }
        guard let window = (try? req.query.decode([String: String].self))?["window"].flatMap({ Int($0) }) else {
            throw DomainError.validation(["window": LocalizedText(zh: "请指定认定批次", en: "window is required")])
        }
        let s = try await CertificationService(req).statistics(window: window)
        return try await S(applied: s.applied, certified: s.certified, byType: s.byType, failureReasons: s.failureReasons, byState: s.byState,
                           meanDaysToDecision: s.meanDaysToDecision, overdue: s.overdue, decisionDueOn: s.dueOn,
                           daysInState: s.daysInState.mapValues { ($0 * 10).rounded() / 10 }).encodeResponse(for: req)
    }

    // MARK: documents and the panel

    struct DocumentDTO: Content { let kind: String; let filename: String; let mediaType: String; let size: Int; let sha256: String; let uploadedAt: String }

    static func dto(_ d: CertDocumentRow) -> DocumentDTO {
        DocumentDTO(kind: d.kind, filename: d.filename, mediaType: d.mediaType, size: d.size, sha256: d.sha256,
                    uploadedAt: ISOTime.string(Date(timeIntervalSince1970: d.uploadedAt)))
    }

    func documents(req: Request) async throws -> Response {
        struct L: Content { let items: [DocumentDTO]; let missing: [String] }
        let id = try req.intParameter()
        let service = CertificationService(req)
        let (a, docs) = try await service.documents(id: id)
        let have = Set(docs.map(\.kind))
        return try await L(items: docs.map(Self.dto), missing: CertDocumentKind.required(for: a.certRoute).map(\.rawValue).filter { !have.contains($0) }).encodeResponse(for: req)
    }

    struct UploadForm: Content { let kind: String?; let file: File? }

    /// `POST …/documents`: multipart with `kind` and `file`, or the raw bytes with `?kind=`.
    func upload(req: Request) async throws -> Response {
        let id = try req.intParameter()
        let kind: String?, filename: String?, data: Data
        if req.headers.contentType?.type == "multipart" {
            let form = try? req.content.decode(UploadForm.self)
            guard let file = form?.file else { throw DomainError.validation(["file": LocalizedText(zh: "请选择要上传的文件（字段名 file）", en: "attach the file in the form field “file”")]) }
            kind = form?.kind; filename = file.filename; data = Data(buffer: file.data)
        } else {
            kind = try? req.query.get(String.self, at: "kind"); filename = try? req.query.get(String.self, at: "filename")
            data = req.body.data.map { Data(buffer: $0) } ?? Data()
        }
        let d = try await CertificationService(req).upload(id: id, kind: kind, filename: filename, data: data)
        return try await Self.dto(d).encodeResponse(status: .created, for: req)
    }

    func document(req: Request) async throws -> Response {
        let (d, data) = try await CertificationService(req).document(id: try req.intParameter(), kind: req.parameters.get("kind") ?? "")
        return Self.documentResponse(d, data)
    }

    /// The stored bytes with their sniffed type; never rendered as anything else.
    public static func documentResponse(_ d: CertDocumentRow, _ data: Data) -> Response {
        let res = Response(status: .ok, body: .init(data: data))
        res.headers.replaceOrAdd(name: .contentType, value: d.mediaType)
        res.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        // ID-card scans and certificates: kept by no cache, the browser's included.
        res.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        // Printable ASCII only in the plain parameter (no quote, backslash or line break to break out of it).
        let ascii = d.filename.unicodeScalars.allSatisfy { (0x20...0x7E).contains($0.value) && $0 != "\"" && $0 != "\\" } ? d.filename : "document"
        res.headers.replaceOrAdd(name: .contentDisposition,
                                 value: "inline; filename=\"\(ascii)\"; filename*=UTF-8''\(d.filename.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "document")")
        return res
    }

    struct ScoreBody: Content { let score: Double? }
    struct PanelDTO: Content { let scores: [ExpertScore]; let mean: Double?; let passMark: Double; let panelMinimum: Int }
    struct ExpertScore: Content { let expert: String; let score: Double }

    /// `POST …/ability-scores {score}`: the calling expert's own score.
    func score(req: Request) async throws -> Response {
        let b = try req.content.decode(ScoreBody.self)
        let service = CertificationService(req)
        let scores = try await service.scoreAsExpert(id: try req.intParameter(), score: b.score)
        let rules = try await service.rulesInForce()
        let mean = scores.isEmpty ? nil : scores.map(\.score).reduce(0, +) / Double(scores.count)
        return try await PanelDTO(scores: scores.map { ExpertScore(expert: $0.expert, score: $0.score) }, mean: mean, passMark: rules.abilityPassMark, panelMinimum: rules.panelMinimum)
            .encodeResponse(status: .created, for: req)
    }

    // MARK: bodies and windows (the bureau)

    struct BodyDTO: Content { let id: Int; let code: String; let name: String; let level: String }
    struct BodyBody: Content { let code: String?; let name: String?; let level: String? }
    struct WindowBody: Content { let bodyId: Int?; let name: String?; let opensOn: String?; let closesOn: String?; let types: [String]? }
    struct WindowDTO: Content { let id: Int; let name: String; let opensOn: String; let closesOn: String; let authority: String; let types: [String] }

    func bodies(req: Request) async throws -> Response {
        struct L: Content { let items: [BodyDTO]; let total: Int }
        let items = try await CertificationService(req).bodies().map { BodyDTO(id: $0.id, code: $0.code, name: $0.name, level: $0.level) }
        return try await L(items: items, total: items.count).encodeResponse(for: req)
    }

    func createBody(req: Request) async throws -> Response {
        let b = try req.content.decode(BodyBody.self)
        let body = try await CertificationService(req).createBody(code: b.code, name: b.name, level: b.level)
        return try await BodyDTO(id: body.id, code: body.code, name: body.name, level: body.level).encodeResponse(status: .created, for: req)
    }

    func createWindow(req: Request) async throws -> Response {
        let b = try req.content.decode(WindowBody.self)
        let w = try await CertificationService(req).createWindow(bodyId: b.bodyId, name: b.name, opensOn: b.opensOn, closesOn: b.closesOn, types: b.types)
        return try await WindowDTO(id: w.id, name: w.name, opensOn: w.opensOn, closesOn: w.closesOn, authority: w.authority, types: w.typeList.map(\.rawValue))
            .encodeResponse(status: .created, for: req)
    }
}

extension Request {
    /// Anonymous objections are limited per address (an HTTP concern, so here and not in the service).
    func throttleObjections() throws {
        try throttle("objection", rule: application.security.objectionsPerAddress) { wait in
            LocalizedText(zh: "来自您的地址的异议提交过于频繁，请\(wait / 60 + 1)分钟后再试", en: "too many objections from your address; try again in \(wait / 60 + 1) min")
        }
    }
}
