/* test_hub_people_audit.c — people changes in the audit trail, at the
 * real amends-hub on SQLite and PostgreSQL: adding a person, a role
 * changed, a set-password link made (new person or reset), a password set
 * through one, an API token, from the command line and from the
 * dashboard, each recorded with who, how, from where, before and after,
 * and never with the password, the token or the link. Then the same
 * changes, and the kiosk, site and team ones, with the audit table made to
 * refuse every insert (a trigger the test adds): each is refused and
 * nothing of it is stored, because the change and its entry are one
 * transaction; so are an alert acknowledged and a voucher redeemed
 * (through the API and the dashboard), a sign-in, a failed sign-in (its
 * counts) and a sign-out. */
#include <cjson/cJSON.h>
#include <pwd.h>

#include "hub_config.h"
#include "hub_db_driver.h"
#include "hub_group.h"

#define PW      "harbour lamp violet kettle"
#define RELAXED "[dashboard]\nlogin_fail_per_minute = 1000\nlogin_fail_burst = 1000\n"

static const char *operator_name(void)
{
    struct passwd *pw = getpwuid(geteuid());
    assert_non_null(pw);
    return pw->pw_name;
}

static const char *sval(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The link a page or a command shows: its path, "/password/CODE". */
static void link_path(const char *text, char *path, size_t len)
{
    const char *p = strstr(text, "/password/");
    if (!p)
        fail_msg("no set-password link in: %.500s", text);
    assert_true(
        strspn(p + 10, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43);
    snprintf(path, len, "%.53s", p);
}

/* POSTs the new password to a link's page: the status. */
static long set_pw(harness *h, const char *path)
{
    char args[1024], *body;
    snprintf(args, sizeof args,
             "-H 'Origin: %s' --data-urlencode 'password=%s' --data-urlencode 'again=%s' '%s%s'",
             h->url, PW, PW, h->url, path);
    long status = curl(h, args, &body);
    free(body);
    return status;
}

/* Signs in with name and PW: the cookie and the CSRF token. */
static void pw_sign_in(harness *h, const char *name, char *cookie, size_t cookielen, char *csrf,
                       size_t csrflen)
{
    char args[2048], hdr[700], *body;
    snprintf(hdr, sizeof hdr, "%s/sign.hdr", h->dir);
    snprintf(args, sizeof args,
             "-D '%s' -H 'Origin: %s' --data-urlencode 'name=%s' --data-urlencode 'password=%s' "
             "'%s/login'",
             hdr, h->url, name, PW, h->url);
    assert_int_equal(curl(h, args, &body), 303);
    free(body);
    char *headers = am_test_read_file(hdr, NULL);
    const char *set = strstr(headers, "amends_session=");
    assert_non_null(set);
    snprintf(cookie, cookielen, "%.*s", (int)strcspn(set, ";"), set);
    free(headers);
    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, h->url);
    assert_int_equal(curl(h, args, &body), 200);
    const char *c = strstr(body, "name=\"csrf\" value=\"");
    assert_non_null(c);
    c += strlen("name=\"csrf\" value=\"");
    snprintf(csrf, csrflen, "%.*s", (int)strcspn(c, "\""), c);
    free(body);
}

/* A dashboard form POSTed with the session: the status, the page in *body. */
static long dash_post(harness *h, const char *cookie, const char *path, const char *form,
                      char **body)
{
    char args[2048];
    snprintf(args, sizeof args, "-b '%s' -H 'Origin: %s' --data '%s' '%s%s'", cookie, h->url, form,
             h->url, path);
    return curl(h, args, body);
}

static cJSON *audit_of(harness *h, const char *token, const char *query)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/audit%s'", token, h->url,
             query);
    long status = curl(h, args, &body);
    if (status != 200)
        fail_msg("GET /v1/audit%s: %ld %.300s", query, status, body);
    cJSON *root = cJSON_Parse(body);
    assert_non_null(root);
    free(body);
    return root;
}

