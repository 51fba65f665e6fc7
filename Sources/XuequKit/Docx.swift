import Foundation
import ZIPFoundation

/// A Word document as a list of blocks, for reports and notices printed on A4: a title,
/// headings, body paragraphs, tables, page breaks and a signature block.
public struct DocxDocument: Sendable {
    public enum Block: Sendable {
        /// Centred, large and bold, in a black-body (黑体) font.
        case title(String)
        /// Level 1 to 3 (other levels are clamped), as Word's built-in heading styles, so the
        /// navigation pane and a table of contents see them.
        case heading(String, level: Int)
        /// Body text in 宋体 12 pt, its first line indented two characters.
        case paragraph(String)
        /// A bordered, full-width table; the header row is bold and repeats on every page.
        case table(header: [String], rows: [[String]])
        case pageBreak
        /// Right-aligned lines, one paragraph each: the issuer's name, the date, "（盖章）".
        case signature(lines: [String])
    }

    /// The document's title in its properties (`docProps/core.xml`).
    public var title: String
    /// Text in the page header of every page; no header when nil.
    public var header: String?
    public var blocks: [Block]

    public init(title: String, header: String? = nil, blocks: [Block] = []) {
        self.title = title
        self.header = header
        self.blocks = blocks
    }
}

/// Writes a minimal, standard WordprocessingML package (.docx): A4 with Chinese margins, a
/// centred "第 N 页" page number in the footer, styles Word and WPS recognise. Text goes in as
/// written; a line break inside a text becomes a line break in its paragraph. The output depends
/// only on the document and `created`, so the same input gives the same bytes.
public enum DocxWriter {
    public static let contentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

    /// A4 in twentieths of a point, and Word's default Chinese margins (2.54 cm and 3.17 cm).
    static let pageWidth = 11906, pageHeight = 16838, marginTopBottom = 1440, marginLeftRight = 1800
    static var textWidth: Int { pageWidth - 2 * marginLeftRight }

    static let ns =
        "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" "
        + "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\""
    static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let relationshipType = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
    static let wordType = "application/vnd.openxmlformats-officedocument.wordprocessingml."

