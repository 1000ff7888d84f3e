/* hub_notify_send.c — delivering the outbox: one send through libcurl
 * (HTTPS, TLS verified, no redirects, a time limit), and the dispatcher
 * thread that claims due messages, sends them outside any transaction and
 * records what became of each (hub_notify.h). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "amends/retry_after.h"
#include "amends/webhook.h"
#include "hub_mail.h"
#include "hub_notify.h"
#include "hub_send.h"

#define MOD         "notify"
#define ANSWER_MAX  4096 /* of a receiver's body kept, for its first line */
#define CLAIM_BATCH 16

typedef struct answer {
    char body[ANSWER_MAX];
    size_t len;
    char retry_after[128];
} answer;

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    answer *a = ud;
    size_t len = size * n, room = sizeof a->body - 1 - a->len;
    size_t take = len < room ? len : room;
    memcpy(a->body + a->len, data, take);
    a->len += take;
    a->body[a->len] = '\0';
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    answer *a = ud;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof name - 1 && !strncasecmp(data, name, sizeof name - 1)) {
        const char *v = data + sizeof name - 1;
        size_t vlen = len - (sizeof name - 1);
        while (vlen && (*v == ' ' || *v == '\t')) {
            v++;
            vlen--;
        }
        while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
            vlen--;
        snprintf(a->retry_after, sizeof a->retry_after, "%.*s",
                 (int)(vlen < sizeof a->retry_after ? vlen : sizeof a->retry_after - 1), v);
    }
    return len;
}

/* The first line of the body, printable, for a person to read. */
static void first_line(const char *body, char *out, size_t len)
{
    size_t n = strcspn(body, "\r\n");
    if (n >= len)
        n = len - 1;
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)body[i] < ' ' ? ' ' : body[i];
    out[n] = '\0';
}

static void send_http(const hub_config *cfg, const hub_destination *d, const char *msg_id,
                      const char *body, hub_send_result *res)
{
    struct curl_slist *headers = NULL;
    /* Errors name the host only: a Slack or Teams URL's path is its secret. */
    char host[80];
    const char *h = strstr(d->target, "://");
    h = h ? h + 3 : d->target;
    snprintf(host, sizeof host, "%.*s", (int)(strcspn(h, "/?#") < 79 ? strcspn(h, "/?#") : 79), h);
    answer *a = calloc(1, sizeof *a);
    CURL *curl = curl_easy_init();
    if (!a || !curl) {
        snprintf(res->error, sizeof res->error, "out of memory");
        res->verdict = HUB_SEND_AGAIN;
        goto out;
    }
    headers = curl_slist_append(headers, "Content-Type: application/json");
    if (!strcmp(d->kind, "webhook")) {
        /* Standard Webhooks v1: the outbox id is the webhook-id, so a
         * message sent again is one the receiver can drop. */
        uint8_t key[AM_WEBHOOK_KEY_MAX];
        size_t keylen = 0;
        char sig[AM_WEBHOOK_SIGNATURE_MAX], line[256];
        int64_t ts = am_wall_ms() / 1000;
        if (am_webhook_secret_parse(d->secret, key, &keylen) != AM_OK ||
            am_webhook_sign(key, keylen, msg_id, ts, body, strlen(body), sig, sizeof sig) !=
                AM_OK) {
            sodium_memzero(key, sizeof key);
            snprintf(res->error, sizeof res->error, "destination %s: its secret is not usable",
                     d->id);
            res->verdict = HUB_SEND_FAILED;
            goto out;
        }
        sodium_memzero(key, sizeof key);
        snprintf(line, sizeof line, "webhook-id: %s", msg_id);
        headers = curl_slist_append(headers, line);
        snprintf(line, sizeof line, "webhook-timestamp: %lld", (long long)ts);
        headers = curl_slist_append(headers, line);
        snprintf(line, sizeof line, "webhook-signature: %s", sig);
        headers = curl_slist_append(headers, line);
    }
    curl_easy_setopt(curl, CURLOPT_URL, d->target);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR,
                     cfg->notify_allow_plain_loopback ? "https,http" : "https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, (long)cfg->notify_timeout_s * 1000);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, (long)cfg->notify_timeout_s * 1000);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "amends-hub");
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, a);
    CURLcode cc = curl_easy_perform(curl);
    if (cc != CURLE_OK) {
        snprintf(res->error, sizeof res->error, "%s: %s", host, curl_easy_strerror(cc));
        res->verdict = HUB_SEND_AGAIN;
        goto out;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &res->status);
    first_line(a->body, res->answer, sizeof res->answer);
    int64_t wait = -1;
    if (a->retry_after[0] &&
        am_proto_retry_after(a->retry_after, am_wall_ms() / 1000, &wait) != AM_OK)
        wait = -1;
    res->retry_after_s = wait;
    if (res->status >= 200 && res->status < 300) {
        res->verdict = HUB_SENT;
        goto out;
    }
    snprintf(res->error, sizeof res->error, "%s answered %ld%s%.160s", host, res->status,
             res->answer[0] ? ": " : "", res->answer);
    /* 410: the receiver is gone for good. Anything else may pass later. */
    res->verdict = res->status == 410 ? HUB_SEND_GONE : HUB_SEND_AGAIN;
