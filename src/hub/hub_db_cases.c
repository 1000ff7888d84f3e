/* hub_db_cases.c — cases in the database: opening one per journey that
 * needs action at ingest, codes, listing and reading a case with its
 * timeline (hub_case.h). */
#include "hub_case.h"
#include "hub_notify.h"

#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "amends/log.h"
#include "hub_db_internal.h"

#define MOD "cases"

/* --- names and codes ------------------------------------------------------------------- */

static const char *const state_names[HUB_CASE_STATE_COUNT] = {
    "open", "acknowledged", "in_progress", "resolved", "unresolved",
};

const char *hub_case_state_name(hub_case_state s)
{
    return s < HUB_CASE_STATE_COUNT ? state_names[s] : "?";
}

int hub_case_state_parse(const char *name, hub_case_state *out)
{
    for (int i = 0; name && i < HUB_CASE_STATE_COUNT; i++) {
        if (!strcmp(name, state_names[i])) {
            *out = (hub_case_state)i;
            return 0;
        }
    }
    return -1;
}

/* Read aloud or typed from a screen: no 0/O, 1/I/L, and no U. */
static const char code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

bool hub_case_code_valid(const char *code)
{
    size_t n = code ? strlen(code) : 0;
    if (n == 0 || n >= HUB_CASE_CODE_MAX || code[0] == '-')
        return false;
    return strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

void hub_case_code_prefix(const char *site, char *out, size_t len)
{
    char p[3] = "";
    size_t n = 0;
    const char *second = strpbrk(site, "-_.");
    if (second && isalnum((unsigned char)site[0]) && isalnum((unsigned char)second[1])) {
        p[n++] = (char)toupper((unsigned char)site[0]);
        p[n++] = (char)toupper((unsigned char)second[1]);
    } else {
        for (const char *c = site; *c && n < 2; c++) {
            if (isalnum((unsigned char)*c))
                p[n++] = (char)toupper((unsigned char)*c);
        }
    }
    p[n] = '\0';
    snprintf(out, len, "%s", n ? p : "C");
}

void hub_case_code_new(const char *site, char *out, size_t len)
{
    char prefix[3], tail[5];
    hub_case_code_prefix(site, prefix, sizeof prefix);
    for (int i = 0; i < 4; i++)
        tail[i] = code_alphabet[randombytes_uniform((uint32_t)(sizeof code_alphabet - 1))];
    tail[4] = '\0';
    snprintf(out, len, "%s-%s", prefix, tail);
}

/* --- opening at ingest ------------------------------------------------------------------- */

/* What one stored record says about its journey's case. */
typedef struct case_note {
    const char *kiosk;
    const char *journey;
    const char *record;   /* the record's id */
    const char *kind;     /* "alert" or "report" */
    char reasons[96];     /* why it needs action, comma-separated; "" when it needs none */
    const char *category; /* from the record */
    const char *severity;
    const char *location;   /* the report's; NULL for an alert */
    const char *resolution; /* the report's; NULL for an alert */
    const char *code;       /* the case code the kiosk made; "" from older kiosks */
    bool alert;
    int64_t at; /* when the guest asked: the alert raised, the journey closed */
} case_note;

typedef struct case_row {
    bool found;
    int64_t id;
    char state[16];
    char priority[16];
    char reasons[256];
    int64_t opened_at;
    int64_t version;
    char site[AM_KIOSK_ID_MAX], category[33], severity[16], team[AM_KIOSK_ID_MAX];
} case_row;

static void on_case_row(void *ud, int ncols, const char *const *v)
{
    case_row *r = ud;
    if (ncols < 10 || !v[0])
        return;
    snprintf(r->team, sizeof r->team, "%s", v[9] ? v[9] : "");
    r->found = true;
    r->id = strtoll(v[0], NULL, 10);
    r->version = v[5] ? strtoll(v[5], NULL, 10) : 0;
    snprintf(r->site, sizeof r->site, "%s", v[6] ? v[6] : "");
    snprintf(r->category, sizeof r->category, "%s", v[7] ? v[7] : "");
    snprintf(r->severity, sizeof r->severity, "%s", v[8] ? v[8] : "");
    snprintf(r->state, sizeof r->state, "%s", v[1] ? v[1] : "");
    snprintf(r->priority, sizeof r->priority, "%s", v[2] ? v[2] : "");
    snprintf(r->reasons, sizeof r->reasons, "%s", v[3] ? v[3] : "");
    r->opened_at = v[4] ? strtoll(v[4], NULL, 10) : 0;
}

static void on_text(void *ud, int ncols, const char *const *v)
{
    char *out = ud;
    if (ncols >= 1 && v[0])
        snprintf(out, AM_KIOSK_ID_MAX, "%s", v[0]);
}

static void on_id(void *ud, int ncols, const char *const *v)
{
    if (ncols >= 1 && v[0])
        *(int64_t *)ud = strtoll(v[0], NULL, 10);
}

static bool has_reason(const char *list, const char *reason)
{
    size_t n = strlen(reason);
    for (const char *p = list; p && *p;) {
        size_t m = strcspn(p, ",");
        if (m == n && !strncmp(p, reason, n))
            return true;
        p += m;
        if (*p == ',')
            p++;
    }
    return false;
}

static void add_reason(char *list, size_t len, const char *reason)
{
    if (!reason[0] || has_reason(list, reason))
        return;
    size_t used = strlen(list);
    snprintf(list + used, len - used, "%s%s", used ? "," : "", reason);
}

/* Staff now and a severe impact are urgent; the rest normal. */
static bool reasons_urgent(const char *reasons)
{
    return has_reason(reasons, "staff_now") || has_reason(reasons, "severe") ||
           has_reason(reasons, "severe_unsent");
}

/* The site's deadlines for a priority, from `from`. */
static am_rc deadlines(hub_db *db, void *conn, const char *site, bool urgent, int64_t from,
                       int64_t *ack, int64_t *resolve)
{
    am_rc rc = hub_cases_deadlines(db, conn, site, urgent, ack, resolve);
    *ack += from;
    *resolve += from;
    return rc;
}

static am_rc add_event(hub_db *db, void *conn, int64_t case_id, int64_t at, const char *actor,
                       const char *via, const char *type, const char *before, const char *after,
                       const char *detail)
{
    num id = i64(case_id), when = i64(at);
    const char *p[] = {id.s, when.s, actor, via, type, before, after, detail};
    return hub_db_run(db, conn,
                      "INSERT INTO case_events (case_id, at, actor, via, type, before_value, "
                      "after_value, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                      8, p, NULL, NULL, NULL);
}

static am_rc find_case(hub_db *db, void *conn, const char *kiosk, const char *journey,
                       case_row *row)
{
    const char *p[] = {kiosk, journey};
    memset(row, 0, sizeof *row);
    return hub_db_run(db, conn,
                      "SELECT id, state, priority, reasons, opened_at, version, site, category, "
                      "severity, team FROM cases WHERE kiosk = ?1 AND journey = ?2",
                      2, p, on_case_row, row, NULL);
}

/* A new case for the note's journey; *id 0 when another transaction made
 * one first (the caller then finds it). A code taken at the site already
 * is drawn again. */
static am_rc open_case(hub_db *db, void *conn, const case_note *n, int64_t now_ms, int64_t *id,
                       hub_case_routing *r)
{
    char site[AM_KIOSK_ID_MAX] = "default";
    const char *k[] = {n->kiosk};
    am_rc rc =
        hub_db_run(db, conn, "SELECT site FROM kiosks WHERE id = ?1", 1, k, on_text, site, NULL);
    hub_case_where w = {site, n->kiosk, n->category, n->severity, n->location, n->resolution};
    if (!rc)
        rc = hub_cases_route(db, conn, &w, reasons_urgent(n->reasons), r);
    if (rc)
        return rc;
    /* The deadlines run from when the guest asked, not from when the hub
     * heard of it: a kiosk that was offline delivers a late case. */
    int64_t opened = n->at > 0 && n->at < now_ms ? n->at : now_ms;
    num now = i64(opened), ack_s = i64(opened + r->ack_ms), resolve_s = i64(opened + r->resolve_ms),
        heard = i64(now_ms);
    for (int attempt = 0; attempt < 8; attempt++) {
        char code[HUB_CASE_CODE_MAX];
        /* The kiosk's own code first: the guest read it on the kiosk. */
        if (attempt == 0 && n->code && n->code[0])
            snprintf(code, sizeof code, "%s", n->code);
        else
            hub_case_code_new(site, code, sizeof code);
        if (attempt == 1 && n->code && n->code[0])
            am_log_warn(MOD,
                        "site %s: case code %s of kiosk %s is another kiosk's case already; "
                        "this case gets a code from the hub (give each kiosk of a site its own "
                        "[kiosk] case_prefix)",
                        site, n->code, n->kiosk);
        const char *p[] = {site,
                           n->kiosk,
                           n->journey,
                           code,
                           r->priority,
                           n->reasons,
                           n->category,
                           n->severity,
                           n->location ? n->location : "",
                           n->resolution ? n->resolution : "",
                           now.s,
                           ack_s.s,
                           resolve_s.s,
                           r->team[0] ? r->team : NULL,
                           heard.s};
        *id = 0;
        rc = hub_db_run(db, conn,
                        "INSERT INTO cases (site, kiosk, journey, code, state, priority, reasons, "
                        "category, severity, location, resolution, opened_at, ack_due, "
                        "resolve_due, updated_at, team) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, "
                        "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?15, ?14) ON CONFLICT DO NOTHING "
                        "RETURNING id",
                        15, p, on_id, id, NULL);
        if (rc || *id)
            return rc;
        case_row row;
        rc = find_case(db, conn, n->kiosk, n->journey, &row);
        if (rc || row.found)
            return rc; /* opened meanwhile: *id stays 0 */
    }
    am_log_error(MOD, "site %s: no free case code after 8 draws", site);
    return AM_ERR;
}

/* The case of the note's journey: opened when it needs one and has none,
 * else found and told what the record adds. */
static am_rc note_case(hub_db *db, void *conn, const case_note *n, int64_t now_ms)
{
    case_row row;
    int64_t id = 0;
    am_rc rc = find_case(db, conn, n->kiosk, n->journey, &row);
    if (rc)
        return rc;
    hub_case_routing route;
    if (!row.found && n->reasons[0]) {
        rc = open_case(db, conn, n, now_ms, &id, &route);
        if (rc)
            return rc;
        if (id) {
            rc = add_event(db, conn, id, now_ms, n->kiosk, "kiosk", "opened", NULL, "open",
                           n->reasons);
            if (!rc)
                rc = add_event(db, conn, id, now_ms, "hub", "routing", "routed", NULL,
                               route.team[0] ? route.team : NULL, route.detail);
            if (!rc)
                rc = add_event(db, conn, id, now_ms, n->kiosk, "kiosk", n->kind, NULL, NULL,
                               n->alert ? n->reasons : "the guest's report");
            /* Its messages, in the transaction that opens it. */
            if (!rc)
                rc = hub_notify_case(db, conn, id, "case.opened", 0, now_ms);
            goto file_alert;
        }
        rc = find_case(db, conn, n->kiosk, n->journey, &row);
        if (rc)
            return rc;
    }
    if (!row.found)
        return AM_OK; /* needs no case, and its journey has none */
    id = row.id;
    {
        /* A reason more; the priority rises while nobody has touched the
         * case (it stays what a person made it after that). */
        char reasons[256];
        snprintf(reasons, sizeof reasons, "%s", row.reasons);
        for (const char *p = n->reasons; *p;) {
            char one[32];
            size_t m = strcspn(p, ",");
            snprintf(one, sizeof one, "%.*s", (int)(m < sizeof one ? m : sizeof one - 1), p);
            add_reason(reasons, sizeof reasons, one);
            p += m;
            if (*p == ',')
                p++;
        }
        bool untouched = !strcmp(row.state, "open") && row.version == 1;
        bool raise = untouched && !strcmp(row.priority, "normal") && reasons_urgent(reasons);
        /* A report on a case its alerts opened brings where it happened and
         * the fix the guest chose: routed again while nobody has touched it. */
        bool reroute = untouched && !n->alert;
        memset(&route, 0, sizeof route);
        if (reroute) {
            hub_case_where w = {row.site,     n->kiosk,    row.category,
                                row.severity, n->location, n->resolution};
            rc = hub_cases_route(db, conn, &w, reasons_urgent(reasons), &route);
            if (!rc) {
                route.ack_ms += row.opened_at;
                route.resolve_ms += row.opened_at;
            }
            raise = raise && !strcmp(route.priority, "urgent");
            /* Only a different answer is a new routing. */
            reroute = strcmp(route.team, row.team) || strcmp(route.priority, row.priority);
        } else if (raise) {
            snprintf(route.priority, sizeof route.priority, "urgent");
            rc = deadlines(db, conn, row.site, true, row.opened_at, &route.ack_ms,
                           &route.resolve_ms);
        }
        if (rc)
            return rc;
        bool change = reroute || raise;
        num cid = i64(id), now = i64(now_ms), ack_s = i64(route.ack_ms),
            resolve_s = i64(route.resolve_ms);
        const char *p[] = {cid.s,
                           reasons,
                           change ? "1" : "0",
                           ack_s.s,
                           resolve_s.s,
                           n->location,
                           n->resolution,
                           now.s,
                           route.priority,
                           reroute ? "1" : "0",
                           route.team[0] ? route.team : NULL};
        rc = hub_db_run(db, conn,
                        "UPDATE cases SET reasons = ?2, "
                        "priority = CASE WHEN CAST(?3 AS INTEGER) = 1 THEN ?9 ELSE priority END, "
                        "ack_due = CASE WHEN CAST(?3 AS INTEGER) = 1 THEN CAST(?4 AS BIGINT) ELSE "
                        "ack_due END, "
                        "resolve_due = CASE WHEN CAST(?3 AS INTEGER) = 1 THEN CAST(?5 AS BIGINT) "
                        "ELSE resolve_due END, "
                        "team = CASE WHEN CAST(?10 AS INTEGER) = 1 THEN ?11 ELSE team END, "
                        "location = COALESCE(?6, location), resolution = COALESCE(?7, resolution), "
                        "updated_at = ?8 WHERE id = ?1",
                        11, p, NULL, NULL, NULL);
        if (!rc)
            rc = add_event(db, conn, id, now_ms, n->kiosk, "kiosk", n->kind, NULL, NULL,
                           n->alert ? n->reasons : "the guest's report");
        if (!rc && reroute)
            rc = add_event(db, conn, id, now_ms, "hub", "routing", "routed", NULL,
                           route.team[0] ? route.team : NULL, route.detail);
        if (!rc && raise && !reroute)
            rc = add_event(db, conn, id, now_ms, n->kiosk, "kiosk", "priority", "normal", "urgent",
                           reasons);
    }
file_alert:
    if (rc || !n->alert)
        return rc;
    num cid = i64(id);
    const char *p[] = {n->record, cid.s};
    return hub_db_run(db, conn, "UPDATE alerts SET case_id = ?2 WHERE id = ?1", 2, p, NULL, NULL,
                      NULL);
}

/* What a stored record says: its journey, and why that needs a case. */
static void note_of(const am_proto_record *r, int low_rating, case_note *n)
{
    memset(n, 0, sizeof *n);
    n->kiosk = r->kiosk;
    n->record = r->id;
    if (r->kind == AM_PROTO_ALERT) {
        const am_proto_alert *al = &r->u.alert;
        n->alert = true;
        n->kind = "alert";
        n->journey = al->journey[0] ? al->journey : r->id;
        n->category = al->category;
        n->severity = am_severity_name(al->severity);
        n->at = al->raised_at;
        n->code = al->case_code;
        add_reason(n->reasons, sizeof n->reasons, am_alert_reason_name(al->reason));
        return;
    }
    const am_report *rp = &r->u.feedback.report;
    n->kind = "report";
    n->journey = r->id;
    n->category = rp->category;
    n->severity = am_severity_name(rp->severity);
    n->location = rp->location;
    n->resolution = rp->resolution;
    n->at = r->u.feedback.closed_at;
    n->code = r->u.feedback.case_code;
    if (rp->severity == AM_SEVERITY_SEVERE)
        add_reason(n->reasons, sizeof n->reasons, "severe");
    if (rp->offer_state == AM_OFFER_ESCALATED)
        add_reason(n->reasons, sizeof n->reasons, "over_budget");
    if (rp->rating >= 1 && rp->rating <= low_rating)
        add_reason(n->reasons, sizeof n->reasons, "low_rating");
}

am_rc hub_cases_ingest(hub_db *db, void *conn, const am_proto_batch *b,
                       const am_proto_response *resp, int low_rating, int64_t now_ms)
{
    /* Two passes: the records that need a case first, so that a report
     * that needs none, sent in the same batch as its journey's alert, is
     * filed with the case the alert opens. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < b->count && i < resp->count; i++) {
            const am_proto_record *r = &b->records[i];
            if (resp->results[i].status != AM_PROTO_STORED ||
                (r->kind != AM_PROTO_ALERT && r->kind != AM_PROTO_FEEDBACK))
                continue;
            case_note n;
            note_of(r, low_rating, &n);
            if ((pass == 0) != (n.reasons[0] != '\0'))
                continue;
            am_rc rc = note_case(db, conn, &n, now_ms);
            if (rc)
                return rc;
        }
    }
    return AM_OK;
}

/* --- codes for upgraded cases ---------------------------------------------------------- */

typedef struct uncoded {
    int64_t id[64];
    char site[64][AM_KIOSK_ID_MAX];
    int n;
} uncoded;

static void on_uncoded(void *ud, int ncols, const char *const *v)
{
    uncoded *u = ud;
    if (ncols < 2 || !v[0] || !v[1] || u->n >= 64)
        return;
    u->id[u->n] = strtoll(v[0], NULL, 10);
    snprintf(u->site[u->n], sizeof u->site[u->n], "%s", v[1]);
    u->n++;
}

am_rc hub_db_cases_backfill(hub_db *db)
{
    int slot;
    am_rc rc = AM_OK;
    void *conn = hub_db_acquire(db, &slot);
    for (int round = 0; round < 1000 && !rc; round++) {
        uncoded u = {.n = 0};
        rc = hub_db_run(db, conn,
                        "SELECT id, site FROM cases WHERE code IS NULL ORDER BY id LIMIT 64", 0,
                        NULL, on_uncoded, &u, NULL);
        if (rc || u.n == 0)
            break;
        for (int i = 0; i < u.n && !rc; i++) {
            /* A code another case has already is simply drawn again; of
             * two hubs starting at once, the first to write wins. */
            for (int attempt = 0; attempt < 8; attempt++) {
                char code[HUB_CASE_CODE_MAX];
                int taken = 0;
                hub_case_code_new(u.site[i], code, sizeof code);
                num id = i64(u.id[i]);
                const char *p[] = {id.s, code, u.site[i]};
                hub_db_write_lock(db);
                rc = hub_db_run(db, conn, "SELECT 1 FROM cases WHERE site = ?2 AND code = ?1", 2,
                                p + 1, hub_db_count_rows, &taken, NULL);
                if (!rc && !taken)
                    rc = hub_db_run(db, conn,
                                    "UPDATE cases SET code = ?2 WHERE id = ?1 AND code IS NULL", 2,
                                    p, NULL, NULL, NULL);
                hub_db_write_unlock(db);
                if (rc || !taken)
                    break;
            }
        }
    }
    hub_db_release(db, slot);
    return rc;
}

/* --- reading ------------------------------------------------------------------------------ */

static const col case_cols[] = {
    {"id", COL_INT},
    {"code", COL_TEXT},
    {"site", COL_TEXT},
    {"kiosk", COL_TEXT},
    {"journey", COL_TEXT},
    {"state", COL_TEXT},
    {"priority", COL_TEXT},
    {"team", COL_TEXT},
    {"assignee", COL_TEXT},
    {"reasons", COL_TEXT},
    {"category", COL_TEXT},
    {"severity", COL_TEXT},
    {"location", COL_TEXT},
    {"resolution", COL_TEXT},
    {"opened_at", COL_INT},
    {"acknowledged_at", COL_INT},
    {"resolved_at", COL_INT},
    {"ack_due", COL_INT},
    {"resolve_due", COL_INT},
    {"escalation", COL_INT},
    {"root_cause", COL_TEXT},
    {"corrective_action", COL_TEXT},
    {"guest_message", COL_TEXT},
    {"updated_at", COL_INT},
    {"version", COL_INT},
    {"overdue", COL_INT},
};
#define CASE_NCOLS ((int)(sizeof case_cols / sizeof case_cols[0]))

/* Past the deadline of the step it has not taken: acknowledging while
 * open, resolving until resolved or unresolved. ?N is now. */
#define OVERDUE_SQL(now)                                                                           \
    "(CASE WHEN (c.state = 'open' AND c.ack_due < CAST(" now " AS BIGINT)) OR (c.state IN "        \
    "('open', 'acknowledged', 'in_progress') AND c.resolve_due < CAST(" now " AS BIGINT)) "        \
    "THEN 1 ELSE 0 END)"

#define CASE_SELECT                                                                                \
    "SELECT c.id, c.code, c.site, c.kiosk, c.journey, c.state, c.priority, c.team, c.assignee, "   \
    "c.reasons, c.category, c.severity, c.location, c.resolution, c.opened_at, "                   \
    "c.acknowledged_at, c.resolved_at, c.ack_due, c.resolve_due, c.escalation, c.root_cause, "     \
    "c.corrective_action, c.guest_message, c.updated_at, c.version, " OVERDUE_SQL(                 \
        "?1") " FROM cases c "

/* "overdue" as true or false rather than 1 or 0. */
static void overdue_as_bool(cJSON *rows)
{
    cJSON *row;
    cJSON_ArrayForEach(row, rows)
    {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(row, "overdue");
        bool yes = cJSON_IsNumber(o) && o->valuedouble != 0;
        cJSON_ReplaceItemInObjectCaseSensitive(row, "overdue", cJSON_CreateBool(yes));
    }
}

am_rc hub_db_cases(hub_db *db, const hub_case_filter *f, cJSON **out)
{
    num now = i64(f->now_ms), since = i64(f->since_ms), lim = i64(f->limit);
    /* Scope: 0 every site, 1 the person's sites, 2 also only their teams' (staff). */
    const char *mode = "0";
    if (f->scope && f->scope->role != HUB_ROLE_ADMIN)
        mode = f->scope->role == HUB_ROLE_STAFF ? "2" : "1";
    const char *p[] = {now.s,
                       f->site ? f->site : "",
                       f->team ? f->team : "",
                       f->state ? f->state : "",
                       f->code ? f->code : "",
                       f->overdue_only ? "1" : "0",
                       since.s,
                       mode,
                       f->scope ? f->scope->name : "",
                       lim.s};
    am_rc rc = hub_db_query_rows(
        db,
        CASE_SELECT
        "WHERE (CAST(?2 AS TEXT) = '' OR c.site = ?2) "
        "AND (CAST(?3 AS TEXT) = '' OR c.team = ?3) "
        "AND (CAST(?4 AS TEXT) = '' OR c.state = ?4 OR (?4 = 'active' AND c.state IN ('open', "
        "'acknowledged', 'in_progress'))) "
        "AND (CAST(?5 AS TEXT) = '' OR c.code = ?5) "
        "AND (CAST(?6 AS INTEGER) = 0 OR " OVERDUE_SQL(
            "?1") " = 1) "
                  "AND c.opened_at >= CAST(?7 AS BIGINT) "
                  "AND (CAST(?8 AS INTEGER) = 0 OR c.site IN (SELECT site FROM person_scopes WHERE "
                  "person "
                  "= ?9)) "
                  "AND (CAST(?8 AS INTEGER) < 2 OR c.team IS NULL OR EXISTS (SELECT 1 FROM "
                  "person_scopes s "
                  "WHERE s.person = ?9 AND s.site = c.site AND s.team = c.team)) "
                  "ORDER BY c.opened_at DESC, c.id DESC LIMIT CAST(?10 AS BIGINT)",
        10, p, case_cols, CASE_NCOLS, out);
    if (!rc)
        overdue_as_bool(*out);
    return rc;
}

bool hub_case_visible(const hub_person *p, const cJSON *c)
{
    const char *site = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "site"));
    const char *team = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "team"));
    if (!site || !hub_person_at(p, site))
        return false;
    if (p->role != HUB_ROLE_STAFF || !team)
        return true;
    for (size_t i = 0; i < p->nteams; i++) {
        if (!strcmp(p->teams[i].site, site) && !strcmp(p->teams[i].team, team))
            return true;
    }
    return false;
}

