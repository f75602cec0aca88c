import Testing
@testable import NexusConfig

/// The `tls` blocks of listeners and upstreams: defaults, and every mistake with its place.
@Suite struct TLSConfigTests {
    let listenerTLS = """
        listeners:
          - address: 127.0.0.1:8443
            tls:

        """

    @Test func listenerDefaults() throws {
        let yaml = listenerTLS + "      certificates:\n        - {cert: /c/a.pem, key: /c/a.key, names: [A.Example, \"*.b.example\"]}\n"
        let config = try ConfigLoader.parse(yaml, file: "t.yaml")
        let tls = try #require(config.listeners[0].tls)
        #expect(tls.certificates[0].names == ["a.example", "*.b.example"])
        #expect(tls.certificates[0].key.path == "/c/a.key")
        #expect(tls.certificates[0].key.origin.key == "listeners[0].tls.certificates[0].key")
        #expect(tls.certificates[0].key.origin.line == 5)
        #expect(tls.minVersion == .tls12 && tls.maxVersion == .tls13)
        #expect(tls.ciphers == ListenerTLSConfig.defaultCiphers)
        #expect(!tls.ciphers.contains("CBC") && !tls.ciphers.contains("RC4") && !tls.ciphers.contains("3DES"))
        #expect(tls.clientVerify == .off && tls.sessionTickets)
        #expect(tls.ticketKeyRotation == .seconds(3600))
    }

    @Test func clientVerifyDefaultsToRequiredWithACA() throws {
        let yaml = listenerTLS + "      certificates: [{cert: /a, key: /b}]\n      client_ca: /ca.pem\n"
        let tls = try #require(try ConfigLoader.parse(yaml, file: "t.yaml").listeners[0].tls)
        #expect(tls.clientVerify == .required)
        #expect(tls.clientCA?.path == "/ca.pem")
    }

    @Test func oldProtocolsAreRefusedByName() {
        let e = singleError(listenerTLS + "      certificates: [{cert: /a, key: /b}]\n      protocols: [TLSv1.2, TLSv1]\n")
        #expect(e?.key == "listeners[0].tls.protocols[1]")
        #expect(e?.message.hasPrefix("TLSv1 is not supported") == true)
    }

    @Test func mistakes() {
        #expect(singleError(listenerTLS + "      protocols: [TLSv1.3]\n")?.description
            == "test.yaml:4:7: listeners[0].tls.certificates: missing required key 'certificates' (a list of {cert, key, names})")
        #expect(singleError(listenerTLS + "      certificates: []\n")?.message
            == "at least one certificate is required (the first is the default)")
        #expect(singleError(listenerTLS + "      certificates: [{cert: a.pem, key: /b}]\n")?.key
            == "listeners[0].tls.certificates[0].cert")
        #expect(singleError(listenerTLS + "      certificates: [{cert: /a}]\n")?.message == "missing required key 'key'")
        #expect(singleError(listenerTLS + "      certificates: [{cert: /a, key: /b, names: [a.x]}, {cert: /c, key: /d, names: [a.x]}]\n")?.message
            == "'a.x' is already served by certificates[0]")
        #expect(singleError(listenerTLS + "      certificates: [{cert: /a, key: /b}]\n      client_verify: required\n")?.message
            == "client_verify: required needs 'client_ca', the CA file that client certificates must chain to")
        #expect(singleError(listenerTLS + "      certificates: [{cert: /a, key: /b}]\n      session_ticket_rotation: 10s\n")?.message
            == "session_ticket_rotation must be at least 1m")
        #expect(singleError(listenerTLS + "      certificates: [{cert: /a, key: /b, names: [\"a b\"]}]\n")?.key
            == "listeners[0].tls.certificates[0].names[0]")
        #expect(configErrors(listenerTLS + "      certificats: []\n").first?.message.contains("did you mean 'certificates'") == true)
    }

    @Test func upstreamTLS() throws {
        let base = minimalListener + "upstreams:\n  - name: api\n    backends: [{address: api.internal:443}]\n"
        let plain = try ConfigLoader.parse(base, file: "t.yaml")
        #expect(plain.upstreams[0].tls == nil)
        let defaults = try ConfigLoader.parse(base + "    tls: {}\n", file: "t.yaml")
        #expect(defaults.upstreams[0].tls?.verify == true && defaults.upstreams[0].tls?.ca == nil)
        let full = try ConfigLoader.parse(base + "    tls: {ca: /ca.pem, server_name: API.example, cert: /c.pem, key: /c.key}\n", file: "t.yaml")
        #expect(full.upstreams[0].tls?.serverName == "api.example")
        #expect(full.upstreams[0].tls?.clientKey?.origin.key == "upstreams[0].tls.key")
        #expect(singleError(base + "    tls: {cert: /c.pem}\n")?.message
            == "a client certificate needs both 'cert' and 'key'; 'key' is missing")
        #expect(singleError(base + "    tls: {verify: false, ca: /ca.pem}\n")?.message
            == "'ca' has no effect with verify: false; remove one of them")
    }
}
