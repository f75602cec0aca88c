import NexusAuth
import NexusConfig
import NexusHTTP1
import NexusSystem

/// Access control on the request path, in this order (docs/configuration.md, "Authentication and limits"):
/// 1. lockout of the client address; 2. credentials (401); 3. scopes (403); 4. the route's `ip` limit, 5. its
/// `route` limit, 6. the consumer's plan rate, 7. the route's `consumer` limit, 8. the consumer's daily and 9.
/// monthly quota (429). A request rejected at any step gives back what the earlier steps charged, and a rejected
/// request never uses up an allowance. No lock: the tables are shared atomics, the key cache is the loop's own.
extension HTTPEngine {
    /// Checks the request in `c` against `access`; returns false when it answered it (401, 403 or 429).
    /// `challenge`: auth-params added to the Bearer challenge of a 401 or 403 (the workflow channels name their
    /// RFC 9728 metadata there: `resource_metadata="..."`).
    func admit(_ c: Connection, _ access: RouteAccess, headBytes: UnsafeRawBufferPointer, challenge: String? = nil) -> Bool {
        let extra = challenge.map { ", " + $0 } ?? ""
        c.principal = nil
        c.rateLimitFields.removeAll(keepingCapacity: true)
        let control = settings.access
        let now = Clock.monotonicNanoseconds() / 1000
        var address: [UInt8]?
        func clientAddress() -> [UInt8] {
            if let address { return address }
            let a = ClientAddress.of(c, trusted: control?.trustedProxies ?? [], headBytes: headBytes)
            address = a
            return a
        }

        // 1. Lockout.
        if let locked = control?.lockedUntil {
            let h = ClientAddress.hash(clientAddress(), seed: 1)
            let until = locked.tat(hash: h)
            if until > now {
                reject(c, status: 429, title: "Too Many Requests", detail: "too many failed authentications from this address",
                       fields: [("Retry-After", "\(GCRATable.seconds(until - now))")])
                return false
            }
        }

        // 2, 3. Credentials and scopes.
        var principal: Principal?
        // A route whose credentials are optional (the workflow endpoints: each workflow says whether it needs them)
        // lets a request without any go on anonymous; one that presents credentials has them checked.
        let presented = access.anonymous || control == nil ? nil : presentedKey(c, headers: control!.keyHeaders, headBytes: headBytes)
        let byCertificate = presented == nil && control?.clientCertificates == true && !access.anonymous
            ? c.clientCertificateSubject.flatMap { credentials.principal(certificateSubject: $0) } : nil
        if !access.anonymous, let control, !access.credentialsOptional || presented != nil || byCertificate != nil {
            let key = presented
            // A verified client certificate stands in for a key when the request presents none.
            guard key != nil || byCertificate != nil else {
                reject(c, status: 401, title: "Unauthorized", detail: "this route needs an API key",
                       fields: [("WWW-Authenticate", "Bearer realm=\"nexus\"" + extra)])
                return false
            }
            let found = byCertificate ?? keyCache.resolve(key!, in: credentials)
            if found == nil || (found!.expiresAt.map { $0 <= Clock.unixSeconds() } ?? false) {
                // One answer for unknown, expired and revoked keys: never reveal whether a key exists.
                noteFailedAuthentication(control, clientAddress(), now: now)
                usage.countFailure(slot: c.routeSlot, address: clientAddress())
                reject(c, status: 401, title: "Unauthorized", detail: "the credentials are not valid",
                       fields: [("WWW-Authenticate", "Bearer realm=\"nexus\", error=\"invalid_token\", error_description=\"the credentials are not valid\"" + extra)])
                return false
            }
            principal = found
            if !found!.allows(access.scopes) {
                let scope = access.scopes.joined(separator: " ")
                reject(c, status: 403, title: "Forbidden", detail: "the credentials lack a scope this route requires: \(scope)",
                       fields: [("WWW-Authenticate", "Bearer realm=\"nexus\", error=\"insufficient_scope\", scope=\"\(scope)\"" + extra)])
                return false
            }
        }
        c.principal = principal

        // 4-7. Rate limits; 8, 9. quotas.
        var charged: [(GCRATable, UInt64, Bool)] = []
        func check(_ table: GCRATable, _ hash: UInt64, dense: Bool, name: String) -> Bool {
            let o = table.check(hash: hash, now: now, dense: dense)
            let policy = "\"\(name)\";q=\(table.limit.rate);w=\(table.limit.periodSeconds)"
            if !o.admitted {
                for (t, h, d) in charged.reversed() { t.refund(hash: h, now: now, dense: d) }
                c.rateLimitFields.append(("RateLimit-Policy", policy))
                c.rateLimitFields.append(("RateLimit", "\"\(name)\";r=0;t=\(o.resetSeconds)"))
                rejectLimited(c, policy: name, retryAfter: o.retryAfterSeconds)
                return false
            }
            charged.append((table, hash, dense))
            c.rateLimitFields.append(("RateLimit-Policy", policy))
            c.rateLimitFields.append(("RateLimit", "\"\(name)\";r=\(o.remaining);t=\(o.resetSeconds)"))
            return true
        }
        for limit in access.limits where limit.per == .ip {
            if !check(limit.table, ClientAddress.hash(clientAddress(), seed: 2), dense: false, name: limit.name) { return false }
        }
        for limit in access.limits where limit.per == .route {
            if !check(limit.table, 0, dense: true, name: limit.name) { return false }
        }
        if let principal, let plan = principal.plan, let table = control?.planTables[plan.name] {
            if !check(table, UInt64(principal.index), dense: true, name: "consumer") { return false }
        }
        if let principal {
            for limit in access.limits where limit.per == .consumer {
                if !check(limit.table, ClientAddress.hash(Array(principal.consumer.utf8), seed: 3), dense: false, name: limit.name) { return false }
            }
            if let plan = principal.plan, let control, plan.quotaPerDay != nil || plan.quotaPerMonth != nil {
                let unix = Clock.unixSeconds()
                if let rejection = control.quotas.take(principal.index, dayLimit: plan.quotaPerDay, monthLimit: plan.quotaPerMonth, now: unix) {
                    for (t, h, d) in charged.reversed() { t.refund(hash: h, now: now, dense: d) }
                    let (name, limit, reset, window) = switch rejection {
                    case .day(let l, let r): ("day", l, r, 86_400)
                    case .month(let l, let r): ("month", l, r, 2_592_000)
                    }
                    c.rateLimitFields.append(("RateLimit-Policy", "\"\(name)\";q=\(limit);w=\(window)"))
                    c.rateLimitFields.append(("RateLimit", "\"\(name)\";r=0;t=\(reset)"))
                    rejectLimited(c, policy: name, retryAfter: reset)
                    return false
                }
                let used = control.quotas.used(principal.index, now: unix)
                if let d = plan.quotaPerDay {
                    c.rateLimitFields.append(("RateLimit-Policy", "\"day\";q=\(d);w=86400"))
                    c.rateLimitFields.append(("RateLimit", "\"day\";r=\(max(0, d - used.day));t=\(86_400 - unix % 86_400)"))
                }
                if let m = plan.quotaPerMonth {
                    c.rateLimitFields.append(("RateLimit-Policy", "\"month\";q=\(m);w=2592000"))
                    c.rateLimitFields.append(("RateLimit", "\"month\";r=\(max(0, m - used.month));t=\(QuotaTable.secondsToNextMonth(unix))"))
                }
            }
        }
        return true
    }