static const col event_cols[] = {
    {"seq", COL_INT},   {"at", COL_INT},      {"actor", COL_TEXT}, {"via", COL_TEXT},
    {"type", COL_TEXT}, {"before", COL_TEXT}, {"after", COL_TEXT}, {"detail", COL_TEXT},
};

static const col alert_cols[] = {
    {"id", COL_TEXT},       {"reason", COL_TEXT},   {"category", COL_TEXT},
    {"severity", COL_TEXT}, {"raised_at", COL_INT}, {"received_at", COL_INT},
    {"acked_at", COL_INT},  {"acked_by", COL_TEXT},
};

/* The guest's report as the case page shows it. The contact only with
 * the guest's consent. */
static const col report_cols[] = {
    {"closed_at", COL_INT},
    {"outcome", COL_TEXT},
    {"lang", COL_TEXT},
    {"category", COL_TEXT},
    {"severity", COL_TEXT},
    {"description", COL_TEXT},
    {"location", COL_TEXT},
    {"resolution", COL_TEXT},
    {"resolution_text", COL_TEXT},
    {"offer", COL_TEXT},
    {"offer_value_minor", COL_INT},
    {"offer_state", COL_TEXT},
    {"voucher", COL_TEXT},
    {"voucher_redeemed_at", COL_INT},
    {"rating", COL_INT},
    {"comment", COL_TEXT},
    {"first_name", COL_TEXT},
    {"contact", COL_TEXT},
    {"consent", COL_TEXT},
};

