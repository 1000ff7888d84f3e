/* dashboard_audit.c — the audit page: who changed what, newest first,
 * filtered by site, person, action and days, a page at a time. Admins
 * read every entry, managers their sites' (hub_db_audit_list cuts them),
 * times in the zone of the entry's site. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amends/proto.h"
#include "dashboard_internal.h"
#include "hub_audit.h"
#include "hub_tz.h"

#define PAGE_ROWS 100
#define DAY_MS    INT64_C(86400000)

static const char audit_style[] =
    "<style>"
    "form.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:flex-end;margin-bottom:12px}"
    "form.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}"
    "form.filters input,form.filters select{font:inherit;font-size:15px;padding:5px;"
    "min-width:130px}"
    "form.filters button{font-size:15px;padding:6px 14px}"
    "table.audit td{font-size:13px}table.audit td.time{white-space:nowrap}"
    "table.audit td.change{overflow-wrap:anywhere;max-width:420px}"
    "table.audit .arrow{color:var(--muted);padding:0 4px}"
    ".pager{margin-top:10px;font-size:15px}"
    "@media (max-width:700px){table.audit thead{display:none}"
    "table.audit tr{display:block;border-bottom:2px solid var(--line);padding:6px 0}"
    "table.audit td{display:block;border:0;padding:2px 4px}"
    "table.audit td::before{content:attr(data-label) ': ';color:var(--muted);font-size:12px}"
    "main{padding:10px}}"
    "</style>";

static const char *action_label(const char *action);

/* A query value, or NULL when absent or empty. */
static const char *q(struct MHD_Connection *conn, const char *name)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, name);
    return v && *v ? v : NULL;
}

/* YYYY-MM-DD (an <input type=date>) as ms at that UTC midnight. */
static bool day_ms(const char *text, int64_t *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = text ? strptime(text, "%Y-%m-%d", &tm) : NULL;
    if (!end || *end)
        return false;
    time_t t = timegm(&tm);
    if (t == (time_t)-1 || t < 0)
        return false;
    *out = (int64_t)t * 1000;
    return true;
}

static void option(hub_html *h, const char *value, const char *label, const char *chosen)
{
    hub_html_raw(h, "<option value=\"");
    hub_html_text(h, value);
    hub_html_raw(h, chosen && !strcmp(chosen, value) ? "\" selected>" : "\">");
    hub_html_text(h, label);
    hub_html_raw(h, "</option>");
}

static void input(hub_html *h, const char *label, const char *name, const char *type,
                  const char *value)
{
    hub_html_raw(h, "<label>");
    hub_html_text(h, label);
    hub_html_fmt(h, "<input type=\"%s\" name=\"%s\" value=\"", type, name);
    hub_html_text(h, value ? value : "");
    hub_html_raw(h, "\"></label>");
}

/* The filters, as a GET form: the page's URL is the view, to bookmark or
 * send. */
static void filters(hub_html *h, struct MHD_Connection *conn, const cJSON *sites,
                    const hub_person *who)
{
    hub_html_raw(h, "<form class=\"filters\" method=\"get\" action=\"/audit\">"
                    "<label>Site<select name=\"site\">");
    option(h, "", "all my sites", q(conn, "site"));
    const cJSON *s;
    cJSON_ArrayForEach(s, sites)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "id"));
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "name"));
        if (id && hub_person_at(who, id))
            option(h, id, name && *name ? name : id, q(conn, "site"));
    }
    hub_html_raw(h, "</select></label><label>Action<select name=\"action\">");
    option(h, "", "any", q(conn, "action"));
    for (const hub_audit_action *a = hub_audit_actions; a->name; a++)
        option(h, a->name, a->label, q(conn, "action"));
    hub_html_raw(h, "</select></label>");
    input(h, "Person", "person", "text", q(conn, "person"));
    input(h, "From (UTC day)", "since", "date", q(conn, "since"));
    input(h, "To (UTC day, included)", "until", "date", q(conn, "until"));
    hub_html_raw(h, "<button type=\"submit\">Show</button> <a href=\"/audit\">clear</a></form>");
}

