import ArgumentParser
import CNexusLinux
import Glibc
import Logging
import NexusAdmin
import NexusConfig
import NexusRuntime
import NexusServer
import NexusState
import NexusSystem

/// `nexusd`: the Nexus gateway daemon.
@main
struct Nexusd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nexusd",
        abstract: "Nexus edge gateway daemon.",
        discussion: """
            Runs the gateway on the configuration FILE. SIGTERM or SIGINT drains (stop accepting, finish in-flight \
            requests up to timeouts.shutdown_grace, close); SIGHUP re-reads routes, limits and timeouts; SIGUSR1 \
            reopens the access log.
            """,
        version: "nexusd \(NexusVersion.string)")

    @Option(name: .long, help: ArgumentHelp("The configuration file to run.", valueName: "FILE"))
    var config: String?

    @Option(name: .customLong("check-config"), help: ArgumentHelp("Check FILE, report every error as FILE:LINE:COLUMN: KEY: MESSAGE, and exit.", valueName: "FILE"))
    var checkConfig: String?

    @Option(name: .long, help: "The I/O back end: auto (io_uring, else epoll), uring or epoll. Overrides the file.")
    var io: IOChoiceArgument?

    @Option(name: .long, help: "The number of event-loop threads. Overrides the file.")
    var threads: Int?

    func validate() throws {
        if config == nil && checkConfig == nil { throw ValidationError("Give --config FILE to run, or --check-config FILE.") }
        if config != nil && checkConfig != nil { throw ValidationError("--config and --check-config do not go together.") }
        if let t = threads, !(1...256).contains(t) { throw ValidationError("--threads must be between 1 and 256.") }
    }

    func run() throws {
        if let file = checkConfig {
            let checked: NexusConfig
            do { checked = try ConfigLoader.load(path: file) } catch {
                FileHandleStderr.write("\(error)\n")
                throw ExitCode(1)
            }
            // The certificates and keys it names, read as the server would.
            let problems = TLSSetup.check(checked)
            guard problems.isEmpty else {
                FileHandleStderr.write(problems.joined(separator: "\n") + "\n")
                throw ExitCode(1)
            }
            print("\(file): configuration is valid")
            return
        }
        let file = config!
        let notify = SystemdNotify.shared // reads and clears $NOTIFY_SOCKET and $WATCHDOG_USEC before any thread starts
        var cfg: NexusConfig
        do { cfg = try ConfigLoader.load(path: file) } catch {
            FileHandleStderr.write("\(error)\nError: the configuration is not valid; nexusd did not start.\n")
            throw ExitCode(1)
        }
        if let io { cfg.io = io.choice }
        if let threads { cfg.threads = threads }

        // Every thread started from here inherits the blocked set; the main thread takes them with sigwait.
        nexus_block_signals()
        let writer: LogWriter
        do { writer = try LogWriter() } catch {
            FileHandleStderr.write("Error: cannot start the log writer: \(error)\n")
            throw ExitCode(1)
        }
        LoggingSetup.bootstrap(writer: writer, level: Logger.Level(rawValue: cfg.log.level) ?? .info)
        let logger = Logger(label: "nexusd")
        logger.info("nexusd starting", metadata: ["version": "\(NexusVersion.string)", "config": "\(file)"])
        for problem in notify.problems { logger.error("systemd: \(problem)") }

        let state: DurableState
        switch StateSetup.open(cfg.state, auth: cfg.auth, configFile: file) {
        case .success(let opened): state = opened
        case .failure(let e):
            logger.critical("\(e.description)")
            writer.stop()
            FileHandleStderr.write("Error: \(e.description).\nHint: \(e.hint).\n")
            throw ExitCode(1)
        }
        logger.info("state opened", metadata: ["folder": "\(state.log.folder)", "records": "\(state.log.lastSequence)",
                                               "consumers": "\(state.consumers.count)"])

        // The runtime routes (admin API) go on top of the file's routes from the start.
        let fileConfig = cfg
        cfg = Reloader.merged(fileConfig, state.routes.snapshot(), workflows: state.workflows.snapshot()).effective
        let maintenance: StateMaintenance
        do {
            maintenance = try StateMaintenance(state: state, flush: cfg.state.usageFlush, compactAfter: cfg.state.compactAfter,
                                               auditRetention: cfg.state.auditRetention, logger: logger)
        } catch {
            writer.stop()
            FileHandleStderr.write("Error: cannot start the state maintenance thread: \(error)\n")
            throw ExitCode(1)
        }
        maintenance.start()
        let server = Server(config: cfg, logger: logger, usageSink: maintenance.sink)
        let credentials = CredentialPublisher(server: server, state: state, secret: state.secret, config: cfg, logger: logger)
        switch credentials.prepare(cfg, configFile: file) {
        case .success(let prepared): credentials.commit(prepared)
        case .failure(let f):
            logger.critical("\(f.description)")
            writer.stop()
            FileHandleStderr.write("Error: \(f.description).\n")
            throw ExitCode(1)
        }
        credentials.seedQuotas()
        if case .failure(let f) = credentials.startFetching() {
            logger.critical("\(f.description)")
            writer.stop()
            FileHandleStderr.write("Error: \(f.description).\n")
            throw ExitCode(1)
        }
        if cfg.auth == nil {
            logger.warning("no 'auth' section: nexusd authenticates nobody and every route is open")
        }
        let observability: Observability
        do {
            observability = try Observability(config: cfg, configFile: file, server: server, logger: logger)
            try server.start()
            try observability.start(server: server, writer: writer)
        } catch {
            logger.critical("\(error)")
            writer.stop()
            FileHandleStderr.write("Error: \(error)\n")
            throw ExitCode(1)
        }

        let ioOverride = io
        let threadsOverride = threads
        let reloader = Reloader(file: file, initial: fileConfig, server: server, layer: state.routes, workflows: state.workflows, store: state.store,
                                credentials: credentials, logger: logger) { c in
            if let ioOverride { c.io = ioOverride.choice }
            if let threadsOverride { c.threads = threadsOverride }
        }
        let admin = AdminSetup.start(config: cfg, configFile: file, server: server, reloader: reloader,
                                     state: state, credentials: credentials, logger: logger)

        if let error = notify.ready(status: "serving") { logger.error("cannot tell systemd that nexusd is ready", metadata: ["error": "\(error)"]) }
        var watchdog = Watchdog(notify: notify, logger: logger)
        var draining = false
        while !draining {
            watchdog?.ping(server)
            let sig = watchdog.map { SignalWait.next(timeoutMilliseconds: $0.untilNextPing()) ?? 0 } ?? nexus_wait_signal()
            switch sig {
            case SIGTERM, SIGINT:
                notify.stopping()
                let grace = EngineMilliseconds.of(cfg.timeouts.shutdownGrace)
                logger.info("draining", metadata: ["signal": "\(sig == SIGTERM ? "SIGTERM" : "SIGINT")", "grace_ms": "\(grace)"])
                for a in admin { a.stop() }
                server.shutdown(deadline: Clock.monotonicMilliseconds() + grace)
                draining = true
            case SIGHUP:
                _ = reloader.reload()
                cfg = reloader.config
            case SIGUSR1:
                observability.reopen()
            default:
                continue
            }
        }
        server.wait()
        observability.stop()
        credentials.stopFetching()
        maintenance.stop()
        state.close()
        logger.info("stopped")
        writer.stop()
    }
}

/// `--io` values.
enum IOChoiceArgument: String, ExpressibleByArgument, CaseIterable {
    case auto, uring, epoll

    var choice: IOChoice {
        switch self {
        case .auto: return .auto
        case .uring: return .uring
        case .epoll: return .epoll
        }
    }
}

enum EngineMilliseconds {
    static func of(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        return s * 1000 + atto / 1_000_000_000_000_000
    }
}

/// Writes straight to standard error (before the log writer exists, and for CLI errors).
enum FileHandleStderr {
    static func write(_ s: String) {
        var s = s
        s.withUTF8 { buf in
            var off = 0
            while off < buf.count {
                let n = Glibc.write(2, buf.baseAddress! + off, buf.count - off)
                if n <= 0 { break }
                off += n
            }
        }
    }
}
