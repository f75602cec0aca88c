import NexusBytes
import NexusConfig
import Testing
@testable import NexusTLS

/// Server and client streams talking to each other through memory only: handshakes, SNI, tickets, mTLS, failures.
@Suite struct TLSStreamTests {
    /// Moves ciphertext both ways until neither side has anything to send. Returns the last outcomes.
    @discardableResult
    func pump(_ client: TLSStream, _ server: TLSStream, clientIn: ByteBuffer = ByteBuffer(), serverIn: ByteBuffer = ByteBuffer())
        -> (client: TLSStream.Outcome, server: TLSStream.Outcome) {
        var results: (TLSStream.Outcome, TLSStream.Outcome) = (client.handshake(), .ok)
        let wire = ByteBuffer()
        for _ in 0..<20 {
            wire.clear(); client.drain(into: wire)
            let fromClient = !wire.isEmpty
            if fromClient { results.1 = server.receive(wire.readable, into: serverIn) }
            wire.clear(); server.drain(into: wire)
            let fromServer = !wire.isEmpty
            if fromServer { results.0 = client.receive(wire.readable, into: clientIn) }
            if !fromClient && !fromServer { break }
        }
        return results
    }

    func client(_ certs: TestCertificates, host: String, config: UpstreamTLSConfig? = nil) throws -> TLSStream {
        let ctx = try TLSClientContext(config ?? UpstreamTLSConfig(ca: certs.file("ca.pem")))
        return try #require(TLSStream(client: ctx, host: host, isIPAddress: false))
    }

    @Test func handshakeAndDataBothWays() throws {
        let certs = try TestCertificates()
        let server = try TLSServerContext(ListenerTLSConfig(certificates: [certs.certificate("a.test")]), secret: TicketSecret())
        let s = try #require(TLSStream(server: server))
        let c = try client(certs, host: "a.test")
        let r = pump(c, s)
        #expect(r.client == .ok && r.server == .ok)
        #expect(c.handshakeComplete && s.handshakeComplete)
        let request = ByteBuffer(); request.append("GET / HTTP/1.1\r\n\r\n")
        let wire = ByteBuffer()
        #expect(c.write(request, into: wire))
        let received = ByteBuffer()
        #expect(s.receive(wire.readable, into: received) == .ok)
        #expect(String(decoding: received.readable, as: UTF8.self) == "GET / HTTP/1.1\r\n\r\n")
        // A large response goes out record by record and arrives whole.
        let big = ByteBuffer()
        for i in 0..<100_000 { big.append(byte: UInt8(truncatingIfNeeded: i)) }
        wire.clear()
        #expect(s.write(big, into: wire) && big.isEmpty)
        let back = ByteBuffer()
        #expect(c.receive(wire.readable, into: back) == .ok)
        #expect(back.readableBytes == 100_000 && back[99_999] == UInt8(truncatingIfNeeded: 99_999))
        s.close()
        wire.clear(); s.drain(into: wire)
        #expect(c.receive(wire.readable, into: ByteBuffer()) == .closed)
    }

    @Test func sniSelectsTheCertificateAndAnUnknownNameGetsTheDefault() throws {
        let certs = try TestCertificates()
        let config = ListenerTLSConfig(certificates: [certs.certificate("a.test", names: ["a.test"]),
                                                      certs.certificate("b.test", names: ["b.test"])])
        let server = try TLSServerContext(config, secret: TicketSecret())
        for host in ["a.test", "b.test"] {
            let c = try client(certs, host: host)
            let s = try #require(TLSStream(server: server))
            pump(c, s)
            #expect(c.handshakeComplete, "\(host): \(c.failure ?? "")")
        }
        let c = try client(certs, host: "c.test")
        let s = try #require(TLSStream(server: server))
        #expect(pump(c, s).client == .failed)
        #expect(c.failure?.contains("hostname mismatch") == true)
    }

    @Test func wrongCAFailsVerification() throws {
        let certs = try TestCertificates()
        let other = try TestCertificates()
        let server = try TLSServerContext(ListenerTLSConfig(certificates: [certs.certificate("a.test")]), secret: TicketSecret())
        let c = try client(other, host: "a.test")
        let s = try #require(TLSStream(server: server))
        #expect(pump(c, s).client == .failed)
        #expect(c.failure?.hasPrefix("certificate verify failed") == true)
    }

    @Test func clientCertificateRequiredAndItsSubjectRecorded() throws {
        let certs = try TestCertificates()
        let config = ListenerTLSConfig(certificates: [certs.certificate("a.test")], clientCA: certs.file("ca.pem"))
        let server = try TLSServerContext(config, secret: TicketSecret())
        let without = try client(certs, host: "a.test")
        let s1 = try #require(TLSStream(server: server))
        #expect(pump(without, s1).server == .failed)
        let ctx = try TLSClientContext(UpstreamTLSConfig(ca: certs.file("ca.pem"), clientCertificate: certs.file("client.pem"),
                                                         clientKey: certs.file("client.key")))
        let with = try #require(TLSStream(client: ctx, host: "a.test", isIPAddress: false))
        let s2 = try #require(TLSStream(server: server))
        pump(with, s2)
        #expect(s2.handshakeComplete)
        #expect(s2.peerSubject == "O=Tests,CN=client")
    }

