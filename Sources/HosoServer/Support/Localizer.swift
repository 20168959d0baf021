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

    public init(directory: String) throws {
        var flat: [Language: [String: String]] = [:]
        var nested: [Language: [String: any Sendable]] = [:]
        for language in Language.allCases {
            let path = "\(directory)/\(language.rawValue).json"
            guard let data = FileManager.default.contents(atPath: path),
                  let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ConfigurationError(problems: ["\(path) is missing or not a JSON object"])
            }
            flat[language] = Self.flatten(object)
            nested[language] = Self.sendable(object)
        }
        self.flat = flat
        self.nested = nested
    }

    public static func flatten(_ object: [String: Any], prefix: String = "") -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in object {
            let path = prefix.isEmpty ? key : prefix + "." + key
            if let child = value as? [String: Any] {
                result.merge(flatten(child, prefix: path)) { $1 }
            } else if let text = value as? String {
                result[path] = text
            }
        }
        return result
    }

    private static func sendable(_ object: [String: Any]) -> [String: any Sendable] {
        object.mapValues { value -> any Sendable in
            if let child = value as? [String: Any] { return sendable(child) }
            return value as? String ?? ""
        }
    }

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
