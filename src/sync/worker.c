/* worker.c — the sync worker thread (see include/amends/sync.h).
 *
 * Loop: claim a batch of due records and read them in one short write
 * transaction (pending → inflight, one snapshot, one commit), build and
 * sign the body with no transaction open, post it, then settle every record
 * and add the sync log entry in one new transaction. A crash at any point leaves records pending or
 * inflight, and the store puts inflight back to pending at the next start; the hub deduplicates by
 * record id, so a record sent twice is kept once.
 */
#include "amends/sync.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "amends/private_file.h"
#include "amends/store.h"
#include "amends/version.h"
#include "amends/webhook.h"
#include "transport.h"

#define MOD                   "sync"
#define TOKEN_MAX             512
#define META_AUTH_FAILED      "sync.auth_failed"
#define META_AUTH_CREDENTIALS "sync.auth_credentials" /* which credentials failed */
#define STORE_RETRY_MS        1000                    /* after a store error */

struct am_sync {
    /* Fixed after start. */
    char data_dir[AM_PATH_MAX];
    char kiosk[AM_KIOSK_ID_MAX];
    char url[512];
    char token_file[AM_PATH_MAX];
    char secret_file[AM_PATH_MAX];
    char version[AM_PROTO_VERSION_MAX + 1];
    char budget_currency[4]; /* "": heartbeats carry no budget */
    int64_t budget_daily_minor;
    int64_t budget_hourly_offers;
    int batch_max;
    int64_t heartbeat_ms;
    int64_t backoff_base_ms, backoff_max_ms, retry_after_max_ms;
    int64_t started_mono_ms;
    am_sync_clock clock; /* the options' or the real one */

    /* The worker thread's own. */
    am_store *store;
    sync_transport *transport;
    char token[TOKEN_MAX];
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen;
    char credentials_id[65]; /* hash of url, token and secret, hex */
    bool auth_failed;
    char auth_reason[AM_SYNC_REASON_MAX]; /* the hub's words for the last 401/403 */
    int batch_limit;                      /* lowered by 413 for the rest of this run */
    int64_t hold_until_ms;                /* wall clock: no request before this */
    bool hold_from_server;                /* the hub asked (Retry-After): a wake does not lift it */
    int64_t next_heartbeat_mono;
    bool waiting_seen;    /* the guest-waiting flag as the loop last saw it */
    char hub_cases[2048]; /* the meta "hub_cases" last written */

    /* Shared: guarded by mu. */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool have_mu, have_cond; /* initialised: sync_free destroys them */
    bool wake_req, now_req, stop_req;
    bool waiting;     /* a guest waits for staff (am_sync_set_waiting) */
    bool waiting_req; /* ... and that changed since the loop looked */
    am_sync_status status;
    atomic_bool stop; /* read by the transfer's progress callback */
};

/* --- clocks ----------------------------------------------------------------- */

/* The real clock, for a worker started without one. */
static int64_t real_wall_ms(void *ctx)
{
    (void)ctx;
    return am_wall_ms();
}

static int64_t real_mono_ms(void *ctx)
{
    (void)ctx;
    return am_mono_ms();
}

/* cond was made with CLOCK_MONOTONIC (am_sync_start). */
static void real_wait(void *ctx, pthread_cond_t *cond, pthread_mutex_t *mu, int64_t deadline_mono)
{
    (void)ctx;
    if (deadline_mono == INT64_MAX) {
        pthread_cond_wait(cond, mu);
        return;
    }
    int64_t left = deadline_mono - am_mono_ms();
    if (left <= 0)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t ns = (int64_t)ts.tv_nsec + (left % 1000) * 1000000;
    ts.tv_sec += (time_t)(left / 1000 + ns / 1000000000);
    ts.tv_nsec = (long)(ns % 1000000000);
    pthread_cond_timedwait(cond, mu, &ts);
}

static const am_sync_clock real_clock = {NULL, real_wall_ms, real_mono_ms, real_wait};

const am_sync_clock *am_sync_real_clock(void)
{
    return &real_clock;
}

static int64_t wall_now(const am_sync *s)
{
    return s->clock.wall_ms(s->clock.ctx);
}

static int64_t mono_now(const am_sync *s)
{
    return s->clock.mono_ms(s->clock.ctx);
}

const char *am_sync_phase_name(am_sync_phase p)
{
    static const char *const names[] = {"idle", "sending", "backoff", "auth_failed", "stopped"};
    if ((int)p < 0 || (size_t)p >= sizeof names / sizeof names[0])
        return "";
    return names[p];
}

/* --- options ------------------------------------------------------------------ */

am_rc am_sync_options_from_config(const am_config *cfg, am_sync_options *opt)
{
    if (!cfg || !opt)
        return AM_ERR_INVALID;
    memset(opt, 0, sizeof *opt);
    if (!cfg->sync.url[0])
        return AM_ERR_CONFIG;
    opt->data_dir = cfg->kiosk.data_dir;
    opt->kiosk_id = cfg->kiosk.id;
    opt->url = cfg->sync.url;
    opt->token_file = cfg->sync.token_file;
    opt->secret_file = cfg->sync.secret_file;
    opt->ca_file = cfg->sync.ca_file;
    opt->pin = cfg->sync.pin;
    opt->batch = cfg->sync.batch;
    opt->heartbeat_s = cfg->sync.heartbeat_s;
    opt->budget_currency = cfg->budget.currency;
    opt->budget_daily_minor = cfg->budget.daily_value_minor;
    opt->budget_hourly_offers = cfg->budget.hourly_offers;
    opt->connect_timeout_s = cfg->sync.connect_timeout_s;
    return AM_OK;
}

/* --- status --------------------------------------------------------------------- */

static void set_phase(am_sync *s, am_sync_phase phase)
{
    pthread_mutex_lock(&s->mu);
    s->status.phase = phase;
    s->status.retry_at_ms = phase == AM_SYNC_BACKOFF ? s->hold_until_ms : 0;
    pthread_mutex_unlock(&s->mu);
}

void am_sync_get_status(am_sync *s, am_sync_status *out)
{
    if (!out)
        return;
    if (!s) {
        memset(out, 0, sizeof *out);
        out->phase = AM_SYNC_STOPPED;
        return;
    }
    pthread_mutex_lock(&s->mu);
    *out = s->status;
    pthread_mutex_unlock(&s->mu);
}

/* --- credentials ------------------------------------------------------------------ */

