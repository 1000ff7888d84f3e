/* test_hub_password.c — people's passwords on the real amends-hub: the
 * rules a new password must meet, the one-time links that set one (from
 * `person add` and `person password-link`), signing in with name and
 * password (the same answer for a wrong name and a wrong password), the
 * lockout that a restart does not lift, and signing out, here and
 * everywhere. Both backends; spoken to with the curl command line.
 */
#include <cjson/cJSON.h>

#include "hub_harness.h"
#include "hub_password.h"

#define GOOD    "harbour lamp violet kettle"
#define GOOD2   "quiet orchard tram seventy"
#define RELAXED "[dashboard]\nlogin_fail_per_minute = 1000\nlogin_fail_burst = 1000\n"

/* --- the rules ------------------------------------------------------------------------------ */

static void password_rules(void **state)
{
    (void)state;
    char why[512];
    static const char *const too_short[] = {"", "abc", "elevenchars", "Zoë-été-ça"};
    for (size_t i = 0; i < sizeof too_short / sizeof too_short[0]; i++) {
        assert_int_equal(hub_password_check(too_short[i], why, sizeof why), AM_ERR_INVALID);
        assert_non_null(strstr(why, "too short"));
        assert_non_null(strstr(why, "at least 12"));
    }
    /* Counted in characters, not bytes: 11 fail, 12 pass. */
    assert_int_equal(hub_password_check("Zoë-été-çaè", why, sizeof why), AM_ERR_INVALID);
    assert_non_null(strstr(why, "it has 11 characters"));
    assert_int_equal(hub_password_check("Zoë-été-çaèù", why, sizeof why), AM_OK);
    assert_int_equal(hub_password_check("ÿÿÿÿÿÿÿÿÿÿÿÿ", why, sizeof why), AM_ERR_INVALID);
    assert_non_null(strstr(why, "too common")); /* long enough, but one piece repeated */
    static const char *const common[] = {
        "password1234",     "Password12345!",   "P@ssw0rd2024!!",   "qwertyuiop123",
        "123456789012",     "!!!!!!!!!!!!!!!!", "sunshine123456",   "international",
        "Housekeeping2026", "abcabcabcabc",     "aaaaaaaaaaaaaaaa", "passwordpassword",
        "2024Welcome!!!",
    };
    for (size_t i = 0; i < sizeof common / sizeof common[0]; i++) {
        if (hub_password_check(common[i], why, sizeof why) != AM_ERR_INVALID)
            fail_msg("'%s' was accepted", common[i]);
        assert_non_null(strstr(why, "too common"));
        assert_null(strstr(why, common[i])); /* never echoed */
    }
    static const char *const good[] = {GOOD, GOOD2, "Tr0ub4dor&3-horse", "kettle-violet-42"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (hub_password_check(good[i], why, sizeof why) != AM_OK)
            fail_msg("'%s' was refused: %s", good[i], why);
    }
    char long_pw[HUB_PASSWORD_MAX + 2];
    memset(long_pw, 'x', sizeof long_pw - 1);
    long_pw[sizeof long_pw - 1] = '\0';
    assert_int_equal(hub_password_check(long_pw, why, sizeof why), AM_ERR_INVALID);
    assert_non_null(strstr(why, "too long"));
    /* The built-in list: the English word list and the bundled stems. */
    print_message("%zu words in the common-password list\n", hub_password_common_count());
    assert_true(hub_password_common_count() > 50000);
    assert_true(hub_password_common_word("qwerty"));
    assert_true(hub_password_common_word("letmein"));
    assert_true(hub_password_common_word("harbour") || hub_password_common_word("harbor"));
    assert_false(hub_password_common_word("xq7kettlevz"));

    char hash[HUB_PASSWORD_HASH_MAX];
    assert_int_equal(hub_password_hash(GOOD, hash), AM_OK);
    assert_non_null(strstr(hash, "$argon2id$"));
    assert_null(strstr(hash, "harbour"));
    assert_true(hub_password_verify(hash, GOOD));
    assert_false(hub_password_verify(hash, GOOD2));
    /* No hash (an unknown name): never a match, whatever is typed. */
    assert_false(hub_password_verify(NULL, GOOD));
    assert_false(hub_password_verify("", ""));
}

