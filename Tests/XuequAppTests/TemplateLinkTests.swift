import Foundation
import Testing
import XuequTestSupport
@testable import XuequKit
@testable import XuequApp
import Registry

/// Templates get every internal link from the typed routes (`#url("module.case", …)`), never a
/// hand-written path, and every name they use exists.
@Suite("Template links")
struct TemplateLinkTests {
    static var sources: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources") }

    static func templates() throws -> [(String, String)] {
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!.compactMap { $0 as? URL }.filter { $0.pathExtension == "leaf" }
        return try files.map { ($0.path.replacingOccurrences(of: sources.path + "/", with: ""), try String(contentsOf: $0, encoding: .utf8)) }
    }

    @Test("a route's pattern is filled segment by segment: ids as written, other text encoded as one segment")
    func fill() {
        #expect(Links.fill("schools/:id/edit", ["3"]) == "/schools/3/edit")
        #expect(Links.fill("", [String]()) == "/")
        #expect(Links.fill("teachers", [String]()) == "/teachers")
        #expect(Links.fill("a/", [String]()) == "/a/")
        #expect(Links.fill(":a/x/:b", ["1", "2"]) == "/1/x/2")
        #expect(Links.fill(":a/:b", ["1"]) == "/1/")
        #expect(Links.fill("calendar/:token", ["a b/c?d#e"]) == "/calendar/a%20b%2Fc%3Fd%23e")
        #expect(Links.fill("files/:name", ["教案.pdf"]) == "/files/%E6%95%99%E6%A1%88.pdf")
        #expect(Links.fill("x:y/:id", ["A-b_9"]) == "/x:y/A-b_9")
        #expect(RegistryRoute.teacher.path(42) == RegistryRoute.teacher.path(42 as any CustomStringConvertible))
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
