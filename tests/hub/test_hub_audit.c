/* test_hub_audit.c — the audit trail at the real amends-hub, on SQLite
 * and PostgreSQL: every change from the command line, the API and the
 * dashboard is recorded with who, when, from where, before and after;
 * guests' words never get in; managers read their sites' entries only;
 * filters and pages; nothing edits it; old entries are purged (seeded with
 * old times, no waiting). The action list is compared with docs/hub.md. */
#include <cjson/cJSON.h>
#include <pwd.h>

#include "hub_audit.h"
#include "hub_config.h"
#include "hub_db.h"
#include "hub_group.h"

#define DOC     AM_SOURCE_DIR "/docs/hub.md"
#define RELAXED "voucher_fail_per_minute = 1000\nvoucher_fail_burst = 1000\n"
#define DAY_MS  INT64_C(86400000)

/* The guest's words that kiosk_at sends (hub_group.h, hub_harness.h). */
static const char *const guest_words[] = {GUEST, CONTACT, "heater off", "مرحبا", "SUM(A1", NULL};

/* --- the doc's list -------------------------------------------------------------------- */

static void doc_lists_every_action(void **state)
{
    (void)state;
    char *text = am_test_read_file(DOC, NULL);
    assert_non_null(text);
    char *start = strstr(text, "\n## Audit trail\n");
    assert_non_null(start);
    char *end = strstr(start + 1, "\n## ");
    assert_non_null(end);
    *end = '\0';
    /* Every `name` in the bullets' heads is an action, and every action is
     * one of them. */
    size_t found = 0;
    for (char *line = strstr(start, "\n- `"); line; line = strstr(line + 1, "\n- `")) {
        char *head_end = strstr(line, " — ");
        assert_non_null(head_end);
        for (char *p = strchr(line, '`'); p && p < head_end; p = strchr(p + 1, '`')) {
            char *close = strchr(p + 1, '`');
            assert_non_null(close);
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(close - p - 1), p + 1);
            if (!hub_audit_action_known(name))
                fail_msg("docs/hub.md lists '%s', which the hub does not record", name);
            found++;
            p = close;
        }
    }
    size_t count = 0;
    for (const hub_audit_action *a = hub_audit_actions; a->name; a++) {
        char want[80];
        snprintf(want, sizeof want, "`%s`", a->name);
        if (!strstr(start, want))
            fail_msg("docs/hub.md#audit-trail does not list '%s'", a->name);
        /* The audit page names it in words, not by its id. */
        if (!a->label || !a->label[0] || strchr(a->label, '.') || strchr(a->label, '_'))
            fail_msg("action '%s' has no label in words: '%s'", a->name,
                     a->label ? a->label : "(null)");
        count++;
    }
    assert_int_equal(found, count);
    free(text);
}

/* --- helpers ------------------------------------------------------------------------------- */

static const char *operator_name(void)
{
    struct passwd *pw = getpwuid(geteuid());
    assert_non_null(pw);
    return pw->pw_name;
}

/* GET path with an API token: the parsed body, status checked. */
static cJSON *api_json(group *g, const char *token, const char *path, long want)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s%s'", token, g->h->url, path);
    long status = curl(g->h, args, &body);
    if (status != want)
        fail_msg("GET %s: want %ld, got %ld: %.300s", path, want, status, body);
    cJSON *root = cJSON_Parse(body);
    if (want == 200 && !root)
        fail_msg("GET %s: not JSON: %.300s", path, body);
    free(body);
    return root;
}

static const char *sval(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The entries of `audit` with this action (and target, when given). */
static int count_of(const cJSON *audit, const char *action, const char *target)
{
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, audit)
    {
        const char *a = sval(e, "action"), *t = sval(e, "target");
        if (a && !strcmp(a, action) && (!target || (t && strstr(t, target))))
            n++;
    }
    return n;
}

/* The newest entry with this action and target; fails when there is none. */
static const cJSON *entry(const cJSON *audit, const char *action, const char *target)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, audit)
    {
        const char *a = sval(e, "action"), *t = sval(e, "target");
        if (a && !strcmp(a, action) && (!target || (t && strstr(t, target))))
            return e;
    }
    fail_msg("no audit entry %s about %s", action, target ? target : "anything");
    return NULL;
}

