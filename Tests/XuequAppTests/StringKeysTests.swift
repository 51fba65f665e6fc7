import Foundation
import Testing
import XuequCore
import XuequTestSupport

/// Every interface string a template or the code names by key exists in both languages: a
/// missing key renders as the key itself (issue 33). Keys are found where they are written
/// literally — `#t("…")` in templates; `L10n.text("…"`, `t(req, "…"`, `t("…"`, `layout("…"` and
/// `NavEntry(key: "…"` in Swift; keys built at run time (`"transfer.reason." + raw`) fall back
/// to the raw value on purpose and are not listed here.
@Suite("Interface strings")
struct StringKeysTests {
    static var sources: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources")
    }

    static func files(_ ext: String) -> [URL] {
        let e = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        return (e?.allObjects as? [URL] ?? []).filter { $0.pathExtension == ext }
    }

    static func keys(in text: String, pattern: String) -> [String] {
        let re = try! NSRegularExpression(pattern: pattern)
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { Range($0.range(at: 1), in: text).map { String(text[$0]) } }
    }

    @Test("every key used in a template or in code is in the tables, in Chinese and in English", arguments: [TestDB.sqlite])
    func everyKey(db: TestDB) async throws {
        try await withApp(db, fixture: false) { _, _ in
            var used: [String: String] = [:]
            for f in Self.files("leaf") {
                for k in Self.keys(in: try String(contentsOf: f, encoding: .utf8), pattern: #"#t\("([a-zA-Z][\w.]*\w)""#) { used[k] = f.lastPathComponent }
            }
            let swift = #"(?:L10n\.text\(|\bt\(req, |\bt\(|\.layout\(|NavEntry\(key: )"([a-z][\w]*\.[\w.]*\w)""#
            for f in Self.files("swift") {
                for k in Self.keys(in: try String(contentsOf: f, encoding: .utf8), pattern: swift) { used[k] = f.lastPathComponent }
            }
            #expect(used.count > 300, "\(used.count) keys found: the patterns still match the code")
            let missing = used.filter { k, _ in !L10n.has(k) }.map { "\($0.key) (\($0.value))" }.sorted()
            #expect(missing.isEmpty, "keys with no text: \(missing)")
            let oneLanguage = used.keys.filter { L10n.has($0) && (L10n.text($0, .zh).isEmpty || L10n.text($0, .en).isEmpty) }.sorted()
            #expect(oneLanguage.isEmpty, "keys empty in a language: \(oneLanguage)")
        }
    }
}
