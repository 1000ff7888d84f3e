/* dashboard.c — the manager's HTML dashboard: the pages (built with
 * html.h, charts with svg.h) and the request dispatch at the bottom.
 * Sessions, sign-in and CSRF are in dashboard_session.c. A request
 * without a valid session gets no data: GET is sent to /login, anything
 * else is answered 401.
 */
#include "dashboard_internal.h"
#include "hub_notify.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "amends/proto.h"
#include "amends/version.h"
#include "hub_audit.h"
#include "hub_tz.h"
#include "svg.h"

#define MOD           HUB_DASH_MOD
#define DAY_MS        (INT64_C(86400000))
#define MAX_ROWS      10000 /* the most reports the charts read */
#define SHOWN_REPORTS 25
#define SHOWN_FOLLOW  100
#define MAX_CATEGORY  64
#define MAX_CURRENCY  32 /* currencies totalled; the chart draws HUB_SVG_SERIES_MAX */

hub_dash *hub_dash_new(const hub_config *cfg, hub_db *db)
{
    hub_dash *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->cfg = cfg;
    d->db = db;
    d->login_fail = hub_rate_new(cfg->login_fail_per_minute, cfg->login_fail_burst);
    if (!d->login_fail) {
        free(d);
        return NULL;
    }
    return d;
}

void hub_dash_set_voucher_limit(hub_dash *d, hub_rate *voucher_fail)
{
    d->voucher_fail = voucher_fail;
}

void hub_dash_free(hub_dash *d)
{
    if (!d)
        return;
    hub_rate_free(d->login_fail);
    free(d);
}

/* --- responses ----------------------------------------------------------------------- */

/* No scripts at all, styles only inline, nothing from elsewhere: even a
 * value that escaped escaping could not run. */
#define CSP                                                                                        \
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; "           \
    "frame-ancestors 'none'; base-uri 'none'"

enum MHD_Result hub_dash_send_page(struct MHD_Connection *conn, unsigned status, char *body,
                                   const char *cookie, const char *location,
                                   const char *retry_after)
{
    if (!body) {
        static const char oom[] = "out of memory";
        struct MHD_Response *r =
            MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
        if (!r)
            return MHD_NO;
        enum MHD_Result ret = MHD_queue_response(conn, 500, r);
        MHD_destroy_response(r);
        return ret;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, "Content-Security-Policy", CSP);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    /* same-origin, not no-referrer: under no-referrer a browser sends
     * "Origin: null" with every form, which the origin check must refuse,
     * so nobody could sign in from a real browser. Nothing leaves for
     * other sites either way. */
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    if (cookie)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, cookie);
    if (location)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, location);
    if (retry_after)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, retry_after);
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static const char style[] =
    "<style>"
    ":root{--fg:#1f2937;--muted:#6b7280;--line:#e5e7eb;--bg:#f8fafc;--warn:#b91c1c;"
    "--warnbg:#fef2f2;--ok:#15803d}"
    "*{box-sizing:border-box}"
    "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
    "color:var(--fg);background:var(--bg)}"
    "header{display:flex;align-items:center;justify-content:space-between;padding:10px 24px;"
    "background:#1e293b;color:#fff}"
    "header h1{font-size:18px;margin:0}header .who{color:#cbd5e1}"
    "header{flex-wrap:wrap;gap:6px 16px}header nav a{color:#fff;margin-right:14px;"
    "font-weight:600}"
    "header form{display:inline;margin-left:12px}"
    "main{padding:16px 24px;max-width:1400px;margin:0 auto}"
    "section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 16px;"
    "margin-bottom:16px}"
    "h2{font-size:16px;margin:0 0 8px}h2 .count{color:var(--muted);font-weight:normal}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);"
    "vertical-align:top}"
    "th{font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:var(--muted)}"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
    "td.text{max-width:360px;white-space:pre-wrap;overflow-wrap:anywhere}"
    "tr.silent td{background:var(--warnbg)}"
    "tr.disabled td{color:var(--muted)}"
    "td.over,tr.over td{color:var(--warn);font-weight:600}"
    ".badge{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;"
    "font-weight:600;background:var(--warn);color:#fff;margin-left:6px}"
    ".err{color:var(--warn)}.muted{color:var(--muted)}.ok{color:var(--ok)}"
    ".summary{display:flex;gap:12px;flex-wrap:wrap;margin-bottom:16px}"
    ".summary div{background:#fff;border:1px solid var(--line);border-radius:8px;"
    "padding:8px 16px;min-width:140px}"
    ".summary b{display:block;font-size:22px}"
    ".summary .alarm b{color:var(--warn)}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:16px}"
    ".charts section{margin:0}"
    "svg.chart{width:100%;height:auto;display:block}"
    "svg .grid{stroke:#e5e7eb;stroke-width:1}"
    "svg text{font-size:11px;fill:#4b5563}"
    "svg .ylab{text-anchor:end}svg .xlab{text-anchor:middle}"
    "button{font:inherit;padding:3px 10px;border-radius:6px;border:1px solid #94a3b8;"
    "background:#fff;cursor:pointer}"
    "header button{background:#334155;color:#fff;border-color:#475569}"
    ".login{max-width:380px;margin:80px auto;background:#fff;border:1px solid var(--line);"
    "border-radius:8px;padding:24px}"
    ".login input{width:100%;font:inherit;padding:6px;margin:4px 0 12px}"
    ".login label{display:block;font-weight:600}"
    ".login button.primary{width:100%;padding:8px;background:#1d4ed8;color:#fff;"
    "border-color:#1d4ed8}"
    ".login details{margin-top:16px;border-top:1px solid var(--line);padding-top:12px}"
    ".login summary{cursor:pointer;color:var(--muted)}"
    ".login .err{background:var(--warnbg);border:1px solid #fecaca;border-radius:6px;"
    "padding:8px 10px}"
    "@media (max-width:480px){.login{margin:24px auto}}"
    "a{color:#1d4ed8}"
    "</style>";

