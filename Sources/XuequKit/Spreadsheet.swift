import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
#if canImport(Glibc)
import Glibc
#endif
import XuequCore
import ZIPFoundation

/// A sheet as rows of text cells, header row first. Numbers stay as Excel wrote them
/// (`43709`, `3.5`); a column parser turns them into dates or numbers.
public struct SheetTable: Sendable, Equatable {
    public var rows: [[String]]
    public init(rows: [[String]]) { self.rows = rows }
    public var header: [String] { rows.first ?? [] }
    public var body: ArraySlice<[String]> { rows.dropFirst() }
}

public enum SpreadsheetFormat: String, Sendable { case xlsx, csv }

public enum SpreadsheetError {
    public static let empty = DomainError(.invalid, code: "empty_file", LocalizedText(zh: "上传的文件是空的", en: "the uploaded file is empty"))
    public static let notSpreadsheet = DomainError(.invalid, code: "not_a_spreadsheet", LocalizedText(zh: "文件不是 Excel（.xlsx）或 CSV 表格，请另存为 .xlsx 或 .csv 后再上传", en: "the file is not an Excel (.xlsx) or CSV sheet; save it as .xlsx or .csv and upload again"))
    public static let oldExcel = DomainError(.invalid, code: "xls_not_supported", LocalizedText(zh: "这是旧版 Excel 97-2003（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再上传", en: "this is an old Excel 97-2003 (.xls) file; save it as .xlsx in Excel or WPS and upload again"))
    public static func broken(_ detail: String) -> DomainError {
        DomainError(.invalid, code: "broken_xlsx", LocalizedText(zh: "Excel 文件已损坏或格式不受支持（\(detail)）", en: "the Excel file is damaged or not supported (\(detail))"))
    }
    public static let encoding = DomainError(.invalid, code: "bad_encoding", LocalizedText(zh: "CSV 文件编码无法识别，请保存为 UTF-8 或 GBK 编码", en: "the CSV encoding is not recognised; save it as UTF-8 or GBK"))
}

public enum Spreadsheet {
    /// Uploads larger than this are refused before they are parsed.
    public static let maxUploadBytes = 20 * 1024 * 1024

    public static let tooLarge = DomainError(.tooLarge, code: "too_large", LocalizedText(zh: "上传的文件太大（上限 20 MB）", en: "the upload is too large (limit 20 MB)"))

    /// Reads a spreadsheet, telling `.xlsx` from `.csv` by its bytes, not its name.
    public static func read(_ data: Data, filename: String? = nil) throws -> SheetTable {
        guard !data.isEmpty else { throw SpreadsheetError.empty }
        guard data.count <= maxUploadBytes else { throw tooLarge }
        let magic = [UInt8](data.prefix(8))
        if magic.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try XLSXReader.read(data) }
        if magic.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) { throw SpreadsheetError.oldExcel }
        // Binary formats people rename by mistake: images, PDFs, archives.
        let binaryMagics: [[UInt8]] = [[0x89, 0x50, 0x4E, 0x47], [0xFF, 0xD8, 0xFF], [0x25, 0x50, 0x44, 0x46], [0x47, 0x49, 0x46, 0x38], [0x1F, 0x8B], [0x52, 0x61, 0x72, 0x21], [0x37, 0x7A, 0xBC, 0xAF]]
        if binaryMagics.contains(where: { magic.starts(with: $0) }) || data.prefix(4096).contains(0) { throw SpreadsheetError.notSpreadsheet }
        let table = try CSV.read(data)
        if table.rows.isEmpty { throw SpreadsheetError.empty }
        return table
    }

    /// Renders a table in the requested format.
    public static func write(_ table: SheetTable, format: SpreadsheetFormat, sheetName: String = "Sheet1", numericColumns: Set<Int> = []) throws -> Data {
        switch format {
        case .xlsx: return try XLSXWriter.write(table, sheetName: sheetName, numericColumns: numericColumns)
        case .csv: return CSV.write(table)
        }
    }
}

// MARK: - CSV