/* The first line of a small file, without surrounding white space. */
static am_rc read_line_file(const char *path, const char *what, char *out, size_t outlen, char *err,
                            size_t errlen)
{
    char buf[TOKEN_MAX + 2];
    if (!path || !*path) {
        snprintf(err, errlen, "sync.%s is not set", what);
        return AM_ERR_CONFIG;
    }
    /* A token or secret others can read lets them send as this kiosk:
     * refused, like the voucher key (private_file.h). */
    char setting[32];
    size_t n = 0;
    snprintf(setting, sizeof setting, "sync.%s", what);
    am_rc read_rc = am_secret_read(path, setting, buf, sizeof buf, &n, err, errlen);
    if (read_rc == AM_ERR_TOOBIG) {
        snprintf(err, errlen, "sync.%s %.300s: longer than %zu bytes", what, path, outlen - 1);
        return AM_ERR_CONFIG;
    }
    if (read_rc) {
        sodium_memzero(buf, sizeof buf);
        return AM_ERR_CONFIG;
    }
    char *p = buf;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    size_t len = strcspn(p, "\r\n");
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    am_rc rc = AM_OK;
    if (len == 0) {
        snprintf(err, errlen, "sync.%s %.300s: the file is empty", what, path);
        rc = AM_ERR_CONFIG;
    } else if (len >= outlen) {
        snprintf(err, errlen, "sync.%s %.300s: longer than %zu bytes", what, path, outlen - 1);
        rc = AM_ERR_CONFIG;
    } else {
        for (size_t i = 0; i < len; i++) {
            if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e) {
                snprintf(err, errlen, "sync.%s %.300s: holds a character that cannot be sent", what,
                         path);
                rc = AM_ERR_CONFIG;
                break;
            }
        }
        if (rc == AM_OK) {
            memcpy(out, p, len);
            out[len] = '\0';
        }
    }
    sodium_memzero(buf, sizeof buf);
    return rc;
}

/* Reads the token and secret files into s. */
static am_rc load_credentials(am_sync *s, char *err, size_t errlen)
{
    char token[TOKEN_MAX], secret[AM_WEBHOOK_SECRET_MAX + 64];
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    am_rc rc = read_line_file(s->token_file, "token_file", token, sizeof token, err, errlen);
    if (rc)
        goto out;
    rc = read_line_file(s->secret_file, "secret_file", secret, sizeof secret, err, errlen);
    if (rc)
        goto out;
    if (am_webhook_secret_parse(secret, key, &keylen) != AM_OK) {
        snprintf(err, errlen, "sync.secret_file %.300s: not a whsec_<base64> secret",
                 s->secret_file);
        rc = AM_ERR_CONFIG;
        goto out;
    }
    /* Names these credentials without keeping them: a changed token or
     * secret lifts an auth failure. */
    crypto_generichash_state h;
    uint8_t digest[32];
    crypto_generichash_init(&h, NULL, 0, sizeof digest);
    crypto_generichash_update(&h, (const uint8_t *)s->url, strlen(s->url) + 1);
    crypto_generichash_update(&h, (const uint8_t *)token, strlen(token) + 1);
    crypto_generichash_update(&h, key, keylen);
    crypto_generichash_final(&h, digest, sizeof digest);
    sodium_bin2hex(s->credentials_id, sizeof s->credentials_id, digest, sizeof digest);
    memcpy(s->token, token, sizeof token);
    memcpy(s->key, key, sizeof key);
    s->keylen = keylen;
out:
    sodium_memzero(token, sizeof token);
    sodium_memzero(secret, sizeof secret);
    sodium_memzero(key, sizeof key);
    return rc;
}

/* --- the sync log ------------------------------------------------------------------- */

static void log_attempt(am_sync *s, int64_t at_ms, int batch_size, const sync_reply *reply,
                        const char *outcome, const char *detail)
{
    am_sync_log_entry e;
    memset(&e, 0, sizeof e);
    e.at_ms = at_ms;
    e.batch_size = batch_size;
    e.http_status = reply ? (int)reply->status : 0;
    e.latency_ms = reply ? reply->latency_ms : 0;
    snprintf(e.transport, sizeof e.transport, "%s", reply ? reply->transport : "");
    snprintf(e.outcome, sizeof e.outcome, "%s", outcome);
    snprintf(e.detail, sizeof e.detail, "%s", detail ? detail : "");
    if (am_store_sync_log_add(s->store, &e) != AM_OK)
        am_log_warn(MOD, "cannot add to the sync log: %s", am_store_errmsg(s->store));
    am_log(strcmp(outcome, "ok") == 0 ? AM_LOG_DEBUG : AM_LOG_INFO, MOD,
           "%d record(s): %s (HTTP %d%s%s, %lld ms)%s%s", batch_size, outcome, e.http_status,
           e.transport[0] ? ", " : "", e.transport, (long long)e.latency_ms,
           e.detail[0] ? ": " : "", e.detail);

    pthread_mutex_lock(&s->mu);
    s->status.requests++;
    s->status.last_attempt_ms = at_ms;
    s->status.last_http_status = e.http_status;
    if (strcmp(outcome, "ok") == 0) {
        s->status.last_success_ms = at_ms;
        s->status.last_error[0] = '\0';
    } else if (e.transport[0]) {
        snprintf(s->status.last_error, sizeof s->status.last_error, "%s", e.transport);
    } else {
        snprintf(s->status.last_error, sizeof s->status.last_error, "%.31s%s%.200s", outcome,
                 e.detail[0] ? ": " : "", e.detail);
    }
    pthread_mutex_unlock(&s->mu);
}

/* --- auth state ---------------------------------------------------------------------- */

/* The hub refused the credentials. The flag is written inside the caller's
 * transaction, the one that logs the refusal, so a reader never sees the
 * refusal in the sync log without the stopped state, and a crash cannot keep
 * one without the other. The phase is set first for the same reason. */
static void auth_fail_begin(am_sync *s, const sync_reply *reply)
{
    am_sync_error_reason(reply->body, reply->len, s->auth_reason, sizeof s->auth_reason);
    s->auth_failed = true;
    set_phase(s, AM_SYNC_AUTH_FAILED);
    am_log_error(MOD, "the hub refused this kiosk's credentials: sync stopped until the token or "
                      "secret changes or a manager retries");
}