/* Cases: read on a phone between rooms, so larger type and big targets. */
static const char style_cases[] =
    "<style>"
    "#cases table.queue td{font-size:15px}"
    "a.code{font-size:17px;font-weight:700}"
    ".tag{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px;"
    "font-weight:700;background:#1d4ed8;color:#fff}.tag.urgent{background:var(--warn)}"
    "tr.case.mine td{background:#eff6ff}"
    "strong.overdue{background:var(--warn);color:#fff;padding:0 5px;border-radius:4px}"
    "td.next{font-weight:600}"
    "form.filters{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:center;margin:0 0 10px}"
    "form.filters select,form.filters input{font:inherit;padding:4px}"
    "main.case{max-width:900px}main.case .case-title{font-size:22px}"
    ".case-title .state{font-size:16px;color:var(--muted);font-weight:600;margin-left:8px}"
    "#case.over{border-color:var(--warn);border-width:2px}"
    "p.deadline,p.next{font-size:17px;margin:4px 0}"
    "table.facts th{width:34%;text-transform:none;font-size:14px;letter-spacing:0}"
    ".banner{background:var(--warnbg);border:2px solid var(--warn);border-radius:8px;"
    "padding:12px 16px;margin-bottom:16px;font-size:17px;font-weight:600}"
    ".forms{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px}"
    "form.event{border:1px solid var(--line);border-radius:8px;padding:10px 12px}"
    "form.event h3{margin:0 0 6px;font-size:15px}"
    "form.event label{display:block;font-weight:600;margin-bottom:8px}"
    "form.event textarea,form.event select{display:block;width:100%;font:inherit;"
    "font-weight:normal;padding:6px;margin-top:3px}"
    "form.event button{padding:8px 16px;font-size:16px}"
    "button.primary{background:#1d4ed8;color:#fff;border-color:#1d4ed8;font-weight:700}"
    "ol.timeline{list-style:none;padding:0;margin:0}"
    "ol.timeline li{border-left:3px solid var(--line);padding:4px 10px;margin-bottom:6px}"
    "ol.timeline .when{color:var(--muted)}ol.timeline .detail{white-space:pre-wrap;"
    "overflow-wrap:anywhere}"
    "details.filters{margin:0 0 10px}details.filters summary{cursor:pointer;font-weight:600;"
    "color:#1d4ed8;padding:4px 0}"
    "@media (max-width:700px){body{font-size:17px}main{padding:10px}"
    "section{overflow-x:auto}.summary{gap:6px}.summary div{min-width:0;padding:4px 10px}"
    ".summary b{font-size:18px}"
    "header{padding:8px 12px}"
    "table.queue thead{display:none}table.queue tr{display:block;border:1px solid var(--line);"
    "border-radius:8px;margin-bottom:10px;padding:6px}"
    "table.queue td{display:block;border:0;padding:2px 4px;font-size:17px}"
    "table.queue td::before{content:attr(data-label) ': ';color:var(--muted);font-size:14px}"
    "table.queue td:first-child::before{content:''}"
    "button{padding:10px 16px;font-size:17px}}"
    "</style>";

void hub_dash_page_start(hub_html *h, const char *title, const web_session *ws)
{
    hub_html_raw(h, "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                    "<title>");
    hub_html_text(h, title);
    hub_html_raw(h, " — amends hub</title>");
    hub_html_raw(h, style);
    hub_html_raw(h, style_cases);
    hub_html_raw(h, "</head><body><header><h1><a href=\"/\" style=\"color:#fff;"
                    "text-decoration:none\">amends hub</a></h1>");
    if (ws && (ws->nav_vouchers || ws->nav_audit || ws->nav_trends || ws->nav_notifications)) {
        hub_html_raw(h, "<nav>");
        if (ws->nav_trends)
            hub_html_raw(h, "<a href=\"/trends\" id=\"nav-trends\">Trends</a>");
        if (ws->nav_vouchers)
            hub_html_raw(h, "<a href=\"/vouchers\" id=\"nav-vouchers\">Voucher desk</a>");
        if (ws->nav_audit)
            hub_html_raw(h, "<a href=\"/audit\" id=\"nav-audit\">Audit</a>");
        if (ws->nav_notifications)
            hub_html_raw(h, "<a href=\"/notifications\" id=\"nav-notifications\">"
                            "Notifications</a>");
        hub_html_raw(h, "</nav>");
    }
    if (ws) {
        hub_html_raw(h, "<div><span class=\"who\">signed in as ");
        hub_html_text(h, ws->manager);
        hub_html_raw(h, "</span><form method=\"post\" action=\"/logout\">"
                        "<input type=\"hidden\" name=\"csrf\" value=\"");
        hub_html_text(h, ws->csrf);
        hub_html_raw(h, "\"><button type=\"submit\">Sign out</button></form>"
                        "<form method=\"post\" action=\"/logout/everywhere\">"
                        "<input type=\"hidden\" name=\"csrf\" value=\"");
        hub_html_text(h, ws->csrf);
        hub_html_raw(h, "\"><button type=\"submit\" title=\"Ends your sessions in every browser "
                        "and on every device\">Sign out everywhere</button></form></div>");
    }
    hub_html_raw(h, "</header>");
}

void hub_dash_page_end(hub_html *h)
{
    hub_html_fmt(h,
                 "<footer class=\"muted\" style=\"padding:0 24px 16px\">amends-hub %s · "
                 "times in the time zone of their kiosk's site, named after each; chart days "
                 "in UTC</footer></body></html>",
                 AM_VERSION);
}

void hub_dash_page_end_plain(hub_html *h)
{
    hub_html_fmt(h,
                 "<footer class=\"muted\" style=\"padding:0 24px 16px\">amends-hub %s</footer>"
                 "</body></html>",
                 AM_VERSION);
}

/* A short page with one message: errors, refusals. Carries no data. */
enum MHD_Result hub_dash_message_page(struct MHD_Connection *conn, unsigned status,
                                      const char *title, const char *text)
{
    hub_html h = {0};
    hub_dash_page_start(&h, title, NULL);
    hub_html_raw(&h, "<main><section><h2>");
    hub_html_text(&h, title);
    hub_html_raw(&h, "</h2><p>");
    hub_html_text(&h, text);
    hub_html_raw(&h, "</p><p><a href=\"/login\">Sign in</a></p></section></main>");
    hub_dash_page_end(&h);
    return hub_dash_send_page(conn, status, hub_html_take(&h), NULL, NULL, NULL);
}

enum MHD_Result hub_dash_refused_page(struct MHD_Connection *conn, const hub_person *who,
                                      const char *action, const char *site)
{
    char text[256];
    am_log_warn(MOD, "%s %s: %s refused%s%s", hub_role_name(who->role), who->name, action,
                site ? " at site " : "", site ? site : "");
    if (site)
        snprintf(text, sizeof text, "Your role (%s) may not do this at site %s.",
                 hub_role_name(who->role), site);
    else
        snprintf(text, sizeof text, "Your role (%s) may not do this.", hub_role_name(who->role));
    return hub_dash_message_page(conn, 403, "Not allowed", text);
}

enum MHD_Result hub_dash_redirect(struct MHD_Connection *conn, const char *location,
                                  const char *cookie)
{
    hub_html h = {0};
    hub_html_raw(&h, "<!DOCTYPE html><title>See other</title><a href=\"");
    hub_html_text(&h, location);
    hub_html_raw(&h, "\">continue</a>");
    return hub_dash_send_page(conn, 303, hub_html_take(&h), cookie, location, NULL);
}

/* --- formatting ------------------------------------------------------------------------------ */

static const char *jstr(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jnum(const cJSON *o, const char *key, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(v))
        return false;
    *out = (int64_t)v->valuedouble;
    return true;
}

/* A chart's day label: the UTC day as "MM-DD". */
static void utc_day(int64_t ms, char *out, size_t outlen)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outlen, "%m-%d", &tm);
}

/* The kiosk `id` of the fleet list, or NULL. */
static const cJSON *kiosk_of(const cJSON *kiosks, const char *id)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, kiosks)
    {
        const char *kid = jstr(k, "id");
        if (id && kid && !strcmp(kid, id))
            return k;
    }
    return NULL;
}

/* The time zone of the site of kiosk `id` (NULL: UTC). */
static const char *zone_of(const cJSON *kiosks, const char *id)
{
    return jstr(kiosk_of(kiosks, id), "timezone");
}

