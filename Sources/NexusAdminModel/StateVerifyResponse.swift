/// `GET /v1/state/verify`: the outcome of re-reading the durable state and checking every record's checksum.
public struct StateVerifyResponse: Codable, Sendable, Equatable {
    /// True when every record checked out.
    public var ok: Bool
    /// The number of segment files read.
    public var segments: Int
    /// The number of records whose checksum matched.
    public var records: Int
    /// What is wrong, one line each (segment, offset, what); empty when `ok`.
    public var problems: [String]

    public init(ok: Bool, segments: Int, records: Int, problems: [String] = []) {
        self.ok = ok
        self.segments = segments
        self.records = records
        self.problems = problems
    }

    enum CodingKeys: String, CodingKey {
        case ok
        case segments
        case records
        case problems
    }
}