static am_rc auth_fail_record(am_sync *s)
{
    am_rc rc = am_store_meta_set(s->store, META_AUTH_FAILED, "1");
    if (rc == AM_OK)
        rc = am_store_meta_set(s->store, META_AUTH_CREDENTIALS, s->credentials_id);
    if (rc == AM_OK)
        rc = am_store_meta_set(s->store, AM_META_SYNC_AUTH_REASON, s->auth_reason);
    return rc;
}

static void auth_clear(am_sync *s, const char *why)
{
    if (s->auth_failed)
        am_log_info(MOD, "sync resumes: %s", why);
    s->auth_failed = false;
    if (am_store_meta_set(s->store, META_AUTH_FAILED, "0") != AM_OK)
        am_log_warn(MOD, "cannot clear the auth failure: %s", am_store_errmsg(s->store));
    set_phase(s, AM_SYNC_IDLE);
}

/* At start, and when woken while stopped by an auth failure: the failure
 * holds only for the credentials that failed. */
static void auth_check(am_sync *s)
{
    char flag[8], failed_id[80];
    if (am_store_meta_get(s->store, META_AUTH_FAILED, flag, sizeof flag) != AM_OK ||
        strcmp(flag, "1") != 0) {
        s->auth_failed = false;
        return;
    }
    if (am_store_meta_get(s->store, META_AUTH_CREDENTIALS, failed_id, sizeof failed_id) == AM_OK &&
        strcmp(failed_id, s->credentials_id) == 0) {
        s->auth_failed = true;
        set_phase(s, AM_SYNC_AUTH_FAILED);
        return;
    }
    s->auth_failed = true; /* so that auth_clear logs the change */
    auth_clear(s, "the token or secret changed since the hub refused them");
}

/* --- building a batch ------------------------------------------------------------------ */

typedef struct batch_work {
    am_outbox_item items[AM_PROTO_MAX_RECORDS];
    int count;
    /* Records actually in the body, in body order: index into items. */
    int sent_index[AM_PROTO_MAX_RECORDS];
    char ids[AM_PROTO_MAX_RECORDS][AM_PROTO_UUID_LEN + 1];
    am_sync_verdict verdicts[AM_PROTO_MAX_RECORDS];
    int sent;
    /* Per claimed record: settled locally before sending (bad record). */
    bool settled[AM_PROTO_MAX_RECORDS];
    char local_error[AM_PROTO_MAX_RECORDS][AM_PROTO_REASON_MAX];
    char batch_id[AM_PROTO_UUID_LEN + 1];
    am_journey_row row; /* read buffer, reused; wiped after each record */
} batch_work;

/* Adds one claimed record to b. false and why when it cannot be sent as it
 * is kept (it is quarantined locally then: sending would never succeed). */
static bool add_record(am_sync *s, batch_work *w, am_proto_batch *b, const am_outbox_item *it,
                       char *why, size_t whylen, am_rc *store_rc)
{
    am_proto_record *r = NULL;
    am_rc rc;
    *store_rc = AM_OK;
    if (it->kind == AM_RECORD_ALERT) {
        am_alert_row row;
        rc = am_store_alert_get(s->store, it->uuid, &row);
        if (rc == AM_ERR_NOTFOUND) {
            snprintf(why, whylen, "alert %.36s is no longer in the store", it->uuid);
            return false;
        }
        if (rc) {
            *store_rc = rc;
            return false;
        }
        r = am_proto_batch_add(b, AM_PROTO_ALERT);
        snprintf(r->id, sizeof r->id, "%s", row.id);
        snprintf(r->u.alert.journey, sizeof r->u.alert.journey, "%s", row.journey);
        r->u.alert.reason = row.reason;
        snprintf(r->u.alert.category, sizeof r->u.alert.category, "%s", row.category);
        r->u.alert.severity = row.severity;
        r->u.alert.raised_at = row.raised_at_ms;
        snprintf(r->u.alert.case_code, sizeof r->u.alert.case_code, "%s", row.case_code);
    } else if (it->kind == AM_RECORD_VOUCHER) {
        am_voucher_row row;
        rc = am_store_voucher_get_outbox(s->store, it->uuid, &row);
        if (rc == AM_ERR_NOTFOUND) {
            snprintf(why, whylen, "voucher record %.36s is no longer in the store", it->uuid);
            return false;
        }
        if (rc) {
            *store_rc = rc;
            return false;
        }
        /* The hub checks the code against this kiosk's voucher key and
         * rejects it when they disagree: a code keeps its kiosk. */
        if (strlen(row.code) >= sizeof r->u.voucher.code) {
            snprintf(why, whylen, "voucher %.36s: the stored code is not a canonical code",
                     it->uuid);
            return false;
        }
        r = am_proto_batch_add(b, AM_PROTO_VOUCHER);
        am_proto_voucher *pv = &r->u.voucher;
        snprintf(r->id, sizeof r->id, "%s", row.outbox_uuid);
        snprintf(pv->journey, sizeof pv->journey, "%s", row.journey_id);
        snprintf(pv->code, sizeof pv->code, "%.19s", row.code);
        pv->serial = row.serial;
        snprintf(pv->offer, sizeof pv->offer, "%s", row.offer_id);
        pv->value_minor = row.value_minor;
        pv->issued_at = row.created_ms;
        pv->expires_at = row.expires_ms;
    } else {
        am_journey_row *row = &w->row;
        rc = am_store_journey_get_claimed(s->store, it->uuid, row);
        if (rc == AM_ERR_NOTFOUND || rc) {
            if (rc == AM_ERR_NOTFOUND)
                snprintf(why, whylen, "journey %.36s is no longer in the store", it->uuid);
            else
                *store_rc = rc;
            sodium_memzero(row, sizeof *row);
            return false;
        }
        r = am_proto_batch_add(b, AM_PROTO_FEEDBACK);
        snprintf(r->id, sizeof r->id, "%s", row->id);
        r->u.feedback.created_at = row->created_at_ms;
        r->u.feedback.closed_at = row->closed_at_ms;
        r->u.feedback.report = row->report;
        snprintf(r->u.feedback.case_code, sizeof r->u.feedback.case_code, "%s", row->case_code);
        /* The row held the guest's personal data. */
        sodium_memzero(row, sizeof *row);
    }
    char where[32];
    snprintf(where, sizeof where, "records[%zu]", b->count - 1);
    if (!am_proto_record_check(r, where, why, whylen)) {
        /* Take it out again: the batch must hold only records it can send. */
        sodium_memzero(r, sizeof *r);
        b->count--;
        return false;
    }
    return true;
}

/* Settles every record the request was about in one transaction, with the
 * log entry. `pending_at` is the next try for records that go back. */
