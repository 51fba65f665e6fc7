/// Teacher counts of one school part (学段), as the balance indicators need them. Counts are
/// `Double` because a split school's teachers without a part are shared out by student weight.
public struct TeacherTally: Sendable, Equatable, Codable {
    public var total: Double = 0
    /// Indexed by `Education.allCases` order.
    public var byEducation: [Double] = Array(repeating: 0, count: Education.allCases.count)
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
        byEducation[Education.allCases.firstIndex(of: education)!] = 1
        intermediatePlus = title.isIntermediateOrHigher ? 1 : 0
        backboneCountyPlus = backbone.isCountyOrHigher ? 1 : 0
        peArt = Self.isPEArt(subjects) ? 1 : 0
    }

    public static func isPEArt(_ subjects: [Subject]) -> Bool {
        !subjects.isEmpty && subjects.allSatisfy { $0 == .pe || $0 == .music || $0 == .art }
    }

    /// Teachers whose education is at least `minimum`.
    public func atLeast(_ minimum: Education) -> Double {
        let from = Education.allCases.firstIndex(of: minimum)!
        return byEducation[from...].reduce(0, +)
    }

    public static func + (a: TeacherTally, b: TeacherTally) -> TeacherTally {
        var r = a
        r.total += b.total
        for i in r.byEducation.indices { r.byEducation[i] += b.byEducation[i] }
        r.intermediatePlus += b.intermediatePlus
        r.backboneCountyPlus += b.backboneCountyPlus
        r.peArt += b.peArt
        return r
    }

    public static func - (a: TeacherTally, b: TeacherTally) -> TeacherTally { a + b.scaled(-1) }

    public func scaled(_ f: Double) -> TeacherTally {
        var r = self
        r.total *= f
        r.byEducation = r.byEducation.map { $0 * f }
        r.intermediatePlus *= f
        r.backboneCountyPlus *= f
        r.peArt *= f
        return r
    }
}