static const col kiosk_case_cols[] = {
    {"code", COL_TEXT}, {"journey", COL_TEXT}, {"state", COL_TEXT},
    {"by", COL_TEXT},   {"team", COL_TEXT},
};

am_rc hub_db_kiosk_cases(hub_db *db, const char *kiosk, cJSON **out)
{
    const char *p[] = {kiosk};
    return hub_db_query_rows(
        db,
        "SELECT c.code, c.journey, c.state, (SELECT e.actor FROM case_events e WHERE e.case_id = "
        "c.id AND e.type IN ('ack', 'assign') ORDER BY e.at DESC, e.seq DESC LIMIT 1), t.name "
        "FROM cases c LEFT JOIN teams t ON t.site = c.site AND t.id = c.team WHERE c.kiosk = ?1 "
        "AND c.priority = 'urgent' AND c.state IN ('open', 'acknowledged', 'in_progress') "
        "ORDER BY c.opened_at DESC, c.id DESC LIMIT 8",
        1, p, kiosk_case_cols, (int)(sizeof kiosk_case_cols / sizeof kiosk_case_cols[0]), out);
}

am_rc hub_db_case_get(hub_db *db, const char *id_or_code, int64_t now_ms, cJSON **out)
{
    cJSON *rows = NULL, *alerts = NULL, *report = NULL, *timeline = NULL;
    *out = NULL;
    bool by_id = id_or_code[0] && strspn(id_or_code, "0123456789") == strlen(id_or_code) &&
                 strlen(id_or_code) < 19;
    num now = i64(now_ms);
    const char *p[] = {now.s, id_or_code};
    am_rc rc = hub_db_query_rows(
        db, by_id ? CASE_SELECT "WHERE c.id = CAST(?2 AS BIGINT)" : CASE_SELECT "WHERE c.code = ?2",
        2, p, case_cols, CASE_NCOLS, &rows);
    if (rc)
        return rc;
    overdue_as_bool(rows);
    cJSON *c = cJSON_DetachItemFromArray(rows, 0);
    cJSON_Delete(rows);
    if (!c)
        return AM_ERR_NOTFOUND;
    num id = i64((int64_t)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(c, "id")));
    const char *kiosk = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "kiosk"));
    const char *journey = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "journey"));
    const char *q[] = {id.s, kiosk, journey};
    rc = hub_db_query_rows(db,
                           "SELECT id, reason, category, severity, raised_at, received_at, "
                           "acked_at, acked_by FROM alerts WHERE case_id = CAST(?1 AS BIGINT) "
                           "ORDER BY raised_at, id",
                           1, q, alert_cols, (int)(sizeof alert_cols / sizeof alert_cols[0]),
                           &alerts);
    if (!rc)
        rc = hub_db_query_rows(
            db,
            "SELECT f.closed_at, f.outcome, f.lang, f.category, f.severity, f.description, "
            "f.location, f.resolution, f.resolution_text, f.offer, f.offer_value_minor, "
            "f.offer_state, f.voucher, (SELECT v.redeemed_at FROM vouchers v WHERE v.kiosk = "
            "f.kiosk AND v.journey = f.id ORDER BY v.serial LIMIT 1), f.rating, f.comment, "
            "f.first_name, CASE WHEN f.consent = 'yes' THEN f.contact ELSE '' END, f.consent "
            "FROM feedback f WHERE f.kiosk = ?1 AND f.id = ?2",
            2, q + 1, report_cols, (int)(sizeof report_cols / sizeof report_cols[0]), &report);
    if (!rc)
        rc = hub_db_query_rows(db,
                               "SELECT seq, at, actor, via, type, before_value, after_value, "
                               "detail FROM case_events WHERE case_id = CAST(?1 AS BIGINT) "
                               "ORDER BY seq",
                               1, q, event_cols, (int)(sizeof event_cols / sizeof event_cols[0]),
                               &timeline);
    if (rc)
        goto fail;
    cJSON *one = cJSON_DetachItemFromArray(report, 0);
    cJSON_Delete(report);
    report = NULL;
    if (!cJSON_AddItemToObject(c, "alerts", alerts)) {
        cJSON_Delete(one);
        goto oom;
    }
    alerts = NULL;
    if (!cJSON_AddItemToObject(c, "report", one ? one : cJSON_CreateNull()))
        goto oom;
    if (!cJSON_AddItemToObject(c, "timeline", timeline))
        goto oom;
    timeline = NULL;
    *out = c;
    return AM_OK;
