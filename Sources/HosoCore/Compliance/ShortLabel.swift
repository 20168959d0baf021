/// Short column labels for record types (the dashboard's matrix of units × types): the initials of
/// the name's words before any parenthesis, small words left out ("Sổ đăng bộ" → "SĐB",
/// "Kế hoạch bài dạy" → "KHBD", "Lesson plan" → "LP"), at most `maxLength` letters. Two types
/// with the same initials are told apart by a number (the second "SĐB" is "SĐB2"). The full name
/// goes with every label: in the legend, as the header's title and as each cell's accessible name.
public enum ShortLabel {
    public static let maxLength = 6
    static let smallWords: Set<String> = ["và", "của", "các", "cho", "theo", "về", "trong", "với", "the", "of", "and", "for", "a", "an",
                                          "to", "by", "in", "on"]

    /// Labels for `names`, in order, each different from the others.
    public static func labels(for names: [String]) -> [String] {
        var used: Set<String> = []
        var result: [String] = []
        for name in names {
            let base = initials(name).isEmpty ? "?" : initials(name)
            var label = base
            var number = 2
            while used.contains(label) {
                label = base + String(number)
                number += 1
            }
            used.insert(label)
            result.append(label)
        }
        return result
    }

    static func initials(_ name: String) -> String {
        let head = name.split(separator: "(", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? name
        let words = head.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        let firsts = words.filter { !smallWords.contains($0.lowercased()) }.compactMap(\.first)
        return String(String(firsts).uppercased().prefix(maxLength))
    }
}
