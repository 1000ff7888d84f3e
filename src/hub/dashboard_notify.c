/* dashboard_notify.c — the notifications page: the outbox counted by
 * state per site, and the dead messages with their last error, each with
 * a "Send again" button (a CSRF-checked form). For admins and the managers
 * of the site (hub_notify.h). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "dashboard_internal.h"
#include "hub_notify.h"

#define MOD "dashboard"

static const char *jstr(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? s : "";
}

static double jnum(const cJSON *o, const char *key)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The sites whose notifications `who` sees (NULL with *n 0: every site). */
static const char *const *sites_of(const hub_person *who, const char **sites, int *n)
{
    *n = 0;
    if (hub_access_of(who, "GET /notifications") == HUB_ACCESS_ANY)
        return NULL;
    for (size_t i = 0; i < who->nsites && *n < HUB_SCOPE_MAX; i++)
        if (hub_allowed(who, "GET /notifications", who->sites[i]))
            sites[(*n)++] = who->sites[i];
    return sites;
}

enum MHD_Result hub_dash_notifications_page(hub_dash *d, struct MHD_Connection *conn,
                                            const web_session *ws, const hub_person *who)
{
    const char *sites[HUB_SCOPE_MAX];
    int n = 0;
    const char *const *scope = sites_of(who, sites, &n);
    cJSON *root = NULL;
    if (hub_db_notifications(d->db, scope, n, &root))
        return hub_dash_message_page(conn, 503, "Unavailable",
                                     "The hub could not read its database.");
    hub_html h = {0};
    hub_dash_page_start(&h, "Notifications", ws);
    hub_html_raw(&h, "<h2>Notifications by site</h2><table><thead><tr><th>Site</th>"
                     "<th>Waiting</th><th>Sending</th><th>Sent</th><th>Dead</th></tr></thead>"
                     "<tbody>");
    const cJSON *row;
    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(root, "sites"))
    {
        hub_html_raw(&h, "<tr><td data-label=\"Site\">");
        hub_html_text(&h, jstr(row, "site"));
        hub_html_fmt(&h,
                     "</td><td data-label=\"Waiting\">%.0f</td><td data-label=\"Sending\">%.0f"
                     "</td><td data-label=\"Sent\">%.0f</td><td data-label=\"Dead\">%.0f</td>"
                     "</tr>",
                     jnum(row, "pending"), jnum(row, "sending"), jnum(row, "sent"),
                     jnum(row, "dead"));
    }
    hub_html_raw(&h, "</tbody></table><h2>Dead letters</h2>");
    const cJSON *dead = cJSON_GetObjectItemCaseSensitive(root, "dead");
    if (cJSON_GetArraySize(dead) == 0) {
        hub_html_raw(&h, "<p class=\"dead-letters none\">No dead notifications.</p>");
    } else {
        hub_html_raw(&h, "<table class=\"dead-letters\"><thead><tr><th>Message</th><th>Site</th>"
                         "<th>Event</th><th>Destination</th><th>Attempts</th><th>Last error</th>"
                         "<th></th></tr></thead><tbody>");
        cJSON_ArrayForEach(row, dead)
        {
            hub_html_raw(&h, "<tr><td data-label=\"Message\"><code>");
            hub_html_text(&h, jstr(row, "id"));
            hub_html_raw(&h, "</code></td><td data-label=\"Site\">");
            hub_html_text(&h, jstr(row, "site"));
            hub_html_raw(&h, "</td><td data-label=\"Event\">");
            hub_html_text(&h, jstr(row, "event"));
            hub_html_raw(&h, "</td><td data-label=\"Destination\">");
            hub_html_text(&h, jstr(row, "kind"));
            hub_html_raw(&h, " ");
            hub_html_text(&h, jstr(row, "destination"));
            hub_html_fmt(&h, "</td><td data-label=\"Attempts\">%.0f</td>", jnum(row, "attempts"));
            hub_html_raw(&h, "<td data-label=\"Last error\" class=\"error\">");
            hub_html_text(&h, jstr(row, "last_error"));
            hub_html_raw(&h, "</td><td>");
            if (hub_allowed(who, "POST /notifications/{id}/retry", jstr(row, "site"))) {
                hub_html_raw(&h, "<form method=\"post\" action=\"/notifications/");
                hub_html_text(&h, jstr(row, "id"));
                hub_html_raw(&h, "/retry\"><input type=\"hidden\" name=\"csrf\" value=\"");
                hub_html_text(&h, ws->csrf);
                hub_html_raw(&h, "\"><button type=\"submit\">Send again</button></form>");
            }
            hub_html_raw(&h, "</td></tr>");
        }
        hub_html_raw(&h, "</tbody></table>");
    }
    cJSON_Delete(root);
    hub_dash_page_end(&h);
    return hub_dash_send_page(conn, 200, hub_html_take(&h), NULL, NULL, NULL);
}

enum MHD_Result hub_dash_notification_retry(hub_dash *d, struct MHD_Connection *conn,
                                            const web_session *ws, const hub_person *who,
                                            const char *id)
{
    static const char action[] = "POST /notifications/{id}/retry";
    char site[AM_KIOSK_ID_MAX], state[16], addr[64], disabled[256];
    bool has_destination = false;
    (void)ws;
    am_rc rc = hub_db_outbox_site(d->db, id, site, sizeof site, state, sizeof state,
                                  &has_destination, disabled, sizeof disabled);
    if (rc == AM_ERR_NOTFOUND)
        return hub_dash_message_page(conn, 404, "Not found", "No such notification.");
    if (rc)
        return hub_dash_message_page(conn, 503, "Unavailable",
                                     "The hub could not read its database.");
    if (!hub_allowed(who, action, site))
        return hub_dash_refused_page(conn, who, action, site);
    if (strcmp(state, "dead") || !has_destination)
        return hub_dash_message_page(conn, 409, "Not sent again",
                                     !has_destination
                                         ? "Its destination was removed."
                                         : "It is not dead: it was sent again already.");
    if (disabled[0]) {
        char why[400];
        snprintf(why, sizeof why,
                 "Its destination is turned off (%s). Add it again with an address that works, "
                 "then send this again.",
                 disabled);
        return hub_dash_message_page(conn, 409, "Not sent again", why);
    }
    hub_dash_client_address(conn, addr, sizeof addr);
    hub_audit_entry e = {.at_ms = am_wall_ms(),
                         .actor = who->name,
                         .via = "dashboard",
                         .address = addr,
                         .action = "notification.retry",
                         .site = site,
                         .target = id,
                         .before = "dead",
                         .after = "pending"};
    rc = hub_db_outbox_retry(d->db, id, am_wall_ms(), &e);
    if (rc == AM_ERR_INVALID)
        return hub_dash_message_page(conn, 409, "Not sent again",
                                     "It is not dead: it was sent again already.");
    if (rc)
        return hub_dash_message_page(conn, 503, "Not sent again", "The database is unavailable.");
    am_log_info(MOD, "message %s: sent again by %s", id, who->name);
    return hub_dash_redirect(conn, "/notifications", NULL);
}
