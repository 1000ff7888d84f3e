/* dashboard_cases.c — cases on the dashboard: the queue the front page
 * leads with, the case page (the guest's report, the case's alerts, its
 * timeline and a form for every event) and the forms' POST, which goes
 * through hub_case_work like POST /v1/cases/{id}/events, so the rules and
 * the audit trail are one.
 */
#include "dashboard_internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "hub_case.h"
#include "hub_tz.h"

#define MOD         HUB_DASH_MOD
#define QUEUE_MAX   500 /* cases the queue reads */
#define PEOPLE_MAX  200 /* people the assign form offers */
#define FORM_TEXT   (HUB_CASE_TEXT_MAX * 4 + 1)
#define EVENTS_PATH "/events"

/* --- small helpers --------------------------------------------------------------------------- */

static const char *str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static int64_t num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* The time zone of the site of kiosk `id` (NULL: UTC). */
static const char *zone_of(const cJSON *kiosks, const char *id)
{
    const cJSON *k;
    cJSON_ArrayForEach(k, kiosks)
    {
        const char *kid = str(k, "id");
        if (id && kid && !strcmp(kid, id))
            return str(k, "timezone");
    }
    return NULL;
}

/* The entry `id` of a list of objects with an "id" (sites, teams), or NULL. */
static const cJSON *by_id(const cJSON *list, const char *id)
{
    const cJSON *o;
    cJSON_ArrayForEach(o, list)
    {
        const char *oid = str(o, "id");
        if (id && oid && !strcmp(oid, id))
            return o;
    }
    return NULL;
}

/* The currency kiosk `id` budgets in (its "budget_currency"), or NULL. */
static const char *currency_of(const cJSON *kiosks, const char *id)
{
    return str(by_id(kiosks, id), "budget_currency");
}

/* "3 min", "2 h 05 min", "3 d 4 h"; "under a minute". */
static void span(int64_t ms, char *out, size_t len)
{
    if (ms < 0)
        ms = -ms;
    int64_t min = ms / 60000;
    if (min < 1)
        snprintf(out, len, "under a minute");
    else if (min < 60)
        snprintf(out, len, "%lld min", (long long)min);
    else if (min < 48 * 60)
        snprintf(out, len, "%lld h %02lld min", (long long)(min / 60), (long long)(min % 60));
    else
        snprintf(out, len, "%lld d %lld h", (long long)(min / 1440), (long long)(min / 60 % 24));
}

static bool closed(const char *state)
{
    return state && (!strcmp(state, "resolved") || !strcmp(state, "unresolved"));
}

/* The deadline a case is working towards: acknowledging while open,
 * resolving until closed; 0 when closed. */
static int64_t due_of(const cJSON *c)
{
    const char *state = str(c, "state");
    if (closed(state))
        return 0;
    return state && !strcmp(state, "open") ? num(c, "ack_due") : num(c, "resolve_due");
}

/* What the person should do next with the case, in a few words. */
static const char *next_step(const cJSON *c, bool may_act)
{
    const char *state = str(c, "state");
    if (!may_act)
        return closed(state) ? "Closed" : "Being handled";
    if (!state || !strcmp(state, "open"))
        return "Acknowledge it";
    if (!strcmp(state, "acknowledged"))
        return "Go and put it right, then resolve";
    if (!strcmp(state, "in_progress"))
        return "Put it right, then resolve";
    return "Closed: reopen if it is back";
}

static void time_text(hub_html *h, int64_t ms, const char *zone)
{
    char when[48];
    if (!ms) {
        hub_html_raw(h, "—");
        return;
    }
    hub_tz_format(ms, zone, HUB_TZ_MINUTE, when, sizeof when);
    hub_html_text(h, when);
}

/* "due in 25 min" or "OVERDUE by 1 h 03 min", the latter in red and in
 * words, not colour alone. */
static void deadline_text(hub_html *h, const cJSON *c, int64_t now)
{
    int64_t due = due_of(c);
    char left[32];
    if (!due) {
        hub_html_raw(h, "<span class=\"muted\">closed</span>");
        return;
    }
    span(due - now, left, sizeof left);
    const char *what =
        !strcmp(str(c, "state") ? str(c, "state") : "", "open") ? "acknowledge" : "resolve";
    if (due <= now)
        hub_html_fmt(h, "<strong class=\"overdue\">OVERDUE</strong> to %s, by %s", what, left);
    else
        hub_html_fmt(h, "%s within %s", what, left);
}

static const char *query(struct MHD_Connection *conn, const char *key)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
    return v && *v ? v : NULL;
}

static int by_urgency(const void *a, const void *b)
{
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    bool xo = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(x, "overdue"));
    bool yo = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(y, "overdue"));
    if (xo != yo)
        return xo ? -1 : 1;
    bool xu = !strcmp(str(x, "priority") ? str(x, "priority") : "", "urgent");
    bool yu = !strcmp(str(y, "priority") ? str(y, "priority") : "", "urgent");
    if (xu != yu)
        return xu ? -1 : 1;
    int64_t dx = due_of(x), dy = due_of(y);
    if (dx != dy)
        return dx && (!dy || dx < dy) ? -1 : 1;
    return num(x, "opened_at") < num(y, "opened_at") ? -1 : 1;
}

