/* test_ctl.c — amendsctl as a manager runs it: the real binary against a
 * real store, checking what is printed and the exit status. */
#include "am_test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amends/store.h"
#include "amends/text.h"

#define CTL AM_BINARY_DIR "/bin/amendsctl"

static const char *const tricky_description =
    "He said \"we're full\", then left;\r\nline two, with commas, 'quotes' and \xf0\x9f\x98\xa1";
static const char *const tricky_comment = "'; DROP TABLE journeys; --";
static const char *const formula_comment = "=HYPERLINK(\"http://x\")";

typedef struct fixture {
    char dir[512];
    char out[600];
    char err[600];
} fixture;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fill_report(am_report *r, const char *category, const char *description,
                        const char *comment)
{
    memset(r, 0, sizeof *r);
    r->lang = 4; /* ar */
    snprintf(r->category, sizeof r->category, "%s", category);
    r->severity = AM_SEVERITY_SIGNIFICANT;
    snprintf(r->description, sizeof r->description, "%s", description);
    snprintf(r->first_name, sizeof r->first_name, "%s", "Zo\xc3\xab");
    snprintf(r->resolution, sizeof r->resolution, "%s", "refund");
    snprintf(r->offer, sizeof r->offer, "%s", "coffee");
    r->offer_value_minor = 450;
    r->offer_state = AM_OFFER_ACCEPTED;
    r->rating = 4;
    snprintf(r->comment, sizeof r->comment, "%s", comment);
    snprintf(r->contact, sizeof r->contact, "%s", "zoe@example.org");
    r->consent = AM_CONSENT_YES;
}

/* A store with three journeys: two closed two days apart, one still open. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    am_test_tmpdir(f->dir, sizeof f->dir, "ctl");
    snprintf(f->out, sizeof f->out, "%s/out", f->dir);
    snprintf(f->err, sizeof f->err, "%s/err", f->dir);
    /* No site file where amendsctl looks by default: the built-in one. */
    char conf[600];
    snprintf(conf, sizeof conf, "%s/no-such-amends.conf", f->dir);
    assert_int_equal(setenv("AMENDS_CONFIG", conf, 1), 0);
    char errbuf[512];
    am_store *st;
    int64_t now = wall_ms();
    assert_int_equal(am_store_open(f->dir, AM_STORE_READWRITE, now, &st, errbuf, sizeof errbuf),
                     AM_OK);
    am_report r;
    char uuid[AM_UUID_LEN + 1];
    fill_report(&r, "wait", "old report", "fine");
    assert_int_equal(am_store_journey_open(st, "lobby-1", &r, now - 3 * 86400000LL, uuid), AM_OK);
    assert_int_equal(
        am_store_journey_close(st, uuid, &r, AM_OUTCOME_COMPLETED, now - 3 * 86400000LL + 60000),
        AM_OK);
    fill_report(&r, "room", tricky_description, tricky_comment);
    assert_int_equal(am_store_journey_open(st, "lobby-1", &r, now - 3600000, uuid), AM_OK);
    assert_int_equal(am_store_journey_close(st, uuid, &r, AM_OUTCOME_COMPLETED, now - 3500000),
                     AM_OK);
    /* An accepted offer right now: today's spend, whatever the hour. */
    assert_int_equal(am_store_offer_record(st, uuid, "coffee", 450, AM_OFFER_ACCEPTED, now), AM_OK);
    fill_report(&r, "billing", "still typing", formula_comment);
    assert_int_equal(am_store_journey_open(st, "lobby-1", &r, now - 60000, uuid), AM_OK);
    am_sync_log_entry e = {
        .at_ms = now - 30000, .batch_size = 2, .http_status = 503, .latency_ms = 120};
    snprintf(e.outcome, sizeof e.outcome, "retry");
    snprintf(e.detail, sizeof e.detail, "hub busy; next try in 4 s");
    assert_int_equal(am_store_sync_log_add(st, &e), AM_OK);
    am_store_close(st);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    am_test_rmtree(f->dir);
    free(f);
    return 0;
}

