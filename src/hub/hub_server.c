/* hub_server.c — HTTP(S) handling for amends-hub.
 *
 * libmicrohttpd calls on_request several times per request: once when the
 * headers are in (authentication, rate limit and the size cap are decided
 * there, before any body is read), once per piece of body, and once more
 * when the body is complete (the actual work). Every refusal carries the
 * JSON error body {"error": CODE, "reason": TEXT}.
 */
#include "hub_server.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "amends/buf.h"
#include "amends/clock.h"
#include "amends/csv.h"
#include "amends/log.h"
#include "amends/proto.h"
#include "amends/version.h"
#include "amends/voucher.h"
#include "amends/webhook.h"
#include "dashboard.h"
#include "hub_auth.h"

#define MOD           "http"
#define DEFAULT_LIMIT 1000
#define MAX_LIMIT     10000
/* webhook-ids are remembered twice as long as a timestamp stays valid, so a
 * replay cannot outlive the memory of its id. */
#define WEBHOOK_KEEP_MS (2 * AM_WEBHOOK_TOLERANCE_S * 1000)

/* GnuTLS priorities for HTTPS: TLS 1.3 and 1.2 only; key exchange by ECDHE
 * only (forward secrecy); AES-GCM and ChaCha20-Poly1305 only (AEAD, so no
 * CBC and no SHA-1 MAC); the server's order, strongest first, whatever the
 * client prefers. tests/hub/test_hub_tls.c checks it with sslscan. */
#define HUB_TLS_PRIORITIES                                                                         \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:"                  \
    "-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:-MAC-ALL:+AEAD:%SERVER_PRECEDENCE"

struct hub_server {
    const hub_config *cfg;
    hub_db *db;
    hub_rate *rate;
    hub_rate *voucher_fail; /* failed voucher checks, per person */
    hub_dash *dash;
    struct MHD_Daemon *daemon;
    char *cert_pem;
    char *key_pem;
    uint16_t port;
    atomic_int in_flight;
    atomic_bool draining;
};

typedef enum route {
    R_NONE = 0,
    R_INGEST,
    R_KIOSKS,
    R_INGEST_LOG,
    R_FEEDBACK,
    R_FOLLOWUPS,
    R_ALERTS,
    R_ALERT_ACK,
    R_VOUCHER,
    R_VOUCHER_REDEEM,
    R_LOGIN_LINK,
    R_ME,
    R_DASHBOARD, /* the HTML pages (dashboard.c); other paths stay 404 */
} route;

typedef struct request {
    route route;
    char path_id[AM_KIOSK_ID_MAX + AM_PROTO_UUID_LEN]; /* {id} from the path */
    bool answered;                                     /* response already queued */
    bool too_large;
    am_buf body;       /* guest text: capped, wiped when it grows or goes */
    hub_kiosk kiosk;   /* R_INGEST: the kiosk the token belongs to */
    hub_person person; /* the manager API: the token's owner, their role and scope */
} request;

/* --- responses ----------------------------------------------------------------- */

static enum MHD_Result send_body(struct MHD_Connection *conn, unsigned status, char *body,
                                 const char *content_type, const char *h1, const char *v1,
                                 const char *h2, const char *v2)
{
    if (!body)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (h1)
        MHD_add_response_header(resp, h1, v1);
    if (h2)
        MHD_add_response_header(resp, h2, v2);
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, unsigned status, char *body)
{
    return send_body(conn, status, body, "application/json", NULL, NULL, NULL, NULL);
}

