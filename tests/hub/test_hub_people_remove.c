/* test_hub_people_remove.c — changing and ending people's access, at the
 * real amends-hub on SQLite and PostgreSQL: `person set` replaces a role
 * and scope (the last admin stays one), `person remove` ends a person's
 * access at once (their password, session cookie and API token stop
 * working; the last admin cannot be removed), `token list` shows ids and
 * never a token, `token revoke` makes a token answer 401 at once; the
 * dashboard's Remove asks first, is CSRF protected and is refused (403)
 * for a manager about an admin or a person of another site. Each change is
 * in the audit trail with its before and after. */
#include <cjson/cJSON.h>
#include <pwd.h>

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

/* The command's exit status; its output in out, its errors in err. */
static int run(harness *h, const char *const *args, char *out, size_t outlen, char *err,
               size_t errlen)
{
    int rc = h_hub_cmd(h, args, out, outlen);
    char path[700];
    snprintf(path, sizeof path, "%s/cmd.err", h->dir);
    char *text = am_test_read_file(path, NULL);
    if (err)
        snprintf(err, errlen, "%s", text ? text : "");
    free(text);
    return rc;
}

/* Adds a person with a role and one scope option and sets their password
 * through the link `person add` printed; their API token in token. */
static void person(harness *h, const char *name, const char *role, const char *scope_opt,
                   const char *scope, char *token, size_t tokenlen)
{
    char out[2048], args[1024], *body;
    const char *add[] = {"person", "add", name, "--role", role, scope_opt, scope, NULL};
    cmd(h, add, out, sizeof out);
    const char *p = strstr(out, "/password/");
    assert_non_null(p);
    snprintf(args, sizeof args,
             "-H 'Origin: %s' --data-urlencode 'password=%s' --data-urlencode 'again=%s' "
             "'%s%.53s'",
             h->url, PW, PW, h->url, p);
    assert_int_equal(curl(h, args, &body), 200);
    free(body);
    const char *tok[] = {"token", "add", name, NULL};
    cmd(h, tok, out, sizeof out);
    h_field(out, "token: ", token, tokenlen);
}

/* POST /login with name and PW: the status; the cookie when signed in. */
static long pw_login(harness *h, const char *name, char *cookie, size_t cookielen)
{
    char args[2048], hdr[700], *body;
    snprintf(hdr, sizeof hdr, "%s/sign.hdr", h->dir);
    unlink(hdr);
    snprintf(args, sizeof args,
             "-D '%s' -H 'Origin: %s' --data-urlencode 'name=%s' --data-urlencode 'password=%s' "
             "'%s/login'",
             hdr, h->url, name, PW, h->url);
    long status = curl(h, args, &body);
    free(body);
    char *headers = am_test_read_file(hdr, NULL);
    const char *set = headers ? strstr(headers, "amends_session=") : NULL;
    if (cookie)
        snprintf(cookie, cookielen, "%.*s", set ? (int)strcspn(set, ";") : 0, set ? set : "");
    free(headers);
    return status;
}

/* The CSRF token of a signed-in session, from its dashboard. */
static void csrf_of(harness *h, const char *cookie, char *csrf, size_t len)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, h->url);
    assert_int_equal(curl(h, args, &body), 200);
    const char *c = strstr(body, "name=\"csrf\" value=\"");
    assert_non_null(c);
    c += strlen("name=\"csrf\" value=\"");
    snprintf(csrf, len, "%.*s", (int)strcspn(c, "\""), c);
    free(body);
}

static long me(harness *h, const char *token)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/me'", token, h->url);
    long status = curl(h, args, &body);
    free(body);
    return status;
}

/* GET / with the cookie: 200 while the session lives. */
static long dash_get(harness *h, const char *cookie)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, h->url);
    long status = curl(h, args, &body);
    free(body);
    return status;
}

static long dash_post(harness *h, const char *cookie, const char *path, const char *form,
                      char **body)
{
    char args[2048];
    snprintf(args, sizeof args, "-b '%s' -H 'Origin: %s' --data '%s' '%s%s'", cookie, h->url, form,
             h->url, path);
    return curl(h, args, body);
}

static cJSON *audit_of(harness *h)
{
    char args[1024], *body;
    snprintf(args, sizeof args, "-H 'Authorization: Bearer %s' '%s/v1/audit'", h->mgr_token,
             h->url);
    long status = curl(h, args, &body);
    if (status != 200)
        fail_msg("GET /v1/audit: %ld %.300s", status, body);
    cJSON *root = cJSON_Parse(body);
    assert_non_null(root);
    free(body);
    return root;
}

/* The newest entry with this action about this target; fails without one. */
static const cJSON *entry(const cJSON *root, const char *action, const char *target)
{
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "audit"))
    {
        const char *a = sval(e, "action"), *t = sval(e, "target");
        if (a && t && !strcmp(a, action) && !strcmp(t, target))
            return e;
    }
    fail_msg("no audit entry %s about %s", action, target);
    return NULL;
}

