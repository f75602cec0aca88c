import Glibc
import NexusAdmin
import NexusAdminModel
import Testing

/// The nexusctl binary built beside this test bundle (`.build/<triple>/debug/nexusctl`), or nil.
let nexusctlBinary: String? = {
    var buf = [CChar](repeating: 0, count: 4096)
    let n = readlink("/proc/self/exe", &buf, buf.count - 1)
    guard n > 0 else { return nil }
    var exe = String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    while let last = exe.last, last != "/" { exe.removeLast() }
    // The bundle may be an executable in the build folder or a file inside a .xctest folder in it.
    for dir in [exe, exe + "../", exe + "../../"] where access(dir + "nexusctl", X_OK) == 0 { return dir + "nexusctl" }
    return nil
}()

struct ProcessResult: Equatable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs nexusctl with `arguments` and exactly `environment`, capturing stdout and stderr through files.
func runNexusctl(_ arguments: [String], environment: [String] = ["PATH=/usr/bin:/bin"]) throws -> ProcessResult {
    try runProcess(try #require(nexusctlBinary), arguments, environment: environment)
}

/// Runs `binary` with `arguments` and exactly `environment`, capturing stdout and stderr through files.
func runProcess(_ binary: String, _ arguments: [String], environment: [String] = ["PATH=/usr/bin:/bin"]) throws -> ProcessResult {
    let stem = "/tmp/nxctl-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    defer { unlink(stem + ".out"); unlink(stem + ".err") }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, stem + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, stem + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    let argv = ([binary] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup($0) } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid = pid_t()
    let rc = posix_spawn(&pid, binary, &actions, nil, argv, envp)
    try #require(rc == 0, "posix_spawn: \(rc)")
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    // WIFEXITED / WEXITSTATUS by hand (macros do not import).
    let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    return ProcessResult(status: exitCode, stdout: readFile(stem + ".out"), stderr: readFile(stem + ".err"))
}

func readFile(_ path: String) -> String {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return "" }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        out += chunk[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

@Suite("nexusctl golden output", .enabled(if: nexusctlBinary != nil,
                                           "nexusctl is not built beside the test bundle: run 'swift build --product nexusctl' first"))
struct NexusctlGoldenTests {
    @Test("no socket: exit 1 and the exact error and hint")
    func noSocket() throws {
        let r = try runNexusctl(["status", "--socket", "/tmp/nexus-no-such.sock"])
        #expect(r == ProcessResult(status: 1, stdout: "", stderr: """
            Error: cannot connect to /tmp/nexus-no-such.sock: No such file or directory.
            Hint: is nexusd running? Use --socket PATH or NEXUS_ADMIN_SOCKET.

            """))
    }

    @Test("the default socket, then NEXUS_ADMIN_SOCKET, name the socket")
    func socketDefaults() throws {
        let d = try runNexusctl(["status"])
        if access(AdminAPI.defaultSocketPath, F_OK) != 0 {
            #expect(d.status == 1)
            #expect(d.stderr.hasPrefix("Error: cannot connect to /run/nexus/admin.sock: "))
        }
        let e = try runNexusctl(["config", "reload"], environment: ["NEXUS_ADMIN_SOCKET=/tmp/nexus-env.sock"])
        #expect(e.status == 1)
        #expect(e.stderr.hasPrefix("Error: cannot connect to /tmp/nexus-env.sock: No such file or directory.\n"))
    }

    @Test("usage errors exit 64 with usage and the help pointer")
    func usage() throws {
        let bad = try runNexusctl(["status", "--output", "xml"])
        #expect(bad.status == 64)
        #expect(bad.stdout == "")
        #expect(bad.stderr.hasPrefix("Error: The value 'xml' is invalid for '--output <output>'."))
        // --output is also accepted before the command, so the root owns it and its usage is the one shown.
        #expect(bad.stderr.contains("See 'nexusctl --help' for more information."))
        let extra = try runNexusctl(["config", "check", "a.yaml", "b.yaml"])
        #expect(extra.status == 64)
        #expect(extra.stderr.contains("See 'nexusctl config check --help' for more information."))
        let unknown = try runNexusctl(["frobnicate"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("See 'nexusctl --help' for more information."))
        #expect(try runNexusctl(["completion", "tcsh"]).status == 64)
    }

    @Test("--output json status prints the model with every documented key, sorted, one trailing newline")
    func statusJSON() throws {
        let server = try startServer()
        defer { server.stop() }
        let r = try runNexusctl(["--output", "json", "status", "--socket", server.path])
        #expect(r.status == 0)
        #expect(r.stderr == "")
        #expect(r.stdout == """
            {
              "connections" : 3,
              "io_backend" : "io_uring",
              "loops" : 2,
              "pid" : 4242,
              "requests_per_second" : 12.5,
              "requests_total" : 1000,
              "uptime_seconds" : 42,
              "version" : "9.9.9"
            }

            """)
    }

    @Test("status as a table: aligned key  value lines")
    func statusTable() throws {
        let server = try startServer()
        defer { server.stop() }
        let r = try runNexusctl(["status", "--socket", server.path])
        #expect(r.status == 0)
        #expect(r.stdout == """
            version              9.9.9
            uptime_seconds       42
            io_backend           io_uring
            loops                2
            connections          3
            requests_total       1000
            requests_per_second  12.50
            pid                  4242

            """)
    }

    @Test("a refused reload exits 1 with the errors; an invalid file exits 1; version shows both")
    func failures() throws {
        let server = try startServer(fakeHandlers(reloadOK: false))
        defer { server.stop() }
        let reload = try runNexusctl(["config", "reload", "--socket", server.path])
        #expect(reload.status == 1)
        #expect(reload.stdout == """
            ok       false
            message  the configuration is not valid
            errors   /etc/nexus/nexus.yaml:4:3: routes[0].path: must start with /

            """)
        #expect(reload.stderr == """
            Error: the reload was refused: the configuration is not valid.
            Hint: the running configuration stays in effect; fix the errors and reload again.

            """)
        let check = try runNexusctl(["config", "check", "/bad.yaml", "--socket", server.path, "--output", "json"])
        #expect(check.status == 1)
        #expect(check.stdout.contains("\"ok\" : false"))
        #expect(check.stderr.hasPrefix("Error: the configuration is not valid: 1 error.\n"))
        #expect(try runNexusctl(["config", "check", "--socket", server.path]).status == 0)
        let version = try runNexusctl(["version", "--socket", server.path])
        #expect(version == ProcessResult(status: 0, stdout: "nexusctl  0.1.0\nnexusd    9.9.9\n", stderr: ""))
    }

    @Test("consumers: create, list and show as tables; delete prints nothing; a missing id is 'no consumer'")
    func consumersTable() throws {
        let server = try startServer()
        defer { server.stop() }
        let s = ["--socket", server.path]
        let created = try runNexusctl(["consumers", "create", "billing", "--scope", "orders:read", "--scope", "orders:write"] + s)
        #expect(created == ProcessResult(status: 0, stdout: """
            id          c_1
            name        billing
            scopes      orders:read
                        orders:write
            created_at  1700000001

            """, stderr: ""))
        #expect(try runNexusctl(["consumers", "create", "ops team"] + s).status == 0)
        let list = try runNexusctl(["consumers", "list"] + s)
        #expect(list == ProcessResult(status: 0, stdout: """
            ID   NAME      SCOPES
            c_1  billing   orders:read,orders:write
            c_2  ops team  -

            """, stderr: ""))
        let shown = try runNexusctl(["consumers", "show", "c_2"] + s)
        #expect(shown.stdout == "id          c_2\nname        ops team\nscopes      -\ncreated_at  1700000002\n")
        #expect(try runNexusctl(["consumers", "delete", "c_2"] + s) == ProcessResult(status: 0, stdout: "", stderr: ""))
        let missing = ProcessResult(status: 1, stdout: "", stderr: """
            Error: no consumer 'c_2'.
            Hint: 'nexusctl consumers list' shows the consumers.

            """)
        #expect(try runNexusctl(["consumers", "show", "c_2"] + s) == missing)
        #expect(try runNexusctl(["consumers", "delete", "c_2"] + s) == missing)
        #expect(try runNexusctl(["consumers", "show", "../status"] + s).stderr.hasPrefix("Error: no consumer '../status'.\n"))
    }

    @Test("consumers as JSON; API errors exit 1 with the problem and a hint")
    func consumersJSON() throws {
        let server = try startServer()
        defer { server.stop() }
        let s = ["--socket", server.path, "--output", "json"]
        let created = try runNexusctl(["consumers", "create", "billing", "--scope", "orders:read"] + s)
        #expect(created == ProcessResult(status: 0, stdout: """
            {
              "created_at" : 1700000001,
              "id" : "c_1",
              "name" : "billing",
              "scopes" : [
                "orders:read"
              ]
            }

            """, stderr: ""))
        let list = try runNexusctl(["consumers", "list"] + s)
        #expect(list.status == 0)
        #expect(try AdminJSON.decode(ConsumerList.self, from: Array(list.stdout.utf8)).consumers.map(\.id) == ["c_1"])
        #expect(list.stdout.hasPrefix("{\n  \"consumers\" : [\n"))
        #expect(try runNexusctl(["consumers", "delete", "c_1"] + s) == ProcessResult(status: 0, stdout: "{}\n", stderr: ""))

        let dup1 = try runNexusctl(["consumers", "create", "dup"] + s)
        #expect(dup1.status == 0)
        let dup = try runNexusctl(["consumers", "create", "dup"] + s)
        #expect(dup == ProcessResult(status: 1, stdout: "", stderr: """
            Error: cannot create the consumer: 409 Conflict: a consumer has this name.
            Hint: 'nexusctl consumers list' shows the consumers and their names.

            """))
        let bad = try runNexusctl(["consumers", "create", "x", "--scope", "no way"] + s)
        #expect(bad.status == 1)
        #expect(bad.stderr.hasPrefix("Error: cannot create the consumer: 400 Bad Request: scopes[0] must be"))

        let off = try startServer(fakeHandlers(consumers: nil))
        defer { off.stop() }
        let r = try runNexusctl(["consumers", "show", "c_1", "--socket", off.path])
        #expect(r.status == 1)
        #expect(r.stderr.hasPrefix("Error: GET /v1/consumers/c_1 failed: 404 Not Found: this nexusd does not manage consumers.\n"))
    }

    @Test("completion scripts come from swift-argument-parser")
    func completion() throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try runNexusctl(["completion", shell])
            #expect(r.status == 0)
            #expect(r.stdout.contains("nexusctl"))
        }
    }
}

@Suite("curl against the admin socket", .enabled(if: access("/usr/bin/curl", X_OK) == 0, "curl is not installed"))
struct CurlInteropTests {
    @Test("curl --unix-socket reads the status and gets problems for errors")
    func curl() throws {
        let server = try startServer()
        defer { server.stop() }
        let ok = try runProcess("/usr/bin/curl", ["-sS", "--unix-socket", server.path, "http://localhost/v1/status"])
        #expect(ok.status == 0)
        #expect(try AdminJSON.decode(StatusResponse.self, from: Array(ok.stdout.utf8)) == sampleStatus)
        let check = try runProcess("/usr/bin/curl", ["-sS", "--unix-socket", server.path, "-d", #"{"path":"/bad.yaml"}"#,
                                                     "http://localhost/v1/config/check"])
        #expect(check.stdout == #"{"errors":["/bad.yaml:1:1: listeners: required"],"ok":false}"#)
        let missing = try runProcess("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code} %{content_type}",
                                                       "--unix-socket", server.path, "http://localhost/v2/x"])
        #expect(missing.stdout == "404 application/problem+json")
    }
}