static enum MHD_Result send_error_h(struct MHD_Connection *conn, unsigned status, const char *code,
                                    const char *h1, const char *v1, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static enum MHD_Result send_error_h(struct MHD_Connection *conn, unsigned status, const char *code,
                                    const char *h1, const char *v1, const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return send_body(conn, status, am_proto_error_encode(code, reason), "application/json", h1, v1,
                     NULL, NULL);
}

#define send_error(conn, status, code, ...)                                                        \
    send_error_h(conn, status, code, NULL, NULL, __VA_ARGS__)

static enum MHD_Result send_cjson(struct MHD_Connection *conn, cJSON *root)
{
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return send_error(conn, 500, "internal", "out of memory");
    return send_json(conn, 200, text);
}

static enum MHD_Result send_db_error(struct MHD_Connection *conn, am_rc rc)
{
    if (rc == AM_ERR_BUSY)
        return send_error_h(conn, 503, "busy", MHD_HTTP_HEADER_RETRY_AFTER, "1",
                            "the database is busy: try again");
    return send_error(conn, 500, "internal", "storage failed (%s); see the hub's log",
                      am_rc_str(rc));
}

/* --- routing --------------------------------------------------------------------- */

static bool segment(const char *s, size_t n, char *out, size_t outlen)
{
    if (n == 0 || n >= outlen)
        return false;
    memcpy(out, s, n);
    out[n] = '\0';
    return true;
}

static route match(const char *url, char *id, size_t idlen)
{
    if (!strcmp(url, "/v1/ingest"))
        return R_INGEST;
    if (!strcmp(url, "/v1/kiosks"))
        return R_KIOSKS;
    if (!strcmp(url, "/v1/feedback"))
        return R_FEEDBACK;
    if (!strcmp(url, "/v1/followups"))
        return R_FOLLOWUPS;
    if (!strcmp(url, "/v1/alerts"))
        return R_ALERTS;
    if (!strcmp(url, "/v1/login-link"))
        return R_LOGIN_LINK;
    if (!strcmp(url, "/v1/me"))
        return R_ME;
    if (!strcmp(url, "/") || !strcmp(url, "/login") || !strcmp(url, "/logout") ||
        !strncmp(url, "/login/once/", 12) || !strncmp(url, "/kiosks/", 8) ||
        !strncmp(url, "/alerts/", 8))
        return R_DASHBOARD;
    if (!strncmp(url, "/v1/kiosks/", 11)) {
        const char *rest = url + 11;
        const char *slash = strchr(rest, '/');
        if (slash && !strcmp(slash, "/ingest-log") &&
            segment(rest, (size_t)(slash - rest), id, idlen))
            return R_INGEST_LOG;
    }
    if (!strncmp(url, "/v1/alerts/", 11)) {
        const char *rest = url + 11;
        const char *slash = strchr(rest, '/');
        if (slash && !strcmp(slash, "/ack") && segment(rest, (size_t)(slash - rest), id, idlen))
            return R_ALERT_ACK;
    }
    if (!strncmp(url, "/v1/vouchers/", 13)) {
        const char *rest = url + 13;
        const char *slash = strchr(rest, '/');
        if (!slash && segment(rest, strlen(rest), id, idlen))
            return R_VOUCHER;
        if (slash && !strcmp(slash, "/redeem") && segment(rest, (size_t)(slash - rest), id, idlen))
            return R_VOUCHER_REDEEM;
    }
    return R_NONE;
}

static const char *route_method(route r)
{
    return (r == R_INGEST || r == R_ALERT_ACK || r == R_VOUCHER_REDEEM || r == R_LOGIN_LINK)
               ? "POST"
               : "GET";
}

/* The route's row in the role table (hub_roles.h). */
static const char *route_action(route r)
{
    switch (r) {
    case R_KIOSKS:
        return "GET /v1/kiosks";
    case R_INGEST_LOG:
        return "GET /v1/kiosks/{id}/ingest-log";
    case R_FEEDBACK:
        return "GET /v1/feedback";
    case R_FOLLOWUPS:
        return "GET /v1/followups";
    case R_ALERTS:
        return "GET /v1/alerts";
    case R_ALERT_ACK:
        return "POST /v1/alerts/{id}/ack";
    case R_VOUCHER:
        return "GET /v1/vouchers/{code}";
    case R_VOUCHER_REDEEM:
        return "POST /v1/vouchers/{code}/redeem";
    case R_LOGIN_LINK:
        return "POST /v1/login-link";
    case R_ME:
        return "GET /v1/me";
    case R_NONE:
    case R_INGEST:
    case R_DASHBOARD:
    default:
        return ""; /* in no row: refused to every person */
    }
}

static enum MHD_Result forbidden(struct MHD_Connection *conn, const hub_person *p,
                                 const char *action, const char *site)
{
    am_log_warn(MOD, "%s %s: %s refused%s%s", hub_role_name(p->role), p->name, action,
                site ? " at site " : "", site ? site : "");
    if (site)
        return send_error(conn, 403, "forbidden", "%s %s may not %s at site %s",
                          hub_role_name(p->role), p->name, action, site);
    return send_error(conn, 403, "forbidden", "the %s role may not %s", hub_role_name(p->role),
                      action);
}

/* --- authentication -------------------------------------------------------------- */

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result unauthorized(struct MHD_Connection *conn, const char *reason)
{
    return send_error_h(conn, 401, "unauthorized", MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                        "Bearer realm=\"amends-hub\"", "%s", reason);
}

static enum MHD_Result ingest_refuse(hub_server *s, struct MHD_Connection *conn, request *req,
                                     const char *batch, unsigned status, const char *code,
                                     const char *reason)
{
    am_log_warn(MOD, "kiosk %s: ingest refused (%u %s)", req->kiosk.id, status, code);
    hub_db_ingest_log(s->db, req->kiosk.id, batch, am_wall_ms(), (int)status, reason);
    return send_error(conn, status, code, "%s", reason);
}

/* Decides what can be decided from the headers alone. Returns true when a
 * response has been queued (the request is refused). */
static bool on_headers(hub_server *s, struct MHD_Connection *conn, request *req,
                       enum MHD_Result *ret)
{
    char hash[HUB_HASH_HEX];
    const char *token = hub_bearer(header(conn, MHD_HTTP_HEADER_AUTHORIZATION));
    if (req->route == R_INGEST) {
        const char *length = header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length) {
            char *end = NULL;
            errno = 0;
            unsigned long long n = strtoull(length, &end, 10);
            if (errno || !end || *end) {
                *ret = send_error(conn, 400, "bad_batch", "Content-Length is not a number");
                return true;
            }
            if (n > s->cfg->max_body_bytes) {
                /* Refuse before the body when the client waits for "100
                 * Continue", or when the body is absurd; otherwise read
                 * and drop it so that the 413 reaches a client that is
                 * still sending (closing on it would look like a network
                 * error, which it would retry instead of splitting). */
                const char *expect = header(conn, MHD_HTTP_HEADER_EXPECT);
                if ((expect && !strcasecmp(expect, "100-continue")) ||
                    n > 4 * (unsigned long long)s->cfg->max_body_bytes) {
                    *ret = send_error(conn, 413, "too_large",
                                      "body larger than %zu bytes: split the batch",
                                      s->cfg->max_body_bytes);
                    return true;
                }
                req->too_large = true;
            }
        }
        if (!token) {
            *ret = unauthorized(conn, "Authorization: Bearer <kiosk token> is missing");
            return true;
        }
        hub_token_hash(token, hash);
        am_rc rc = hub_db_kiosk_by_token(s->db, hash, am_wall_ms(), &req->kiosk);
        if (rc == AM_ERR_NOTFOUND) {
            am_log_warn(MOD, "ingest refused: unknown kiosk token");
            *ret = unauthorized(conn, "kiosk token not recognised");
            return true;
        }
        if (rc) {
            *ret = send_db_error(conn, rc);
            return true;
        }
        if (req->kiosk.disabled) {
            /* A code of its own, so that the kiosk keeps its records
             * waiting instead of taking this for bad credentials. */
            *ret = ingest_refuse(s, conn, req, NULL, 403, "kiosk_disabled",
                                 "this kiosk is disabled at the hub: its records wait on the "
                                 "kiosk until an operator enables it (amends-hub kiosk enable)");
            return true;
        }
        int retry_s;
        if (!hub_rate_take(s->rate, req->kiosk.id, am_wall_ms(), &retry_s)) {
            char value[16];
            snprintf(value, sizeof value, "%d", retry_s);
            am_log_warn(MOD, "kiosk %s: rate limited for %d s", req->kiosk.id, retry_s);
            hub_db_ingest_log(s->db, req->kiosk.id, NULL, am_wall_ms(), 429, "rate limited");
            *ret = send_error_h(conn, 429, "rate_limited", MHD_HTTP_HEADER_RETRY_AFTER, value,
                                "more than %d requests a minute from kiosk %s: retry after %d s",
                                s->cfg->rate_per_minute, req->kiosk.id, retry_s);
            return true;
        }
        return false;
    }
    /* The manager API: a manager token, never a kiosk one. */
    if (!token) {
        *ret = unauthorized(conn, "Authorization: Bearer <manager token> is missing");
        return true;
    }
    hub_token_hash(token, hash);
    am_rc rc = hub_db_person_by_token(s->db, hash, &req->person);
    if (rc == AM_ERR_NOTFOUND) {
        am_log_warn(MOD, "manager API refused: unknown manager token");
        *ret = unauthorized(conn, "manager token not recognised");
        return true;
    }
    if (rc) {
        *ret = send_db_error(conn, rc);
        return true;
    }
    /* The role table, before any body or query is looked at. */
    if (hub_access_of(&req->person, route_action(req->route)) == HUB_ACCESS_NO) {
        *ret = forbidden(conn, &req->person, route_action(req->route), NULL);
        return true;
    }
    return false;
}

