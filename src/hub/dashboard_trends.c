/* dashboard_trends.c — GET /trends: a site's trends (hub_trends.h) as
 * server-drawn SVG and tables, the same figures GET /v1/trends gives. */
#include "dashboard_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "hub_trends.h"
#include "svg.h"

#define MOD HUB_DASH_MOD

static const char *query(struct MHD_Connection *conn, const char *key)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
    return v && *v ? v : NULL;
}

static int64_t num(const cJSON *o, const char *key, bool *has)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (has)
        *has = cJSON_IsNumber(v);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* A duration cell: "12 min", "3 h 05 min", "—" for none. */
static void td_span(hub_html *h, const cJSON *o, const char *key)
{
    bool has;
    int64_t ms = num(o, key, &has);
    if (!has) {
        hub_html_raw(h, "<td class=\"num muted\">—</td>");
        return;
    }
    int64_t min = (ms + 30000) / 60000;
    if (min < 60)
        hub_html_fmt(h, "<td class=\"num\">%lld min</td>", (long long)min);
    else
        hub_html_fmt(h, "<td class=\"num\">%lld h %02lld min</td>", (long long)(min / 60),
                     (long long)(min % 60));
}

/* The site the page is about: the query's, else the person's first. */
static const char *site_of(struct MHD_Connection *conn, const hub_person *who, const cJSON *kiosks)
{
    const char *site = query(conn, "site");
    if (site)
        return site;
    if (who->nsites)
        return who->sites[0];
    const cJSON *k;
    cJSON_ArrayForEach(k, kiosks)
    {
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "site"));
        if (s)
            return s;
    }
    return NULL;
}

static void site_form(hub_html *h, const hub_person *who, const cJSON *kiosks, const char *site,
                      int days)
{
    hub_html_raw(h, "<form method=\"get\" action=\"/trends\" class=\"filters\">"
                    "<label>Site <select name=\"site\">");
    char seen[64][AM_KIOSK_ID_MAX];
    size_t nseen = 0;
    const cJSON *k;
    cJSON_ArrayForEach(k, kiosks)
    {
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(k, "site"));
        bool dup = !s || !hub_person_at(who, s);
        for (size_t i = 0; s && i < nseen; i++)
            dup = dup || !strcmp(seen[i], s);
        if (dup || nseen == 64)
            continue;
        snprintf(seen[nseen++], AM_KIOSK_ID_MAX, "%s", s);
    }
    for (size_t i = 0; i < who->nsites && nseen < 64; i++) {
        bool dup = false;
        for (size_t j = 0; j < nseen; j++)
            dup = dup || !strcmp(seen[j], who->sites[i]);
        if (!dup)
            snprintf(seen[nseen++], AM_KIOSK_ID_MAX, "%s", who->sites[i]);
    }
    for (size_t i = 0; i < nseen; i++) {
        hub_html_raw(h, "<option value=\"");
        hub_html_text(h, seen[i]);
        hub_html_raw(h, site && !strcmp(site, seen[i]) ? "\" selected>" : "\">");
        hub_html_text(h, seen[i]);
        hub_html_raw(h, "</option>");
    }
    hub_html_fmt(h,
                 "</select></label><label>Days <input name=\"days\" size=\"4\" value=\"%d\">"
                 "</label><button type=\"submit\">Show</button></form>",
                 days);
}

static void root_causes(hub_html *h, const cJSON *t)
{
    const cJSON *rc = cJSON_GetObjectItemCaseSensitive(t, "root_causes");
    const cJSON *daylist = cJSON_GetObjectItemCaseSensitive(rc, "days");
    const cJSON *series = cJSON_GetObjectItemCaseSensitive(rc, "series");
    size_t days = (size_t)cJSON_GetArraySize(daylist);
    size_t n = (size_t)cJSON_GetArraySize(series);
    hub_html_raw(h, "<section id=\"trend-causes\"><h2>Resolved cases by root cause, per day "
                    "(UTC)</h2>");
    if (!n || !days) {
        hub_html_raw(h, "<p class=\"muted\">No case resolved in this period.</p></section>");
        return;
    }
    if (n > HUB_SVG_SERIES_MAX)
        hub_html_fmt(h, "<p class=\"muted\">The chart draws the first %d root causes.</p>",
                     HUB_SVG_SERIES_MAX);
    if (n > HUB_SVG_SERIES_MAX)
        n = HUB_SVG_SERIES_MAX;
    double *vals = calloc(n * days, sizeof *vals);
    const double *rows[HUB_SVG_SERIES_MAX];
    const char *names[HUB_SVG_SERIES_MAX];
    const char **labels = calloc(days, sizeof *labels);
    if (!vals || !labels) {
        free(vals);
        free(labels);
        hub_html_raw(h, "</section>");
        return;
    }
    for (size_t d = 0; d < days; d++) {
        /* "YYYY-MM-DD" shown as "MM-DD". */
        const char *day = cJSON_GetStringValue(cJSON_GetArrayItem(daylist, (int)d));
        labels[d] = day && strlen(day) == 10 ? day + 5 : "";
    }
    for (size_t s = 0; s < n; s++) {
        const cJSON *o = cJSON_GetArrayItem(series, (int)s);
        names[s] = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "root_cause"));
        const cJSON *counts = cJSON_GetObjectItemCaseSensitive(o, "counts");
        for (size_t d = 0; d < days; d++)
            vals[s * days + d] = cJSON_GetNumberValue(cJSON_GetArrayItem(counts, (int)d));
        rows[s] = &vals[s * days];
    }
    hub_chart c = {.id = "chart-root-causes",
                   .title = "Resolved cases by root cause per day",
                   .days = days,
                   .day_labels = labels,
                   .series = n,
                   .series_names = names,
                   .values = rows,
                   .y_unit = "",
                   .y_decimals = 0};
    hub_svg_bars(h, &c);
    hub_html_raw(h, "</section>");
    free(vals);
    free(labels);
}

