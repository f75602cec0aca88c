import NexusBytes
import NexusTLS

/// TLS between the socket's bytes and the engine: ciphertext received is decrypted into `input` (or, on an upstream
/// connection, handed to the proxy path as plaintext); the plaintext `outbox` is encrypted into `out` by `seal`,
/// which the drivers call when they would otherwise move the outbox to `out`. The rest of the engine only ever
/// sees plaintext. Everything happens on the connection's loop, through memory BIOs: OpenSSL never touches a
/// descriptor.
extension HTTPEngine {
    /// Whether listener `index` terminates TLS.
    func isTLSListener(_ index: Int) -> Bool { index < listenerTLS.count && listenerTLS[index] != nil }

    /// Ciphertext arrived on a TLS connection.
    func receivedTLS(_ c: Connection, _ tls: TLSStream, _ bytes: UnsafeRawBufferPointer) {
        let wasComplete = tls.handshakeComplete
        let outcome = tls.receive(bytes, into: c.role == .upstream ? tlsPlaintext : c.input)
        if !wasComplete && tls.handshakeComplete {
            tlsHandshakes &+= 1
            if tls.resumed { tlsResumed &+= 1 }
            if c.role == .upstream { touch(c) } // the request waiting in the outbox can go now
        }
        if outcome == .failed {
            tlsFailed(c, tls)
            return
        }
        if c.role == .upstream {
            if tls.handshakeComplete, let state = c.upstreamState, let session = tls.newSession() {
                // TLS 1.3 tickets arrive after the handshake, possibly several: the latest is kept.
                state.tlsSessions[c.backendIndex] = session
            }
            if !tlsPlaintext.isEmpty {
                upstreamReceived(c, tlsPlaintext.readable)
                tlsPlaintext.clear()
            }
        } else if !c.input.isEmpty {
            process(c)
        }
        if outcome == .closed {
            peerClosed(c)
            c.tlsEOF = true
        }
    }

    /// An upstream connection is connected: start its handshake (the ClientHello goes out when it is settled).
    func startTLSHandshake(_ u: Connection) {
        guard let tls = u.tls else { return }
        if tls.handshake() == .failed { tlsFailed(u, tls) }
    }

    /// The handshake or a record failed: a client gets the alert (if any) and the connection closes; an
    /// exchange waiting on an upstream connection gets a 502 naming the reason (retried on another backend
    /// first when that is allowed).
    private func tlsFailed(_ c: Connection, _ tls: TLSStream) {
        let reason = tls.failure ?? "the TLS connection failed"
        if c.role == .upstream {
            let detail = tls.handshakeComplete
                ? "the TLS connection to the backend failed: \(reason)"
                : "the TLS handshake with the backend failed: \(reason)"
            upstreamFailed(c, status: 502, detail: detail)
            return
        }
        if c.role == .client { metrics.tlsFailures &+= 1 }
        tlsLog?(c, reason)
        c.input.clear()
        if tls.hasOutput {
            c.closeAfterFlush = true // send the alert, then close
            touch(c)
        } else {
            c.abort = true
        }
    }

    /// Encrypts what the engine queued in the plaintext outbox into `out`, with the handshake's and the alerts'
    /// own records, and queues close_notify once the last response is sealed. Call only while no send is in
    /// flight (the kernel may be reading `out`). No-op on a plain connection.
    func seal(_ c: Connection) {
        guard let tls = c.tls else { return }
        if tls.handshakeComplete && !c.outbox.isEmpty && !tls.write(c.outbox, into: c.out) {
            c.abort = true
            return
        }
        if c.outbox.isEmpty && ((c.closeAfterFlush && c.phase != .proxy) || c.halfCloseAfterFlush) { tls.close() }
        tls.drain(into: c.out)
    }
}
