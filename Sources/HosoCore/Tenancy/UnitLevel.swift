/// One level of a tenant's hierarchy (department, district office, school, ...). Levels are
/// tenant data: a province that reorganises its offices changes its file, not the code.
public struct UnitLevel: Sendable, Equatable, Codable, Hashable {
    /// Stable key used by units' `kind` (e.g. `department`, `office`, `school`).
    public let kind: String
    public let nameVi: String
    public let nameEn: String
    /// Kinds a unit of this level may hang under; empty means it is a root.
    public let parents: [String]
    /// Whether units of this level are schools (they carry school levels).
    public let isSchool: Bool

    public init(kind: String, nameVi: String, nameEn: String, parents: [String], isSchool: Bool) {
        self.kind = kind
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.parents = parents
        self.isSchool = isSchool
    }

    /// department → district office → school, with schools allowed directly under the department.
    public static let defaults: [UnitLevel] = [
        UnitLevel(kind: "department", nameVi: "Sở Giáo dục và Đào tạo", nameEn: "Department of Education", parents: [], isSchool: false),
        UnitLevel(kind: "office", nameVi: "Phòng Giáo dục", nameEn: "District education office", parents: ["department"], isSchool: false),
        UnitLevel(kind: "school", nameVi: "Trường", nameEn: "School", parents: ["department", "office"], isSchool: true),
    ]
}
