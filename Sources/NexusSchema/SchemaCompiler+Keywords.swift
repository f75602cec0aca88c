extension SchemaCompiler {
    /// The checks of one object schema, in the order its keywords appear (grouped keywords at the first of them).
    mutating func compileKeywords(_ object: JSONObject, at location: String, node: Int, into checks: inout [SchemaCheck]) {
        let supported = Set(Schema.supportedKeywords)
        var propertiesDone = false
        var itemsDone = false
        var containsDone = false
        var conditionalDone = false
        for member in object.members {
            let key = member.key
            let value = member.value
            let at = location + "/" + JSONPointer.escape(key)
            guard supported.contains(key) else {
                let hint = SchemaCompiler.refusedHints[key].map { " (\($0))" } ?? ""
                problem(at, "unsupported keyword \"\(key)\"\(hint); supported keywords: "
                    + Schema.supportedKeywords.joined(separator: ", "))
                continue
            }
            switch key {
            case "$schema":
                guard case .string(let uri) = value, uri == Schema.dialect || uri == Schema.dialect + "#" else {
                    problem(at, "only JSON Schema draft 2020-12 is supported (\"$schema\": \"\(Schema.dialect)\")")
                    continue
                }
            case "$id", "$comment", "title", "description", "format", "contentMediaType", "contentEncoding":
                guard case .string = value else { problem(at, "\(key) must be a string"); continue }
            case "readOnly", "writeOnly", "deprecated":
                guard case .bool = value else { problem(at, "\(key) must be a boolean"); continue }
            case "default", "examples":
                continue
            case "$defs", "definitions":
                _ = schemaMap(value, location, key)
            case "$ref":
                guard case .string(let ref) = value else { problem(at, "$ref must be a string"); continue }
                guard embeddedResources == 0 else {
                    problem(at, "$ref inside a subschema with its own $id is not supported (it would resolve against that $id); "
                        + "move the $id to the root or drop it")
                    continue
                }
                pendingRefs.append((node, checks.count, ref, at))
                checks.append(.ref(-1))
            case "type":
                if let types = typeSet(value, at) { checks.append(.type(types)) }
            case "enum":
                guard case .array(let values) = value else { problem(at, "enum must be an array"); continue }
                checks.append(.enumeration(values))
            case "const":
                checks.append(.constant(value))
            case "minimum":
                if let n = number(value, location, key) { checks.append(.minimum(n)) }
            case "maximum":
                if let n = number(value, location, key) { checks.append(.maximum(n)) }
            case "exclusiveMinimum":
                if let n = number(value, location, key) { checks.append(.exclusiveMinimum(n)) }
            case "exclusiveMaximum":
                if let n = number(value, location, key) { checks.append(.exclusiveMaximum(n)) }
            case "multipleOf":
                guard let n = number(value, location, key) else { continue }
                guard n.compare(JSONNumber(0)) > 0 else { problem(at, "multipleOf must be greater than 0"); continue }
                checks.append(.multipleOf(n))
            case "minLength":
                if let n = nonNegative(value, location, key) { checks.append(.minLength(n)) }
            case "maxLength":
                if let n = nonNegative(value, location, key) { checks.append(.maxLength(n)) }
            case "pattern":
                guard case .string(let source) = value else { problem(at, "pattern must be a string"); continue }
                if let p = compilePattern(source, at) { checks.append(.pattern(p)) }
            case "minItems":
                if let n = nonNegative(value, location, key) { checks.append(.minItems(n)) }
            case "maxItems":
                if let n = nonNegative(value, location, key) { checks.append(.maxItems(n)) }
            case "uniqueItems":
                guard case .bool(let b) = value else { problem(at, "uniqueItems must be a boolean"); continue }
                if b { checks.append(.uniqueItems) }
            case "items", "prefixItems":
                guard !itemsDone else { continue }
                itemsDone = true
                var prefix: [Int] = []
                if let p = object["prefixItems"] { prefix = schemaList(p, location, "prefixItems") ?? [] }
                var rest: Int? = nil
                if let items = object["items"] {
                    if case .array = items {
                        problem(location + "/items", "items must be a schema in draft 2020-12 (the array form is now prefixItems)")
                    } else {
                        rest = child(items, location, "items")
                    }
                }
                checks.append(.items(prefix: prefix, rest: rest))
            case "contains", "minContains", "maxContains":
                guard !containsDone else { continue }
                containsDone = true
                let minimum = object["minContains"].flatMap { nonNegative($0, location, "minContains") } ?? 1
                let maximum = object["maxContains"].flatMap { nonNegative($0, location, "maxContains") }
                // Without contains, minContains and maxContains do nothing (2020-12 section 10.3.1.4).
                if let c = object["contains"] { checks.append(.contains(child(c, location, "contains"), min: minimum, max: maximum)) }
            case "minProperties":
                if let n = nonNegative(value, location, key) { checks.append(.minProperties(n)) }
            case "maxProperties":
                if let n = nonNegative(value, location, key) { checks.append(.maxProperties(n)) }
            case "required":
                if let names = stringList(value, at, key), !names.isEmpty { checks.append(.required(names)) }
            case "properties", "patternProperties", "additionalProperties":
                guard !propertiesDone else { continue }
                propertiesDone = true
                checks.append(.properties(propertyRules(object, location)))
            case "propertyNames":
                checks.append(.propertyNames(child(value, location, key)))
            case "dependentRequired":
                guard case .object(let map) = value else { problem(at, "dependentRequired must be an object of string arrays"); continue }
                var list: [(String, [String])] = []
                for m in map.members {
                    if let names = stringList(m.value, at + "/" + JSONPointer.escape(m.key), key) { list.append((m.key, names)) }
                }
                checks.append(.dependentRequired(list))
            case "dependentSchemas":
                if let map = schemaMap(value, location, key) { checks.append(.dependentSchemas(map)) }
            case "allOf":
                if let list = schemaList(value, location, key) { checks.append(.allOf(list)) }
            case "anyOf":
                if let list = schemaList(value, location, key) { checks.append(.anyOf(list)) }
            case "oneOf":
                if let list = schemaList(value, location, key) { checks.append(.oneOf(list)) }
            case "not":
                checks.append(.not(child(value, location, key)))
            case "if", "then", "else":
                guard !conditionalDone else { continue }
                conditionalDone = true
                let thenNode = object["then"].map { child($0, location, "then") }
                let elseNode = object["else"].map { child($0, location, "else") }
                // Without if, then and else do nothing (they are still compiled, so refs into them resolve).
                if let condition = object["if"] {
                    checks.append(.conditional(if: child(condition, location, "if"), then: thenNode, else: elseNode))
                }
            default:
                preconditionFailure("SchemaCompiler: supported keyword \(key) has no case")
            }
        }
    }

    /// Why some well-known keywords are refused.
    static let refusedHints: [String: String] = [
        "unevaluatedProperties": "not implemented: list the allowed properties and use additionalProperties",
        "unevaluatedItems": "not implemented: use items with prefixItems",
        "$anchor": "not implemented: refer to the schema with a JSON pointer, #/$defs/name",
        "$dynamicRef": "not implemented", "$dynamicAnchor": "not implemented", "$vocabulary": "not implemented",
        "$recursiveRef": "draft 2019-09; not implemented", "$recursiveAnchor": "draft 2019-09; not implemented",
        "dependencies": "draft 7: use dependentRequired or dependentSchemas",
        "additionalItems": "draft 2019-09: in 2020-12, items applies after prefixItems",
        "contentSchema": "not implemented",
    ]

    mutating func typeSet(_ value: JSONValue, _ at: String) -> TypeSet? {
        func one(_ v: JSONValue) -> TypeSet? {
            guard case .string(let name) = v, let t = TypeSet.names.first(where: { $0.0 == name }) else { return nil }
            return t.1
        }
        var set: TypeSet = []
        switch value {
        case .string:
            guard let t = one(value) else { break }
            return t
        case .array(let names):
            guard !names.isEmpty else { break }
            for name in names {
                guard let t = one(name), !set.contains(t) else { set = []; break }
                set.insert(t)
            }
            if !set.isEmpty { return set }
        default: break
        }
        problem(at, "type must be one of null, boolean, integer, number, string, array, object, or a non-empty array of them without repeats")
        return nil
    }

    mutating func propertyRules(_ object: JSONObject, _ location: String) -> PropertyRules {
        var named: [(String, Int)] = []
        var patterns: [(Pattern, Int)] = []
        var additional: Int? = nil
        if let properties = object["properties"] {
            named = schemaMap(properties, location, "properties") ?? []
        }
        if let patternsValue = object["patternProperties"] {
            if case .object(let map) = patternsValue {
                for m in map.members {
                    let node = child(m.value, location, "patternProperties", m.key)
                    if let p = compilePattern(m.key, location + "/patternProperties/" + JSONPointer.escape(m.key)) {
                        patterns.append((p, node))
                    }
                }
            } else {
                problem(location + "/patternProperties", "patternProperties must be an object whose values are schemas")
            }
        }
        if let additionalValue = object["additionalProperties"] {
            additional = child(additionalValue, location, "additionalProperties")
        }
        return PropertyRules(named: named, patterns: patterns, additional: additional)
    }
}
