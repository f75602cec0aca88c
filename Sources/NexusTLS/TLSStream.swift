import CNexusTLS
import COpenSSL
import NexusBytes

/// The TLS state of one connection over two memory BIOs: ciphertext from the socket goes in with `receive`,
/// plaintext comes out into the connection's input; plaintext written with `write` and the handshake's own
/// messages come out as ciphertext with `drain`. It never touches a descriptor, so it works the same under
/// io_uring, epoll or a blocking socket. Owned by the connection's loop.
public final class TLSStream {
    private let ssl: OpaquePointer
    private let rbio: OpaquePointer
    private let wbio: OpaquePointer
    /// The handshake finished (and, on a client, the peer's certificate was verified when asked).
    public private(set) var handshakeComplete = false
    /// close_notify was queued.
    public private(set) var closeNotifySent = false
    /// Why the stream failed; nil while it is healthy.
    public private(set) var failure: String?
    /// The verified subject of the peer's certificate (RFC 2253), when the peer presented one that was verified.
    public private(set) var peerSubject: String?
    /// The session `session()` last looked at, with a reference held.
    private var lastSession: OpaquePointer?
    /// The session was resumed from a ticket.
    public var resumed: Bool { nexus_tls_ssl_session_reused(ssl) == 1 }

    /// What a `receive` produced.
    public enum Outcome: Equatable {
        /// Fine: plaintext may have been appended, output may be waiting.
        case ok
        /// The peer sent close_notify: no more plaintext will come.
        case closed
        /// A fatal error (the alert, if any, is waiting in the output); see `failure`.
        case failed
    }

