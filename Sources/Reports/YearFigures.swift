import Foundation
import Internship
import Registry
import Teaching
import XuequCore

/// The year in figures: each figure with one definition, for a county or a district. The year is
/// the calendar year (1 January – 31 December) everywhere, except the rotation year (the plans of
/// the year, taking effect from 1 September) and the equity statistics (the latest statistical
/// year up to it), said beside each on the page.
public struct YearFigures: Codable, Sendable, Equatable {
    public struct Schools: Codable, Sendable, Equatable {
        public var start = 0, end = 0, merged = 0, standardised = 0
        public var byStage: [String: Int] = [:]
        public var byLocality: [String: Int] = [:]
        /// Mergers up to the year's end by the year they took effect (optional: summaries
        /// finalised before it was counted decode).
        public var mergedByYear: [String: Int]?
    }
    public struct Teachers: Codable, Sendable, Equatable {
        public var total = 0, qualified = 0
        public var byTitle: [String: Int] = [:]
        public var byEducation: [String: Int] = [:]
        public var byBackbone: [String: Int] = [:]
        /// By the stage taught (optional: summaries finalised before it was counted decode).
        public var byStage: [String: Int]?
    }
    public struct Exchange: Codable, Sendable, Equatable {
        public var eligible = 0, moved = 0, required = 0, backboneMoved = 0, backboneRequired = 0
        public var support = 0, supportToRural = 0, supportTarget = 0, secondment = 0
        public var byDistrict: [Row] = []
        /// Moves by direction (城区 → 乡村 …) and form; alliances with a member school in the area
        /// and their schools (optional: summaries finalised before they were counted decode).
        public var byDirection: [Direction]?
        public var alliances: Int?
        public var allianceSchools: Int?
        /// Each alliance's bundled score of the year (捆绑考核: its members' scores weighted by
        /// enrolment) and the gap between its best and worst member; nil before they were counted.
        public var allianceScores: [AllianceScore]?
        /// 走教 as arranged now (the current year's summary only): itinerant teachers, the periods a
        /// week the timetable places and those it cannot.
        public var itinerant: Itinerant?
        public struct AllianceScore: Codable, Sendable, Equatable {
            public var name: String; public var schools: Int; public var year: Int?; public var combined: Double?; public var gap: Double?
        }
        public struct Itinerant: Codable, Sendable, Equatable {
            public var teachers = 0, periods = 0, unplaced = 0, schools = 0
        }
        public struct Direction: Codable, Sendable, Equatable {
            public var label: String; public var transfer: Int; public var support: Int; public var secondment: Int
        }
        public struct Row: Codable, Sendable, Equatable {
            public var district: String; public var moved: Int; public var required: Int; public var support: Int
        }
    }
    public struct Training: Codable, Sendable, Equatable { public var teachers = 0, completed = 0; public var hoursRequired = 0.0 }
    public struct Certification: Codable, Sendable, Equatable {
        public var applied = 0, certified = 0
        public var byType: [String: Int] = [:]
        public var failureReasons: [String: Int] = [:]
        public var windows: [Window] = []
        public struct Window: Codable, Sendable, Equatable {
            public var name: String; public var applied: Int; public var certified: Int; public var byType: [String: Int];
            public var failureReasons: [String: Int]
        }
    }
    public struct Balance: Codable, Sendable, Equatable {
        public var basicPrimary: Bool?, basicJunior: Bool?, qualityPrimary: Bool?, qualityJunior: Bool?
        public var schoolsMeetingQuality = 0, schoolParts = 0
    }
    public struct Equity: Codable, Sendable, Equatable {
        /// The statistical year the figures are for (the latest up to the summary's year), nil without any.
        public var year: Int?
        public var rates: [String: Double] = [:]
    }

    public var year: Int
    /// "county", or the district's name.
    public var scope: String
    public var districtId: Int?
    public var districts = 0
    public var centralSchools = 0
    public var schools = Schools()
    public var teachers = Teachers()
    public var exchange = Exchange()
    public var training = Training()
    /// County only: the certifying body is the county's.
    public var certification: Certification?
    public var internship = InternshipYearFigures()
    /// Research, shared plans, model lessons, university placements (optional: summaries
    /// finalised before it was counted decode without it).
    public var teaching: TeachingYearFigures?
    /// Student aid in the year (county only): students helped and the amount in yuan.
    public var aid: Aid?
    public struct Aid: Codable, Sendable, Equatable { public var students: Int; public var amountYuan: Double }
    public var balance = Balance()
    public var equity: Equity?

