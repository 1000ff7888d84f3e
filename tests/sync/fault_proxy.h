/* fault_proxy.h — an HTTP fault proxy on loopback, between the sync worker
 * and the real amends-hub (run with tls = off on loopback, so the proxy
 * can see requests and answers).
 *
 * Each request gets the fault its sequence number selects in the schedule,
 * then none: a connection reset before the request reaches the hub, a reset
 * after the hub committed but before the answer, a 500 after commit, a
 * slow answer, a truncated answer, a 429 or 503 with Retry-After. One
 * thread, one client connection at a time (the worker keeps one), a fresh
 * upstream connection per request.
 *
 * Or, started with fp_start_random, the faults a flaky Wi-Fi makes at
 * random: after the hub has answered, the client gets a reset instead of
 * the answer (p_reset_after); after a forwarded answer the kept-alive
 * connection is dropped (p_drop), either at once or when the next request
 * arrives on it, before the hub sees that request. A reset on a reused
 * connection makes libcurl resend the request byte for byte; the proxy
 * counts the copies of requests the hub already had, by their webhook-id.
 */
#ifndef FAULT_PROXY_H
#define FAULT_PROXY_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef enum fp_fault {
    FP_NONE = 0,
    FP_RESET_BEFORE,    /* reset: the hub never sees the request */
    FP_RESET_AFTER,     /* the hub committed; the client gets a reset */
    FP_500_AFTER,       /* the hub committed; the client gets a 500 */
    FP_SLOW,            /* the answer, a few bytes at a time */
    FP_TRUNCATED,       /* half the answer, then the connection closes */
    FP_429_RETRY_AFTER, /* 429, Retry-After: 1 (seconds), not forwarded */
    FP_503_RETRY_DATE,  /* 503, Retry-After: an HTTP-date 2 s ahead */
    FP_FAULT_COUNT
} fp_fault;

#define FP_MAX_SCHEDULE 64
#define FP_MAX_MSG      (8 * 1024 * 1024)
#define FP_MAX_IDS      4096 /* webhook-ids remembered to count resent copies */

typedef struct fault_proxy {
    int listen_fd;
    int port;
    int upstream_port;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t arrived; /* signalled on each request */
    fp_fault schedule[FP_MAX_SCHEDULE];
    int schedule_len;
    /* Observed (under mu). */
    int requests;
    int by_fault[FP_FAULT_COUNT];
    int64_t retry_after_sent_ms[FP_MAX_SCHEDULE]; /* when a Retry-After answer went */
    int64_t next_request_ms[FP_MAX_SCHEDULE];     /* when the request after it came */
    int retry_after_count;
    int64_t last_request_ms;
    /* Random mode (fp_start_random); the counts are under mu. */
    bool random;
    double p_reset_after, p_drop;
    unsigned seed;
    int conn_requests;    /* requests on the current client connection */
    bool drop_on_next;    /* the next request on this connection is dropped */
    int connections;      /* client connections accepted */
    int resets_after;     /* answers the hub gave that the client never got */
    int resets_reused;    /* ... of them on a reused (kept-alive) connection */
    int drops_idle;       /* kept-alive connections dropped after an answer */
    int drops_on_request; /* ... dropped when the next request came, unforwarded */
    int resent;           /* requests the hub had had before (same webhook-id) */
    int delay_ms;         /* a slow hub: each answer held this long */
    int hb_count;         /* requests carrying a heartbeat, and when they came */
    int64_t hb_at_ms[FP_MAX_SCHEDULE];
    int data_requests; /* requests carrying records, and when the last came */
    int64_t last_data_ms;
    int id_count;
    char (*ids)[136];
} fault_proxy;

static inline int64_t fp_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline bool fp_write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Reads one HTTP message (headers and a Content-Length body) into a new
 * buffer; *len gets its size. NULL on EOF or error. */