/* The currency of kiosk `id`'s money: its site's, or, for a site with none
 * set, the one its heartbeats name; NULL when neither is known. */
static const char *currency_of(const cJSON *kiosks, const char *id)
{
    const cJSON *k = kiosk_of(kiosks, id);
    const char *site = jstr(k, "currency");
    if (site && *site)
        return site;
    const char *beat = jstr(k, "budget_currency");
    return beat && *beat ? beat : NULL;
}

/* A time as the site of kiosk `kiosk` reads it, its zone named. */
static void td_time(hub_html *h, const cJSON *o, const char *key, const cJSON *kiosks,
                    const char *kiosk)
{
    int64_t ms;
    char when[48];
    if (!jnum(o, key, &ms)) {
        hub_html_raw(h, "<td class=\"muted\">—</td>");
        return;
    }
    const char *zone = zone_of(kiosks, kiosk);
    hub_tz_format(ms, zone, HUB_TZ_MINUTE, when, sizeof when);
    hub_html_raw(h, "<td class=\"time\" title=\"");
    hub_html_text(h, zone && *zone ? zone : "UTC");
    hub_html_raw(h, "\">");
    hub_html_text(h, when);
    hub_html_raw(h, "</td>");
}

static void td_text(hub_html *h, const char *cls, const char *text)
{
    hub_html_fmt(h, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "", cls ? "\"" : "");
    hub_html_text(h, text);
    hub_html_raw(h, "</td>");
}

static void td_num(hub_html *h, const cJSON *o, const char *key)
{
    int64_t v;
    if (jnum(o, key, &v))
        hub_html_fmt(h, "<td class=\"num\">%lld</td>", (long long)v);
    else
        hub_html_raw(h, "<td class=\"num muted\">—</td>");
}

/* The budget a kiosk's latest heartbeat carried; false when it carried none
 * (an older kiosk, or none heard yet). */
typedef struct kiosk_budget {
    const char *currency;
    int64_t daily_minor, hourly_offers, spent_minor, offers_hour;
} kiosk_budget;

static bool budget_of(const cJSON *k, kiosk_budget *b)
{
    b->currency = jstr(k, "budget_currency");
    return b->currency && jnum(k, "budget_daily_minor", &b->daily_minor) &&
           jnum(k, "budget_hourly_offers", &b->hourly_offers) &&
           jnum(k, "spent_today_minor", &b->spent_minor) &&
           jnum(k, "offers_last_hour", &b->offers_hour);
}

/* Minor units as "12.50", the way the kiosk's own status shows money. */
static void money(int64_t minor, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s%lld.%02lld", minor < 0 ? "-" : "", (long long)(llabs(minor) / 100),
             (long long)(llabs(minor) % 100));
}

/* --- the dashboard page ---------------------------------------------------------------------- */

static int fleet(hub_dash *d, hub_html *h, const cJSON *kiosks, int64_t now)
{
    int silent_count = 0;
    int64_t silent_ms = (int64_t)d->cfg->silent_after_min * 60000;
    hub_html_fmt(h,
                 "<section id=\"fleet\"><h2>Fleet <span class=\"count\">(%d kiosks; silent = "
                 "not heard from for over %d min)</span></h2>",
                 cJSON_GetArraySize(kiosks), d->cfg->silent_after_min);
    if (!cJSON_GetArraySize(kiosks)) {
        hub_html_raw(h, "<p class=\"muted\">No kiosks yet: <code>amends-hub kiosk add "
                        "ID</code>.</p></section>");
        return 0;
    }
    hub_html_raw(h, "<table><thead><tr><th>Kiosk</th><th>Site</th><th>Last seen</th>"
                    "<th class=\"num\">"
                    "Pending</th><th class=\"num\">Quarantined</th><th>Last error</th>"
                    "<th>Version</th><th class=\"num\">Open alerts</th><th class=\"num\">"
                    "Reports</th><th class=\"num\">Spent today / budget</th></tr></thead><tbody>");
    const cJSON *k;
    cJSON_ArrayForEach(k, kiosks)
    {
        const char *id = jstr(k, "id");
        int64_t seen = 0;
        bool heard = jnum(k, "last_seen", &seen);
        /* A disabled kiosk is refused by the hub: its silence is expected
         * and not counted. */
        int64_t disabled_at = 0;
        bool disabled = jnum(k, "disabled_at", &disabled_at);
        bool silent = !disabled && (!heard || now - seen > silent_ms);
        silent_count += silent;
        hub_html_raw(h, "<tr class=\"kiosk");
        hub_html_raw(h, disabled ? " disabled\"" : silent ? " silent\"" : "\"");
        hub_html_raw(h, " data-kiosk=\"");
        hub_html_text(h, id);
        hub_html_raw(h, "\"><td><a href=\"/kiosks/");
        hub_html_text(h, id);
        hub_html_raw(h, "\">");
        hub_html_text(h, id);
        hub_html_raw(h, "</a>");
        if (silent)
            hub_html_raw(h, "<span class=\"badge\">silent</span>");
        if (disabled) {
            char when[48];
            hub_tz_format(disabled_at, jstr(k, "timezone"), HUB_TZ_SECOND, when, sizeof when);
            hub_html_raw(h, "<span class=\"badge\" title=\"disabled since ");
            hub_html_text(h, when);
            hub_html_raw(h, "; its requests are refused\">disabled</span>");
        }
        hub_html_raw(h, "</td>");
        td_text(h, NULL, jstr(k, "site"));
        if (heard) {
            char when[48], age[32];
            hub_tz_format(seen, jstr(k, "timezone"), HUB_TZ_SECOND, when, sizeof when);
            am_format_ago(seen, now, age, sizeof age);
            hub_html_raw(h, "<td title=\"");
            hub_html_text(h, when);
            hub_html_fmt(h, "\">%s</td>", age);
        } else {
            hub_html_raw(h, "<td class=\"err\">never</td>");
        }
        td_num(h, k, "pending");
        td_num(h, k, "quarantined");
        const char *err = jstr(k, "last_error");
        td_text(h, err && *err ? "text err" : "text", err);
        td_text(h, NULL, jstr(k, "version"));
        td_num(h, k, "open_alerts");
        td_num(h, k, "feedback");
        kiosk_budget b;
        if (budget_of(k, &b)) {
            char spent[32], daily[32];
            money(b.spent_minor, spent, sizeof spent);
            money(b.daily_minor, daily, sizeof daily);
            bool over = b.spent_minor > b.daily_minor;
            hub_html_fmt(h, "<td class=\"num budget%s\">%s / %s ", over ? " over" : "", spent,
                         daily);
            hub_html_text(h, b.currency);
            hub_html_raw(h, over ? "<span class=\"badge\">over budget</span></td>" : "</td>");
        } else {
            hub_html_raw(h, "<td class=\"num muted\" title=\"its heartbeats carry no "
                            "budget\">not sent</td>");
        }
        hub_html_raw(h, "</tr>");
    }
    hub_html_raw(h, "</tbody></table></section>");
    return silent_count;
}