oom:
    rc = AM_ERR_NOMEM;
fail:
    cJSON_Delete(c);
    cJSON_Delete(alerts);
    cJSON_Delete(report);
    cJSON_Delete(timeline);
    return rc;
}

/* --- working a case ------------------------------------------------------------------------ */

/* A case as an event changes it. */
typedef struct case_full {
    bool found;
    char state[16], priority[16], site[AM_KIOSK_ID_MAX], team[AM_KIOSK_ID_MAX];
    char code[HUB_CASE_CODE_MAX], assignee[AM_KIOSK_ID_MAX];
    bool has_team, has_assignee;
    int64_t opened_at, acknowledged_at, resolved_at, ack_due, resolve_due, escalation, version;
} case_full;

static int64_t num_or_0(const char *v)
{
    return v ? strtoll(v, NULL, 10) : 0;
}

static void on_case_full(void *ud, int ncols, const char *const *v)
{
    case_full *c = ud;
    if (ncols < 14 || !v[0])
        return;
    c->found = true;
    snprintf(c->state, sizeof c->state, "%s", v[0]);
    snprintf(c->priority, sizeof c->priority, "%s", v[1] ? v[1] : "normal");
    snprintf(c->site, sizeof c->site, "%s", v[2] ? v[2] : "");
    c->has_team = v[3] != NULL;
    snprintf(c->team, sizeof c->team, "%s", v[3] ? v[3] : "");
    snprintf(c->code, sizeof c->code, "%s", v[4] ? v[4] : "");
    c->has_assignee = v[5] != NULL;
    snprintf(c->assignee, sizeof c->assignee, "%s", v[5] ? v[5] : "");
    c->opened_at = num_or_0(v[6]);
    c->acknowledged_at = num_or_0(v[7]);
    c->resolved_at = num_or_0(v[8]);
    c->ack_due = num_or_0(v[9]);
    c->resolve_due = num_or_0(v[10]);
    c->escalation = num_or_0(v[11]);
    c->version = num_or_0(v[12]);
}

