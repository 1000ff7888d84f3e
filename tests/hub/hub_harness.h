/* hub_harness.h — starts the real amends-hub (and, for the PostgreSQL
 * tests, a real PostgreSQL server) on loopback for the integration tests.
 *
 * Certificates come from the openssl command line at test time: a CA and a
 * server certificate for 127.0.0.1. Every process started here is stopped
 * in teardown, which cmocka runs even when the case failed; the hub also
 * dies with the test process (PR_SET_PDEATHSIG). All waits are bounded.
 */
#ifndef HUB_HARNESS_H
#define HUB_HARNESS_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "am_test.h"
#include "amends/proto.h"
#include "amends/retry_after.h"
#include "amends/webhook.h"
#include "hub_client.h"

#define HUB_BIN AM_BINARY_DIR "/bin/amends-hub"
#define PG_BIN  "/usr/lib/postgresql/15/bin"

typedef struct pg_server {
    char dir[512]; /* also where its socket is */
    int port;      /* names the socket file only: it listens on no TCP port */
    bool running;
} pg_server;

typedef struct hub_proc {
    pid_t pid;
    int port;
    char log[600];
    int url_fd;       /* the read end of its stdout, until its URL is read */
    bool url_pending; /* url_fd is open */
} hub_proc;

typedef struct harness {
    char dir[512];
    char conf[600];
    char ca[600];
    char url[128];
    hub_proc hub, hub2;
    pg_server pg;
    bool use_pg;
    char k1_token[128], k1_secret[128];
    char k2_token[128], k2_secret[128];
    char k1_vkey[128], k2_vkey[128]; /* voucher keys, base64, as kiosk add prints them */
    char mgr_token[128];
} harness;

static inline void h_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

static inline int64_t h_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads one line from fd into line (cap len), waiting at most until
 * deadline_ms (h_now_ms). false at EOF, on an error or at the deadline. */
static inline bool h_read_line(int fd, char *line, size_t len, int64_t deadline_ms)
{
    size_t n = 0;
    while (n + 1 < len) {
        int64_t left = deadline_ms - h_now_ms();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        char c;
        ssize_t r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (c == '\n') {
            line[n] = '\0';
            return true;
        }
        line[n++] = c;
    }
    line[n] = '\0';
    return false;
}

/* Waits, at most timeout_ms, until the file at path holds text: woken by
 * the file's changes (inotify), not by polling. */
