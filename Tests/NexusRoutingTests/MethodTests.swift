import NexusRouting
import Testing

@Suite("Method selection and 405")
struct MethodTests {
    @Test("The first rule in file order whose list has the method, or that has no list")
    func firstInFileOrder() throws {
        let router = try Router([
            rule("get", .exact("/r"), ["GET"]),
            rule("write", .exact("/r"), ["POST", "PUT"]),
            rule("rest", .exact("/r")),
        ])
        #expect(router.winner(nil, "/r", "GET") == "get")
        #expect(router.winner(nil, "/r", "PUT") == "write")
        #expect(router.winner(nil, "/r", "DELETE") == "rest")
        #expect(router.winner(nil, "/r", "HEAD") == "rest")
    }

    @Test("HEAD matches a rule listing GET; a rule listing HEAD itself comes first")
    func headFollowsGet() throws {
        let router = try Router([rule("get", .exact("/r"), ["GET"])])
        #expect(router.winner(nil, "/r", "HEAD") == "get")
        let explicit = try Router([rule("get", .exact("/r"), ["GET"]), rule("head", .exact("/r"), ["HEAD"])])
        #expect(explicit.winner(nil, "/r", "HEAD") == "head")
        #expect(explicit.winner(nil, "/r", "GET") == "get")
    }

    @Test("A path matched with no rule for the method is 405 with the Allow list")
    func methodNotAllowed() throws {
        let router = try Router([
            rule("get", .exact("/r"), ["GET"]),
            rule("post", .exact("/r"), ["POST"]),
            rule("head-only", .exact("/h"), ["HEAD"]),
        ])
        guard case .methodNotAllowed(let allow) = router.resolve(nil, "/r", "DELETE") else {
            Issue.record("expected 405")
            return
        }
        #expect(allow == ["GET", "POST", "HEAD"])
        #expect(router.winner(nil, "/h", "GET") == "405 HEAD")
        // Methods are case-sensitive tokens.
        #expect(router.winner(nil, "/r", "get") == "405 GET,POST,HEAD")
        #expect(router.winner(nil, "/nothing", "DELETE") == "404")
    }

    @Test("A method mismatch does not fall through to a less specific path pattern")
    func noFallThrough() throws {
        let router = try Router([
            rule("exact", .exact("/r/x"), ["GET"]),
            rule("template", .template("/r/{id}"), ["GET"]),
            rule("prefix", .prefix("/r/")),
        ])
        #expect(router.winner(nil, "/r/x", "POST") == "405 GET,HEAD")
        #expect(router.winner(nil, "/r/y", "POST") == "405 GET,HEAD")
        #expect(router.winner(nil, "/r/y/z", "POST") == "prefix")
    }

    @Test("Templates differing only in parameter names share their methods, each with its own names")
    func sameShapeTemplates() throws {
        let router = try Router([
            rule("get", .template("/u/{id}"), ["GET"]),
            rule("post", .template("/u/{uid}"), ["POST"]),
        ])
        #expect(router.winner(nil, "/u/1", "POST") == "post")
        #expect(router.params("/u/1", "POST") == ["uid=1"])
        #expect(router.params("/u/1", "GET") == ["id=1"])
        #expect(router.winner(nil, "/u/1", "PUT") == "405 GET,POST,HEAD")
    }
}
