/* test_voucher_ctl.c — `amendsctl voucher` as staff run it: the real
 * binary, a real store and key file, each answer with its exit status. */
#include "am_test.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "amends/store.h"
#include "amends/voucher.h"
#include "amends/voucher_store.h"

#define CTL   AM_BINARY_DIR "/bin/amendsctl"
#define KIOSK "lobby-1"
#define DAY   INT64_C(86400000)

typedef struct fixture {
    char dir[512];
    char data[600];
    char key[600];
    char config[600];
    char out[600];
    char err[600];
    char valid[AM_VOUCHER_CODE_SIZE];
    char expired[AM_VOUCHER_CODE_SIZE];
    char unrecorded[AM_VOUCHER_CODE_SIZE];
    char foreign[AM_VOUCHER_CODE_SIZE];
    char typo[AM_VOUCHER_CODE_SIZE];
} fixture;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static void issue(am_store *st, const am_voucher_key *key, const char *journey, int64_t now,
                  int days, char *code)
{
    char err[512];
    assert_int_equal(am_store_begin(st), AM_OK);
    am_rc rc = am_voucher_issue(st, key, KIOSK, journey, "voucher", 2500, now, days, code, err,
                                sizeof err);
    if (rc)
        fail_msg("%s", err);
    assert_int_equal(am_store_commit(st), AM_OK);
}

/* A kiosk store with a valid and an expired voucher, its key file, and a
 * config naming the kiosk. */
static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[512];
    am_test_tmpdir(f->dir, sizeof f->dir, "voucher-ctl");
    snprintf(f->data, sizeof f->data, "%s/data", f->dir);
    snprintf(f->key, sizeof f->key, "%s/voucher.key", f->dir);
    snprintf(f->config, sizeof f->config, "%s/amends.conf", f->dir);
    snprintf(f->out, sizeof f->out, "%s/out", f->dir);
    snprintf(f->err, sizeof f->err, "%s/err", f->dir);
    assert_int_equal(mkdir(f->data, 0700), 0);
    write_text(f->config, "[kiosk]\nid = " KIOSK "\n");
    assert_int_equal(am_voucher_key_generate(f->key, err, sizeof err), AM_OK);
    am_voucher_key key;
    assert_int_equal(am_voucher_key_load(f->key, &key, err, sizeof err), AM_OK);

    int64_t now = wall_ms();
    am_store *st;
    assert_int_equal(am_store_open(f->data, AM_STORE_READWRITE, now, &st, err, sizeof err), AM_OK);
    am_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.category, sizeof r.category, "room");
    r.severity = AM_SEVERITY_SEVERE;
    char journey[AM_UUID_LEN + 1];
    assert_int_equal(am_store_journey_open(st, KIOSK, &r, now - 40 * DAY, journey), AM_OK);
    issue(st, &key, journey, now - 40 * DAY, 30, f->expired); /* serial 1 */
    issue(st, &key, journey, now - DAY, 30, f->valid);        /* serial 2 */
    am_store_close(st);

    assert_int_equal(am_voucher_encode(&key, KIOSK, 3, f->unrecorded), AM_OK);
    am_voucher_key other = key;
    other.bytes[5] ^= 0x40;
    assert_int_equal(am_voucher_encode(&other, KIOSK, 2, f->foreign), AM_OK);
    memcpy(f->typo, f->valid, sizeof f->typo);
    f->typo[6] = f->typo[6] == 'X' ? 'Y' : 'X';
    am_voucher_key_wipe(&key);
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

/* Runs amendsctl --data-dir DATA --config CONFIG voucher ARGS... */
static int run(fixture *f, const char *a1, const char *a2, const char *a3, const char *a4,
               const char *a5)
{
    char *argv[16];
    int n = 0;
    argv[n++] = (char *)CTL;
    argv[n++] = (char *)"--data-dir";
    argv[n++] = f->data;
    argv[n++] = (char *)"--config";
    argv[n++] = f->config;
    argv[n++] = (char *)"voucher";
    const char *rest[] = {a1, a2, a3, a4, a5};
    for (int i = 0; i < 5 && rest[i]; i++)
        argv[n++] = (char *)rest[i];
    argv[n] = NULL;
    return am_test_run_program(argv, f->out, f->err);
}

