/// A parsed `PathPattern.template`: its segments, and the names of its parameters in order.
struct Template: Sendable {
    enum Segment: Sendable, Hashable {
        /// These bytes exactly (possibly none, for `//` or a trailing `/`).
        case literal([UInt8])
        /// `{name}`: one non-empty segment.
        case parameter
        /// `{name...}`: the rest of the path, non-empty; only last.
        case rest
    }

    /// The segments after the leading `/`, split on `/`: `"/"` is one empty literal, `"/a/{b}"` is `a`, parameter.
    let segments: [Segment]
    /// One name per `.parameter` or `.rest` segment, in order.
    let names: [String]

    /// Parses `text`, or returns why it is refused (the caller adds the rule's index).
    static func parse(_ text: String) -> Result<Template, TemplateError> {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "/") else {
            return .failure(TemplateError("template \"\(text)\" must start with '/'"))
        }
        var segments: [Segment] = []
        var names: [String] = []
        let parts = bytes[1...].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        for (position, part) in parts.enumerated() {
            let segmentText = String(decoding: part, as: UTF8.self)
            let braces = part.filter { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }.count
            if braces == 0 {
                segments.append(.literal(Array(part)))
                continue
            }
            guard part.first == UInt8(ascii: "{"), part.last == UInt8(ascii: "}"), braces == 2 else {
                let opens = part.filter { $0 == UInt8(ascii: "{") }.count
                if opens * 2 != braces {
                    return .failure(TemplateError("template \"\(text)\": unbalanced braces in segment \"\(segmentText)\""))
                }
                return .failure(TemplateError(
                    "template \"\(text)\": segment \"\(segmentText)\" must be one whole parameter ({name}) or literal"))
            }
            var name = part.dropFirst().dropLast()
            var isRest = false
            if name.count >= 3 && name.suffix(3).allSatisfy({ $0 == UInt8(ascii: ".") }) {
                name = name.dropLast(3)
                isRest = true
            }
            if name.isEmpty {
                return .failure(TemplateError("template \"\(text)\": empty parameter name in \"\(segmentText)\""))
            }
            guard name.allSatisfy(isNameByte) else {
                return .failure(TemplateError(
                    "template \"\(text)\": parameter name in \"\(segmentText)\" must be ASCII letters, digits or '_'"))
            }
            let nameText = String(decoding: name, as: UTF8.self)
            if names.contains(nameText) {
                return .failure(TemplateError("template \"\(text)\": parameter \"\(nameText)\" appears twice"))
            }
            if isRest && position != parts.count - 1 {
                return .failure(TemplateError("template \"\(text)\": \"\(segmentText)\" must be the last segment"))
            }
            names.append(nameText)
            segments.append(isRest ? .rest : .parameter)
        }
        return .success(Template(segments: segments, names: names))
    }

    /// The parameters of `path`, which this template (or one of the same segments) matched.
    func parameters(in path: UnsafeRawBufferPointer) -> [(name: String, value: Range<Int>)] {
        if names.isEmpty { return [] }
        var result: [(name: String, value: Range<Int>)] = []
        result.reserveCapacity(names.count)
        var start = 1
        for segment in segments {
            var end = start
            while end < path.count && path[end] != UInt8(ascii: "/") { end += 1 }
            switch segment {
            case .literal: break
            case .parameter: result.append((names[result.count], start..<end))
            case .rest: result.append((names[result.count], start..<path.count))
            }
            start = end + 1
        }
        return result
    }
}

struct TemplateError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

@inline(__always)
private func isNameByte(_ byte: UInt8) -> Bool {
    let lower = asciiLower(byte)
    return (lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z"))
        || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
}
