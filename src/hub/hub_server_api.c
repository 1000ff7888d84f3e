/* hub_server_api.c — the manager API handlers: kiosks, ingest log,
 * feedback and follow-ups (JSON or CSV), alerts, me, vouchers. */
#include "hub_server_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "amends/clock.h"
#include "amends/csv.h"
#include "amends/log.h"
#include "amends/voucher.h"
#include "hub_audit.h"
#include "hub_vouchers.h"

#define MOD           "http"
#define DEFAULT_LIMIT 1000
#define MAX_LIMIT     10000

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
        *ret = hub_http_send_db_error(conn, rc);
        return true;
    }
    if (hub_allowed(&req->person, hub_http_route_action(req->route), site))
        return false;
    *ret = hub_http_forbidden(conn, &req->person, hub_http_route_action(req->route), site);
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
        return hub_http_send_error(
            conn, 400, "bad_query",
            "unknown parameter '%s' (allowed: kiosk, since, category, outcome, "
            "format, limit)",
            bad);
    f.kiosk = arg(conn, "kiosk");
    f.category = arg(conn, "category");
    f.outcome = arg(conn, "outcome");
    const char *format = arg(conn, "format");
    if (f.kiosk && !am_proto_kiosk_id_valid(f.kiosk))
        return hub_http_send_error(conn, 400, "bad_query", "kiosk: not a kiosk id");
    if (f.kiosk && kiosk_refused(s, conn, req, f.kiosk, &refused))
        return refused;
    if (f.category && !am_proto_id_valid(f.category))
        return hub_http_send_error(conn, 400, "bad_query", "category: not a category id");
    am_outcome outcome;
    if (f.outcome && (am_outcome_parse(f.outcome, &outcome) != AM_OK || outcome == AM_OUTCOME_OPEN))
        return hub_http_send_error(conn, 400, "bad_query",
                                   "outcome: must be completed, abandoned or interrupted");
    if (!parse_since(arg(conn, "since"), &f.since_ms))
        return hub_http_send_error(conn, 400, "bad_query",
                                   "since: must be milliseconds since 1970, YYYY-MM-DD or "
                                   "YYYY-MM-DDTHH:MM:SSZ");
    if (!parse_limit(arg(conn, "limit"), &f.limit))
        return hub_http_send_error(conn, 400, "bad_query", "limit: must be from 1 to %d",
                                   MAX_LIMIT);
    bool csv = false;
    if (format && !strcmp(format, "csv"))
        csv = true;
    else if (format && strcmp(format, "json") != 0)
        return hub_http_send_error(conn, 400, "bad_query", "format: must be json or csv");

    cJSON *rows = NULL;
    am_rc rc = hub_db_feedback(s->db, &f, &rows);
    if (rc)
        return hub_http_send_db_error(conn, rc);
    if (hub_access_of(&req->person, hub_http_route_action(req->route)) == HUB_ACCESS_HIDDEN)
        hub_hide_personal(rows);
    if (csv) {
        char *text = to_csv(rows, followups ? followup_columns : hub_db_feedback_columns());
        cJSON_Delete(rows);
        if (!text)
            return hub_http_send_error(conn, 500, "internal", "out of memory");
        return hub_http_send_body(conn, 200, text, "text/csv; charset=utf-8",
                                  MHD_HTTP_HEADER_CONTENT_DISPOSITION,
                                  followups ? "attachment; filename=\"followups.csv\""
                                            : "attachment; filename=\"feedback.csv\"",
                                  NULL, NULL);
    }
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddItemToObject(root, followups ? "followups" : "feedback", rows)) {
        cJSON_Delete(rows);
        cJSON_Delete(root);
        return hub_http_send_error(conn, 500, "internal", "out of memory");
    }
    return hub_http_send_cjson(conn, root);
}

/* GET /v1/audit: the trail, newest first, a page at a time; a person who
 * is not an admin reads only their sites' entries. */
