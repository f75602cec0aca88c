/// Which request paths a route answers. Paths are compared byte for byte as the caller gives them: no
/// percent-decoding, no dot-segment removal, no slash merging (that is the caller's business, before routing).
public enum PathPattern: Sendable, Hashable {
    /// The whole path, e.g. `"/health"`.
    case exact(String)
    /// Every path that starts with these bytes, e.g. `"/api/"` (which does not match `"/api"`).
    case prefix(String)
    /// A path of segments, e.g. `"/users/{id}/orders/{order}"`. The template starts with `/`; between slashes each
    /// segment is either literal bytes or a whole parameter:
    /// - `{name}` matches one non-empty segment (no `/`);
    /// - `{name...}`, only as the last segment, matches the rest of the path, at least one byte, slashes included
    ///   (`"/static/{file...}"` matches `"/static/css/a.css"` with `file` = `css/a.css`, not `"/static/"`).
    ///
    /// Names are ASCII letters, digits and `_`, distinct within a template. A trailing slash is a segment like
    /// any other: `"/users/{id}"` does not match `"/users/7/"`. Templates differing only in parameter names are the
    /// same pattern (their rules share methods, and conflicts between them are refused).
    case template(String)
}