typedef struct last_event {
    char actor[AM_KIOSK_ID_MAX], type[16];
    int64_t at;
} last_event;

static void on_last_event(void *ud, int ncols, const char *const *v)
{
    last_event *e = ud;
    if (ncols < 3)
        return;
    snprintf(e->actor, sizeof e->actor, "%s", v[0] ? v[0] : "");
    snprintf(e->type, sizeof e->type, "%s", v[1] ? v[1] : "");
    e->at = num_or_0(v[2]);
}

static am_rc read_case(hub_db *db, void *conn, int64_t id, case_full *c)
{
    num cid = i64(id);
    const char *p[] = {cid.s};
    memset(c, 0, sizeof *c);
    return hub_db_run(db, conn,
                      "SELECT state, priority, site, team, code, assignee, opened_at, "
                      "acknowledged_at, resolved_at, ack_due, resolve_due, escalation, version, "
                      "id FROM cases WHERE id = CAST(?1 AS BIGINT)",
                      1, p, on_case_full, c, NULL);
}

static bool is_active(const char *state)
{
    return !strcmp(state, "open") || !strcmp(state, "acknowledged") ||
           !strcmp(state, "in_progress");
}

/* Whether event e fits a case in `state`. */
static bool fits(hub_case_event e, const char *state)
{
    switch (e) {
    case HUB_CASE_EV_ACK:
        return !strcmp(state, "open");
    case HUB_CASE_EV_NOTE:
        return true;
    case HUB_CASE_EV_REOPEN:
        return !strcmp(state, "resolved") || !strcmp(state, "unresolved");
    case HUB_CASE_EV_ASSIGN:
    case HUB_CASE_EV_PRIORITY:
    case HUB_CASE_EV_RESOLVE:
    case HUB_CASE_EV_UNRESOLVED:
    case HUB_CASE_EV_EVENT_COUNT:
    default:
        return is_active(state);
    }
}

