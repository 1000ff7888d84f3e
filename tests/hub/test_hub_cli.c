/* test_hub_cli.c — amends-hub as an operator meets it: --help and
 * --version, provisioning, configuration mistakes named FILE:LINE, the
 * plain-HTTP rule, and tokens kept only as hashes. */
#include <cjson/cJSON.h>

#include "hub_harness.h"

static int setup_dir(void **state)
{
    harness *h = calloc(1, sizeof *h);
    *state = h;
    am_test_tmpdir(h->dir, sizeof h->dir, "hub-cli");
    h_make_certs(h);
    h_write_conf(h, NULL);
    return 0;
}

static bool contains(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    }
    return false;
}

static char *run_hub(harness *h, const char *const *args, int *status, char **err_text)
{
    char out[8192];
    *status = h_hub_cmd(h, args, out, sizeof out);
    char err_path[700];
    snprintf(err_path, sizeof err_path, "%s/cmd.err", h->dir);
    *err_text = am_test_read_file(err_path, NULL);
    assert_non_null(*err_text);
    return strdup(out);
}

static void help_and_version_everywhere(void **state)
{
    harness *h = *state;
    int status;
    char *err;
    struct {
        const char *args[4];
        const char *expect;
    } cases[] = {
        {{"--help", NULL}, "usage: amends-hub [--config FILE] [COMMAND ...]"},
        {{"--version", NULL}, "amends-hub 0."},
        {{"kiosk", "--help", NULL}, "usage: amends-hub [--config FILE] kiosk add ID"},
        {{"kiosk", "add", "--help", NULL}, "usage: amends-hub [--config FILE] kiosk add ID"},
        {{"manager", "--help", NULL}, "usage: amends-hub [--config FILE] manager add NAME"},
        {{"manager", "add", "--help", NULL}, "usage: amends-hub [--config FILE] manager add NAME"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *out = run_hub(h, cases[i].args, &status, &err);
        assert_int_equal(status, 0);
        if (!strstr(out, cases[i].expect))
            fail_msg("%s: got '%s'", cases[i].args[0], out);
        free(out);
        free(err);
    }
    const char *bogus[] = {"frobnicate", NULL};
    char *out = run_hub(h, bogus, &status, &err);
    assert_int_equal(status, 2);
    assert_non_null(strstr(err, "unknown command or option 'frobnicate'"));
    free(out);
    free(err);
}

/* Every command `amends-hub --help` lists ("  kiosk add ...") is described
 * in docs/hub.md and in the manual page (where '-' is written '\-'). */
static void every_command_is_documented(void **state)
{
    harness *h = *state;
    int status;
    char *err;
    const char *help[] = {"--help", NULL};
    char *out = run_hub(h, help, &status, &err);
    assert_int_equal(status, 0);
    size_t md_len = 0, man_len = 0;
    char *md = am_test_read_file(AM_SOURCE_DIR "/docs/hub.md", &md_len);
    char *man = am_test_read_file(AM_SOURCE_DIR "/docs/man/amends-hub.8", &man_len);
    assert_non_null(md);
    assert_non_null(man);
    const char *p = strstr(out, "\ncommands:\n");
    assert_non_null(p);
    int checked = 0;
    for (p = strchr(p + 1, '\n') + 1; p[0] == ' ' && p[1] == ' '; p = strchr(p, '\n') + 1) {
        char word[32], sub[32], both[80], man_both[160];
        if (p[2] == ' ' || sscanf(p, " %31[a-z] %31[a-z-]", word, sub) != 2)
            continue; /* a continued line */
        snprintf(both, sizeof both, "%s %s", word, sub);
        size_t n = 0;
        for (const char *c = both; *c && n + 3 < sizeof man_both; c++) {
            if (*c == '-')
                man_both[n++] = '\\';
            man_both[n++] = *c;
        }
        man_both[n] = '\0';
        if (!contains(md, md_len, both))
            fail_msg("docs/hub.md does not describe '%s'", both);
        if (!contains(man, man_len, man_both))
            fail_msg("docs/man/amends-hub.8 does not describe '%s'", both);
        checked++;
    }
    assert_true(checked >= 20);
    free(md);
    free(man);
    free(out);
    free(err);
}

static void provisioning_prints_once_and_stores_hashes(void **state)
{
    harness *h = *state;
    int status;
    char *err;
    const char *add[] = {"kiosk", "add", "lobby-1", NULL};
    char *out = run_hub(h, add, &status, &err);
    assert_int_equal(status, 0);
    char token[128], secret[128];
    h_field(out, "token: ", token, sizeof token);
    h_field(out, "secret: ", secret, sizeof secret);
    assert_true(strncmp(token, "amk_", 4) == 0 && strlen(token) == 47);
    uint8_t key[AM_WEBHOOK_KEY_MAX];
    size_t keylen;
    assert_int_equal(am_webhook_secret_parse(secret, key, &keylen), AM_OK);
    assert_int_equal(keylen, 32);
    free(out);
    free(err);

    out = run_hub(h, add, &status, &err); /* the same id again */
    assert_int_equal(status, 1);
    assert_non_null(strstr(err, "kiosk 'lobby-1' already exists"));
    free(out);
    free(err);
    const char *bad_id[] = {"kiosk", "add", "lobby 1", NULL};
    out = run_hub(h, bad_id, &status, &err);
    assert_int_equal(status, 2);
    assert_non_null(strstr(err, "'lobby 1' is not a kiosk id"));
    free(out);
    free(err);

    const char *mgr[] = {"manager", "add", "night-manager", NULL};
    out = run_hub(h, mgr, &status, &err);
    assert_int_equal(status, 0);
    char mtoken[128];
    h_field(out, "token: ", mtoken, sizeof mtoken);
    assert_true(strncmp(mtoken, "amm_", 4) == 0);
    free(out);
    free(err);

    /* The database holds neither token, only their hashes. */
    char db[700];
    size_t len = 0;
    snprintf(db, sizeof db, "%s/hub.db", h->dir);
    char *bytes = am_test_read_file(db, &len);
    assert_non_null(bytes);
    assert_true(contains(bytes, len, "lobby-1")); /* the file is readable as searched */
    assert_false(contains(bytes, len, token + 4));
    assert_false(contains(bytes, len, mtoken + 4));
    free(bytes);

    const char *list[] = {"kiosk", "list", NULL};
    out = run_hub(h, list, &status, &err);
    assert_int_equal(status, 0);
    assert_non_null(strstr(out, "\"id\":\t\"lobby-1\""));
    assert_null(strstr(out, "token"));
    free(out);
    free(err);
}

/* Runs the command, checks its exit status and (when given) that stdout
 * or stderr holds `expect`. */
static void expect_cmd(harness *h, const char *const *args, int want_status, const char *expect)
{
    int status;
    char *err;
    char *out = run_hub(h, args, &status, &err);
    if (status != want_status || (expect && !strstr(out, expect) && !strstr(err, expect)))
        fail_msg("%s %s %s: status %d (want %d), out '%s', err '%s' (want '%s')", args[0],
                 args[1] ? args[1] : "", args[1] && args[2] ? args[2] : "", status, want_status,
                 out, err, expect ? expect : "");
    free(out);
    free(err);
}

/* A hotel group set up from the command line: sites with their zone and
 * currency, teams, kiosks placed at a site; every mistake named. */
static void sites_teams_and_kiosks_from_the_command_line(void **state)
{
    harness *h = *state;
    const char *harbour[] = {
        "site",       "add",           "harbour",    "--name", "Harbour View Hotel",
        "--timezone", "Europe/London", "--currency", "GBP",    NULL};
    expect_cmd(h, harbour, 0, "site: harbour");
    const char *lyon[] = {"site",       "add",          "lyon",       "--name", "Hôtel du Parc",
                          "--timezone", "Europe/Paris", "--currency", "EUR",    NULL};
    expect_cmd(h, lyon, 0, "site: lyon");
    expect_cmd(h, harbour, 1, "site 'harbour' already exists");
    const char *bad_zone[] = {"site",       "add",       "x",          "--name", "X",
                              "--timezone", "Mars/Base", "--currency", "GBP",    NULL};
    expect_cmd(h, bad_zone, 2, "--timezone 'Mars/Base' is not a time zone");
    const char *sneaky_zone[] = {
        "site",       "add", "x", "--name", "X", "--timezone", "../../etc/passwd",
        "--currency", "GBP", NULL};
    expect_cmd(h, sneaky_zone, 2, "is not a time zone");
    const char *bad_cur[] = {"site",       "add",           "x",          "--name", "X",
                             "--timezone", "Europe/London", "--currency", "gbp",    NULL};
    expect_cmd(h, bad_cur, 2, "--currency 'gbp' is not an ISO 4217 code");
    const char *no_cur[] = {"site", "add", "x", "--name", "X", "--timezone", "UTC", NULL};
    expect_cmd(h, no_cur, 2, "--name, --timezone and --currency are all needed");
    const char *twice[] = {"site", "add", "x", "--name", "X", "--name", "Y", NULL};
    expect_cmd(h, twice, 2, "--name given twice");
    const char *stray[] = {"site", "add", "x", "--colour", "blue", NULL};
    expect_cmd(h, stray, 2, "unknown option or extra argument '--colour'");
    const char *bad_id[] = {"site",       "add", "a b",        "--name", "X",
                            "--timezone", "UTC", "--currency", "GBP",    NULL};
    expect_cmd(h, bad_id, 2, "'a b' is not a valid site id");

    const char *teams[][7] = {
        {"team", "add", "harbour", "housekeeping", "--name", "Housekeeping", NULL},
        {"team", "add", "harbour", "front-desk", "--name", "Front desk", NULL},
        {"team", "add", "lyon", "housekeeping", "--name", "Ménage", NULL},
        {"team", "add", "lyon", "maintenance", "--name", "Maintenance", NULL},
    };
    for (size_t i = 0; i < 4; i++)
        expect_cmd(h, teams[i], 0, "team: ");
    expect_cmd(h, teams[0], 1, "site 'harbour' has a team 'housekeeping' already");
    const char *nosite[] = {"team", "add", "nowhere", "hk", "--name", "HK", NULL};
    expect_cmd(h, nosite, 1, "no site 'nowhere'");
    const char *noname[] = {"team", "add", "harbour", "hk", NULL};
    expect_cmd(h, noname, 2, "--name is needed");

    const char *k_harbour[] = {"kiosk", "add", "lobby-1", "--site", "harbour", NULL};
    expect_cmd(h, k_harbour, 0, "token: amk_");
    const char *k_default[] = {"kiosk", "add", "old-1", NULL};
    expect_cmd(h, k_default, 0, "token: amk_");
    const char *k_nosite[] = {"kiosk", "add", "lost-1", "--site", "nowhere", NULL};
    expect_cmd(h, k_nosite, 1, "no site 'nowhere'");

    /* The default site gets its zone and currency later. */
    const char *set[] = {"site", "set",        "default",       "--currency",
                         "CHF",  "--timezone", "Europe/Zurich", NULL};
    expect_cmd(h, set, 0, "site: default");
    const char *set_none[] = {"site", "set", "nowhere", "--currency", "CHF", NULL};
    expect_cmd(h, set_none, 1, "no site 'nowhere'");

    const char *list[] = {"site", "list", NULL};
    int status;
    char *err;
    char *out = run_hub(h, list, &status, &err);
    assert_int_equal(status, 0);
    cJSON *sites = cJSON_Parse(out);
    assert_non_null(sites);
    assert_int_equal(cJSON_GetArraySize(sites), 3);
    const struct {
        const char *id, *name, *zone, *currency;
        int kiosks, teams;
    } want[] = {
        {"default", "Default site", "Europe/Zurich", "CHF", 1, 0},
        {"harbour", "Harbour View Hotel", "Europe/London", "GBP", 1, 2},
        {"lyon", "Hôtel du Parc", "Europe/Paris", "EUR", 0, 2},
    };
    for (int i = 0; i < 3; i++) {
        const cJSON *site = cJSON_GetArrayItem(sites, i);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(site, "id")), want[i].id);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(site, "name")), want[i].name);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(site, "timezone")),
                            want[i].zone);
        assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(site, "currency")),
                            want[i].currency);
        assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(site, "kiosks")), want[i].kiosks);
        assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(site, "teams")), want[i].teams);
    }
    const cJSON *hk =
        cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetArrayItem(sites, 2), "teams"), 0);
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(hk, "id")), "housekeeping");
    assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(hk, "name")), "Ménage");
    cJSON_Delete(sites);
    free(out);
    free(err);

    const char *kiosks[] = {"kiosk", "list", NULL};
    out = run_hub(h, kiosks, &status, &err);
    assert_int_equal(status, 0);
    cJSON *fleet = cJSON_Parse(out);
    assert_non_null(fleet);
    const cJSON *k;
    int seen = 0;
    cJSON_ArrayForEach(k, fleet)
    {
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(k, "id"));
        const char *site = cJSON_GetStringValue(cJSON_GetObjectItem(k, "site"));
        assert_non_null(id);
        assert_non_null(site);
        if (!strcmp(id, "lobby-1")) {
            assert_string_equal(site, "harbour");
            assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(k, "timezone")),
                                "Europe/London");
            seen++;
        } else if (!strcmp(id, "old-1")) {
            assert_string_equal(site, "default");
            seen++;
        } else {
            fail_msg("unexpected kiosk %s", id);
        }
    }
    assert_int_equal(seen, 2);
    cJSON_Delete(fleet);
    free(out);
    free(err);
}