enum { SETTLE_QUARANTINE_ALL = 1, SETTLE_AUTH_FAILED = 2 };

static void settle_all(am_sync *s, batch_work *w, const sync_reply *reply, const char *outcome,
                       const char *detail, int64_t pending_at, unsigned flags)
{
    bool quarantine_all = flags & SETTLE_QUARANTINE_ALL;
    int64_t now = wall_now(s);
    int64_t synced = 0, quarantined = 0;
    for (int attempt = 0; attempt < 3; attempt++) {
        synced = quarantined = 0;
        am_rc rc = am_store_begin(s->store);
        for (int k = 0; rc == AM_OK && k < w->sent; k++) {
            const am_outbox_item *it = &w->items[w->sent_index[k]];
            const am_sync_verdict *v = &w->verdicts[k];
            if (quarantine_all) {
                rc = am_store_outbox_settle_item(s->store, it, AM_SYNC_QUARANTINED, 0, detail, now);
                quarantined++;
            } else if (v->answered && v->status != AM_PROTO_REJECTED) {
                rc = am_store_outbox_settle_item(s->store, it, AM_SYNC_SYNCED, 0, NULL, now);
                synced++;
            } else if (v->answered) {
                char why[AM_PROTO_REASON_MAX + 16];
                snprintf(why, sizeof why, "rejected: %s", v->reason);
                rc = am_store_outbox_settle_item(s->store, it, AM_SYNC_QUARANTINED, 0, why, now);
                quarantined++;
            } else {
                rc = am_store_outbox_settle_item(s->store, it, AM_SYNC_PENDING, pending_at, detail,
                                                 now);
            }
        }
        for (int i = 0; rc == AM_OK && i < w->count; i++) {
            if (!w->settled[i])
                continue;
            rc = am_store_outbox_settle_item(s->store, &w->items[i], AM_SYNC_QUARANTINED, 0,
                                             w->local_error[i], now);
            quarantined++;
        }
        if (rc == AM_OK && (flags & SETTLE_AUTH_FAILED))
            rc = auth_fail_record(s);
        if (rc == AM_OK) {
            log_attempt(s, now, w->count, reply, outcome, detail); /* joins the transaction */
            rc = am_store_commit(s->store);
        } else {
            am_store_rollback(s->store);
        }
        if (rc == AM_OK)
            break;
        am_log_warn(MOD, "cannot settle %d record(s): %s", w->count, am_store_errmsg(s->store));
        /* Records left inflight go back to pending at the next start. */
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    pthread_mutex_lock(&s->mu);
    s->status.sent_records += synced;
    s->status.quarantined_records += quarantined;
    pthread_mutex_unlock(&s->mu);
}

static double random_unit(void)
{
    return (double)randombytes_uniform(1u << 30) / (double)(1u << 30);
}

/* A retryable failure: records back to pending after the backoff. */
static void retry_later(am_sync *s, batch_work *w, const sync_reply *reply, const char *detail)
{
    int attempt = 0;
    for (int i = 0; i < w->count; i++)
        if (w->items[i].attempts > attempt)
            attempt = w->items[i].attempts;
    int64_t asked = reply ? am_sync_retry_after_ms(reply->retry_after, wall_now(s) / 1000) : -1;
    int64_t wait = am_sync_backoff_ms(attempt, s->backoff_base_ms, s->backoff_max_ms, asked,
                                      s->retry_after_max_ms, random_unit());
    int64_t at = wall_now(s) + wait;
    s->hold_until_ms = at;
    s->hold_from_server = asked >= 0;
    char text[256];
    snprintf(text, sizeof text, "%s%sretry in %lld ms%s", detail ? detail : "",
             detail && *detail ? "; " : "", (long long)wait, asked >= 0 ? " (Retry-After)" : "");
    settle_all(s, w, reply, "retry", text, at, 0);
    set_phase(s, AM_SYNC_BACKOFF);
}

static void error_reason(const sync_reply *reply, char *out, size_t outlen)
{
    am_sync_error_reason(reply->body, reply->len, out, outlen);
}

/* Claims up to batch_limit due records and reads them into a new batch *out,
 * in one write transaction: the records are inflight, durably, before
 * anything is sent, and the reads see the same snapshot as the claim. No
 * network I/O here. *count_out 0 and *out NULL when nothing is due. On a
 * store error nothing is claimed (the transaction rolled back). */
static am_rc claim_batch(am_sync *s, batch_work *w, int64_t now, am_proto_batch **out,
                         int *count_out)
{
    am_proto_batch *b = NULL;
    int count = 0;
    *out = NULL;
    *count_out = 0;
    am_rc rc = am_store_begin(s->store);
    if (rc)
        return rc;
    rc = am_store_outbox_claim(s->store, now, s->batch_limit, w->items, &count); /* joins */
    if (rc || count == 0) {
        am_store_rollback(s->store); /* nothing written */
        return rc;
    }
    w->count = count;
    am_proto_uuid_new(w->batch_id);
    b = am_proto_batch_new(s->kiosk, w->batch_id, (size_t)count);
    if (!b) {
        am_store_rollback(s->store);
        am_log_error(MOD, "out of memory building a batch");
        return AM_ERR_NOMEM;
    }
    w->sent = 0;
    for (int i = 0; i < count; i++) {
        am_rc store_rc;
        w->settled[i] = false;
        if (!add_record(s, w, b, &w->items[i], w->local_error[i], sizeof w->local_error[i],
                        &store_rc)) {
            if (store_rc) {
                am_log_warn(MOD, "cannot read a record to send: %s", am_store_errmsg(s->store));
                am_store_rollback(s->store);
                am_proto_batch_free(b);
                return store_rc;
            }
            am_log_warn(MOD, "record %.36s cannot be sent as kept: quarantined: %s",
                        w->items[i].uuid, w->local_error[i]);
            w->settled[i] = true;
            continue;
        }
        w->sent_index[w->sent] = i;
        snprintf(w->ids[w->sent], sizeof w->ids[w->sent], "%s", w->items[i].uuid);
        w->sent++;
    }
    rc = am_store_commit(s->store); /* rolls back itself on failure */
    if (rc) {
        am_proto_batch_free(b);
        return rc;
    }
    *out = b;
    *count_out = count;
    return AM_OK;
}

/* Sends the batch claim_batch built (and frees it), then settles. */
static void send_batch(am_sync *s, batch_work *w, am_proto_batch *b)
{
    char err[512], detail[256];
    char *body = NULL;
    sync_reply reply;
    memset(&reply, 0, sizeof reply);

    if (w->sent == 0) {
        settle_all(s, w, NULL, "quarantined", "records cannot be sent as kept", 0, 0);
        goto out;
    }
    body = am_proto_batch_encode(b, err, sizeof err);
    if (!body) {
        am_log_error(MOD, "cannot encode a batch: %s", err);
        goto store_trouble;
    }
    am_proto_batch_free(b); /* the body has it all; wipe the guest data now */
    b = NULL;

    memset(w->verdicts, 0, sizeof w->verdicts[0] * (size_t)w->sent);
    set_phase(s, AM_SYNC_SENDING);
    am_rc rc = sync_transport_post(s->transport, s->token, s->key, s->keylen, w->batch_id, body,
                                   strlen(body), &reply);
    sodium_memzero(body, strlen(body));
    if (rc == AM_ERR_IO && reply.aborted) {
        for (int k = 0; k < w->sent; k++)
            w->verdicts[k].answered = false;
        settle_all(s, w, &reply, "aborted", "sync stopped during the request", wall_now(s), 0);
        goto out;
    }
    if (rc) {
        retry_later(s, w, &reply, NULL);
        goto out;
    }
    if (am_sync_hub_disabled(reply.status, reply.body, reply.len)) {
        /* Not bad credentials and not bad records: they wait, and sync
         * resumes by itself once the hub enables the kiosk again. */
        retry_later(s, w, &reply, AM_SYNC_DISABLED_TEXT);
        goto out;
    }
    switch (am_sync_classify(reply.status)) {
    case AM_SYNC_CLASS_OK:
        if (am_sync_read_response(reply.body, reply.len, w->batch_id,
                                  (const char(*)[AM_PROTO_UUID_LEN + 1]) w->ids, (size_t)w->sent,
                                  w->verdicts, detail, sizeof detail) != AM_OK) {
            retry_later(s, w, &reply, detail);
            break;
        }
        int unanswered = 0, rejected = 0;
        for (int k = 0; k < w->sent; k++) {
            unanswered += !w->verdicts[k].answered;
            rejected += w->verdicts[k].answered && w->verdicts[k].status == AM_PROTO_REJECTED;
        }
        if (unanswered) {
            /* Settle what was answered; the rest goes again after a backoff. */
            snprintf(detail, sizeof detail, "%d record(s) without a result", unanswered);
            retry_later(s, w, &reply, detail);
            break;
        }
        if (rejected) {
            /* The first reason names the record and what the hub refused
             * (a field rule, a voucher key that does not match): enough
             * for a manager to act on, and never personal data. */
            const am_sync_verdict *first = NULL;
            int first_k = 0;
            for (int k = 0; k < w->sent && !first; k++) {
                if (w->verdicts[k].status == AM_PROTO_REJECTED) {
                    first = &w->verdicts[k];
                    first_k = k;
                }
            }
            snprintf(detail, sizeof detail,
                     "%d record(s) rejected by the hub: quarantined; first (%s): %.160s", rejected,
                     am_record_kind_name(w->items[w->sent_index[first_k]].kind),
                     first ? first->reason : "");
        } else {
            detail[0] = '\0';
        }
        settle_all(s, w, &reply, "ok", detail, 0, 0);
        s->hold_until_ms = 0;
        s->hold_from_server = false;
        set_phase(s, AM_SYNC_IDLE);
        break;
    case AM_SYNC_CLASS_RETRY: {
        char reason[200];
        error_reason(&reply, reason, sizeof reason);
        if (reply.status >= 300 && reply.status < 400)
            snprintf(detail, sizeof detail, "redirect not followed");
        else
            snprintf(detail, sizeof detail, "%s", reason);
        retry_later(s, w, &reply, detail);
        break;
    }
    case AM_SYNC_CLASS_SPLIT:
        if (w->sent > 1) {
            s->batch_limit = w->sent / 2;
            snprintf(detail, sizeof detail, "batch too large for the hub: next batches of %d",
                     s->batch_limit);
            settle_all(s, w, &reply, "split", detail, wall_now(s), 0);
        } else {
            snprintf(detail, sizeof detail, "record too large for the hub (HTTP 413)");
            settle_all(s, w, &reply, "quarantined", detail, 0, SETTLE_QUARANTINE_ALL);
        }
        break;
    case AM_SYNC_CLASS_AUTH: {
        auth_fail_begin(s, &reply);
        snprintf(detail, sizeof detail, "sync auth failed: %.200s", s->auth_reason);
        settle_all(s, w, &reply, "auth_failed", detail, wall_now(s), SETTLE_AUTH_FAILED);
        break;
    }
    case AM_SYNC_CLASS_QUARANTINE: {
        char reason[200];
        error_reason(&reply, reason, sizeof reason);
        snprintf(detail, sizeof detail, "HTTP %ld: %s", reply.status, reason);
        if (!am_sync_refusal_is_final(reply.status, reply.body, reply.len)) {
            /* Not the hub refusing these records: never a quarantine. */
            retry_later(s, w, &reply, detail);
            break;
        }
        settle_all(s, w, &reply, "quarantined", detail, 0, SETTLE_QUARANTINE_ALL);
        set_phase(s, AM_SYNC_IDLE);
        break;
    }
    }
    goto out;

store_trouble:
    /* Nothing was sent: every claimed record goes back as it was. */
    for (int k = 0; k < w->sent; k++)
        w->verdicts[k].answered = false;
    for (int i = 0; i < w->count; i++)
        w->settled[i] = false;
    w->sent = w->count;
    for (int i = 0; i < w->count; i++)
        w->sent_index[i] = i;
    s->hold_until_ms = wall_now(s) + STORE_RETRY_MS;
    s->hold_from_server = false;
    settle_all(s, w, NULL, "store_error", am_store_errmsg(s->store), s->hold_until_ms, 0);
out:
    free(body);
    am_proto_batch_free(b);
    sync_reply_clear(&reply);
}

/* The heartbeat's interval now: fast while a guest waits for staff. */
static int64_t heartbeat_every(const am_sync *s)
{
    if (s->waiting_seen && (s->heartbeat_ms <= 0 || s->heartbeat_ms > AM_SYNC_WAITING_HEARTBEAT_MS))
        return AM_SYNC_WAITING_HEARTBEAT_MS;
    return s->heartbeat_ms;
}

/* Keeps what the hub's answer says of this kiosk's urgent cases, one line
 * each (journey, state, by, team; tabs between), in the store's meta
 * "hub_cases" for the screen to read; written only when it changed. */
static void keep_hub_cases(am_sync *s, const char *body, size_t len)
{
    am_proto_case cases[AM_PROTO_MAX_CASES];
    size_t n = am_proto_response_cases(body, len, cases, AM_PROTO_MAX_CASES);
    char text[sizeof s->hub_cases] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        for (char *p = cases[i].by; *p; p++)
            *p = (*p == '\t' || *p == '\n') ? ' ' : *p;
        for (char *p = cases[i].team; *p; p++)
            *p = (*p == '\t' || *p == '\n') ? ' ' : *p;
        int w = snprintf(text + used, sizeof text - used, "%s\t%s\t%s\t%s\n", cases[i].journey,
                         cases[i].state, cases[i].by, cases[i].team);
        if (w < 0 || (size_t)w >= sizeof text - used)
            break;
        used += (size_t)w;
    }
    if (!strcmp(text, s->hub_cases))
        return;
    if (am_store_meta_set(s->store, "hub_cases", text) != AM_OK) {
        am_log_warn(MOD, "cannot keep the hub's word on urgent cases: %s",
                    am_store_errmsg(s->store));
        return;
    }
    memcpy(s->hub_cases, text, sizeof text);
}

