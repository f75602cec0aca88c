import NexusRouting
import Testing

@Suite("Host precedence and matching")
struct HostPrecedenceTests {
    @Test("An exact host beats a wildcard, whatever the file order")
    func exactBeatsWildcard() throws {
        let router = try Router([
            rule("wild", host: .wildcard(suffix: ".example.com"), .exact("/x")),
            rule("exact", host: .exact("api.example.com"), .exact("/x")),
        ])
        #expect(router.winner("api.example.com", "/x") == "exact")
        #expect(router.winner("web.example.com", "/x") == "wild")
    }

    @Test("A longer wildcard suffix beats a shorter one")
    func longerWildcardFirst() throws {
        let router = try Router([
            rule("short", host: .wildcard(suffix: ".example.com"), .prefix("/")),
            rule("long", host: .wildcard(suffix: ".api.example.com"), .prefix("/")),
        ])
        #expect(router.winner("v1.api.example.com", "/") == "long")
        #expect(router.winner("a.b.api.example.com", "/") == "long")
        // The bare domain of the longer suffix is only below the shorter one.
        #expect(router.winner("api.example.com", "/") == "short")
        #expect(router.winner("www.example.com", "/") == "short")
    }

    @Test("Any host comes last, and is all a request without a host can match")
    func anyLast() throws {
        let router = try Router([
            rule("any", .exact("/x")),
            rule("wild", host: .wildcard(suffix: ".example.com"), .exact("/x")),
            rule("exact", host: .exact("example.com"), .exact("/x")),
        ])
        #expect(router.winner("example.com", "/x") == "exact")
        #expect(router.winner("a.example.com", "/x") == "wild")
        #expect(router.winner("other.org", "/x") == "any")
        #expect(router.winner(nil, "/x") == "any")
        #expect(router.winner("", "/x") == "any")
    }

    @Test("A less specific host tier answers only when the better tiers have no path match")
    func bestTierWithAPathMatch() throws {
        let router = try Router([
            rule("exact-a", host: .exact("api.example.com"), .exact("/a"), ["GET"]),
            rule("wild-b", host: .wildcard(suffix: ".example.com"), .exact("/b")),
            rule("any-a", .exact("/a")),
            rule("any-c", .prefix("/c")),
        ])
        #expect(router.winner("api.example.com", "/a") == "exact-a")
        #expect(router.winner("api.example.com", "/b") == "wild-b")
        #expect(router.winner("api.example.com", "/c/d") == "any-c")
        #expect(router.winner("api.example.com", "/zzz") == "404")
        // The exact tier matched the path: its method list decides, no fall-through to the any tier's "/a".
        #expect(router.winner("api.example.com", "/a", "POST") == "405 GET,HEAD")
        #expect(router.winner("other.example.com", "/a", "POST") == "any-a")
    }

    @Test("Port, letter case and a trailing dot of the Host value are ignored")
    func hostNormalisation() throws {
        let router = try Router([
            rule("exact", host: .exact("Api.Example.com"), .exact("/")),
            rule("wild", host: .wildcard(suffix: ".Example.COM."), .exact("/")),
            rule("v6", host: .exact("[::1]"), .exact("/")),
        ])
        for host in ["api.example.com", "API.EXAMPLE.COM", "api.example.com:8443", "api.example.com.",
                     "Api.Example.Com.:80"] {
            #expect(router.winner(host, "/") == "exact", "\(host)")
        }
        for host in ["a.example.com", "A.B.EXAMPLE.com:443", "x.example.com.", "x.example.com.:1"] {
            #expect(router.winner(host, "/") == "wild", "\(host)")
        }
        #expect(router.winner("[::1]:8080", "/") == "v6")
        #expect(router.winner("[::1]", "/") == "v6")
    }

    @Test("A wildcard does not match its bare domain, a look-alike or a leading dot")
    func wildcardEdges() throws {
        let router = try Router([rule("wild", host: .wildcard(suffix: ".example.com"), .exact("/"))])
        #expect(router.winner("example.com", "/") == "404")
        #expect(router.winner("example.com:80", "/") == "404")
        #expect(router.winner("badexample.com", "/") == "404")
        #expect(router.winner(".example.com", "/") == "404")
        #expect(router.winner("a.example.com.evil.org", "/") == "404")
        #expect(router.winner(nil, "/") == "404")
    }

    @Test("A Host of thousands of labels still finds its wildcard")
    func manyLabels() throws {
        let router = try Router([
            rule("short", host: .wildcard(suffix: ".example.com"), .exact("/")),
            rule("long", host: .wildcard(suffix: ".deep.example.com"), .exact("/")),
        ])
        let labels = String(repeating: "a.", count: 4_000)
        #expect(router.winner(labels + "deep.example.com", "/") == "long")
        #expect(router.winner(labels + "example.com:80", "/") == "short")
        #expect(router.winner(labels + "example.org", "/") == "404")
    }
}
