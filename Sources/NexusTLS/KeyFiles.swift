import Glibc
import NexusConfig

/// Checks on the files a TLS context is built from, before OpenSSL reads them: they exist and can be read, and a
/// private key is not readable by other users (as sshd refuses an unprotected key).
enum KeyFiles {
    /// Throws unless `file` can be opened for reading.
    static func checkReadable(_ file: FileSetting, what: String) throws(ConfigError) {
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw file.origin.error("cannot read the \(what) \(file.path): \(String(cString: strerror(errno)))")
        }
        Glibc.close(fd)
    }

    /// Throws if the key file can be read or written by users other than its owner and group.
    static func checkPrivate(_ file: FileSetting, what: String = "key file") throws(ConfigError) {
        try checkReadable(file, what: what)
        var st = stat()
        guard stat(file.path, &st) == 0 else {
            throw file.origin.error("cannot stat the \(what) \(file.path): \(String(cString: strerror(errno)))")
        }
        let mode = st.st_mode & 0o777
        if mode & 0o007 != 0 {
            let octal = String(mode, radix: 8)
            throw file.origin.error("the \(what) \(file.path) is readable by other users (mode 0\(octal)); "
                                    + "refusing it: run chmod 600 \(file.path) (or 640 with a group nexusd is in)")
        }
    }

    /// The whole file (for OCSP responses; small), or throws.
    static func read(_ file: FileSetting, what: String, limit: Int = 1 << 20) throws(ConfigError) -> [UInt8] {
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw file.origin.error("cannot read the \(what) \(file.path): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw file.origin.error("cannot read the \(what) \(file.path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { throw file.origin.error("the \(what) \(file.path) is larger than \(limit) bytes") }
        }
    }
}

/// A small secret file (a bearer token, say): readable, not readable by other users, at most 64 KiB; its content
/// without surrounding white space. Errors name the file and the setting, never the content.
public enum SecretFile {
    public static func read(_ file: FileSetting, what: String) throws(ConfigError) -> String {
        try KeyFiles.checkPrivate(file, what: what)
        let bytes = try KeyFiles.read(file, what: what, limit: 64 << 10)
        var text = Substring(String(decoding: bytes, as: UTF8.self))
        while let c = text.first, c.isWhitespace { text = text.dropFirst() }
        while let c = text.last, c.isWhitespace { text = text.dropLast() }
        guard !text.isEmpty else { throw file.origin.error("the \(what) \(file.path) is empty") }
        guard text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw file.origin.error("the \(what) \(file.path) holds characters a header field cannot carry")
        }
        return String(text)
    }
}
