import Glibc
import NexusConfig
import NexusState

/// Opens the durable state folder named by the configuration.
enum StateSetup {
    /// The folder, a relative path taken from the configuration file's folder.
    static func folder(_ config: StateConfig, configFile: String) -> String {
        AdminSetup.resolve(config.folder, relativeTo: configFile)
    }

    /// Opens (creating if needed) the state log and the audit log, and replays the state.
    static func open(_ config: StateConfig, auth: AuthConfig?, configFile: String) -> Result<DurableState, StateSetupError> {
        let path = folder(config, configFile: configFile)
        makeFolders(path)
        let main: StateLog
        switch openLog(path, config, segmentSize: max(64 << 10, config.segmentSize & ~4095), thread: "nexus-state") {
        case .success(let log): main = log
        case .failure(let e): return .failure(e)
        }
        let auditSegment = min(AuditLog.segmentSize, max(64 << 10, config.segmentSize & ~4095))
        switch openLog(path + "/audit", config, segmentSize: auditSegment, thread: "nexus-audit") {
        case .success(let audit):
            switch ServerSecret.load(auth, configFile: configFile, stateFolder: path) {
            case .success(let secret):
                return .success(DurableState(log: main, audit: audit, usageRetentionSeconds: Int(config.usageRetention.components.seconds),
                                             secret: secret))
            case .failure(let f):
                main.close()
                audit.close()
                return .failure(StateSetupError(description: f.description, hint: f.hint))
            }
        case .failure(let e):
            main.close()
            return .failure(e)
        }
    }

    /// Opens (creating if needed) one log; the error says what to do about it.
    private static func openLog(_ path: String, _ config: StateConfig, segmentSize: Int, thread: String) -> Result<StateLog, StateSetupError> {
        var options = StateLogOptions()
        options.threadName = thread
        options.segmentSize = segmentSize
        switch config.fsync {
        case .always: options.syncPolicy = .always
        case .interval: options.syncPolicy = .interval(config.fsyncInterval)
        case .never: options.syncPolicy = .never
        }
        do {
            return .success(try StateLog.open(folder: path, options: options))
        } catch {
            let hint: String
            switch error {
            case .locked:
                hint = "another nexusd uses this state folder; stop it, or give this one its own `state.folder`"
            case .corruptRecord, .missingSegment, .badSegmentHeader, .badMagic, .unsupportedVersion:
                hint = "the log is damaged before its last durable write; keep a copy of the folder, then repair it"
            default:
                hint = "check the folder's permissions and free space"
            }
            return .failure(StateSetupError(description: "cannot open the state folder \(path): \(error)", hint: hint))
        }
    }

    /// mkdir -p with mode 0750.
    private static func makeFolders(_ path: String) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            _ = mkdir(prefix, 0o750)
        }
    }
}

struct StateSetupError: Error, CustomStringConvertible {
    var description: String
    var hint: String
}
