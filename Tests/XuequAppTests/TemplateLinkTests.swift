import Foundation
import Testing
import XuequTestSupport
import XuequKit
@testable import XuequApp

/// Templates get every internal link from the typed routes (`#url("module.case", …)`), never a
/// hand-written path, and every name they use exists.
@Suite("Template links")
struct TemplateLinkTests {
    static var sources: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources") }

    static func templates() throws -> [(String, String)] {
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }.filter { $0.pathExtension == "leaf" }
        return try files.map { ($0.path.replacingOccurrences(of: sources.path + "/", with: ""), try String(contentsOf: $0, encoding: .utf8)) }
    }

    @Test("no template writes an internal path by hand (static files aside)")
    func noHandWrittenPaths() throws {
        var found: [String] = []
        let pattern = try NSRegularExpression(pattern: #"(href|action|src|formaction)="/(?!static/)[^"]*""#)
        for (name, text) in try Self.templates() {
            for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                found.append("\(name): \(String(text[Range(m.range, in: text)!]))")
            }
        }
        let count = try Self.templates().count
        #expect(count > 30)
        #expect(found.isEmpty, "\(found.joined(separator: "\n"))")
    }

    @Test("every #url name is a registered route", arguments: TestDB.all.prefix(1))
    func namesExist(db: TestDB) async throws {
        try await withApp(db, fixture: false) { _, _ in
            let pattern = try NSRegularExpression(pattern: #"#url\("([^"]+)""#)
            var unknown: [String] = []
            var used = 0
            for (name, text) in try Self.templates() {
                for m in pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    let route = String(text[Range(m.range(at: 1), in: text)!])
                    used += 1
                    if Links.pattern(route) == nil { unknown.append("\(name): \(route)") }
                }
            }
            #expect(used > 50)
            #expect(unknown.isEmpty, "\(unknown.joined(separator: "\n"))")
        }
    }
}
