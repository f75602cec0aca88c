/// Walks a schema document once: one node per (sub)schema, keyword values checked, `$ref` resolved at the end.
struct SchemaCompiler {
    let document: JSONValue
    var nodes: [SchemaNode] = []
    var problems: [SchemaError.Problem] = []
    /// Node index of every compiled schema by its location (`#/properties/a`).
    var byLocation: [String: Int] = [:]
    /// `$ref`s to resolve once every node exists: node, index of the check, the reference, its location.
    var pendingRefs: [(node: Int, check: Int, ref: String, location: String)] = []
    /// How many subschemas with their own `$id` enclose the one being compiled: inside one, `#/...` would be
    /// relative to that resource (not implemented), so a `$ref` there is refused rather than resolved wrongly.
    var embeddedResources = 0

    init(document: JSONValue) {
        self.document = document
    }

    mutating func compile() throws(SchemaError) -> [SchemaNode] {
        _ = compileSchema(document, at: "#")
        resolveRefs()
        if problems.isEmpty { findInPlaceCycles() }
        if !problems.isEmpty { throw SchemaError(problems: problems) }
        return nodes
    }

    mutating func problem(_ location: String, _ message: String) {
        problems.append(.init(location: location, message: message))
    }

    /// Compiles the schema at `location`; returns its node index.
    mutating func compileSchema(_ value: JSONValue, at location: String) -> Int {
        let index = nodes.count
        nodes.append(SchemaNode(location: location))
        byLocation[location] = index
        switch value {
        case .bool(let b):
            nodes[index].constant = b
        case .object(let object):
            let embedded = location != "#" && object["$id"] != nil
            if embedded { embeddedResources += 1 }
            var checks: [SchemaCheck] = []
            compileKeywords(object, at: location, node: index, into: &checks)
            nodes[index].checks = checks
            if embedded { embeddedResources -= 1 }
        default:
            problem(location, "a schema must be an object or a boolean, not \(value.typeName)")
        }
        return index
    }

    /// A subschema under `location` + `/token`.
    mutating func child(_ value: JSONValue, _ location: String, _ tokens: String...) -> Int {
        compileSchema(value, at: location + tokens.map { "/" + JSONPointer.escape($0) }.joined())
    }

    /// A non-empty array of subschemas.
    mutating func schemaList(_ value: JSONValue, _ location: String, _ keyword: String) -> [Int]? {
        guard case .array(let elements) = value, !elements.isEmpty else {
            problem(location + "/" + keyword, "\(keyword) must be a non-empty array of schemas")
            return nil
        }
        return elements.indices.map { child(elements[$0], location, keyword, String($0)) }
    }

    /// An object whose members are subschemas.
    mutating func schemaMap(_ value: JSONValue, _ location: String, _ keyword: String) -> [(String, Int)]? {
        guard case .object(let object) = value else {
            problem(location + "/" + keyword, "\(keyword) must be an object whose values are schemas")
            return nil
        }
        return object.members.map { ($0.key, child($0.value, location, keyword, $0.key)) }
    }

    func count(_ value: JSONValue) -> Int? {
        guard case .number(let n) = value, n.isInteger, n.double >= 0 else { return nil }
        return n.double > Double(Int.max / 2) ? Int.max / 2 : Int(n.double)
    }

    mutating func nonNegative(_ value: JSONValue, _ location: String, _ keyword: String) -> Int? {
        guard let n = count(value) else {
            problem(location + "/" + keyword, "\(keyword) must be a non-negative integer")
            return nil
        }
        return n
    }

    mutating func number(_ value: JSONValue, _ location: String, _ keyword: String) -> JSONNumber? {
        guard case .number(let n) = value else {
            problem(location + "/" + keyword, "\(keyword) must be a number")
            return nil
        }
        return n
    }

    mutating func stringList(_ value: JSONValue, _ location: String, _ keyword: String) -> [String]? {
        guard case .array(let elements) = value else {
            problem(location, "\(keyword) must be an array of unique strings")
            return nil
        }
        var names: [String] = []
        for element in elements {
            guard case .string(let s) = element, !names.contains(s) else {
                problem(location, "\(keyword) must be an array of unique strings")
                return nil
            }
            names.append(s)
        }
        return names
    }

    mutating func compilePattern(_ source: String, _ location: String) -> Pattern? {
        do {
            return try Pattern(source)
        } catch {
            problem(location, "unsupported or invalid pattern \"\(source)\": \(error)")
            return nil
        }
    }
}
