import Foundation
import XuequCore

/// 教研活动: a research activity (集体教研、专题研讨、送教) or an open class (公开课) that
/// observers score with the rubric.
public enum ActivityKind: String, Vocabulary {
    public static let lookup = makeLookup()
    case activity
    case openClass = "open_class"
    public var zh: String { self == .activity ? "教研活动" : "公开课" }
    public var en: String { self == .activity ? "research activity" : "open class" }
}

/// The observation rubric (课堂观察量表) observers fill in on a phone: five items scored 1–5
/// and a comment. The items follow the common county forms (目标、内容、方法、参与、效果).
public enum ObservationRubric {
    public struct Item: Sendable { public let key: String; public let zh: String; public let en: String; public let hintZh: String }
    public static let items: [Item] = [
        Item(key: "goals", zh: "教学目标", en: "Goals", hintZh: "目标明确，符合课标和学情"),
        Item(key: "content", zh: "教学内容", en: "Content", hintZh: "内容准确，重点突出，难点突破"),
        Item(key: "method", zh: "教学方法", en: "Method", hintZh: "方法得当，启发思考，媒体运用恰当"),
        Item(key: "participation", zh: "学生参与", en: "Participation", hintZh: "参与面广，思维活跃，合作有效"),
        Item(key: "effect", zh: "教学效果", en: "Effect", hintZh: "目标达成，当堂反馈，学有所得"),
    ]
    public static let maxScore = 5

    /// Checks a filled rubric: every item present and 1…5. Returns the scores in item order and
    /// the keys that are missing or out of range (the scores are complete only when none are).
    public static func check(_ raw: [String: Int]) -> (scores: [Int], bad: [String]) {
        var bad: [String] = [], out: [Int] = []
        for i in items {
            guard let v = raw[i.key], (1...maxScore).contains(v) else { bad.append(i.key); continue }
            out.append(v)
        }
        return (out, bad)
    }
}

/// A local date and time as a county office writes it: `2026-12-05T14:30` (the form of an HTML
/// `datetime-local` input; a space instead of the `T` is accepted). Kept as that text, so it
/// sorts and compares as written.
public struct LocalDateTime: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let date: CivilDate
    public let minutes: Int

    public init?(parsing raw: String) {
        let s = raw.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "T")
        let parts = s.split(separator: "T", omittingEmptySubsequences: false)
        guard parts.count == 2, let d = CivilDate(parsing: String(parts[0])) else { return nil }
        let hm = parts[1].split(separator: ":")
        guard hm.count >= 2, hm.count <= 3, let h = Int(hm[0]), let m = Int(hm[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        date = d; minutes = h * 60 + m
    }

    public init(date: CivilDate, minutes: Int) { self.date = date; self.minutes = minutes }

    /// Now in the county's time (UTC+8).
    public static func now(_ epoch: Double, utcOffsetHours: Int = 8) -> LocalDateTime {
        let local = Int(epoch.rounded(.down)) + utcOffsetHours * 3600
        let day = Int((Double(local) / 86_400).rounded(.down))
        return LocalDateTime(date: CivilDate(daysSinceEpoch: day), minutes: (local - day * 86_400) / 60)
    }

    public var description: String { String(format: "%@T%02d:%02d", date.description, minutes / 60, minutes % 60) }
    /// `2026-12-05 14:30`, for pages.
    public var display: String { String(format: "%@ %02d:%02d", date.description, minutes / 60, minutes % 60) }
    public var time: String { String(format: "%02d:%02d", minutes / 60, minutes % 60) }
    public static func < (a: LocalDateTime, b: LocalDateTime) -> Bool { (a.date, a.minutes) < (b.date, b.minutes) }
}

