import Foundation
import HosoCore
import HosoSigning
import HosoStore

/// Digital signatures for the server: builds and keeps manifests, signs approvals with the key
/// store (the signer protocol), takes manifests signed outside Hoso, and verifies a record's
/// signatures against the tenant's roots, its key registry and the document's bytes.
public struct SigningService: Sendable {
    public let schema: ManifestSchema
    /// `nil` when no `HOSO_KEYS_SECRET` is set: Hoso then signs nothing itself, but still takes
    /// and verifies signatures made outside.
    public let signer: (any ManifestSigner)?
    public let keyStore: PKCS12KeyStore?
    let store: SignatureStore
    let blobs: BlobStore

    public init(schema: ManifestSchema, store: SignatureStore, blobs: BlobStore, keysDirectory: String, secret: String?) throws {
        self.schema = schema
        self.store = store
        self.blobs = blobs
        let keyStore = try secret.map { try PKCS12KeyStore(directory: keysDirectory, secret: $0, schema: schema) }
        self.keyStore = keyStore
        self.signer = keyStore
    }

    public static let schemaFile = "static/record-manifest-1.xsd"

    public static func loadSchema(webDirectory: String) throws -> ManifestSchema {
        guard let data = FileManager.default.contents(atPath: webDirectory + "/" + schemaFile) else {
            throw HosoError("manifest.schema_unreadable")
        }
        return try ManifestSchema(xsd: [UInt8](data))
    }

    public func roots(tenantID: Int64) async throws -> TrustRoots {
        try Self.roots(pem: SignatureStore.bundle(try await store.roots(tenantID: tenantID)))
    }

    static func roots(pem: String) throws -> TrustRoots {
        pem.isEmpty ? .empty : try TrustRoots(pem: Array(pem.utf8))
    }

    // MARK: - Signing an approval

    /// The approval's signature made by the key store with the approver's key, then (at the
    /// chain's last step) the school's seal; everything verified before it is stored.
    public func hosoSigning(tenantID: Int64) -> SigningStep {
        let service = self
        return { context in
            guard let signer = service.signer else { throw HosoError("signing.unavailable") }
            var xml = try context.manifestXML.map { Array($0.utf8) } ?? ManifestXML.build(context.facts)
            let now = context.now
            if context.kind == .seal {
                // The clerk's seal step: the school's seal alone.
                xml = try await service.seal(xml, context: context, approvedAt: now, by: signer)
                return try await service.accept(xml, tenantID: tenantID, context: context, newFrom: context.signatures,
                                                keyIDs: [context.sealKey?.id], madeBy: "hoso")
            }
            guard let key = context.personalKey, let reference = key.keyReference else { throw HosoError("signing.no_key") }
            let claim = SignatureClaim(kind: context.kind, step: context.step, role: context.role.rawValue, signer: context.signer.login,
                                       signerName: context.signer.name, signingTime: now, prior: context.prior)
            xml = try await signer.sign(manifest: xml, keyReference: reference, claim: claim)
            var keyIDs: [Int64?] = [key.id]
            if context.sealDue {
                xml = try await service.seal(xml, context: context, approvedAt: now, by: signer)
                keyIDs.append(context.sealKey?.id)
            }
            return try await service.accept(xml, tenantID: tenantID, context: context, newFrom: context.signatures, keyIDs: keyIDs, madeBy: "hoso")
        }
    }

    func seal(_ xml: [UInt8], context: SigningContext, approvedAt: Int64, by signer: any ManifestSigner) async throws -> [UInt8] {
        guard let seal = context.sealKey, let reference = seal.keyReference else { throw HosoError("signing.no_seal_key") }
        let prior = context.kind == .seal ? context.prior
            : context.prior + [.init(step: context.step, role: context.role.rawValue, name: context.signer.name,
                                     at: approvedAt, signed: true)]
        let claim = SignatureClaim(kind: .seal, step: context.facts.sealStep, role: context.facts.unit.code, signer: context.facts.unit.code,
                                   signerName: context.facts.unit.name, signingTime: context.now, prior: prior)
        return try await signer.sign(manifest: xml, keyReference: reference, claim: claim)
    }