/* --- heartbeat ---------------------------------------------------------------------------- */

static void send_heartbeat(am_sync *s)
{
    char batch_id[AM_PROTO_UUID_LEN + 1], err[256], detail[256];
    char ids[1][AM_PROTO_UUID_LEN + 1];
    am_sync_verdict verdict;
    am_store_status st;
    sync_reply reply;
    char *body = NULL;
    memset(&reply, 0, sizeof reply);

    if (am_store_get_status(s->store, &st) != AM_OK) {
        am_log_warn(MOD, "heartbeat: cannot read the store: %s", am_store_errmsg(s->store));
        return;
    }
    am_proto_uuid_new(batch_id);
    am_proto_batch *b = am_proto_batch_new(s->kiosk, batch_id, 1);
    am_proto_record *r = b ? am_proto_batch_add(b, AM_PROTO_HEARTBEAT) : NULL;
    if (!r)
        goto out;
    am_proto_uuid_new(r->id);
    snprintf(ids[0], sizeof ids[0], "%s", r->id);
    am_proto_heartbeat *hb = &r->u.heartbeat;
    hb->sent_at = wall_now(s);
    hb->pending = st.pending + st.inflight;
    hb->quarantined = st.quarantined;
    /* Our own ASCII messages; cut to the protocol's cap. */
    snprintf(hb->last_error, AM_PROTO_LAST_ERROR + 1, "%.*s", AM_PROTO_LAST_ERROR, st.last_error);
    snprintf(hb->version, sizeof hb->version, "%s", s->version);
    hb->uptime_s = (mono_now(s) - s->started_mono_ms) / 1000;
    if (s->budget_currency[0]) {
        int64_t spent = 0;
        int offers = 0;
        if (am_store_spend(s->store, am_local_day_start_ms(hb->sent_at), hb->sent_at - 3600 * 1000,
                           &spent, &offers) == AM_OK) {
            hb->has_budget = true;
            snprintf(hb->budget_currency, sizeof hb->budget_currency, "%s", s->budget_currency);
            hb->budget_daily_minor = s->budget_daily_minor;
            hb->budget_hourly_offers = s->budget_hourly_offers;
            hb->spent_today_minor = spent;
            hb->offers_last_hour = offers;
        } else {
            /* Health still goes out; the hub keeps its note for no budget. */
            am_log_warn(MOD, "heartbeat: cannot read today's spend: %s", am_store_errmsg(s->store));
        }
    }
    body = am_proto_batch_encode(b, err, sizeof err);
    if (!body) {
        am_log_warn(MOD, "heartbeat: cannot encode: %s", err);
        goto out;
    }
    am_rc rc = sync_transport_post(s->transport, s->token, s->key, s->keylen, batch_id, body,
                                   strlen(body), &reply);
    int64_t now = wall_now(s);
    if (rc) {
        log_attempt(s, now, 0, &reply, reply.aborted ? "aborted" : "heartbeat_failed", "heartbeat");
        goto out;
    }
    am_sync_class cls = am_sync_classify(reply.status);
    if (am_sync_hub_disabled(reply.status, reply.body, reply.len)) {
        log_attempt(s, now, 0, &reply, "heartbeat_failed", "heartbeat: " AM_SYNC_DISABLED_TEXT);
    } else if (cls == AM_SYNC_CLASS_AUTH) {
        auth_fail_begin(s, &reply);
        snprintf(detail, sizeof detail, "sync auth failed: %.200s", s->auth_reason);
        am_rc arc = am_store_begin(s->store);
        if (arc == AM_OK)
            arc = auth_fail_record(s);
        if (arc == AM_OK) {
            log_attempt(s, now, 0, &reply, "auth_failed", detail); /* joins the transaction */
            arc = am_store_commit(s->store);
        } else {
            am_store_rollback(s->store);
        }
        if (arc != AM_OK)
            am_log_warn(MOD, "cannot record the auth failure: %s", am_store_errmsg(s->store));
    } else if (cls == AM_SYNC_CLASS_OK &&
               am_sync_read_response(reply.body, reply.len, batch_id,
                                     (const char(*)[AM_PROTO_UUID_LEN + 1]) ids, 1, &verdict, err,
                                     sizeof err) == AM_OK &&
               verdict.answered && verdict.status != AM_PROTO_REJECTED) {
        log_attempt(s, now, 0, &reply, "ok", "heartbeat");
        keep_hub_cases(s, reply.body, reply.len);
    } else {
        char reason[200];
        error_reason(&reply, reason, sizeof reason);
        snprintf(detail, sizeof detail, "heartbeat: %s", reason);
        log_attempt(s, now, 0, &reply, "heartbeat_failed", detail);
    }
out:
    free(body);
    am_proto_batch_free(b);
    sync_reply_clear(&reply);
}

