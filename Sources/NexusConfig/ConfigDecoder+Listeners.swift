extension ConfigDecoder {
    /// Decodes `listeners`, then checks names and addresses are unique.
    mutating func decodeListeners(_ node: YAMLNode, path: String) -> [ListenerConfig] {
        guard let items = items(node, path: path, expected: "a sequence of listeners") else { return [] }
        guard !items.isEmpty else {
            fail(node.mark, path, "at least one listener is required")
            return []
        }
        var listeners: [ListenerConfig] = []
        var firstByName: [String: Int] = [:]
        var firstByAddress: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = Self.join(path, index: index)
            guard let fields = fields(item, path: itemPath, allowed: ["name", "address", "backlog", "tls", "workflow_api"]),
                  let listener = decodeListener(fields, index: index, path: itemPath) else { continue }
            // Duplicates are reported at the later one, naming the line of the first.
            if let first = firstByName[listener.name] {
                fail(fields.keyMark("name") ?? fields.mark, fields.path("name"),
                     "duplicate listener name '\(listener.name)' (first at line \(items[first].mark.line))")
            } else {
                firstByName[listener.name] = index
            }
            if listener.port != 0 {  // port 0 binds a fresh port every time: never a clash
                if let first = firstByAddress[listener.address] {
                    fail(fields["address"]?.mark ?? fields.mark, fields.path("address"),
                         "duplicate listener address \(listener.address) (first at line \(items[first].mark.line))")
                } else {
                    firstByAddress[listener.address] = index
                }
            }
            listeners.append(listener)
        }
        return listeners
    }

    private mutating func decodeListener(_ fields: Fields, index: Int, path: String) -> ListenerConfig? {
        let name = value(fields, "name", default: "listener-\(index)", expected: "a name", ValueParsers.name)
        let backlog = value(fields, "backlog", default: ListenerConfig.defaultBacklog, expected: "an integer") {
            text throws(InvalidValue) in try ValueParsers.integer(text, in: ListenerConfig.backlogRange)
        }
        let errorCount = errors.count
        let tls = fields["tls"].flatMap { decodeListenerTLS($0, path: fields.path("tls")) }
        let api = fields["workflow_api"].flatMap { decodeWorkflowAPI($0, path: fields.path("workflow_api"), listener: true) }
        guard errors.count == errorCount else { return nil }
        guard let address = required(fields, "address", expected: "an address like 127.0.0.1:8080", ValueParsers.address) else {
            return nil
        }
        var listener = ListenerConfig(name: name, host: address.host, port: address.port, isIPv6: address.isIPv6, backlog: backlog, tls: tls)
        listener.workflowAPI = api
        return listener
    }
}
