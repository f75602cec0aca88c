/// A mapping's entries, looked up by key, after its keys were checked against the allowed ones.
struct Fields {
    /// The dotted path of the mapping itself.
    let path: String
    /// Where the mapping starts (for "missing required key" errors).
    let mark: Mark
    /// Entries whose value is not null: a null value counts as absent.
    let entries: [String: (keyMark: Mark, value: YAMLNode)]

    subscript(key: String) -> YAMLNode? { entries[key]?.value }

    func keyMark(_ key: String) -> Mark? { entries[key]?.keyMark }

    func path(_ key: String) -> String { ConfigDecoder.join(path, key) }
}

/// Turns a YAMLNode tree into checked configuration values, collecting every error instead of stopping.
///
/// Each getter returns its default (or nil) after recording an error, so decoding goes on and finds the
/// other errors; the loader throws if any were recorded.
struct ConfigDecoder {
    let file: String
    var errors: [ConfigError] = []
    /// The names of the upstreams decoded so far (valid and unique, even if the rest of the upstream is not),
    /// in file order; routes may name only these.
    var upstreamNames: [String] = []
    /// Each `workflow_api` decoded so far, by its path: where it is, and its `resource_metadata` when given
    /// (resolved against `auth` once the whole file is read).
    var workflowAPIMarks: [String: (mark: Mark, resourceMetadata: Bool?)] = [:]

    init(file: String) {
        self.file = file
    }

    mutating func fail(_ mark: Mark, _ key: String, _ message: String) {
        errors.append(ConfigError(file: file, mark: mark, key: key, message: message))
    }

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }

    static func join(_ path: String, index: Int) -> String {
        "\(path)[\(index)]"
    }

    /// The entries of a mapping, reporting unknown keys. A null node reads as an empty mapping (all defaults).
    mutating func fields(_ node: YAMLNode, path: String, allowed: [String]) -> Fields? {
        if node.isNull {
            return Fields(path: path, mark: node.mark, entries: [:])
        }
        guard case .mapping(let pairs, let mark) = node else {
            fail(node.mark, path, "expected a mapping with keys \(allowed.joined(separator: ", ")), got \(node.kindDescription)")
            return nil
        }
        var entries: [String: (keyMark: Mark, value: YAMLNode)] = [:]
        for pair in pairs {
            guard allowed.contains(pair.key) else {
                var message = "unknown key '\(pair.key)'"
                if let suggestion = Self.closest(to: pair.key, in: allowed) {
                    message += " (did you mean '\(suggestion)'?)"
                } else {
                    message += " (expected one of \(allowed.joined(separator: ", ")))"
                }
                fail(pair.keyMark, Self.join(path, pair.key), message)
                continue
            }
            if !pair.value.isNull {
                entries[pair.key] = (pair.keyMark, pair.value)
            }
        }
        return Fields(path: path, mark: mark, entries: entries)
    }

    /// The items of a sequence, or nil after an error.
    mutating func items(_ node: YAMLNode, path: String, expected: String) -> [YAMLNode]? {
        guard case .sequence(let items, _) = node else {
            fail(node.mark, path, "expected \(expected), got \(node.kindDescription)")
            return nil
        }
        return items
    }

    /// A scalar's text, or nil after an error if the node is a mapping or sequence.
    mutating func text(_ node: YAMLNode, path: String, expected: String) -> String? {
        guard case .scalar(let text, _, _) = node else {
            fail(node.mark, path, "expected \(expected), got \(node.kindDescription)")
            return nil
        }
        return text
    }

    /// Converts a scalar node, recording the converter's message at the node's position on failure.
    mutating func convert<T>(_ node: YAMLNode, path: String, expected: String,
                             _ convert: (String) throws(InvalidValue) -> T) -> T? {
        guard let text = text(node, path: path, expected: expected) else { return nil }
        do {
            return try convert(text)
        } catch {
            fail(node.mark, path, error.message)
            return nil
        }
    }

    /// An optional scalar key: its converted value, or `fallback` when absent or invalid.
    mutating func value<T>(_ fields: Fields, _ key: String, default fallback: T, expected: String,
                           _ convert: (String) throws(InvalidValue) -> T) -> T {
        guard let node = fields[key] else { return fallback }
        return self.convert(node, path: fields.path(key), expected: expected, convert) ?? fallback
    }

    /// A required scalar key: its converted value, or nil after an error (missing or invalid).
    mutating func required<T>(_ fields: Fields, _ key: String, expected: String,
                              _ convert: (String) throws(InvalidValue) -> T) -> T? {
        guard let node = fields[key] else {
            fail(fields.mark, fields.path(key), "missing required key '\(key)'")
            return nil
        }
        return self.convert(node, path: fields.path(key), expected: expected, convert)
    }

    /// The allowed key nearest to a misspelt one, if it is close enough to be a likely typo.
    static func closest(to key: String, in allowed: [String]) -> String? {
        let scored = allowed.map { (name: $0, distance: editDistance(key, $0)) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        return best.distance <= max(1, key.count / 3) ? best.name : nil
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in a.indices {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for j in b.indices {
                let substitution = previous[j] + (a[i] == b[j] ? 0 : 1)
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, substitution)
            }
            previous = current
        }
        return previous[b.count]
    }
}