static enum MHD_Result handle_audit(hub_server *s, struct MHD_Connection *conn, const request *req)
{
    static const char *const allowed[] = {"site",   "person", "action", "since", "until",
                                          "before", "limit",  "format", NULL};
    char bad[48];
    hub_audit_filter f = {.scope = &req->person};
    if (!args_ok(conn, allowed, bad, sizeof bad))
        return hub_http_send_error(conn, 400, "bad_query",
                                   "unknown parameter '%s' (allowed: site, person, action, since, "
                                   "until, before, limit, format)",
                                   bad);
    f.site = arg(conn, "site");
    f.actor = arg(conn, "person");
    f.action = arg(conn, "action");
    const char *format = arg(conn, "format");
    const char *before = arg(conn, "before");
    if (f.site && !am_proto_kiosk_id_valid(f.site))
        return hub_http_send_error(conn, 400, "bad_query", "site: not a site id");
    if (f.site && !hub_allowed(&req->person, hub_http_route_action(req->route), f.site))
        return hub_http_forbidden(conn, &req->person, hub_http_route_action(req->route), f.site);
    if (f.actor && !am_proto_kiosk_id_valid(f.actor))
        return hub_http_send_error(conn, 400, "bad_query", "person: not a person's name");
    if (f.action && !hub_audit_action_known(f.action))
        return hub_http_send_error(conn, 400, "bad_query",
                                   "action: not an audited action (see docs/hub.md#audit-trail)");
    if (!parse_since(arg(conn, "since"), &f.since_ms) ||
        !parse_since(arg(conn, "until"), &f.until_ms))
        return hub_http_send_error(conn, 400, "bad_query",
                                   "since, until: must be milliseconds since 1970, YYYY-MM-DD or "
                                   "YYYY-MM-DDTHH:MM:SSZ");
    if (before) {
        char *end = NULL;
        errno = 0;
        long long v = strtoll(before, &end, 10);
        if (errno || *end || v < 1)
            return hub_http_send_error(conn, 400, "bad_query",
                                       "before: must be the \"next\" of the previous page");
        f.before_seq = v;
    }
    if (!parse_limit(arg(conn, "limit"), &f.limit))
        return hub_http_send_error(conn, 400, "bad_query", "limit: must be from 1 to %d",
                                   MAX_LIMIT);
    bool csv = format && !strcmp(format, "csv");
    if (format && !csv && strcmp(format, "json") != 0)
        return hub_http_send_error(conn, 400, "bad_query", "format: must be json or csv");
    cJSON *rows = NULL;
    am_rc rc = hub_db_audit_list(s->db, &f, &rows);
    if (rc)
        return hub_http_send_db_error(conn, rc);
    /* A full page may have more behind it: "next" is where the next one starts. */
    char next[24] = "";
    const cJSON *last = cJSON_GetArrayItem(rows, cJSON_GetArraySize(rows) - 1);
    if (cJSON_GetArraySize(rows) == f.limit && last)
        snprintf(next, sizeof next, "%.0f",
                 cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(last, "seq")));
    if (csv) {
        char *text = to_csv(rows, hub_audit_columns);
        cJSON_Delete(rows);
        if (!text)
            return hub_http_send_error(conn, 500, "internal", "out of memory");
        return hub_http_send_body(
            conn, 200, text, "text/csv; charset=utf-8", MHD_HTTP_HEADER_CONTENT_DISPOSITION,
            "attachment; filename=\"audit.csv\"", next[0] ? "Audit-Next-Before" : NULL, next);
    }
    cJSON *root = cJSON_CreateObject();
    bool ok = root && cJSON_AddItemToObject(root, "audit", rows);
    if (!ok)
        cJSON_Delete(rows);
    ok = ok && (next[0] ? cJSON_AddNumberToObject(root, "next", atof(next)) != NULL
                        : cJSON_AddNullToObject(root, "next") != NULL);
    if (!ok) {
        cJSON_Delete(root);
        return hub_http_send_error(conn, 500, "internal", "out of memory");
    }
    return hub_http_send_cjson(conn, root);
}

