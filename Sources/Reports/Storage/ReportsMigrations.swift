import Fluent
import Foundation
import SQLKit
import XuequKit

/// 081: the year's summary: section texts the bureau (or a district) edits per year and scope,
/// and the finalised summaries with the figures they were written with.
public struct CreateReports: AsyncMigration {
    public init() {}
    public var name: String { "081_Reports" }
    public static let watched = ["report_texts", "report_finals"]

    public func prepare(on database: any Database) async throws {
        try await database.schema("report_texts")
            .field("id", .int, .identifier(auto: true))
            .field("year", .int, .required)
            // "county" or "d<district id>".
            .field("scope_key", .string, .required)
            .field("section", .string, .required)
            .field("text", .string, .required)
            .field("updated_by", .string, .required)
            .field("updated_at", .double, .required)
            .unique(on: "year", "scope_key", "section")
            .create()
        try await database.schema("report_finals")
            .field("id", .int, .identifier(auto: true))
            .field("year", .int, .required)
            .field("scope_key", .string, .required)
            // The figures (JSON) and the rendered sections (JSON) as finalised.
            .field("figures", .string, .required)
            .field("sections", .string, .required)
            .field("finalised_by", .string, .required)
            .field("finalised_at", .double, .required)
            .unique(on: "year", "scope_key")
            .create()
        try await DataVersions.watch(Self.watched, area: "reports", on: database)
    }

    public func revert(on database: any Database) async throws {
        try await DataVersions.unwatch(Self.watched, area: "reports", on: database)
        try await database.schema("report_finals").delete()
        try await database.schema("report_texts").delete()
    }
}
