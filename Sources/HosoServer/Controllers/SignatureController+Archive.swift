import Foundation
import HosoCore
import HosoReports
import HosoSigning
import HosoStore

/// The archive package of a record or a book (seed 001, Điều 10.3: "mọi thao tác chỉnh sửa dữ liệu
/// phải được lưu vết ... ghi nhận đầy đủ các điều chỉnh tương ứng trong hồ sơ lưu trữ"): every
/// version (superseded ones marked in their names and in `index.csv`), every document of each,
/// each version's manifest with its signatures, the correction minutes (PDF and manifest), the
/// record's audit entries and workflow events, its retention period, the scans of its paper copies,
/// the tenant's roots and the schema, and a README saying how to check each part without Hoso.
extension SignatureController {
    /// A package is built in memory: a book larger than this is exported period by period.
    static let maxRecords = 2000
    static let maxBytes: Int64 = 512 << 20

    struct Archive {
        var entries: [(path: String, bytes: [UInt8])] = []
        var sums: [String] = []
        var index: [[String]] = [
            [
                "obligation", "record_type", "period", "version", "state", "superseded_at", "document",
                "path", "sha256", "size", "manifest",
            ]
        ]
        var report: [String] = []
        var commands: [String] = []
        var total: Int64 = 0

        /// A file of the package, listed in SHA256SUMS.
        mutating func add(_ path: String, _ bytes: [UInt8], sha256: String? = nil) throws {
            total += Int64(bytes.count)
            guard total <= SignatureController.maxBytes else {
                throw HosoError("signature.export_too_large", ["limit": "\(SignatureController.maxBytes >> 20) MB"])
            }
            entries.append((path, bytes))
            sums.append("\(sha256 ?? Digests.sha256(bytes))  \(path)")
        }
    }

    func package(_ records: [Verified], actor: Actor, title: String) async throws -> [UInt8] {
        let tenantID = actor.tenantID
        let roots = try await services.signing.roots(tenantID: tenantID)
        var archive = Archive()
        archive.report = [
            "Hoso — báo cáo xác minh chữ ký số / signature verification report", title,
            "Thời điểm / At: " + VietnamTime.iso(epochSeconds: services.clock.now()), "",
        ]
        for record in records {
            try await add(record, to: &archive, tenantID: tenantID, roots: roots)
        }
        let pem = SignatureStore.bundle(try await services.signatures.roots(tenantID: tenantID))
        archive.entries.append(("trust-roots.pem", Array(pem.utf8)))
        if let xsd = FileManager.default.contents(
            atPath: services.configuration.webDirectory + "/" + SigningService.schemaFile)
        {
            archive.entries.append(("record-manifest-1.xsd", [UInt8](xsd)))
        }
        archive.entries.append(("index.csv", Array(Self.csv(archive.index).utf8)))
        archive.entries.append(("SHA256SUMS", Array((archive.sums.joined(separator: "\n") + "\n").utf8)))
        archive.entries.append(("verification.txt", Array(archive.report.joined(separator: "\n").utf8)))
        archive.entries.append(("README.txt", Array(Self.readme(commands: archive.commands).utf8)))
        return try ZipPackage.make(archive.entries)
    }

