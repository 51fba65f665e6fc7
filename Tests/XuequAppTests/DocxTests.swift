import Foundation
import Testing
import ZIPFoundation
@testable import XuequKit

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("Word documents out")
struct DocxTests {
    static let sample = DocxDocument(
        title: "2025年义务教育优质均衡发展督导评估报告",
        header: "某某县教育局",
        blocks: [
            .title("关于义务教育优质均衡发展情况的报告"),
            .heading("一、基本情况", level: 1),
            .paragraph("全县共有义务教育学校 12 所。\n其中小学 8 所，初中 4 所。"),
            .heading("（一）师资配置", level: 2),
            .heading("1. 骨干教师", level: 3),
            .heading("too deep", level: 7),
            .table(header: ["学校", "差异系数", "备注"], rows: [["城关小学", "0.42", "达标"], ["第二中学", "0.51"]]),
            .table(header: [], rows: [["紧接着的第二张表"]]),
            .pageBreak,
            .paragraph("Escaping: a<b> & \"quoted\" 'single'\u{1}\u{1F}\u{FFFE}\tend"),
            .signature(lines: ["某某县教育局", "2025年6月30日", "（盖章）"]),
            .table(header: ["末尾表格"], rows: []),
        ])

    static func parts(_ data: Data) throws -> [String: Data] {
        let archive = try Archive(data: data, accessMode: .read)
        var parts: [String: Data] = [:]
        for entry in archive {
            var bytes = Data()
            _ = try archive.extract(entry) { bytes.append($0) }
            parts[entry.path] = bytes
        }
        return parts
    }

