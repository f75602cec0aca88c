extension SchemaValidator {
    /// "1 item", "2 items".
    static func count(_ n: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(n) \(n == 1 ? singular : plural ?? singular + "s")"
    }

    mutating func applyNumber(_ check: SchemaCheck, _ node: Int, _ n: JSONNumber) -> Bool {
        switch check {
        case .minimum(let limit):
            if n.compare(limit) >= 0 { return true }
            fail(node, "minimum", "must be >= \(limit.literal), not \(n.literal)")
        case .exclusiveMinimum(let limit):
            if n.compare(limit) > 0 { return true }
            fail(node, "exclusiveMinimum", "must be > \(limit.literal), not \(n.literal)")
        case .maximum(let limit):
            if n.compare(limit) <= 0 { return true }
            fail(node, "maximum", "must be <= \(limit.literal), not \(n.literal)")
        case .exclusiveMaximum(let limit):
            if n.compare(limit) < 0 { return true }
            fail(node, "exclusiveMaximum", "must be < \(limit.literal), not \(n.literal)")
        case .multipleOf(let divisor):
            if SchemaValidator.isMultiple(n, of: divisor) { return true }
            fail(node, "multipleOf", "must be a multiple of \(divisor.literal), not \(n.literal)")
        default:
            preconditionFailure("applyNumber: not a number keyword")
        }
        return false
    }

    static func isMultiple(_ n: JSONNumber, of divisor: JSONNumber) -> Bool {
        // Integers below 2^53 are exact in Doubles.
        if n.isInteger && divisor.isInteger && abs(n.double) < 9.0e15 && divisor.double < 9.0e15 {
            return n.double.truncatingRemainder(dividingBy: divisor.double) == 0
        }
        return n.isMultiple(of: divisor)
    }

    /// The first pair of equal elements: pairwise for short arrays, through hash buckets for long ones (so a
    /// request cannot make this quadratic).
    static func firstDuplicate(_ elements: [JSONValue]) -> (Int, Int)? {
        if elements.count <= 16 {
            for i in elements.indices {
                for j in (i + 1)..<elements.count where elements[i] == elements[j] { return (i, j) }
            }
            return nil
        }
        var buckets: [Int: [Int]] = [:]
        buckets.reserveCapacity(elements.count)
        for (j, element) in elements.enumerated() {
            let hash = element.equalityHash
            if let earlier = buckets[hash], let i = earlier.first(where: { elements[$0] == element }) { return (i, j) }
            buckets[hash, default: []].append(j)
        }
        return nil
    }

    mutating func applyString(_ check: SchemaCheck, _ node: Int, _ s: String) -> Bool {
        switch check {
        case .minLength(let limit):
            // Code points, counted only as far as needed.
            if s.utf8.count / 4 >= limit { return true }
            var count = 0
            for _ in s.unicodeScalars {
                count += 1
                if count >= limit { return true }
            }
            if count >= limit { return true }
            fail(node, "minLength", "must be at least \(SchemaValidator.count(limit, "character")) long, not \(count)")
        case .maxLength(let limit):
            if s.utf8.count <= limit { return true }
            let count = s.unicodeScalars.count
            if count <= limit { return true }
            fail(node, "maxLength", "must be at most \(SchemaValidator.count(limit, "character")) long, not \(count)")
        case .pattern(let pattern):
            if pattern.matches(s) { return true }
            fail(node, "pattern", "must match the pattern \(JSONValue.string(pattern.source).serialized)")
        default:
            preconditionFailure("applyString: not a string keyword")
        }
        return false
    }

    mutating func applyArray(_ check: SchemaCheck, _ node: Int, _ elements: [JSONValue]) -> Bool {
        switch check {
        case .minItems(let limit):
            if elements.count >= limit { return true }
            fail(node, "minItems", "must have at least \(SchemaValidator.count(limit, "item")), not \(elements.count)")
        case .maxItems(let limit):
            if elements.count <= limit { return true }
            fail(node, "maxItems", "must have at most \(SchemaValidator.count(limit, "item")), not \(elements.count)")
        case .uniqueItems:
            if let (i, j) = SchemaValidator.firstDuplicate(elements) {
                fail(node, "uniqueItems", "items must be unique: items \(i) and \(j) are equal")
                return false
            }
            return true
        case .items(let prefix, let rest):
            var valid = true
            for (i, element) in elements.enumerated() {
                let n = i < prefix.count ? prefix[i] : rest
                guard let n else { break }
                if !self.check(n, element, at: .index(i)) {
                    valid = false
                    if !collect { return false }
                }
            }
            return valid
        case .contains(let n, let minimum, let maximum):
            var matches = 0
            for element in elements where quietly(n, element) {
                matches += 1
                if matches >= minimum && maximum == nil { return true }
            }
            if matches >= minimum && matches <= (maximum ?? Int.max) { return true }
            if matches < minimum {
                fail(node, "contains", "must contain at least \(minimum) item\(minimum == 1 ? "" : "s") matching contains, not \(matches)")
            } else {
                fail(node, "maxContains", "must contain at most \(maximum!) items matching contains, not \(matches)")
            }
        default:
            preconditionFailure("applyArray: not an array keyword")
        }
        return false
    }

    mutating func applyObject(_ check: SchemaCheck, _ node: Int, _ object: JSONObject, _ instance: JSONValue) -> Bool {
        switch check {
        case .minProperties(let limit):
            if object.count >= limit { return true }
            fail(node, "minProperties", "must have at least \(SchemaValidator.count(limit, "property", "properties")), not \(object.count)")
        case .maxProperties(let limit):
            if object.count <= limit { return true }
            fail(node, "maxProperties", "must have at most \(SchemaValidator.count(limit, "property", "properties")), not \(object.count)")
        case .required(let names):
            var valid = true
            for name in names where !object.contains(name) {
                fail(node, "required", "required property \(JSONValue.string(name).serialized) is missing")
                valid = false
                if !collect { return false }
            }
            return valid
        case .properties(let rules):
            return applyProperties(rules, node, object)
        case .propertyNames(let n):
            var valid = true
            for member in object.members where !quietly(n, .string(member.key)) {
                fail(node, "propertyNames", "property name \(JSONValue.string(member.key).serialized) does not match propertyNames")
                valid = false
                if !collect { return false }
            }
            return valid
        case .dependentRequired(let list):
            var valid = true
            for (trigger, names) in list where object.contains(trigger) {
                for name in names where !object.contains(name) {
                    fail(node, "dependentRequired", "property \(JSONValue.string(name).serialized) is required when \(JSONValue.string(trigger).serialized) is present")
                    valid = false
                    if !collect { return false }
                }
            }
            return valid
        case .dependentSchemas(let list):
            var valid = true
            for (trigger, n) in list where object.contains(trigger) && !self.check(n, instance) {
                valid = false
                if !collect { return false }
            }
            return valid
        default:
            preconditionFailure("applyObject: not an object keyword")
        }
        return false
    }

    mutating func applyProperties(_ rules: PropertyRules, _ node: Int, _ object: JSONObject) -> Bool {
        var valid = true
        for member in object.members {
            var matched = false
            if let n = rules.node(for: member.key) {
                matched = true
                if !self.check(n, member.value, at: .key(member.key)) {
                    valid = false
                    if !collect { return false }
                }
            }
            for (pattern, n) in rules.patterns where pattern.matches(member.key) {
                matched = true
                if !self.check(n, member.value, at: .key(member.key)) {
                    valid = false
                    if !collect { return false }
                }
            }
            if !matched, let n = rules.additional {
                if nodes[n].constant == false {
                    // The common case gets a message that names the property.
                    if collect {
                        path.append(.key(member.key))
                        fail(n, "", keyword: "additionalProperties", "property \(JSONValue.string(member.key).serialized) is not allowed (additionalProperties is false)")
                        path.removeLast()
                    }
                    valid = false
                    if !collect { return false }
                } else if !self.check(n, member.value, at: .key(member.key)) {
                    valid = false
                    if !collect { return false }
                }
            }
        }
        return valid
    }
}
