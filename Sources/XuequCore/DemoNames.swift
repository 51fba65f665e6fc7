/// Given-name characters for demonstration people, by the sex their resident ID records, so a
/// demo 王秀英 is not a man and a 李强 not a woman.
public enum DemoNames {
    public static let male = Array("伟强磊军洋勇杰涛明超刚志建国文斌宇浩然轩晨阳立海东学永胜卫波鹏飞俊辉峰健博远航睿")
    public static let female = Array("芳娜秀英敏静丽艳娟霞桂兰红玉涵欣怡梓萱佳琪雨思梅燕淑珍凤婷雪颖慧莉琳悦彤诗")

    /// A given name of one or two characters drawn with `pick(count)` → index.
    public static func given(male: Bool, length: Int, pick: (Int) -> Int) -> String {
        let pool = male ? Self.male : Self.female
        return String((0..<length).map { _ in pool[pick(pool.count)] })
    }
}
