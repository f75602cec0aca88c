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

    /// For a request on the TCP listener: the client's address (it proved the admin token; uid, gid and pid are
    /// unknown and set to nobody); nil on the Unix socket.
    public var remote: String?

    public init(uid: UInt32, gid: UInt32, pid: Int32, remote: String? = nil) {
        self.uid = uid
        self.gid = gid
        self.pid = pid
        self.remote = remote
    }

    /// `uid=0 gid=0 pid=1234`, or `token from 192.0.2.1`.
    public var description: String { remote.map { "token from \($0)" } ?? "uid=\(uid) gid=\(gid) pid=\(pid)" }
}
