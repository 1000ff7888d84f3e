/* kiosk_fixture.h — the real amends-kiosk syncing to the real amends-hub
 * (sync_fixture.h): a site config whose [sync] section points at the hub,
 * the kiosk run headless on a script or in a real window on an Xvfb
 * display the test starts, and amendsctl on the same store.
 *
 * Every process started here dies with the test process
 * (PR_SET_PDEATHSIG); Xvfb is also stopped in kx_teardown, which cmocka
 * runs even when the case failed.
 */
#ifndef KIOSK_FIXTURE_H
#define KIOSK_FIXTURE_H

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include "sync_fixture.h"

#define KIOSK_BIN AM_BINARY_DIR "/bin/amends-kiosk"
#define CTL_BIN   AM_BINARY_DIR "/bin/amendsctl"

typedef struct kiosk_fx {
    sync_fx *fx;
    char conf[700];
    char script[700];
    char log[700];  /* every kiosk run appends its stdout and stderr here */
    char vkey[700]; /* the kiosk's voucher key file, next to the config */
    pid_t xvfb;
    int display; /* -1 until Xvfb runs */
} kiosk_fx;

/* The test site: one category with one offer, kiosk id k1 of the hub,
 * batches of `batch` records; sync is on unless url is NULL. */
static inline void kx_write_conf(kiosk_fx *k, const char *url, const char *token_file, int batch)
{
    char text[4096];
    snprintf(text, sizeof text,
             "[kiosk]\nid = k1\nlanguages = en\ndefault_language = en\ndata_dir = %s\n"
             "log_level = info\n\n"
             "[idle]\ntimeout = 30\ncountdown = 10\nthanks = 15\n\n"
             "[sync]\nurl = %s\ntoken_file = %s\nsecret_file = %s\nca_file = %s\n"
             "batch = %d\nheartbeat = 3600\nconnect_timeout = 5\n\n"
             "[budget]\ncurrency = EUR\ndaily_value = 10.00\nhourly_offers = 2\n"
             "voucher_key_file = voucher.key\n\n"
             "[resolution.replace]\nlabel = Replace it\n\n"
             "[category.room]\nlabel = Room\n"
             "explanation = The room was not checked before you arrived.\n"
             "options = replace\n\n"
             "[offer.drink]\ntext = A drink at the bar, on us\nvalue = 6.00\n"
             "categories = room\nseverities = significant, severe\n",
             k->fx->data, url ? url : "", token_file, k->fx->secret_file, k->fx->h->ca, batch);
    h_write(k->conf, text);
}

/* Writes the kiosk's voucher key file from the base64 that `amends-hub
 * kiosk add` printed: 32 bytes, mode 0600, as the installer does. A NULL
 * b64 makes a key of the kiosk's own with `amendsctl voucher keygen`
 * instead: one the hub does not hold. */
static inline void kx_write_voucher_key(kiosk_fx *k, const char *b64)
{
    unlink(k->vkey);
    if (!b64) {
        char *keygen[] = {CTL_BIN, "voucher", "keygen", "--key", k->vkey, NULL};
        assert_int_equal(am_test_run_program(keygen, NULL, NULL), 0);
        return;
    }
    char script[1600];
    snprintf(script, sizeof script, "(umask 077; printf '%%s' '%s' | base64 -d > '%s')", b64,
             k->vkey);
    assert_int_equal(h_sh(script, NULL, NULL), 0);
    struct stat sb;
    assert_int_equal(stat(k->vkey, &sb), 0);
    assert_int_equal(sb.st_size, 32);
    assert_int_equal(sb.st_mode & 0777, 0600);
}

/* Starts the hub (extra_hub: more [hub] lines, e.g. "tls = off") and an
 * empty kiosk store, and writes the site config. */
static inline kiosk_fx *kx_open_hub(void **state, const char *extra_hub)
{
    void *fstate = NULL;
    kiosk_fx *k = calloc(1, sizeof *k);
    assert_non_null(k);
    *state = k;
    k->display = -1;
    fx_open(&fstate, extra_hub);
    k->fx = fstate;
    snprintf(k->conf, sizeof k->conf, "%s/kiosk.conf", k->fx->h->dir);
    snprintf(k->script, sizeof k->script, "%s/journey.script", k->fx->h->dir);
    snprintf(k->log, sizeof k->log, "%s/kiosk.log", k->fx->h->dir);
    kx_write_conf(k, k->fx->h->url, k->fx->token_file, 7);
    /* The voucher key, next to the config: the one the hub made for k1 at
     * `kiosk add`, written the way the installer writes it (docs/vouchers.md),
     * so that the hub can verify this kiosk's codes. */
    snprintf(k->vkey, sizeof k->vkey, "%s/voucher.key", k->fx->h->dir);
    kx_write_voucher_key(k, k->fx->h->k1_vkey);
    /* The kiosk owns its store: a read-write handle of ours would keep it
     * from repairing what a kill left (see store.c). */
    am_store_close(k->fx->st);
    k->fx->st = NULL;
    return k;
}

