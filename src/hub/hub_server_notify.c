/* hub_server_notify.c — the notifications API: GET /v1/notifications (the
 * outbox counted by state per site, and the dead messages with their last
 * error) and POST /v1/notifications/{id}/retry (a dead message sent
 * again). For admins, and managers of the site (hub_notify.h). */
#include <stdio.h>
#include <string.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "hub_audit.h"
#include "hub_notify.h"
#include "hub_server_internal.h"

/* The sites whose notifications p reads: `site` alone, or all of p's
 * (NULL: every site, for one who may read any). */
static bool sites_of(const hub_person *p, const char *action, const char *site, const char **sites,
                     int *n, bool *all)
{
    *n = 0;
    *all = false;
    if (site) {
        if (!hub_allowed(p, action, site))
            return false;
        sites[(*n)++] = site;
        return true;
    }
    if (hub_access_of(p, action) == HUB_ACCESS_ANY) {
        *all = true;
        return true;
    }
    for (size_t i = 0; i < p->nsites && *n < HUB_SCOPE_MAX; i++)
        if (hub_allowed(p, action, p->sites[i]))
            sites[(*n)++] = p->sites[i];
    return true;
}

static enum MHD_Result list(hub_server *s, struct MHD_Connection *conn, const request *req)
{
    static const char *const allowed[] = {"site", NULL};
    const char *action = hub_http_route_action(req->route);
    char bad[48];
    if (!hub_http_args_ok(conn, allowed, bad, sizeof bad))
        return hub_http_send_error(conn, 400, "bad_query", "unknown parameter '%s' (allowed: site)",
                                   bad);
    const char *site = hub_http_arg(conn, "site");
    if (site && !am_proto_kiosk_id_valid(site))
        return hub_http_send_error(conn, 400, "bad_query", "site: not a site id");
    const char *sites[HUB_SCOPE_MAX];
    int n = 0;
    bool all = false;
    if (!sites_of(&req->person, action, site, sites, &n, &all))
        return hub_http_forbidden(conn, &req->person, action, site);
    cJSON *root = NULL;
    am_rc rc = hub_db_notifications(s->db, all ? NULL : sites, n, &root);
    if (rc)
        return hub_http_send_db_error(conn, rc);
    return hub_http_send_cjson(conn, root);
}

static enum MHD_Result retry(hub_server *s, struct MHD_Connection *conn, const request *req)
{
    const char *action = hub_http_route_action(req->route);
    char site[AM_KIOSK_ID_MAX], state[16], addr[64], disabled[256];
    bool has_destination = false;
    am_rc rc = hub_db_outbox_site(s->db, req->path_id, site, sizeof site, state, sizeof state,
                                  &has_destination, disabled, sizeof disabled);
    if (rc == AM_ERR_NOTFOUND)
        return hub_http_send_error(conn, 404, "not_found", "no notification %s", req->path_id);
    if (rc)
        return hub_http_send_db_error(conn, rc);
    if (!hub_allowed(&req->person, action, site))
        return hub_http_forbidden(conn, &req->person, action, site);
    if (strcmp(state, "dead") != 0)
        return hub_http_send_error(conn, 409, "not_dead", "notification %s is %s, not dead",
                                   req->path_id, state);
    if (!has_destination)
        return hub_http_send_error(conn, 409, "no_destination",
                                   "notification %s: its destination was removed", req->path_id);
    if (disabled[0])
        return hub_http_send_error(conn, 409, "destination_off",
                                   "notification %s: its destination is turned off (%s); add it "
                                   "again with an address that works, then send again",
                                   req->path_id, disabled);
    hub_audit_entry e = hub_http_entry(s, conn, req, addr, "notification.retry", site, req->path_id,
                                       "dead", "pending");
    rc = hub_db_outbox_retry(s->db, req->path_id, am_wall_ms(), &e);
    if (rc == AM_ERR_INVALID)
        return hub_http_send_error(conn, 409, "not_dead",
                                   "notification %s is no longer dead (sent again meanwhile) or "
                                   "its destination was turned off meanwhile",
                                   req->path_id);
    if (rc)
        return hub_http_send_db_error(conn, rc);
    am_log_info("notify", "message %s: sent again by %s", req->path_id, req->person.name);
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "id", req->path_id);
    cJSON_AddStringToObject(root, "state", "pending");
    return hub_http_send_cjson(conn, root);
}

enum MHD_Result hub_http_handle_notifications(hub_server *s, struct MHD_Connection *conn,
                                              request *req)
{
    if (req->route == R_NOTIFICATION_RETRY)
        return retry(s, conn, req);
    return list(s, conn, req);
}
