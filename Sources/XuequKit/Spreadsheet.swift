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

/// What one upload may cost, whatever it holds. A 20 MB `.xlsx` can unzip to gigabytes, a row
/// can jump to number 10,000,000 and a cell can sit in column XFD: each is refused as soon as
/// it is seen, so reading any upload up to the size limit stays within the memory bound
/// stated in the README.
public struct SheetLimits: Sendable {
    /// All parts of a workbook together, unzipped (they are streamed to a temporary file, never
    /// held whole in memory).
    public var maxUnzippedBytes = 256 * 1024 * 1024
    /// Excel's own limit for one cell.
    public var maxCellCharacters = 32_767
    /// Columns of the header row; cells right of the header's last non-empty cell are ignored.
    public var maxColumns = 256
    public var maxCells = 2_000_000
    /// UTF-8 bytes of all cells together.
    public var maxTextBytes = 64 * 1024 * 1024
    /// Empty rows skipped between two rows.
    public var maxRowGap = 10_000
    /// Excel's last row.
    public var maxRows = 1_048_576
    public init() {}
    public static let standard = SheetLimits()
}

public enum SpreadsheetError {
    public static let empty = DomainError(.invalid, code: "empty_file", LocalizedText(zh: "上传的文件是空的", en: "the uploaded file is empty"))
    public static let notSpreadsheet = DomainError(.invalid, code: "not_a_spreadsheet", LocalizedText(zh: "文件不是 Excel（.xlsx）或 CSV 表格，请另存为 .xlsx 或 .csv 后再上传", en: "the file is not an Excel (.xlsx) or CSV sheet; save it as .xlsx or .csv and upload again"))
    public static let oldExcel = DomainError(.invalid, code: "xls_not_supported", LocalizedText(zh: "这是旧版 Excel 97-2003（.xls）文件，请在 Excel 或 WPS 中另存为 .xlsx 后再上传", en: "this is an old Excel 97-2003 (.xls) file; save it as .xlsx in Excel or WPS and upload again"))
    public static func broken(_ detail: String) -> DomainError {
        DomainError(.invalid, code: "broken_xlsx", LocalizedText(zh: "Excel 文件已损坏或格式不受支持（\(detail)）", en: "the Excel file is damaged or not supported (\(detail))"))
    }
    public static let encoding = DomainError(.invalid, code: "bad_encoding", LocalizedText(zh: "CSV 文件编码无法识别，请保存为 UTF-8 或 GBK 编码", en: "the CSV encoding is not recognised; save it as UTF-8 or GBK"))