static void teams(hub_html *h, const cJSON *t)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(t, "teams");
    hub_html_raw(h, "<section id=\"trend-teams\"><h2>Time to acknowledge and to resolve, per "
                    "team <span class=\"count\">(from opening; median and 90th percentile)"
                    "</span></h2>");
    if (!cJSON_GetArraySize(list)) {
        hub_html_raw(h, "<p class=\"muted\">No cases in this period.</p></section>");
        return;
    }
    hub_html_raw(h, "<table><thead><tr><th>Team</th><th class=\"num\">Cases</th>"
                    "<th class=\"num\">Acknowledged</th><th class=\"num\">Median</th>"
                    "<th class=\"num\">90th pct</th><th class=\"num\">Resolved</th>"
                    "<th class=\"num\">Median</th><th class=\"num\">90th pct</th></tr></thead>"
                    "<tbody>");
    const cJSON *o;
    cJSON_ArrayForEach(o, list)
    {
        const char *team = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "team"));
        hub_html_raw(h, "<tr class=\"team\" data-team=\"");
        hub_html_text(h, team ? team : "");
        hub_html_raw(h, "\"><td>");
        hub_html_text(h, team ? team : "no team");
        hub_html_fmt(h, "</td><td class=\"num\">%lld</td><td class=\"num\">%lld</td>",
                     (long long)num(o, "cases", NULL), (long long)num(o, "acknowledged", NULL));
        td_span(h, o, "ack_median_ms");
        td_span(h, o, "ack_p90_ms");
        hub_html_fmt(h, "<td class=\"num\">%lld</td>", (long long)num(o, "resolved", NULL));
        td_span(h, o, "resolve_median_ms");
        td_span(h, o, "resolve_p90_ms");
        hub_html_raw(h, "</tr>");
    }
    hub_html_raw(h, "</tbody></table></section>");
}

static void deadline_and_rating(hub_html *h, const cJSON *t)
{
    const cJSON *dl = cJSON_GetObjectItemCaseSensitive(t, "deadline");
    const cJSON *share = cJSON_GetObjectItemCaseSensitive(dl, "share");
    hub_html_raw(h, "<section id=\"trend-deadline\"><h2>Resolved within deadline</h2>");
    if (cJSON_IsNumber(share)) {
        hub_html_fmt(h,
                     "<p class=\"big\" id=\"share-in-time\"><b>%.0f%%</b> of resolved cases "
                     "(%lld of %lld) were resolved by their deadline.</p>",
                     share->valuedouble * 100.0, (long long)num(dl, "in_time", NULL),
                     (long long)num(dl, "resolved", NULL));
        hub_svg_meter(h, "meter-in-time", "Share resolved within deadline",
                      share->valuedouble * 100.0, 100.0);
    } else {
        hub_html_raw(h, "<p class=\"muted\">No case resolved in this period.</p>");
    }
    hub_html_raw(h, "</section><section id=\"trend-rating\"><h2>Recovery rating: resolved in "
                    "time against not</h2>");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(t, "rating");
    static const struct {
        const char *key, *label, *id;
    } groups[] = {
        {"in_time", "Resolved in time", "rating-in-time"},
        {"late", "Resolved late or not at all", "rating-late"},
    };
    hub_html_raw(h, "<table><thead><tr><th></th><th class=\"num\">Guests</th>"
                    "<th class=\"num\">Average rating (1-5)</th><th></th></tr></thead><tbody>");
    for (size_t i = 0; i < 2; i++) {
        const cJSON *g = cJSON_GetObjectItemCaseSensitive(r, groups[i].key);
        const cJSON *avg = cJSON_GetObjectItemCaseSensitive(g, "average");
        hub_html_fmt(h, "<tr id=\"%s\"><td>%s</td><td class=\"num\">%lld</td>", groups[i].id,
                     groups[i].label, (long long)num(g, "guests", NULL));
        if (cJSON_IsNumber(avg)) {
            hub_html_fmt(h, "<td class=\"num\">%.2f</td><td>", avg->valuedouble);
            hub_svg_meter(h, groups[i].id, groups[i].label, avg->valuedouble, 5.0);
            hub_html_raw(h, "</td></tr>");
        } else {
            hub_html_raw(h, "<td class=\"num muted\">—</td><td></td></tr>");
        }
    }
    hub_html_raw(h, "</tbody></table></section>");
}