static void expect(const cJSON *e, const char *actor, const char *via, const char *before,
                   const char *after)
{
    const char *b = sval(e, "before"), *a = sval(e, "after");
    if (strcmp(sval(e, "actor"), actor) || strcmp(sval(e, "via"), via) || !b || strcmp(b, before) ||
        !a || strcmp(a, after)) {
        char *text = cJSON_PrintUnformatted(e);
        fail_msg("entry %s: want %s via %s, '%s' -> '%s'", text, actor, via, before, after);
    }
}

static void sites(harness *h)
{
    char out[1024];
    const char *site_a[] = {"site",       "add", "a",          "--name", "Site A",
                            "--timezone", "UTC", "--currency", "GBP",    NULL};
    const char *site_b[] = {"site",       "add", "b",          "--name", "Site B",
                            "--timezone", "UTC", "--currency", "EUR",    NULL};
    const char *hk[] = {"team", "add", "a", "hk", "--name", "Housekeeping", NULL};
    const char *fd[] = {"team", "add", "b", "fd", "--name", "Front desk", NULL};
    cmd(h, site_a, out, sizeof out);
    cmd(h, site_b, out, sizeof out);
    cmd(h, hk, out, sizeof out);
    cmd(h, fd, out, sizeof out);
}

/* --- the command line ---------------------------------------------------------------------- */