/* A voucher record is kept only when its code is what the kiosk's voucher
 * key makes for its serial: a kiosk token alone cannot plant codes. */
static void check_vouchers(hub_server *s, const request *req, am_proto_batch *b)
{
    am_voucher_key key;
    am_rc key_rc = AM_ERR_NOTFOUND;
    bool loaded = false;
    for (size_t i = 0; i < b->count; i++) {
        am_proto_record *r = &b->records[i];
        if (!r->valid || r->kind != AM_PROTO_VOUCHER)
            continue;
        if (!loaded) {
            key_rc = hub_db_voucher_key(s->db, req->kiosk.id, &key);
            loaded = true;
        }
        am_voucher_code code;
        char why[96] = "not in canonical form";
        if (key_rc == AM_ERR_NOTFOUND) {
            snprintf(r->reason, sizeof r->reason,
                     "records[%zu]: the hub has no voucher key for this kiosk "
                     "(amends-hub kiosk voucher-key ID)",
                     i);
        } else if (key_rc) {
            snprintf(r->reason, sizeof r->reason,
                     "records[%zu]: the hub could not read this kiosk's voucher key", i);
        } else if (am_voucher_parse(r->u.voucher.code, &code, why, sizeof why) != AM_OK ||
                   strcmp(code.text, r->u.voucher.code) != 0) {
            snprintf(r->reason, sizeof r->reason, "records[%zu].code: %s", i, why);
        } else if (!am_voucher_authentic(&key, req->kiosk.id, r->u.voucher.serial, &code)) {
            snprintf(r->reason, sizeof r->reason,
                     "records[%zu].code: not made with this kiosk's voucher key for serial %lld", i,
                     (long long)r->u.voucher.serial);
        } else {
            continue;
        }
        r->valid = false;
        am_log_warn(MOD, "kiosk %s: voucher record %zu rejected", req->kiosk.id, i);
    }
    if (loaded)
        am_voucher_key_wipe(&key);
}

static enum MHD_Result handle_ingest(hub_server *s, struct MHD_Connection *conn, request *req)
{
    char reason[512];
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen = 0;
    am_proto_batch *b = NULL;
    enum MHD_Result ret;
    const char *body = am_buf_str(&req->body);

    if (req->too_large) {
        snprintf(reason, sizeof reason, "body larger than %zu bytes: split the batch",
                 s->cfg->max_body_bytes);
        return ingest_refuse(s, conn, req, NULL, 413, "too_large", reason);
    }
    const char *msg_id = header(conn, "webhook-id");
    am_webhook_result wr = AM_WEBHOOK_BAD_SIGNATURE;
    /* The secret that goes with the token, then, while a rotation's
     * overlap lasts, the other one. */
    const char *secrets[] = {req->kiosk.secret, req->kiosk.prev_secret};
    for (size_t i = 0; i < 2 && wr == AM_WEBHOOK_BAD_SIGNATURE && secrets[i][0]; i++) {
        if (am_webhook_secret_parse(secrets[i], key, &keylen) != AM_OK)
            return send_error(conn, 500, "internal", "this kiosk's signing secret is damaged");
        wr = am_webhook_verify(key, keylen, msg_id, header(conn, "webhook-timestamp"),
                               header(conn, "webhook-signature"), body, am_buf_len(&req->body),
                               am_wall_ms() / 1000, AM_WEBHOOK_TOLERANCE_S);
        sodium_memzero(key, sizeof key);
    }
    if (wr != AM_WEBHOOK_OK) {
        unsigned status = (wr == AM_WEBHOOK_BAD_ID || wr == AM_WEBHOOK_BAD_TIMESTAMP) ? 400 : 401;
        const char *code = wr == AM_WEBHOOK_STALE ? "stale_timestamp" : "bad_signature";
        return ingest_refuse(s, conn, req, NULL, status, code, am_webhook_result_str(wr));
    }
    am_rc rc = am_proto_batch_decode(body, am_buf_len(&req->body), &b, reason, sizeof reason);
    if (rc == AM_ERR_TOOBIG)
        return ingest_refuse(s, conn, req, NULL, 413, "too_large", reason);
    if (rc == AM_ERR_NOMEM)
        return send_error(conn, 500, "internal", "out of memory");
    if (rc)
        return ingest_refuse(s, conn, req, NULL, 400, "bad_batch", reason);

    if (strcmp(b->kiosk, req->kiosk.id) != 0) {
        snprintf(reason, sizeof reason, "kiosk: this token belongs to kiosk %s, not %s",
                 req->kiosk.id, b->kiosk);
        ret = ingest_refuse(s, conn, req, b->batch, 403, "wrong_kiosk", reason);
        goto out;
    }
    for (size_t i = 0; i < b->count; i++) {
        if (b->records[i].kiosk[0] && strcmp(b->records[i].kiosk, req->kiosk.id) != 0) {
            snprintf(reason, sizeof reason,
                     "records[%zu].kiosk: this token belongs to kiosk %s, not %s", i, req->kiosk.id,
                     b->records[i].kiosk);
            ret = ingest_refuse(s, conn, req, b->batch, 403, "wrong_kiosk", reason);
            goto out;
        }
    }
    const char *idem = header(conn, "Idempotency-Key");
    if (!idem) {
        ret = ingest_refuse(s, conn, req, b->batch, 400, "bad_batch",
                            "Idempotency-Key header missing (it must be the batch UUID)");
        goto out;
    }
    if (strcmp(idem, b->batch) != 0) {
        ret = ingest_refuse(s, conn, req, b->batch, 400, "bad_batch",
                            "Idempotency-Key differs from the body's batch UUID");
        goto out;
    }

