import Glibc
import NexusConfig
import NexusCrypto

/// The server secret that API keys are HMACed with (`auth.secret_file`, default `secret` in the state folder).
enum ServerSecret {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        var hint: String
    }

    /// Reads the secret; when the default file does not exist, makes it (32 random bytes, mode 0600). A file that
    /// group or others may read, or shorter than 32 bytes, is refused.
    static func load(_ auth: AuthConfig?, configFile: String, stateFolder: String) -> Result<[UInt8], Failure> {
        let path = auth?.secretFile.map { AdminSetup.resolve($0, relativeTo: configFile) } ?? stateFolder + "/secret"
        var st = stat()
        if stat(path, &st) != 0 {
            guard errno == ENOENT, auth?.secretFile == nil else {
                return .failure(Failure(description: "cannot read the server secret \(path): \(String(cString: strerror(errno)))",
                                        hint: "create it with 32 or more random bytes, mode 0600, owned by the nexus user (head -c 32 /dev/urandom > FILE)"))
            }
            return create(path)
        }
        guard st.st_mode & 0o077 == 0 else {
            return .failure(Failure(description: "the server secret \(path) can be read by others (mode \(String(st.st_mode & 0o777, radix: 8)))",
                                    hint: "chmod 600 \(path): the secret must be readable only by nexusd"))
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            return .failure(Failure(description: "cannot read the server secret \(path): \(String(cString: strerror(errno)))",
                                    hint: "the file must be readable by the user nexusd runs as"))
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 4096)
        let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard n >= 32 else {
            return .failure(Failure(description: "the server secret \(path) has \(max(0, n)) bytes; it needs at least 32",
                                    hint: "fill it with random bytes: head -c 32 /dev/urandom > \(path)"))
        }
        return .success(Array(bytes[0..<n]))
    }

    private static func create(_ path: String) -> Result<[UInt8], Failure> {
        let secret = SecureRandom.bytes(32)
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            return .failure(Failure(description: "cannot create the server secret \(path): \(String(cString: strerror(errno)))",
                                    hint: "check the state folder's permissions"))
        }
        defer { close(fd) }
        let written = secret.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == 32, fsync(fd) == 0 else {
            unlink(path)
            return .failure(Failure(description: "cannot write the server secret \(path): \(String(cString: strerror(errno)))",
                                    hint: "check the free space of the state folder"))
        }
        return .success(secret)
    }
}