static void expect(const cJSON *e, const char *actor, const char *via, const char *address,
                   const char *site, const char *before, const char *after)
{
    char *text = cJSON_PrintUnformatted(e);
    if (strcmp(sval(e, "actor"), actor) || strcmp(sval(e, "via"), via) ||
        strcmp(sval(e, "address"), address) || (site && strcmp(sval(e, "site"), site)) ||
        (!site && sval(e, "site")) || (before && !strstr(sval(e, "before"), before)) ||
        (after && !strstr(sval(e, "after"), after)))
        fail_msg("entry %s: want %s via %s from %s at %s, %s -> %s", text, actor, via, address,
                 site ? site : "(none)", before ? before : "", after ? after : "");
    const cJSON *at = cJSON_GetObjectItemCaseSensitive(e, "at");
    assert_true(cJSON_IsNumber(at));
    assert_true(at->valuedouble > (double)(h_now_ms() - 600000));
    assert_true(at->valuedouble <= (double)h_now_ms());
    free(text);
}

static void no_guest_words(const char *what, const char *text)
{
    for (const char *const *w = guest_words; *w; w++) {
        if (strstr(text, *w))
            fail_msg("%s holds the guest's words '%s'", what, *w);
    }
}

/* A signed-in session's dashboard form, POSTed: the status. */
static long dash_post(group *g, int role, const char *path, const char *form)
{
    char args[2048], *body;
    snprintf(args, sizeof args, "-b '%s' -H 'Origin: %s' --data '%s' '%s%s'", g->cookie[role],
             g->h->url, form, g->h->url, path);
    long status = curl(g->h, args, &body);
    free(body);
    return status;
}

/* --- every change, recorded ----------------------------------------------------------- */