static int ctl(fixture *f, const char *a1, const char *a2, const char *a3, const char *a4,
               const char *a5)
{
    char *argv[] = {CTL,        "--data-dir", f->dir,     (char *)a1, (char *)a2,
                    (char *)a3, (char *)a4,   (char *)a5, NULL};
    return am_test_run_program(argv, f->out, f->err);
}

static char *out_text(fixture *f)
{
    char *s = am_test_read_file(f->out, NULL);
    assert_non_null(s);
    return s;
}

static char *err_text(fixture *f)
{
    char *s = am_test_read_file(f->err, NULL);
    assert_non_null(s);
    return s;
}

/* Minimal RFC 4180 reader: returns the fields of each record. */
typedef struct csv {
    int rows, cols[16];
    char *cell[16][32];
} csv;

static void csv_parse(const char *s, csv *out)
{
    memset(out, 0, sizeof *out);
    char buf[8192];
    size_t len = 0;
    int row = 0, col = 0;
    const char *p = s;
    while (*p && row < 16) {
        len = 0;
        if (*p == '"') {
            p++;
            for (;;) {
                assert_true(*p != '\0'); /* unterminated quote */
                if (*p == '"' && p[1] == '"') {
                    buf[len++] = '"';
                    p += 2;
                } else if (*p == '"') {
                    p++;
                    break;
                } else {
                    buf[len++] = *p++;
                }
            }
        } else {
            while (*p && *p != ',' && *p != '\r' && *p != '\n') {
                assert_true(*p != '"'); /* a quote in an unquoted field */
                buf[len++] = *p++;
            }
        }
        buf[len] = '\0';
        out->cell[row][col] = strdup(buf);
        col++;
        if (*p == ',') {
            p++;
        } else {
            assert_true(p[0] == '\r' && p[1] == '\n'); /* records end in CRLF */
            p += 2;
            out->cols[row] = col;
            row++;
            col = 0;
        }
    }
    out->rows = row;
}

static void csv_free(csv *c)
{
    for (int r = 0; r < 16; r++)
        for (int k = 0; k < 32; k++)
            free(c->cell[r][k]);
}

static int column(const csv *c, const char *name)
{
    for (int k = 0; k < c->cols[0]; k++)
        if (strcmp(c->cell[0][k], name) == 0)
            return k;
    fail_msg("no column %s", name);
    return -1;
}

static void export_csv_is_rfc4180_and_round_trips(void **state)
{
    fixture *f = *state;
    assert_int_equal(ctl(f, "export", "--format", "csv", NULL, NULL), 0);
    char *s = out_text(f);
    csv c;
    csv_parse(s, &c);
    assert_int_equal(c.rows, 4); /* header + 3 journeys, oldest first */
    for (int r = 1; r < c.rows; r++)
        assert_int_equal(c.cols[r], c.cols[0]);
    int desc = column(&c, "description"), comment = column(&c, "comment");
    assert_string_equal(c.cell[2][desc], tricky_description);
    assert_string_equal(c.cell[2][comment], tricky_comment);
    /* A formula is neutralised for spreadsheets, the rest kept. */
    assert_string_equal(c.cell[3][comment], "'=HYPERLINK(\"http://x\")");
    assert_string_equal(c.cell[1][column(&c, "outcome")], "completed");
    assert_string_equal(c.cell[3][column(&c, "outcome")], "open");
    assert_string_equal(c.cell[3][column(&c, "sync_state")], "none");
    assert_string_equal(c.cell[2][column(&c, "sync_state")], "pending");
    assert_string_equal(c.cell[2][column(&c, "lang")], "ar");
    assert_string_equal(c.cell[2][column(&c, "offer_value_minor")], "450");
    assert_string_equal(c.cell[2][column(&c, "offer_state")], "accepted");
    assert_string_equal(c.cell[2][column(&c, "first_name")], "Zo\xc3\xab");
    csv_free(&c);
    free(s);
}