static void option(hub_html *h, const char *value, const char *label, const char *chosen)
{
    hub_html_raw(h, "<option value=\"");
    hub_html_text(h, value);
    hub_html_raw(h, chosen && !strcmp(chosen, value) ? "\" selected>" : "\">");
    hub_html_text(h, label);
    hub_html_raw(h, "</option>");
}

/* --- the queue ---------------------------------------------------------------------------------
 */

am_rc hub_dash_case_queue(hub_dash *d, struct MHD_Connection *conn, hub_html *h,
                          const hub_person *who, const cJSON *kiosks, int *overdue, int *urgent)
{
    int64_t now = am_wall_ms();
    const char *site = query(conn, "site"), *team = query(conn, "team");
    const char *state = query(conn, "state"), *over = query(conn, "overdue");
    bool mine = query(conn, "mine") != NULL;
    hub_case_state st;
    if (site && !am_proto_kiosk_id_valid(site))
        site = NULL;
    if (team && !am_proto_kiosk_id_valid(team))
        team = NULL;
    if (!state ||
        (strcmp(state, "all") && strcmp(state, "active") && hub_case_state_parse(state, &st) != 0))
        state = "active";
    hub_case_filter f = {.site = site,
                         .team = team,
                         .state = strcmp(state, "all") ? state : NULL,
                         .overdue_only = over != NULL,
                         .now_ms = now,
                         .limit = QUEUE_MAX,
                         .scope = who};
    cJSON *rows = NULL;
    am_rc rc = hub_db_cases(d->db, &f, &rows);
    if (rc)
        return rc;
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(rows);
    const cJSON **shown = calloc(cap ? cap : 1, sizeof *shown);
    if (!shown) {
        cJSON_Delete(rows);
        return AM_ERR_NOMEM;
    }
    const cJSON *c;
    *overdue = *urgent = 0;
    cJSON_ArrayForEach(c, rows)
    {
        /* Staff see their teams' cases and those of no team (the query's
         * scope does it; this keeps the page right whatever it gets). */
        if (!hub_case_visible(who, c))
            continue;
        const char *assignee = str(c, "assignee");
        if (mine && (!assignee || strcmp(assignee, who->name)))
            continue;
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "overdue")))
            (*overdue)++;
        if (!closed(str(c, "state")) &&
            !strcmp(str(c, "priority") ? str(c, "priority") : "", "urgent"))
            (*urgent)++;
        shown[n++] = c;
    }
    qsort(shown, n, sizeof *shown, by_urgency);
    bool may_act = hub_access_of(who, "POST /cases/{id}/events") != HUB_ACCESS_NO;

    hub_html_fmt(h,
                 "<section id=\"cases\"><h2>Cases <span class=\"count\">(%zu shown; overdue and "
                 "urgent first)</span></h2>",
                 n);
    /* The filters: a plain GET form, so the page works without scripts. */
    /* Folded away unless in use: on a phone the cases come first. */
    bool filtered = site || team || over || mine || strcmp(state, "active");
    hub_html_fmt(h, "<details class=\"filters\"%s><summary>Filter%s</summary>",
                 filtered ? " open" : "", filtered ? " (on)" : "");
    hub_html_raw(h, "<form method=\"get\" action=\"/\" class=\"filters\" id=\"case-filters\">"
                    "<label>Site <select name=\"site\"><option value=\"\">all my sites</option>");
    if (who->role == HUB_ROLE_ADMIN) {
        const cJSON *k;
        char seen[64][AM_KIOSK_ID_MAX];
        size_t nseen = 0;
        cJSON_ArrayForEach(k, kiosks)
        {
            const char *s = str(k, "site");
            bool dup = !s;
            for (size_t i = 0; s && i < nseen; i++)
                dup = dup || !strcmp(seen[i], s);
            if (dup || nseen == 64)
                continue;
            snprintf(seen[nseen++], AM_KIOSK_ID_MAX, "%s", s);
            option(h, s, s, site);
        }
    } else {
        for (size_t i = 0; i < who->nsites; i++)
            option(h, who->sites[i], who->sites[i], site);
    }
    hub_html_raw(h, "</select></label><label>Team <input name=\"team\" size=\"12\" value=\"");
    hub_html_text(h, team ? team : "");
    hub_html_raw(h, "\"></label><label>State <select name=\"state\">");
    option(h, "active", "not closed", state);
    for (int s = 0; s < HUB_CASE_STATE_COUNT; s++)
        option(h, hub_case_state_name((hub_case_state)s), hub_case_state_name((hub_case_state)s),
               state);
    option(h, "all", "all", state);
    hub_html_fmt(h,
                 "</select></label><label><input type=\"checkbox\" name=\"overdue\" value=\"1\"%s>"
                 " overdue only</label><label><input type=\"checkbox\" name=\"mine\" value=\"1\"%s>"
                 " mine only</label><button type=\"submit\">Show</button></form></details>",
                 over ? " checked" : "", mine ? " checked" : "");
    if (!n) {
        hub_html_raw(h, "<p class=\"muted\" id=\"no-cases\">No cases to show.</p></section>");
        free(shown);
        cJSON_Delete(rows);
        return AM_OK;
    }
    hub_html_raw(h, "<table class=\"queue\"><thead><tr><th>Case</th><th>Site</th><th>Team</th>"
                    "<th>Priority</th><th>State</th><th>Age</th><th>Deadline</th>"
                    "<th>Next step</th></tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        c = shown[i];
        const char *code = str(c, "code") ? str(c, "code") : "";
        const char *assignee = str(c, "assignee");
        bool late = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "overdue"));
        bool yours = assignee && !strcmp(assignee, who->name);
        bool urgent_case = !strcmp(str(c, "priority") ? str(c, "priority") : "", "urgent");
        char age[32];
        span(now - num(c, "opened_at"), age, sizeof age);
        hub_html_fmt(h, "<tr class=\"case%s%s\" data-case=\"", late ? " over" : "",
                     yours ? " mine" : "");
        hub_html_text(h, code);
        hub_html_raw(h, "\"><td data-label=\"Case\"><a class=\"code\" href=\"/cases/");
        hub_html_text(h, code);
        hub_html_raw(h, "\">");
        hub_html_text(h, code);
        hub_html_raw(h, "</a>");
        if (yours)
            hub_html_raw(h, " <span class=\"tag yours\">yours</span>");
        hub_html_raw(h, "<div class=\"muted\">");
        hub_html_text(h, str(c, "category") ? str(c, "category") : str(c, "reasons"));
        if (str(c, "location")) {
            hub_html_raw(h, " · ");
            hub_html_text(h, str(c, "location"));
        }
        hub_html_raw(h, "</div></td><td data-label=\"Site\">");
        hub_html_text(h, str(c, "site"));
        hub_html_raw(h, "</td><td data-label=\"Team\">");
        hub_html_text(h, str(c, "team") ? str(c, "team") : "no team");
        if (assignee && !yours) {
            hub_html_raw(h, "<div class=\"muted\">with ");
            hub_html_text(h, assignee);
            hub_html_raw(h, "</div>");
        }
        hub_html_fmt(h, "</td><td data-label=\"Priority\">%s</td><td data-label=\"State\">",
                     urgent_case ? "<strong>urgent</strong>" : "normal");
        hub_html_text(h, str(c, "state"));
        hub_html_raw(h, "</td><td data-label=\"Age\">");
        hub_html_text(h, age);
        hub_html_raw(h, "<div class=\"muted\">since ");
        time_text(h, num(c, "opened_at"), zone_of(kiosks, str(c, "kiosk")));
        hub_html_raw(h, " (");
        hub_html_text(h, str(c, "kiosk"));
        hub_html_raw(h, ")</div></td><td data-label=\"Deadline\">");
        deadline_text(h, c, now);
        hub_html_raw(h, "</td><td data-label=\"Next step\" class=\"next\">");
        hub_html_text(h, next_step(c, may_act));
        hub_html_raw(h, "</td></tr>");
    }
    hub_html_raw(h, "</tbody></table>");
    if ((int)cJSON_GetArraySize(rows) >= QUEUE_MAX)
        hub_html_fmt(h,
                     "<p class=\"muted\">The newest %d cases are read: filter to see others."
                     "</p>",
                     QUEUE_MAX);
    hub_html_raw(h, "</section>");
    free(shown);
    cJSON_Delete(rows);
    return AM_OK;
}

