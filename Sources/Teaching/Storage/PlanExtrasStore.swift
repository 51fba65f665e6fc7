import Fluent
import Foundation
import SQLKit
import XuequCore
import XuequKit

/// Attachments of plans and activities, a teacher's calendar and its feed (issue 33: the service
/// keeps the checks, the transactions and the audit; the statements are here).
extension TeachingService {
    // MARK: attachments

    static func attachmentRows(owner: String, ownerId id: Int, on db: any Database) async throws -> [AttachmentRow] {
        try await db.sql.raw(
            """
            SELECT id, owner, owner_id, filename, media_type, sha256, size, uploaded_by, created_at FROM teaching_attachments
            WHERE owner = \(bind: owner) AND owner_id = \(bind: id) ORDER BY id
            """
        ).all(decoding: AttachmentRow.self, with: decoder)
    }

    static func attachmentRow(id: Int, on db: any Database) async throws -> AttachmentRow? {
        try await db.sql.raw(
            "SELECT id, owner, owner_id, filename, media_type, sha256, size, uploaded_by, created_at FROM teaching_attachments WHERE id = \(bind: id)"
        )
        .first(decoding: AttachmentRow.self, with: decoder)
    }

    static func insertAttachment(
        owner: String, ownerId id: Int, filename name: String, mediaType: String, sha256 hash: String, size: Int, uploadedBy by: String, on tx: any Database,
        now: Double
    ) async throws -> Int {
        struct Id: Decodable { let id: Int }
        return try await tx.sql.raw(
            """
            INSERT INTO teaching_attachments (owner, owner_id, filename, media_type, sha256, size, uploaded_by, created_at)
            VALUES (\(bind: owner), \(bind: id), \(bind: name), \(bind: mediaType), \(bind: hash), \(bind: size), \(bind: by), \(bind: now)) RETURNING id
            """
        ).first(decoding: Id.self)!.id
    }

    static func deleteAttachment(id: Int, on tx: any Database) async throws {
        try await tx.sql.raw("DELETE FROM teaching_attachments WHERE id = \(bind: id)").run()
    }

    // MARK: calendar

    struct CalendarProgramme: Decodable {
        let id: Int
        let name: String
        let startsOn: String
        let endsOn: String
    }

    /// The programmes a teacher is enrolled in that end on or after `from` and start before `to`.
    static func programmes(ofTeacher t: Int, from: String, to: String, on db: any Database) async throws -> [CalendarProgramme] {
        try await db.sql.raw(
            """
            SELECT p.id, p.name, p.starts_on, p.ends_on FROM training_programmes p JOIN training_enrolments e ON e.programme_id = p.id
            WHERE e.teacher_id = \(bind: t) AND p.ends_on >= \(bind: from) AND p.starts_on < \(bind: to) ORDER BY p.starts_on
            """
        ).all(decoding: CalendarProgramme.self, with: decoder)
    }

    struct CalendarLesson: Decodable {
        let id: Int
        let title: String
        let teachingOn: String
    }

    /// A teacher's model lessons taught in `[from, to)`.
    static func modelLessons(ofTeacher t: Int, from: String, to: String, on db: any Database) async throws -> [CalendarLesson] {
        try await db.sql.raw(
            """
            SELECT id, title, teaching_on FROM teaching_model_lessons WHERE teacher_id = \(bind: t) AND teaching_on >= \(bind: from) AND teaching_on < \(bind: to)
            """
        ).all(decoding: CalendarLesson.self, with: decoder)
    }

    // MARK: the calendar's feed

    /// A teacher's feed, replacing the one before.
    static func replaceCalendarFeed(teacherId t: Int, tokenHash hash: String, on tx: any Database, now: Double) async throws {
        try await tx.sql.raw("DELETE FROM teaching_calendar_feeds WHERE teacher_id = \(bind: t)").run()
        try await tx.sql.raw("INSERT INTO teaching_calendar_feeds (teacher_id, token_hash, created_at) VALUES (\(bind: t), \(bind: hash), \(bind: now))").run()
    }

    /// The teacher a feed's token hash belongs to.
    static func feedTeacher(tokenHash hash: String, on db: any Database) async throws -> Int? {
        struct T: Decodable { let teacherId: Int }
        return try await db.sql.raw("SELECT teacher_id FROM teaching_calendar_feeds WHERE token_hash = \(bind: hash)").first(decoding: T.self, with: decoder)?
            .teacherId
    }

    /// Whether a teacher's account is active.
    static func hasActiveAccount(teacherId: Int, on db: any Database) async throws -> Bool {
        struct Active: Decodable { let n: Int }
        let active =
            try await db.sql.raw("SELECT COUNT(*) AS n FROM users WHERE teacher_id = \(bind: teacherId) AND active = \(bind: true)").first(
                decoding: Active.self)?.n ?? 0
        return active > 0
    }
}
