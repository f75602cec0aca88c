import COpenSSL

/// The OpenSSL error queue of the calling thread, as text for a message.
enum OpenSSLError {
    /// The reasons queued since the last call (most recent last), and clears the queue. "" when it is empty.
    static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if let r = ERR_reason_error_string(code) {
                let text = String(cString: r)
                if !reasons.contains(text) { reasons.append(text) }
            } else {
                reasons.append("error \(code)")
            }
        }
        return reasons.joined(separator: "; ")
    }

    /// Clears the queue.
    static func clear() { ERR_clear_error() }
}