/* --- the case page ------------------------------------------------------------------------------
 */

/* The case by id or code, if `who` may see it: else the answer (404, 403)
 * is queued in *ret and NULL returned. */
static cJSON *case_for(hub_dash *d, struct MHD_Connection *conn, const hub_person *who,
                       const char *action, const char *key, enum MHD_Result *ret)
{
    bool digits = key[0] && strspn(key, "0123456789") == strlen(key);
    if (!digits && !hub_case_code_valid(key)) {
        *ret = hub_dash_message_page(conn, 404, "Not found", "No such case.");
        return NULL;
    }
    cJSON *c = NULL;
    am_rc rc = hub_db_case_get(d->db, key, am_wall_ms(), &c);
    if (rc == AM_ERR_NOTFOUND) {
        *ret = hub_dash_message_page(conn, 404, "Not found", "No such case.");
        return NULL;
    }
    if (rc) {
        *ret =
            hub_dash_message_page(conn, 503, "Unavailable", "The hub could not read its database.");
        return NULL;
    }
    const char *site = str(c, "site");
    if (!hub_allowed(who, action, site)) {
        *ret = hub_dash_refused_page(conn, who, action, site);
        cJSON_Delete(c);
        return NULL;
    }
    if (!hub_case_visible(who, c)) {
        *ret = hub_dash_message_page(conn, 403, "Not allowed",
                                     "This case is another team's: ask its team or a manager.");
        cJSON_Delete(c);
        return NULL;
    }
    return c;
}

