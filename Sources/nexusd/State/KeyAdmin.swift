import Glibc
import NexusAdmin
import NexusAdminModel

/// The admin API's key endpoints; the secret leaves nexusd once, in the create or rotate answer, and is never logged.
enum KeyAdmin {
    static func handlers(_ state: DurableState, _ credentials: CredentialPublisher) -> KeyHandlers {
        KeyHandlers(
            list: { consumer, _ in
                let now = Int(time(nil))
                return state.keys.list(consumer: consumer).map { model($0, now: now) }
            },
            create: { request, caller in
                let now = Int(time(nil))
                do throws(StoreChangeError) {
                    let (r, secret) = try state.keys.create(consumer: request.consumer, name: request.name, scopes: request.scopes,
                                                            expiresAt: request.expiresIn.map { now + $0 }, now: now,
                                                            imported: request.key, consumers: state.consumers, in: state.store)
                    credentials.publish()
                    state.audit.record(request.key == nil ? "keys.create" : "keys.import", outcome: "ok", caller: caller,
                                       consumer: r.consumer, target: r.id)
                    // An imported key is not sent back: the caller has it.
                    return .success(CreatedKey(key: model(r, now: now), secret: request.key == nil ? secret : ""))
                } catch {
                    return .failure(StateAdmin.failure(error, action: "keys.create", caller: caller, consumer: request.consumer,
                                                       audit: state.audit))
                }
            },
            get: { id, _ in state.keys.get(id).map { model($0, now: Int(time(nil))) } },
            revoke: { id, caller in
                let now = Int(time(nil))
                do throws(StoreChangeError) {
                    let r = try state.keys.revoke(id, now: now, in: state.store)
                    credentials.publish()
                    state.audit.record("keys.revoke", outcome: "ok", caller: caller, consumer: r.consumer, target: r.id)
                    return .success(model(r, now: now))
                } catch {
                    return .failure(StateAdmin.failure(error, action: "keys.revoke", caller: caller, target: id,
                                                       audit: state.audit, notFound: AdminAPI.noSuchKeyDetail))
                }
            },
            rotate: { id, grace, caller in
                let now = Int(time(nil))
                do throws(StoreChangeError) {
                    let (new, secret, old) = try state.keys.rotate(id, grace: grace, now: now, in: state.store)
                    credentials.publish()
                    state.audit.record("keys.rotate", outcome: "ok", caller: caller, consumer: new.consumer, target: old.id,
                                       detail: "new key \(new.id); the old one works \(grace) s more")
                    return .success(CreatedKey(key: model(new, now: now), secret: secret, previous: model(old, now: now)))
                } catch {
                    return .failure(StateAdmin.failure(error, action: "keys.rotate", caller: caller, target: id,
                                                       audit: state.audit, notFound: AdminAPI.noSuchKeyDetail))
                }
            })
    }

    static func model(_ r: KeyRegistry.Record, now: Int) -> ApiKey {
        ApiKey(id: r.id, consumer: r.consumer, name: r.name, scopes: r.scopes, prefix: r.prefix, status: r.status(now: now),
               createdAt: r.createdAt, expiresAt: r.expiresAt, revokedAt: r.revokedAt)
    }
}
