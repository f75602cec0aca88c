/// A position in a configuration file, 1-based like editors and compilers print it.
///
/// `line == 0` means the error is about the file as a whole (for example, it could not be read).
public struct Mark: Sendable, Hashable, CustomStringConvertible {
    /// The line, counting from 1.
    public var line: Int
    /// The column in characters (not bytes), counting from 1.
    public var column: Int

    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// The mark for errors that concern the whole file rather than a position in it.
    public static let wholeFile = Mark(line: 0, column: 0)

    public var description: String { "\(line):\(column)" }
}
