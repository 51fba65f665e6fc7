import Foundation
import XuequCore

/// ISO 8601 UTC timestamps with milliseconds ("2026-11-29T12:09:54.123Z"), formatted by hand:
/// `ISO8601DateFormatter` goes through ICU and cost a tenth of a write request's CPU.
public enum ISOTime {
    public static func string(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        var secs = time_t(floor(t))
        var ms = Int(((t - floor(t)) * 1000).rounded(.down))
        if ms > 999 { ms = 999 }
        var tm = tm()
        gmtime_r(&secs, &tm)
        var out = ""
        out.reserveCapacity(24)
        ZeroPad.append(Int(tm.tm_year) + 1900, width: 4, to: &out); out.append("-")
        ZeroPad.append(Int(tm.tm_mon) + 1, width: 2, to: &out); out.append("-")
        ZeroPad.append(Int(tm.tm_mday), width: 2, to: &out); out.append("T")
        ZeroPad.append(Int(tm.tm_hour), width: 2, to: &out); out.append(":")
        ZeroPad.append(Int(tm.tm_min), width: 2, to: &out); out.append(":")
        ZeroPad.append(Int(tm.tm_sec), width: 2, to: &out); out.append(".")
        ZeroPad.append(ms, width: 3, to: &out); out.append("Z")
        return out
    }
}

extension ISOTime {
    /// China Standard Time (UTC+8, no daylight saving): how every time is shown.
    public static let beijingOffset = 8 * 3600

    /// "yyyy-MM-dd HH:mm:ss" (or without seconds) in Beijing time for a moment, by hand: a
    /// `DateFormatter` per call went through ICU and was 40% of the home page's CPU.
    public static func beijing(_ t: Double, seconds: Bool = true) -> String {
        var secs = time_t(floor(t)) + time_t(beijingOffset)
        var tm = tm()
        gmtime_r(&secs, &tm)
        var out = pad(Int(tm.tm_year) + 1900, 4) + "-" + pad(Int(tm.tm_mon) + 1, 2) + "-" + pad(Int(tm.tm_mday), 2)
        out += " " + pad(Int(tm.tm_hour), 2) + ":" + pad(Int(tm.tm_min), 2)
        if seconds { out += ":" + pad(Int(tm.tm_sec), 2) }
        return out
    }

    /// The moment an ISO 8601 UTC timestamp of ours names ("2026-11-29T12:09:54.123Z", the
    /// fraction optional), or nil for any other text.
    public static func parse(_ s: String) -> Double? {
        let u = Array(s.utf8)
        guard u.count >= 20, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"), u[10] == UInt8(ascii: "T"),
              u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":"), u.last == UInt8(ascii: "Z") else { return nil }
        func num(_ from: Int, _ to: Int) -> Int? {
            var n = 0
            for i in from..<to { let d = Int(u[i]) - 48; guard d >= 0 && d <= 9 else { return nil }; n = n * 10 + d }
            return n
        }
        guard let y = num(0, 4), let mo = num(5, 7), let d = num(8, 10), let h = num(11, 13), let mi = num(14, 16), let sec = num(17, 19),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, sec < 61 else { return nil }
        var frac = 0.0
        if u.count > 20 {
            guard u[19] == UInt8(ascii: "."), u.count > 21, let f = num(20, u.count - 1) else { return nil }
            frac = Double(f) / pow(10, Double(u.count - 21))
        } else if u[19] != UInt8(ascii: "Z") { return nil }
        var tm = tm()
        tm.tm_year = Int32(y - 1900); tm.tm_mon = Int32(mo - 1); tm.tm_mday = Int32(d)
        tm.tm_hour = Int32(h); tm.tm_min = Int32(mi); tm.tm_sec = Int32(sec)
        return Double(timegm(&tm)) + frac
    }

    private static func pad(_ n: Int, _ width: Int) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
