/* hub_server_cases.c — the cases API: GET /v1/cases (filters), GET
 * /v1/cases/{id-or-code} with the report and the timeline, POST
 * /v1/cases/{id}/events (hub_case.h). */
#include "hub_server_internal.h"

#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "hub_case.h"
#include "hub_trends.h"

/* The guest's name, contact and words in the report, as "hidden". */
static void hide_report(cJSON *c)
{
    cJSON *report = cJSON_GetObjectItemCaseSensitive(c, "report");
    if (!cJSON_IsObject(report))
        return;
    for (const char *const *f = hub_personal_fields; *f; f++) {
        if (cJSON_GetObjectItemCaseSensitive(report, *f))
            cJSON_ReplaceItemInObjectCaseSensitive(report, *f, cJSON_CreateString("hidden"));
    }
}

static enum MHD_Result list_cases(hub_server *s, struct MHD_Connection *conn, const request *req)
{
    static const char *const allowed[] = {"site",  "team", "state", "overdue",
                                          "since", "code", "limit", NULL};
    const char *action = hub_http_route_action(req->route);
    char bad[48];
    hub_case_filter f = {.scope = &req->person, .now_ms = am_wall_ms()};
    if (!hub_http_args_ok(conn, allowed, bad, sizeof bad))
        return hub_http_send_error(conn, 400, "bad_query",
                                   "unknown parameter '%s' (allowed: site, team, state, overdue, "
                                   "since, code, limit)",
                                   bad);
    f.site = hub_http_arg(conn, "site");
    f.team = hub_http_arg(conn, "team");
    f.state = hub_http_arg(conn, "state");
    f.code = hub_http_arg(conn, "code");
    const char *overdue = hub_http_arg(conn, "overdue");
    hub_case_state st;
    if (f.site && !am_proto_kiosk_id_valid(f.site))
        return hub_http_send_error(conn, 400, "bad_query", "site: not a site id");
    if (f.site && !hub_allowed(&req->person, action, f.site))
        return hub_http_forbidden(conn, &req->person, action, f.site);
    if (f.team && !am_proto_kiosk_id_valid(f.team))
        return hub_http_send_error(conn, 400, "bad_query", "team: not a team id");
    if (f.state && strcmp(f.state, "active") != 0 && hub_case_state_parse(f.state, &st) != 0)
        return hub_http_send_error(conn, 400, "bad_query",
                                   "state: must be open, acknowledged, in_progress, resolved, "
                                   "unresolved or active");
    if (f.code && !hub_case_code_valid(f.code))
        return hub_http_send_error(conn, 400, "bad_query",
                                   "code: a case code is up to 15 of A-Z 0-9 and '-'");
    if (overdue && strcmp(overdue, "true") && strcmp(overdue, "false"))
        return hub_http_send_error(conn, 400, "bad_query", "overdue: must be true or false");
    f.overdue_only = overdue && !strcmp(overdue, "true");
    if (!hub_http_parse_since(hub_http_arg(conn, "since"), &f.since_ms))
        return hub_http_send_error(conn, 400, "bad_query",
                                   "since: must be milliseconds since 1970, YYYY-MM-DD or "
                                   "YYYY-MM-DDTHH:MM:SSZ");
    if (!hub_http_parse_limit(hub_http_arg(conn, "limit"), &f.limit))
        return hub_http_send_error(conn, 400, "bad_query", "limit: must be from 1 to 10000");
    cJSON *rows = NULL;
    am_rc rc = hub_db_cases(s->db, &f, &rows);
    if (rc)
        return hub_http_send_db_error(conn, rc);
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddItemToObject(root, "cases", rows)) {
        cJSON_Delete(rows);
        cJSON_Delete(root);
        return hub_http_send_error(conn, 500, "internal", "out of memory");
    }
    return hub_http_send_cjson(conn, root);
}

/* The case named by the path (its id or its code), if p may see it: else
 * the answer is queued (404, 403) and NULL returned. */
