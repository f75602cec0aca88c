// swift-tools-version:6.0
// Nexus: an edge gateway appliance. Module boundaries are described in docs/architecture.md.
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]
/// The request path (engine, codec, buffers) in release builds: no dynamic exclusivity checks. They cost ~5% of the
/// loop's CPU in profiles (swift_beginAccess on class properties); the static checks still apply, and debug builds
/// and the tests keep the dynamic ones. See docs/performance.md.
let hotPath: [SwiftSetting] = strict + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "nexus",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "nexusd", targets: ["nexusd"]),
        .executable(name: "nexusctl", targets: ["nexusctl"]),
        // Libraries for Benchmarks/ and Fuzz/, which are packages of their own.
        .library(name: "NexusHTTP1", targets: ["NexusHTTP1", "NexusBytes"]),
        .library(name: "NexusRuntime", targets: ["NexusRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        // C headers and the few shims Swift cannot import (liburing include order, IOSQE flags, CPU pinning).
        .target(name: "CNexusLinux", linkerSettings: [.linkedLibrary("uring")]),
        // libyaml, the reference YAML parser (Debian: libyaml-dev).
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),
        // OpenSSL 3 (Debian: libssl-dev): digests, randomness, signatures, TLS.
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        // The OpenSSL macros Swift cannot import (SSL_CTX_ctrl wrappers) and the TLS callbacks (SNI, tickets, OCSP, ALPN).
        .target(name: "CNexusTLS", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        // A growable byte buffer with a stable base address: the unit of I/O between the loops and the codec.
        .target(name: "NexusBytes", swiftSettings: hotPath),
        // File descriptors, sockets, clocks, errno: every plain syscall goes through here.
        .target(name: "NexusSystem", dependencies: ["CNexusLinux"], swiftSettings: strict),
        // io_uring through liburing: the ring, its operations, provided-buffer rings, the feature probe.
        .target(name: "NexusRing", dependencies: ["CNexusLinux", "NexusSystem"], swiftSettings: strict),
        // Lock-free SPSC/MPSC rings, wakers, the log writer thread.
        .target(name: "NexusRuntime", dependencies: ["NexusSystem", .product(name: "Logging", package: "swift-log")],
                swiftSettings: strict),
        // HTTP/1.1 request parser, body decoders and response encoder: bytes in, events out, no I/O.
        .target(name: "NexusHTTP1", dependencies: ["NexusBytes"], swiftSettings: hotPath),
        // The route table: host (exact, wildcard), path (exact, prefix, segment parameters), method; no I/O.
        .target(name: "NexusRouting", swiftSettings: hotPath),
        // The durable state: a memory-mapped append-only log of checksummed records, group commit, recovery.
        .target(name: "NexusState", dependencies: ["CNexusLinux", "NexusSystem", "NexusRuntime"], swiftSettings: strict),
        // SHA-256, constant-time comparison, secure random bytes, hex and base64url (OpenSSL underneath).
        .target(name: "NexusCrypto", dependencies: ["COpenSSL"], swiftSettings: strict),
        // Authentication and rate limiting on the request path: API keys by HMAC, principals, GCRA limit tables and
        // quotas shared by the loops without locks; no I/O.
        .target(name: "NexusAuth", dependencies: ["NexusCrypto", "NexusJWT"], swiftSettings: hotPath),
        // TLS over OpenSSL memory BIOs: contexts from the configuration, per-connection state; no socket calls.
        .target(name: "NexusTLS", dependencies: ["CNexusTLS", "COpenSSL", "NexusBytes", "NexusConfig", "NexusSystem"], swiftSettings: strict),
        // The OpenSSL macros NexusJWT needs as plain C (EVP_PKEY_PUBLIC_KEY, key type ids) and the extra headers.
        .target(name: "CNexusJWT", dependencies: ["COpenSSL"]),
        // JWS/JWT verification: compact parsing, keys (PEM, JWK Set), HS/RS/PS/ES/EdDSA over OpenSSL EVP, claims.
        .target(name: "NexusJWT", dependencies: ["COpenSSL", "CNexusJWT", "NexusCrypto"], swiftSettings: strict),
        // YAML (libyaml) to a checked configuration, with file:line errors.
        .target(name: "NexusConfig", dependencies: ["CYAML", "NexusSchema"], swiftSettings: strict),
        // JSON values (a strict parser that keeps key order and number literals, a serializer) and JSON Schema 2020-12
        // validation: compiled once, validated on the request path; no dependencies.
        .target(name: "NexusSchema", swiftSettings: strict),
        // MCP (Model Context Protocol) over Streamable HTTP, revisions 2025-03-26 to 2026-07-28: JSON-RPC, revision rules,
        // sessions; bytes and header values in, a response out, no I/O.
        .target(name: "NexusMCP", dependencies: ["NexusSchema"], swiftSettings: strict),
        // The server: connection state machine, built-in handlers, the io_uring and epoll drivers.
        .target(name: "NexusServer",
                dependencies: ["NexusBytes", "NexusSystem", "NexusRing", "NexusRuntime", "NexusHTTP1", "NexusConfig", "NexusRouting",
                               "NexusAuth", "NexusTLS", "NexusSchema", "NexusMCP",
                               .product(name: "Logging", package: "swift-log")],
                swiftSettings: hotPath),
        // The admin API's types (Codable), shared by nexusd and nexusctl; no I/O.
        .target(name: "NexusAdminModel", swiftSettings: strict),
        // The admin API on the local Unix socket (its own thread, off the event loops).
        .target(name: "NexusAdmin", dependencies: ["NexusAdminModel", "NexusHTTP1", "NexusBytes", "NexusSystem", "NexusTLS", "NexusCrypto",
                                                   .product(name: "Logging", package: "swift-log")],
                swiftSettings: strict),
        // nexusctl: the admin CLI; it links the model and, for offline verify/repair of a stopped nexusd's folder, the
        // state log; not the I/O stack.
        .executableTarget(name: "nexusctl",
                          dependencies: ["NexusAdminModel", "NexusState", "NexusRuntime", "NexusTLS", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: strict),
        .executableTarget(name: "nexusd",
                          dependencies: ["NexusServer", "NexusConfig", "NexusRuntime", "NexusAdmin", "NexusAdminModel", "NexusState", "NexusSchema",
                                         "NexusCrypto", "NexusJWT", "NexusAuth", "NexusTLS", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                                         .product(name: "Logging", package: "swift-log")],
                          swiftSettings: strict,
                          linkerSettings: [.linkedLibrary("jemalloc")]),
        .testTarget(name: "NexusHTTP1Tests", dependencies: ["NexusHTTP1", "NexusBytes"], exclude: ["Regressions"]),
        .testTarget(name: "NexusRuntimeTests", dependencies: ["NexusRuntime", "NexusSystem"]),
        .testTarget(name: "NexusConfigTests", dependencies: ["NexusConfig"]),
        .testTarget(name: "NexusRoutingTests", dependencies: ["NexusRouting"]),
        .testTarget(name: "NexusStateTests", dependencies: ["NexusState", "NexusSystem"]),
        .testTarget(name: "NexusCryptoTests", dependencies: ["NexusCrypto"]),
        .testTarget(name: "NexusAuthTests", dependencies: ["NexusAuth", "NexusCrypto", "NexusJWT"]),
        .testTarget(name: "NexusTLSTests", dependencies: ["NexusTLS", "NexusConfig", "NexusBytes"]),
        .testTarget(name: "NexusMCPTests", dependencies: ["NexusMCP", "NexusSchema"]),
        .testTarget(name: "NexusSchemaTests", dependencies: ["NexusSchema"], exclude: ["Differential"]),
        .testTarget(name: "NexusJWTTests", dependencies: ["NexusJWT", "NexusCrypto", "COpenSSL", "CNexusJWT"]),
        .testTarget(name: "NexusAdminTests", dependencies: ["NexusAdmin", "NexusAdminModel"]),
        .testTarget(name: "NexusServerTests", dependencies: ["NexusServer", "NexusHTTP1", "NexusBytes", "NexusConfig"]),
    ]
)
