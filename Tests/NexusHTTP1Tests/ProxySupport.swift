import NexusBytes
import Testing
@testable import NexusHTTP1

/// A response head scanned and parsed from `text` (which must hold exactly one head), or the error.
func parseResponse(_ text: String, limits: HTTP1Limits = HTTP1Limits()) -> Result<ResponseHead, HTTPParseError> {
    let bytes = Array(text.utf8)
    var scanner = ResponseHeadScanner()
    switch bytes.withUnsafeBytes({ scanner.scan($0, limits: limits) }) {
    case .incomplete: return .failure(HTTPParseError(status: -1, detail: "incomplete"))
    case .failed(let e): return .failure(e)
    case .complete(let n):
        var head = ResponseHead()
        do {
            try bytes[0..<n].withUnsafeBytes { try ResponseHeadParser.parse($0, limits: limits, into: &head) }
        } catch let e as HTTPParseError {
            return .failure(e)
        } catch {
            fatalError("unexpected error \(error)")
        }
        return .success(head)
    }
}

/// The response head in `text`, or nil (and an issue).
func responseHead(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> ResponseHead? {
    switch parseResponse(text) {
    case .success(let h): return h
    case .failure(let e):
        Issue.record("unexpected error \(e)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The head lines of an HTTP message written into a buffer, without the final empty line (and the body after it).
func headLines(_ b: ByteBuffer) -> [String] {
    let text = b.string
    let head = text.split(separator: "\r\n\r\n", maxSplits: 1, omittingEmptySubsequences: false)[0]
    return head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
}

/// The values of the field lines named `name` (case-insensitive) among `lines`.
func values(_ name: String, in lines: [String]) -> [String] {
    lines.dropFirst().compactMap { line in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        guard line[..<colon].lowercased() == name.lowercased() else { return nil }
        return String(line[line.index(after: colon)...].drop(while: { $0 == " " }))
    }
}
