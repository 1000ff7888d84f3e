/* hub_server.c — HTTP(S) handling for amends-hub.
 *
 * libmicrohttpd calls on_request several times per request: once when the
 * headers are in (authentication, rate limit and the size cap are decided
 * there, before any body is read), once per piece of body, and once more
 * when the body is complete (the actual work). Every refusal carries the
 * JSON error body {"error": CODE, "reason": TEXT}.
 *
 * This file holds the responses, routing, authentication and limits, the
 * libmicrohttpd callbacks and start/stop; the handlers are in
 * hub_server_ingest.c (kiosk batches) and hub_server_api.c (manager API,
 * vouchers).
 */
#include "hub_server_internal.h"

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
#include <sys/stat.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "amends/buf.h"
#include "amends/clock.h"
#include "amends/log.h"
#include "amends/proto.h"
#include "amends/version.h"
#include "dashboard.h"
#include "hub_audit.h"
#include "hub_auth.h"

#define MOD            "http"
#define AUDIT_PURGE_MS (INT64_C(3600) * 1000) /* old audit entries go hourly */

/* GnuTLS priorities for HTTPS: TLS 1.3 and 1.2 only; key exchange by ECDHE
 * only (forward secrecy); AES-GCM and ChaCha20-Poly1305 only (AEAD, so no
 * CBC and no SHA-1 MAC); the server's order, strongest first, whatever the
 * client prefers. tests/hub/test_hub_tls.c checks it with sslscan. */
#define HUB_TLS_PRIORITIES                                                                         \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:"                  \
    "-CIPHER-ALL:+AES-256-GCM:+CHACHA20-POLY1305:+AES-128-GCM:-MAC-ALL:+AEAD:%SERVER_PRECEDENCE"

/* --- responses ----------------------------------------------------------------- */