    check_vouchers(s, req, b);

    /* What makes a repeated request the same request: its exact bytes. */
    uint8_t digest[crypto_hash_sha256_BYTES];
    char body_hash[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(digest, (const uint8_t *)body, am_buf_len(&req->body));
    sodium_bin2hex(body_hash, sizeof body_hash, digest, sizeof digest);

    hub_ingest_result result;
    rc = hub_db_ingest(s->db, b, msg_id, body_hash, am_wall_ms(), WEBHOOK_KEEP_MS, &result);
    if (!rc && result.webhook_replayed) {
        ret = ingest_refuse(s, conn, req, b->batch, 400, "replayed",
                            "webhook-id was used before for another body: each delivery attempt "
                            "needs a new webhook-id (the Idempotency-Key stays the same)");
        goto out;
    }
    if (!rc && result.key_reused) {
        ret = ingest_refuse(s, conn, req, b->batch, 422, "idempotency_key_reused",
                            "this Idempotency-Key was used before for another body: a new batch "
                            "needs a new batch UUID");
        goto out;
    }
    if (rc) {
        am_log_error(MOD, "kiosk %s batch %s: storing failed: %s", req->kiosk.id, b->batch,
                     am_rc_str(rc));
        ret = send_db_error(conn, rc);
        goto out;
    }
    if (result.replayed) {
        am_log_info(MOD, "kiosk %s batch %s: repeated, original response sent", req->kiosk.id,
                    b->batch);
    } else {
        am_log_info(MOD, "kiosk %s batch %s: %zu stored, %zu duplicate, %zu rejected",
                    req->kiosk.id, b->batch, result.counts[AM_PROTO_STORED],
                    result.counts[AM_PROTO_DUPLICATE], result.counts[AM_PROTO_REJECTED]);
    }
    ret = send_body(conn, (unsigned)result.status, result.body, "application/json",
                    "Idempotent-Replayed", result.replayed ? "true" : "false", NULL, NULL);
out:
    am_proto_batch_free(b);
    return ret;
}

/* --- manager API ------------------------------------------------------------------- */

typedef struct args_check {
    const char *const *allowed;
    const char *bad;
} args_check;

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    (void)kind;
    (void)value;
    args_check *c = cls;
    for (const char *const *a = c->allowed; *a; a++) {
        if (!strcmp(*a, key))
            return MHD_YES;
    }
    c->bad = key;
    return MHD_NO;
}

/* Refuses unknown query parameters: a typo must not silently widen a
 * filter to "everything". */
static bool args_ok(struct MHD_Connection *conn, const char *const *allowed, char *bad,
                    size_t badlen)
{
    args_check c = {allowed, NULL};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, check_arg, &c);
    if (c.bad) {
        size_t n = 0;
        for (; c.bad[n] && n < badlen - 1 && n < 40; n++)
            bad[n] = (c.bad[n] >= 0x20 && c.bad[n] < 0x7f) ? c.bad[n] : '?';
        bad[n] = '\0';
        return false;
    }
    return true;
}

static const char *arg(struct MHD_Connection *conn, const char *name)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
    return (v && *v) ? v : NULL;
}

static bool parse_limit(const char *text, int *out)
{
    if (!text) {
        *out = DEFAULT_LIMIT;
        return true;
    }
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || *end || v < 1 || v > MAX_LIMIT)
        return false;
    *out = (int)v;
    return true;
}

/* since: milliseconds since the epoch, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC). */
static bool parse_since(const char *text, int64_t *out)
{
    if (!text) {
        *out = 0;
        return true;
    }
    if (text[0] >= '0' && text[0] <= '9' && strspn(text, "0123456789") == strlen(text)) {
        if (strlen(text) > 16)
            return false;
        *out = strtoll(text, NULL, 10);
        return true;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end) {
        memset(&tm, 0, sizeof tm);
        end = strptime(text, "%Y-%m-%d", &tm);
        if (!end || *end)
            return false;
    }
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || t < 0)
        return false;
    *out = (int64_t)t * 1000;
    return true;
}

/* One CSV cell (RFC 4180). A cell that a spreadsheet would run as a
 * formula gets a leading apostrophe: guest text must never execute. */
/* The rows as CSV with a header of `columns`, every cell quoted, through
 * the one CSV writer (amends/csv.h). Numbers are written as integers. A
 * new string to free(), or NULL on out of memory. */
static char *to_csv(const cJSON *rows, const char *const *columns)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *to = open_memstream(&buf, &len);
    if (!to)
        return NULL;
    int ncols = 0;
    while (columns[ncols])
        ncols++;
    am_csv_row(to, columns, ncols, AM_CSV_QUOTE_ALL);
    for (const cJSON *row = rows ? rows->child : NULL; row; row = row->next) {
        for (int c = 0; c < ncols; c++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, columns[c]);
            char number[32] = "";
            const char *text = "";
            if (cJSON_IsString(v))
                text = v->valuestring;
            else if (cJSON_IsNumber(v)) {
                snprintf(number, sizeof number, "%.0f", v->valuedouble);
                text = number;
            }
            if (c)
                fputc(',', to);
            am_csv_cell(to, text, AM_CSV_QUOTE_ALL);
        }
        fputs("\r\n", to);
    }
    bool failed = ferror(to) != 0;
    if (fclose(to) != 0 || failed) {
        free(buf);
        return NULL;
    }
    return buf;
}

static const char *const followup_columns[] = {
    "id",         "kiosk",   "closed_at", "category",    "severity", "outcome",
    "first_name", "contact", "rating",    "offer_state", NULL,
};

/* For an action allowed at the person's own sites: 403 (queued, true)
 * unless the kiosk is at one of them. An unknown kiosk passes: what is
 * asked about it is then simply not found. */
static bool kiosk_refused(hub_server *s, struct MHD_Connection *conn, const request *req,
                          const char *kiosk, enum MHD_Result *ret)
{
    char site[AM_KIOSK_ID_MAX];
    am_rc rc = hub_db_kiosk_site(s->db, kiosk, site, sizeof site);
    if (rc == AM_ERR_NOTFOUND)
        return false;
    if (rc) {
        *ret = send_db_error(conn, rc);
        return true;
    }
    if (hub_allowed(&req->person, route_action(req->route), site))
        return false;
    *ret = forbidden(conn, &req->person, route_action(req->route), site);
    return true;
}

