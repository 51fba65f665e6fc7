import XuequCore

/// Teacher counts of one school part (学段), as the balance indicators need them. Counts are
/// `Double` because a split school's teachers without a part are shared out by student weight.
public struct TeacherTally: Sendable, Equatable, Codable {
    public var total: Double = 0
    // One field per education level (no array: a tally is copied and added tens of thousands of
    // times per computation, and an array would be a heap allocation each time).
    var e0 = 0.0, e1 = 0.0, e2 = 0.0, e3 = 0.0, e4 = 0.0, e5 = 0.0
    /// Indexed by `Education.allCases` order.
    public var byEducation: [Double] {
        get { [e0, e1, e2, e3, e4, e5] }
        set { e0 = newValue[0]; e1 = newValue[1]; e2 = newValue[2]; e3 = newValue[3]; e4 = newValue[4]; e5 = newValue[5] }
    }
    /// 中级及以上职称.
    public var intermediatePlus: Double = 0
    /// 县级及以上骨干教师.
    public var backboneCountyPlus: Double = 0
    /// 专职体育、音乐、美术教师: every subject the teacher teaches is PE, music or art.
    public var peArt: Double = 0

    public init() {}

    /// The tally of one teacher.
    public init(education: Education, title: Title, backbone: Backbone, subjects: [Subject]) {
        total = 1
        switch Education.allCases.firstIndex(of: education)! {
        case 0: e0 = 1; case 1: e1 = 1; case 2: e2 = 1; case 3: e3 = 1; case 4: e4 = 1; default: e5 = 1
        }
        intermediatePlus = title.isIntermediateOrHigher ? 1 : 0
        backboneCountyPlus = backbone.isCountyOrHigher ? 1 : 0
        peArt = Self.isPEArt(subjects) ? 1 : 0
    }

    public static func isPEArt(_ subjects: [Subject]) -> Bool {
        !subjects.isEmpty && subjects.allSatisfy { $0 == .pe || $0 == .music || $0 == .art }
    }

    /// Teachers whose education is at least `minimum`.
    public func atLeast(_ minimum: Education) -> Double {
        switch Education.allCases.firstIndex(of: minimum)! {
        case 0: return e0 + e1 + e2 + e3 + e4 + e5
        case 1: return e1 + e2 + e3 + e4 + e5
        case 2: return e2 + e3 + e4 + e5
        case 3: return e3 + e4 + e5
        case 4: return e4 + e5
        default: return e5
        }
    }

    public static func + (a: TeacherTally, b: TeacherTally) -> TeacherTally {
        var r = a
        r.total += b.total
        r.e0 += b.e0; r.e1 += b.e1; r.e2 += b.e2; r.e3 += b.e3; r.e4 += b.e4; r.e5 += b.e5
        r.intermediatePlus += b.intermediatePlus
        r.backboneCountyPlus += b.backboneCountyPlus
        r.peArt += b.peArt
        return r
    }

    public static func - (a: TeacherTally, b: TeacherTally) -> TeacherTally { a + b.scaled(-1) }

    public func scaled(_ f: Double) -> TeacherTally {
        var r = self
        r.total *= f
        r.e0 *= f; r.e1 *= f; r.e2 *= f; r.e3 *= f; r.e4 *= f; r.e5 *= f
        r.intermediatePlus *= f
        r.backboneCountyPlus *= f
        r.peArt *= f
        return r
    }
}
