import Fluent
import Foundation
import SQLKit
import Vapor
import XuequCore
import Registry
import XuequKit

public struct CertBody: Decodable, Sendable {
    public let id: Int
    public let code: String
    public let name: String
    public let level: String
    /// The area the body serves: a county body its county's code, a prefecture body its city's;
    /// nil for a body not yet bound (a database of one county reads it as that county's).
    public let areaCode: String?
}

/// Certifying bodies (认定机构) and their application windows (受理批次), kept by the bureau.
extension CertificationService {
    /// The bodies the caller sees: every body for an applicant and in a database of one county;
    /// among several, a county's bureau or reviewer its county's, a prefecture reviewer its city's
    /// and its counties' (issue 30).
    public func bodies() async throws -> [CertBody] {
        let actor = try ctx.requireActor()
        let all = try await Self.bodies(on: db)
        if CertificationPolicy.isApplicant(actor) { return all }
        guard let area = Self.bodyArea(of: actor) else { return try await reach().windows == nil ? all : [] }
        return all.filter { Self.serves($0.areaCode, area, prefecture: CertificationPolicy.isPrefectureBody(actor)) }
    }

    func requireBureau() throws -> Actor {
        let actor = try ctx.requireActor()
        try actor.require(.certAdmin)
        return actor
    }

    /// A certifying body: its 5-digit code goes into certificate numbers, so it cannot repeat.
    public func createBody(code: String?, name: String?, level: String?) async throws -> CertBody {
        let actor = try requireBureau()
        var e = FieldErrors()
        let code = (code ?? "").trimmed, name = (name ?? "").trimmed, level = (level ?? "").trimmed
        if code.count != 5 || !code.allSatisfy(\.isASCII) || !code.allSatisfy(\.isNumber) {
            e.add("code", "机构代码应为5位数字（省2位+机构3位）", "the code is 5 digits (province 2 + body 3)")
        }
        if name.isEmpty || name.count > 60 { e.add("name", "请填写机构名称（不超过60字）", "the name is required, at most 60 characters") }
        if level != "county" && level != "prefecture" { e.add("level", "层级应为 county（县级）或 prefecture（市州级）", "level must be county or prefecture") }
        // The area the body serves (issue 30): a county's bureau among several sets up its own
        // county's body, once; the bureau of a database of one county binds a county body to it
        // and a prefecture body to its city.
        let areaCode: String?
        if let c = actor.oneCounty {
            if level == "prefecture" { e.add("level", "市（州）认定机构不由县教育局设置", "a prefecture body is not a county bureau's to set up") }
            areaCode = c.code
        } else {
            let sole = try await AreaStore.soleCounty(on: db)
            areaCode = level == "prefecture" ? try await sole.asyncMap { try await AreaStore.area(code: $0, on: db)?.parentCode } ?? nil : sole
        }
        try e.throwIfAny()
        let audit = ctx.audit
        let id: Int = try await ctx.write { tx in
            try await Self.lockBodies(on: tx)
            if try await Self.bodyExists(code: code, on: tx) {
                throw DomainError(.conflict, code: "duplicate_code", LocalizedText(zh: "机构代码\(code)已存在", en: "the code \(code) exists already"),
                                  fields: ["code": LocalizedText(zh: "已存在", en: "exists already")])
            }
            if actor.oneCounty != nil, let areaCode, try await Self.countyBodyExists(area: areaCode, on: tx) {
                throw DomainError(.conflict, code: "body_exists", LocalizedText(zh: "本县已设认定机构", en: "the county has its certifying body already"),
                                  fields: ["code": LocalizedText(zh: "本县已设认定机构", en: "the county has one already")])
            }
            let id = try await Self.insertBody(code: code, name: name, level: level, areaCode: areaCode, on: tx)
            try await Audit.record(on: tx, audit, action: "cert.body", entity: "cert_body", entityId: String(id), summary: "\(code) \(name)")
            return id
        }
        return CertBody(id: id, code: code, name: name, level: level, areaCode: areaCode)
    }

    /// A window of a body: its dates and the types it takes. Windows of one body may not overlap
    /// for the same type (an applicant's window must be unambiguous).
    public func createWindow(bodyId: Int?, name: String?, opensOn: String?, closesOn: String?, types: [String]?) async throws -> CertWindow {
        let actor = try requireBureau()
        var e = FieldErrors()
        // A county's bureau among several opens windows of its own county's body only.
        let area = actor.oneCounty?.code
        let bodies = try await Self.bodies(on: db).filter { area == nil || $0.areaCode == area }
        let body = bodyId.flatMap { id in bodies.first { $0.id == id } }
        if body == nil { e.add("bodyId", "请选择认定机构", "choose a certifying body") }
        let name = (name ?? "").trimmed
        if name.isEmpty || name.count > 60 { e.add("name", "请填写批次名称，如“2027年春季”", "name the window, e.g. “2027 spring”") }
        let opens = CivilDate(parsing: (opensOn ?? "").trimmed), closes = CivilDate(parsing: (closesOn ?? "").trimmed)
        if opens == nil { e.add("opensOn", "日期格式应为YYYY-MM-DD", "date must be YYYY-MM-DD") }
        if closes == nil { e.add("closesOn", "日期格式应为YYYY-MM-DD", "date must be YYYY-MM-DD") }
        if let o = opens, let c = closes, c < o { e.add("closesOn", "截止日期不能早于开始日期", "the window cannot close before it opens") }
        let parsed = (types ?? []).compactMap(CertType.parse)
        if parsed.isEmpty || parsed.count != (types ?? []).count { e.add("types", "请选择该批次受理的资格种类", "choose the types the window takes") }
        if let b = body, b.level == "prefecture" { e.add("bodyId", "受理批次由县级认定机构开设；市州级机构审核县里报送的申请", "windows are opened by the county body; the prefecture decides what the county forwards") }
        try e.throwIfAny()
        let list = CertType.allCases.filter { parsed.contains($0) }.map(\.rawValue).joined(separator: ",")
        let overlapping = try await Self.windows(on: db).filter { w in
            w.bodyId == body!.id && !(CivilDate(parsing: w.closesOn).map { $0 < opens! } ?? true) && !(CivilDate(parsing: w.opensOn).map { $0 > closes! } ?? true)
                && !Set(w.typeList).isDisjoint(with: parsed)
        }
        if let w = overlapping.first {
            throw DomainError.validation(["opensOn": LocalizedText(zh: "与批次“\(w.name)”（\(w.opensOn)至\(w.closesOn)）的日期和资格种类重叠", en: "overlaps “\(w.name)” (\(w.opensOn) to \(w.closesOn)) for the same types")])
        }
        let audit = ctx.audit
        let id: Int = try await ctx.write { tx in
            let id = try await Self.insertWindow(bodyId: body!.id, name: name, opensOn: opens!.description, closesOn: closes!.description, types: list, on: tx)
            try await Audit.record(on: tx, audit, action: "cert.window", entity: "cert_window", entityId: String(id), summary: "\(name)，\(opens!) 至 \(closes!)")
            return id
        }
        return try await Self.window(id, on: db)!
    }
}
