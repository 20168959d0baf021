import HosoCore

/// The lines an export's verification report adds about the signers beyond one per step: the
/// submitter's own signature (seed 004) and each step every subject teacher signs (seed 001).
enum SignerReport {
    static func lines(_ manifest: RecordManifest, _ review: SignatureReview) -> [String] {
        var lines: [String] = []
        if manifest.submissionSignatureRequired {
            lines.append(
                "   Chữ ký người nộp / submitter's signature (\(manifest.submitted.login)): "
                    + (review.submissionSigned ? "có / present" : "THIẾU / MISSING"))
        }
        for (index, step) in manifest.chain.enumerated() where !step.signers.isEmpty {
            let signed = review.signersByStep[index + 1] ?? []
            let missing = step.signers.filter { !signed.contains($0) }
            let count = "\(step.signers.count - missing.count)/\(step.signers.count)"
            lines.append(
                "   Bước / step \(index + 1) (\(step.role)): \(count) đã ký / signed"
                    + (missing.isEmpty ? "" : "; thiếu / missing: " + missing.joined(separator: ", ")))
        }
        return lines
    }
}
