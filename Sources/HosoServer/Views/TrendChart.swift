import Foundation
import HosoCore

/// The trend over the weeks of the school year, drawn on the server as SVG: completeness and
/// timeliness per week as two lines over a 0–100 % axis, with a title and a text description for
/// screen readers, and no script (the page also carries the numbers as a table).
struct TrendChart: Sendable {
    struct Point: Sendable {
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

    var svg: String { element.html }

    /// The chart as typed SVG elements (text and attributes escaped in one place, `Markup`).
    var element: Markup {
        let plotted = points.filter { $0.expected > 0 }
        let weeks = plotted.map(\.week)
        let first = weeks.min() ?? 0
        let last = max(weeks.max() ?? 1, first + 1)
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        func x(_ week: Int) -> String { number(Self.left + plotWidth * Double(week - first) / Double(last - first)) }
        func y(_ ratio: Double) -> Double { Self.top + plotHeight * (1 - ratio) }
        func number(_ value: Double) -> String { String(format: "%.1f", value) }
        func text(_ x: String, _ y: Double, anchor: String, _ content: String) -> Markup {
            Markup("text", [("class", "axis"), ("x", x), ("y", number(y)), ("text-anchor", anchor)], text: content)
        }

        var parts: [Markup] = [
            Markup("title", [("id", "trend-title")], text: title),
            Markup("desc", [("id", "trend-desc")], text: description),
        ]
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            parts.append(
                Markup(
                    "line",
                    [
                        ("class", "grid"), ("x1", number(Self.left)), ("x2", number(Self.width - Self.right)),
                        ("y1", number(y(tick))), ("y2", number(y(tick))),
                    ], paired: false))
            parts.append(text(number(Self.left - 6), y(tick) + 4, anchor: "end", "\(Int(tick * 100))%"))
        }
        let step = max(1, (last - first) / 12)
        for week in stride(from: first, through: last, by: step) {
            parts.append(text(x(week), Self.height - Self.bottom + 16, anchor: "middle", String(week)))
        }
        parts.append(text(number(Self.left + plotWidth / 2), Self.height - 6, anchor: "middle", weekLabel))
        let lines = [
            (\Point.completeness, "completeness", completenessLabel),
            (\Point.timeliness, "timeliness", timelinessLabel),
        ]
        for (keyPath, css, label) in lines {
            let coordinates = plotted.compactMap { point in
                point[keyPath: keyPath].map { "\(x(point.week)),\(number(y($0)))" }
            }
            guard !coordinates.isEmpty else { continue }
            parts.append(
                Markup(
                    "polyline", [("class", "line \(css)"), ("points", coordinates.joined(separator: " "))],
                    [.element(Markup("title", text: label))]))
            for point in plotted {
                guard let value = point[keyPath: keyPath] else { continue }
                let tip = "\(label) · \(weekLabel) \(point.week): \(Int((value * 100).rounded()))%"
                parts.append(
                    Markup(
                        "circle",
                        [("class", "dot \(css)"), ("cx", x(point.week)), ("cy", number(y(value))), ("r", "3")],
                        [.element(Markup("title", text: tip))]))
            }
        }
        let attributes = [
            ("xmlns", "http://www.w3.org/2000/svg"), ("class", "chart"),
            ("viewBox", "0 0 \(Int(Self.width)) \(Int(Self.height))"),
            ("role", "img"), ("aria-labelledby", "trend-title trend-desc"), ("width", "100%"),
            ("preserveAspectRatio", "xMinYMin meet"),
        ]
        // One element a line, as the chart has always been written.
        return Markup("svg", attributes, parts.flatMap { [Markup.Node.text("\n"), .element($0)] } + [.text("\n")])
    }
}
