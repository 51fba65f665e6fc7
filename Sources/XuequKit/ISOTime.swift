import Foundation

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
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday), Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), ms)
    }
}