static enum MHD_Result wrap(struct MHD_Connection *conn, const char *name, cJSON *item)
{
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddItemToObject(root, name, item)) {
        cJSON_Delete(item);
        cJSON_Delete(root);
        return hub_http_send_error(conn, 500, "internal", "out of memory");
    }
    return hub_http_send_cjson(conn, root);
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
        return hub_http_send_error(conn, 500, "internal", "out of memory");
    }
    return hub_http_send_cjson(conn, me);
}

enum MHD_Result hub_http_handle_manager(hub_server *s, struct MHD_Connection *conn, request *req)
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
            return hub_http_send_error(conn, 400, "bad_query", "unknown parameter '%s'", bad);
        rc = hub_db_kiosks(s->db, &out);
        if (rc)
            return hub_http_send_db_error(conn, rc);
        hub_keep_own_kiosks(out, &req->person);
        return wrap(conn, "kiosks", out);
    case R_INGEST_LOG:
        if (!args_ok(conn, limit_only, bad, sizeof bad))
            return hub_http_send_error(conn, 400, "bad_query",
                                       "unknown parameter '%s' (allowed: limit)", bad);
        if (!parse_limit(arg(conn, "limit"), &limit))
            return hub_http_send_error(conn, 400, "bad_query", "limit: must be from 1 to %d",
                                       MAX_LIMIT);
        if (!am_proto_kiosk_id_valid(req->path_id))
            return hub_http_send_error(conn, 404, "not_found", "no such kiosk");
        if (kiosk_refused(s, conn, req, req->path_id, &refused))
            return refused;
        rc = hub_db_ingest_log_list(s->db, req->path_id, limit, &out);
        if (rc == AM_ERR_NOTFOUND)
            return hub_http_send_error(conn, 404, "not_found", "no kiosk %s", req->path_id);
        if (rc)
            return hub_http_send_db_error(conn, rc);
        return hub_http_send_cjson(conn, out);
    case R_FEEDBACK:
        return handle_feedback(s, conn, req, false);
    case R_FOLLOWUPS:
        return handle_feedback(s, conn, req, true);
    case R_AUDIT:
        return handle_audit(s, conn, req);
    case R_ME:
        if (!args_ok(conn, none, bad, sizeof bad))
            return hub_http_send_error(conn, 400, "bad_query", "unknown parameter '%s'", bad);
        return send_me(conn, &req->person);
    case R_ALERTS: {
        if (!args_ok(conn, alert_args, bad, sizeof bad))
            return hub_http_send_error(conn, 400, "bad_query",
                                       "unknown parameter '%s' (allowed: state, limit)", bad);
        const char *state = arg(conn, "state");
        if (state && strcmp(state, "open") && strcmp(state, "all"))
            return hub_http_send_error(conn, 400, "bad_query", "state: must be open or all");
        if (!parse_limit(arg(conn, "limit"), &limit))
            return hub_http_send_error(conn, 400, "bad_query", "limit: must be from 1 to %d",
                                       MAX_LIMIT);
        rc = hub_db_alerts(s->db, state && !strcmp(state, "open"), limit, &req->person, &out);
        if (rc)
            return hub_http_send_db_error(conn, rc);
        return wrap(conn, "alerts", out);
    }
    case R_LOGIN_LINK: {
        if (!args_ok(conn, none, bad, sizeof bad))
            return hub_http_send_error(conn, 400, "bad_query", "unknown parameter '%s'", bad);
        char path[128];
        int64_t expires = 0;
        char addr[64];
        hub_audit_entry e = hub_http_entry(s, conn, req, addr, "login_link.add", NULL,
                                           req->person.name, NULL, NULL);
        rc = hub_dash_login_link(s->dash, req->person.name, &e, path, sizeof path, &expires);
        if (rc)
            return hub_http_send_db_error(conn, rc);
        out = cJSON_CreateObject();
        if (!out || !cJSON_AddStringToObject(out, "path", path) ||
            !cJSON_AddNumberToObject(out, "expires_at", (double)expires)) {
            cJSON_Delete(out);
            return hub_http_send_error(conn, 500, "internal", "out of memory");
        }
        am_log_info(MOD, "manager %s: one-time login link made", req->person.name);
        return hub_http_send_cjson(conn, out);
    }
    case R_ALERT_ACK:
        if (!am_proto_uuid_valid(req->path_id))
            return hub_http_send_error(conn, 404, "not_found", "no such alert");
        rc = hub_db_alert_site(s->db, req->path_id, site, sizeof site);
        if (rc == AM_ERR_NOTFOUND)
            return hub_http_send_error(conn, 404, "not_found", "no alert %s", req->path_id);
        if (rc)
            return hub_http_send_db_error(conn, rc);
        if (!hub_allowed(&req->person, hub_http_route_action(req->route), site))
            return hub_http_forbidden(conn, &req->person, hub_http_route_action(req->route), site);
        {
            char addr[64];
            hub_audit_entry e = hub_http_entry(s, conn, req, addr, "alert.ack", site, req->path_id,
                                               "open", "acknowledged");
            rc = hub_db_alert_ack(s->db, req->path_id, req->person.name, e.at_ms, &e, &out);
        }
        if (rc == AM_ERR_NOTFOUND)
            return hub_http_send_error(conn, 404, "not_found", "no alert %s", req->path_id);
        if (rc)
            return hub_http_send_db_error(conn, rc);
        am_log_info(MOD, "alert %s acknowledged by manager %s", req->path_id, req->person.name);
        return wrap(conn, "alert", out);
    default:
        return hub_http_send_error(conn, 404, "not_found", "no such endpoint");
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
        return hub_http_send_error(conn, 500, "internal", "out of memory");
    return hub_http_send_json(conn, http, text);
}