static void export_json_is_valid_utf8_with_all_fields(void **state)
{
    fixture *f = *state;
    assert_int_equal(ctl(f, "export", "--format", "json", NULL, NULL), 0);
    size_t len;
    char *s = am_test_read_file(f->out, &len);
    assert_non_null(s);
    assert_true(am_utf8_valid(s, len));
    cJSON *arr = cJSON_Parse(s);
    assert_non_null(arr);
    assert_true(cJSON_IsArray(arr));
    assert_int_equal(cJSON_GetArraySize(arr), 3);
    const char *required[] = {"id",          "created_at",  "kiosk",      "lang",       "category",
                              "severity",    "description", "first_name", "resolution", "offer",
                              "offer_state", "voucher",     "rating",     "comment",    "contact",
                              "consent",     "outcome",     "sync_state"};
    cJSON *item;
    cJSON_ArrayForEach(item, arr)
    {
        for (size_t k = 0; k < sizeof required / sizeof required[0]; k++)
            assert_non_null(cJSON_GetObjectItemCaseSensitive(item, required[k]));
    }
    cJSON *second = cJSON_GetArrayItem(arr, 1);
    assert_string_equal(cJSON_GetObjectItem(second, "description")->valuestring,
                        tricky_description);
    assert_string_equal(cJSON_GetObjectItem(second, "comment")->valuestring, tricky_comment);
    assert_int_equal(cJSON_GetObjectItem(second, "rating")->valueint, 4);
    assert_string_equal(cJSON_GetObjectItem(second, "offer_state")->valuestring, "accepted");
    assert_string_equal(cJSON_GetObjectItem(second, "consent")->valuestring, "yes");
    assert_string_equal(cJSON_GetObjectItem(second, "severity")->valuestring, "significant");
    assert_string_equal(cJSON_GetObjectItem(second, "kiosk")->valuestring, "lobby-1");
    /* JSON keeps text exactly: no formula guard there. */
    assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 2), "comment")->valuestring,
                        formula_comment);
    cJSON_Delete(arr);
    free(s);
}

static void export_since_filters_by_creation(void **state)
{
    fixture *f = *state;
    assert_int_equal(ctl(f, "export", "--format", "json", "--since", "24h"), 0);
    char *s = out_text(f);
    cJSON *arr = cJSON_Parse(s);
    assert_non_null(arr);
    assert_int_equal(cJSON_GetArraySize(arr), 2);
    cJSON_Delete(arr);
    free(s);
    assert_int_equal(ctl(f, "export", "--format", "json", "--since", "2m"), 0);
    s = out_text(f);
    arr = cJSON_Parse(s);
    assert_int_equal(cJSON_GetArraySize(arr), 1);
    cJSON_Delete(arr);
    free(s);
}

static void export_bad_options_are_usage_errors(void **state)
{
    fixture *f = *state;
    assert_int_equal(ctl(f, "export", "--format", "xml", NULL, NULL), 2);
    char *e = err_text(f);
    assert_non_null(strstr(e, "--format must be csv or json, not 'xml'"));
    free(e);
    assert_int_equal(ctl(f, "export", "--format", "csv", "--since", "yesterday"), 2);
    e = err_text(f);
    assert_non_null(strstr(e, "--since 'yesterday' is not a duration"));
    free(e);
    assert_int_equal(ctl(f, "export", NULL, NULL, NULL, NULL), 2);
}

