/// What one signature claims about itself, in its signed properties.
public struct SignatureClaim: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A person approving chain step `step`.
        case approval
        /// The school's organisation seal, after the last step.
        case seal
        /// The uploader's own signature on the version, step 0, before any approval (seed 004).
        case submission
    }

    /// An approval that came before this signature (signed or not), as the signer saw it.
    public struct Prior: Sendable, Hashable {
        public let step: Int
        public let role: String
        public let name: String
        public let at: Int64
        public let signed: Bool
        public init(step: Int, role: String, name: String, at: Int64, signed: Bool) {
            self.step = step
            self.role = role
            self.name = name
            self.at = at
            self.signed = signed
        }
    }

    public let kind: Kind
    /// 1-based chain step; the seal's is the chain's length + 1.
    public let step: Int
    /// The role the signer acts in (for the seal: the unit's code).
    public let role: String
    /// Who signed: a login for a person, the unit's code for the seal.
    public let signer: String
    public let signerName: String
    public let signingTime: Int64
    public let prior: [Prior]

    public init(kind: Kind, step: Int, role: String, signer: String, signerName: String, signingTime: Int64, prior: [Prior]) {
        self.kind = kind
        self.step = step
        self.role = role
        self.signer = signer
        self.signerName = signerName
        self.signingTime = signingTime
        self.prior = prior
    }
}

/// An X.509 certificate, as read by the signing adapter.
public struct CertificateFacts: Sendable, Hashable {
    public let subject: String
    public let commonName: String
    public let issuer: String
    /// Upper-case hexadecimal serial number.
    public let serial: String
    public let notBefore: Int64
    public let notAfter: Int64
    /// Lower-case hexadecimal SHA-256 of the DER encoding.
    public let fingerprint: String
    /// `RSA` or `EC`.
    public let keyAlgorithm: String
    public init(subject: String, commonName: String, issuer: String, serial: String, notBefore: Int64, notAfter: Int64,
                fingerprint: String, keyAlgorithm: String) {
        self.subject = subject
        self.commonName = commonName
        self.issuer = issuer
        self.serial = serial
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.fingerprint = fingerprint
        self.keyAlgorithm = keyAlgorithm
    }

    public func valid(at time: Int64) -> Bool { notBefore <= time && time <= notAfter }
}

/// Why a signature (or the record it covers) does not hold. Each has a stable code and a message
/// key (`signature_problem.<code>` in the locale files).
public enum SignatureProblem: Sendable, Hashable {
    /// The signature does not follow Hoso's profile (enveloped, exclusive C14N, SHA-256, its
    /// properties signed, covering the manifest and every earlier signature).
    case profile(String)
    /// The manifest's content (or an earlier signature) changed after this signature was made.
    case contentChanged
    /// The signed properties (who, which role, when) changed.
    case propertiesChanged
    /// The signature value does not match the signed information under the certificate's key.
    case signatureValue
    case noCertificate
    /// The certificate's chain does not reach one of the tenant's trusted roots.
    case untrusted(String)
    case expiredAtSigning
    case notYetValidAtSigning
    /// The claimed role is not the one the chain asks for at that step.
    case wrongRole(expected: String, claimed: String)
    /// Steps out of order, repeated, or a seal before the last approval.
    case outOfOrder
    /// The certificate is not registered to the person (or school) the signature names.
    case notSignersKey
    /// The document's bytes no longer match the manifest's hash.
    case documentChanged

    public var code: String {
        switch self {
        case .profile: "profile"
        case .contentChanged: "content_changed"
        case .propertiesChanged: "properties_changed"
        case .signatureValue: "signature_value"
        case .noCertificate: "no_certificate"
        case .untrusted: "untrusted"
        case .expiredAtSigning: "expired"
        case .notYetValidAtSigning: "not_yet_valid"
        case .wrongRole: "wrong_role"
        case .outOfOrder: "out_of_order"
        case .notSignersKey: "not_signers_key"
        case .documentChanged: "document_changed"
        }
    }