    /// The API key of the request, from the first configured place that holds one.
    private func presentedKey(_ c: Connection, headers: [AuthConfig.KeyHeader], headBytes: UnsafeRawBufferPointer) -> [UInt8]? {
        for h in headers {
            switch h {
            case .authorization:
                guard let r = c.head.value(of: "authorization", in: headBytes) else { continue }
                let v = UnsafeRawBufferPointer(rebasing: headBytes[r])
                // "Bearer" (any case), one or more spaces, the token.
                guard v.count > 7, Self.isBearer(v), v[6] == 0x20 else { continue }
                var start = 7
                while start < v.count && v[start] == 0x20 { start += 1 }
                if start < v.count { return Array(v[start...]) }
            case .xAPIKey:
                guard let r = c.head.value(of: "x-api-key", in: headBytes), !r.isEmpty else { continue }
                return Array(UnsafeRawBufferPointer(rebasing: headBytes[r]))
            }
        }
        return nil
    }

    /// Whether `v` starts with "bearer" in any case.
    private static func isBearer(_ v: UnsafeRawBufferPointer) -> Bool {
        let word: [UInt8] = Array("bearer".utf8)
        for i in 0..<6 where v[i] | 0x20 != word[i] { return false }
        return true
    }

    /// Counts a failed authentication from `address`; past the limit, locks the address out.
    private func noteFailedAuthentication(_ control: AccessControl, _ address: [UInt8], now: Int64) {
        guard let failures = control.failures, let locked = control.lockedUntil else { return }
        if !failures.check(hash: ClientAddress.hash(address, seed: 4), now: now).admitted {
            locked.setTAT(hash: ClientAddress.hash(address, seed: 1), to: now + control.lockoutMicros)
        }
    }

    private func rejectLimited(_ c: Connection, policy: String, retryAfter: Int) {
        var fields = c.rateLimitFields
        fields.append(("Retry-After", "\(max(1, retryAfter))"))
        c.rateLimitFields.removeAll(keepingCapacity: true)
        reject(c, status: 429, type: AccessResponse.quotaExceededType, title: "Request cannot be satisfied as assigned quota has been exceeded",
               detail: "the '\(policy)' limit is reached; retry after the time in Retry-After", fields: fields, violated: [policy])
    }

    /// Answers the request with a problem and gets ready for the next one (closing when a body was announced:
    /// it is not read).
    private func reject(_ c: Connection, status: Int, type: String = "about:blank", title: String, detail: String,
                        fields: [(String, String)], violated: [String]? = nil) {
        requestsServed &+= 1
        usage.count(slot: c.routeSlot, consumer: c.principal, status: status, rejected: true)
        let closing = c.head.hasBody || !c.head.keepAlive || draining
        let connection: ConnectionField = closing ? .close : (c.head.version == .http10 ? .keepAlive : .none)
        let before = c.outbox.readableBytes
        AccessResponse.write(status: status, type: type, title: title, detail: detail, fields: fields, violatedPolicies: violated,
                             headOnly: c.head.method == .head, connection: connection, date: dateLine.readable, into: c.outbox,
                             scratch: scratch)
        metrics.rejected(slot: c.routeSlot, status: status)
        answered(c, slot: c.routeSlot, status: status, bytes: c.outbox.readableBytes - before)
        if closing { c.closeAfterFlush = true }
        readyForNextRequest(c)
    }
}
