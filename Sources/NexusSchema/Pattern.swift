/// A compiled ECMA-262 regular expression (the subset JSON Schema patterns use), matched without backtracking.
///
/// Supported: literals, `.`, classes `[a-z]` `[^...]` with ranges and escapes, `\d \D \w \W \s \S`, `\b \B`, anchors
/// `^ $`, quantifiers `* + ? {n} {n,} {n,m}` (lazy forms too: without captures they match the same), alternation
/// `|`, groups `( )`, `(?: )`, `(?<name> )`, escapes `\n \r \t \f \v \0 \xHH \uHHHH` and escaped syntax characters.
/// Refused at compile time with a message: backreferences, lookahead and lookbehind, `\p{...}`, `\cX`, unknown
/// escapes, a lone `{` `}` or `]`, empty classes, counts above 1,000 and programs above 5,000 instructions.
///
/// Matching is a Pike VM (Thompson's construction, simulated breadth first): the work is at most the number of
/// code points times the program size, whatever the pattern, so no input can make it backtrack catastrophically.
/// The string is matched by Unicode code point (like the `u` flag), and `pattern` searches anywhere in the string
/// (it is not implicitly anchored), as JSON Schema says.
public struct Pattern: Sendable {
    /// The source text.
    public let source: String
    let program: [PatternInstruction]
    let classes: [PatternClass]
    /// The allocation-free matcher, for programs small enough (most patterns).
    let bitVM: PatternBitVM?

    /// The most instructions one pattern may compile to.
    public static let maxProgramSize = 5_000
    /// The largest count in `{n,m}`.
    public static let maxRepeat = 1_000

    /// Compiles `source`; the error says what is not supported and where.
    public init(_ source: String) throws(PatternError) {
        var parser = PatternParser(source)
        let tree = try parser.parse()
        var compiler = PatternCompiler()
        try compiler.emit(tree)
        compiler.program.append(.match)
        guard compiler.program.count <= Pattern.maxProgramSize else {
            throw PatternError(message: "the pattern compiles to more than \(Pattern.maxProgramSize) instructions", offset: 0)
        }
        self.source = source
        self.program = compiler.program
        self.classes = compiler.classes
        self.bitVM = PatternBitVM(program: compiler.program, classes: compiler.classes)
    }

    /// Whether the pattern matches anywhere in `string`.
    public func matches(_ string: String) -> Bool {
        if let bitVM { return bitVM.matches(string) }
        return matchesWithThreadList(string)
    }

    /// The general Pike VM (any program size), also used by the tests to check the bit-set one.
    func matchesWithThreadList(_ string: String) -> Bool {
        var vm = PikeVM(program: program, classes: classes)
        return vm.run(string)
    }
}

/// Why a pattern was refused: a message and the offset (in code points) in the pattern.
public struct PatternError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) (at offset \(offset))" }
}

enum PatternInstruction: Sendable {
    case scalar(Unicode.Scalar)
    case any
    case set(Int)
    case split(Int, Int)
    case jump(Int)
    case lineStart
    case lineEnd
    case wordBoundary(Bool)
    case match
}

struct PatternClass: Sendable {
    enum Item: Sendable {
        case range(UInt32, UInt32)
        case digit(Bool)  // negated?
        case word(Bool)
        case space(Bool)
    }

    var items: [Item]
    var negated: Bool

    func contains(_ c: Unicode.Scalar) -> Bool {
        var found = false
        for item in items {
            switch item {
            case .range(let lo, let hi): found = c.value >= lo && c.value <= hi
            case .digit(let negated): found = PatternClass.isDigit(c) != negated
            case .word(let negated): found = PatternClass.isWord(c) != negated
            case .space(let negated): found = PatternClass.isSpace(c) != negated
            }
            if found { break }
        }
        return found != negated
    }

    static func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }

    static func isWord(_ c: Unicode.Scalar) -> Bool {
        let v = c.value
        return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
    }

    /// ECMA-262 WhiteSpace and LineTerminator.
    static func isSpace(_ c: Unicode.Scalar) -> Bool {
        switch c.value {
        case 0x09...0x0D, 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: return true
        default: return false
        }
    }

    static func isLineTerminator(_ c: Unicode.Scalar) -> Bool {
        c.value == 0x0A || c.value == 0x0D || c.value == 0x2028 || c.value == 0x2029
    }
}
