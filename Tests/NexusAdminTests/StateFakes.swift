import NexusAdmin
import NexusAdminModel
import Synchronization

/// In-memory fakes for the key, route, usage, audit and backup endpoints, recording what they were given.
///
/// Keys: ids `k_000000000000000N`, created at 1700000000 + N, secrets `nx_<id>_` + 43 × "S" (N in the last
/// character); the consumer `c_gone` is a 404 (no consumer), the name `full-disk` a 507; revoking a revoked key
/// answers it unchanged (as nexusd does). Rotation makes a new key and revokes the old one at 1700000000 + grace
/// (the fake's "now"); rotating a key that is not active is a 409 with nexusd's text.
/// Routes: two file routes (`/api/echo:GET,POST` and `*.example.com/b/*`) to start with; a spec whose upstream is
/// `nope` is a 400 with the configuration's message; a taken name without replace is a 409; the texts are nexusd's.
/// Backup: the bytes `NXSNAP\0\1` and 248 bytes 0...247; restore takes a body starting with `NXSNAP`, else 400.
final class FakeState: Sendable {
    static let now = 1_700_000_000
    static let backupBytes: [UInt8] = Array("NXSNAP".utf8) + [0, 1] + (0..<248).map { UInt8($0) }

    let keys = Mutex<[ApiKey]>([])
    let routes = Mutex<[RouteInfo]>([
        RouteInfo(name: "*.example.com/b/*", source: "config", active: true,
                  spec: .object(["host": .string("*.example.com"), "path_prefix": .string("/b/"), "upstream": .string("b")])),
        RouteInfo(name: "/api/echo:GET,POST", source: "config", active: true,
                  spec: .object(["path": .string("/api/echo"), "methods": .array([.string("GET"), .string("POST")]),
                                 "handler": .string("echo")])),
    ])
    /// Each call: "keys.list c_1", "keys.rotate k_... 3600", "routes.put NAME replace=false {...}", ...
    let calls = Mutex<[String]>([])
    let usageQueries = Mutex<[UsageQuery]>([])
    let auditQueries = Mutex<[AuditQuery]>([])
    let restored = Mutex<[[UInt8]]>([])

    func record(_ s: String) { calls.withLock { $0.append(s) } }

    static func secret(_ id: String) -> String { "nx_\(id)_" + String(repeating: "S", count: 42) + String(id.last!) }

    var keyHandlers: KeyHandlers {
        KeyHandlers(
            list: { consumer, _ in
                self.record("keys.list \(consumer ?? "-")")
                return self.keys.withLock { all in all.filter { consumer == nil || $0.consumer == consumer } }
            },
            create: { r, _ in
                self.record("keys.create \(r.consumer) \(r.name) \(r.scopes) \(r.expiresIn.map(String.init) ?? "-")")
                if r.consumer == "c_gone" { return .failure(AdminFailure(status: 404, detail: "no consumer has the id 'c_gone'")) }
                if r.name == "full-disk" { return .failure(AdminFailure(status: 507, detail: "the state disk is full")) }
                let key = self.keys.withLock { all in
                    let n = all.count + 1
                    let id = "k_" + String(repeating: "0", count: 15) + String(n, radix: 16)
                    let k = ApiKey(id: id, consumer: r.consumer, name: r.name, scopes: r.scopes, prefix: "nx_\(id)_SSSS",
                                   status: "active", createdAt: Self.now + n, expiresAt: r.expiresIn.map { Self.now + n + $0 }, revokedAt: nil)
                    all.append(k)
                    return k
                }
                return .success(CreatedKey(key: key, secret: Self.secret(key.id)))
            },
            get: { id, _ in
                self.record("keys.get \(id)")
                return self.keys.withLock { $0.first { $0.id == id } }
            },
            revoke: { id, _ in
                self.record("keys.revoke \(id)")
                return self.keys.withLock { all in
                    guard let i = all.firstIndex(where: { $0.id == id }) else {
                        return .failure(AdminFailure(status: 404, detail: AdminAPI.noSuchKeyDetail))
                    }
                    if all[i].status == "revoked" { return .success(all[i]) }
                    all[i].status = "revoked"
                    all[i].revokedAt = Self.now + 100
                    return .success(all[i])
                }
            },
            rotate: { id, grace, _ in
                self.record("keys.rotate \(id) \(grace)")
                return self.keys.withLock { all in
                    guard let i = all.firstIndex(where: { $0.id == id }) else {
                        return .failure(AdminFailure(status: 404, detail: AdminAPI.noSuchKeyDetail))
                    }
                    guard all[i].status == "active" else {
                        return .failure(AdminFailure(status: 409, detail: "the key is \(all[i].status); only an active key can be rotated"))
                    }
                    let n = all.count + 1
                    let newID = "k_" + String(repeating: "0", count: 15) + String(n, radix: 16)
                    let old = all[i]
                    all[i].revokedAt = Self.now + grace
                    if grace == 0 { all[i].status = "revoked" }
                    let k = ApiKey(id: newID, consumer: old.consumer, name: old.name, scopes: old.scopes, prefix: "nx_\(newID)_SSSS",
                                   status: "active", createdAt: Self.now + n, expiresAt: old.expiresAt, revokedAt: nil)
                    all.append(k)
                    return .success(CreatedKey(key: k, secret: Self.secret(newID), previous: all[i]))
                }
            })
    }