/* Every command `amends-hub --help` lists is in docs/hub.md. */
static void every_command_is_documented(void **state)
{
    (void)state;
    char dir[512], out[700], script[1024];
    am_test_tmpdir(dir, sizeof dir, "hub-help");
    snprintf(out, sizeof out, "%s/help.txt", dir);
    snprintf(script, sizeof script, "'%s' --help", HUB_BIN);
    assert_int_equal(h_sh(script, out, NULL), 0);
    char *help = am_test_read_file(out, NULL);
    char *doc = am_test_read_file(AM_SOURCE_DIR "/docs/hub.md", NULL);
    assert_non_null(help);
    assert_non_null(doc);
    const char *p = strstr(help, "\ncommands:\n");
    assert_non_null(p);
    int n = 0;
    for (p = strchr(p + 1, '\n') + 1; *p && *p != '\n'; p = strchr(p, '\n') + 1) {
        char a[32], b[32];
        if (p[0] == ' ' && p[1] == ' ' && p[2] >= 'a' && p[2] <= 'z' &&
            sscanf(p, "%31s %31s", a, b) == 2) {
            char cmd[80];
            snprintf(cmd, sizeof cmd, "%s %s", a, b);
            if (!strstr(doc, cmd))
                fail_msg("'amends-hub %s' is not in docs/hub.md", cmd);
            n++;
        }
    }
    print_message("%d commands documented\n", n);
    assert_true(n >= 16);
    assert_non_null(strstr(help, "person password-link"));
    free(help);
    free(doc);
    am_test_rmtree(dir);
}

/* --- helpers -------------------------------------------------------------------------------- */

typedef struct page {
    long status;
    char *body;
    char *headers;
} page;

static void page_free(page *p)
{
    free(p->body);
    free(p->headers);
    memset(p, 0, sizeof *p);
}

/* curl with the test CA against base (NULL: the first hub); args as they
 * are (quote them). */
static page fetch_at(harness *h, const char *base, const char *args)
{
    char script[4096], out_path[700], hdr_path[700], code_path[700];
    page p = {0};
    snprintf(out_path, sizeof out_path, "%s/pw.out", h->dir);
    snprintf(hdr_path, sizeof hdr_path, "%s/pw.hdr", h->dir);
    snprintf(code_path, sizeof code_path, "%s/pw.code", h->dir);
    unlink(out_path);
    unlink(hdr_path);
    snprintf(script, sizeof script,
             "curl -sS --proto =https --cacert '%s' -o '%s' -D '%s' -w '%%{http_code}' "
             "-H 'Origin: %s' %s",
             h->ca, out_path, hdr_path, base ? base : h->url, args);
    assert_int_equal(h_sh(script, code_path, NULL), 0);
    char *code = am_test_read_file(code_path, NULL);
    p.status = code ? atol(code) : 0;
    free(code);
    p.body = am_test_read_file(out_path, NULL);
    if (!p.body)
        p.body = strdup("");
    p.headers = am_test_read_file(hdr_path, NULL);
    if (!p.headers)
        p.headers = strdup("");
    return p;
}

static page fetch(harness *h, const char *args)
{
    return fetch_at(h, NULL, args);
}

static void cmd(harness *h, const char *const *args, char *out, size_t outlen)
{
    if (h_hub_cmd(h, args, out, outlen) != 0) {
        char err_path[700];
        snprintf(err_path, sizeof err_path, "%s/cmd.err", h->dir);
        char *err = am_test_read_file(err_path, NULL);
        fail_msg("%s %s: %s", args[0], args[1], err ? err : "");
    }
}

