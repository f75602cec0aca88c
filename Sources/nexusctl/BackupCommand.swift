import ArgumentParser
import Glibc
import NexusAdminModel

/// `nexusctl backup FILE`: a consistent copy of nexusd's state, taken while it serves.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup", abstract: "Write a consistent backup of nexusd's state to FILE (while it serves).",
        discussion: """
            The backup holds consumers, API key hashes, runtime routes and usage counters as of one moment: every \
            change acknowledged before the command began is in it. The audit log is not (copy its folder). FILE is \
            written with mode 0600 (it holds key hashes), through a temporary file, and synced; an existing FILE is \
            kept unless --force.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Where to write the backup.", valueName: "FILE"))
    var file: String

    @Flag(name: .long, help: "Overwrite FILE if it exists.")
    var force = false

    func run() throws {
        try perform { () throws(CLIError) in
            if !force && access(file, F_OK) == 0 {
                throw CLIError(what: "cannot write the backup to \(file)", why: "the file exists",
                               hint: "choose another FILE, or add --force to overwrite it.")
            }
            let bytes = try global.client.callBinary(AdminAPI.stateBackup)
            try LocalFile.writeDurably(file, bytes, mode: 0o600)
            let summary = BackupSummary(file: file, bytes: bytes.count)
            try Render.emit(summary, global.output) { [("file", [file]), ("bytes", ["\(bytes.count)"])] }
        }
    }
}

struct BackupSummary: Codable {
    var file: String
    var bytes: Int
}

/// `nexusctl restore FILE`: replaces nexusd's whole state with a backup's.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Replace nexusd's whole state with a backup (needs --yes).",
        discussion: """
            nexusd checks the whole file first (format, checksums) and changes nothing if it is not a valid backup. \
            Consumers, API keys, runtime routes and usage counters are replaced; the runtime routes are in force when \
            the command returns. The audit log is kept, and records the restore.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The backup file.", valueName: "FILE"))
    var file: String

    @Flag(name: .long, help: "Confirm that the current state is to be replaced.")
    var yes = false

    func run() throws {
        try perform { () throws(CLIError) in
            guard yes else {
                throw CLIError(what: "not restoring", why: "a restore replaces every consumer, key and runtime route",
                               hint: "take a backup of the current state first, then add --yes.")
            }
            let bytes = try LocalFile.read(file)
            let r = try global.client.call(AdminAPI.stateRestore, body: bytes, as: RestoreResponse.self, contentType: "application/octet-stream") { p in
                switch p.status {
                case 400: return CLIError(what: "cannot restore from \(file)", why: p.detail, hint: "use a file written by 'nexusctl backup'.")
                case 507: return CLIError(what: "cannot restore from \(file)", why: p.detail, hint: "free space on nexusd's state disk, then try again.")
                default: return nil
                }
            }
            try Render.emit(r, global.output) {
                [("records", ["\(r.records)"]), ("consumers", ["\(r.consumers)"]), ("keys", ["\(r.keys)"]),
                 ("runtime_routes", ["\(r.runtimeRoutes)"])]
            }
        }
    }
}

/// Reading and durably writing local files.
enum LocalFile {
    static func read(_ path: String) throws(CLIError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CLIError(what: "cannot read \(path)", why: String(cString: strerror(errno)), hint: nil) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                out += chunk[0..<n]
                if out.count > 256 << 20 { throw CLIError(what: "cannot read \(path)", why: "it is larger than 256 MiB", hint: nil) }
                continue
            }
            if n == 0 { return out }
            if errno == EINTR { continue }
            throw CLIError(what: "cannot read \(path)", why: String(cString: strerror(errno)), hint: nil)
        }
    }

    /// Writes `path.tmp`, syncs it, renames it to `path`, syncs the folder.
    static func writeDurably(_ path: String, _ bytes: [UInt8], mode: mode_t) throws(CLIError) {
        let temporary = path + ".tmp"
        func failure(_ what: String) -> CLIError {
            CLIError(what: "cannot write \(path)", why: "\(what): \(String(cString: strerror(errno)))", hint: nil)
        }
        // A stale temporary file (or a symlink planted there) is removed, never reused: O_EXCL | O_NOFOLLOW, then
        // the mode is set explicitly, whatever the umask.
        if unlink(temporary) != 0 && errno != ENOENT { throw failure("remove the stale \(temporary)") }
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure("open \(temporary)") }
        guard fchmod(fd, mode) == 0 else { let e = failure("chmod"); close(fd); unlink(temporary); throw e }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 { offset += n; continue }
            if n < 0 && errno == EINTR { continue }
            let e = failure("write")
            close(fd); unlink(temporary)
            throw e
        }
        guard fsync(fd) == 0 else { let e = failure("fsync"); close(fd); unlink(temporary); throw e }
        close(fd)
        guard rename(temporary, path) == 0 else { let e = failure("rename"); unlink(temporary); throw e }
        var folder = String(path.prefix(upTo: path.lastIndex(of: "/") ?? path.startIndex))
        if folder.isEmpty { folder = path.hasPrefix("/") ? "/" : "." }
        let dfd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}
