/* test_hub_cli.c — amends-hub as an operator meets it: --help and
 * --version, provisioning, configuration mistakes named FILE:LINE, the
 * plain-HTTP rule, and tokens kept only as hashes. */
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
        {"[hubs]\nx = 1\n", "2: hubs: unknown section (expected [hub], [dashboard] or [db])"},
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
    cmocka_unit_test_setup_teardown(provisioning_prints_once_and_stores_hashes, setup_dir,
                                    h_teardown),
    cmocka_unit_test_setup_teardown(config_mistakes_name_file_and_line, setup_dir, h_teardown),
    cmocka_unit_test_setup_teardown(plain_http_only_on_loopback, setup_dir, h_teardown),
};

AM_TEST_MAIN(tests)