    private init?(ctx: OpaquePointer) {
        guard let ssl = SSL_new(ctx) else { return nil }
        guard let r = BIO_new(BIO_s_mem()), let w = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            return nil
        }
        nexus_tls_bio_retry_when_empty(r)
        nexus_tls_bio_retry_when_empty(w)
        SSL_set_bio(ssl, r, w) // the SSL owns both BIOs now
        self.ssl = ssl
        rbio = r
        wbio = w
    }

    /// The server side of a connection accepted on a TLS listener. Nil if OpenSSL is out of memory.
    public convenience init?(server: TLSServerContext) {
        self.init(ctx: server.defaultContext)
        SSL_set_accept_state(ssl)
    }

    /// The client side of a connection to `host` (a name is sent as SNI and verified; an IP address is verified
    /// against the certificate's IP entries). Nil if OpenSSL is out of memory.
    public convenience init?(client: TLSClientContext, host: String, isIPAddress: Bool) {
        self.init(ctx: client.context)
        SSL_set_connect_state(ssl)
        _ = nexus_tls_ssl_offer_http11(ssl)
        let name = client.serverName ?? host
        let nameIsIP = client.serverName == nil && isIPAddress
        if !nameIsIP { _ = nexus_tls_ssl_set_host_name(ssl, name) }
        if client.verify {
            if nameIsIP {
                _ = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name)
            } else {
                _ = SSL_set1_host(ssl, name)
            }
        }
    }

    deinit {
        if let s = lastSession { SSL_SESSION_free(s) }
        SSL_free(ssl)
    }

    /// Ciphertext is waiting to be sent.
    public var hasOutput: Bool { BIO_ctrl_pending(wbio) > 0 }

    /// Runs the handshake as far as it goes without more input (a client's first call sends its ClientHello).
    public func handshake() -> Outcome {
        guard failure == nil else { return .failed }
        if handshakeComplete { return .ok }
        let r = SSL_do_handshake(ssl)
        if r == 1 {
            handshakeDone()
            return .ok
        }
        return classify(r)
    }

    /// Takes ciphertext from the socket and appends the plaintext it completes to `plaintext`.
    public func receive(_ bytes: UnsafeRawBufferPointer, into plaintext: ByteBuffer) -> Outcome {
        guard failure == nil else { return .failed }
        var offset = 0
        while offset < bytes.count {
            let n = BIO_write(rbio, bytes.baseAddress! + offset, Int32(clamping: bytes.count - offset))
            if n <= 0 { return fail("out of memory buffering received TLS records") }
            offset += Int(n)
        }
        if !handshakeComplete {
            let outcome = handshake()
            if !handshakeComplete { return outcome }
        }
        while true {
            // Plaintext is never longer than the ciphertext it comes from.
            let want = max(Int(SSL_pending(ssl)), Int(BIO_ctrl_pending(rbio)))
            if want == 0 { return .ok }
            plaintext.reserveWritable(min(want, 64 * 1024))
            let space = plaintext.writable
            var read = 0
            let r = SSL_read_ex(ssl, space.baseAddress, space.count, &read)
            if r == 1 {
                plaintext.commitWritten(read)
                continue
            }
            return classify(r)
        }
    }

    /// Encrypts all of `plaintext` into `out` (with whatever ciphertext was already waiting) and empties it,
    /// a record at a time, so the output BIO never holds more than one record however large the response.
    /// Returns false (see `failure`) on an error. Call only once the handshake is complete.
    @discardableResult
    public func write(_ plaintext: ByteBuffer, into out: ByteBuffer) -> Bool {
        guard failure == nil else { return false }
        drain(into: out)
        while !plaintext.isEmpty {
            let bytes = plaintext.readable
            var written = 0
            let r = SSL_write_ex(ssl, bytes.baseAddress, min(bytes.count, Self.recordSize), &written)
            if r != 1 {
                _ = classify(Int32(r))
                return false
            }
            plaintext.consume(written)
            drain(into: out)
        }
        return true
    }

    /// The most plaintext a TLS record carries.
    static let recordSize = 16 * 1024

    /// Queues close_notify (once).
    public func close() {
        guard !closeNotifySent, handshakeComplete, failure == nil else { return }
        closeNotifySent = true
        _ = SSL_shutdown(ssl)
        OpenSSLError.clear()
    }

    /// Moves the ciphertext waiting in the output to `out`.
    public func drain(into out: ByteBuffer) {
        while true {
            let pending = Int(BIO_ctrl_pending(wbio))
            if pending == 0 { return }
            out.reserveWritable(pending)
            let space = out.writable
            let n = BIO_read(wbio, space.baseAddress, Int32(clamping: min(pending, space.count)))
            if n <= 0 { return }
            out.commitWritten(Int(n))
        }
    }

    /// The session of a finished handshake, to resume a later connection to the same server with.
    public func session() -> TLSSession? {
        guard handshakeComplete, let s = SSL_get1_session(ssl) else { return nil }
        // Held (not just remembered): a freed session's address could come back for the next one, and
        // `newSession` would then miss it.
        if let old = lastSession { SSL_SESSION_free(old) }
        lastSession = s
        // A TLS 1.3 session is resumable only once a ticket has arrived (after the handshake); before that it
        // looks resumable because of the legacy session id the server echoes (middlebox compatibility).
        let usable = SSL_SESSION_has_ticket(s) == 1
            || (SSL_SESSION_get_protocol_version(s) < nexus_tls_version_1_3() && SSL_SESSION_is_resumable(s) == 1)
        // A copy: OpenSSL marks a connection's own session not resumable when the connection is freed without
        // close_notify (an idle pooled connection closed by us), which would spoil the one kept here.
        guard usable, let copy = SSL_SESSION_dup(s) else { return nil }
        return TLSSession(copy)
    }

    /// A resumable session that arrived since the last call (a TLS 1.3 server may send several tickets, each a
    /// new session; the latest is the one to keep), or nil.
    public func newSession() -> TLSSession? {
        guard handshakeComplete, let current = SSL_get_session(ssl), current != lastSession else { return nil }
        return session()
    }

    /// Offers `session` for resumption (call before the handshake starts).
    public func resume(_ session: TLSSession) {
        _ = SSL_set_session(ssl, session.pointer)
    }

    // MARK: Private

    private func handshakeDone() {
        handshakeComplete = true
        if SSL_get_verify_result(ssl) == Int(X509_V_OK) {
            var buffer = [UInt8](repeating: 0, count: 512)
            let n = buffer.withUnsafeMutableBytes {
                nexus_tls_peer_subject(ssl, $0.baseAddress!.assumingMemoryBound(to: CChar.self), $0.count)
            }
            if n >= 0 { peerSubject = String(decoding: buffer[0..<Int(n)], as: UTF8.self) }
        }
    }

    private func classify(_ r: Int32) -> Outcome {
        switch SSL_get_error(ssl, r) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return .ok
        case SSL_ERROR_ZERO_RETURN:
            OpenSSLError.clear()
            return .closed
        default:
            let verify = SSL_get_verify_result(ssl)
            var reason = OpenSSLError.drain()
            if verify != Int(X509_V_OK), let text = X509_verify_cert_error_string(verify) {
                reason = "certificate verify failed: \(String(cString: text))"
            }
            return fail(reason.isEmpty ? "the TLS connection failed" : reason)
        }
    }

    private func fail(_ reason: String) -> Outcome {
        failure = reason
        return .failed
    }
}

/// A TLS session a client may resume.
///
/// SAFETY (`@unchecked Sendable`): an SSL_SESSION is reference counted with atomics and not changed once a
/// handshake has finished.
public final class TLSSession: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { SSL_SESSION_free(pointer) }
}
