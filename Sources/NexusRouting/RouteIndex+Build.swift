extension RouteIndex {
    /// Checks the rules and builds the tables; throws for the first rule refused, in file order.
    init(_ rules: [(host: HostPattern, path: PathPattern, methods: [String]?)]) throws(RouterError) {
        var builder = Builder()
        for (index, rule) in rules.enumerated() {
            do {
                try builder.add(index, host: rule.host, path: rule.path, methods: rule.methods)
            } catch {
                throw RouterError(ruleIndex: index, message: error.message)
            }
        }
        self = builder.build()
    }
}

private struct BuildError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The tables while rules are added, in file order.
private struct Builder {
    struct Tier {
        var exact: [[UInt8]: Int] = [:]
        var prefixes: [[UInt8]: Int] = [:]
        var templates = TemplateTrieBuilder()
    }

    struct Group {
        var rules: [Int] = []
        var anyMethodRule: Int?
        /// Method -> the rule that first listed it, with the methods in order of first appearance.
        var ruleOfMethod: [String: Int] = [:]
        var methodOrder: [String] = []
    }

    var tiers: [Tier] = []
    var exactHosts: [[UInt8]: Int] = [:]
    var wildcardHosts: [[UInt8]: Int] = [:]
    var anyTier = -1
    var groups: [Group] = []
    var methods: [[[UInt8]]?] = []
    var parameterTemplates: [Template?] = []

    mutating func add(_ index: Int, host: HostPattern, path: PathPattern, methods: [String]?) throws(BuildError) {
        let tier = try tier(of: host)
        let methodBytes = try checked(methods)
        var template: Template?
        let group: Int
        switch path {
        case .exact(let text):
            guard !text.isEmpty else { throw BuildError("empty exact path") }
            group = Builder.groupIndex(&tiers[tier].exact, Array(text.utf8), &groups)
        case .prefix(let text):
            guard !text.isEmpty else { throw BuildError("empty path prefix (\"/\" matches every origin-form path)") }
            group = Builder.groupIndex(&tiers[tier].prefixes, Array(text.utf8), &groups)
        case .template(let text):
            switch Template.parse(text) {
            case .failure(let error): throw BuildError(error.message)
            case .success(let parsed): template = parsed
            }
            var count = groups.count
            group = tiers[tier].templates.group(of: template!) {
                count += 1
                return count - 1
            }
            if group == groups.count { groups.append(Group()) }
        }
        try addRule(index, methods: methods, to: group, host: host, path: path)
        self.methods.append(methodBytes)
        parameterTemplates.append(template.flatMap { $0.names.isEmpty ? nil : $0 })
    }

    /// The tier of `host`, made if new; refuses malformed hosts.
    mutating func tier(of host: HostPattern) throws(BuildError) -> Int {
        switch host {
        case .any:
            if anyTier < 0 { anyTier = newTier() }
            return anyTier
        case .exact(let text):
            var name = normalized(text)
            guard !name.isEmpty else { throw BuildError("empty host") }
            let bracketed = name.first == UInt8(ascii: "[") && name.last == UInt8(ascii: "]")
            if !bracketed && name.contains(UInt8(ascii: ":")) { throw BuildError("host \"\(text)\" must not carry a port") }
            if name.contains(UInt8(ascii: "*")) { throw BuildError("host \"\(text)\": use a wildcard pattern") }
            try checkHostBytes(name, text)
            name = name.map(asciiLower)
            if let tier = exactHosts[name] { return tier }
            let tier = newTier()
            exactHosts[name] = tier
            return tier
        case .wildcard(let suffix):
            let name = normalized(suffix)
            guard name.count >= 2, name.first == UInt8(ascii: "."), name[1] != UInt8(ascii: ".") else {
                throw BuildError("wildcard suffix \"\(suffix)\" must be a dot then a domain, e.g. \".example.com\"")
            }
            if name.contains(UInt8(ascii: "*")) || name.contains(UInt8(ascii: ":")) {
                throw BuildError("wildcard suffix \"\(suffix)\" must not hold '*' or a port")
            }
            try checkHostBytes(name, suffix)
            if let tier = wildcardHosts[name] { return tier }
            let tier = newTier()
            wildcardHosts[name] = tier
            return tier
        }
    }

