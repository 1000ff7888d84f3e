/* dashboard_people.c — people on the dashboard, for admins and managers:
 * the list of the people they manage, adding one (who then gets a link to
 * set a password), changing a role, a new set-password link (a reset) and
 * removing a person (after a confirmation). An admin manages everyone; a
 * manager the people all of whose sites are theirs, never an admin, and
 * gives no one the admin role. The role table (hub_roles.c) lets only
 * these two roles in; this file decides which people and which sites. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "dashboard_internal.h"

static const char *jstr(const cJSON *o, const char *key)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
    return s ? s : "";
}

/* The role and sites of a row of hub_db_people. */
static void person_of(const cJSON *row, hub_person *p)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", jstr(row, "name"));
    if (hub_role_parse(jstr(row, "role"), &p->role) != 0)
        p->role = HUB_ROLE_ADMIN; /* unknown: nobody but an admin touches it */
    const cJSON *s;
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(row, "sites"))
    {
        if (cJSON_IsString(s) && p->nsites < HUB_SCOPE_MAX)
            snprintf(p->sites[p->nsites++], sizeof p->sites[0], "%s", s->valuestring);
    }
    cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(row, "teams"))
    {
        char site[AM_KIOSK_ID_MAX];
        const char *t = cJSON_GetStringValue(s);
        const char *slash = t ? strchr(t, '/') : NULL;
        if (!slash || p->nsites >= HUB_SCOPE_MAX)
            continue;
        snprintf(site, sizeof site, "%.*s", (int)(slash - t), t);
        bool known = false;
        for (size_t i = 0; i < p->nsites && !known; i++)
            known = !strcmp(p->sites[i], site);
        if (!known)
            snprintf(p->sites[p->nsites++], sizeof p->sites[0], "%s", site);
    }
}

/* True when `who` may manage `p`: an admin anyone; a manager a person who
 * is not an admin and all of whose sites (at least one) are theirs. */
static bool manages(const hub_person *who, const hub_person *p)
{
    if (who->role == HUB_ROLE_ADMIN)
        return true;
    if (who->role != HUB_ROLE_MANAGER || p->role == HUB_ROLE_ADMIN || p->nsites == 0)
        return false;
    for (size_t i = 0; i < p->nsites; i++) {
        if (!hub_person_at(who, p->sites[i]))
            return false;
    }
    return true;
}

/* A person name as the command line takes it: 1 to 64 of A-Z a-z 0-9 . _ -. */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

static void role_options(hub_html *h, const hub_person *who, hub_role selected)
{
    for (int r = 0; r < HUB_ROLE_COUNT; r++) {
        if (r == HUB_ROLE_ADMIN && who->role != HUB_ROLE_ADMIN)
            continue;
        hub_html_fmt(h, "<option value=\"%s\"%s>%s</option>", hub_role_name((hub_role)r),
                     r == (int)selected ? " selected" : "", hub_role_name((hub_role)r));
    }
}

static void csrf_field(hub_html *h, const web_session *ws)
{
    hub_html_raw(h, "<input type=\"hidden\" name=\"csrf\" value=\"");
    hub_html_text(h, ws->csrf);
    hub_html_raw(h, "\">");
}

