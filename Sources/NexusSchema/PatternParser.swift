/// The syntax tree of a pattern.
indirect enum PatternNode {
    case empty
    case scalar(Unicode.Scalar)
    case any
    case set(PatternClass)
    case lineStart
    case lineEnd
    case wordBoundary(Bool)
    case sequence([PatternNode])
    case alternation([PatternNode])
    case repeat_(PatternNode, min: Int, max: Int?)
}

/// Recursive descent over the ECMA-262 pattern grammar (the supported subset).
struct PatternParser {
    let chars: [Unicode.Scalar]
    var i = 0
    var depth = 0

    init(_ source: String) {
        chars = Array(source.unicodeScalars)
    }

    func fail(_ message: String, at offset: Int? = nil) -> PatternError {
        PatternError(message: message, offset: offset ?? i)
    }

    var peek: Unicode.Scalar? { i < chars.count ? chars[i] : nil }

    mutating func parse() throws(PatternError) -> PatternNode {
        let node = try alternation()
        if i < chars.count {
            throw fail(chars[i] == ")" ? "unmatched ')'" : "unexpected '\(chars[i])'")
        }
        return node
    }

    mutating func alternation() throws(PatternError) -> PatternNode {
        var branches = [try sequence()]
        while peek == "|" {
            i += 1
            branches.append(try sequence())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    mutating func sequence() throws(PatternError) -> PatternNode {
        var items: [PatternNode] = []
        while let c = peek, c != "|", c != ")" {
            let atomStart = i
            var atom = try self.atom()
            if let (min, max) = try quantifier() {
                switch atom {
                case .lineStart, .lineEnd, .wordBoundary:
                    throw fail("a quantifier cannot follow an assertion", at: atomStart)
                default: break
                }
                atom = .repeat_(atom, min: min, max: max)
            }
            items.append(atom)
        }
        return items.count == 1 ? items[0] : (items.isEmpty ? .empty : .sequence(items))
    }

    /// A quantifier after an atom, if any: (min, max or nil for unbounded).
    mutating func quantifier() throws(PatternError) -> (Int, Int?)? {
        guard let c = peek else { return nil }
        var result: (Int, Int?)
        switch c {
        case "*": result = (0, nil); i += 1
        case "+": result = (1, nil); i += 1
        case "?": result = (0, 1); i += 1
        case "{":
            let start = i
            guard let counts = braces() else {
                throw fail("a '{' that does not start a quantifier {n}, {n,} or {n,m}: write \\{ for the character", at: start)
            }
            result = counts
            if let max = counts.1, max < counts.0 { throw fail("quantifier {\(counts.0),\(max)} is out of order", at: start) }
            if counts.0 > Pattern.maxRepeat || (counts.1 ?? 0) > Pattern.maxRepeat {
                throw fail("quantifier counts above \(Pattern.maxRepeat) are not supported", at: start)
            }
        default: return nil
        }
        if peek == "?" { i += 1 }  // lazy: same verdict without captures
        if let next = peek, next == "*" || next == "+" || next == "?" || next == "{" {
            throw fail("nothing to repeat: a quantifier follows a quantifier")
        }
        return result
    }

    /// {n}, {n,} or {n,m} at `i`; nil (and `i` unchanged) when the text is not one.
    mutating func braces() -> (Int, Int?)? {
        let save = i
        i += 1
        func number() -> Int? {
            var value: Int? = nil
            while let c = peek, c.value >= 0x30, c.value <= 0x39 {
                value = min((value ?? 0) * 10 + Int(c.value - 0x30), 1_000_000)
                i += 1
            }
            return value
        }
        guard let min = number() else { i = save; return nil }
        var max: Int? = min
        if peek == "," {
            i += 1
            max = number()
        }
        guard peek == "}" else { i = save; return nil }
        i += 1
        return (min, max)
    }

    mutating func atom() throws(PatternError) -> PatternNode {
        let c = chars[i]
        switch c {
        case "^": i += 1; return .lineStart
        case "$": i += 1; return .lineEnd
        case ".": i += 1; return .any
        case "*", "+", "?": throw fail("nothing to repeat before '\(c)'")
        case "{":
            if braces() != nil { throw fail("nothing to repeat before a {n,m} quantifier") }
            throw fail("a '{' that does not start a quantifier: write \\{ for the character")
        case "}": throw fail("a lone '}': write \\} for the character")
        case "]": throw fail("a lone ']': write \\] for the character")
        case "(": return try group()
        case "[": return try characterClass()
        case "\\": return try atomEscape()
        default: i += 1; return .scalar(c)
        }
    }

    mutating func group() throws(PatternError) -> PatternNode {
        let start = i
        i += 1
        if peek == "?" {
            i += 1
            switch peek {
            case ":": i += 1
            case "=", "!": throw fail("lookahead (?= (?! is not supported", at: start)
            case "<":
                if i + 1 < chars.count, chars[i + 1] == "=" || chars[i + 1] == "!" {
                    throw fail("lookbehind (?<= (?<! is not supported", at: start)
                }
                i += 1
                while let c = peek, c != ">" {
                    guard PatternClass.isWord(c) || c == "$" else { throw fail("invalid group name") }
                    i += 1
                }
                guard peek == ">" else { throw fail("unterminated group name", at: start) }
                i += 1
            default: throw fail("unsupported group syntax '(?'", at: start)
            }
        }
        depth += 1
        guard depth <= 100 else { throw fail("groups nested deeper than 100", at: start) }
        let inner = try alternation()
        depth -= 1
        guard peek == ")" else { throw fail("unterminated group '('", at: start) }
        i += 1
        // Wrapped, so that a quantified group around an assertion, (^)*, stays legal while ^* is refused.
        return .sequence([inner])
    }

    mutating func atomEscape() throws(PatternError) -> PatternNode {
        let start = i
        i += 1
        guard let c = peek else { throw fail("a pattern may not end with '\\'", at: start) }
        switch c {
        case "d": i += 1; return .set(PatternClass(items: [.digit(false)], negated: false))
        case "D": i += 1; return .set(PatternClass(items: [.digit(true)], negated: false))
        case "w": i += 1; return .set(PatternClass(items: [.word(false)], negated: false))
        case "W": i += 1; return .set(PatternClass(items: [.word(true)], negated: false))
        case "s": i += 1; return .set(PatternClass(items: [.space(false)], negated: false))
        case "S": i += 1; return .set(PatternClass(items: [.space(true)], negated: false))
        case "b": i += 1; return .wordBoundary(true)
        case "B": i += 1; return .wordBoundary(false)
        default: return .scalar(try characterEscape(start: start))
        }
    }

    /// The escapes that stand for one character (after the backslash, at `i`).
    mutating func characterEscape(start: Int) throws(PatternError) -> Unicode.Scalar {
        let c = chars[i]
        i += 1
        switch c {
        case "n": return "\n"
        case "r": return "\r"
        case "t": return "\t"
        case "f": return "\u{0C}"
        case "v": return "\u{0B}"
        case "0":
            if let next = peek, next.value >= 0x30, next.value <= 0x39 { throw fail("octal escapes are not supported", at: start) }
            return "\u{0}"
        case "x": return try hex(count: 2, start: start)
        case "u":
            if peek == "{" { throw fail("\\u{...} escapes are not supported: use \\uHHHH", at: start) }
            let value = try hex(count: 4, start: start)
            if value.value >= 0xD800 && value.value <= 0xDFFF { throw fail("surrogate escapes are not supported", at: start) }
            return value
        case "1"..."9": throw fail("backreferences are not supported", at: start)
        case "k": throw fail("named backreferences are not supported", at: start)
        case "p", "P": throw fail("Unicode property escapes \\p{...} are not supported", at: start)
        case "c": throw fail("control escapes \\cX are not supported", at: start)
        case "^", "$", "\\", ".", "*", "+", "?", "(", ")", "[", "]", "{", "}", "|", "/", "-": return c
        default: throw fail("unknown escape '\\\(c)'", at: start)
        }
    }

    mutating func hex(count: Int, start: Int) throws(PatternError) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let c = peek, let digit = hexDigit(c) else {
                throw fail("invalid hexadecimal escape", at: start)
            }
            value = value << 4 | digit
            i += 1
        }
        guard let scalar = Unicode.Scalar(value) else { throw fail("invalid code point in escape", at: start) }
        return scalar
    }

