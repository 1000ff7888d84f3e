/* hub_receiver.h — a webhook receiver for the notification tests: plain
 * HTTP on 127.0.0.1 (the hub may send there under [notify]
 * allow_plain_loopback), one thread, answering each request with the next
 * status of a script (200 past its end), and keeping every request's
 * Standard Webhooks headers and body. A test waits for requests on a pipe
 * the receiver writes a byte to per request: no sleeping. With hold_first,
 * the first request gets no answer at all (a hub killed mid-delivery). */
#ifndef HUB_RECEIVER_H
#define HUB_RECEIVER_H

#include <arpa/inet.h>
#include <pthread.h>
#include <strings.h>

#include "hub_harness.h"

#define RX_MAX        256
#define RX_SCRIPT_MAX 16

typedef struct rx_request {
    char id[160], ts[32], sig[200], path[128];
    char *body;
} rx_request;

typedef struct receiver {
    int listen_fd, port;
    int wake[2]; /* a byte per request kept */
    int stop[2]; /* closed to stop the thread */
    pthread_t thread;
    pthread_mutex_t mu;
    int script[RX_SCRIPT_MAX];
    const char *script_headers[RX_SCRIPT_MAX]; /* extra header lines, "" or "Name: v\r\n" */
    int nscript;
    bool hold_first;
    int held_fd;
    rx_request req[RX_MAX];
    int n;
} receiver;

static void rx_header(const char *head, const char *name, char *out, size_t len)
{
    out[0] = '\0';
    size_t n = strlen(name);
    for (const char *p = head; p && *p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
        if (!strncasecmp(p, name, n) && p[n] == ':') {
            const char *v = p + n + 1;
            v += strspn(v, " ");
            size_t m = strcspn(v, "\r\n");
            snprintf(out, len, "%.*s", (int)(m < len ? m : len - 1), v);
            return;
        }
    }
}

/* One connection: a request in, the script's answer out. */
static void rx_serve(receiver *r, int fd)
{
    char *buf = calloc(1, 1 << 20);
    size_t used = 0;
    char *end = NULL;
    while (used + 1 < (1u << 20)) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 10000) <= 0)
            break;
        ssize_t got = read(fd, buf + used, (1u << 20) - 1 - used);
        if (got <= 0)
            break;
        used += (size_t)got;
        buf[used] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end) {
            char cl[32];
            rx_header(strstr(buf, "\r\n") + 2, "Content-Length", cl, sizeof cl);
            size_t want = (size_t)(end + 4 - buf) + (size_t)atol(cl);
            if (used >= want)
                break;
        }
    }
    if (!end) {
        close(fd);
        free(buf);
        return;
    }
    pthread_mutex_lock(&r->mu);
    int i = r->n;
    bool hold = false;
    if (i < RX_MAX) {
        rx_request *q = &r->req[i];
        const char *head = strstr(buf, "\r\n") + 2;
        *end = '\0';
        rx_header(head, "webhook-id", q->id, sizeof q->id);
        rx_header(head, "webhook-timestamp", q->ts, sizeof q->ts);
        rx_header(head, "webhook-signature", q->sig, sizeof q->sig);
        sscanf(buf, "POST %127s", q->path);
        q->body = strdup(end + 4);
        r->n++;
        hold = r->hold_first && i == 0;
    }
    int status = i < r->nscript ? r->script[i] : 200;
    const char *extra = i < r->nscript && r->script_headers[i] ? r->script_headers[i] : "";
    pthread_mutex_unlock(&r->mu);
    if (write(r->wake[1], "x", 1) != 1)
        fail_msg("receiver: wake pipe");
    if (hold) {
        r->held_fd = fd; /* answered never; closed when the receiver stops */
    } else {
        char answer[512], text[32];
        int tn = snprintf(text, sizeof text, "answer %d", status);
        int n = snprintf(answer, sizeof answer,
                         "HTTP/1.1 %d X\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
                         "Connection: close\r\n%s\r\n%s",
                         status, tn, extra, text);
        if (write(fd, answer, (size_t)n) < 0)
            print_message("receiver: the hub went away before the answer\n");
        close(fd);
    }
    free(buf);
}

static void *rx_run(void *arg)
{
    receiver *r = arg;
    for (;;) {
        struct pollfd pfd[2] = {{.fd = r->listen_fd, .events = POLLIN},
                                {.fd = r->stop[0], .events = POLLIN}};
        if (poll(pfd, 2, -1) < 0 && errno != EINTR)
            break;
        if (pfd[1].revents)
            break;
        if (pfd[0].revents & POLLIN) {
            int fd = accept(r->listen_fd, NULL, NULL);
            if (fd >= 0)
                rx_serve(r, fd);
        }
    }
    return NULL;
}

static receiver *rx_start(void)
{
    receiver *r = calloc(1, sizeof *r);
    r->held_fd = -1;
    pthread_mutex_init(&r->mu, NULL);
    assert_int_equal(pipe(r->wake), 0);
    assert_int_equal(pipe(r->stop), 0);
    r->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(r->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(r->listen_fd, 64), 0);
    socklen_t len = sizeof a;
    getsockname(r->listen_fd, (struct sockaddr *)&a, &len);
    r->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&r->thread, NULL, rx_run, r), 0);
    return r;
}

static void rx_stop(receiver *r)
{
    if (!r)
        return;
    close(r->stop[1]);
    pthread_join(r->thread, NULL);
    close(r->stop[0]);
    close(r->listen_fd);
    close(r->wake[0]);
    close(r->wake[1]);
    if (r->held_fd >= 0)
        close(r->held_fd);
    for (int i = 0; i < r->n && i < RX_MAX; i++)
        free(r->req[i].body);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* Waits, at most timeout_ms, until the receiver has kept `count`
 * requests; returns how many it has. */
static int rx_wait(receiver *r, int count, long timeout_ms)
{
    int64_t deadline = h_now_ms() + timeout_ms;
    for (;;) {
        pthread_mutex_lock(&r->mu);
        int n = r->n;
        pthread_mutex_unlock(&r->mu);
        int64_t left = deadline - h_now_ms();
        struct pollfd pfd = {.fd = r->wake[0], .events = POLLIN};
        if (n >= count || left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            return n;
        char bytes[64];
        if (read(r->wake[0], bytes, sizeof bytes) < 0 && errno != EINTR)
            return n;
    }
}

static int rx_count(receiver *r)
{
    pthread_mutex_lock(&r->mu);
    int n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

#endif
