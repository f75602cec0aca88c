extension SchemaCompiler {
    /// Points every `$ref` at its node. Only references inside the document are supported: `#` and `#/pointer`
    /// (percent-encoded as URI fragments are), which must land on a schema.
    mutating func resolveRefs() {
        for pending in pendingRefs {
            guard pending.ref.hasPrefix("#") else {
                problem(pending.location, "only local references are supported (\"#\" or \"#/json/pointer\"), not \"\(pending.ref)\"")
                continue
            }
            let fragment = String(pending.ref.dropFirst())
            guard let decoded = SchemaCompiler.percentDecode(fragment), let tokens = JSONPointer.tokens(decoded) else {
                problem(pending.location, "\"\(pending.ref)\" is not a JSON pointer fragment (anchors are not supported)")
                continue
            }
            let target = "#" + JSONPointer.make(tokens)
            guard let node = byLocation[target] else {
                problem(pending.location, "\"\(pending.ref)\" does not point to a schema in this document")
                continue
            }
            nodes[pending.node].checks[pending.check] = .ref(node)
        }
    }

    /// Refuses cycles through `$ref`, allOf, anyOf, oneOf, not, if/then/else and dependentSchemas: they apply to the
    /// same instance, so such a cycle would validate forever. Cycles through properties or items move into the
    /// instance, which is finite, and are fine.
    mutating func findInPlaceCycles() {
        var state = Array(repeating: 0, count: nodes.count)  // 0 new, 1 on the stack, 2 done
        var reported = false
        for start in nodes.indices where state[start] == 0 && !reported {
            // Iterative depth-first search: (node, next edge) pairs.
            var stack: [(Int, Int)] = [(start, 0)]
            state[start] = 1
            while let (node, edge) = stack.last, !reported {
                let edges = inPlaceEdges(node)
                if edge < edges.count {
                    stack[stack.count - 1].1 += 1
                    let next = edges[edge]
                    if state[next] == 1 {
                        let path = stack.map(\.0).drop(while: { $0 != next }).map { nodes[$0].location } + [nodes[next].location]
                        problem(nodes[next].location, "reference cycle that never moves into the instance (it would loop forever): "
                            + path.joined(separator: " -> "))
                        reported = true
                    } else if state[next] == 0 {
                        state[next] = 1
                        stack.append((next, 0))
                    }
                } else {
                    state[node] = 2
                    stack.removeLast()
                }
            }
        }
    }

    func inPlaceEdges(_ node: Int) -> [Int] {
        var edges: [Int] = []
        for check in nodes[node].checks {
            switch check {
            case .ref(let n), .not(let n): edges.append(n)
            case .allOf(let list), .anyOf(let list), .oneOf(let list): edges += list
            case .conditional(let i, let t, let e): edges.append(i); t.map { edges.append($0) }; e.map { edges.append($0) }
            case .dependentSchemas(let list): edges += list.map(\.1)
            default: break
            }
        }
        return edges
    }

    /// `%XX` sequences decoded as UTF-8; nil when malformed.
    static func percentDecode(_ s: String) -> String? {
        guard s.contains("%") else { return s }
        var bytes: [UInt8] = []
        var utf8 = Array(s.utf8)[...]
        while let b = utf8.popFirst() {
            if b == UInt8(ascii: "%") {
                guard utf8.count >= 2, let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