enum MHD_Result hub_http_send_body(struct MHD_Connection *conn, unsigned status, char *body,
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

enum MHD_Result hub_http_send_json(struct MHD_Connection *conn, unsigned status, char *body)
{
    return hub_http_send_body(conn, status, body, "application/json", NULL, NULL, NULL, NULL);
}

enum MHD_Result hub_http_send_error_h(struct MHD_Connection *conn, unsigned status,
                                      const char *code, const char *h1, const char *v1,
                                      const char *fmt, ...)
{
    char reason[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(reason, sizeof reason, fmt, ap);
    va_end(ap);
    return hub_http_send_body(conn, status, am_proto_error_encode(code, reason), "application/json",
                              h1, v1, NULL, NULL);
}

enum MHD_Result hub_http_send_cjson(struct MHD_Connection *conn, cJSON *root)
{
    char *text = root ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return hub_http_send_error(conn, 500, "internal", "out of memory");
    return hub_http_send_json(conn, 200, text);
}

enum MHD_Result hub_http_send_db_error(struct MHD_Connection *conn, am_rc rc)
{
    if (rc == AM_ERR_BUSY)
        return hub_http_send_error_h(conn, 503, "busy", MHD_HTTP_HEADER_RETRY_AFTER, "1",
                                     "the database is busy: try again");
    return hub_http_send_error(conn, 500, "internal", "storage failed (%s); see the hub's log",
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
    if (!strcmp(url, "/v1/audit"))
        return R_AUDIT;
    if (!strcmp(url, "/v1/cases"))
        return R_CASES;
    if (!strcmp(url, "/v1/trends"))
        return R_TRENDS;
    if (!strcmp(url, "/v1/notifications"))
        return R_NOTIFICATIONS;
    if (!strncmp(url, "/v1/notifications/", 18)) {
        const char *rest = url + 18;
        const char *slash = strchr(rest, '/');
        if (slash && !strcmp(slash, "/retry") && segment(rest, (size_t)(slash - rest), id, idlen))
            return R_NOTIFICATION_RETRY;
    }
    if (!strncmp(url, "/v1/cases/", 10)) {
        const char *rest = url + 10;
        const char *slash = strchr(rest, '/');
        if (!slash && segment(rest, strlen(rest), id, idlen))
            return R_CASE;
        if (slash && !strcmp(slash, "/events") && segment(rest, (size_t)(slash - rest), id, idlen))
            return R_CASE_EVENTS;
    }
    if (!strcmp(url, "/") || !strcmp(url, "/login") || !strcmp(url, "/logout") ||
        !strncmp(url, "/login/once/", 12) || !strncmp(url, "/kiosks/", 8) ||
        !strncmp(url, "/alerts/", 8) || !strcmp(url, "/audit") || !strcmp(url, "/vouchers") ||
        !strcmp(url, "/vouchers/redeem"))
        return R_DASHBOARD;
    /* Passwords, signing out everywhere, people (dashboard_password.c). */
    if (!strcmp(url, "/logout/everywhere") || !strncmp(url, "/password/", 10) ||
        !strcmp(url, "/people") || !strncmp(url, "/people/", 8))
        return R_DASHBOARD;
    /* Cases (dashboard_cases.c). */
    if (!strncmp(url, "/cases/", 7) || !strcmp(url, "/trends"))
        return R_DASHBOARD;
    /* Notifications (dashboard_notify.c). */
    if (!strcmp(url, "/notifications") || !strncmp(url, "/notifications/", 15))
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
    return (r == R_INGEST || r == R_ALERT_ACK || r == R_VOUCHER_REDEEM || r == R_LOGIN_LINK ||
            r == R_CASE_EVENTS || r == R_NOTIFICATION_RETRY)
               ? "POST"
               : "GET";
}

/* The route's row in the role table (hub_roles.h). */
const char *hub_http_route_action(route r)
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
    case R_AUDIT:
        return "GET /v1/audit";
    case R_CASES:
        return "GET /v1/cases";
    case R_CASE:
        return "GET /v1/cases/{id}";
    case R_CASE_EVENTS:
        return "POST /v1/cases/{id}/events";
    case R_TRENDS:
        return "GET /v1/trends";
    case R_NOTIFICATIONS:
        return "GET /v1/notifications";
    case R_NOTIFICATION_RETRY:
        return "POST /v1/notifications/{id}/retry";
    case R_NONE:
    case R_INGEST:
    case R_DASHBOARD:
    default:
        return ""; /* in no row: refused to every person */
    }
}

enum MHD_Result hub_http_forbidden(struct MHD_Connection *conn, const hub_person *p,
                                   const char *action, const char *site)
{
    am_log_warn(MOD, "%s %s: %s refused%s%s", hub_role_name(p->role), p->name, action,
                site ? " at site " : "", site ? site : "");
    if (site)
        return hub_http_send_error(conn, 403, "forbidden", "%s %s may not %s at site %s",
                                   hub_role_name(p->role), p->name, action, site);
    return hub_http_send_error(conn, 403, "forbidden", "the %s role may not %s",
                               hub_role_name(p->role), action);
}

/* --- the audit trail --------------------------------------------------------------- */

hub_audit_entry hub_http_entry(hub_server *s, struct MHD_Connection *conn, const request *req,
                               char addr[64], const char *action, const char *site,
                               const char *target, const char *before, const char *after)
{
    int64_t now = am_wall_ms();
    hub_dash_client_address(conn, addr, 64);
    hub_audit_entry e = {.at_ms = now,
                         .actor = req->person.name,
                         .via = "api",
                         .address = addr,
                         .action = action,
                         .site = site,
                         .target = target,
                         .before = before,
                         .after = after};
    int64_t last = atomic_load(&s->audit_purged_ms);
    if (now - last >= AUDIT_PURGE_MS &&
        atomic_compare_exchange_strong(&s->audit_purged_ms, &last, now))
        hub_audit_purge_old(s->db, s->cfg->audit_retention_days, now);
    return e;
}

void hub_http_audit(hub_server *s, struct MHD_Connection *conn, const request *req,
                    const char *action, const char *site, const char *target, const char *before,
                    const char *after)
{
    char addr[64];
    hub_audit_entry e = hub_http_entry(s, conn, req, addr, action, site, target, before, after);
    hub_audit(s->db, &e);
}

/* --- authentication -------------------------------------------------------------- */

const char *hub_http_header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

static enum MHD_Result unauthorized(struct MHD_Connection *conn, const char *reason)
{
    return hub_http_send_error_h(conn, 401, "unauthorized", MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                 "Bearer realm=\"amends-hub\"", "%s", reason);
}

enum MHD_Result hub_http_ingest_refuse(hub_server *s, struct MHD_Connection *conn, request *req,
                                       const char *batch, unsigned status, const char *code,
                                       const char *reason)
{
    am_log_warn(MOD, "kiosk %s: ingest refused (%u %s)", req->kiosk.id, status, code);
    hub_db_ingest_log(s->db, req->kiosk.id, batch, am_wall_ms(), (int)status, reason);
    return hub_http_send_error(conn, status, code, "%s", reason);
}

/* Decides what can be decided from the headers alone. Returns true when a
 * response has been queued (the request is refused). */
static bool on_headers(hub_server *s, struct MHD_Connection *conn, request *req,
                       enum MHD_Result *ret)
{
    char hash[HUB_HASH_HEX];
    const char *token = hub_bearer(hub_http_header(conn, MHD_HTTP_HEADER_AUTHORIZATION));
    if (req->route == R_INGEST) {
        const char *length = hub_http_header(conn, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length) {
            char *end = NULL;
            errno = 0;
            unsigned long long n = strtoull(length, &end, 10);
            if (errno || !end || *end) {
                *ret =
                    hub_http_send_error(conn, 400, "bad_batch", "Content-Length is not a number");
                return true;
            }
            if (n > s->cfg->max_body_bytes) {
                /* Refuse before the body when the client waits for "100
                 * Continue", or when the body is absurd; otherwise read
                 * and drop it so that the 413 reaches a client that is
                 * still sending (closing on it would look like a network
                 * error, which it would retry instead of splitting). */
                const char *expect = hub_http_header(conn, MHD_HTTP_HEADER_EXPECT);
                if ((expect && !strcasecmp(expect, "100-continue")) ||
                    n > 4 * (unsigned long long)s->cfg->max_body_bytes) {
                    *ret = hub_http_send_error(conn, 413, "too_large",
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
            *ret = hub_http_send_db_error(conn, rc);
            return true;
        }
        if (req->kiosk.disabled) {
            /* A code of its own, so that the kiosk keeps its records
             * waiting instead of taking this for bad credentials. */
            *ret = hub_http_ingest_refuse(
                s, conn, req, NULL, 403, "kiosk_disabled",
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
            *ret = hub_http_send_error_h(
                conn, 429, "rate_limited", MHD_HTTP_HEADER_RETRY_AFTER, value,
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
        *ret = hub_http_send_db_error(conn, rc);
        return true;
    }
    /* The role table, before any body or query is looked at. */
    if (hub_access_of(&req->person, hub_http_route_action(req->route)) == HUB_ACCESS_NO) {
        *ret = hub_http_forbidden(conn, &req->person, hub_http_route_action(req->route), NULL);
        return true;
    }
    return false;
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
            return hub_http_send_error_h(conn, 503, "shutting_down", MHD_HTTP_HEADER_CONNECTION,
                                         "close", "the hub is shutting down: try again");
        }
        req->route = match(url, req->path_id, sizeof req->path_id);
        am_buf_init(&req->body,
                    req->route == R_DASHBOARD ? HUB_DASH_BODY_MAX : s->cfg->max_body_bytes);
        if (req->route == R_NONE) {
            req->answered = true;
            return hub_http_send_error(conn, 404, "not_found", "no such endpoint");
        }
        if (req->route == R_DASHBOARD)
            return MHD_YES; /* the dashboard checks its own sessions */
        if (strcmp(method, route_method(req->route)) != 0) {
            req->answered = true;
            return hub_http_send_error_h(conn, 405, "method_not_allowed", MHD_HTTP_HEADER_ALLOW,
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
        if (req->answered ||
            (req->route != R_INGEST && req->route != R_DASHBOARD && req->route != R_CASE_EVENTS) ||
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
        return hub_http_handle_ingest(s, conn, req);
    if (req->route == R_DASHBOARD) {
        if (req->too_large)
            return hub_http_send_error(conn, 413, "too_large", "form larger than %d bytes",
                                       HUB_DASH_BODY_MAX);
        return hub_dash_handle(s->dash, conn, url, method, am_buf_str(&req->body),
                               am_buf_len(&req->body));
    }
    if (req->route == R_VOUCHER || req->route == R_VOUCHER_REDEEM)
        return hub_http_handle_voucher(s, conn, req);
    if (req->route == R_CASES || req->route == R_CASE || req->route == R_CASE_EVENTS)
        return hub_http_handle_cases(s, conn, req);
    if (req->route == R_TRENDS)
        return hub_http_handle_trends(s, conn, req);
    if (req->route == R_NOTIFICATIONS || req->route == R_NOTIFICATION_RETRY)
        return hub_http_handle_notifications(s, conn, req);
    return hub_http_handle_manager(s, conn, req);
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

/* Reads a PEM file; a private key (`secret`) that every user of the
 * machine may read is refused. Its group may read it: Debian gives TLS
 * keys to the group ssl-cert (mode 0640). */
static char *read_pem(const char *path, bool secret, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    struct stat sb;
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    if (secret && fstat(fileno(f), &sb) == 0 && (sb.st_mode & 007)) {
        snprintf(err, errlen,
                 "hub.key %s: has mode %04o, so every user of this machine can read the hub's "
                 "TLS key; chmod 600 %s (or 640 with a group only the hub is in)",
                 path, (unsigned)(sb.st_mode & 07777), path);
        fclose(f);
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
    hub_dash_set_voucher_limit(s->dash, s->voucher_fail);
    /* Entries past the retention go now, and then hourly (hub_http_audit). */
    atomic_store(&s->audit_purged_ms, am_wall_ms());
    hub_audit_purge_old(db, cfg->audit_retention_days, am_wall_ms());
    /* A thread per connection: a request waiting for the database holds
     * up only itself, never the other kiosks that share a pool thread.
     * The database pool (cfg->threads connections) bounds the real work. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (cfg->addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (cfg->tls) {
        flags |= MHD_USE_TLS;
        s->cert_pem = read_pem(cfg->cert, false, err, errlen);
        if (!s->cert_pem)
            goto out;
        s->key_pem = read_pem(cfg->key, true, err, errlen);
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
