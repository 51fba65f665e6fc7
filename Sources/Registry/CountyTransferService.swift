import Fluent
import Foundation
import XuequCore
import XuequKit

/// A teacher moved between counties (issue 30): the sending county's bureau releases the teacher
/// to another county (调出); the receiving county's bureau places them in one of its schools
/// (调入), through the one move path every transfer takes, or refuses; the sender may withdraw
/// while it waits. Both bureaus see the record, before and after; a city or province reads those
/// among its counties, the teacher's name masked.
public struct CountyTransferView: Sendable {
    public let row: CountyTransferRow
    /// `out` for the sending county, `in` for the receiving one, nil for a city or province.
    public let direction: String?
    public let fromCountyName: String
    public let toCountyName: String
    public let teacherName: String
    /// The sending county's school (the receiving county sees no school of another county's).
    public let fromSchoolName: String?
    public let toSchoolName: String?
}

extension RegistryService {
    static let countyTransferWord = LocalizedText(zh: "跨县调动", en: "transfer between counties")

    /// The county of a county's bureau among several; 422 in a database of one county (there is
    /// no other county to move to), 403 for everyone else.
    func transferringCounty() throws -> CountyScope {
        let actor = try ctx.requireActor()
        try actor.require(.teachersWrite)
        guard actor.isCountyBureau else { throw DomainError.forbidden }
        guard let c = actor.oneCounty else {
            throw DomainError.validation([
                "toCounty": LocalizedText(zh: "本平台只有一个县（市、区），县内调动请用“调动”", en: "this database holds one county: move the teacher with a transfer")
            ])
        }
        return c
    }

    /// 调出: releases one of the county's teachers to another county.
    public func releaseToCounty(teacherId: Int, toCounty raw: String?, on rawDate: String?, reason rawReason: String?, version: Int?) async throws
        -> CountyTransferView
    {
        let c = try transferringCounty()
        let actor = try ctx.requireActor()
        let t = try await teacher(id: teacherId)
        var e = FieldErrors()
        let code = (raw ?? "").trimmed
        let target = code.isEmpty ? nil : try await AreaStore.area(code: code, on: db)
        if code.isEmpty {
            e.add("toCounty", "请选择调入的县（市、区）", "choose the county the teacher moves to")
        } else if target?.levelValue != .county {
            e.add("toCounty", "没有这个县（市、区）", "no such county")
        } else if code == c.code {
            e.add("toCounty", "县内调动请用“调动”", "a move inside the county is a transfer")
        }
        let date = rawDate.flatMap { CivilDate(parsing: $0.trimmed) }
        if let d = date {
            if d > today { e.add("onDate", "调动日期不能晚于今天", "the date cannot be after today") }
            if let since = CivilDate(parsing: t.schoolSince), d < since {
                e.add("onDate", "调动日期不能早于本校任教起始（\(t.schoolSince)）", "the date cannot be before the current start at this school (\(t.schoolSince))")
            }
        } else {
            e.add("onDate", "请填写调动日期（如 2026-09-01）", "enter the date of the move (e.g. 2026-09-01)")
        }
        let reason = rawReason?.trimmed ?? ""
        if reason.isEmpty || reason.count > 200 { e.add("reason", "请填写调动原因（不超过200字）", "give the reason (at most 200 characters)") }
        if version == nil { e.add("version", "缺少版本号", "version is required") }
        try e.throwIfAny()
        guard version == t.version else { throw Self.staleVersion }
        let audit = ctx.audit, now = self.now, by = actor.username
        let id: Int = try await ctx.write { tx in
            try await RegistryStore.lockCountyTransfers(on: tx)
            if try await RegistryStore.pendingCountyTransfer(teacherId: t.id, on: tx) {
                throw DomainError(
                    .conflict, code: "transfer_pending",
                    LocalizedText(zh: "该教师已有待对方接收的跨县调动", en: "the teacher already has a transfer waiting for the other county"),
                    fields: ["toCounty": LocalizedText(zh: "已有待接收的调动", en: "one is waiting already")])
            }
            let id = try await RegistryStore.insertCountyTransfer(
                teacherId: t.id, teacherName: t.name, fromCounty: c.code, toCounty: code, fromSchoolId: t.schoolId, onDate: date!.description, reason: reason,
                by: by,
                on: tx, now: now)
            try await Audit.record(
                on: tx, audit, action: "teacher.county_out", entity: "teacher", entityId: String(t.id),
                summary: "\(Masking.name(t.name)) 调往 \(target!.name)，\(date!.description) 起；原因：\(reason)")
            return id
        }
        return try await countyTransfer(id: id)
    }

