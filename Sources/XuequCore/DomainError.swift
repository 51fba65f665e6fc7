/// Every module's failures become one of these; the web edge maps `kind` to a status and
/// renders `message` in the reader's language (HTML page or JSON).
public struct DomainError: Error, Sendable {
    public enum Kind: Sendable {
        case badRequest, unauthorized, forbidden, notFound, conflict, invalid, tooLarge, locked
        public var status: Int {
            switch self {
            case .badRequest: 400; case .unauthorized: 401; case .forbidden: 403; case .notFound: 404
            case .conflict: 409; case .invalid: 422; case .tooLarge: 413; case .locked: 423
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
    public var rows: [RowError]

    public init(_ kind: Kind, code: String, _ message: LocalizedText, fields: [String: LocalizedText] = [:], rows: [RowError] = []) {
        self.kind = kind; self.code = code; self.message = message; self.fields = fields; self.rows = rows
    }

    public static let forbidden = DomainError(.forbidden, code: "forbidden", LocalizedText(zh: "您没有权限进行此操作", en: "you are not allowed to do this"))
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