static char *out_text(fixture *f)
{
    char *text = am_test_read_file(f->out, NULL);
    assert_non_null(text);
    return text;
}

static char *err_text(fixture *f)
{
    char *text = am_test_read_file(f->err, NULL);
    assert_non_null(text);
    return text;
}

static void help_documents_the_exit_statuses(void **state)
{
    fixture *f = *state;
    assert_int_equal(run(f, "--help", NULL, NULL, NULL, NULL), 0);
    char *out = out_text(f);
    assert_non_null(strstr(out, "amendsctl voucher verify CODE"));
    assert_non_null(strstr(out, "0 valid, 3 expired, 4 tampered, 5 unknown, 6 malformed"));
    assert_non_null(strstr(out, AM_VOUCHER_DEFAULT_KEY));
    free(out);
    assert_int_equal(run(f, "verify", "--help", NULL, NULL, NULL), 0);
    out = out_text(f);
    assert_non_null(strstr(out, "Exit status of verify"));
    free(out);
    assert_int_equal(run(f, NULL, NULL, NULL, NULL, NULL), 2);
    assert_int_equal(run(f, "redeem", NULL, NULL, NULL, NULL), 2);
    assert_int_equal(run(f, "verify", "--key", f->key, NULL, NULL), 2);
    char *err = err_text(f);
    assert_non_null(strstr(err, "give the code"));
    free(err);
    assert_int_equal(run(f, "verify", f->valid, "--format", "xml", NULL), 2);
}

static void valid_code_shows_offer_value_kiosk_and_expiry(void **state)
{
    fixture *f = *state;
    assert_int_equal(run(f, "verify", f->valid, "--key", f->key, NULL), 0);
    char *out = out_text(f);
    assert_non_null(strstr(out, "VALID"));
    assert_non_null(strstr(out, f->valid));
    assert_non_null(strstr(out, "offer    voucher (A \xe2\x82\xac"
                                "25 voucher"));
    assert_non_null(strstr(out, "value    25.00 EUR"));
    assert_non_null(strstr(out, "kiosk    " KIOSK ", serial 2"));
    assert_non_null(strstr(out, "expires  "));
    assert_non_null(strstr(out, "known only at the hub"));
    free(out);
}

static void code_typed_in_groups_and_lower_case(void **state)
{
    fixture *f = *state;
    char g[4][8];
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            char c = f->valid[i * 5 + j];
            g[i][j] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        }
        g[i][4] = '\0';
    }
    char *argv[] = {(char *)CTL,
                    (char *)"-d",
                    f->data,
                    (char *)"-c",
                    f->config,
                    (char *)"voucher",
                    (char *)"verify",
                    (char *)"--key",
                    f->key,
                    g[0],
                    g[1],
                    g[2],
                    g[3],
                    NULL};
    assert_int_equal(am_test_run_program(argv, f->out, f->err), 0);
    char *out = out_text(f);
    assert_non_null(strstr(out, "VALID"));
    assert_non_null(strstr(out, f->valid));
    free(out);
}

