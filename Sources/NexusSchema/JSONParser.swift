/// A strict RFC 8259 parser: bytes in, a `JSONValue` out, or one error with its position.
///
/// Refused: trailing commas, comments, leading zeros, `NaN`/`Infinity`, single quotes, a byte order mark, invalid
/// UTF-8 (overlong forms, encoded surrogates, code points past U+10FFFF), unescaped control characters in strings,
/// `\u` escapes that leave a lone surrogate, and **duplicate keys** in one object (RFC 8259 leaves their meaning to
/// the implementation; a validator that saw one member and an application that uses the other is a classic
/// smuggling bug, so we refuse). Limits (`Limits`) bound the document size, nesting depth, string length and the
/// element count of one array or object.
public struct JSONParser: Sendable {
    /// What the caller accepts; exceeding one is an error at the offending byte.
    public struct Limits: Sendable {
        public var maxBytes: Int
        public var maxDepth: Int
        public var maxStringBytes: Int
        public var maxElements: Int

        public init(maxBytes: Int = 1 << 20, maxDepth: Int = 128, maxStringBytes: Int = 1 << 20, maxElements: Int = 100_000) {
            self.maxBytes = maxBytes
            self.maxDepth = maxDepth
            self.maxStringBytes = maxStringBytes
            self.maxElements = maxElements
        }
    }

    public var limits: Limits

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Parses one JSON document (any value at the top level, surrounded by optional whitespace).
    public func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else {
            throw JSONParseError(.tooLarge(limit: limits.maxBytes), at: limits.maxBytes, in: bytes)
        }
        var reader = Reader(bytes: bytes, limits: limits)
        reader.skipWhitespace()
        let value = try reader.value(depth: 0)
        reader.skipWhitespace()
        if reader.i < bytes.count { throw reader.error(.trailingContent) }
        return value
    }

    /// Parses the UTF-8 of `text`.
    public func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }
}

extension JSONValue {
    /// Parses `text` with the default limits.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONParser().parse(text)
    }

    /// Parses `bytes` with the default limits.
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        try JSONParser().parse(bytes)
    }
}

private struct Reader {
    let bytes: [UInt8]
    let limits: JSONParser.Limits
    var i = 0