static void fact(hub_html *h, const char *label, const char *value)
{
    hub_html_raw(h, "<tr><th>");
    hub_html_text(h, label);
    hub_html_raw(h, "</th><td>");
    hub_html_text(h, value && *value ? value : "—");
    hub_html_raw(h, "</td></tr>");
}

static void fact_time(hub_html *h, const char *label, int64_t ms, const char *zone)
{
    hub_html_raw(h, "<tr><th>");
    hub_html_text(h, label);
    hub_html_raw(h, "</th><td>");
    time_text(h, ms, zone);
    hub_html_raw(h, "</td></tr>");
}

/* The start of one form posting an event of `type` to the case. */
static void form_start(hub_html *h, const web_session *ws, const cJSON *c, const char *type,
                       const char *title)
{
    hub_html_raw(h, "<form method=\"post\" class=\"event\" id=\"form-");
    hub_html_text(h, type);
    hub_html_raw(h, "\" action=\"/cases/");
    hub_html_text(h, str(c, "code"));
    hub_html_raw(h, "/events\"><h3>");
    hub_html_text(h, title);
    hub_html_raw(h, "</h3><input type=\"hidden\" name=\"csrf\" value=\"");
    hub_html_text(h, ws->csrf);
    hub_html_raw(h, "\"><input type=\"hidden\" name=\"type\" value=\"");
    hub_html_text(h, type);
    hub_html_fmt(h, "\"><input type=\"hidden\" name=\"version\" value=\"%lld\">",
                 (long long)num(c, "version"));
}

static void textarea(hub_html *h, const char *name, const char *label, bool required)
{
    hub_html_raw(h, "<label>");
    hub_html_text(h, label);
    hub_html_fmt(h, "<textarea name=\"%s\" rows=\"3\" maxlength=\"%d\"%s></textarea></label>", name,
                 HUB_CASE_TEXT_MAX, required ? " required" : "");
}

/* The people who may be given the case: those who may work it. */
static void assignees(hub_dash *d, hub_html *h, const cJSON *c, const hub_person *who)
{
    cJSON *people = NULL;
    hub_html_raw(h, "<label>Person <select name=\"person\" required>");
    if (!hub_db_people(d->db, &people)) {
        const cJSON *p;
        int n = 0;
        cJSON_ArrayForEach(p, people)
        {
            hub_person person;
            const char *name = str(p, "name");
            if (!name || n >= PEOPLE_MAX || hub_db_person_get(d->db, name, &person))
                continue;
            if (hub_allowed(&person, "POST /cases/{id}/events", str(c, "site")) &&
                hub_case_visible(&person, c)) {
                char label[160];
                snprintf(label, sizeof label, "%s (%s)%s", name, hub_role_name(person.role),
                         !strcmp(name, who->name) ? " — me" : "");
                option(h, name, label, who->name);
                n++;
            }
            sodium_memzero(&person, sizeof person);
        }
    }
    cJSON_Delete(people);
    hub_html_raw(h, "</select></label>");
}