static enum MHD_Result list_page(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                 const hub_person *who)
{
    cJSON *people = NULL, *sites = NULL;
    am_rc rc = hub_db_people(d->db, &people);
    if (!rc)
        rc = hub_db_sites(d->db, &sites);
    if (rc) {
        cJSON_Delete(people);
        return hub_dash_message_page(conn, 503, "Unavailable",
                                     "The hub could not read its database.");
    }
    hub_html h = {0};
    hub_dash_page_start(&h, "People", ws);
    hub_html_raw(&h, "<main><p><a href=\"/\">Dashboard</a></p><section><h2>People");
    hub_html_raw(&h, who->role == HUB_ROLE_ADMIN ? " <span class=\"count\">every site</span>"
                                                 : " <span class=\"count\">of your sites</span>");
    hub_html_raw(&h, "</h2><table id=\"people\"><tr><th>name</th><th>role</th><th>sites</th>"
                     "<th>teams</th><th>password</th><th>access</th></tr>");
    const cJSON *row;
    int shown = 0;
    cJSON_ArrayForEach(row, people)
    {
        hub_person p;
        if (!strcmp(jstr(row, "role"), "removed"))
            continue; /* kept for the audit trail, managed by no one */
        person_of(row, &p);
        if (!manages(who, &p))
            continue;
        shown++;
        hub_html_raw(&h, "<tr class=\"person\" data-person=\"");
        hub_html_text(&h, p.name);
        hub_html_raw(&h, "\"><td>");
        hub_html_text(&h, p.name);
        hub_html_raw(&h, "</td><td><form method=\"post\" action=\"/people/");
        hub_html_text(&h, p.name);
        hub_html_raw(&h, "/role\">");
        csrf_field(&h, ws);
        hub_html_raw(&h, "<select name=\"role\" aria-label=\"role of ");
        hub_html_text(&h, p.name);
        hub_html_raw(&h, "\">");
        role_options(&h, who, p.role);
        hub_html_raw(&h, "</select> <button type=\"submit\">Change</button></form></td><td>");
        const cJSON *s;
        const char *sep = "";
        if (p.role == HUB_ROLE_ADMIN)
            hub_html_raw(&h, "<span class=\"muted\">every site</span>");
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(row, "sites"))
        {
            hub_html_raw(&h, sep);
            hub_html_text(&h, cJSON_GetStringValue(s) ? s->valuestring : "");
            sep = ", ";
        }
        hub_html_raw(&h, "</td><td>");
        sep = "";
        cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(row, "teams"))
        {
            hub_html_raw(&h, sep);
            hub_html_text(&h, cJSON_GetStringValue(s) ? s->valuestring : "");
            sep = ", ";
        }
        hub_html_raw(&h, "</td><td><form method=\"post\" action=\"/people/");
        hub_html_text(&h, p.name);
        hub_html_raw(&h, "/password-link\">");
        csrf_field(&h, ws);
        hub_html_raw(&h, "<button type=\"submit\">Reset password</button></form></td>"
                         "<td><form method=\"post\" action=\"/people/");
        hub_html_text(&h, p.name);
        hub_html_raw(&h, "/remove\">");
        csrf_field(&h, ws);
        hub_html_raw(&h, "<button type=\"submit\">Remove</button></form></td></tr>");
    }
    if (!shown)
        hub_html_raw(&h, "<tr><td colspan=\"6\" class=\"muted\">Nobody yet.</td></tr>");
    hub_html_raw(&h, "</table><p class=\"muted\">Reset password makes a new one-time link "
                     "(24 hours) where the person sets a new password; their old password "
                     "works until then. Remove asks first, then ends the person's access at once: "
                     "their API tokens, sessions and password.</p></section>");

    hub_html_raw(&h, "<section><h2>Add a person</h2><form method=\"post\" action=\"/people\" "
                     "class=\"add\">");
    csrf_field(&h, ws);
    hub_html_raw(&h, "<label>Name <input name=\"name\" required maxlength=\"64\" "
                     "pattern=\"[A-Za-z0-9._\\-]+\" autocomplete=\"off\"></label> "
                     "<label>Role <select name=\"role\">");
    role_options(&h, who, HUB_ROLE_STAFF);
    hub_html_raw(&h, "</select></label> <label>Site <select name=\"site\">");
    if (who->role == HUB_ROLE_ADMIN)
        hub_html_raw(&h, "<option value=\"\">none (an admin)</option>");
    const cJSON *site;
    cJSON_ArrayForEach(site, sites)
    {
        const char *id = jstr(site, "id");
        if (!hub_person_at(who, id))
            continue;
        hub_html_raw(&h, "<option value=\"");
        hub_html_text(&h, id);
        hub_html_raw(&h, "\">");
        hub_html_text(&h, jstr(site, "name"));
        hub_html_raw(&h, "</option>");
    }
    hub_html_raw(&h, "</select></label> <label>Team <select name=\"team\">"
                     "<option value=\"\">none (the whole site)</option>");
    cJSON_ArrayForEach(site, sites)
    {
        const char *id = jstr(site, "id");
        const cJSON *team;
        if (!hub_person_at(who, id))
            continue;
        cJSON_ArrayForEach(team, cJSON_GetObjectItemCaseSensitive(site, "teams"))
        {
            hub_html_raw(&h, "<option value=\"");
            hub_html_text(&h, id);
            hub_html_raw(&h, "/");
            hub_html_text(&h, jstr(team, "id"));
            hub_html_raw(&h, "\">");
            hub_html_text(&h, jstr(site, "name"));
            hub_html_raw(&h, ": ");
            hub_html_text(&h, jstr(team, "name"));
            hub_html_raw(&h, "</option>");
        }
    }
    hub_html_raw(&h, "</select></label> <button type=\"submit\">Add</button></form>"
                     "<p class=\"muted\">The hub shows a one-time link (24 hours) for the new "
                     "person to set their password. A team's person works at the team's site.</p>"
                     "</section></main>");
    hub_dash_page_end(&h);
    cJSON_Delete(people);
    cJSON_Delete(sites);
    return hub_dash_send_page(conn, 200, hub_html_take(&h), NULL, NULL, NULL);
}