/* The entries with this action about this target, newest first. */
static int count_of(const cJSON *audit, const char *action, const char *target)
{
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, audit)
    {
        const char *a = sval(e, "action"), *t = sval(e, "target");
        if (a && t && !strcmp(a, action) && !strcmp(t, target))
            n++;
    }
    return n;
}

static const cJSON *entry(const cJSON *audit, const char *action, const char *target)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, audit)
    {
        const char *a = sval(e, "action"), *t = sval(e, "target");
        if (a && t && !strcmp(a, action) && !strcmp(t, target))
            return e;
    }
    fail_msg("no audit entry %s about %s", action, target);
    return NULL;
}

static void expect(const cJSON *e, const char *actor, const char *via, const char *address,
                   const char *site, const char *before, const char *after)
{
    char *text = cJSON_PrintUnformatted(e);
    const char *b = sval(e, "before"), *a = sval(e, "after"), *s = sval(e, "site");
    if (strcmp(sval(e, "actor"), actor) || strcmp(sval(e, "via"), via) ||
        strcmp(sval(e, "address"), address) || (site && (!s || strcmp(s, site))) || (!site && s) ||
        (before && (!b || strcmp(b, before))) || (after && (!a || !strstr(a, after))))
        fail_msg("entry %s: want %s via %s from %s at %s, %s -> %s", text, actor, via, address,
                 site ? site : "(none)", before ? before : "", after ? after : "");
    free(text);
}

static void not_in(const char *what, const char *text, const char *secret)
{
    if (strstr(text, secret))
        fail_msg("%s holds a secret: %s", what, secret);
}

/* Sites a and b, a team of a; the command line's output in out. */
static void sites(harness *h)
{
    char out[1024];
    const char *site_a[] = {"site",       "add", "a",          "--name", "Site A",
                            "--timezone", "UTC", "--currency", "GBP",    NULL};
    const char *site_b[] = {"site",       "add", "b",          "--name", "Site B",
                            "--timezone", "UTC", "--currency", "EUR",    NULL};
    const char *team[] = {"team", "add", "a", "hk", "--name", "Housekeeping", NULL};
    cmd(h, site_a, out, sizeof out);
    cmd(h, site_b, out, sizeof out);
    cmd(h, team, out, sizeof out);
}

/* --- every people change, recorded ------------------------------------------------------ */

