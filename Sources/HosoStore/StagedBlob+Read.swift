import Foundation
import HosoCore

extension StagedBlob {
    /// The staged content, before it is committed: a structured upload (an XML transcript) is checked
    /// whole before it enters the store. Bounded by the writer's limit.
    public func contents() throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: temporaryPath) else {
            throw HosoError("blob.unavailable")
        }
        return [UInt8](data)
    }
}
