/* test_ctl_manage.c — the amendsctl commands that change the store
 * (requeue, purge, pin set), run as a manager runs them: the real binary
 * against a real store, checking what is printed, the exit status, and
 * what is left in the store and in the database file's bytes. */
#include "am_test.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "amends/store.h"
#include "amends/voucher.h"

#define CTL    AM_BINARY_DIR "/bin/amendsctl"
#define DAY_MS (86400 * 1000LL)

/* Personal text of the journey due for purging, one canary per field. */
#define CANARY_NAME       "Canaryfirstname"
#define CANARY_DESC       "canary-description-5d1c2b"
#define CANARY_RESOLUTION "canary-resolution-7e9f01"
#define CANARY_COMMENT    "canary-comment-a4b3c2"
#define CANARY_CONTACT    "canary-contact@example.org"
/* Text of an old journey the hub does not have yet: must survive. */
#define UNSYNCED_DESC "unsynced-description-kept-93ab"

typedef struct fixture {
    char dir[512];
    char out[600];
    char err[600];
    char in[600];
    char db[600];
    char wal[600];
    char old_synced[AM_UUID_LEN + 1];    /* synced 40 days ago: purged */
    char recent_synced[AM_UUID_LEN + 1]; /* synced yesterday: kept */
    char old_pending[AM_UUID_LEN + 1];   /* closed 40 days ago, never synced */
    char old_quarantined[AM_UUID_LEN + 1];
} fixture;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void fill_report(am_report *r, const char *description, const char *first_name,
                        const char *resolution_text, const char *comment, const char *contact)
{
    memset(r, 0, sizeof *r);
    snprintf(r->category, sizeof r->category, "%s", "room");
    r->severity = AM_SEVERITY_SIGNIFICANT;
    snprintf(r->description, sizeof r->description, "%s", description);
    snprintf(r->first_name, sizeof r->first_name, "%s", first_name);
    snprintf(r->resolution, sizeof r->resolution, "%s", "other");
    snprintf(r->resolution_text, sizeof r->resolution_text, "%s", resolution_text);
    snprintf(r->offer, sizeof r->offer, "%s", "drink");
    r->offer_value_minor = 600;
    r->offer_state = AM_OFFER_ACCEPTED;
    r->rating = 2;
    snprintf(r->comment, sizeof r->comment, "%s", comment);
    snprintf(r->contact, sizeof r->contact, "%s", contact);
    r->consent = AM_CONSENT_YES;
}

static void add_journey(am_store *st, const am_report *r, int64_t closed_ms, char *uuid)
{
    assert_int_equal(am_store_journey_open(st, "lobby-1", r, closed_ms - 60000, uuid), AM_OK);
    assert_int_equal(am_store_journey_close(st, uuid, r, AM_OUTCOME_COMPLETED, closed_ms), AM_OK);
}