public enum CSV {
    /// Decodes UTF-8 (with or without BOM) or GB18030/GBK, as Excel on Chinese Windows saves it.
    public static func decode(_ data: Data) throws -> String {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            if let s = String(data: bytes, encoding: .utf16) { return s }
        }
        if let s = String(data: bytes, encoding: .utf8) { return s }
        if let s = iconvDecode(Data(bytes), from: "GB18030") { return s }
        throw SpreadsheetError.encoding
    }

    static func iconvDecode(_ data: Data, from encoding: String) -> String? {
        #if canImport(Glibc)
        let cd = iconv_open("UTF-8", encoding)
        if cd == iconv_t(bitPattern: -1) { return nil }
        defer { iconv_close(cd) }
        var input = [UInt8](data)
        var output = [UInt8](repeating: 0, count: input.count * 4 + 16)
        let capacity = output.count
        let left: Int? = input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf -> Int? in
                var inPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                var outPtr: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuf.baseAddress!).assumingMemoryBound(to: CChar.self)
                var outLeft = outBuf.count
                let r = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                return r == -1 ? nil : outLeft
            }
        }
        guard let left else { return nil }
        output.removeSubrange((capacity - left)...)
        return String(decoding: output, as: UTF8.self)
        #else
        return String(data: data, encoding: .init(rawValue: 0x80000632))
        #endif
    }

    /// RFC 4180 with the usual leniencies: `,` or `;` or tab (guessed from the header), quoted
    /// fields with doubled quotes and line breaks, CRLF or LF, trailing empty lines dropped.
    public static func read(_ data: Data) throws -> SheetTable {
        let text = try decode(data)
        let firstLine = text.prefix { $0 != "\n" && $0 != "\r" }
        let candidates: [Character] = [",", "\t", ";"]
        let sep = candidates.max { a, b in firstLine.filter { $0 == a }.count < firstLine.filter { $0 == b }.count } ?? ","
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var inQuotes = false
        var iterator = text.makeIterator()
        var pending: Character? = nil
        func next() -> Character? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" { field.append("\"") } else { inQuotes = false; pending = n }
                    } else { inQuotes = false }
                } else { field.append(c) }
                continue
            }
            switch c {
            case "\"" where field.isEmpty: inQuotes = true
            case sep: row.append(field); field = ""
            case "\r\n", "\n", "\r":
                row.append(field); field = ""
                rows.append(row); row = []
            default: field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        while let last = rows.last, last.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { rows.removeLast() }
        return SheetTable(rows: rows)
    }

    /// UTF-8 with BOM, so Excel on Chinese Windows opens it with the right characters.
    /// Cells that a spreadsheet would run as a formula are prefixed with `'`.
    public static func write(_ table: SheetTable) -> Data {
        var out = "\u{FEFF}"
        for row in table.rows {
            out += row.map { cell -> String in
                var v = cell
                if let f = v.first, "=+-@".contains(f), !(Double(v) != nil) { v = "'" + v }
                if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                    return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                }
                return v
            }.joined(separator: ",")
            out += "\r\n"
        }
        return Data(out.utf8)
    }
}

// MARK: - XLSX reading

enum XLSXReader {
    static func read(_ data: Data) throws -> SheetTable {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch { throw SpreadsheetError.broken("zip") }
        func entry(_ path: String) throws -> Data? {
            let clean = path.hasPrefix("/") ? String(path.dropFirst()) : path
            guard let e = archive[clean] else { return nil }
            var out = Data()
            do { _ = try archive.extract(e, skipCRC32: true) { out.append($0) } } catch { throw SpreadsheetError.broken(clean) }
            return out
        }
        guard let workbook = try entry("xl/workbook.xml") else {
            // A zip, but not a workbook (a .docx, a renamed archive).
            throw SpreadsheetError.notSpreadsheet
        }
        // First sheet in workbook order, resolved through the relationships.
        let sheets = XMLCollector.collect(workbook, element: "sheet", attributes: ["r:id", "id", "name"])
        guard let first = sheets.first else { throw SpreadsheetError.broken("no sheet") }
        var sheetPath = "xl/worksheets/sheet1.xml"
        if let rid = first["r:id"] ?? first["id"], let relsData = try entry("xl/_rels/workbook.xml.rels") {
            let rels = XMLCollector.collect(relsData, element: "Relationship", attributes: ["Id", "Target"])
            if let target = rels.first(where: { $0["Id"] == rid })?["Target"] {
                sheetPath = target.hasPrefix("/") ? String(target.dropFirst()) : (target.hasPrefix("xl/") ? target : "xl/" + target)
            }
        }
        var shared: [String] = []
        if let ss = try entry("xl/sharedStrings.xml") { shared = SharedStringsParser.parse(ss) }
        guard let sheet = try entry(sheetPath) else { throw SpreadsheetError.broken("missing \(sheetPath)") }
        return try SheetParser.parse(sheet, shared: shared)
    }
}