    /// One record: its versions (newest first in the database, oldest first here), their documents
    /// and manifests, its corrections' minutes, its trail.
    func add(_ record: Verified, to archive: inout Archive, tenantID: Int64, roots: TrustRoots) async throws {
        let row = record.visible.row
        let type = record.visible.snapshot.type
        let history = try await services.records.history(tenantID: tenantID, obligationID: row.id)
        let versions = history.versions.sorted { $0.version < $1.version }
        let documents = try await services.records.documents(tenantID: tenantID, versionIDs: versions.map(\.id))
        let corrections = try await services.records.correctionMinutes(tenantID: tenantID, obligationID: row.id)
        let period = "\(row.periodKind) \(row.periodNumber)"
        for version in versions {
            let mark = version.supersededAt == nil ? "" : "-superseded"
            let base = "\(row.id)-v\(version.version)\(mark)"
            // Each version's manifest: the current one as verified above, the others as kept (one
            // never made is made now, as the first export of the current version always did).
            let verification: SigningService.Verification
            if version.id == row.currentVersionID, let current = record.verification {
                verification = current
            } else {
                let stored = try await services.signing.manifest(
                    tenantID: tenantID, obligationID: row.id, versionID: version.id)
                verification = try await services.signing.verify(tenantID: tenantID, row: stored, roots: roots)
            }
            let manifestPath = "manifests/\(base).xml"
            try archive.add(manifestPath, Array(verification.xml.utf8))
            let files =
                documents[version.id] ?? [
                    DocumentRow(
                        versionID: version.id, position: 1, sha256: version.sha256, size: version.size,
                        mediaType: version.mediaType, format: version.format, filename: version.filename)
                ]
            for document in files {
                let path = "documents/\(base)-\(document.position)-\(SiteURL.asciiFilename(document.filename))"
                if let bytes = try? services.blobs.read(document.sha256) {
                    try archive.add(path, bytes, sha256: document.sha256)
                }
                archive.index.append([
                    String(row.id), row.recordType, period, String(version.version),
                    version.supersededAt == nil ? "current" : "superseded",
                    version.supersededAt.map { VietnamTime.iso(epochSeconds: $0) } ?? "", String(document.position),
                    path,
                    document.sha256, String(document.size), manifestPath,
                ])
            }
            report(verification, manifestPath: manifestPath, superseded: version.supersededAt != nil, into: &archive)
        }
        for minutes in corrections.minutes {
            let base = "corrections/\(row.id)-\(minutes.correctionID)"
            if let bytes = try? services.blobs.read(minutes.sha256) {
                try archive.add(base + "-minutes.pdf", bytes, sha256: minutes.sha256)
            }
            try archive.add(base + "-minutes.xml", Array(minutes.manifestXML.utf8))
            if minutes.signed {
                archive.commands.append(
                    "xmlsec1 --verify --trusted-pem trust-roots.pem --node-xpath \"//*[@Id='sig-1']\" \(base)-minutes.xml"
                )
            }
        }
        // The scans of the printed, hand-signed and stamped copies (seeds 003 and 004), every one kept.
        let scans = try await PaperCopyStore(database: services.database, logger: services.logger)
            .copies(tenantID: tenantID, obligationID: row.id)
        var paperCopies: [Trail.PaperCopy] = []
        for scan in scans.sorted(by: { $0.id < $1.id }) {
            let mark = scan.superseded ? "-superseded" : ""
            let path = "paper-copies/\(row.id)-v\(scan.version)-\(scan.id)\(mark)-\(SiteURL.asciiFilename(scan.filename))"
            if let bytes = try? services.blobs.read(scan.sha256) {
                try archive.add(path, bytes, sha256: scan.sha256)
            }
            paperCopies.append(
                .init(
                    version: scan.version, path: path, sha256: scan.sha256, filename: scan.filename,
                    filedBy: scan.filedBy, filedRole: scan.filedRole, filedAt: VietnamTime.iso(epochSeconds: scan.filedAt),
                    superseded: scan.superseded))
        }
        let audit = try await services.audit.entries(
            tenantID: tenantID, subject: "obligation:\(row.id)", limit: 100_000)
        var trail = Trail(
            row: row, retention: type.retention.code.isEmpty ? "unset" : type.retention.code, versions: versions,
            corrections: history.corrections, witnesses: corrections.witnesses, minutes: corrections.minutes,
            events: history.events, audit: audit)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        trail.paperCopies = paperCopies
        try archive.add("records/\(row.id).json", Array(try encoder.encode(trail)))
        try archive.add(
            "audit/\(row.id).csv",
            Array(
                Self.csv(
                    [["seq", "at", "actor", "action", "details"]]
                        + audit.map {
                            [
                                String($0.seq), VietnamTime.iso(epochSeconds: $0.atMicroseconds / 1_000_000),
                                $0.actorLogin ?? "", $0.action, $0.details,
                            ]
                        }
                ).utf8))
    }