static inline kiosk_fx *kx_open(void **state)
{
    return kx_open_hub(state, NULL);
}

/* Starts Xvfb on a display number it picks itself (-displayfd), so that
 * tests running at once never share or collide on a display. */
static inline void kx_xvfb_start(kiosk_fx *k)
{
    int fds[2];
    char fdarg[16], log[700];
    assert_int_equal(pipe(fds), 0);
    snprintf(fdarg, sizeof fdarg, "%d", fds[1]);
    snprintf(log, sizeof log, "%s/xvfb.log", k->fx->h->dir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        close(fds[0]);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null = open("/dev/null", O_RDWR);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        execlp("Xvfb", "Xvfb", "-displayfd", fdarg, "-screen", "0", "1280x800x24", "-nolisten",
               "tcp", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    k->xvfb = pid;
    char buf[32] = "";
    size_t len = 0;
    struct pollfd p = {.fd = fds[0], .events = POLLIN};
    /* Xvfb writes the display number and a newline once it accepts
     * clients; EOF first means it died. */
    while (len < sizeof buf - 1 && !memchr(buf, '\n', len) && poll(&p, 1, 15000) == 1) {
        ssize_t n = read(fds[0], buf + len, sizeof buf - 1 - len);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
    }
    close(fds[0]);
    if (!memchr(buf, '\n', len)) {
        char *text = am_test_read_file(log, NULL);
        fail_msg("Xvfb did not start (install it: packaging/install-deps.sh):\n%s",
                 text ? text : "");
    }
    k->display = atoi(buf);
}

static inline void kx_xvfb_stop(kiosk_fx *k)
{
    int status;
    if (k->xvfb <= 0)
        return;
    kill(k->xvfb, SIGTERM);
    if (am_test_wait_exit(k->xvfb, 5000, &status)) {
        k->xvfb = 0;
        return;
    }
    kill(k->xvfb, SIGKILL);
    waitpid(k->xvfb, &status, 0);
    k->xvfb = 0;
}

static inline int kx_teardown(void **state)
{
    kiosk_fx *k = *state;
    if (!k)
        return 0;
    kx_xvfb_stop(k);
    void *fstate = k->fx;
    fx_teardown(&fstate);
    free(k);
    return 0;
}

/* Starts amends-kiosk in the background: in an 800x480 window on the Xvfb
 * display, or (script != NULL) headless on that script. */
static void kx_on_alarm(int sig)
{
    (void)sig; /* only there to interrupt the wait for the lock */
}

/* Names every process that has path open (pid, parent, state, name and
 * command line), for the message of a test that found it locked. */
static inline void kx_lock_holders(const char *path, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = 0;
    DIR *proc = opendir("/proc");
    if (!proc)
        return;
    struct dirent *e;
    while ((e = readdir(proc)) && n + 1 < cap) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        char fds[300];
        snprintf(fds, sizeof fds, "/proc/%s/fd", e->d_name);
        DIR *d = opendir(fds);
        if (!d)
            continue;
        struct dirent *f;
        bool has = false;
        while (!has && (f = readdir(d))) {
            char link[600], target[900];
            snprintf(link, sizeof link, "%s/%s", fds, f->d_name);
            ssize_t len = readlink(link, target, sizeof target - 1);
            if (len > 0) {
                target[len] = 0;
                has = strcmp(target, path) == 0;
            }
        }
        closedir(d);
        if (!has)
            continue;
        char file[300], stat[512] = "", cmd[512] = "";
        snprintf(file, sizeof file, "/proc/%s/stat", e->d_name);
        FILE *fp = fopen(file, "r");
        if (fp) {
            if (!fgets(stat, sizeof stat, fp))
                stat[0] = 0;
            fclose(fp);
        }
        snprintf(file, sizeof file, "/proc/%s/cmdline", e->d_name);
        fp = fopen(file, "r");
        if (fp) {
            size_t got = fread(cmd, 1, sizeof cmd - 1, fp);
            fclose(fp);
            for (size_t i = 0; i < got; i++)
                if (!cmd[i])
                    cmd[i] = ' ';
            cmd[got] = 0;
        }
        stat[strcspn(stat, "\n")] = 0;
        int w = snprintf(out + n, cap - n, "  %.120s | %.200s\n", stat, cmd);
        if (w > 0)
            n += (size_t)w < cap - n ? (size_t)w : cap - n - 1;
    }
    closedir(proc);
    if (!out[0])
        snprintf(out, cap, "  (none found in /proc)\n");
}

/* Waits until no process holds the data dir's kiosk lock any more (the
 * kiosk's POSIX record lock, which the kernel drops as the process dies),
 * so the next kiosk does not start beside the last. Fails after 10 s,
 * naming whoever still has the lock file open. */
static inline void kx_lock_free(kiosk_fx *k)
{
    char path[800];
    snprintf(path, sizeof path, "%s/kiosk.lock", k->fx->data);
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return; /* no kiosk has run yet */
    struct sigaction sa = {.sa_handler = kx_on_alarm}, old;
    sigaction(SIGALRM, &sa, &old); /* no SA_RESTART: F_SETLKW returns EINTR */
    alarm(10);
    struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int rc = fcntl(fd, F_SETLKW, &whole);
    int err = errno;
    alarm(0);
    sigaction(SIGALRM, &old, NULL);
    close(fd); /* drops the lock, if taken */
    if (rc != 0) {
        char who[4096];
        kx_lock_holders(path, who, sizeof who);
        fail_msg("%s still locked 10 s after its kiosk was reaped: %s\nprocesses with it open:\n%s",
                 path, strerror(err), who);
    }
}

static inline pid_t kx_spawn(kiosk_fx *k, const char *script)
{
    kx_lock_free(k);
    char display[16];
    snprintf(display, sizeof display, ":%d", k->display);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(k->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        int null = open("/dev/null", O_RDWR);
        if (fd < 0 || null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (script) {
            execl(KIOSK_BIN, KIOSK_BIN, "--config", k->conf, "--data-dir", k->fx->data,
                  "--headless", "--script", script, (char *)NULL);
        } else {
            setenv("DISPLAY", display, 1);
            setenv("SDL_VIDEODRIVER", "x11", 1);
            /* ASan builds: SDL's X11 driver loads libdbus, which keeps
             * memory to the end on purpose. */
            char lsan[1200];
            const char *had = getenv("LSAN_OPTIONS");
            snprintf(lsan, sizeof lsan, "%s%ssuppressions=%s", had ? had : "", had ? ":" : "",
                     AM_SOURCE_DIR "/tests/sync/lsan-x11.supp");
            setenv("LSAN_OPTIONS", lsan, 1);
            execl(KIOSK_BIN, KIOSK_BIN, "--config", k->conf, "--data-dir", k->fx->data,
                  "--windowed", "--size", "800x480", (char *)NULL);
        }
        _exit(127);
    }
    return pid;
}

/* Exit status of pid, waiting at most timeout_ms (then SIGKILL, -1). */
static inline int kx_wait(pid_t pid, long timeout_ms)
{
    int status = 0;
    if (am_test_wait_exit(pid, timeout_ms, &status))
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

/* Runs the kiosk headless on `text` as its script; returns its exit status. */
static inline int kx_run_script(kiosk_fx *k, const char *text)
{
    h_write(k->script, text);
    return kx_wait(kx_spawn(k, k->script), 30000);
}

/* Fails with what went wrong and the end of the kiosk's log. */
static inline void kx_fail_with_log(kiosk_fx *k, const char *what)
{
    size_t len = 0;
    char *text = am_test_read_file(k->log, &len);
    fprintf(stderr, "kiosk log (end):\n%s\n",
            !text        ? "(none)"
            : len > 4000 ? text + len - 4000
                         : text);
    free(text);
    fail_msg("%s", what);
}

/* Opens the test's own connection to the kiosk's store (read-only). */
static inline void kx_store_open(kiosk_fx *k)
{
    char err[256];
    am_store_close(k->fx->st);
    k->fx->st = NULL;
    if (am_store_open(k->fx->data, AM_STORE_READONLY, h_now_ms(), &k->fx->st, err, sizeof err))
        fail_msg("store: %s", err);
}

/* A report left on apology: closed as abandoned by the idle timer, with
 * an alert because it is severe (two records for the hub). Needs no offer
 * budget. */
static const char kx_left_on_apology[] = "expect attract\n"
                                         "tap start\n"
                                         "tap category.room\n"
                                         "tap impact.severe\n"
                                         "tap next\n"
                                         "expect apology\n"
                                         "wait 60\n"
                                         "expect attract\n";

/* A guest's whole journey: a severe report (so staff are alerted), the
 * offer accepted, rated, contact given with consent. */
static const char *const kx_full_journey = "expect attract\n"
                                           "tap start\n"
                                           "tap category.room\n"
                                           "tap impact.severe\n"
                                           "tap field.description\n"
                                           "type The shower ran cold, all week.\n"
                                           "tap field.name\n"
                                           "type Amira\n"
                                           "tap next\n"
                                           "expect apology\n"
                                           "tap resolution.replace\n"
                                           "expect offer\n"
                                           "tap offer.accept\n"
                                           "expect followup\n"
                                           "tap rating.5\n"
                                           "tap field.contact\n"
                                           "type room 214\n"
                                           "tap consent.yes\n"
                                           "tap done\n"
                                           "expect thanks\n"
                                           /* How long thanks stays depends on
                                            * how fast the hub confirms the
                                            * severe alert: the guest leaves. */
                                           "tap done\n"
                                           "expect attract\n";

#endif
