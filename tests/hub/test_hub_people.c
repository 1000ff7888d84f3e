/* test_hub_people.c — people on the dashboard (/people): a manager sees
 * and manages the people of their sites only, never admins, and makes no
 * admin; adding a person and resetting a password show a one-time link
 * that sets the password; every form needs the session's CSRF token. The
 * role table's allow/403 per role is walked in test_hub_roles.c; this is
 * what happens inside. */
#include "hub_harness.h"

#define PW      "harbour lamp violet kettle"
#define RELAXED "[dashboard]\nlogin_fail_per_minute = 1000\nlogin_fail_burst = 1000\n"

typedef struct page {
    long status;
    char *body;
} page;

static page fetch(harness *h, const char *args)
{
    char script[4096], out_path[700], code_path[700];
    page p = {0};
    snprintf(out_path, sizeof out_path, "%s/people.out", h->dir);
    snprintf(code_path, sizeof code_path, "%s/people.code", h->dir);
    unlink(out_path);
    snprintf(script, sizeof script,
             "curl -sS --proto =https --cacert '%s' -o '%s' -w '%%{http_code}' -H 'Origin: %s' %s",
             h->ca, out_path, h->url, args);
    assert_int_equal(h_sh(script, code_path, NULL), 0);
    char *code = am_test_read_file(code_path, NULL);
    p.status = code ? atol(code) : 0;
    free(code);
    p.body = am_test_read_file(out_path, NULL);
    if (!p.body)
        p.body = strdup("");
    return p;
}

static void cmd(harness *h, const char *const *args, char *out, size_t outlen)
{
    if (h_hub_cmd(h, args, out, outlen) != 0)
        fail_msg("%s %s failed", args[0], args[1]);
}

/* The link a page or a command shows: its path, "/password/CODE". */
static void link_path(const char *text, char *path, size_t len)
{
    const char *p = strstr(text, "/password/");
    assert_non_null(p);
    assert_true(
        strspn(p + 10, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43);
    snprintf(path, len, "%.53s", p);
}

static void set_pw(harness *h, const char *path, long want)
{
    char args[1024];
    snprintf(args, sizeof args, "--data-urlencode 'password=%s' --data-urlencode 'again=%s' '%s%s'",
             PW, PW, h->url, path);
    page p = fetch(h, args);
    if (p.status != want)
        fail_msg("set password: want %ld, got %ld: %.500s", want, p.status, p.body);
    free(p.body);
}

/* Signs in as name: the cookie, and the CSRF token from /people (or /). */
static void sign_in(harness *h, const char *name, char *cookie, size_t cookielen, char *csrf,
                    size_t csrflen)
{
    char script[4096], hdr[700];
    snprintf(hdr, sizeof hdr, "%s/people.hdr", h->dir);
    snprintf(script, sizeof script,
             "curl -sS --proto =https --cacert '%s' -o /dev/null -D '%s' -H 'Origin: %s' "
             "--data-urlencode 'name=%s' --data-urlencode 'password=%s' '%s/login'",
             h->ca, hdr, h->url, name, PW, h->url);
    assert_int_equal(h_sh(script, NULL, NULL), 0);
    char *headers = am_test_read_file(hdr, NULL);
    assert_non_null(headers);
    const char *set = strstr(headers, "amends_session=");
    if (!set)
        fail_msg("%s did not sign in: %s", name, headers);
    snprintf(cookie, cookielen, "%.*s", (int)strcspn(set, ";"), set);
    free(headers);
    char args[1024];
    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, h->url);
    page p = fetch(h, args);
    assert_int_equal(p.status, 200);
    const char *c = strstr(p.body, "name=\"csrf\" value=\"");
    assert_non_null(c);
    c += strlen("name=\"csrf\" value=\"");
    snprintf(csrf, csrflen, "%.*s", (int)strcspn(c, "\""), c);
    free(p.body);
}

