import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// The exchange module's part of the demo county: qualifications on the teachers, last year's
/// executed county plan (支教 teachers out, some back, some due back soon) with the host schools'
/// assessments, this year's drafts of two districts (one submitted), two alliances with three
/// years of bundled scores, and district one's itinerant teachers with a timetable to generate.
/// Deterministic: no randomness, and the optimiser is bounded by evaluations, not time.
enum ExchangeDemo {
    static func seed(_ demo: DemoContext) async throws {
        let app = demo.app
        let actor = Actor(userId: 0, username: "seed", displayName: "演示数据", role: .bureauAdmin, scope: .county, permissions: app.grants.permissions(of: .bureauAdmin))
        let ctx = app.context(actor: actor, name: "seed")
        let service = ExchangeService(ctx)
        let db = demo.db
        let today = demo.today

        // Teachers certified elsewhere: the registry records their types.
        try await RegistryDemo.seedQualifications(demo)

        // The county plan of the round under way (last September), executed.
        let last = ExchangeService.currentRound(today)
        let candidates = try await ExchangeStore.candidates(district: nil, on: db)
        let schools = try await ExchangeStore.schools(district: nil, on: db)
        let rules = RotationRules.national
        let rural = schools.values.filter { $0.active && $0.isRural && $0.parts == [.primary] }.sorted { $0.id < $1.id }
        let fromTown = candidates.filter { c in
            guard let s = schools[c.schoolId], s.active, !s.isRural, s.parts == [.primary] else { return false }
            return Eligibility.isDue(c, year: last, rules: rules) && c.qualification != nil
                && c.subjects.contains { [.chinese, .math, .english].contains($0) }
        }.sorted { $0.id < $1.id }
        guard !rural.isEmpty, fromTown.count >= 40 else { return }
        var moves: [MoveInput] = []
        let starts = "\(last)-09-01"
        for (k, c) in fromTown.prefix(40).enumerated() {
            let to = rural[(k * 7) % rural.count]
            if k < 24 {
                // 支教 for the school year, six of them for two.
                let back = k < 18 ? "\(last + 1)-07-15" : "\(last + 2)-07-15"
                moves.append(MoveInput(teacherId: c.id, toSchoolId: to.id, form: "support", startsOn: starts, returnsOn: back, reason: "城镇教师到乡村学校支教"))
            } else {
                moves.append(MoveInput(teacherId: c.id, toSchoolId: to.id, form: "transfer", startsOn: starts, reason: "城乡交流"))
            }
        }
        let (plan, _) = try await service.createPlan(year: last, district: nil, title: "\(last)年全县教师交流轮岗和支教方案", moves: moves)
        var p = try await service.act(planId: plan.id, event: .submit, version: plan.version, reason: nil)
        p = try await service.act(planId: p.id, event: .approve, version: p.version, reason: nil)
        _ = try await ExchangeJobs.runDue(service, on: today)
        // Half of the host schools have assessed this year; the others have it on their home page.
        for m in try await ExchangeStore.moves(planId: p.id, on: db) where m.form == MoveForm.support.rawValue && m.id % 2 == 0 {
            let rating: AssessmentRating = m.id % 5 == 0 ? .excellent : .competent
            _ = try await service.assess(moveId: m.id, year: last, rating: rating.rawValue, comments: "支教期间承担\(m.id % 2 == 0 ? "语文" : "数学")教学，完成教学任务，参加学校教研活动。")
        }

        // A host school that has not assessed its 支教 teacher yet signs in as hostschool1 (issue 28:
        // entering an assessment needed an account made by hand).
        if let m = try await ExchangeStore.moves(planId: p.id, on: db).first(where: { $0.form == MoveForm.support.rawValue && $0.id % 2 != 0 }),
           let host = schools[m.toSchoolId] {
            try await demo.addAccounts([.init(username: "hostschool1", displayName: "\(host.name)校长", role: .schoolAdmin, districtId: host.districtId, schoolId: host.id)])
        }

        // This year's drafts: district one a draft, district two submitted to the bureau.
        let next = RotationRules.nextRound(after: today).year
        for (key, submit) in [("district1", false), ("district2", true)] {
            guard let d = demo[key] else { continue }
            let s = try await service.suggest(year: next, district: d, evaluationBudget: 20_000)
            let inputs = s.suggestion.moves.map { m in
                MoveInput(teacherId: m.teacherId, toSchoolId: m.toSchoolId, toPart: m.toPart?.rawValue, form: "transfer", startsOn: "\(next)-09-01",
                          reason: m.reasons.map(\.zh).joined(separator: "；"))
            }
            let (draft, _) = try await service.createPlan(year: next, district: d, title: nil, moves: inputs)
            if submit { _ = try await service.act(planId: draft.id, event: .submit, version: draft.version, reason: nil) }
        }

        // Two alliances with three years of scores and their checklists.
        let alliances = AllianceService(ctx)
        if let d1 = demo["district1"], let d2 = demo["district2"], let lead = demo["school1"] {
            let ruralOf = { (d: Int) in schools.values.filter { $0.districtId == d && $0.active && $0.isRural && $0.parts == [.primary] }.sorted { $0.id < $1.id } }
            if let partner = ruralOf(d1).first {
                let id = try await alliances.create(name: "\(schools[lead]?.name ?? "")—\(partner.name)对口帮扶", kind: "pairing", leadSchoolId: lead, memberIds: [lead, partner.id])
                for (k, y) in ((today.year - 3)..<today.year).enumerated() {
                    try await alliances.putScores(id: id, year: y, scores: [lead: String(90 + k), partner.id: String(71 + 4 * k)])
                }
                for (term, done) in [("\(today.year - 1)春", 3), ("\(today.year - 1)秋", 4), ("\(today.year)春", 4), ("\(today.year)秋", 2)] {
                    try await alliances.putTerm(id: id, term: term, done: Set(Unification.allCases.prefix(done)))
                }
            }
            let d2Schools = schools.values.filter { $0.districtId == d2 && $0.active && $0.parts == [.primary] }.sorted { ($0.isRural ? 1 : 0, $0.id) < ($1.isRural ? 1 : 0, $1.id) }
            if d2Schools.count >= 3 {
                let members = Array(d2Schools.prefix(3))
                let id = try await alliances.create(name: "\(members[0].name)强弱联盟", kind: "strong_weak", leadSchoolId: members[0].id, memberIds: members.map(\.id))
                for (k, y) in ((today.year - 3)..<today.year).enumerated() {
                    try await alliances.putScores(id: id, year: y, scores: [members[0].id: String(88 + k), members[1].id: String(75 + 2 * k), members[2].id: String(68 + 5 * k)])
                }
                try await alliances.putTerm(id: id, term: "\(today.year)春", done: Set(Unification.allCases))
            }
        }

        // District one's itinerant teachers, demand at its smallest rural schools, travel times.
        if let d1 = demo["district1"] {
            let itinerant = ItinerantService(ctx)
            let mine = try await ExchangeStore.candidates(district: d1, on: db)
            var chosen = Set<Int>()
            // teacher1 is another demo person (a mentor and group leader), not an itinerant one.
            let reserved = Set([demo["teacher1"]].compactMap { $0 })
            for (subject, count) in [(Subject.music, 1), (.art, 1), (.english, 2), (.pe, 1), (.it, 1)] {
                for c in mine.filter({ $0.subjects.contains(subject) && !chosen.contains($0.id) && !reserved.contains($0.id) }).prefix(count) {
                    try await itinerant.putTeacher(district: d1, teacherId: c.id, subject: subject.rawValue, maxPeriods: 16)
                    chosen.insert(c.id)
                }
            }
            let targets = schools.values.filter { $0.districtId == d1 && $0.active && $0.isRural && $0.parts == [.primary] }.sorted { $0.id < $1.id }.prefix(8)
            var cells: [String: String] = [:]
            for s in targets {
                for (subject, n) in [(Subject.music, 2), (.art, 2), (.english, 3), (.pe, 2), (.it, 1)] { cells["\(s.id):\(subject.rawValue)"] = String(n) }
            }
            try await itinerant.putDemand(district: d1, cells: cells)
            let all = schools.values.filter { $0.districtId == d1 && $0.active }.sorted { $0.code < $1.code }
            var travel: [String: String] = [:]
            for (i, a) in all.enumerated() { for b in all[(i + 1)...] { travel["\(a.id):\(b.id)"] = String(5 + (a.id + b.id) % 12) } }
            try await itinerant.putTravel(district: d1, cells: travel)
            // The first of them signs in as itinerant1 and sees her week.
            if let first = chosen.min(), let teacher = try await RegistryStore.teacher(id: first, on: db) {
                try await demo.addAccounts([.init(username: "itinerant1", displayName: teacher.name, role: .teacher, districtId: teacher.districtId, schoolId: teacher.schoolId, teacherId: first)])
            }
        }
    }
}
