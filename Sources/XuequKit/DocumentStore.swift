import Foundation
import Vapor
import XuequCore
import ZIPFoundation

/// Uploaded documents (scans of certificates, photos, reports), kept as files under
/// `<data dir>/documents`, each named by the SHA-256 of its bytes: the same file is stored once,
/// and a stored file cannot change without its name changing. Rows in the database point at the
/// hash. With several app processes the directory must be shared storage.
public struct DocumentStore: Sendable {
    public let root: String
    public init(root: String) { self.root = root }

    /// The types people may upload, told from the bytes, never from the name or the header.
    public enum MediaKind: String, Sendable, CaseIterable {
        case pdf, jpeg, png
        /// Office Open XML documents (lesson slides, handouts, sheets): a ZIP whose entries say which.
        case docx, pptx, xlsx
        public var contentType: String {
            switch self {
            case .pdf: "application/pdf"; case .jpeg: "image/jpeg"; case .png: "image/png"
            case .docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            case .pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
        public var fileExtension: String { self == .jpeg ? "jpg" : rawValue }
        public var isImage: Bool { self == .jpeg || self == .png }
        /// Scans and photos: what certificates and applications accept.
        public static let scans: [MediaKind] = [.pdf, .jpeg, .png]
    }

    public static let maxBytes = 5 * 1024 * 1024

    public static func sniff(_ data: Data) -> MediaKind? {
        let head = [UInt8](data.prefix(8))
        if head.starts(with: Array("%PDF-".utf8)) { return .pdf }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return ooxml(data) }
        return nil
    }

    /// An Office Open XML package, checked as one: a ZIP that opens, with the package
    /// relationships, a content-types part that declares the main part's content type, and that
    /// main part present. Two entry names anywhere in a ZIP were once enough (issue 27).
    static func ooxml(_ data: Data) -> MediaKind? {
        guard let archive = try? Archive(data: data, accessMode: .read), archive["_rels/.rels"] != nil,
              let typesEntry = archive["[Content_Types].xml"], typesEntry.uncompressedSize <= 256 * 1024 else { return nil }
        var types = Data()
        do {
            _ = try archive.extract(typesEntry, bufferSize: 16 * 1024, skipCRC32: true) { chunk in
                types.append(chunk)
                if types.count > 256 * 1024 { throw CocoaError(.fileReadTooLarge) }
            }
        } catch { return nil }
        guard let text = String(data: types, encoding: .utf8), text.contains("<Types") else { return nil }
        let kinds: [(MediaKind, part: String, type: String)] = [
            (.docx, "word/document.xml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
            (.pptx, "ppt/presentation.xml", "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
            (.xlsx, "xl/workbook.xml", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
        ]
        for k in kinds where archive[k.part] != nil && text.contains("PartName=\"/\(k.part)\"") && text.contains(k.type) { return k.0 }
        return nil
    }

    /// Checks an upload: not empty, at most `limit` bytes (5 MB unless said), of an allowed kind
    /// by its bytes (PDF, JPEG or PNG unless said). `field` names the form field in the error.
    public static func check(_ data: Data, field: String, allowed: [MediaKind] = MediaKind.scans, limit: Int = maxBytes) throws -> MediaKind {
        if data.isEmpty { throw DomainError.validation([field: LocalizedText(zh: "文件是空的", en: "the file is empty")]) }
        if data.count > limit {
            let mb = limit / (1024 * 1024)
            throw DomainError(.tooLarge, code: "too_large", LocalizedText(zh: "文件超过 \(mb) MB（\(data.count / 1024) KB）", en: "the file is larger than \(mb) MB (\(data.count / 1024) KB)"),
                              fields: [field: LocalizedText(zh: "文件超过 \(mb) MB", en: "larger than \(mb) MB")])
        }
        guard let kind = sniff(data), allowed.contains(kind) else {
            let names = allowed.map { $0.rawValue.uppercased() }.joined(separator: "、")
            throw DomainError(.invalid, code: "unsupported_type", LocalizedText(zh: "只接受 \(names) 文件（按文件内容判断，不看扩展名）", en: "only \(names) files are accepted (judged by the content, not the name)"),
                              fields: [field: LocalizedText(zh: "只接受 \(names) 文件", en: "only \(names) files")])
        }
        return kind
    }

    public static func hash(_ data: Data) -> String { SHA256.hash(data: data).hexString }

    func path(_ hash: String) -> String {
        (root as NSString).appendingPathComponent("\(hash.prefix(2))/\(hash)")
    }

    /// Stores the bytes (once) and returns their hash. Written to a temporary file, flushed, then
    /// renamed into place, so a crash never leaves a half-written document under its hash.
    @discardableResult
    public func put(_ data: Data) throws -> String {
        let hash = Self.hash(data)
        let target = path(hash)
        let fm = FileManager.default
        if fm.fileExists(atPath: target) { return hash }
        let dir = (target as NSString).deletingLastPathComponent
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let temp = dir + "/.\(hash).\(UUID().uuidString).tmp"
        guard fm.createFile(atPath: temp, contents: nil) else { throw DomainError(.badRequest, code: "store_failed", LocalizedText(zh: "文件无法保存", en: "the file could not be stored")) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temp))
        try handle.write(contentsOf: data)
        try handle.synchronize()
        try handle.close()
        if rename(temp, target) != 0 {
            try? fm.removeItem(atPath: temp)
            throw DomainError(.badRequest, code: "store_failed", LocalizedText(zh: "文件无法保存", en: "the file could not be stored"))
        }
        return hash
    }

    /// The stored bytes, checked against their hash (nil when missing or damaged).
    public func get(_ hash: String) -> Data? {
        guard hash.count == 64, hash.allSatisfy(\.isHexDigit), let data = FileManager.default.contents(atPath: path(hash)) else { return nil }
        return Self.hash(data) == hash ? data : nil
    }
}

struct DocumentStoreKey: StorageKey { typealias Value = DocumentStore }

extension Application {
    /// Set by configure from the data directory.
    public var documents: DocumentStore {
        get { storage[DocumentStoreKey.self] ?? DocumentStore(root: NSTemporaryDirectory() + "xuequ-documents") }
        set { storage[DocumentStoreKey.self] = newValue }
    }
}

extension DocumentStore {
    /// A one-page PDF with a line of (ASCII) text, for the demo county's uploaded scans and evidence.
    public static func demoPDF(_ line: String) -> Data {
        let text = String(line.unicodeScalars.filter { $0.isASCII && $0 != "(" && $0 != ")" && $0 != "\\" }.map(Character.init))
        let stream = "BT /F1 20 Tf 72 760 Td (\(text)) Tj ET"
        return Data("""
            %PDF-1.4
            1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj
            2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj
            3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources <</Font <</F1 5 0 R>>>>>> endobj
            4 0 obj <</Length \(stream.utf8.count)>> stream
            \(stream)
            endstream endobj
            5 0 obj <</Type /Font /Subtype /Type1 /BaseFont /Helvetica>> endobj
            trailer <</Root 1 0 R>>
            %%EOF
            """.utf8)
    }
}
