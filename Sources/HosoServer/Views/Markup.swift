/// HTML and SVG written outside the template engine, for the few long tables and the chart that
/// would cost too much there (a province has hundreds of units × dozens of record types). Typed
/// elements, written by `write`: the one place where text and attribute values are escaped.
struct Markup: Sendable {
    enum Node: Sendable {
        case element(Markup)
        case text(String)
    }

    let name: String
    var attributes: [(String, String)]
    var children: [Node]
    /// An element with no children is written as `<x .../>` (SVG), unless `paired` (HTML cells).
    var paired: Bool

    init(_ name: String, _ attributes: [(String, String)] = [], paired: Bool = true, _ children: [Node] = []) {
        self.name = name
        self.attributes = attributes
        self.paired = paired
        self.children = children
    }

    init(_ name: String, _ attributes: [(String, String)] = [], text: String) {
        self.init(name, attributes, [.text(text)])
    }

    var html: String {
        var out = ""
        write(into: &out)
        return out
    }

    func write(into out: inout String) {
        out += "<" + name
        for (attribute, value) in attributes {
            out += " " + attribute + "=\""
            Self.escape(value, into: &out)
            out += "\""
        }
        if children.isEmpty && !paired {
            out += "/>"
            return
        }
        out += ">"
        for child in children {
            switch child {
            case .element(let element): element.write(into: &out)
            case .text(let text): Self.escape(text, into: &out)
            }
        }
        out += "</" + name + ">"
    }

    /// Writes `elements` one after another, each followed by `separator`.
    static func join(_ elements: [Markup], separator: String) -> String {
        var out = ""
        for element in elements {
            element.write(into: &out)
            out += separator
        }
        return out
    }

    static func escape(_ text: String, into out: inout String) {
        for character in text.unicodeScalars {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(character)
            }
        }
    }
}

/// Table rows built from typed cells: `<tr>` with a row header and data cells.
enum TableRow {
    /// `<th scope="row">`, its text linked when `href` is given, with a muted note after it.
    static func header(_ text: String, href: String? = nil, note: String? = nil, cssClass: String? = nil) -> Markup.Node
    {
        var children: [Markup.Node] = [href.map { .element(Markup("a", [("href", $0)], text: text)) } ?? .text(text)]
        if let note { children += [.text(" "), .element(Markup("small", [("class", "muted")], text: note))] }
        return .element(Markup("th", [("scope", "row")] + (cssClass.map { [("class", $0)] } ?? []), children))
    }

    /// `<td>`, with a class, a title and a link when given. `label`: the accessible name of the
    /// cell's link (or of the cell), when its text alone does not say what it counts.
    static func cell(_ text: String, href: String? = nil, cssClass: String? = nil, title: String? = nil,
                     label: String? = nil) -> Markup.Node
    {
        var attributes: [(String, String)] = []
        if let cssClass { attributes.append(("class", cssClass)) }
        if let title { attributes.append(("title", title)) }
        if let label, href == nil { attributes.append(("aria-label", label)) }
        let linkAttributes = label.map { [("aria-label", $0)] } ?? []
        let content: Markup.Node = href.map { .element(Markup("a", [("href", $0)] + linkAttributes, text: text)) } ?? .text(text)
        return .element(Markup("td", attributes, [content]))
    }

    static func row(_ cells: [Markup.Node]) -> Markup { Markup("tr", [], cells) }

    /// The rows as HTML, one a line.
    static func html(_ rows: [Markup]) -> String { Markup.join(rows, separator: "\n") }
}
