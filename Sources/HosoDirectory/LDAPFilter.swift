/// RFC 4515 escaping of values placed inside an LDAP search filter, so that a login name such as
/// `*` or `a)(uid=*` is searched for literally and cannot widen the filter. UTF-8 text (Vietnamese
/// names) passes unchanged: only the five special characters are escaped.
public enum LDAPFilter {
    public static func escape(_ value: String) -> String {
        var escaped = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "*": escaped += "\\2a"
            case "(": escaped += "\\28"
            case ")": escaped += "\\29"
            case "\\": escaped += "\\5c"
            case "\u{0}": escaped += "\\00"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// `(attribute=value)` with the value escaped.
    public static func equals(_ attribute: String, _ value: String) -> String {
        "(\(attribute)=\(escape(value)))"
    }
}