    // Hostile or runaway sheets: each names what was too much and where.
    static func mb(_ bytes: Int) -> Int { bytes / (1024 * 1024) }
    public static func unzippedTooLarge(_ limits: SheetLimits) -> DomainError {
        DomainError(.tooLarge, code: "sheet_unzipped_too_large", LocalizedText(
            zh: "Excel 文件解压后超过 \(mb(limits.maxUnzippedBytes)) MB（上限），可能是“压缩炸弹”或含有大量多余内容；请只保留要导入的数据，或分成几个文件上传",
            en: "the Excel file unzips to more than \(mb(limits.maxUnzippedBytes)) MB (the limit): a zip bomb or a lot of unneeded content; keep only the data to import, or split it into several files"))
    }
    public static func tooManyCells(_ limits: SheetLimits) -> DomainError {
        DomainError(.tooLarge, code: "sheet_too_many_cells", LocalizedText(
            zh: "表格超过 \(limits.maxCells) 个单元格（上限），请分成几个文件上传",
            en: "the sheet has more than \(limits.maxCells) cells (the limit); split it into several files"))
    }
    public static func textTooLarge(_ limits: SheetLimits) -> DomainError {
        DomainError(.tooLarge, code: "sheet_text_too_large", LocalizedText(
            zh: "表格中的文字超过 \(mb(limits.maxTextBytes)) MB（上限），请分成几个文件上传",
            en: "the sheet holds more than \(mb(limits.maxTextBytes)) MB of text (the limit); split it into several files"))
    }
    public static func tooManyRows(_ limits: SheetLimits) -> DomainError {
        DomainError(.tooLarge, code: "sheet_too_many_rows", LocalizedText(
            zh: "表格超过 \(limits.maxRows) 行（上限）", en: "the sheet has more than \(limits.maxRows) rows (the limit)"))
    }
    public static func tooManyColumns(_ limits: SheetLimits, column: Int) -> DomainError {
        DomainError(.invalid, code: "sheet_too_many_columns", LocalizedText(
            zh: "表头超过 \(limits.maxColumns) 列（上限）：第1行第\(column)列（\(XLSXWriter.columnName(column - 1))列）还有内容；请删除多余的列",
            en: "the header row is wider than \(limits.maxColumns) columns (the limit): column \(XLSXWriter.columnName(column - 1)) of row 1 has content; delete the extra columns"))
    }
    public static func rowGap(_ limits: SheetLimits, after: Int, to: Int) -> DomainError {
        DomainError(.invalid, code: "sheet_row_gap", LocalizedText(
            zh: "表格从第\(after)行直接跳到第\(to)行，中间空了 \(to - after - 1) 行（最多 \(limits.maxRowGap) 行）；请删除多余的空行",
            en: "the sheet jumps from row \(after) to row \(to), \(to - after - 1) empty rows (at most \(limits.maxRowGap)); delete the empty rows"))
    }
    public static func cellTooLong(_ limits: SheetLimits, row: Int?, column: Int?) -> DomainError {
        let whereZh = row.map { r in "第\(r)行" + (column.map { "\(XLSXWriter.columnName($0))列" } ?? "") } ?? "共享字符串中"
        let whereEn = row.map { r in "row \(r)" + (column.map { ", column \(XLSXWriter.columnName($0))" } ?? "") } ?? "a shared string"
        return DomainError(.invalid, code: "sheet_cell_too_long", LocalizedText(
            zh: "\(whereZh)的单元格超过 \(limits.maxCellCharacters) 个字符（上限）", en: "a cell (\(whereEn)) is longer than \(limits.maxCellCharacters) characters (the limit)"))
    }
}

public enum Spreadsheet {
    /// Uploads larger than this are refused before they are parsed.
    public static let maxUploadBytes = 20 * 1024 * 1024

    public static let tooLarge = DomainError(.tooLarge, code: "too_large", LocalizedText(zh: "上传的文件太大（上限 20 MB）", en: "the upload is too large (limit 20 MB)"))

    /// Reads a spreadsheet, telling `.xlsx` from `.csv` by its bytes, not its name.
    public static func read(_ data: Data, filename: String? = nil, limits: SheetLimits = .standard) throws -> SheetTable {
        guard !data.isEmpty else { throw SpreadsheetError.empty }
        guard data.count <= maxUploadBytes else { throw tooLarge }
        let magic = [UInt8](data.prefix(8))
        if magic.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return try XLSXReader.read(data, limits: limits) }
        if magic.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) { throw SpreadsheetError.oldExcel }
        // Binary formats people rename by mistake: images, PDFs, archives.
        let binaryMagics: [[UInt8]] = [[0x89, 0x50, 0x4E, 0x47], [0xFF, 0xD8, 0xFF], [0x25, 0x50, 0x44, 0x46], [0x47, 0x49, 0x46, 0x38], [0x1F, 0x8B], [0x52, 0x61, 0x72, 0x21], [0x37, 0x7A, 0xBC, 0xAF]]
        if binaryMagics.contains(where: { magic.starts(with: $0) }) || data.prefix(4096).contains(0) { throw SpreadsheetError.notSpreadsheet }
        let table = try CSV.read(data, limits: limits)
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

/// Builds the table cell by cell within the limits, for both readers: the header row sets the
/// width, cells right of it are dropped, counts and gaps are checked as they come.
struct TableBuilder {
    let limits: SheetLimits
    var rows: [[String]] = []
    /// Columns kept: the header's last non-empty cell + 1, known once row 1 has ended.
    var width: Int?
    var cells = 0
    var textBytes = 0

