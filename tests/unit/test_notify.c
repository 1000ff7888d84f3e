/* test_notify.c — the kiosk tells systemd it is ready, pings the watchdog
 * from its main loop even while idle on attract, and says when it stops.
 *
 * Runs the real amends-kiosk in a window on an Xvfb display this test
 * starts, with NOTIFY_SOCKET pointing at a datagram socket the test reads,
 * as systemd would set it for a Type=notify unit with WatchdogSec. */
#include "am_test.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KIOSK     AM_BINARY_DIR "/bin/amends-kiosk"
#define TEST_CONF AM_SOURCE_DIR "/tests/fixtures/kiosk-test.conf"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Starts Xvfb on a display it picks itself; returns its pid. */
static pid_t start_xvfb(int *display)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char fdarg[16];
        snprintf(fdarg, sizeof fdarg, "%d", fds[1]);
        close(fds[0]);
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execlp("Xvfb", "Xvfb", "-displayfd", fdarg, "-screen", "0", "1024x768x24", "-nolisten",
               "tcp", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[32] = "";
    size_t len = 0;
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    int64_t until = mono_ms() + 10000;
    while (len < sizeof buf - 1 && !memchr(buf, '\n', len) && mono_ms() < until) {
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t n = read(fds[0], buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
    }
    close(fds[0]);
    if (!memchr(buf, '\n', len)) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("Xvfb did not start (install it: packaging/install-deps.sh)");
    }
    *display = atoi(buf);
    return pid;
}

