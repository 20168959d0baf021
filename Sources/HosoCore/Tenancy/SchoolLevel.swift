/// The education levels a school may teach (a multi-level school lists several).
public enum SchoolLevel: String, Sendable, Codable, CaseIterable, Hashable {
    case preschool
    case primary
    case lowerSecondary = "lower_secondary"
    case upperSecondary = "upper_secondary"
    case multiLevel = "multi_level"
    case continuingEducation = "continuing_education"

    public var messageKey: String { "school_level." + rawValue }
}