static void followups(hub_html *h, const cJSON *list, int days, const cJSON *kiosks)
{
    int n = cJSON_GetArraySize(list);
    hub_html_fmt(h,
                 "<section id=\"followups\"><h2>Follow-up queue <span class=\"count\">(%d guests "
                 "who agreed to be contacted, last %d days)</span></h2>",
                 n, days);
    if (!n) {
        hub_html_raw(h, "<p class=\"muted\">Nobody to contact.</p></section>");
        return;
    }
    hub_html_raw(h, "<table><thead><tr><th>Closed</th><th>Kiosk</th><th>Name</th>"
                    "<th>Contact</th><th>Category</th><th>Severity</th><th class=\"num\">"
                    "Rating</th><th>Offer</th></tr></thead><tbody>");
    int shown = 0;
    for (int i = n - 1; i >= 0 && shown < SHOWN_FOLLOW; i--, shown++) {
        const cJSON *f = cJSON_GetArrayItem(list, i);
        hub_html_raw(h, "<tr class=\"followup\">");
        td_time(h, f, "closed_at", kiosks, jstr(f, "kiosk"));
        td_text(h, NULL, jstr(f, "kiosk"));
        td_text(h, "text", jstr(f, "first_name"));
        td_text(h, "text", jstr(f, "contact"));
        td_text(h, NULL, jstr(f, "category"));
        td_text(h, NULL, jstr(f, "severity"));
        td_num(h, f, "rating");
        td_text(h, NULL, jstr(f, "offer_state"));
        hub_html_raw(h, "</tr>");
    }
    hub_html_raw(h, "</tbody></table>");
    if (n > SHOWN_FOLLOW)
        hub_html_fmt(h, "<p class=\"muted\">Newest %d shown.</p>", SHOWN_FOLLOW);
    hub_html_raw(h, "<p class=\"muted\">Export: <code>GET /v1/followups?format=csv</code> "
                    "with the manager token.</p></section>");
}

static void recent(hub_html *h, const cJSON *list, const cJSON *kiosks)
{
    int n = cJSON_GetArraySize(list);
    hub_html_raw(h, "<section id=\"reports\"><h2>Latest reports</h2>");
    if (!n) {
        hub_html_raw(h, "<p class=\"muted\">No reports in this period.</p></section>");
        return;
    }
    hub_html_raw(h, "<table><thead><tr><th>Closed</th><th>Kiosk</th><th>Category</th>"
                    "<th>Severity</th><th>Outcome</th><th>What the guest said</th>"
                    "<th class=\"num\">Rating</th><th>Offer</th></tr></thead><tbody>");
    int shown = 0;
    for (int i = n - 1; i >= 0 && shown < SHOWN_REPORTS; i--, shown++) {
        const cJSON *f = cJSON_GetArrayItem(list, i);
        hub_html_raw(h, "<tr class=\"report\">");
        td_time(h, f, "closed_at", kiosks, jstr(f, "kiosk"));
        td_text(h, NULL, jstr(f, "kiosk"));
        td_text(h, NULL, jstr(f, "category"));
        td_text(h, NULL, jstr(f, "severity"));
        td_text(h, NULL, jstr(f, "outcome"));
        td_text(h, "text description", jstr(f, "description"));
        int64_t rating = 0;
        if (jnum(f, "rating", &rating) && rating > 0)
            hub_html_fmt(h, "<td class=\"num\">%lld</td>", (long long)rating);
        else
            hub_html_raw(h, "<td class=\"num muted\">—</td>");
        hub_html_raw(h, "<td>");
        const char *offer = jstr(f, "offer");
        if (offer && *offer) {
            hub_html_text(h, offer);
            hub_html_raw(h, " (");
            hub_html_text(h, jstr(f, "offer_state"));
            hub_html_raw(h, ")");
        }
        hub_html_raw(h, "</td></tr>");
    }
    hub_html_raw(h, "</tbody></table></section>");
}

/* The four trend charts over cfg->chart_days days, from the reports. */
typedef struct trends {
    size_t days;
    char (*labels)[8];
    const char **label_ptrs;
    /* categories: the most frequent SERIES_MAX - 1, the rest as "other" */
    char names[MAX_CATEGORY][AM_ID_MAX];
    int totals[MAX_CATEGORY];
    size_t ncat;
    double *per_cat[HUB_SVG_SERIES_MAX];
    const char *series_names[HUB_SVG_SERIES_MAX];
    size_t nseries;
    double *rating, *rating_n, *offered, *accepted;
    /* Spend per currency, never added across currencies: cur[i] is an ISO
     * code, or "" for kiosks whose currency the hub does not know. */
    char cur[MAX_CURRENCY][HUB_CURRENCY_MAX];
    double cur_total[MAX_CURRENCY];
    double *spend[MAX_CURRENCY]; /* per day; only the first HUB_SVG_SERIES_MAX are drawn */
    size_t ncur;
    bool cur_full; /* more currencies than MAX_CURRENCY: the rest are not shown */
} trends;

/* The index of a currency's spend ("" or NULL: unknown); -1 when there
 * is no room or no memory. */
static int spend_of(trends *t, const char *code)
{
    if (!code)
        code = "";
    for (size_t i = 0; i < t->ncur; i++) {
        if (!strcmp(t->cur[i], code))
            return (int)i;
    }
    if (t->ncur == MAX_CURRENCY) {
        t->cur_full = true;
        return -1;
    }
    double *days = calloc(t->days, sizeof *days);
    if (!days)
        return -1;
    snprintf(t->cur[t->ncur], sizeof t->cur[t->ncur], "%s", code);
    t->spend[t->ncur] = days;
    return (int)t->ncur++;
}

static size_t cat_index(trends *t, const char *name)
{
    for (size_t i = 0; i < t->ncat; i++) {
        if (!strcmp(t->names[i], name))
            return i;
    }
    if (t->ncat == MAX_CATEGORY)
        return MAX_CATEGORY - 1;
    snprintf(t->names[t->ncat], sizeof t->names[t->ncat], "%s", name);
    return t->ncat++;
}

static void trends_free(trends *t)
{
    free(t->labels);
    free(t->label_ptrs);
    for (size_t s = 0; s < HUB_SVG_SERIES_MAX; s++)
        free(t->per_cat[s]);
    free(t->rating);
    free(t->rating_n);
    free(t->offered);
    free(t->accepted);
    for (size_t i = 0; i < t->ncur; i++)
        free(t->spend[i]);
}