static void stop(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    if (am_test_wait_exit(pid, 2000, NULL))
        return;
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* The real kiosk in an 800x480 window on display, telling sock_path
 * what a systemd unit would hear, its output in log. */
static pid_t spawn_kiosk(int display, const char *sock_path, const char *data, const char *log)
{
    pid_t kiosk = fork();
    assert_true(kiosk >= 0);
    if (kiosk == 0) {
        char disp[32], pid[32];
        snprintf(disp, sizeof disp, ":%d", display);
        snprintf(pid, sizeof pid, "%ld", (long)getpid());
        setenv("DISPLAY", disp, 1);
        setenv("NOTIFY_SOCKET", sock_path, 1);
        /* A 400 ms watchdog: the loop must ping at least every 200 ms. */
        setenv("WATCHDOG_USEC", "400000", 1);
        setenv("WATCHDOG_PID", pid, 1);
        /* Under ASan, SDL's X11 driver keeps libdbus allocations for the
         * life of the process; only that library is suppressed. */
        char lsan[1200];
        const char *had = getenv("LSAN_OPTIONS");
        snprintf(lsan, sizeof lsan, "%s%ssuppressions=%s", had ? had : "", had ? ":" : "",
                 AM_SOURCE_DIR "/tests/sync/lsan-x11.supp");
        setenv("LSAN_OPTIONS", lsan, 1);
        int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(out, 1);
        dup2(out, 2);
        execl(KIOSK, KIOSK, "--windowed", "--size", "800x480", "--config", TEST_CONF, "--data-dir",
              data, (char *)NULL);
        _exit(127);
    }
    return kiosk;
}

static void ready_watchdog_and_stopping_reach_systemd(void **state)
{
    (void)state;
    char dir[512], sock_path[600], data[600], log[600];
    am_test_tmpdir(dir, sizeof dir, "notify");
    assert_true(snprintf(sock_path, sizeof sock_path, "%s/notify", dir) < (int)sizeof sock_path);
    assert_true(snprintf(data, sizeof data, "%s/data", dir) < (int)sizeof data);
    assert_true(snprintf(log, sizeof log, "%s/kiosk.log", dir) < (int)sizeof log);

    int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(sock >= 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    assert_true(strlen(sock_path) < sizeof addr.sun_path);
    strcpy(addr.sun_path, sock_path);
    assert_int_equal(bind(sock, (struct sockaddr *)&addr, sizeof addr), 0);

    int display;
    pid_t xvfb = start_xvfb(&display);
    pid_t kiosk = spawn_kiosk(display, sock_path, data, log);

    /* READY once, after the first frame (waited for, at most 20 s: a loaded
     * machine starts the window slowly); from then on, idle on attract for
     * 2.5 s: watchdog pings although nothing on screen changes. */
    int ready = 0, pings = 0, stopping = 0;
    int64_t first_ping = 0, last_ping = 0;
    int64_t until = mono_ms() + 20000;
    bool idling = false;
    while (mono_ms() < until) {
        struct pollfd p = {.fd = sock, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        char msg[256];
        ssize_t n = recv(sock, msg, sizeof msg - 1, 0);
        if (n <= 0)
            continue;
        msg[n] = '\0';
        if (strstr(msg, "READY=1")) {
            ready++;
            if (!idling) {
                idling = true;
                until = mono_ms() + 2500;
            }
        }
        if (strstr(msg, "WATCHDOG=1")) {
            if (!pings)
                first_ping = mono_ms();
            last_ping = mono_ms();
            pings++;
        }
    }
    kill(kiosk, SIGTERM);
    until = mono_ms() + 5000;
    while (!stopping && mono_ms() < until) {
        struct pollfd p = {.fd = sock, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        char msg[256];
        ssize_t n = recv(sock, msg, sizeof msg - 1, 0);
        if (n > 0) {
            msg[n] = '\0';
            stopping += strstr(msg, "STOPPING=1") != NULL;
        }
    }
    int status = -1;
    if (am_test_wait_exit(kiosk, 5000, &status))
        kiosk = 0; /* reaped: nothing left to stop */
    stop(kiosk);
    stop(xvfb);
    close(sock);
    char *text = am_test_read_file(log, NULL);
    if (ready != 1 || pings < 5 || !stopping)
        fail_msg("ready=%d pings=%d stopping=%d; kiosk log:\n%s", ready, pings, stopping,
                 text ? text : "(none)");
    free(text);
    /* Pings keep coming for the whole idle period, not in one burst. */
    assert_true(last_ping - first_ping >= 1000);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    am_test_rmtree(dir);
}

/* Under a bare X server, with no session bus set, SDL's X11 driver has
 * libdbus fork dbus-launch beside the kiosk: a process nobody asked for,
 * which shares the kiosk's files until it execs. A stand-in dbus-launch
 * first on PATH shows whether anything ran it. */
static void starts_no_session_bus_beside_it(void **state)
{
    (void)state;
    char dir[512], sock_path[600], data[600], log[600], bin[600], fake[700], ran[600];
    am_test_tmpdir(dir, sizeof dir, "nobus");
    assert_true(snprintf(sock_path, sizeof sock_path, "%s/notify", dir) < (int)sizeof sock_path);
    assert_true(snprintf(data, sizeof data, "%s/data", dir) < (int)sizeof data);
    assert_true(snprintf(log, sizeof log, "%s/kiosk.log", dir) < (int)sizeof log);
    assert_true(snprintf(bin, sizeof bin, "%s/bin", dir) < (int)sizeof bin);
    assert_true(snprintf(fake, sizeof fake, "%s/dbus-launch", bin) < (int)sizeof fake);
    assert_true(snprintf(ran, sizeof ran, "%s/dbus-launch-ran", dir) < (int)sizeof ran);
    assert_int_equal(mkdir(bin, 0700), 0);
    FILE *f = fopen(fake, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\necho \"$*\" >'%s'\nexit 1\n", ran);
    fclose(f);
    assert_int_equal(chmod(fake, 0755), 0);

    int sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(sock >= 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    assert_true(strlen(sock_path) < sizeof addr.sun_path);
    strcpy(addr.sun_path, sock_path);
    assert_int_equal(bind(sock, (struct sockaddr *)&addr, sizeof addr), 0);

    int display;
    pid_t xvfb = start_xvfb(&display);
    /* The kiosk's environment: no bus address, a runtime dir with no bus
     * in it, the stand-in first on PATH. */
    char *path_had = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    char *bus_had =
        getenv("DBUS_SESSION_BUS_ADDRESS") ? strdup(getenv("DBUS_SESSION_BUS_ADDRESS")) : NULL;
    char *run_had = getenv("XDG_RUNTIME_DIR") ? strdup(getenv("XDG_RUNTIME_DIR")) : NULL;
    char path[4096];
    assert_true(snprintf(path, sizeof path, "%s:%s", bin, path_had) < (int)sizeof path);
    setenv("PATH", path, 1);
    unsetenv("DBUS_SESSION_BUS_ADDRESS");
    setenv("XDG_RUNTIME_DIR", dir, 1);
    pid_t kiosk = spawn_kiosk(display, sock_path, data, log);
    setenv("PATH", path_had, 1);
    if (bus_had)
        setenv("DBUS_SESSION_BUS_ADDRESS", bus_had, 1);
    if (run_had)
        setenv("XDG_RUNTIME_DIR", run_had, 1);
    else
        unsetenv("XDG_RUNTIME_DIR");
    free(path_had);
    free(bus_had);
    free(run_had);

    /* Up to its first frame (at most 20 s on a loaded machine): SDL has
     * opened its video driver by then. */
    bool ready = false;
    int64_t until = mono_ms() + 20000;
    while (!ready && mono_ms() < until) {
        struct pollfd p = {.fd = sock, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0)
            continue;
        char msg[256];
        ssize_t n = recv(sock, msg, sizeof msg - 1, 0);
        if (n > 0) {
            msg[n] = '\0';
            ready = strstr(msg, "READY=1") != NULL;
        }
    }
    kill(kiosk, SIGTERM);
    int status = -1;
    if (am_test_wait_exit(kiosk, 5000, &status))
        kiosk = 0;
    stop(kiosk);
    stop(xvfb);
    close(sock);
    char *text = am_test_read_file(log, NULL);
    if (!ready)
        print_error("the kiosk never drew its first frame; its log:\n%s\n", text ? text : "(none)");
    free(text);
    assert_true(ready);
    char *args = am_test_read_file(ran, NULL);
    if (args)
        fail_msg("the kiosk ran dbus-launch %s", args);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    am_test_rmtree(dir);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(ready_watchdog_and_stopping_reach_systemd),
    cmocka_unit_test(starts_no_session_bus_beside_it),
};

AM_TEST_MAIN(tests)
