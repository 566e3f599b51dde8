// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "mia-stitch",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "mia-stitch", targets: ["mia-stitch"]),
        .library(name: "MiaPipeline", targets: ["MiaPipeline"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.100.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"5.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat libavcodec libavfilter libavutil libswresample libswscale",
            providers: [
                .apt(["libavformat-dev", "libavcodec-dev", "libavfilter-dev", "libavutil-dev", "libswresample-dev", "libswscale-dev"]),
                .brew(["ffmpeg"]),
            ]
        ),
        .systemLibrary(
            name: "CFreeType",
            pkgConfig: "freetype2",
            providers: [.apt(["libfreetype-dev"]), .brew(["freetype"])]
        ),
        // Text shaping for template cards (with its FreeType glue, hb-ft.h) and the bidi algorithm;
        // only Templates/ imports them, each behind a small wrapper.
        .systemLibrary(
            name: "CHarfBuzz",
            pkgConfig: "harfbuzz",
            providers: [.apt(["libharfbuzz-dev"]), .brew(["harfbuzz"])]
        ),
        .systemLibrary(
            name: "CFriBidi",
            pkgConfig: "fribidi",
            providers: [.apt(["libfribidi-dev"]), .brew(["fribidi"])]
        ),
        // GitHub's CommonMark parser and its table extension: the structure of scripts written in Markdown.
        .systemLibrary(
            name: "CCmarkGFM",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"]), .brew(["cmark-gfm"])]
        ),
        // eSpeak NG, the built-in voice: only Voice/ESpeakVoice.swift imports it.
        .systemLibrary(
            name: "CESpeakNG",
            pkgConfig: "espeak-ng",
            providers: [.apt(["libespeak-ng-dev", "espeak-ng-data"]), .brew(["espeak-ng"])]
        ),
        // Fontconfig, where libass finds fonts: only Stitching/Captions/CaptionFont.swift imports it,
        // to name the families a burned caption can be drawn in.
        .systemLibrary(
            name: "CFontconfig",
            pkgConfig: "fontconfig",
            providers: [.apt(["libfontconfig-dev"]), .brew(["fontconfig"])]
        ),
        // The only Swift code that imports CFFmpeg (as an internal import, so no C type leaves it):
        // containers, packets, frames, codecs, filter graphs. Its API is `package`: for this package only.
        .target(name: "MiaFFmpeg", dependencies: ["CFFmpeg"]),
        .target(
            name: "MiaPipeline",
            dependencies: [
                "MiaFFmpeg", "CFreeType", "CHarfBuzz", "CFriBidi", "CCmarkGFM", "CESpeakNG", "CFontconfig", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Yams", package: "Yams"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                // Provider HTTP (Providers/HTTP/) and the metrics endpoint (Metrics/): no NIO type leaves them.
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                // Metrics/ only: the registry behind `--metrics-port`.
                .product(name: "Prometheus", package: "swift-prometheus"),
                // Hashes (script hashes, plan ids, speech keys) and webhook signatures (HMAC-SHA256).
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .executableTarget(
            name: "mia-stitch",
            dependencies: [
                "MiaPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "MiaPipelineTests", dependencies: [
            "MiaPipeline", "MiaFFmpeg", "mia-stitch", .product(name: "Yams", package: "Yams"), .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
    ]
)

// One set of settings for every target (as swift-log does).
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .enableUpcomingFeature("ExistentialAny"),
    ]
}