    /// Lower case, without one trailing dot.
    func normalized(_ text: String) -> [UInt8] {
        var bytes = text.utf8.map(asciiLower)
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        return bytes
    }

    func checkHostBytes(_ name: [UInt8], _ text: String) throws(BuildError) {
        if name.contains(where: { $0 <= 0x20 || $0 == 0x7f || $0 == UInt8(ascii: "/") }) {
            throw BuildError("host \"\(text)\" holds a space, control byte or '/'")
        }
    }

    mutating func newTier() -> Int {
        tiers.append(Tier())
        return tiers.count - 1
    }

    /// The group of `key` in an exact or prefix table, made if new.
    static func groupIndex(_ table: inout [[UInt8]: Int], _ key: [UInt8], _ groups: inout [Group]) -> Int {
        if let group = table[key] { return group }
        groups.append(Group())
        table[key] = groups.count - 1
        return groups.count - 1
    }

    func checked(_ methods: [String]?) throws(BuildError) -> [[UInt8]]? {
        guard let methods else { return nil }
        guard !methods.isEmpty else { throw BuildError("empty method list (leave it out for any method)") }
        var result: [[UInt8]] = []
        for method in methods {
            let bytes = Array(method.utf8)
            if bytes.isEmpty || bytes.contains(where: { $0 <= 0x20 || $0 >= 0x7f }) {
                throw BuildError("method \"\(method)\" is not a token")
            }
            result.append(bytes)
        }
        return result
    }

    /// Adds rule `index` to `group`, refusing a (host, path, method) another rule already has: the later rule
    /// could never answer. A rule for any method makes every later rule of the group unreachable; it may follow
    /// rules that list methods (it answers the others).
    mutating func addRule(_ index: Int, methods: [String]?, to group: Int, host: HostPattern,
                          path: PathPattern) throws(BuildError) {
        let place = "host \(describe(host)), path \(describe(path))"
        if let earlier = groups[group].anyMethodRule {
            throw BuildError("duplicate route: route \(earlier) already answers every method for \(place)")
        }
        if let methods {
            for method in methods {
                if let earlier = groups[group].ruleOfMethod[method] {
                    throw BuildError(earlier == index
                        ? "method \(method) listed twice"
                        : "duplicate route: route \(earlier) already answers \(method) for \(place)")
                }
                groups[group].ruleOfMethod[method] = index
                groups[group].methodOrder.append(method)
            }
        } else {
            groups[group].anyMethodRule = index
        }
        groups[group].rules.append(index)
    }

    func build() -> RouteIndex {
        let tables = tiers.map { tier in
            RouteIndex.PathTable(
                exact: ByteTable(tier.exact.map { (key: $0.key, value: $0.value) }),
                templates: tier.templates.build(),
                prefixes: ByteTable(tier.prefixes.map { (key: $0.key, value: $0.value) }),
                prefixLengths: Set(tier.prefixes.keys.map(\.count)).sorted())
        }
        let finished = groups.map { group in
            var allow = group.methodOrder
            if allow.contains("GET") && !allow.contains("HEAD") { allow.append("HEAD") }
            return RouteIndex.Group(rules: group.rules, allow: group.anyMethodRule == nil ? allow : [])
        }
        var wildcardLengths = [Bool](repeating: false, count: (wildcardHosts.keys.map(\.count).max() ?? 0) + 1)
        for suffix in wildcardHosts.keys { wildcardLengths[suffix.count] = true }
        return RouteIndex(
            tiers: tables,
            exactHosts: ByteTable(exactHosts.map { (key: $0.key, value: $0.value) }),
            wildcardHosts: ByteTable(wildcardHosts.map { (key: $0.key, value: $0.value) }),
            wildcardLengths: wildcardLengths,
            anyTier: anyTier, groups: finished, methods: methods, parameterTemplates: parameterTemplates)
    }
}

private func describe(_ host: HostPattern) -> String {
    switch host {
    case .any: "any"
    case .exact(let name): "\"\(name)\""
    case .wildcard(let suffix): "\"*\(suffix)\""
    }
}

private func describe(_ path: PathPattern) -> String {
    switch path {
    case .exact(let text): "\"\(text)\""
    case .prefix(let text): "prefix \"\(text)\""
    case .template(let text): "template \"\(text)\" (or one differing only in parameter names)"
    }
}