static enum MHD_Result handle_feedback(hub_server *s, struct MHD_Connection *conn,
                                       const request *req, bool followups)
{
    enum MHD_Result refused;
    static const char *const allowed[] = {"kiosk",  "since", "category", "outcome",
                                          "format", "limit", NULL};
    char bad[48];
    hub_feedback_filter f = {.followups = followups, .scope = &req->person};
    if (!args_ok(conn, allowed, bad, sizeof bad))
        return send_error(conn, 400, "bad_query",
                          "unknown parameter '%s' (allowed: kiosk, since, category, outcome, "
                          "format, limit)",
                          bad);
    f.kiosk = arg(conn, "kiosk");
    f.category = arg(conn, "category");
    f.outcome = arg(conn, "outcome");
    const char *format = arg(conn, "format");
    if (f.kiosk && !am_proto_kiosk_id_valid(f.kiosk))
        return send_error(conn, 400, "bad_query", "kiosk: not a kiosk id");
    if (f.kiosk && kiosk_refused(s, conn, req, f.kiosk, &refused))
        return refused;
    if (f.category && !am_proto_id_valid(f.category))
        return send_error(conn, 400, "bad_query", "category: not a category id");
    am_outcome outcome;
    if (f.outcome && (am_outcome_parse(f.outcome, &outcome) != AM_OK || outcome == AM_OUTCOME_OPEN))
        return send_error(conn, 400, "bad_query",
                          "outcome: must be completed, abandoned or interrupted");
    if (!parse_since(arg(conn, "since"), &f.since_ms))
        return send_error(conn, 400, "bad_query",
                          "since: must be milliseconds since 1970, YYYY-MM-DD or "
                          "YYYY-MM-DDTHH:MM:SSZ");
    if (!parse_limit(arg(conn, "limit"), &f.limit))
        return send_error(conn, 400, "bad_query", "limit: must be from 1 to %d", MAX_LIMIT);
    bool csv = false;
    if (format && !strcmp(format, "csv"))
        csv = true;
    else if (format && strcmp(format, "json") != 0)
        return send_error(conn, 400, "bad_query", "format: must be json or csv");

    cJSON *rows = NULL;
    am_rc rc = hub_db_feedback(s->db, &f, &rows);
    if (rc)
        return send_db_error(conn, rc);
    if (hub_access_of(&req->person, route_action(req->route)) == HUB_ACCESS_HIDDEN)
        hub_hide_personal(rows);
    if (csv) {
        char *text = to_csv(rows, followups ? followup_columns : hub_db_feedback_columns());
        cJSON_Delete(rows);
        if (!text)
            return send_error(conn, 500, "internal", "out of memory");
        return send_body(conn, 200, text, "text/csv; charset=utf-8",
                         MHD_HTTP_HEADER_CONTENT_DISPOSITION,
                         followups ? "attachment; filename=\"followups.csv\""
                                   : "attachment; filename=\"feedback.csv\"",
                         NULL, NULL);
    }
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddItemToObject(root, followups ? "followups" : "feedback", rows)) {
        cJSON_Delete(rows);
        cJSON_Delete(root);
        return send_error(conn, 500, "internal", "out of memory");
    }
    return send_cjson(conn, root);
}

static enum MHD_Result wrap(struct MHD_Connection *conn, const char *name, cJSON *item)
{
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddItemToObject(root, name, item)) {
        cJSON_Delete(item);
        cJSON_Delete(root);
        return send_error(conn, 500, "internal", "out of memory");
    }
    return send_cjson(conn, root);
}

/* {"name","role","sites":[...],"teams":[{"site","team"}...]}: who the caller is. */
static enum MHD_Result send_me(struct MHD_Connection *conn, const hub_person *p)
{
    cJSON *me = cJSON_CreateObject();
    cJSON *sites = cJSON_AddArrayToObject(me, "sites");
    cJSON *teams = cJSON_AddArrayToObject(me, "teams");
    bool ok = me && sites && teams && cJSON_AddStringToObject(me, "name", p->name) &&
              cJSON_AddStringToObject(me, "role", hub_role_name(p->role)) &&
              cJSON_AddBoolToObject(me, "every_site", p->role == HUB_ROLE_ADMIN);
    for (size_t i = 0; ok && i < p->nsites; i++)
        ok = cJSON_AddItemToArray(sites, cJSON_CreateString(p->sites[i]));
    for (size_t i = 0; ok && i < p->nteams; i++) {
        cJSON *t = cJSON_CreateObject();
        ok = t && cJSON_AddItemToArray(teams, t) &&
             cJSON_AddStringToObject(t, "site", p->teams[i].site) &&
             cJSON_AddStringToObject(t, "team", p->teams[i].team);
    }
    if (!ok) {
        cJSON_Delete(me);
        return send_error(conn, 500, "internal", "out of memory");
    }
    return send_cjson(conn, me);
}