    public static func write(_ doc: DocxDocument, created: Date = Date(timeIntervalSince1970: 1_700_000_000)) throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data((declaration + text).utf8)
            try archive.addEntry(
                with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: Date(timeIntervalSince1970: 1_700_000_000),
                compressionMethod: .deflate
            ) { pos, size in
                data.subdata(in: Int(pos)..<Int(pos) + size)
            }
        }
        let hasHeader = doc.header != nil
        var overrides = [
            ("/word/document.xml", wordType + "document.main+xml"), ("/word/styles.xml", wordType + "styles+xml"),
            ("/word/settings.xml", wordType + "settings+xml"), ("/word/footer1.xml", wordType + "footer+xml"),
        ]
        if hasHeader { overrides.append(("/word/header1.xml", wordType + "header+xml")) }
        overrides += [
            ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
            ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml"),
        ]
        try add(
            "[Content_Types].xml",
            "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
                + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
                + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
                + overrides.map { "<Override PartName=\"\($0.0)\" ContentType=\"\($0.1)\"/>" }.joined() + "</Types>")
        try add(
            "_rels/.rels",
            relationships([
                ("officeDocument", "word/document.xml"),
                ("http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties", "docProps/core.xml"),
                ("extended-properties", "docProps/app.xml"),
            ]))
        let stamp = String(ISOTime.string(created).prefix(19)) + "Z"
        try add(
            "docProps/core.xml",
            "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
                + "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" "
                + "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>\(escape(doc.title))</dc:title><dc:creator>Xuequ</dc:creator>"
                + "<dcterms:created xsi:type=\"dcterms:W3CDTF\">\(stamp)</dcterms:created>"
                + "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">\(stamp)</dcterms:modified></cp:coreProperties>")
        try add(
            "docProps/app.xml",
            "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\"><Application>Xuequ</Application></Properties>")
        var parts: [(type: String, target: String)] = [("styles", "styles.xml"), ("settings", "settings.xml"), ("footer", "footer1.xml")]
        if hasHeader { parts.append(("header", "header1.xml")) }
        try add("word/_rels/document.xml.rels", relationships(parts))
        try add("word/styles.xml", styles)
        // A justified line that ends in a line break is not stretched across the page.
        try add(
            "word/settings.xml",
            "<w:settings \(ns)><w:zoom w:percent=\"100\"/><w:defaultTabStop w:val=\"420\"/>"
                + "<w:characterSpacingControl w:val=\"compressPunctuation\"/><w:compat><w:doNotExpandShiftReturn/>"
                + "<w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/>"
                + "</w:compat></w:settings>")
        // The page number as a complex field: Word, WPS and LibreOffice all update it.
        try add(
            "word/footer1.xml",
            "<w:ftr \(ns)><w:p><w:pPr><w:pStyle w:val=\"Footer\"/><w:jc w:val=\"center\"/></w:pPr>\(runs("第 "))"
                + "<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r>"
                + "<w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r>"
                + "\(runs(" 页"))</w:p></w:ftr>")
        if let header = doc.header {
            try add("word/header1.xml", "<w:hdr \(ns)>\(paragraph(header, style: "Header", align: "center"))</w:hdr>")
        }
        try add("word/document.xml", "<w:document \(ns)><w:body>\(body(doc))\(sectionProperties(hasHeader))</w:body></w:document>")
        guard let data = archive.data else { throw Archive.ArchiveError.unwritableArchive }
        return data
    }

    /// Relationships by id `rId1`, `rId2`… in order; a short type is one of Office's own.
    static func relationships(_ targets: [(type: String, target: String)]) -> String {
        var xml = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        for (i, t) in targets.enumerated() {
            let type = t.type.hasPrefix("http") ? t.type : relationshipType + t.type
            xml += "<Relationship Id=\"rId\(i + 1)\" Type=\"\(type)\" Target=\"\(t.target)\"/>"
        }
        return xml + "</Relationships>"
    }

    static func sectionProperties(_ hasHeader: Bool) -> String {
        // Ids as in `word/_rels/document.xml.rels`: footer rId3, header rId4.
        (hasHeader ? "<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId4\"/>" : "<w:sectPr>")
            + "<w:footerReference w:type=\"default\" r:id=\"rId3\"/><w:pgSz w:w=\"\(pageWidth)\" w:h=\"\(pageHeight)\"/>"
            + "<w:pgMar w:top=\"\(marginTopBottom)\" w:right=\"\(marginLeftRight)\" w:bottom=\"\(marginTopBottom)\" w:left=\"\(marginLeftRight)\" "
            + "w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/><w:cols w:space=\"425\"/><w:docGrid w:type=\"lines\" w:linePitch=\"312\"/></w:sectPr>"
    }

    static func body(_ doc: DocxDocument) -> String {
        var xml = ""
        for (i, block) in doc.blocks.enumerated() {
            switch block {
            case .title(let text): xml += paragraph(text, style: "Title")
            case .heading(let text, let level): xml += paragraph(text, style: "Heading\(min(max(level, 1), 3))")
            case .paragraph(let text): xml += paragraph(text, style: "BodyText")
            case .pageBreak: xml += "<w:p><w:r><w:br w:type=\"page\"/></w:r></w:p>"
            case .signature(let lines):
                for (n, line) in lines.enumerated() { xml += paragraph(line, style: "Signature", spaceBefore: n == 0 ? 624 : nil) }
            case .table(let header, let rows):
                guard let t = table(header: header, rows: rows) else { continue }
                xml += t
                // Word merges two tables in a row and wants a paragraph after the last one.
                if i + 1 == doc.blocks.count { xml += "<w:p/>" } else if case .table = doc.blocks[i + 1] { xml += "<w:p/>" }
            }
        }
        return xml
    }

    static func paragraph(_ text: String, style: String, align: String? = nil, spaceBefore: Int? = nil, bold: Bool = false) -> String {
        var props = "<w:pStyle w:val=\"\(style)\"/>"
        if let spaceBefore { props += "<w:spacing w:before=\"\(spaceBefore)\"/>" }
        if let align { props += "<w:jc w:val=\"\(align)\"/>" }
        return "<w:p><w:pPr>\(props)</w:pPr>\(runs(text, bold: bold))</w:p>"
    }

    /// One run per line, tabs as `<w:tab/>` and line breaks as `<w:br/>` between them.
    static func runs(_ text: String, bold: Bool = false) -> String {
        let properties = bold ? "<w:rPr><w:b/><w:bCs/></w:rPr>" : ""
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        var xml = ""
        for (i, line) in lines.enumerated() {
            xml += "<w:r>\(properties)"
            if i > 0 { xml += "<w:br/>" }
            for (j, piece) in line.split(separator: "\t", omittingEmptySubsequences: false).enumerated() {
                if j > 0 { xml += "<w:tab/>" }
                if !piece.isEmpty { xml += "<w:t xml:space=\"preserve\">\(escape(String(piece)))</w:t>" }
            }
            xml += "</w:r>"
        }
        return xml
    }

    /// Columns as wide as their longest text (a CJK character counts two), within the text width.
    static func table(header: [String], rows: [[String]]) -> String? {
        let all = header.isEmpty ? rows : [header] + rows
        let columns = all.map(\.count).max() ?? 0
        guard columns > 0 else { return nil }
        var weights = [Int](repeating: 4, count: columns)
        for row in all.prefix(200) {
            for (c, cell) in row.enumerated() {
                let w = cell.unicodeScalars.reduce(0) { $0 + ($1.value > 0x2E80 ? 2 : 1) } + 2
                weights[c] = max(weights[c], min(w, 40))
            }
        }
        // Short columns (a code, a verdict) keep their text on one line; the long ones share
        // what is left in proportion to their text.
        let unit = 110, short = 10
        let fixed = weights.map { $0 <= short ? $0 * unit : 0 }
        let rest = max(0, textWidth - fixed.reduce(0, +))
        let longTotal = weights.filter { $0 > short }.reduce(0, +)
        var widths = weights.enumerated().map { c, w in w <= short ? fixed[c] : (longTotal > 0 ? rest * w / longTotal : 0) }
        if longTotal == 0 || rest == 0 {
            let total = weights.reduce(0, +)
            widths = weights.map { textWidth * $0 / total }
        }
        var xml = "<w:tbl><w:tblPr><w:tblStyle w:val=\"TableGrid\"/><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:tblBorders>"
        for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
            xml += "<w:\(side) w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"
        }
        xml += "</w:tblBorders><w:tblLayout w:type=\"fixed\"/><w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" w:firstColumn=\"0\" "
        xml += "w:lastColumn=\"0\" w:noHBand=\"0\" w:noVBand=\"1\"/></w:tblPr><w:tblGrid>"
        xml += widths.map { "<w:gridCol w:w=\"\($0)\"/>" }.joined() + "</w:tblGrid>"
        for (r, row) in all.enumerated() {
            let isHeader = r == 0 && !header.isEmpty
            xml += isHeader ? "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" : "<w:tr><w:trPr><w:cantSplit/></w:trPr>"
            for c in 0..<columns {
                let text = c < row.count ? row[c] : ""
                xml += "<w:tc><w:tcPr><w:tcW w:w=\"\(widths[c])\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr>"
                xml += paragraph(text, style: "TableText", align: isHeader ? "center" : nil, bold: isHeader) + "</w:tc>"
            }
            xml += "</w:tr>"
        }
        return xml + "</w:tbl>"
    }

    /// Fonts by name: Latin and East Asian.
    static func fonts(_ latin: String, _ eastAsia: String) -> String {
        "<w:rFonts w:ascii=\"\(latin)\" w:hAnsi=\"\(latin)\" w:eastAsia=\"\(eastAsia)\" w:cs=\"\(latin)\"/>"
    }

    /// A style based on Normal; a heading or the title is followed by body text and shown in
    /// Word's style gallery.
    static func paragraphStyle(_ id: String, _ name: String, pPr: String = "", rPr: String = "", heading: Bool = false) -> String {
        let gallery = heading ? "<w:next w:val=\"BodyText\"/><w:uiPriority w:val=\"9\"/><w:qFormat/>" : "<w:next w:val=\"\(id)\"/>"
        return "<w:style w:type=\"paragraph\" w:styleId=\"\(id)\"><w:name w:val=\"\(name)\"/><w:basedOn w:val=\"Normal\"/>"
            + "\(gallery)<w:pPr>\(pPr)</w:pPr><w:rPr>\(rPr)</w:rPr></w:style>"
    }

    /// 宋体 小四 (12 pt) for text, 黑体 for the title (二号, 22 pt) and headings (三号, 四号, 小四).
    static var styles: String {
        let serif = fonts("Times New Roman", "SimSun"), black = fonts("Times New Roman", "SimHei")
        var xml = "<w:styles \(ns)><w:docDefaults><w:rPrDefault><w:rPr>\(serif)<w:sz w:val=\"24\"/><w:szCs w:val=\"24\"/>"
        xml += "<w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>"
        xml += "<w:pPrDefault><w:pPr><w:spacing w:after=\"0\" w:line=\"360\" w:lineRule=\"auto\"/><w:jc w:val=\"both\"/></w:pPr></w:pPrDefault></w:docDefaults>"
        xml += "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>"
        xml += "<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\"><w:name w:val=\"Default Paragraph Font\"/>"
        xml += "<w:uiPriority w:val=\"1\"/><w:semiHidden/><w:unhideWhenUsed/></w:style>"
        xml += paragraphStyle(
            "Title", "Title", pPr: "<w:keepNext/><w:spacing w:before=\"240\" w:after=\"360\"/><w:jc w:val=\"center\"/>",
            rPr: "\(black)<w:b/><w:bCs/><w:sz w:val=\"44\"/><w:szCs w:val=\"44\"/>", heading: true)
        for (level, size) in [(1, 32), (2, 28), (3, 24)] {
            xml += paragraphStyle(
                "Heading\(level)", "heading \(level)",
                pPr: "<w:keepNext/><w:keepLines/><w:spacing w:before=\"\(360 - 60 * level)\" w:after=\"\(240 - 60 * level)\"/>"
                    + "<w:jc w:val=\"left\"/><w:outlineLvl w:val=\"\(level - 1)\"/>",
                rPr: "\(black)<w:b/><w:bCs/><w:sz w:val=\"\(size)\"/><w:szCs w:val=\"\(size)\"/>", heading: true)
        }
        xml += paragraphStyle("BodyText", "Body Text", pPr: "<w:ind w:firstLineChars=\"200\" w:firstLine=\"480\"/>")
        xml += paragraphStyle("Signature", "Signature", pPr: "<w:jc w:val=\"right\"/>")
        xml += paragraphStyle("TableText", "Table Text", pPr: "<w:spacing w:line=\"240\" w:lineRule=\"auto\"/><w:jc w:val=\"left\"/>")
        xml += paragraphStyle(
            "Header", "header", pPr: "<w:pBdr><w:bottom w:val=\"single\" w:sz=\"6\" w:space=\"1\" w:color=\"auto\"/></w:pBdr><w:jc w:val=\"center\"/>",
            rPr: "<w:sz w:val=\"18\"/><w:szCs w:val=\"18\"/>")
        xml += paragraphStyle("Footer", "footer", pPr: "<w:jc w:val=\"center\"/>", rPr: "<w:sz w:val=\"18\"/><w:szCs w:val=\"18\"/>")
        xml += "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/><w:semiHidden/><w:tblPr>"
        xml += "<w:tblInd w:w=\"0\" w:type=\"dxa\"/><w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>"
        xml += "<w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>"
        xml += "<w:style w:type=\"table\" w:styleId=\"TableGrid\"><w:name w:val=\"Table Grid\"/><w:basedOn w:val=\"TableNormal\"/><w:tblPr><w:tblBorders>"
        for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
            xml += "<w:\(side) w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"auto\"/>"
        }
        return xml + "</w:tblBorders></w:tblPr></w:style></w:styles>"
    }

    static func escape(_ s: String) -> String { XMLText.escape(s) }
}