/* --- the thread ---------------------------------------------------------------------------- */

/* Sleeps until deadline_mono (INT64_MAX: until woken) or a request. */
static void wait_until(am_sync *s, int64_t deadline_mono)
{
    pthread_mutex_lock(&s->mu);
    while (!s->stop_req && !s->wake_req && !s->now_req && !s->waiting_req) {
        if (deadline_mono != INT64_MAX && mono_now(s) >= deadline_mono)
            break;
        s->clock.wait(s->clock.ctx, &s->cond, &s->mu, deadline_mono);
    }
    pthread_mutex_unlock(&s->mu);
}

static void *worker_main(void *arg)
{
    am_sync *s = arg;
    batch_work *w = calloc(1, sizeof *w);
    if (!w) {
        am_log_error(MOD, "out of memory: the sync worker cannot run");
        set_phase(s, AM_SYNC_STOPPED);
        return NULL;
    }
    auth_check(s);
    s->next_heartbeat_mono = mono_now(s); /* one at start: the hub sees us at once */
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool stop = s->stop_req, woken = s->wake_req, manager = s->now_req;
        bool waiting = s->waiting;
        s->waiting_req = false;
        s->wake_req = s->now_req = false;
        pthread_mutex_unlock(&s->mu);
        if (stop)
            break;
        /* A guest began to wait: a heartbeat now, then often. */
        if (waiting && !s->waiting_seen)
            s->next_heartbeat_mono = mono_now(s);
        s->waiting_seen = waiting;
        if (manager) {
            char err[512];
            if (load_credentials(s, err, sizeof err) != AM_OK)
                am_log_warn(MOD, "keeping the old credentials: %s", err);
            auth_clear(s, "a manager asked to sync now");
            s->hold_until_ms = 0;
            s->hold_from_server = false;
            if (am_store_outbox_retry_now(s->store, NULL) != AM_OK)
                am_log_warn(MOD, "cannot make waiting records due: %s", am_store_errmsg(s->store));
        } else if (woken && !s->hold_from_server) {
            s->hold_until_ms = 0;
        }
        if (s->auth_failed) {
            if (woken) {
                char err[512];
                if (load_credentials(s, err, sizeof err) == AM_OK)
                    auth_check(s);
            }
            if (s->auth_failed) {
                wait_until(s, INT64_MAX);
                continue;
            }
        }
        int64_t now = wall_now(s);
        bool sent = false;
        if (now >= s->hold_until_ms) {
            int count = 0;
            am_proto_batch *b = NULL;
            if (claim_batch(s, w, now, &b, &count) != AM_OK) {
                am_log_warn(MOD, "cannot claim records: %s", am_store_errmsg(s->store));
                s->hold_until_ms = now + STORE_RETRY_MS;
                s->hold_from_server = false;
                log_attempt(s, wall_now(s), 0, NULL, "store_error", am_store_errmsg(s->store));
            } else if (count > 0) {
                send_batch(s, w, b);
                sent = true;
            } else if (s->status.phase == AM_SYNC_BACKOFF) {
                set_phase(s, AM_SYNC_IDLE);
            }
        }
        /* The heartbeat keeps its interval while a backlog drains: it goes
         * between two batches when due. Alerts still go first: each batch
         * claims the waiting alerts before anything else, and a heartbeat
         * follows a batch, never precedes the first one. */
        int64_t beat_ms = heartbeat_every(s);
        if (beat_ms > 0 && mono_now(s) >= s->next_heartbeat_mono &&
            wall_now(s) >= s->hold_until_ms) {
            send_heartbeat(s);
            s->next_heartbeat_mono = mono_now(s) + beat_ms;
            continue;
        }
        if (sent)
            continue;
        /* Sleep until the first of: a record due, the hold, the heartbeat. */
        int64_t next_due = INT64_MAX;
        if (am_store_outbox_next_due(s->store, &next_due) != AM_OK)
            next_due = wall_now(s) + STORE_RETRY_MS;
        if (next_due < s->hold_until_ms)
            next_due = s->hold_until_ms;
        int64_t deadline = INT64_MAX;
        if (next_due != INT64_MAX) {
            int64_t in = next_due - wall_now(s);
            deadline = mono_now(s) + (in > 0 ? in : 0);
        }
        if (beat_ms > 0) {
            /* A heartbeat also waits for the hold to pass. */
            int64_t beat = s->next_heartbeat_mono;
            int64_t hold_in = s->hold_until_ms - wall_now(s);
            if (hold_in > 0 && mono_now(s) + hold_in > beat)
                beat = mono_now(s) + hold_in;
            if (beat < deadline)
                deadline = beat;
        }
        wait_until(s, deadline);
    }
    set_phase(s, AM_SYNC_STOPPED);
    sodium_memzero(w, sizeof *w);
    free(w);
    return NULL;
}

