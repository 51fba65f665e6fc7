/// Every module's failures become one of these; the web edge maps `kind` to a status and
/// renders `message` in the reader's language (HTML page or JSON).
public struct DomainError: Error, Sendable {
    public enum Kind: Sendable {
        case badRequest, unauthorized, forbidden, notFound, conflict, invalid, tooLarge, locked, tooManyRequests
        /// The server cannot take it now (it is stopping): try again.
        case unavailable
        /// What was asked for existed and is over for good (a closed survey round).
        case gone
        public var status: Int {
            switch self {
            case .badRequest: 400; case .unauthorized: 401; case .forbidden: 403; case .notFound: 404
            case .conflict: 409; case .invalid: 422; case .tooLarge: 413; case .locked: 423; case .tooManyRequests: 429
            case .unavailable: 503; case .gone: 410
            }
        }
    }

    /// One spreadsheet row's problem; `row` counts as the spreadsheet shows it (header = 1).
    public struct RowError: Sendable, Codable, Hashable {
        public let row: Int
        public let column: String
        public let reason: LocalizedText
        public init(row: Int, column: String, reason: LocalizedText) { self.row = row; self.column = column; self.reason = reason }
    }

    public let kind: Kind
    public let code: String
    public let message: LocalizedText
    public var fields: [String: LocalizedText]
    /// The first `RowErrorList.listed` row problems; `rowTotal` counts them all.
    public var rows: [RowError]
    public var rowTotal: Int
    /// Seconds, for a 429: sent as `Retry-After`.
    public var retryAfter: Int?

    public init(_ kind: Kind, code: String, _ message: LocalizedText, fields: [String: LocalizedText] = [:], rows: [RowError] = [], rowTotal: Int? = nil,
                retryAfter: Int? = nil) {
        self.kind = kind; self.code = code; self.message = message; self.fields = fields
        self.rows = Array(rows.prefix(RowErrorList.listed)); self.rowTotal = max(rowTotal ?? rows.count, rows.count)
        self.retryAfter = retryAfter
    }

    /// A 429 naming what was too often and when to come back.
    public static func tooManyRequests(_ code: String, _ message: LocalizedText, retryAfter seconds: Int) -> DomainError {
        DomainError(.tooManyRequests, code: code, message, retryAfter: max(1, seconds))
    }

    public static let forbidden = DomainError(.forbidden, code: "forbidden", LocalizedText(zh: "您没有权限进行此操作", en: "you are not allowed to do this"))
    /// Signed in with a one-time password not yet replaced: nothing is allowed but choosing one.
    public static let passwordChangeRequired = DomainError(.forbidden, code: "password_change_required", LocalizedText(zh: "请先修改管理员设置的初始密码，之后才能使用各项功能", en: "choose your own password first: the one an administrator set allows nothing else"))
    public static let unauthorized = DomainError(.unauthorized, code: "unauthorized", LocalizedText(zh: "请先登录", en: "please sign in"))
    public static func notFound(_ what: LocalizedText) -> DomainError {
        DomainError(.notFound, code: "not_found", LocalizedText(zh: "未找到\(what.zh)", en: "\(what.en) not found"))
    }
    /// A 422 naming the fields at fault.
    public static func validation(_ fields: [String: LocalizedText]) -> DomainError {
        let names = fields.keys.sorted().joined(separator: ", ")
        let zh = fields.keys.sorted().map { "\($0)：\(fields[$0]!.zh)" }.joined(separator: "；")
        let en = fields.keys.sorted().map { "\($0): \(fields[$0]!.en)" }.joined(separator: "; ")
        return DomainError(.invalid, code: "validation_failed", LocalizedText(zh: "输入有误（\(names)）：\(zh)", en: "invalid input — \(en)"), fields: fields)
    }
    public static func conflict(_ code: String, _ message: LocalizedText) -> DomainError { DomainError(.conflict, code: code, message) }
}

/// Collects field problems, then throws them all at once.
public struct FieldErrors: Sendable {
    public private(set) var fields: [String: LocalizedText] = [:]
    public init() {}
    public mutating func add(_ field: String, _ zh: String, _ en: String) { if fields[field] == nil { fields[field] = LocalizedText(zh: zh, en: en) } }
    public mutating func add(_ field: String, _ text: LocalizedText) { if fields[field] == nil { fields[field] = text } }
    public var isEmpty: Bool { fields.isEmpty }
    public func throwIfAny() throws { if !fields.isEmpty { throw DomainError.validation(fields) } }
}

/// Row problems of an import, kept within bounds: 200,000 bad rows must not become 200,000
/// objects in memory or 15 MB of JSON. The rows with the lowest numbers are kept (the ones a
/// person fixes first), every problem is counted, and so is every row that has one.
public struct RowErrorList: Sendable {
    /// How many problems an answer lists.
    public static let listed = 200
    public private(set) var kept: [DomainError.RowError] = []
    public private(set) var count = 0
    public private(set) var rowsWithErrors = Set<Int>()
    public init() {}

    public var isEmpty: Bool { count == 0 }

    public mutating func append(_ e: DomainError.RowError) {
        count += 1
        rowsWithErrors.insert(e.row)
        kept.append(e)
        if kept.count >= 4 * Self.listed { trim() }
    }

    mutating func trim() {
        kept.sort { ($0.row, $0.column) < ($1.row, $1.column) }
        kept.removeLast(max(0, kept.count - Self.listed))
    }

    /// The first problems by row and column.
    public var first: [DomainError.RowError] {
        Array(kept.sorted { ($0.row, $0.column) < ($1.row, $1.column) }.prefix(Self.listed))
    }
}

extension String {
    /// At most `limit` characters of what someone typed, for quoting it back in a message.
    public func clipped(_ limit: Int = 30) -> String {
        var n = 0
        var end = startIndex
        while end < endIndex, n < limit { end = index(after: end); n += 1 }
        return end == endIndex ? self : String(self[..<end]) + "…"
    }
}
