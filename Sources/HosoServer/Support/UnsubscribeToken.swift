import Crypto
import Foundation

/// The link in every reminder that turns reminders off without signing in: the tenant, the person
/// and an expiry, signed with `HOSO_MAIL_LINK_KEY` (HMAC-SHA256). A forged, expired or altered token,
/// or one of another tenant, is refused and changes nothing.
enum UnsubscribeToken {
    /// How long a link works: 60 days.
    static let lifetime: Int64 = 60 * 86_400

    static func make(tenantID: Int64, userID: Int64, now: Int64, key: String) -> String {
        let payload = "\(tenantID).\(userID).\(now + lifetime)"
        return payload + "." + signature(payload, key: key)
    }

    /// The tenant and person a token names, if it is genuine and has not expired at `now`.
    static func verify(_ token: String, now: Int64, key: String) -> (tenantID: Int64, userID: Int64)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.count <= 200, parts.count == 4, let tenant = Int64(parts[0]), let user = Int64(parts[1]),
              let expires = Int64(parts[2]), expires >= now else { return nil }
        let expected = signature("\(tenant).\(user).\(expires)", key: key)
        guard CSRFMiddleware.constantTimeEquals(String(parts[3]), expected) else { return nil }
        return (tenant, user)
    }

    static func signature(_ payload: String, key: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: SymmetricKey(data: Data(key.utf8)))
        return Data(mac).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