/* Every event's form that fits the case's state. */
static void forms(hub_dash *d, hub_html *h, const web_session *ws, const hub_person *who,
                  const cJSON *c)
{
    const char *state = str(c, "state") ? str(c, "state") : "";
    bool is_closed = closed(state);
    hub_html_raw(h, "<section id=\"act\"><h2>What to do</h2><div class=\"forms\">");
    if (!strcmp(state, "open")) {
        form_start(h, ws, c, "ack", "Acknowledge");
        hub_html_raw(h, "<p>Say you have it: the guest's kiosk and your team see it is taken."
                        "</p><button type=\"submit\" class=\"primary\">Acknowledge</button>"
                        "</form>");
    }
    if (!is_closed) {
        form_start(h, ws, c, "resolve", "Resolve");
        hub_html_raw(h, "<label>Root cause <select name=\"root_cause\" required>"
                        "<option value=\"\">choose…</option>");
        char causes[sizeof d->cfg->case_root_causes];
        snprintf(causes, sizeof causes, "%s", d->cfg->case_root_causes);
        char *save = NULL;
        for (char *t = strtok_r(causes, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            while (*t == ' ')
                t++;
            size_t len = strlen(t);
            while (len && t[len - 1] == ' ')
                t[--len] = '\0';
            if (len)
                option(h, t, t, NULL);
        }
        hub_html_raw(h, "</select></label>");
        textarea(h, "action", "What was done to put it right", true);
        textarea(h, "guest_message", "Message for the guest (optional)", false);
        hub_html_raw(h, "<button type=\"submit\" class=\"primary\">Resolve</button></form>");
    }
    form_start(h, ws, c, "note", "Add a note");
    textarea(h, "text", "Note", true);
    hub_html_raw(h, "<button type=\"submit\">Add note</button></form>");
    if (!is_closed) {
        form_start(h, ws, c, "assign", "Assign");
        assignees(d, h, c, who);
        hub_html_raw(h, "<button type=\"submit\">Assign</button></form>");
        form_start(h, ws, c, "priority", "Priority");
        hub_html_raw(h, "<label>Priority <select name=\"priority\">");
        option(h, "urgent", "urgent", str(c, "priority"));
        option(h, "normal", "normal", str(c, "priority"));
        hub_html_raw(h, "</select></label><button type=\"submit\">Change priority</button>"
                        "</form>");
        form_start(h, ws, c, "unresolved", "Cannot be put right");
        textarea(h, "reason", "Why", true);
        hub_html_raw(h, "<button type=\"submit\">Mark unresolved</button></form>");
    } else {
        form_start(h, ws, c, "reopen", "Reopen");
        textarea(h, "reason", "Why", true);
        hub_html_raw(h, "<button type=\"submit\">Reopen</button></form>");
    }
    hub_html_raw(h, "</div></section>");
}

/* Labels for the report's fields, in the order shown. */
static const struct {
    const char *key, *label;
} report_fields[] = {
    {"category", "Category"},
    {"severity", "Impact"},
    {"description", "What happened"},
    {"location", "Where"},
    {"resolution", "Fix the guest chose"},
    {"resolution_text", "In the guest's words"},
    {"offer", "Offer"},
    {"offer_value_minor", "Offer value"},
    {"offer_state", "What became of the offer"},
    {"voucher", "Voucher"},
    {"rating", "Recovery rating (1-5)"},
    {"comment", "Comment"},
    {"first_name", "Name"},
    {"contact", "Contact"},
    {"consent", "Consent to contact"},
    {"lang", "Language"},
    {"outcome", "Journey outcome"},
};

/* What the guest's choice of fix was, for a person: a built-in
 * resolution's meaning, else its id (the kiosk's own labels stay there). */
static const char *resolution_words(const char *id)
{
    if (!strcmp(id, "staff_now"))
        return "speak to a member of staff now";
    if (!strcmp(id, "other"))
        return "something else (in the guest's words below)";
    return id;
}

/* One field of the report as text: money with its currency, a rating
 * the guest did not give as "not given"; NULL for a field not to show. */
static const char *report_value(const char *key, const cJSON *v, const char *currency, char *buf,
                                size_t len)
{
    if (cJSON_IsString(v))
        return !*v->valuestring             ? NULL
               : !strcmp(key, "resolution") ? resolution_words(v->valuestring)
                                            : v->valuestring;
    if (!cJSON_IsNumber(v))
        return NULL;
    long long n = (long long)v->valuedouble;
    if (!strcmp(key, "rating")) {
        if (n < 1)
            return "not given";
        snprintf(buf, len, "%lld of 5", n);
    } else if (!strcmp(key, "offer_value_minor")) {
        if (n <= 0)
            return NULL;
        snprintf(buf, len, "%lld.%02lld%s%s", n / 100, n % 100, currency && *currency ? " " : "",
                 currency ? currency : "");
    } else {
        snprintf(buf, len, "%lld", n);
    }
    return buf;
}

static void report(hub_html *h, const cJSON *r, const char *zone, const char *currency)
{
    hub_html_raw(h, "<section id=\"report\"><h2>The guest's report</h2>");
    if (!cJSON_IsObject(r)) {
        hub_html_raw(h, "<p class=\"muted\">Not received yet: the kiosk sends it when the guest "
                        "finishes.</p></section>");
        return;
    }
    hub_html_raw(h, "<table class=\"facts\">");
    fact_time(h, "Reported", num(r, "closed_at"), zone);
    for (size_t i = 0; i < sizeof report_fields / sizeof report_fields[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, report_fields[i].key);
        char text[48];
        const char *shown = report_value(report_fields[i].key, v, currency, text, sizeof text);
        if (shown)
            fact(h, report_fields[i].label, shown);
    }
    if (num(r, "voucher_redeemed_at"))
        fact_time(h, "Voucher redeemed", num(r, "voucher_redeemed_at"), zone);
    hub_html_raw(h, "</table></section>");
}

static void alerts(hub_html *h, const cJSON *list, const char *zone)
{
    hub_html_fmt(h,
                 "<section id=\"case-alerts\"><h2>Alerts <span class=\"count\">(%d)</span>"
                 "</h2>",
                 cJSON_GetArraySize(list));
    if (!cJSON_GetArraySize(list)) {
        hub_html_raw(h, "<p class=\"muted\">None: the case was opened by the report.</p>"
                        "</section>");
        return;
    }
    hub_html_raw(h, "<table><thead><tr><th>Raised</th><th>Why</th><th>Acknowledged</th></tr>"
                    "</thead><tbody>");
    const cJSON *a;
    cJSON_ArrayForEach(a, list)
    {
        hub_html_raw(h, "<tr class=\"case-alert\"><td>");
        time_text(h, num(a, "raised_at"), zone);
        hub_html_raw(h, "</td><td>");
        const char *words = hub_case_reason_words(str(a, "reason"));
        hub_html_text(h, words ? words : str(a, "reason"));
        hub_html_raw(h, "</td><td>");
        if (num(a, "acked_at")) {
            time_text(h, num(a, "acked_at"), zone);
            hub_html_raw(h, " by ");
            hub_html_text(h, str(a, "acked_by"));
        } else {
            hub_html_raw(h, "<span class=\"muted\">with the case</span>");
        }
        hub_html_raw(h, "</td></tr>");
    }
    hub_html_raw(h, "</tbody></table></section>");
}

static void timeline(hub_html *h, const cJSON *list, const char *zone)
{
    hub_html_raw(h, "<section id=\"timeline\"><h2>Timeline</h2><ol class=\"timeline\">");
    const cJSON *e;
    cJSON_ArrayForEach(e, list)
    {
        hub_html_raw(h, "<li class=\"event\" data-type=\"");
        hub_html_text(h, str(e, "type"));
        hub_html_raw(h, "\"><span class=\"when\">");
        time_text(h, num(e, "at"), zone);
        hub_html_raw(h, "</span> <b>");
        hub_html_text(h, str(e, "actor"));
        hub_html_raw(h, "</b> ");
        hub_html_text(h, str(e, "type"));
        if (str(e, "before") || str(e, "after")) {
            hub_html_raw(h, " <span class=\"muted\">(");
            if (str(e, "before")) {
                hub_html_text(h, str(e, "before"));
                hub_html_raw(h, " → ");
            }
            hub_html_text(h, str(e, "after") ? str(e, "after") : "nothing");
            hub_html_raw(h, ")</span>");
        }
        if (str(e, "via")) {
            hub_html_raw(h, " <span class=\"muted\">via ");
            hub_html_text(h, str(e, "via"));
            hub_html_raw(h, "</span>");
        }
        if (str(e, "detail")) {
            hub_html_raw(h, "<div class=\"detail\">");
            /* An alert's or an opening's detail is its reasons. */
            const char *type = str(e, "type") ? str(e, "type") : "";
            if (!strcmp(type, "alert") || !strcmp(type, "opened")) {
                char why[512];
                hub_case_reasons_text(str(e, "detail"), why, sizeof why);
                hub_html_text(h, why);
            } else {
                hub_html_text(h, str(e, "detail"));
            }
            hub_html_raw(h, "</div>");
        }
        hub_html_raw(h, "</li>");
    }
    hub_html_raw(h, "</ol></section>");
}

/* The case page; `banner` (may be NULL) is said first, in a box: why what
 * the person sent was not done. */
static enum MHD_Result case_page(hub_dash *d, struct MHD_Connection *conn, unsigned status,
                                 const web_session *ws, const hub_person *who, cJSON *c,
                                 const char *banner)
{
    cJSON *kiosks = NULL, *sites = NULL;
    if (hub_db_kiosks(d->db, &kiosks) || hub_db_sites(d->db, &sites)) {
        cJSON_Delete(kiosks);
        cJSON_Delete(c);
        return hub_dash_message_page(conn, 503, "Unavailable",
                                     "The hub could not read its database.");
    }
    if (hub_access_of(who, "GET /cases/{id}") == HUB_ACCESS_HIDDEN) {
        cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "report");
        for (const char *const *f = hub_personal_fields; cJSON_IsObject(r) && *f; f++) {
            if (cJSON_GetObjectItemCaseSensitive(r, *f))
                cJSON_ReplaceItemInObjectCaseSensitive(r, *f, cJSON_CreateString("hidden"));
        }
    }
    const char *zone = zone_of(kiosks, str(c, "kiosk"));
    const char *state = str(c, "state") ? str(c, "state") : "";
    int64_t now = am_wall_ms();
    bool late = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "overdue"));
    bool may_act = hub_allowed(who, "POST /cases/{id}/events", str(c, "site"));
    char title[64];
    snprintf(title, sizeof title, "Case %s", str(c, "code") ? str(c, "code") : "");
    hub_html h = {0};
    hub_dash_page_start(&h, title, ws);
    hub_html_raw(&h, "<main class=\"case\"><p><a href=\"/\">← All cases</a></p>");
    if (banner) {
        hub_html_raw(&h, "<div class=\"banner\" id=\"banner\" role=\"alert\">");
        hub_html_text(&h, banner);
        hub_html_raw(&h, "</div>");
    }
    hub_html_fmt(&h, "<section id=\"case\" class=\"head%s\" data-state=\"", late ? " over" : "");
    hub_html_text(&h, state);
    hub_html_raw(&h, "\"><h2 class=\"case-title\">");
    hub_html_text(&h, title);
    hub_html_raw(&h, " <span class=\"state\">");
    hub_html_text(&h, state);
    hub_html_raw(&h, "</span>");
    if (!strcmp(str(c, "priority") ? str(c, "priority") : "", "urgent"))
        hub_html_raw(&h, " <span class=\"tag urgent\">urgent</span>");
    hub_html_raw(&h, "</h2><p class=\"deadline\">");
    deadline_text(&h, c, now);
    hub_html_raw(&h, "</p><p class=\"next\">Next: <b>");
    hub_html_text(&h, next_step(c, may_act));
    hub_html_raw(&h, "</b></p><table class=\"facts\">");
    const cJSON *site = by_id(sites, str(c, "site"));
    const cJSON *team = by_id(cJSON_GetObjectItemCaseSensitive(site, "teams"), str(c, "team"));
    char site_text[160], why[512];
    snprintf(site_text, sizeof site_text, "%s (%s)", str(site, "name") ? str(site, "name") : "",
             str(c, "site") ? str(c, "site") : "");
    hub_case_reasons_text(str(c, "reasons"), why, sizeof why);
    fact(&h, "Site", str(site, "name") ? site_text : str(c, "site"));
    fact(&h, "Kiosk", str(c, "kiosk"));
    fact(&h, "Team",
         str(team, "name") ? str(team, "name")
         : str(c, "team")  ? str(c, "team")
                           : "no team");
    fact(&h, "Assigned to", str(c, "assignee"));
    fact(&h, "Why it is a case", why);
    fact_time(&h, "Opened", num(c, "opened_at"), zone);
    fact_time(&h, "Acknowledge by", num(c, "ack_due"), zone);
    fact_time(&h, "Acknowledged", num(c, "acknowledged_at"), zone);
    fact_time(&h, "Resolve by", num(c, "resolve_due"), zone);
    fact_time(&h, "Closed", num(c, "resolved_at"), zone);
    if (str(c, "root_cause")) {
        fact(&h, "Root cause", str(c, "root_cause"));
        fact(&h, "Corrective action", str(c, "corrective_action"));
        fact(&h, "Message for the guest", str(c, "guest_message"));
    }
    char zone_note[96];
    snprintf(zone_note, sizeof zone_note, "%s", zone && *zone ? zone : "UTC");
    fact(&h, "Times in", zone_note);
    hub_html_raw(&h, "</table></section>");
    if (may_act)
        forms(d, &h, ws, who, c);
    report(&h, cJSON_GetObjectItemCaseSensitive(c, "report"), zone,
           str(site, "currency") && *str(site, "currency") ? str(site, "currency")
                                                           : currency_of(kiosks, str(c, "kiosk")));
    alerts(&h, cJSON_GetObjectItemCaseSensitive(c, "alerts"), zone);
    timeline(&h, cJSON_GetObjectItemCaseSensitive(c, "timeline"), zone);
    hub_html_raw(&h, "</main>");
    hub_dash_page_end(&h);
    cJSON_Delete(sites);
    cJSON_Delete(kiosks);
    cJSON_Delete(c);
    return hub_dash_send_page(conn, status, hub_html_take(&h), NULL, NULL, NULL);
}

