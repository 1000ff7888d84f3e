/* test_sync_tls.c — TLS fails closed. Real TLS servers (openssl s_server)
 * on loopback with test-time certificates: an unknown CA, a wrong host
 * name, an expired certificate, a pin mismatch, a server offering only TLS
 * 1.1, plus plain http:// to a non-loopback address and a redirect. Each is
 * refused with a clear reason in the sync log, and the server never sees a
 * request: s_server prints what it receives, and the control case (a good
 * certificate and the right pin) proves that a request would show. */
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>

#include "sync_fixture.h"

typedef struct tls_server {
    pid_t pid;
    int stdin_fd;  /* kept open: s_server stops at EOF on its stdin */
    int stdout_fd; /* a pipe: the ACCEPT line, then what it received */
    int port;
} tls_server;

static int setup(void **state)
{
    sync_fx *fx = fx_open(state, NULL);
    char script[4096];
    /* Besides the harness's CA and 127.0.0.1 certificate (hub.crt): */
    snprintf(script, sizeof script,
             "set -e; cd '%s';"
             "K='-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes';"
             /* a CA the kiosk does not trust, and a 127.0.0.1 cert from it */
             "openssl req -x509 $K -keyout ca2.key -out ca2.crt -days 2 -subj '/CN=other CA';"
             "openssl req $K -keyout s.key -out s.csr -subj '/CN=127.0.0.1';"
             "openssl x509 -req -in s.csr -CA ca2.crt -CAkey ca2.key -CAcreateserial"
             " -out unknown.crt -days 2 -extfile ext.cnf;"
             /* our CA, another host name */
             "printf 'subjectAltName=DNS:hub.example.net\\n' > ext2.cnf;"
             "openssl req $K -keyout w.key -out w.csr -subj '/CN=hub.example.net';"
             "openssl x509 -req -in w.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
             " -out wrong.crt -days 2 -extfile ext2.cnf;"
             /* our CA, 127.0.0.1, expired */
             "openssl x509 -req -in s.csr -CA ca.crt -CAkey ca.key -CAcreateserial"
             " -out expired.crt -days -1 -extfile ext.cnf;"
             /* pins: the hub's key, and a key that is not the hub's */
             "pin() { openssl pkey -in $1 -pubout | openssl pkey -pubin -outform der"
             " | openssl dgst -sha256 -binary | base64; };"
             "printf 'sha256//%%s' \"$(pin hub.key)\" > pin.good;"
             "printf 'sha256//%%s' \"$(pin ca.key)\" > pin.other",
             fx->h->dir);
    assert_int_equal(h_sh(script, NULL, NULL), 0);
    return 0;
}

static void read_text(sync_fx *fx, const char *name, char *out, size_t outlen)
{
    char path[800];
    snprintf(path, sizeof path, "%s/%s", fx->h->dir, name);
    char *text = am_test_read_file(path, NULL);
    assert_non_null(text);
    snprintf(out, outlen, "%s", text);
    free(text);
}

static void server_start(sync_fx *fx, tls_server *srv, const char *cert, const char *key,
                         const char *const *extra)
{
    char certp[800], keyp[800], errp[800];
    int in[2], out[2];
    static int started;
    snprintf(certp, sizeof certp, "%s/%s", fx->h->dir, cert);
    snprintf(keyp, sizeof keyp, "%s/%s", fx->h->dir, key);
    snprintf(errp, sizeof errp, "%s/s_server.%d.err", fx->h->dir, ++started);
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int err = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (err < 0)
            _exit(127);
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err, 2);
        close(in[1]);
        close(out[0]);
        char *argv[16];
        int n = 0;
        argv[n++] = "openssl";
        argv[n++] = "s_server";
        argv[n++] = "-accept";
        argv[n++] = "127.0.0.1:0"; /* it prints the port it got */
        argv[n++] = "-cert";
        argv[n++] = certp;
        argv[n++] = "-key";
        argv[n++] = keyp;
        for (int i = 0; extra && extra[i] && n < 15; i++)
            argv[n++] = (char *)extra[i];
        argv[n] = NULL;
        execvp("openssl", argv);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    srv->pid = pid;
    srv->stdin_fd = in[1];
    srv->stdout_fd = out[0];
    /* "ACCEPT 127.0.0.1:PORT" once it listens, with the port it got. */
    char line[256];
    int64_t deadline = h_now_ms() + 5000;
    while (h_read_line(srv->stdout_fd, line, sizeof line, deadline)) {
        if (strncmp(line, "ACCEPT 127.0.0.1:", 17) == 0) {
            srv->port = atoi(line + 17);
            assert_true(srv->port > 0);
            return;
        }
    }
    fail_msg("openssl s_server did not report its port: '%s'", line);
}

