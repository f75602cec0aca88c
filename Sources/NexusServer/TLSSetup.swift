import Logging
import NexusConfig
import NexusTLS

/// Builds the TLS contexts a configuration asks for, reading every certificate, key, CA file and OCSP response
/// it names: at start, at each reload (so renewed certificates are picked up) and for `--check-config`.
public enum TLSSetup {
    /// The contexts of the listeners (by position, nil for a plain listener), or every problem found as
    /// `FILE:LINE:COLUMN: KEY: MESSAGE`. Warnings (an expired certificate) are logged.
    public static func listeners(_ config: NexusConfig, secret: TicketSecret,
                                 warn: (String) -> Void = { _ in }) throws(ConfigErrors) -> [TLSServerContext?] {
        var contexts: [TLSServerContext?] = []
        var errors: [ConfigError] = []
        for l in config.listeners {
            guard let tls = l.tls else { contexts.append(nil); continue }
            do {
                let context = try TLSServerContext(tls, secret: secret)
                context.warnings.forEach(warn)
                contexts.append(context)
            } catch {
                errors += error.errors
                contexts.append(nil)
            }
        }
        guard errors.isEmpty else { throw ConfigErrors(errors) }
        return contexts
    }

    /// The client contexts of the upstream pools (by position, nil for plain HTTP).
    public static func upstreams(_ config: NexusConfig) throws(ConfigErrors) -> [TLSClientContext?] {
        var contexts: [TLSClientContext?] = []
        var errors: [ConfigError] = []
        for u in config.allUpstreams {
            guard let tls = u.tls else { contexts.append(nil); continue }
            do { contexts.append(try TLSClientContext(tls)) } catch {
                errors.append(error)
                contexts.append(nil)
            }
        }
        guard errors.isEmpty else { throw ConfigErrors(errors) }
        return contexts
    }

    /// Everything `--check-config` can find: the files the TLS settings name, read as the server would.
    public static func check(_ config: NexusConfig) -> [String] {
        var problems: [String] = []
        do { _ = try listeners(config, secret: TicketSecret()) } catch { problems += error.errors.map(\.description) }
        do { _ = try upstreams(config) } catch { problems += error.errors.map(\.description) }
        do { _ = try FederationSetup.secrets(config) } catch { problems += error.errors.map(\.description) }
        return problems
    }
}