enum MHD_Result hub_http_handle_voucher(hub_server *s, struct MHD_Connection *conn, request *req)
{
    static const char *const none[] = {NULL};
    char bad[48], reason[256], when[32], site[AM_KIOSK_ID_MAX], target[128];
    int retry_s;
    hub_voucher v;
    am_voucher_result res;
    bool redeem = req->route == R_VOUCHER_REDEEM;

    if (!args_ok(conn, none, bad, sizeof bad))
        return hub_http_send_error(conn, 400, "bad_query", "unknown parameter '%s'", bad);
    if (!hub_rate_check(s->voucher_fail, req->person.name, am_wall_ms(), &retry_s)) {
        char value[16];
        snprintf(value, sizeof value, "%d", retry_s);
        am_log_warn(MOD, "manager %s: voucher checks rate limited for %d s", req->person.name,
                    retry_s);
        return hub_http_send_error_h(conn, 429, "rate_limited", MHD_HTTP_HEADER_RETRY_AFTER, value,
                                     "too many failed voucher checks: retry after %d s", retry_s);
    }
    am_rc rc = hub_voucher_verify(s->db, req->path_id, am_wall_ms(), &v, &res);
    if (rc) {
        am_log_error(MOD, "voucher check failed: %s", am_rc_str(rc));
        return hub_http_send_db_error(conn, rc);
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
    /* The entry goes in with the redemption, in its transaction. */
    char addr[64];
    hub_voucher_target(&v, target, sizeof target);
    bool sited = hub_db_kiosk_site(s->db, v.rec.kiosk, site, sizeof site) == AM_OK;
    hub_audit_entry e = hub_http_entry(s, conn, req, addr, "voucher.redeem", sited ? site : NULL,
                                       target, "valid", "redeemed");
    rc = hub_db_voucher_redeem(s->db, res.code.text, req->person.name, e.at_ms, &e, &won, &v);
    if (rc)
        return hub_http_send_db_error(conn, rc);
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

/* --- shared with the other handler files ---------------------------------------------- */

bool hub_http_args_ok(struct MHD_Connection *conn, const char *const *allowed, char *bad,
                      size_t badlen)
{
    return args_ok(conn, allowed, bad, badlen);
}

const char *hub_http_arg(struct MHD_Connection *conn, const char *name)
{
    return arg(conn, name);
}

bool hub_http_parse_limit(const char *text, int *out)
{
    return parse_limit(text, out);
}

bool hub_http_parse_since(const char *text, int64_t *out)
{
    return parse_since(text, out);
}
