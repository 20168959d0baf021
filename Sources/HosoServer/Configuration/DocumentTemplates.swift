import Foundation
import HosoCore
import HosoReports
import Yams

/// The official documents' layout and words, read once from `reports/` (`layout.yaml`,
/// `minutes.yaml`, `periodic.yaml`, `correction-minutes.yaml`). A missing file, key or font stops the server at start-up
/// with a message naming it, rather than failing the first time someone concludes an inspection.
public struct DocumentTemplates: Sendable {
    public let layout: PDFLayout
    public let minutes: Words
    public let periodic: Words
    /// The correction minutes' words (`correction-minutes.yaml`).
    public let correctionMinutes: Words

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

        /// Replaces `{name}` placeholders in one pass over the template: a value that itself holds
        /// braces (a title typed as "{date}") stays as typed. Unknown placeholders stay too.
        static func fill(_ template: String, _ values: [String: String]) -> String {
            var result = "", rest = template[...]
            while let open = rest.firstIndex(of: "{") {
                result += rest[..<open]
                let after = rest[rest.index(after: open)...]
                if let close = after.firstIndex(of: "}"), let value = values[String(after[..<close])] {
                    result += value
                    rest = after[after.index(after: close)...]
                } else {
                    result += "{"
                    rest = after
                }
            }
            return result + rest
        }

        static func load(_ path: String, required: [String], columns: [String: Int] = [:]) throws -> Words {
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
            // Column titles: as many as the table has columns.
            for (key, count) in columns where lists[key]?.count != count {
                throw HosoError("config.report_key_missing", ["path": path, "key": "\(key) (\(count))"])
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
        // Every key the builders use: a missing one would print its own name into an official document.
        let minutes = try Words.load(directory + "/minutes.yaml", required: [
            "title", "subtitle", "kind_periodic", "kind_surprise", "kind_self", "number", "place_date", "opening", "team_heading", "team_label",
            "team_member", "team_leader", "units_label", "unit_line", "no_representative", "scope_heading", "scope", "all_types",
            "results_heading", "results", "results_by_unit_columns", "findings_heading", "findings_columns", "no_findings",
            "severity_observation", "severity_shortcoming", "severity_violation", "conclusions_heading", "recommendations_heading",
            "follow_ups_heading", "follow_ups_columns", "no_follow_ups", "closing", "signature_unit", "signature_leader", "signature_self", "signature_digital",
            "signature_hint", "recipients_label", "recipients",
        ], columns: ["results_by_unit_columns": 6, "findings_columns": 5, "follow_ups_columns": 5])
        let periodic = try Words.load(directory + "/periodic.yaml", required: [
            "title", "subtitle", "number_blank", "place_date", "intro", "filter_type", "filter_level", "tree_stood", "tree_now",
            "totals_heading", "totals", "signatures",
            "units_heading", "types_heading", "figure_columns", "total_row", "missing_heading", "missing_columns", "missing_more",
            "missing_none", "status_missing", "status_late", "inspections_heading", "inspections_columns", "inspections_none", "closing",
            "signature", "signature_hint", "recipients_label", "recipients", "sheet_units", "sheet_types", "sheet_missing",
            "sheet_inspections", "sheet_about",
        ], columns: ["figure_columns": 10, "missing_columns": 7, "inspections_columns": 7])
        let correctionMinutes = try Words.load(directory + "/correction-minutes.yaml", required: [
            "title", "subtitle", "number", "place_date", "opening", "record_heading", "record_line", "witnesses_heading", "witness_line",
            "capacity_leader", "capacity_administrator", "capacity_requester", "reason_heading", "reason", "consent_text",
            "change_heading", "change", "change_no_old", "documents_columns", "closing", "signature_principal", "signature_witness",
            "signature_hint", "signature_digital", "recipients_label", "recipients",
        ], columns: ["documents_columns": 5])
        return DocumentTemplates(layout: layout, minutes: minutes, periodic: periodic, correctionMinutes: correctionMinutes)
    }
}