static am_rc trends_build(trends *t, const cJSON *rows, const cJSON *kiosks, int64_t start,
                          size_t days)
{
    memset(t, 0, sizeof *t);
    t->days = days;
    t->labels = calloc(days, sizeof *t->labels);
    t->label_ptrs = calloc(days, sizeof *t->label_ptrs);
    t->rating = calloc(days, sizeof(double));
    t->rating_n = calloc(days, sizeof(double));
    t->offered = calloc(days, sizeof(double));
    t->accepted = calloc(days, sizeof(double));
    for (size_t s = 0; s < HUB_SVG_SERIES_MAX; s++)
        t->per_cat[s] = calloc(days, sizeof(double));
    if (!t->labels || !t->label_ptrs || !t->rating || !t->rating_n || !t->offered || !t->accepted ||
        !t->per_cat[HUB_SVG_SERIES_MAX - 1])
        return AM_ERR_NOMEM;
    for (size_t i = 0; i < days; i++) {
        utc_day(start + (int64_t)i * DAY_MS, t->labels[i], sizeof t->labels[i]);
        t->label_ptrs[i] = t->labels[i];
    }
    const cJSON *f;
    cJSON_ArrayForEach(f, rows)
    {
        const char *cat = jstr(f, "category");
        if (cat)
            t->totals[cat_index(t, cat)]++;
    }
    /* The most frequent categories get their own series, in order. */
    size_t order[MAX_CATEGORY];
    for (size_t i = 0; i < t->ncat; i++)
        order[i] = i;
    for (size_t i = 0; i < t->ncat; i++) {
        for (size_t j = i + 1; j < t->ncat; j++) {
            if (t->totals[order[j]] > t->totals[order[i]] ||
                (t->totals[order[j]] == t->totals[order[i]] &&
                 strcmp(t->names[order[j]], t->names[order[i]]) < 0)) {
                size_t tmp = order[i];
                order[i] = order[j];
                order[j] = tmp;
            }
        }
    }
    int series_of[MAX_CATEGORY];
    t->nseries = t->ncat < HUB_SVG_SERIES_MAX ? t->ncat : HUB_SVG_SERIES_MAX;
    for (size_t i = 0; i < t->ncat; i++) {
        size_t s = i < HUB_SVG_SERIES_MAX - 1 || t->ncat == HUB_SVG_SERIES_MAX
                       ? i
                       : HUB_SVG_SERIES_MAX - 1;
        series_of[order[i]] = (int)s;
        t->series_names[s] = s == HUB_SVG_SERIES_MAX - 1 && t->ncat > HUB_SVG_SERIES_MAX
                                 ? "other"
                                 : t->names[order[i]];
    }
    cJSON_ArrayForEach(f, rows)
    {
        int64_t closed, rating = 0, value = 0;
        if (!jnum(f, "closed_at", &closed) || closed < start)
            continue;
        size_t day = (size_t)((closed - start) / DAY_MS);
        if (day >= days)
            continue;
        const char *cat = jstr(f, "category");
        if (cat)
            t->per_cat[series_of[cat_index(t, cat)]][day] += 1;
        if (jnum(f, "rating", &rating) && rating >= 1 && rating <= 5) {
            t->rating[day] += (double)rating;
            t->rating_n[day] += 1;
        }
        const char *state = jstr(f, "offer_state");
        if (state && *state && strcmp(state, "none") != 0) {
            t->offered[day] += 1;
            if (!strcmp(state, "accepted")) {
                t->accepted[day] += 1;
                int c = -1;
                if (jnum(f, "offer_value_minor", &value) && value > 0)
                    c = spend_of(t, currency_of(kiosks, jstr(f, "kiosk")));
                if (c >= 0) {
                    t->spend[c][day] += (double)value / 100.0;
                    t->cur_total[c] += (double)value / 100.0;
                }
            }
        }
    }
    return AM_OK;
}

static void chart_section(hub_html *h, const char *title, const char *note)
{
    hub_html_raw(h, "<section><h2>");
    hub_html_raw(h, title);
    hub_html_raw(h, "</h2>");
    if (note) {
        hub_html_raw(h, "<p class=\"muted\">");
        hub_html_raw(h, note);
        hub_html_raw(h, "</p>");
    }
}

/* Each kiosk's spend today against its daily budget, from its latest
 * heartbeat; the kiosks that never sent a budget are named in a note. */
static void budgets(hub_html *h, const cJSON *kiosks)
{
    const cJSON *k;
    int with = 0, without = 0;
    kiosk_budget b;
    cJSON_ArrayForEach(k, kiosks)
    {
        if (budget_of(k, &b))
            with++;
        else
            without++;
    }
    if (with) {
        hub_html_raw(h, "<p class=\"muted\">Each kiosk's spend today (since its local "
                        "midnight, as its last heartbeat counted it) against its daily "
                        "budget.</p><table id=\"budgets\"><thead><tr><th>Kiosk</th>"
                        "<th class=\"num\">Spent today</th><th class=\"num\">Daily budget</th>"
                        "<th></th><th class=\"num\">Offers last hour / cap</th></tr></thead>"
                        "<tbody>");
        cJSON_ArrayForEach(k, kiosks)
        {
            const char *id = jstr(k, "id");
            if (!id || !budget_of(k, &b))
                continue;
            char spent[32], daily[32], title[160], meter_id[96];
            money(b.spent_minor, spent, sizeof spent);
            money(b.daily_minor, daily, sizeof daily);
            bool over = b.spent_minor > b.daily_minor;
            bool hour_over = b.offers_hour > b.hourly_offers;
            hub_html_raw(h, over ? "<tr class=\"budget over\" data-kiosk=\""
                                 : "<tr class=\"budget\" data-kiosk=\"");
            hub_html_text(h, id);
            hub_html_raw(h, "\"><td>");
            hub_html_text(h, id);
            if (over)
                hub_html_raw(h, "<span class=\"badge\">over budget</span>");
            hub_html_fmt(h, "</td><td class=\"num\">%s ", spent);
            hub_html_text(h, b.currency);
            hub_html_fmt(h, "</td><td class=\"num\">%s ", daily);
            hub_html_text(h, b.currency);
            hub_html_raw(h, "</td><td>");
            snprintf(title, sizeof title, "%s of %s %s spent today", spent, daily, b.currency);
            /* Kiosk ids are [A-Za-z0-9._-]: safe in an id attribute. */
            snprintf(meter_id, sizeof meter_id, "budget-%s", id);
            hub_svg_meter(h, meter_id, title, (double)b.spent_minor, (double)b.daily_minor);
            hub_html_fmt(h, "</td><td class=\"num%s\">%lld / %lld</td></tr>",
                         hour_over ? " over" : "", (long long)b.offers_hour,
                         (long long)b.hourly_offers);
        }
        hub_html_raw(h, "</tbody></table>");
    }
    if (without) {
        hub_html_raw(h, "<p class=\"muted\"><strong id=\"no-budget\">The hub does not know the "
                        "budget of ");
        int n = 0;
        cJSON_ArrayForEach(k, kiosks)
        {
            if (budget_of(k, &b))
                continue;
            hub_html_raw(h, n++ ? ", " : "");
            hub_html_text(h, jstr(k, "id"));
        }
        hub_html_raw(h, "</strong>: its heartbeats carry none (a kiosk older than this hub, or "
                        "not heard from yet), so its spend is shown without one.</p>");
    }
}

