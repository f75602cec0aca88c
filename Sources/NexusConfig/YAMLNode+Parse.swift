import CYAML

extension YAMLNode {
    /// The deepest nesting accepted; real configurations use fewer than ten levels.
    static let maxDepth = 64

    /// Parses one YAML document with libyaml's event parser.
    ///
    /// Returns nil for a stream without content (an empty file, or only comments).
    /// Refused, each with an error at its position: anchors (`&a`), aliases (`*a`), explicit tags (`!!str`),
    /// non-scalar mapping keys, duplicate keys, more than one document, nesting deeper than 64 levels.
    /// libyaml's own syntax errors carry its problem text and position.
    public static func parse(_ yaml: String, file: String) throws(ConfigErrors) -> YAMLNode? {
        let result = parse(bytes: Array(yaml.utf8), file: file)
        guard result.errors.isEmpty else { throw ConfigErrors(result.errors) }
        return result.root
    }

    /// Parses and returns every problem found instead of throwing, so the loader can report them with the
    /// decoding errors. After a syntax error, `root` is nil.
    static func parse(bytes: [UInt8], file: String) -> (root: YAMLNode?, errors: [ConfigError]) {
        var builder = TreeBuilder(file: file)
        // libyaml asserts a non-null input pointer, so the buffer is never empty; the extra byte is not passed.
        var input = bytes
        input.append(0)
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
        defer {
            parser.deallocate()
            event.deallocate()
        }
        guard yaml_parser_initialize(parser) == 1 else {
            return (nil, [ConfigError(file: file, mark: .wholeFile, key: "", message: "libyaml could not start (out of memory)")])
        }
        defer { yaml_parser_delete(parser) }

        input.withUnsafeBufferPointer { buffer in
            yaml_parser_set_input_string(parser, buffer.baseAddress, bytes.count)
            while builder.isRunning {
                guard yaml_parser_parse(parser, event) == 1 else {
                    builder.fatal(syntaxError(parser.pointee, bytes: bytes, file: file))
                    return
                }
                builder.handle(event.pointee)
                yaml_event_delete(event)
            }
        }
        return (builder.isFatal ? nil : builder.root, builder.errors)
    }

    /// Turns libyaml's error state into a ConfigError at its position.
    private static func syntaxError(_ parser: yaml_parser_t, bytes: [UInt8], file: String) -> ConfigError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        var mark = Mark(parser.problem_mark)
        var message = problem
        switch parser.error {
        case YAML_MEMORY_ERROR:
            message = "out of memory while parsing"
        case YAML_READER_ERROR:
            // The reader reports a byte offset, not a mark: find the line and column ourselves.
            mark = Self.mark(ofByte: parser.problem_offset, in: bytes)
            if parser.problem_value != -1 {
                let hex = String(parser.problem_value, radix: 16, uppercase: true)
                message += " (byte 0x\(hex))"
            }
        default:
            if let context = parser.context {
                let where_ = Mark(parser.context_mark)
                message += " (\(String(cString: context)) that starts at line \(where_.line), column \(where_.column))"
            }
        }
        return ConfigError(file: file, mark: mark, key: "", message: "YAML syntax error: \(message)")
    }

    /// The 1-based line and column of a byte offset (columns count characters, like libyaml's marks).
    private static func mark(ofByte offset: Int, in bytes: [UInt8]) -> Mark {
        var line = 1
        var column = 1
        for byte in bytes.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {  // count characters, not UTF-8 continuation bytes
                column += 1
            }
        }
        return Mark(line: line, column: column)
    }
}