static void repeats(hub_html *h, const cJSON *t)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(t, "repeats");
    hub_html_fmt(h,
                 "<section id=\"trend-repeats\"><h2>Repeat problems by location <span "
                 "class=\"count\">(two or more cases in the last %d days)</span></h2>",
                 HUB_TRENDS_REPEAT_DAYS);
    if (!cJSON_GetArraySize(list)) {
        hub_html_raw(h, "<p class=\"ok\">No location had two cases.</p></section>");
        return;
    }
    hub_html_raw(h, "<table><thead><tr><th>Location</th><th class=\"num\">Cases</th>"
                    "<th>Cases</th></tr></thead><tbody>");
    const cJSON *o;
    cJSON_ArrayForEach(o, list)
    {
        hub_html_raw(h, "<tr class=\"repeat over\"><td><strong class=\"overdue\">REPEAT"
                        "</strong> ");
        hub_html_text(h, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "location")));
        hub_html_fmt(h, "</td><td class=\"num\">%lld</td><td>", (long long)num(o, "cases", NULL));
        const cJSON *code;
        cJSON_ArrayForEach(code, cJSON_GetObjectItemCaseSensitive(o, "codes"))
        {
            const char *c = cJSON_GetStringValue(code);
            if (!c)
                continue;
            hub_html_raw(h, "<a href=\"/cases/");
            hub_html_text(h, c);
            hub_html_raw(h, "\">");
            hub_html_text(h, c);
            hub_html_raw(h, "</a> ");
        }
        hub_html_raw(h, "</td></tr>");
    }
    hub_html_raw(h, "</tbody></table></section>");
}

enum MHD_Result hub_dash_trends_page(hub_dash *d, struct MHD_Connection *conn,
                                     const web_session *ws, const hub_person *who)
{
    cJSON *kiosks = NULL, *t = NULL;
    if (hub_db_kiosks(d->db, &kiosks))
        return hub_dash_message_page(conn, 503, "Unavailable",
                                     "The hub could not read its database.");
    const char *site = site_of(conn, who, kiosks);
    const char *days_text = query(conn, "days");
    int days = days_text ? atoi(days_text) : 30;
    if (days < 1 || days > HUB_TRENDS_DAYS_MAX)
        days = 30;
    if (site && !am_proto_kiosk_id_valid(site))
        site = NULL;
    if (site && !hub_allowed(who, "GET /trends", site)) {
        char s[AM_KIOSK_ID_MAX];
        snprintf(s, sizeof s, "%s", site);
        cJSON_Delete(kiosks);
        return hub_dash_refused_page(conn, who, "GET /trends", s);
    }
    if (site && hub_trends(d->db, site, days, am_wall_ms(), &t)) {
        cJSON_Delete(kiosks);
        return hub_dash_message_page(conn, 503, "Unavailable",
                                     "The hub could not read its database.");
    }
    hub_html h = {0};
    hub_dash_page_start(&h, "Trends", ws);
    hub_html_raw(&h, "<main><p><a href=\"/\">← Cases</a></p><section><h2>Trends of ");
    hub_html_text(&h, site ? site : "no site");
    hub_html_fmt(&h, " <span class=\"count\">(cases opened in the last %d days)</span></h2>", days);
    site_form(&h, who, kiosks, site, days);
    hub_html_raw(&h, "</section>");
    if (t) {
        hub_html_raw(&h, "<div class=\"charts\">");
        deadline_and_rating(&h, t);
        hub_html_raw(&h, "</div>");
        root_causes(&h, t);
        teams(&h, t);
        repeats(&h, t);
    } else {
        hub_html_raw(&h, "<p class=\"muted\">No site to show.</p>");
    }
    hub_html_raw(&h, "</main>");
    hub_dash_page_end(&h);
    cJSON_Delete(t);
    cJSON_Delete(kiosks);
    return hub_dash_send_page(conn, 200, hub_html_take(&h), NULL, NULL, NULL);
}