/* Claims every pending record and settles it as the sync worker would. */
static void settle_all(am_store *st, am_sync_state state, int64_t at_ms)
{
    am_outbox_item items[16];
    int count = 0;
    assert_int_equal(am_store_outbox_claim(st, INT64_MAX / 2, 16, items, &count), AM_OK);
    for (int i = 0; i < count; i++)
        assert_int_equal(am_store_outbox_settle(st, items[i].uuid, state, 0,
                                                state == AM_SYNC_QUARANTINED ? "HTTP 422" : "",
                                                at_ms),
                         AM_OK);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    am_test_tmpdir(f->dir, sizeof f->dir, "ctl_manage");
    snprintf(f->out, sizeof f->out, "%s/out", f->dir);
    snprintf(f->err, sizeof f->err, "%s/err", f->dir);
    snprintf(f->in, sizeof f->in, "%s/in", f->dir);
    snprintf(f->db, sizeof f->db, "%s/%s", f->dir, AM_STORE_FILE);
    snprintf(f->wal, sizeof f->wal, "%s/%s-wal", f->dir, AM_STORE_FILE);
    char err[512];
    am_store *st;
    int64_t now = wall_ms();
    assert_int_equal(am_store_open(f->dir, AM_STORE_READWRITE, now, &st, err, sizeof err), AM_OK);
    am_report r;
    fill_report(&r, CANARY_DESC, CANARY_NAME, CANARY_RESOLUTION, CANARY_COMMENT, CANARY_CONTACT);
    add_journey(st, &r, now - 41 * DAY_MS, f->old_synced);
    settle_all(st, AM_SYNC_SYNCED, now - 40 * DAY_MS);
    fill_report(&r, "recent-description", "Recent", "", "recent", "recent@example.org");
    add_journey(st, &r, now - 2 * DAY_MS, f->recent_synced);
    settle_all(st, AM_SYNC_SYNCED, now - DAY_MS);
    fill_report(&r, "quarantined-description", "Quinn", "", "", "");
    add_journey(st, &r, now - 45 * DAY_MS, f->old_quarantined);
    settle_all(st, AM_SYNC_QUARANTINED, now - 44 * DAY_MS);
    fill_report(&r, UNSYNCED_DESC, "Una", "", "", "");
    add_journey(st, &r, now - 40 * DAY_MS, f->old_pending);
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

/* Runs amendsctl --data-dir DIR ARGS... with stdin from `input` (NULL:
 * empty). Returns the exit status. */
static int ctl_in(fixture *f, const char *input, const char *const args[])
{
    char *argv[16] = {CTL, "--data-dir", f->dir};
    int n = 3;
    for (int i = 0; args[i] && n < 15; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    FILE *in = fopen(f->in, "w");
    assert_non_null(in);
    if (input)
        fputs(input, in);
    assert_int_equal(fclose(in), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd0 = open(f->in, O_RDONLY);
        int fd1 = open(f->out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int fd2 = open(f->err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd0 < 0 || fd1 < 0 || fd2 < 0 || dup2(fd0, 0) < 0 || dup2(fd1, 1) < 0 ||
            dup2(fd2, 2) < 0)
            _exit(127);
        execv(argv[0], argv);
        _exit(127);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (status == 1 || status < 0) {
        /* Unexpected in most cases: show why, to make failures readable. */
        char *err = am_test_read_file(f->err, NULL);
        print_message("amendsctl %s exited %d: %s\n", args[0], status, err ? err : "");
        free(err);
    }
    return status;
}

#define CTL_RUN(f, input, ...) ctl_in((f), (input), (const char *const[]){__VA_ARGS__, NULL})

static char *out_text(fixture *f)
{
    char *s = am_test_read_file(f->out, NULL);
    assert_non_null(s);
    return s;
}

static void assert_out_contains(fixture *f, const char *path, const char *needle)
{
    (void)f;
    char *text = am_test_read_file(path, NULL);
    assert_non_null(text);
    if (!strstr(text, needle))
        fail_msg("%s lacks \"%s\"; it was:\n%s", path, needle, text);
    free(text);
}

static cJSON *out_json(fixture *f)
{
    char *text = out_text(f);
    cJSON *doc = cJSON_Parse(text);
    if (!doc)
        fail_msg("not JSON:\n%s", text);
    free(text);
    return doc;
}

static double json_number(const cJSON *doc, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, key);
    if (!cJSON_IsNumber(v))
        fail_msg("no number \"%s\"", key);
    return v->valuedouble;
}

/* Whether `needle` occurs anywhere in the bytes of the file (absent file:
 * no). */
static bool file_has_bytes(const char *path, const char *needle)
{
    size_t len = 0;
    char *data = am_test_read_file(path, &len);
    if (!data)
        return false;
    size_t nlen = strlen(needle);
    bool found = false;
    for (size_t i = 0; !found && nlen <= len && i <= len - nlen; i++)
        found = memcmp(data + i, needle, nlen) == 0;
    free(data);
    return found;
}

static bool store_files_have(fixture *f, const char *needle)
{
    return file_has_bytes(f->db, needle) || file_has_bytes(f->wal, needle);
}

static am_store *open_ro(fixture *f)
{
    char err[512];
    am_store *st = NULL;
    assert_int_equal(am_store_open(f->dir, AM_STORE_READONLY, wall_ms(), &st, err, sizeof err),
                     AM_OK);
    return st;
}

/* --- requeue ------------------------------------------------------------- */

static void requeue_puts_quarantined_back_to_pending(void **state)
{
    fixture *f = *state;
    assert_int_equal(CTL_RUN(f, NULL, "requeue", "--format", "json"), 0);
    cJSON *doc = out_json(f);
    assert_int_equal((int)json_number(doc, "requeued"), 1);
    cJSON_Delete(doc);

    am_store *st = open_ro(f);
    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.quarantined, 0);
    assert_int_equal(s.pending, 2);
    am_journey_row row;
    assert_int_equal(am_store_journey_get(st, f->old_quarantined, &row), AM_OK);
    assert_int_equal(row.sync_state, AM_SYNC_PENDING);
    am_store_close(st);

    /* Nothing left: says so, still success. */
    assert_int_equal(CTL_RUN(f, NULL, "requeue"), 0);
    assert_out_contains(f, f->out, "nothing to requeue");
}

/* The kiosk is running with a guest mid-journey: amendsctl's read-write
 * handle must not close that journey as interrupted. */
static void requeue_leaves_running_kiosk_journey_open(void **state)
{
    fixture *f = *state;
    char err[512], uuid[AM_UUID_LEN + 1];
    am_store *kiosk;
    assert_int_equal(am_store_open(f->dir, AM_STORE_READWRITE, wall_ms(), &kiosk, err, sizeof err),
                     AM_OK);
    am_report r;
    fill_report(&r, "typing now", "", "", "", "");
    assert_int_equal(am_store_journey_open(kiosk, "lobby-1", &r, wall_ms(), uuid), AM_OK);

    assert_int_equal(CTL_RUN(f, NULL, "requeue"), 0);
    assert_out_contains(f, f->out, "requeued 1 record(s)");

    am_journey_row row;
    assert_int_equal(am_store_journey_get(kiosk, uuid, &row), AM_OK);
    assert_int_equal(row.report.outcome, AM_OUTCOME_OPEN);
    assert_int_equal(row.closed_at_ms, 0);
    /* ...and the kiosk can go on writing. */
    assert_int_equal(am_store_journey_close(kiosk, uuid, &r, AM_OUTCOME_COMPLETED, wall_ms()),
                     AM_OK);
    am_store_close(kiosk);
}

static void write_commands_refuse_missing_store(void **state)
{
    fixture *f = *state;
    char empty[600], db[700];
    snprintf(empty, sizeof empty, "%s/empty", f->dir);
    assert_int_equal(mkdir(empty, 0700), 0);
    snprintf(db, sizeof db, "%s/%s", empty, AM_STORE_FILE);
    const char *cmds[][3] = {{"requeue", NULL, NULL}, {"purge", NULL, NULL}, {"pin", "set", NULL}};
    for (size_t i = 0; i < 3; i++) {
        char *argv[] = {CTL, "--data-dir", empty, (char *)cmds[i][0], (char *)cmds[i][1], NULL};
        assert_int_equal(am_test_run_program(argv, f->out, f->err), 1);
        assert_out_contains(f, f->err, "no store at");
        /* Never creates an empty store the kiosk would then adopt. */
        assert_int_equal(access(db, F_OK), -1);
    }
}

/* --- purge --------------------------------------------------------------- */

static void purge_dry_run_lists_and_changes_nothing(void **state)
{
    fixture *f = *state;
    assert_true(store_files_have(f, CANARY_DESC));
    assert_int_equal(CTL_RUN(f, NULL, "purge", "--dry-run", "--days", "30", "--format", "json"), 0);
    cJSON *doc = out_json(f);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "dry_run")));
    assert_int_equal((int)json_number(doc, "retention_days"), 30);
    assert_int_equal((int)json_number(doc, "would_purge"), 1);
    assert_int_equal((int)json_number(doc, "kept_unsynced"), 2);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "journeys");
    assert_int_equal(cJSON_GetArraySize(list), 1);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(list, 0), "id");
    assert_true(cJSON_IsString(id));
    assert_string_equal(id->valuestring, f->old_synced);
    cJSON_Delete(doc);

    assert_int_equal(CTL_RUN(f, NULL, "purge", "--dry-run", "--days", "30"), 0);
    assert_out_contains(f, f->out, f->old_synced);
    assert_out_contains(f, f->out, "would purge 1 journey(s)");
    assert_out_contains(f, f->out, "kept 2 older journey(s)");

    am_store *st = open_ro(f);
    am_journey_row row;
    assert_int_equal(am_store_journey_get(st, f->old_synced, &row), AM_OK);
    assert_string_equal(row.report.description, CANARY_DESC);
    am_store_close(st);
    assert_true(store_files_have(f, CANARY_DESC));
}

