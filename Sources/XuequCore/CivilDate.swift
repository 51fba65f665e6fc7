import Foundation

/// A calendar date without time or zone (birth dates, "at this school since", merge dates).
/// Stored as `YYYY-MM-DD` text so both databases sort and compare it the same way.
public struct CivilDate: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(year: year, month: month) else { return nil }
        self.year = year; self.month = month; self.day = day
    }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The first or last day of a year, the year held to 1…9999: a year from a query string never
    /// makes a date that is not there (`?year=10000` once stopped the server on a force-unwrap).
    public static func startOf(year: Int) -> CivilDate { CivilDate(year: min(max(year, 1), 9999), month: 1, day: 1)! }
    public static func endOf(year: Int) -> CivilDate { CivilDate(year: min(max(year, 1), 9999), month: 12, day: 31)! }

    /// Accepts `2019-09-01`, `2019/9/1`, `2019.9.1` and `20190901`.
    public init?(parsing raw: String) {
        // The stored form (`2019-09-01`), read from its bytes: a list page parses two a row.
        if let d = Self.stored(raw) { self = d; return }
        let s = raw.trimmed
        if s.utf8.count == 8, s.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int(s) {
            self.init(year: v / 10000, month: (v / 100) % 100, day: v % 100)
            return
        }
        let parts = s.split(whereSeparator: { $0 == "-" || $0 == "/" || $0 == "." }).map(String.init)
        guard parts.count == 3, let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), parts[0].count == 4 else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// `YYYY-MM-DD` exactly, else nil (then the general parser decides).
    static func stored(_ raw: String) -> CivilDate? {
        var raw = raw
        return raw.withUTF8 { b -> CivilDate? in
            guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return nil }
            func number(_ range: Range<Int>) -> Int? {
                var n = 0
                for i in range {
                    guard b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") else { return nil }
                    n = n * 10 + Int(b[i] - UInt8(ascii: "0"))
                }
                return n
            }
            guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
            return CivilDate(year: y, month: m, day: d)
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian), for arithmetic without Foundation calendars.
    public var daysSinceEpoch: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.year = y; self.month = m; self.day = d
    }

    /// Excel serial date (1900 system, with Lotus's phantom 29 Feb 1900).
    public init?(excelSerial: Double) {
        guard excelSerial >= 1, excelSerial < 2_958_466 else { return nil }
        let whole = Int(excelSerial.rounded(.down))
        self.init(daysSinceEpoch: whole - 25569)
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// Whole years from `self` to `other` (birthday-style: not yet reached counts less).
    public func wholeYears(until other: CivilDate) -> Int {
        var years = other.year - year
        if (other.month, other.day) < (month, day) { years -= 1 }
        return years
    }

    public static func today(_ date: Date = Date(), utcOffsetHours: Int = 8) -> CivilDate {
        let seconds = Int(date.timeIntervalSince1970) + utcOffsetHours * 3600
        return CivilDate(daysSinceEpoch: Int((Double(seconds) / 86400).rounded(.down)))
    }

    /// YYYY-MM-DD, padded by hand: `String(format:)` goes through Foundation's formatter, and
    /// dates are written into every list, key and page.
    public var description: String {
        var out = ""
        out.reserveCapacity(10)
        ZeroPad.append(year, width: 4, to: &out)
        out.append("-")
        ZeroPad.append(month, width: 2, to: &out)
        out.append("-")
        ZeroPad.append(day, width: 2, to: &out)
        return out
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let d = CivilDate(parsing: s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected a date YYYY-MM-DD, got \(s)"))
        }
        self = d
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}

/// Decimal digits with leading zeros, without `String(format:)`.
public enum ZeroPad {
    public static func append(_ n: Int, width: Int, to out: inout String) {
        if n < 0 { out.append("-"); append(-n, width: width - 1, to: &out); return }
        let digits = String(n)
        if digits.utf8.count < width { out.append(String(repeating: "0", count: width - digits.utf8.count)) }
        out.append(digits)
    }
}
