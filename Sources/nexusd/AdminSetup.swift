import Glibc
import Logging
import NexusAdmin
import NexusAdminModel
import NexusConfig
import NexusServer
import NexusState
import NexusSystem
import NexusTLS

/// Starts the admin API on its Unix socket (and its TCP listener, if configured) with handlers backed by the
/// server, or explains why it is off.
enum AdminSetup {
    static func start(config: NexusConfig, configFile: String, server: Server, reloader: Reloader,
                      state durable: DurableState, credentials: CredentialPublisher, logger: Logger) -> [AdminServer] {
        let state = durable.log
        let path = resolve(config.admin.socket, relativeTo: configFile)
        let started = Clock.monotonicMilliseconds()
        let backend = server.backend.rawValue
        let loops = server.loopCount
        let handlers = AdminHandlers(
            status: { _ in
                let s = server.status()
                return StatusResponse(version: NexusVersion.string,
                                      uptimeSeconds: Int((Clock.monotonicMilliseconds() - started) / 1000),
                                      ioBackend: backend, loops: loops, connections: s.connections,
                                      requestsTotal: s.requests, requestsPerSecond: Double(s.requestsPerSecond),
                                      pid: getpid())
            },
            reload: { caller in
                logger.notice("reload asked through the admin API", metadata: ["uid": "\(caller.uid)", "pid": "\(caller.pid)"])
                let outcome = reloader.reload()
                durable.audit.record("config.reload", outcome: outcome.ok ? "ok" : "refused", caller: caller,
                                     detail: outcome.ok ? nil : outcome.message)
                return outcome
            },
            configCheck: { file, _ in
                do {
                    let checked = try ConfigLoader.load(path: file ?? configFile)
                    // The certificates and keys it names, read as a reload would.
                    let problems = TLSSetup.check(checked)
                    return ConfigCheckResponse(ok: problems.isEmpty, errors: problems)
                } catch {
                    return ConfigCheckResponse(ok: false, errors: (error as? ConfigErrors)?.errors.map { $0.description } ?? ["\(error)"])
                }
            },
            stateVerify: { _ in
                // Online: every record is read back through its checksum (the offline tool also checks the files'
                // tails and headers; it needs the folder's lock, which the running nexusd holds).
                let first = max(state.firstSequence, (state.snapshot?.sequence ?? 0) + 1), last = state.lastSequence
                let expected = last >= first ? Int(last - first + 1) : 0
                let records = state.read(from: first).count
                let problems = records == expected ? [] : ["\(expected - records) of \(expected) records fail their checksum or sequence check"]
                return StateVerifyResponse(ok: problems.isEmpty, segments: segmentFiles(in: state.folder),
                                           records: records, problems: problems)
            },
            consumers: ConsumerAdmin.handlers(durable, credentials),
            keys: KeyAdmin.handlers(durable, credentials),
            routes: RouteAdmin.handlers(reloader, durable),
            backup: BackupAdmin.handlers(durable, reloader, credentials),
            usage: { query, _ in durable.usage.rows(query) },
            audit: { query, _ in durable.audit.entries(query) },
            workflows: WorkflowAdmin.handlers(reloader, durable, run: { name, request, _ in
                WorkflowRunner.run(name, request, reloader: reloader, server: server, credentials: credentials, state: durable)
            }))
        var servers: [AdminServer] = []
        if let unix = startUnix(path, group: config.admin.group, handlers: handlers, logger: logger) { servers.append(unix) }
        if let tcp = config.admin.tcp, let s = startTCP(tcp, configFile: configFile, handlers: handlers, logger: logger) { servers.append(s) }
        return servers
    }

    private static func startUnix(_ path: String, group: String?, handlers: AdminHandlers, logger: Logger) -> AdminServer? {
        let folder = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        var st = stat()
        if !folder.isEmpty && stat(folder, &st) != 0 {
            logger.warning("admin API off: its socket folder does not exist", metadata: ["socket": "\(path)"])
            return nil
        }
        var gid: UInt32? = nil
        if let name = group {
            guard let g = getgrnam(name) else {
                logger.error("admin API off: unknown group", metadata: ["group": "\(name)"])
                return nil
            }
            gid = g.pointee.gr_gid
        }
        do {
            let admin = try AdminServer(path: path, group: gid, handlers: handlers, logger: Logger(label: "nexus.admin"))
            try admin.start()
            logger.info("admin API listening", metadata: ["socket": "\(path)"])
            return admin
        } catch {
            logger.error("admin API off", metadata: ["socket": "\(path)", "error": "\(error)"])
            return nil
        }
    }

    /// The TCP listener: the token file must be private to nexusd's user and group and hold 32 or more characters.
    private static func startTCP(_ tcp: AdminTCPConfig, configFile: String, handlers: AdminHandlers, logger: Logger) -> AdminServer? {
        let file = resolve(tcp.tokenFile, relativeTo: configFile)
        var st = stat()
        guard stat(file, &st) == 0 else {
            logger.error("admin TCP listener off: cannot read its token file", metadata: ["file": "\(file)", "error": "\(String(cString: strerror(errno)))"])
            return nil
        }
        guard st.st_mode & 0o007 == 0 else {
            logger.error("admin TCP listener off: its token file can be read by others (chmod 600 or 640)", metadata: ["file": "\(file)"])
            return nil
        }
        let fd = open(file, O_RDONLY | O_CLOEXEC)
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = fd >= 0 ? bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) } : -1
        if fd >= 0 { close(fd) }
        var token = n > 0 ? Array(bytes[0..<n]) : []
        while let last = token.last, last == 0x0A || last == 0x0D || last == 0x20 { token.removeLast() }
        guard token.count >= 32, token.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            logger.error("admin TCP listener off: the token must be 32 or more printable characters", metadata: ["file": "\(file)"])
            return nil
        }
        var context: TLSServerContext?
        if let tls = tcp.tls {
            do { context = try TLSServerContext(tls, secret: TicketSecret()) } catch {
                logger.error("admin TCP listener off: its TLS settings cannot be used", metadata: ["error": "\(error)"])
                return nil
            }
        }
        do {
            let admin = try AdminServer(tcpHost: tcp.host, port: tcp.port, ipv6: tcp.isIPv6, token: token, tls: context,
                                        handlers: handlers, logger: Logger(label: "nexus.admin"))
            try admin.start()
            logger.info("admin API listening", metadata: ["address": "\(admin.path)", "tls": "\(context != nil)"])
            return admin
        } catch {
            logger.error("admin TCP listener off", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The number of `segment-*.nxlog` files in `folder`.
    static func segmentFiles(in folder: String) -> Int {
        guard let dir = opendir(folder) else { return 0 }
        defer { closedir(dir) }
        var n = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix("segment-") && name.hasSuffix(".nxlog") { n += 1 }
        }
        return n
    }

    /// A relative socket path is taken from the configuration file's folder.
    static func resolve(_ path: String, relativeTo file: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = file.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return folder.isEmpty ? path : "\(folder)/\(path)"
    }
}