static inline bool h_wait_file_text(const char *path, const char *text, long timeout_ms)
{
    int fd = inotify_init1(IN_CLOEXEC);
    assert_true(fd >= 0);
    if (inotify_add_watch(fd, path, IN_MODIFY | IN_CLOSE_WRITE) < 0)
        fail_msg("%s: cannot watch: %s", path, strerror(errno));
    int64_t deadline = h_now_ms() + timeout_ms;
    bool found = false;
    for (;;) {
        /* Read after the watch is in place: no change can slip between. */
        char *t = am_test_read_file(path, NULL);
        found = t && strstr(t, text);
        free(t);
        int64_t left = deadline - h_now_ms();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (found || left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            break;
        char events[4096];
        if (read(fd, events, sizeof events) < 0 && errno != EINTR)
            break;
    }
    close(fd);
    return found;
}

static inline int h_sh(const char *script, const char *out, const char *err)
{
    char *argv[] = {"/bin/sh", "-c", (char *)script, NULL};
    return am_test_run_program(argv, out, err);
}

static inline void h_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Writes a secret (a kiosk's token or signing secret) the way an installer
 * does: mode 0600, or the kiosk refuses it (private_file.h). */
static inline void h_write_secret(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(fchmod(fd, 0600), 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

/* --- certificates -------------------------------------------------------------- */

static inline void h_make_certs(harness *h)
{
    char script[4096];
    snprintf(script, sizeof script,
             "set -e; cd '%s';"
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
             " -keyout ca.key -out ca.crt -days 2 -subj '/CN=amends test CA';"
             "openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
             " -keyout hub.key -out hub.csr -subj '/CN=127.0.0.1';"
             "printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext.cnf;"
             "openssl x509 -req -in hub.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
             " -out hub.crt -days 2 -extfile ext.cnf",
             h->dir);
    assert_int_equal(h_sh(script, NULL, NULL), 0);
    snprintf(h->ca, sizeof h->ca, "%s/ca.crt", h->dir);
}

/* --- PostgreSQL ------------------------------------------------------------------ */

/* PostgreSQL refuses to run as root: it runs as the postgres system user,
 * in a directory of its own under /tmp. It cannot be told to take any free
 * TCP port (port 0 is out of its range) and guessing one is a race, so it
 * listens on no TCP port at all: only on a Unix socket in that directory,
 * which no other server can take. */
static inline void h_pg_start(pg_server *pg)
{
    char script[8192];
    struct passwd *pw = getpwnam("postgres");
    if (!pw)
        fail_msg("no 'postgres' user: install Debian's postgresql package");
    snprintf(pg->dir, sizeof pg->dir, "/tmp/amends-hub-pg.%ld", (long)getpid());
    am_test_rmtree(pg->dir);
    assert_int_equal(mkdir(pg->dir, 0700), 0);
    assert_int_equal(chown(pg->dir, pw->pw_uid, pw->pw_gid), 0);
    pg->port = 5432;
    snprintf(script, sizeof script,
             "set -e; cd /tmp; runuser -u postgres -- %s/initdb -D '%s/data' -A trust -U amends"
             " --no-sync -E UTF8 --locale=C.UTF-8 >'%s/initdb.log' 2>&1;"
             "runuser -u postgres -- %s/pg_ctl -D '%s/data' -l '%s/server.log' -w -t 30"
             " -o \"-p %d -k '%s' -c listen_addresses='' -c fsync=on"
             " -c max_connections=100\" start >'%s/pg_ctl.log' 2>&1",
             PG_BIN, pg->dir, pg->dir, PG_BIN, pg->dir, pg->dir, pg->port, pg->dir, pg->dir);
    int rc = h_sh(script, NULL, NULL);
    if (rc != 0) {
        char log[600];
        snprintf(log, sizeof log, "%s/server.log", pg->dir);
        char *text = am_test_read_file(log, NULL);
        fprintf(stderr, "postgresql did not start (%d):\n%s\n", rc, text ? text : "(no log)");
        free(text);
        fail_msg("postgresql did not start");
    }
    pg->running = true;
}

static inline void h_pg_stop(pg_server *pg)
{
    char script[1024];
    if (!pg->running)
        return;
    snprintf(script, sizeof script,
             "runuser -u postgres -- %s/pg_ctl -D '%s/data' -m fast -w -t 30 stop", PG_BIN,
             pg->dir);
    h_sh(script, NULL, NULL);
    pg->running = false;
    am_test_rmtree(pg->dir);
}

/* --- the hub ------------------------------------------------------------------------- */

static inline void h_write_conf(harness *h, const char *extra_hub)
{
    char text[4096];
    char db[1200];
    if (h->use_pg)
        snprintf(db, sizeof db,
                 "backend = postgresql\nconninfo = host=%s port=%d dbname=postgres "
                 "user=amends\n",
                 h->pg.dir, h->pg.port);
    else
        snprintf(db, sizeof db, "backend = sqlite\npath = hub.db\n");
    snprintf(text, sizeof text,
             "[hub]\nlisten = 127.0.0.1:0\ncert = hub.crt\nkey = hub.key\nthreads = 4\n"
             "log_level = info\n%s\n[db]\n%s",
             extra_hub ? extra_hub : "", db);
    snprintf(h->conf, sizeof h->conf, "%s/hub.conf", h->dir);
    h_write(h->conf, text);
}

/* Runs amends-hub with args; stdout into out (cap outlen); returns exit status. */
static inline int h_hub_cmd(harness *h, const char *const *args, char *out, size_t outlen)
{
    char *argv[16];
    char out_path[700], err_path[700];
    int n = 0;
    argv[n++] = HUB_BIN;
    argv[n++] = "--config";
    argv[n++] = h->conf;
    for (; args[n - 3] && n < 15; n++)
        argv[n] = (char *)args[n - 3];
    argv[n] = NULL;
    snprintf(out_path, sizeof out_path, "%s/cmd.out", h->dir);
    snprintf(err_path, sizeof err_path, "%s/cmd.err", h->dir);
    int rc = am_test_run_program(argv, out_path, err_path);
    if (out) {
        char *text = am_test_read_file(out_path, NULL);
        snprintf(out, outlen, "%s", text ? text : "");
        free(text);
    }
    return rc;
}

static inline void h_field(const char *text, const char *key, char *dst, size_t dstlen)
{
    const char *p = strstr(text, key);
    assert_non_null(p);
    p += strlen(key);
    size_t n = strcspn(p, "\n");
    assert_true(n > 0 && n < dstlen);
    memcpy(dst, p, n);
    dst[n] = '\0';
}

static inline void h_provision(harness *h)
{
    char out[1024];
    const char *k1[] = {"kiosk", "add", "k1", NULL};
    const char *k2[] = {"kiosk", "add", "k2", NULL};
    const char *m[] = {"manager", "add", "boss", NULL};
    assert_int_equal(h_hub_cmd(h, k1, out, sizeof out), 0);
    h_field(out, "token: ", h->k1_token, sizeof h->k1_token);
    h_field(out, "secret: ", h->k1_secret, sizeof h->k1_secret);
    h_field(out, "voucher_key: ", h->k1_vkey, sizeof h->k1_vkey);
    assert_int_equal(h_hub_cmd(h, k2, out, sizeof out), 0);
    h_field(out, "token: ", h->k2_token, sizeof h->k2_token);
    h_field(out, "secret: ", h->k2_secret, sizeof h->k2_secret);
    h_field(out, "voucher_key: ", h->k2_vkey, sizeof h->k2_vkey);
    assert_int_equal(h_hub_cmd(h, m, out, sizeof out), 0);
    h_field(out, "token: ", h->mgr_token, sizeof h->mgr_token);
}

/* Starts the hub (listening on port 0), its stderr into DIR/TAG.log, and
 * does not wait: h_hub_wait_ready reads the URL it prints on stdout. */
static inline void h_hub_spawn(harness *h, hub_proc *p, const char *tag)
{
    int out[2];
    snprintf(p->log, sizeof p->log, "%s/%s.log", h->dir, tag);
    /* Made here, not in the child, so that it exists (empty) on return. */
    int fd = open(p->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int null = open("/dev/null", O_RDWR);
        if (null < 0)
            _exit(127);
        dup2(null, 0);
        dup2(out[1], 1);
        dup2(fd, 2);
        close(out[0]);
        close(out[1]);
        execl(HUB_BIN, HUB_BIN, "--config", h->conf, (char *)NULL);
        _exit(127);
    }
    close(fd);
    close(out[1]);
    /* Not inherited by the next hub spawned. */
    fcntl(out[0], F_SETFD, FD_CLOEXEC);
    p->pid = pid;
    p->url_fd = out[0];
    p->url_pending = true;
}

/* Waits, at most 15 s, for the URL a spawned hub prints on stdout when it
 * listens; the port is the one it got. */
static inline void h_hub_wait_ready(hub_proc *p)
{
    assert_true(p->url_pending);
    char line[256];
    bool got = h_read_line(p->url_fd, line, sizeof line, h_now_ms() + 15000);
    close(p->url_fd); /* the hub writes nothing else there */
    p->url_pending = false;
    const char *port = got ? strstr(line, "://127.0.0.1:") : NULL;
    if (port) {
        p->port = atoi(port + strlen("://127.0.0.1:"));
        assert_true(p->port > 0);
        return;
    }
    char *text = am_test_read_file(p->log, NULL);
    fail_msg("amends-hub did not report its URL within 15 s (stdout: '%s'):\n%s", got ? line : "",
             text ? text : "");
}

/* Starts the hub and waits, at most 15 s, for the URL it listens on. */
static inline void h_hub_launch(harness *h, hub_proc *p, const char *tag)
{
    h_hub_spawn(h, p, tag);
    h_hub_wait_ready(p);
}

/* SIGTERM, then up to timeout_ms for it to exit; SIGKILL after that.
 * Returns the exit status, or -1 when it had to be killed. */
static inline int h_hub_stop(hub_proc *p, long timeout_ms)
{
    int status = 0;
    if (p->url_pending) {
        close(p->url_fd);
        p->url_pending = false;
    }
    if (p->pid <= 0)
        return 0;
    kill(p->pid, SIGTERM);
    if (am_test_wait_exit(p->pid, timeout_ms, &status)) {
        p->pid = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, &status, 0);
    p->pid = 0;
    return -1;
}

static inline void h_hub_start(harness *h)
{
    h_hub_launch(h, &h->hub, "hub");
    snprintf(h->url, sizeof h->url, "https://127.0.0.1:%d", h->hub.port);
}

static inline int h_setup(void **state, bool use_pg, const char *extra_hub)
{
    harness *h = calloc(1, sizeof *h);
    *state = h;
    h->use_pg = use_pg;
    am_test_tmpdir(h->dir, sizeof h->dir, use_pg ? "hub-pg" : "hub-sqlite");
    h_make_certs(h);
    if (use_pg)
        h_pg_start(&h->pg);
    h_write_conf(h, extra_hub);
    h_provision(h);
    h_hub_start(h);
    return 0;
}

static inline int h_teardown(void **state)
{
    harness *h = *state;
    if (!h)
        return 0;
    h_hub_stop(&h->hub, 10000);
    h_hub_stop(&h->hub2, 10000);
    h_pg_stop(&h->pg);
    am_test_rmtree(h->dir);
    free(h);
    return 0;
}

/* --- clients ------------------------------------------------------------------------- */

static inline am_hub_client *h_kiosk(harness *h, int which)
{
    am_hub_client *c = am_hub_client_new(h->url, h->ca, which == 1 ? h->k1_token : h->k2_token,
                                         which == 1 ? h->k1_secret : h->k2_secret);
    assert_non_null(c);
    return c;
}

static inline am_hub_client *h_manager(harness *h, const char *token)
{
    am_hub_client *c = am_hub_client_new(h->url, h->ca, token ? token : h->mgr_token, NULL);
    assert_non_null(c);
    return c;
}

/* A complete feedback record with guest text that must round-trip. */
static inline am_proto_record *h_add_feedback(am_proto_batch *b, const char *category,
                                              am_outcome outcome)
{
    am_proto_record *r = am_proto_batch_add(b, AM_PROTO_FEEDBACK);
    assert_non_null(r);
    am_proto_uuid_new(r->id);
    r->u.feedback.created_at = h_now_ms() - 60000;
    r->u.feedback.closed_at = h_now_ms();
    am_report *rp = &r->u.feedback.report;
    rp->lang = AM_LANG_EN;
    snprintf(rp->category, sizeof rp->category, "%s", category);
    rp->severity = AM_SEVERITY_SIGNIFICANT;
    snprintf(rp->description, sizeof rp->description,
             "Room was \"cold\", heater off; 🙁 -- said, 'fix it'\nsecond line");
    snprintf(rp->first_name, sizeof rp->first_name, "Zoë");
    snprintf(rp->resolution, sizeof rp->resolution, "other");
    snprintf(rp->resolution_text, sizeof rp->resolution_text, "=SUM(A1:A9)");
    snprintf(rp->offer, sizeof rp->offer, "breakfast");
    rp->offer_value_minor = 1500;
    rp->offer_state = AM_OFFER_ACCEPTED;
    snprintf(rp->voucher, sizeof rp->voucher, "AB12-CD34");
    rp->rating = 4;
    snprintf(rp->comment, sizeof rp->comment, "thanks, مرحبا");
    snprintf(rp->contact, sizeof rp->contact, "room 214");
    rp->consent = AM_CONSENT_YES;
    rp->outcome = outcome;
    return r;
}

static inline am_proto_record *h_add_alert(am_proto_batch *b, const char *journey)
{
    am_proto_record *r = am_proto_batch_add(b, AM_PROTO_ALERT);
    assert_non_null(r);
    am_proto_uuid_new(r->id);
    snprintf(r->u.alert.journey, sizeof r->u.alert.journey, "%s", journey ? journey : "");
    r->u.alert.reason = AM_ALERT_STAFF_NOW;
    snprintf(r->u.alert.category, sizeof r->u.alert.category, "room");
    r->u.alert.severity = AM_SEVERITY_SEVERE;
    r->u.alert.raised_at = h_now_ms();
    return r;
}

static inline am_proto_record *h_add_heartbeat(am_proto_batch *b, int64_t pending,
                                               int64_t quarantined, const char *last_error)
{
    am_proto_record *r = am_proto_batch_add(b, AM_PROTO_HEARTBEAT);
    assert_non_null(r);
    am_proto_uuid_new(r->id);
    r->u.heartbeat.sent_at = h_now_ms();
    r->u.heartbeat.pending = pending;
    r->u.heartbeat.quarantined = quarantined;
    snprintf(r->u.heartbeat.last_error, sizeof r->u.heartbeat.last_error, "%s", last_error);
    snprintf(r->u.heartbeat.version, sizeof r->u.heartbeat.version, "0.1.0");
    r->u.heartbeat.uptime_s = 3600;
    return r;
}

static inline am_proto_batch *h_batch(const char *kiosk, size_t capacity)
{
    char uuid[AM_PROTO_UUID_LEN + 1];
    am_proto_uuid_new(uuid);
    am_proto_batch *b = am_proto_batch_new(kiosk, uuid, capacity);
    assert_non_null(b);
    return b;
}

static inline char *h_encode(const am_proto_batch *b)
{
    char err[256];
    char *text = am_proto_batch_encode(b, err, sizeof err);
    if (!text)
        fail_msg("encode: %s", err);
    return text;
}

/* Posts a batch; fails the test on a transport error. */
static inline void h_post(am_hub_client *c, const char *body, const char *batch,
                          am_hub_reply *reply)
{
    char err[512];
    if (am_hub_client_post_batch(c, body, strlen(body), batch, reply, err, sizeof err) != AM_OK)
        fail_msg("post: %s", err);
}

static inline void h_get(am_hub_client *c, const char *method, const char *path,
                         am_hub_reply *reply)
{
    char err[512];
    if (am_hub_client_request(c, method, path, reply, err, sizeof err) != AM_OK)
        fail_msg("%s %s: %s", method, path, err);
}

static inline am_proto_response *h_response(const am_hub_reply *reply)
{
    char err[256];
    am_proto_response *resp = NULL;
    if (am_proto_response_decode(reply->body, reply->len, &resp, err, sizeof err) != AM_OK)
        fail_msg("response: %s: %s", err, reply->body);
    return resp;
}

/* The reply's "error" code, checking the body is the JSON error form. */
static inline void h_assert_error(const am_hub_reply *reply, long status, const char *code)
{
    if (reply->status != status)
        fail_msg("expected HTTP %ld, got %ld: %s", status, reply->status,
                 reply->body ? reply->body : "");
    char want[96];
    snprintf(want, sizeof want, "{\"error\":\"%s\",\"reason\":\"", code);
    if (!reply->body || strncmp(reply->body, want, strlen(want)) != 0)
        fail_msg("expected error %s, got: %s", code, reply->body ? reply->body : "");
}

#endif
