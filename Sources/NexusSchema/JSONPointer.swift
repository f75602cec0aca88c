/// RFC 6901 JSON pointers: `/a/0/b~1c`, where `~1` stands for `/` and `~0` for `~`.
public enum JSONPointer {
    /// One reference token, escaped (`~` -> `~0`, `/` -> `~1`).
    public static func escape(_ token: String) -> String {
        guard token.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return token }
        var out = ""
        for c in token.unicodeScalars {
            if c == "~" { out += "~0" } else if c == "/" { out += "~1" } else { out.unicodeScalars.append(c) }
        }
        return out
    }

    /// A pointer from unescaped tokens (`""` for the whole document).
    public static func make(_ tokens: [String]) -> String {
        tokens.map { "/" + escape($0) }.joined()
    }

    /// The unescaped tokens of `pointer`, or nil when it is not a pointer (it must be empty or start with `/`, and
    /// `~` must be followed by 0 or 1).
    public static func tokens(_ pointer: String) -> [String]? {
        if pointer.isEmpty { return [] }
        guard pointer.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var tilde = false
            for c in raw.unicodeScalars {
                if tilde {
                    if c == "0" { token += "~" } else if c == "1" { token += "/" } else { return nil }
                    tilde = false
                } else if c == "~" {
                    tilde = true
                } else {
                    token.unicodeScalars.append(c)
                }
            }
            if tilde { return nil }
            tokens.append(token)
        }
        return tokens
    }

    /// The value `pointer` designates inside `document`, if any.
    public static func resolve(_ pointer: String, in document: JSONValue) -> JSONValue? {
        guard let tokens = tokens(pointer) else { return nil }
        var current = document
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let elements):
                // Array indexes: "0" or digits without a leading zero.
                guard let index = Int(token), String(index) == token, index >= 0, index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }
}