static cJSON *case_for(hub_server *s, struct MHD_Connection *conn, const request *req,
                       enum MHD_Result *ret)
{
    const char *action = hub_http_route_action(req->route);
    cJSON *c = NULL;
    const char *key = req->path_id;
    bool digits = key[0] && strspn(key, "0123456789") == strlen(key);
    if (!digits && !hub_case_code_valid(key)) {
        *ret = hub_http_send_error(conn, 404, "not_found", "no such case");
        return NULL;
    }
    am_rc rc = hub_db_case_get(s->db, key, am_wall_ms(), &c);
    if (rc == AM_ERR_NOTFOUND) {
        *ret = hub_http_send_error(conn, 404, "not_found", "no case %s", key);
        return NULL;
    }
    if (rc) {
        *ret = hub_http_send_db_error(conn, rc);
        return NULL;
    }
    const char *site = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "site"));
    if (!hub_allowed(&req->person, action, site)) {
        /* `site` lives in c: answer first, then free. */
        *ret = hub_http_forbidden(conn, &req->person, action, site);
        cJSON_Delete(c);
        return NULL;
    }
    if (!hub_case_visible(&req->person, c)) {
        const char *team = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "team"));
        *ret = hub_http_send_error(conn, 403, "forbidden",
                                   "staff %s may not %s: the case is team %s's, not theirs",
                                   req->person.name, action, team ? team : "?");
        cJSON_Delete(c);
        return NULL;
    }
    return c;
}

/* 409: the event did not happen; the case's state and what was done last. */
static enum MHD_Result refuse_event(struct MHD_Connection *conn, const hub_case_action *a,
                                    const hub_case_outcome *o)
{
    char when[32] = "", reason[512];
    if (o->last_at)
        am_format_utc(o->last_at, when, sizeof when);
    if (o->verdict == HUB_CASE_CONFLICT)
        snprintf(reason, sizeof reason,
                 "the case changed first: %s did '%s' at %s; it is %s now (version %lld)",
                 o->last_actor, o->last_type, when, o->state, (long long)o->version);
    else
        snprintf(reason, sizeof reason,
                 "'%s' does not fit a case that is %s (last: %s did '%s' at %s)",
                 hub_case_event_name(a->type), o->state, o->last_actor, o->last_type, when);
    cJSON *root = cJSON_CreateObject();
    cJSON *last = cJSON_CreateObject();
    bool ok = root && last && cJSON_AddStringToObject(root, "error", "conflict") &&
              cJSON_AddStringToObject(root, "reason", reason) &&
              cJSON_AddStringToObject(root, "state", o->state) &&
              cJSON_AddNumberToObject(root, "version", (double)o->version) &&
              cJSON_AddStringToObject(last, "actor", o->last_actor) &&
              cJSON_AddStringToObject(last, "type", o->last_type) &&
              cJSON_AddNumberToObject(last, "at", (double)o->last_at);
    if (ok)
        ok = cJSON_AddItemToObject(root, "last", last);
    else
        cJSON_Delete(last);
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return hub_http_send_error(conn, 500, "internal", "out of memory");
    return hub_http_send_json(conn, 409, text);
}

