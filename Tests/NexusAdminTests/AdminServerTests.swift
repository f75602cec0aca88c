import Glibc
import NexusAdmin
import NexusAdminModel
import Testing

@Suite("AdminServer on a Unix socket")
struct AdminServerTests {
    @Test("GET /v1/status answers the handler's StatusResponse as JSON")
    func statusRoundTrip() throws {
        let server = try startServer()
        defer { server.stop() }
        let r = try #require(request(server.path, "GET", "/v1/status"))
        #expect(r.status == 200)
        #expect(r.headers["content-type"] == "application/json")
        #expect(r.headers["connection"] == "close")
        #expect(r.headers["content-length"] == "\(r.body.count)")
        #expect(try AdminJSON.decode(StatusResponse.self, from: r.body) == sampleStatus)
        #expect(r.text.contains("\"uptime_seconds\":42"))
    }

    @Test("an unknown path is a 404 problem")
    func notFound() throws {
        let server = try startServer()
        defer { server.stop() }
        let r = try #require(request(server.path, "GET", "/v1/nope"))
        #expect(r.status == 404)
        #expect(r.headers["content-type"] == "application/problem+json")
        let p = try AdminJSON.decode(ErrorResponse.self, from: r.body)
        #expect(p.type == "about:blank" && p.title == "Not Found" && p.status == 404 && !p.detail.isEmpty)
    }

    @Test("a known path with another method is a 405 problem with Allow")
    func methodNotAllowed() throws {
        let server = try startServer()
        defer { server.stop() }
        let r = try #require(request(server.path, "POST", "/v1/status", body: "{}"))
        #expect(r.status == 405)
        #expect(r.headers["allow"] == "GET")
        #expect(r.headers["content-type"] == "application/problem+json")
        #expect(try AdminJSON.decode(ErrorResponse.self, from: r.body).title == "Method Not Allowed")
        let g = try #require(request(server.path, "GET", "/v1/config/reload"))
        #expect(g.status == 405 && g.headers["allow"] == "POST")
    }