/// Gathers the attributes of every element of one name (namespace prefixes ignored).
final class XMLCollector: NSObject, XMLParserDelegate {
    let element: String
    let attributes: [String]
    var found: [[String: String]] = []

    init(element: String, attributes: [String]) { self.element = element; self.attributes = attributes }

    static func collect(_ data: Data, element: String, attributes: [String]) -> [[String: String]] {
        let c = XMLCollector(element: element, attributes: attributes)
        let p = XMLParser(data: data)
        p.delegate = c
        _ = p.parse()
        return c.found
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes attrs: [String: String] = [:]) {
        guard localName(name) == element else { return }
        var out: [String: String] = [:]
        for (k, v) in attrs {
            if attributes.contains(k) { out[k] = v }
            // r:id may come with another prefix; keep it under "r:id".
            if k.hasSuffix(":id") { out["r:id"] = v }
        }
        found.append(out)
    }
}

/// A parser fed in chunks: handed a whole 10 MB+ sheet at once, libxml2's push parser stops
/// with an internal error ("huge input lookup"); from a stream it reads piece by piece.
func xmlParser(_ data: Data) -> XMLParser {
    XMLParser(stream: InputStream(data: data))
}

@inline(__always) func localName(_ name: String) -> Substring {
    if let i = name.lastIndex(of: ":") { return name[name.index(after: i)...] }
    return Substring(name)
}

/// `<si>` items; rich text runs (`<r><t>`) are joined, phonetic runs (`<rPh>`) skipped.
final class SharedStringsParser: NSObject, XMLParserDelegate {
    var strings: [String] = []
    var current = ""
    var inT = false
    var inPhonetic = false