static am_rc charts(hub_html *h, const cJSON *kiosks, const cJSON *rows, int64_t start, size_t days,
                    bool truncated)
{
    trends t;
    am_rc rc = trends_build(&t, rows, kiosks, start, days);
    if (rc) {
        trends_free(&t);
        return rc;
    }
    double total_offered = 0, total_accepted = 0, rated = 0, rating_sum = 0;
    double *avg = t.rating, *rate = t.offered;
    for (size_t i = 0; i < days; i++) {
        total_offered += t.offered[i];
        total_accepted += t.accepted[i];
        rated += t.rating_n[i];
        rating_sum += t.rating[i];
        avg[i] = t.rating_n[i] > 0 ? t.rating[i] / t.rating_n[i] : NAN;
        rate[i] = t.offered[i] > 0 ? 100.0 * t.accepted[i] / t.offered[i] : NAN;
        double reports = 0;
        for (size_t c = 0; c < t.nseries; c++)
            reports += t.per_cat[c][i];
        for (size_t c = 0; c < t.ncur && reports == 0; c++)
            t.spend[c][i] = NAN; /* no reports that day: no data, rather than zero spend */
    }
    hub_html_fmt(h, "<h2 style=\"margin:8px 0\">Trends, last %zu days%s</h2><div class=\"charts\">",
                 days, truncated ? " (first 10000 reports only)" : "");

    chart_section(h, "Reports per category per day", NULL);
    if (t.nseries) {
        const double *vals[HUB_SVG_SERIES_MAX];
        for (size_t s = 0; s < t.nseries; s++)
            vals[s] = t.per_cat[s];
        hub_chart c = {.id = "chart-categories",
                       .title = "Reports per category per day",
                       .days = days,
                       .day_labels = t.label_ptrs,
                       .series = t.nseries,
                       .series_names = t.series_names,
                       .values = vals,
                       .y_unit = ""};
        hub_svg_bars(h, &c);
    } else {
        hub_chart c = {.id = "chart-categories",
                       .title = "Reports per category per day",
                       .days = days,
                       .day_labels = t.label_ptrs,
                       .series = 0,
                       .y_unit = ""};
        hub_svg_bars(h, &c);
        hub_html_raw(h, "<p class=\"muted\">No reports in this period.</p>");
    }
    hub_html_raw(h, "</section>");

    char note[256];
    if (rated > 0)
        snprintf(note, sizeof note,
                 "Average of the guests' 1–5 ratings per day; %.0f ratings, "
                 "%.2f overall.",
                 rated, rating_sum / rated);
    else
        snprintf(note, sizeof note, "No ratings in this period.");
    chart_section(h, "Recovery rating", note);
    {
        const double *vals[1] = {avg};
        const char *names[1] = {"average rating"};
        hub_chart c = {.id = "chart-rating",
                       .title = "Average recovery rating per day",
                       .days = days,
                       .day_labels = t.label_ptrs,
                       .series = 1,
                       .series_names = names,
                       .values = vals,
                       .y_max = 5,
                       .ticks = 5,
                       .y_unit = "",
                       .y_decimals = 0};
        hub_svg_line(h, &c);
    }
    hub_html_raw(h, "</section>");

    if (total_offered > 0)
        snprintf(note, sizeof note,
                 "Offers accepted out of offers made, per day; %.0f of %.0f "
                 "overall (%.0f%%).",
                 total_accepted, total_offered, 100.0 * total_accepted / total_offered);
    else
        snprintf(note, sizeof note, "No offers made in this period.");
    chart_section(h, "Offer acceptance rate", note);
    {
        const double *vals[1] = {rate};
        const char *names[1] = {"accepted"};
        hub_chart c = {.id = "chart-acceptance",
                       .title = "Offer acceptance rate per day",
                       .days = days,
                       .day_labels = t.label_ptrs,
                       .series = 1,
                       .series_names = names,
                       .values = vals,
                       .y_max = 100,
                       .y_unit = "%"};
        hub_svg_bars(h, &c);
    }
    hub_html_raw(h, "</section>");

    chart_section(h, "Spend against budget", NULL);
    budgets(h, kiosks);
    /* Money is summed per currency and never across: a fleet with sites in
     * GBP and EUR gets a total for each and one series for each. */
    hub_html_raw(h, "<p class=\"muted\" id=\"spend-totals\">Value of accepted offers per day, "
                    "per currency (amounts in different currencies are never added): ");
    if (!t.ncur)
        hub_html_raw(h, "none in this period");
    for (size_t c = 0; c < t.ncur; c++) {
        char total[32];
        money((int64_t)llround(t.cur_total[c] * 100.0), total, sizeof total);
        hub_html_raw(h, c ? "; <span class=\"spend-total\">" : "<span class=\"spend-total\">");
        hub_html_fmt(h, "%s ", total);
        hub_html_text(h, t.cur[c][0] ? t.cur[c] : "in an unknown currency");
        hub_html_raw(h, "</span>");
    }
    hub_html_raw(h, ".");
    if (t.ncur > HUB_SVG_SERIES_MAX || t.cur_full)
        hub_html_fmt(h, " Charts are drawn for the first %d currencies.", HUB_SVG_SERIES_MAX);
    for (size_t c = 0; c < t.ncur; c++) {
        if (!t.cur[c][0]) {
            hub_html_raw(h, " <span class=\"err\">Some kiosks' currency is unknown: give their "
                            "site one (<code>amends-hub site set SITE --currency CODE</code>)."
                            "</span>");
            break;
        }
    }
    hub_html_raw(h, "</p>");
    /* One chart per currency: stacked bars would add them up. */
    for (size_t c = 0; c < t.ncur && c < HUB_SVG_SERIES_MAX; c++) {
        const double *vals[1] = {t.spend[c]};
        const char *names[1] = {t.cur[c][0] ? t.cur[c] : "unknown currency"};
        char id[32], title[96];
        /* Codes are three capitals (hub_currency_valid): safe in an id. */
        snprintf(id, sizeof id, "chart-spend-%s", t.cur[c][0] ? t.cur[c] : "unknown");
        snprintf(title, sizeof title, "Spend from accepted offers per day, %s", names[0]);
        hub_chart ch = {.id = id,
                        .title = title,
                        .days = days,
                        .day_labels = t.label_ptrs,
                        .series = 1,
                        .series_names = names,
                        .values = vals,
                        .y_unit = "",
                        .y_decimals = 0};
        hub_svg_bars(h, &ch);
    }
    hub_html_raw(h, "</section></div>");
    trends_free(&t);
    return AM_OK;
}

static enum MHD_Result dashboard(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                 const hub_person *who)
{
    cJSON *kiosks = NULL, *rows = NULL, *follow = NULL;
    hub_html h = {0};
    int64_t now = am_wall_ms();
    size_t days = (size_t)d->cfg->chart_days;
    int64_t start = (now / DAY_MS - (int64_t)(days - 1)) * DAY_MS;
    hub_feedback_filter all = {.since_ms = start, .limit = MAX_ROWS, .scope = who};
    hub_feedback_filter fu = {
        .since_ms = start, .limit = MAX_ROWS, .followups = true, .scope = who};
    am_rc rc = hub_db_kiosks(d->db, &kiosks);
    if (!rc)
        rc = hub_db_feedback(d->db, &all, &rows);
    if (!rc)
        rc = hub_db_feedback(d->db, &fu, &follow);
    if (!rc) {
        /* Each role sees its own sites; staff and viewers no guest's
         * personal data. */
        hub_keep_own_kiosks(kiosks, who);
        if (hub_access_of(who, "GET /") == HUB_ACCESS_HIDDEN) {
            hub_hide_personal(rows);
            hub_hide_personal(follow);
        }
    }
    if (rc)
        goto out;

