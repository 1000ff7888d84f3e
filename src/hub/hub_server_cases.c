/* hub_server_cases.c — the cases API: GET /v1/cases (filters), GET
 * /v1/cases/{id-or-code} with the report and the timeline (hub_case.h). */
#include "hub_server_internal.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "amends/clock.h"
#include "hub_case.h"

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
        cJSON_Delete(c);
        *ret = hub_http_forbidden(conn, &req->person, action, site);
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

enum MHD_Result hub_http_handle_cases(hub_server *s, struct MHD_Connection *conn, request *req)
{
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
