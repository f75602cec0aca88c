import Glibc
import Logging
import NexusAdmin
import NexusAdminModel
import NexusState

/// The admin API's consumer endpoints over the durable registry. Every change is logged with the caller's uid
/// (the audit log proper comes with the audit records).
enum ConsumerAdmin {
    static func handlers(_ registry: ConsumerRegistry, logger: Logger) -> ConsumerHandlers {
        ConsumerHandlers(
            list: { _ in registry.list().map(model) },
            create: { request, caller in
                do throws(ConsumerRegistry.Failure) {
                    let r = try registry.create(name: request.name, scopes: request.scopes, now: Int(time(nil)))
                    logger.notice("consumer created", metadata: ["id": "\(r.id)", "name": "\(r.name)", "uid": "\(caller.uid)"])
                    return .success(model(r))
                } catch {
                    return .failure(failure(error))
                }
            },
            get: { id, _ in registry.get(id).map(model) },
            delete: { id, caller in
                do throws(ConsumerRegistry.Failure) {
                    try registry.remove(id)
                    logger.notice("consumer removed", metadata: ["id": "\(id)", "uid": "\(caller.uid)"])
                    return .success(())
                } catch {
                    return .failure(failure(error))
                }
            })
    }

    static func model(_ r: ConsumerRegistry.Record) -> Consumer {
        Consumer(id: r.id, name: r.name, scopes: r.scopes, createdAt: r.createdAt)
    }

    static func failure(_ e: ConsumerRegistry.Failure) -> AdminFailure {
        switch e {
        case .duplicateName(let name): return AdminFailure(status: 409, detail: "a consumer named '\(name)' exists")
        case .notFound: return AdminFailure(status: 404, detail: AdminAPI.noSuchConsumerDetail)
        case .storage(.noSpace): return AdminFailure(status: 507, detail: "the state folder's disk is full; nothing was written")
        case .storage(let s): return AdminFailure(status: 500, detail: "the state log refused the write: \(s)")
        }
    }
}
