/// One validation pass. With `collect` false it answers valid/invalid and stops at the first failure, keeping no
/// path (the fast pass); with `collect` true it records every violation with the instance path it tracks.
struct SchemaValidator {
    enum PathToken {
        case key(String)
        case index(Int)
    }

    let nodes: [SchemaNode]
    /// Recording violations; turns false once `maxViolations` are recorded, so the pass then ends quickly.
    var collect: Bool
    let maxViolations: Int
    var path: [PathToken] = []
    var violations: [Violation] = []

    init(nodes: [SchemaNode], collect: Bool, maxViolations: Int = .max) {
        self.nodes = nodes
        self.collect = collect
        self.maxViolations = maxViolations
    }

    var instanceLocation: String {
        var out = ""
        for token in path {
            out += "/"
            switch token {
            case .key(let k): out += JSONPointer.escape(k)
            case .index(let i): out += String(i)
            }
        }
        return out
    }

    /// Records a violation of `keyword` in node `node` (an empty keyword: the node itself, a false schema, which
    /// `name` can label).
    mutating func fail(_ node: Int, _ keyword: String, keyword name: String = "false", _ message: @autoclosure () -> String) {
        guard collect else { return }
        let location = keyword.isEmpty ? nodes[node].location : nodes[node].location + "/" + keyword
        violations.append(Violation(instanceLocation: instanceLocation, keywordLocation: location, keyword: keyword.isEmpty ? name : keyword,
                                    message: message()))
        if violations.count >= maxViolations { collect = false }
    }

    /// Validates `instance` against node `node` (in the current path).
    mutating func check(_ node: Int, _ instance: JSONValue) -> Bool {
        if let constant = nodes[node].constant {
            if !constant { fail(node, "", "no value is allowed here (the schema is false)") }
            return constant
        }
        var valid = true
        for check in nodes[node].checks {
            if !apply(check, node, instance) {
                valid = false
                if !collect { return false }
            }
        }
        return valid
    }

    /// Validates a child value: `instance` at `token` under the current path.
    mutating func check(_ node: Int, _ instance: JSONValue, at token: PathToken) -> Bool {
        guard collect else { return check(node, instance) }
        path.append(token)
        let valid = check(node, instance)
        path.removeLast()
        return valid
    }

    /// Whether `instance` is valid against `node`, recording nothing (for anyOf, oneOf, not, if, contains).
    func quietly(_ node: Int, _ instance: JSONValue) -> Bool {
        var probe = SchemaValidator(nodes: nodes, collect: false)
        return probe.check(node, instance)
    }

    mutating func apply(_ check: SchemaCheck, _ node: Int, _ instance: JSONValue) -> Bool {
        switch check {
        case .type(let types):
            if types.matches(instance) { return true }
            fail(node, "type", "must be \(types.description), not \(instance.typeName)")
            return false
        case .enumeration(let values):
            for v in values where v == instance { return true }
            fail(node, "enum", values.isEmpty ? "no value is allowed (enum is empty)" : values.count == 1 ? "must be \(values[0].serialized)" :
                "must be one of \(values.prefix(10).map(\.serialized).joined(separator: ", "))\(values.count > 10 ? ", ..." : "")")
            return false
        case .constant(let value):
            if value == instance { return true }
            fail(node, "const", "must be \(value.serialized)")
            return false
        case .ref(let target):
            return self.check(target, instance)
        case .allOf(let list):
            var valid = true
            for n in list where !self.check(n, instance) {
                valid = false
                if !collect { return false }
            }
            return valid
        case .anyOf(let list):
            for n in list where quietly(n, instance) { return true }
            fail(node, "anyOf", "must match at least one of the \(list.count) schemas in anyOf")
            return false
        case .oneOf(let list):
            var matched: [Int] = []
            for (k, n) in list.enumerated() where quietly(n, instance) {
                matched.append(k)
                if matched.count > 1 && !collect { return false }
            }
            if matched.count == 1 { return true }
            fail(node, "oneOf", matched.isEmpty ? "must match exactly one of the \(list.count) schemas in oneOf (matches none)"
                : "must match exactly one of the \(list.count) schemas in oneOf (matches \(matched.map(String.init).joined(separator: ", ")))")
            return false
        case .not(let n):
            if !quietly(n, instance) { return true }
            fail(node, "not", "must not match the schema in not")
            return false
        case .conditional(let condition, let then, let otherwise):
            if quietly(condition, instance) {
                return then.map { self.check($0, instance) } ?? true
            }
            return otherwise.map { self.check($0, instance) } ?? true
        case .minimum, .exclusiveMinimum, .maximum, .exclusiveMaximum, .multipleOf:
            guard case .number(let n) = instance else { return true }
            return applyNumber(check, node, n)
        case .minLength, .maxLength, .pattern:
            guard case .string(let s) = instance else { return true }
            return applyString(check, node, s)
        case .minItems, .maxItems, .uniqueItems, .items, .contains:
            guard case .array(let elements) = instance else { return true }
            return applyArray(check, node, elements)
        case .minProperties, .maxProperties, .required, .properties, .propertyNames, .dependentRequired, .dependentSchemas:
            guard case .object(let object) = instance else { return true }
            return applyObject(check, node, object, instance)
        }
    }
}