static enum MHD_Result handle_manager(hub_server *s, struct MHD_Connection *conn, request *req)
{
    enum MHD_Result refused;
    char site[AM_KIOSK_ID_MAX];
    static const char *const none[] = {NULL};
    static const char *const limit_only[] = {"limit", NULL};
    static const char *const alert_args[] = {"state", "limit", NULL};
    char bad[48];
    cJSON *out = NULL;
    am_rc rc;
    int limit;
    switch (req->route) {
    case R_KIOSKS:
        if (!args_ok(conn, none, bad, sizeof bad))
            return send_error(conn, 400, "bad_query", "unknown parameter '%s'", bad);
        rc = hub_db_kiosks(s->db, &out);
        if (rc)
            return send_db_error(conn, rc);
        hub_keep_own_kiosks(out, &req->person);
        return wrap(conn, "kiosks", out);
    case R_INGEST_LOG:
        if (!args_ok(conn, limit_only, bad, sizeof bad))
            return send_error(conn, 400, "bad_query", "unknown parameter '%s' (allowed: limit)",
                              bad);
        if (!parse_limit(arg(conn, "limit"), &limit))
            return send_error(conn, 400, "bad_query", "limit: must be from 1 to %d", MAX_LIMIT);
        if (!am_proto_kiosk_id_valid(req->path_id))
            return send_error(conn, 404, "not_found", "no such kiosk");
        if (kiosk_refused(s, conn, req, req->path_id, &refused))
            return refused;
        rc = hub_db_ingest_log_list(s->db, req->path_id, limit, &out);
        if (rc == AM_ERR_NOTFOUND)
            return send_error(conn, 404, "not_found", "no kiosk %s", req->path_id);
        if (rc)
            return send_db_error(conn, rc);
        return send_cjson(conn, out);
    case R_FEEDBACK:
        return handle_feedback(s, conn, req, false);
    case R_FOLLOWUPS:
        return handle_feedback(s, conn, req, true);
    case R_ME:
        if (!args_ok(conn, none, bad, sizeof bad))
            return send_error(conn, 400, "bad_query", "unknown parameter '%s'", bad);
        return send_me(conn, &req->person);
    case R_ALERTS: {
        if (!args_ok(conn, alert_args, bad, sizeof bad))
            return send_error(conn, 400, "bad_query",
                              "unknown parameter '%s' (allowed: state, limit)", bad);
        const char *state = arg(conn, "state");
        if (state && strcmp(state, "open") && strcmp(state, "all"))
            return send_error(conn, 400, "bad_query", "state: must be open or all");
        if (!parse_limit(arg(conn, "limit"), &limit))
            return send_error(conn, 400, "bad_query", "limit: must be from 1 to %d", MAX_LIMIT);
        rc = hub_db_alerts(s->db, state && !strcmp(state, "open"), limit, &req->person, &out);
        if (rc)
            return send_db_error(conn, rc);
        return wrap(conn, "alerts", out);
    }
    case R_LOGIN_LINK: {
        if (!args_ok(conn, none, bad, sizeof bad))
            return send_error(conn, 400, "bad_query", "unknown parameter '%s'", bad);
        char path[128];
        int64_t expires = 0;
        rc = hub_dash_login_link(s->dash, req->person.name, path, sizeof path, &expires);
        if (rc)
            return send_db_error(conn, rc);
        out = cJSON_CreateObject();
        if (!out || !cJSON_AddStringToObject(out, "path", path) ||
            !cJSON_AddNumberToObject(out, "expires_at", (double)expires)) {
            cJSON_Delete(out);
            return send_error(conn, 500, "internal", "out of memory");
        }
        am_log_info(MOD, "manager %s: one-time login link made", req->person.name);
        return send_cjson(conn, out);
    }
    case R_ALERT_ACK:
        if (!am_proto_uuid_valid(req->path_id))
            return send_error(conn, 404, "not_found", "no such alert");
        rc = hub_db_alert_site(s->db, req->path_id, site, sizeof site);
        if (rc == AM_ERR_NOTFOUND)
            return send_error(conn, 404, "not_found", "no alert %s", req->path_id);
        if (rc)
            return send_db_error(conn, rc);
        if (!hub_allowed(&req->person, route_action(req->route), site))
            return forbidden(conn, &req->person, route_action(req->route), site);
        rc = hub_db_alert_ack(s->db, req->path_id, req->person.name, am_wall_ms(), &out);
        if (rc == AM_ERR_NOTFOUND)
            return send_error(conn, 404, "not_found", "no alert %s", req->path_id);
        if (rc)
            return send_db_error(conn, rc);
        am_log_info(MOD, "alert %s acknowledged by manager %s", req->path_id, req->person.name);
        return wrap(conn, "alert", out);
    default:
        return send_error(conn, 404, "not_found", "no such endpoint");
    }
}

/* --- vouchers ------------------------------------------------------------------------ */

static bool add_voucher(cJSON *root, const hub_voucher *v)
{
    cJSON *o = cJSON_AddObjectToObject(root, "voucher");
    return o && cJSON_AddStringToObject(o, "code", v->rec.code) &&
           cJSON_AddStringToObject(o, "kiosk", v->rec.kiosk) &&
           cJSON_AddNumberToObject(o, "serial", (double)v->rec.serial) &&
           cJSON_AddStringToObject(o, "offer", v->rec.offer_id) &&
           cJSON_AddNumberToObject(o, "value_minor", (double)v->rec.value_minor) &&
           cJSON_AddNumberToObject(o, "issued_at", (double)v->rec.created_ms) &&
           cJSON_AddNumberToObject(o, "expires_at", (double)v->rec.expires_ms) &&
           cJSON_AddStringToObject(o, "journey", v->journey) &&
           (v->redeemed_at ? cJSON_AddNumberToObject(o, "redeemed_at", (double)v->redeemed_at)
                           : cJSON_AddNullToObject(o, "redeemed_at")) &&
           (v->redeemed_at ? cJSON_AddStringToObject(o, "redeemed_by", v->redeemed_by)
                           : cJSON_AddNullToObject(o, "redeemed_by"));
}

/* Every voucher answer: {"error": STATUS (refusals only), "reason",
 * "status", "code", "voucher": {...} (when the hub holds the record)}. */
static enum MHD_Result voucher_answer(struct MHD_Connection *conn, unsigned http,
                                      const char *status, const char *reason, const char *code,
                                      const hub_voucher *v)
{
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL;
    if (ok && http >= 400)
        ok = cJSON_AddStringToObject(root, "error", status) != NULL;
    ok = ok && cJSON_AddStringToObject(root, "reason", reason) &&
         cJSON_AddStringToObject(root, "status", status) &&
         (code && *code ? cJSON_AddStringToObject(root, "code", code)
                        : cJSON_AddNullToObject(root, "code"));
    if (ok && v)
        ok = add_voucher(root, v);
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return send_error(conn, 500, "internal", "out of memory");
    return send_json(conn, http, text);
}

typedef struct voucher_lookup {
    hub_db *db;
    hub_voucher *v;
    bool found;
} voucher_lookup;

static am_rc lookup_voucher(void *ud, const char *code, am_voucher_record *rec)
{
    voucher_lookup *l = ud;
    am_rc rc = hub_db_voucher_get(l->db, code, l->v);
    if (rc)
        return rc;
    l->found = true;
    *rec = l->v->rec;
    return AM_OK;
}

/* Verifies with am_voucher_verify: with the key of the kiosk that the
 * record names, or, when the hub holds no record, with each kiosk's key
 * in turn (a code one of them made is "unknown": its record has not
 * arrived; a code none of them made is "tampered"). */