/// An iCalendar (RFC 5545) feed: events in the county's local time (floating, as the county
/// lives in one zone), all-day events for training days, text escaped and lines folded at 75 octets.
public enum ICalendar {
    public struct Event: Sendable {
        public let uid: String
        public let title: String
        public let start: LocalDateTime?
        public let end: LocalDateTime?
        /// An all-day event from the first to the last day (inclusive).
        public let days: (CivilDate, CivilDate)?
        public let location: String
        public let description: String
        public let url: String?
        public init(uid: String, title: String, start: LocalDateTime, end: LocalDateTime, location: String = "", description: String = "", url: String? = nil) {
            self.uid = uid; self.title = title; self.start = start; self.end = end; self.days = nil; self.location = location; self.description = description; self.url = url
        }
        public init(uid: String, title: String, from: CivilDate, through: CivilDate, location: String = "", description: String = "", url: String? = nil) {
            self.uid = uid; self.title = title; self.start = nil; self.end = nil; self.days = (from, through); self.location = location; self.description = description; self.url = url
        }
    }

    /// TEXT escaping (RFC 5545 §3.3.11), scalar by scalar: Swift reads "\r\n" as one Character,
    /// which a switch on Characters let through raw, so a place could end the line and start a
    /// VEVENT of its own (issue 27). Every line break (CR LF, CR, LF) becomes `\n`; other control
    /// characters are dropped.
    public static func escape(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var scalars = s.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let c = pending {
            pending = scalars.next()
            switch c {
            case "\\": out.append(contentsOf: "\\\\".unicodeScalars)
            case ";": out.append(contentsOf: "\\;".unicodeScalars)
            case ",": out.append(contentsOf: "\\,".unicodeScalars)
            case "\r":
                if pending == "\n" { pending = scalars.next() }
                out.append(contentsOf: "\\n".unicodeScalars)
            case "\n", "\u{2028}", "\u{2029}", "\u{85}", "\u{0B}", "\u{0C}": out.append(contentsOf: "\\n".unicodeScalars)
            default:
                if c.value < 0x20 && c != "\t" || c.value == 0x7F { continue }
                out.append(c)
            }
        }
        return String(out)
    }

    /// Folds a content line into lines of at most 75 octets, never splitting a UTF-8 character.
    public static func fold(_ line: String) -> String {
        var out: [String] = [], current = "", octets = 0
        for ch in line {
            let n = String(ch).utf8.count
            let limit = out.isEmpty ? 75 : 74
            if octets + n > limit { out.append(current); current = ""; octets = 0 }
            current.append(ch); octets += n
        }
        out.append(current)
        return out.joined(separator: "\r\n ")
    }

    static func stamp(_ t: LocalDateTime) -> String {
        String(format: "%04d%02d%02dT%02d%02d00", t.date.year, t.date.month, t.date.day, t.minutes / 60, t.minutes % 60)
    }
    static func day(_ d: CivilDate) -> String { String(format: "%04d%02d%02d", d.year, d.month, d.day) }

    public static func document(name: String, events: [Event], now: Double) -> String {
        let utc = LocalDateTime.now(now, utcOffsetHours: 0)
        var lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Xuequ//教研日程//ZH", "CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:" + escape(name)]
        for e in events {
            lines.append("BEGIN:VEVENT")
            lines.append("UID:" + e.uid)
            lines.append("DTSTAMP:" + stamp(utc) + "Z")
            if let (from, through) = e.days {
                lines.append("DTSTART;VALUE=DATE:" + day(from))
                lines.append("DTEND;VALUE=DATE:" + day(through.adding(days: 1)))
            } else if let s = e.start, let t = e.end {
                lines.append("DTSTART:" + stamp(s))
                lines.append("DTEND:" + stamp(t))
            }
            lines.append("SUMMARY:" + escape(e.title))
            if !e.location.isEmpty { lines.append("LOCATION:" + escape(e.location)) }
            if !e.description.isEmpty { lines.append("DESCRIPTION:" + escape(e.description)) }
            if let u = e.url { lines.append("URL:" + u) }
            lines.append("END:VEVENT")
        }
        lines.append("END:VCALENDAR")
        return lines.map(fold).joined(separator: "\r\n") + "\r\n"
    }
}
