// swift-tools-version:6.1
// Micro-benchmarks (ordo-one/benchmark): wall clock and malloc counts of the parser and the rings.
// Its own package, so that benchmark tooling never enters the product's build. Run: swift package benchmark
import PackageDescription

// A path dependency's identity is its folder's name, which depends on where the repository was cloned.
let rootIdentity = String(#filePath.split(separator: "/").dropLast(2).last ?? "main").lowercased()

let package = Package(
    name: "nexus-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "HTTP1Parsing",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NexusHTTP1", package: rootIdentity),
            ],
            path: "Benchmarks/HTTP1Parsing",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
        .executableTarget(
            name: "Rings",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "NexusRuntime", package: rootIdentity),
            ],
            path: "Benchmarks/Rings",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]),
    ]
)
