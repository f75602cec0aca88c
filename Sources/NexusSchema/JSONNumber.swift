/// A JSON number: the literal text as written, its nearest Double, and whether its value is an integer.
///
/// The literal is what makes exact checks possible: comparisons fall back to the decimal digits when the Doubles
/// are equal (two literals can round to the same Double), and `multipleOf` works on scaled integers. `isInteger`
/// follows JSON Schema 2020-12: `1.0` and `1e2` are integers, `1.5` and `1e-1` are not.
public struct JSONNumber: Sendable, CustomStringConvertible {
    /// The literal as it appeared in the document (RFC 8259 number syntax).
    public let literal: String
    /// The nearest Double (infinite when the literal is out of Double's range).
    public let double: Double
    /// Whether the value is mathematically an integer.
    public let isInteger: Bool

    /// A number from a literal in RFC 8259 syntax; nil when the text is not one.
    public init?(literal: String) {
        let bytes = Array(literal.utf8)
        guard JSONNumber.scanLength(bytes, from: 0) == bytes.count, !bytes.isEmpty else { return nil }
        self.init(checkedLiteral: literal, bytes: bytes[...])
    }

    /// An integer.
    public init(_ value: Int) {
        literal = String(value)
        double = Double(value)
        isInteger = true
    }

    /// A finite Double, written in its shortest round-trip form.
    public init(_ value: Double) {
        precondition(value.isFinite, "JSONNumber: JSON has no literal for \(value)")
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        literal = text
        double = value
        isInteger = value == value.rounded(.towardZero)
    }

    /// A literal the parser has already checked.
    init(checkedLiteral: String, bytes: ArraySlice<UInt8>) {
        literal = checkedLiteral
        var simple = bytes.count <= 16
        var value: Int64 = 0
        if simple {
            for i in bytes.indices {
                let b = bytes[i]
                if b >= 0x30 && b <= 0x39 { value = value * 10 + Int64(b - 0x30) }
                else if b == UInt8(ascii: "-") && i == bytes.startIndex { continue }
                else { simple = false; break }
            }
        }
        if simple {
            let negative = bytes.first == UInt8(ascii: "-")
            double = Double(negative ? -value : value)
            isInteger = true
        } else {
            double = Double(checkedLiteral) ?? .nan
            if var (m, e) = JSONNumber.smallDecimal(checkedLiteral) {
                while e < 0 && m != 0 && m % 10 == 0 { m /= 10; e += 1 }
                isInteger = m == 0 || e >= 0
            } else {
                isInteger = DecimalDigits(literal: bytes).isInteger
            }
        }
    }

    public var description: String { literal }

    /// The exact decimal value (digits and exponent) of the literal.
    var decimal: DecimalDigits { DecimalDigits(literal: Array(literal.utf8)[...]) }

    /// The value as mantissa * 10^exponent with a mantissa of at most 18 digits, computed without allocating;
    /// nil when the literal has more significant digits or an exponent beyond +-40.
    var small: (mantissa: Int64, exponent: Int)? { JSONNumber.smallDecimal(literal) }

    static func smallDecimal(_ literal: String) -> (mantissa: Int64, exponent: Int)? {
        var mantissa: Int64 = 0
        var digits = 0
        var fraction = 0
        var inFraction = false
        var negative = false
        var exponent = 0
        var exponentNegative = false
        var inExponent = false
        for b in literal.utf8 {
            switch b {
            case UInt8(ascii: "-"):
                if inExponent { exponentNegative = true } else { negative = true }
            case UInt8(ascii: "+"): continue
            case UInt8(ascii: "."): inFraction = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            default:
                let d = Int64(b &- 0x30)
                if inExponent {
                    exponent = exponent * 10 + Int(d)
                    if exponent > 40 { return nil }
                } else {
                    if mantissa == 0 && d == 0 {
                        if inFraction { fraction += 1 }
                        continue
                    }
                    digits += 1
                    if digits > 18 { return nil }
                    mantissa = mantissa * 10 + d
                    if inFraction { fraction += 1 }
                }
            }
        }
        return (negative ? -mantissa : mantissa, (exponentNegative ? -exponent : exponent) - fraction)
    }

    /// -1, 0 or 1 as `self` is less than, equal to or greater than `other`, exactly.
    public func compare(_ other: JSONNumber) -> Int {
        if double.isFinite && other.double.isFinite && double != other.double {
            // Correctly rounded parsing is monotonic: different Doubles order their literals the same way.
            return double < other.double ? -1 : 1
        }
        if literal == other.literal { return 0 }
        return decimal.compare(other.decimal)
    }

    /// Whether `self` is an integer multiple of `divisor` (which must be greater than zero), exactly.
    public func isMultiple(of divisor: JSONNumber) -> Bool {
        // Scaled 64-bit integers when they fit: x = m1 * 10^e1, d = m2 * 10^e2, both scaled to 10^min(e1, e2).
        if let (m1, e1) = small, let (m2, e2) = divisor.small, m2 != 0 {
            if m1 == 0 { return true }
            let e = min(e1, e2)
            if let x = JSONNumber.scale(m1, by: e1 - e), let d = JSONNumber.scale(m2, by: e2 - e) {
                return x % d == 0
            }
        }
        return decimal.isMultiple(of: divisor.decimal)
    }

