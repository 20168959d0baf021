import ArgumentParser
import HosoCore
import HosoServer
import HosoSigning
import HosoStore

/// `hoso verify manifest.xml [document...]`: who signed, in which role, when, with which
/// certificate, whether the chain reaches a trusted root at the signing time, and whether the
/// document still matches. Offline with --trusted; with --tenant, the tenant's roots and key registry.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Verify a signed record manifest (and its document).")
    @Option(help: "PEM file of trusted CA roots (offline check).") var trusted: String?
    @Option(help: "Tenant id: use its trusted roots and key registry (needs HOSO_DATABASE_URL).") var tenant: String?
    @Argument(help: "The manifest (XML).") var manifest: String
    @Argument(help: "The documents it describes, in the manifest's order.") var documents: [String] = []

    func validate() throws {
        guard (trusted == nil) != (tenant == nil) else { throw ValidationError("give exactly one of --trusted and --tenant") }
    }

    func run() async throws {
        try await reporting {
            let bytes = try readFile(manifest)
            let digests = try documents.map { Digests.sha256(try readFile($0)) }
            let digest = digests.first
            let schema = try SigningService.loadSchema(webDirectory: webDirectory())
            let roots: TrustRoots
            var owners: [String: KeyOwner]?
            if let trusted {
                roots = try TrustRoots(pem: try readFile(trusted))
            } else {
                let code = tenant ?? ""
                (roots, owners) = try await withDatabase { database, logger in
                    let store = SignatureStore(database: database, logger: logger)
                    let id = try await tenantID(database, logger, code)
                    let pem = try await store.roots(tenantID: id).map(\.pem).joined(separator: "\n")
                    let roots = pem.isEmpty ? TrustRoots.empty : try TrustRoots(pem: Array(pem.utf8))
                    let check = try ManifestSignatures.verify(bytes, roots: roots, schema: schema)
                    return (roots, try await store.owners(tenantID: id, fingerprints: check.evidence.compactMap { $0.certificate?.fingerprint }))
                }
            }
            let check = try ManifestSignatures.verify(bytes, roots: roots, schema: schema)
            let review = SignatureReview(manifest: check.manifest, evidence: check.evidence, owners: owners, documentSHA256: digest,
                                         moreDocumentSHA256: digests.count >= check.manifest.documents.count && digests.count > 1
                                             ? Array(digests.dropFirst()) : nil)
            let m = check.manifest
            print("Record: \(m.recordType.name) [\(m.recordType.code)] · \(m.unit.name) [\(m.unit.code)] · \(m.period.schoolYear) \(m.period.kind) \(m.period.number) · version \(m.version)")
            for (offset, d) in m.documents.enumerated() {
                print("Document \(offset + 1): \(d.filename) \(d.size) bytes sha256 \(d.sha256)")
                if offset < digests.count {
                    print("  " + (review.changedDocuments.contains(offset + 1) ? "DOES NOT MATCH the file given (sha256 \(digests[offset]))"
                                  : "matches the file given"))
                } else {
                    print("  (not given: its hash was not checked)")
                }
            }
            for checked in review.signatures {
                let e = checked.evidence
                let claim = e.claim
                print("Signature \(e.index + 1) [\(e.id)]: \(claim?.kind.rawValue ?? "?") step \(claim?.step ?? 0) as \(claim?.role ?? "?") by \(claim?.signerName ?? "?") (\(claim?.signer ?? "?")) at \(claim.map { UTCTime.format($0.signingTime) } ?? "?")")
                if let c = e.certificate {
                    print("  certificate \(c.subject) · serial \(c.serial) · issuer \(c.issuer) · valid \(UTCTime.format(c.notBefore))..\(UTCTime.format(c.notAfter)) · \(e.algorithm)")
                }
                print("  " + (checked.valid ? "VALID" : "INVALID: " + checked.problems.map { problem in
                    problem.code + (problem.parameters.isEmpty ? "" : " (" + problem.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + ")")
                }.joined(separator: "; ")))
            }
            if owners == nil { print("(offline: whose keys these are was not checked against a key registry)") }
            print("Result: \(review.state.rawValue)" + (review.complete(m) ? ", complete" : review.missingSteps.isEmpty ? "" : ", steps missing a required signature: \(review.missingSteps.map(String.init).joined(separator: ", "))")
                  + (m.sealRequired && !review.sealed ? ", not sealed" : "")
                  + (m.submissionSignatureRequired && !review.submissionSigned ? ", not signed by its submitter" : ""))
            // A step every subject teacher of the class signs: who of them has.
            for (index, step) in m.chain.enumerated() where !step.signers.isEmpty {
                let signed = review.signersByStep[index + 1] ?? []
                let missing = step.signers.filter { !signed.contains($0) }
                print("Step \(index + 1) (\(step.role)): \(step.signers.count - missing.count) of \(step.signers.count) signed"
                      + (missing.isEmpty ? "" : "; missing: " + missing.joined(separator: ", ")))
            }
            if review.state == .invalid { throw ExitCode.failure }
        }
    }
}