    public var messageKey: String { "signature_problem." + code }

    public var parameters: [String: String] {
        switch self {
        case .profile(let detail), .untrusted(let detail): ["detail": detail]
        case .wrongRole(let expected, let claimed): ["expected": expected, "claimed": claimed]
        default: [:]
        }
    }
}

/// One signature as the signing adapter found it: what it claims, its certificate, and whether the
/// cryptography and the certificate chain hold (`nil` = holds).
public struct SignatureEvidence: Sendable, Hashable {
    public let index: Int
    public let id: String
    public let claim: SignatureClaim?
    public let certificate: CertificateFacts?
    /// `xmldsig#rsa-sha256` style algorithm name of the signature method.
    public let algorithm: String
    public let cryptographic: SignatureProblem?
    public let chain: SignatureProblem?
    public init(index: Int, id: String, claim: SignatureClaim?, certificate: CertificateFacts?, algorithm: String,
                cryptographic: SignatureProblem?, chain: SignatureProblem?) {
        self.index = index
        self.id = id
        self.claim = claim
        self.certificate = certificate
        self.algorithm = algorithm
        self.cryptographic = cryptographic
        self.chain = chain
    }
}

/// Whose certificate a fingerprint is, as the tenant's key registry knows it.
public struct KeyOwner: Sendable, Hashable {
    /// A login for a person's key, a unit code for a seal.
    public let owner: String
    public let seal: Bool
    public init(owner: String, seal: Bool) {
        self.owner = owner
        self.seal = seal
    }
}

/// The state a record's signatures are counted in on dashboards and reports.
public enum SignatureState: String, Sendable, Hashable, CaseIterable, Codable {
    case unsigned, signed, invalid
    public var messageKey: String { "signature_state." + rawValue }
}

/// The judgement over a manifest's signatures: the crypto adapter's evidence checked against the
/// manifest's chain (roles, order, seal), the key registry (when known) and the document's bytes.
public struct SignatureReview: Sendable, Hashable {
    public struct Checked: Sendable, Hashable {
        public let evidence: SignatureEvidence
        public let problems: [SignatureProblem]
        public var valid: Bool { problems.isEmpty }
    }

    public let signatures: [Checked]
    /// Set when the document was checked and its bytes do not match the manifest.
    public let documentProblem: SignatureProblem?
    /// Whether the document was available to check.
    public let documentChecked: Bool
    /// Positions (1-based, in the manifest's order) of the documents whose bytes do not match.
    public let changedDocuments: [Int]
    /// Steps whose signature is required and present and valid, and whether the seal is on.
    public let signedSteps: Set<Int>
    public let sealed: Bool
    /// Required steps still without a valid signature.
    public let missingSteps: [Int]
    /// The uploader's own signature is present and valid.
    public let submissionSigned: Bool
    /// Who signed each step (1-based) validly, by login: "k of n" for a step every subject teacher signs.
    public let signersByStep: [Int: Set<String>]

    public var state: SignatureState {
        if documentProblem != nil || signatures.contains(where: { !$0.valid }) { return .invalid }
        return signatures.isEmpty ? .unsigned : .signed
    }

    /// Every required signature and the seal (when required) are present and valid.
    public func complete(_ manifest: RecordManifest) -> Bool {
        state != .invalid && missingSteps.isEmpty && (sealed || !manifest.sealRequired)
            && (submissionSigned || !manifest.submissionSignatureRequired)
    }

