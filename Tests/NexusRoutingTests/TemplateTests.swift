import NexusRouting
import Testing

@Suite("Template parameters")
struct TemplateTests {
    @Test("Parameters in the middle and at the end come back as ranges of the path bytes")
    func middleAndEnd() throws {
        let router = try Router([rule("orders", .template("/users/{id}/orders/{order}"))])
        let path = Array("/users/42/orders/7".utf8)
        let resolution = path.withUnsafeBytes { path in
            "GET".utf8.withContiguousStorageIfAvailable { method in
                router.resolve(host: nil, path: path, method: UnsafeRawBufferPointer(method))
            }!
        }
        guard case .matched(let match) = resolution else {
            Issue.record("expected a match")
            return
        }
        #expect(match.params.map(\.name) == ["id", "order"])
        #expect(match.params.map(\.value) == [7..<9, 17..<18])
        #expect(match.prefixLength == path.count)
        #expect(router.params("/users/alice/orders/2024-01") == ["id=alice", "order=2024-01"])
    }

    @Test("A parameter matches one non-empty segment")
    func oneSegment() throws {
        let router = try Router([rule("orders", .template("/users/{id}/orders/{order}"))])
        #expect(router.winner(nil, "/users//orders/7") == "404")
        #expect(router.winner(nil, "/users/42/orders/") == "404")
        #expect(router.winner(nil, "/users/42/orders/7/") == "404")
        #expect(router.winner(nil, "/users/4/2/orders/7") == "404")
        #expect(router.winner(nil, "/users/42/orders") == "404")
    }

    @Test("A first-segment parameter, and a template of literals only")
    func firstSegmentAndLiterals() throws {
        let router = try Router([rule("tenant", .template("/{tenant}/status")), rule("root", .template("/"))])
        #expect(router.params("/acme/status") == ["tenant=acme"])
        #expect(router.params("/") == [])
        #expect(router.winner(nil, "/status") == "404")
    }

    @Test("{name...} takes the rest of the path, slashes included, at least one byte")
    func rest() throws {
        let router = try Router([rule("static", .template("/static/{file...}")), rule("p", .template("/p/{a}/{b...}"))])
        #expect(router.params("/static/css/a.css") == ["file=css/a.css"])
        #expect(router.params("/static/x") == ["file=x"])
        #expect(router.params("/static/a/") == ["file=a/"])
        #expect(router.winner(nil, "/static/") == "404")
        #expect(router.winner(nil, "/static") == "404")
        #expect(router.params("/p/1/2/3") == ["a=1", "b=2/3"])
        #expect(router.winner(nil, "/p/1") == "404")
    }

    @Test("Exact and prefix matches carry no parameters")
    func noParams() throws {
        let router = try Router([rule("e", .exact("/e/{x}")), rule("p", .prefix("/p/"))])
        #expect(router.params("/e/{x}") == [])
        #expect(router.params("/p/q") == [])
    }
}
