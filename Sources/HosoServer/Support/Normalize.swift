import Foundation
import HosoCore

/// Unicode NFC on the way in: Vietnamese arrives precomposed and decomposed, and PostgreSQL
/// compares bytes.
enum Normalize {
    static func nfc(_ text: String) -> String { text.precomposedStringWithCanonicalMapping }

    /// Text typed in a browser: NFC, line ends as LF (a textarea sends CRLF).
    static func lines(_ text: String) -> String {
        nfc(text).replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    static func nfc(_ unit: UnitDefinition) -> UnitDefinition {
        UnitDefinition(
            code: unit.code, nameVi: nfc(unit.nameVi), nameEn: nfc(unit.nameEn), kind: unit.kind, schoolLevels: unit.schoolLevels,
            parentCode: unit.parentCode, opensOn: unit.opensOn, closesOn: unit.closesOn, line: unit.line,
            parentSince: unit.parentSince, pastParents: unit.pastParents, successorCode: unit.successorCode
        )
    }
}
