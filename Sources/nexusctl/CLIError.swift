import Glibc

/// A failed operation, printed as `Error: <what failed>: <why>.` (or `Error: <what>.` when `why` is empty) and a
/// hint line on stderr; exit 1.
struct CLIError: Error {
    var what: String
    var why: String
    var hint: String?

    /// The text for stderr, ending in a newline.
    var message: String {
        var s: String
        if why.isEmpty {
            s = "Error: \(what.hasSuffix(".") ? what : what + ".")\n"
        } else {
            s = "Error: \(what): \(why.hasSuffix(".") ? why : why + ".")\n"
        }
        if let hint { s += "Hint: \(hint)\n" }
        return s
    }
}

/// Standard output and standard error, written straight with write(2) (no buffering surprises at exit).
enum Console {
    static func out(_ s: String) { write(1, s) }
    static func err(_ s: String) { write(2, s) }

    private static func write(_ fd: Int32, _ s: String) {
        var s = s
        s.withUTF8 { buf in
            var offset = 0
            while offset < buf.count {
                let n = Glibc.write(fd, buf.baseAddress! + offset, buf.count - offset)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return }
                offset += n
            }
        }
    }
}