/* --- start, wake, stop ----------------------------------------------------------------------- */

static void sync_free(am_sync *s)
{
    if (!s)
        return;
    sync_transport_free(s->transport);
    am_store_close(s->store);
    if (s->have_cond)
        pthread_cond_destroy(&s->cond);
    if (s->have_mu)
        pthread_mutex_destroy(&s->mu);
    sodium_memzero(s, sizeof *s);
    free(s);
}

/* A refusal at start also goes to the sync log, so a manager sees why
 * nothing is synced. Best effort: the store may be what failed. */
static void log_refusal(const am_sync *s, const char *data_dir, const char *reason)
{
    char err[256];
    am_store *st = NULL;
    if (!data_dir || am_store_open(data_dir, AM_STORE_READWRITE, wall_now(s), &st, err, sizeof err))
        return;
    am_sync_log_entry e;
    memset(&e, 0, sizeof e);
    e.at_ms = wall_now(s);
    snprintf(e.outcome, sizeof e.outcome, "refused");
    snprintf(e.transport, sizeof e.transport, "%.159s", reason);
    snprintf(e.detail, sizeof e.detail, "%.255s", reason);
    am_store_sync_log_add(st, &e);
    am_store_close(st);
}

static bool copy_opt(char *dst, size_t dstlen, const char *src)
{
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= dstlen)
        return false;
    memcpy(dst, src, n + 1);
    return true;
}

