import HosoCore

/// Splits a migration file into statements. PostgreSQL's extended protocol (which PostgresNIO
/// uses) takes one statement at a time; this splitter knows quotes, dollar-quoted bodies and
/// comments, so a `;` inside a function body or a string does not end the statement.
enum SQLScript {
    static func statements(_ script: String) -> [String] {
        let chars = Array(script)
        var statements: [String] = []
        var current: [Character] = []
        var index = 0
        func flush() {
            let text = Text.trimmed(String(current))
            if !text.isEmpty { statements.append(text) }
            current = []
        }
        while index < chars.count {
            let char = chars[index]
            let next: Character? = index + 1 < chars.count ? chars[index + 1] : nil
            if char == "-" && next == "-" {
                while index < chars.count && chars[index] != "\n" { index += 1 }
                continue
            }
            if char == "/" && next == "*" {
                index += 2
                while index + 1 < chars.count && !(chars[index] == "*" && chars[index + 1] == "/") { index += 1 }
                index += 2
                continue
            }
            if char == "'" || char == "\"" {
                current.append(char)
                index += 1
                while index < chars.count {
                    current.append(chars[index])
                    if chars[index] == char {
                        if index + 1 < chars.count && chars[index + 1] == char {
                            current.append(chars[index + 1])
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    index += 1
                }
                continue
            }
            if char == "$", let tagEnd = dollarTagEnd(chars, from: index) {
                let tag = Array(chars[index...tagEnd])
                current.append(contentsOf: tag)
                index = tagEnd + 1
                while index < chars.count {
                    if chars[index] == "$", index + tag.count <= chars.count, Array(chars[index..<index + tag.count]) == tag {
                        current.append(contentsOf: tag)
                        index += tag.count
                        break
                    }
                    current.append(chars[index])
                    index += 1
                }
                continue
            }
            if char == ";" {
                flush()
                index += 1
                continue
            }
            current.append(char)
            index += 1
        }
        flush()
        return statements
    }

    /// `$$` or `$tag$` starting at `start`: the index of the closing `$` of the tag.
    private static func dollarTagEnd(_ chars: [Character], from start: Int) -> Int? {
        var index = start + 1
        while index < chars.count {
            let char = chars[index]
            if char == "$" { return index }
            guard char.isLetter || char == "_" || (char.isNumber && index > start + 1) else { return nil }
            index += 1
        }
        return nil
    }
}
