/// One problem found in a configuration file, pointing at where it is.
///
/// Prints as `FILE:LINE:COLUMN: KEY: MESSAGE`, the format compilers use, so editors can jump to it.
/// `key` is the dotted path of the offending value (`listeners[0].address`); it is empty for problems that
/// belong to no key (YAML syntax errors, an unreadable file), and then the `KEY: ` part is left out.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file name as given to the loader.
    public var file: String
    /// 1-based line; 0 when the error concerns the whole file.
    public var line: Int
    /// 1-based column; 0 when the error concerns the whole file.
    public var column: Int
    /// Dotted path of the key, such as `timeouts.header_read` or `routes[2].methods[0]`; may be empty.
    public var key: String
    /// What is wrong, and where possible what would be right.
    public var message: String

    public init(file: String, line: Int, column: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
    }

    init(file: String, mark: Mark, key: String, message: String) {
        self.init(file: file, line: mark.line, column: mark.column, key: key, message: message)
    }

    public var description: String {
        key.isEmpty ? "\(file):\(line):\(column): \(message)" : "\(file):\(line):\(column): \(key): \(message)"
    }
}

/// Every problem found in one configuration file, in file order.
///
/// Loading reports all the errors it can find in one pass, so a user fixes a file in one edit rather than one
/// error per run. Prints one error per line.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public var errors: [ConfigError]

    public init(_ errors: [ConfigError]) {
        self.errors = errors
    }

    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}

extension [ConfigError] {
    /// Sorted by position; the sort is stable, so errors at the same place keep the order they were found in.
    func sortedByPosition() -> [ConfigError] {
        enumerated()
            .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
    }
}
