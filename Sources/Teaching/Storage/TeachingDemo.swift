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
        guard demo.isCounty, let t1 = demo["teacher1"], let d1 = demo["district1"], let leader = try await RegistryStore.teacher(id: t1, on: demo.db) else {
            return
        }
        let subject = leader.subjectList.first ?? "chinese"
        let colleagues = try await RegistryStore.teachers(
            on: demo.db, scope: .district(d1), filter: TeacherFilter(), page: PageSpec(page: 1, per: 200), withSchool: false
        ).items
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
            let group = try await tx.sql.raw(
                """
                INSERT INTO teaching_groups (name, level, district_id, school_id, subject, leader_teacher_id, review_levels, created_at)
                VALUES (\(bind: "学区\(Subject(rawValue: subject)?.zh ?? "")中心组"), 'district', \(bind: d1), NULL, \(bind: subject), \(bind: t1), 2, \(bind: now)) RETURNING id
                """
            ).first(decoding: Id.self)!.id
            for t in [t1] + colleagues {
                try await tx.sql.raw("INSERT INTO teaching_group_members (group_id, teacher_id) VALUES (\(bind: group), \(bind: t))").run()
            }
            func plan(kind: String, level: String, owner: Int, parent: Int?, state: String, review: Int, sections: [String: String], title: String) async throws
                -> Int
            {
                let owner = try await RegistryStore.teacher(id: owner, on: tx)!
                let json = TeachingService.json(sections)
                let id = try await tx.sql.raw(
                    """
                    INSERT INTO lesson_plans (kind, level, group_id, parent_id, owner_teacher_id, district_id, school_id, title, subject, grade, edition, unit, sections, state,
                      review_level, release_on, version, created_at, updated_at, state_since, secs_draft, secs_in_review, secs_approved)
                    VALUES (\(bind: kind), \(bind: level), \(bind: kind == "common" ? group : nil), \(bind: parent), \(bind: owner.id), \(bind: owner.districtId), \(bind: owner.schoolId),
                            \(bind: title), \(bind: subject), '三年级', '人教版', '第三单元', \(bind: json), \(bind: state), \(bind: review),
                            \(bind: state == "released" ? "\(demo.today.year)-09-01" : nil), 1, \(bind: now), \(bind: now), \(bind: now), 0, 0, 0) RETURNING id
                    """
                ).first(decoding: Id.self)!.id
                try await tx.sql.raw(
                    "INSERT INTO lesson_plan_versions (plan_id, version, title, sections, saved_by, saved_at) VALUES (\(bind: id), 1, \(bind: title), \(bind: json), 'seed', \(bind: now))"
                ).run()
                try await TeachingService.index(id, on: tx)
                return id
            }
            let released = try await plan(
                kind: "common", level: "district", owner: t1, parent: nil, state: "released", review: 2, sections: common, title: "第三单元第一课时（学区通案）")
            _ = try await plan(
                kind: "personal", level: "personal", owner: t1, parent: released, state: "draft", review: 0, sections: adapted, title: "第三单元第一课时（学区通案）")
            if let copier = colleagues.first {
                _ = try await plan(
                    kind: "personal", level: "personal", owner: copier, parent: released, state: "draft", review: 0, sections: common, title: "第三单元第一课时（学区通案）")
            }
            if let author = colleagues.dropFirst().first {
                var next = common
                next["课题"] = "第三单元 第二课时"
                _ = try await plan(
                    kind: "common", level: "district", owner: author, parent: nil, state: "in_review", review: 1, sections: next, title: "第三单元第二课时（学区通案）")
            }
            // This year's county-wide training: the winter and the summer programme, 40 hours each,
            // every teacher enrolled; about one in ten missed each (so some are short of 72 hours).
            let year = demo.today.year
            for (k, (name, kind, start, end)) in [
                ("\(year)年寒假全员培训", "winter", "\(year)-01-20", "\(year)-01-26"), ("\(year)年暑期全员培训", "summer", "\(year)-07-12", "\(year)-07-20"),
            ].enumerated() {
                let p = try await tx.sql.raw(
                    "INSERT INTO training_programmes (name, kind, starts_on, ends_on, hours, created_at) VALUES (\(bind: name), \(bind: kind), \(bind: start), \(bind: end), 40, \(bind: now)) RETURNING id"
                )
                .first(decoding: Id.self)!.id
                try await tx.sql.raw(
                    """
                    INSERT INTO training_enrolments (programme_id, teacher_id, attended, hours)
                    SELECT \(bind: p), id, CASE WHEN (id + \(bind: k * 5)) % 11 = 0 THEN false ELSE true END, CASE WHEN (id + \(bind: k * 5)) % 11 = 0 THEN 0 ELSE 40 END FROM teachers
                    """
                ).run()
            }
            try await Audit.record(
                on: tx, .system("seed"), action: "seed.teaching", entity: "teaching_group", entityId: String(group), summary: "示范：一个备课组、四份教案、两个培训项目")
        }
        try await seedResearch(demo, subject: subject, teacher1: t1, district1: d1, colleagues: Array(colleagues))
    }

    /// The research network and a term of its work: the county office and district one's centre
    /// (researcher1 is its researcher), a county 通案 in a second subject with a district
    /// teacher's adapted 个案 and an unchanged copy, model lessons on time and late, and last
    /// term's activities — a collective preparation with minutes, teacher1's open class scored by
    /// three colleagues — plus an open class and an online activity in the coming days.
    static func seedResearch(_ demo: DemoContext, subject: String, teacher1 t1: Int, district1 d1: Int, colleagues: [Int]) async throws {
        let db = demo.db, now = demo.now, today = demo.today
        let district = try await RegistryStore.districtRows(on: db, scope: .county).first { $0.id == d1 }
        // The researcher: a teacher of district one in teacher1's subject who is not in the group.
        let inDistrict = try await RegistryStore.teachers(
            on: db, scope: .district(d1), filter: TeacherFilter(), page: PageSpec(page: 1, per: 200), withSchool: false
        ).items
        guard
            let researcher = inDistrict.first(where: { $0.id != t1 && !colleagues.contains($0.id) && $0.subjectList.contains(subject) })
                ?? inDistrict.first(where: { $0.id != t1 && !colleagues.contains($0.id) })
        else { return }
        // The second subject's county group: math, or Chinese when teacher1 teaches math.
        let second = subject == "math" ? "chinese" : "math"
        let county = try await RegistryStore.teachers(
            on: db, scope: .county, filter: TeacherFilter(subject: Subject(rawValue: second)), page: PageSpec(page: 1, per: 40), withSchool: false
        ).items
        let inD1 = county.filter { $0.districtId == d1 }
        guard let countyLeader = county.first(where: { $0.districtId != d1 }) ?? county.first else { return }
        let adapter = inD1.first, copier = inD1.dropFirst().first
        @Sendable func at(_ days: Int, _ h: Int, _ m: Int = 0) -> String { LocalDateTime(date: today.adding(days: days), minutes: h * 60 + m).description }
        try await demo.gate.transaction(on: db) { tx in
            struct Id: Decodable { let id: Int }
            let office = try await tx.sql.raw(
                "INSERT INTO research_units (level, district_id, name, created_at) VALUES ('county', NULL, '县教师发展中心教研室', \(bind: now)) RETURNING id"
            ).first(decoding: Id.self)!.id
            let centre = try await tx.sql.raw(
                "INSERT INTO research_units (level, district_id, name, created_at) VALUES ('district', \(bind: d1), \(bind: (district?.name ?? "第一学区") + "教研中心"), \(bind: now)) RETURNING id"
            ).first(decoding: Id.self)!.id
            try await tx.sql.raw(
                "INSERT INTO research_staff (unit_id, teacher_id, subject, since) VALUES (\(bind: centre), \(bind: researcher.id), \(bind: subject), \(bind: "\(today.year - 2)-09-01"))"
            ).run()
            try await tx.sql.raw(
                "INSERT INTO research_staff (unit_id, teacher_id, subject, since) VALUES (\(bind: office), \(bind: countyLeader.id), \(bind: second), \(bind: "\(today.year - 5)-09-01"))"
            ).run()

            // The county's 通案 in the second subject, released at the start of term, and two 个案 from it.
            let group = try await tx.sql.raw(
                """
                INSERT INTO teaching_groups (name, level, district_id, school_id, subject, leader_teacher_id, review_levels, created_at)
                VALUES (\(bind: "县\(Subject(rawValue: second)?.zh ?? "")中心组"), 'county', NULL, NULL, \(bind: second), \(bind: countyLeader.id), 1, \(bind: now)) RETURNING id
                """
            ).first(decoding: Id.self)!.id
            try await tx.sql.raw("INSERT INTO teaching_group_members (group_id, teacher_id) VALUES (\(bind: group), \(bind: countyLeader.id))").run()
            let sections: [String: String] =
                second == "math"
                ? [
                    "课题": "分数的初步认识", "教学目标": "1. 结合分物体的活动，认识几分之一，会读写分数；2. 经历动手操作、比较的过程，发展数感；3. 体会数学与生活的联系。",
                    "重点难点": "重点：认识几分之一。难点：理解“平均分”是分数的前提。", "教学准备": "圆形、正方形纸片，课件。",
                    "教学过程": "一、分月饼导入：两人平均分一个月饼，每人得多少？\n二、折一折、涂一涂：用纸片表示二分之一、四分之一。\n三、比一比：几分之一的大小。\n四、练习与小结。",
                    "板书设计": "分数的初步认识\n平均分 → 1/2 → 1/4", "作业": "课本练习第1、2题。",
                ]
                : [
                    "课题": "秋天的雨", "教学目标": "1. 认识本课生字，正确流利地朗读课文；2. 体会秋雨带来的色彩与丰收；3. 学习作者的比喻和拟人写法。",
                    "重点难点": "重点：朗读与积累好词佳句。难点：体会拟人句的表达效果。", "教学准备": "秋景图片、生字卡片、课件。",
                    "教学过程": "一、看图说秋天，揭示课题。\n二、初读课文，认读生字。\n三、精读第二自然段，品味颜色的描写。\n四、仿写一句话，小结。",
                    "板书设计": "秋天的雨\n钥匙 — 颜料 — 香味 — 喇叭", "作业": "摘抄课文中喜欢的句子；仿写一句。",
                ]
            func plan(kind: String, level: String, owner: TeacherRow, parent: Int?, state: String, sections: [String: String], title: String, groupId: Int?)
                async throws -> Int
            {
                let json = TeachingService.json(sections)
                let id = try await tx.sql.raw(
                    """
                    INSERT INTO lesson_plans (kind, level, group_id, parent_id, owner_teacher_id, district_id, school_id, title, subject, grade, edition, unit, sections, state,
                      review_level, release_on, version, created_at, updated_at, state_since, secs_draft, secs_in_review, secs_approved)
                    VALUES (\(bind: kind), \(bind: level), \(bind: groupId), \(bind: parent), \(bind: owner.id), \(bind: owner.districtId), \(bind: owner.schoolId),
                            \(bind: title), \(bind: second), '三年级', '人教版', '第八单元', \(bind: json), \(bind: state), \(bind: state == "released" ? 1 : 0),
                            \(bind: state == "released" ? "\(today.year)-09-01" : nil), 1, \(bind: now), \(bind: now), \(bind: now), 0, 0, 0) RETURNING id
                    """
                ).first(decoding: Id.self)!.id
                try await tx.sql.raw(
                    "INSERT INTO lesson_plan_versions (plan_id, version, title, sections, saved_by, saved_at) VALUES (\(bind: id), 1, \(bind: title), \(bind: json), 'seed', \(bind: now))"
                ).run()
                try await TeachingService.index(id, on: tx)
                return id
            }
            let countyPlan = try await plan(
                kind: "common", level: "county", owner: countyLeader, parent: nil, state: "released", sections: sections, title: sections["课题"]! + "（县通案）",
                groupId: group)
            var adaptedPlan: Int?
            if let adapter {
                var mine = sections
                mine["教学过程"] = (mine["教学过程"] ?? "") + "\n（本班学生基础较弱，第二环节增加一次同桌互说，练习改为分层两组。）"
                mine["作业"] = "基础组：课本练习第1题；提高组：第1、2题和一道生活中的分数题。"
                adaptedPlan = try await plan(
                    kind: "personal", level: "personal", owner: adapter, parent: countyPlan, state: "draft", sections: mine, title: sections["课题"]! + "（县通案）",
                    groupId: nil)
            }
            if let copier {
                _ = try await plan(
                    kind: "personal", level: "personal", owner: copier, parent: countyPlan, state: "draft", sections: sections,
                    title: sections["课题"]! + "（县通案）", groupId: nil)
            }

            // 优课: teacher1's adapted 个案 for a date three weeks on (on time); the adapter's a week on (late).
            struct P: Decodable { let id: Int; let title: String; let schoolId: Int; let districtId: Int }
            if let mine = try await tx.sql.raw(
                "SELECT id, title, school_id, district_id FROM lesson_plans WHERE owner_teacher_id = \(bind: t1) AND kind = 'personal' ORDER BY id LIMIT 1"
            ).first(decoding: P.self, with: TeachingService.decoder) {
                try await tx.sql.raw(
                    """
                    INSERT INTO teaching_model_lessons (plan_id, teacher_id, school_id, district_id, title, teaching_on, uploaded_on, late, level, created_at)
                    VALUES (\(bind: mine.id), \(bind: t1), \(bind: mine.schoolId), \(bind: mine.districtId), \(bind: mine.title), \(bind: today.adding(days: 21).description), \(bind: today.description), false, 'school', \(bind: now))
                    """
                ).run()
            }
            if let adapter, let adaptedPlan {
                try await tx.sql.raw(
                    """
                    INSERT INTO teaching_model_lessons (plan_id, teacher_id, school_id, district_id, title, teaching_on, uploaded_on, late, level, created_at)
                    VALUES (\(bind: adaptedPlan), \(bind: adapter.id), \(bind: adapter.schoolId), \(bind: adapter.districtId), \(bind: sections["课题"]!), \(bind: today.adding(days: 6).description), \(bind: today.description), true, 'school', \(bind: now))
                    """
                ).run()
            }

            // Activities: last term's collective preparation with minutes, teacher1's open class with three rubrics,
            // and in the coming days an open class by a colleague and the county's online seminar.
            func activity(
                kind: String, level: String, district: Int?, subject: String, title: String, starts: String, ends: String, place: String?, link: String?,
                agenda: String,
                minutes: String?, host: Int?, invite: [Int], attended: Set<Int>?
            ) async throws -> Int {
                let id = try await tx.sql.raw(
                    """
                    INSERT INTO research_activities (kind, level, district_id, school_id, subject, grade, title, starts_at, ends_at, place, online_link, agenda, minutes, host_teacher_id, plan_id,
                      organiser, version, created_at, updated_at)
                    VALUES (\(bind: kind), \(bind: level), \(bind: district), NULL, \(bind: subject), '三年级', \(bind: title), \(bind: starts), \(bind: ends), \(bind: place), \(bind: link), \(bind: agenda),
                            \(bind: minutes), \(bind: host), NULL, 'researcher1', 1, \(bind: now), \(bind: now)) RETURNING id
                    """
                ).first(decoding: Id.self)!.id
                for t in Set(invite).sorted() where t != host {
                    try await tx.sql.raw(
                        "INSERT INTO research_attendees (activity_id, teacher_id, attended) VALUES (\(bind: id), \(bind: t), \(bind: attended.map { $0.contains(t) }))"
                    ).run()
                }
                try await TeachingService.indexActivity(id, title: title, agenda: agenda, minutes: minutes, on: tx)
                return id
            }
            let members = [t1] + colleagues
            let subjectName = Subject(rawValue: subject)?.zh ?? ""
            _ = try await activity(
                kind: "activity", level: "district", district: d1, subject: subject, title: "第三单元集体备课研讨", starts: at(-60, 14, 30), ends: at(-60, 16, 30),
                place: "学区中心校三楼会议室", link: nil, agenda: "1. 主备人说课（第三单元第一课时）\n2. 组内研讨：情境导入与分层练习\n3. 形成学区通案修改意见",
                minutes: "主备人说课后，组内就导入环节和练习分层展开讨论。议定：导入控制在5分钟内；练习分基础、提高两层；下周五前由组长汇总修改稿提交学区审核。",
                host: nil, invite: members, attended: Set(members.dropLast()))
            let open = try await activity(
                kind: "open_class", level: "district", district: d1, subject: subject, title: "\(subjectName)公开课：第三单元第一课时", starts: at(-45, 9, 0),
                ends: at(-45, 9, 40),
                place: "第一小学三年级（2）班", link: nil, agenda: "1. 授课40分钟\n2. 听课教师填写观课量表\n3. 课后评课", minutes: "授课教师说课、听课教师评课，整体评价良好；建议练习环节留足时间。",
                host: t1, invite: members + [researcher.id], attended: Set(members + [researcher.id]))
            let rubrics: [(Int, [Int], String)] = [
                (colleagues.first ?? researcher.id, [5, 4, 4, 5, 4], "情境导入贴近学生生活，学生参与积极；练习时间略紧。"),
                (researcher.id, [4, 4, 5, 4, 4], "动手操作环节设计好，建议小结时让学生多说。"),
                (colleagues.dropFirst().first ?? researcher.id, [4, 5, 4, 4, 3], "分层练习值得推广，后进生的反馈可以更及时。"),
            ]
            var seen: Set<Int> = []
            for (who, scores, comment) in rubrics where !seen.contains(who) {
                seen.insert(who)
                try await tx.sql.raw(
                    """
                    INSERT INTO research_observations (activity_id, observer_teacher_id, scores, total, comment, created_at, updated_at)
                    VALUES (\(bind: open), \(bind: who), \(bind: "[" + scores.map(String.init).joined(separator: ",") + "]"), \(bind: scores.reduce(0, +)), \(bind: comment), \(bind: now), \(bind: now))
                    """
                ).run()
            }
            if let host = colleagues.first {
                _ = try await activity(
                    kind: "open_class", level: "district", district: d1, subject: subject, title: "\(subjectName)公开课：第三单元第二课时", starts: at(3, 10, 0),
                    ends: at(3, 10, 40),
                    place: "学区中心校录播教室", link: nil, agenda: "1. 授课\n2. 观课量表\n3. 评课", minutes: nil, host: host, invite: members + [researcher.id], attended: nil)
            }
            _ = try await activity(
                kind: "activity", level: "county", district: nil, subject: second, title: "县\(Subject(rawValue: second)?.zh ?? "")通案使用线上研讨",
                starts: at(10, 19, 0), ends: at(10, 20, 30),
                place: nil, link: "https://meeting.example.edu.cn/room/2026", agenda: "1. 县通案编写说明\n2. 各学区二次备课交流", minutes: nil, host: nil,
                invite: [countyLeader.id] + county.prefix(20).map(\.id), attended: nil)
            try await Audit.record(
                on: tx, .system("seed"), action: "seed.teaching.research", entity: "research_unit", entityId: String(centre), summary: "示范：教研机构、县级通案、教研活动和听课评价")
        }
        try await demo.addAccounts([
            .init(
                username: "researcher1", displayName: researcher.name, role: .teacher, districtId: researcher.districtId, schoolId: researcher.schoolId,
                teacherId: researcher.id)
        ])
        if let copier = colleagues.first, let t = try await RegistryStore.teacher(id: copier, on: db) {
            try await demo.addAccounts([
                .init(username: "teacher2", displayName: t.name, role: .teacher, districtId: t.districtId, schoolId: t.schoolId, teacherId: t.id)
            ])
        }
    }
}