out:
    curl_slist_free_all(headers);
    if (curl)
        curl_easy_cleanup(curl);
    free(a);
}

/* The subject: the headline of the text (its first line). */
static void subject_of(const char *text, char *out, size_t len)
{
    size_t n = strcspn(text, "\r\n");
    snprintf(out, len, "%.*s", (int)(n < len ? n : len - 1), text);
}

/* Email: the text of the message to each address of the destination, the
 * Message-ID made from the outbox id so a repeat can be dropped. Without
 * [smtp] url the message waits, saying so: never a pretended success. */
static void send_email(const hub_config *cfg, const hub_destination *d, const char *msg_id,
                       const char *payload, hub_send_result *res)
{
    hub_smtp smtp;
    if (!hub_mail_smtp_from_config(cfg, &smtp)) {
        snprintf(res->error, sizeof res->error, "email is not configured on this hub");
        res->verdict = HUB_SEND_AGAIN;
        res->not_configured = true;
        return;
    }
    /* STARTTLS always: [notify] allow_plain_loopback is for webhooks only. */
    smtp.allow_plain_loopback = false;
    smtp.timeout_ms = (long)cfg->notify_timeout_s * 1000;
    char addrs[HUB_DEST_TARGET_MAX], subject[200], message_id[HUB_MSG_ID_MAX + 32];
    const char *to[HUB_MAIL_MAX_RCPT];
    size_t nto = 0;
    snprintf(addrs, sizeof addrs, "%s", d->target);
    for (char *save = NULL, *a = strtok_r(addrs, ",", &save); a && nto < HUB_MAIL_MAX_RCPT;
         a = strtok_r(NULL, ",", &save))
        to[nto++] = a;
    char *text = hub_notify_text(payload, cfg->notify_public_url, am_wall_ms());
    if (!text || !nto) {
        snprintf(res->error, sizeof res->error, "the message could not be made");
        res->verdict = text ? HUB_SEND_FAILED : HUB_SEND_AGAIN;
        free(text);
        return;
    }
    subject_of(text, subject, sizeof subject);
    snprintf(message_id, sizeof message_id, "<%s@amends-hub>", msg_id);
    hub_mail m = {.from = cfg->smtp_from,
                  .to = to,
                  .nto = nto,
                  .subject = subject,
                  .text = text,
                  .message_id = message_id};
    int rc = hub_mail_send(&smtp, &m, res->error, sizeof res->error);
    free(text);
    res->verdict = rc == HUB_SEND_OK     ? HUB_SENT
                   : rc == HUB_SEND_FAIL ? HUB_SEND_FAILED
                                         : HUB_SEND_AGAIN;
    if (rc == HUB_SEND_OK) {
        res->status = 250;
        snprintf(res->answer, sizeof res->answer, "accepted");
    }
}

void hub_notify_send(const hub_config *cfg, const hub_destination *d, const char *msg_id,
                     const char *event, const char *payload, hub_send_result *res)
{
    (void)event;
    memset(res, 0, sizeof *res);
    res->retry_after_s = -1;
    if (!strcmp(d->kind, "email")) {
        send_email(cfg, d, msg_id, payload, res);
        return;
    }
    char *body = hub_notify_render(d->kind, payload, cfg->notify_public_url, am_wall_ms());
    if (!body) {
        snprintf(res->error, sizeof res->error, "the message could not be made (out of memory)");
        res->verdict = HUB_SEND_AGAIN;
        return;
    }
    send_http(cfg, d, msg_id, body, res);
    cJSON_free(body);
}

/* --- the dispatcher ----------------------------------------------------------------------------
 */