    /// - Parameters:
    ///   - owners: the key registry by certificate fingerprint; `nil` when unknown (an offline check),
    ///     then who holds a key is not judged.
    ///   - documentSHA256: the hash of the document's bytes, when they are at hand.
    ///   - moreDocumentSHA256: the hashes of the further documents' bytes, in the manifest's order
    ///     (each one checked; one missing counts as changed); `nil` when they were not at hand.
    public init(manifest: RecordManifest, evidence: [SignatureEvidence], owners: [String: KeyOwner]?, documentSHA256: String?,
                moreDocumentSHA256: [String]? = nil) {
        var checked: [Checked] = []
        var lastStep = 0
        var signedSteps: Set<Int> = []
        var sealed = false
        var submissionSigned = false
        var signersByStep: [Int: Set<String>] = [:]
        for (position, item) in evidence.enumerated() {
            var problems: [SignatureProblem] = []
            if let problem = item.cryptographic { problems.append(problem) }
            if let problem = item.chain { problems.append(problem) }
            if let claim = item.claim {
                switch claim.kind {
                case .submission:
                    // The uploader's, first of all, once.
                    if claim.step != 0 || position != 0 || claim.signer != manifest.submitted.login {
                        problems.append(.outOfOrder)
                    } else if claim.role != manifest.submitted.role {
                        problems.append(.wrongRole(expected: manifest.submitted.role, claimed: claim.role))
                    }
                case .approval:
                    // A step every named signer signs takes one signature from each, in any order.
                    let shared = claim.step >= 1 && claim.step <= manifest.chain.count
                        && !manifest.chain[claim.step - 1].signers.isEmpty
                    let again = shared && claim.step == lastStep
                    if claim.step < 1 || claim.step > manifest.chain.count || (claim.step <= lastStep && !again) {
                        problems.append(.outOfOrder)
                    } else if manifest.chain[claim.step - 1].role != claim.role {
                        problems.append(.wrongRole(expected: manifest.chain[claim.step - 1].role, claimed: claim.role))
                    } else if shared && (!manifest.chain[claim.step - 1].signers.contains(claim.signer)
                                         || signersByStep[claim.step, default: []].contains(claim.signer)) {
                        problems.append(.outOfOrder)
                    }
                case .seal:
                    if claim.step != manifest.sealStep || claim.step <= lastStep || claim.role != manifest.unit.code || claim.signer != manifest.unit.code {
                        problems.append(.outOfOrder)
                    }
                }
                lastStep = max(lastStep, claim.step)
                if let owners, let certificate = item.certificate {
                    let owner = owners[certificate.fingerprint]
                    if owner?.owner != claim.signer || owner?.seal != (claim.kind == .seal) { problems.append(.notSignersKey) }
                }
                if problems.isEmpty {
                    switch claim.kind {
                    case .seal: sealed = true
                    case .submission: submissionSigned = true
                    case .approval:
                        signersByStep[claim.step, default: []].insert(claim.signer)
                        let expected = Set(manifest.chain[claim.step - 1].signers)
                        if expected.isEmpty || expected.isSubset(of: signersByStep[claim.step] ?? []) {
                            signedSteps.insert(claim.step)
                        }
                    }
                }
            } else if problems.isEmpty {
                problems.append(.profile("properties"))
            }
            checked.append(Checked(evidence: item, problems: problems))
        }
        self.signatures = checked
        self.documentChecked = documentSHA256 != nil
        var changed: [Int] = []
        if let documentSHA256, documentSHA256.lowercased() != manifest.document.sha256.lowercased() { changed.append(1) }
        if let more = moreDocumentSHA256 {
            for (offset, document) in manifest.moreDocuments.enumerated()
            where offset >= more.count || more[offset].lowercased() != document.sha256.lowercased() {
                changed.append(offset + 2)
            }
        }
        self.changedDocuments = changed
        self.documentProblem = changed.isEmpty ? nil : .documentChanged
        self.signedSteps = signedSteps
        self.sealed = sealed
        self.submissionSigned = submissionSigned
        self.signersByStep = signersByStep
        self.missingSteps = manifest.chain.indices.filter { manifest.chain[$0].signatureRequired && !signedSteps.contains($0 + 1) }.map { $0 + 1 }
    }
}