    init(limits: SheetLimits) { self.limits = limits }

    /// Row `index` (0-based) is about to start; rows skipped before it stay empty, so row
    /// numbers in errors match the sheet.
    mutating func startRow(_ index: Int) throws {
        guard index >= 0 else { throw SpreadsheetError.broken("row number") }
        if index - rows.count > limits.maxRowGap { throw SpreadsheetError.rowGap(limits, after: rows.count, to: index + 1) }
        guard index < limits.maxRows else { throw SpreadsheetError.tooManyRows(limits) }
        while rows.count < index { rows.append([]) }
    }

    /// Whether a cell in this column is kept at all (so its text need not even be collected).
    func keeps(row: Int, column: Int) -> Bool {
        if row == 0 { return column < 16_384 }
        return column < (width ?? 0)
    }

    /// Adds one cell's text to `row`, which is being built for row `index`.
    mutating func add(_ text: String, column: Int, to row: inout [String], index: Int) throws {
        guard keeps(row: index, column: column) else { return }
        if index == 0, column >= limits.maxColumns {
            // Styled empty cells far right are common; content there is not.
            if text.trimmingCharacters(in: .whitespaces).isEmpty { return }
            throw SpreadsheetError.tooManyColumns(limits, column: column + 1)
        }
        cells += max(1, column + 1 - row.count)
        if cells > limits.maxCells { throw SpreadsheetError.tooManyCells(limits) }
        textBytes += text.utf8.count
        if textBytes > limits.maxTextBytes { throw SpreadsheetError.textTooLarge(limits) }
        while row.count < column { row.append("") }
        if row.count == column { row.append(text) } else { row[column] = text }
    }

    /// Row `index` has ended.
    mutating func endRow(_ row: [String], index: Int) {
        var row = row
        if index == 0 {
            while let last = row.last, last.trimmingCharacters(in: .whitespaces).isEmpty { row.removeLast() }
            width = row.count
        }
        while rows.count <= index { rows.append([]) }
        rows[index] = row
    }

    func table() -> SheetTable {
        var rows = self.rows
        while let last = rows.last, last.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { rows.removeLast() }
        return SheetTable(rows: rows)
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
    /// Works on the UTF-8 bytes (every separator is ASCII), within `limits`: a cell longer than
    /// Excel allows is refused as soon as it passes the limit, not after it has been read whole.
    public static func read(_ data: Data, limits: SheetLimits = .standard) throws -> SheetTable {
        let bytes = Array(try decode(data).utf8)
        let quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        let firstLineEnd = bytes.firstIndex { $0 == cr || $0 == lf } ?? bytes.count
        let candidates: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: "\t"), UInt8(ascii: ";")]
        let counts = candidates.map { c in bytes[..<firstLineEnd].reduce(0) { $0 + ($1 == c ? 1 : 0) } }
        var sep = candidates[0]
        for (c, n) in zip(candidates, counts) where n > counts[candidates.firstIndex(of: sep)!] { sep = c }