extension Mark {
    /// libyaml's marks are 0-based.
    init(_ mark: yaml_mark_t) {
        self.init(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}

/// Builds the YAMLNode tree from libyaml events, with a stack instead of recursion.
private struct TreeBuilder {
    /// A mapping or sequence whose end event has not come yet.
    struct Frame {
        var isMapping: Bool
        var mark: Mark
        var items: [YAMLNode] = []
        var entries: [(key: String, keyMark: Mark, value: YAMLNode)] = []
        /// The key whose value comes next; `discard` drops that value (duplicate or invalid key).
        var pendingKey: (name: String, mark: Mark, discard: Bool)?
        var seen: [String: Mark] = [:]
    }

    let file: String
    var stack: [Frame] = []
    var root: YAMLNode?
    var errors: [ConfigError] = []
    var documents = 0
    var isRunning = true
    var isFatal = false

    init(file: String) {
        self.file = file
    }

    mutating func fatal(_ error: ConfigError) {
        errors.append(error)
        isRunning = false
        isFatal = true
    }

    mutating func fail(_ mark: Mark, _ message: String, key: String? = nil) {
        errors.append(ConfigError(file: file, mark: mark, key: key ?? currentPath(), message: message))
    }

    mutating func handle(_ event: yaml_event_t) {
        let mark = Mark(event.start_mark)
        switch event.type {
        case YAML_STREAM_START_EVENT, YAML_DOCUMENT_END_EVENT, YAML_NO_EVENT:
            break
        case YAML_STREAM_END_EVENT:
            isRunning = false
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            if documents > 1 {
                fatal(ConfigError(file: file, mark: mark, key: "",
                                  message: "more than one YAML document ('---'); a configuration file holds exactly one"))
            }
        case YAML_ALIAS_EVENT:
            fail(mark, "aliases (*name) are not supported; write the value out")
            add(.scalar("", mark, quoted: false))  // continue as if null
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            checkAnchorAndTag(anchor: scalar.anchor, tag: scalar.tag, at: mark)
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            add(.scalar(text, mark, quoted: scalar.style != YAML_PLAIN_SCALAR_STYLE))
        case YAML_SEQUENCE_START_EVENT:
            checkAnchorAndTag(anchor: event.data.sequence_start.anchor, tag: event.data.sequence_start.tag, at: mark)
            push(Frame(isMapping: false, mark: mark))
        case YAML_MAPPING_START_EVENT:
            checkAnchorAndTag(anchor: event.data.mapping_start.anchor, tag: event.data.mapping_start.tag, at: mark)
            push(Frame(isMapping: true, mark: mark))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else {
                preconditionFailure("libyaml sent an end event without a start event")
            }
            add(frame.isMapping ? .mapping(frame.entries, frame.mark) : .sequence(frame.items, frame.mark))
        default:
            preconditionFailure("unknown libyaml event type \(event.type.rawValue)")
        }
    }

    private mutating func checkAnchorAndTag(anchor: UnsafeMutablePointer<yaml_char_t>?,
                                            tag: UnsafeMutablePointer<yaml_char_t>?, at mark: Mark) {
        if let anchor {
            fail(mark, "anchors (&\(String(cString: anchor))) are not supported; write the value out")
        }
        if let tag {
            fail(mark, "tags (\(String(cString: tag))) are not supported; quote the value to make it a string")
        }
    }

    private mutating func push(_ frame: Frame) {
        if stack.count >= YAMLNode.maxDepth {
            fatal(ConfigError(file: file, mark: frame.mark, key: currentPath(),
                              message: "nesting deeper than \(YAMLNode.maxDepth) levels"))
        }
        stack.append(frame)
    }

    /// Attaches a finished node to its parent, or makes it the document's root.
    private mutating func add(_ node: YAMLNode) {
        guard let top = stack.indices.last else {
            root = node
            return
        }
        guard stack[top].isMapping else {
            stack[top].items.append(node)
            return
        }
        if let key = stack[top].pendingKey {
            stack[top].pendingKey = nil
            if !key.discard {
                stack[top].entries.append((key: key.name, keyMark: key.mark, value: node))
            }
            return
        }
        // The node is a key.
        guard case .scalar(let name, let mark, _) = node else {
            fail(node.mark, "mapping keys must be plain strings, not \(node.kindDescription)")
            stack[top].pendingKey = (name: "", mark: node.mark, discard: true)
            return
        }
        if let first = stack[top].seen[name] {
            fail(mark, "duplicate key '\(name)' (first at line \(first.line))",
                 key: Self.join(currentPath(), name))
            stack[top].pendingKey = (name: name, mark: mark, discard: true)
        } else {
            stack[top].seen[name] = mark
            stack[top].pendingKey = (name: name, mark: mark, discard: false)
        }
    }

    /// The dotted path of the node being built, such as `routes[1].headers`.
    private func currentPath() -> String {
        var path = ""
        for frame in stack {
            if frame.isMapping {
                if let key = frame.pendingKey { path = Self.join(path, key.name) }
            } else {
                path += "[\(frame.items.count)]"
            }
        }
        return path
    }

    static func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? key : "\(path).\(key)"
    }
}