static void purge_removes_personal_text_from_the_file(void **state)
{
    fixture *f = *state;
    const char *canaries[] = {CANARY_NAME, CANARY_DESC, CANARY_RESOLUTION, CANARY_COMMENT,
                              CANARY_CONTACT};
    /* The test can fail: every canary is in the files before. */
    for (size_t i = 0; i < 5; i++)
        assert_true(store_files_have(f, canaries[i]));

    assert_int_equal(CTL_RUN(f, NULL, "purge", "--days", "30", "--format", "json"), 0);
    cJSON *doc = out_json(f);
    assert_false(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "dry_run")));
    assert_int_equal((int)json_number(doc, "purged"), 1);
    assert_int_equal((int)json_number(doc, "kept_unsynced"), 2);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "file_clean")));
    cJSON_Delete(doc);

    for (size_t i = 0; i < 5; i++) {
        if (store_files_have(f, canaries[i]))
            fail_msg("\"%s\" is still in the store's files after purge", canaries[i]);
    }
    /* Unsynced text is never purged, however old. */
    assert_true(store_files_have(f, UNSYNCED_DESC));

    am_store *st = open_ro(f);
    am_journey_row row;
    assert_int_equal(am_store_journey_get(st, f->old_synced, &row), AM_OK);
    assert_string_equal(row.report.first_name, "");
    assert_string_equal(row.report.description, "");
    assert_string_equal(row.report.resolution_text, "");
    assert_string_equal(row.report.comment, "");
    assert_string_equal(row.report.contact, "");
    /* What is not personal stays. */
    assert_string_equal(row.report.category, "room");
    assert_int_equal(row.report.severity, AM_SEVERITY_SIGNIFICANT);
    assert_int_equal(row.report.rating, 2);
    assert_string_equal(row.report.offer, "drink");
    assert_int_equal(row.report.offer_value_minor, 600);
    assert_int_equal(row.report.consent, AM_CONSENT_YES);
    assert_int_equal(row.sync_state, AM_SYNC_SYNCED);
    assert_int_equal(am_store_journey_get(st, f->recent_synced, &row), AM_OK);
    assert_string_equal(row.report.description, "recent-description");
    assert_int_equal(am_store_journey_get(st, f->old_pending, &row), AM_OK);
    assert_string_equal(row.report.description, UNSYNCED_DESC);
    assert_string_equal(row.report.first_name, "Una");
    assert_int_equal(am_store_journey_get(st, f->old_quarantined, &row), AM_OK);
    assert_string_equal(row.report.description, "quarantined-description");
    am_store_close(st);

    /* Marked purged: a second run finds nothing. */
    assert_int_equal(CTL_RUN(f, NULL, "purge", "--days", "30"), 0);
    assert_out_contains(f, f->out, "purged the personal data of 0 journey(s)");
}

