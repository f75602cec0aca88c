import Glibc
import NexusAdmin
import NexusAdminModel
import Synchronization
import Testing

@Suite("Consumer endpoints")
struct ConsumerEndpointTests {
    func problem(_ r: RawResponse) throws -> ErrorResponse {
        #expect(r.headers["content-type"] == "application/problem+json")
        return try AdminJSON.decode(ErrorResponse.self, from: r.body)
    }

    @Test("create answers 201 and the consumer; list, get and delete see it; delete is a bare 204")
    func lifecycle() throws {
        let fake = FakeConsumers()
        let server = try startServer(fakeHandlers(consumers: fake))
        defer { server.stop() }
        let empty = try #require(request(server.path, "GET", "/v1/consumers"))
        #expect(empty.status == 200 && empty.text == #"{"consumers":[]}"#)

        let created = try #require(request(server.path, "POST", "/v1/consumers", body: #"{"name":"billing","scopes":["orders:read","a.b-c_d"]}"#))
        #expect(created.status == 201)
        #expect(created.headers["content-type"] == "application/json")
        #expect(created.text == #"{"created_at":1700000001,"id":"c_1","name":"billing","scopes":["orders:read","a.b-c_d"]}"#)
        let consumer = try AdminJSON.decode(Consumer.self, from: created.body)

        let list = try #require(request(server.path, "GET", "/v1/consumers"))
        #expect(try AdminJSON.decode(ConsumerList.self, from: list.body) == ConsumerList(consumers: [consumer]))
        let got = try #require(request(server.path, "GET", "/v1/consumers/c_1"))
        #expect(got.status == 200)
        #expect(try AdminJSON.decode(Consumer.self, from: got.body) == consumer)

        let deleted = try #require(request(server.path, "DELETE", "/v1/consumers/c_1"))
        #expect(deleted.status == 204)
        #expect(deleted.body.isEmpty)
        #expect(deleted.headers["content-length"] == nil && deleted.headers["content-type"] == nil)
        #expect(deleted.headers["connection"] == "close")
        #expect(try #require(request(server.path, "GET", "/v1/consumers/c_1")).status == 404)
        #expect(try #require(request(server.path, "GET", "/v1/consumers")).text == #"{"consumers":[]}"#)
    }

    @Test("a missing scopes key means none")
    func noScopes() throws {
        let fake = FakeConsumers()
        let server = try startServer(fakeHandlers(consumers: fake))
        defer { server.stop() }
        let r = try #require(request(server.path, "POST", "/v1/consumers", body: #"{"name":"x"}"#))
        #expect(r.status == 201)
        #expect(fake.createdRequests.withLock { $0 } == [CreateConsumerRequest(name: "x", scopes: [])])
    }

    @Test("bad JSON, a bad name or a bad scope is a 400 naming the field; the handler is not called")
    func badBodies() throws {
        let fake = FakeConsumers()
        let server = try startServer(fakeHandlers(consumers: fake))
        defer { server.stop() }
        for body in ["", "{nope", #"{"scopes":[]}"#, #"{"name":3}"#, #"{"name":"a","scopes":"x"}"#] {
            let r = try #require(request(server.path, "POST", "/v1/consumers", body: body))
            #expect(r.status == 400, "\(body)")
            #expect(try problem(r).detail.hasPrefix("the body must be a JSON object"))
            #expect(!r.text.contains("nope"))
        }
        let long = String(repeating: "é", count: 64) + "x" // 129 bytes
        for name in ["", long, "a\\nb", "tab\\there"] {
            let r = try #require(request(server.path, "POST", "/v1/consumers", body: #"{"name":"\#(name)"}"#))
            #expect(r.status == 400, "\(name)")
            #expect(try problem(r).detail == "name must be 1 to 128 bytes of UTF-8 without control characters")
        }
        for scopes in [#"["ok",""]"#, #"["ok","a b"]"#, #"["ok","\#(String(repeating: "s", count: 65))"]"#, #"["ok","é"]"#] {
            let r = try #require(request(server.path, "POST", "/v1/consumers", body: #"{"name":"n","scopes":\#(scopes)}"#))
            #expect(r.status == 400, "\(scopes)")
            #expect(try problem(r).detail == "scopes[1] must be 1 to 64 characters of A-Z a-z 0-9 _ . : -")
        }
        #expect(fake.createdRequests.withLock { $0 }.isEmpty)
        let limits = try #require(request(server.path, "POST", "/v1/consumers",
                                          body: #"{"name":"\#(String(repeating: "é", count: 64))","scopes":["\#(String(repeating: "s", count: 64))"]}"#))
        #expect(limits.status == 201, "128 bytes and 64 characters are allowed")
    }

