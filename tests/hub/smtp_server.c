/* smtp_server.c — a real SMTP server on loopback for tests (smtp_server.h).
 *
 * Every wait is bounded: poll on the client socket and the stop pipe, a
 * read timeout per connection, GnuTLS's handshake timeout.
 */
#define _GNU_SOURCE
#include "smtp_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IDLE_MS     10000 /* a silent client is dropped after this */
#define LINE_MAX_   1024
#define DATA_MAX    (4 * 1024 * 1024)
#define MAILBOX_MAX 256

typedef struct fault {
    char reply[256];
    int answer_times; /* >0 or -1: answer `reply` */
    int reset_times;  /* >0 or -1: reset */
    bool reset_after;
    int silent_times; /* >0 or -1: answer nothing */
} fault;

struct smtp_server {
    smtp_server_opts opts;
    char cert[1024], key[1024], user[128], password[128];
    int listen_fd;
    int stop_pipe[2];
    int port;
    pthread_t thread;
    bool started;
    gnutls_certificate_credentials_t cred;

    pthread_mutex_t lock;
    pthread_cond_t stored;
    fault faults[SMTP_STAGE_COUNT];
    smtp_message *mailbox[MAILBOX_MAX];
    size_t count;
    int connections;
    int tls_failures;
};

/* One client connection. */
typedef struct conn {
    smtp_server *srv;
    int fd;
    gnutls_session_t tls;
    char in[8192];
    size_t in_len;
    bool closed;
    /* the transaction */
    char helo[128];
    bool greeted;
    char auth_user[128];
    char mail_from[256];
    bool have_mail;
    char rcpt[16][256];
    size_t nrcpt;
} conn;

/* --- I/O --------------------------------------------------------------------------- */

static void conn_reset(conn *c)
{
    struct linger lg = {1, 0};
    if (c->closed)
        return;
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    if (c->tls) {
        gnutls_deinit(c->tls);
        c->tls = NULL;
    }
    close(c->fd);
    c->fd = -1;
    c->closed = true;
}

static void conn_close(conn *c)
{
    if (c->closed)
        return;
    if (c->tls) {
        gnutls_bye(c->tls, GNUTLS_SHUT_WR);
        gnutls_deinit(c->tls);
        c->tls = NULL;
    }
    close(c->fd);
    c->fd = -1;
    c->closed = true;
}

static bool conn_write(conn *c, const char *s, size_t n)
{
    while (n > 0 && !c->closed) {
        ssize_t w = c->tls ? gnutls_record_send(c->tls, s, n) : send(c->fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || w == GNUTLS_E_AGAIN || w == GNUTLS_E_INTERRUPTED))
            continue;
        if (w <= 0) {
            conn_close(c);
            return false;
        }
        s += w;
        n -= (size_t)w;
    }
    return !c->closed;
}

/* Waits for input or for stop; false on stop, timeout or error. */
static bool conn_wait(conn *c)
{
    if (c->tls && gnutls_record_check_pending(c->tls) > 0)
        return true;
    struct pollfd p[2] = {{.fd = c->fd, .events = POLLIN},
                          {.fd = c->srv->stop_pipe[0], .events = POLLIN}};
    for (;;) {
        int r = poll(p, 2, IDLE_MS);
        if (r < 0 && errno == EINTR)
            continue;
        return r > 0 && !(p[1].revents & POLLIN) && (p[0].revents & (POLLIN | POLLHUP | POLLERR));
    }
}

static bool conn_fill(conn *c)
{
    if (c->closed || c->in_len >= sizeof c->in || !conn_wait(c))
        return false;
    for (;;) {
        ssize_t r = c->tls ? gnutls_record_recv(c->tls, c->in + c->in_len, sizeof c->in - c->in_len)
                           : recv(c->fd, c->in + c->in_len, sizeof c->in - c->in_len, 0);
        if (r < 0 && (errno == EINTR || r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED))
            continue;
        if (r <= 0)
            return false;
        c->in_len += (size_t)r;
        return true;
    }
}