/* The path ("/password/CODE") of the link a command printed. */
static void link_of(const char *out, char *path, size_t pathlen)
{
    char line[512];
    h_field(out, "password_link: ", line, sizeof line);
    const char *p = strstr(line, "/password/");
    assert_non_null(p);
    assert_int_equal(strlen(p), strlen("/password/") + 43);
    snprintf(path, pathlen, "%s", p);
    char when[64];
    h_field(out, "password_link_expires: ", when, sizeof when);
    assert_int_equal(strlen(when), 20); /* 2026-12-03T10:00:00Z */
}

/* A site and a manager of it, `name`; *path gets their first link. */
static void add_person(harness *h, const char *name, char *path, size_t pathlen)
{
    char out[2048];
    const char *site[] = {"site",       "add", "a",          "--name", "Site A",
                          "--timezone", "UTC", "--currency", "GBP",    NULL};
    if (h_hub_cmd(h, site, out, sizeof out) != 0) {
        /* already there: a second person */
    }
    const char *add[] = {"person", "add", name, "--role", "manager", "--site", "a", NULL};
    cmd(h, add, out, sizeof out);
    assert_non_null(strstr(out, "role: manager"));
    link_of(out, path, pathlen);
}

static void new_link(harness *h, const char *name, char *path, size_t pathlen)
{
    char out[2048];
    const char *args[] = {"person", "password-link", name, NULL};
    cmd(h, args, out, sizeof out);
    link_of(out, path, pathlen);
}

static page set_password(harness *h, const char *path, const char *pw, const char *again)
{
    char args[2048];
    snprintf(args, sizeof args, "--data-urlencode 'password=%s' --data-urlencode 'again=%s' '%s%s'",
             pw, again, h->url, path);
    return fetch(h, args);
}

static page sign_in_at(harness *h, const char *base, const char *name, const char *pw)
{
    char args[2048];
    snprintf(args, sizeof args,
             "--data-urlencode 'name=%s' --data-urlencode 'password=%s' '%s/login'", name, pw,
             base ? base : h->url);
    return fetch_at(h, base, args);
}

static page sign_in(harness *h, const char *name, const char *pw)
{
    return sign_in_at(h, NULL, name, pw);
}

/* Signs in; the session cookie ("amends_session=...") into cookie. */
static void session(harness *h, const char *base, const char *name, const char *pw, char *cookie,
                    size_t cookielen)
{
    page p = sign_in_at(h, base, name, pw);
    if (p.status != 303)
        fail_msg("sign-in as %s: %ld %.500s", name, p.status, p.body);
    const char *set = strstr(p.headers, "amends_session=");
    assert_non_null(set);
    size_t n = strcspn(set, ";");
    assert_true(n < cookielen);
    snprintf(cookie, cookielen, "%.*s", (int)n, set);
    page_free(&p);
}

/* GET / with the cookie: 200 when the session stands, 303 to /login when
 * not. The CSRF token into csrf when given. */
static long dashboard_at(harness *h, const char *base, const char *cookie, char *csrf,
                         size_t csrflen)
{
    char args[1024];
    snprintf(args, sizeof args, "-b '%s' '%s/'", cookie, base ? base : h->url);
    page p = fetch_at(h, base, args);
    long status = p.status;
    if (csrf && status == 200) {
        const char *c = strstr(p.body, "name=\"csrf\" value=\"");
        assert_non_null(c);
        c += strlen("name=\"csrf\" value=\"");
        snprintf(csrf, csrflen, "%.*s", (int)strcspn(c, "\""), c);
    }
    page_free(&p);
    return status;
}

/* Sets an expiry in the past, as the clock will have it in a day: the
 * database is changed from outside, the hub's clock is left alone. */
