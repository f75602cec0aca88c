/// The templates of one host tier as a trie of segments, searched for the most specific template that matches.
///
/// Edges are literal segments (a `ByteTable` per node) or "one parameter"; a node may end a template (`end`) or
/// carry a `{name...}` that takes the rest (`rest`). Parameter names are not in the trie: templates with the same
/// segments share a terminal, hence a group of rules. Terminals hold group indices, which the builder hands out in
/// the file order of each group's first rule, so a lower group index is the earlier template.
struct TemplateTrie: Sendable {
    struct Node: Sendable {
        var literals: ByteTable = .empty
        var parameter: Int32 = -1
        var end: Int32 = -1
        var rest: Int32 = -1
    }

    private let nodes: [Node]

    init(nodes: [Node]) { self.nodes = nodes }

    /// The most specific match so far: more literal segments, then fewer parameters, then the lower group.
    private struct Best {
        var group: Int32 = -1
        var literals = 0
        var parameters = 0

        @inline(__always)
        mutating func consider(_ group: Int32, literals: Int, parameters: Int) {
            if group < 0 { return }
            if self.group < 0 || literals > self.literals
                || (literals == self.literals
                    && (parameters < self.parameters || (parameters == self.parameters && group < self.group))) {
                self = Best(group: group, literals: literals, parameters: parameters)
            }
        }
    }

    /// The group of the most specific template matching `path`, or nil. Visits every trie path the bytes allow
    /// (literal and parameter edges both), which is what "most literal segments" over the whole path needs.
    func match(_ path: UnsafeRawBufferPointer) -> Int? {
        guard !nodes.isEmpty, path.first == UInt8(ascii: "/") else { return nil }
        var best = Best()
        search(0, path, 1, literals: 0, parameters: 0, &best)
        return best.group < 0 ? nil : Int(best.group)
    }

    private func search(_ index: Int, _ path: UnsafeRawBufferPointer, _ start: Int, literals: Int, parameters: Int,
                        _ best: inout Best) {
        // Fields are read in place (no copy of the node and its table's arrays).
        let rest = nodes[index].rest
        if rest >= 0 && start < path.count {
            best.consider(rest, literals: literals, parameters: parameters + 1)
        }
        var end = start
        while end < path.count && path[end] != UInt8(ascii: "/") { end += 1 }
        let last = end == path.count
        if let child = nodes[index].literals.find(path, start..<end) {
            if last {
                best.consider(nodes[child].end, literals: literals + 1, parameters: parameters)
            } else {
                search(child, path, end + 1, literals: literals + 1, parameters: parameters, &best)
            }
        }
        let parameter = Int(nodes[index].parameter)
        if parameter >= 0 && end > start {
            if last {
                best.consider(nodes[parameter].end, literals: literals, parameters: parameters + 1)
            } else {
                search(parameter, path, end + 1, literals: literals, parameters: parameters + 1, &best)
            }
        }
    }
}

/// Builds a `TemplateTrie`: insert templates, then `build()`.
struct TemplateTrieBuilder {
    private struct Node {
        var literals: [[UInt8]: Int] = [:]
        var parameter: Int?
        var end: Int?
        var rest: Int?
    }

    private var nodes = [Node()]

    /// The group of `template`'s terminal, made by `newGroup` if no template of the same segments came before.
    mutating func group(of template: Template, newGroup: () -> Int) -> Int {
        var index = 0
        for segment in template.segments {
            switch segment {
            case .literal(let bytes):
                if let child = nodes[index].literals[bytes] {
                    index = child
                } else {
                    nodes.append(Node())
                    nodes[index].literals[bytes] = nodes.count - 1
                    index = nodes.count - 1
                }
            case .parameter:
                if let child = nodes[index].parameter {
                    index = child
                } else {
                    nodes.append(Node())
                    nodes[index].parameter = nodes.count - 1
                    index = nodes.count - 1
                }
            case .rest:
                if let group = nodes[index].rest { return group }
                let group = newGroup()
                nodes[index].rest = group
                return group
            }
        }
        if let group = nodes[index].end { return group }
        let group = newGroup()
        nodes[index].end = group
        return group
    }

    func build() -> TemplateTrie {
        if nodes.count == 1 && nodes[0].rest == nil && nodes[0].end == nil { return TemplateTrie(nodes: []) }
        return TemplateTrie(nodes: nodes.map { node in
            TemplateTrie.Node(literals: ByteTable(node.literals.map { (key: $0.key, value: $0.value) }),
                              parameter: Int32(node.parameter ?? -1), end: Int32(node.end ?? -1),
                              rest: Int32(node.rest ?? -1))
        })
    }
}
