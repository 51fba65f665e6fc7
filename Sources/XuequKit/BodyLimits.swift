import Foundation
import NIOCore
import Vapor
import XuequCore

/// What a request's query string and body may hold before anything decodes them.
///
/// Vapor's form decoder builds its nested dictionary by copying it on every field: 2,000
/// bracketed fields took 1.2 s and 20,000 took 40 s, on whichever thread decoded them, and an
/// anonymous `POST /login` was enough to freeze the server (issue 27). Every request is scanned
/// here first, in one linear pass over its bytes, and refused at once when it holds more than any
/// of Xuequ's forms ever sends: 413 for too many fields, parts or elements, 400 for keys or JSON
/// nested too deep. The largest real form is a rotation plan's editor (six fields a move).
public struct BodyLimits: Sendable {
    /// Fields in one url-encoded body or query string.
    public var formFields = 1_000
    /// `[` in one form key: `moves[3][to]` is two.
    public var formKeyDepth = 2
    /// Nesting of JSON objects and arrays.
    public var jsonDepth = 16
    /// Elements of any one JSON array, and members of any one object.
    public var jsonElements = 5_000
    /// Parts of one multipart body.
    public var multipartParts = 50
    public init() {}

    public enum Refusal: Equatable, Sendable {
        case tooManyFields(Int)
        case keyTooDeep(String)
        case jsonTooDeep
        case tooManyElements(Int)
        case tooManyParts(Int)

        public var error: DomainError {
            switch self {
            case .tooManyFields(let limit):
                DomainError(
                    .tooLarge, code: "too_many_fields", LocalizedText(zh: "提交的字段过多（最多\(limit)个）", en: "too many fields in the request (at most \(limit))"))
            case .keyTooDeep(let key):
                DomainError(
                    .badRequest, code: "field_name_too_deep",
                    LocalizedText(zh: "字段名“\(key.prefix(40))”的层级过多", en: "the field name “\(key.prefix(40))” is nested too deep"))
            case .jsonTooDeep:
                DomainError(.badRequest, code: "json_too_deep", LocalizedText(zh: "JSON 嵌套层级过多", en: "the JSON is nested too deep"))
            case .tooManyElements(let limit):
                DomainError(
                    .tooLarge, code: "too_many_elements",
                    LocalizedText(zh: "JSON 中的列表过长（每个列表最多\(limit)项）", en: "a JSON list is too long (at most \(limit) items each)"))
            case .tooManyParts(let limit):
                DomainError(.tooLarge, code: "too_many_parts", LocalizedText(zh: "上传的部分过多（最多\(limit)个）", en: "too many parts in the upload (at most \(limit))"))
            }
        }
    }