/* POST /v1/cases/{id}/events. */
static enum MHD_Result case_event(hub_server *s, struct MHD_Connection *conn, request *req)
{
    enum MHD_Result ret = MHD_NO;
    char err[256], addr[64];
    hub_case_action *a = calloc(1, sizeof *a);
    if (!a)
        return hub_http_send_error(conn, 500, "internal", "out of memory");
    cJSON *c = case_for(s, conn, req, &ret);
    if (!c)
        goto out;
    if (req->too_large || am_buf_len(&req->body) > 64 * 1024) {
        ret = hub_http_send_error(conn, 413, "too_large", "an event is at most 64 KiB");
        goto out;
    }
    if (!hub_case_action_parse(am_buf_str(&req->body), am_buf_len(&req->body),
                               s->cfg->case_root_causes, a, err, sizeof err)) {
        ret = hub_http_send_error(conn, 400, "bad_event", "%s", err);
        goto out;
    }
    hub_dash_client_address(conn, addr, sizeof addr);
    hub_case_actor who = {.name = req->person.name, .via = "api", .address = addr};
    hub_case_outcome o;
    bool bad_person = false;
    int64_t id = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "id"));
    am_rc rc = hub_case_work(s->db, hub_http_route_action(req->route), c, a, &who, am_wall_ms(), &o,
                             &bad_person);
    if (!rc && bad_person) {
        ret = hub_http_send_error(conn, 422, "bad_person",
                                  "person: %s is not someone who may work this case (staff "
                                  "of its team, or a manager of its site)",
                                  a->person);
        goto out;
    }
    if (rc) {
        ret = hub_http_send_db_error(conn, rc);
        goto out;
    }
    if (o.verdict != HUB_CASE_DONE) {
        ret = refuse_event(conn, a, &o);
        goto out;
    }
    am_log_info("cases", "case %.0f: %s by %s", (double)id, hub_case_event_name(a->type),
                req->person.name);
    cJSON_Delete(c);
    c = NULL;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    rc = hub_db_case_get(s->db, key, am_wall_ms(), &c);
    if (rc) {
        ret = hub_http_send_db_error(conn, rc);
        goto out;
    }
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddItemToObject(root, "case", c)) {
        cJSON_Delete(root);
        ret = hub_http_send_error(conn, 500, "internal", "out of memory");
        goto out;
    }
    c = NULL;
    ret = hub_http_send_cjson(conn, root);
out:
    cJSON_Delete(c);
    sodium_memzero(a, sizeof *a);
    free(a);
    return ret;
}

enum MHD_Result hub_http_handle_cases(hub_server *s, struct MHD_Connection *conn, request *req)
{
    if (req->route == R_CASE_EVENTS)
        return case_event(s, conn, req);
    static const char *const none[] = {NULL};
    char bad[48];
    enum MHD_Result ret = MHD_NO;
    if (req->route == R_CASES)
        return list_cases(s, conn, req);
    if (!hub_http_args_ok(conn, none, bad, sizeof bad))
        return hub_http_send_error(conn, 400, "bad_query", "unknown parameter '%s'", bad);
    cJSON *c = case_for(s, conn, req, &ret);
    if (!c)
        return ret;
    if (hub_access_of(&req->person, hub_http_route_action(req->route)) == HUB_ACCESS_HIDDEN)
        hide_report(c);
    cJSON *root = cJSON_CreateObject();
    if (!root || !cJSON_AddItemToObject(root, "case", c)) {
        cJSON_Delete(c);
        cJSON_Delete(root);
        return hub_http_send_error(conn, 500, "internal", "out of memory");
    }
    return hub_http_send_cjson(conn, root);
}

/* GET /v1/trends?site=S[&days=N]. */
enum MHD_Result hub_http_handle_trends(hub_server *s, struct MHD_Connection *conn,
                                       const request *req)
{
    static const char *const allowed[] = {"site", "days", NULL};
    const char *action = hub_http_route_action(req->route);
    char bad[48];
    if (!hub_http_args_ok(conn, allowed, bad, sizeof bad))
        return hub_http_send_error(conn, 400, "bad_query",
                                   "unknown parameter '%s' (allowed: site, days)", bad);
    const char *site = hub_http_arg(conn, "site"), *days_text = hub_http_arg(conn, "days");
    if (!site || !am_proto_kiosk_id_valid(site))
        return hub_http_send_error(conn, 400, "bad_query", "site: required, a site id");
    if (!hub_allowed(&req->person, action, site))
        return hub_http_forbidden(conn, &req->person, action, site);
    int days = 30;
    if (days_text) {
        char *end = NULL;
        long v = strtol(days_text, &end, 10);
        if (!*days_text || *end || v < 1 || v > HUB_TRENDS_DAYS_MAX)
            return hub_http_send_error(conn, 400, "bad_query", "days: must be from 1 to %d",
                                       HUB_TRENDS_DAYS_MAX);
        days = (int)v;
    }
    cJSON *root = NULL;
    am_rc rc = hub_trends(s->db, site, days, am_wall_ms(), &root);
    if (rc)
        return hub_http_send_db_error(conn, rc);
    return hub_http_send_cjson(conn, root);
}
