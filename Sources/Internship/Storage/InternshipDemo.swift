import Fluent
import Foundation
import Registry
import SQLKit
import XuequCore
import XuequKit

/// The internship's part of the demo county: a university's autumn batch in its fifth week (of
/// eight) at three schools of district one; `intern1` at `school1` with `teacher1` as mentor and
/// `supervisor` leading the group; one plan approved by both and taught after a passed trial
/// lecture, one waiting for the mentor; observations, a peer evaluation, class-teacher work, a
/// visit; one class of 82. Written directly (the services check dates against the clock).
enum InternshipDemo {
    static func seed(_ demo: DemoContext) async throws {
        guard let supervisor = demo.user("supervisor"), let internUser = demo.user("intern1"), let school1 = demo["school1"], let teacher1 = demo["teacher1"],
              let district1 = demo["district1"] else { return }
        let db = demo.db
        let today = demo.today
        let start = today.adding(days: -(28 + (today.daysSinceEpoch + 3) % 7))   // a Monday, four weeks ago
        let mentor = try await RegistryStore.teacher(id: teacher1, on: db)
        let subject = mentor?.subjectList.first ?? "chinese"
        let others = try await RegistryStore.schools(on: db, scope: .district(district1), filter: SchoolFilter(status: .active), page: PageSpec(page: 1, per: 50)).items
            .filter { $0.id != school1 && $0.stage == Stage.primary.rawValue }.prefix(2).map(\.id)
        let now = demo.now
        // The lesson the plans are about, in the mentor's subject.
        let lesson: (String, String) = switch subject {
        case "chinese": ("《秋天的雨》", "三年级")
        case "math": ("《分数的初步认识》", "三年级")
        case "english": ("Unit 3 Look at me", "三年级")
        default: ("\(Subject(rawValue: subject)?.zh ?? "")：认识新课", "四年级")
        }
        let county = try await AreaStore.soleCounty(on: db)
        try await demo.gate.transaction(on: db) { tx in
            struct Id: Decodable { let id: Int }
            let university = try await tx.sql.raw("INSERT INTO intern_universities (code, name) VALUES ('10102', '邯郸学院') RETURNING id").first(decoding: Id.self)!.id
            let batch = try await tx.sql.raw("""
                INSERT INTO intern_batches (university_id, name, starts_on, weeks, observations_per_week, weight_teaching, weight_class, weight_other, created_at, county_code)
                VALUES (\(bind: university), \(bind: "\(start.year)年秋季教育实习"), \(bind: start.description), \(bind: BatchCalendar.defaultWeeks.map(\.rawValue).joined(separator: ",")), 4, 50, 30, 20, \(bind: now), \(bind: county)) RETURNING id
                """).first(decoding: Id.self)!.id
            let group = try await tx.sql.raw("INSERT INTO intern_groups (batch_id, name, supervisor_user_id) VALUES (\(bind: batch), '第一组', \(bind: supervisor)) RETURNING id").first(decoding: Id.self)!.id
            for (school, places) in [(school1, 3)] + others.map({ ($0, 2) }) {
                for s in Set([subject, "chinese", "math"]) {
                    try await tx.sql.raw("INSERT INTO intern_capacity (batch_id, school_id, subject, places) VALUES (\(bind: batch), \(bind: school), \(bind: s), \(bind: places))").run()
                }
            }
            let names = ["李思雨", "王浩然", "张欣怡", "刘子涵", "陈佳琪", "杨晨阳"]
            var ids: [Int] = []
            for (k, name) in names.enumerated() {
                let s = k == 0 ? subject : (k % 2 == 0 ? "chinese" : "math")
                let school = k == 0 ? school1 : (k < 3 ? school1 : others[(k - 3) % max(others.count, 1)])
                let size = [56, 62, 82, 48, 58, 66][k]
                let id = try await tx.sql.raw("""
                    INSERT INTO interns (batch_id, group_id, user_id, student_no, name, major, subject, phone, preferences, school_id, mentor_teacher_id, class_name, class_size, version)
                    VALUES (\(bind: batch), \(bind: group), \(bind: k == 0 ? internUser : nil), \(bind: "2023010\(k + 1)"), \(bind: name), \(bind: s == "math" ? "数学与应用数学" : "汉语言文学"),
                            \(bind: s), NULL, \(bind: String(school)), \(bind: school), \(bind: k == 0 ? teacher1 : nil), \(bind: "\(["三", "四", "五"][k % 3])年级\(k + 1)班"), \(bind: size), 1) RETURNING id
                    """).first(decoding: Id.self)!.id
                ids.append(id)
            }
            let me = ids[0]
            func day(_ d: Int) -> String { start.adding(days: d).description }
            let approved = try await tx.sql.raw("""
                INSERT INTO intern_lesson_plans (intern_id, title, subject, grade, content, version, mentor_approved_by, mentor_approved_at, supervisor_approved_by, supervisor_approved_at, trial, created_at, updated_at)
                VALUES (\(bind: me), \(bind: lesson.0 + "第一课时"), \(bind: subject), \(bind: lesson.1), \(bind: "课题：\(lesson.0)第一课时\n教学目标：1. 掌握本课的基本概念和方法；2. 能用所学解决简单问题。\n重点难点：概念的形成。\n教学准备：课件、学具。\n教学过程：一、情境导入；二、探究新知；三、巩固练习；四、小结。\n板书设计：课题与要点\n作业：课后练习1—3题。"),
                        2, 'teacher1', \(bind: now), 'supervisor', \(bind: now), 'passed', \(bind: now), \(bind: now)) RETURNING id
                """).first(decoding: Id.self)!.id
            try await tx.sql.raw("INSERT INTO intern_plan_versions (plan_id, version, title, content, saved_at) VALUES (\(bind: approved), 1, \(bind: lesson.0), '初稿', \(bind: now)), (\(bind: approved), 2, \(bind: lesson.0 + "第一课时"), '修改稿', \(bind: now))").run()
            try await tx.sql.raw("INSERT INTO intern_plan_comments (plan_id, version, author, role, text, at) VALUES (\(bind: approved), 1, 'teacher1', 'mentor', '教学目标写得太大，分成两个课时。', \(bind: now))").run()
            try await tx.sql.raw("INSERT INTO intern_trials (plan_id, passed, notes, by, at) VALUES (\(bind: approved), true, '小组试讲，节奏合适', 'supervisor', \(bind: now))").run()
            let waiting = try await tx.sql.raw("""
                INSERT INTO intern_lesson_plans (intern_id, title, subject, grade, content, version, trial, created_at, updated_at)
                VALUES (\(bind: me), \(bind: lesson.0 + "第二课时"), \(bind: subject), \(bind: lesson.1), '教学目标：巩固新知，完成分层练习。', 1, 'none', \(bind: now), \(bind: now)) RETURNING id
                """).first(decoding: Id.self)!.id
            try await tx.sql.raw("INSERT INTO intern_plan_versions (plan_id, version, title, content, saved_at) VALUES (\(bind: waiting), 1, \(bind: lesson.0 + "第二课时"), '教学目标：巩固新知，完成分层练习。', \(bind: now))").run()
            var rows: [(String, Int, Int?, String?, String, Int?, Int?, String?, String?, String)] = []
            for d in [0, 1, 2, 3, 7, 8, 9, 10, 14, 15, 16, 17, 21, 22, 23, 24, 28, 29] { rows.append(("observation", d, nil, "三年级2班", "听指导教师的课", nil, nil, nil, "记录了导入和提问的方式", "intern1")) }
            for d in [8, 10, 15] { rows.append(("teaching", d, approved, "三年级1班", lesson.0, 1, nil, nil, nil, "intern1")) }
            rows.append(("evaluation", 16, nil, nil, "听王浩然《分数的初步认识》", nil, ids[1], "{\"board\":4,\"content\":4,\"interaction\":3,\"method\":4,\"objectives\":5}", "提问可以再开放一些", "intern1"))
            for (d, what) in [(9, "午间值日，组织学生就餐"), (14, "主题班会：我爱读书"), (18, "家访：了解学生学习习惯")] { rows.append(("class_log", d, nil, nil, what, nil, nil, nil, nil, "intern1")) }
            rows.append(("activity", 19, nil, nil, "指导学生参加校园朗诵比赛", nil, nil, nil, nil, "intern1"))
            rows.append(("visit", 17, nil, nil, "带队教师到校听课", nil, nil, nil, "课堂组织有进步，板书需规范", "supervisor"))
            for r in rows where start.adding(days: r.1) <= today {
                try await tx.sql.raw("""
                    INSERT INTO intern_records (intern_id, kind, on_date, lesson_plan_id, class_name, topic, periods, of_intern_id, scores, notes, by, at)
                    VALUES (\(bind: me), \(bind: r.0), \(bind: day(r.1)), \(bind: r.2), \(bind: r.3), \(bind: r.4), \(bind: r.5), \(bind: r.6), \(bind: r.7), \(bind: r.8), \(bind: r.9), \(bind: now))
                    """).run()
            }
            try await tx.sql.raw("INSERT INTO intern_appraisals (intern_id, score_teaching, score_class, score_other, final_score, grade, graded_by) VALUES (\(bind: ids[3]), 88, 85, 90, 87.5, 'good', 'supervisor')").run()
            try await Audit.record(on: tx, .system("seed"), action: "seed.internship", entity: "intern_batch", entityId: String(batch), summary: "示范批次：\(names.count) 名实习生")
        }
    }
}