struct hub_notifier {
    hub_db *db;
    const hub_config *cfg;
    char hub_id[128];
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

/* Logged after the outbox records it, so that whoever reads the log line
 * finds the row as it says. */
static void deliver(hub_notifier *nt, hub_outbox_msg *m)
{
    hub_send_result res;
    hub_notify_send(nt->cfg, &m->dest, m->id, m->event, m->payload, &res);
    int64_t now = am_wall_ms();
    const char *state = "sent", *disable = NULL;
    int64_t next = now;
    bool email_waits = res.not_configured;
    if (res.verdict == HUB_SENT) {
        state = "sent";
    } else if (res.verdict == HUB_SEND_GONE) {
        state = "dead";
        disable = "the receiver answered 410 Gone";
    } else if (email_waits) {
        /* Not an attempt: it waits for the hub to be given a mail sender. */
        state = "pending";
        next = now + (int64_t)nt->cfg->notify_retry_cap_s * 1000;
    } else if (res.verdict == HUB_SEND_FAILED || m->attempts >= nt->cfg->notify_max_attempts) {
        state = "dead";
    } else {
        state = "pending";
        next = hub_notify_next_at(nt->cfg, m->attempts, res.retry_after_s, now);
    }
    am_rc rc = hub_db_outbox_finish(nt->db, m->id, nt->hub_id, state, next,
                                    res.verdict == HUB_SENT ? NULL : res.error, now, m->dest.id,
                                    disable, email_waits);
    if (rc) {
        am_log_error(MOD, "message %s: recording that it was %s failed (%s)", m->id, state,
                     am_rc_str(rc));
        return;
    }
    if (res.verdict == HUB_SENT)
        am_log_info(MOD, "message %s (%s) to %s: sent, %ld", m->id, m->event, m->dest.id,
                    res.status);
    else if (disable)
        am_log_warn(MOD, "message %s to %s: %s; destination %s disabled", m->id, m->dest.id,
                    res.error, m->dest.id);
    else if (email_waits)
        am_log_info(MOD, "message %s (%s) to %s waits: %s", m->id, m->event, m->dest.id, res.error);
    else if (!strcmp(state, "dead"))
        am_log_warn(MOD, "message %s (%s) to %s: dead after %d attempts: %s", m->id, m->event,
                    m->dest.id, m->attempts, res.error);
    else
        am_log_warn(MOD, "message %s (%s) to %s: attempt %d failed (%s); next in %lld ms", m->id,
                    m->event, m->dest.id, m->attempts, res.error, (long long)(next - now));
}

static void *run(void *arg)
{
    hub_notifier *nt = arg;
    hub_outbox_msg *batch = calloc(CLAIM_BATCH, sizeof *batch);
    pthread_mutex_lock(&nt->mu);
    while (batch && !nt->stop) {
        pthread_mutex_unlock(&nt->mu);
        int n = 0;
        am_rc rc =
            hub_db_outbox_claim(nt->db, nt->hub_id, am_wall_ms(),
                                (int64_t)nt->cfg->notify_lease_s * 1000, batch, CLAIM_BATCH, &n);
        if (rc)
            am_log_error(MOD, "claiming due messages failed (%s)", am_rc_str(rc));
        for (int i = 0; i < n; i++) {
            deliver(nt, &batch[i]);
            free(batch[i].payload);
            batch[i].payload = NULL;
        }
        pthread_mutex_lock(&nt->mu);
        if (n == CLAIM_BATCH)
            continue; /* more may be due at once */
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += (long)nt->cfg->notify_poll_ms * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        while (!nt->stop && pthread_cond_timedwait(&nt->cv, &nt->mu, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&nt->mu);
    free(batch);
    return NULL;
}

am_rc hub_notifier_start(hub_db *db, const hub_config *cfg, hub_notifier **out)
{
    hub_notifier *nt = calloc(1, sizeof *nt);
    *out = NULL;
    if (!nt)
        return AM_ERR_NOMEM;
    nt->db = db;
    nt->cfg = cfg;
    /* Which hub holds a claim: unique per process, even across restarts. */
    char host[64] = "hub";
    gethostname(host, sizeof host - 1);
    snprintf(nt->hub_id, sizeof nt->hub_id, "%.63s:%ld:%08x", host, (long)getpid(),
             randombytes_random());
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&nt->cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&nt->mu, NULL);
    if (pthread_create(&nt->thread, NULL, run, nt) != 0) {
        pthread_cond_destroy(&nt->cv);
        pthread_mutex_destroy(&nt->mu);
        free(nt);
        return AM_ERR;
    }
    *out = nt;
    return AM_OK;
}

void hub_notifier_stop(hub_notifier *nt)
{
    if (!nt)
        return;
    pthread_mutex_lock(&nt->mu);
    nt->stop = true;
    pthread_cond_signal(&nt->cv);
    pthread_mutex_unlock(&nt->mu);
    pthread_join(nt->thread, NULL);
    pthread_cond_destroy(&nt->cv);
    pthread_mutex_destroy(&nt->mu);
    free(nt);
}
