import Fluent
import Foundation
import SQLKit

/// The small reads the certification pages need, kept with the module's other SQL (pages hold
/// none, issue 33).
extension CertificationService {
    /// Applicants' names and certificate types by application id (the objection list says whom
    /// each objection concerns).
    static func applicationNames(_ ids: [Int], on db: any Database) async throws -> [Int: (name: String, type: String)] {
        guard !ids.isEmpty else { return [:] }
        struct A: Decodable {
            let id: Int
            let name: String
            let type: String
        }
        let rows = try await db.sql.select().columns("id", "name", "type").from("cert_applications")
            .where("id", .in, SQLBind.group(Array(Set(ids)))).all(decoding: A.self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.id, (name: $0.name, type: $0.type)) })
    }

    /// The archive folder (档案盒号) an application's papers are filed in, once filed.
    static func folderNumber(applicationId: Int, on db: any Database) async throws -> String? {
        struct Folder: Decodable { let folderNo: String }
        return try await db.sql.raw("SELECT folder_no FROM archive_folders WHERE application_id = \(bind: applicationId)")
            .first(decoding: Folder.self, with: decoder)?.folderNo
    }
}
