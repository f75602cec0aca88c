// FaultInjectingFileSystem: an in-memory file system that keeps only synced bytes and can cut the power.
import Glibc
import Synchronization

/// An in-memory `StateFileSystem` for tests: it remembers what was made durable and can simulate a power loss.
///
/// Model. Every file has a durable image (what the disk holds) and a page cache (what mappings see). Writes go to
/// the cache; `StateMapping.sync` and `StateFile.sync` copy the cache's changed bytes into the durable image. At a
/// power loss every page whose cache differs from the durable image is, at random (seeded): lost, written, torn
/// (a random subset of its changed 512-byte sectors written, in any order), or zeroed (its changed bytes become
/// zeros, as an extent reserved but never written reads). Pages are treated independently, so later pages may survive where earlier ones did not (reordering).
/// Sectors are atomic: a synced byte is never damaged by a crash. Directory operations (create, rename, remove)
/// and file sizes are durable at once (a simplification: the log syncs its directory after each of them anyway).
///
/// `crashAfter(operations:)` arms a power loss at the n-th mutating operation (allocate, sync, rename, remove,
/// create); that operation and every later one fails with EIO until `reboot()`, which replaces every cache with
/// the durable image (old mappings keep their now-disconnected buffers). `spaceLimit` makes `allocate` fail with
/// ENOSPC once the files' total size would exceed it.
public final class FaultInjectingFileSystem: StateFileSystem {
    /// The page size of the model (the log aligns its syncs to the real page size; any size works here).
    public let pageSize: Int
    /// The unit of atomic writes.
    public static let sectorSize = 512
    private let mutex = Mutex(())
    // Guarded by `mutex`:
    private var files: [String: Node] = [:]
    private var directories: Set<String> = []
    private var locks: Set<String> = []
    private var random: Random
    private var operationsUntilCrash: Int?
    private var crashed = false
    private var generation = 0
    private var limit: Int?
    private var counters = Counters()

    /// What the last power loss did to unsynced pages.
    public struct Counters: Sendable, Equatable {
        public var lost = 0, written = 0, torn = 0, zeroed = 0
        public init() {}
    }

    /// Creates an empty file system whose crashes are driven by `seed`.
    public init(seed: UInt64, pageSize: Int = 4096) {
        precondition(pageSize % Self.sectorSize == 0, "page size must be a multiple of \(Self.sectorSize)")
        self.pageSize = pageSize
        random = Random(state: seed)
    }

    /// The most bytes all files together may hold, or `nil` for no limit; `allocate` beyond it fails with ENOSPC.
    public var spaceLimit: Int? {
        get { mutex.withLock { _ in limit } }
        set { mutex.withLock { _ in limit = newValue } }
    }

    /// True between a power loss and `reboot()`.
    public var isCrashed: Bool { mutex.withLock { _ in crashed } }

    /// What the last power loss did to the unsynced pages.
    public var lastCrash: Counters { mutex.withLock { _ in counters } }

    /// Arms a power loss at the `operations`-th mutating operation from now (1 = the next one).
    public func crashAfter(operations: Int) {
        precondition(operations >= 1, "crashAfter needs at least 1")
        mutex.withLock { _ in operationsUntilCrash = operations }
    }

    /// Cuts the power now (see the type's documentation).
    public func crashNow() {
        mutex.withLock { _ in powerLoss() }
    }

    /// Restarts after a power loss: caches become the durable images, handles opened before become stale.
    public func reboot() {
        mutex.withLock { _ in
            if !crashed { powerLoss() }
            crashed = false
            operationsUntilCrash = nil
            generation += 1
            locks.removeAll()
            for node in files.values {
                node.cache = PageBuffer(copying: node.durable)
            }
        }
    }

    /// The durable bytes of `path` (what a reboot would find), for tests that damage or inspect files.
    public func durableContents(_ path: String) -> [UInt8]? {
        mutex.withLock { _ in files[path]?.durable }
    }

    /// Overwrites durable and cached bytes of `path` at `offset` (a test's way of damaging the disk).
    public func damage(_ path: String, offset: Int, bytes: [UInt8]) {
        mutex.withLock { _ in
            guard let node = files[path] else { preconditionFailure("damage: no file '\(path)'") }
            precondition(offset + bytes.count <= node.durable.count, "damage past the end of '\(path)'")
            for (index, byte) in bytes.enumerated() {
                node.durable[offset + index] = byte
                node.cache.bytes[offset + index] = byte
            }
        }
    }

    // MARK: StateFileSystem

    public func createDirectory(_ path: String) throws(StateError) {
        try mutating("mkdir", path) { directories.insert(path) }
    }