enum MHD_Result hub_dash_case_page(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                   const hub_person *who, const char *key)
{
    enum MHD_Result ret = MHD_NO;
    cJSON *c = case_for(d, conn, who, "GET /cases/{id}", key, &ret);
    if (!c)
        return ret;
    return case_page(d, conn, 200, ws, who, c, NULL);
}

/* --- the forms ---------------------------------------------------------------------------------
 */

/* The form as the API's JSON body, so that one parser reads both. */
static char *form_json(const char *body, size_t len)
{
    static const char *const fields[] = {"type",   "person", "priority",      "root_cause",
                                         "action", "text",   "guest_message", "reason"};
    char *value = malloc(FORM_TEXT);
    cJSON *o = cJSON_CreateObject();
    char *out = NULL;
    if (!value || !o)
        goto done;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (hub_dash_form_value(body, len, fields[i], value, FORM_TEXT) && *value &&
            !cJSON_AddStringToObject(o, fields[i], value))
            goto done;
    }
    if (hub_dash_form_value(body, len, "version", value, 24) && *value &&
        strspn(value, "0123456789") == strlen(value) &&
        !cJSON_AddNumberToObject(o, "version", (double)strtoll(value, NULL, 10)))
        goto done;
    out = cJSON_PrintUnformatted(o);
