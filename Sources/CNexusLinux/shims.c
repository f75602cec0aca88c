#define _GNU_SOURCE
#include <sched.h>
#include <pthread.h>
#include "CNexusLinux.h"

int nexus_pin_current_thread(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int nexus_available_cpus(void) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) return 1;
    int n = CPU_COUNT(&set);
    return n > 0 ? n : 1;
}

static sigset_t nexus_signal_set(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGPIPE);
    return set;
}

int nexus_block_signals(void) {
    sigset_t set = nexus_signal_set();
    return pthread_sigmask(SIG_BLOCK, &set, NULL);
}

int nexus_wait_signal(void) {
    sigset_t set = nexus_signal_set();
    int sig = 0;
    for (;;) {
        int rc = sigwait(&set, &sig);
        if (rc == 0) {
            if (sig == SIGPIPE) continue;
            return sig;
        }
        if (rc != EINTR) return -1;
    }
}

int nexus_uring_probe_opcode(int op) {
    struct io_uring_probe *probe = io_uring_get_probe();
    if (!probe) return -1;
    int ok = io_uring_opcode_supported(probe, op);
    io_uring_free_probe(probe);
    return ok ? 1 : 0;
}

int nexus_accept_nonblocking(int fd) {
    return accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int nexus_set_thread_name(const char *name) {
    char buf[16];
    size_t i = 0;
    for (; name[i] && i < 15; i++) buf[i] = name[i];
    buf[i] = 0;
    return pthread_setname_np(pthread_self(), buf);
}
