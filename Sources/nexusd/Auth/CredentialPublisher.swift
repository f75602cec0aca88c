import Logging
import NexusAuth
import NexusConfig
import NexusCrypto
import NexusJWT
import NexusServer
import NexusSystem
import Synchronization

/// Builds the table of API keys the loops authenticate with, from the configuration's consumers and keys file
/// and the state's consumers and keys, and publishes it to every loop whenever one of them changes (start, a key
/// or consumer change, a reload, a restore).
final class CredentialPublisher: Sendable {
    private let server: Server
    private let state: DurableState
    private let secret: [UInt8]
    private let logger: Logger
    /// Consumer ids to small numbers (cells of the plan and quota tables), never reused while nexusd runs.
    private let indexes = Mutex<[String: Int]>([:])
    private let generation = Atomic<Int>(0)
    /// The keys file's entries as HMACs with their consumer, from the last start or reload.
    private let fileKeys = Mutex<[(mac: [UInt8], consumer: String)]>([])
    private let config: Mutex<NexusConfig>
    /// The JWT keys read from files and the claims policy of the configuration in force (nil: JWTs not accepted).
    private let jwt = Mutex<JWTSetup.Setup?>(nil)
    /// Fetches the JWK Set URLs (made at start; URL changes take a restart).
    private let fetcher = Mutex<JWKSFetcher?>(nil)
    /// A secret of this process for `nexusctl run --as CONSUMER`: each consumer gets a key derived from it, known
    /// only to nexusd, which the admin thread presents on loopback so that the run takes the same path as any
    /// request (admit: scopes, limits, quotas; usage). It never leaves the process and changes at every start.
    private let runAsSecret = SecureRandom.bytes(32)

    init(server: Server, state: DurableState, secret: [UInt8], config: NexusConfig, logger: Logger) {
        self.server = server
        self.state = state
        self.secret = secret
        self.logger = logger
        self.config = Mutex(config)
    }

    /// The key `nexusctl run --as CONSUMER` is run with (see `runAsSecret`).
    func runAsKey(_ consumer: String) -> String {
        "nexus-run-as_" + Hex.encode(HMACSHA256.mac(key: runAsSecret, consumer))
    }

    /// The consumers of the file, by name.
    var fileConsumers: [String] { config.withLock { $0.consumers.map(\.name) } }

    /// The consumer's cell in the plan and quota tables.
    func index(of consumer: String) -> Int {
        indexes.withLock { map in
            if let i = map[consumer] { return i }
            let i = map.count
            map[consumer] = i
            return i
        }
    }

    /// What a configuration brings: its keys file read and HMACed, ready to `commit`.
    struct Prepared: Sendable {
        fileprivate var config: NexusConfig
        fileprivate var macs: [(mac: [UInt8], consumer: String)]
        fileprivate var jwt: JWTSetup.Setup?
    }

    /// Reads the configuration's keys file (at start and reload); the error says which line is wrong.
    func prepare(_ cfg: NexusConfig, configFile: String) -> Result<Prepared, KeysFile.Failure> {
        var macs: [(mac: [UInt8], consumer: String)] = []
        if let file = cfg.auth?.keysFile {
            switch KeysFile.read(AdminSetup.resolve(file, relativeTo: configFile), consumers: cfg.consumers) {
            case .success(let entries): macs = entries.map { (HMACSHA256.mac(key: secret, $0.key), $0.consumer) }
            case .failure(let f): return .failure(f)
            }
        }
        var setup: JWTSetup.Setup?
        if let jwt = cfg.auth?.jwt {
            switch JWTSetup.setup(jwt, configFile: configFile) {
            case .success(let v): setup = v
            case .failure(let f): return .failure(KeysFile.Failure(description: f.description))
            }
        }
        return .success(Prepared(config: cfg, macs: macs, jwt: setup))
    }

    /// Makes a prepared configuration current and publishes the keys.
    func commit(_ p: Prepared) {
        fileKeys.withLock { $0 = p.macs }
        config.withLock { $0 = p.config }
        jwt.withLock { $0 = p.jwt }
        publish()
    }

    /// Starts fetching the JWK Set URLs of the configuration in force (once, at start), then publishes.
    func startFetching() -> Result<Void, JWTSetup.Failure> {
        guard let urls = jwt.withLock({ $0?.urls }), !urls.isEmpty else { return .success(()) }
        let f: JWKSFetcher
        do throws(JWTSetup.Failure) {
            f = try JWKSFetcher(urls: urls, logger: logger) { [weak self] in self?.publish() }
        } catch {
            return .failure(error)
        }
        fetcher.withLock { $0 = f }
        f.start()
        publish()
        return .success(())
    }