/* The audit entry of a case event, in the event's transaction. */
static am_rc audit_event(hub_db *db, void *conn, const hub_case_actor *who, int64_t now_ms,
                         const char *action, const case_full *c, const char *before,
                         const char *after, const char *detail)
{
    char target[64];
    snprintf(target, sizeof target, "case %s", c->code);
    /* Through the audit writer, so the entry is filed under the case's
     * site: managers read their sites' entries through that filing. */
    hub_audit_entry e = {.at_ms = now_ms,
                         .actor = who->name,
                         .via = who->via,
                         .address = who->address,
                         .action = action,
                         .site = c->site,
                         .target = target,
                         .before = before,
                         .after = after,
                         .detail = detail};
    return hub_db_audit_write(db, conn, &e);
}

static am_rc act_once(hub_db *db, void *conn, int64_t id, const hub_case_action *a,
                      const hub_case_actor *who, int64_t now_ms, hub_case_outcome *out)
{
    case_full c;
    int64_t changes = 0;
    am_rc rc = db->drv->begin(conn);
    if (rc)
        return rc;
    rc = read_case(db, conn, id, &c);
    if (rc)
        goto out;
    if (!c.found) {
        rc = AM_ERR_NOTFOUND;
        goto out;
    }
    snprintf(out->state, sizeof out->state, "%s", c.state);
    out->version = c.version;
    if ((a->version && a->version != c.version) || !fits(a->type, c.state)) {
        out->verdict = (a->version && a->version != c.version) ? HUB_CASE_CONFLICT : HUB_CASE_UNFIT;
        goto out; /* rolled back below: nothing changed */
    }
    case_full n = c; /* what the case becomes */
    const char *before = c.state, *after = NULL, *detail = NULL;
    char detail_buf[160];
    switch (a->type) {
    case HUB_CASE_EV_ACK:
        snprintf(n.state, sizeof n.state, "acknowledged");
        n.acknowledged_at = now_ms;
        break;
    case HUB_CASE_EV_ASSIGN:
        snprintf(n.state, sizeof n.state, "in_progress");
        n.has_assignee = true;
        snprintf(n.assignee, sizeof n.assignee, "%s", a->person);
        if (!n.acknowledged_at)
            n.acknowledged_at = now_ms;
        snprintf(detail_buf, sizeof detail_buf, "to %s", a->person);
        detail = detail_buf;
        break;
    case HUB_CASE_EV_NOTE:
        break;
    case HUB_CASE_EV_PRIORITY: {
        snprintf(n.priority, sizeof n.priority, "%s", a->priority);
        rc = deadlines(db, conn, c.site, !strcmp(a->priority, "urgent"), c.opened_at, &n.ack_due,
                       &n.resolve_due);
        if (rc)
            goto out;
        before = c.priority;
        after = n.priority;
        break;
    }
    case HUB_CASE_EV_RESOLVE:
        snprintf(n.state, sizeof n.state, "resolved");
        n.resolved_at = now_ms;
        if (!n.acknowledged_at)
            n.acknowledged_at = now_ms;
        snprintf(detail_buf, sizeof detail_buf, "root cause %s", a->root_cause);
        detail = detail_buf;
        break;
    case HUB_CASE_EV_UNRESOLVED:
        snprintf(n.state, sizeof n.state, "unresolved");
        n.resolved_at = now_ms;
        break;
    case HUB_CASE_EV_REOPEN:
    case HUB_CASE_EV_EVENT_COUNT:
    default:
        /* Back to the start, with fresh deadlines from now. */
        snprintf(n.state, sizeof n.state, "open");
        n.acknowledged_at = 0;
        n.resolved_at = 0;
        n.escalation = 0;
        rc = deadlines(db, conn, c.site, !strcmp(c.priority, "urgent"), now_ms, &n.ack_due,
                       &n.resolve_due);
        if (rc)
            goto out;
        break;
    }
    if (a->type != HUB_CASE_EV_PRIORITY)
        after = n.state;
    bool resolving = a->type == HUB_CASE_EV_RESOLVE, reopening = a->type == HUB_CASE_EV_REOPEN;
    num cid = i64(id), ver = i64(c.version), ack_at = i64(n.acknowledged_at),
        res_at = i64(n.resolved_at), ack_due = i64(n.ack_due), res_due = i64(n.resolve_due),
        esc = i64(n.escalation), now = i64(now_ms);
    const char *p[] = {cid.s,
                       ver.s,
                       n.state,
                       n.priority,
                       n.has_assignee ? n.assignee : NULL,
                       n.acknowledged_at ? ack_at.s : NULL,
                       n.resolved_at ? res_at.s : NULL,
                       ack_due.s,
                       res_due.s,
                       esc.s,
                       resolving ? a->root_cause : NULL,
                       resolving ? a->text : NULL,
                       resolving && a->guest_message[0] ? a->guest_message : NULL,
                       (resolving || reopening) ? "1" : "0",
                       now.s};
    /* A note changes nothing of the case: it takes no version, so notes
     * never collide with anything. */
    if (a->type != HUB_CASE_EV_NOTE) {
        rc = hub_db_run(db, conn,
                        "UPDATE cases SET state = ?3, priority = ?4, assignee = ?5, "
                        "acknowledged_at = CAST(?6 AS BIGINT), resolved_at = CAST(?7 AS BIGINT), "
                        "ack_due = CAST(?8 AS BIGINT), resolve_due = CAST(?9 AS BIGINT), "
                        "escalation = CAST(?10 AS INTEGER), "
                        "root_cause = CASE WHEN CAST(?14 AS INTEGER) = 1 THEN ?11 ELSE root_cause "
                        "END, corrective_action = CASE WHEN CAST(?14 AS INTEGER) = 1 THEN ?12 ELSE "
                        "corrective_action END, guest_message = CASE WHEN CAST(?14 AS INTEGER) = 1 "
                        "THEN ?13 ELSE guest_message END, updated_at = CAST(?15 AS BIGINT), "
                        "version = version + 1 "
                        "WHERE id = CAST(?1 AS BIGINT) AND version = CAST(?2 AS BIGINT)",
                        15, p, NULL, NULL, &changes);
        if (rc)
            goto out;
        if (changes == 0) {
            /* Someone else changed it between our read and our write
             * (PostgreSQL: their transaction committed while ours waited). */
            out->verdict = HUB_CASE_CONFLICT;
            goto out;
        }
        out->version = c.version + 1;
    }
    if (a->type == HUB_CASE_EV_ACK) {
        /* The case's alerts are acknowledged with it: an alert has no
         * life of its own once it belongs to a case. */
        const char *q[] = {cid.s, now.s, who->name};
        rc = hub_db_run(db, conn,
                        "UPDATE alerts SET acked_at = CAST(?2 AS BIGINT), acked_by = ?3 "
                        "WHERE case_id = CAST(?1 AS BIGINT) AND acked_at IS NULL",
                        3, q, NULL, NULL, NULL);
        if (rc)
            goto out;
    }
    snprintf(out->state, sizeof out->state, "%s", n.state);
    /* The event keeps the words staff wrote (a note, the action, a reason);
     * the audit entry only what kind of thing happened. */
    const char *words = a->type == HUB_CASE_EV_NOTE || a->type == HUB_CASE_EV_RESOLVE ||
                                a->type == HUB_CASE_EV_UNRESOLVED || a->type == HUB_CASE_EV_REOPEN
                            ? a->text
                            : NULL;
    char event_detail[HUB_CASE_TEXT_MAX * 4 + 200];
    snprintf(event_detail, sizeof event_detail, "%s%s%s", detail ? detail : "",
             detail && words ? ": " : "", words ? words : "");
    rc = add_event(db, conn, id, now_ms, who->name, who->via, hub_case_event_name(a->type),
                   a->type == HUB_CASE_EV_NOTE ? NULL : before,
                   a->type == HUB_CASE_EV_NOTE ? NULL : after,
                   event_detail[0] ? event_detail : NULL);
    if (!rc && (resolving || reopening))
        rc =
            hub_notify_case(db, conn, id, resolving ? "case.resolved" : "case.reopened", 0, now_ms);
    if (!rc) {
        char action[32];
        snprintf(action, sizeof action, "case.%s", hub_case_event_name(a->type));
        rc = audit_event(db, conn, who, now_ms, action, &c,
                         a->type == HUB_CASE_EV_NOTE ? NULL : before,
                         a->type == HUB_CASE_EV_NOTE ? NULL : after, detail);
    }
    if (rc)
        goto out;
    rc = db->drv->commit(conn);
    if (!rc) {
        out->verdict = HUB_CASE_DONE;
        return AM_OK;
    }
out:
    db->drv->rollback(conn);
    return rc;
}

