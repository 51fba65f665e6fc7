/// The interface speaks Chinese first, English when the user switches.
public enum UILocale: String, Sendable, Codable, CaseIterable {
    case zh, en
    public init(header: String?) {
        self = (header ?? "").lowercased().hasPrefix("en") ? .en : .zh
    }
}

/// A message in both interface languages; errors carry one so the edge picks the reader's.
public struct LocalizedText: Sendable, Hashable, Codable {
    public let zh: String
    public let en: String
    public init(zh: String, en: String) { self.zh = zh; self.en = en }
    public func callAsFunction(_ locale: UILocale) -> String { locale == .en ? en : zh }
}
