import Foundation
import HosoCore

/// The trend over the weeks of the school year, drawn on the server as SVG: completeness and
/// timeliness per week as two lines over a 0–100 % axis, with a title and a text description for
/// screen readers, and no script (the page also carries the numbers as a table).
struct TrendChart {
    struct Point {
        let week: Int
        let completeness: Double?
        let timeliness: Double?
        let expected: Int
    }

    let title: String
    let description: String
    let completenessLabel: String
    let timelinessLabel: String
    let weekLabel: String
    let points: [Point]

    static let width = 720.0, height = 240.0
    static let left = 44.0, right = 12.0, top = 16.0, bottom = 40.0

    var svg: String {
        let plotted = points.filter { $0.expected > 0 }
        let weeks = plotted.map(\.week)
        let first = weeks.min() ?? 0, last = max(weeks.max() ?? 1, first + 1)
        let plotWidth = Self.width - Self.left - Self.right, plotHeight = Self.height - Self.top - Self.bottom
        func x(_ week: Int) -> Double { Self.left + plotWidth * Double(week - first) / Double(last - first) }
        func y(_ ratio: Double) -> Double { Self.top + plotHeight * (1 - ratio) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }

        var parts: [String] = []
        parts.append("""
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" \
            role="img" aria-labelledby="trend-title trend-desc" width="100%" preserveAspectRatio="xMinYMin meet">
            <title id="trend-title">\(HTML.escape(title))</title>
            <desc id="trend-desc">\(HTML.escape(description))</desc>
            """)
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            parts.append("<line class=\"grid\" x1=\"\(number(Self.left))\" x2=\"\(number(Self.width - Self.right))\" y1=\"\(number(y(tick)))\" y2=\"\(number(y(tick)))\"/>")
            parts.append("<text class=\"axis\" x=\"\(number(Self.left - 6))\" y=\"\(number(y(tick) + 4))\" text-anchor=\"end\">\(Int(tick * 100))%</text>")
        }
        let step = max(1, (last - first) / 12)
        for week in stride(from: first, through: last, by: step) {
            parts.append("<text class=\"axis\" x=\"\(number(x(week)))\" y=\"\(number(Self.height - Self.bottom + 16))\" text-anchor=\"middle\">\(week)</text>")
        }
        parts.append("<text class=\"axis\" x=\"\(number(Self.left + plotWidth / 2))\" y=\"\(number(Self.height - 6))\" text-anchor=\"middle\">\(HTML.escape(weekLabel))</text>")
        for (keyPath, css, label) in [(\Point.completeness, "completeness", completenessLabel), (\Point.timeliness, "timeliness", timelinessLabel)] {
            let coordinates = plotted.compactMap { point in point[keyPath: keyPath].map { "\(number(x(point.week))),\(number(y($0)))" } }
            guard !coordinates.isEmpty else { continue }
            parts.append("<polyline class=\"line \(css)\" points=\"\(coordinates.joined(separator: " "))\"><title>\(HTML.escape(label))</title></polyline>")
            for point in plotted {
                guard let value = point[keyPath: keyPath] else { continue }
                parts.append("<circle class=\"dot \(css)\" cx=\"\(number(x(point.week)))\" cy=\"\(number(y(value)))\" r=\"3\">"
                             + "<title>\(HTML.escape(label)) · \(HTML.escape(weekLabel)) \(point.week): \(Int((value * 100).rounded()))%</title></circle>")
            }
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

}

/// Text for HTML and SVG written outside the template engine.
enum HTML {
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text.unicodeScalars {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(character)
            }
        }
        return result
    }
}