done:
    if (value)
        sodium_memzero(value, FORM_TEXT);
    free(value);
    cJSON_Delete(o);
    return out;
}

/* The case again, as it is now, for the page after a refusal. */
static cJSON *reread(hub_dash *d, const cJSON *c)
{
    char key[24];
    cJSON *now = NULL;
    snprintf(key, sizeof key, "%lld", (long long)num(c, "id"));
    return hub_db_case_get(d->db, key, am_wall_ms(), &now) ? NULL : now;
}

enum MHD_Result hub_dash_case_event(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                    const hub_person *who, const char *key, const char *body,
                                    size_t len)
{
    static const char action[] = "POST /cases/{id}/events";
    enum MHD_Result ret = MHD_NO;
    cJSON *c = case_for(d, conn, who, action, key, &ret);
    if (!c)
        return ret;
    char err[256], addr[HUB_DASH_ADDR_MAX], banner[512];
    hub_case_action *a = calloc(1, sizeof *a);
    char *json = form_json(body, len);
    if (!a || !json) {
        free(a);
        free(json);
        cJSON_Delete(c);
        return hub_dash_send_page(conn, 500, NULL, NULL, NULL, NULL);
    }
    bool parsed =
        hub_case_action_parse(json, strlen(json), d->cfg->case_root_causes, a, err, sizeof err);
    sodium_memzero(json, strlen(json));
    free(json);
    if (!parsed) {
        snprintf(banner, sizeof banner, "Not done: %s. Nothing was changed.", err);
        ret = case_page(d, conn, 400, ws, who, c, banner);
        goto out;
    }
    hub_dash_client_address(conn, addr, sizeof addr);
    hub_case_actor actor = {.name = who->name, .via = "dashboard", .address = addr};
    hub_case_outcome o;
    bool bad_person = false;
    am_rc rc = hub_case_work(d->db, action, c, a, &actor, am_wall_ms(), &o, &bad_person);
    if (rc) {
        cJSON_Delete(c);
        ret = hub_dash_message_page(conn, 503, "Not done",
                                    "The database is unavailable: nothing was changed.");
        goto out;
    }
    if (bad_person) {
        snprintf(banner, sizeof banner,
                 "Not assigned: %s may not work this case (staff of its team, or a manager of "
                 "its site).",
                 a->person);
        ret = case_page(d, conn, 422, ws, who, c, banner);
        goto out;
    }
    if (o.verdict != HUB_CASE_DONE) {
        /* Someone else acted first, or the event no longer fits: say who
         * did what, and show the case as it is now. */
        cJSON *now = reread(d, c);
        char when[48] = "";
        if (o.last_at) {
            cJSON *kiosks = NULL;
            if (!hub_db_kiosks(d->db, &kiosks))
                hub_tz_format(o.last_at, zone_of(kiosks, str(c, "kiosk")), HUB_TZ_SECOND, when,
                              sizeof when);
            cJSON_Delete(kiosks);
        }
        if (o.verdict == HUB_CASE_CONFLICT)
            snprintf(banner, sizeof banner,
                     "Not done: someone acted on this case first. %s did '%s' at %s; the case is "
                     "%s now. Your '%s' was not applied: check the case below and act again if "
                     "it is still needed.",
                     o.last_actor, o.last_type, when, o.state, hub_case_event_name(a->type));
        else
            snprintf(banner, sizeof banner,
                     "Not done: '%s' does not fit a case that is %s. Last, %s did '%s' at %s.",
                     hub_case_event_name(a->type), o.state, o.last_actor, o.last_type, when);
        cJSON_Delete(c);
        if (!now) {
            ret = hub_dash_message_page(conn, 409, "Not done", banner);
            goto out;
        }
        ret = case_page(d, conn, 409, ws, who, now, banner);
        goto out;
    }
    am_log_info(MOD, "case %lld: %s by %s (dashboard)", (long long)num(c, "id"),
                hub_case_event_name(a->type), who->name);
    char location[64];
    snprintf(location, sizeof location, "/cases/%s", str(c, "code") ? str(c, "code") : key);
    cJSON_Delete(c);
    ret = hub_dash_redirect(conn, location, NULL);
out:
    sodium_memzero(a, sizeof *a);
    free(a);
    return ret;
}