static void purge_uses_configured_retention(void **state)
{
    fixture *f = *state;
    char conf[700], key[700];
    am_test_kiosk_conf(f->dir, conf, sizeof conf, key, sizeof key);
    FILE *c = fopen(conf, "a");
    assert_non_null(c);
    /* 50 days: the journey synced 40 days ago is not due yet. */
    fputs("\n[store]\nretention_days = 50\n", c);
    assert_int_equal(fclose(c), 0);
    assert_int_equal(CTL_RUN(f, NULL, "--config", conf, "purge", "--format", "json"), 0);
    cJSON *doc = out_json(f);
    assert_int_equal((int)json_number(doc, "retention_days"), 50);
    assert_int_equal((int)json_number(doc, "purged"), 0);
    cJSON_Delete(doc);
    assert_true(store_files_have(f, CANARY_DESC));
}

static void purge_bad_options_are_usage_errors(void **state)
{
    fixture *f = *state;
    assert_int_equal(CTL_RUN(f, NULL, "purge", "--days", "-1"), 2);
    assert_int_equal(CTL_RUN(f, NULL, "purge", "--days", "7x"), 2);
    assert_int_equal(CTL_RUN(f, NULL, "purge", "--format", "csv"), 2);
    assert_int_equal(CTL_RUN(f, NULL, "purge", "now"), 2);
    assert_true(store_files_have(f, CANARY_DESC));
}