static void people_changes_are_recorded(void **state)
{
    harness *h = *state;
    char out[2048], l1[64], l2[64], l3[64], l4[64], token[128], cookie[128], csrf[64], *body;
    const char *op = operator_name();
    sites(h);
    /* The command line: a manager of site a, a new link, a token. */
    const char *add[] = {"person", "add", "mgr", "--role", "manager", "--site", "a", NULL};
    const char *relink[] = {"person", "password-link", "mgr", NULL};
    const char *tok[] = {"token", "add", "mgr", NULL};
    cmd(h, add, out, sizeof out);
    link_path(out, l1, sizeof l1);
    cmd(h, relink, out, sizeof out);
    link_path(out, l2, sizeof l2);
    cmd(h, tok, out, sizeof out);
    h_field(out, "token: ", token, sizeof token);
    /* The manager sets their password through the newer link and signs in. */
    assert_int_equal(set_pw(h, l2), 200);
    pw_sign_in(h, "mgr", cookie, sizeof cookie, csrf, sizeof csrf);
    /* The dashboard: a housekeeper added, made a viewer, given a new link. */
    char form[512];
    snprintf(form, sizeof form, "csrf=%s&name=hk1&role=staff&site=a&team=a%%2Fhk", csrf);
    assert_int_equal(dash_post(h, cookie, "/people", form, &body), 200);
    link_path(body, l3, sizeof l3);
    free(body);
    snprintf(form, sizeof form, "csrf=%s&role=viewer", csrf);
    assert_int_equal(dash_post(h, cookie, "/people/hk1/role", form, &body), 303);
    free(body);
    snprintf(form, sizeof form, "csrf=%s&role=viewer", csrf); /* the same: not a change */
    assert_int_equal(dash_post(h, cookie, "/people/hk1/role", form, &body), 303);
    free(body);
    snprintf(form, sizeof form, "csrf=%s", csrf);
    assert_int_equal(dash_post(h, cookie, "/people/hk1/password-link", form, &body), 200);
    link_path(body, l4, sizeof l4);
    free(body);

    cJSON *root = audit_of(h, h->mgr_token, "");
    const cJSON *audit = cJSON_GetObjectItemCaseSensitive(root, "audit");
    /* The command line's: the operator, "cli", "local". */
    expect(entry(audit, "person.add", "mgr"), op, "cli", "local", "a", NULL,
           "role=manager; sites=a");
    assert_int_equal(count_of(audit, "password_link.add", "mgr"), 2);
    expect(entry(audit, "password_link.add", "mgr"), op, "cli", "local", "a", NULL,
           "a link good until ");
    assert_string_equal(sval(entry(audit, "password_link.add", "mgr"), "detail"), "a new link");
    expect(entry(audit, "token.add", "mgr"), op, "cli", "local", "a", NULL, "an API token");
    /* The password: its person, from the browser's address. */
    expect(entry(audit, "password.set", "mgr"), "mgr", "dashboard", "127.0.0.1", "a", NULL,
           "a new password");
    /* The dashboard's: the manager, from the browser's address. */
    expect(entry(audit, "person.add", "hk1"), "mgr", "dashboard", "127.0.0.1", "a", NULL,
           "role=staff; teams=a/hk");
    assert_int_equal(count_of(audit, "person.role", "hk1"), 1);
    expect(entry(audit, "person.role", "hk1"), "mgr", "dashboard", "127.0.0.1", "a", "staff",
           "viewer");
    assert_int_equal(count_of(audit, "password_link.add", "hk1"), 2);
    expect(entry(audit, "password_link.add", "hk1"), "mgr", "dashboard", "127.0.0.1", "a", NULL,
           "a link good until ");

    /* No password, token, link or session in the trail: not in the JSON,
     * the CSV or the page, read by the admin or by the manager. */
    const char *secrets[] = {
        PW, token, l1 + 10, l2 + 10, l3 + 10, l4 + 10, cookie + strlen("amends_session="), NULL};
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    root = audit_of(h, token, "");
    char *json_mgr = cJSON_PrintUnformatted(root);
    assert_true(count_of(cJSON_GetObjectItemCaseSensitive(root, "audit"), "person.role", "hk1") ==
                1);
    cJSON_Delete(root);
    char args[1024], *csv, *page;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/audit?format=csv'",
             h->mgr_token, h->url);
    assert_int_equal(curl(h, args, &csv), 200);
    snprintf(args, sizeof args, "-b '%s' '%s/audit'", cookie, h->url);
    assert_int_equal(curl(h, args, &page), 200);
    assert_non_null(strstr(page, "password_link.add"));
    for (const char *const *s = secrets; *s; s++) {
        assert_true(strlen(*s) >= 20);
        not_in("GET /v1/audit", json, *s);
        not_in("GET /v1/audit (the manager)", json_mgr, *s);
        not_in("GET /v1/audit?format=csv", csv, *s);
        not_in("the audit page", page, *s);
    }
    free(json);
    free(json_mgr);
    free(csv);
    free(page);
}

/* --- a change whose entry cannot be stored is not made --------------------------------- */

/* Makes the audit table refuse every insert (refuse true) or take them
 * again, through a connection of the test's own. */