    @Test func ticketsResumeUnderTheSameSecretOnly() throws {
        let certs = try TestCertificates()
        let secret = TicketSecret()
        let config = ListenerTLSConfig(certificates: [certs.certificate("a.test")], maxVersion: .tls12)
        let server = try TLSServerContext(config, secret: secret)
        let cctx = try TLSClientContext(UpstreamTLSConfig(ca: certs.file("ca.pem")))
        let c1 = try #require(TLSStream(client: cctx, host: "a.test", isIPAddress: false))
        let s1 = try #require(TLSStream(server: server))
        pump(c1, s1)
        let session = try #require(c1.session())
        let c2 = try #require(TLSStream(client: cctx, host: "a.test", isIPAddress: false))
        c2.resume(session)
        let s2 = try #require(TLSStream(server: try TLSServerContext(config, secret: secret))) // a reload keeps the secret
        pump(c2, s2)
        #expect(s2.resumed)
        let c3 = try #require(TLSStream(client: cctx, host: "a.test", isIPAddress: false))
        c3.resume(session)
        let s3 = try #require(TLSStream(server: try TLSServerContext(config, secret: TicketSecret())))
        pump(c3, s3)
        #expect(s3.handshakeComplete && !s3.resumed)
    }

    @Test func defaultSuitesAreForwardSecretAEADOnly() throws {
        let certs = try TestCertificates()
        let server = try TLSServerContext(ListenerTLSConfig(certificates: [certs.certificate("a.test")]), secret: TicketSecret())
        let names = server.cipherNames
        #expect(names.count == 9, "\(names)")
        for name in names {
            #expect(name.hasPrefix("TLS_") || name.hasPrefix("ECDHE-"), "\(name) is not forward secret")
            #expect(name.contains("GCM") || name.contains("CHACHA20"), "\(name) is not an AEAD suite")
            #expect(!name.contains("RC4") && !name.contains("DES") && !name.contains("CBC") && !name.hasSuffix("-SHA"), "\(name)")
        }
    }

    @Test func tls13ClientSessionsResume() throws {
        let certs = try TestCertificates()
        let server = try TLSServerContext(ListenerTLSConfig(certificates: [certs.certificate("a.test")]), secret: TicketSecret())
        let cctx = try TLSClientContext(UpstreamTLSConfig(ca: certs.file("ca.pem")))
        let c1 = try #require(TLSStream(client: cctx, host: "a.test", isIPAddress: false))
        let s1 = try #require(TLSStream(server: server))
        // Right after its handshake a TLS 1.3 client has no ticket yet: no session to keep.
        let flight = ByteBuffer()
        #expect(c1.handshake() == .ok)
        c1.drain(into: flight)
        #expect(s1.receive(flight.readable, into: ByteBuffer()) == .ok)
        flight.clear(); s1.drain(into: flight)
        #expect(c1.receive(flight.readable, into: ByteBuffer()) == .ok)
        #expect(c1.handshakeComplete && c1.session() == nil)
        pump(c1, s1)
        // TLS 1.3 tickets come after the handshake, with the first application data.
        let hello = ByteBuffer(); hello.append("x")
        let wire = ByteBuffer()
        #expect(s1.write(hello, into: wire))
        #expect(c1.receive(wire.readable, into: ByteBuffer()) == .ok)
        let session = try #require(c1.session())
        let c2 = try #require(TLSStream(client: cctx, host: "a.test", isIPAddress: false))
        c2.resume(session)
        let s2 = try #require(TLSStream(server: server))
        pump(c2, s2)
        #expect(s2.handshakeComplete && s2.resumed && c2.resumed)
    }

    @Test func keyReadableByOthersIsRefused() throws {
        let certs = try TestCertificates()
        try certs.run("chmod 644 a.test.key")
        #expect {
            try TLSServerContext(ListenerTLSConfig(certificates: [certs.certificate("a.test")]), secret: TicketSecret())
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("n.yaml:7:9: key: the key file \(certs.path("a.test.key")) is readable by other users (mode 0644)")
        }
    }

    @Test func badFilesAreReportedAtTheirKeys() throws {
        let certs = try TestCertificates()
        let missing = CertificateConfig(chain: certs.file("nope.pem", key: "cert"), key: certs.file("a.test.key", key: "key"))
        #expect(throws: ConfigErrors.self) {
            try TLSServerContext(ListenerTLSConfig(certificates: [missing]), secret: TicketSecret())
        }
        do {
            _ = try TLSServerContext(ListenerTLSConfig(certificates: [missing]), secret: TicketSecret())
        } catch {
            #expect(error.description.hasPrefix("n.yaml:7:9: cert: cannot read the certificate file"))
        }
        let mismatched = CertificateConfig(chain: certs.file("a.test.pem", key: "cert"), key: certs.file("b.test.key", key: "key"))
        do {
            _ = try TLSServerContext(ListenerTLSConfig(certificates: [mismatched]), secret: TicketSecret())
            Issue.record("a key of another certificate was accepted")
        } catch {
            #expect(error.description.contains("does not belong to the certificate"))
        }
        let badCiphers = ListenerTLSConfig(certificates: [certs.certificate("a.test")], ciphers: "NOPE-CIPHER")
        do {
            _ = try TLSServerContext(badCiphers, secret: TicketSecret())
            Issue.record("an unknown cipher list was accepted")
        } catch {
            #expect(error.description.contains("ciphers: OpenSSL knows none of the TLS 1.2 ciphers"))
        }
    }
}