/* One line without its CRLF (a bare LF ends one too); false at EOF. */
static bool conn_line(conn *c, char *line, size_t len, size_t *got)
{
    for (;;) {
        char *nl = memchr(c->in, '\n', c->in_len);
        if (nl) {
            size_t n = (size_t)(nl - c->in);
            size_t keep = n > 0 && c->in[n - 1] == '\r' ? n - 1 : n;
            if (keep >= len)
                keep = len - 1;
            memcpy(line, c->in, keep);
            line[keep] = '\0';
            *got = keep;
            memmove(c->in, nl + 1, c->in_len - n - 1);
            c->in_len -= n + 1;
            return true;
        }
        if (c->in_len >= sizeof c->in)
            c->in_len = 0; /* an endless line: dropped */
        if (!conn_fill(c))
            return false;
    }
}

/* --- answers ------------------------------------------------------------------------- */

/* Answers `usual` at stage, or what the test asked for; resets when told.
 * Returns the code sent, or 0 when the connection is gone. */
static int answer(conn *c, smtp_stage stage, const char *usual, bool *store_first, smtp_message *m)
{
    smtp_server *s = c->srv;
    char reply[300];
    bool reset_before = false, reset_after = false;
    pthread_mutex_lock(&s->lock);
    fault *f = &s->faults[stage];
    if (f->silent_times != 0) {
        if (f->silent_times > 0)
            f->silent_times--;
        pthread_mutex_unlock(&s->lock);
        /* Until the client hangs up (or the idle limit, or stop). */
        while (conn_fill(c))
            c->in_len = 0;
        conn_close(c);
        return 0;
    }
    snprintf(reply, sizeof reply, "%s", usual);
    if (f->answer_times != 0) {
        snprintf(reply, sizeof reply, "%s", f->reply);
        if (f->answer_times > 0)
            f->answer_times--;
    }
    if (f->reset_times != 0) {
        reset_before = !f->reset_after;
        reset_after = f->reset_after;
        if (f->reset_times > 0)
            f->reset_times--;
    }
    int code = atoi(reply);
    /* The message is in the mailbox before the client can read the 250. */
    if (m && store_first && !reset_before && code >= 200 && code < 300) {
        if (s->count < MAILBOX_MAX) {
            s->mailbox[s->count++] = m;
            *store_first = true;
            pthread_cond_broadcast(&s->stored);
        }
    }
    pthread_mutex_unlock(&s->lock);
    if (reset_before) {
        conn_reset(c);
        return 0;
    }
    char out[310];
    int n = snprintf(out, sizeof out, "%s\r\n", reply);
    if (!conn_write(c, out, (size_t)n))
        return 0;
    if (reset_after) {
        conn_reset(c);
        return 0;
    }
    return code;
}

static void send_line(conn *c, const char *text)
{
    char out[310];
    int n = snprintf(out, sizeof out, "%s\r\n", text);
    conn_write(c, out, (size_t)n);
}

static void clear_transaction(conn *c)
{
    c->have_mail = false;
    c->mail_from[0] = '\0';
    c->nrcpt = 0;
}

/* "<addr> params" after "FROM:" or "TO:": the address. */
static bool angle_address(const char *arg, char *out, size_t outlen)
{
    while (*arg == ' ')
        arg++;
    if (*arg != '<')
        return false;
    const char *end = strchr(arg, '>');
    if (!end || (size_t)(end - arg - 1) >= outlen)
        return false;
    snprintf(out, outlen, "%.*s", (int)(end - arg - 1), arg + 1);
    return true;
}

/* --- commands ------------------------------------------------------------------------ */