static void expire_links(harness *h)
{
    char script[2048];
    const char *sql = "UPDATE password_links SET expires_at = 1000";
    if (h->use_pg)
        snprintf(script, sizeof script,
                 "psql -q -h '%s' -p %d -U amends -d postgres -v ON_ERROR_STOP=1 -c '%s'",
                 h->pg.dir, h->pg.port, sql);
    else
        snprintf(script, sizeof script, "sqlite3 '%s/hub.db' '%s'", h->dir, sql);
    assert_int_equal(h_sh(script, NULL, NULL), 0);
}

/* --- set-password links ------------------------------------------------------------------- */

static void links_set_a_password_once(void **state)
{
    harness *h = *state;
    char path[128], args[1024], tampered[128];
    add_person(h, "mona", path, sizeof path);

    /* No password yet: signing in fails as any mismatch does. */
    page p = sign_in(h, "mona", GOOD);
    assert_int_equal(p.status, 401);
    page_free(&p);

    snprintf(args, sizeof args, "'%s%s'", h->url, path);
    p = fetch(h, args);
    assert_int_equal(p.status, 200);
    assert_non_null(strstr(p.body, "Set your password"));
    assert_non_null(strstr(p.body, "<b>mona</b>"));
    assert_non_null(strstr(p.headers, "no-store"));
    page_free(&p);

    /* Refusals, each with its reason, and the link still good after. */
    const struct {
        const char *pw, *again, *says;
    } bad[] = {
        {"short one", "short one", "too short"},
        {"password12345", "password12345", "too common"},
        {"Sunshine2026!!", "Sunshine2026!!", "too common"},
        {GOOD, GOOD2, "differ"},
        {"", "", "Enter the new password twice"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = set_password(h, path, bad[i].pw, bad[i].again);
        if (p.status != 422 || !strstr(p.body, bad[i].says))
            fail_msg("case %zu: %ld %.800s", i, p.status, p.body);
        assert_non_null(strstr(p.body, "id=\"password-error\""));
        page_free(&p);
    }
    p = sign_in(h, "mona", "password12345");
    assert_int_equal(p.status, 401);
    page_free(&p);

    /* A tampered link (one character changed) is unknown and changes nothing. */
    snprintf(tampered, sizeof tampered, "%s", path);
    size_t last = strlen(tampered) - 1;
    tampered[last] = tampered[last] == 'A' ? 'B' : 'A';
    p = set_password(h, tampered, GOOD2, GOOD2);
    assert_int_equal(p.status, 404);
    assert_non_null(strstr(p.body, "This link is not valid"));
    page_free(&p);
    snprintf(args, sizeof args, "'%s/password/not-a-code'", h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 404);
    page_free(&p);

    /* The real one sets it. */
    p = set_password(h, path, GOOD, GOOD);
    if (p.status != 200)
        fail_msg("set: %ld %.800s", p.status, p.body);
    assert_non_null(strstr(p.body, "id=\"password-set\""));
    page_free(&p);

    /* Used: both ways refused with a reason, and the password stays. */
    p = set_password(h, path, GOOD2, GOOD2);
    assert_int_equal(p.status, 410);
    assert_non_null(strstr(p.body, "This link has been used"));
    page_free(&p);
    snprintf(args, sizeof args, "'%s%s'", h->url, path);
    p = fetch(h, args);
    assert_int_equal(p.status, 410);
    assert_null(strstr(p.body, "<form method=\"post\" action=\"/password/"));
    page_free(&p);
    p = sign_in(h, "mona", GOOD2);
    assert_int_equal(p.status, 401);
    page_free(&p);
    p = sign_in(h, "mona", GOOD);
    assert_int_equal(p.status, 303);
    page_free(&p);

    /* A new link replaces the unused one before it; an expired one is
     * refused with its time and changes nothing. */
    char first[128], second[128];
    new_link(h, "mona", first, sizeof first);
    new_link(h, "mona", second, sizeof second);
    p = set_password(h, first, GOOD2, GOOD2);
    assert_int_equal(p.status, 404);
    page_free(&p);
    expire_links(h);
    snprintf(args, sizeof args, "'%s%s'", h->url, second);
    p = fetch(h, args);
    assert_int_equal(p.status, 410);
    assert_non_null(strstr(p.body, "This link has expired"));
    assert_non_null(strstr(p.body, "(UTC)"));
    page_free(&p);
    p = set_password(h, second, GOOD2, GOOD2);
    assert_int_equal(p.status, 410);
    page_free(&p);
    p = sign_in(h, "mona", GOOD);
    assert_int_equal(p.status, 303);
    page_free(&p);

    /* No password and no link code reached the log. */
    char *log = am_test_read_file(h->hub.log, NULL);
    assert_non_null(log);
    assert_null(strstr(log, GOOD));
    assert_null(strstr(log, GOOD2));
    assert_null(strstr(log, "Sunshine"));
    assert_null(strstr(log, path + strlen("/password/")));
    assert_null(strstr(log, second + strlen("/password/")));
    free(log);

    /* Unknown people get no link. */
    const char *nobody[] = {"person", "password-link", "nobody", NULL};
    char out[1024];
    assert_int_equal(h_hub_cmd(h, nobody, out, sizeof out), 1);
}

/* --- signing in ------------------------------------------------------------------------------ */

static void wrong_name_and_wrong_password_look_alike(void **state)
{
    harness *h = *state;
    char path[128];
    add_person(h, "mona", path, sizeof path);
    page p = set_password(h, path, GOOD, GOOD);
    assert_int_equal(p.status, 200);
    page_free(&p);

    page wrong_pw = sign_in(h, "mona", GOOD2);
    page wrong_name = sign_in(h, "nobody", GOOD2);
    page no_password = sign_in(h, "boss", GOOD2); /* exists, never set one */
    assert_int_equal(wrong_pw.status, 401);
    assert_int_equal(wrong_name.status, 401);
    assert_int_equal(no_password.status, 401);
    assert_string_equal(wrong_pw.body, wrong_name.body);
    assert_string_equal(wrong_pw.body, no_password.body);
    assert_non_null(strstr(wrong_pw.body, "That name and password do not match"));
    assert_null(strstr(wrong_pw.headers, "amends_session="));
    page_free(&wrong_pw);
    page_free(&wrong_name);
    page_free(&no_password);

    /* The name is case-sensitive, as the command line made it. */
    p = sign_in(h, "Mona", GOOD);
    assert_int_equal(p.status, 401);
    page_free(&p);
    /* Token sign-in stays, for scripts. */
    char args[1024];
    snprintf(args, sizeof args, "--data-urlencode 'token=%s' '%s/login'", h->mgr_token, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 303);
    page_free(&p);
    /* The form asks for a name and a password. */
    snprintf(args, sizeof args, "'%s/login'", h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 200);
    assert_non_null(strstr(p.body, "name=\"name\""));
    assert_non_null(strstr(p.body, "autocomplete=\"current-password\""));
    page_free(&p);
}

static void lockout_survives_a_restart(void **state)
{
    harness *h = *state;
    char path[128], cookie[128];
    add_person(h, "mona", path, sizeof path);
    page p = set_password(h, path, GOOD, GOOD);
    assert_int_equal(p.status, 200);
    page_free(&p);

    /* lockout_failures = 3: two wrong passwords, and the right one still works... */
    for (int i = 0; i < 2; i++) {
        p = sign_in(h, "mona", GOOD2);
        assert_int_equal(p.status, 401);
        page_free(&p);
    }
    session(h, NULL, "mona", GOOD, cookie, sizeof cookie);
    /* ...which starts the count again: three more lock the name. */
    for (int i = 0; i < 3; i++) {
        p = sign_in(h, "mona", GOOD2);
        assert_int_equal(p.status, 401);
        page_free(&p);
    }
    p = sign_in(h, "mona", GOOD);
    assert_int_equal(p.status, 429);
    assert_non_null(strstr(p.body, "Too many failed sign-ins for this name or from this address"));
    assert_null(strstr(p.headers, "amends_session="));
    assert_non_null(strstr(p.headers, "Retry-After: "));
    char *lock_text = strdup(p.body);
    page_free(&p);

    /* A name nobody has locks the same way, with the same page. */
    for (int i = 0; i < 3; i++) {
        p = sign_in(h, "nobody", GOOD2);
        assert_int_equal(p.status, 401);
        page_free(&p);
    }
    p = sign_in(h, "nobody", GOOD2);
    assert_int_equal(p.status, 429);
    assert_string_equal(p.body, lock_text);
    page_free(&p);
    free(lock_text);

    /* The hub restarts: the lock holds (it is in the database). */
    assert_int_equal(h_hub_stop(&h->hub, 10000), 0);
    h_hub_start(h);
    p = sign_in(h, "mona", GOOD);
    assert_int_equal(p.status, 429);
    page_free(&p);
    /* Others sign in as before. */
    char boss_link[128], boss_cookie[128];
    new_link(h, "boss", boss_link, sizeof boss_link);
    p = set_password(h, boss_link, GOOD2, GOOD2);
    assert_int_equal(p.status, 200);
    page_free(&p);
    session(h, NULL, "boss", GOOD2, boss_cookie, sizeof boss_cookie);

    /* A new password (a reset link) lifts the lock. */
    new_link(h, "mona", path, sizeof path);
    p = set_password(h, path, GOOD2, GOOD2);
    assert_int_equal(p.status, 200);
    page_free(&p);
    session(h, NULL, "mona", GOOD2, cookie, sizeof cookie);
}

static void lockout_per_address(void **state)
{
    harness *h = *state;
    char path[128];
    add_person(h, "mona", path, sizeof path);
    page p = set_password(h, path, GOOD, GOOD);
    assert_int_equal(p.status, 200);
    page_free(&p);
    /* lockout_address_failures = 4, each try a different name. */
    for (int i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "guess%d", i);
        p = sign_in(h, name, GOOD2);
        assert_int_equal(p.status, 401);
        page_free(&p);
    }
    p = sign_in(h, "mona", GOOD);
    assert_int_equal(p.status, 429);
    page_free(&p);
    assert_int_equal(h_hub_stop(&h->hub, 10000), 0);
    h_hub_start(h);
    p = sign_in(h, "mona", GOOD);
    assert_int_equal(p.status, 429);
    page_free(&p);
}