    @Test("bad JSON is a 400 problem; no body and {} mean the running file; a path is passed on")
    func configCheckBodies() throws {
        let seen = Seen()
        let server = try startServer(fakeHandlers(seen))
        defer { server.stop() }
        let bad = try #require(request(server.path, "POST", "/v1/config/check", body: "{nope"))
        #expect(bad.status == 400)
        #expect(bad.headers["content-type"] == "application/problem+json")
        #expect(try AdminJSON.decode(ErrorResponse.self, from: bad.body).status == 400)
        #expect(!bad.text.contains("nope"), "the problem must not echo the request")
        let wrongType = try #require(request(server.path, "POST", "/v1/config/check", body: #"{"path": 3}"#))
        #expect(wrongType.status == 400)

        #expect(try #require(request(server.path, "POST", "/v1/config/check")).status == 200)
        #expect(try #require(request(server.path, "POST", "/v1/config/check", body: "{}")).status == 200)
        let failing = try #require(request(server.path, "POST", "/v1/config/check", body: #"{"path":"/bad.yaml"}"#))
        #expect(failing.status == 200)
        #expect(try AdminJSON.decode(ConfigCheckResponse.self, from: failing.body)
                == ConfigCheckResponse(ok: false, errors: ["/bad.yaml:1:1: listeners: required"]))
        #expect(seen.checkedPaths.withLock { $0 } == [nil, nil, "/bad.yaml"])
    }

    @Test("a chunked body is decoded")
    func chunked() throws {
        let seen = Seen()
        let server = try startServer(fakeHandlers(seen))
        defer { server.stop() }
        let body = #"{"path":"/x.yaml"}"#
        let hex = String(body.utf8.count, radix: 16)
        let r = try #require(exchange(server.path, "POST /v1/config/check HTTP/1.1\r\nHost: l\r\nTransfer-Encoding: chunked\r\n\r\n\(hex)\r\n\(body)\r\n0\r\n\r\n"))
        #expect(r.status == 200)
        #expect(seen.checkedPaths.withLock { $0 } == ["/x.yaml"])
    }

    @Test("a malformed head is a 400 problem; a body over 256 MiB (the backup limit) is a 413")
    func malformed() throws {
        let server = try startServer()
        defer { server.stop() }
        let r = try #require(exchange(server.path, "GET /v1/status HTTP/1.1\nHost: l\n\n"))
        #expect(r.status == 400)
        #expect(r.headers["content-type"] == "application/problem+json")
        let big = try #require(exchange(server.path, "POST /v1/config/check HTTP/1.1\r\nHost: l\r\nContent-Length: 268435457\r\n\r\n"))
        #expect(big.status == 413)
    }

    @Test("reload and state verify answer their handlers; no state handler is a 404")
    func reloadAndVerify() throws {
        let server = try startServer(fakeHandlers(reloadOK: false))
        defer { server.stop() }
        let r = try #require(request(server.path, "POST", "/v1/config/reload"))
        #expect(r.status == 200)
        #expect(try AdminJSON.decode(ReloadResponse.self, from: r.body).ok == false)
        let v = try #require(request(server.path, "GET", "/v1/state/verify"))
        #expect(try AdminJSON.decode(StateVerifyResponse.self, from: v.body) == StateVerifyResponse(ok: true, segments: 2, records: 17))

        let stateless = try startServer(fakeHandlers(state: false))
        defer { stateless.stop() }
        let n = try #require(request(stateless.path, "GET", "/v1/state/verify"))
        #expect(n.status == 404)
        #expect(try AdminJSON.decode(ErrorResponse.self, from: n.body).detail == "this nexusd runs without durable state")
    }

    @Test("handlers get the caller's uid, gid and pid from SO_PEERCRED")
    func peerCredentials() throws {
        let seen = Seen()
        let server = try startServer(fakeHandlers(seen))
        defer { server.stop() }
        _ = try #require(request(server.path, "GET", "/v1/status"))
        let caller = try #require(seen.callers.withLock { $0.first })
        #expect(caller == AdminCaller(uid: getuid(), gid: getgid(), pid: getpid()))
    }

    @Test("the socket file has mode 0660")
    func mode() throws {
        let server = try AdminServer(path: temporarySocketPath(), handlers: fakeHandlers(), logger: quietLogger)
        defer { server.stop() }
        let m = try #require(fileMode(server.path))
        #expect(m & 0o170000 == 0o140000, "a socket")
        #expect(m & 0o7777 == 0o660)
    }

    @Test("a group given is the socket's owner group")
    func group() throws {
        let server = try AdminServer(path: temporarySocketPath(), group: getgid(), handlers: fakeHandlers(), logger: quietLogger)
        defer { server.stop() }
        var st = stat()
        #expect(lstat(server.path, &st) == 0)
        #expect(st.st_gid == getgid())
    }

    @Test("a stale socket (nobody listening) is replaced")
    func staleReplaced() throws {
        let path = temporarySocketPath()
        // Bind and close without listening: the file stays and connects are refused, as after a crash.
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &a.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(rc == 0)
        close(fd)
        #expect(fileMode(path) != nil)

        let server = try AdminServer(path: path, handlers: fakeHandlers(), logger: quietLogger)
        try server.start()
        defer { server.stop() }
        #expect(try #require(request(path, "GET", "/v1/status")).status == 200)
    }

    @Test("a live server on the path is not replaced")
    func liveRefused() throws {
        let server = try startServer()
        defer { server.stop() }
        #expect(throws: AdminServerError.self) {
            _ = try AdminServer(path: server.path, handlers: fakeHandlers(), logger: quietLogger)
        }
        #expect(try #require(request(server.path, "GET", "/v1/status")).status == 200, "the first server still answers")
    }

    @Test("a file that is not a socket is left alone")
    func regularFileRefused() throws {
        let path = temporarySocketPath()
        let fd = open(path, O_CREAT | O_WRONLY, 0o600)
        close(fd)
        defer { unlink(path) }
        do {
            _ = try AdminServer(path: path, handlers: fakeHandlers(), logger: quietLogger)
            Issue.record("a regular file was replaced")
        } catch {
            #expect(error.why == "it exists and is not a socket")
        }
        #expect(fileMode(path).map { $0 & 0o170000 } == 0o100000)
    }

    @Test("stop removes the socket file and is idempotent; run after stop returns")
    func stopUnlinks() throws {
        let server = try startServer()
        #expect(fileMode(server.path) != nil)
        server.stop()
        #expect(fileMode(server.path) == nil)
        #expect(connectUnix(server.path) == -1)
        server.stop()
        server.run()

        let idle = try AdminServer(path: temporarySocketPath(), handlers: fakeHandlers(), logger: quietLogger)
        idle.stop() // never started
        #expect(fileMode(idle.path) == nil)
    }

    @Test("a client that sends nothing is answered 408 after the timeout, and the next one is served")
    func slowClient() throws {
        let server = try startServer(timeout: .milliseconds(300))
        defer { server.stop() }
        let fd = connectUnix(server.path)
        #expect(fd >= 0)
        sendAll(fd, Array("GET /v1/sta".utf8))
        let r = try #require(parseResponse(readToEnd(fd)))
        close(fd)
        #expect(r.status == 408)
        #expect(try #require(request(server.path, "GET", "/v1/status")).status == 200)
    }
}