    /// Every element by its qualified name, with its attributes, and all `w:t` text in order.
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(name: String, attributes: [String: String])] = []
        var texts: [String] = []
        var inText = false
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append((name, attributes))
            inText = name == "w:t"
            if inText { texts.append("") }
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { inText = false }
        func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { texts[texts.count - 1] += string } }
        func values(_ element: String, _ attribute: String) -> [String] { elements.filter { $0.name == element }.compactMap { $0.attributes[attribute] } }

        static func parse(_ data: Data?) throws -> Collector {
            let data = try #require(data)
            let c = Collector()
            let p = XMLParser(data: data)
            p.delegate = c
            let ok = p.parse()
            #expect(ok, "XML does not parse: \(String(describing: p.parserError))")
            return c
        }
    }

    @Test("the package has every part its content types name, and what the relationships point to")
    func packageParts() throws {
        let data = try DocxWriter.write(Self.sample)
        let parts = try Self.parts(data)
        #expect(DocumentStore.sniff(data) == .docx)
        let types = try Collector.parse(parts["[Content_Types].xml"])
        let overrides = types.values("Override", "PartName")
        #expect(
            Set(overrides) == [
                "/word/document.xml", "/word/styles.xml", "/word/settings.xml", "/word/footer1.xml", "/word/header1.xml", "/docProps/core.xml",
                "/docProps/app.xml",
            ])
        for name in overrides {
            #expect(parts[String(name.dropFirst())] != nil, "missing \(name)")
            _ = try Collector.parse(parts[String(name.dropFirst())])
        }
        for target in try Collector.parse(parts["_rels/.rels"]).values("Relationship", "Target") { #expect(parts[target] != nil, "missing \(target)") }
        for target in try Collector.parse(parts["word/_rels/document.xml.rels"]).values("Relationship", "Target") {
            #expect(parts["word/" + target] != nil, "missing word/\(target)")
        }
        let core = String(decoding: parts["docProps/core.xml"] ?? Data(), as: UTF8.self)
        #expect(core.contains("<dc:title>2025年义务教育优质均衡发展督导评估报告</dc:title>"))
        // Same input, same bytes.
        #expect(try DocxWriter.write(Self.sample) == data)
    }

    @Test("without a header there is no header part, reference or content type")
    func noHeader() throws {
        let parts = try Self.parts(try DocxWriter.write(DocxDocument(title: "无页眉", blocks: [.paragraph("正文")])))
        #expect(parts["word/header1.xml"] == nil)
        let types = try Collector.parse(parts["[Content_Types].xml"]).values("Override", "PartName")
        #expect(!types.contains("/word/header1.xml") && types.contains("/word/footer1.xml"))
        let document = try Collector.parse(parts["word/document.xml"])
        #expect(document.values("w:headerReference", "r:id").isEmpty)
        #expect(document.values("w:footerReference", "r:id") == ["rId3"])
    }

    @Test("document.xml: styles, headings, table, page set-up, Chinese text and escaping")
    func documentContent() throws {
        let parts = try Self.parts(try DocxWriter.write(Self.sample))
        let document = try Collector.parse(parts["word/document.xml"])
        let text = document.texts.joined(separator: "|")
        for expected in ["关于义务教育优质均衡发展情况的报告", "一、基本情况", "（一）师资配置", "城关小学", "0.51", "达标", "（盖章）", "末尾表格"] {
            #expect(text.contains(expected), "missing \(expected)")
        }
        #expect(document.values("w:pStyle", "w:val").filter { $0.hasPrefix("Heading") } == ["Heading1", "Heading2", "Heading3", "Heading3"])
        #expect(document.values("w:pStyle", "w:val").filter { $0 == "Signature" }.count == 3)
        // The first table's header row repeats; the second table has none; short rows are padded.
        #expect(document.elements.filter { $0.name == "w:tbl" }.count == 3)
        #expect(document.elements.filter { $0.name == "w:tblHeader" }.count == 2)
        #expect(document.elements.filter { $0.name == "w:tc" }.count == 3 * 3 + 1 + 1)
        #expect(document.values("w:br", "w:type") == ["page"])
        // A line break inside a paragraph, and a tab.
        #expect(document.elements.filter { $0.name == "w:br" }.count == 2)
        #expect(document.elements.contains { $0.name == "w:tab" })
        #expect(document.values("w:pgSz", "w:w") == ["11906"] && document.values("w:pgSz", "w:h") == ["16838"])
        #expect(document.values("w:headerReference", "r:id") == ["rId4"])
        // Escaping: markup characters come back as written; control characters are gone.
        #expect(document.texts.contains("Escaping: a<b> & \"quoted\" 'single'"))
        #expect(document.texts.contains("end"))
        let raw = parts["word/document.xml"] ?? Data()
        #expect(!raw.contains(0x01) && !raw.contains(0x1F))
        #expect(!String(decoding: raw, as: UTF8.self).unicodeScalars.contains("\u{FFFE}"))

        let styles = try Collector.parse(parts["word/styles.xml"])
        let ids = Set(styles.values("w:style", "w:styleId"))
        #expect(ids.isSuperset(of: ["Normal", "Title", "Heading1", "Heading2", "Heading3", "BodyText", "Signature", "TableGrid", "Header", "Footer"]))
        #expect(styles.values("w:outlineLvl", "w:val") == ["0", "1", "2"])
        #expect(styles.values("w:ind", "w:firstLineChars") == ["200"])
        #expect(styles.values("w:rFonts", "w:eastAsia").contains("SimHei"))

        let footer = try Collector.parse(parts["word/footer1.xml"])
        #expect(footer.texts.joined().hasPrefix("第 ") && footer.texts.joined().hasSuffix(" 页"))
        #expect(footer.elements.contains { $0.name == "w:instrText" })
        let header = try Collector.parse(parts["word/header1.xml"])
        #expect(header.texts == ["某某县教育局"])
    }

    @Test("an empty document and empty tables still make a valid package")
    func emptyDocument() throws {
        let parts = try Self.parts(try DocxWriter.write(DocxDocument(title: "", blocks: [.table(header: [], rows: []), .paragraph("")])))
        let document = try Collector.parse(parts["word/document.xml"])
        #expect(!document.elements.contains { $0.name == "w:tbl" })
        #expect(document.elements.contains { $0.name == "w:sectPr" })
    }

    static func executable(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let url = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }

    static func run(_ tool: URL, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = tool
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(tool.lastPathComponent) \(arguments) exited with \(process.terminationStatus)")
    }

    @Test(
        "LibreOffice opens it: the text, a table cell and the page number come out",
        .enabled(if: DocxTests.executable("soffice") != nil, "soffice is not on PATH"))
    func libreOffice() throws {
        let soffice = try #require(Self.executable("soffice"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "docx-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64(Date().timeIntervalSince1970 * 1000))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("report.docx")
        try DocxWriter.write(Self.sample).write(to: file)
        // A profile of its own, so a running LibreOffice or a parallel test does not get in the way.
        let profile = "-env:UserInstallation=" + dir.appendingPathComponent("profile").absoluteString
        try Self.run(soffice, [profile, "--headless", "--convert-to", "txt:Text (encoded):UTF8", "--outdir", dir.path, file.path])
        let text = try String(contentsOf: dir.appendingPathComponent("report.txt"), encoding: .utf8)
        #expect(text.contains("关于义务教育优质均衡发展情况的报告"))
        #expect(text.contains("城关小学"))
        #expect(text.contains("a<b> & \"quoted\""))
        guard let pdftotext = Self.executable("pdftotext") else { return }
        try Self.run(soffice, [profile, "--headless", "--convert-to", "pdf", "--outdir", dir.path, file.path])
        try Self.run(pdftotext, ["-layout", dir.appendingPathComponent("report.pdf").path, dir.appendingPathComponent("pdf.txt").path])
        let pdf = try String(contentsOf: dir.appendingPathComponent("pdf.txt"), encoding: .utf8)
        // pdftotext drops the spaces LibreOffice sets between Chinese and digits.
        let numbers = pdf.replacingOccurrences(of: " ", with: "")
        #expect(numbers.contains("第1页") && numbers.contains("第2页") && !numbers.contains("第3页"))
        #expect(pdf.contains("某某县教育局"))
    }
}
