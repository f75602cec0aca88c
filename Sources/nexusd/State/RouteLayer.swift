import NexusAdminModel
import NexusConfig
import NexusState
import Synchronization

/// Runtime routes: changes made through the admin API, layered over the configuration file's routes by name.
/// Record type 5 puts an entry (a route's definition as JSON, or a tombstone), type 6 drops one.
///
/// The rule (docs/configuration.md, "Runtime routes"): a runtime route replaces the file's route of the same name
/// (an override) or adds one; a removed file route leaves a tombstone, so a reload does not bring it back. Runtime
/// changes win by name across reloads until `nexusctl routes reset NAME`. A reload that would make a runtime route
/// invalid (its upstream gone, a file route matching the same requests) is refused; at start such a route is left
/// out and reported (`problem` in `nexusctl routes show`), so nexusd still starts.
final class RouteLayer: StateComponent {
    struct Entry: NamedEntry, Equatable {
        var name: String
        /// The definition as JSON text; nil for a tombstone.
        var spec: String?
    }


    static let putType: UInt16 = 5
    static let removeType: UInt16 = 6
    let recordTypes = [putType, removeType]

    private let entries = NamedEntries<Entry>(putType: RouteLayer.putType, removeType: RouteLayer.removeType)

    func apply(type: UInt16, payload: [UInt8]) { entries.apply(type: type, payload: payload) }
    func reset() { entries.reset() }
    func image() -> [SnapshotRecord] { entries.image() }
    func snapshot() -> [String: Entry] { entries.snapshot() }

    /// The file's routes with `layer` on top: the routes in force, and the runtime routes left out with why.
    static func merge(file: [RouteConfig], layer: [String: Entry], upstreams: [String]) -> (routes: [RouteConfig], leftOut: [String: String]) {
        var routes: [RouteConfig] = []
        var leftOut: [String: String] = [:]
        var runtime: [String: RouteConfig] = [:]
        for (name, entry) in layer {
            guard let spec = entry.spec else { continue }
            do {
                runtime[name] = try ConfigLoader.parseRoute(Array(spec.utf8), name: name, upstreams: upstreams, source: "runtime route '\(name)'")
            } catch {
                leftOut[name] = error.errors.map(\.description).joined(separator: "; ")
            }
        }
        // The file's routes without those the layer replaces or removes, then each runtime route that clashes with
        // nothing accepted so far (route order does not matter to matching: the most specific route wins).
        routes = file.filter { layer[$0.name] == nil }
        let order = file.map(\.name).filter { runtime[$0] != nil } + runtime.keys.filter { n in !file.contains { $0.name == n } }.sorted()
        for name in order {
            let candidate = routes + [runtime[name]!]
            if let clash = ConfigLoader.firstDuplicate(in: candidate) {
                leftOut[name] = clash.reason
            } else {
                routes = candidate
            }
        }
        return (routes, leftOut)
    }

    /// Puts an entry (a definition or a tombstone) durably.
    func put(_ entry: Entry, in store: StateStore) throws(StoreChangeError) { try entries.put(entry, in: store) }

    /// Drops the entry of `name` durably.
    func drop(_ name: String, in store: StateStore) throws(StoreChangeError) { try entries.drop(name, in: store) }
}
