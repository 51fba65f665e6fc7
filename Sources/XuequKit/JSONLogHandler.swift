import Foundation
import Logging
import NIOConcurrencyHelpers

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