static void every_change_is_recorded(void **state)
{
    group g = {.h = *state};
    harness *h = g.h;
    char out[1024], args[1024], *body;
    setup_group(&g); /* the command line's sites, team, kiosks, people and tokens */
    const char *site_set[] = {"site", "set", "a", "--name", "Harbour View", NULL};
    const char *rotate[] = {"kiosk", "rotate", "kiosk-at-a", "--overlap", "2", NULL};
    const char *disable[] = {"kiosk", "disable", "k2", NULL};
    const char *enable[] = {"kiosk", "enable", "k2", NULL};
    const char *remove[] = {"kiosk", "remove", "k2", NULL};
    cmd(h, site_set, out, sizeof out);
    cmd(h, rotate, out, sizeof out);
    cmd(h, disable, out, sizeof out);
    cmd(h, enable, out, sizeof out);
    cmd(h, disable, out, sizeof out);
    cmd(h, remove, out, sizeof out);

    /* The API: an alert acknowledged twice (recorded once), a voucher
     * redeemed, a login link. */
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "-X POST -H 'Authorization: Bearer %s' '%s/v1/alerts/%s/ack'",
                 g.token[HUB_ROLE_MANAGER], h->url, g.alert[0]);
        assert_int_equal(curl(h, args, &body), 200);
        free(body);
    }
    snprintf(args, sizeof args, "-X POST -H 'Authorization: Bearer %s' '%s/v1/vouchers/%s/redeem'",
             g.token[HUB_ROLE_STAFF], h->url, g.voucher[0]);
    assert_int_equal(curl(h, args, &body), 200);
    free(body);
    snprintf(args, sizeof args, "-X POST -H 'Authorization: Bearer %s' '%s/v1/login-link'",
             g.token[HUB_ROLE_VIEWER], h->url);
    assert_int_equal(curl(h, args, &body), 200);
    free(body);
    /* The dashboard: a failed sign-in, site b's alert acknowledged by the
     * admin, a sign-out. */
    snprintf(args, sizeof args, "--data-urlencode 'token=amm_wrong' '%s/login'", h->url);
    assert_int_equal(curl(h, args, &body), 401);
    free(body);
    char form[128], path[128];
    snprintf(form, sizeof form, "csrf=%s", g.csrf[HUB_ROLE_ADMIN]);
    snprintf(path, sizeof path, "/alerts/%s/ack", g.alert[1]);
    assert_int_equal(dash_post(&g, HUB_ROLE_ADMIN, path, form), 303);
    snprintf(form, sizeof form, "csrf=%s", g.csrf[HUB_ROLE_VIEWER]);
    assert_int_equal(dash_post(&g, HUB_ROLE_VIEWER, "/logout", form), 303);
    /* A case acknowledged by the admin: site a's (site b's was
     * acknowledged with its alert on the dashboard; the API's alert ack
     * marks the alert only). */
    snprintf(args, sizeof args,
             "-H 'Authorization: Bearer %s' -H 'Content-Type: application/json' "
             "--data '{\"type\":\"ack\"}' '%s/v1/cases/%s/events'",
             g.token[HUB_ROLE_ADMIN], h->url, g.case_code[0]);
    assert_int_equal(curl(h, args, &body), 200);
    free(body);

    cJSON *root = api_json(&g, g.token[HUB_ROLE_ADMIN], "/v1/audit", 200);
    const cJSON *audit = cJSON_GetObjectItemCaseSensitive(root, "audit");
    const char *op = operator_name();
    print_message("%d audit entries; the operator is '%s'\n", cJSON_GetArraySize(audit), op);
    /* The command line: who is the operator's account, from "local". */
    expect(entry(audit, "manager.add", "boss"), op, "cli", "local", NULL, NULL, "role=admin");
    expect(entry(audit, "site.add", "a"), op, "cli", "local", "a", NULL, "currency=GBP");
    expect(entry(audit, "site.set", "a"), op, "cli", "local", "a", "name=Site A",
           "name=Harbour View");
    expect(entry(audit, "team.add", "a/hk"), op, "cli", "local", "a", NULL, "name=Housekeeping");
    expect(entry(audit, "kiosk.add", "kiosk-at-b"), op, "cli", "local", "b", NULL, "site=b");
    expect(entry(audit, "person.add", "mgr"), op, "cli", "local", "a", NULL,
           "role=manager; sites=a");
    expect(entry(audit, "person.add", "stf"), op, "cli", "local", "a", NULL,
           "role=staff; teams=a/hk");
    /* A person's token is filed under their site (an admin's under none). */
    expect(entry(audit, "token.add", "stf"), op, "cli", "local", "a", NULL, NULL);
    expect(entry(audit, "kiosk.rotate", "kiosk-at-a"), op, "cli", "local", "a", NULL,
           "accepted until");
    expect(entry(audit, "kiosk.enable", "k2"), op, "cli", "local", "default", "disabled",
           "enabled");
    expect(entry(audit, "kiosk.disable", "k2"), op, "cli", "local", "default", "enabled",
           "disabled");
    assert_int_equal(count_of(audit, "kiosk.disable", "k2"), 2);
    expect(entry(audit, "kiosk.remove", "k2"), op, "cli", "local", "default", "disabled",
           "removed");
    /* The API and the dashboard: the person, from the client's address. */
    expect(entry(audit, "alert.ack", g.alert[0]), "mgr", "api", "127.0.0.1", "a", "open",
           "acknowledged");
    assert_int_equal(count_of(audit, "alert.ack", g.alert[0]), 1);
    expect(entry(audit, "alert.ack", g.alert[1]), "boss", "dashboard", "127.0.0.1", "b", "open",
           "acknowledged");
    expect(entry(audit, "voucher.redeem", g.voucher[0]), "stf", "api", "127.0.0.1", "a", "valid",
           "redeemed");
    expect(entry(audit, "login_link.add", "vwr"), "vwr", "api", "127.0.0.1", NULL, NULL, NULL);
    expect(entry(audit, "sign_in", "stf"), "stf", "dashboard", "127.0.0.1", NULL, NULL, NULL);
    assert_string_equal(sval(entry(audit, "sign_in", "stf"), "detail"), "token");
    expect(entry(audit, "sign_in.failed", NULL), "", "dashboard", "127.0.0.1", NULL, NULL, NULL);
    expect(entry(audit, "sign_out", "vwr"), "vwr", "dashboard", "127.0.0.1", NULL, NULL, NULL);
    /* seq is unique and newest first. */
    double last = 1e18;
    const cJSON *e;
    cJSON_ArrayForEach(e, audit)
    {
        double seq = cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(e, "seq"));
        assert_true(seq < last);
        last = seq;
    }

    /* The guest's words are nowhere: not in the JSON, the CSV or the page. */
    char *json = cJSON_PrintUnformatted(root);
    no_guest_words("GET /v1/audit", json);
    free(json);
    cJSON_Delete(root);
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/audit?format=csv'",
             g.token[HUB_ROLE_ADMIN], h->url);
    assert_int_equal(curl(h, args, &body), 200);
    const char *head = "\"seq\",\"at\",\"actor\",\"via\",\"address\",\"action\",\"site\"";
    assert_true(!strncmp(body, head, strlen(head)));
    assert_non_null(strstr(body, "\"voucher.redeem\""));
    no_guest_words("GET /v1/audit?format=csv", body);
    free(body);
    snprintf(args, sizeof args, "-b '%s' '%s/audit'", g.cookie[HUB_ROLE_ADMIN], h->url);
    assert_int_equal(curl(h, args, &body), 200);
    assert_non_null(strstr(body, "voucher.redeem"));
    assert_non_null(strstr(body, "Harbour View"));
    /* Each row names its action in words, the id in its tooltip. */
    assert_non_null(strstr(body, "title=\"voucher.redeem\">Voucher redeemed</td>"));
    assert_non_null(strstr(body, "title=\"case.ack\">Case acknowledged</td>"));
    no_guest_words("the audit page", body);
    free(body);
    /* ... though the guest's words did arrive (the test can fail). */
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/feedback'",
             g.token[HUB_ROLE_ADMIN], h->url);
    assert_int_equal(curl(h, args, &body), 200);
    assert_non_null(strstr(body, GUEST));
    assert_non_null(strstr(body, "heater off"));
    free(body);
}