/* --- pin set ------------------------------------------------------------- */

static void pin_set_from_stdin_stores_argon2id_hash(void **state)
{
    fixture *f = *state;
    char err[512];
    am_store *st;
    assert_int_equal(am_store_open(f->dir, AM_STORE_READWRITE, wall_ms(), &st, err, sizeof err),
                     AM_OK);
    am_pin_state locked = {.failures = 5, .last_failure_ms = 1, .locked_until_ms = INT64_MAX / 2};
    assert_int_equal(am_store_pin_state_set(st, &locked), AM_OK);
    am_store_close(st);

    assert_int_equal(CTL_RUN(f, "482913\n482913\n", "pin", "set", "--format", "json"), 0);
    cJSON *doc = out_json(f);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(doc, "pin_set")));
    const cJSON *alg = cJSON_GetObjectItemCaseSensitive(doc, "algorithm");
    assert_true(cJSON_IsString(alg));
    assert_string_equal(alg->valuestring, "argon2id");
    assert_true(json_number(doc, "hash_ms") >= 0);
    cJSON_Delete(doc);

    st = open_ro(f);
    char hash[AM_PIN_HASH_MAX];
    assert_int_equal(am_store_manager_pin_get(st, hash, sizeof hash), AM_OK);
    assert_int_equal(strncmp(hash, "$argon2id$", 10), 0);
    assert_true(sodium_init() >= 0);
    assert_int_equal(crypto_pwhash_str_verify(hash, "482913", 6), 0);
    assert_int_not_equal(crypto_pwhash_str_verify(hash, "482914", 6), 0);
    int64_t set_at = 0;
    assert_int_equal(am_store_manager_pin_set_at(st, &set_at), AM_OK);
    assert_true(set_at > wall_ms() - 60000);
    am_pin_state ps;
    assert_int_equal(am_store_pin_state_get(st, &ps), AM_OK);
    assert_int_equal(ps.failures, 0);
    assert_int_equal(ps.locked_until_ms, 0);
    am_store_close(st);
    assert_false(store_files_have(f, "482913"));

    /* Once is enough for a script; the new PIN replaces the old. */
    assert_int_equal(CTL_RUN(f, "7070\n", "pin", "set"), 0);
    assert_out_contains(f, f->out, "manager PIN set (Argon2id");
    st = open_ro(f);
    assert_int_equal(am_store_manager_pin_get(st, hash, sizeof hash), AM_OK);
    assert_int_equal(crypto_pwhash_str_verify(hash, "7070", 4), 0);
    assert_int_not_equal(crypto_pwhash_str_verify(hash, "482913", 6), 0);
    am_store_close(st);
}