am_rc hub_db_case_act(hub_db *db, int64_t id, const hub_case_action *a, const hub_case_actor *who,
                      int64_t now_ms, hub_case_outcome *out)
{
    int slot;
    am_rc rc = AM_ERR_BUSY;
    memset(out, 0, sizeof *out);
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    for (int attempt = 0; attempt < BUSY_RETRIES && rc == AM_ERR_BUSY; attempt++) {
        memset(out, 0, sizeof *out);
        rc = act_once(db, conn, id, a, who, now_ms, out);
    }
    hub_db_write_unlock(db);
    if (!rc && out->verdict != HUB_CASE_DONE) {
        /* What the other person did: the case's last event. */
        last_event e = {.at = 0};
        num cid = i64(id);
        const char *p[] = {cid.s};
        rc = hub_db_run(db, conn,
                        "SELECT actor, type, at FROM case_events WHERE case_id = CAST(?1 AS "
                        "BIGINT) ORDER BY seq DESC LIMIT 1",
                        1, p, on_last_event, &e, NULL);
        /* And where the case stands now, after them. */
        case_full now;
        if (!rc)
            rc = read_case(db, conn, id, &now);
        if (!rc && now.found) {
            snprintf(out->state, sizeof out->state, "%s", now.state);
            out->version = now.version;
        }
        snprintf(out->last_actor, sizeof out->last_actor, "%s", e.actor);
        snprintf(out->last_type, sizeof out->last_type, "%s", e.type);
        out->last_at = e.at;
    }
    hub_db_release(db, slot);
    return rc;
}