    /// Checks a url-encoded text (a body or a query string): its field count and each key's depth.
    public func checkForm<C: Collection>(_ bytes: C) -> Refusal? where C.Element == UInt8 {
        var fields = 0, depth = 0, inKey = true, keyStart = bytes.startIndex, sawAny = false
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let b = bytes[i]
            sawAny = true
            switch b {
            case UInt8(ascii: "&"):
                fields += 1
                if fields >= formFields { return .tooManyFields(formFields) }
                depth = 0; inKey = true; keyStart = bytes.index(after: i)
            case UInt8(ascii: "="):
                inKey = false
            case UInt8(ascii: "[") where inKey:
                depth += 1
                if depth > formKeyDepth { return .keyTooDeep(Self.key(bytes, from: keyStart)) }
            case UInt8(ascii: "%") where inKey:
                // `%5B` decodes to `[` before the decoder splits the key.
                let a = bytes.index(i, offsetBy: 1, limitedBy: bytes.endIndex) ?? bytes.endIndex
                let c = a == bytes.endIndex ? bytes.endIndex : (bytes.index(a, offsetBy: 1, limitedBy: bytes.endIndex) ?? bytes.endIndex)
                if a != bytes.endIndex, c != bytes.endIndex, bytes[a] == UInt8(ascii: "5"), bytes[c] | 0x20 == UInt8(ascii: "b") {
                    depth += 1
                    if depth > formKeyDepth { return .keyTooDeep(Self.key(bytes, from: keyStart)) }
                }
            default: break
            }
            i = bytes.index(after: i)
        }
        if sawAny, fields + 1 > formFields { return .tooManyFields(formFields) }
        return nil
    }

    static func key<C: Collection>(_ bytes: C, from start: C.Index) -> String where C.Element == UInt8 {
        var out: [UInt8] = []
        var i = start
        while i != bytes.endIndex, bytes[i] != UInt8(ascii: "="), bytes[i] != UInt8(ascii: "&"), out.count < 60 {
            out.append(bytes[i]); i = bytes.index(after: i)
        }
        let raw = String(decoding: out, as: UTF8.self)
        return raw.removingPercentEncoding ?? raw
    }

    /// Checks a JSON text's nesting and the length of each array and object, outside strings.
    public func checkJSON<C: Collection>(_ bytes: C) -> Refusal? where C.Element == UInt8 {
        var counts: [Int] = []  // elements seen so far per open container (commas + 1)
        var inString = false, escaped = false
        for b in bytes {
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                counts.append(1)
                if counts.count > jsonDepth { return .jsonTooDeep }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if !counts.isEmpty { counts.removeLast() }
            case UInt8(ascii: ","):
                if !counts.isEmpty {
                    counts[counts.count - 1] += 1
                    if counts[counts.count - 1] > jsonElements { return .tooManyElements(jsonElements) }
                }
            default: break
            }
        }
        return nil
    }

    /// Counts the parts of a multipart body by its boundary lines.
    public func checkMultipart(_ buffer: ByteBuffer, boundary: String) -> Refusal? {
        guard !boundary.isEmpty else { return nil }
        let needle = Array(("--" + boundary).utf8)
        var parts = 0
        buffer.withUnsafeReadableBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard bytes.count >= needle.count else { return }
            var i = 0
            let last = bytes.count - needle.count
            while i <= last {
                if bytes[i] == needle[0] {
                    var j = 1
                    while j < needle.count, bytes[i + j] == needle[j] { j += 1 }
                    if j == needle.count { parts += 1; i += needle.count; continue }
                }
                i += 1
            }
        }
        // n boundary lines delimit n - 1 parts.
        return parts - 1 > multipartParts ? .tooManyParts(multipartParts) : nil
    }
}

struct BodyLimitsKey: StorageKey { typealias Value = BodyLimits }

extension Application {
    public var bodyLimits: BodyLimits {
        get { storage[BodyLimitsKey.self] ?? BodyLimits() }
        set { storage[BodyLimitsKey.self] = newValue }
    }
}

/// Scans every request's query string and body against `BodyLimits` before any route decodes
/// them. The body is collected here (uploads up to 20 MB, everything else 1 MB, as the routes
/// would); a refusal is answered at once, before a session is read.
public struct BodyLimitsMiddleware: Middleware {
    public init() {}

    public static func maxBody(_ request: Request) -> Int {
        request.headers.contentType?.type == "multipart" ? 20 * 1024 * 1024 : 1024 * 1024
    }

    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let limits = request.application.bodyLimits
        if let q = request.url.query, let refusal = limits.checkForm(q.utf8) {
            return request.eventLoop.makeFailedFuture(refusal.error)
        }
        guard [.POST, .PUT, .PATCH, .DELETE].contains(request.method), let type = request.headers.contentType else { return next.respond(to: request) }
        let isForm = type.type == "application" && type.subType == "x-www-form-urlencoded"
        let isJSON = type.type == "application" && type.subType == "json"
        let isMultipart = type.type == "multipart"
        guard isForm || isJSON || isMultipart else { return next.respond(to: request) }
        let collected: EventLoopFuture<ByteBuffer?> =
            request.body.data != nil
            ? request.eventLoop.makeSucceededFuture(request.body.data)
            : request.body.collect(max: Self.maxBody(request))
        return collected.flatMap { body in
            guard let body else { return next.respond(to: request) }
            let refusal: BodyLimits.Refusal?
            if isForm {
                refusal = body.withUnsafeReadableBytes { limits.checkForm($0) }
            } else if isJSON {
                refusal = body.withUnsafeReadableBytes { limits.checkJSON($0) }
            } else {
                refusal = limits.checkMultipart(body, boundary: type.parameters["boundary"] ?? "")
            }
            if let refusal { return request.eventLoop.makeFailedFuture(refusal.error) }
            return next.respond(to: request)
        }
    }
}