    static func parse(_ data: Data) -> [String] {
        let d = SharedStringsParser()
        let p = xmlParser(data)
        p.delegate = d
        _ = p.parse()
        return d.strings
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch localName(name) {
        case "si": current = ""
        case "t": inT = !inPhonetic
        case "rPh": inPhonetic = true
        default: break
        }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch localName(name) {
        case "si": strings.append(current)
        case "t": inT = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { if inT { current += string } }
}

/// Cells of one worksheet, placed by their `r` reference so skipped cells stay empty.
final class SheetParser: NSObject, XMLParserDelegate {
    let shared: [String]
    var rows: [[String]] = []
    var rowIndex = -1
    var row: [String] = []
    var cellRef: String?
    var cellType: String?
    var value = ""
    var collecting = false
    var inInline = false
    var nextColumn = 0
    var failure: String?

    init(shared: [String]) { self.shared = shared }

    static func parse(_ data: Data, shared: [String]) throws -> SheetTable {
        let d = SheetParser(shared: shared)
        let p = xmlParser(data)
        p.delegate = d
        if !p.parse() { throw SpreadsheetError.broken(d.failure ?? "sheet XML") }
        if let f = d.failure { throw SpreadsheetError.broken(f) }
        var rows = d.rows
        while let last = rows.last, last.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { rows.removeLast() }
        return SheetTable(rows: rows)
    }

    static func columnIndex(_ ref: String) -> Int? {
        var n = 0
        var any = false
        for u in ref.unicodeScalars {
            guard u.value >= 65 && u.value <= 90 else { break }
            n = n * 26 + Int(u.value - 64); any = true
        }
        return any ? n - 1 : nil
    }

    static func rowNumber(_ ref: String) -> Int? { Int(ref.drop { $0.isLetter }) }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch localName(name) {
        case "row":
            let r = attributes["r"].flatMap(Int.init).map { $0 - 1 } ?? (rowIndex + 1)
            // Rows Excel left out entirely stay as empty rows, so row numbers in errors match the sheet.
            while rows.count < r { rows.append([]) }
            rowIndex = r
            row = []
            nextColumn = 0
        case "c":
            cellRef = attributes["r"]
            cellType = attributes["t"]
            value = ""
        case "v": collecting = true; value = ""
        case "is": inInline = true; value = ""
        case "t": if inInline { collecting = true }
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch localName(name) {
        case "v", "t": collecting = false
        case "is": inInline = false
        case "c":
            var text = value
            switch cellType {
            case "s":
                if let i = Int(value.trimmingCharacters(in: .whitespaces)), i >= 0, i < shared.count { text = shared[i] }
                else { failure = "shared string \(value)" }
            case "b": text = value == "1" ? "TRUE" : "FALSE"
            case "e": text = ""
            default: break
            }
            let col = cellRef.flatMap(SheetParser.columnIndex) ?? nextColumn
            if col < 16384 {
                while row.count < col { row.append("") }
                if row.count == col { row.append(text) } else { row[col] = text }
            }
            nextColumn = col + 1
            cellRef = nil; cellType = nil
        case "row":
            if rowIndex >= 0 {
                while rows.count <= rowIndex { rows.append([]) }
                rows[rowIndex] = row
            }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if collecting { value += string } }
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) { failure = "XML: \(parseError.localizedDescription)" }
}

// MARK: - XLSX writing

/// Writes a minimal, standard workbook: one sheet, inline strings, a bold frozen header.
/// Numbers are written as numbers only when the column is declared numeric, so IDs and codes
/// with leading zeros stay text.
public enum XLSXWriter {
    public static func write(_ table: SheetTable, sheetName: String = "Sheet1", numericColumns: Set<Int> = []) throws -> Data {
        let archive = try Archive(accessMode: .create)
        func add(_ path: String, _ text: String) throws {
            let data = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: Date(timeIntervalSince1970: 1_700_000_000), compressionMethod: .deflate) { pos, size in
                data.subdata(in: Int(pos)..<Int(pos) + size)
            }
        }
        try add("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>
            """)
        try add("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/></Relationships>
            """)
        try add("docProps/core.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>Xuequ</dc:creator></cp:coreProperties>
            """)
        try add("docProps/app.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Xuequ</Application></Properties>
            """)
        try add("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="\(escape(String(sheetName.prefix(31))))" sheetId="1" r:id="rId1"/></sheets></workbook>
            """)
        try add("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>
            """)
        try add("xl/styles.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="2"><font><sz val="11"/><name val="等线"/></font><font><b/><sz val="11"/><name val="等线"/></font></fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>
            """)
        var sheet = """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>
            """
        let widths = columnWidths(table)
        if !widths.isEmpty {
            sheet += "<cols>"
            for (i, w) in widths.enumerated() { sheet += "<col min=\"\(i + 1)\" max=\"\(i + 1)\" width=\"\(w)\" customWidth=\"1\"/>" }
            sheet += "</cols>"
        }
        sheet += "<sheetData>"
        sheet.reserveCapacity(table.rows.count * 200)
        for (r, row) in table.rows.enumerated() {
            sheet += "<row r=\"\(r + 1)\">"
            for (c, cell) in row.enumerated() {
                let ref = columnName(c) + String(r + 1)
                if r > 0, numericColumns.contains(c), Double(cell) != nil {
                    sheet += "<c r=\"\(ref)\"><v>\(cell)</v></c>"
                } else {
                    let style = r == 0 ? " s=\"1\"" : " s=\"2\""
                    sheet += "<c r=\"\(ref)\" t=\"inlineStr\"\(style)><is><t xml:space=\"preserve\">\(escape(cell))</t></is></c>"
                }
            }
            sheet += "</row>"
        }
        sheet += "</sheetData></worksheet>"
        try add("xl/worksheets/sheet1.xml", sheet)
        guard let data = archive.data else { throw SpreadsheetError.broken("write") }
        return data
    }

    static func columnWidths(_ table: SheetTable) -> [Int] {
        var widths: [Int] = []
        for row in table.rows.prefix(200) {
            for (i, cell) in row.enumerated() {
                let w = cell.unicodeScalars.reduce(0) { $0 + ($1.value > 0x2E80 ? 2 : 1) } + 2
                if i >= widths.count { widths.append(w) } else { widths[i] = max(widths[i], w) }
            }
        }
        return widths.map { min(max($0, 6), 60) }
    }

    public static func columnName(_ index: Int) -> String {
        var n = index + 1
        var s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                // Control characters are not allowed in XML 1.0.
                if u.value < 0x20 && u != "\n" && u != "\t" && u != "\r" { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