    var routeHandlers: RouteHandlers {
        RouteHandlers(
            list: { _ in
                self.record("routes.list")
                return self.routes.withLock { $0 }
            },
            get: { name, _ in
                self.record("routes.get \(name)")
                return self.routes.withLock { $0.first { $0.name == name } }
            },
            put: { name, body, replace, _ in
                self.record("routes.put \(name) replace=\(replace) \(String(decoding: body, as: UTF8.self))")
                guard let spec = try? AdminJSON.decode(JSONValue.self, from: body) else {
                    return .failure(AdminFailure(status: 500, detail: "the router let bad JSON through"))
                }
                if case .object(let o) = spec, o["upstream"] == .string("nope") {
                    return .failure(AdminFailure(status: 400, detail: #"the route is not valid: routes[0].upstream: unknown upstream "nope""#))
                }
                return self.routes.withLock { all in
                    if let i = all.firstIndex(where: { $0.name == name }) {
                        guard replace else {
                            return .failure(AdminFailure(status: 409, detail: "a route named '\(name)' exists; replace it with replace=true (nexusctl routes add --replace)"))
                        }
                        all[i] = RouteInfo(name: name, source: all[i].source == "config" ? "override" : "runtime", active: true, spec: spec)
                        return .success((all[i], created: false))
                    }
                    let r = RouteInfo(name: name, source: "runtime", active: true, spec: spec)
                    all.append(r)
                    return .success((r, created: true))
                }
            },
            delete: { name, _ in
                self.record("routes.delete \(name)")
                return self.routes.withLock { all in
                    guard let i = all.firstIndex(where: { $0.name == name }) else {
                        return .failure(AdminFailure(status: 404, detail: AdminAPI.noSuchRouteDetail))
                    }
                    if all[i].source == "runtime" {
                        all.remove(at: i)
                        return .success(RouteInfo(name: name, source: "runtime", active: false, spec: .null)) // as nexusd answers
                    }
                    all[i].source = "removed"
                    all[i].active = false
                    return .success(all[i])
                }
            },
            reset: { name, _ in
                self.record("routes.reset \(name)")
                return self.routes.withLock { all in
                    guard let i = all.firstIndex(where: { $0.name == name }) else {
                        return .failure(AdminFailure(status: 404, detail: AdminAPI.noSuchRouteDetail))
                    }
                    guard all[i].source == "removed" || all[i].source == "override" else {
                        return .failure(AdminFailure(status: 404, detail: "the route '\(name)' has no runtime change to reset"))
                    }
                    all[i].source = "config"
                    all[i].active = true
                    return .success(all[i])
                }
            })
    }

    /// Two rows per query (or one for period=total), echoing the query's consumer and route.
    var usage: @Sendable (UsageQuery, AdminCaller) -> [UsageRow] {
        { q, _ in
            self.usageQueries.withLock { $0.append(q) }
            let route = q.route ?? "api"
            switch q.period {
            case .total:
                return [UsageRow(periodStart: nil, route: route, consumer: q.consumer, requests: 30, clientErrors: 3, serverErrors: 0)]
            case .hour:
                return [UsageRow(periodStart: 1_795_773_600, route: route, consumer: q.consumer ?? "c_1", requests: 12, clientErrors: 2, serverErrors: 1),
                        UsageRow(periodStart: 1_795_777_200, route: route, consumer: nil, requests: 1234, clientErrors: 0, serverErrors: 10)]
            case .day:
                return [UsageRow(periodStart: 1_795_737_600, route: route, consumer: q.consumer ?? "c_1", requests: 1246, clientErrors: 2, serverErrors: 11)]
            }
        }
    }

    static let auditEntries = [
        AuditEntry(sequence: 1, unixMilliseconds: 1_795_773_600_000, time: "2026-11-27T10:00:00.000Z", action: "consumers.create",
                   outcome: "ok", uid: 0, gid: 0, pid: 812, consumer: "c_1", target: "c_1", detail: "name billing"),
        AuditEntry(sequence: 2, unixMilliseconds: 1_795_773_601_500, time: "2026-11-27T10:00:01.500Z", action: "keys.create",
                   outcome: "ok", uid: 1000, gid: 1000, pid: 900, consumer: "c_1", target: "k_0000000000000001"),
        AuditEntry(sequence: 3, unixMilliseconds: 1_795_773_700_000, time: "2026-11-27T10:01:40.000Z", action: "auth.failure",
                   outcome: "refused", detail: "unknown key"),
    ]

    /// The entries passing the query's filters, the newest `limit` of them.
    var audit: @Sendable (AuditQuery, AdminCaller) -> [AuditEntry] {
        { q, _ in
            self.auditQueries.withLock { $0.append(q) }
            return Array(Self.auditEntries.filter(q.matches).suffix(q.limit))
        }
    }

    var backupHandlers: BackupHandlers {
        BackupHandlers(
            backup: { _ in
                self.record("backup")
                return .success(Self.backupBytes)
            },
            restore: { bytes, _ in
                self.record("restore \(bytes.count)")
                guard bytes.starts(with: Array("NXSNAP".utf8)) else {
                    return .failure(AdminFailure(status: 400, detail: "not a valid backup file: its header is not a snapshot's"))
                }
                self.restored.withLock { $0.append(bytes) }
                return .success(RestoreResponse(records: 17, consumers: 2, keys: 3, runtimeRoutes: 1))
            })
    }

    /// `fakeHandlers()` with every group of this fake.
    func handlers(_ seen: Seen = Seen()) -> AdminHandlers {
        var h = fakeHandlers(seen)
        h.keys = keyHandlers
        h.routes = routeHandlers
        h.usage = usage
        h.audit = audit
        h.backup = backupHandlers
        return h
    }
}
