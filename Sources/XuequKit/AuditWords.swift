import Foundation
import Vapor
import XuequCore

/// The audit log in words: each module names its area and says what each of its actions did,
/// so a bureau page reads "王芳 导入了教师名册" instead of `teacher.import`.
public struct AuditArea: Sendable {
    public let key: String
    public let label: LocalizedText
    /// The first segments of the area's action codes (`teacher`, `school`).
    public let prefixes: [String]
    /// Action code → what the actor did ("导入了教师名册"). A code not listed is read by its
    /// longest listed prefix (`internship.record.lesson` → `internship.record`).
    public let phrases: [String: LocalizedText]
    public init(key: String, label: LocalizedText, prefixes: [String], phrases: [String: (String, String)]) {
        self.key = key; self.label = label; self.prefixes = prefixes
        self.phrases = phrases.mapValues { LocalizedText(zh: $0.0, en: $0.1) }
    }
}

public enum AuditWords {
    /// What an action did, in the reader's language; nil when no area knows it.
    public static func phrase(_ code: String, areas: [AuditArea], locale: UILocale) -> String? {
        var key = code
        while true {
            for a in areas { if let p = a.phrases[key] { return locale == .en ? p.en : p.zh } }
            guard let dot = key.lastIndex(of: ".") else { return nil }
            key = String(key[..<dot])
        }
    }

    public static func area(of code: String, areas: [AuditArea]) -> AuditArea? {
        let head = code.split(separator: ".").first.map(String.init) ?? code
        return areas.first { $0.prefixes.contains(head) }
    }

    /// "王芳 导入了教师名册" — the actor and what they did; the object's number follows when there is one.
    /// `actor`: who did it, by name (`Accounts.people`); the username when not given.
    /// An entry's detail in the reader's language. Summaries are written once, in Chinese; the
    /// few written by the system in English (003_KeyAuditChain's re-keying, which has landed and
    /// is not edited) are put into Chinese here.
    public static func detail(_ e: AuditEntry, locale: UILocale) -> String {
        guard locale == .zh, e.action == "audit.rekey" else { return e.summary }
        let rows = e.summary.range(of: "chain of ").map { e.summary[$0.upperBound...].prefix { $0.isNumber } } ?? ""
        let digits = rows.isEmpty ? "?" : String(rows)
        if e.summary.contains("verified intact") { return "重新以密钥链接前，原 SHA-256 审计链 \(digits) 条记录校验完整" }
        if e.summary.contains("BROKEN") {
            let problems = e.summary.range(of: "re-keying: ").map { String(e.summary[$0.upperBound...]) } ?? ""
            return "重新以密钥链接前，原 SHA-256 审计链 \(digits) 条记录校验未通过：\(problems)"
        }
        return e.summary
    }

    public static func sentence(_ e: AuditEntry, areas: [AuditArea], locale: UILocale, actor: String? = nil) -> String {
        let what = phrase(e.action, areas: areas, locale: locale)
            ?? (locale == .en ? "did “\(e.action)”" : "进行了操作（\(area(of: e.action, areas: areas).map { $0.label.zh } ?? "其他")）")
        // Signing in names no object: the account is the actor's own.
        let own = e.entity == "user" && e.actorId.map(String.init) == e.entityId
        let object = (e.entityId.isEmpty || e.entityId == "-" || own) ? "" : (locale == .en ? " (no. \(e.entityId))" : "（编号 \(e.entityId)）")
        return "\(actor ?? e.actorName) \(what)\(object)"
    }
}

struct AuditAreasKey: StorageKey { typealias Value = [AuditArea] }

extension Application {
    /// Every module's audit area, in module order (set by configure).
    public var auditAreas: [AuditArea] {
        get { storage[AuditAreasKey.self] ?? [] }
        set { storage[AuditAreasKey.self] = newValue }
    }
}
