/// Who sent an admin request, as the kernel vouches for it (SO_PEERCRED on the Unix socket).
///
/// Handlers get it for the audit log and for any per-user decision; it cannot be forged by the client.
public struct AdminCaller: Sendable, Equatable, CustomStringConvertible {
    /// The effective user id of the connecting process.
    public var uid: UInt32
    /// The effective group id of the connecting process.
    public var gid: UInt32
    /// The process id of the connecting process (as seen from nexusd's pid namespace; 0 if unknown there).
    public var pid: Int32

    public init(uid: UInt32, gid: UInt32, pid: Int32) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
    }

    /// `uid=0 gid=0 pid=1234`.
    public var description: String { "uid=\(uid) gid=\(gid) pid=\(pid)" }
}