/* The page that shows a new set-password link for person, once; `who`
 * made it (recorded with when it expires, never the link). */
static enum MHD_Result link_page(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                 const hub_person *who, const char *person, const char *title)
{
    char path[128], err[256], when[32], after[64], addr[HUB_DASH_ADDR_MAX];
    int64_t now = am_wall_ms(), expires = now + HUB_PASSWORD_LINK_MS;
    am_format_utc(expires, when, sizeof when);
    snprintf(after, sizeof after, "a link good until %s", when);
    hub_audit_entry e =
        hub_dash_entry(conn, addr, who->name, "password_link.add", NULL, person, NULL, after);
    e.person_sites = person; /* filed under each of the person's sites */
    e.detail = !strcmp(title, "Person added") ? "for a new person" : "a new link";
    if (hub_db_password_link_new(d->db, person, now, path, sizeof path, &expires, &e, err,
                                 sizeof err) != AM_OK)
        return hub_dash_message_page(conn, 503, "No link", err);
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    hub_html h = {0};
    hub_dash_page_start(&h, title, ws);
    hub_html_raw(&h, "<main><section><h2>");
    hub_html_text(&h, title);
    hub_html_raw(&h, "</h2><p>Give this link to <b>");
    hub_html_text(&h, person);
    hub_html_raw(&h, "</b>: it sets their password, once, until ");
    hub_html_text(&h, when);
    hub_html_raw(&h, " (UTC). It is shown only now.</p><p><code id=\"password-link\">");
    hub_html_text(&h, d->cfg->tls ? "https://" : "http://");
    hub_html_text(&h, host ? host : "HUB");
    hub_html_text(&h, path);
    hub_html_raw(&h, "</code></p><p><a href=\"/people\">Back to people</a></p></section></main>");
    hub_dash_page_end(&h);
    sodium_memzero(path, sizeof path);
    return hub_dash_send_page(conn, 200, hub_html_take(&h), NULL, NULL, NULL);
}

static enum MHD_Result refuse(struct MHD_Connection *conn, const hub_person *who, const char *what)
{
    am_log_warn(HUB_DASH_MOD, "%s %s: %s refused", hub_role_name(who->role), who->name, what);
    return hub_dash_message_page(conn, 403, "Not allowed", what);
}

