import NexusRouting
import Testing

@Suite("Path precedence")
struct PathPrecedenceTests {
    @Test("Exact beats template beats prefix, whatever the file order")
    func exactTemplatePrefix() throws {
        let router = try Router([
            rule("prefix", .prefix("/users/")),
            rule("template", .template("/users/{id}")),
            rule("exact", .exact("/users/me")),
        ])
        #expect(router.winner(nil, "/users/me") == "exact")
        #expect(router.winner(nil, "/users/42") == "template")
        #expect(router.winner(nil, "/users/42/x") == "prefix")
        #expect(router.winner(nil, "/users/") == "prefix")
        #expect(router.prefixLength("/users/42/x") == 7)
        #expect(router.prefixLength("/users/42") == 9)
        #expect(router.prefixLength("/users/me") == 9)
    }

    @Test("Among templates, more literal segments first, over the whole path")
    func moreLiteralsFirst() throws {
        let router = try Router([
            rule("two", .template("/a/b/{y}/{z}")),
            rule("three", .template("/a/{x}/c/d")),
        ])
        // Taking the literal "b" first would find "two"; "three" has more literal segments.
        #expect(router.winner(nil, "/a/b/c/d") == "three")
        #expect(router.winner(nil, "/a/b/c/e") == "two")
        #expect(router.winner(nil, "/a/q/c/d") == "three")
    }

    @Test("Among templates of as many literals, fewer parameters first")
    func fewerParameters() throws {
        let router = try Router([
            rule("two", .template("/f/{a}/{b}")),
            rule("rest", .template("/f/{rest...}")),
        ])
        #expect(router.winner(nil, "/f/x/y") == "rest")
        #expect(router.winner(nil, "/f/x") == "rest")
    }

    @Test("Templates equal in literals and parameters go by file order")
    func fileOrder() throws {
        let first = try Router([rule("ax", .template("/t/{a}/x")), rule("xb", .template("/t/x/{b}"))])
        let second = try Router([rule("xb", .template("/t/x/{b}")), rule("ax", .template("/t/{a}/x"))])
        #expect(first.winner(nil, "/t/x/x") == "ax")
        #expect(second.winner(nil, "/t/x/x") == "xb")
        #expect(first.winner(nil, "/t/x/y") == "xb")
        #expect(first.winner(nil, "/t/y/x") == "ax")
    }

    @Test("Among prefixes, the longest; prefixes are byte-wise")
    func longestPrefix() throws {
        let router = try Router([
            rule("root", .prefix("/")),
            rule("api", .prefix("/api/")),
            rule("v1", .prefix("/api/v1/")),
            rule("bare", .prefix("/ap")),
        ])
        #expect(router.winner(nil, "/api/v1/users") == "v1")
        #expect(router.prefixLength("/api/v1/users") == 8)
        #expect(router.winner(nil, "/api/v2") == "api")
        #expect(router.prefixLength("/api/v2") == 5)
        #expect(router.winner(nil, "/api") == "bare")
        #expect(router.winner(nil, "/other") == "root")
        #expect(router.prefixLength("/other") == 1)
        #expect(router.winner(nil, "") == "404")
    }

    @Test("Paths are compared byte for byte: no decoding, case or slash folding")
    func byteForByte() throws {
        let router = try Router([rule("a", .exact("/a b")), rule("t", .template("/u/{id}"))])
        #expect(router.winner(nil, "/a b") == "a")
        #expect(router.winner(nil, "/a%20b") == "404")
        #expect(router.winner(nil, "/A b") == "404")
        #expect(router.winner(nil, "/u/7/") == "404")
        #expect(router.winner(nil, "/u//") == "404")
        #expect(router.winner(nil, "/u/") == "404")
        #expect(router.winner(nil, "u/7") == "404")
    }
}
