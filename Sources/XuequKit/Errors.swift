import Fluent
import Foundation
import Vapor
import XuequCore

/// JSON error body (CONTRACT "Errors"). `fields` for 422 validation failures, `errors` for
/// spreadsheet rows.
public struct ErrorBody: Content {
    public struct Row: Content {
        public let row: Int; public let column: String; public let reason: String
        public init(row: Int, column: String, reason: String) { self.row = row; self.column = column; self.reason = reason }
    }
    public let error: Bool
    public let reason: String
    public let code: String
    public let requestId: String
    public let fields: [String: String]?
    public let errors: [Row]?
    /// How many row problems there are in all when `errors` lists only the first of them.
    public let errorsTotal: Int?
    /// How many fields have a problem in all when `fields` lists only the first `listedFields`.
    public var fieldsTotal: Int? = nil

    /// Field problems listed in one answer: a plan of 4,999 copies of one move once came back as a
    /// 593 KB error (issue 27). The first ones in the order a person reads them (moves[2] before moves[10]).
    public static let listedFields = 100
    static func listed(_ fields: [String: LocalizedText]) -> [String] {
        Array(fields.keys.sorted { $0.compare($1, options: .numeric) == .orderedAscending }.prefix(listedFields))
    }
}

struct ErrorPage: Encodable, Sendable {
    let layout: Layout
    let status: Int
    let message: String
    let fields: [String]
    let rows: [ErrorBody.Row]
    let requestId: String
    let signIn: Bool
}

/// The one place where failures become responses: domain errors keep their status and
/// message; anything unexpected becomes a 500 that shows no internals, logged with the request id.
public struct XuequErrorMiddleware: Middleware {
    public init() {}