/* --- managers read their own sites' entries --------------------------------------------- */

static void managers_read_their_sites_only(void **state)
{
    group g = {.h = *state};
    harness *h = g.h;
    char args[1024], *body;
    setup_group(&g);
    cJSON *root = api_json(&g, g.token[HUB_ROLE_MANAGER], "/v1/audit", 200);
    const cJSON *audit = cJSON_GetObjectItemCaseSensitive(root, "audit");
    assert_true(cJSON_GetArraySize(audit) >= 4); /* site a, its team, kiosk, people */
    const cJSON *e;
    cJSON_ArrayForEach(e, audit)
    {
        const char *site = sval(e, "site");
        if (!site || strcmp(site, "a") != 0)
            fail_msg("a manager of site a reads an entry of site %s", site ? site : "(none)");
    }
    assert_int_equal(count_of(audit, "kiosk.add", "kiosk-at-a"), 1);
    assert_int_equal(count_of(audit, "kiosk.add", "kiosk-at-b"), 0);
    cJSON_Delete(root);
    /* Asking for another site's is refused, not emptied. */
    root = api_json(&g, g.token[HUB_ROLE_MANAGER], "/v1/audit?site=b", 403);
    cJSON_Delete(root);
    root = api_json(&g, g.token[HUB_ROLE_ADMIN], "/v1/audit?site=b", 200);
    assert_int_equal(
        count_of(cJSON_GetObjectItemCaseSensitive(root, "audit"), "kiosk.add", "kiosk-at-b"), 1);
    cJSON_Delete(root);
    /* The page: the same cut. */
    snprintf(args, sizeof args, "-b '%s' '%s/audit'", g.cookie[HUB_ROLE_MANAGER], h->url);
    assert_int_equal(curl(h, args, &body), 200);
    assert_non_null(strstr(body, "kiosk-at-a"));
    assert_null(strstr(body, "kiosk-at-b"));
    free(body);
    /* Staff and viewers: 403, from the API and the page. */
    for (int r = HUB_ROLE_STAFF; r <= HUB_ROLE_VIEWER; r++) {
        root = api_json(&g, g.token[r], "/v1/audit", 403);
        cJSON_Delete(root);
        snprintf(args, sizeof args, "-b '%s' '%s/audit'", g.cookie[r], h->url);
        assert_int_equal(curl(h, args, &body), 403);
        assert_null(strstr(body, "kiosk-at-a"));
        free(body);
    }
}

/* --- nothing edits it --------------------------------------------------------------------- */

