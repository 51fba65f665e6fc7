import Foundation
import Testing
import XuequKit
import XuequCore

/// The hand-written timestamp parsing and Beijing-time formatting agree with Foundation's
/// formatters (what they replaced) on random moments across a century, and refuse other text.
@Suite("ISO timestamps by hand")
struct ISOTimeTests {
    @Test("parse and Beijing formatting match ISO8601DateFormatter and DateFormatter")
    func matchesFoundation() {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plainISO = ISO8601DateFormatter()
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        local.dateFormat = "yyyy-MM-dd HH:mm:ss"
        let short = DateFormatter()
        short.locale = Locale(identifier: "en_US_POSIX")
        short.timeZone = TimeZone(secondsFromGMT: 8 * 3600)
        short.dateFormat = "yyyy-MM-dd HH:mm"
        var g = SystemRandomNumberGenerator()
        // Moments from 1970 to 2070, plus the edges of days and years around UTC+8.
        var moments = (0..<2000).map { _ in Double(Int.random(in: 0...3_155_760_000, using: &g)) + Double(Int.random(in: 0...999, using: &g)) / 1000 }
        moments += [0, 57_599.999, 57_600, 1_798_732_799.5, 1_798_732_800, 1_798_761_600]
        for t in moments {
            let d = Date(timeIntervalSince1970: t)
            let s = ISOTime.string(d)
            #expect(ISOTime.parse(s).map { abs($0 - t) < 0.0015 } == true, "\(s)")
            #expect(ISOTime.parse(s).map { ISOTime.beijing($0) } == local.string(from: iso.date(from: s)!), "\(s)")
            #expect(ISOTime.beijing(t, seconds: false) == short.string(from: d), "\(t)")
            // Written by hand as String(format:) wrote it before.
            let u = d.timeIntervalSince1970
            var secs = time_t(floor(u)), tm = tm()
            gmtime_r(&secs, &tm)
            let ms = min(999, Int(((u - floor(u)) * 1000).rounded(.down)))
            #expect(s == String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(tm.tm_year) + 1900, Int(tm.tm_mon) + 1, Int(tm.tm_mday), Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), ms))
            let day = CivilDate.today(d)
            #expect(day.description == String(format: "%04d-%02d-%02d", day.year, day.month, day.day))
            let whole = plainISO.string(from: d)
            #expect(ISOTime.parse(whole) == plainISO.date(from: whole)!.timeIntervalSince1970, "\(whole)")
        }
        for bad in ["", "2026-11-29", "2026-11-29 12:09:54Z", "2026-13-29T12:09:54Z", "2026-11-29T12:09:54.Z", "2026-11-29T12:09:54.123", "２026-11-29T12:09:54Z", "2026-11-29T12:09:54+08:00"] {
            #expect(ISOTime.parse(bad) == nil, "\(bad)")
        }
    }
}
