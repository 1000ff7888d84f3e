/* test_hub_config.c — hub.conf's keys against their documentation: every
 * key the hub reads has a "### `section.key`" heading in docs/hub.md and
 * a line in config/hub.conf, and every such heading names a key the hub
 * reads. A mistake in any key names the file, the line and the key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "am_test.h"
#include "hub_config.h"

/* True when conf has "key =" (or "; key =") in [section]. */
static bool conf_shows(const char *conf, const char *section, const char *key)
{
    char head[64];
    snprintf(head, sizeof head, "\n[%s]\n", section);
    const char *p = strstr(conf, head);
    if (!p)
        return false;
    p += strlen(head);
    const char *end = strstr(p, "\n[");
    size_t klen = strlen(key);
    for (const char *line = p; line && (!end || line < end);) {
        const char *s = line;
        if (*s == ';' || *s == '#')
            s++;
        while (*s == ' ')
            s++;
        if (!strncmp(s, key, klen) && (s[klen] == ' ' || s[klen] == '='))
            return true;
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    return false;
}

static void every_key_documented(void **state)
{
    (void)state;
    char *doc = am_test_read_file(AM_SOURCE_DIR "/docs/hub.md", NULL);
    char *conf = am_test_read_file(AM_SOURCE_DIR "/config/hub.conf", NULL);
    assert_non_null(doc);
    assert_non_null(conf);
    const char *section, *key;
    size_t count = 0;
    for (size_t i = 0; hub_config_key_at(i, &section, &key); i++, count++) {
        char heading[128];
        snprintf(heading, sizeof heading, "\n### `%s.%s`\n", section, key);
        if (!strstr(doc, heading))
            fail_msg("hub.conf key %s.%s has no '### `%s.%s`' heading in docs/hub.md", section, key,
                     section, key);
        if (!conf_shows(conf, section, key))
            fail_msg("hub.conf key %s.%s is not shown in config/hub.conf", section, key);
    }
    assert_true(count >= 20);

    /* The other way: each heading in the Configuration section is a key. */
    const char *p = strstr(doc, "\n## Configuration\n");
    assert_non_null(p);
    const char *end = strstr(p + 1, "\n## ");
    size_t headings = 0;
    while ((p = strstr(p, "\n### `")) != NULL && (!end || p < end)) {
        p += strlen("\n### `");
        size_t n = strcspn(p, "`");
        bool known = false;
        for (size_t i = 0; hub_config_key_at(i, &section, &key); i++) {
            char name[128];
            snprintf(name, sizeof name, "%s.%s", section, key);
            known = known || (strlen(name) == n && !strncmp(p, name, n));
        }
        if (!known)
            fail_msg("docs/hub.md documents '%.*s', which the hub does not read", (int)n, p);
        headings++;
    }
    assert_int_equal(headings, count);
    free(doc);
    free(conf);
}

/* A bad value in a key of each kind says FILE:LINE: key: why. */
static void bad_values_name_file_line_and_key(void **state)
{
    (void)state;
    char dir[512], path[600], err[1024], want[800];
    am_test_tmpdir(dir, sizeof dir, "hub-config");
    snprintf(path, sizeof path, "%s/hub.conf", dir);
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"[hub]\ntls = maybe\n", "2: tls: must be on or off"},
        {"[hub]\n\nmax_body_kb = 0\n", "3: max_body_kb: must be a whole number from 1 to 65536"},
        {"[hub]\nrate_per_minute = -1\n",
         "2: rate_per_minute: must be a whole number from 0 (off) to 1000000"},
        {"[hub]\ndrain_timeout_s = 3601\n",
         "2: drain_timeout_s: must be a whole number of seconds from 1 to 3600"},
        {"[hub]\nlog_level = loud\n", "2: log_level: must be debug, info, warn, error or off"},
        {"[dashboard]\nchart_days = 91\n",
         "2: chart_days: must be a whole number of days from 1 to 90"},
        {"[dashboard]\nsession_hours = x\n",
         "2: session_hours: must be a whole number of hours from 1 to 720"},
        {"[db]\npath =\n", "2: path: empty path"},
        {"[db]\nport = 5432\n", "2: port: unknown key in [db]"},
        {"[dashboard]\nlisten = 127.0.0.1:1\n", "2: listen: unknown key in [dashboard]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs(cases[i].text, f);
        fclose(f);
        hub_config cfg;
        assert_int_equal(hub_config_load(path, &cfg, err, sizeof err), AM_ERR_CONFIG);
        snprintf(want, sizeof want, "%s:%s", path, cases[i].expect);
        if (strcmp(err, want) != 0)
            fail_msg("case %zu: expected '%s', got '%s'", i, want, err);
    }
    unlink(path);
    am_test_rmtree(dir);
}

/* Every key of the table reaches its field: the documented example file
 * sets each to a value that is not the default and the config says so. */
static void every_key_reaches_its_field(void **state)
{
    (void)state;
    char dir[512], path[600], err[1024];
    am_test_tmpdir(dir, sizeof dir, "hub-config");
    snprintf(path, sizeof path, "%s/hub.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("[hub]\nlisten = 127.0.0.2:9443\ntls = off\ncert = c.pem\nkey = /k.pem\nthreads = 7\n"
          "max_body_kb = 8\nrate_per_minute = 0\nrate_burst = 9\nvoucher_fail_per_minute = 11\n"
          "voucher_fail_burst = 12\ndrain_timeout_s = 13\nlog_level = warn\n"
          "[dashboard]\nsilent_after_min = 14\nsession_hours = 15\nchart_days = 16\n"
          "login_fail_per_minute = 17\nlogin_fail_burst = 18\n"
          "[db]\nbackend = postgresql\npath = h.db\nconninfo = dbname=x\n",
          f);
    fclose(f);
    hub_config cfg;
    assert_int_equal(hub_config_load(path, &cfg, err, sizeof err), AM_OK);
    char want[700];
    assert_string_equal(cfg.listen, "127.0.0.2:9443");
    assert_true(cfg.loopback);
    assert_false(cfg.tls);
    snprintf(want, sizeof want, "%s/c.pem", dir);
    assert_string_equal(cfg.cert, want);
    assert_string_equal(cfg.key, "/k.pem");
    assert_int_equal(cfg.threads, 7);
    assert_int_equal(cfg.max_body_bytes, 8 * 1024);
    assert_int_equal(cfg.rate_per_minute, 0);
    assert_int_equal(cfg.rate_burst, 9);
    assert_int_equal(cfg.voucher_fail_per_minute, 11);
    assert_int_equal(cfg.voucher_fail_burst, 12);
    assert_int_equal(cfg.drain_timeout_s, 13);
    assert_int_equal(cfg.log_level, AM_LOG_WARN);
    assert_int_equal(cfg.silent_after_min, 14);
    assert_int_equal(cfg.session_hours, 15);
    assert_int_equal(cfg.chart_days, 16);
    assert_int_equal(cfg.login_fail_per_minute, 17);
    assert_int_equal(cfg.login_fail_burst, 18);
    assert_int_equal(cfg.backend, HUB_DB_POSTGRESQL);
    snprintf(want, sizeof want, "%s/h.db", dir);
    assert_string_equal(cfg.db_path, want);
    assert_string_equal(cfg.conninfo, "dbname=x");
    unlink(path);
    am_test_rmtree(dir);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(every_key_documented),
    cmocka_unit_test(bad_values_name_file_line_and_key),
    cmocka_unit_test(every_key_reaches_its_field),
};

AM_TEST_MAIN(tests)