    /// A manifest signed outside Hoso by the approver (their token's tool, `xmlsec1 --sign`):
    /// the same content as Hoso's, every earlier signature unchanged, exactly one new signature
    /// for this step, in this role, by this person's registered certificate. The seal follows
    /// from the key store when due.
    public func externalSigning(tenantID: Int64, uploaded: [UInt8]) -> SigningStep {
        let service = self
        return { context in
            let check = try ManifestSignatures.verify(uploaded, roots: try Self.roots(pem: context.rootsPEM), schema: service.schema)
            guard let storedXML = context.manifestXML else { throw HosoError("signature.no_manifest") }
            let stored = try ManifestSignatures.verify(Array(storedXML.utf8), roots: .empty, schema: service.schema)
            guard check.manifest == stored.manifest else { throw HosoError("signature.other_manifest") }
            guard check.evidence.count == context.signatures + 1,
                  Array(check.signatureValues.prefix(context.signatures)) == stored.signatureValues else { throw HosoError("signature.earlier_changed") }
            let new = check.evidence[context.signatures]
            guard let claim = new.claim, claim.kind == context.kind, claim.kind != .seal, claim.step == context.step,
                  claim.role == context.role.rawValue,
                  claim.signer == context.signer.login else {
                throw HosoError("signature.wrong_claim", ["step": String(context.step), "role": context.role.rawValue])
            }
            guard abs(claim.signingTime - context.now) <= 24 * 3600 else { throw HosoError("signature.stale_time") }
            var xml = uploaded
            var keyIDs: [Int64?] = [nil]
            if context.sealDue {
                guard let signer = service.signer else { throw HosoError("signing.unavailable") }
                xml = try await service.seal(xml, context: context, approvedAt: claim.signingTime, by: signer)
                keyIDs.append(context.sealKey?.id)
            }
            return try await service.accept(xml, tenantID: tenantID, context: context, newFrom: context.signatures, keyIDs: keyIDs, madeBy: "external")
        }
    }

    /// Verifies the whole manifest as it will be stored; any problem refuses the approval with its reason.
    func accept(_ xml: [UInt8], tenantID: Int64, context: SigningContext, newFrom: Int, keyIDs: [Int64?], madeBy: String) async throws -> SignedManifest {
        let check = try ManifestSignatures.verify(xml, roots: try Self.roots(pem: context.rootsPEM), schema: schema)
        let owners = try await context.owners(check.evidence.compactMap { $0.certificate?.fingerprint })
        let review = SignatureReview(manifest: check.manifest, evidence: check.evidence, owners: owners, documentSHA256: nil)
        try Self.refuseAnyProblem(review)
        let added = check.evidence.dropFirst(newFrom).enumerated().map { offset, evidence in
            SignedManifest.Added(claim: evidence.claim!, certificate: evidence.certificate!, algorithm: evidence.algorithm,
                                 keyID: offset < keyIDs.count ? keyIDs[offset] : nil, madeBy: offset == 0 ? madeBy : "hoso")
        }
        return SignedManifest(xml: String(decoding: xml, as: UTF8.self), added: added, sealed: review.sealed, complete: review.complete(check.manifest))
    }

    /// A signature about to be stored must hold entirely: the first problem refuses it, named.
    static func refuseAnyProblem(_ review: SignatureReview) throws {
        if let problem = review.signatures.lazy.flatMap(\.problems).first {
            throw HosoError("signature.refused", ["reason": problem.code, "detail": problem.parameters.values.joined(separator: ", ")])
        }
    }

    // MARK: - Inspection minutes