static void cell(hub_html *h, const char *label, const char *cls, const char *text)
{
    hub_html_fmt(h, "<td data-label=\"%s\"%s%s%s>", label, cls ? " class=\"" : "", cls ? cls : "",
                 cls ? "\"" : "");
    hub_html_text(h, text && *text ? text : "—");
    hub_html_raw(h, "</td>");
}

/* The value `key` of the site `site` of the list, or NULL. */
static const char *of_site(const cJSON *sites, const char *site, const char *key)
{
    const cJSON *s;
    cJSON_ArrayForEach(s, sites)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "id"));
        if (site && id && !strcmp(id, site))
            return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, key));
    }
    return NULL;
}

static const char *zone_of_site(const cJSON *sites, const char *site)
{
    return of_site(sites, site, "timezone");
}

static const char *name_of_site(const cJSON *sites, const char *site)
{
    return of_site(sites, site, "name");
}

/* What a manager reads for an action (its name is the cell's tooltip). */
/* The action's label (hub_audit_actions); an unknown one as it is. */
static const char *action_label(const char *action)
{
    const char *label = hub_audit_action_label(action);
    return label ? label : action;
}

static void rows_table(hub_html *h, const cJSON *rows, const cJSON *sites)
{
    hub_html_raw(h, "<table class=\"audit\" id=\"audit\"><thead><tr><th>When</th><th>Who</th>"
                    "<th>Action</th><th>Site</th><th>About</th><th>Change</th><th>From</th>"
                    "</tr></thead><tbody>");
    const cJSON *r;
    cJSON_ArrayForEach(r, rows)
    {
        const char *site = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "site"));
        const char *zone = zone_of_site(sites, site);
        const char *actor = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "actor"));
        const char *via = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "via"));
        const char *before = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "before"));
        const char *after = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "after"));
        const char *detail = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "detail"));
        char when[64], who[160];
        hub_tz_format((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r, "at")),
                      zone, HUB_TZ_SECOND, when, sizeof when);
        snprintf(who, sizeof who, "%s (%s)", actor && *actor ? actor : "unknown", via ? via : "?");
        hub_html_raw(h, "<tr>");
        cell(h, "When", "time", when);
        cell(h, "Who", NULL, who);
        const char *action = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "action"));
        hub_html_raw(h, "<td data-label=\"Action\" title=\"");
        hub_html_text(h, action);
        hub_html_raw(h, "\">");
        hub_html_text(h, action_label(action));
        hub_html_raw(h, "</td>");
        const char *site_name = name_of_site(sites, site);
        hub_html_raw(h, "<td data-label=\"Site\" title=\"");
        hub_html_text(h, site ? site : "");
        hub_html_raw(h, "\">");
        hub_html_text(h, site_name ? site_name : site ? site : "—");
        hub_html_raw(h, "</td>");
        cell(h, "About", "text",
             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "target")));
        hub_html_raw(h, "<td data-label=\"Change\" class=\"change\">");
        if (before) {
            hub_html_text(h, before);
            hub_html_raw(h, "<span class=\"arrow\">→</span>");
        }
        if (after || before)
            hub_html_text(h, after ? after : "");
        if (detail) {
            hub_html_raw(h, (before || after) ? " <span class=\"muted\">(" : "<span>");
            hub_html_text(h, detail);
            hub_html_raw(h, (before || after) ? ")</span>" : "</span>");
        }
        if (!before && !after && !detail)
            hub_html_raw(h, "—");
        hub_html_raw(h, "</td>");
        cell(h, "From", "muted",
             cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "address")));
        hub_html_raw(h, "</tr>");
    }
    hub_html_raw(h, "</tbody></table>");
}