static void no_endpoint_changes_it(void **state)
{
    group g = {.h = *state};
    harness *h = g.h;
    char args[1024], *body;
    setup_group(&g);
    cJSON *root = api_json(&g, g.token[HUB_ROLE_ADMIN], "/v1/audit", 200);
    int before = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "audit"));
    cJSON_Delete(root);
    const char *methods[] = {"POST", "PUT", "DELETE", "PATCH"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        snprintf(args, sizeof args, "-X %s -H 'Authorization: Bearer %s' --data '[]' '%s/v1/audit'",
                 methods[i], g.token[HUB_ROLE_ADMIN], h->url);
        assert_int_equal(curl(h, args, &body), 405);
        free(body);
        snprintf(args, sizeof args, "-X %s -H 'Authorization: Bearer %s' '%s/v1/audit/1'",
                 methods[i], g.token[HUB_ROLE_ADMIN], h->url);
        assert_int_equal(curl(h, args, &body), 404);
        free(body);
        snprintf(args, sizeof args, "-X %s -b '%s' -H 'Origin: %s' --data 'csrf=%s' '%s/audit'",
                 methods[i], g.cookie[HUB_ROLE_ADMIN], h->url, g.csrf[HUB_ROLE_ADMIN], h->url);
        long status = curl(h, args, &body);
        assert_true(status == 404 || status == 405);
        free(body);
    }
    root = api_json(&g, g.token[HUB_ROLE_ADMIN], "/v1/audit", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "audit")), before);
    cJSON_Delete(root);
}

/* --- filters and pages --------------------------------------------------------------------- */

/* The hub's database, opened beside the hub (the test's own connection). */
static hub_db *open_db(harness *h)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512];
    if (hub_config_load(h->conf, &cfg, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    if (hub_db_open(&cfg, 1, &db, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    return db;
}

static void seed(hub_db *db, const char *actor, const char *action, const char *site, int64_t at_ms)
{
    hub_audit_entry e = {.at_ms = at_ms,
                         .actor = actor,
                         .via = "cli",
                         .address = "local",
                         .action = action,
                         .site = site,
                         .target = site};
    assert_int_equal(hub_db_audit_add(db, &e), AM_OK);
}

static void filters_and_pages(void **state)
{
    group g = {.h = *state};
    harness *h = g.h;
    char path[512], args[2048], hdr[700], *body;
    setup_group(&g);
    /* Five entries by "seeder", a day apart, from 2026-01-01 UTC. */
    const int64_t t0 = INT64_C(1767225600000);
    hub_db *db = open_db(h);
    for (int i = 0; i < 5; i++)
        seed(db, "seeder", i % 2 ? "site.set" : "team.add", "a", t0 + i * DAY_MS);
    hub_db_close(db);

    const char *tok = g.token[HUB_ROLE_ADMIN];
    cJSON *root = api_json(&g, tok, "/v1/audit?person=seeder", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "audit")), 5);
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "next")));
    cJSON_Delete(root);
    root = api_json(&g, tok, "/v1/audit?person=seeder&action=site.set", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "audit")), 2);
    cJSON_Delete(root);
    /* since is inclusive, until exclusive: days 1, 2 and 3. */
    root = api_json(&g, tok, "/v1/audit?person=seeder&since=2026-01-02&until=2026-01-05", 200);
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "audit");
    assert_int_equal(cJSON_GetArraySize(a), 3);
    assert_true(cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 0), "at")) ==
                (double)(t0 + 3 * DAY_MS));
    cJSON_Delete(root);
    /* Pages of two: 2 + 2 + 1, each older than the last, none twice. */
    double seen[5];
    int n = 0;
    char before[32] = "";
    for (int page = 0; page < 3; page++) {
        snprintf(path, sizeof path, "/v1/audit?person=seeder&limit=2%s%s",
                 before[0] ? "&before=" : "", before);
        root = api_json(&g, tok, path, 200);
        a = cJSON_GetObjectItemCaseSensitive(root, "audit");
        assert_int_equal(cJSON_GetArraySize(a), page < 2 ? 2 : 1);
        const cJSON *e;
        cJSON_ArrayForEach(e, a)
        {
            seen[n] = cJSON_GetNumberValue(cJSON_GetObjectItem(e, "at"));
            assert_true(n == 0 || seen[n] < seen[n - 1]);
            n++;
        }
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(root, "next");
        if (page < 2)
            snprintf(before, sizeof before, "%.0f", cJSON_GetNumberValue(next));
        else
            assert_true(cJSON_IsNull(next));
        cJSON_Delete(root);
    }
    assert_int_equal(n, 5);
    /* CSV: the same page, the next one's start in a header. */
    snprintf(hdr, sizeof hdr, "%s/audit.hdr", h->dir);
    snprintf(args, sizeof args,
             "-D '%s' -H 'Authorization: Bearer %s' '%s/v1/audit?person=seeder&limit=2&format=csv'",
             hdr, tok, h->url);
    assert_int_equal(curl(h, args, &body), 200);
    int lines = 0;
    for (const char *p = body; (p = strstr(p, "\r\n")); p += 2)
        lines++;
    assert_int_equal(lines, 3);
    free(body);
    char *headers = am_test_read_file(hdr, NULL);
    assert_non_null(strstr(headers, "Audit-Next-Before: "));
    assert_non_null(strstr(headers, "text/csv"));
    free(headers);
    /* Mistakes are named. */
    const char *bad[] = {"/v1/audit?action=kiosk.explode",
                         "/v1/audit?since=yesterday",
                         "/v1/audit?limit=0",
                         "/v1/audit?before=x",
                         "/v1/audit?who=boss",
                         "/v1/audit?format=xml",
                         "/v1/audit?site=a%20b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        root = api_json(&g, tok, bad[i], 400);
        assert_string_equal(sval(root, "error"), "bad_query");
        cJSON_Delete(root);
    }
    /* The page takes the same filters and pages. */
    snprintf(args, sizeof args, "-b '%s' '%s/audit?person=seeder&action=site.set'",
             g.cookie[HUB_ROLE_ADMIN], h->url);
    assert_int_equal(curl(h, args, &body), 200);
    assert_non_null(strstr(body, "2026-01-02"));
    assert_non_null(strstr(body, "2026-01-04"));
    assert_null(strstr(body, "2026-01-03"));
    free(body);
}