static void pin_set_refuses_bad_pins(void **state)
{
    fixture *f = *state;
    const char *bad[] = {"",        "123\n",        "1234567890123\n", "12a4\n",   " 1234\n",
                         "1234 \n", "1234\n5678\n", "-1234\n",         "1234\n\n", "\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int status = CTL_RUN(f, bad[i], "pin", "set");
        if (status != 2)
            fail_msg("input \"%s\": exit %d, want 2", bad[i], status);
    }
    assert_out_contains(f, f->err, "nothing changed");
    am_store *st = open_ro(f);
    char hash[AM_PIN_HASH_MAX];
    assert_int_equal(am_store_manager_pin_get(st, hash, sizeof hash), AM_ERR_NOTFOUND);
    am_store_close(st);
    /* The PIN never goes on the command line, where ps would show it. */
    assert_int_equal(CTL_RUN(f, "1234\n", "pin", "set", "1234"), 2);
    assert_int_equal(CTL_RUN(f, NULL, "pin", "reset"), 2);
    assert_int_equal(CTL_RUN(f, NULL, "pin"), 2);
}

/* --- help and voucher key ------------------------------------------------ */

static void manage_commands_have_help(void **state)
{
    fixture *f = *state;
    const char *cmds[][3] = {{"requeue", "--help", NULL},
                             {"purge", "--help", NULL},
                             {"pin", "--help", NULL},
                             {"pin", "set", "--help"}};
    for (size_t i = 0; i < 4; i++) {
        char *argv[] = {
            CTL, "--data-dir", f->dir, (char *)cmds[i][0], (char *)cmds[i][1], (char *)cmds[i][2],
            NULL};
        assert_int_equal(am_test_run_program(argv, f->out, f->err), 0);
        assert_out_contains(f, f->out, "Usage: amendsctl ");
        assert_out_contains(f, f->out, "Exit status");
    }
    char *argv[] = {CTL, "--help", NULL};
    assert_int_equal(am_test_run_program(argv, f->out, f->err), 0);
    assert_out_contains(f, f->out, "requeue");
    assert_out_contains(f, f->out, "purge");
    assert_out_contains(f, f->out, "pin set");
}

/* Without --key, verify uses [budget] voucher_key_file of --config: a code
 * made with that key is "unknown" (genuine, no record here), not a
 * failure to find a key at the built-in path. */
static void voucher_verify_key_defaults_to_config(void **state)
{
    fixture *f = *state;
    char conf[700], key_path[700], err[512], code[AM_VOUCHER_CODE_SIZE];
    am_test_kiosk_conf(f->dir, conf, sizeof conf, key_path, sizeof key_path);
    am_voucher_key key;
    assert_int_equal(am_voucher_key_load(key_path, &key, err, sizeof err), AM_OK);
    assert_int_equal(am_voucher_encode(&key, "test-kiosk", 77, code), AM_OK);
    am_voucher_key_wipe(&key);
    char *argv[] = {CTL,      "--data-dir", f->dir,     "--config", conf, "voucher",
                    "verify", code,         "--format", "json",     NULL};
    assert_int_equal(am_test_run_program(argv, f->out, f->err), 5);
    cJSON *doc = out_json(f);
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(doc, "status");
    assert_true(cJSON_IsString(status));
    assert_string_equal(status->valuestring, "unknown");
    cJSON_Delete(doc);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(requeue_puts_quarantined_back_to_pending, setup, teardown),
    cmocka_unit_test_setup_teardown(requeue_leaves_running_kiosk_journey_open, setup, teardown),
    cmocka_unit_test_setup_teardown(write_commands_refuse_missing_store, setup, teardown),
    cmocka_unit_test_setup_teardown(purge_dry_run_lists_and_changes_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown(purge_removes_personal_text_from_the_file, setup, teardown),
    cmocka_unit_test_setup_teardown(purge_uses_configured_retention, setup, teardown),
    cmocka_unit_test_setup_teardown(purge_bad_options_are_usage_errors, setup, teardown),
    cmocka_unit_test_setup_teardown(pin_set_from_stdin_stores_argon2id_hash, setup, teardown),
    cmocka_unit_test_setup_teardown(pin_set_refuses_bad_pins, setup, teardown),
    cmocka_unit_test_setup_teardown(manage_commands_have_help, setup, teardown),
    cmocka_unit_test_setup_teardown(voucher_verify_key_defaults_to_config, setup, teardown),
};

AM_TEST_MAIN(tests)