    public func listDirectory(_ path: String) throws(StateError) -> [String] {
        try mutex.withLock { _ throws(StateError) in
            if crashed { throw .system(call: "opendir", path: path, errno: EIO) }
            guard directories.contains(path) else { throw .system(call: "opendir", path: path, errno: ENOENT) }
            let prefix = path + "/"
            return files.keys.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).contains("/") }
                .map { String($0.dropFirst(prefix.count)) }
        }
    }

    public func openFile(_ path: String, create: Bool) throws(StateError) -> any StateFile {
        if create {
            try mutating("open", path) {
                if files[path] == nil { files[path] = Node() }
            }
        }
        return try mutex.withLock { _ throws(StateError) -> FaultFile in
            if crashed { throw .system(call: "open", path: path, errno: EIO) }
            guard let node = files[path] else { throw .system(call: "open", path: path, errno: ENOENT) }
            return FaultFile(system: self, node: node, path: path, generation: generation)
        }
    }

    public func rename(_ from: String, to: String) throws(StateError) {
        try mutating("rename", from) { () throws(StateError) in
            guard let node = files.removeValue(forKey: from) else {
                throw .system(call: "rename", path: from, errno: ENOENT)
            }
            files[to] = node
        }
    }

    public func removeFile(_ path: String) throws(StateError) {
        try mutating("unlink", path) { files[path] = nil }
    }

    public func syncDirectory(_ path: String) throws(StateError) {
        try mutating("fsync", path) {}
    }

    public func lockExclusive(_ path: String) throws(StateError) -> (any StateFileLock)? {
        try mutex.withLock { _ throws(StateError) -> FaultLock? in
            if crashed { throw .system(call: "flock", path: path, errno: EIO) }
            if locks.contains(path) { return nil }
            locks.insert(path)
            if files[path] == nil { files[path] = Node() }
            return FaultLock(system: self, path: path, generation: generation)
        }
    }

    // MARK: Operations of files and mappings (all under the mutex)

    func size(_ file: FaultFile) throws(StateError) -> Int {
        try mutex.withLock { _ throws(StateError) in
            try check(file, "fstat")
            return file.node.durable.count
        }
    }

    func allocate(_ file: FaultFile, length: Int) throws(StateError) {
        try mutating("posix_fallocate", file.path) { () throws(StateError) in
            try check(file, "posix_fallocate")
            let node = file.node
            guard length > node.durable.count else { return }
            let total = files.values.reduce(0) { $0 + $1.durable.count }
            if let limit, total + length - node.durable.count > limit {
                throw .noSpace(path: file.path)
            }
            precondition(node.mappings == 0, "the fault model cannot grow a mapped file ('\(file.path)')")
            node.durable += [UInt8](repeating: 0, count: length - node.durable.count)
            let grown = PageBuffer(count: length)
            grown.bytes.update(from: node.cache.bytes, count: node.cache.count)
            node.cache = grown
        }
    }

    func map(_ file: FaultFile, length: Int) throws(StateError) -> FaultMapping {
        try mutex.withLock { _ throws(StateError) in
            try check(file, "mmap")
            precondition(length > 0 && length <= file.node.durable.count, "mapping past the end of '\(file.path)'")
            return FaultMapping(system: self, node: file.node, buffer: file.node.cache, length: length,
                                path: file.path, generation: generation)
        }
    }

    func sync(_ node: Node, path: String, generation handleGeneration: Int, range: Range<Int>?) throws(StateError) {
        try mutating("msync", path) { () throws(StateError) in
            if handleGeneration != generation { throw .system(call: "msync", path: path, errno: EIO) }
            let range = range ?? 0..<node.durable.count
            for index in range where node.durable[index] != node.cache.bytes[index] {
                node.durable[index] = node.cache.bytes[index]
            }
        }
    }

    func mappingReleased(_ node: Node) {
        mutex.withLock { _ in node.mappings -= 1 }
    }

    func unlock(_ path: String, generation lockGeneration: Int) {
        mutex.withLock { _ in
            if lockGeneration == generation { locks.remove(path) }
        }
    }

    /// Counts a mutating operation (cutting the power if it is the armed one), then runs `body`; with the mutex held.
    private func mutating(_ call: String, _ path: String, _ body: () throws(StateError) -> Void) throws(StateError) {
        try mutex.withLock { _ throws(StateError) in
            if crashed { throw .system(call: call, path: path, errno: EIO) }
            if let remaining = operationsUntilCrash {
                if remaining <= 1 {
                    powerLoss()
                    throw .system(call: call, path: path, errno: EIO)
                }
                operationsUntilCrash = remaining - 1
            }
            try body()
        }
    }

    private func check(_ file: FaultFile, _ call: String) throws(StateError) {
        if crashed || file.generation != generation { throw .system(call: call, path: file.path, errno: EIO) }
    }

    /// Decides the fate of every unsynced page, then refuses everything until `reboot()`. Mutex held.
    private func powerLoss() {
        crashed = true
        operationsUntilCrash = nil
        counters = Counters()
        let sector = Self.sectorSize
        for path in files.keys.sorted() {
            let node = files[path]!
            let cache = node.cache.bytes
            var page = 0
            while page < node.durable.count {
                let end = min(page + pageSize, node.durable.count)
                var changed: [Int] = []
                var start = page
                while start < end {
                    let stop = min(start + sector, end)
                    if (start..<stop).contains(where: { node.durable[$0] != cache[$0] }) { changed.append(start) }
                    start = stop
                }
                if !changed.isEmpty {
                    let fate = random.next() % 4
                    for start in changed {
                        let stop = min(start + sector, end)
                        switch fate {
                        case 0:
                            break
                        case 1:
                            for index in start..<stop { node.durable[index] = cache[index] }
                        case 2:
                            if random.next() % 2 == 0 { for index in start..<stop { node.durable[index] = cache[index] } }
                        default:
                            for index in start..<stop where node.durable[index] != cache[index] {
                                node.durable[index] = 0
                            }
                        }
                    }
                    switch fate {
                    case 0: counters.lost += 1
                    case 1: counters.written += 1
                    case 2: counters.torn += 1
                    default: counters.zeroed += 1
                    }
                }
                page = end
            }
        }
    }

    /// SplitMix64, so a seed reproduces a crash exactly.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}