static am_rc verify_voucher(hub_server *s, const char *input, hub_voucher *v,
                            am_voucher_result *res)
{
    voucher_lookup l = {.db = s->db, .v = v};
    am_voucher_key key;
    memset(res, 0, sizeof *res);
    am_rc rc = am_voucher_parse(input, &res->code, res->reason, sizeof res->reason);
    if (rc) {
        res->status = AM_VOUCHER_MALFORMED;
        return AM_OK;
    }
    rc = hub_db_voucher_get(s->db, res->code.text, v);
    if (rc == AM_OK) {
        rc = hub_db_voucher_key(s->db, v->rec.kiosk, &key);
        if (rc)
            return rc;
        rc = am_voucher_verify(&key, v->rec.kiosk, input, am_wall_ms(), v->rec.serial,
                               lookup_voucher, &l, res);
        am_voucher_key_wipe(&key);
        return rc;
    }
    if (rc != AM_ERR_NOTFOUND)
        return rc;
    hub_voucher_kiosk *kiosks = NULL;
    size_t count = 0;
    rc = hub_db_voucher_kiosks(s->db, &kiosks, &count);
    if (rc)
        return rc;
    am_voucher_result first;
    bool have_first = false;
    for (size_t i = 0; i < count && !rc; i++) {
        rc = am_voucher_verify(&kiosks[i].key, kiosks[i].kiosk, input, am_wall_ms(),
                               kiosks[i].max_serial, lookup_voucher, &l, res);
        if (!rc && res->status == AM_VOUCHER_UNKNOWN)
            break;
        if (!rc && !have_first) {
            first = *res;
            have_first = true;
        }
    }
    if (!rc && res->status != AM_VOUCHER_UNKNOWN) {
        if (have_first) {
            *res = first;
        } else {
            res->status = AM_VOUCHER_TAMPERED;
            snprintf(res->reason, sizeof res->reason,
                     "no kiosk's voucher key made this code: re-read it");
        }
    }
    if (kiosks)
        sodium_memzero(kiosks, count * sizeof *kiosks);
    free(kiosks);
    return rc;
}

static enum MHD_Result handle_voucher(hub_server *s, struct MHD_Connection *conn, request *req)
{
    static const char *const none[] = {NULL};
    char bad[48], reason[256], when[32];
    int retry_s;
    hub_voucher v;
    am_voucher_result res;
    bool redeem = req->route == R_VOUCHER_REDEEM;

    if (!args_ok(conn, none, bad, sizeof bad))
        return send_error(conn, 400, "bad_query", "unknown parameter '%s'", bad);
    if (!hub_rate_check(s->voucher_fail, req->person.name, am_wall_ms(), &retry_s)) {
        char value[16];
        snprintf(value, sizeof value, "%d", retry_s);
        am_log_warn(MOD, "manager %s: voucher checks rate limited for %d s", req->person.name,
                    retry_s);
        return send_error_h(conn, 429, "rate_limited", MHD_HTTP_HEADER_RETRY_AFTER, value,
                            "too many failed voucher checks: retry after %d s", retry_s);
    }
    am_rc rc = verify_voucher(s, req->path_id, &v, &res);
    if (rc) {
        am_log_error(MOD, "voucher check failed: %s", am_rc_str(rc));
        return send_db_error(conn, rc);
    }
    /* A genuine code names its kiosk: the person must be at its site. */
    enum MHD_Result refused;
    if ((res.status == AM_VOUCHER_VALID || res.status == AM_VOUCHER_EXPIRED) &&
        kiosk_refused(s, conn, req, v.rec.kiosk, &refused))
        return refused;
    switch (res.status) {
    case AM_VOUCHER_VALID:
        break;
    case AM_VOUCHER_EXPIRED:
        am_format_utc(v.rec.expires_ms, when, sizeof when);
        snprintf(reason, sizeof reason, "genuine, but expired at %s: do not accept it", when);
        return voucher_answer(conn, 410, "expired", reason, res.code.text, &v);
    case AM_VOUCHER_TAMPERED:
    case AM_VOUCHER_UNKNOWN:
    case AM_VOUCHER_MALFORMED:
    case AM_VOUCHER_STATUS_COUNT:
    default: {
        hub_rate_take(s->voucher_fail, req->person.name, am_wall_ms(), &retry_s);
        const char *name = am_voucher_status_name(res.status);
        unsigned http = res.status == AM_VOUCHER_UNKNOWN     ? 404
                        : res.status == AM_VOUCHER_MALFORMED ? 400
                                                             : 422;
        am_log_info(MOD, "manager %s: voucher check answered %s", req->person.name, name);
        return voucher_answer(conn, http, name, res.reason, res.code.text, NULL);
    }
    }
    if (!redeem) {
        if (v.redeemed_at) {
            am_format_utc(v.redeemed_at, when, sizeof when);
            snprintf(reason, sizeof reason, "genuine, but already redeemed at %s by %s", when,
                     v.redeemed_by);
            return voucher_answer(conn, 200, "already_redeemed", reason, res.code.text, &v);
        }
        return voucher_answer(conn, 200, "valid", "genuine, on record, not expired, not redeemed",
                              res.code.text, &v);
    }
    bool won = false;
    rc = hub_db_voucher_redeem(s->db, res.code.text, req->person.name, am_wall_ms(), &won, &v);
    if (rc)
        return send_db_error(conn, rc);
    am_format_utc(v.redeemed_at, when, sizeof when);
    if (!won) {
        snprintf(reason, sizeof reason, "already redeemed at %s by %s", when, v.redeemed_by);
        return voucher_answer(conn, 409, "already_redeemed", reason, res.code.text, &v);
    }
    am_log_info(MOD, "voucher of kiosk %s serial %lld redeemed by manager %s", v.rec.kiosk,
                (long long)v.rec.serial, req->person.name);
    snprintf(reason, sizeof reason, "redeemed now (%s): honour the offer", when);
    return voucher_answer(conn, 200, "redeemed", reason, res.code.text, &v);
}

