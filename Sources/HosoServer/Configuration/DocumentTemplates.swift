import Foundation
import HosoCore
import HosoReports
import Yams

/// The official documents' layout and words, read once from `reports/` (`layout.yaml`,
/// `minutes.yaml`, `periodic.yaml`). A missing file, key or font stops the server at start-up
/// with a message naming it, rather than failing the first time someone concludes an inspection.
public struct DocumentTemplates: Sendable {
    public let layout: PDFLayout
    public let minutes: Words
    public let periodic: Words

    /// A document's words: strings with `{placeholders}`, and lists of them.
    public struct Words: Sendable {
        let file: String
        let texts: [String: String]
        let lists: [String: [String]]

        public func text(_ key: String, _ values: [String: String] = [:]) -> String {
            Self.fill(texts[key] ?? key, values)
        }

        public func list(_ key: String, _ values: [String: String] = [:]) -> [String] {
            (lists[key] ?? []).map { Self.fill($0, values) }
        }

        static func fill(_ template: String, _ values: [String: String]) -> String {
            var result = template
            for (key, value) in values { result = result.replacingOccurrences(of: "{\(key)}", with: value) }
            return result
        }

        static func load(_ path: String, required: [String]) throws -> Words {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw HosoError("config.report_file_missing", ["path": path])
            }
            guard let node = try? Yams.compose(yaml: text), let mapping = node.mapping else {
                throw HosoError("config.report_file_invalid", ["path": path])
            }
            var texts: [String: String] = [:], lists: [String: [String]] = [:]
            for (key, value) in mapping {
                guard let key = key.string else { continue }
                if let string = value.string { texts[key] = string }
                else if let sequence = value.sequence { lists[key] = sequence.compactMap(\.string) }
            }
            for key in required where texts[key] == nil && lists[key] == nil {
                throw HosoError("config.report_key_missing", ["path": path, "key": key])
            }
            return Words(file: path, texts: texts, lists: lists)
        }
    }

    public static func load(directory: String) throws -> DocumentTemplates {
        let layoutPath = directory + "/layout.yaml"
        guard let layoutText = try? String(contentsOfFile: layoutPath, encoding: .utf8) else {
            throw HosoError("config.report_file_missing", ["path": layoutPath])
        }
        let layout: PDFLayout
        do {
            layout = try YAMLDecoder().decode(PDFLayout.self, from: layoutText)
        } catch {
            throw HosoError("config.report_file_invalid", ["path": layoutPath])
        }
        for font in [layout.fonts.regular, layout.fonts.bold, layout.fonts.italic, layout.fonts.boldItalic]
        where !FileManager.default.isReadableFile(atPath: font) {
            throw HosoError("report.font_missing", ["path": font])
        }
        let page = layout.page
        guard page.leftMM >= 0, page.rightMM >= 0, page.topMM >= 0, page.bottomMM >= 0,
              page.widthMM - page.leftMM - page.rightMM > 50, page.heightMM - page.topMM - page.bottomMM > 80,
              layout.header.leftWidthMM > 20, layout.header.leftWidthMM < page.widthMM - page.leftMM - page.rightMM - 40 else {
            throw HosoError("config.report_file_invalid", ["path": layoutPath])
        }
        let minutes = try Words.load(directory + "/minutes.yaml", required: [
            "title", "subtitle", "number", "place_date", "opening", "team_heading", "scope_heading", "results_heading", "findings_heading",
            "findings_columns", "conclusions_heading", "follow_ups_heading", "follow_ups_columns", "signature_unit", "signature_leader",
            "recipients_label", "recipients",
        ])
        let periodic = try Words.load(directory + "/periodic.yaml", required: [
            "title", "subtitle", "intro", "totals_heading", "units_heading", "types_heading", "figure_columns", "missing_heading",
            "missing_columns", "inspections_heading", "inspections_columns", "signature", "recipients_label", "recipients",
        ])
        return DocumentTemplates(layout: layout, minutes: minutes, periodic: periodic)
    }
}
