import Foundation

/// Every path of the site in one place: route patterns and the links that point at them.
enum SiteURL {
    case home
    case signIn
    case signOut
    case unit(String)
    case unitPeople(String)
    case language(String)
    case owe
    case approvals
    case record(Int64)
    /// A record page's form action (`approve`, `return`, `lock`, `exempt`, `unexempt`, `correction`).
    case recordAction(Int64, String)
    case recordUpload(Int64)
    case recordSignatures(Int64)
    case recordExport(Int64)
    case correctionDecision(Int64)
    case versionDownload(Int64)
    case versionContent(Int64)
    case unitWindows(String, year: String?)

    var path: String {
        switch self {
        case .home: return "/"
        case .signIn: return "/signin"
        case .signOut: return "/signout"
        case .unit(let code): return "/units/" + Self.segment(code)
        case .unitPeople(let code): return "/units/" + Self.segment(code) + "/people"
        case .language(let code): return "/lang/" + code
        case .owe: return "/owe"
        case .approvals: return "/approvals"
        case .record(let id): return "/records/\(id)"
        case .recordAction(let id, let action): return "/records/\(id)/" + Self.segment(action)
        case .recordUpload(let id): return "/records/\(id)/upload"
        case .recordSignatures(let id): return "/records/\(id)/signatures"
        case .recordExport(let id): return "/records/\(id)/export.zip"
        case .correctionDecision(let id): return "/corrections/\(id)/decision"
        case .versionDownload(let id): return "/versions/\(id)/download"
        case .versionContent(let id): return "/api/v1/versions/\(id)/content"
        case .unitWindows(let code, let year):
            return "/units/" + Self.segment(code) + "/windows" + (year.map { "?year=" + Self.segment($0) } ?? "")
        }
    }

    /// Route patterns (Hummingbird syntax).
    enum Pattern {
        static let unit = "/units/:code"
        static let unitPeople = "/units/:code/people"
        static let language = "/lang/:code"
    }

    /// A download's file name in plain ASCII (Vietnamese letters without their marks, đ as d).
    static func asciiFilename(_ name: String) -> String {
        let folded = name.replacingOccurrences(of: "đ", with: "d").replacingOccurrences(of: "Đ", with: "D")
            .folding(options: [.diacriticInsensitive], locale: nil)
        return String(folded.unicodeScalars.map { scalar -> Character in
            (scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))) ? Character(scalar) : "-"
        })
    }

    static func segment(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? value
    }

    /// A `next=` target is followed only when it is a path on this site (no open redirect).
    static func safeNext(_ raw: String?) -> String {
        guard let raw, let decoded = raw.removingPercentEncoding, decoded.count < 512, decoded.hasPrefix("/"),
              !decoded.hasPrefix("//"), !decoded.contains("\\"),
              // Browsers drop tabs and newlines from URLs: "/\t/evil" would become "//evil".
              !decoded.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }),
              let components = URLComponents(string: decoded), components.scheme == nil, components.host == nil
        else { return "/" }
        return decoded
    }
}
