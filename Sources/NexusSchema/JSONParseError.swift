/// Why a document is not accepted, and where: the byte offset (0-based), line and column (1-based, in bytes).
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedByte(UInt8)
        case trailingComma
        case trailingContent
        case invalidNumber
        case leadingZero
        case invalidEscape
        case loneSurrogate
        case controlCharacterInString
        case invalidUTF8
        case duplicateKey(String)
        case tooDeep(limit: Int)
        case tooLarge(limit: Int)
        case stringTooLong(limit: Int)
        case tooManyElements(limit: Int)
    }

    public let reason: Reason
    /// Offset of the offending byte from the start of the document.
    public let offset: Int
    public let line: Int
    public let column: Int

    public var description: String {
        "\(line):\(column) (byte \(offset)): \(message)"
    }

    /// The reason in words.
    public var message: String {
        switch reason {
        case .unexpectedEnd: return "unexpected end of the document"
        case .unexpectedByte(let b):
            if b >= 0x21 && b < 0x7F { return "unexpected character '\(Character(Unicode.Scalar(b)))'" }
            return "unexpected byte 0x\(String(b, radix: 16, uppercase: true))"
        case .trailingComma: return "trailing comma"
        case .trailingContent: return "content after the JSON value"
        case .invalidNumber: return "invalid number"
        case .leadingZero: return "a number may not have a leading zero"
        case .invalidEscape: return "invalid escape sequence in a string"
        case .loneSurrogate: return "a \\u escape encodes a lone UTF-16 surrogate"
        case .controlCharacterInString: return "control character in a string (it must be escaped)"
        case .invalidUTF8: return "invalid UTF-8"
        case .duplicateKey(let key): return "duplicate key \"\(key)\" in an object"
        case .tooDeep(let limit): return "nesting deeper than \(limit) levels"
        case .tooLarge(let limit): return "document larger than \(limit) bytes"
        case .stringTooLong(let limit): return "string longer than \(limit) bytes"
        case .tooManyElements(let limit): return "array or object with more than \(limit) elements"
        }
    }

    init(_ reason: Reason, at offset: Int, in bytes: [UInt8]) {
        self.reason = reason
        self.offset = offset
        var line = 1
        var lineStart = 0
        for i in 0..<min(offset, bytes.count) where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        self.line = line
        self.column = offset - lineStart + 1
    }
}
