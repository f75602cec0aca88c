import Logging
import NexusConfig
import NexusJWT
import NexusRuntime
import NexusServer
import NexusSystem
import NexusTLS
import Synchronization

/// Fetches the JWK Sets of `auth.jwt` URLs over HTTPS on a thread of its own: at start, every `refresh`, and when a
/// token names a key nobody holds (at most every 30 s per URL, so unknown `kid`s cannot make it hammer the
/// identity provider). A failed fetch keeps the last good set and is retried after 30 s.
final class JWKSFetcher: Sendable {
    struct Source: Sendable {
        var url: String
        var refreshMilliseconds: Int64
        var context: TLSClientContext
    }

    private let sources: [Source]
    private let sets = Mutex<[String: KeySet]>([:])
    private let logger: Logger
    private let onChange: @Sendable () -> Void
    private let waker: Waker
    private let wanted = Atomic<Bool>(false)
    private let stopping = Atomic<Bool>(false)
    private let thread = Mutex<NexusThread?>(nil)
    static let minimumRefetchMilliseconds: Int64 = 30_000

    /// Builds the TLS contexts; throws a message naming the URL when one cannot be made.
    init(urls: [(url: String, refresh: Duration, caFile: String?)], logger: Logger,
         onChange: @escaping @Sendable () -> Void) throws(JWTSetup.Failure) {
        var sources: [Source] = []
        for u in urls {
            let tls = UpstreamTLSConfig(verify: true, ca: u.caFile.map { FileSetting($0) })
            do {
                sources.append(Source(url: u.url, refreshMilliseconds: max(1000, EngineMilliseconds.of(u.refresh)),
                                      context: try TLSClientContext(tls)))
            } catch {
                throw JWTSetup.Failure(description: "\(u.url): \(error)")
            }
        }
        self.sources = sources
        self.logger = logger
        self.onChange = onChange
        do { waker = try Waker() } catch { throw JWTSetup.Failure(description: "cannot create the JWKS fetcher's waker: \(error)") }
    }

    /// The keys of every URL fetched so far.
    var keys: [VerificationKey] { sets.withLock { $0.values.flatMap(\.keys) } }

    /// Fetches every URL once (so the first requests find the keys), then starts the refresh thread.
    func start() {
        for s in sources { _ = fetch(s) }
        let t = NexusThread.spawn(name: "nexus-jwks") { [self] in run() }
        thread.withLock { $0 = t }
    }

    func stop() {
        stopping.store(true, ordering: .releasing)
        waker.wake()
        thread.withLock { $0?.join(); $0 = nil }
    }

    /// A token named an unknown key: ask for a refetch (never blocks; one wake-up however many ask).
    func requestRefetch() {
        if !wanted.exchange(true, ordering: .acquiringAndReleasing) { waker.wake() }
    }

    private func run() {
        let now = Clock.monotonicMilliseconds()
        var due = sources.map { now + $0.refreshMilliseconds }
        var last = sources.map { _ in now }
        while !stopping.load(ordering: .acquiring) {
            let now = Clock.monotonicMilliseconds()
            let asked = wanted.exchange(false, ordering: .acquiringAndReleasing)
            for (i, s) in sources.enumerated() {
                let early = asked && now - last[i] >= Self.minimumRefetchMilliseconds
                guard now >= due[i] || early else { continue }
                last[i] = now
                due[i] = now + (fetch(s) ? s.refreshMilliseconds : Self.minimumRefetchMilliseconds)
            }
            let next = (due.min() ?? now + 60_000) - Clock.monotonicMilliseconds()
            _ = waker.waitBlocking(timeoutMilliseconds: Int32(clamping: max(1, next)))
            waker.acknowledge()
        }
    }

    /// Fetches one URL; true when it gave a usable set (published if it changed).
    private func fetch(_ s: Source) -> Bool {
        switch HTTPSFetch.get(s.url, context: s.context) {
        case .failure(let f):
            logger.error("JWK Set fetch failed; the last keys stay", metadata: ["url": "\(s.url)", "error": "\(f.description)"])
            return false
        case .success(let r) where r.status != 200:
            logger.error("JWK Set fetch failed; the last keys stay", metadata: ["url": "\(s.url)", "status": "\(r.status)"])
            return false
        case .success(let r):
            do throws(KeyError) {
                let set = try KeySet(jwks: r.body)
                let kids = set.keys.compactMap(\.kid).sorted()
                let changed = sets.withLock { current -> Bool in
                    let before = current[s.url]?.keys.compactMap(\.kid).sorted()
                    current[s.url] = set
                    return before != kids
                }
                if changed {
                    logger.info("JWK Set fetched", metadata: ["url": "\(s.url)", "keys": "\(set.keys.count)", "kids": "\(kids.joined(separator: ","))"])
                    onChange()
                }
                return true
            } catch {
                logger.error("JWK Set refused; the last keys stay", metadata: ["url": "\(s.url)", "error": "\(error)"])
                return false
            }
        }
    }
}