static enum MHD_Result add(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                           const hub_person *who, const char *body, size_t len)
{
    char name[HUB_NAME_MAX], role_s[16], site[AM_KIOSK_ID_MAX], team[2 * AM_KIOSK_ID_MAX], err[512];
    hub_role role;
    if (!hub_dash_form_value(body, len, "name", name, sizeof name) || !name_ok(name))
        return hub_dash_message_page(conn, 422, "Not added",
                                     "The name must be 1 to 64 of A-Z a-z 0-9 . _ -.");
    if (!hub_dash_form_value(body, len, "role", role_s, sizeof role_s) ||
        hub_role_parse(role_s, &role) != 0)
        return hub_dash_message_page(conn, 422, "Not added",
                                     "The role must be admin, manager, staff or viewer.");
    if (!hub_dash_form_value(body, len, "site", site, sizeof site))
        site[0] = '\0';
    if (!hub_dash_form_value(body, len, "team", team, sizeof team))
        team[0] = '\0';
    if (role == HUB_ROLE_ADMIN && who->role != HUB_ROLE_ADMIN)
        return refuse(conn, who, "Only an admin makes an admin.");
    if (role == HUB_ROLE_ADMIN && (site[0] || team[0]))
        return hub_dash_message_page(conn, 422, "Not added",
                                     "An admin has every site: choose no site and no team.");
    if (role != HUB_ROLE_ADMIN && !site[0] && !team[0])
        return hub_dash_message_page(conn, 422, "Not added",
                                     "Choose the person's site (or a team of it).");
    /* A team names its site: the site chosen must be the team's. */
    if (team[0]) {
        size_t n = strcspn(team, "/");
        if (!team[n] || (site[0] && (strlen(site) != n || strncmp(site, team, n) != 0)))
            return hub_dash_message_page(conn, 422, "Not added",
                                         "The team chosen is not one of the site chosen.");
        snprintf(site, sizeof site, "%.*s", (int)n, team);
    }
    if (site[0] && !hub_person_at(who, site))
        return refuse(conn, who, "That site is not one of yours.");
    const char *sites[] = {site}, *teams[] = {team};
    char after[256], addr[HUB_DASH_ADDR_MAX];
    if (team[0])
        snprintf(after, sizeof after, "role=%s; teams=%s", hub_role_name(role), team);
    else if (site[0])
        snprintf(after, sizeof after, "role=%s; sites=%s", hub_role_name(role), site);
    else
        snprintf(after, sizeof after, "role=%s", hub_role_name(role));
    hub_audit_entry e = hub_dash_entry(conn, addr, who->name, "person.add", site[0] ? site : NULL,
                                       name, NULL, after);
    e.person_sites = name; /* and under each of the person's sites */
    am_rc rc = hub_db_person_add(d->db, name, role, sites, team[0] || !site[0] ? 0 : 1, teams,
                                 team[0] ? 1 : 0, am_wall_ms(), &e, err, sizeof err);
    if (rc)
        return hub_dash_message_page(conn, rc == AM_ERR_INVALID ? 422 : 503, "Not added", err);
    am_log_info(HUB_DASH_MOD, "%s added person %s (%s)", who->name, name, hub_role_name(role));
    return link_page(d, conn, ws, who, name, "Person added");
}

/* The person named in /people/{name}/..., if `who` manages them. */
static am_rc target(hub_dash *d, const hub_person *who, const char *name, hub_person *p)
{
    if (!name_ok(name))
        return AM_ERR_NOTFOUND;
    am_rc rc = hub_db_person_get(d->db, name, p);
    if (rc)
        return rc;
    return manages(who, p) ? AM_OK : AM_ERR_INVALID;
}

/* POST /people/{name}/remove: without confirm=yes, a page that asks (its
 * form posts confirm=yes); with it, the person's access ends. */
static enum MHD_Result remove_person(hub_dash *d, struct MHD_Connection *conn,
                                     const web_session *ws, const hub_person *who,
                                     const hub_person *p, const char *body, size_t len)
{
    char confirm[8], err[256], addr[HUB_DASH_ADDR_MAX];
    if (!hub_dash_form_value(body, len, "confirm", confirm, sizeof confirm) ||
        strcmp(confirm, "yes") != 0) {
        hub_html h = {0};
        hub_dash_page_start(&h, "Remove a person", ws);
        hub_html_raw(&h, "<main><section><h2>Remove ");
        hub_html_text(&h, p->name);
        hub_html_raw(&h, "?</h2><p>Their API tokens, sessions and password stop working at once; "
                         "their name stays in the audit trail. This cannot be undone.</p>"
                         "<form method=\"post\" action=\"/people/");
        hub_html_text(&h, p->name);
        hub_html_raw(&h, "/remove\" id=\"confirm-remove\">");
        csrf_field(&h, ws);
        hub_html_raw(&h, "<input type=\"hidden\" name=\"confirm\" value=\"yes\">"
                         "<button type=\"submit\">Remove ");
        hub_html_text(&h, p->name);
        hub_html_raw(&h, "</button></form><p><a href=\"/people\">Keep them</a></p></section>"
                         "</main>");
        hub_dash_page_end(&h);
        return hub_dash_send_page(conn, 200, hub_html_take(&h), NULL, NULL, NULL);
    }
    hub_audit_entry e =
        hub_dash_entry(conn, addr, who->name, "person.remove", NULL, p->name, NULL, NULL);
    am_rc rc = hub_db_person_remove(d->db, p->name, &e, err, sizeof err);
    if (rc == AM_ERR_NOTFOUND)
        return hub_dash_message_page(conn, 404, "Not found", "No such person.");
    if (rc)
        return hub_dash_message_page(conn, rc == AM_ERR_INVALID ? 422 : 503, "Not removed", err);
    am_log_info(HUB_DASH_MOD, "%s removed person %s", who->name, p->name);
    return hub_dash_redirect(conn, "/people", NULL);
}

