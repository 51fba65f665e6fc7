import Foundation
import Vapor
import XuequCore
import XuequKit

/// `/certification/rules`: the eligibility rules in force, their versions, and (for the bureau)
/// a form for a new version from a date.
extension CertificationPages {
    struct RuleLine: Encodable, Sendable { let label: String; let value: String }
    struct EducationField: Encodable, Sendable { let key: String; let label: String; let options: [SelectOption] }
    struct RulesPage: Encodable, Sendable {
        let layout: Layout
        let inForce: String
        let lines: [RuleLine]
        let versions: [SelectOption]
        let canEdit: Bool
        let values: [String: String]
        let errors: [String: String]
        let educationFields: [EducationField]
        let putonghua: [SelectOption]; let putonghuaChinese: [SelectOption]; let township: [SelectOption]
    }

    static func ruleValues(_ r: EligibilityRules, effective: String) -> [String: String] {
        var v = ["effectiveFrom": effective, "putonghuaMinimum": r.putonghuaMinimum.rawValue, "putonghuaMinimumChinese": r.putonghuaMinimumChinese.rawValue,
                 "townshipPutonghua": r.townshipPutonghua?.rawValue ?? "", "examValidityYears": String(r.examValidityYears),
                 "exemptionAllowed": r.exemptionAllowed ? "on" : "", "abilityPassMark": String(format: "%g", r.abilityPassMark), "abilityPanelMinimum": String(r.panelMinimum), "note": ""]
        for t in CertType.allCases { v["education_\(t.rawValue)"] = r.educationMinimum[t.rawValue]?.rawValue ?? "" }
        return v
    }

    func rules(req: Request) async throws -> Response {
        try await rulesPage(req, values: nil, errors: [:])
    }

    func rulesPage(_ req: Request, values: [String: String]?, errors: [String: String], status: HTTPStatus = .ok) async throws -> Response {
        let l = req.uiLocale
        let service = CertificationService(req)
        let versions = try await service.ruleVersions()
        let current = try await service.rulesInForce()
        let actor = try req.requireActor()
        let yes = L10n.text("cert.yes", l), no = L10n.text("cert.no", l)
        var lines = CertType.allCases.map { t in
            RuleLine(label: "\(L10n.text("cert.educationMinimum", l)) · \(t.label(l))", value: current.educationMinimum[t.rawValue]?.label(l) ?? "—")
        }
        lines += [
            RuleLine(label: L10n.text("cert.putonghuaMinimum", l), value: current.putonghuaMinimum.label(l)),
            RuleLine(label: L10n.text("cert.putonghuaChinese", l), value: current.putonghuaMinimumChinese.label(l)),
            RuleLine(label: L10n.text("cert.townshipPutonghua", l), value: current.townshipPutonghua?.label(l) ?? L10n.text("cert.noException", l)),
            RuleLine(label: L10n.text("cert.examValidity", l), value: String(current.examValidityYears)),
            RuleLine(label: L10n.text("cert.exemption", l), value: current.exemptionAllowed ? yes : no),
            RuleLine(label: L10n.text("cert.passMark", l), value: String(format: "%g", current.abilityPassMark)),
            RuleLine(label: L10n.text("cert.panelSize", l), value: String(current.panelMinimum)),
        ]
        let v = values ?? Self.ruleValues(current, effective: service.today.description)
        var township = [SelectOption(value: "", label: L10n.text("cert.noException", l), selected: (v["townshipPutonghua"] ?? "").isEmpty)]
        township += options(Putonghua.self, selected: v["townshipPutonghua"], locale: l)
        return try await req.page("cert/rules", RulesPage(
            layout: req.layout("nav.certification", title: L10n.text("cert.rules", l)),
            inForce: L10n.text("cert.rulesInForce", l, current.effectiveFrom.description), lines: lines,
            versions: versions.map { SelectOption(value: "\($0.effectiveFrom) · \($0.createdBy)", label: $0.note, selected: $0.rules == current) },
            canEdit: actor.can(.certAdmin) && actor.oneCounty == nil, values: v, errors: errors,
            educationFields: CertType.allCases.map { t in
                EducationField(key: "education_\(t.rawValue)", label: t.label(l), options: options(Education.self, selected: v["education_\(t.rawValue)"], locale: l))
            },
            putonghua: options(Putonghua.self, selected: v["putonghuaMinimum"], locale: l),
            putonghuaChinese: options(Putonghua.self, selected: v["putonghuaMinimumChinese"], locale: l), township: township), status: status)
    }

    func saveRules(req: Request) async throws -> Response {
        let actor = try req.requireActor()
        try actor.require(.certAdmin)
        // The rules are the database's: a county's bureau among several inherits them (issue 30).
        if actor.oneCounty != nil { throw CertificationService.databaseWide }
        var form = try req.content.decode([String: String].self)
        form.removeValue(forKey: "_csrf")
        var e = FieldErrors()
        let effective = CivilDate(parsing: form["effectiveFrom"] ?? "")
        if effective == nil { e.add("effectiveFrom", "日期格式应为YYYY-MM-DD", "date must be YYYY-MM-DD") }
        func level(_ k: String) -> Putonghua? {
            guard let p = form[k].flatMap(Putonghua.parse) else { e.add(k, "请选择普通话等级", "choose a Putonghua level"); return nil }
            return p
        }
        var education: [String: Education] = [:]
        for t in CertType.allCases {
            if let ed = form["education_\(t.rawValue)"].flatMap(Education.parse) { education[t.rawValue] = ed }
        }
        let general = level("putonghuaMinimum"), chinese = level("putonghuaMinimumChinese")
        let township = (form["townshipPutonghua"] ?? "").isEmpty ? nil : form["townshipPutonghua"].flatMap(Putonghua.parse)
        let years = Int((form["examValidityYears"] ?? "").trimmed)
        if years == nil { e.add("examValidityYears", "应为整数", "must be a whole number") }
        let mark = Double((form["abilityPassMark"] ?? "").trimmed)
        if mark == nil { e.add("abilityPassMark", "应为数字", "must be a number") }
        let panel = Int((form["abilityPanelMinimum"] ?? "").trimmed)
        if panel == nil { e.add("abilityPanelMinimum", "应为整数", "must be a whole number") }
        let rules = EligibilityRules(effectiveFrom: effective ?? CivilDate(year: 2000, month: 1, day: 1)!, educationMinimum: education,
                                     putonghuaMinimum: general ?? .l2B, putonghuaMinimumChinese: chinese ?? .l2A, townshipPutonghua: township,
                                     examValidityYears: years ?? 3, exemptionAllowed: form["exemptionAllowed"] == "on", abilityPassMark: mark ?? 60, abilityPanelMinimum: panel ?? 3)
        // Every problem at once: unreadable fields and values out of range.
        do { try rules.validate() } catch let err as DomainError { for (k, v) in err.fields { e.add(k, v) } }
        do {
            try e.throwIfAny()
            try await CertificationService(req).addRules(rules, note: form["note"] ?? "")
            return req.redirect(to: CertificationRoute.rules.path(), flash: L10n.text("cert.rulesSaved", req.uiLocale))
        } catch let err as DomainError where err.kind == .invalid {
            return try await rulesPage(req, values: form, errors: err.fieldMessages(req.uiLocale), status: .unprocessableEntity)
        }
    }
}