    func report(
        _ verification: SigningService.Verification, manifestPath: String, superseded: Bool, into archive: inout Archive
    ) {
        let manifest = verification.manifest
        archive.report.append(
            "== \(manifest.recordType.name) · \(manifest.period.kind) \(manifest.period.number) · v\(manifest.version)"
                + (superseded ? " (đã thay thế / superseded)" : "") + " · \(manifest.unit.name)")
        for (offset, document) in manifest.documents.enumerated() {
            archive.report.append(
                "   Tài liệu / document \(offset + 1): \(document.filename) sha256=\(document.sha256) "
                    + (verification.review.changedDocuments.contains(offset + 1)
                        ? "KHÔNG KHỚP / DOES NOT MATCH"
                        : "khớp / matches"))
        }
        archive.report.append(
            "   Trạng thái / state: \(verification.review.state.rawValue)"
                + (verification.review.complete(manifest) ? " (đủ chữ ký / complete)" : ""))
        archive.report.append(contentsOf: SignerReport.lines(manifest, verification.review))
        for checked in verification.review.signatures {
            let e = checked.evidence
            archive.report.append(
                "   #\(e.index + 1) \(e.claim?.kind.rawValue ?? "?") step \(e.claim?.step ?? 0) \(e.claim?.role ?? "")"
                    + " — \(e.claim?.signerName ?? "") — \(e.claim.map { VietnamTime.iso(epochSeconds: $0.signingTime) } ?? "")"
            )
            archive.report.append(
                "      cert \(e.certificate?.subject ?? "—") serial \(e.certificate?.serial ?? "—") "
                    + "issuer \(e.certificate?.issuer ?? "—")")
            archive.report.append(
                "      "
                    + (checked.valid
                        ? "HỢP LỆ / VALID"
                        : "KHÔNG HỢP LỆ / INVALID: " + checked.problems.map(\.code).joined(separator: ", ")))
            archive.commands.append(
                "xmlsec1 --verify --trusted-pem trust-roots.pem --node-xpath \"//*[@Id='\(e.id)']\" \(manifestPath)")
        }
        archive.report.append("")
    }

    /// A table as CSV (UTF-8 with its byte-order mark, as every CSV of Hoso).
    static func csv(_ rows: [[String]]) -> String {
        CSVExport.byteOrderMark + rows.map { CSVExport.line($0.map(ExportCell.text)) }.joined()
    }

    static func readme(commands: [String]) -> String {
        """
        Hồ sơ điện tử xuất từ Hoso / Electronic records exported from Hoso

        index.csv        mỗi dòng một tệp của mỗi phiên bản / one line per document of every version:
                         "current" or "superseded" (đã thay thế, được giữ nguyên), its SHA-256, its manifest
        documents/       every document of every version, as submitted: <record>-v<N>[-superseded]-<n>-<file>
        manifests/       one XML manifest per version, naming each document's SHA-256, with its
                         signatures (schema: record-manifest-1.xsd)
        corrections/     correction minutes (biên bản sửa chữa): the PDF and its manifest (signed by the principal)
        paper-copies/    scans of the printed, hand-signed and stamped copies (bản in có chữ ký, đóng dấu), per
                         version: <record>-v<N>-<scan>[-superseded]-<file>; who filed each, and when, in records/
        records/         per record: retention period (thời hạn bảo quản), versions, corrections,
                         witnesses and their confirmations, workflow events, audit entries (JSON)
        audit/           per record: its audit entries (CSV)
        trust-roots.pem  the CA roots the tenant trusts
        verification.txt Hoso's own check of every signature and document at export time

        Kiểm tra không cần Hoso / Check without Hoso:
          1. Mọi tệp / every file:        sha256sum -c SHA256SUMS
          2. Lược đồ / schema:            xmllint --noout --schema record-manifest-1.xsd manifests/*.xml corrections/*.xml
          3. Tài liệu trong bản kê / the documents a manifest names: compare each Document/@sha256 in
             manifests/*.xml with index.csv (the same hashes sha256sum checked in step 1)
          4. Chữ ký số / signatures (each with the shipped roots):
        \(commands.map { "     " + $0 }.joined(separator: "\n"))

        """
    }
}