/* --- retention ------------------------------------------------------------------------------ */

/* Entries past the retention go when the hub starts: seeded with old
 * times, so no clock has to pass. */
static void old_entries_are_purged(void **state, int retention_days)
{
    harness *h = *state;
    assert_int_equal(h_hub_stop(&h->hub, 10000), 0);
    int64_t now = h_now_ms();
    hub_db *db = open_db(h);
    seed(db, "too-old", "site.set", "default", now - (retention_days + 1) * DAY_MS);
    seed(db, "kept", "site.set", "default", now - (retention_days - 1) * DAY_MS);
    hub_db_close(db);
    h_hub_start(h);
    group g = {.h = h};
    snprintf(g.token[HUB_ROLE_ADMIN], sizeof g.token[0], "%s", h->mgr_token);
    cJSON *root = api_json(&g, h->mgr_token, "/v1/audit?person=too-old", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "audit")), 0);
    cJSON_Delete(root);
    root = api_json(&g, h->mgr_token, "/v1/audit?person=kept", 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "audit")), 1);
    cJSON_Delete(root);
    assert_true(h_wait_file_text(h->hub.log, "older than", 5000));
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, RELAXED);
}
static int setup_pg(void **state)
{
    return h_setup(state, true, RELAXED);
}
static int setup_short(void **state)
{
    return h_setup(state, false, RELAXED "\n[audit]\nretention_days = 30\n");
}

static void every_change_is_recorded_sqlite(void **state)
{
    every_change_is_recorded(state);
}
static void every_change_is_recorded_postgresql(void **state)
{
    every_change_is_recorded(state);
}
static void managers_read_their_sites_only_postgresql(void **state)
{
    managers_read_their_sites_only(state);
}
static void filters_and_pages_postgresql(void **state)
{
    filters_and_pages(state);
}
static void default_retention_400_days_sqlite(void **state)
{
    old_entries_are_purged(state, 400);
}
static void default_retention_400_days_postgresql(void **state)
{
    old_entries_are_purged(state, 400);
}
static void configured_retention_30_days(void **state)
{
    old_entries_are_purged(state, 30);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(doc_lists_every_action),
    cmocka_unit_test_setup_teardown(every_change_is_recorded_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(every_change_is_recorded_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(managers_read_their_sites_only, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(managers_read_their_sites_only_postgresql, setup_pg,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(no_endpoint_changes_it, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(filters_and_pages, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(filters_and_pages_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(default_retention_400_days_sqlite, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(default_retention_400_days_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(configured_retention_30_days, setup_short, h_teardown),
};

AM_TEST_MAIN(tests)
