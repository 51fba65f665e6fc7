import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// The teaching module's part of the demo county: district one's research group in teacher1's
/// subject (teacher1 leads it), a released 通案, teacher1's adapted 个案 and a colleague's copy
/// that the teaching office sees flagged, and a draft 通案 waiting in review.
enum TeachingDemo {
    static func seed(_ demo: DemoContext) async throws {
        guard demo.isCounty, let t1 = demo["teacher1"], let d1 = demo["district1"], let leader = try await RegistryStore.teacher(id: t1, on: demo.db) else { return }
        let subject = leader.subjectList.first ?? "chinese"
        let colleagues = try await RegistryStore.teachers(on: demo.db, scope: .district(d1), filter: TeacherFilter(), page: PageSpec(page: 1, per: 200), withSchool: false).items
            .filter { $0.id != t1 && $0.subjectList.contains(subject) }.prefix(3).map(\.id)
        let now = demo.now
        let common: [String: String] = [
            "课题": "第三单元 第一课时", "教学目标": "1. 理解本课的核心概念；2. 能用所学解决生活中的简单问题；3. 养成合作交流的习惯。",
            "重点难点": "重点：概念的形成。难点：用概念解释现象。", "教学准备": "课件、学习单、实物教具。",
            "教学过程": "一、情境导入（5分钟）：从学生熟悉的生活场景提出问题。\n二、探究新知（20分钟）：小组合作，动手操作，归纳概念。\n三、巩固练习（10分钟）：分层练习，当堂反馈。\n四、课堂小结（5分钟）：学生说收获，教师补充。",
            "板书设计": "课题\n概念 — 例子 — 方法", "作业": "必做：课后练习1—3；选做：拓展题1。",
        ]
        var adaptedDraft = common
        adaptedDraft["教学过程"] = "一、情境导入（3分钟）：用本班春游的照片提问。\n二、探究新知（22分钟）：同桌合作，动手操作，全班交流后归纳概念。\n三、巩固练习（10分钟）：针对后进生的基础题和针对优生的拓展题。\n四、课堂小结（5分钟）。"
        adaptedDraft["教后反思"] = "导入贴近学生，参与度高；拓展题时间不够，下次提前到练习前半段。"
        let adapted = adaptedDraft
        try await demo.gate.transaction(on: demo.db) { tx in
            struct Id: Decodable { let id: Int }
            let group = try await tx.sql.raw("""
                INSERT INTO teaching_groups (name, level, district_id, school_id, subject, leader_teacher_id, review_levels, created_at)
                VALUES (\(bind: "学区\(Subject(rawValue: subject)?.zh ?? "")中心组"), 'district', \(bind: d1), NULL, \(bind: subject), \(bind: t1), 2, \(bind: now)) RETURNING id
                """).first(decoding: Id.self)!.id
            for t in [t1] + colleagues { try await tx.sql.raw("INSERT INTO teaching_group_members (group_id, teacher_id) VALUES (\(bind: group), \(bind: t))").run() }
            func plan(kind: String, level: String, owner: Int, parent: Int?, state: String, review: Int, sections: [String: String], title: String) async throws -> Int {
                let owner = try await RegistryStore.teacher(id: owner, on: tx)!
                let json = TeachingService.json(sections)
                let id = try await tx.sql.raw("""
                    INSERT INTO lesson_plans (kind, level, group_id, parent_id, owner_teacher_id, district_id, school_id, title, subject, grade, edition, unit, sections, state,
                      review_level, release_on, version, created_at, updated_at, state_since, secs_draft, secs_in_review, secs_approved)
                    VALUES (\(bind: kind), \(bind: level), \(bind: kind == "common" ? group : nil), \(bind: parent), \(bind: owner.id), \(bind: owner.districtId), \(bind: owner.schoolId),
                            \(bind: title), \(bind: subject), '三年级', '人教版', '第三单元', \(bind: json), \(bind: state), \(bind: review),
                            \(bind: state == "released" ? "\(demo.today.year)-09-01" : nil), 1, \(bind: now), \(bind: now), \(bind: now), 0, 0, 0) RETURNING id
                    """).first(decoding: Id.self)!.id
                try await tx.sql.raw("INSERT INTO lesson_plan_versions (plan_id, version, title, sections, saved_by, saved_at) VALUES (\(bind: id), 1, \(bind: title), \(bind: json), 'seed', \(bind: now))").run()
                try await TeachingService.index(id, title: title, sections: sections, on: tx)
                return id
            }
            let released = try await plan(kind: "common", level: "district", owner: t1, parent: nil, state: "released", review: 2, sections: common, title: "第三单元第一课时（学区通案）")
            _ = try await plan(kind: "personal", level: "personal", owner: t1, parent: released, state: "draft", review: 0, sections: adapted, title: "第三单元第一课时（学区通案）")
            if let copier = colleagues.first {
                _ = try await plan(kind: "personal", level: "personal", owner: copier, parent: released, state: "draft", review: 0, sections: common, title: "第三单元第一课时（学区通案）")
            }
            if let author = colleagues.dropFirst().first {
                var next = common
                next["课题"] = "第三单元 第二课时"
                _ = try await plan(kind: "common", level: "district", owner: author, parent: nil, state: "in_review", review: 1, sections: next, title: "第三单元第二课时（学区通案）")
            }
            // This year's county-wide training: the winter and the summer programme, 40 hours each,
            // every teacher enrolled; about one in ten missed each (so some are short of 72 hours).
            let year = demo.today.year
            for (k, (name, kind, start, end)) in [("\(year)年寒假全员培训", "winter", "\(year)-01-20", "\(year)-01-26"), ("\(year)年暑期全员培训", "summer", "\(year)-07-12", "\(year)-07-20")].enumerated() {
                let p = try await tx.sql.raw("INSERT INTO training_programmes (name, kind, starts_on, ends_on, hours, created_at) VALUES (\(bind: name), \(bind: kind), \(bind: start), \(bind: end), 40, \(bind: now)) RETURNING id")
                    .first(decoding: Id.self)!.id
                try await tx.sql.raw("""
                    INSERT INTO training_enrolments (programme_id, teacher_id, attended, hours)
                    SELECT \(bind: p), id, CASE WHEN (id + \(bind: k * 5)) % 11 = 0 THEN false ELSE true END, CASE WHEN (id + \(bind: k * 5)) % 11 = 0 THEN 0 ELSE 40 END FROM teachers
                    """).run()
            }
            try await Audit.record(on: tx, .system("seed"), action: "seed.teaching", entity: "teaching_group", entityId: String(group), summary: "a group, four plans, two training programmes")
        }
    }
}