/// A record's trail as exported (`records/<id>.json`).
struct Trail: Encodable {
    struct Version: Encodable {
        let version: Int
        let sha256: String
        let filename: String
        let uploadedBy: String
        let uploadedAt: String
        let supersededAt: String?
        let correction: Int64?
    }

    struct Correction: Encodable {
        let id: Int64
        let reason: String
        let requestedBy: String
        let requestedAt: String
        let state: String
        let decidedBy: String?
        let decidedAt: String?
        let witnesses: [Witness]
        let minutes: Minutes?
    }

    struct Witness: Encodable {
        let login: String
        let name: String
        let capacities: [String]
        let confirmedAt: String?
    }

    struct Minutes: Encodable {
        let number: String
        let sha256: String
        let signed: Bool
        let issuedBy: String
        let issuedAt: String
    }

    struct PaperCopy: Encodable {
        let version: Int
        let path: String
        let sha256: String
        let filename: String
        let filedBy: String
        let filedRole: String
        let filedAt: String
        let superseded: Bool
    }

    struct Event: Encodable {
        let kind: String
        let step: Int?
        let actor: String
        let role: String?
        let comment: String?
        let at: String
    }

    struct Audit: Encodable {
        let seq: Int64
        let at: String
        let actor: String?
        let action: String
        let details: String
    }

    let obligation: Int64
    let recordType: String
    let unit: String
    let schoolYear: String
    let period: String
    let owner: String
    let state: String
    /// `permanent`, `years:N`, or `unset` when the rule-set gives none (record.type.retention).
    let retention: String
    let versions: [Version]
    let corrections: [Correction]
    let events: [Event]
    let audit: [Audit]
    /// The paper copies' scans, set after the trail is built.
    var paperCopies: [PaperCopy] = []

    init(
        row: ObligationRow, retention: String, versions: [VersionRow], corrections: [CorrectionRow],
        witnesses: [WitnessRow],
        minutes: [CorrectionMinutesRow], events: [EventRow], audit: [AuditStore.Entry]
    ) {
        func iso(_ seconds: Int64) -> String { VietnamTime.iso(epochSeconds: seconds) }
        obligation = row.id
        recordType = row.recordType
        unit = row.unitCode
        schoolYear = row.schoolYear
        period = "\(row.periodKind) \(row.periodNumber)"
        owner = row.ownerName
        state = row.status.rawValue
        self.retention = retention
        self.versions = versions.map {
            Version(
                version: $0.version, sha256: $0.sha256, filename: $0.filename, uploadedBy: $0.uploadedBy,
                uploadedAt: iso($0.uploadedAt),
                supersededAt: $0.supersededAt.map(iso), correction: $0.correctionID)
        }
        self.corrections = corrections.map { correction in
            Correction(
                id: correction.id, reason: correction.reason, requestedBy: correction.requestedBy,
                requestedAt: iso(correction.requestedAt),
                state: correction.state, decidedBy: correction.decidedBy, decidedAt: correction.decidedAt.map(iso),
                witnesses: witnesses.filter { $0.correctionID == correction.id }.map {
                    Witness(
                        login: $0.login, name: $0.name, capacities: $0.capacities, confirmedAt: $0.confirmedAt.map(iso))
                },
                minutes: minutes.first { $0.correctionID == correction.id }.map {
                    Minutes(
                        number: $0.number, sha256: $0.sha256, signed: $0.signed, issuedBy: $0.issuedBy,
                        issuedAt: iso($0.issuedAt))
                })
        }
        self.events = events.map {
            Event(
                kind: $0.kind, step: $0.step.map { $0 + 1 }, actor: $0.actorName, role: $0.actorRole,
                comment: $0.comment, at: iso($0.at))
        }
        self.audit = audit.map {
            Audit(
                seq: $0.seq, at: iso($0.atMicroseconds / 1_000_000), actor: $0.actorLogin, action: $0.action,
                details: $0.details)
        }
    }
}
