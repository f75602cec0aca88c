import CNexusLinux
import Glibc

/// The operations the server queues, one method each. Each takes the 64-bit user data that comes back in
/// the completion; the caller packs what it needs to find its state without a lookup.
extension Ring {
    /// Multishot accept on a listener: one completion per accepted connection while IORING_CQE_F_MORE is set.
    @inlinable public func prepareMultishotAccept(listener fd: Int32, userData: UInt64) {
        let s = sqe()
        io_uring_prep_multishot_accept(s, fd, nil, nil, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
        io_uring_sqe_set_data64(s, userData)
    }

    /// Multishot receive into buffers picked from the provided-buffer ring `group`.
    @inlinable public func prepareMultishotReceive(fd: Int32, group: UInt16, userData: UInt64) {
        let s = sqe()
        io_uring_prep_recv_multishot(s, fd, nil, 0, 0)
        s.pointee.flags |= NEXUS_IOSQE_BUFFER_SELECT
        s.pointee.buf_group = group
        io_uring_sqe_set_data64(s, userData)
    }

    /// Sends `count` bytes at `bytes` (MSG_NOSIGNAL). The memory must stay valid until the completion.
    @inlinable public func prepareSend(fd: Int32, bytes: UnsafeRawPointer, count: Int, userData: UInt64) {
        let s = sqe()
        io_uring_prep_send(s, fd, bytes, count, Int32(MSG_NOSIGNAL))
        io_uring_sqe_set_data64(s, userData)
    }

    /// Reads `count` bytes into `into` (used for the eventfd of the mailbox).
    @inlinable public func prepareRead(fd: Int32, into: UnsafeMutableRawPointer, count: UInt32, userData: UInt64) {
        let s = sqe()
        io_uring_prep_read(s, fd, into, count, 0)
        io_uring_sqe_set_data64(s, userData)
    }

    /// A relative timeout; `spec` must stay valid until the completion (-ETIME when it fires).
    @inlinable public func prepareTimeout(_ spec: UnsafeMutablePointer<__kernel_timespec>, userData: UInt64) {
        let s = sqe()
        io_uring_prep_timeout(s, spec, 0, 0)
        io_uring_sqe_set_data64(s, userData)
    }

    /// Cancels every operation in flight on `fd` (IORING_ASYNC_CANCEL_ALL); its own completion is not posted on success.
    @inlinable public func prepareCancel(fd: Int32, userData: UInt64) {
        let s = sqe()
        io_uring_prep_cancel_fd(s, fd, UInt32(IORING_ASYNC_CANCEL_ALL))
        io_uring_sqe_set_data64(s, userData)
    }

    /// Cancels the operation submitted with `target` user data.
    @inlinable public func prepareCancel(target: UInt64, userData: UInt64) {
        let s = sqe()
        io_uring_prep_cancel64(s, target, 0)
        io_uring_sqe_set_data64(s, userData)
    }
}

extension Ring {
    /// Connects `fd` to the address at `address` (IORING_OP_CONNECT, 5.5). The address must stay valid until
    /// the completion.
    @inlinable public func prepareConnect(fd: Int32, address: UnsafePointer<sockaddr>, length: socklen_t, userData: UInt64) {
        let s = sqe()
        io_uring_prep_connect(s, fd, address, length)
        io_uring_sqe_set_data64(s, userData)
    }
}