    func hexDigit(_ c: Unicode.Scalar) -> UInt32? {
        switch c.value {
        case 0x30...0x39: return c.value - 0x30
        case 0x41...0x46: return c.value - 0x41 + 10
        case 0x61...0x66: return c.value - 0x61 + 10
        default: return nil
        }
    }

    mutating func characterClass() throws(PatternError) -> PatternNode {
        let start = i
        i += 1
        var negated = false
        if peek == "^" { negated = true; i += 1 }
        if peek == "]" { throw fail(negated ? "'[^]' is not supported: use [\\s\\S]" : "an empty class '[]' is not supported", at: start) }
        var items: [PatternClass.Item] = []
        while true {
            guard let c = peek else { throw fail("unterminated character class '['", at: start) }
            if c == "]" { i += 1; break }
            let first = try classAtom()
            if peek == "-", i + 1 < chars.count, chars[i + 1] != "]" {
                i += 1
                let second = try classAtom()
                guard case .range(let lo, _) = first, case .range(let hi, _) = second else {
                    throw fail("a class escape like \\d cannot be a range end", at: i - 1)
                }
                guard lo <= hi else { throw fail("range out of order in character class", at: i - 1) }
                items.append(.range(lo, hi))
            } else {
                items.append(first)
            }
        }
        return .set(PatternClass(items: items, negated: negated))
    }

    /// One member of a class: a character (as a one-point range) or a class escape.
    mutating func classAtom() throws(PatternError) -> PatternClass.Item {
        let c = chars[i]
        if c == "[" { throw fail("a '[' inside a class: write \\[ (set notation is not supported)") }
        guard c == "\\" else { i += 1; return .range(c.value, c.value) }
        let start = i
        i += 1
        guard let e = peek else { throw fail("a pattern may not end with '\\'", at: start) }
        switch e {
        case "d": i += 1; return .digit(false)
        case "D": i += 1; return .digit(true)
        case "w": i += 1; return .word(false)
        case "W": i += 1; return .word(true)
        case "s": i += 1; return .space(false)
        case "S": i += 1; return .space(true)
        case "b": i += 1; return .range(8, 8)
        default:
            let scalar = try characterEscape(start: start)
            return .range(scalar.value, scalar.value)
        }
    }
}