static inline char *fp_read_message(int fd, size_t *len)
{
    size_t cap = 65536, have = 0;
    char *buf = malloc(cap + 1);
    size_t head_end = 0, want = 0;
    while (buf) {
        if (head_end == 0) {
            buf[have] = '\0';
            char *e = strstr(buf, "\r\n\r\n");
            if (e) {
                head_end = (size_t)(e - buf) + 4;
                size_t body = 0;
                for (char *line = buf; line && line < buf + head_end;) {
                    if (strncasecmp(line, "Content-Length:", 15) == 0)
                        body = (size_t)strtoull(line + 15, NULL, 10);
                    line = strstr(line, "\r\n");
                    if (line)
                        line += 2;
                }
                want = head_end + body;
                if (want > FP_MAX_MSG)
                    break;
                if (want > cap) {
                    char *g = realloc(buf, want + 1);
                    if (!g)
                        break;
                    buf = g;
                    cap = want;
                }
            }
        }
        if (head_end && have >= want) {
            *len = want;
            return buf;
        }
        if (have == cap)
            break;
        ssize_t n = recv(fd, buf + have, cap - have, 0);
        if (n <= 0)
            break;
        have += (size_t)n;
    }
    free(buf);
    return NULL;
}

static inline void fp_reset(int fd)
{
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    close(fd);
}

/* Sends the request to the hub and returns its whole answer. */
static inline char *fp_forward(fault_proxy *fp, const char *req, size_t len, size_t *rlen)
{
    int up = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)fp->upstream_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char *resp = NULL;
    if (up >= 0 && connect(up, (struct sockaddr *)&a, sizeof a) == 0 && fp_write_all(up, req, len))
        resp = fp_read_message(up, rlen);
    if (up >= 0)
        close(up);
    return resp;
}

static inline void fp_json_answer(int fd, int status, const char *reason, const char *extra)
{
    char msg[512];
    const char *body = "{\"error\":\"proxy_fault\",\"reason\":\"injected by the fault proxy\"}";
    snprintf(msg, sizeof msg,
             "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%s"
             "Content-Length: %zu\r\n\r\n%s",
             status, reason, extra ? extra : "", strlen(body), body);
    fp_write_all(fd, msg, strlen(msg));
}

/* A uniform draw in [0, 1) from the proxy's own seeded generator. */
static inline double fp_draw(fault_proxy *fp)
{
    return (double)rand_r(&fp->seed) / ((double)RAND_MAX + 1.0);
}

/* The request's webhook-id into out ("" when none). */
static inline void fp_webhook_id(const char *req, size_t len, char *out, size_t outlen)
{
    const char *end = req + len;
    out[0] = '\0';
    for (const char *line = req; line && line < end && line[0] != '\r';) {
        if (strncasecmp(line, "webhook-id:", 11) == 0) {
            const char *v = line + 11;
            while (*v == ' ')
                v++;
            snprintf(out, outlen, "%.*s", (int)strcspn(v, "\r\n"), v);
            return;
        }
        line = strstr(line, "\r\n");
        if (line)
            line += 2;
    }
}

/* Whether the hub has been sent a request with this webhook-id. */
static inline bool fp_forwarded_before(const fault_proxy *fp, const char *id)
{
    for (int i = 0; id[0] && i < fp->id_count; i++)
        if (strcmp(fp->ids[i], id) == 0)
            return true;
    return false;
}