static void audit_refuses(harness *h, bool refuse)
{
    hub_config cfg;
    char err[512];
    void *conn = NULL;
    if (hub_config_load(h->conf, &cfg, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    const hub_driver *drv = h->use_pg ? &hub_driver_pg : &hub_driver_sqlite;
    if (drv->connect(&cfg, &conn, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    const char *sql;
    if (h->use_pg)
        sql = refuse ? "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS "
                       "$$ BEGIN RAISE EXCEPTION 'the test refuses audit entries'; END $$;"
                       "CREATE TRIGGER test_refuse BEFORE INSERT ON audit FOR EACH ROW "
                       "EXECUTE FUNCTION test_refuse()"
                     : "DROP TRIGGER test_refuse ON audit; DROP FUNCTION test_refuse()";
    else
        sql = refuse ? "CREATE TRIGGER test_refuse BEFORE INSERT ON audit BEGIN "
                       "SELECT RAISE(ABORT, 'the test refuses audit entries'); END"
                     : "DROP TRIGGER test_refuse";
    if (drv->script(conn, sql) != AM_OK)
        fail_msg("%s", drv->errmsg(conn));
    drv->disconnect(conn);
}

/* The command fails, printing no credential. */
static void cmd_refused(harness *h, const char *const *args)
{
    char out[2048];
    if (h_hub_cmd(h, args, out, sizeof out) == 0)
        fail_msg("%s %s succeeded without its audit entry", args[0], args[1]);
    if (strstr(out, "token:") || strstr(out, "/password/") || strstr(out, "secret:"))
        fail_msg("%s %s printed a credential it did not store: %s", args[0], args[1], out);
}

static void on_text(void *ud, int ncols, const char *const *v)
{
    if (ncols >= 1 && v[0])
        snprintf(ud, 64, "%s", v[0]);
}

/* The failed sign-ins the hub has counted, as "rows/failures/locks", read
 * through a connection of the test's own. */
static void failures_counted(harness *h, char out[64])
{
    hub_config cfg;
    char err[512];
    void *conn = NULL;
    if (hub_config_load(h->conf, &cfg, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    const hub_driver *drv = h->use_pg ? &hub_driver_pg : &hub_driver_sqlite;
    if (drv->connect(&cfg, &conn, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    snprintf(out, 64, "(none)");
    if (drv->exec(
            conn,
            "SELECT CAST(COUNT(*) AS TEXT) || '/' || CAST(COALESCE(SUM(failures), 0) AS TEXT) "
            "|| '/' || CAST(COALESCE(SUM(locked_until), 0) AS TEXT) FROM sign_in_failures",
            0, NULL, on_text, out, NULL) != AM_OK)
        fail_msg("%s", drv->errmsg(conn));
    drv->disconnect(conn);
}

/* With the audit table refusing entries: acknowledging an alert, redeeming
 * a voucher (API and dashboard), signing in, a failed sign-in and signing
 * out are each refused, and none of them is made. `g` has an admin's
 * dashboard session and an alert and a voucher of site a; cookie and csrf
 * are a manager of site a's session. */
static void desk_and_sessions_refused(harness *h, group *g, const char *cookie, const char *csrf)
{
    char args[2048], form[512], hdr[700], *body;
    const char *admin = g->cookie[HUB_ROLE_ADMIN], *admin_csrf = g->csrf[HUB_ROLE_ADMIN];
    char failures_before[64], failures_after[64];
    failures_counted(h, failures_before);
    /* The alert: through the API and the dashboard. */
    snprintf(args, sizeof args, "-X POST -H 'Authorization: Bearer %s' '%s/v1/alerts/%s/ack'",
             h->mgr_token, h->url, g->alert[0]);
    long status = curl(h, args, &body);
    if (status < 500)
        fail_msg("an alert acknowledged without its entry (API): %ld %.300s", status, body);
    free(body);
    snprintf(form, sizeof form, "csrf=%s", admin_csrf);
    char path[96];
    snprintf(path, sizeof path, "/alerts/%s/ack", g->alert[0]);
    assert_int_equal(dash_post(h, admin, path, form, &body), 503);
    free(body);
    /* The voucher: through the API and the desk. */
    snprintf(args, sizeof args, "-X POST -H 'Authorization: Bearer %s' '%s/v1/vouchers/%s/redeem'",
             h->mgr_token, h->url, g->voucher[0]);
    status = curl(h, args, &body);
    if (status < 500)
        fail_msg("a voucher redeemed without its entry (API): %ld %.300s", status, body);
    free(body);
    snprintf(form, sizeof form, "csrf=%s&code=%s", admin_csrf, g->voucher[0]);
    assert_int_equal(dash_post(h, admin, "/vouchers/redeem", form, &body), 503);
    free(body);
    /* Signing in (a token, a password) starts no session. */
    snprintf(hdr, sizeof hdr, "%s/refused.hdr", h->dir);
    snprintf(args, sizeof args, "-D '%s' -H 'Origin: %s' --data-urlencode 'token=%s' '%s/login'",
             hdr, h->url, h->mgr_token, h->url);
    assert_int_equal(curl(h, args, &body), 503);
    free(body);
    char *headers = am_test_read_file(hdr, NULL);
    if (headers && strstr(headers, "amends_session=") && !strstr(headers, "amends_session=;"))
        fail_msg("a session started without its entry: %s", headers);
    free(headers);
    snprintf(args, sizeof args,
             "-D '%s' -H 'Origin: %s' --data-urlencode 'name=mgr' --data-urlencode 'password=%s' "
             "'%s/login'",
             hdr, h->url, PW, h->url);
    assert_int_equal(curl(h, args, &body), 503);
    free(body);
    headers = am_test_read_file(hdr, NULL);
    if (headers && strstr(headers, "amends_session=") && !strstr(headers, "amends_session=;"))
        fail_msg("a session started without its entry: %s", headers);
    free(headers);
    /* A wrong password: neither count goes up. */
    snprintf(args, sizeof args,
             "-H 'Origin: %s' --data-urlencode 'name=mgr' --data-urlencode 'password=wrong "
             "password here' '%s/login'",
             h->url, h->url);
    assert_int_equal(curl(h, args, &body), 503);
    free(body);
    failures_counted(h, failures_after);
    assert_string_equal(failures_after, failures_before);
    /* Signing out (here, everywhere): the session still stands. */
    snprintf(form, sizeof form, "csrf=%s", csrf);
    assert_int_equal(dash_post(h, cookie, "/logout", form, &body), 503);
    free(body);
    assert_int_equal(dash_post(h, cookie, "/logout/everywhere", form, &body), 503);
    free(body);
    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, h->url);
    assert_int_equal(curl(h, args, &body), 200);
    free(body);
}

/* After desk_and_sessions_refused: the alert is still open, the voucher
 * still valid. */
static void desk_unchanged(harness *h, group *g)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/alerts'", h->mgr_token,
             h->url);
    assert_int_equal(curl(h, args, &body), 200);
    cJSON *root = cJSON_Parse(body);
    free(body);
    const cJSON *a;
    int seen = 0;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(root, "alerts"))
    {
        if (!strcmp(sval(a, "id"), g->alert[0])) {
            seen++;
            if (!cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(a, "acked_at")))
                fail_msg("alert %s was acknowledged without its entry", g->alert[0]);
        }
    }
    assert_int_equal(seen, 1);
    cJSON_Delete(root);
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/vouchers/%s'", h->mgr_token,
             h->url, g->voucher[0]);
    assert_int_equal(curl(h, args, &body), 200);
    root = cJSON_Parse(body);
    free(body);
    assert_string_equal(sval(root, "status"), "valid");
    cJSON_Delete(root);
}

static char *cmd_text(harness *h, const char *const *args)
{
    char *out = malloc(65536);
    assert_non_null(out);
    cmd(h, args, out, 65536);
    return out;
}

static void a_change_without_its_entry_is_not_made(void **state)
{
    harness *h = *state;
    char out[2048], vic_link[64], cookie[128], csrf[64], form[512], *body;
    sites(h);
    const char *mgr[] = {"person", "add", "mgr", "--role", "manager", "--site", "a", NULL};
    const char *vic[] = {"person", "add", "vic", "--role", "viewer", "--site", "a", NULL};
    cmd(h, mgr, out, sizeof out);
    char mgr_link[64];
    link_path(out, mgr_link, sizeof mgr_link);
    assert_int_equal(set_pw(h, mgr_link), 200);
    pw_sign_in(h, "mgr", cookie, sizeof cookie, csrf, sizeof csrf);
    cmd(h, vic, out, sizeof out);
    link_path(out, vic_link, sizeof vic_link);
    /* An alert and a voucher of site a; the admin's dashboard session. */
    group g = {.h = h};
    kiosk_at(&g, "kv", "a", 0);
    snprintf(g.token[HUB_ROLE_ADMIN], sizeof g.token[0], "%s", h->mgr_token);
    sign_in(&g, HUB_ROLE_ADMIN);
    const char *people_cmd[] = {"person", "list", NULL};
    const char *sites_cmd[] = {"site", "list", NULL};
    const char *kiosks_cmd[] = {"kiosk", "list", NULL};
    char *people_before = cmd_text(h, people_cmd);
    char *sites_before = cmd_text(h, sites_cmd);
    char *kiosks_before = cmd_text(h, kiosks_cmd);
    cJSON *root = audit_of(h, h->mgr_token, "");
    int entries = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "audit"));
    cJSON_Delete(root);

    audit_refuses(h, true);
    /* The command line: people, tokens, links, sites, teams, kiosks. */
    const char *refused[][12] = {
        {"person", "add", "x", "--role", "staff", "--team", "a/hk", NULL},
        {"person", "add", "y", "--role", "admin", NULL},
        {"person", "password-link", "vic", NULL},
        {"token", "add", "vic", NULL},
        {"manager", "add", "z", NULL},
        {"site", "add", "c", "--name", "C", "--timezone", "UTC", "--currency", "USD", NULL},
        {"site", "set", "a", "--name", "Renamed", NULL},
        {"team", "add", "a", "fd", "--name", "Front desk", NULL},
        {"kiosk", "add", "k3", "--site", "a", NULL},
        {"kiosk", "rotate", "k1", NULL},
        {"kiosk", "disable", "k1", NULL},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        cmd_refused(h, refused[i]);
    /* The dashboard: a person added, a role changed, a reset. */
    snprintf(form, sizeof form, "csrf=%s&name=w&role=staff&site=a&team=a%%2Fhk", csrf);
    long status = dash_post(h, cookie, "/people", form, &body);
    if (status < 500 || strstr(body, "/password/"))
        fail_msg("adding a person without its entry: %ld %.300s", status, body);
    free(body);
    snprintf(form, sizeof form, "csrf=%s&role=staff", csrf);
    assert_int_equal(dash_post(h, cookie, "/people/vic/role", form, &body), 503);
    free(body);
    snprintf(form, sizeof form, "csrf=%s", csrf);
    status = dash_post(h, cookie, "/people/vic/password-link", form, &body);
    if (status != 503 || strstr(body, "/password/"))
        fail_msg("a reset without its entry: %ld %.300s", status, body);
    free(body);
    /* The password set through vic's link: refused, the link unused. */
    assert_int_equal(set_pw(h, vic_link), 503);
    /* Alerts, vouchers, signing in and out. */
    desk_and_sessions_refused(h, &g, cookie, csrf);

    /* Nothing changed: people, sites, teams, kiosks (and their tokens:
     * k1's still works), the audit trail. */
    char *people_after = cmd_text(h, people_cmd);
    char *sites_after = cmd_text(h, sites_cmd);
    char *kiosks_after = cmd_text(h, kiosks_cmd);
    assert_string_equal(people_after, people_before);
    assert_string_equal(sites_after, sites_before);
    assert_string_equal(kiosks_after, kiosks_before);
    am_hub_client *k1 = h_kiosk(h, 1);
    am_proto_batch *b = h_batch("k1", 1);
    h_add_feedback(b, "room", AM_OUTCOME_COMPLETED);
    char *batch = h_encode(b);
    am_hub_reply reply;
    h_post(k1, batch, b->batch, &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    free(batch);
    am_proto_batch_free(b);
    am_hub_client_free(k1);

    audit_refuses(h, false);
    desk_unchanged(h, &g);
    /* vic's first link still sets the password: it was neither replaced
     * nor used; and with entries stored again, changes are made. */
    assert_int_equal(set_pw(h, vic_link), 200);
    cmd(h, refused[0], out, sizeof out);
    root = audit_of(h, h->mgr_token, "");
    const cJSON *audit = cJSON_GetObjectItemCaseSensitive(root, "audit");
    assert_int_equal(cJSON_GetArraySize(audit), entries + 3); /* sign-in failures aside */
    assert_int_equal(count_of(audit, "password.set", "vic"), 1);
    assert_int_equal(count_of(audit, "person.add", "x"), 1);
    cJSON_Delete(root);
    free(people_before);
    free(sites_before);
    free(kiosks_before);
    free(people_after);
    free(sites_after);
    free(kiosks_after);
}

/* --- a person of two sites --------------------------------------------------------------- */

static int entries_of(harness *h, const char *token, const char *query, const char *action,
                      const char *target)
{
    cJSON *root = audit_of(h, token, query);
    int n = count_of(cJSON_GetObjectItemCaseSensitive(root, "audit"), action, target);
    cJSON_Delete(root);
    return n;
}

static long audit_status(harness *h, const char *token, const char *query)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/audit%s'", token, h->url,
             query);
    long status = curl(h, args, &body);
    free(body);
    return status;
}