    /// The county transfers the caller sees: a county's bureau its own out and in; a city or
    /// province those among its counties; the bureau of a database of one county, none.
    public func countyTransfers() async throws -> [CountyTransferView] {
        let actor = try ctx.requireActor()
        let counties: [String]
        switch actor.scope {
        case .oneCounty(let c): counties = [c.code]
        case .counties(let a): counties = a.counties.sorted()
        case .county: counties = []
        default: throw DomainError.forbidden
        }
        try Self.requireTransferReader(actor)
        return try await views(try await RegistryStore.countyTransfers(counties: counties, on: db), actor: actor)
    }

    /// One transfer, for one of its two counties (or a city or province above them); 404 otherwise.
    public func countyTransfer(id: Int) async throws -> CountyTransferView {
        let actor = try ctx.requireActor()
        try Self.requireTransferReader(actor)
        guard let row = try await RegistryStore.countyTransfer(id: id, on: db), Self.seesTransfer(row, actor) else {
            throw DomainError.notFound(Self.countyTransferWord)
        }
        return try await views([row], actor: actor)[0]
    }

    /// A bureau reads its registry's transfers; a city or province the tree's (it reads no registry).
    static func requireTransferReader(_ actor: Actor) throws {
        if case .counties = actor.scope { try actor.require(.areasRead) } else { try actor.require(.registryRead) }
    }

    static func seesTransfer(_ row: CountyTransferRow, _ actor: Actor) -> Bool {
        switch actor.scope {
        case .oneCounty(let c): row.fromCounty == c.code || row.toCounty == c.code
        case .counties(let a): a.counties.contains(row.fromCounty) || a.counties.contains(row.toCounty)
        default: false
        }
    }

    func views(_ rows: [CountyTransferRow], actor: Actor) async throws -> [CountyTransferView] {
        let names = Dictionary(uniqueKeysWithValues: try await AreaStore.all(on: db).map { ($0.code, $0.name) })
        let own = actor.oneCounty?.code
        return rows.map { r in
            let direction = own == nil ? nil : (r.fromCounty == own ? "out" : "in")
            // The two bureaus are the parties and see the name; above them it is masked (DOMAIN §7).
            // A school is named to the county it belongs to only.
            return CountyTransferView(
                row: r, direction: direction, fromCountyName: names[r.fromCounty] ?? r.fromCounty, toCountyName: names[r.toCounty] ?? r.toCounty,
                teacherName: direction == nil ? Masking.name(r.teacherName) : r.teacherName,
                fromSchoolName: direction == "out" ? r.fromSchoolName : nil, toSchoolName: direction == "in" ? r.toSchoolName : nil)
        }
    }