/* --- signing out ---------------------------------------------------------------------------- */

static void sign_out_here_and_everywhere(void **state)
{
    harness *h = *state;
    char path[128], one[128], two[128], three[128], csrf[64], args[1024];
    add_person(h, "mona", path, sizeof path);
    page p = set_password(h, path, GOOD, GOOD);
    assert_int_equal(p.status, 200);
    page_free(&p);

    /* Sign out: this session ends, the other stands. */
    session(h, NULL, "mona", GOOD, one, sizeof one);
    session(h, NULL, "mona", GOOD, two, sizeof two);
    assert_int_equal(dashboard_at(h, NULL, one, csrf, sizeof csrf), 200);
    snprintf(args, sizeof args, "-b '%s' --data 'csrf=%s' '%s/logout'", one, csrf, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 303);
    assert_non_null(strstr(p.headers, "amends_session=; Path=/; Max-Age=0"));
    page_free(&p);
    assert_int_equal(dashboard_at(h, NULL, one, NULL, 0), 303);
    assert_int_equal(dashboard_at(h, NULL, two, NULL, 0), 200);

    /* Sign out everywhere, from a third: every one of mona's ends; boss's stands. */
    char boss[128];
    char boss_link[128];
    new_link(h, "boss", boss_link, sizeof boss_link);
    p = set_password(h, boss_link, GOOD2, GOOD2);
    assert_int_equal(p.status, 200);
    page_free(&p);
    session(h, NULL, "boss", GOOD2, boss, sizeof boss);
    session(h, NULL, "mona", GOOD, three, sizeof three);
    assert_int_equal(dashboard_at(h, NULL, three, csrf, sizeof csrf), 200);
    /* Without the CSRF token it is refused and nothing ends. */
    snprintf(args, sizeof args, "-b '%s' --data 'csrf=x' '%s/logout/everywhere'", three, h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 403);
    page_free(&p);
    assert_int_equal(dashboard_at(h, NULL, two, NULL, 0), 200);
    snprintf(args, sizeof args, "-b '%s' --data 'csrf=%s' '%s/logout/everywhere'", three, csrf,
             h->url);
    p = fetch(h, args);
    assert_int_equal(p.status, 303);
    page_free(&p);
    assert_int_equal(dashboard_at(h, NULL, two, NULL, 0), 303);
    assert_int_equal(dashboard_at(h, NULL, three, NULL, 0), 303);
    assert_int_equal(dashboard_at(h, NULL, boss, NULL, 0), 200);

    /* With two hubs on one database (PostgreSQL), signing out on one ends
     * the session on the other. */
    if (h->use_pg) {
        char url2[128], four[128];
        h_hub_launch(h, &h->hub2, "hub2");
        snprintf(url2, sizeof url2, "https://127.0.0.1:%d", h->hub2.port);
        session(h, NULL, "mona", GOOD, four, sizeof four);
        assert_int_equal(dashboard_at(h, url2, four, csrf, sizeof csrf), 200);
        snprintf(args, sizeof args, "-b '%s' --data 'csrf=%s' '%s/logout'", four, csrf, h->url);
        p = fetch(h, args);
        assert_int_equal(p.status, 303);
        page_free(&p);
        assert_int_equal(dashboard_at(h, url2, four, NULL, 0), 303);
    }
}

