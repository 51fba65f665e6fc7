import Fluent
import Foundation
import Registry
import Vapor
import XuequCore
import XuequKit

/// `xuequ areas …`: the administrative tree above the districts (issue 30). A county office that
/// installed Xuequ gives its county its own code and name (the install starts as the demo's 130481
/// 武安市); a city or province adds its counties before their bureaus' accounts.
struct AreasCommand: AsyncCommand {
    /// A county given its real code: the area, its districts, the accounts bound to it and what
    /// every module keeps under the code, in one transaction. Returns the accounts moved.
    static func recode(_ app: Application, from old: String, to new: String, name: String, parent: String, on tx: any Database, now: Double) async throws -> Int
    {
        try await AreaStore.recodeCounty(from: old, to: new, name: name, parent: parent, on: tx, now: now)
        let n = try await Accounts.moveArea(from: old, to: new, on: tx)
        for m in app.modules { try await m.countyRecoded(from: old, to: new, on: tx) }
        return n
    }

    struct Signature: CommandSignature {
        @Argument(name: "action", help: "list | add | rename | recode | remove")
        var action: String
        @Option(name: "code", help: "the area's GB/T 2260 code (2 digits a province, 6 a city or county)")
        var code: String?
        @Option(name: "name", help: "its name")
        var name: String?
        @Option(name: "parent", help: "the code of the area above it (add, recode)")
        var parent: String?
        @Option(name: "to", help: "recode: the county's real code")
        var to: String?
        init() {}
    }
    var help: String {
        "The areas above the districts: list; add --code --name [--parent]; rename --code --name; recode --code OLD --to NEW --name --parent (a county's districts and accounts follow); remove --code (only an empty area)."
    }

    func run(using context: CommandContext, signature s: Signature) async throws {
        let app = context.application
        try await app.autoMigrate()
        let now = app.clock.now().timeIntervalSince1970
        func need(_ v: String?, _ flag: String) throws -> String {
            guard let v = v?.trimmingCharacters(in: .whitespaces), !v.isEmpty else {
                context.console.error("--\(flag) is required for \(s.action)")
                throw ExitCode(2)
            }
            return v
        }
        do {
            switch s.action {
            case "list":
                for a in try await AreaStore.all(on: app.db) {
                    let depth = a.levelValue == .province ? "" : a.levelValue == .city ? "  " : "    "
                    context.console.print("\(depth)\(a.code) \(a.name)")
                }
            case "add":
                let code = try need(s.code, "code"), name = try need(s.name, "name")
                guard let level = AreaStore.level(of: code) else {
                    context.console.error("a code is 2 digits (a province) or 6 (a city ending in 00, or a county)")
                    throw ExitCode(2)
                }
                let parent = try await s.parent.asyncMap { try await AreaStore.area(code: $0, on: app.db) } ?? nil
                if s.parent != nil && parent == nil { throw DomainError.validation(["parentCode": LocalizedText(zh: "上级区划不存在", en: "no such parent area")]) }
                try AreaStore.validate(code: code, name: name, level: level, parent: parent).throwIfAny()
                try await app.writeGate.transaction(on: app.db) { tx in
                    try await AreaStore.insert(code: code, name: name, level: level, parentCode: parent?.code, on: tx, now: now)
                    try await Audit.record(on: tx, .system("areas"), action: "area.create", entity: "area", entityId: code, summary: "\(code) \(name)")
                }
                context.console.print("added \(code) \(name)")
            case "rename":
                let code = try need(s.code, "code"), name = try need(s.name, "name")
                try await app.writeGate.transaction(on: app.db) { tx in
                    try await AreaStore.rename(code: code, name: name, on: tx)
                    try await Audit.record(on: tx, .system("areas"), action: "area.rename", entity: "area", entityId: code, summary: name)
                }
                context.console.print("renamed \(code) to \(name)")
            case "recode":
                let code = try need(s.code, "code"), to = try need(s.to, "to"), name = try need(s.name, "name"), parent = try need(s.parent, "parent")
                let moved = try await app.writeGate.transaction(on: app.db) { tx -> Int in
                    let n = try await Self.recode(app, from: code, to: to, name: name, parent: parent, on: tx, now: now)
                    try await Audit.record(
                        on: tx, .system("areas"), action: "area.recode", entity: "area", entityId: to, summary: "\(code) → \(to) \(name)，账户 \(n) 个随迁")
                    return n
                }
                context.console.print("county \(code) is now \(to) \(name); its districts and \(moved) accounts moved with it")
            case "remove":
                let code = try need(s.code, "code")
                if try await Accounts.countBound(toArea: code, on: app.db) > 0 {
                    throw DomainError(.conflict, code: "area_has_accounts", LocalizedText(zh: "还有账户属于 \(code)，不能删除", en: "accounts still belong to \(code)"))
                }
                try await app.writeGate.transaction(on: app.db) { tx in
                    try await AreaStore.remove(code: code, on: tx)
                    try await Audit.record(on: tx, .system("areas"), action: "area.remove", entity: "area", entityId: code, summary: code)
                }
                context.console.print("removed \(code)")
            default:
                context.console.error("unknown action \(s.action); use list, add, rename, recode or remove")
                throw ExitCode(2)
            }
        } catch let e as DomainError {
            context.console.error(e.message.zh + " / " + e.message.en)
            for (field, text) in e.fields.sorted(by: { $0.key < $1.key }) { context.console.error("  \(field): \(text.zh) / \(text.en)") }
            throw ExitCode(1)
        }
    }
}
