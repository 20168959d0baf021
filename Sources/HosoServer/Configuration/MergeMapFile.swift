import Foundation
import HosoCore
import Yams

/// Reads the `--map` file of `hoso tenant merge`: the new code of source units, one `old: new` a
/// line, at the top level or under `units:`. Codes are read as written ("01" stays "01").
public enum MergeMapFile {
    public static func load(path: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HosoError("tenant.file_missing", ["path": path])
        }
        return try parse(String(decoding: data, as: UTF8.self), source: path)
    }

    public static func parse(_ text: String, source: String) throws -> [String: String] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw HosoError("tenant.bad_yaml", ["path": source, "detail": "\(error)"])
        }
        guard let root else { return [:] }
        guard let mapping = (root["units"] ?? root).mapping else {
            throw HosoError("tenant.merge_bad_map", ["path": source])
        }
        var map: [String: String] = [:]
        for (key, value) in mapping {
            guard let old = key.scalar?.string, let new = value.scalar?.string,
                  !Text.trimmed(old).isEmpty, !Text.trimmed(new).isEmpty else {
                throw HosoError("tenant.merge_bad_map", ["path": source])
            }
            map[Text.trimmed(old)] = Text.trimmed(new)
        }
        return map
    }
}