/* What s_server printed after its ACCEPT line (caller frees). With `want`,
 * first waits (at most 10 s) until that has come: s_server writes what it
 * receives as it reads it. Then it is stopped and the rest is read. */
static char *server_stop(tls_server *srv, const char *want)
{
    size_t cap = 256 * 1024, len = 0;
    char *text = calloc(1, cap);
    assert_non_null(text);
    int64_t deadline = h_now_ms() + 10000;
    bool killed = false;
    for (;;) {
        if (!killed && (!want || strstr(text, want) || h_now_ms() >= deadline)) {
            kill(srv->pid, SIGKILL);
            killed = true;
        }
        struct pollfd pfd = {.fd = srv->stdout_fd, .events = POLLIN};
        int64_t left = deadline - h_now_ms();
        if (!killed && poll(&pfd, 1, left > 0 ? (int)left : 0) <= 0)
            continue;
        ssize_t n = read(srv->stdout_fd, text + len, cap - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* EOF: s_server is gone */
        len += (size_t)n;
        text[len] = '\0';
    }
    waitpid(srv->pid, NULL, 0);
    close(srv->stdin_fd);
    close(srv->stdout_fd);
    return text;
}

/* Runs the worker against the server with one record pending, until its
 * first attempt is logged; returns what the server printed (caller frees)
 * and the log entry. For the control case, what the server printed
 * includes the record (it is waited for). */
static char *attempt(sync_fx *fx, tls_server *srv, const char *pin, bool control,
                     am_sync_log_entry *e)
{
    am_sync_options opt;
    char url[100];
    snprintf(url, sizeof url, "https://127.0.0.1:%d", srv->port);
    fx_virtual_time(fx); /* one attempt: no retry unless the test moves the clock */
    fx_seed(fx, 1, 0);
    fx_options(fx, &opt);
    opt.url = url;
    opt.pin = pin;
    opt.low_speed_time_s = 1;
    opt.request_timeout_s = 2;
    opt.backoff_base_ms = 60000; /* one attempt is enough */
    opt.backoff_max_ms = 60000;
    fx_start(fx, &opt);
    fx_idle(fx); /* the attempt is over and logged */
    am_sync_stop(fx->sync);
    fx->sync = NULL;
    char *seen = server_stop(srv, control ? fx->ids[0] : NULL);
    assert_int_equal(fx_log_count(fx, NULL, NULL, e), 1);
    return seen;
}

/* Refused: a clear reason, the record still pending, no request seen. */
static void assert_refused(sync_fx *fx, char *seen, const am_sync_log_entry *e, const char *words1,
                           const char *words2)
{
    if (!strstr(e->transport, words1) || (words2 && !strstr(e->transport, words2)))
        fail_msg("sync log reason '%s' lacks '%s' / '%s'", e->transport, words1,
                 words2 ? words2 : "");
    assert_string_equal(e->outcome, "retry");
    assert_int_equal(e->http_status, 0);
    am_store_status s = fx_status(fx);
    assert_int_equal(s.pending, 1);
    assert_int_equal(s.quarantined, 0);
    if (strstr(seen, "POST") || strstr(seen, "ingest") || strstr(seen, fx->ids[0]) ||
        strstr(seen, "Bearer"))
        fail_msg("the server saw request bytes:\n%s", seen);
    free(seen);
}

static void control_good_server_sees_the_request(void **state)
{
    sync_fx *fx = *state;
    tls_server srv;
    am_sync_log_entry e;
    char pin[128];
    read_text(fx, "pin.good", pin, sizeof pin);
    server_start(fx, &srv, "hub.crt", "hub.key", NULL);
    char *seen = attempt(fx, &srv, pin, true, &e);
    /* The detector works: this request did reach the server. */
    if (!strstr(seen, "POST /v1/ingest") || !strstr(seen, fx->ids[0]))
        fail_msg("control: the server did not see the request:\n%s", seen);
    free(seen);
}

static void unknown_ca_refused(void **state)
{
    sync_fx *fx = *state;
    tls_server srv;
    am_sync_log_entry e;
    server_start(fx, &srv, "unknown.crt", "s.key", NULL);
    char *seen = attempt(fx, &srv, NULL, false, &e);
    assert_refused(fx, seen, &e, "TLS: hub certificate not accepted", "local issuer");
}

static void wrong_host_name_refused(void **state)
{
    sync_fx *fx = *state;
    tls_server srv;
    am_sync_log_entry e;
    server_start(fx, &srv, "wrong.crt", "w.key", NULL);
    char *seen = attempt(fx, &srv, NULL, false, &e);
    assert_refused(fx, seen, &e, "TLS: hub certificate not accepted", "host name");
}

static void expired_certificate_refused(void **state)
{
    sync_fx *fx = *state;
    tls_server srv;
    am_sync_log_entry e;
    server_start(fx, &srv, "expired.crt", "s.key", NULL);
    char *seen = attempt(fx, &srv, NULL, false, &e);
    assert_refused(fx, seen, &e, "TLS: hub certificate not accepted", "expired");
}

static void pin_mismatch_refused(void **state)
{
    sync_fx *fx = *state;
    tls_server srv;
    am_sync_log_entry e;
    char pin[128];
    read_text(fx, "pin.other", pin, sizeof pin);
    server_start(fx, &srv, "hub.crt", "hub.key", NULL);
    char *seen = attempt(fx, &srv, pin, false, &e);
    assert_refused(fx, seen, &e, "does not match sync.pin", NULL);
}

static void tls_1_1_only_server_refused(void **state)
{
    sync_fx *fx = *state;
    tls_server srv;
    am_sync_log_entry e;
    static const char *const only_1_1[] = {"-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0", NULL};
    server_start(fx, &srv, "hub.crt", "hub.key", only_1_1);
    char *seen = attempt(fx, &srv, NULL, false, &e);
    assert_refused(fx, seen, &e, "TLS handshake failed", "protocol version");
}

/* --- plain http ---------------------------------------------------------------- */

typedef struct plain_server {
    int fd;
    pthread_t thread;
    const char *answer; /* sent to each request, then the connection closes */
    pthread_mutex_t mu;
    int connections;
    char got[8192];
    size_t got_len;
} plain_server;

static void *plain_main(void *arg)
{
    plain_server *ps = arg;
    for (;;) {
        int c = accept(ps->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        pthread_mutex_lock(&ps->mu);
        ps->connections++;
        pthread_mutex_unlock(&ps->mu);
        char buf[4096];
        ssize_t n = read(c, buf, sizeof buf);
        if (n > 0) {
            pthread_mutex_lock(&ps->mu);
            size_t room = sizeof ps->got - 1 - ps->got_len;
            size_t take = (size_t)n < room ? (size_t)n : room;
            memcpy(ps->got + ps->got_len, buf, take);
            ps->got_len += take;
            ps->got[ps->got_len] = '\0';
            pthread_mutex_unlock(&ps->mu);
            if (ps->answer && write(c, ps->answer, strlen(ps->answer)) < 0)
                break;
        }
        close(c);
    }
    return NULL;
}

static int plain_start(plain_server *ps, const char *ip, const char *answer)
{
    memset(ps, 0, sizeof *ps);
    pthread_mutex_init(&ps->mu, NULL);
    ps->answer = answer;
    ps->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    assert_int_equal(inet_pton(AF_INET, ip, &a.sin_addr), 1);
    socklen_t len = sizeof a;
    assert_int_equal(bind(ps->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(ps->fd, 8), 0);
    assert_int_equal(getsockname(ps->fd, (struct sockaddr *)&a, &len), 0);
    assert_int_equal(pthread_create(&ps->thread, NULL, plain_main, ps), 0);
    return ntohs(a.sin_port);
}

static void plain_stop(plain_server *ps)
{
    shutdown(ps->fd, SHUT_RDWR);
    close(ps->fd);
    pthread_join(ps->thread, NULL);
    pthread_mutex_destroy(&ps->mu);
}

/* http:// to anything but this machine's loopback names is refused before
 * any connection: the listener on 127.0.0.2 never sees one. */
static void plain_http_refused(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    plain_server ps;
    char url[100], err[512];
    am_sync *sync = NULL;
    int port = plain_start(&ps, "127.0.0.2", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    snprintf(url, sizeof url, "http://127.0.0.2:%d", port);
    fx_seed(fx, 1, 0);
    fx_options(fx, &opt);
    opt.url = url;
    assert_int_equal(am_sync_start(&opt, &sync, err, sizeof err), AM_ERR_CONFIG);
    assert_null(sync);
    assert_non_null(strstr(err, "plain http:// is only allowed for a hub on this machine"));
    am_sync_log_entry e;
    assert_int_equal(fx_log_count(fx, "refused", "plain http://", &e), 1);
    /* Also for a URL that is not http at all. */
    opt.url = "ftp://127.0.0.1/";
    assert_int_equal(am_sync_start(&opt, &sync, err, sizeof err), AM_ERR_CONFIG);
    assert_int_equal(fx_log_count(fx, "refused", "must start with https://", NULL), 1);
    /* No worker thread ever ran (am_sync_start refused before starting
     * one), so nothing can connect after this. */
    pthread_mutex_lock(&ps.mu);
    int connections = ps.connections;
    pthread_mutex_unlock(&ps.mu);
    plain_stop(&ps);
    assert_int_equal(connections, 0);
    assert_int_equal(fx_status(fx).pending, 1);
}

/* A redirect is never followed, even to a loopback https address. */
static void redirect_not_followed(void **state)
{
    sync_fx *fx = *state;
    am_sync_options opt;
    plain_server ps;
    char url[100], answer[300];
    snprintf(answer, sizeof answer,
             "HTTP/1.1 307 Temporary Redirect\r\nLocation: %s/v1/ingest\r\n"
             "Content-Length: 0\r\nConnection: close\r\n\r\n",
             fx->h->url);
    int port = plain_start(&ps, "127.0.0.1", answer);
    snprintf(url, sizeof url, "http://127.0.0.1:%d", port);
    fx_virtual_time(fx);
    fx_seed(fx, 1, 0);
    fx_options(fx, &opt);
    opt.url = url;
    opt.backoff_base_ms = 60000;
    opt.backoff_max_ms = 60000;
    fx_start(fx, &opt);
    fx_idle(fx); /* the attempt is over and logged */
    vclock_advance(&fx->vc, 300);
    fx_idle(fx);
    am_sync_stop(fx->sync);
    fx->sync = NULL;
    pthread_mutex_lock(&ps.mu);
    int connections = ps.connections;
    bool posted = strstr(ps.got, "POST /v1/ingest") != NULL;
    pthread_mutex_unlock(&ps.mu);
    plain_stop(&ps);
    /* Full jitter may draw a retry inside the 300 ms that pass (the delay
     * is uniform in [0, 60 s]), so there can be a second attempt; every
     * attempt must have been a 307 that was not followed. */
    assert_true(connections >= 1);
    assert_true(posted);
    am_sync_log_entry e;
    assert_true(fx_log_count(fx, "retry", "redirect not followed", &e) >= 1);
    assert_int_equal(fx_log_count(fx, "ok", NULL, NULL), 0);
    assert_int_equal(e.http_status, 307);
    assert_int_equal(fx_hub_int(fx, "SELECT count(*) FROM feedback", NULL), 0);
    assert_int_equal(fx_status(fx).pending, 1);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(control_good_server_sees_the_request, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(unknown_ca_refused, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(wrong_host_name_refused, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(expired_certificate_refused, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(pin_mismatch_refused, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(tls_1_1_only_server_refused, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(plain_http_refused, setup, fx_teardown),
        cmocka_unit_test_setup_teardown(redirect_not_followed, setup, fx_teardown),
    };
    return am_test_run(__FILE__, tests, sizeof tests / sizeof tests[0], argc, argv);
}
