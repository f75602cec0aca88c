/// Why the admin socket could not be set up.
public struct AdminServerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed, e.g. "cannot bind /run/nexus/admin.sock".
    public var what: String
    /// Why, e.g. "Permission denied".
    public var why: String

    public init(what: String, why: String) {
        self.what = what
        self.why = why
    }

    /// `cannot bind /run/nexus/admin.sock: Permission denied`.
    public var description: String { "\(what): \(why)" }
}
