// StateFileSystem: the seam between the log and the disk, so tests can cut the power at any point.

/// The file operations the state log uses; `RealFileSystem` in production, `FaultInjectingFileSystem` in tests.
///
/// Records are written through memory mappings (`StateFile.map`) over space reserved first with `allocate`
/// (posix_fallocate), and made durable with `StateMapping.sync` (msync MS_SYNC). Directory changes (create,
/// rename, remove) are made durable with `syncDirectory`.
///
/// Files and mappings are classes rather than ~Copyable values because segments are shared between the writer
/// thread and readers: the reference count decides when unmapping is safe. Each releases its resource in deinit.
public protocol StateFileSystem: Sendable {
    /// Creates the directory `path` unless it exists (mkdir).
    func createDirectory(_ path: String) throws(StateError)
    /// The names (not paths) of the entries of the directory `path`, without "." and "..".
    func listDirectory(_ path: String) throws(StateError) -> [String]
    /// Opens `path` for reading and writing; creates it (empty) if `create` and it does not exist.
    func openFile(_ path: String, create: Bool) throws(StateError) -> any StateFile
    /// Renames `from` to `to`, replacing `to` (rename).
    func rename(_ from: String, to: String) throws(StateError)
    /// Removes the file `path` (unlink).
    func removeFile(_ path: String) throws(StateError)
    /// Makes the directory's entries durable (fsync on the directory).
    func syncDirectory(_ path: String) throws(StateError)
    /// Takes an exclusive lock on `path` (created if missing) without waiting: flock(LOCK_EX | LOCK_NB).
    ///
    /// - Returns: the held lock, released when the object goes away; `nil` if someone else holds it.
    func lockExclusive(_ path: String) throws(StateError) -> (any StateFileLock)?
}

/// An open file, closed when the object goes away.
public protocol StateFile: AnyObject, Sendable {
    /// The path it was opened with.
    var path: String { get }
    /// The file's size in bytes (fstat).
    func size() throws(StateError) -> Int
    /// Reserves disk space for bytes `0..<length`, growing the file if needed (posix_fallocate); fails cleanly
    /// with `.noSpace` on a full disk, where writing into an unreserved mapped page would raise SIGBUS instead.
    func allocate(length: Int) throws(StateError)
    /// Maps bytes `0..<length` (at most the file's size) shared, readable and writable (mmap MAP_SHARED).
    func map(length: Int) throws(StateError) -> any StateMapping
    /// Makes the file's data durable (fdatasync).
    func sync() throws(StateError)
}

/// A shared writable mapping of a file, unmapped when the object goes away.
public protocol StateMapping: AnyObject, Sendable {
    /// The first mapped byte; valid for `length` bytes while the object lives.
    var base: UnsafeMutableRawPointer { get }
    /// The number of mapped bytes.
    var length: Int { get }
    /// Makes bytes `offset..<offset + count` durable (msync MS_SYNC over the page-aligned range covering them).
    func sync(offset: Int, count: Int) throws(StateError)
    /// Drops the pages of `offset..<offset + count` from the process's resident set (their contents stay in the
    /// file; a later access reads them back). Advisory: for memory accounting only.
    func release(offset: Int, count: Int)
}

extension StateMapping {
    public func release(offset: Int, count: Int) {}
}

/// A held exclusive lock, released when the object goes away.
public protocol StateFileLock: AnyObject, Sendable {}