    private static func scale(_ m: Int64, by power: Int) -> Int64? {
        var value = m
        for _ in 0..<power {
            let (next, overflow) = value.multipliedReportingOverflow(by: 10)
            if overflow { return nil }
            value = next
        }
        return value
    }

    /// The length of the RFC 8259 number starting at `start`, or 0 when there is none.
    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    static func scanLength(_ bytes: [UInt8], from start: Int) -> Int {
        var i = start
        let n = bytes.count
        func digits() -> Int {
            let begin = i
            while i < n, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - begin
        }
        if i < n, bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n else { return 0 }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if bytes[i] >= 0x31, bytes[i] <= 0x39 {
            _ = digits()
        } else {
            return 0
        }
        if i < n, bytes[i] == UInt8(ascii: ".") {
            i += 1
            guard digits() > 0 else { return 0 }
        }
        if i < n, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < n, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return 0 }
        }
        return i - start
    }
}

/// An exact decimal: `digits` (significant, no leading or trailing zeros; empty for zero) times 10^`exponent`.
struct DecimalDigits {
    var negative: Bool
    var digits: [UInt8]
    var exponent: Int

    /// Parses a checked RFC 8259 literal. Exponents are saturated at +-1e15 (far beyond any Double).
    init(literal slice: ArraySlice<UInt8>) {
        let bytes = slice
        let end = slice.endIndex
        var i = slice.startIndex
        negative = false
        if i < end, bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        var all: [UInt8] = []
        var fraction = 0
        var inFraction = false
        while i < end {
            let b = bytes[i]
            if b >= 0x30 && b <= 0x39 {
                all.append(b - 0x30)
                if inFraction { fraction += 1 }
            } else if b == UInt8(ascii: ".") {
                inFraction = true
            } else {
                break
            }
            i += 1
        }
        var exp = 0
        if i < end {  // e or E
            i += 1
            var expNegative = false
            if bytes[i] == UInt8(ascii: "-") { expNegative = true; i += 1 } else if bytes[i] == UInt8(ascii: "+") { i += 1 }
            while i < end {
                if exp < 1_000_000_000_000_000 { exp = exp * 10 + Int(bytes[i] - 0x30) }
                i += 1
            }
            if expNegative { exp = -exp }
        }
        exp -= fraction
        var start = 0
        while start < all.count, all[start] == 0 { start += 1 }
        var stop = all.count
        while stop > start, all[stop - 1] == 0 { stop -= 1; exp += 1 }
        digits = Array(all[start..<stop])
        exponent = digits.isEmpty ? 0 : exp
        if digits.isEmpty { negative = false }
    }

    var isZero: Bool { digits.isEmpty }
    var isInteger: Bool { digits.isEmpty || exponent >= 0 }

    /// -1, 0 or 1.
    func compare(_ other: DecimalDigits) -> Int {
        if isZero && other.isZero { return 0 }
        let signSelf = isZero ? 0 : (negative ? -1 : 1)
        let signOther = other.isZero ? 0 : (other.negative ? -1 : 1)
        if signSelf != signOther { return signSelf < signOther ? -1 : 1 }
        let magnitude = compareMagnitude(other)
        return negative ? -magnitude : magnitude
    }

    private func compareMagnitude(_ other: DecimalDigits) -> Int {
        // The position of the leading digit decides first.
        let top = digits.count + exponent
        let otherTop = other.digits.count + other.exponent
        if top != otherTop { return top < otherTop ? -1 : 1 }
        let n = max(digits.count, other.digits.count)
        for k in 0..<n {
            let a = k < digits.count ? digits[k] : 0
            let b = k < other.digits.count ? other.digits[k] : 0
            if a != b { return a < b ? -1 : 1 }
        }
        return 0
    }

    /// Whether self / divisor is an integer; divisor is nonzero.
    func isMultiple(of divisor: DecimalDigits) -> Bool {
        if isZero { return true }
        if divisor.isZero { return false }
        // self = X * 10^ex, divisor = D * 10^ed; scale both to e = min(ex, ed).
        let e = min(exponent, divisor.exponent)
        let selfShift = exponent - e  // zeros after X
        let divisorShift = divisor.exponent - e  // zeros after D
        let divisorLength = divisor.digits.count + divisorShift
        if digits.count + selfShift < divisorLength { return false }  // 0 < |self| < |divisor|
        guard divisorLength <= 19 else {
            // A divisor beyond 64 bits after scaling: rare enough for Doubles to decide.
            let q = Double(self.description)! / Double(divisor.description)!
            return q.isFinite && q == q.rounded(.towardZero)
        }
        var d: UInt64 = 0
        for digit in divisor.digits { d = d * 10 + UInt64(digit) }
        for _ in 0..<divisorShift { d *= 10 }
        var r: UInt64 = 0
        for digit in digits { r = UInt64((UInt128(r) * 10 + UInt128(digit)) % UInt128(d)) }
        // r * 10^selfShift mod d, by squaring.
        var base = UInt64(10 % d)
        var power = selfShift
        while power > 0 && r != 0 {
            if power & 1 == 1 { r = UInt64((UInt128(r) * UInt128(base)) % UInt128(d)) }
            base = UInt64((UInt128(base) * UInt128(base)) % UInt128(d))
            power >>= 1
        }
        return r == 0
    }

    var description: String {
        if isZero { return "0" }
        return (negative ? "-" : "") + digits.map { String($0) }.joined() + "e" + String(exponent)
    }
}
