// RuntimeThreadAffinity: CPU pinning for the runtime's threads (pthread_setaffinity_np is not visible through Glibc).
import CNexusLinux

/// Wrappers of the CNexusLinux CPU-affinity shims.
public enum RuntimeThreadAffinity {
    /// Pins the calling thread to `cpu` (wraps `nexus_pin_current_thread`, i.e. `pthread_setaffinity_np`).
    public static func pinCurrentThread(to cpu: Int) throws(RuntimeSyscallError) {
        let rc = nexus_pin_current_thread(Int32(truncatingIfNeeded: cpu))
        if rc != 0 { throw RuntimeSyscallError(call: "pthread_setaffinity_np", errno: rc) }
    }

    /// The number of CPUs this process may run on (wraps `nexus_available_cpus`, i.e. `sched_getaffinity`), at least 1.
    public static func availableCPUs() -> Int {
        Int(nexus_available_cpus())
    }
}
