import Foundation
import Vapor
import XuequCore
import XuequKit

/// `/certification/windows`: the certifying bodies and their windows; the bureau adds both.
extension CertificationPages {
    struct WindowLine: Encodable, Sendable { let name: String; let authority: String; let opensOn: String; let closesOn: String; let types: String; let status: String; let open: Bool }
    struct BodyLine: Encodable, Sendable { let code: String; let name: String; let level: String }
    struct WindowsPage: Encodable, Sendable {
        let layout: Layout
        let bodies: [BodyLine]
        let windows: [WindowLine]
        let canEdit: Bool
        /// A county's bureau among several sets up its one body, then no other.
        let canAddBody: Bool
        let countyBodies: [SelectOption]
        let types: [SelectOption]
        let levels: [SelectOption]
        let values: [String: String]
        let errors: [String: String]
    }

    func windowsPage(req: Request) async throws -> Response {
        try await windowsPage(req, values: [:], errors: [:])
    }

    func windowsPage(_ req: Request, values: [String: String], errors: [String: String], chosenTypes: Set<String>? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.certRecords)
        let l = req.uiLocale
        let service = CertificationService(req)
        let today = service.today
        let bodies = try await service.bodies()
        let windows = try await service.windows().map { w -> WindowLine in
            let opens = CivilDate(parsing: w.opensOn), closes = CivilDate(parsing: w.closesOn)
            let key = (opens.map { $0 > today } ?? false) ? "cert.windowUpcoming" : ((closes.map { $0 < today } ?? false) ? "cert.windowClosed" : "cert.windowOpen")
            return WindowLine(name: w.name, authority: w.authority, opensOn: w.opensOn, closesOn: w.closesOn,
                              types: w.typeList.map { $0.label(l) }.joined(separator: "、"), status: L10n.text(key, l), open: key == "cert.windowOpen")
        }
        let levelLabel = ["county": L10n.text("cert.levelCounty", l), "prefecture": L10n.text("cert.levelPrefecture", l)]
        return try await req.page("cert/windows", WindowsPage(
            layout: req.layout("nav.certification", title: L10n.text("cert.windows", l)),
            bodies: bodies.map { BodyLine(code: $0.code, name: $0.name, level: levelLabel[$0.level] ?? $0.level) }, windows: windows,
            canEdit: actor.can(.certAdmin), canAddBody: actor.can(.certAdmin) && (actor.oneCounty == nil || bodies.isEmpty),
            countyBodies: bodies.filter { $0.level == "county" }.map { SelectOption(value: String($0.id), label: "\($0.name)（\($0.code)）", selected: values["bodyId"] == String($0.id)) },
            types: CertType.allCases.map { SelectOption(value: $0.rawValue, label: $0.label(l), selected: chosenTypes?.contains($0.rawValue) ?? true) },
            levels: (actor.oneCounty == nil ? ["county", "prefecture"] : ["county"]).map { SelectOption(value: $0, label: levelLabel[$0]!, selected: values["level"] == $0) },
            values: values, errors: errors), status: status)
    }

    struct WindowForm: Content { let bodyId: String?; let name: String?; let opensOn: String?; let closesOn: String?; let types: [String]? }

    func createWindow(req: Request) async throws -> Response {
        try req.requireActor().require(.certAdmin)
        let f = try req.content.decode(WindowForm.self)
        do {
            _ = try await CertificationService(req).createWindow(bodyId: f.bodyId.flatMap { Int($0) }, name: f.name, opensOn: f.opensOn, closesOn: f.closesOn, types: f.types ?? [])
            return req.redirect(to: CertificationRoute.windows.path(), flash: L10n.text("flash.saved", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid {
            let values = ["bodyId": f.bodyId ?? "", "name": f.name ?? "", "opensOn": f.opensOn ?? "", "closesOn": f.closesOn ?? ""]
            return try await windowsPage(req, values: values, errors: e.fieldMessages(req.uiLocale), chosenTypes: Set(f.types ?? []), status: .unprocessableEntity)
        }
    }

    struct BodyForm: Content { let code: String?; let bodyName: String?; let level: String? }

    func createBody(req: Request) async throws -> Response {
        try req.requireActor().require(.certAdmin)
        let f = try req.content.decode(BodyForm.self)
        do {
            _ = try await CertificationService(req).createBody(code: f.code, name: f.bodyName, level: f.level)
            return req.redirect(to: CertificationRoute.windows.path(), flash: L10n.text("flash.saved", req.uiLocale))
        } catch let e as DomainError where e.kind == .invalid || e.kind == .conflict {
            var m = e.fieldMessages(req.uiLocale)
            if let n = m.removeValue(forKey: "name") { m["bodyName"] = n }
            return try await windowsPage(req, values: ["code": f.code ?? "", "bodyName": f.bodyName ?? "", "level": f.level ?? ""], errors: m, status: e.formStatus)
        }
    }
}