    func stopFetching() {
        let f = fetcher.withLock { $0 }
        f?.stop()
    }

    /// The plans of the configuration in force.
    var planNames: [String] { config.withLock { $0.plans.map(\.name) } }

    /// Builds the table from the current configuration and state and sends it to every loop.
    func publish() {
        let cfg = config.withLock { $0 }
        var plans: [String: Plan] = [:]
        for p in cfg.plans {
            plans[p.name] = Plan(name: p.name, limit: p.rate.map { RateLimit(rate: $0.count, periodSeconds: $0.periodSeconds, burst: $0.burst) },
                                 quotaPerDay: p.quotaDay, quotaPerMonth: p.quotaMonth)
        }
        var entries: [(mac: [UInt8], principal: Principal)] = []
        let fileConsumers = Dictionary(cfg.consumers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (mac, name) in fileKeys.withLock({ $0 }) {
            guard let c = fileConsumers[name] else { continue }
            entries.append((mac, Principal(consumer: c.name, index: index(of: c.name), scopes: Set(c.scopes),
                                           plan: c.plan.flatMap { plans[$0] }, expiresAt: nil, keyID: "file")))
        }
        for (key, stopsAt) in state.keys.usable(now: Clock.unixSeconds()) {
            guard let c = state.consumers.get(key.consumer), let mac = Hex.decode(key.hmac) else { continue }
            let scopes = key.scopes.isEmpty ? c.scopes : key.scopes
            entries.append((mac, Principal(consumer: c.id, index: index(of: c.id), scopes: Set(scopes),
                                           plan: c.plan.flatMap { plans[$0] }, expiresAt: stopsAt, keyID: key.id)))
        }
        // The run-as keys: one per consumer (of the file and of the state), with the consumer's own scopes.
        for c in cfg.consumers {
            entries.append((HMACSHA256.mac(key: secret, runAsKey(c.name)),
                            Principal(consumer: c.name, index: index(of: c.name), scopes: Set(c.scopes), plan: c.plan.flatMap { plans[$0] },
                                      expiresAt: nil, keyID: "run-as")))
        }
        for c in state.consumers.list() {
            entries.append((HMACSHA256.mac(key: secret, runAsKey(c.id)),
                            Principal(consumer: c.id, index: index(of: c.id), scopes: Set(c.scopes), plan: c.plan.flatMap { plans[$0] },
                                      expiresAt: nil, keyID: "run-as")))
        }
        // Consumers a JWT may name, by id and by name.
        var known: [String: CredentialTable.KnownConsumer] = [:]
        for c in cfg.consumers {
            known[c.name] = .init(id: c.name, index: index(of: c.name), plan: c.plan.flatMap { plans[$0] }, scopes: Set(c.scopes))
        }
        for c in state.consumers.list() {
            let k = CredentialTable.KnownConsumer(id: c.id, index: index(of: c.id), plan: c.plan.flatMap { plans[$0] },
                                                  scopes: Set(c.scopes))
            known[c.id] = k
            if known[c.name] == nil { known[c.name] = k }
        }
        let g = generation.add(1, ordering: .relaxed).newValue
        let f = fetcher.withLock { $0 }
        let verifier = jwt.withLock { $0 }.map { setup in
            Verifier(keys: KeySet(keys: setup.keys + (f?.keys ?? [])), policy: setup.policy)
        }
        var onUnknownKey: (@Sendable () -> Void)?
        if let f { onUnknownKey = { f.requestRefetch() } }
        server.publish(credentials: CredentialTable(secret: secret, entries: entries, generation: g, jwt: verifier,
                                                    known: known, onUnknownKey: onUnknownKey))
        logger.debug("API keys published", metadata: ["keys": "\(entries.count)", "generation": "\(g)"])
    }

    /// Starts the quota counters from the usage kept in the state store (today's and this month's requests that
    /// were not refused), so a restart does not reset a quota.
    func seedQuotas() {
        let now = Clock.unixSeconds()
        let (day, month) = QuotaTable.periods(now)
        var counts: [String: (day: Int, month: Int)] = [:]
        for row in state.usage.quotaRows() {
            let (d, m) = QuotaTable.periods(row.hour)
            guard m == month else { continue }
            var c = counts[row.consumer, default: (0, 0)]
            c.month += row.admitted
            if d == day { c.day += row.admitted }
            counts[row.consumer] = c
        }
        for (consumer, c) in counts { server.quotas.seed(index(of: consumer), day: c.day, month: c.month, now: now) }
    }
}
