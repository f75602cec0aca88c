/// The route table without its payloads: host tiers, path tables and rule groups, resolved to a rule index.
///
/// Not generic, so it is compiled (and optimised) once, whatever the payload; `Router` adds the payloads.
struct RouteIndex: Sendable {
    /// The paths of one host tier (one exact host, one wildcard suffix, or any host).
    struct PathTable: Sendable {
        var exact: ByteTable
        var templates: TemplateTrie
        var prefixes: ByteTable
        /// The distinct lengths of `prefixes`' keys, ascending (all at least 1).
        var prefixLengths: [Int]
    }

    /// The rules sharing one (host, path pattern), in file order.
    struct Group: Sendable {
        var rules: [Int]
        /// The 405 `Allow` list: their methods in file order, then `HEAD` if `GET` is there and `HEAD` is not.
        var allow: [String]
    }

    enum Resolution: Equatable {
        case matched(rule: Int, prefixLength: Int)
        case methodNotAllowed(group: Int)
        case notFound
    }

    let tiers: [PathTable]
    /// Lower-case exact host -> tier.
    let exactHosts: ByteTable
    /// Lower-case wildcard suffix (with its leading dot) -> tier.
    let wildcardHosts: ByteTable
    /// Indexed by length: whether some wildcard suffix has that many bytes (the count is the longest plus one).
    let wildcardLengths: [Bool]
    /// The tier of `.any` rules, or -1.
    let anyTier: Int
    let groups: [Group]
    /// Per rule: its method tokens' bytes, or nil for any method.
    let methods: [[[UInt8]]?]
    /// Per rule: its template, when that has parameters (the others need no extraction).
    let parameterTemplates: [Template?]

    func resolve(host: UnsafeRawBufferPointer?, path: UnsafeRawBufferPointer,
                 method: UnsafeRawBufferPointer) -> Resolution {
        if let host {
            let name = hostName(host)
            if !name.isEmpty {
                if let tier = exactHosts.find(host, name, foldCase: true),
                   let found = resolve(tier: tier, path: path, method: method) {
                    return found
                }
                if !wildcardHosts.isEmpty {
                    // Every suffix starting at a dot after the first byte, longest first: a longer suffix is more
                    // specific, and the bare domain (no dot before the suffix) is never a candidate. Only suffixes
                    // of a configured length are hashed, so a long Host of many labels costs one scan, not one
                    // hash per label.
                    var dot = max(name.lowerBound + 1, name.upperBound - (wildcardLengths.count - 1))
                    while dot < name.upperBound {
                        if host[dot] == UInt8(ascii: "."), wildcardLengths[name.upperBound - dot],
                           let tier = wildcardHosts.find(host, dot..<name.upperBound, foldCase: true),
                           let found = resolve(tier: tier, path: path, method: method) {
                            return found
                        }
                        dot += 1
                    }
                }
            }
        }
        if anyTier >= 0, let found = resolve(tier: anyTier, path: path, method: method) {
            return found
        }
        return .notFound
    }

    /// The resolution within one host tier, or nil when no path pattern of the tier matches.
    private func resolve(tier index: Int, path: UnsafeRawBufferPointer,
                         method: UnsafeRawBufferPointer) -> Resolution? {
        // Fields are read in place: copying the tier would retain each of its tables' arrays.
        var group = -1
        var prefixLength = path.count
        if let exact = tiers[index].exact.find(path, 0..<path.count) {
            group = exact
        } else if let template = tiers[index].templates.match(path) {
            group = template
        } else if !tiers[index].prefixLengths.isEmpty {
            // One pass: FNV-1a's state after n bytes is the hash of the n-byte prefix. The last hit is the longest.
            let lengths = tiers[index].prefixLengths
            var next = 0
            var hash = ByteHash()
            for i in 0..<path.count {
                hash.add(path[i])
                if i + 1 == lengths[next] {
                    if let found = tiers[index].prefixes.find(path, 0..<(i + 1), hash: hash.value) {
                        group = found
                        prefixLength = i + 1
                    }
                    next += 1
                    if next == lengths.count { break }
                }
            }
        }
        if group < 0 { return nil }
        if let rule = rule(in: group, method: method) {
            return .matched(rule: rule, prefixLength: prefixLength)
        }
        return .methodNotAllowed(group: group)
    }

    /// The first rule of the group that lists the method or takes any; else, for HEAD, the first that lists GET.
    private func rule(in group: Int, method: UnsafeRawBufferPointer) -> Int? {
        let rules = groups[group].rules
        for rule in rules {
            guard let list = methods[rule] else { return rule }
            for token in list where equal(token, method) { return rule }
        }
        if equal(RouteIndex.head, method) {
            for rule in rules where methods[rule]!.contains(where: { $0 == RouteIndex.get }) { return rule }
        }
        return nil
    }

    static let get = Array("GET".utf8)
    static let head = Array("HEAD".utf8)
}

/// The host name in a raw `Host` value: without a `:port` (after the `]` of an IPv6 literal) and a trailing dot.
@inline(__always)
func hostName(_ host: UnsafeRawBufferPointer) -> Range<Int> {
    var end = host.count
    if host.first == UInt8(ascii: "[") {
        var i = 0
        while i < host.count && host[i] != UInt8(ascii: "]") { i += 1 }
        if i < host.count { end = i + 1 }
    } else {
        var i = 0
        while i < host.count && host[i] != UInt8(ascii: ":") { i += 1 }
        end = i
    }
    if end > 0 && host[end - 1] == UInt8(ascii: ".") { end -= 1 }
    return 0..<end
}

@inline(__always)
private func equal(_ token: [UInt8], _ bytes: UnsafeRawBufferPointer) -> Bool {
    if token.count != bytes.count { return false }
    for i in 0..<token.count where token[i] != bytes[i] { return false }
    return true
}