/* --- in a real browser ------------------------------------------------------------------------ */

#define CHROMIUM "/usr/bin/chromium"

/* Screenshot (or, with dom_path, the DOM) of url in headless chromium,
 * as in test_hub_dashboard.c: a fresh profile, the test CA ignored. */
static void chromium(harness *h, const char *profile, const char *url, const char *png,
                     const char *dom_path, int width, int height)
{
    char script[4096], what[1024], err_path[700];
    if (dom_path)
        snprintf(what, sizeof what, "--dump-dom");
    else
        snprintf(what, sizeof what, "--screenshot='%s' --window-size=%d,%d --hide-scrollbars", png,
                 width, height);
    snprintf(script, sizeof script,
             "timeout 90 " CHROMIUM " --headless --no-sandbox --disable-gpu "
             "--disable-background-networking --disable-component-update --disable-sync "
             "--no-first-run --user-data-dir='%s/chrome-%s' --ignore-certificate-errors %s '%s'",
             h->dir, profile, what, url);
    snprintf(err_path, sizeof err_path, "%s/chrome.err", h->dir);
    if (png)
        unlink(png);
    assert_int_equal(h_sh(script, dom_path, err_path), 0);
    if (png) {
        size_t len = 0;
        char *data = am_test_read_file(png, &len);
        if (!data) {
            char *err = am_test_read_file(err_path, NULL);
            fail_msg("no screenshot of %s; chromium said:\n%.3000s", url, err ? err : "");
        }
        assert_memory_equal(data, "\x89PNG", 4);
        assert_true(len > 5000);
        free(data);
    }
}