static void each_answer_has_its_exit_status(void **state)
{
    fixture *f = *state;
    struct {
        const char *code;
        int status;
        const char *shows;
    } cases[] = {
        {f->valid, 0, "VALID"},
        {f->expired, 3, "EXPIRED"},
        {f->foreign, 4, "TAMPERED"},
        {f->unrecorded, 5, "UNKNOWN"},
        {f->typo, 6, "typo: check the code"},
        {"0A3K-7QX2", 6, "16 characters; this has 8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int status = run(f, "verify", cases[i].code, "--key", f->key, NULL);
        char *out = out_text(f);
        if (status != cases[i].status || !strstr(out, cases[i].shows))
            fail_msg("%s: exit %d, want %d; output:\n%s", cases[i].code, status, cases[i].status,
                     out);
        free(out);
    }
}

static void json_answer(void **state)
{
    fixture *f = *state;
    assert_int_equal(run(f, "verify", f->valid, "--key", f->key, "--format"), 2);
    assert_int_equal(run(f, "verify", "--format", "json", "--key", f->key), 2);
    char *argv[] = {(char *)CTL,        (char *)"-d",     f->data,    (char *)"-c",    f->config,
                    (char *)"voucher",  (char *)"verify", f->expired, (char *)"--key", f->key,
                    (char *)"--format", (char *)"json",   NULL};
    assert_int_equal(am_test_run_program(argv, f->out, f->err), 3);
    char *out = out_text(f);
    cJSON *o = cJSON_Parse(out);
    assert_non_null(o);
    assert_string_equal(cJSON_GetObjectItem(o, "status")->valuestring, "expired");
    assert_string_equal(cJSON_GetObjectItem(o, "code")->valuestring, f->expired);
    assert_string_equal(cJSON_GetObjectItem(o, "offer")->valuestring, "voucher");
    assert_int_equal((int)cJSON_GetObjectItem(o, "value_minor")->valuedouble, 2500);
    assert_string_equal(cJSON_GetObjectItem(o, "kiosk")->valuestring, KIOSK);
    assert_int_equal((int)cJSON_GetObjectItem(o, "serial")->valuedouble, 1);
    assert_non_null(cJSON_GetObjectItem(o, "expires")->valuestring);
    cJSON_Delete(o);
    free(out);
}

static void key_problems_are_failures_that_name_the_file(void **state)
{
    fixture *f = *state;
    assert_int_equal(chmod(f->key, 0644), 0);
    assert_int_equal(run(f, "verify", f->valid, "--key", f->key, NULL), 1);
    char *err = err_text(f);
    assert_non_null(strstr(err, f->key));
    assert_non_null(strstr(err, "mode 0644"));
    free(err);

    char missing[700];
    snprintf(missing, sizeof missing, "%s/nope.key", f->dir);
    assert_int_equal(run(f, "verify", f->valid, "--key", missing, NULL), 1);
    err = err_text(f);
    assert_non_null(strstr(err, missing));
    assert_non_null(strstr(err, "not found"));
    free(err);
    /* A typo is still answered without a key. */
    assert_int_equal(run(f, "verify", f->typo, "--key", missing, NULL), 6);
}

static void no_store_is_a_failure(void **state)
{
    fixture *f = *state;
    char *argv[] = {
        (char *)CTL,      (char *)"-d", f->dir,          (char *)"-c", f->config, (char *)"voucher",
        (char *)"verify", f->valid,     (char *)"--key", f->key,       NULL};
    char empty[700];
    snprintf(empty, sizeof empty, "%s/empty", f->dir);
    assert_int_equal(mkdir(empty, 0700), 0);
    argv[2] = empty;
    assert_int_equal(am_test_run_program(argv, f->out, f->err), 1);
}

static void keygen_makes_a_private_key_once(void **state)
{
    fixture *f = *state;
    char path[700];
    snprintf(path, sizeof path, "%s/new.key", f->dir);
    assert_int_equal(run(f, "keygen", "--key", path, NULL, NULL), 0);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0600);
    assert_int_equal(sb.st_size, 32);
    assert_int_equal(run(f, "keygen", "--key", path, NULL, NULL), 1);
    char *err = err_text(f);
    assert_non_null(strstr(err, "already exists"));
    free(err);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(help_documents_the_exit_statuses, setup, teardown),
    cmocka_unit_test_setup_teardown(valid_code_shows_offer_value_kiosk_and_expiry, setup, teardown),
    cmocka_unit_test_setup_teardown(code_typed_in_groups_and_lower_case, setup, teardown),
    cmocka_unit_test_setup_teardown(each_answer_has_its_exit_status, setup, teardown),
    cmocka_unit_test_setup_teardown(json_answer, setup, teardown),
    cmocka_unit_test_setup_teardown(key_problems_are_failures_that_name_the_file, setup, teardown),
    cmocka_unit_test_setup_teardown(no_store_is_a_failure, setup, teardown),
    cmocka_unit_test_setup_teardown(keygen_makes_a_private_key_once, setup, teardown),
};

AM_TEST_MAIN(tests)