static void do_ehlo(conn *c, const char *arg, bool extended)
{
    smtp_server *s = c->srv;
    snprintf(c->helo, sizeof c->helo, "%s", arg);
    clear_transaction(c);
    if (!extended) {
        if (answer(c, SMTP_AT_EHLO, "250 amends-test-smtp", NULL, NULL))
            c->greeted = true;
        return;
    }
    /* Continuation lines first; the stage's answer is the last line. */
    char more[512] = "250-amends-test-smtp\r\n250-8BITMIME\r\n250-SIZE 4194304\r\n";
    if (s->cred && !c->tls && !s->opts.implicit_tls)
        strcat(more, "250-STARTTLS\r\n");
    if (s->user[0] && (c->tls || !s->opts.require_tls))
        strcat(more, "250-AUTH PLAIN\r\n");
    pthread_mutex_lock(&s->lock);
    bool faulted =
        s->faults[SMTP_AT_EHLO].answer_times != 0 || s->faults[SMTP_AT_EHLO].reset_times != 0;
    pthread_mutex_unlock(&s->lock);
    if (!faulted && !conn_write(c, more, strlen(more)))
        return;
    if (answer(c, SMTP_AT_EHLO, "250 HELP", NULL, NULL) / 100 == 2)
        c->greeted = true;
}

static bool handshake(conn *c);

static void do_starttls(conn *c)
{
    smtp_server *s = c->srv;
    if (!s->cred || c->tls) {
        send_line(c, "502 5.5.1 STARTTLS not offered");
        return;
    }
    if (answer(c, SMTP_AT_STARTTLS, "220 2.0.0 Ready to start TLS", NULL, NULL) != 220)
        return;
    c->in_len = 0; /* nothing sent before the handshake counts (RFC 3207) */
    if (!handshake(c))
        return;
    /* A new session: the client says EHLO again. */
    c->greeted = false;
    c->helo[0] = '\0';
    c->auth_user[0] = '\0';
    clear_transaction(c);
}

/* TLS on the connection; false (and the connection reset) when it fails. */
static bool handshake(conn *c)
{
    smtp_server *s = c->srv;
    int rc = gnutls_init(&c->tls, GNUTLS_SERVER);
    if (rc == GNUTLS_E_SUCCESS)
        rc = gnutls_set_default_priority(c->tls);
    if (rc == GNUTLS_E_SUCCESS)
        rc = gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, s->cred);
    if (rc == GNUTLS_E_SUCCESS) {
        gnutls_transport_set_int(c->tls, c->fd);
        gnutls_handshake_set_timeout(c->tls, IDLE_MS);
        do {
            rc = gnutls_handshake(c->tls);
        } while (rc < 0 && !gnutls_error_is_fatal(rc));
    }
    if (rc < 0) {
        pthread_mutex_lock(&s->lock);
        s->tls_failures++;
        pthread_mutex_unlock(&s->lock);
        conn_reset(c);
        return false;
    }
    return true;
}

static bool plain_matches(smtp_server *s, const char *b64, char *user, size_t userlen)
{
    gnutls_datum_t in = {(unsigned char *)b64, (unsigned)strlen(b64)}, out = {NULL, 0};
    if (gnutls_base64_decode2(&in, &out) != GNUTLS_E_SUCCESS)
        return false;
    /* authzid NUL authcid NUL password */
    bool ok = false;
    const char *p = (const char *)out.data, *end = p + out.size;
    const char *u = memchr(p, '\0', out.size);
    const char *pw = u ? memchr(u + 1, '\0', (size_t)(end - u - 1)) : NULL;
    if (u && pw) {
        size_t ulen = (size_t)(pw - u - 1), plen = (size_t)(end - pw - 1);
        snprintf(user, userlen, "%.*s", (int)ulen, u + 1);
        ok = ulen == strlen(s->user) && !memcmp(u + 1, s->user, ulen) &&
             plen == strlen(s->password) && !memcmp(pw + 1, s->password, plen);
    }
    gnutls_free(out.data);
    return ok;
}