am_rc am_sync_start(const am_sync_options *opt, am_sync **out, char *err, size_t errlen)
{
    am_sync *s = NULL;
    am_rc rc = AM_ERR;
    bool refused = false; /* a bad option (logged to the sync log), not this machine failing */
    char why[512];
    char user_agent[64];
    pthread_condattr_t ca;

    if (!out || !opt || !opt->data_dir) {
        snprintf(err, errlen, "sync: no options");
        return AM_ERR_INVALID;
    }
    *out = NULL;
    /* The heartbeat reads local time in this thread; set glibc's time
     * zone up once here, before the thread exists (see clock.h). */
    tzset();
    if (sodium_init() < 0) {
        snprintf(why, sizeof why, "libsodium cannot start");
        goto out;
    }
    /* Before any thread of ours exists; safe to call more than once. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(why, sizeof why, "libcurl cannot start");
        goto out;
    }
    s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(why, sizeof why, "out of memory");
        rc = AM_ERR_NOMEM;
        goto out;
    }
    atomic_init(&s->stop, false);
    s->have_mu = pthread_mutex_init(&s->mu, NULL) == 0;
    if (pthread_condattr_init(&ca) == 0) {
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        s->have_cond = pthread_cond_init(&s->cond, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    if (!s->have_mu || !s->have_cond) {
        snprintf(why, sizeof why, "cannot start the worker thread");
        goto out;
    }

    refused = true;
    rc = AM_ERR_CONFIG;
    s->clock = opt->clock ? *opt->clock : real_clock;
    if (!s->clock.wall_ms || !s->clock.mono_ms || !s->clock.wait) {
        s->clock = real_clock; /* for the refusal's time */
        snprintf(why, sizeof why, "the clock given has no wall_ms, mono_ms or wait");
        goto out;
    }
    if (!copy_opt(s->data_dir, sizeof s->data_dir, opt->data_dir) ||
        !copy_opt(s->kiosk, sizeof s->kiosk, opt->kiosk_id) ||
        !copy_opt(s->url, sizeof s->url, opt->url) ||
        !copy_opt(s->token_file, sizeof s->token_file, opt->token_file) ||
        !copy_opt(s->secret_file, sizeof s->secret_file, opt->secret_file) ||
        !copy_opt(s->version, sizeof s->version, opt->version ? opt->version : AM_VERSION)) {
        snprintf(why, sizeof why, "a sync option is too long");
        goto out;
    }
    if (!am_proto_kiosk_id_valid(s->kiosk)) {
        snprintf(why, sizeof why, "kiosk id '%.64s' is not [A-Za-z0-9._-]{1,64}", s->kiosk);
        goto out;
    }
    if (opt->batch < 1 || opt->batch > AM_PROTO_MAX_RECORDS) {
        snprintf(why, sizeof why, "sync.batch %d: must be 1 to %d", opt->batch,
                 AM_PROTO_MAX_RECORDS);
        goto out;
    }
    s->batch_max = s->batch_limit = opt->batch;
    s->heartbeat_ms = opt->heartbeat_s > 0 ? (int64_t)opt->heartbeat_s * 1000 : 0;
    if (opt->budget_currency && opt->budget_currency[0]) {
        const char *cur = opt->budget_currency;
        if (strlen(cur) != 3 || cur[0] < 'A' || cur[0] > 'Z' || cur[1] < 'A' || cur[1] > 'Z' ||
            cur[2] < 'A' || cur[2] > 'Z' || opt->budget_daily_minor < 0 ||
            opt->budget_daily_minor > AM_PROTO_MAX_VALUE || opt->budget_hourly_offers < 0) {
            snprintf(why, sizeof why, "budget '%.8s' %lld/day, %d/hour: not a budget to report",
                     cur, (long long)opt->budget_daily_minor, opt->budget_hourly_offers);
            goto out;
        }
        memcpy(s->budget_currency, cur, 4);
        s->budget_daily_minor = opt->budget_daily_minor;
        s->budget_hourly_offers = opt->budget_hourly_offers;
    }
    s->backoff_base_ms = opt->backoff_base_ms > 0 ? opt->backoff_base_ms : 1000;
    s->backoff_max_ms = opt->backoff_max_ms > 0 ? opt->backoff_max_ms : 300000;
    s->retry_after_max_ms = opt->retry_after_max_ms > 0 ? opt->retry_after_max_ms : 3600000;
    s->started_mono_ms = mono_now(s);
    while (strlen(s->url) > 0 && s->url[strlen(s->url) - 1] == '/')
        s->url[strlen(s->url) - 1] = '\0';
    if (!sync_url_allowed(s->url, why, sizeof why))
        goto out;
    rc = load_credentials(s, why, sizeof why);
    if (rc)
        goto out;
    snprintf(user_agent, sizeof user_agent, "amends-kiosk/%s", s->version);
    sync_transport_options topt = {
        .base_url = s->url,
        .ca_file = opt->ca_file,
        .pin = opt->pin,
        .user_agent = user_agent,
        .connect_timeout_s = opt->connect_timeout_s,
        .low_speed_time_s = opt->low_speed_time_s,
        .request_timeout_s = opt->request_timeout_s,
        .stop = &s->stop,
    };
    s->transport = sync_transport_new(&topt, why, sizeof why);
    if (!s->transport) {
        rc = AM_ERR_CONFIG;
        goto out;
    }

    refused = false;
    rc = am_store_open(s->data_dir, AM_STORE_READWRITE, wall_now(s), &s->store, why, sizeof why);
    if (rc)
        goto out;
    if (pthread_create(&s->thread, NULL, worker_main, s) != 0) {
        snprintf(why, sizeof why, "cannot start the worker thread");
        rc = AM_ERR;
        goto out;
    }
    am_log_info(MOD, "worker started: %s, batches of %d, heartbeat every %d s", s->url,
                s->batch_max, opt->heartbeat_s);
    *out = s;
    s = NULL;

out:
    if (rc) {
        snprintf(err, errlen, "sync: %.400s", why);
        if (refused) {
            am_log_error(MOD, "not started: %s", why);
            log_refusal(s, opt->data_dir, why);
        }
    }
    sync_free(s);
    return rc;
}

static void request(am_sync *s, bool *flag)
{
    pthread_mutex_lock(&s->mu);
    *flag = true;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->mu);
}

void am_sync_wake(am_sync *s)
{
    if (s)
        request(s, &s->wake_req);
}

void am_sync_set_waiting(am_sync *s, bool waiting)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->mu);
    if (s->waiting != waiting) {
        s->waiting = waiting;
        s->waiting_req = true;
        pthread_cond_signal(&s->cond);
    }
    pthread_mutex_unlock(&s->mu);
}

void am_sync_now(am_sync *s)
{
    if (s)
        request(s, &s->now_req);
}

void am_sync_stop(am_sync *s)
{
    if (!s)
        return;
    atomic_store(&s->stop, true);
    request(s, &s->stop_req);
    pthread_join(s->thread, NULL);
    am_log_info(MOD, "worker stopped");
    sync_free(s);
}