static void status_reports_counts(void **state)
{
    fixture *f = *state;
    assert_int_equal(ctl(f, "status", NULL, NULL, NULL, NULL), 0);
    char *s = out_text(f);
    assert_non_null(strstr(s, "journeys      3 kept, 1 in progress"));
    assert_non_null(strstr(s, "outbox        2 pending, 0 inflight, 0 synced, 0 quarantined"));
    assert_non_null(strstr(s, "last success  never"));
    assert_non_null(strstr(s, "retry"));
    assert_non_null(strstr(s, "sync auth     ok"));
    /* The built-in budget: 150.00 EUR a day, 6 offers an hour. */
    assert_non_null(
        strstr(s, "offers today  1 given, 4.50 of 150.00 EUR budget; 1 of 6 in the last hour"));
    free(s);
    assert_int_equal(ctl(f, "status", "--format", "json", NULL, NULL), 0);
    s = out_text(f);
    cJSON *o = cJSON_Parse(s);
    assert_non_null(o);
    assert_int_equal(cJSON_GetObjectItem(o, "pending")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(o, "journeys")->valueint, 3);
    assert_string_equal(cJSON_GetObjectItem(o, "auth")->valuestring, "ok");
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(o, "last_success")));
    cJSON *budget = cJSON_GetObjectItem(o, "budget");
    assert_non_null(budget);
    assert_true(cJSON_GetObjectItem(budget, "spent_today")->valuedouble == 4.5);
    assert_int_equal(cJSON_GetObjectItem(budget, "offers_today")->valueint, 1);
    cJSON_Delete(o);
    free(s);
}

/* Without --config, status reads the site's file where the kiosk's is
 * (/etc/amends/amends.conf, or $AMENDS_CONFIG): the site's budget, not the
 * built-in one. A file that is not there is no error; one that is there
 * but wrong is, with its FILE:LINE. */
static void status_reads_the_default_config(void **state)
{
    fixture *f = *state;
    char conf[600];
    snprintf(conf, sizeof conf, "%s/site.conf", f->dir);
    FILE *c = fopen(conf, "w");
    assert_non_null(c);
    fprintf(c, "[budget]\ncurrency = GBP\ndaily_value = 80.00\nhourly_offers = 3\n");
    assert_int_equal(fclose(c), 0);
    assert_int_equal(setenv("AMENDS_CONFIG", conf, 1), 0);
    assert_int_equal(ctl(f, "status", NULL, NULL, NULL, NULL), 0);
    char *s = out_text(f);
    if (!strstr(s, "offers today  1 given, 4.50 of 80.00 GBP budget; 1 of 3 in the last hour"))
        fail_msg("status did not read %s:\n%s", conf, s);
    free(s);
    /* --config still wins. */
    char *argv[] = {CTL,      "--data-dir", f->dir, "--config", AM_SOURCE_DIR "/config/amends.conf",
                    "status", NULL};
    assert_int_equal(am_test_run_program(argv, f->out, f->err), 0);
    s = out_text(f);
    assert_non_null(strstr(s, "of 150.00 EUR budget"));
    free(s);
    /* Present but wrong. */
    c = fopen(conf, "w");
    assert_non_null(c);
    fprintf(c, "[budget]\ncurrency = GBP\ndaily_value = lots\n");
    assert_int_equal(fclose(c), 0);
    assert_int_equal(ctl(f, "status", NULL, NULL, NULL, NULL), 1);
    s = err_text(f);
    char where[700];
    snprintf(where, sizeof where, "%s:3: ", conf);
    if (!strstr(s, where) || !strstr(s, "daily_value"))
        fail_msg("no %s...daily_value in:\n%s", where, s);
    free(s);
}

static void sync_log_lists_attempts(void **state)
{
    fixture *f = *state;
    assert_int_equal(ctl(f, "sync-log", NULL, NULL, NULL, NULL), 0);
    char *s = out_text(f);
    assert_non_null(strstr(s, "503"));
    assert_non_null(strstr(s, "hub busy; next try in 4 s"));
    free(s);
    assert_int_equal(ctl(f, "sync-log", "--format", "json", "--limit", "5"), 0);
    s = out_text(f);
    cJSON *arr = cJSON_Parse(s);
    assert_int_equal(cJSON_GetArraySize(arr), 1);
    assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 0), "http_status")->valueint, 503);
    cJSON_Delete(arr);
    free(s);
}

