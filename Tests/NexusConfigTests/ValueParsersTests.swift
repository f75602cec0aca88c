import Testing
@testable import NexusConfig

@Suite struct ValueParsersTests {
    @Test(arguments: [
        ("0", 0), ("512", 512), ("512B", 512), ("8KiB", 8192), ("8k", 8192), ("8K", 8192), ("8 KiB", 8192),
        ("1MiB", 1 << 20), ("1m", 1 << 20), ("2GiB", 2 << 30), ("1g", 1 << 30), ("3kib", 3072),
    ])
    func sizes(text: String, bytes: Int) throws {
        #expect(try ValueParsers.size(text, in: 0...Int.max) == bytes)
    }

    @Test(arguments: ["", "KiB", "8KX", "-1", "1.5MiB", "8 K i B", "0x10", "99999999999999999999999"])
    func badSizes(text: String) {
        #expect(throws: InvalidValue.self) { try ValueParsers.size(text, in: 0...Int.max) }
    }

    @Test func ambiguousSizeUnitsAreRefusedWithAHint() {
        #expect(throws: InvalidValue.self) { try ValueParsers.size("8KB", in: 0...Int.max) }
        do {
            _ = try ValueParsers.size("1MB", in: 0...Int.max)
        } catch {
            #expect(error.message == "ambiguous unit in '1MB': write MiB (1024-based)")
        }
    }