    /// 调入: the receiving county places the teacher in one of its schools; the teacher moves
    /// through the one move path (the transfer row, the roles of the old school ended).
    public func acceptCountyTransfer(id: Int, toSchoolId: Int?, stagePart rawPart: String?) async throws -> CountyTransferView {
        let c = try transferringCounty()
        let actor = try ctx.requireActor()
        let row = try await pendingForCounty(id: id, receiving: true, county: c)
        let part: StagePart? = rawPart.flatMap { $0.trimmed.isEmpty ? nil : StagePart.parse($0.trimmed) }
        if let raw = rawPart?.trimmed, !raw.isEmpty, part == nil {
            throw DomainError.validation(["stagePart": LocalizedText(zh: "任教学段不正确", en: "unknown part")])
        }
        guard let toSchoolId else { throw DomainError.validation(["toSchoolId": LocalizedText(zh: "请选择调入学校", en: "choose the school the teacher joins")]) }
        guard let school = try await RegistryStore.school(id: toSchoolId, on: db), actor.covers(schoolId: school.id, districtId: school.districtId) else {
            throw DomainError.validation(["toSchoolId": LocalizedText(zh: "不是本县的学校", en: "not a school of this county")])
        }
        try Self.checkTarget(school, part: part, actor: actor, field: "toSchoolId")
        let audit = ctx.audit, now = self.now, by = actor.username
        let from = try await AreaStore.area(code: row.fromCounty, on: db)?.name ?? row.fromCounty
        try await ctx.write { tx in
            guard try await RegistryStore.decideCountyTransfer(id: row.id, status: "accepted", toSchoolId: school.id, by: by, note: nil, on: tx, now: now)
            else {
                throw Self.transferDecided
            }
            // The teacher is still where the sending county released them from.
            guard let t = try await RegistryStore.teacher(id: row.teacherId, on: tx), t.schoolId == row.fromSchoolId else { throw Self.teacherMovedSince }
            let ended: [LocalizedText]
            do {
                ended = try await RegistryStore.moveTeacher(
                    .init(
                        teacherId: t.id, toSchoolId: school.id, toPart: part?.rawValue, schoolSince: row.onDate, onDate: row.onDate, reason: "transfer",
                        note: "跨县调动：由\(from)调入；\(row.reason)", createdBy: by, version: t.version), on: tx, now: now
                ).ended
            } catch is RegistryStore.StaleTeacher { throw Self.staleVersion }
            try await Audit.record(
                on: tx, audit, action: "teacher.county_in", entity: "teacher", entityId: String(t.id),
                summary: "\(Masking.name(t.name)) 由\(from)调入 \(school.code) \(school.name)，\(row.onDate) 起"
                    + (ended.isEmpty ? "" : "；随调动结束：" + ended.map(\.zh).joined(separator: "、")))
        }
        return try await countyTransfer(id: row.id)
    }

    /// The receiving county refuses (with its reason), or the sending county withdraws.
    public func closeCountyTransfer(id: Int, refuse: Bool, note rawNote: String?) async throws -> CountyTransferView {
        let c = try transferringCounty()
        let actor = try ctx.requireActor()
        let row = try await pendingForCounty(id: id, receiving: refuse, county: c)
        let note = rawNote?.trimmed ?? ""
        if refuse && (note.isEmpty || note.count > 200) {
            throw DomainError.validation(["note": LocalizedText(zh: "请写明不予接收的原因（不超过200字）", en: "give the reason for refusing (at most 200 characters)")])
        }
        let audit = ctx.audit, now = self.now, by = actor.username
        try await ctx.write { tx in
            guard
                try await RegistryStore.decideCountyTransfer(
                    id: row.id, status: refuse ? "refused" : "withdrawn", toSchoolId: nil, by: by, note: note.isEmpty ? nil : note, on: tx, now: now)
            else { throw Self.transferDecided }
            try await Audit.record(
                on: tx, audit, action: refuse ? "teacher.county_refuse" : "teacher.county_withdraw", entity: "teacher", entityId: String(row.teacherId),
                summary: "\(Masking.name(row.teacherName))：\(refuse ? "不予接收" : "撤回调出")" + (note.isEmpty ? "" : "；\(note)"))
        }
        return try await countyTransfer(id: row.id)
    }

    /// A transfer the county is a party to (404 otherwise), on the side that acts (403 for the
    /// other side), still pending (409).
    func pendingForCounty(id: Int, receiving: Bool, county c: CountyScope) async throws -> CountyTransferRow {
        guard let row = try await RegistryStore.countyTransfer(id: id, on: db), row.fromCounty == c.code || row.toCounty == c.code else {
            throw DomainError.notFound(Self.countyTransferWord)
        }
        guard (receiving ? row.toCounty : row.fromCounty) == c.code else { throw DomainError.forbidden }
        guard row.status == "pending" else { throw Self.transferDecided }
        return row
    }

    static let teacherMovedSince = DomainError(
        .conflict, code: "teacher_moved",
        LocalizedText(
            zh: "该教师在调出后已在原县内调动或离开，请原县撤回后重新办理", en: "the teacher has moved or left since the release: the sending county withdraws it and releases again"))

    static let transferDecided = DomainError(.conflict, code: "transfer_decided", LocalizedText(zh: "该跨县调动已处理", en: "the transfer is already decided"))
}