static void people_page_for_a_manager_and_an_admin(void **state)
{
    harness *h = *state;
    char out[2048], path[128], cookie[128], csrf[64], args[2048];
    const char *site_a[] = {"site",       "add", "a",          "--name", "Site A",
                            "--timezone", "UTC", "--currency", "GBP",    NULL};
    const char *site_b[] = {"site",       "add", "b",          "--name", "Site B",
                            "--timezone", "UTC", "--currency", "EUR",    NULL};
    const char *team[] = {"team", "add", "a", "hk", "--name", "Housekeeping", NULL};
    cmd(h, site_a, out, sizeof out);
    cmd(h, site_b, out, sizeof out);
    cmd(h, team, out, sizeof out);
    const char *mgr[] = {"person", "add", "mgr", "--role", "manager", "--site", "a", NULL};
    cmd(h, mgr, out, sizeof out);
    link_path(out, path, sizeof path);
    set_pw(h, path, 200);
    const char *vwr[] = {"person", "add", "vwr", "--role", "viewer", "--site", "a", NULL};
    cmd(h, vwr, out, sizeof out);
    char vwr_first[128];
    link_path(out, vwr_first, sizeof vwr_first);
    const char *pb[] = {"person", "add", "pb", "--role", "viewer", "--site", "b", NULL};
    cmd(h, pb, out, sizeof out);

    sign_in(h, "mgr", cookie, sizeof cookie, csrf, sizeof csrf);
    /* The dashboard links to the page; the page lists site a's people only. */
    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, h->url);
    page p = fetch(h, args);
    assert_non_null(strstr(p.body, "id=\"people-link\""));
    free(p.body);
    snprintf(args, sizeof args, "-b '%s' '%s/people'", cookie, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 200);
    assert_non_null(strstr(p.body, "data-person=\"vwr\""));
    assert_non_null(strstr(p.body, "data-person=\"mgr\""));
    assert_null(strstr(p.body, "data-person=\"pb\""));
    assert_null(strstr(p.body, "data-person=\"boss\""));
    assert_null(strstr(p.body, "value=\"admin\"")); /* no admin role to give */
    assert_null(strstr(p.body, "value=\"b\""));     /* nor site b */
    assert_non_null(strstr(p.body, "value=\"a/hk\""));
    free(p.body);

    /* Add a housekeeper: the page shows the link, which sets a password. */
    snprintf(args, sizeof args,
             "-b '%s' --data 'csrf=%s&name=hanna&role=staff&site=a&team=a%%2Fhk' '%s/people'",
             cookie, csrf, h->url);
    p = fetch(h, args);
    if (p.status != 200)
        fail_msg("add: %ld %.500s", p.status, p.body);
    assert_non_null(strstr(p.body, "id=\"password-link\">https://127.0.0.1:"));
    link_path(p.body, path, sizeof path);
    free(p.body);
    set_pw(h, path, 200);
    char hcookie[128], hcsrf[64];
    sign_in(h, "hanna", hcookie, sizeof hcookie, hcsrf, sizeof hcsrf);
    const char *list[] = {"person", "list", NULL};
    cmd(h, list, out, sizeof out);
    assert_non_null(strstr(out, "\"a/hk\""));

    /* What a manager may not do: 403, and nothing changes. */
    const struct {
        const char *what, *data;
    } refused[] = {
        {"/people", "name=ada&role=admin"},   {"/people", "name=bert&role=viewer&site=b"},
        {"/people/pb/role", "role=staff"},    {"/people/pb/password-link", ""},
        {"/people/boss/role", "role=viewer"}, {"/people/boss/password-link", ""},
        {"/people/vwr/role", "role=admin"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        snprintf(args, sizeof args, "-b '%s' --data 'csrf=%s&%s' '%s%s'", cookie, csrf,
                 refused[i].data, h->url, refused[i].what);
        p = fetch(h, args);
        if (p.status != 403)
            fail_msg("%s %s: want 403, got %ld: %.300s", refused[i].what, refused[i].data, p.status,
                     p.body);
        free(p.body);
    }
    cmd(h, list, out, sizeof out);
    assert_null(strstr(out, "\"ada\""));
    assert_null(strstr(out, "\"bert\""));

    /* Without the CSRF token: refused, nothing changed. */
    snprintf(args, sizeof args, "-b '%s' --data 'role=staff' '%s/people/vwr/role'", cookie, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 403);
    free(p.body);

    /* Change vwr's role; reset vwr's password: the first link is replaced. */
    snprintf(args, sizeof args, "-b '%s' --data 'csrf=%s&role=staff' '%s/people/vwr/role'", cookie,
             csrf, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 303);
    free(p.body);
    cmd(h, list, out, sizeof out);
    const char *v = strstr(out, "\"vwr\"");
    assert_non_null(v);
    assert_non_null(strstr(v, "\"staff\""));
    assert_true(strstr(v, "\"staff\"") < strstr(v, "}"));
    snprintf(args, sizeof args, "-b '%s' --data 'csrf=%s' '%s/people/vwr/password-link'", cookie,
             csrf, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 200);
    link_path(p.body, path, sizeof path);
    free(p.body);
    set_pw(h, vwr_first, 404);
    set_pw(h, path, 200);

    /* An admin sees everyone. */
    snprintf(args, sizeof args, "--data-urlencode 'token=%s' -D '%s/adm.hdr' '%s/login'",
             h->mgr_token, h->dir, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 303);
    free(p.body);
    char hdr[700];
    snprintf(hdr, sizeof hdr, "%s/adm.hdr", h->dir);
    char *headers = am_test_read_file(hdr, NULL);
    const char *set = strstr(headers, "amends_session=");
    assert_non_null(set);
    snprintf(cookie, sizeof cookie, "%.*s", (int)strcspn(set, ";"), set);
    free(headers);
    snprintf(args, sizeof args, "-b '%s' '%s/people'", cookie, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 200);
    assert_non_null(strstr(p.body, "data-person=\"pb\""));
    assert_non_null(strstr(p.body, "data-person=\"boss\""));
    assert_non_null(strstr(p.body, "value=\"admin\""));
    free(p.body);
}

static int setup_sqlite(void **state)
{
    return h_setup(state, false, RELAXED);
}

static int setup_pg(void **state)
{
    return h_setup(state, true, RELAXED);
}

static void people_page_on_postgresql(void **state)
{
    people_page_for_a_manager_and_an_admin(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(people_page_for_a_manager_and_an_admin, setup_sqlite,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(people_page_on_postgresql, setup_pg, h_teardown),
};

AM_TEST_MAIN(tests)