    /// With futures: a request that succeeds starts no task here; an error is rendered in one.
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapError { error in
            request.eventLoop.makeFutureWithTask { await render(error, for: request) }
        }
    }

    static func domainError(from error: any Error, request: Request) -> DomainError {
        switch error {
        case let d as DomainError: return d
        case let abort as any AbortError:
            switch abort.status {
            case .notFound:
                return DomainError(.notFound, code: "not_found", LocalizedText(zh: "页面或对象不存在", en: "no such page or object"))
            case .payloadTooLarge:
                // The route's own limit refused the body (20 MB for sheets, 6 MB around a 5 MB document):
                // no number here, each kind of upload names its limit where it checks it.
                return DomainError(.tooLarge, code: "too_large", LocalizedText(zh: "上传的内容太大，超过了此处允许的大小", en: "the upload is larger than this place allows"))
            case .unauthorized:
                return .unauthorized
            case .forbidden:
                return .forbidden
            case .methodNotAllowed:
                return DomainError(.badRequest, code: "method_not_allowed", LocalizedText(zh: "不支持此请求方法", en: "method not allowed"))
            case .unsupportedMediaType, .badRequest, .unprocessableEntity:
                return DomainError(.badRequest, code: "bad_request", LocalizedText(zh: "请求格式有误：\(abort.reason)", en: "malformed request: \(abort.reason)"))
            default:
                if abort.status.code < 500 {
                    return DomainError(.badRequest, code: "bad_request", LocalizedText(zh: "请求有误：\(abort.reason)", en: "bad request: \(abort.reason)"))
                }
                return internalError
            }
        case let db as any DatabaseError where db.isConstraintFailure:
            // Two writers raced past a check and the database's own constraint stopped the
            // second (PostgreSQL, read committed): a conflict, as the check would have said.
            return DomainError(.conflict, code: "conflict", LocalizedText(zh: "与已有记录冲突（可能是同时提交了两次），请刷新后重试", en: "this conflicts with an existing record (perhaps sent twice at once); reload and try again"))
        case let d as DecodingError:
            return DomainError(.badRequest, code: "bad_request", LocalizedText(zh: "请求内容无法解析：\(describe(d))", en: "the request body could not be read: \(describe(d))"))
        default:
            return internalError
        }
    }

    static let internalError = DomainError(.badRequest, code: "internal_error", LocalizedText(zh: "服务器内部错误，已记录。请把请求编号告诉管理员", en: "internal error, logged; give the request id to your administrator"))

    static func describe(_ e: DecodingError) -> String {
        switch e {
        case .keyNotFound(let k, _): return "missing \(k.stringValue)"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c):
            let path = c.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? c.debugDescription : "\(path): \(c.debugDescription)"
        @unknown default: return "invalid"
        }
    }

    func render(_ error: any Error, for request: Request) async -> Response {
        var d = Self.domainError(from: error, request: request)
        // Whatever refused an account still on its one-time password, the reason is that password.
        if d.kind == .forbidden, request.actor?.passwordChangeDue == true { d = .passwordChangeRequired }
        let isInternal = d.code == "internal_error"
        let status: HTTPStatus = isInternal ? .internalServerError : HTTPStatus(statusCode: d.kind.status)
        if isInternal {
            // Driver errors quote the values they met: masked before they reach the log.
            request.logger.error("unhandled error: \(Masking.scrub(String(reflecting: error)))", metadata: ["request-id": .string(request.requestID)])
        } else if status.code >= 400 {
            request.logger.info("\(status.code) \(d.code)")
        }
        let locale = request.uiLocale
        // Messages quote what was sent at most in part: a 19 MB cell is not echoed back.
        let rows = d.rows.map { ErrorBody.Row(row: $0.row, column: $0.column.clipped(60), reason: $0.reason(locale).clipped(300)) }
        let firstAccept = request.headers.accept.first?.mediaType
        let wantsJSON = request.isAPI || (firstAccept?.type == "application" && firstAccept?.subType == "json")
        if wantsJSON {
            let listed = ErrorBody.listed(d.fields)
            var body = ErrorBody(error: true, reason: d.message(locale).clipped(1000), code: d.code, requestId: request.requestID,
                                 fields: d.fields.isEmpty ? nil : Dictionary(uniqueKeysWithValues: listed.map { ($0, d.fields[$0]!(locale).clipped(300)) }),
                                 errors: rows.isEmpty ? nil : rows, errorsTotal: rows.isEmpty ? nil : d.rowTotal)
            if d.fields.count > listed.count { body.fieldsTotal = d.fields.count }
            let res = Response(status: status)
            try? res.content.encode(body, as: .json)
            if let retry = d.retryAfter { res.headers.replaceOrAdd(name: .retryAfter, value: String(retry)) }
            return res
        }
        // A page asked for before the one-time password is replaced: the password page, saying why.
        if d.code == DomainError.passwordChangeRequired.code && request.method == .GET {
            return request.redirect(to: PlatformRoute.password.path(), flash: L10n.text("password.firstSignIn", locale))
        }
        if d.kind == .unauthorized && request.method == .GET {
            let back = request.url.path + (request.url.query.map { "?" + $0 } ?? "")
            return request.redirect(to: PlatformRoute.login.path() + "?next=" + (back.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
        }
        let page = ErrorPage(layout: request.layout("error.title"), status: Int(status.code), message: d.message(locale).clipped(1000),
                             fields: ErrorBody.listed(d.fields).map { "\($0)：\(d.fields[$0]!(locale).clipped(300))" }
                                + (d.fields.count > ErrorBody.listedFields ? [locale == .en ? "… and \(d.fields.count - ErrorBody.listedFields) more" : "……另有 \(d.fields.count - ErrorBody.listedFields) 项"] : []),
                             rows: rows,
                             requestId: request.requestID, signIn: d.kind == .unauthorized)
        do {
            let res = try await request.page("error", page, status: status)
            if let retry = d.retryAfter { res.headers.replaceOrAdd(name: .retryAfter, value: String(retry)) }
            return res
        } catch {
            let res = Response(status: status, body: .init(string: "<!doctype html><meta charset=utf-8><title>\(status.code)</title><p>\(d.message(locale).htmlEscaped())</p><p>\(request.requestID)</p>"))
            res.headers.contentType = .html
            return res
        }
    }
}

extension String {
    /// The text with `&"'<>` escaped, as Leaf escapes `#(…)`: every page, chart and message
    /// written outside a template goes through this one function (`HTMLWriter.text`).
    public func htmlEscaped() -> String {
        var out = ""
        appendEscaped(to: &out)
        return out
    }

    /// Appends the escaped text to `out` (the common case, no markup characters, in one copy).
    public func appendEscaped(to out: inout String) {
        guard utf8.contains(where: { $0 == 0x26 || $0 == 0x22 || $0 == 0x27 || $0 == 0x3C || $0 == 0x3E }) else { out += self; return }
        for scalar in unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }
}

/// Gives every request an id (taken from a proxy's `X-Request-Id` when sane), puts it on the
/// logger and the response. Written with futures, like the other middleware that does not
/// wait on anything: an `AsyncMiddleware` starts a task of its own for every request and hops
/// from the event loop to the task pool and back.
public struct RequestIDMiddleware: Middleware {
    public init() {}
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let incoming = request.headers.first(name: "X-Request-Id")
        let id: String
        if let incoming, incoming.count <= 64, incoming.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) {
            id = incoming
        } else {
            id = String(UUID().uuidString.lowercased().prefix(13))
        }
        request.requestID = id
        request.logger[metadataKey: "request-id"] = .string(id)
        return next.respond(to: request).map { res in
            res.headers.replaceOrAdd(name: "X-Request-Id", value: id)
            return res
        }
    }
}

extension DomainError {
    /// A form's messages by field, with the whole error under "_" when it names no field.
    public func fieldMessages(_ locale: UILocale) -> [String: String] {
        var m = fields.mapValues { $0(locale) }
        if m.isEmpty { m["_"] = message(locale) }
        return m
    }

    /// One line for a flash message: the field messages joined, or the error's own message.
    public func summary(_ locale: UILocale) -> String {
        fields.isEmpty ? message(locale) : fields.keys.sorted().map { fields[$0]!(locale) }.joined(separator: "；")
    }

    /// One line for a redirect's flash: the error's sentence, then each field's message once,
    /// then the first rows of an import (row, column, reason).
    public func flashText(_ locale: UILocale) -> String {
        // A validation error's sentence already lists its fields' messages: the fields alone,
        // once each (the sentence and then each message said everything twice).
        var parts = code == "validation_failed" && !fields.isEmpty ? [] : [message(locale)]
        // A field's message the sentence already holds is not said again ("林浩 已在 2 号方案中交流。请退回修改。；林浩 已在 2 号方案中交流").
        for m in fields.sorted(by: { $0.key < $1.key }).map({ $0.value(locale) }) where !parts.contains(where: { $0.contains(m) }) { parts.append(m) }
        parts += rows.prefix(10).map { locale == .en ? "row \($0.row) \($0.column): \($0.reason(locale))" : "第\($0.row)行 \($0.column)：\($0.reason(locale))" }
        return parts.joined(separator: "；")
    }

    /// A form re-shown after this error: 409 for a conflict, 422 otherwise.
    public var formStatus: HTTPStatus { kind == .conflict ? .conflict : .unprocessableEntity }
}
