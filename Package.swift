// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let testDependencies: [Target.Dependency] = [
    "XuequApp",
    "XuequKit",
    "Registry",
    "Balance",
    "Certification",
    "Exchange",
    "Internship",
    "Teaching",
    "Inspection",
    "Reports",
    "XuequCore",
    .product(name: "VaporTesting", package: "vapor"),
    .product(name: "ZIPFoundation", package: "ZIPFoundation"),
]

let package = Package(
    name: "xuequ",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "xuequ", targets: ["xuequ"]),
    ],
    dependencies: [
        .package(url: "https://github.com/vapor/vapor.git", from: "4.122.3"),
        .package(url: "https://github.com/vapor/fluent.git", from: "4.13.0"),
        .package(url: "https://github.com/vapor/fluent-sqlite-driver.git", from: "4.9.0"),
        // The C writer (CXuequSQLite) calls the copy of SQLite that SQLiteNIO builds in.
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/fluent-postgres-driver.git", from: "2.14.0"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/leaf.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/leaf-kit.git", from: "1.14.3"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        // Shared kernel: no Vapor, no database.
        .target(
            name: "XuequCore",
            dependencies: [],
            swiftSettings: swiftSettings
        ),
        // Platform pieces every module needs on the server side: the request's actor,
        // the write gate, the audit log, spreadsheets in and out, page layout.
        .target(
            name: "XuequKit",
            dependencies: [
                "XuequCore",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // Districts, schools, teachers, consolidation; registry imports and exports.
        .target(
            name: "Registry",
            dependencies: [
                "XuequCore",
                "XuequKit",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            resources: [.copy("Views")],
            swiftSettings: swiftSettings
        ),
        // 义务教育均衡: difference coefficients, school checks, what-if, equity and student aid.
        .target(
            name: "Balance",
            dependencies: [
                "XuequCore",
                "XuequKit",
                "Registry",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            resources: [.copy("Views")],
            swiftSettings: swiftSettings
        ),
        // 教师资格认定: applications, eligibility rules, the workflow, notices, certificates.
        .target(
            name: "Certification",
            dependencies: [
                "XuequCore",
                "XuequKit",
                "Registry",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            resources: [.copy("Views")],
            swiftSettings: swiftSettings
        ),
        // 交流轮岗: eligibility, rotation plans checked against the rules and the balance, the
        // optimiser, 支教 assessment and return, alliances, itinerant timetables.
        .target(
            name: "Exchange",
            dependencies: [
                "XuequCore",
                "XuequKit",
                "Registry",
                "Balance",
                "Certification",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            resources: [.copy("Views")],
            swiftSettings: swiftSettings
        ),
        // 教育实习: placement, two mentors, gated lesson plans, records, appraisal and grade.
        .target(
            name: "Internship",
            dependencies: [
                "XuequCore",
                "XuequKit",
                "Registry",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            resources: [.copy("Views")],
            swiftSettings: swiftSettings
        ),
        // 教研: research groups and shared lesson plans (通案 → 个案), searched by character bigrams.
        .target(
            name: "Teaching",
            dependencies: [
                "XuequCore",
                "XuequKit",
                "Registry",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            resources: [.copy("Views")],
            swiftSettings: swiftSettings
        ),
        // 优质均衡督导评估: the 32 indicators from the other modules' services and the bureau's
        // evidence, the satisfaction survey, the self-evaluation report.
        .target(
            name: "Inspection",
            dependencies: [
                "XuequCore",
                "XuequKit",
                "Registry",
                "Balance",
                "Certification",
                "Exchange",
                "Teaching",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // 年度工作总结: the year's figures through the other modules' services, the work summary
        // from templates the bureau keeps per year, finalised, as A4, .docx and .xlsx.
        .target(
            name: "Reports",
            dependencies: [
                "XuequCore",
                "XuequKit",
                "Registry",
                "Balance",
                "Certification",
                "Exchange",
                "Internship",
                "Teaching",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: swiftSettings
        ),
        // The SQLite calls the writer connection makes, on SQLiteNIO's copy of SQLite (its
        // sqlite_nio_-prefixed symbols: the dependency is declared, not merely linked by luck).
        .target(name: "CXuequSQLite", dependencies: [.product(name: "SQLiteNIO", package: "sqlite-nio")]),
        // Configuration, auth, middleware, layout, commands.
        .target(
            name: "XuequApp",
            dependencies: [
                "CXuequSQLite",
                "XuequCore",
                "XuequKit",
                "Registry",
                "Balance",
                "Certification",
                "Exchange",
                "Internship",
                "Teaching",
                "Inspection",
                "Reports",
                .product(name: "Vapor", package: "vapor"),
                .product(name: "Fluent", package: "fluent"),
                .product(name: "FluentSQLiteDriver", package: "fluent-sqlite-driver"),
                .product(name: "FluentPostgresDriver", package: "fluent-postgres-driver"),
                .product(name: "Leaf", package: "leaf"),
                .product(name: "LeafKit", package: "leaf-kit"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [
                .copy("Resources/Views"),
                .copy("Resources/Public"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "xuequ",
            dependencies: ["XuequApp", "XuequKit"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "XuequCoreTests",
            dependencies: ["XuequCore"],
            swiftSettings: swiftSettings
        ),
        // What every module's tests share: a fresh database per test on both dialects, the
        // fixture county, signing in as a browser, request builders, spreadsheet fixtures.
        .target(
            name: "XuequTestSupport",
            dependencies: testDependencies,
            path: "Tests/XuequTestSupport",
            // Fixtures are read from the source tree (`fixtureData`), not bundled.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "RegistryTests", dependencies: testDependencies + ["XuequTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "BalanceTests", dependencies: testDependencies + ["XuequTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "CertificationTests", dependencies: testDependencies + ["XuequTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "ExchangeTests", dependencies: testDependencies + ["XuequTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "InternshipTests", dependencies: testDependencies + ["XuequTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "TeachingTests", dependencies: testDependencies + ["XuequTestSupport"], swiftSettings: swiftSettings),
        // The platform and the whole application: auth, admin, audit, the write gate and the
        // workflow kit, the authorization matrix over every route, schema and page snapshots.
        .testTarget(
            name: "XuequAppTests",
            dependencies: testDependencies + ["XuequTestSupport"],
            exclude: ["Snapshots"],
            swiftSettings: swiftSettings
        ),
    ]
)