/* A viewer of sites a and b, and a staff member of a's team and of site
 * b: every change about them is read by the managers of both sites, once
 * each, under either site's filter; a manager of one site still reads
 * nothing of the other's own changes and may not ask for its entries. */
static void a_person_of_two_sites_is_seen_at_both(void **state)
{
    harness *h = *state;
    char out[2048], tok_a[128], tok_b[128], tok_ab[128], cookie[128], csrf[64], form[256], *body;
    sites(h);
    const char *people[][10] = {
        {"person", "add", "ma", "--role", "manager", "--site", "a", NULL},
        {"person", "add", "mb", "--role", "manager", "--site", "b", NULL},
        {"person", "add", "mab", "--role", "manager", "--site", "a", "--site", "b", NULL},
        {"person", "add", "two", "--role", "viewer", "--site", "a", "--site", "b", NULL},
        {"person", "add", "mix", "--role", "staff", "--team", "a/hk", "--site", "b", NULL},
    };
    char *toks[] = {tok_a, tok_b, tok_ab};
    for (int i = 0; i < 5; i++) {
        cmd(h, people[i], out, sizeof out);
        if (i < 3) {
            const char *tok[] = {"token", "add", people[i][2], NULL};
            cmd(h, tok, out, sizeof out);
            h_field(out, "token: ", toks[i], 128);
        }
    }
    const char *tok_two[] = {"token", "add", "two", NULL};
    const char *link_two[] = {"person", "password-link", "two", NULL};
    const char *kiosk_a[] = {"kiosk", "add", "ka", "--site", "a", NULL};
    cmd(h, tok_two, out, sizeof out);
    cmd(h, link_two, out, sizeof out);
    cmd(h, kiosk_a, out, sizeof out);
    /* The admin makes "two" a staff member on the dashboard. */
    char args[1024], hdr[700];
    snprintf(hdr, sizeof hdr, "%s/admin.hdr", h->dir);
    snprintf(args, sizeof args, "-D '%s' --data-urlencode 'token=%s' '%s/login'", hdr, h->mgr_token,
             h->url);
    assert_int_equal(curl(h, args, &body), 303);
    free(body);
    char *headers = am_test_read_file(hdr, NULL);
    const char *set = strstr(headers, "amends_session=");
    assert_non_null(set);
    snprintf(cookie, sizeof cookie, "%.*s", (int)strcspn(set, ";"), set);
    free(headers);
    snprintf(args, sizeof args, "-b '%s' '%s/people'", cookie, h->url);
    assert_int_equal(curl(h, args, &body), 200);
    const char *c = strstr(body, "name=\"csrf\" value=\"");
    assert_non_null(c);
    c += strlen("name=\"csrf\" value=\"");
    snprintf(csrf, sizeof csrf, "%.*s", (int)strcspn(c, "\""), c);
    free(body);
    snprintf(form, sizeof form, "csrf=%s&role=staff", csrf);
    assert_int_equal(dash_post(h, cookie, "/people/two/role", form, &body), 303);
    free(body);

    const struct {
        const char *action, *target;
        int links;
    } about[] = {
        {"person.add", "two", 1},  {"token.add", "two", 1},  {"password_link.add", "two", 2},
        {"person.role", "two", 1}, {"person.add", "mix", 1}, {"password_link.add", "mix", 1},
        {"person.add", "mab", 1},
    };
    for (size_t i = 0; i < sizeof about / sizeof about[0]; i++) {
        int want = about[i].links;
        const char *a = about[i].action, *t = about[i].target;
        /* Each manager reads it, once; and under either site's filter. */
        for (int m = 0; m < 3; m++)
            if (entries_of(h, toks[m], "", a, t) != want)
                fail_msg("manager %d reads %d entries %s about %s, want %d", m,
                         entries_of(h, toks[m], "", a, t), a, t, want);
        assert_int_equal(entries_of(h, tok_b, "?site=b", a, t), want);
        assert_int_equal(entries_of(h, tok_a, "?site=a", a, t), want);
        assert_int_equal(entries_of(h, tok_ab, "?site=a", a, t), want);
        assert_int_equal(entries_of(h, tok_ab, "?site=b", a, t), want);
        /* The admin: once, with or without a filter (one entry, two sites). */
        assert_int_equal(entries_of(h, h->mgr_token, "", a, t), want);
        assert_int_equal(entries_of(h, h->mgr_token, "?site=a", a, t), want);
        assert_int_equal(entries_of(h, h->mgr_token, "?site=b", a, t), want);
    }
    /* What concerns one site stays there: site a's kiosk and manager. */
    assert_int_equal(entries_of(h, tok_a, "", "kiosk.add", "ka"), 1);
    assert_int_equal(entries_of(h, tok_b, "", "kiosk.add", "ka"), 0);
    assert_int_equal(entries_of(h, tok_b, "", "person.add", "ma"), 0);
    assert_int_equal(entries_of(h, tok_b, "?site=b", "kiosk.add", "ka"), 0);
    assert_int_equal(entries_of(h, tok_ab, "?site=b", "kiosk.add", "ka"), 0);
    assert_int_equal(entries_of(h, tok_ab, "?site=a", "kiosk.add", "ka"), 1);
    assert_int_equal(audit_status(h, tok_b, "?site=a"), 403);
    assert_int_equal(audit_status(h, tok_a, "?site=b"), 403);
    /* The manager of b reads it on the audit page too. */
    char cookie_b[128], csrf_b[64];
    snprintf(hdr, sizeof hdr, "%s/mb.hdr", h->dir);
    snprintf(args, sizeof args, "-D '%s' --data-urlencode 'token=%s' '%s/login'", hdr, tok_b,
             h->url);
    assert_int_equal(curl(h, args, &body), 303);
    free(body);
    headers = am_test_read_file(hdr, NULL);
    set = strstr(headers, "amends_session=");
    assert_non_null(set);
    snprintf(cookie_b, sizeof cookie_b, "%.*s", (int)strcspn(set, ";"), set);
    free(headers);
    (void)csrf_b;
    snprintf(args, sizeof args, "-b '%s' '%s/audit?action=person.role'", cookie_b, h->url);
    assert_int_equal(curl(h, args, &body), 200);
    assert_non_null(strstr(body, ">two<"));
    free(body);
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, RELAXED);
}
static int setup_pg(void **state)
{
    return h_setup(state, true, RELAXED);
}

static void people_changes_are_recorded_postgresql(void **state)
{
    people_changes_are_recorded(state);
}
static void a_change_without_its_entry_is_not_made_postgresql(void **state)
{
    a_change_without_its_entry_is_not_made(state);
}

static void a_person_of_two_sites_is_seen_at_both_postgresql(void **state)
{
    a_person_of_two_sites_is_seen_at_both(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(a_person_of_two_sites_is_seen_at_both, setup_sqlite,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(a_person_of_two_sites_is_seen_at_both_postgresql, setup_pg,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(people_changes_are_recorded, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(people_changes_are_recorded_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(a_change_without_its_entry_is_not_made, setup_sqlite,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(a_change_without_its_entry_is_not_made_postgresql, setup_pg,
                                    h_teardown),
};

AM_TEST_MAIN(tests)
