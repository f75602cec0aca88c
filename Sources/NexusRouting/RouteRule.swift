/// One route of the table: which requests (host, path, methods) get `payload`.
public struct RouteRule<Payload: Sendable>: Sendable {
    public var host: HostPattern
    public var path: PathPattern
    /// Method tokens, compared byte for byte (case-sensitive, as HTTP defines them); nil means any method. A rule
    /// listing `GET` also answers `HEAD`.
    public var methods: [String]?
    public var payload: Payload

    public init(host: HostPattern = .any, path: PathPattern, methods: [String]? = nil, payload: Payload) {
        self.host = host
        self.path = path
        self.methods = methods
        self.payload = payload
    }
}
