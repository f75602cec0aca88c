import CNexusLinux
import Glibc

/// Process-wide facts and limits the server sizes itself by.
public enum ProcessLimits {
    /// The CPUs this process may run on (sched_getaffinity).
    public static var availableCPUs: Int { Int(nexus_available_cpus()) }

    /// Raises RLIMIT_NOFILE's soft limit to its hard limit and returns the new soft limit.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        var lim = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim) == 0 else { return 1024 }
        if lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &lim)
        }
        return lim.rlim_cur > rlim_t(Int.max) ? Int.max : Int(lim.rlim_cur)
    }
}