/* The sign-in and set-password pages as a person meets them: laptop and
 * phone widths, kept in the build tree for a person to look at. */
static void pages_in_chromium(void **state)
{
    harness *h = *state;
    if (!h) {
        print_message("chromium is not installed (" CHROMIUM "): skipped\n");
        skip();
    }
    char path[128], url[1024], dom_path[700];
    add_person(h, "mona", path, sizeof path);
    snprintf(url, sizeof url, "%s/login", h->url);
    chromium(h, "login", url, AM_BINARY_DIR "/tests/login.png", NULL, 1280, 800);
    chromium(h, "login-phone", url, AM_BINARY_DIR "/tests/login-phone.png", NULL, 390, 844);
    snprintf(url, sizeof url, "%s%s", h->url, path);
    snprintf(dom_path, sizeof dom_path, "%s/set.html", h->dir);
    chromium(h, "set-dom", url, NULL, dom_path, 0, 0);
    char *dom = am_test_read_file(dom_path, NULL);
    assert_non_null(dom);
    assert_non_null(strstr(dom, "Set your password"));
    assert_non_null(strstr(dom, "autocomplete=\"new-password\""));
    assert_null(strstr(dom, "<script"));
    free(dom);
    chromium(h, "set", url, AM_BINARY_DIR "/tests/set-password.png", NULL, 1280, 800);
    chromium(h, "set-phone", url, AM_BINARY_DIR "/tests/set-password-phone.png", NULL, 390, 844);
    /* A refused password, as the page shows it. */
    page p = set_password(h, path, "short one", "short one");
    assert_int_equal(p.status, 422);
    snprintf(dom_path, sizeof dom_path, "%s/refused.html", h->dir);
    h_write(dom_path, p.body);
    page_free(&p);
    snprintf(url, sizeof url, "file://%s", dom_path);
    chromium(h, "refused", url, AM_BINARY_DIR "/tests/set-password-refused.png", NULL, 1280, 800);
}

