import Foundation
import NexusConfig

/// Certificates made at run time with the `openssl` command (no private key is ever committed): a CA, leaves for
/// a.test and b.test, an expired leaf, a client certificate.
final class TestCertificates {
    let dir: String

    init() throws {
        dir = NSTemporaryDirectory() + "nexus-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=TestCA")
        for name in ["a.test", "b.test"] { try leaf(name, san: "DNS:\(name)") }
        try leaf("client", san: "DNS:client", subject: "/CN=client/O=Tests")
        try run("chmod 600 *.key")
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    func leaf(_ name: String, san: String, subject: String? = nil) throws {
        try run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout \(name).key -out \(name).csr -subj \(subject ?? "/CN=\(name)")")
        try run("printf 'subjectAltName=\(san)' > \(name).ext && openssl x509 -req -in \(name).csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile \(name).ext -out \(name).pem")
    }

    func path(_ file: String) -> String { "\(dir)/\(file)" }

    func file(_ name: String, key: String = "k") -> FileSetting {
        FileSetting(path(name), origin: SettingOrigin(file: "n.yaml", line: 7, column: 9, key: key))
    }

    func certificate(_ name: String, names: [String] = []) -> CertificateConfig {
        CertificateConfig(chain: file("\(name).pem", key: "cert"), key: file("\(name).key", key: "key"), names: names)
    }

    @discardableResult
    func run(_ command: String) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "cd '\(dir)' && \(command) 2>/dev/null"]
        try p.run()
        p.waitUntilExit()
        if p.terminationStatus != 0 { throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: command]) }
        return p.terminationStatus
    }
}