        var builder = TableBuilder(limits: limits)
        var rowIndex = 0
        var row: [String] = []
        var column = 0
        var field: [UInt8] = []
        var scalars = 0
        var inQuotes = false
        var rowStarted = false
        func endField() throws {
            if builder.keeps(row: rowIndex, column: column) {
                try builder.add(String(decoding: field, as: UTF8.self), column: column, to: &row, index: rowIndex)
            }
            field.removeAll(keepingCapacity: true)
            scalars = 0
            column += 1
        }
        func endRow() throws {
            try endField()
            builder.endRow(row, index: rowIndex)
            row = []
            column = 0
            rowIndex += 1
            rowStarted = false
            if rowIndex >= limits.maxRows { throw SpreadsheetError.tooManyRows(limits) }
        }
        func append(_ b: UInt8) throws {
            // Only kept columns cost memory; a scalar starts at every byte that is not 10xxxxxx.
            guard builder.keeps(row: rowIndex, column: column) else { return }
            field.append(b)
            if b & 0xC0 != 0x80 {
                scalars += 1
                if scalars > limits.maxCellCharacters { throw SpreadsheetError.cellTooLong(limits, row: rowIndex + 1, column: column) }
            }
        }
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            rowStarted = true
            if inQuotes {
                if c == quote {
                    if i + 1 < n, bytes[i + 1] == quote { try append(quote); i += 2; continue }
                    inQuotes = false
                } else {
                    try append(c)
                }
                i += 1
                continue
            }
            switch c {
            case quote where field.isEmpty && scalars == 0: inQuotes = true
            case sep: try endField()
            case cr:
                try endRow()
                if i + 1 < n, bytes[i + 1] == lf { i += 1 }
            case lf: try endRow()
            default: try append(c)
            }
            i += 1
        }
        if rowStarted && (!field.isEmpty || !row.isEmpty || column > 0) { try endRow() }
        return builder.table()
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
    struct Overflow: Error {}

    static func read(_ data: Data, limits: SheetLimits) throws -> SheetTable {
        let archive: Archive
        do { archive = try Archive(data: data, accessMode: .read) } catch { throw SpreadsheetError.broken("zip") }
        // Every part read counts against one budget, whatever its header claims.
        var budget = limits.maxUnzippedBytes
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("xq-sheet-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        func find(_ path: String) -> Entry? {
            archive[path.hasPrefix("/") ? String(path.dropFirst()) : path]
        }
        /// Streams an entry through `sink`, stopping the moment the budget is spent.
        func stream(_ e: Entry, _ sink: (Data) throws -> Void) throws {
            if e.uncompressedSize > UInt64(budget) { throw SpreadsheetError.unzippedTooLarge(limits) }
            do {
                _ = try archive.extract(e, bufferSize: 64 * 1024, skipCRC32: true) { chunk in
                    budget -= chunk.count
                    if budget < 0 { throw Overflow() }
                    try sink(chunk)
                }
            } catch is Overflow {
                throw SpreadsheetError.unzippedTooLarge(limits)
            } catch let d as DomainError {
                throw d
            } catch {
                throw SpreadsheetError.broken(e.path)
            }
        }
        /// Small parts (the workbook, its relationships) in memory, at most 4 MB each.
        func small(_ path: String) throws -> Data? {
            guard let e = find(path) else { return nil }
            var out = Data()
            try stream(e) { chunk in
                out.append(chunk)
                if out.count > 4 * 1024 * 1024 { throw SpreadsheetError.broken("\(e.path) larger than 4 MB") }
            }
            return out
        }
        /// Large parts (shared strings, the sheet) go to a temporary file, read back as a stream.
        func spooled(_ path: String) throws -> URL? {
            guard let e = find(path) else { return nil }
            let url = scratch.appendingPathComponent(UUID().uuidString)
            guard FileManager.default.createFile(atPath: url.path, contents: nil), let handle = FileHandle(forWritingAtPath: url.path) else {
                throw SpreadsheetError.broken("temporary file")
            }
            defer { try? handle.close() }
            try stream(e) { chunk in handle.write(chunk) }
            return url
        }

        guard let workbook = try small("xl/workbook.xml") else {
            // A zip, but not a workbook (a .docx, a renamed archive).
            throw SpreadsheetError.notSpreadsheet
        }
        // First sheet in workbook order, resolved through the relationships.
        let sheets = XMLCollector.collect(workbook, element: "sheet", attributes: ["r:id", "id", "name"])
        guard let first = sheets.first else { throw SpreadsheetError.broken("no sheet") }
        var sheetPath = "xl/worksheets/sheet1.xml"
        if let rid = first["r:id"] ?? first["id"], let relsData = try small("xl/_rels/workbook.xml.rels") {
            let rels = XMLCollector.collect(relsData, element: "Relationship", attributes: ["Id", "Target"])
            if let target = rels.first(where: { $0["Id"] == rid })?["Target"] {
                sheetPath = target.hasPrefix("/") ? String(target.dropFirst()) : (target.hasPrefix("xl/") ? target : "xl/" + target)
            }
        }
        var shared: [String] = []
        var textBytes = 0
        if let ss = try spooled("xl/sharedStrings.xml") {
            (shared, textBytes) = try SharedStringsParser.parse(ss, limits: limits)
        }
        guard let sheet = try spooled(sheetPath) else { throw SpreadsheetError.broken("missing \(sheetPath)") }
        return try SheetParser.parse(sheet, shared: shared, limits: limits, textBytes: textBytes)
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
        guard localName(name) == element, found.count < 10_000 else { return }
        var out: [String: String] = [:]
        for (k, v) in attrs {
            if attributes.contains(k) { out[k] = v }
            // r:id may come with another prefix; keep it under "r:id".
            if k.hasSuffix(":id") { out["r:id"] = v }
        }
        found.append(out)
    }
}

