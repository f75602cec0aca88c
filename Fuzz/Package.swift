// swift-tools-version:6.0
// libFuzzer harness for NexusHTTP1, kept out of the product's build.
//
// The root package exposes only the `nexusd` product, so a path dependency on ".." cannot reach NexusHTTP1.
// Sources/NexusBytes and Sources/NexusHTTP1 are symlinks to the real module folders: the fuzzer compiles
// exactly the shipped sources.
import PackageDescription

let package = Package(
    name: "HTTP1Fuzz",
    targets: [
        .target(name: "NexusBytes"),
        .target(name: "NexusHTTP1", dependencies: ["NexusBytes"]),
        .executableTarget(name: "HTTP1Fuzz", dependencies: ["NexusHTTP1", "NexusBytes"]),
    ]
)
