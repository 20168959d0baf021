import Mustache

/// A typed page model as the template engine reads it fastest. The engine looks a name up in a
/// plain struct by reflection each time, at every level of its context stack (a name of the frame
/// used inside a table row reflects on the row, then on the table, ...): on a dashboard that is
/// thousands of reflections per page. Indexing the model once per render, fields by name,
/// makes each lookup a dictionary read. The model stays typed; this is only how it is read.
enum PageIndex {
    /// One value of the model: what the engine expects at a name.
    indirect enum Node: Sendable {
        case text(String)
        case integer(Int)
        case flag(Bool)
        case number(Double)
        case fields(Fields)
        case list([Node])

        /// The value handed to the engine: a string, a number, a flag, a section's fields or a list.
        var engineValue: Any {
            switch self {
            case .text(let text): text
            case .integer(let integer): integer
            case .flag(let flag): flag
            case .number(let number): number
            case .fields(let fields): fields
            case .list(let nodes): nodes.map(\.engineValue)
            }
        }
    }

    /// A struct of the model: its stored properties by name (a nil optional is left out, as the
    /// engine reads a missing name: falsy).
    struct Fields: MustacheParent, Sendable {
        let values: [String: Node]
        func child(named name: String) -> Any? { values[name]?.engineValue }
    }

    /// The model's fields, read once.
    static func fields(of value: some Sendable) -> Fields {
        if case .fields(let fields) = node(value) { return fields }
        return Fields(values: [:])
    }

    static func node(_ value: Any) -> Node? {
        switch value {
        case let text as String: return .text(text)
        case let flag as Bool: return .flag(flag)
        case let integer as Int: return .integer(integer)
        case let integer as Int64: return .integer(Int(integer))
        case let number as Double: return .number(number)
        case let strings as [String: String]: return .fields(Fields(values: strings.mapValues { .text($0) }))
        default: break
        }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            return mirror.children.first.flatMap { node($0.value) }
        case .struct, .class:
            var values: [String: Node] = [:]
            for child in mirror.children {
                if let label = child.label, let node = node(child.value) { values[label] = node }
            }
            return .fields(Fields(values: values))
        case .collection, .set:
            return .list(mirror.children.compactMap { node($0.value) })
        case .dictionary:
            var values: [String: Node] = [:]
            for pair in mirror.children {
                let entry = Array(Mirror(reflecting: pair.value).children)
                if entry.count == 2, let key = entry[0].value as? String, let node = node(entry[1].value) {
                    values[key] = node
                }
            }
            return .fields(Fields(values: values))
        default:
            // Enumerations and other leaves print as they describe themselves.
            return .text(String(describing: value))
        }
    }
}