static void do_auth(conn *c, const char *arg)
{
    smtp_server *s = c->srv;
    char line[LINE_MAX_], user[128];
    size_t got;
    if (!s->user[0] || (s->opts.require_tls && !c->tls)) {
        send_line(c, "502 5.5.1 AUTH not offered");
        return;
    }
    if (strncasecmp(arg, "PLAIN", 5) != 0) {
        send_line(c, "504 5.5.4 only PLAIN");
        return;
    }
    const char *initial = arg + 5;
    while (*initial == ' ')
        initial++;
    if (!*initial) {
        send_line(c, "334 ");
        if (!conn_line(c, line, sizeof line, &got)) {
            conn_close(c);
            return;
        }
        initial = line;
    }
    bool ok = plain_matches(s, initial, user, sizeof user);
    if (answer(c, SMTP_AT_AUTH,
               ok ? "235 2.7.0 Authentication successful"
                  : "535 5.7.8 Authentication credentials invalid",
               NULL, NULL) == 235)
        snprintf(c->auth_user, sizeof c->auth_user, "%s", user);
}

static void do_mail(conn *c, const char *arg)
{
    smtp_server *s = c->srv;
    if (!c->greeted) {
        send_line(c, "503 5.5.1 EHLO first");
        return;
    }
    if (s->opts.require_tls && !c->tls) {
        send_line(c, "530 5.7.0 Must issue a STARTTLS command first");
        return;
    }
    if (s->user[0] && !c->auth_user[0]) {
        send_line(c, "530 5.7.0 Authentication required");
        return;
    }
    if (strncasecmp(arg, "FROM:", 5) != 0 ||
        !angle_address(arg + 5, c->mail_from, sizeof c->mail_from)) {
        send_line(c, "501 5.5.4 MAIL FROM:<address>");
        return;
    }
    clear_transaction(c);
    angle_address(arg + 5, c->mail_from, sizeof c->mail_from);
    if (answer(c, SMTP_AT_MAIL, "250 2.1.0 Ok", NULL, NULL) / 100 == 2)
        c->have_mail = true;
}

static void do_rcpt(conn *c, const char *arg)
{
    char addr[256];
    if (!c->have_mail) {
        send_line(c, "503 5.5.1 MAIL first");
        return;
    }
    if (strncasecmp(arg, "TO:", 3) != 0 || !angle_address(arg + 3, addr, sizeof addr)) {
        send_line(c, "501 5.5.4 RCPT TO:<address>");
        return;
    }
    if (c->nrcpt >= 16) {
        send_line(c, "452 4.5.3 Too many recipients");
        return;
    }
    if (answer(c, SMTP_AT_RCPT, "250 2.1.5 Ok", NULL, NULL) / 100 == 2)
        snprintf(c->rcpt[c->nrcpt++], sizeof c->rcpt[0], "%s", addr);
}

static void do_data(conn *c)
{
    char line[LINE_MAX_];
    size_t got;
    if (!c->have_mail || !c->nrcpt) {
        send_line(c, "503 5.5.1 RCPT first");
        return;
    }
    if (answer(c, SMTP_AT_DATA, "354 End data with <CR><LF>.<CR><LF>", NULL, NULL) != 354)
        return;
    smtp_message *m = calloc(1, sizeof *m);
    size_t cap = 4096;
    m->data = malloc(cap);
    if (!m->data) {
        free(m);
        conn_close(c);
        return;
    }
    m->data[0] = '\0';
    for (;;) {
        if (!conn_line(c, line, sizeof line, &got)) {
            free(m->data);
            free(m);
            conn_close(c);
            return;
        }
        if (!strcmp(line, "."))
            break;
        const char *text = line[0] == '.' ? line + 1 : line; /* dot-unstuffing */
        size_t n = got - (size_t)(text - line);
        if (m->len + n + 3 > cap && m->len + n + 3 <= DATA_MAX) {
            while (cap < m->len + n + 3)
                cap *= 2;
            char *grown = realloc(m->data, cap);
            if (!grown)
                continue;
            m->data = grown;
        }
        if (m->len + n + 3 > cap)
            continue; /* over DATA_MAX: dropped */
        memcpy(m->data + m->len, text, n);
        memcpy(m->data + m->len + n, "\r\n", 3);
        m->len += n + 2;
    }
    snprintf(m->helo, sizeof m->helo, "%s", c->helo);
    snprintf(m->mail_from, sizeof m->mail_from, "%s", c->mail_from);
    memcpy(m->rcpt, c->rcpt, sizeof m->rcpt);
    m->nrcpt = c->nrcpt;
    m->tls = c->tls != NULL;
    snprintf(m->auth_user, sizeof m->auth_user, "%s", c->auth_user);
    bool stored = false;
    answer(c, SMTP_AT_DATA_END, "250 2.0.0 Ok: queued", &stored, m);
    if (!stored) {
        free(m->data);
        free(m);
    }
    clear_transaction(c);
}