static void works_while_kiosk_holds_a_write_transaction(void **state)
{
    fixture *f = *state;
    char errbuf[512];
    am_store *writer;
    assert_int_equal(
        am_store_open(f->dir, AM_STORE_READWRITE, wall_ms(), &writer, errbuf, sizeof errbuf),
        AM_OK);
    assert_int_equal(am_store_begin(writer), AM_OK);
    am_report r;
    fill_report(&r, "noise", "uncommitted", "x");
    char uuid[AM_UUID_LEN + 1];
    assert_int_equal(am_store_journey_open(writer, "lobby-1", &r, wall_ms(), uuid), AM_OK);
    assert_int_equal(ctl(f, "export", "--format", "json", NULL, NULL), 0);
    char *s = out_text(f);
    assert_null(strstr(s, "uncommitted"));
    free(s);
    assert_int_equal(ctl(f, "status", NULL, NULL, NULL, NULL), 0);
    am_store_rollback(writer);
    am_store_close(writer);
}

static void missing_store_says_where(void **state)
{
    fixture *f = *state;
    char *argv[] = {CTL, "--data-dir", "/nonexistent/amends", "status", NULL};
    (void)f;
    assert_int_equal(am_test_run_program(argv, f->out, f->err), 1);
    char *e = err_text(f);
    assert_non_null(strstr(e, "/nonexistent/amends"));
    free(e);
}

static void unknown_command_is_usage_error(void **state)
{
    fixture *f = *state;
    assert_int_equal(ctl(f, "frobnicate", NULL, NULL, NULL, NULL), 2);
    char *e = err_text(f);
    assert_non_null(strstr(e, "unknown command 'frobnicate'"));
    free(e);
}

static void every_command_has_help(void **state)
{
    fixture *f = *state;
    const char *cmds[] = {"status", "export", "sync-log"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(ctl(f, cmds[i], "--help", NULL, NULL, NULL), 0);
        char *s = out_text(f);
        assert_non_null(strstr(s, "Usage: amendsctl"));
        free(s);
    }
    char *argv[] = {CTL, "--help", NULL};
    assert_int_equal(am_test_run_program(argv, f->out, f->err), 0);
    char *s = out_text(f);
    assert_non_null(strstr(s, "Exit status: 0 ok, 1 failure"));
    free(s);
    char *argv2[] = {CTL, "--version", NULL};
    assert_int_equal(am_test_run_program(argv2, f->out, f->err), 0);
    s = out_text(f);
    assert_non_null(strstr(s, "amendsctl 0."));
    free(s);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(export_csv_is_rfc4180_and_round_trips, setup, teardown),
    cmocka_unit_test_setup_teardown(export_json_is_valid_utf8_with_all_fields, setup, teardown),
    cmocka_unit_test_setup_teardown(export_since_filters_by_creation, setup, teardown),
    cmocka_unit_test_setup_teardown(export_bad_options_are_usage_errors, setup, teardown),
    cmocka_unit_test_setup_teardown(status_reports_counts, setup, teardown),
    cmocka_unit_test_setup_teardown(status_reads_the_default_config, setup, teardown),
    cmocka_unit_test_setup_teardown(sync_log_lists_attempts, setup, teardown),
    cmocka_unit_test_setup_teardown(works_while_kiosk_holds_a_write_transaction, setup, teardown),
    cmocka_unit_test_setup_teardown(missing_store_says_where, setup, teardown),
    cmocka_unit_test_setup_teardown(unknown_command_is_usage_error, setup, teardown),
    cmocka_unit_test_setup_teardown(every_command_has_help, setup, teardown),
};

AM_TEST_MAIN(tests)
