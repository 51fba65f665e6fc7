import Foundation
import Logging
import NIOConcurrencyHelpers
import XuequCore

/// One JSON object per line (`XUEQU_LOG_FORMAT=json`), for log collectors: time, level, label,
/// message and the metadata (the request id among it).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    static let lock = NIOLock()

    public init(label: String, level: Logger.Level = .info) {
        self.label = label
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        var fields: [String: String] = [:]
        for (k, v) in metadata.merging(explicit ?? [:], uniquingKeysWith: { $1 }) { fields[k] = "\(v)" }
        fields["ts"] = ISOTime.string(Date())
        fields["level"] = level.rawValue
        fields["label"] = label
        fields["msg"] = message.description
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]) else { return }
        Self.lock.withLock {
            FileHandle.standardOutput.write(data)
            FileHandle.standardOutput.write(Data("\n".utf8))
        }
    }
}

/// Wraps the process's log handler so that no line keeps a full resident ID or phone number
/// (DOMAIN §7), whoever writes it: our own messages, a database driver's error, SQL logged with
/// its values (`XUEQU_LOG_SQL=1`).
public struct ScrubbingLogHandler: LogHandler {
    public var inner: any LogHandler
    public init(_ inner: any LogHandler) { self.inner = inner }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }
    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        var e = event
        e.message = Logger.Message(stringLiteral: Masking.scrub(event.message.description))
        e.metadata = event.metadata?.mapValues { Self.scrub($0) }
        if let error = event.error { e.error = Scrubbed(description: Masking.scrub(String(reflecting: error))) }
        inner.log(event: e)
    }

    /// An error as a log line may show it, with personal data masked.
    struct Scrubbed: Error, CustomStringConvertible { let description: String }

    static func scrub(_ v: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch v {
        case .string(let s): return .string(Masking.scrub(s))
        case .stringConvertible(let c): return .string(Masking.scrub(c.description))
        case .array(let a): return .array(a.map(scrub))
        case .dictionary(let d): return .dictionary(d.mapValues(scrub))
        }
    }
}
