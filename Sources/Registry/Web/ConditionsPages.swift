import Foundation
import Vapor
import XuequCore
import XuequKit

/// The conditions form (办学条件填报) of one school and year.
extension RegistryPages {
    struct ConditionsForm: Encodable, Sendable {
        let layout: Layout
        let school: SchoolRow
        let values: [String: String]
        let errors: [String: String]
        let years: [SelectOption]
        let split: Bool
    }

    struct ConditionsBody: Content {
        let year: String?, primary: String?, junior: String?, senior: String?, floorArea: String?, sportsArea: String?
        let equipmentValue: String?, computers: String?, books: String?, multimediaRooms: String?
        let primaryClasses: String?, juniorClasses: String?, musicRooms: String?, musicArea: String?, artRooms: String?, artArea: String?
    }

    static let roomFields = ["primaryClasses", "juniorClasses", "musicRooms", "musicArea", "artRooms", "artArea"]

    static func values(_ c: ClassesRooms) -> [String: String] {
        ["primaryClasses": c.primaryClasses.map(String.init).joined(separator: ","), "juniorClasses": c.juniorClasses.map(String.init).joined(separator: ","),
         "musicRooms": String(c.musicRooms), "musicArea": "\(c.musicArea)", "artRooms": String(c.artRooms), "artArea": "\(c.artArea)"]
    }

    static func values(_ c: SchoolConditions) -> [String: String] {
        ["year": String(c.year), "primary": String(c.students.primary), "junior": String(c.students.junior), "senior": String(c.students.senior),
         "floorArea": "\(c.floorArea)", "sportsArea": "\(c.sportsArea)", "equipmentValue": "\(c.equipmentValue)", "computers": String(c.computers),
         "books": String(c.books), "multimediaRooms": String(c.multimediaRooms)]
    }

    func conditionsForm(req: Request) async throws -> Response {
        try req.requireActor().require(.conditionsWrite)
        let service = RegistryService(req)
        let s = try await service.school(id: try req.intParameter("id"))
        let today = CivilDate.today(req.application.clock.now())
        let year = try RegistryAPI.Query(req).int("year") ?? today.year
        let history = try await service.conditions(schoolId: s.id)
        // The year's figures, or last year's to start from.
        var values = (history.first { $0.year == year } ?? history.first { $0.year < year }).map(Self.values) ?? [:]
        if let rooms = try await RegistryStore.classesRooms(year: year, on: req.db)[s.id] { values.merge(Self.values(rooms)) { a, _ in a } }
        values["year"] = String(year)
        return try await conditionsPage(req, s, values: values, errors: [:])
    }

    func conditionsPage(_ req: Request, _ s: SchoolRow, values: [String: String], errors: [String: String], status: HTTPStatus = .ok) async throws -> Response {
        let today = CivilDate.today(req.application.clock.now())
        let split = [Stage.nineYear, .completeSecondary, .twelveYear].contains(Stage(rawValue: s.stage) ?? .primary)
        let title = L10n.text("cond.formTitle", req.uiLocale).replacingOccurrences(of: "{0}", with: s.name)
        return try await req.page("registry/conditions_form", ConditionsForm(layout: req.layout("", title: title), school: s, values: values, errors: errors,
                                                                           years: ((today.year - 5)...(today.year + 1)).reversed().map { SelectOption(value: String($0), label: String($0), selected: String($0) == values["year"]) }, split: split), status: status)
    }

    func saveConditions(req: Request) async throws -> Response {
        // A teacher may read the school but not write its conditions: 403 before the form's 422.
        try req.requireActor().require(.conditionsWrite)
        let service = RegistryService(req)
        let s = try await service.school(id: try req.intParameter("id"))
        let b = try req.content.decode(ConditionsBody.self)
        let raw: [String: String?] = ["year": b.year, "primary": b.primary, "junior": b.junior, "senior": b.senior, "floorArea": b.floorArea, "sportsArea": b.sportsArea,
                                      "equipmentValue": b.equipmentValue, "computers": b.computers, "books": b.books, "multimediaRooms": b.multimediaRooms,
                                      "primaryClasses": b.primaryClasses, "juniorClasses": b.juniorClasses, "musicRooms": b.musicRooms, "musicArea": b.musicArea,
                                      "artRooms": b.artRooms, "artArea": b.artArea]
        var values: [String: String] = [:]
        for (k, v) in raw { values[k] = (v ?? "").trimmed }
        var e = FieldErrors()
        func whole(_ k: String) -> Int {
            let v = values[k] ?? ""
            if v.isEmpty { return 0 }
            guard let n = Int(v) else { e.add(k, "应为整数", "must be a whole number"); return 0 }
            return n
        }
        func decimal(_ k: String) -> Decimal {
            let v = (values[k] ?? "").replacingOccurrences(of: ",", with: "")
            if v.isEmpty { return 0 }
            guard Double(v) != nil, let d = Decimal(string: v) else { e.add(k, "应为数字", "must be a number"); return 0 }
            return d
        }
        let c = SchoolConditions(year: whole("year"), students: .init(primary: whole("primary"), junior: whole("junior"), senior: whole("senior")),
                                 floorArea: decimal("floorArea"), sportsArea: decimal("sportsArea"), equipmentValue: decimal("equipmentValue"),
                                 computers: whole("computers"), books: whole("books"), multimediaRooms: whole("multimediaRooms"))
        // The inspection's six fields: all empty leaves what was entered; otherwise all are read.
        var rooms: ClassesRooms?
        if Self.roomFields.contains(where: { !(values[$0] ?? "").isEmpty }) {
            func sizes(_ k: String) -> [Int] {
                let parsed = ClassesRooms.parseSizes(values[k] ?? "")
                if let bad = parsed.bad { e.add(k, "“\(bad.clipped())”不是整数，各班人数用逗号分隔", "“\(bad.clipped())” is not a whole number; separate class sizes with commas") }
                return parsed.sizes
            }
            rooms = ClassesRooms(year: c.year, primaryClasses: sizes("primaryClasses"), juniorClasses: sizes("juniorClasses"), musicRooms: whole("musicRooms"),
                                 musicArea: decimal("musicArea"), artRooms: whole("artRooms"), artArea: decimal("artArea"))
        }
        do {
            try e.throwIfAny()
            try await service.putConditions(schoolId: s.id, c, rooms: rooms)
            return req.redirect(to: RegistryRoute.school.path(s.id), flash: L10n.text("cond.saved", req.uiLocale))
        } catch let err as DomainError where err.kind == .invalid {
            // The service names nested fields `students.primary`; the form calls them `primary`.
            var messages: [String: String] = [:]
            for (k, v) in err.fieldMessages(req.uiLocale) { messages[k.replacingOccurrences(of: "students.", with: "")] = v }
            return try await conditionsPage(req, s, values: values, errors: messages, status: err.formStatus)
        }
    }
}
