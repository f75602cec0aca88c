/// Which `Host` values a route answers.
public enum HostPattern: Sendable, Hashable {
    /// Any host, and requests with no host known.
    case any
    /// One host name, without a port (e.g. `"api.example.com"`). Compared case-insensitively; a trailing dot on
    /// either side is ignored.
    case exact(String)
    /// Every name strictly below a domain: the configuration's `"*.example.com"` is `.wildcard(suffix:
    /// ".example.com")`, which matches `a.example.com` and `a.b.example.com` but not `example.com`.
    case wildcard(suffix: String)
}
