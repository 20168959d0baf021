// swift-tools-version:6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "hoso",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "hoso", targets: ["hoso"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", exact: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", exact: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", exact: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        .package(url: "https://github.com/vapor/multipart-kit.git", exact: "4.7.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", exact: "0.9.20"),
    ],
    targets: [
        // Pure domain: no I/O, no C, no Hummingbird.
        .target(name: "HosoCore", swiftSettings: strict),

        // PostgreSQL: migrations, repositories.
        .target(
            name: "HosoStore",
            dependencies: [
                "HosoCore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            resources: [.copy("Migrations")],
            swiftSettings: strict
        ),

        // The synthetic province (`hoso demo generate`) for the benchmark and load tests: the CLI
        // and the tests use it, the server does not.
        .target(
            name: "HosoSynthetic",
            dependencies: [
                "HosoCore", "HosoStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        // OpenLDAP's libldap.
        .systemLibrary(name: "CLDAP", pkgConfig: "ldap", providers: [.apt(["libldap2-dev"])]),
        .target(
            name: "HosoDirectory",
            dependencies: [
                "HosoCore", "CLDAP",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // libxml2 + xmlsec1 with OpenSSL, for record manifests and XML-DSig (see the shim for the ICU trap).
        .systemLibrary(name: "CXMLSec", pkgConfig: "xmlsec1-openssl", providers: [.apt(["libxmlsec1-dev", "libxml2-dev", "libssl-dev"])]),
        // Record manifests, their XSD validation and signatures. No Foundation here (PLATFORM.md).
        .target(name: "HosoSigning", dependencies: ["HosoCore", "CXMLSec"], swiftSettings: strict),

        // libcurl, for SMTP (the protocol, STARTTLS and authentication are libcurl's).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // E-mail: hands the outbox's messages to an SMTP server.
        .target(
            name: "HosoMail",
            dependencies: [
                "HosoCore", "CCurl",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        // libharu, for PDF (no pkg-config file on Debian: linked by name in the module map).
        .systemLibrary(name: "CHaru", providers: [.apt(["libhpdf-dev"])]),
        // PDF (official layout), spreadsheets and CSV for exports and reports.
        .target(
            name: "HosoReports",
            dependencies: ["HosoCore", "CHaru", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strict
        ),

        .target(
            name: "HosoServer",
            dependencies: [
                "HosoCore", "HosoStore", "HosoDirectory", "HosoReports", "HosoSigning", "HosoMail",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "hoso",
            dependencies: [
                "HosoServer", "HosoStore", "HosoCore", "HosoSigning", "HosoSynthetic",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),

        .testTarget(name: "HosoCoreTests", dependencies: ["HosoCore"], swiftSettings: strict),
        .testTarget(name: "HosoSigningTests", dependencies: ["HosoSigning", "HosoCore"], swiftSettings: strict),
        .testTarget(
            name: "HosoIntegrationTests",
            dependencies: [
                "HosoCore", "HosoServer", "HosoStore", "HosoDirectory", "HosoReports", "HosoSigning", "HosoSynthetic",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
