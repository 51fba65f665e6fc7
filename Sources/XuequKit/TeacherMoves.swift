import Fluent
import Foundation
import NIOConcurrencyHelpers
import XuequCore

/// A teacher who has just changed school, as the registry tells the other modules inside the
/// move's own transaction (a transfer, a rotation starting or ending, a merger).
public struct TeacherMoved: Sendable {
    public let teacherId: Int
    public let fromSchoolId: Int
    public let fromDistrictId: Int?
    public let toSchoolId: Int
    public let toDistrictId: Int?
    public let onDate: String
    public init(teacherId: Int, fromSchoolId: Int, fromDistrictId: Int?, toSchoolId: Int, toDistrictId: Int?, onDate: String) {
        self.teacherId = teacherId; self.fromSchoolId = fromSchoolId; self.fromDistrictId = fromDistrictId
        self.toSchoolId = toSchoolId; self.toDistrictId = toDistrictId; self.onDate = onDate
    }
}

/// What a module does when one of its people moves: it ends the roles tied to the old school or
/// district (a district's researcher, a school group's leader and members, an intern's mentor)
/// in the caller's transaction, and says which, in words, for the office's home page.
public typealias TeacherMoveHook = @Sendable (TeacherMoved, any Database) async throws -> [LocalizedText]

/// The hooks every module registered (`XuequModule.teacherMoved`), by module name: the registry
/// runs them on every move. Registered at configuration; the same module registers the same hook.
public enum TeacherMoveHooks {
    private static let hooks = NIOLockedValueBox<[(String, TeacherMoveHook)]>([])

    public static func register(_ name: String, _ hook: @escaping TeacherMoveHook) {
        hooks.withLockedValue { list in
            if let i = list.firstIndex(where: { $0.0 == name }) { list[i] = (name, hook) } else { list.append((name, hook)) }
        }
    }

    /// Runs every hook in the caller's transaction; returns the roles that ended.
    public static func run(_ move: TeacherMoved, on tx: any Database) async throws -> [LocalizedText] {
        var out: [LocalizedText] = []
        for (_, hook) in hooks.withLockedValue({ $0 }) { out += try await hook(move, tx) }
        return out
    }
}