static void command_line_set_remove_and_revoke(void **state)
{
    harness *h = *state;
    char out[4096], err[1024], hk_token[128], mgr_token[128], cookie[128];
    const char *op = operator_name();
    sites(h);
    person(h, "hk", "staff", "--team", "a/hk", hk_token, sizeof hk_token);
    person(h, "mgr", "manager", "--site", "a", mgr_token, sizeof mgr_token);

    /* person set: the lists given replace the person's; the rest stays. */
    const char *to_b[] = {"person", "set", "mgr", "--site", "b", NULL};
    cmd(h, to_b, out, sizeof out);
    assert_non_null(strstr(out, "changed"));
    const char *teams[] = {"person", "set", "mgr", "--team", "a/hk", "--team", "b/fd", NULL};
    cmd(h, teams, out, sizeof out);
    const char *same[] = {"person", "set", "mgr", "--site", "b", NULL};
    cmd(h, same, out, sizeof out);
    assert_non_null(strstr(out, "unchanged"));
    const char *staff[] = {"person", "set", "hk", "--role", "viewer", NULL};
    cmd(h, staff, out, sizeof out);
    cJSON *root = audit_of(h);
    expect(entry(root, "person.set", "hk"), op, "cli", "role=staff; teams=a/hk",
           "role=viewer; teams=a/hk");
    const cJSON *e = entry(root, "person.set", "mgr");
    expect(e, op, "cli", "role=manager; sites=b", "role=manager; sites=b; teams=a/hk,b/fd");
    cJSON_Delete(root);

    /* What the rules refuse: nothing changes. */
    const struct {
        const char *args[10];
        const char *says;
    } refused[] = {
        {{"person", "set", "mgr", "--role", "admin", "--site", "a", NULL}, "every site"},
        {{"person", "set", "mgr", "--site", "nowhere", NULL}, "no site 'nowhere'"},
        {{"person", "set", "nobody", "--role", "staff", NULL}, "no person 'nobody'"},
        {{"person", "set", "boss", "--role", "viewer", "--site", "a", NULL}, "last admin"},
        {{"person", "set", "mgr", NULL}, "nothing to change"},
        {{"person", "remove", "boss", NULL}, "last admin"},
        {{"person", "remove", "nobody", NULL}, "no person 'nobody'"},
        {{"token", "revoke", "0123456789ab", NULL}, "no token '0123456789ab'"},
        {{"token", "revoke", "amm_secret", NULL}, "not a token id"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        if (run(h, refused[i].args, out, sizeof out, err, sizeof err) == 0 ||
            !strstr(err, refused[i].says))
            fail_msg("%s %s %s: want refused with '%s', got '%s'", refused[i].args[0],
                     refused[i].args[1], refused[i].args[2], refused[i].says, err);
    }
    const char *list[] = {"person", "list", NULL};
    cmd(h, list, out, sizeof out);
    const char *m = strstr(out, "\"mgr\"");
    assert_non_null(m);
    assert_true(strstr(m, "\"manager\"") < strstr(m, "}"));
    assert_int_equal(me(h, h->mgr_token), 200); /* the last admin is still one */

    /* token list: ids, owners, never a token; revoke one: 401 at once. */
    char second[128];
    const char *add[] = {"token", "add", "mgr", NULL};
    cmd(h, add, out, sizeof out);
    h_field(out, "token: ", second, sizeof second);
    const char *tl[] = {"token", "list", "mgr", NULL};
    cmd(h, tl, out, sizeof out);
    cJSON *tokens = cJSON_Parse(out);
    assert_non_null(tokens);
    assert_int_equal(cJSON_GetArraySize(tokens), 2);
    assert_null(strstr(out, "amm_"));
    assert_null(strstr(out, "\"hk\""));
    char id[16];
    snprintf(id, sizeof id, "%s", sval(cJSON_GetArrayItem(tokens, 0), "id"));
    assert_int_equal(strlen(id), 12);
    cJSON_Delete(tokens);
    const char *all[] = {"token", "list", NULL};
    cmd(h, all, out, sizeof out);
    assert_non_null(strstr(out, "\"hk\""));
    assert_non_null(strstr(out, "\"boss\""));
    assert_int_equal(me(h, mgr_token), 200);
    const char *revoke[] = {"token", "revoke", id, NULL};
    cmd(h, revoke, out, sizeof out);
    assert_int_equal(me(h, mgr_token), 401);
    assert_int_equal(me(h, second), 200);
    root = audit_of(h);
    e = entry(root, "token.revoke", "mgr");
    expect(e, op, "cli", "active", "revoked");
    assert_non_null(strstr(sval(e, "detail"), id));
    cJSON_Delete(root);
    assert_int_not_equal(run(h, revoke, out, sizeof out, err, sizeof err), 0);

    /* person remove: their password, session and token stop at once. */
    assert_int_equal(pw_login(h, "hk", cookie, sizeof cookie), 303);
    assert_int_equal(dash_get(h, cookie), 200);
    assert_int_equal(me(h, hk_token), 200);
    const char *rm[] = {"person", "remove", "hk", NULL};
    cmd(h, rm, out, sizeof out);
    assert_int_equal(me(h, hk_token), 401);
    assert_int_not_equal(dash_get(h, cookie), 200);
    char *body;
    assert_int_equal(dash_post(h, cookie, "/logout", "csrf=x", &body) / 100, 4);
    free(body);
    assert_int_equal(pw_login(h, "hk", NULL, 0), 401);
    cmd(h, list, out, sizeof out);
    const char *hk = strstr(out, "\"hk\"");
    assert_non_null(hk); /* the row stays, for the audit trail */
    assert_true(strstr(hk, "\"removed\"") && strstr(hk, "\"removed\"") < strstr(hk, "}"));
    root = audit_of(h);
    e = entry(root, "person.remove", "hk");
    expect(e, op, "cli", "role=viewer; teams=a/hk", "removed");
    assert_non_null(strstr(sval(e, "detail"), "1 API token revoked, 1 session ended"));
    cJSON_Delete(root);
    assert_int_not_equal(run(h, rm, out, sizeof out, err, sizeof err), 0);
    const char *readd[] = {"token", "add", "hk", NULL};
    assert_int_not_equal(run(h, readd, out, sizeof out, err, sizeof err), 0);

    /* With a second admin, the first may stop being one. */
    const char *up[] = {"person", "set", "mgr", "--role", "admin", NULL};
    cmd(h, up, out, sizeof out);
    root = audit_of(h);
    expect(entry(root, "person.set", "mgr"), op, "cli", "role=manager; sites=b; teams=a/hk,b/fd",
           "role=admin");
    cJSON_Delete(root);
    const char *down[] = {"person", "remove", "boss", NULL};
    cmd(h, down, out, sizeof out);
    assert_int_equal(me(h, h->mgr_token), 401);
    const char *last[] = {"person", "remove", "mgr", NULL};
    assert_int_not_equal(run(h, last, out, sizeof out, err, sizeof err), 0);
    assert_non_null(strstr(err, "last admin"));
    assert_int_equal(me(h, second), 200);
}

/* --- the dashboard -------------------------------------------------------------------------- */

static void dashboard_remove_asks_and_keeps_to_scope(void **state)
{
    harness *h = *state;
    char out[2048], hk_token[128], pb_token[128], mgr_token[128], cookie[128], csrf[64];
    char hk_cookie[128], form[256], *body;
    sites(h);
    person(h, "hk", "staff", "--team", "a/hk", hk_token, sizeof hk_token);
    person(h, "pb", "viewer", "--site", "b", pb_token, sizeof pb_token);
    person(h, "mgr", "manager", "--site", "a", mgr_token, sizeof mgr_token);
    assert_int_equal(pw_login(h, "mgr", cookie, sizeof cookie), 303);
    csrf_of(h, cookie, csrf, sizeof csrf);
    assert_int_equal(pw_login(h, "hk", hk_cookie, sizeof hk_cookie), 303);

    /* The list offers Remove for the manager's people only. */
    char args[1024];
    snprintf(args, sizeof args, "-b '%s' '%s/people'", cookie, h->url);
    assert_int_equal(curl(h, args, &body), 200);
    assert_non_null(strstr(body, "action=\"/people/hk/remove\""));
    assert_null(strstr(body, "action=\"/people/pb/remove\""));
    assert_null(strstr(body, "action=\"/people/boss/remove\""));
    free(body);

    /* An admin, a person of another site: 403, with or without confirming. */
    const char *other[] = {"/people/boss/remove", "/people/pb/remove"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(form, sizeof form, "csrf=%s&confirm=yes", csrf);
        long status = dash_post(h, cookie, other[i], form, &body);
        if (status != 403)
            fail_msg("%s: want 403, got %ld: %.300s", other[i], status, body);
        free(body);
    }
    assert_int_equal(me(h, h->mgr_token), 200);
    assert_int_equal(me(h, pb_token), 200);

    /* Without the CSRF token: refused. The first POST only asks. */
    assert_int_equal(dash_post(h, cookie, "/people/hk/remove", "confirm=yes", &body), 403);
    free(body);
    snprintf(form, sizeof form, "csrf=%s", csrf);
    assert_int_equal(dash_post(h, cookie, "/people/hk/remove", form, &body), 200);
    assert_non_null(strstr(body, "id=\"confirm-remove\""));
    assert_non_null(strstr(body, "name=\"confirm\" value=\"yes\""));
    free(body);
    assert_int_equal(me(h, hk_token), 200);
    assert_int_equal(dash_get(h, hk_cookie), 200);

    snprintf(form, sizeof form, "csrf=%s&confirm=yes", csrf);
    assert_int_equal(dash_post(h, cookie, "/people/hk/remove", form, &body), 303);
    free(body);
    assert_int_equal(me(h, hk_token), 401);
    assert_int_not_equal(dash_get(h, hk_cookie), 200);
    assert_int_equal(pw_login(h, "hk", NULL, 0), 401);
    assert_int_equal(dash_post(h, cookie, "/people/hk/remove", form, &body), 404);
    free(body);
    snprintf(args, sizeof args, "-b '%s' '%s/people'", cookie, h->url);
    assert_int_equal(curl(h, args, &body), 200);
    assert_null(strstr(body, "data-person=\"hk\""));
    free(body);
    cJSON *root = audit_of(h);
    const cJSON *e = entry(root, "person.remove", "hk");
    expect(e, "mgr", "dashboard", "role=staff; teams=a/hk", "removed");
    assert_string_equal(sval(e, "site"), "a");
    cJSON_Delete(root);

    /* An admin removes anyone but the last admin. */
    char bcookie[128], bcsrf[64], hdr[700], login[2048];
    snprintf(hdr, sizeof hdr, "%s/adm.hdr", h->dir);
    snprintf(login, sizeof login, "-H 'Origin: %s' --data-urlencode 'token=%s' -D '%s' '%s/login'",
             h->url, h->mgr_token, hdr, h->url);
    assert_int_equal(curl(h, login, &body), 303);
    free(body);
    char *headers = am_test_read_file(hdr, NULL);
    const char *set = strstr(headers, "amends_session=");
    assert_non_null(set);
    snprintf(bcookie, sizeof bcookie, "%.*s", (int)strcspn(set, ";"), set);
    free(headers);
    csrf_of(h, bcookie, bcsrf, sizeof bcsrf);
    snprintf(form, sizeof form, "csrf=%s&confirm=yes", bcsrf);
    assert_int_equal(dash_post(h, bcookie, "/people/pb/remove", form, &body), 303);
    free(body);
    assert_int_equal(me(h, pb_token), 401);
    assert_int_equal(dash_post(h, bcookie, "/people/boss/remove", form, &body), 422);
    assert_non_null(strstr(body, "last admin"));
    free(body);
    assert_int_equal(me(h, h->mgr_token), 200);
    const char *list[] = {"person", "list", NULL};
    cmd(h, list, out, sizeof out);
    assert_non_null(strstr(out, "\"boss\""));
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, RELAXED);
}

static int setup_pg(void **state)
{
    return h_setup(state, true, RELAXED);
}

static void command_line_set_remove_and_revoke_postgresql(void **state)
{
    command_line_set_remove_and_revoke(state);
}

static void dashboard_remove_asks_and_keeps_to_scope_postgresql(void **state)
{
    dashboard_remove_asks_and_keeps_to_scope(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(command_line_set_remove_and_revoke, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(command_line_set_remove_and_revoke_postgresql, setup_pg,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(dashboard_remove_asks_and_keeps_to_scope, setup_sqlite,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(dashboard_remove_asks_and_keeps_to_scope_postgresql, setup_pg,
                                    h_teardown),
};

AM_TEST_MAIN(tests)