/// One file of the model: its durable image and its page cache.
final class Node {
    var durable: [UInt8] = []
    var cache = PageBuffer(count: 0)
    /// Live mappings of `cache`; a mapped file cannot grow (its buffer would move).
    var mappings = 0
}

/// A fixed block of bytes at a stable address: a file's page cache, which mappings point into.
final class PageBuffer {
    let bytes: UnsafeMutablePointer<UInt8>
    let count: Int

    init(count: Int) {
        self.count = count
        bytes = .allocate(capacity: max(count, 1))
        bytes.initialize(repeating: 0, count: max(count, 1))
    }

    convenience init(copying source: [UInt8]) {
        self.init(count: source.count)
        source.withUnsafeBufferPointer { bytes.update(from: $0.baseAddress!, count: source.count) }
    }

    deinit { bytes.deallocate() }
}

/// A handle on a model file; stale (EIO) after a reboot.
final class FaultFile: StateFile {
    let system: FaultInjectingFileSystem
    let node: Node
    let path: String
    let generation: Int

    init(system: FaultInjectingFileSystem, node: Node, path: String, generation: Int) {
        self.system = system
        self.node = node
        self.path = path
        self.generation = generation
    }

    func size() throws(StateError) -> Int { try system.size(self) }
    func allocate(length: Int) throws(StateError) { try system.allocate(self, length: length) }
    func map(length: Int) throws(StateError) -> any StateMapping { try system.map(self, length: length) }
    func sync() throws(StateError) {
        try system.sync(node, path: path, generation: generation, range: nil)
    }
}

/// A "mapping": a window on the file's page cache.
final class FaultMapping: StateMapping {
    let system: FaultInjectingFileSystem
    let node: Node
    let buffer: PageBuffer
    let length: Int
    let path: String
    let generation: Int
    var base: UnsafeMutableRawPointer { UnsafeMutableRawPointer(buffer.bytes) }

    /// Called with the file system's mutex held.
    init(system: FaultInjectingFileSystem, node: Node, buffer: PageBuffer, length: Int, path: String, generation: Int) {
        self.system = system
        self.node = node
        self.buffer = buffer
        self.length = length
        self.path = path
        self.generation = generation
        node.mappings += 1
    }

    deinit { system.mappingReleased(node) }

    func sync(offset: Int, count: Int) throws(StateError) {
        precondition(offset >= 0 && count >= 0 && offset + count <= length, "msync range outside the mapping")
        try system.sync(node, path: path, generation: generation, range: offset..<(offset + count))
    }
}

/// A lock in the model; released in deinit.
final class FaultLock: StateFileLock {
    let system: FaultInjectingFileSystem
    let path: String
    let generation: Int
    init(system: FaultInjectingFileSystem, path: String, generation: Int) {
        self.system = system
        self.path = path
        self.generation = generation
    }
    deinit { system.unlock(path, generation: generation) }
}

// SAFETY: every mutable field of the file system, its Nodes and PageBuffers' *metadata* is read and written only
// with `mutex` held. The bytes of a PageBuffer are written through mappings without the mutex, as a real page
// cache is; the log writes them from its writer thread only, and syncs (which read them) run on that same thread.
extension FaultInjectingFileSystem: @unchecked Sendable {}
extension Node: @unchecked Sendable {}
extension PageBuffer: @unchecked Sendable {}
extension FaultFile: @unchecked Sendable {}
extension FaultMapping: @unchecked Sendable {}
extension FaultLock: @unchecked Sendable {}