    @Test("an AdminFailure is a problem with its status: 409, 507; a non-error status becomes 500")
    func failures() throws {
        let server = try startServer()
        defer { server.stop() }
        #expect(try #require(request(server.path, "POST", "/v1/consumers", body: #"{"name":"dup"}"#)).status == 201)
        let dup = try #require(request(server.path, "POST", "/v1/consumers", body: #"{"name":"dup"}"#))
        #expect(dup.status == 409)
        #expect(try problem(dup) == ErrorResponse(title: "Conflict", status: 409, detail: "a consumer has this name"))
        let full = try #require(request(server.path, "POST", "/v1/consumers", body: #"{"name":"full-disk"}"#))
        #expect(full.status == 507)
        #expect(try problem(full) == ErrorResponse(title: "Insufficient Storage", status: 507, detail: "the state disk is full"))
        let raw = try #require(exchange(server.path, "POST /v1/consumers HTTP/1.1\r\nHost: l\r\nContent-Length: 20\r\n\r\n{\"name\":\"full-disk\"}"))
        #expect(raw.status == 507)
        let bug = try #require(request(server.path, "POST", "/v1/consumers", body: #"{"name":"teapot"}"#))
        #expect(bug.status == 500)
    }

    @Test("an unknown or malformed id is a 404; get and delete of it too")
    func notFound() throws {
        let server = try startServer()
        defer { server.stop() }
        for id in ["c_9", "bad.id", "a%20b", String(repeating: "a", count: 65)] {
            for method in ["GET", "DELETE"] {
                let r = try #require(request(server.path, method, "/v1/consumers/\(id)"))
                #expect(r.status == 404, "\(method) \(id)")
                #expect(try problem(r).detail == AdminAPI.noSuchConsumerDetail)
            }
        }
        // Not the {id} endpoint at all.
        for path in ["/v1/consumers/", "/v1/consumers/a/b", "/v1/consumersx"] {
            let r = try #require(request(server.path, "GET", path))
            #expect(r.status == 404, "\(path)")
            #expect(try problem(r).detail.hasPrefix("no such endpoint"))
        }
        #expect(try #require(request(server.path, "GET", "/v1/consumers/\(String(repeating: "a", count: 64))")).status == 404)
    }

    @Test("other methods are a 405 with Allow")
    func methods() throws {
        let server = try startServer()
        defer { server.stop() }
        let put = try #require(request(server.path, "PUT", "/v1/consumers/c_1", body: "{}"))
        #expect(put.status == 405 && put.headers["allow"] == "GET, DELETE")
        let del = try #require(request(server.path, "DELETE", "/v1/consumers"))
        #expect(del.status == 405 && del.headers["allow"] == "GET, POST")
    }

    @Test("without consumer handlers every consumer path is a 404")
    func disabled() throws {
        let server = try startServer(fakeHandlers(consumers: nil))
        defer { server.stop() }
        for (method, path, body) in [("GET", "/v1/consumers", nil), ("POST", "/v1/consumers", #"{"name":"a"}"#),
                                     ("GET", "/v1/consumers/c_1", nil), ("DELETE", "/v1/consumers/c_1", nil)] {
            let r = try #require(request(server.path, method, path, body: body))
            #expect(r.status == 404, "\(method) \(path)")
            #expect(try problem(r).detail == "this nexusd does not manage consumers")
        }
    }

    @Test("handlers get the caller and the checked id")
    func callerAndID() throws {
        let seen = Mutex<[String]>([])
        var handlers = fakeHandlers()
        let inner = try #require(handlers.consumers)
        handlers.consumers = ConsumerHandlers(list: inner.list, create: inner.create,
                                              get: { id, caller in seen.withLock { $0.append("\(id) \(caller.uid)") }; return nil },
                                              delete: inner.delete)
        let server = try startServer(handlers)
        defer { server.stop() }
        _ = request(server.path, "GET", "/v1/consumers/Ab-_9")
        #expect(seen.withLock { $0 } == ["Ab-_9 \(getuid())"])
    }
}