am_rc hub_db_alert_case(hub_db *db, const char *alert, int64_t *case_id)
{
    static const col cols[] = {{"case_id", COL_INT}};
    const char *p[] = {alert};
    cJSON *rows = NULL;
    am_rc rc =
        hub_db_query_rows(db, "SELECT case_id FROM alerts WHERE id = ?1", 1, p, cols, 1, &rows);
    if (rc)
        return rc;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(rows, 0), "case_id");
    rc = cJSON_IsNumber(v) ? AM_OK : AM_ERR_NOTFOUND;
    if (!rc)
        *case_id = (int64_t)v->valuedouble;
    cJSON_Delete(rows);
    return rc;
}

/* --- escalation ------------------------------------------------------------------------------ */

#define ESCALATE_BATCH 500

typedef struct overdue {
    int64_t id[ESCALATE_BATCH];
    int level[ESCALATE_BATCH]; /* the level it is at */
    bool resolve_late[ESCALATE_BATCH];
    char code[ESCALATE_BATCH][HUB_CASE_CODE_MAX];
    char team[ESCALATE_BATCH][AM_KIOSK_ID_MAX];
    int n;
} overdue;

static void on_overdue(void *ud, int ncols, const char *const *v)
{
    overdue *o = ud;
    if (ncols < 5 || !v[0] || o->n >= ESCALATE_BATCH)
        return;
    o->id[o->n] = strtoll(v[0], NULL, 10);
    o->level[o->n] = v[1] ? atoi(v[1]) : 0;
    o->resolve_late[o->n] = v[2] && atoi(v[2]) == 1;
    snprintf(o->code[o->n], sizeof o->code[o->n], "%s", v[3] ? v[3] : "");
    snprintf(o->team[o->n], sizeof o->team[o->n], "%s", v[4] ? v[4] : "");
    o->n++;
}

static const char *level_name(int level)
{
    return level <= 0 ? "none" : level == 1 ? "team" : "site managers";
}

/* One step of one case: *won when this call took it. */
static am_rc escalate_one(hub_db *db, void *conn, const overdue *o, int i, int64_t now_ms,
                          bool *won)
{
    int64_t changes = 0;
    num id = i64(o->id[i]), from = i64(o->level[i]), to = i64(o->level[i] + 1), now = i64(now_ms);
    const char *p[] = {id.s, from.s, to.s, now.s};
    *won = false;
    am_rc rc = db->drv->begin(conn);
    if (rc)
        return rc;
    rc = hub_db_run(db, conn,
                    "UPDATE cases SET escalation = CAST(?3 AS INTEGER), updated_at = CAST(?4 AS "
                    "BIGINT) WHERE id = CAST(?1 AS BIGINT) AND escalation = CAST(?2 AS INTEGER) "
                    "AND state IN ('open', 'acknowledged', 'in_progress')",
                    4, p, NULL, NULL, &changes);
    if (!rc && changes == 1) {
        char detail[160];
        if (o->level[i] == 0)
            snprintf(detail, sizeof detail, "%s: %s",
                     o->resolve_late[i] ? "not resolved in time" : "not acknowledged in time",
                     o->team[i][0] ? o->team[i] : "the site's staff");
        else
            snprintf(detail, sizeof detail, "not resolved in time: the site's managers");
        rc = add_event(db, conn, o->id[i], now_ms, "hub", "timer", "escalated",
                       level_name(o->level[i]), level_name(o->level[i] + 1), detail);
        /* The next level hears of it, in the escalation's transaction. */
        if (!rc)
            rc = hub_notify_case(db, conn, o->id[i], "case.overdue", o->level[i] + 1, now_ms);
        *won = !rc;
    }
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc) {
        db->drv->rollback(conn);
        *won = false;
    }
    return rc;
}

am_rc hub_db_cases_escalate(hub_db *db, int64_t now_ms, int *escalated, int *lost)
{
    int slot;
    overdue *o = calloc(1, sizeof *o);
    *escalated = *lost = 0;
    if (!o)
        return AM_ERR_NOMEM;
    num now = i64(now_ms);
    const char *p[] = {now.s};
    void *conn = hub_db_acquire(db, &slot);
    /* Level 1 is due once the acknowledgement is late (or the
     * resolution, for a case acknowledged in time); level 2 once the
     * resolution is late. */
    am_rc rc = hub_db_run(
        db, conn,
        "SELECT id, escalation, CASE WHEN resolve_due < CAST(?1 AS BIGINT) THEN 1 ELSE 0 END, "
        "code, team FROM cases WHERE state IN ('open', 'acknowledged', 'in_progress') AND ("
        "(escalation = 0 AND ((state = 'open' AND ack_due < CAST(?1 AS BIGINT)) OR resolve_due < "
        "CAST(?1 AS BIGINT))) OR (escalation = 1 AND resolve_due < CAST(?1 AS BIGINT))) "
        "ORDER BY id LIMIT 500",
        1, p, on_overdue, o, NULL);
    for (int i = 0; !rc && i < o->n; i++) {
        bool won = false;
        hub_db_write_lock(db);
        for (int attempt = 0; attempt < BUSY_RETRIES; attempt++) {
            rc = escalate_one(db, conn, o, i, now_ms, &won);
            if (rc != AM_ERR_BUSY)
                break;
        }
        hub_db_write_unlock(db);
        if (rc)
            break;
        if (won) {
            (*escalated)++;
            am_log_info(MOD, "case %s escalated to %s", o->code[i], level_name(o->level[i] + 1));
        } else {
            (*lost)++;
            am_log_info(MOD, "case %s: escalated to %s by another hub first", o->code[i],
                        level_name(o->level[i] + 1));
        }
    }
    hub_db_release(db, slot);
    free(o);
    return rc;
}