enum MHD_Result hub_dash_people(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                const hub_person *who, const char *url, bool post, const char *body,
                                size_t len)
{
    if (!strcmp(url, "/people"))
        return post ? add(d, conn, ws, who, body, len) : list_page(d, conn, ws, who);
    char name[HUB_NAME_MAX + 1];
    const char *rest = url + strlen("/people/");
    const char *slash = strchr(rest, '/');
    if (!post || !slash || (size_t)(slash - rest) >= sizeof name)
        return hub_dash_message_page(conn, 404, "Not found", "No such page.");
    snprintf(name, sizeof name, "%.*s", (int)(slash - rest), rest);
    hub_person p;
    am_rc rc = target(d, who, name, &p);
    if (rc == AM_ERR_NOTFOUND)
        return hub_dash_message_page(conn, 404, "Not found", "No such person.");
    if (rc == AM_ERR_INVALID)
        return refuse(conn, who, "That person is not one you manage.");
    if (rc)
        return hub_dash_message_page(conn, 503, "Unavailable", "The database is unavailable.");
    if (!strcmp(slash, "/password-link")) {
        am_log_info(HUB_DASH_MOD, "%s made a set-password link for %s", who->name, name);
        return link_page(d, conn, ws, who, name, "New password link");
    }
    if (!strcmp(slash, "/remove"))
        return remove_person(d, conn, ws, who, &p, body, len);
    if (strcmp(slash, "/role") != 0)
        return hub_dash_message_page(conn, 404, "Not found", "No such page.");
    char role_s[16], err[256];
    hub_role role;
    if (!hub_dash_form_value(body, len, "role", role_s, sizeof role_s) ||
        hub_role_parse(role_s, &role) != 0)
        return hub_dash_message_page(conn, 422, "Not changed",
                                     "The role must be admin, manager, staff or viewer.");
    if (role == HUB_ROLE_ADMIN && who->role != HUB_ROLE_ADMIN)
        return refuse(conn, who, "Only an admin makes an admin.");
    if (p.role == HUB_ROLE_ADMIN && role != HUB_ROLE_ADMIN)
        return hub_dash_message_page(conn, 422, "Not changed",
                                     "An admin has no sites to keep: add the person again, "
                                     "under another name, with a site.");
    if (role != HUB_ROLE_ADMIN && p.nsites == 0)
        return hub_dash_message_page(conn, 422, "Not changed", "The person has no site.");
    /* The same role again changes nothing and is not recorded. */
    char addr[HUB_DASH_ADDR_MAX];
    hub_audit_entry e = hub_dash_entry(conn, addr, who->name, "person.role", NULL, name,
                                       hub_role_name(p.role), hub_role_name(role));
    e.person_sites = name; /* filed under each of the person's sites */
    if (hub_db_person_set_role(d->db, name, role, role == p.role ? NULL : &e, err, sizeof err) !=
        AM_OK)
        return hub_dash_message_page(conn, 503, "Not changed", err);
    am_log_info(HUB_DASH_MOD, "%s changed the role of %s from %s to %s", who->name, name,
                hub_role_name(p.role), hub_role_name(role));
    return hub_dash_redirect(conn, "/people", NULL);
}