/// A parser fed in chunks from a file: handed a whole 10 MB+ sheet at once, libxml2's push
/// parser stops with an internal error ("huge input lookup"); from a stream it reads piece by
/// piece, and the file keeps the unzipped part out of memory.
func xmlParser(_ url: URL) throws -> XMLParser {
    guard let stream = InputStream(url: url) else { throw SpreadsheetError.broken("temporary file") }
    return XMLParser(stream: stream)
}

@inline(__always) func localName(_ name: String) -> Substring {
    if let i = name.lastIndex(of: ":") { return name[name.index(after: i)...] }
    return Substring(name)
}

/// `<si>` items; rich text runs (`<r><t>`) are joined, phonetic runs (`<rPh>`) skipped.
final class SharedStringsParser: NSObject, XMLParserDelegate {
    let limits: SheetLimits
    var strings: [String] = []
    var current = ""
    var currentLength = 0
    var textBytes = 0
    var inT = false
    var inPhonetic = false
    var failure: DomainError?

    init(limits: SheetLimits) { self.limits = limits }

    static func parse(_ url: URL, limits: SheetLimits) throws -> ([String], textBytes: Int) {
        let d = SharedStringsParser(limits: limits)
        let p = try xmlParser(url)
        p.delegate = d
        _ = p.parse()
        if let f = d.failure { throw f }
        return (d.strings, d.textBytes)
    }

    func fail(_ e: DomainError, _ parser: XMLParser) {
        if failure == nil { failure = e }
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        switch localName(name) {
        case "si": current = ""; currentLength = 0
        case "t": inT = !inPhonetic
        case "rPh": inPhonetic = true
        default: break
        }
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch localName(name) {
        case "si":
            strings.append(current)
            if strings.count > limits.maxCells { fail(SpreadsheetError.tooManyCells(limits), parser) }
        case "t": inT = false
        case "rPh": inPhonetic = false
        default: break
        }
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard inT, failure == nil else { return }
        currentLength += string.unicodeScalars.count
        textBytes += string.utf8.count
        if currentLength > limits.maxCellCharacters { return fail(SpreadsheetError.cellTooLong(limits, row: nil, column: nil), parser) }
        if textBytes > limits.maxTextBytes { return fail(SpreadsheetError.textTooLarge(limits), parser) }
        current += string
    }
}

/// Cells of one worksheet, placed by their `r` reference so skipped cells stay empty.
final class SheetParser: NSObject, XMLParserDelegate {
    let shared: [String]
    var builder: TableBuilder
    var rowIndex = -1
    var row: [String] = []
    var inRow = false
    var cellRef: String?
    var cellType: String?
    var cellColumn = 0
    var keepCell = false
    var value = ""
    var valueLength = 0
    var collecting = false
    var inInline = false
    var nextColumn = 0
    var failure: String?
    var limitError: DomainError?

    init(shared: [String], limits: SheetLimits, textBytes: Int) {
        self.shared = shared
        builder = TableBuilder(limits: limits)
        // Shared strings are text of the workbook too.
        builder.textBytes = textBytes
    }