    init(bytes: [UInt8], limits: JSONParser.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    func error(_ reason: JSONParseError.Reason, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(reason, at: offset ?? i, in: bytes)
    }

    mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x09, 0x0A, 0x0D: i += 1
            default: return
            }
        }
    }

    func unexpected() -> JSONParseError {
        i < bytes.count ? error(.unexpectedByte(bytes[i])) : error(.unexpectedEnd)
    }

    mutating func value(depth: Int) throws(JSONParseError) -> JSONValue {
        guard i < bytes.count else { throw error(.unexpectedEnd) }
        switch bytes[i] {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try word("true"); return .bool(true)
        case UInt8(ascii: "f"): try word("false"); return .bool(false)
        case UInt8(ascii: "n"): try word("null"); return .null
        case UInt8(ascii: "-"), 0x30...0x39: return .number(try number())
        default: throw unexpected()
        }
    }

    mutating func word(_ text: String) throws(JSONParseError) {
        for expected in text.utf8 {
            guard i < bytes.count else { throw error(.unexpectedEnd) }
            guard bytes[i] == expected else { throw unexpected() }
            i += 1
        }
    }

    mutating func number() throws(JSONParseError) -> JSONNumber {
        let start = i
        let length = JSONNumber.scanLength(bytes, from: start)
        var digitStart = start
        if bytes[digitStart] == UInt8(ascii: "-") { digitStart += 1 }
        if length == 0 {
            // Find the first byte that breaks the grammar for the error position.
            var k = digitStart
            while k < bytes.count, (bytes[k] >= 0x30 && bytes[k] <= 0x39) { k += 1 }
            if k < bytes.count, bytes[k] == UInt8(ascii: ".") || bytes[k] == UInt8(ascii: "e") || bytes[k] == UInt8(ascii: "E") {
                k += 1
                if k < bytes.count, bytes[k] == UInt8(ascii: "+") || bytes[k] == UInt8(ascii: "-") { k += 1 }
            }
            throw k < bytes.count ? error(.invalidNumber, at: k) : error(.unexpectedEnd, at: k)
        }
        i = start + length
        if digitStart + 1 < bytes.count, bytes[digitStart] == UInt8(ascii: "0"), bytes[digitStart + 1] >= 0x30, bytes[digitStart + 1] <= 0x39 {
            throw error(.leadingZero, at: digitStart)
        }
        if i < bytes.count {
            let b = bytes[i]
            // A letter, dot or digit right after the literal ("1.2.3", "0x1", "1e5e") is a malformed number.
            if (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: ".") || (b | 0x20 >= 0x61 && b | 0x20 <= 0x7A) {
                throw error(.invalidNumber)
            }
        }
        let slice = bytes[start..<i]
        return JSONNumber(checkedLiteral: String(decoding: slice, as: UTF8.self), bytes: slice)
    }

    mutating func array(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= limits.maxDepth else { throw error(.tooDeep(limit: limits.maxDepth)) }
        i += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return .array(elements) }
        while true {
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") { throw error(.trailingComma) }
            guard elements.count < limits.maxElements else { throw error(.tooManyElements(limit: limits.maxElements)) }
            elements.append(try value(depth: depth))
            skipWhitespace()
            guard i < bytes.count else { throw error(.unexpectedEnd) }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return .array(elements) }
            throw unexpected()
        }
    }

    mutating func object(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= limits.maxDepth else { throw error(.tooDeep(limit: limits.maxDepth)) }
        i += 1
        var members: [JSONMember] = []
        var seen: Set<String>? = nil
        skipWhitespace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return .object(JSONObject(members)) }
        while true {
            skipWhitespace()
            guard i < bytes.count else { throw error(.unexpectedEnd) }
            if bytes[i] == UInt8(ascii: "}") { throw error(.trailingComma) }
            guard bytes[i] == UInt8(ascii: "\"") else { throw unexpected() }
            guard members.count < limits.maxElements else { throw error(.tooManyElements(limit: limits.maxElements)) }
            let keyOffset = i
            let key = try string()
            // Duplicate keys: a scan for small objects, a set past 8 members.
            if seen == nil && members.count >= 8 { seen = Set(members.map(\.key)) }
            if seen != nil {
                if !seen!.insert(key).inserted { throw error(.duplicateKey(key), at: keyOffset) }
            } else {
                for member in members where member.key == key { throw error(.duplicateKey(key), at: keyOffset) }
            }
            skipWhitespace()
            guard i < bytes.count else { throw error(.unexpectedEnd) }
            guard bytes[i] == UInt8(ascii: ":") else { throw unexpected() }
            i += 1
            skipWhitespace()
            members.append(JSONMember(key: key, value: try value(depth: depth)))
            skipWhitespace()
            guard i < bytes.count else { throw error(.unexpectedEnd) }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return .object(JSONObject(members)) }
            throw unexpected()
        }
    }

    /// A string at `i` (on its opening quote): validated UTF-8, escapes decoded.
    mutating func string() throws(JSONParseError) -> String {
        i += 1
        let start = i
        // Fast path: plain ASCII up to the closing quote.
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                guard i - start <= limits.maxStringBytes else { throw error(.stringTooLong(limit: limits.maxStringBytes), at: start) }
                i += 1
                return String(decoding: bytes[start..<(i - 1)], as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") || b < 0x20 || b >= 0x80 { break }
            i += 1
        }
        var out = Array(bytes[start..<i])
        while true {
            guard i < bytes.count else { throw error(.unexpectedEnd) }
            guard out.count <= limits.maxStringBytes else { throw error(.stringTooLong(limit: limits.maxStringBytes), at: start) }
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: out, as: UTF8.self)
            } else if b == UInt8(ascii: "\\") {
                try escape(into: &out)
            } else if b < 0x20 {
                throw error(.controlCharacterInString)
            } else if b < 0x80 {
                out.append(b)
                i += 1
            } else {
                let length = try utf8Sequence()
                out.append(contentsOf: bytes[i..<(i + length)])
                i += length
            }
        }
    }

    /// The length of the valid UTF-8 sequence at `i` (Unicode table 3-7), or an error at its first bad byte.
    func utf8Sequence() throws(JSONParseError) -> Int {
        let b0 = bytes[i]
        var length = 0
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F  // no encoded surrogates
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F  // nothing past U+10FFFF
        default: throw error(.invalidUTF8)
        }
        for k in 1..<length {
            guard i + k < bytes.count else { throw error(.unexpectedEnd, at: i + k) }
            let b = bytes[i + k]
            let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard b >= lo && b <= hi else { throw error(.invalidUTF8, at: i + k) }
        }
        return length
    }

    mutating func escape(into out: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = i
        i += 1
        guard i < bytes.count else { throw error(.unexpectedEnd) }
        let c = bytes[i]
        i += 1
        switch c {
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5C)
        case UInt8(ascii: "/"): out.append(0x2F)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                // A high surrogate must be followed by an escaped low one.
                guard i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                    throw error(.loneSurrogate, at: escapeStart)
                }
                i += 2
                let low = try hex4()
                guard low >= 0xDC00 && low <= 0xDFFF else { throw error(.loneSurrogate, at: escapeStart) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw error(.loneSurrogate, at: escapeStart)
            }
            out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
        default:
            throw error(.invalidEscape, at: escapeStart)
        }
    }

    mutating func hex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard i < bytes.count else { throw error(.unexpectedEnd) }
            let b = bytes[i]
            let digit: UInt32
            switch b {
            case 0x30...0x39: digit = UInt32(b - 0x30)
            case 0x41...0x46: digit = UInt32(b - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(b - 0x61 + 10)
            default: throw error(.invalidEscape)
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }
}