    hub_dash_page_start(&h, "Dashboard", ws);
    hub_html_raw(&h, "<main>");
    if (hub_access_of(who, "GET /people") != HUB_ACCESS_NO)
        hub_html_raw(&h, "<p class=\"pagelinks\"><a href=\"/people\" id=\"people-link\">People"
                         "</a>: add people, change roles, reset passwords</p>");
    /* The case queue and the fleet table are built first so the summary
     * can count the overdue and the silent. */
    hub_html queue_html = {0}, fleet_html = {0};
    int overdue = 0, urgent = 0;
    rc = hub_dash_case_queue(d, conn, &queue_html, who, kiosks, &overdue, &urgent);
    if (rc) {
        hub_html_clear(&queue_html);
        goto out;
    }
    int silent = fleet(d, &fleet_html, kiosks, now);
    hub_html_fmt(&h,
                 "<div class=\"summary\"><div class=\"%s\" id=\"count-overdue\"><b>%d</b>cases "
                 "overdue</div><div class=\"%s\" id=\"count-urgent\"><b>%d</b>urgent cases "
                 "open</div><div><b>%d</b>kiosks</div>"
                 "<div class=\"%s\"><b>%d</b>silent</div>"
                 "<div><b>%d</b>to follow up</div>"
                 "<div><b>%d</b>reports, %zu days</div></div>",
                 overdue ? "alarm" : "", overdue, urgent ? "alarm" : "", urgent,
                 cJSON_GetArraySize(kiosks), silent ? "alarm" : "", silent,
                 cJSON_GetArraySize(follow), cJSON_GetArraySize(rows), days);
    char *queue_text = hub_html_take(&queue_html);
    char *fleet_text = hub_html_take(&fleet_html);
    if (!fleet_text || !queue_text) {
        free(queue_text);
        free(fleet_text);
        rc = AM_ERR_NOMEM;
        goto out;
    }
    hub_html_raw(&h, queue_text);
    hub_html_raw(&h, fleet_text);
    free(queue_text);
    free(fleet_text);
    rc = charts(&h, kiosks, rows, start, days, cJSON_GetArraySize(rows) >= MAX_ROWS);
    if (rc)
        goto out;
    followups(&h, follow, (int)days, kiosks);
    recent(&h, rows, kiosks);
    hub_html_raw(&h, "</main>");
    hub_dash_page_end(&h);
out:
    cJSON_Delete(kiosks);
    cJSON_Delete(rows);
    cJSON_Delete(follow);
    if (rc) {
        hub_html_clear(&h);
        am_log_error(MOD, "dashboard: %s", am_rc_str(rc));
        return hub_dash_message_page(conn, rc == AM_ERR_BUSY ? 503 : 500, "Dashboard unavailable",
                                     "The hub could not read its database; see the hub's log.");
    }
    return hub_dash_send_page(conn, 200, hub_html_take(&h), NULL, NULL, NULL);
}

static enum MHD_Result kiosk_page(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                  const hub_person *who, const char *id)
{
    cJSON *log = NULL, *kiosks = NULL;
    char site[AM_KIOSK_ID_MAX];
    am_rc rc = am_proto_kiosk_id_valid(id) ? hub_db_kiosk_site(d->db, id, site, sizeof site)
                                           : AM_ERR_NOTFOUND;
    if (!rc && !hub_allowed(who, "GET /kiosks/{id}", site))
        return hub_dash_refused_page(conn, who, "GET /kiosks/{id}", site);
    if (!rc)
        rc = hub_db_ingest_log_list(d->db, id, 200, &log);
    if (!rc)
        rc = hub_db_kiosks(d->db, &kiosks);
    if (rc) {
        cJSON_Delete(log);
        if (rc == AM_ERR_NOTFOUND)
            return hub_dash_message_page(conn, 404, "No such kiosk",
                                         "The hub knows no kiosk by that id.");
        return hub_dash_message_page(conn, 500, "Unavailable",
                                     "The hub could not read its database.");
    }
    hub_html h = {0};
    hub_dash_page_start(&h, "Ingest log", ws);
    hub_html_raw(&h, "<main><p><a href=\"/\">← Dashboard</a></p><section id=\"ingest-log\">"
                     "<h2>Ingest log of kiosk ");
    hub_html_text(&h, id);
    hub_html_raw(&h, " <span class=\"count\">(newest first, at most 200)</span></h2>");
    const cJSON *entries = cJSON_GetObjectItemCaseSensitive(log, "entries");
    if (!cJSON_GetArraySize(entries)) {
        hub_html_raw(&h, "<p class=\"muted\">Nothing received from this kiosk yet.</p>");
    } else {
        hub_html_raw(&h, "<table><thead><tr><th>At</th><th>Batch</th><th class=\"num\">HTTP"
                         "</th><th class=\"num\">Stored</th><th class=\"num\">Duplicate</th>"
                         "<th class=\"num\">Rejected</th><th>Reason</th></tr></thead><tbody>");
        const cJSON *e;
        cJSON_ArrayForEach(e, entries)
        {
            int64_t status = 0;
            jnum(e, "status", &status);
            hub_html_raw(&h, "<tr>");
            td_time(&h, e, "at", kiosks, id);
            td_text(&h, "muted", jstr(e, "batch"));
            hub_html_fmt(&h, "<td class=\"num%s\">%lld</td>", status >= 400 ? " err" : "",
                         (long long)status);
            td_num(&h, e, "stored");
            td_num(&h, e, "duplicate");
            td_num(&h, e, "rejected");
            td_text(&h, "text", jstr(e, "reason"));
            hub_html_raw(&h, "</tr>");
        }
        hub_html_raw(&h, "</tbody></table>");
    }
    hub_html_raw(&h, "</section></main>");
    hub_dash_page_end(&h);
    cJSON_Delete(log);
    cJSON_Delete(kiosks);
    return hub_dash_send_page(conn, 200, hub_html_take(&h), NULL, NULL, NULL);
}

/* The dashboard action a request is, as the role table names it; NULL for
 * a page that does not exist. */
static const char *dash_action(const char *url, bool get, bool post)
{
    if (get && !strcmp(url, "/"))
        return "GET /";
    if (get && !strncmp(url, "/kiosks/", 8))
        return "GET /kiosks/{id}";
    if (post && !strcmp(url, "/logout"))
        return "POST /logout";
    if (post && !strcmp(url, "/logout/everywhere"))
        return "POST /logout/everywhere";
    if (!strcmp(url, "/people"))
        return get ? "GET /people" : "POST /people";
    if (post && !strncmp(url, "/people/", 8)) {
        const char *slash = strchr(url + 8, '/');
        if (slash && !strcmp(slash, "/role"))
            return "POST /people/{name}/role";
        if (slash && !strcmp(slash, "/password-link"))
            return "POST /people/{name}/password-link";
        if (slash && !strcmp(slash, "/remove"))
            return "POST /people/{name}/remove";
    }
    if (post && !strncmp(url, "/alerts/", 8))
        return "POST /alerts/{id}/ack";
    if (get && !strncmp(url, "/cases/", 7) && !strchr(url + 7, '/'))
        return "GET /cases/{id}";
    if (post && !strncmp(url, "/cases/", 7)) {
        const char *slash = strchr(url + 7, '/');
        if (slash && !strcmp(slash, "/events"))
            return "POST /cases/{id}/events";
    }
    if (get && !strcmp(url, "/audit"))
        return "GET /audit";
    if (get && !strcmp(url, "/notifications"))
        return "GET /notifications";
    if (post && !strncmp(url, "/notifications/", 15)) {
        const char *slash = strchr(url + 15, '/');
        if (slash && slash > url + 15 && !strcmp(slash, "/retry"))
            return "POST /notifications/{id}/retry";
    }
    if (get && !strcmp(url, "/trends"))
        return "GET /trends";
    if (get && !strcmp(url, "/vouchers"))
        return "GET /vouchers";
    if (post && !strcmp(url, "/vouchers/redeem"))
        return "POST /vouchers/redeem";
    return NULL;
}