/* The link to the next page: this page's filters and before=SEQ. */
static void pager(hub_html *h, struct MHD_Connection *conn, int64_t next)
{
    static const char *const keep[] = {"site", "action", "person", "since", "until", NULL};
    hub_html_raw(h, "<p class=\"pager\"><a id=\"older\" href=\"/audit?");
    for (const char *const *k = keep; *k; k++) {
        const char *v = q(conn, *k);
        if (!v)
            continue;
        hub_html_fmt(h, "%s=", *k);
        for (const unsigned char *c = (const unsigned char *)v; *c; c++) {
            bool plain = (*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') ||
                         (*c >= 'A' && *c <= 'Z') || *c == '-' || *c == '_' || *c == '.';
            if (plain)
                hub_html_fmt(h, "%c", *c);
            else
                hub_html_fmt(h, "%%%02X", *c);
        }
        hub_html_raw(h, "&amp;");
    }
    hub_html_fmt(h, "before=%lld\">Older entries →</a></p>", (long long)next);
}

static enum MHD_Result bad_filter(struct MHD_Connection *conn, const web_session *ws,
                                  const char *text)
{
    hub_html h = {0};
    hub_dash_page_start(&h, "Audit trail", ws);
    hub_html_raw(&h, "<main><section><h2>Audit trail</h2><p class=\"err\">");
    hub_html_text(&h, text);
    hub_html_raw(&h, "</p><p><a href=\"/audit\">Show everything</a></p></section></main>");
    hub_dash_page_end(&h);
    return hub_dash_send_page(conn, 400, hub_html_take(&h), NULL, NULL, NULL);
}

enum MHD_Result hub_dash_audit_page(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                    const hub_person *who)
{
    hub_audit_filter f = {.limit = PAGE_ROWS, .scope = who};
    f.site = q(conn, "site");
    f.actor = q(conn, "person");
    f.action = q(conn, "action");
    const char *before = q(conn, "before");
    if (f.site && !am_proto_kiosk_id_valid(f.site))
        return bad_filter(conn, ws, "Site: not a site id.");
    if (f.site && !hub_allowed(who, "GET /audit", f.site))
        return hub_dash_refused_page(conn, who, "GET /audit", f.site);
    if (f.actor && !am_proto_kiosk_id_valid(f.actor))
        return bad_filter(conn, ws, "Person: not a person's name.");
    if (f.action && !hub_audit_action_known(f.action))
        return bad_filter(conn, ws, "Action: not an audited action.");
    if (q(conn, "since") && !day_ms(q(conn, "since"), &f.since_ms))
        return bad_filter(conn, ws, "From: must be a day, YYYY-MM-DD.");
    if (q(conn, "until")) {
        if (!day_ms(q(conn, "until"), &f.until_ms))
            return bad_filter(conn, ws, "To: must be a day, YYYY-MM-DD.");
        f.until_ms += DAY_MS; /* the day is included */
    }
    if (before) {
        char *end = NULL;
        f.before_seq = strtoll(before, &end, 10);
        if (*end || f.before_seq < 1)
            return bad_filter(conn, ws, "Not a page of the audit trail.");
    }
    cJSON *rows = NULL, *sites = NULL;
    am_rc rc = hub_db_audit_list(d->db, &f, &rows);
    if (!rc)
        rc = hub_db_sites(d->db, &sites);
    if (rc) {
        cJSON_Delete(rows);
        return hub_dash_message_page(conn, rc == AM_ERR_BUSY ? 503 : 500, "Audit unavailable",
                                     "The hub could not read its database; see the hub's log.");
    }
    int n = cJSON_GetArraySize(rows);
    hub_html h = {0};
    hub_dash_page_start(&h, "Audit trail", ws);
    hub_html_raw(&h, audit_style);
    hub_html_fmt(&h,
                 "<main><section id=\"audit-trail\"><h2>Audit trail <span class=\"count\">"
                 "(%s, newest first; %d shown)</span></h2>",
                 who->role == HUB_ROLE_ADMIN ? "every site" : "your sites", n);
    filters(&h, conn, sites, who);
    if (!n)
        hub_html_raw(&h, "<p class=\"muted\" id=\"audit-empty\">No entries match.</p>");
    else
        rows_table(&h, rows, sites);
    if (n == PAGE_ROWS) {
        const cJSON *last = cJSON_GetArrayItem(rows, n - 1);
        pager(&h, conn,
              (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(last, "seq")));
    }
    hub_html_raw(&h, "<p class=\"muted\">Times in the time zone of the entry's site (UTC for "
                     "entries of no site). Scripts read the same with "
                     "<code>GET /v1/audit</code> (JSON or CSV).</p></section></main>");
    hub_dash_page_end(&h);
    cJSON_Delete(rows);
    cJSON_Delete(sites);
    return hub_dash_send_page(conn, 200, hub_html_take(&h), NULL, NULL, NULL);
}