    /// The signed manifest of an inspection's minutes (PDF), signed by the team's leader with their
    /// key at `at` (the time printed in the minutes), and verified before it is kept.
    public func signMinutes(tenantID: Int64, key: KeyRow, tenant: RecordManifest.Party, issuer: StoredUnit, inspection: InspectionRow,
                            number: String, sha256: String, size: Int64, signer: (login: String, name: String), at: Int64,
                            roots: TrustRoots) async throws -> String {
        guard let signer_ = self.signer, let reference = key.keyReference else { throw HosoError("signing.unavailable") }
        let role = "inspection_leader"
        let manifest = RecordManifest(
            tenant: tenant, unit: .init(code: issuer.code, name: issuer.nameVi),
            recordType: .init(code: "inspection_minutes", name: "Biên bản kiểm tra số \(number): \(inspection.title)"),
            period: .init(schoolYear: inspection.schoolYear, kind: "inspection", number: Int(inspection.id),
                          first: inspection.periodFrom.iso, last: inspection.periodTo.iso),
            obligationID: inspection.id, version: 1,
            document: .init(sha256: sha256, size: size, mediaType: "application/pdf", filename: "bien-ban-\(inspection.id).pdf"),
            submitted: .init(login: signer.login, name: signer.name, role: role, at: at),
            chain: [.init(role: role, signatureRequired: true)], sealRequired: false, issuedAt: at)
        let claim = SignatureClaim(kind: .approval, step: 1, role: role, signer: signer.login, signerName: signer.name, signingTime: at, prior: [])
        let xml = try await signer_.sign(manifest: try ManifestXML.build(manifest), keyReference: reference, claim: claim)
        // `roots` are read by the caller before the inspection's lock: nothing here takes a connection.
        let check = try ManifestSignatures.verify(xml, roots: roots, schema: schema)
        let review = SignatureReview(manifest: check.manifest, evidence: check.evidence,
                                     owners: [key.fingerprint: KeyOwner(owner: key.owner, seal: false)], documentSHA256: sha256)
        try Self.refuseAnyProblem(review)
        return String(decoding: xml, as: UTF8.self)
    }

    // MARK: - Manifests and verification

    /// The version's manifest, written now if it has none yet.
    public func manifest(tenantID: Int64, obligationID: Int64, versionID: Int64) async throws -> ManifestRow {
        if let stored = try await store.manifest(tenantID: tenantID, versionID: versionID) { return stored }
        let facts = try await store.facts(tenantID: tenantID, obligationID: obligationID, versionID: versionID)
        let xml = String(decoding: try ManifestXML.build(facts), as: UTF8.self)
        return try await store.keep(tenantID: tenantID, versionID: versionID, obligationID: obligationID, xml: xml)
    }

    public struct Verification: Sendable {
        public let manifest: RecordManifest
        public let review: SignatureReview
        public let xml: String
    }

    /// Checks a stored manifest again, with the document's bytes from the blob store, and records
    /// the state when it changed (a tampered manifest or document turns the record invalid).
    /// `roots`: the tenant's roots when the caller already read them (a book's export reads them
    /// once for all its records); read here otherwise.
    public func verify(tenantID: Int64, row: ManifestRow, roots given: TrustRoots? = nil) async throws -> Verification {
        let roots: TrustRoots
        if let given { roots = given } else { roots = try await self.roots(tenantID: tenantID) }
        let check: ManifestCheck
        do {
            check = try ManifestSignatures.verify(Array(row.xml.utf8), roots: roots, schema: schema)
        } catch let error as HosoError {
            try await store.recordCheck(tenantID: tenantID, versionID: row.versionID, state: .invalid, problem: error.code)
            throw error
        }
        let owners = try await store.owners(tenantID: tenantID, fingerprints: check.evidence.compactMap { $0.certificate?.fingerprint })
        let digest = (try? blobs.read(check.manifest.document.sha256)).map(Digests.sha256) ?? "missing"
        // Every further document is read and hashed too: a version is as good as its worst file.
        let more = check.manifest.moreDocuments.map { (try? blobs.read($0.sha256)).map(Digests.sha256) ?? "missing" }
        let review = SignatureReview(manifest: check.manifest, evidence: check.evidence, owners: owners, documentSHA256: digest,
                                     moreDocumentSHA256: more)
        let problem = review.documentProblem?.code ?? review.signatures.lazy.flatMap(\.problems).first?.code
        if review.state != row.state || problem != row.problem {
            try await store.recordCheck(tenantID: tenantID, versionID: row.versionID, state: review.state, problem: problem)
        }
        return Verification(manifest: check.manifest, review: review, xml: row.xml)
    }

    /// A template for the actor's next signature (for signing outside Hoso).
    public func template(manifest xml: String, keyAlgorithm: String, claim: SignatureClaim) throws -> [UInt8] {
        try ManifestSignatures.template(Array(xml.utf8), keyAlgorithm: keyAlgorithm, claim: claim, schema: schema)
    }
}