    public init(year: Int, scope: String, districtId: Int?) { self.year = year; self.scope = scope; self.districtId = districtId }

    /// The placeholders a section's text may use, with their values.
    public func placeholders(_ l: UILocale) -> [String: String] {
        func pct(_ a: Int, _ b: Int) -> String { b > 0 ? String(format: "%.1f%%", Double(a) * 100 / Double(b)) : "—" }
        var p: [String: String] = [
            "year": String(year), "districts": String(districts), "centralSchools": String(centralSchools),
            "schools.start": String(schools.start), "schools.end": String(schools.end), "schools.merged": String(schools.merged),
            "schools.standardised": String(schools.standardised),
            "teachers": String(teachers.total), "teachers.qualified": String(teachers.qualified),
            "teachers.backbone": String((teachers.byBackbone["county"] ?? 0) + (teachers.byBackbone["city"] ?? 0) + (teachers.byBackbone["province"] ?? 0)),
            "teachers.senior": String((teachers.byTitle["senior"] ?? 0) + (teachers.byTitle["professor"] ?? 0)),
            "exchange.moved": String(exchange.moved), "exchange.required": String(exchange.required), "exchange.eligible": String(exchange.eligible),
            "exchange.share": pct(exchange.moved, exchange.eligible), "exchange.backboneMoved": String(exchange.backboneMoved),
            "exchange.support": String(exchange.support), "exchange.supportTarget": String(exchange.supportTarget),
            "exchange.supportToRural": String(exchange.supportToRural),
            "training.teachers": String(training.teachers), "training.completed": String(training.completed),
            "training.share": pct(training.completed, training.teachers),
            "internship.batches": String(internship.batches.count), "internship.interns": String(internship.interns),
            "balance.schoolsMeeting": String(balance.schoolsMeetingQuality), "balance.schoolParts": String(balance.schoolParts),
        ]
        if let history = schools.mergedByYear {
            let total = history.values.reduce(0, +)
            p["schools.mergedTotal"] = String(total)
            p["schools.before"] = String(schools.end + total)
            p["schools.firstMerger"] = history.keys.min() ?? String(year)
        }
        p["exchange.secondment"] = String(exchange.secondment)
        if let a = exchange.alliances { p["exchange.alliances"] = String(a) }
        if let a = exchange.allianceSchools { p["exchange.allianceSchools"] = String(a) }
        if let scores = exchange.allianceScores {
            let scored = scores.compactMap(\.combined)
            p["exchange.alliancesScored"] = String(scored.count)
            p["exchange.allianceScore"] = scored.isEmpty ? "—" : String(format: "%.1f", scored.reduce(0, +) / Double(scored.count))
        }
        if let i = exchange.itinerant {
            p["exchange.itinerantTeachers"] = String(i.teachers); p["exchange.itinerantPeriods"] = String(i.periods)
            p["exchange.itinerantSchools"] = String(i.schools)
        }
        if let a = aid { p["aid.students"] = String(a.students); p["aid.amount"] = String(format: "%.0f", a.amountYuan) }
        if let t = teaching {
            p["teaching.activities"] = String(t.activities); p["teaching.openClasses"] = String(t.openClasses)
            p["teaching.commonPlans"] = String(t.commonPlans); p["teaching.ownPlans"] = String(t.ownPlans); p["teaching.nearCopies"] = String(t.nearCopies)
            p["teaching.modelLessons"] = String(t.modelLessons); p["teaching.modelLessonsLate"] = String(t.modelLessonsLate)
            p["teaching.universityTeachers"] = String(t.universityTeachers)
        }
        if let c = certification {
            p["certification.applied"] = String(c.applied); p["certification.certified"] = String(c.certified)
            p["certification.byType"] = CertificateType.allCases.compactMap { t in
                c.byType[t.rawValue].map { "\(l == .en ? t.en : t.zh)\($0)" + (l == .en ? "" : "人") }
            }.joined(separator: l == .en ? ", " : "、")
        }
        if let e = equity {
            for (k, v) in e.rates { p["equity.\(k)"] = String(format: "%.2f%%", v * 100) }
            p["equity.year"] = e.year.map(String.init) ?? "—"
        }
        return p
    }
}