/* --- libmicrohttpd callbacks ---------------------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)version;
    hub_server *s = cls;
    request *req = *con_cls;
    enum MHD_Result ret = MHD_YES;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        atomic_fetch_add(&s->in_flight, 1);
        if (atomic_load(&s->draining)) {
            req->answered = true;
            return send_error_h(conn, 503, "shutting_down", MHD_HTTP_HEADER_CONNECTION, "close",
                                "the hub is shutting down: try again");
        }
        req->route = match(url, req->path_id, sizeof req->path_id);
        am_buf_init(&req->body,
                    req->route == R_DASHBOARD ? HUB_DASH_BODY_MAX : s->cfg->max_body_bytes);
        if (req->route == R_NONE) {
            req->answered = true;
            return send_error(conn, 404, "not_found", "no such endpoint");
        }
        if (req->route == R_DASHBOARD)
            return MHD_YES; /* the dashboard checks its own sessions */
        if (strcmp(method, route_method(req->route)) != 0) {
            req->answered = true;
            return send_error_h(conn, 405, "method_not_allowed", MHD_HTTP_HEADER_ALLOW,
                                route_method(req->route), "use %s for this endpoint",
                                route_method(req->route));
        }
        if (on_headers(s, conn, req, &ret)) {
            req->answered = true;
            return ret;
        }
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (req->answered || (req->route != R_INGEST && req->route != R_DASHBOARD) ||
            req->too_large)
            return MHD_YES;
        am_rc rc = am_buf_add(&req->body, upload_data, n);
        /* A chunked body gave no length up front: past the limit, keep
         * reading, keep nothing (the buffer let it go wiped), answer 413
         * at the end. */
        if (rc == AM_ERR_TOOBIG)
            req->too_large = true;
        else if (rc)
            return MHD_NO;
        return MHD_YES;
    }
    if (req->answered)
        return MHD_YES;
    req->answered = true;
    if (req->route == R_INGEST)
        return handle_ingest(s, conn, req);
    if (req->route == R_DASHBOARD) {
        if (req->too_large)
            return send_error(conn, 413, "too_large", "form larger than %d bytes",
                              HUB_DASH_BODY_MAX);
        return hub_dash_handle(s->dash, conn, url, method, am_buf_str(&req->body),
                               am_buf_len(&req->body));
    }
    if (req->route == R_VOUCHER || req->route == R_VOUCHER_REDEEM)
        return handle_voucher(s, conn, req);
    return handle_manager(s, conn, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    hub_server *s = cls;
    request *req = *con_cls;
    if (!req)
        return;
    am_buf_free(&req->body); /* wipes: bodies carry guest text */
    sodium_memzero(&req->kiosk, sizeof req->kiosk);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    am_log_warn("mhd", "%s", msg);
}

static char *read_pem(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16;
    buf = malloc(cap + 1);
    size_t n = buf ? fread(buf, 1, cap, f) : 0;
    fclose(f);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (n == 0 || n == cap || !strstr(buf, "-----BEGIN")) {
        buf[n] = '\0';
        snprintf(err, errlen, "%s: not a PEM file (or larger than 64 KiB)", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

static void server_free(hub_server *s)
{
    if (!s)
        return;
    hub_rate_free(s->rate);
    hub_rate_free(s->voucher_fail);
    hub_dash_free(s->dash);
    if (s->key_pem) {
        sodium_memzero(s->key_pem, strlen(s->key_pem));
        free(s->key_pem);
    }
    free(s->cert_pem);
    free(s);
}

am_rc hub_server_start(const hub_config *cfg, hub_db *db, hub_server **out, char *err,
                       size_t errlen)
{
    am_rc rc = AM_ERR;
    *out = NULL;
    hub_server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return AM_ERR_NOMEM;
    }
    s->cfg = cfg;
    s->db = db;
    s->rate = hub_rate_new(cfg->rate_per_minute, cfg->rate_burst);
    s->voucher_fail = hub_rate_new(cfg->voucher_fail_per_minute, cfg->voucher_fail_burst);
    s->dash = hub_dash_new(cfg, db);
    if (!s->rate || !s->voucher_fail || !s->dash) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    /* A thread per connection: a request waiting for the database holds
     * up only itself, never the other kiosks that share a pool thread.
     * The database pool (cfg->threads connections) bounds the real work. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (cfg->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (cfg->tls) {
        flags |= MHD_USE_TLS;
        s->cert_pem = read_pem(cfg->cert, err, errlen);
        if (!s->cert_pem)
            goto out;
        s->key_pem = read_pem(cfg->key, err, errlen);
        if (!s->key_pem)
            goto out;
    }
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, s->cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->key_pem},
        /* TLS 1.3, and TLS 1.2 with ECDHE and AEAD suites only (forward
         * secrecy, no CBC or SHA-1 MACs), chosen in the server's order. */
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)HUB_TLS_PRIORITIES},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem no_opts[] = {{MHD_OPTION_END, 0, NULL}};
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&cfg->addr, MHD_OPTION_THREAD_STACK_SIZE,
        (size_t)(1024 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)2000,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned)1024, MHD_OPTION_ARRAY,
        cfg->tls ? tls_opts : no_opts, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errlen,
                 "cannot listen on %s (address in use, not local, or the certificate and key "
                 "do not match; see the log above)",
                 cfg->listen);
        goto out;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    *out = s;
    s = NULL;
    rc = AM_OK;
out:
    server_free(s);
    return rc;
}

uint16_t hub_server_port(const hub_server *s)
{
    return s ? s->port : 0;
}

int hub_server_stop(hub_server *s, int timeout_s)
{
    if (!s)
        return 0;
    atomic_store(&s->draining, true);
    /* No new connections from here on; requests in flight go on. */
    MHD_socket listen_fd = MHD_quiesce_daemon(s->daemon);
    if (listen_fd != MHD_INVALID_SOCKET)
        close(listen_fd);
    am_log_info(MOD, "not listening any more; %d request(s) in flight", atomic_load(&s->in_flight));
    int64_t start_ms = am_mono_ms();
    int left;
    while ((left = atomic_load(&s->in_flight)) > 0) {
        if ((am_mono_ms() - start_ms) / 1000 >= timeout_s)
            break;
        struct timespec tick = {0, 20 * 1000000L};
        nanosleep(&tick, NULL);
    }
    if (left > 0)
        am_log_warn(MOD, "%d requests still unfinished after %d s; stopping anyway", left,
                    timeout_s);
    MHD_stop_daemon(s->daemon);
    server_free(s);
    return left;
}