enum MHD_Result hub_dash_alert_case_ack(hub_dash *d, struct MHD_Connection *conn,
                                        const hub_person *who, const char *alert)
{
    static const char action[] = "POST /alerts/{id}/ack";
    int64_t id = 0;
    am_rc rc = hub_db_alert_case(d->db, alert, &id);
    if (rc == AM_ERR_NOTFOUND)
        return hub_dash_message_page(conn, 404, "Not found", "No such alert.");
    if (rc)
        return hub_dash_message_page(conn, 503, "Not acknowledged", "The database is unavailable.");
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)id);
    enum MHD_Result ret = MHD_NO;
    cJSON *c = case_for(d, conn, who, action, key, &ret);
    if (!c)
        return ret;
    /* The alert first, with its audit entry in its transaction; then its
     * case, which marks the case's other alerts. A case past acknowledging
     * (an alert that came while it was worked) keeps its state. */
    char addr[HUB_DASH_ADDR_MAX];
    hub_audit_entry e = hub_dash_entry(conn, addr, who->name, "alert.ack", str(c, "site"), alert,
                                       "open", "acknowledged");
    cJSON *alert_now = NULL;
    rc = hub_db_alert_ack(d->db, alert, who->name, e.at_ms, &e, &alert_now);
    cJSON_Delete(alert_now);
    hub_case_actor actor = {.name = who->name, .via = "dashboard", .address = addr};
    hub_case_action a = {.type = HUB_CASE_EV_ACK};
    hub_case_outcome o;
    bool bad_person = false;
    if (!rc)
        rc = hub_case_work(d->db, action, c, &a, &actor, am_wall_ms(), &o, &bad_person);
    if (rc) {
        cJSON_Delete(c);
        return hub_dash_message_page(conn, 503, "Not acknowledged", "The database is unavailable.");
    }
    char location[64];
    snprintf(location, sizeof location, "/cases/%s", str(c, "code") ? str(c, "code") : key);
    cJSON_Delete(c);
    return hub_dash_redirect(conn, location, NULL);
}