static void config_mistakes_name_file_and_line(void **state)
{
    harness *h = *state;
    struct {
        const char *conf;
        const char *expect; /* after "DIR/hub.conf:" */
    } cases[] = {
        {"[hub]\nlisten = 127.0.0.1:0\ncolour = blue\n", "3: colour: unknown key in [hub]"},
        {"[hub]\nthreads = 0\n", "2: threads: must be a whole number from 1 to 64"},
        {"[hub]\nlisten = localhost:8443\n",
         "2: listen: 'localhost' is not a numeric IPv4 or [IPv6] address"},
        {"[hub]\nlisten = 127.0.0.1:99999\n", "2: listen: port must be 0 to 65535"},
        {"[hub]\nlisten = 0.0.0.0:8080\ntls = off\n[db]\npath = x.db\n",
         "5: tls: plain HTTP is allowed only on a loopback address; 0.0.0.0:8080 is not one"},
        {"[hub]\nlisten = 127.0.0.1:0\n[db]\npath = x.db\n",
         "4: cert: TLS is on (the default) and needs both cert and key in [hub]"},
        {"[hub]\ncert = a\nkey = b\n[db]\nbackend = mysql\n",
         "5: backend: must be sqlite or postgresql"},
        {"[hub]\ncert = a\nkey = b\n[db]\nbackend = postgresql\n",
         "5: conninfo: [db] backend postgresql needs conninfo"},
        {"[hubs]\nx = 1\n", "2: hubs: unknown section (expected [hub], [dashboard], [audit], "
                            "[cases], [smtp], [notify] or [db])"},
        {"[hub]\nnot an ini line\n", "2: not an INI line"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        h_write(h->conf, cases[i].conf);
        const char *list[] = {"kiosk", "list", NULL};
        int status;
        char *err;
        char *out = run_hub(h, list, &status, &err);
        assert_int_equal(status, 2);
        char want[1200];
        snprintf(want, sizeof want, "amends-hub: %s:%s", h->conf, cases[i].expect);
        if (!strstr(err, want))
            fail_msg("case %zu: expected '%s', got '%s'", i, want, err);
        free(out);
        free(err);
    }
    /* A missing file says so. */
    unlink(h->conf);
    const char *list[] = {"kiosk", "list", NULL};
    int status;
    char *err;
    char *out = run_hub(h, list, &status, &err);
    assert_int_equal(status, 2);
    assert_non_null(strstr(err, "No such file or directory"));
    free(out);
    free(err);
}

static void plain_http_only_on_loopback(void **state)
{
    harness *h = *state;
    char conf[1024];
    snprintf(conf, sizeof conf, "[hub]\nlisten = 127.0.0.1:0\ntls = off\n[db]\npath = hub.db\n");
    h_write(h->conf, conf);
    h_provision(h);
    h_hub_launch(h, &h->hub, "plain");
    char *log = am_test_read_file(h->hub.log, NULL);
    assert_non_null(strstr(log, "ready: http://127.0.0.1:"));
    free(log);
    snprintf(h->url, sizeof h->url, "http://127.0.0.1:%d", h->hub.port);
    am_hub_client *m = h_manager(h, NULL);
    am_hub_reply reply;
    h_get(m, "GET", "/v1/kiosks", &reply);
    assert_int_equal(reply.status, 200);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    assert_int_equal(h_hub_stop(&h->hub, 10000), 0);
}

/* The documented example config is itself valid: only the database it
 * names (under /var/lib) may be missing here. */
static void shipped_config_parses(void **state)
{
    harness *h = *state;
    char *argv[] = {HUB_BIN, "--config", AM_SOURCE_DIR "/config/hub.conf", "kiosk", "list", NULL};
    char err_path[700];
    snprintf(err_path, sizeof err_path, "%s/shipped.err", h->dir);
    int status = am_test_run_program(argv, NULL, err_path);
    char *err = am_test_read_file(err_path, NULL);
    assert_non_null(err);
    if (status == 2 || strstr(err, "hub.conf:"))
        fail_msg("config/hub.conf does not load: %s", err);
    free(err);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(shipped_config_parses, setup_dir, h_teardown),
    cmocka_unit_test_setup_teardown(help_and_version_everywhere, setup_dir, h_teardown),
    cmocka_unit_test_setup_teardown(every_command_is_documented, setup_dir, h_teardown),
    cmocka_unit_test_setup_teardown(provisioning_prints_once_and_stores_hashes, setup_dir,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(sites_teams_and_kiosks_from_the_command_line, setup_dir,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(config_mistakes_name_file_and_line, setup_dir, h_teardown),
    cmocka_unit_test_setup_teardown(plain_http_only_on_loopback, setup_dir, h_teardown),
};

AM_TEST_MAIN(tests)
