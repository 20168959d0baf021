import Foundation
import HosoCore

/// The languages of the portal, Vietnamese first.
public enum Language: String, Sendable, CaseIterable {
    case vi
    case en

    /// From `Accept-Language`: the first of our languages the client names, Vietnamese otherwise.
    static func from(acceptLanguage header: String?) -> Language {
        guard let header else { return .vi }
        for part in header.split(separator: ",") {
            guard let first = part.split(separator: ";").first else { continue }
            let tag = first.trimmingCharacters(in: .whitespaces).lowercased()
            if let language = Language(rawValue: String(tag.prefix(2))) { return language }
        }
        return .vi
    }
}

/// User-visible strings from `web/locales/<lang>.json` (nested objects; keys are joined with dots,
/// e.g. `error.signin.invalid_credentials`). Messages use `{name}` placeholders.
public struct Localizer: Sendable {
    let flat: [Language: [String: String]]
    /// The nested form, handed to templates as `t`.
    let nested: [Language: [String: any Sendable]]
    /// Every key and every group above a key (`error`, `error.signin`), per language.
    let known: [Language: Set<String>]

    public init(directory: String) throws {
        var flat: [Language: [String: String]] = [:]
        var nested: [Language: [String: any Sendable]] = [:]
        for language in Language.allCases {
            let path = "\(directory)/\(language.rawValue).json"
            guard let data = FileManager.default.contents(atPath: path), let strings = try? Self.flatten(json: data)
            else {
                throw ConfigurationError(problems: ["\(path) is missing or not a JSON object of strings"])
            }
            flat[language] = strings
            nested[language] = Self.nest(strings)
        }
        self.flat = flat
        self.nested = nested
        self.known = flat.mapValues { strings in
            var keys = Set(strings.keys)
            for key in strings.keys {
                var parts = key.split(separator: ".").dropLast()
                while !parts.isEmpty {
                    keys.insert(parts.joined(separator: "."))
                    parts = parts.dropLast()
                }
            }
            return keys
        }
    }

    /// A locale file as it is written: nested objects whose leaves are strings.
    indirect enum Node: Decodable {
        case text(String)
        case group([String: Node])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .group(try container.decode([String: Node].self))
            }
        }
    }

    /// The strings of a locale file, keyed by their dotted path.
    public static func flatten(json: Data) throws -> [String: String] {
        guard case .group(let root) = try JSONDecoder().decode(Node.self, from: json) else {
            throw ConfigurationError(problems: ["a locale file must be a JSON object"])
        }
        var result: [String: String] = [:]
        func walk(_ group: [String: Node], _ prefix: String) {
            for (key, node) in group {
                let path = prefix.isEmpty ? key : prefix + "." + key
                switch node {
                case .text(let text): result[path] = text
                case .group(let child): walk(child, path)
                }
            }
        }
        walk(root, "")
        return result
    }

    /// The nested form of dotted keys, as templates read it (`{{t.error.title}}`).
    static func nest(_ strings: [String: String]) -> [String: any Sendable] {
        var groups: [String: [String: String]] = [:]
        var result: [String: any Sendable] = [:]
        for (key, text) in strings {
            if let dot = key.firstIndex(of: ".") {
                groups[String(key[..<dot]), default: [:]][String(key[key.index(after: dot)...])] = text
            } else {
                result[key] = text
            }
        }
        for (name, group) in groups { result[name] = nest(group) }
        return result
    }

    /// Whether `key` names a string or a group of strings in `language`.
    func has(_ key: String, _ language: Language) -> Bool { known[language]?.contains(key) ?? false }

    /// The message for `key` with its placeholders filled; the key itself when a string is missing
    /// (a test keeps both files complete).
    public func text(_ key: String, _ language: Language, _ parameters: [String: String] = [:]) -> String {
        var text = flat[language]?[key] ?? flat[.vi]?[key] ?? key
        for (name, value) in parameters { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    public func message(for error: HosoError, _ language: Language) -> String {
        text(error.messageKey, language, error.parameters)
    }

    func strings(_ language: Language) -> [String: any Sendable] { nested[language] ?? [:] }
}
