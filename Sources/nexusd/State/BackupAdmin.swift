import NexusAdmin
import NexusAdminModel
import NexusState

/// Backup and restore over the admin API. A backup is the store's snapshot (taken under its lock, so it is the
/// state after one exact log record: every change acknowledged before the request began is in it) in the snapshot
/// file format. A restore checks the whole file first (format version, checksums, records), then installs it as a
/// snapshot that supersedes the log, rebuilds the state and puts its runtime routes in force.
enum BackupAdmin {
    static func handlers(_ state: DurableState, _ reloader: Reloader, _ credentials: CredentialPublisher) -> BackupHandlers {
        BackupHandlers(
            backup: { caller in
                let snapshot = state.store.snapshot()
                state.audit.record("state.backup", outcome: "ok", caller: caller,
                                   detail: "\(snapshot.records.count) records through sequence \(snapshot.sequence)")
                return .success(SnapshotFile.encode(snapshot))
            },
            restore: { bytes, caller in
                let backup: Snapshot
                do { backup = try SnapshotFile.decode(bytes, file: "the uploaded backup") } catch {
                    let f = AdminFailure(status: 400, detail: "not a valid backup file: \(error)")
                    state.audit.record("state.restore", outcome: "refused", caller: caller, detail: f.detail)
                    return .failure(f)
                }
                do throws(StateError) {
                    try state.store.restore(backup)
                } catch {
                    let f: AdminFailure
                    if case .noSpace = error {
                        f = AdminFailure(status: 507, detail: "the state folder's disk is full; the state is unchanged")
                    } else {
                        f = AdminFailure(status: 500, detail: "the restore failed: \(error)")
                    }
                    state.audit.record("state.restore", outcome: "failed", caller: caller, detail: f.detail)
                    return .failure(f)
                }
                let routes = reloader.reapplyRuntimeRoutes()
                credentials.publish()
                state.audit.record("state.restore", outcome: "ok", caller: caller,
                                   detail: "\(backup.records.count) records" + (routes.isEmpty ? "" : "; runtime routes left out: " + routes.joined(separator: ", ")))
                return .success(RestoreResponse(records: backup.records.count, consumers: state.consumers.count,
                                                keys: state.keys.list(consumer: nil).count,
                                                runtimeRoutes: state.routes.snapshot().values.filter { $0.spec != nil }.count))
            })
    }
}