/* --- dispatch ----------------------------------------------------------------------------------
 */

static enum MHD_Result ack(hub_dash *d, struct MHD_Connection *conn, const hub_person *who,
                           const char *url)
{
    char site[AM_KIOSK_ID_MAX];
    char id[AM_PROTO_UUID_LEN + 1];
    const char *rest = url + strlen("/alerts/");
    const char *slash = strchr(rest, '/');
    if (!slash || strcmp(slash, "/ack") != 0 || (size_t)(slash - rest) != AM_PROTO_UUID_LEN)
        return hub_dash_message_page(conn, 404, "Not found", "No such page.");
    memcpy(id, rest, AM_PROTO_UUID_LEN);
    id[AM_PROTO_UUID_LEN] = '\0';
    if (!am_proto_uuid_valid(id))
        return hub_dash_message_page(conn, 404, "Not found", "No such alert.");
    am_rc rc = hub_db_alert_site(d->db, id, site, sizeof site);
    if (rc == AM_ERR_NOTFOUND)
        return hub_dash_message_page(conn, 404, "Not found", "No such alert.");
    if (rc)
        return hub_dash_message_page(conn, 503, "Not acknowledged", "The database is unavailable.");
    if (!hub_allowed(who, "POST /alerts/{id}/ack", site))
        return hub_dash_refused_page(conn, who, "POST /alerts/{id}/ack", site);
    /* An alert belongs to its case: acknowledging it acknowledges the case. */
    return hub_dash_alert_case_ack(d, conn, who, id);
}

enum MHD_Result hub_dash_handle(hub_dash *d, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *body, size_t len)
{
    bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    bool post = !strcmp(method, "POST");
    if (!get && !post)
        return hub_dash_message_page(conn, 405, "Method not allowed", "Use GET or POST.");
    if (!strcmp(url, "/login"))
        return get ? hub_dash_login_page(conn, 200, NULL, NULL)
                   : hub_dash_login(d, conn, body, len);
    if (!strncmp(url, "/login/once/", 12) && get)
        return hub_dash_link(d, conn, url + 12);
    if (!strncmp(url, "/password/", 10))
        return hub_dash_password(d, conn, url + 10, post, body, len);

    web_session ws;
    hub_person who;
    am_rc rc = hub_dash_session_of(d, conn, &ws);
    /* The session's person, as they are now: a role changed since sign-in
     * counts from the next request. */
    if (!rc)
        rc = hub_db_person_get(d->db, ws.manager, &who);
    if (rc == AM_ERR_NOTFOUND) {
        if (get)
            return hub_dash_redirect(conn, "/login", NULL);
        return hub_dash_message_page(conn, 401, "Sign in first", "This needs a signed-in manager.");
    }
    if (rc)
        return hub_dash_message_page(conn, 503, "Unavailable",
                                     "The hub could not read its database.");

    ws.nav_vouchers = hub_access_of(&who, "GET /vouchers") != HUB_ACCESS_NO;
    ws.nav_audit = hub_access_of(&who, "GET /audit") != HUB_ACCESS_NO;
    ws.nav_trends = hub_access_of(&who, "GET /trends") != HUB_ACCESS_NO;
    ws.nav_notifications = hub_access_of(&who, "GET /notifications") != HUB_ACCESS_NO;
    enum MHD_Result ret;
    const char *action = dash_action(url, get, post);
    if (post && !hub_dash_form_ok(d, conn, &ws, body, len)) {
        am_log_warn(MOD, "manager %s: form refused (CSRF token or origin)", ws.manager);
        ret = hub_dash_message_page(conn, 403, "Refused",
                                    "The form was stale or came from elsewhere: reload the page.");
    } else if (action && hub_access_of(&who, action) == HUB_ACCESS_NO) {
        ret = hub_dash_refused_page(conn, &who, action, NULL);
    } else if (get && !strcmp(url, "/")) {
        ret = dashboard(d, conn, &ws, &who);
    } else if (get && !strncmp(url, "/kiosks/", 8)) {
        ret = kiosk_page(d, conn, &ws, &who, url + 8);
    } else if (post && !strcmp(url, "/logout")) {
        ret = hub_dash_logout(d, conn, &ws, false);
    } else if (post && !strcmp(url, "/logout/everywhere")) {
        ret = hub_dash_logout(d, conn, &ws, true);
    } else if (action && !strncmp(url, "/people", 7)) {
        ret = hub_dash_people(d, conn, &ws, &who, url, post, body, len);
    } else if (post && !strncmp(url, "/alerts/", 8)) {
        ret = ack(d, conn, &who, url);
    } else if (action && !strcmp(action, "GET /cases/{id}")) {
        ret = hub_dash_case_page(d, conn, &ws, &who, url + 7);
    } else if (action && !strcmp(action, "POST /cases/{id}/events")) {
        char key[32];
        size_t klen = (size_t)(strchr(url + 7, '/') - (url + 7));
        if (klen >= sizeof key) {
            ret = hub_dash_message_page(conn, 404, "Not found", "No such case.");
        } else {
            memcpy(key, url + 7, klen);
            key[klen] = '\0';
            ret = hub_dash_case_event(d, conn, &ws, &who, key, body, len);
        }
    } else if (action && !strcmp(action, "GET /trends")) {
        ret = hub_dash_trends_page(d, conn, &ws, &who);
    } else if (action && !strcmp(action, "GET /audit")) {
        ret = hub_dash_audit_page(d, conn, &ws, &who);
    } else if (action && !strcmp(action, "GET /notifications")) {
        ret = hub_dash_notifications_page(d, conn, &ws, &who);
    } else if (action && !strcmp(action, "POST /notifications/{id}/retry")) {
        char id[HUB_MSG_ID_MAX];
        size_t idlen = (size_t)(strchr(url + 15, '/') - (url + 15));
        if (idlen >= sizeof id) {
            ret = hub_dash_message_page(conn, 404, "Not found", "No such notification.");
        } else {
            memcpy(id, url + 15, idlen);
            id[idlen] = '\0';
            ret = hub_dash_notification_retry(d, conn, &ws, &who, id);
        }
    } else if (action && !strcmp(action, "GET /vouchers")) {
        ret = hub_dash_voucher_desk(d, conn, &ws, &who);
    } else if (action && !strcmp(action, "POST /vouchers/redeem")) {
        ret = hub_dash_voucher_redeem(d, conn, &ws, &who, body, len);
    } else {
        ret = hub_dash_message_page(conn, 404, "Not found", "No such page.");
    }
    sodium_memzero(&ws, sizeof ws);
    sodium_memzero(&who, sizeof who);
    return ret;
}
