import Testing
@testable import NexusConfig

/// Each kind of mistake is reported with the right file, line, column and key.
@Suite struct ConfigErrorTests {
    @Test func descriptionFormat() {
        let error = ConfigError(file: "n.yaml", line: 3, column: 5, key: "listeners[0].address", message: "bad")
        #expect(error.description == "n.yaml:3:5: listeners[0].address: bad")
        let keyless = ConfigError(file: "n.yaml", line: 0, column: 0, key: "", message: "cannot open")
        #expect(keyless.description == "n.yaml:0:0: cannot open")
        #expect(ConfigErrors([error, keyless]).description == "n.yaml:3:5: listeners[0].address: bad\nn.yaml:0:0: cannot open")
    }

    @Test func wrongType() {
        let error = singleError(minimalListener + "threads: [1, 2]\n")
        #expect(error?.description == "test.yaml:3:10: threads: expected auto or a number of threads, got a sequence")
        let section = singleError(minimalListener + "limits: 5\n")
        #expect(summary(section, \.line, \.column, \.key) == "3 9 limits")
        #expect(section?.message.hasPrefix("expected a mapping with keys max_connections") == true)
        let listeners = singleError("listeners: 127.0.0.1:80\n")
        #expect(listeners?.description == "test.yaml:1:12: listeners: expected a sequence of listeners, got a string")
    }

    @Test func unknownKeys() {
        let root = singleError(minimalListener + "treads: 4\n")
        #expect(root?.description == "test.yaml:3:1: treads: unknown key 'treads' (did you mean 'threads'?)")
        let nested = singleError(minimalListener + "timeouts:\n  idle: 5s\n")
        #expect(summary(nested, \.line, \.column, \.key) == "4 3 timeouts.idle")
        #expect(nested?.message.hasPrefix("unknown key 'idle' (expected one of header_read, body_read") == true)
        let inList = singleError("listeners:\n  - address: 127.0.0.1:80\n    backlg: 5\n")
        #expect(inList?.description == "test.yaml:3:5: listeners[0].backlg: unknown key 'backlg' (did you mean 'backlog'?)")
    }

    @Test func badDuration() {
        let error = singleError(minimalListener + "timeouts:\n  header_read: 10x\n")
        #expect(summary(error, \.line, \.column, \.key) == "4 16 timeouts.header_read")
        #expect(error?.message.hasPrefix("invalid duration '10x': expected a duration like 500ms") == true)
        let zero = singleError(minimalListener + "timeouts:\n  send: 0s\n")
        #expect(zero?.message == "duration must be greater than 0, got '0s'")
    }

    @Test func badSize() {
        let error = singleError(minimalListener + "limits:\n  max_body_bytes: 1 megabyte\n")
        #expect(summary(error, \.line, \.column, \.key) == "4 19 limits.max_body_bytes")
        #expect(error?.message.hasPrefix("invalid size '1 megabyte'") == true)
        let range = singleError(minimalListener + "limits:\n  max_request_line: 10\n")
        #expect(range?.message == "size '10' is out of range 64B...1MiB")
    }

    @Test func badAddress() {
        let error = singleError("listeners:\n  - address: 1.2.3:80\n")
        #expect(summary(error, \.line, \.column, \.key) == "2 14 listeners[0].address")
        #expect(error?.message.hasPrefix("invalid IPv4 address '1.2.3'") == true)
    }

    @Test func portOutOfRange() {
        let error = singleError("listeners:\n  - name: a\n    address: 127.0.0.1:80\n  - address: '[::1]:70000'\n")
        #expect(error?.description == "test.yaml:4:14: listeners[1].address: port 70000 is out of range 0...65535")
    }

    @Test func duplicateKey() {
        let error = singleError("listeners:\n  - address: 127.0.0.1:80\n    address: 127.0.0.1:81\n")
        #expect(error?.description == "test.yaml:3:5: listeners[0].address: duplicate key 'address' (first at line 2)")
    }

    @Test func yamlSyntaxError() {
        let error = singleError("listeners:\n  - address: 127.0.0.1:80\n bad indent: 1\n")
        #expect(summary(error, \.file, \.line, \.key) == "test.yaml 3 ")
        #expect(error?.message.hasPrefix("YAML syntax error: ") == true)
    }

    @Test func emptyFile() {
        for empty in ["", "# nothing yet\n", "---\n", "~\n"] {
            let error = singleError(empty)
            #expect(error?.description == "test.yaml:1:1: listeners: the configuration is empty; 'listeners' is required")
        }
    }

    @Test func missingListeners() {
        let missing = singleError("threads: 2\n")
        #expect(missing?.description == "test.yaml:1:1: listeners: missing required key 'listeners'")
        let empty = singleError("listeners: []\n")
        #expect(empty?.description == "test.yaml:1:12: listeners: at least one listener is required")
        let noAddress = singleError("threads: 2\nlisteners:\n  - name: x\n")
        #expect(noAddress?.description == "test.yaml:3:5: listeners[0].address: missing required key 'address'")
    }

    @Test func rootMustBeAMapping() {
        let error = singleError("- a\n- b\n")
        #expect(summary(error, \.line, \.key) == "1 ")
        #expect(error?.message.hasPrefix("expected a mapping") == true)
    }

    @Test func everyErrorInAFileIsReportedInOrder() {
        let yaml = """
            treads: 4
            io: kqueue
            listeners:
              - address: 1.2.3:80
                backlog: 0
              - address: 127.0.0.1:70000
            limits:
              max_body_bytes: 8KB
              max_headers: 100
              max_headers: 200
            timeouts:
              header_read: 10x
            log:
              level: verbose
            routes:
              - path: api
                handler: static
                status: 100
            """
        let errors = configErrors(yaml, file: "nexus.yaml")
        #expect(errors.map(\.description) == [
            "nexus.yaml:1:1: treads: unknown key 'treads' (did you mean 'threads'?)",
            "nexus.yaml:2:5: io: expected auto, uring or epoll, got 'kqueue'",
            "nexus.yaml:4:14: listeners[0].address: invalid IPv4 address '1.2.3': expected four numbers like 127.0.0.1 (host names are not resolved)",
            "nexus.yaml:5:14: listeners[0].backlog: 0 is out of range 1...65535",
            "nexus.yaml:6:14: listeners[1].address: port 70000 is out of range 0...65535",
            "nexus.yaml:8:19: limits.max_body_bytes: ambiguous unit in '8KB': write KiB (1024-based)",
            "nexus.yaml:10:3: limits.max_headers: duplicate key 'max_headers' (first at line 9)",
            "nexus.yaml:12:16: timeouts.header_read: invalid duration '10x': expected a duration like 500ms, 10s, 2m, 1h, 90d, or a number of seconds",
            "nexus.yaml:14:10: log.level: expected one of trace, debug, info, notice, warning, error, critical, got 'verbose'",
            "nexus.yaml:16:11: routes[0].path: path must start with '/', got 'api'",
            "nexus.yaml:18:13: routes[0].status: 100 is out of range 200...599",
        ])
    }

    @Test func unreadableFileIsAnErrorAtLineZero() {
        do {
            _ = try ConfigLoader.load(path: "/nonexistent/nexus.yaml")
            Issue.record("loaded")
        } catch {
            #expect(error.errors.map(\.description) == ["/nonexistent/nexus.yaml:0:0: cannot open configuration: No such file or directory"])
        }
        do {
            _ = try ConfigLoader.load(path: "/")
            Issue.record("loaded a directory")
        } catch {
            #expect(error.errors.first?.description == "/:0:0: cannot read configuration: Is a directory")
        }
    }
}