/* Random mode: one request, its fault drawn now. */
static inline bool fp_handle_random(fault_proxy *fp, int *cp, char *req, size_t len)
{
    int c = *cp;
    size_t rlen = 0;
    char id[sizeof fp->ids[0]];
    fp_webhook_id(req, len, id, sizeof id);
    pthread_mutex_lock(&fp->mu);
    fp->requests++;
    pthread_cond_broadcast(&fp->arrived);
    bool resent = fp_forwarded_before(fp, id);
    bool reused = fp->conn_requests++ > 0;
    const char *body = strstr(req, "\r\n\r\n");
    if (body && strstr(body, "\"kind\":\"heartbeat\"")) {
        if (fp->hb_count < FP_MAX_SCHEDULE)
            fp->hb_at_ms[fp->hb_count] = fp_mono_ms();
        fp->hb_count++;
    } else if (body) {
        fp->data_requests++;
        fp->last_data_ms = fp_mono_ms();
    }
    bool drop_now = fp->drop_on_next;
    fp->drop_on_next = false;
    if (drop_now)
        fp->drops_on_request++;
    pthread_mutex_unlock(&fp->mu);
    if (drop_now) {
        /* The connection died while idle; the client learns it only now. */
        fp_reset(c);
        *cp = -1;
        return false;
    }
    pthread_mutex_lock(&fp->mu);
    if (resent)
        fp->resent++; /* the same request again, after the hub had it */
    else if (id[0] && fp->id_count < FP_MAX_IDS)
        snprintf(fp->ids[fp->id_count++], sizeof fp->ids[0], "%s", id);
    pthread_mutex_unlock(&fp->mu);
    char *resp = fp_forward(fp, req, len, &rlen);
    bool keep = false;
    if (!resp) {
        fp_reset(c);
        *cp = -1;
        return false;
    }
    if (fp->delay_ms > 0) {
        struct timespec ts = {fp->delay_ms / 1000, (long)(fp->delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&fp->mu);
    bool reset_after = fp_draw(fp) < fp->p_reset_after;
    bool drop = !reset_after && fp_draw(fp) < fp->p_drop;
    bool drop_at_once = drop && fp_draw(fp) < 0.5;
    if (reset_after) {
        fp->resets_after++;
        fp->resets_reused += reused;
    } else if (drop_at_once) {
        fp->drops_idle++;
    } else if (drop) {
        fp->drop_on_next = true;
    }
    pthread_mutex_unlock(&fp->mu);
    if (reset_after) {
        /* The hub has answered; the client gets a reset instead. */
        fp_reset(c);
        *cp = -1;
    } else {
        keep = fp_write_all(c, resp, rlen);
        if (keep && drop_at_once) {
            fp_reset(c);
            *cp = -1;
            keep = false;
        }
    }
    free(resp);
    return keep;
}

/* Handles one request; false when the client connection is done (*cp is
 * -1 then if it was closed here). */
static inline bool fp_handle(fault_proxy *fp, int *cp)
{
    int c = *cp;
    size_t len = 0, rlen = 0;
    char *req = fp_read_message(c, &len);
    if (!req)
        return false;
    if (fp->random) {
        bool keep = fp_handle_random(fp, cp, req, len);
        free(req);
        return keep;
    }
    pthread_mutex_lock(&fp->mu);
    int n = fp->requests++;
    fp_fault f = n < fp->schedule_len ? fp->schedule[n] : FP_NONE;
    fp->by_fault[f]++;
    int64_t now = fp_mono_ms();
    if (fp->retry_after_count > 0 && fp->next_request_ms[fp->retry_after_count - 1] == 0)
        fp->next_request_ms[fp->retry_after_count - 1] = now;
    fp->last_request_ms = now;
    pthread_cond_broadcast(&fp->arrived);
    pthread_mutex_unlock(&fp->mu);

    bool keep = true;
    char *resp = NULL;
    switch (f) {
    case FP_RESET_BEFORE:
        fp_reset(c);
        *cp = -1;
        keep = false;
        break;
    case FP_429_RETRY_AFTER:
    case FP_503_RETRY_DATE: {
        char header[128];
        if (f == FP_429_RETRY_AFTER) {
            snprintf(header, sizeof header, "Retry-After: 1\r\n");
        } else {
            time_t when = time(NULL) + 2;
            struct tm tm;
            gmtime_r(&when, &tm);
            strftime(header, sizeof header, "Retry-After: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        }
        fp_json_answer(c, f == FP_429_RETRY_AFTER ? 429 : 503,
                       f == FP_429_RETRY_AFTER ? "Too Many Requests" : "Service Unavailable",
                       header);
        pthread_mutex_lock(&fp->mu);
        if (fp->retry_after_count < FP_MAX_SCHEDULE) {
            fp->retry_after_sent_ms[fp->retry_after_count] = fp_mono_ms();
            fp->next_request_ms[fp->retry_after_count] = 0;
            fp->retry_after_count++;
        }
        pthread_mutex_unlock(&fp->mu);
        break;
    }
    default:
        resp = fp_forward(fp, req, len, &rlen);
        if (!resp) {
            fp_reset(c);
            *cp = -1;
            keep = false;
            break;
        }
        if (f == FP_RESET_AFTER) {
            fp_reset(c);
            *cp = -1;
            keep = false;
        } else if (f == FP_500_AFTER) {
            fp_json_answer(c, 500, "Internal Server Error", NULL);
        } else if (f == FP_SLOW) {
            for (size_t i = 0; i < rlen && keep; i += 64) {
                size_t k = rlen - i < 64 ? rlen - i : 64;
                keep = fp_write_all(c, resp + i, k);
                struct timespec ts = {0, 20 * 1000 * 1000};
                nanosleep(&ts, NULL);
            }
        } else if (f == FP_TRUNCATED) {
            fp_write_all(c, resp, rlen / 2 + 1);
            close(c);
            *cp = -1;
            keep = false;
        } else {
            keep = fp_write_all(c, resp, rlen);
        }
        break;
    }
    free(req);
    free(resp);
    return keep;
}

static inline void *fp_main(void *arg)
{
    fault_proxy *fp = arg;
    for (;;) {
        int c = accept(fp->listen_fd, NULL, NULL);
        if (c < 0)
            return NULL;
        pthread_mutex_lock(&fp->mu);
        fp->connections++;
        fp->conn_requests = 0;
        fp->drop_on_next = false;
        pthread_mutex_unlock(&fp->mu);
        while (fp_handle(fp, &c))
            ;
        if (c >= 0)
            close(c);
    }
}

/* Listens on a loopback port of its own and starts the thread. */
static inline int fp_listen(fault_proxy *fp)
{
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&fp->arrived, &ca);
    pthread_condattr_destroy(&ca);
    fp->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t alen = sizeof a;
    if (fp->listen_fd < 0 || bind(fp->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(fp->listen_fd, 8) != 0 ||
        getsockname(fp->listen_fd, (struct sockaddr *)&a, &alen) != 0)
        return -1;
    fp->port = ntohs(a.sin_port);
    if (pthread_create(&fp->thread, NULL, fp_main, fp) != 0)
        return -1;
    return fp->port;
}

static inline int fp_start(fault_proxy *fp, int upstream_port, const fp_fault *schedule, int n)
{
    memset(fp, 0, sizeof *fp);
    pthread_mutex_init(&fp->mu, NULL);
    fp->upstream_port = upstream_port;
    fp->schedule_len = n < FP_MAX_SCHEDULE ? n : FP_MAX_SCHEDULE;
    memcpy(fp->schedule, schedule, sizeof schedule[0] * (size_t)fp->schedule_len);
    return fp_listen(fp);
}

/* Random mode: the faults of a flaky network, drawn from `seed`; each
 * answer held delay_ms (0: none) as a slow hub would. */
static inline int fp_start_random(fault_proxy *fp, int upstream_port, unsigned seed,
                                  double p_reset_after, double p_drop, int delay_ms)
{
    memset(fp, 0, sizeof *fp);
    pthread_mutex_init(&fp->mu, NULL);
    fp->upstream_port = upstream_port;
    fp->ids = calloc(FP_MAX_IDS, sizeof fp->ids[0]);
    if (!fp->ids)
        return -1;
    fp->random = true;
    fp->seed = seed;
    fp->p_reset_after = p_reset_after;
    fp->p_drop = p_drop;
    fp->delay_ms = delay_ms;
    return fp_listen(fp);
}

static inline void fp_stop(fault_proxy *fp)
{
    shutdown(fp->listen_fd, SHUT_RDWR);
    close(fp->listen_fd);
    pthread_join(fp->thread, NULL);
    pthread_cond_destroy(&fp->arrived);
    pthread_mutex_destroy(&fp->mu);
    free(fp->ids);
    fp->ids = NULL;
}

/* Waits until `count` requests have come, at most timeout_ms; returns
 * whether they did. */
static inline bool fp_wait_requests(fault_proxy *fp, int count, int64_t timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(timeout_ms / 1000);
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&fp->mu);
    int rc = 0;
    while (fp->requests < count && rc == 0)
        rc = pthread_cond_timedwait(&fp->arrived, &fp->mu, &until);
    bool came = fp->requests >= count;
    pthread_mutex_unlock(&fp->mu);
    return came;
}

#endif