static int setup_browser(void **state)
{
    if (access(CHROMIUM, X_OK) != 0) {
        *state = NULL;
        return 0;
    }
    return h_setup(state, false, RELAXED);
}

/* --- setups ---------------------------------------------------------------------------------- */

/* Refused links count against the address's allowance
 * (dashboard.login_fail_*): these tests make more than the default 5. */
static int setup_sqlite(void **state)
{
    return h_setup(state, false, RELAXED);
}

static int setup_pg(void **state)
{
    return h_setup(state, true, RELAXED);
}

/* The [dashboard] keys go after [hub]: h_write_conf puts extra_hub there,
 * and a section header in it starts the new section. */
static int setup_lock_sqlite(void **state)
{
    return h_setup(state, false, RELAXED "lockout_failures = 3\n");
}

static int setup_lock_pg(void **state)
{
    return h_setup(state, true, RELAXED "lockout_failures = 3\n");
}

static int setup_addr_lock(void **state)
{
    return h_setup(state, false, RELAXED "lockout_address_failures = 4\n");
}

static void links_set_a_password_once_postgresql(void **state)
{
    links_set_a_password_once(state);
}

static void lockout_survives_a_restart_postgresql(void **state)
{
    lockout_survives_a_restart(state);
}

static void sign_out_here_and_everywhere_postgresql(void **state)
{
    sign_out_here_and_everywhere(state);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(password_rules),
    cmocka_unit_test(every_command_is_documented),
    cmocka_unit_test_setup_teardown(links_set_a_password_once, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(links_set_a_password_once_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(wrong_name_and_wrong_password_look_alike, setup_sqlite,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(lockout_survives_a_restart, setup_lock_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(lockout_survives_a_restart_postgresql, setup_lock_pg,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(lockout_per_address, setup_addr_lock, h_teardown),
    cmocka_unit_test_setup_teardown(sign_out_here_and_everywhere, setup_sqlite, h_teardown),
    cmocka_unit_test_setup_teardown(sign_out_here_and_everywhere_postgresql, setup_pg, h_teardown),
    cmocka_unit_test_setup_teardown(pages_in_chromium, setup_browser, h_teardown),
};

AM_TEST_MAIN(tests)
