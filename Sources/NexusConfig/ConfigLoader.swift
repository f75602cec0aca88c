#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads YAML configuration into a checked `NexusConfig`.
///
/// Every problem found is reported, each with file, line, column and key; see `ConfigErrors`.
public enum ConfigLoader {
    /// Configuration files larger than this are refused (a typo'd path to a log file, say).
    public static let maxFileBytes = 16 << 20

    /// Reads and decodes a configuration file. A file that cannot be read gives one error at line 0.
    public static func load(path: String) throws(ConfigErrors) -> NexusConfig {
        let bytes: [UInt8]
        do {
            bytes = try readFile(path)
        } catch {
            throw ConfigErrors([error])
        }
        return try decode(bytes: bytes, file: path)
    }

    /// Decodes configuration text; `file` names it in errors.
    public static func parse(_ yaml: String, file: String) throws(ConfigErrors) -> NexusConfig {
        try decode(bytes: Array(yaml.utf8), file: file)
    }

    /// Decodes one route given as a YAML or JSON mapping (a runtime route from the admin API), with the same rules
    /// and messages as an item of `routes`; `upstreams` are the names a proxy route may use. `source` names it in
    /// errors. Its `name` is set to `name` (a `name` key in the mapping must equal it).
    public static func parseRoute(_ bytes: [UInt8], name: String, upstreams: [String], source: String) throws(ConfigErrors) -> RouteConfig {
        let (root, yamlErrors) = YAMLNode.parse(bytes: bytes, file: source)
        if root == nil && !yamlErrors.isEmpty { throw ConfigErrors(yamlErrors) }
        var decoder = ConfigDecoder(file: source)
        decoder.upstreamNames = upstreams
        var route: RouteConfig?
        if let root, let fields = decoder.fields(root, path: "route", allowed: ConfigDecoder.routeKeys) {
            route = decoder.decodeRoute(fields)
            if let r = route, fields["name"] != nil, r.name != name {
                decoder.fail(fields.keyMark("name") ?? fields.mark, "route.name", "the name in the body differs from the name in the path")
            }
        } else if root == nil {
            decoder.fail(Mark(line: 1, column: 1), "route", "expected a mapping, got nothing")
        }
        let errors = (yamlErrors + decoder.errors).sortedByPosition()
        guard var route, errors.isEmpty else { throw ConfigErrors(errors) }
        route.name = name
        route.line = 0
        return route
    }

    /// A workflow's definition (JSON, the keys of an item of `workflows`) checked as the configuration's are; the
    /// name comes from `name` (a `name` key in the body must agree).
    public static func parseWorkflow(_ bytes: [UInt8], name: String, upstreams: [String], source: String) throws(ConfigErrors) -> WorkflowConfig {
        let (root, yamlErrors) = YAMLNode.parse(bytes: bytes, file: source)
        if root == nil && !yamlErrors.isEmpty { throw ConfigErrors(yamlErrors) }
        var decoder = ConfigDecoder(file: source)
        decoder.upstreamNames = upstreams
        var workflow: WorkflowConfig?
        if let root, case .mapping(var pairs, let mark) = root {
            if let i = pairs.firstIndex(where: { $0.key == "name" }) {
                if case .scalar(let given, _, _) = pairs[i].value, given != name {
                    decoder.fail(pairs[i].keyMark, "workflow.name", "the name in the body differs from the name in the path")
                }
                pairs.remove(at: i)
            }
            pairs.insert((key: "name", keyMark: mark, value: .scalar(name, mark, quoted: true)), at: 0)
            let list = decoder.decodeWorkflows(.sequence([.mapping(pairs, mark)], mark), path: "workflows")
            workflow = list.first
        } else {
            decoder.fail(root?.mark ?? Mark(line: 1, column: 1), "workflow", "expected a mapping")
        }
        let errors = (yamlErrors + decoder.errors).sortedByPosition()
        guard var workflow, errors.isEmpty else { throw ConfigErrors(errors) }
        workflow.line = 0
        return workflow
    }

    /// The first route that duplicates an earlier one (by name, or by host, match and an overlapping method), with
    /// why: for a route list assembled outside a file (the file's routes with runtime routes on top).
    public static func firstDuplicate(in routes: [RouteConfig]) -> (route: RouteConfig, reason: String)? {
        ConfigDecoder.firstDuplicate(in: routes)
    }

    private static func decode(bytes: [UInt8], file: String) throws(ConfigErrors) -> NexusConfig {
        let (root, yamlErrors) = YAMLNode.parse(bytes: bytes, file: file)
        // A syntax error leaves no tree; other YAML errors (duplicate keys, aliases) leave one worth checking.
        if root == nil && !yamlErrors.isEmpty {
            throw ConfigErrors(yamlErrors)
        }
        var decoder = ConfigDecoder(file: file)
        let config = decoder.decodeRoot(root)
        let errors = (yamlErrors + decoder.errors).sortedByPosition()
        guard let config, errors.isEmpty else {
            throw ConfigErrors(errors)
        }
        return config
    }

    /// Reads a whole file with open(2) and read(2).
    static func readFile(_ path: String) throws(ConfigError) -> [UInt8] {
        func failure(_ what: String, _ code: Int32) -> ConfigError {
            ConfigError(file: path, mark: .wholeFile, key: "", message: "\(what): \(String(cString: strerror(code)))")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw failure("cannot open configuration", errno) }
        defer { close(fd) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                let code = errno
                if code == EINTR { continue }
                throw failure("cannot read configuration", code)
            }
            if count == 0 { return contents }
            contents.append(contentsOf: chunk[0..<count])
            if contents.count > maxFileBytes {
                throw ConfigError(file: path, mark: .wholeFile, key: "",
                                  message: "configuration file is larger than \(ValueParsers.formatSize(maxFileBytes))")
            }
        }
    }
}