static void serve(smtp_server *s, int fd)
{
    conn c = {.srv = s, .fd = fd};
    char line[LINE_MAX_];
    size_t got;
    struct timeval tv = {IDLE_MS / 1000, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (s->opts.implicit_tls && s->cred && !handshake(&c))
        return;
    if (answer(&c, SMTP_AT_GREETING, "220 127.0.0.1 ESMTP amends-test-smtp", NULL, NULL) / 100 !=
        2) {
        conn_close(&c);
        return;
    }
    while (!c.closed && conn_line(&c, line, sizeof line, &got)) {
        char verb[16];
        size_t vn = strcspn(line, " ");
        snprintf(verb, sizeof verb, "%.*s", (int)(vn < 15 ? vn : 15), line);
        const char *arg = line + vn;
        while (*arg == ' ')
            arg++;
        if (!strcasecmp(verb, "EHLO"))
            do_ehlo(&c, arg, true);
        else if (!strcasecmp(verb, "HELO"))
            do_ehlo(&c, arg, false);
        else if (!strcasecmp(verb, "STARTTLS"))
            do_starttls(&c);
        else if (!strcasecmp(verb, "AUTH"))
            do_auth(&c, arg);
        else if (!strcasecmp(verb, "MAIL"))
            do_mail(&c, arg);
        else if (!strcasecmp(verb, "RCPT"))
            do_rcpt(&c, arg);
        else if (!strcasecmp(verb, "DATA"))
            do_data(&c);
        else if (!strcasecmp(verb, "RSET")) {
            clear_transaction(&c);
            send_line(&c, "250 2.0.0 Ok");
        } else if (!strcasecmp(verb, "NOOP"))
            send_line(&c, "250 2.0.0 Ok");
        else if (!strcasecmp(verb, "QUIT")) {
            send_line(&c, "221 2.0.0 Bye");
            break;
        } else
            send_line(&c, "502 5.5.2 Command not recognized");
    }
    conn_close(&c);
}

static void *run(void *arg)
{
    smtp_server *s = arg;
    struct pollfd p[2] = {{.fd = s->listen_fd, .events = POLLIN},
                          {.fd = s->stop_pipe[0], .events = POLLIN}};
    for (;;) {
        int r = poll(p, 2, -1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 || (p[1].revents & POLLIN))
            break;
        if (!(p[0].revents & POLLIN))
            continue;
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        pthread_mutex_lock(&s->lock);
        s->connections++;
        pthread_mutex_unlock(&s->lock);
        serve(s, fd);
    }
    return NULL;
}

/* --- the public side ------------------------------------------------------------------ */

smtp_server *smtp_server_start(const smtp_server_opts *opts, char *err, size_t errlen)
{
    smtp_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->listen_fd = -1;
    s->stop_pipe[0] = s->stop_pipe[1] = -1;
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->stored, NULL);
    if (opts)
        s->opts = *opts;
    snprintf(s->cert, sizeof s->cert, "%s", s->opts.cert_file ? s->opts.cert_file : "");
    snprintf(s->key, sizeof s->key, "%s", s->opts.key_file ? s->opts.key_file : "");
    snprintf(s->user, sizeof s->user, "%s", s->opts.user ? s->opts.user : "");
    snprintf(s->password, sizeof s->password, "%s", s->opts.password ? s->opts.password : "");
    s->opts.cert_file = s->opts.key_file = s->opts.user = s->opts.password = NULL;
    if (s->cert[0] && s->key[0]) {
        int rc = gnutls_certificate_allocate_credentials(&s->cred);
        if (rc == GNUTLS_E_SUCCESS)
            rc =
                gnutls_certificate_set_x509_key_file(s->cred, s->cert, s->key, GNUTLS_X509_FMT_PEM);
        if (rc < 0) {
            snprintf(err, errlen, "smtp test server: %s: %s", s->cert, gnutls_strerror(rc));
            goto fail;
        }
    }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof addr;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(s->listen_fd, 16) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&addr, &alen) != 0 ||
        pipe2(s->stop_pipe, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "smtp test server: cannot listen on 127.0.0.1: %s", strerror(errno));
        goto fail;
    }
    s->port = ntohs(addr.sin_port);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        snprintf(err, errlen, "smtp test server: cannot start its thread");
        goto fail;
    }
    s->started = true;
    return s;
