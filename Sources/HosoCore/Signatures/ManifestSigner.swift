/// Makes signatures with private keys the rest of Hoso never sees. Hoso's own key store
/// (PKCS#12 files under a secret from the environment) implements it; a PKCS#11 token or a remote
/// signing service can take its place behind the same protocol.
public protocol ManifestSigner: Sendable {
    /// The manifest with one more signature for `claim`, made with the key known as `keyReference`.
    func sign(manifest: [UInt8], keyReference: String, claim: SignatureClaim) async throws -> [UInt8]
}
