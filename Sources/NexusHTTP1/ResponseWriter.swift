import NexusBytes

/// Helpers that append a response head to a `ByteBuffer`, without allocating.
public enum ResponseWriter {
    /// Appends the status line, e.g. "HTTP/1.1 200 OK\r\n". A status outside 100...999 is written as 500.
    public static func head(status: Int, into b: ByteBuffer) {
        let s = (100...999).contains(status) ? status : 500
        b.append("HTTP/1.1 ")
        b.appendDecimal(s)
        b.append(byte: .sp)
        b.append(reason(s))
        b.append("\r\n")
    }

    /// Appends "name: value\r\n".
    public static func header(_ name: StaticString, _ value: StaticString, into b: ByteBuffer) {
        b.append(name)
        b.append(": ")
        b.append(value)
        b.append("\r\n")
    }

    /// Appends "name: value\r\n"; CR, LF and other CTLs in `value` are written as SP (no response splitting).
    public static func header(_ name: StaticString, _ value: String, into b: ByteBuffer) {
        b.append(name)
        b.append(": ")
        var v = value
        v.withUTF8 { appendFieldValue(UnsafeRawBufferPointer($0), into: b) }
        b.append("\r\n")
    }

    /// Appends "name: value\r\n" with `value` taken from raw bytes (CTLs written as SP).
    public static func header(_ name: StaticString, bytes value: UnsafeRawBufferPointer, into b: ByteBuffer) {
        b.append(name)
        b.append(": ")
        appendFieldValue(value, into: b)
        b.append("\r\n")
    }

    /// Appends "name: value\r\n" with a decimal value.
    public static func header(_ name: StaticString, _ value: Int, into b: ByteBuffer) {
        b.append(name)
        b.append(": ")
        b.appendDecimal(value)
        b.append("\r\n")
    }

    /// Appends "Date: <IMF-fixdate>\r\n".
    public static func date(_ date: HTTPDate, into b: ByteBuffer) {
        b.append("Date: ")
        date.append(to: b)
        b.append("\r\n")
    }

    /// Appends the empty line that ends the head.
    public static func endHead(into b: ByteBuffer) { b.append("\r\n") }

    static func appendFieldValue(_ v: UnsafeRawBufferPointer, into b: ByteBuffer) {
        var clean = true
        for c in v where !ByteClass.isFieldValueChar(c) { clean = false; break }
        if clean { b.append(v); return }
        for c in v { b.append(byte: ByteClass.isFieldValueChar(c) ? c : .sp) }
    }

    /// The reason phrase of a status code (RFC 9110 15), or "Unknown" for a code it does not define.
    public static func reason(_ status: Int) -> StaticString {
        switch status {
        case 100: "Continue"
        case 101: "Switching Protocols"
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 203: "Non-Authoritative Information"
        case 204: "No Content"
        case 205: "Reset Content"
        case 206: "Partial Content"
        case 300: "Multiple Choices"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 303: "See Other"
        case 304: "Not Modified"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 402: "Payment Required"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 406: "Not Acceptable"
        case 407: "Proxy Authentication Required"
        case 408: "Request Timeout"
        case 409: "Conflict"
        case 410: "Gone"
        case 411: "Length Required"
        case 412: "Precondition Failed"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 415: "Unsupported Media Type"
        case 416: "Range Not Satisfiable"
        case 417: "Expectation Failed"
        case 421: "Misdirected Request"
        case 422: "Unprocessable Content"
        case 425: "Too Early"
        case 426: "Upgrade Required"
        case 428: "Precondition Required"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 451: "Unavailable For Legal Reasons"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        case 507: "Insufficient Storage"
        default: "Unknown"
        }
    }
}
