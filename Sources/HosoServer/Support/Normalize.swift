import Foundation
import HosoCore

/// Unicode NFC on the way in: Vietnamese arrives precomposed and decomposed, and PostgreSQL
/// compares bytes.
enum Normalize {
    static func nfc(_ text: String) -> String { text.precomposedStringWithCanonicalMapping }

    static func nfc(_ unit: UnitDefinition) -> UnitDefinition {
        UnitDefinition(
            code: unit.code, nameVi: nfc(unit.nameVi), nameEn: nfc(unit.nameEn), kind: unit.kind, schoolLevels: unit.schoolLevels,
            parentCode: unit.parentCode, opensOn: unit.opensOn, closesOn: unit.closesOn, line: unit.line
        )
    }
}