fail:
    smtp_server_stop(s);
    return NULL;
}

int smtp_server_port(const smtp_server *s)
{
    return s->port;
}

void smtp_server_answer(smtp_server *s, smtp_stage stage, const char *reply, int times)
{
    pthread_mutex_lock(&s->lock);
    snprintf(s->faults[stage].reply, sizeof s->faults[stage].reply, "%s", reply);
    s->faults[stage].answer_times = times;
    pthread_mutex_unlock(&s->lock);
}

void smtp_server_silent(smtp_server *s, smtp_stage stage, int times)
{
    pthread_mutex_lock(&s->lock);
    s->faults[stage].silent_times = times;
    pthread_mutex_unlock(&s->lock);
}

void smtp_server_reset(smtp_server *s, smtp_stage stage, bool after_answer, int times)
{
    pthread_mutex_lock(&s->lock);
    s->faults[stage].reset_times = times;
    s->faults[stage].reset_after = after_answer;
    pthread_mutex_unlock(&s->lock);
}

bool smtp_server_wait(smtp_server *s, size_t count, long timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->lock);
    int rc = 0;
    while (s->count < count && rc == 0)
        rc = pthread_cond_timedwait(&s->stored, &s->lock, &until);
    bool ok = s->count >= count;
    pthread_mutex_unlock(&s->lock);
    return ok;
}

size_t smtp_server_count(smtp_server *s)
{
    pthread_mutex_lock(&s->lock);
    size_t n = s->count;
    pthread_mutex_unlock(&s->lock);
    return n;
}

const smtp_message *smtp_server_message(smtp_server *s, size_t i)
{
    pthread_mutex_lock(&s->lock);
    const smtp_message *m = i < s->count ? s->mailbox[i] : NULL;
    pthread_mutex_unlock(&s->lock);
    return m;
}

int smtp_server_connections(smtp_server *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->connections;
    pthread_mutex_unlock(&s->lock);
    return n;
}

int smtp_server_tls_failures(smtp_server *s)
{
    pthread_mutex_lock(&s->lock);
    int n = s->tls_failures;
    pthread_mutex_unlock(&s->lock);
    return n;
}

void smtp_server_stop(smtp_server *s)
{
    if (!s)
        return;
    if (s->started) {
        ssize_t w;
        do {
            w = write(s->stop_pipe[1], "x", 1);
        } while (w < 0 && errno == EINTR);
        pthread_join(s->thread, NULL);
    }
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    for (int i = 0; i < 2; i++)
        if (s->stop_pipe[i] >= 0)
            close(s->stop_pipe[i]);
    if (s->cred)
        gnutls_certificate_free_credentials(s->cred);
    for (size_t i = 0; i < s->count; i++) {
        free(s->mailbox[i]->data);
        free(s->mailbox[i]);
    }
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->stored);
    free(s);
}