    static func parse(_ url: URL, shared: [String], limits: SheetLimits = .standard, textBytes: Int = 0) throws -> SheetTable {
        let d = SheetParser(shared: shared, limits: limits, textBytes: textBytes)
        let p = try xmlParser(url)
        p.delegate = d
        let ok = p.parse()
        if let e = d.limitError { throw e }
        if !ok { throw SpreadsheetError.broken(d.failure ?? "sheet XML") }
        if let f = d.failure { throw SpreadsheetError.broken(f) }
        return d.builder.table()
    }

    static func columnIndex(_ ref: String) -> Int? {
        var n = 0
        var any = false
        for u in ref.unicodeScalars {
            guard u.value >= 65 && u.value <= 90 else { break }
            n = n * 26 + Int(u.value - 64); any = true
            if n > 16_384 { return nil }
        }
        return any ? n - 1 : nil
    }

    static func rowNumber(_ ref: String) -> Int? { Int(ref.drop { $0.isLetter }) }

    func stop(_ e: DomainError, _ parser: XMLParser) {
        if limitError == nil { limitError = e }
        parser.abortParsing()
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        guard limitError == nil else { return }
        switch localName(name) {
        case "row":
            let r: Int
            if let raw = attributes["r"] {
                guard let n = Int(raw), n >= 1 else { return stop(SpreadsheetError.broken("row number \(raw.prefix(12))"), parser) }
                r = n - 1
            } else {
                r = rowIndex + 1
            }
            do { try builder.startRow(r) } catch let e as DomainError { return stop(e, parser) } catch { return }
            rowIndex = r
            row = []
            inRow = true
            nextColumn = 0
        case "c":
            cellRef = attributes["r"]
            cellType = attributes["t"]
            cellColumn = cellRef.flatMap(SheetParser.columnIndex) ?? nextColumn
            keepCell = inRow && builder.keeps(row: rowIndex, column: cellColumn)
            value = ""
            valueLength = 0
        case "v": collecting = keepCell; value = ""; valueLength = 0
        case "is": inInline = true; value = ""; valueLength = 0
        case "t": if inInline { collecting = keepCell }
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard limitError == nil else { return }
        switch localName(name) {
        case "v", "t": collecting = false
        case "is": inInline = false
        case "c":
            defer { nextColumn = cellColumn + 1; cellRef = nil; cellType = nil; keepCell = false }
            guard keepCell else { return }
            var text = value
            switch cellType {
            case "s":
                if let i = Int(value.trimmingCharacters(in: .whitespaces)), i >= 0, i < shared.count { text = shared[i] }
                else { failure = "shared string \(value.prefix(12))" }
            case "b": text = value == "1" ? "TRUE" : "FALSE"
            case "e": text = ""
            default: break
            }
            do { try builder.add(text, column: cellColumn, to: &row, index: rowIndex) } catch let e as DomainError { stop(e, parser) } catch {}
        case "row":
            if rowIndex >= 0 { builder.endRow(row, index: rowIndex) }
            row = []
            inRow = false
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        guard collecting, limitError == nil else { return }
        valueLength += string.unicodeScalars.count
        if valueLength > builder.limits.maxCellCharacters {
            return stop(SpreadsheetError.cellTooLong(builder.limits, row: rowIndex + 1, column: cellColumn), parser)
        }
        value += string
    }
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
        if failure == nil { failure = "XML: \(parseError.localizedDescription)" }
    }
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

    static func escape(_ s: String) -> String { XMLText.escape(s) }
}

/// Text inside Office Open XML (the `.xlsx` and `.docx` writers): markup characters escaped, and
/// the characters XML 1.0 does not allow (controls but tab and line ends, U+FFFE, U+FFFF) dropped.
enum XMLText {
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
                if (u.value < 0x20 && u != "\n" && u != "\t" && u != "\r") || u.value == 0xFFFE || u.value == 0xFFFF { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