    @Test func sizeRange() {
        do {
            _ = try ValueParsers.size("2MiB", in: 64...(1 << 20))
            Issue.record("accepted")
        } catch {
            #expect(error.message == "size '2MiB' is out of range 64B...1MiB")
        }
        #expect(throws: InvalidValue.self) { try ValueParsers.size("9223372036854775807GiB", in: 0...Int.max) }
    }

    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("10s", .seconds(10)), ("10", .seconds(10)), ("2m", .seconds(120)),
        ("1h", .seconds(3600)), ("24h", .seconds(86400)),
    ])
    func durations(text: String, duration: Duration) throws {
        #expect(try ValueParsers.duration(text, maximum: TimeoutsConfig.maximum) == duration)
    }

    @Test(arguments: ["10x", "", "s", "0", "0ms", "-1s", "1.5s", "25h", "10 s", "1w", "99999999999999999999h"])
    func badDurations(text: String) {
        #expect(throws: InvalidValue.self) { try ValueParsers.duration(text, maximum: TimeoutsConfig.maximum) }
    }

    @Test func addresses() throws {
        #expect(try ValueParsers.address("127.0.0.1:8080") == ("127.0.0.1", 8080, false))
        #expect(try ValueParsers.address("[::1]:443") == ("::1", 443, true))
        #expect(try ValueParsers.address("[2001:db8::7]:0") == ("2001:db8::7", 0, true))
        #expect(try ValueParsers.address("*:80") == ("0.0.0.0", 80, false))
        #expect(try ValueParsers.address(":65535") == ("0.0.0.0", 65535, false))
    }

    @Test(arguments: [
        ("1.2.3:80", "invalid IPv4 address '1.2.3'"),
        ("127.0.0.1:70000", "port 70000 is out of range 0...65535"),
        ("localhost:80", "invalid IPv4 address 'localhost'"),
        ("::1:80", "write IPv6 addresses in brackets"),
        ("[::1]80", "expected ':port' after ']'"),
        ("[::1:80", "missing ']'"),
        ("[1.2.3.4]:80", "invalid IPv6 address '1.2.3.4'"),
        ("127.0.0.1", "expected HOST:PORT"),
        ("127.0.0.1:", "invalid port ''"),
        ("127.0.0.1:+80", "invalid port '+80'"),
    ])
    func badAddresses(text: String, message: String) {
        do {
            _ = try ValueParsers.address(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func tokensAndFieldValues() {
        #expect(ValueParsers.isToken("X-Demo"))
        #expect(ValueParsers.isToken("GET"))
        #expect(!ValueParsers.isToken(""))
        #expect(!ValueParsers.isToken("X Demo"))
        #expect(!ValueParsers.isToken("X:Demo"))
        #expect(ValueParsers.isFieldValue("text/plain; charset=utf-8\twith tab"))
        #expect(!ValueParsers.isFieldValue("a\r\nb"))
        #expect(!ValueParsers.isFieldValue("a\0b"))
        #expect(!ValueParsers.isFieldValue("a\u{7F}"))
    }

    @Test func formatting() {
        #expect(ValueParsers.formatSize(8192) == "8KiB")
        #expect(ValueParsers.formatSize(1000) == "1000B")
        #expect(ValueParsers.formatDuration(.seconds(86400)) == "24h")
        #expect(ValueParsers.formatDuration(.milliseconds(1500)) == "1500ms")
    }

    @Test func typoSuggestions() {
        #expect(ConfigDecoder.closest(to: "treads", in: ConfigDecoder.rootKeys) == "threads")
        #expect(ConfigDecoder.closest(to: "listener", in: ConfigDecoder.rootKeys) == "listeners")
        #expect(ConfigDecoder.closest(to: "zzzz", in: ConfigDecoder.rootKeys) == nil)
        #expect(ConfigDecoder.editDistance("", "abc") == 3)
        #expect(ConfigDecoder.editDistance("kitten", "sitting") == 3)
    }

    @Test func hugeNumbersAreOutOfRangeNotMalformed() {
        do {
            _ = try ValueParsers.size("99999999999999999999999", in: 0...Int.max)
            Issue.record("accepted")
        } catch {
            #expect(error.message == "size '99999999999999999999999' is too large")
        }
        do {
            _ = try ValueParsers.duration("99999999999999999999h", maximum: TimeoutsConfig.maximum)
            Issue.record("accepted")
        } catch {
            #expect(error.message == "duration '99999999999999999999h' is longer than the maximum 24h")
        }
    }
}

/// The parsers behind upstreams and proxy routes.
@Suite struct UpstreamValueParsersTests {
    @Test(arguments: [
        ("127.0.0.1:19000", "127.0.0.1", 19000, BackendConfig.Kind.ipv4),
        ("[::1]:1", "::1", 1, .ipv6),
        ("[2001:db8::1]:65535", "2001:db8::1", 65535, .ipv6),
        ("localhost:80", "localhost", 80, .hostname),
        ("API.example.COM:8080", "api.example.com", 8080, .hostname),
        ("a-1.b2:443", "a-1.b2", 443, .hostname),
        ("1example.com:80", "1example.com", 80, .hostname),
    ] as [(String, String, Int, BackendConfig.Kind)])
    func backendAddresses(text: String, host: String, port: Int, kind: BackendConfig.Kind) throws {
        let address = try ValueParsers.backendAddress(text)
        #expect(address.host == host && Int(address.port) == port && address.kind == kind)
    }

    @Test(arguments: ["", "host", ":80", "*:80", "host:", "host:0", "host:65536", "host:8o", "[::1]", "[::1]80",
                      "[::g]:80", "::1:80", "1.2.3.4.5:80", "300.0.0.1:80", "-a.com:80", "a-.com:80", "a..com:80",
                      "a_b.com:80", "a.com.:80", "\(String(repeating: "a", count: 64)).com:80"])
    func badBackendAddresses(text: String) {
        #expect(throws: InvalidValue.self) { try ValueParsers.backendAddress(text) }
    }

    @Test func hostnameLengths() {
        let label = String(repeating: "a", count: 63)
        #expect(ValueParsers.hostname(label) == label)
        let longest = [label, label, label, String(repeating: "b", count: 61)].joined(separator: ".")
        #expect(longest.utf8.count == 253)
        #expect(ValueParsers.hostname(longest) == longest)
        #expect(ValueParsers.hostname(longest + "b") == nil)
    }

    @Test func booleans() throws {
        #expect(try ValueParsers.boolean("true"))
        #expect(try !ValueParsers.boolean("false"))
        for text in ["yes", "no", "on", "off", "True", "1", ""] {
            #expect(throws: InvalidValue.self) { try ValueParsers.boolean(text) }
        }
    }

    @Test func statusRanges() throws {
        #expect(try ValueParsers.statusRange("200") == 200...200)
        #expect(try ValueParsers.statusRange("200-399") == 200...399)
        #expect(try ValueParsers.statusRange("100-599") == 100...599)
        for text in ["", "99", "600", "200-", "-200", "2xx", "200-300-400", "300-200", " 200"] {
            #expect(throws: InvalidValue.self) { try ValueParsers.statusRange(text) }
        }
    }

    @Test func hostHeaders() throws {
        #expect(try ValueParsers.hostHeader("Health.Internal") == "health.internal")
        #expect(try ValueParsers.hostHeader("health.internal:8080") == "health.internal:8080")
        #expect(try ValueParsers.hostHeader("[::1]") == "[::1]")
        #expect(try ValueParsers.hostHeader("[::1]:8080") == "[::1]:8080")
        #expect(try ValueParsers.hostHeader("10.0.0.1") == "10.0.0.1")
        for text in ["", "a b", "::1", "host:0", "[::1]x"] {
            #expect(throws: InvalidValue.self) { try ValueParsers.hostHeader(text) }
        }
    }
}
