import Foundation
import Testing

/// Modules keep to their own tables (issue 33): a module's SQL names another module's table only
/// where `allowed` lists it, with its reason. A table belongs to the module whose migration creates
/// it; XuequKit and XuequApp are the platform. Writes to another module's tables go through that
/// module's store (a teacher's move: `RegistryStore.moveTeacher`).
@Suite("Modules keep to their own tables")
struct ModuleTablesTests {
    struct Use: Hashable, CustomStringConvertible {
        let module: String, table: String, write: Bool
        var description: String { "\(module) \(write ? "writes" : "reads") \(table)" }
    }

    /// Every cross-module use there is, and why.
    static let allowed: [Use: String] = [
        Use(module: "Balance", table: "schools", write: false): "the balance's school list joins the registry's schools for name, kind and locality",
        Use(module: "Balance", table: "school_conditions", write: false): "the demo county's conditions are seeded year by year from last year's",
        Use(module: "Balance", table: "school_conditions", write: true): "the demo county's yearly conditions (seeding only)",
        Use(module: "Certification", table: "users", write: false): "an applicant's account is found by the resident ID it registered with",
        Use(module: "Exchange", table: "schools", write: false): "eligibility, plans and the balance of a plan are computed from the registry's schools",
        Use(module: "Exchange", table: "teachers", write: false): "eligibility and candidates are computed from the registry's teachers",
        Use(module: "Exchange", table: "teacher_transfers", write: false): "years in the countryside are counted from the transfer history",
        Use(module: "Internship", table: "users", write: false): "an intern's account is matched by username at import",
        Use(module: "Registry", table: "users", write: true): "the demo's teacher1 account shows its teacher's name (seeding only)",
        Use(module: "Teaching", table: "users", write: false): "a calendar feed answers only while its teacher's account is active",
        Use(module: "Teaching", table: "teachers", write: false): "groups and researchers are picked from the registry's teachers",
        Use(module: "Platform", table: "districts", write: false): "`seed` refuses a database that already holds districts",
    ]

    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")
    }

    static func module(_ folder: String) -> String { ["XuequKit", "XuequApp"].contains(folder) ? "Platform" : folder }

    static func swiftFiles(_ folder: URL) -> [URL] {
        let e = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        return (e?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "swift" }
    }

    static func matches(_ pattern: String, _ text: String) -> [[String]] {
        let re = try! NSRegularExpression(pattern: pattern)
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { m in
            (0..<m.numberOfRanges).map { i in Range(m.range(at: i), in: text).map { String(text[$0]) } ?? "" }
        }
    }

    @Test("no module names another module's table except where listed, and every listed use is still there")
    func tables() throws {
        let folders = ["Registry", "Balance", "Certification", "Exchange", "Internship", "Teaching", "Inspection", "Reports", "XuequApp", "XuequKit"]
        var owner: [String: String] = [:]
        var texts: [(String, String)] = []
        for f in folders {
            for file in Self.swiftFiles(Self.sources.appendingPathComponent(f)) {
                let text = try String(contentsOf: file, encoding: .utf8)
                texts.append((Self.module(f), text))
                for m in Self.matches(#"schema\("([a-z_]+)"\)|CREATE TABLE (?:IF NOT EXISTS )?"?([a-z_]+)"#, text) {
                    let t = m[1].isEmpty ? m[2] : m[1]
                    if owner[t] == nil { owner[t] = Self.module(f) }
                }
            }
        }
        #expect(owner["teachers"] == "Registry" && owner["users"] == "Platform" && owner["exchange_claims"] == "Exchange", "\(owner.count) tables")
        var found = Set<Use>()
        let pattern = #"\b(FROM|JOIN|INTO|UPDATE|DELETE FROM)\s+"?([a-z_]+)|\b(from|into|update|delete\(from)\s*:?\s*\(?\s*"([a-z_]+)""#
        for (module, text) in texts {
            for m in Self.matches(pattern, text) {
                let keyword = m[1].isEmpty ? m[3] : m[1]
                let table = m[2].isEmpty ? m[4] : m[2]
                guard let o = owner[table], o != module else { continue }
                found.insert(Use(module: module, table: table, write: ["INTO", "UPDATE", "into", "update", "DELETE FROM", "delete(from"].contains(keyword)))
            }
        }
        let unlisted = found.filter { Self.allowed[$0] == nil }.map(\.description).sorted()
        #expect(unlisted.isEmpty, "not allowed (list it with its reason, or go through the owner's store): \(unlisted)")
        let stale = Set(Self.allowed.keys).subtracting(found).map(\.description).sorted()
        #expect(stale.isEmpty, "listed but no longer used: \(stale)")
    }
}

extension ModuleTablesTests {
    /// A module's pages and API handlers hold no SQL (issue 33): they call the module's service or
    /// store, where the reads and writes of its tables are kept together.
    @Test("no SQL in a module's Web folder")
    func noSQLInWeb() throws {
        var found: [String] = []
        for f in ["Registry", "Balance", "Certification", "Exchange", "Internship", "Teaching", "Inspection", "Reports"] {
            for file in Self.swiftFiles(Self.sources.appendingPathComponent(f).appendingPathComponent("Web")) {
                let text = try String(contentsOf: file, encoding: .utf8)
                for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.contains("sql.raw(") || line.contains(".sql.select(") || line.contains(".sql.insert(") || line.contains(".sql.update(")
                    || line.contains(".sql.delete(")
                {
                    found.append("\(f)/Web/\(file.lastPathComponent):\(n + 1)")
                }
            }
        }
        #expect(found.isEmpty, "SQL in a Web file: \(found.joined(separator: ", "))")
    }

    /// A module's SQL lives in its `Storage/` folder (issue 33): its service keeps the checks,
    /// the validation, the transactions and the audit, and calls the store for every read and
    /// write. Every module is listed.
    @Test("no SQL outside Storage in a module")
    func sqlOnlyInStorage() throws {
        var found: [String] = []
        var checked = 0
        for f in ["Registry", "Balance", "Certification", "Exchange", "Internship", "Teaching", "Inspection", "Reports"] {
            let folder = Self.sources.appendingPathComponent(f)
            let paths = FileManager.default.enumerator(atPath: folder.path)?.allObjects as? [String] ?? []
            for path in paths where path.hasSuffix(".swift") && !path.hasPrefix("Storage/") {
                checked += 1
                let text = try String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)
                for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
                where line.contains("sql.raw(") || line.contains(".sql.select(") || line.contains(".sql.insert(") || line.contains(".sql.update(")
                    || line.contains(".sql.delete(")
                {
                    found.append("\(f)/\(path):\(n + 1)")
                }
            }
        }
        #expect(checked > 0, "no module files found under \(Self.sources.path)")
        #expect(found.isEmpty, "SQL outside Storage: \(found.joined(separator: ", "))")
    }

    /// The content-security policy refuses inline script, so an `onchange="…"` in a page does
    /// nothing: behaviour goes through `app.js` and a `data-` attribute (`data-autosubmit`).
    @Test("no inline event handlers in pages")
    func noInlineHandlers() throws {
        var found: [String] = []
        let e = FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil)
        for case let file as URL in e?.allObjects ?? [] where ["swift", "leaf"].contains(file.pathExtension) {
            let text = try String(contentsOf: file, encoding: .utf8)
            if !Self.matches(#"\son(change|click|submit|load|input)=\\?""#, text).isEmpty {
                found.append(file.lastPathComponent)
            }
        }
        #expect(found.isEmpty, "inline event handlers in \(found)")
    }
}
