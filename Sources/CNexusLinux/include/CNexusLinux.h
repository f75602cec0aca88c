// CNexusLinux: the C surface Nexus needs from Linux and liburing.
//
// The include order matters: liburing.h defines _GNU_SOURCE/_XOPEN_SOURCE, and a clean build fails
// ("__fds_bits ... not present in definition of 'fd_set'") if it comes before the socket headers.
#ifndef C_NEXUS_LINUX_H
#define C_NEXUS_LINUX_H

#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <liburing.h>

// IOSQE_* are macros built from enum bit numbers: Swift does not import them.
static const unsigned char NEXUS_IOSQE_FIXED_FILE = IOSQE_FIXED_FILE;
static const unsigned char NEXUS_IOSQE_IO_LINK = IOSQE_IO_LINK;
static const unsigned char NEXUS_IOSQE_IO_HARDLINK = IOSQE_IO_HARDLINK;
static const unsigned char NEXUS_IOSQE_ASYNC = IOSQE_ASYNC;
static const unsigned char NEXUS_IOSQE_BUFFER_SELECT = IOSQE_BUFFER_SELECT;
static const unsigned char NEXUS_IOSQE_CQE_SKIP_SUCCESS = IOSQE_CQE_SKIP_SUCCESS;

/// Pins the calling thread to one CPU (pthread_setaffinity_np is not visible through Glibc). Returns 0 or an errno.
int nexus_pin_current_thread(int cpu);

/// accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC) (accept4 needs _GNU_SOURCE, which Swift's Glibc lacks).
int nexus_accept_nonblocking(int fd);

/// Names the calling thread (pthread_setname_np; at most 15 bytes are kept). Returns 0 or an errno.
int nexus_set_thread_name(const char *name);

/// The number of CPUs this process may run on (sched_getaffinity), at least 1.
int nexus_available_cpus(void);

/// Blocks SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGPIPE in the calling thread (threads created later inherit it).
int nexus_block_signals(void);

/// Waits for one of the signals blocked by nexus_block_signals; returns its number, or -1 on error.
int nexus_wait_signal(void);

/// Returns 1 if the kernel knows the io_uring opcode `op` (io_uring_get_probe), 0 if not, -1 if probing failed.
int nexus_uring_probe_opcode(int op);

#include "CNexusCRC32C.h"

#endif
