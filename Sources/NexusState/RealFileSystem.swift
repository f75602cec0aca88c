// RealFileSystem: StateFileSystem over Linux system calls (open, posix_fallocate, mmap, msync, flock).
import Glibc

/// The production file system: plain Linux system calls.
public struct RealFileSystem: StateFileSystem {
    public init() {}

    public func createDirectory(_ path: String) throws(StateError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw .fromErrno("mkdir", path: path, errno: errno)
        }
    }

    public func listDirectory(_ path: String) throws(StateError) -> [String] {
        guard let directory = opendir(path) else { throw .fromErrno("opendir", path: path, errno: errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    public func openFile(_ path: String, create: Bool) throws(StateError) -> any StateFile {
        let flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw .fromErrno("open", path: path, errno: errno) }
        return RealFile(fd: fd, path: path)
    }

    public func rename(_ from: String, to: String) throws(StateError) {
        if Glibc.rename(from, to) != 0 { throw .fromErrno("rename", path: from, errno: errno) }
    }

    public func removeFile(_ path: String) throws(StateError) {
        if unlink(path) != 0 && errno != ENOENT { throw .fromErrno("unlink", path: path, errno: errno) }
    }

    public func syncDirectory(_ path: String) throws(StateError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .fromErrno("open", path: path, errno: errno) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw .fromErrno("fsync", path: path, errno: errno) }
    }

    public func lockExclusive(_ path: String) throws(StateError) -> (any StateFileLock)? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .fromErrno("open", path: path, errno: errno) }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            close(fd)
            if code == EWOULDBLOCK { return nil }
            throw .fromErrno("flock", path: path, errno: code)
        }
        return RealFileLock(fd: fd)
    }
}

/// An open descriptor; closed in deinit.
final class RealFile: StateFile {
    let fd: Int32
    let path: String

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    func size() throws(StateError) -> Int {
        var info = stat()
        if fstat(fd, &info) != 0 { throw .fromErrno("fstat", path: path, errno: errno) }
        return Int(info.st_size)
    }

    func allocate(length: Int) throws(StateError) {
        // posix_fallocate returns the error number instead of setting errno.
        var code: Int32
        repeat { code = posix_fallocate(fd, 0, off_t(length)) } while code == EINTR
        if code != 0 { throw .fromErrno("posix_fallocate", path: path, errno: code) }
    }

    func map(length: Int) throws(StateError) -> any StateMapping {
        precondition(length > 0, "mapping an empty range of '\(path)'")
        let address = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let address, address != MAP_FAILED else { throw .fromErrno("mmap", path: path, errno: errno) }
        return RealMapping(base: address, length: length, path: path)
    }

    func sync() throws(StateError) {
        if fdatasync(fd) != 0 { throw .fromErrno("fdatasync", path: path, errno: errno) }
    }
}

/// An mmap'd range; unmapped in deinit.
final class RealMapping: StateMapping {
    let base: UnsafeMutableRawPointer
    let length: Int
    let path: String
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    init(base: UnsafeMutableRawPointer, length: Int, path: String) {
        self.base = base
        self.length = length
        self.path = path
    }

    deinit { munmap(base, length) }

    /// madvise(MADV_DONTNEED) on a shared file mapping only unmaps the pages: the data stays in the file.
    func release(offset: Int, count: Int) {
        let start = (offset + Self.pageSize - 1) & ~(Self.pageSize - 1)
        let end = min(length, offset + count) & ~(Self.pageSize - 1)
        if end > start { _ = madvise(base + start, end - start, MADV_DONTNEED) }
    }

    func sync(offset: Int, count: Int) throws(StateError) {
        precondition(offset >= 0 && count >= 0 && offset + count <= length, "msync range outside the mapping")
        guard count > 0 else { return }
        // msync needs a page-aligned address (EINVAL otherwise).
        let start = offset & ~(Self.pageSize - 1)
        if msync(base + start, offset + count - start, MS_SYNC) != 0 {
            throw .fromErrno("msync", path: path, errno: errno)
        }
    }
}

/// A descriptor holding flock(LOCK_EX); closing it releases the lock.
final class RealFileLock: StateFileLock {
    let fd: Int32
    init(fd: Int32) { self.fd = fd }
    deinit { close(fd) }
}

// SAFETY: RealFile, RealMapping and RealFileLock hold only immutable values (a descriptor, an address); the kernel
// serializes the system calls made on them from several threads.
extension RealFile: @unchecked Sendable {}
extension RealMapping: @unchecked Sendable {}
extension RealFileLock: @unchecked Sendable {}
