import HosoCore
import Testing

@Suite struct ShortLabelTests {
    @Test func initialsOfTheNameBeforeAnyParenthesis() {
        #expect(ShortLabel.labels(for: ["Sổ đăng bộ", "Học bạ học sinh", "Kế hoạch bài dạy", "Lesson plan"]) == ["SĐB", "HBHS", "KHBD", "LP"])
        // Small words are left out, and what a parenthesis adds.
        #expect(ShortLabel.labels(for: ["Sổ theo dõi và đánh giá học sinh (theo lớp học)"]) == ["SDĐGHS"])
        #expect(ShortLabel.labels(for: ["Record of the school's assets and finance"]) == ["RSSAF"])
    }

    @Test func labelsAreDistinctAndShort() {
        let labels = ShortLabel.labels(for: ["Sổ đầu bài", "Sổ đăng bộ", "Sổ điểm bài", "Sổ đầu bài"])
        #expect(labels == ["SĐB", "SĐB2", "SĐB3", "SĐB4"])
        #expect(Set(labels).count == labels.count)
        let long = ShortLabel.labels(for: ["Một hai ba bốn năm sáu bảy tám"])
        #expect(long == ["MHBBNS"] && long[0].count <= ShortLabel.maxLength)
        #expect(ShortLabel.labels(for: ["", "(…)"]) == ["?", "?2"])
    }
}
