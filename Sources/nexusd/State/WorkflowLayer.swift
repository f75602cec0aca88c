import NexusAdminModel
import NexusConfig
import NexusState
import Synchronization

/// Runtime workflows: added through the admin API (`nexusctl workflows add`), layered over the configuration
/// file's workflows by name. Record type 8 puts an entry (a workflow's definition as JSON), type 9 drops one.
///
/// A runtime workflow adds a workflow or replaces the file's workflow of the same name (an override) until it is
/// removed; the file's own workflows are changed in the file. One that no longer fits (after a reload) is left
/// out and reported, so nexusd still starts.
final class WorkflowLayer: StateComponent {
    struct Entry: NamedEntry, Equatable {
        var name: String
        /// The definition as JSON text.
        var spec: String
    }


    static let putType: UInt16 = 8
    static let removeType: UInt16 = 9
    let recordTypes = [putType, removeType]

    private let entries = NamedEntries<Entry>(putType: WorkflowLayer.putType, removeType: WorkflowLayer.removeType)

    func apply(type: UInt16, payload: [UInt8]) { entries.apply(type: type, payload: payload) }
    func reset() { entries.reset() }
    func image() -> [SnapshotRecord] { entries.image() }
    func snapshot() -> [String: Entry] { entries.snapshot() }

    /// The file's workflows with the layer on top (runtime ones replace by name, new ones follow in name order),
    /// and the runtime workflows left out with why.
    static func merge(file: [WorkflowConfig], layer: [String: Entry], upstreams: [String]) -> (workflows: [WorkflowConfig], leftOut: [String: String]) {
        var leftOut: [String: String] = [:]
        var runtime: [String: WorkflowConfig] = [:]
        for (name, entry) in layer {
            do {
                runtime[name] = try ConfigLoader.parseWorkflow(Array(entry.spec.utf8), name: name, upstreams: upstreams, source: "runtime workflow '\(name)'")
            } catch {
                leftOut[name] = error.errors.map(\.description).joined(separator: "; ")
            }
        }
        var out = file.map { runtime[$0.name] ?? $0 }
        let fileNames = Set(file.map(\.name))
        for name in runtime.keys.sorted() where !fileNames.contains(name) { out.append(runtime[name]!) }
        return (out, leftOut)
    }

    func put(_ entry: Entry, in store: StateStore) throws(StoreChangeError) { try entries.put(entry, in: store) }

    func drop(_ name: String, in store: StateStore) throws(StoreChangeError) { try entries.drop(name, in: store) }
}
