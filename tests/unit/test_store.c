/* test_store.c — the local SQLite store: durability settings, journeys, the
 * outbox, the sync log, status and the names it writes. Migrations and the
 * files a kiosk may meet (read-only, damaged, newer) are in
 * test_store_schema.c. */
#include "store_fixture.h"

/* --- opening ------------------------------------------------------------- */

static void store_open_creates_store(void **state)
{
    (void)state;
    char dir[512], path[1100];
    am_test_tmpdir(dir, sizeof dir, "store_create");
    store_path(path, sizeof path, dir);

    am_store *st = open_rw(dir, 1000);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(am_store_schema_version(st), AM_STORE_SCHEMA_VERSION);
    assert_int_equal(am_store_interrupted_at_open(st), 0);
    assert_string_equal(am_store_errmsg(st), "no error");
    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.schema_version, AM_STORE_SCHEMA_VERSION);
    assert_int_equal(s.journeys, 0);
    assert_int_equal(s.pending, 0);
    assert_int_equal(s.last_success_ms, 0);
    assert_false(s.auth_failed);
    am_store_close(st);

    sqlite3 *db = raw_open(dir, SQLITE_OPEN_READONLY);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), AM_STORE_SCHEMA_VERSION);
    sqlite3_close(db);

    /* Opening again keeps the same store. */
    st = open_rw(dir, 2000);
    assert_int_equal(am_store_schema_version(st), AM_STORE_SCHEMA_VERSION);
    am_store_close(st);
    am_store_close(NULL);
    am_test_rmtree(dir);
}

static void store_pragmas_are_set(void **state)
{
    (void)state;
    char dir[512], text[64];
    am_test_tmpdir(dir, sizeof dir, "store_pragmas");
    am_store *st = open_rw(dir, 1000);
    sqlite3 *db = am_store_sqlite(st);
    raw_text(db, "PRAGMA journal_mode", text, sizeof text);
    assert_string_equal(text, "wal");
    assert_int_equal(raw_int(db, "PRAGMA synchronous"), 2); /* FULL */
    assert_int_equal(raw_int(db, "PRAGMA busy_timeout"), 5000);
    assert_int_equal(raw_int(db, "PRAGMA secure_delete"), 1);
    am_store_close(st);

    /* WAL is a property of the file: a fresh connection sees it too. */
    db = raw_open(dir, SQLITE_OPEN_READONLY);
    raw_text(db, "PRAGMA journal_mode", text, sizeof text);
    assert_string_equal(text, "wal");
    sqlite3_close(db);
    am_test_rmtree(dir);
}

/* --- journeys ------------------------------------------------------------ */

/* Each report gets its case code in the transaction that commits it: the
 * prefix asked for (or the kiosk id's initials), four characters without
 * look-alikes, different for every journey (the store's unique index), and
 * read back with the journey. */
static void store_case_codes(void **state)
{
    (void)state;
    enum { N = 300 };
    char dir[512], uuid[AM_UUID_LEN + 1];
    static char codes[N + 2][AM_CASE_CODE_MAX];
    memset(codes, 0, sizeof codes);
    am_test_tmpdir(dir, sizeof dir, "store_case_codes");
    am_store *st = open_rw(dir, 1000);
    am_report r;
    fill_report(&r, "code");
    for (int i = 0; i < N; i++) {
        assert_int_equal(
            am_store_journey_open_coded(st, KIOSK, "HV1", &r, 1000 + i, uuid, codes[i]), AM_OK);
        assert_true(am_case_code_valid(codes[i]));
        assert_memory_equal(codes[i], "HV1-", 4);
        for (int k = 0; k < i; k++)
            assert_string_not_equal(codes[k], codes[i]);
    }
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(st, uuid, row), AM_OK);
    assert_string_equal(row->case_code, codes[N - 1]);
    /* Without a prefix: the kiosk id's (lobby-2 -> L2). */
    assert_int_equal(am_store_journey_open(st, "lobby-2", &r, 2000, uuid), AM_OK);
    assert_int_equal(am_store_journey_get(st, uuid, row), AM_OK);
    assert_memory_equal(row->case_code, "L2-", 3);
    assert_true(am_case_code_valid(row->case_code));
    free(row);
    assert_int_equal(am_store_journey_open_coded(st, KIOSK, "hv", &r, 2000, uuid, NULL),
                     AM_ERR_INVALID);
    am_store_close(st);

    /* The store, not the caller, keeps them apart. */
    sqlite3 *db = raw_open(dir, SQLITE_OPEN_READWRITE);
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE journeys SET case_code = '%s' WHERE case_code = '%s'",
             codes[0], codes[1]);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_CONSTRAINT);
    sqlite3_close(db);
    am_test_rmtree(dir);
}

static void case_code_text(void **state)
{
    (void)state;
    char p[8], code[AM_CASE_CODE_MAX];
    am_case_prefix_of("lobby-2", p, sizeof p);
    assert_string_equal(p, "L2");
    am_case_prefix_of("front_desk", p, sizeof p);
    assert_string_equal(p, "FD");
    am_case_prefix_of("k1", p, sizeof p);
    assert_string_equal(p, "K1");
    am_case_prefix_of("-", p, sizeof p);
    assert_string_equal(p, "K");
    const uint32_t rnd[AM_CASE_CODE_TAIL] = {0, 29, 30, 4000000009u};
    am_case_code_make("HV", rnd, code, sizeof code);
    assert_string_equal(code, "HV-2Z2N");
    assert_true(am_case_code_valid(code));
    assert_true(am_case_code_valid("HV12-7K2M"));
    assert_false(am_case_code_valid("HV123-7K2M"));
    assert_false(am_case_code_valid("HV-7K2O")); /* O looks like 0 */
    assert_false(am_case_code_valid("HV-7K2"));
    assert_false(am_case_code_valid("-7K2M"));
    assert_false(am_case_code_valid("hv-7K2M"));
    assert_true(am_case_prefix_valid("HV1") && !am_case_prefix_valid("HV-1") &&
                !am_case_prefix_valid("") && !am_case_prefix_valid("ABCDE"));
}

static void store_journey_round_trip_every_field(void **state)
{
    (void)state;
    char dir[512], uuid[AM_UUID_LEN + 1], other[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_roundtrip");
    am_store *st = open_rw(dir, 1000);

    /* What details gives first, then the rest of the journey. */
    am_report first, full;
    memset(&first, 0, sizeof first);
    snprintf(first.category, sizeof first.category, "room");
    first.severity = AM_SEVERITY_MINOR;
    fill_report(&full, "full");
    full.severity = AM_SEVERITY_SEVERE;
    full.offer_state = AM_OFFER_ESCALATED;
    full.consent = AM_CONSENT_NO;
    full.rating = 5;

    assert_int_equal(am_store_journey_open(st, KIOSK, &first, 1000, uuid), AM_OK);
    assert_true(is_uuid_v7_now(uuid));
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(st, uuid, row), AM_OK);
    assert_string_equal(row->id, uuid);
    assert_string_equal(row->kiosk, KIOSK);
    assert_int_equal(row->created_at_ms, 1000);
    assert_int_equal(row->closed_at_ms, 0);
    assert_int_equal(row->report.outcome, AM_OUTCOME_OPEN);
    assert_int_equal(row->sync_state, AM_SYNC_NONE);
    assert_report_equal(&first, &row->report);

    assert_int_equal(am_store_journey_save(st, uuid, &full, 1500), AM_OK);
    assert_int_equal(am_store_journey_get(st, uuid, row), AM_OK);
    assert_report_equal(&full, &row->report);
    assert_int_equal(row->report.outcome, AM_OUTCOME_OPEN);

    full.rating = 3;
    assert_int_equal(am_store_journey_close(st, uuid, &full, AM_OUTCOME_ABANDONED, 2500), AM_OK);
    assert_int_equal(am_store_journey_get(st, uuid, row), AM_OK);
    assert_report_equal(&full, &row->report);
    assert_int_equal(row->report.outcome, AM_OUTCOME_ABANDONED);
    assert_int_equal(row->created_at_ms, 1000);
    assert_int_equal(row->closed_at_ms, 2500);
    assert_int_equal(row->sync_state, AM_SYNC_PENDING);
    /* The worker's read of a claimed journey: the same, no outbox lookup. */
    am_journey_row *claimed = calloc(1, sizeof *claimed);
    assert_non_null(claimed);
    assert_int_equal(am_store_journey_get_claimed(st, uuid, claimed), AM_OK);
    assert_report_equal(&row->report, &claimed->report);
    assert_string_equal(claimed->id, uuid);
    assert_string_equal(claimed->kiosk, KIOSK);
    assert_int_equal(claimed->created_at_ms, 1000);
    assert_int_equal(claimed->closed_at_ms, 2500);
    assert_int_equal(claimed->sync_state, AM_SYNC_INFLIGHT);
    assert_int_equal(
        am_store_journey_get_claimed(st, "00000000-0000-7000-8000-000000000000", claimed),
        AM_ERR_NOTFOUND);
    free(claimed);

    /* Each journey has its own id. */
    closed_journey(st, "other", 3000, other);
    assert_true(is_uuid_v7_now(other));
    assert_string_not_equal(uuid, other);

    /* Kept across a restart. */
    am_store_close(st);
    st = open_rw(dir, 5000);
    assert_int_equal(am_store_journey_get(st, uuid, row), AM_OK);
    assert_report_equal(&full, &row->report);
    assert_int_equal(row->report.outcome, AM_OUTCOME_ABANDONED);
    free(row);
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_tricky_text_round_trip(void **state)
{
    (void)state;
    char dir[512], uuid[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_tricky");
    am_store *st = open_rw(dir, 1000);

    am_report r;
    fill_report(&r, "x");
    snprintf(r.description, sizeof r.description,
             "He said \"no\", then 'no' again;\nline two\r\n\ttabbed, 100%% %%s %%n \\ end");
    snprintf(r.first_name, sizeof r.first_name, "'; DROP TABLE journeys; --");
    snprintf(r.resolution_text, sizeof r.resolution_text, "\") OR 1=1; --\x01\x7f");
    /* U+1F621 U+1F64F, Latin with diacritics, Chinese, Arabic. */
    snprintf(r.comment, sizeof r.comment,
             "\xf0\x9f\x98\xa1\xf0\x9f\x99\x8f \xc3\xbc"
             "n\xc3\xaf"
             "c\xc3\xb6"
             "d\xc3\xa9 "
             "\xe4\xb8\xad\xe6\x96\x87 \xd9\x85\xd8\xb1\xd8\xad\xd8\xa8\xd8\xa7");
    snprintf(r.contact, sizeof r.contact, "room 12, \"north\" wing; it's fine");
    snprintf(r.voucher, sizeof r.voucher, "'--");
    assert_int_equal(am_store_journey_open(st, KIOSK, &r, 1000, uuid), AM_OK);
    assert_int_equal(am_store_journey_close(st, uuid, &r, AM_OUTCOME_COMPLETED, 1100), AM_OK);

    /* The longest description a guest can give: 1000 four-byte
     * characters. */
    am_report longest;
    char uuid2[AM_UUID_LEN + 1];
    fill_report(&longest, "long");
    for (int i = 0; i < AM_CAP_DESCRIPTION; i++)
        memcpy(longest.description + 4 * i, "\xf0\x9f\x98\x80", 4);
    longest.description[4 * AM_CAP_DESCRIPTION] = '\0';
    assert_int_equal(am_store_journey_open(st, KIOSK, &longest, 1200, uuid2), AM_OK);

    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(st, uuid, row), AM_OK);
    assert_report_equal(&r, &row->report);
    assert_memory_equal(r.description, row->report.description, strlen(r.description) + 1);
    assert_memory_equal(r.comment, row->report.comment, strlen(r.comment) + 1);
    assert_int_equal(am_store_journey_get(st, uuid2, row), AM_OK);
    assert_memory_equal(longest.description, row->report.description, sizeof longest.description);
    free(row);

    /* The export path reads the same bytes. */
    struct collected c;
    memset(&c, 0, sizeof c);
    c.stop_after = 1;
    assert_int_equal(am_store_journeys_each(st, 0, collect_journey, &c), AM_OK);
    assert_int_equal(c.count, 1);
    assert_report_equal(&r, &c.last);

    /* The table the name tried to drop is still there, with both rows, and
     * SQLite holds exactly the bytes given. */
    sqlite3 *db = am_store_sqlite(st);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM journeys"), 2);
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT first_name, length(CAST(description AS BLOB)) FROM "
                                        "journeys WHERE id = ?1",
                                        -1, &stmt, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(stmt, 1, uuid, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(stmt, 0), r.first_name);
    assert_int_equal(sqlite3_column_int(stmt, 1), strlen(r.description));
    sqlite3_finalize(stmt);

    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_journey_updates_refused_when_closed_or_absent(void **state)
{
    (void)state;
    char dir[512], uuid[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_refuse");
    am_store *st = open_rw(dir, 1000);
    am_report r;
    fill_report(&r, "a");
    closed_journey(st, "a", 1000, uuid);

    /* A closed journey may already be at the hub: it does not change. */
    fill_report(&r, "changed");
    assert_int_equal(am_store_journey_save(st, uuid, &r, 2000), AM_ERR_INVALID);
    assert_non_null(strstr(am_store_errmsg(st), "already closed"));
    assert_int_equal(am_store_journey_close(st, uuid, &r, AM_OUTCOME_ABANDONED, 2000),
                     AM_ERR_INVALID);
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(st, uuid, row), AM_OK);
    assert_int_equal(row->report.outcome, AM_OUTCOME_COMPLETED);
    assert_non_null(strstr(row->report.description, "a: "));

    const char *absent = "00000000-0000-4000-8000-000000000000";
    assert_int_equal(am_store_journey_save(st, absent, &r, 2000), AM_ERR_NOTFOUND);
    assert_int_equal(am_store_journey_get(st, absent, row), AM_ERR_NOTFOUND);
    assert_int_equal(am_store_journey_close(st, uuid, &r, AM_OUTCOME_OPEN, 2000), AM_ERR_INVALID);
    r.rating = 9;
    char uuid2[AM_UUID_LEN + 1];
    assert_int_equal(am_store_journey_open(st, KIOSK, &r, 2000, uuid2), AM_ERR_INVALID);
    r.rating = 1;
    r.severity = (am_severity)42;
    assert_int_equal(am_store_journey_open(st, KIOSK, &r, 2000, uuid2), AM_ERR_INVALID);

    /* None of the refusals left anything behind. */
    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.journeys, 1);
    assert_int_equal(s.pending, 1);
    free(row);
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_journeys_each_since_and_order(void **state)
{
    (void)state;
    char dir[512], a[AM_UUID_LEN + 1], b[AM_UUID_LEN + 1], c3[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_each");
    am_store *st = open_rw(dir, 1000);
    closed_journey(st, "a", 300, a);
    closed_journey(st, "b", 100, b);
    closed_journey(st, "c", 200, c3);

    struct collected c;
    memset(&c, 0, sizeof c);
    assert_int_equal(am_store_journeys_each(st, 150, collect_journey, &c), AM_OK);
    assert_int_equal(c.count, 2);
    assert_string_equal(c.ids[0], c3);
    assert_string_equal(c.ids[1], a);

    memset(&c, 0, sizeof c);
    assert_int_equal(am_store_journeys_each(st, 0, collect_journey, &c), AM_OK);
    assert_int_equal(c.count, 3);
    assert_string_equal(c.ids[0], b);
    assert_int_equal(c.created[0], 100);
    assert_int_equal(c.created[2], 300);

    memset(&c, 0, sizeof c);
    c.stop_after = 2;
    assert_int_equal(am_store_journeys_each(st, 0, collect_journey, &c), AM_OK);
    assert_int_equal(c.count, 2);
    am_store_close(st);
    am_test_rmtree(dir);
}

/* --- transactions -------------------------------------------------------- */

static void store_caller_transaction_is_left_to_caller(void **state)
{
    (void)state;
    char dir[512], kept[AM_UUID_LEN + 1], dropped[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_tx");
    am_store *st = open_rw(dir, 1000);
    am_report r;
    fill_report(&r, "tx");
    const char *absent = "00000000-0000-4000-8000-000000000000";

    assert_int_equal(am_store_begin(st), AM_OK);
    assert_int_equal(am_store_begin(st), AM_ERR_INVALID);
    assert_int_equal(am_store_journey_open(st, KIOSK, &r, 1000, kept), AM_OK);
    /* A failed write joins the caller's transaction and does not end it. */
    assert_int_equal(am_store_journey_save(st, absent, &r, 1000), AM_ERR_NOTFOUND);
    assert_int_equal(am_store_meta_set(st, "step", "two"), AM_OK);
    assert_int_equal(am_store_commit(st), AM_OK);
    assert_int_equal(am_store_commit(st), AM_ERR_INVALID);

    assert_int_equal(am_store_begin(st), AM_OK);
    assert_int_equal(am_store_journey_open(st, KIOSK, &r, 1000, dropped), AM_OK);
    assert_int_equal(am_store_journey_save(st, absent, &r, 1000), AM_ERR_NOTFOUND);
    am_store_rollback(st);
    am_store_rollback(st); /* harmless when nothing is open */

    am_store_close(st);
    st = open_rw(dir, 2000); /* `kept` is closed as interrupted here */
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(st, kept, row), AM_OK);
    assert_int_equal(am_store_journey_get(st, dropped, row), AM_ERR_NOTFOUND);
    char value[16];
    assert_int_equal(am_store_meta_get(st, "step", value, sizeof value), AM_OK);
    assert_string_equal(value, "two");
    free(row);
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_disk_full_rolls_back(void **state)
{
    (void)state;
    char dir[512], uuid[AM_UUID_LEN + 1], big_uuid[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_full");
    am_store *st = open_rw(dir, 1000);
    am_report r, big;
    fill_report(&r, "small");
    fill_report(&big, "big");
    memset(big.description, 'x', sizeof big.description - 1);
    big.description[sizeof big.description - 1] = '\0';
    assert_int_equal(am_store_journey_open(st, KIOSK, &r, 1000, uuid), AM_OK);

    /* SQLite reports a database that cannot grow as full, exactly as it
     * does for a full disk. */
    sqlite3 *db = am_store_sqlite(st);
    int64_t pages = raw_int(db, "PRAGMA page_count");
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", (long long)pages);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);

    assert_int_equal(am_store_journey_open(st, KIOSK, &big, 1100, big_uuid), AM_ERR_FULL);
    char path[1100];
    store_path(path, sizeof path, dir);
    const char *msg = am_store_errmsg(st);
    assert_memory_equal(msg, path, strlen(path));
    assert_non_null(strstr(msg, "full"));
    assert_null(strstr(msg, "xxxx")); /* no guest text in messages */

    /* The failed step left nothing; the earlier one is intact. */
    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.journeys, 1);
    assert_int_equal(am_store_journey_close(st, uuid, &big, AM_OUTCOME_COMPLETED, 1200),
                     AM_ERR_FULL);
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.open_journeys, 1);
    assert_int_equal(s.pending, 0);

    /* Space again: the store works. */
    assert_int_equal(sqlite3_exec(db, "PRAGMA max_page_count = 1000000", NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(am_store_journey_close(st, uuid, &big, AM_OUTCOME_COMPLETED, 1300), AM_OK);
    am_store_close(st);
    am_test_rmtree(dir);
}

/* --- alerts and outbox --------------------------------------------------- */

static void store_alert_get_reads_what_was_raised(void **state)
{
    (void)state;
    char dir[512], j1[AM_UUID_LEN + 1], a1[AM_UUID_LEN + 1], a2[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_alert_get");
    am_store *st = open_rw(dir, 1000);
    closed_journey(st, "one", 100, j1);
    assert_int_equal(am_store_alert_raise(st, KIOSK, j1, AM_ALERT_STAFF_NOW, "room",
                                          AM_SEVERITY_SEVERE, 400, a1),
                     AM_OK);
    assert_int_equal(am_store_alert_raise(st, KIOSK, NULL, AM_ALERT_OVER_BUDGET, NULL,
                                          AM_SEVERITY_MINOR, 500, a2),
                     AM_OK);
    am_alert_row row;
    assert_int_equal(am_store_alert_get(st, a1, &row), AM_OK);
    assert_string_equal(row.id, a1);
    assert_string_equal(row.kiosk, KIOSK);
    assert_string_equal(row.journey, j1);
    assert_int_equal(row.reason, AM_ALERT_STAFF_NOW);
    assert_string_equal(row.category, "room");
    assert_int_equal(row.severity, AM_SEVERITY_SEVERE);
    assert_int_equal(row.raised_at_ms, 400);
    assert_int_equal(row.sync_state, AM_SYNC_PENDING);
    /* No journey, no category: empty strings, not garbage. */
    assert_int_equal(am_store_alert_get(st, a2, &row), AM_OK);
    assert_string_equal(row.journey, "");
    assert_string_equal(row.category, "");
    assert_int_equal(row.reason, AM_ALERT_OVER_BUDGET);
    assert_int_equal(row.severity, AM_SEVERITY_MINOR);
    /* Its outbox state follows the record. */
    assert_int_equal(am_store_outbox_settle(st, a2, AM_SYNC_SYNCED, 0, NULL, 600), AM_OK);
    assert_int_equal(am_store_alert_get(st, a2, &row), AM_OK);
    assert_int_equal(row.sync_state, AM_SYNC_SYNCED);
    /* A journey id is not an alert. */
    assert_int_equal(am_store_alert_get(st, j1, &row), AM_ERR_NOTFOUND);
    assert_non_null(strstr(am_store_errmsg(st), "no alert"));
    assert_int_equal(am_store_alert_get(st, NULL, &row), AM_ERR_INVALID);
    am_store_close(st);
    am_test_rmtree(dir);
}

/* The enum rule (amends/journey.h): the store writes core's names for
 * core's enums, and reads each of them back as its value. */
static void store_writes_core_enum_names(void **state)
{
    (void)state;
    char dir[512], uuid[AM_UUID_LEN + 1], sql[256], text[64];
    am_test_tmpdir(dir, sizeof dir, "store_enum_names");
    am_store *st = open_rw(dir, 1000);
    sqlite3 *db = am_store_sqlite(st);
    for (int reason = 0; reason < AM_ALERT_REASON_COUNT; reason++) {
        for (int sev = AM_SEVERITY_NONE; sev <= AM_SEVERITY_SEVERE; sev++) {
            assert_int_equal(am_store_alert_raise(st, KIOSK, NULL, (am_alert_reason)reason, "room",
                                                  (am_severity)sev, 400, uuid),
                             AM_OK);
            snprintf(sql, sizeof sql,
                     "SELECT reason || '/' || severity FROM alerts WHERE id = '%s'", uuid);
            raw_text(db, sql, text, sizeof text);
            char want[64];
            snprintf(want, sizeof want, "%s/%s", am_alert_reason_name((am_alert_reason)reason),
                     am_severity_name((am_severity)sev));
            assert_string_equal(text, want);
            am_alert_row row;
            assert_int_equal(am_store_alert_get(st, uuid, &row), AM_OK);
            assert_int_equal(row.reason, reason);
            assert_int_equal(row.severity, sev);
        }
    }
    /* Values core has no name for are refused, not stored as another. */
    assert_int_equal(am_store_alert_raise(st, KIOSK, NULL, AM_ALERT_REASON_COUNT, "room",
                                          AM_SEVERITY_MINOR, 400, uuid),
                     AM_ERR_INVALID);
    assert_int_equal(am_store_alert_raise(st, KIOSK, NULL, AM_ALERT_STAFF_NOW, "room",
                                          (am_severity)(AM_SEVERITY_SEVERE + 1), 400, uuid),
                     AM_ERR_INVALID);
    for (int os = AM_OFFER_NONE; os <= AM_OFFER_ESCALATED; os++) {
        am_report r;
        fill_report(&r, "enum");
        r.offer_state = (am_offer_state)os;
        r.consent = (am_consent)(os % 3);
        assert_int_equal(am_store_journey_open(st, KIOSK, &r, 500, uuid), AM_OK);
        assert_int_equal(am_store_journey_close(st, uuid, &r, (am_outcome)(1 + os % 3), 600),
                         AM_OK);
        snprintf(sql, sizeof sql,
                 "SELECT offer_state || '/' || consent || '/' || outcome FROM journeys "
                 "WHERE id = '%s'",
                 uuid);
        raw_text(db, sql, text, sizeof text);
        char want[64];
        snprintf(want, sizeof want, "%s/%s/%s", am_offer_state_name((am_offer_state)os),
                 am_consent_name((am_consent)(os % 3)), am_outcome_name((am_outcome)(1 + os % 3)));
        assert_string_equal(text, want);
    }
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_outbox_claim_order_and_states(void **state)
{
    (void)state;
    char dir[512], j1[AM_UUID_LEN + 1], j2[AM_UUID_LEN + 1], j3[AM_UUID_LEN + 1],
        alert[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_outbox");
    am_store *st = open_rw(dir, 1000);
    closed_journey(st, "one", 100, j1);
    closed_journey(st, "two", 200, j2);
    closed_journey(st, "three", 300, j3);
    assert_int_equal(am_store_alert_raise(st, KIOSK, j3, AM_ALERT_STAFF_NOW, "room",
                                          AM_SEVERITY_SEVERE, 400, alert),
                     AM_OK);
    assert_true(is_uuid_v7_now(alert));

    /* Alerts first, then the oldest; no more than asked. */
    am_outbox_item items[8];
    int n = -1;
    assert_int_equal(am_store_outbox_claim(st, 1000, 2, items, &n), AM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].uuid, alert);
    assert_int_equal(items[0].kind, AM_RECORD_ALERT);
    assert_string_equal(items[1].uuid, j1);
    assert_int_equal(items[1].kind, AM_RECORD_FEEDBACK);
    assert_int_equal(items[1].attempts, 0);
    assert_int_equal(sync_state_of(st, j1), AM_SYNC_INFLIGHT);
    assert_int_equal(am_store_outbox_claim(st, 1000, 8, items, &n), AM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].uuid, j2);
    assert_string_equal(items[1].uuid, j3);
    /* Inflight records are not handed out twice. */
    assert_int_equal(am_store_outbox_claim(st, 1000, 8, items, &n), AM_OK);
    assert_int_equal(n, 0);

    assert_int_equal(am_store_outbox_settle(st, j1, AM_SYNC_SYNCED, 0, NULL, 1100), AM_OK);
    assert_int_equal(sync_state_of(st, j1), AM_SYNC_SYNCED);
    assert_int_equal(
        am_store_outbox_settle(st, j2, AM_SYNC_QUARANTINED, 0, "rejected: unknown category", 1100),
        AM_OK);
    assert_int_equal(sync_state_of(st, j2), AM_SYNC_QUARANTINED);
    assert_int_equal(am_store_outbox_settle(st, j3, AM_SYNC_PENDING, 5000, "HTTP 503", 1100),
                     AM_OK);
    assert_int_equal(sync_state_of(st, j3), AM_SYNC_PENDING);
    assert_int_equal(am_store_outbox_settle(st, alert, AM_SYNC_SYNCED, 0, NULL, 1100), AM_OK);

    sqlite3 *db = am_store_sqlite(st);
    char text[128];
    raw_text(db, "SELECT last_error FROM outbox WHERE state = 'quarantined'", text, sizeof text);
    assert_string_equal(text, "rejected: unknown category");

    /* Not due before its next try; then handed out with its attempt count. */
    assert_int_equal(am_store_outbox_claim(st, 4999, 8, items, &n), AM_OK);
    assert_int_equal(n, 0);
    assert_int_equal(am_store_outbox_claim(st, 5000, 8, items, &n), AM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].uuid, j3);
    assert_int_equal(items[0].attempts, 1);

    /* Settled and quarantined records stay as they are. */
    assert_int_equal(am_store_outbox_settle(st, j1, AM_SYNC_PENDING, 0, "again", 1200),
                     AM_ERR_INVALID);
    assert_int_equal(sync_state_of(st, j1), AM_SYNC_SYNCED);
    assert_int_equal(am_store_outbox_settle(st, j2, AM_SYNC_SYNCED, 0, NULL, 1200), AM_ERR_INVALID);
    assert_int_equal(sync_state_of(st, j2), AM_SYNC_QUARANTINED);
    assert_int_equal(am_store_outbox_settle(st, "00000000-0000-4000-8000-000000000000",
                                            AM_SYNC_SYNCED, 0, NULL, 1200),
                     AM_ERR_NOTFOUND);
    assert_int_equal(am_store_outbox_settle(st, j3, AM_SYNC_INFLIGHT, 0, NULL, 1200),
                     AM_ERR_INVALID);

    /* Settling a claimed item: found by its handle, but the uuid decides:
     * a handle naming another record changes that record in no way. */
    assert_int_equal(items[0].row > 0, 1);
    am_outbox_item wrong = items[0];
    snprintf(wrong.uuid, sizeof wrong.uuid, "%s", j1);
    assert_int_equal(am_store_outbox_settle_item(st, &wrong, AM_SYNC_SYNCED, 0, NULL, 1200),
                     AM_ERR_INVALID); /* j1 is synced already */
    assert_int_equal(sync_state_of(st, j3), AM_SYNC_INFLIGHT);
    /* A stale handle falls back to the uuid. */
    wrong = items[0];
    wrong.row = items[0].row + 1000;
    assert_int_equal(
        am_store_outbox_settle_item(st, &wrong, AM_SYNC_PENDING, 6000, "HTTP 503", 1200), AM_OK);
    assert_int_equal(sync_state_of(st, j3), AM_SYNC_PENDING);
    assert_int_equal(am_store_outbox_claim(st, 6000, 8, items, &n), AM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].attempts, 2);

    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.inflight, 1);
    assert_int_equal(s.synced, 2);
    assert_int_equal(s.quarantined, 1);
    assert_int_equal(s.pending, 0);
    assert_int_equal(s.alerts, 1);
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_inflight_back_to_pending_at_reopen(void **state)
{
    (void)state;
    char dir[512], j1[AM_UUID_LEN + 1], j2[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_inflight");
    am_store *st = open_rw(dir, 1000);
    closed_journey(st, "one", 100, j1);
    closed_journey(st, "two", 200, j2);
    am_outbox_item items[4];
    int n = 0;
    assert_int_equal(am_store_outbox_claim(st, 1000, 4, items, &n), AM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(am_store_outbox_settle(st, j1, AM_SYNC_SYNCED, 0, NULL, 1000), AM_OK);
    am_store_close(st); /* j2 was being sent when the kiosk stopped */

    st = open_rw(dir, 2000);
    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.inflight, 0);
    assert_int_equal(s.pending, 1);
    assert_int_equal(s.synced, 1);
    assert_int_equal(am_store_outbox_claim(st, 2000, 4, items, &n), AM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].uuid, j2);
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_open_journeys_interrupted_at_reopen(void **state)
{
    (void)state;
    char dir[512], live[AM_UUID_LEN + 1], done[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_interrupted");
    am_store *st = open_rw(dir, 1000);
    closed_journey(st, "done", 900, done);

    /* The guest got as far as the resolution screen when power went. */
    am_report given;
    memset(&given, 0, sizeof given);
    given.lang = 1;
    snprintf(given.category, sizeof given.category, "noise");
    given.severity = AM_SEVERITY_SEVERE;
    assert_int_equal(am_store_journey_open(st, KIOSK, &given, 1000, live), AM_OK);
    snprintf(given.description, sizeof given.description, "Party next door until 3am");
    snprintf(given.first_name, sizeof given.first_name, "Bo");
    snprintf(given.resolution, sizeof given.resolution, "staff_now");
    assert_int_equal(am_store_journey_save(st, live, &given, 1200), AM_OK);
    am_store_close(st); /* no close of the journey: as after a crash */

    st = open_rw(dir, 50000);
    assert_int_equal(am_store_interrupted_at_open(st), 1);
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(st, live, row), AM_OK);
    assert_int_equal(row->report.outcome, AM_OUTCOME_INTERRUPTED);
    assert_int_equal(row->created_at_ms, 1000);
    assert_int_equal(row->closed_at_ms, 50000);
    assert_int_equal(row->sync_state, AM_SYNC_PENDING);
    assert_string_equal(row->kiosk, KIOSK);
    /* Exactly what reached the store, nothing invented. */
    assert_report_equal(&given, &row->report);
    assert_int_equal(row->report.rating, 0);
    assert_string_equal(row->report.contact, "");
    assert_int_equal(row->report.offer_state, AM_OFFER_NONE);

    /* The journey closed normally is untouched. */
    assert_int_equal(am_store_journey_get(st, done, row), AM_OK);
    assert_int_equal(row->report.outcome, AM_OUTCOME_COMPLETED);
    assert_int_equal(row->closed_at_ms, 900);

    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.open_journeys, 0);
    assert_int_equal(s.pending, 2);
    am_store_close(st);

    /* Nothing is closed twice. */
    st = open_rw(dir, 60000);
    assert_int_equal(am_store_interrupted_at_open(st), 0);
    assert_int_equal(am_store_journey_get(st, live, row), AM_OK);
    assert_int_equal(row->closed_at_ms, 50000);
    free(row);
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_second_writer_leaves_live_journey(void **state)
{
    (void)state;
    char dir[512], live[AM_UUID_LEN + 1], sent[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_second");
    am_store *kiosk = open_rw(dir, 1000);
    closed_journey(kiosk, "sent", 900, sent);
    am_outbox_item item;
    int n = 0;
    assert_int_equal(am_store_outbox_claim(kiosk, 1000, 1, &item, &n), AM_OK);
    assert_int_equal(n, 1);
    am_report r;
    fill_report(&r, "live");
    assert_int_equal(am_store_journey_open(kiosk, KIOSK, &r, 1000, live), AM_OK);

    /* amendsctl (or the sync worker's own handle) opening read-write while
     * a guest is mid-journey must not interrupt them. */
    am_store *other = open_rw(dir, 2000);
    assert_int_equal(am_store_interrupted_at_open(other), 0);
    am_store_status s;
    assert_int_equal(am_store_get_status(other, &s), AM_OK);
    assert_int_equal(s.open_journeys, 1);
    assert_int_equal(s.inflight, 1);
    assert_int_equal(am_store_journey_close(kiosk, live, &r, AM_OUTCOME_COMPLETED, 2100), AM_OK);
    am_store_close(other);
    am_store_close(kiosk);
    am_test_rmtree(dir);
}

static void store_requeue_quarantined(void **state)
{
    (void)state;
    char dir[512], j1[AM_UUID_LEN + 1], j2[AM_UUID_LEN + 1], j3[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_requeue");
    am_store *st = open_rw(dir, 1000);
    closed_journey(st, "one", 100, j1);
    closed_journey(st, "two", 200, j2);
    closed_journey(st, "three", 300, j3);
    am_outbox_item items[4];
    int n = 0;
    assert_int_equal(am_store_outbox_claim(st, 1000, 4, items, &n), AM_OK);
    assert_int_equal(am_store_outbox_settle(st, j1, AM_SYNC_QUARANTINED, 0, "bad", 1000), AM_OK);
    assert_int_equal(am_store_outbox_settle(st, j2, AM_SYNC_QUARANTINED, 0, "bad", 1000), AM_OK);
    assert_int_equal(am_store_outbox_settle(st, j3, AM_SYNC_SYNCED, 0, NULL, 1000), AM_OK);

    /* Quarantine survives a restart until a manager acts. */
    am_store_close(st);
    st = open_rw(dir, 2000);
    assert_int_equal(sync_state_of(st, j1), AM_SYNC_QUARANTINED);

    int count = -1;
    assert_int_equal(am_store_outbox_requeue(st, &count), AM_OK);
    assert_int_equal(count, 2);
    assert_int_equal(sync_state_of(st, j1), AM_SYNC_PENDING);
    assert_int_equal(sync_state_of(st, j3), AM_SYNC_SYNCED);
    assert_int_equal(am_store_outbox_claim(st, 0, 4, items, &n), AM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].uuid, j1);
    assert_int_equal(items[0].attempts, 0);
    assert_int_equal(am_store_outbox_requeue(st, &count), AM_OK);
    assert_int_equal(count, 0);
    assert_int_equal(am_store_outbox_requeue(st, NULL), AM_OK);
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_next_due(void **state)
{
    (void)state;
    char dir[512], j1[AM_UUID_LEN + 1], j2[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_next_due");
    am_store *st = open_rw(dir, 1000);
    int64_t due = 0;
    assert_int_equal(am_store_outbox_next_due(st, &due), AM_OK);
    assert_true(due == INT64_MAX);
    closed_journey(st, "one", 300, j1);
    closed_journey(st, "two", 100, j2);
    assert_int_equal(am_store_outbox_next_due(st, &due), AM_OK);
    assert_int_equal(due, 100);

    am_outbox_item items[4];
    int n = 0;
    assert_int_equal(am_store_outbox_claim(st, 1000, 4, items, &n), AM_OK);
    assert_int_equal(am_store_outbox_next_due(st, &due), AM_OK);
    assert_true(due == INT64_MAX); /* inflight is not waiting */
    assert_int_equal(am_store_outbox_settle(st, j1, AM_SYNC_PENDING, 9000, "timeout", 1000), AM_OK);
    assert_int_equal(am_store_outbox_settle(st, j2, AM_SYNC_PENDING, 7000, "timeout", 1000), AM_OK);
    assert_int_equal(am_store_outbox_next_due(st, &due), AM_OK);
    assert_int_equal(due, 7000);
    am_store_close(st);
    am_test_rmtree(dir);
}

/* --- sync log and status ------------------------------------------------- */

static void store_sync_log_order_and_limit(void **state)
{
    (void)state;
    char dir[512];
    am_test_tmpdir(dir, sizeof dir, "store_synclog");
    am_store *st = open_rw(dir, 1000);
    am_sync_log_entry e;
    for (int i = 1; i <= 5; i++) {
        char detail[32];
        snprintf(detail, sizeof detail, "entry %d", i);
        log_entry(&e, i * 1000, i == 3 ? 0 : 200, i == 3 ? "Could not resolve host" : "",
                  i == 3 ? "retry" : "ok", detail);
        assert_int_equal(am_store_sync_log_add(st, &e), AM_OK);
    }

    struct log_seen seen;
    memset(&seen, 0, sizeof seen);
    assert_int_equal(am_store_sync_log_each(st, 3, collect_log, &seen), AM_OK);
    assert_int_equal(seen.count, 3);
    assert_string_equal(seen.e[0].detail, "entry 5");
    assert_string_equal(seen.e[1].detail, "entry 4");
    assert_string_equal(seen.e[2].detail, "entry 3");
    assert_int_equal(seen.e[2].at_ms, 3000);
    assert_int_equal(seen.e[2].batch_size, 3);
    assert_int_equal(seen.e[2].http_status, 0);
    assert_string_equal(seen.e[2].transport, "Could not resolve host");
    assert_int_equal(seen.e[2].latency_ms, 300);
    assert_string_equal(seen.e[2].outcome, "retry");

    memset(&seen, 0, sizeof seen);
    assert_int_equal(am_store_sync_log_each(st, 0, collect_log, &seen), AM_OK);
    assert_int_equal(seen.count, 5);
    assert_string_equal(seen.e[4].detail, "entry 1");

    memset(&seen, 0, sizeof seen);
    seen.stop_after = 1;
    assert_int_equal(am_store_sync_log_each(st, 10, collect_log, &seen), AM_OK);
    assert_int_equal(seen.count, 1);
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_status_figures(void **state)
{
    (void)state;
    char dir[512], j1[AM_UUID_LEN + 1], j2[AM_UUID_LEN + 1], j3[AM_UUID_LEN + 1],
        open_id[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_status");
    am_store *st = open_rw(dir, 1000);
    closed_journey(st, "one", 100, j1);
    closed_journey(st, "two", 200, j2);
    closed_journey(st, "three", 300, j3);
    am_report r;
    fill_report(&r, "open");
    assert_int_equal(am_store_journey_open(st, KIOSK, &r, 400, open_id), AM_OK);
    assert_int_equal(am_store_alert_raise(st, KIOSK, NULL, AM_ALERT_OVER_BUDGET, NULL,
                                          AM_SEVERITY_NONE, 500, NULL),
                     AM_OK);
    am_outbox_item items[2];
    int n = 0;
    assert_int_equal(am_store_outbox_claim(st, 1000, 2, items, &n), AM_OK);
    assert_int_equal(n, 2); /* the alert and j1 */
    assert_int_equal(am_store_outbox_settle(st, items[0].uuid, AM_SYNC_SYNCED, 0, NULL, 1000),
                     AM_OK);
    assert_int_equal(am_store_outbox_settle(st, j1, AM_SYNC_QUARANTINED, 0, "rejected", 1000),
                     AM_OK);
    assert_int_equal(am_store_outbox_claim(st, 1000, 1, items, &n), AM_OK); /* j2 inflight */

    am_sync_log_entry e;
    log_entry(&e, 10000, 200, "", "ok", "");
    assert_int_equal(am_store_sync_log_add(st, &e), AM_OK);
    log_entry(&e, 20000, 0, "Couldn't connect to server", "retry", "");
    assert_int_equal(am_store_sync_log_add(st, &e), AM_OK);

    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.schema_version, AM_STORE_SCHEMA_VERSION);
    assert_int_equal(s.journeys, 4);
    assert_int_equal(s.open_journeys, 1);
    assert_int_equal(s.pending, 1);
    assert_int_equal(s.inflight, 1);
    assert_int_equal(s.synced, 1);
    assert_int_equal(s.quarantined, 1);
    assert_int_equal(s.alerts, 1);
    assert_int_equal(s.oldest_pending_ms, 300);
    assert_int_equal(s.last_success_ms, 10000);
    assert_int_equal(s.last_attempt_ms, 20000);
    assert_string_equal(s.last_outcome, "retry");
    assert_string_equal(s.last_error, "Couldn't connect to server");
    assert_false(s.auth_failed);

    log_entry(&e, 30000, 503, "", "retry", "hub busy");
    assert_int_equal(am_store_sync_log_add(st, &e), AM_OK);
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_string_equal(s.last_error, "HTTP 503: hub busy");
    log_entry(&e, 40000, 401, "", "auth_failed", "token refused");
    assert_int_equal(am_store_sync_log_add(st, &e), AM_OK);
    assert_int_equal(am_store_meta_set(st, "sync.auth_failed", "1"), AM_OK);
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_true(s.auth_failed);
    assert_string_equal(s.last_outcome, "auth_failed");
    assert_int_equal(s.last_success_ms, 10000);

    log_entry(&e, 50000, 200, "", "ok", "");
    assert_int_equal(am_store_sync_log_add(st, &e), AM_OK);
    assert_int_equal(am_store_meta_set(st, "sync.auth_failed", "0"), AM_OK);
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_false(s.auth_failed);
    assert_int_equal(s.last_success_ms, 50000);
    assert_string_equal(s.last_error, "");
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_meta_values(void **state)
{
    (void)state;
    char dir[512], value[64];
    am_test_tmpdir(dir, sizeof dir, "store_meta");
    am_store *st = open_rw(dir, 1000);
    assert_int_equal(am_store_meta_get(st, "kiosk.id", value, sizeof value), AM_ERR_NOTFOUND);
    assert_int_equal(am_store_meta_set(st, "kiosk.id", "lobby-1"), AM_OK);
    assert_int_equal(am_store_meta_get(st, "kiosk.id", value, sizeof value), AM_OK);
    assert_string_equal(value, "lobby-1");
    assert_int_equal(am_store_meta_set(st, "kiosk.id", "it's \"2\"; --"), AM_OK);
    assert_int_equal(am_store_meta_get(st, "kiosk.id", value, sizeof value), AM_OK);
    assert_string_equal(value, "it's \"2\"; --");
    /* A value that does not fit is refused, not cut. */
    char small[4];
    assert_int_equal(am_store_meta_get(st, "kiosk.id", small, sizeof small), AM_ERR_INVALID);
    assert_int_equal(am_store_meta_set(st, "", "x"), AM_ERR_INVALID);
    am_store_close(st);

    st = open_rw(dir, 2000);
    assert_int_equal(am_store_meta_get(st, "kiosk.id", value, sizeof value), AM_OK);
    assert_string_equal(value, "it's \"2\"; --");
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_pin_state_persists(void **state)
{
    (void)state;
    char dir[512];
    am_test_tmpdir(dir, sizeof dir, "store_pin");
    am_store *st = open_rw(dir, 1000);
    am_pin_state ps = {.failures = 99};
    assert_int_equal(am_store_pin_state_get(st, &ps), AM_OK);
    assert_int_equal(ps.failures, 0);
    assert_int_equal(ps.last_failure_ms, 0);
    assert_int_equal(ps.locked_until_ms, 0);
    ps.failures = 3;
    ps.last_failure_ms = 1700000000123;
    ps.locked_until_ms = 1700000060123;
    assert_int_equal(am_store_pin_state_set(st, &ps), AM_OK);
    ps.failures = 4;
    assert_int_equal(am_store_pin_state_set(st, &ps), AM_OK);
    am_store_close(st);

    /* A restart does not reset the failure counter. */
    st = open_rw(dir, 2000);
    am_pin_state got;
    assert_int_equal(am_store_pin_state_get(st, &got), AM_OK);
    assert_int_equal(got.failures, 4);
    assert_int_equal(got.last_failure_ms, 1700000000123);
    assert_int_equal(got.locked_until_ms, 1700000060123);
    assert_int_equal(raw_int(am_store_sqlite(st), "SELECT count(*) FROM pin_state"), 1);
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_spend_counts_accepted_offers(void **state)
{
    (void)state;
    char dir[512];
    am_test_tmpdir(dir, sizeof dir, "store_spend");
    am_store *st = open_rw(dir, 1000);
    const int64_t day = 100000, hour = 150000;
    int64_t value = -1;
    int offers = -1;
    assert_int_equal(am_store_spend(st, day, hour, &value, &offers), AM_OK);
    assert_int_equal(value, 0);
    assert_int_equal(offers, 0);

    /* Yesterday: not counted. */
    assert_int_equal(am_store_offer_record(st, "j0", "breakfast", 700, AM_OFFER_ACCEPTED, 99999),
                     AM_OK);
    /* Today, before this hour: value counts, not the hourly count. */
    assert_int_equal(am_store_offer_record(st, "j1", "breakfast", 1500, AM_OFFER_ACCEPTED, 120000),
                     AM_OK);
    /* This hour: shown, then accepted; counted once. */
    assert_int_equal(am_store_offer_record(st, "j2", "late_checkout", 1000, AM_OFFER_SHOWN, 160000),
                     AM_OK);
    assert_int_equal(am_store_spend(st, day, hour, &value, &offers), AM_OK);
    assert_int_equal(value, 1500);
    assert_int_equal(offers, 0);
    assert_int_equal(
        am_store_offer_record(st, "j2", "late_checkout", 1000, AM_OFFER_ACCEPTED, 161000), AM_OK);
    assert_int_equal(
        am_store_offer_record(st, "j2", "late_checkout", 1000, AM_OFFER_ACCEPTED, 162000), AM_OK);
    /* Declined and escalated cost nothing. */
    assert_int_equal(am_store_offer_record(st, "j3", "breakfast", 1500, AM_OFFER_DECLINED, 163000),
                     AM_OK);
    assert_int_equal(am_store_offer_record(st, "j4", "breakfast", 1500, AM_OFFER_ESCALATED, 164000),
                     AM_OK);
    assert_int_equal(am_store_spend(st, day, hour, &value, &offers), AM_OK);
    assert_int_equal(value, 2500);
    assert_int_equal(offers, 1);
    assert_int_equal(am_store_offer_record(st, "j5", "x", 1, (am_offer_state)77, 165000),
                     AM_ERR_INVALID);
    am_store_close(st);
    am_test_rmtree(dir);
}

/* --- migrations and versions --------------------------------------------- */

static void store_names(void **state)
{
    (void)state;
    assert_string_equal(am_sync_state_name(AM_SYNC_NONE), "none");
    assert_string_equal(am_sync_state_name(AM_SYNC_PENDING), "pending");
    assert_string_equal(am_sync_state_name(AM_SYNC_INFLIGHT), "inflight");
    assert_string_equal(am_sync_state_name(AM_SYNC_SYNCED), "synced");
    assert_string_equal(am_sync_state_name(AM_SYNC_QUARANTINED), "quarantined");
    assert_string_equal(am_sync_state_name((am_sync_state)99), "unknown");
    assert_string_equal(am_record_kind_name(AM_RECORD_FEEDBACK), "feedback");
    assert_string_equal(am_record_kind_name(AM_RECORD_ALERT), "alert");
    assert_string_equal(am_record_kind_name(AM_RECORD_VOUCHER), "voucher");
    assert_string_equal(am_record_kind_name((am_record_kind)-1), "unknown");
    assert_string_equal(am_rc_str(AM_OK), "ok");
    assert_string_equal(am_rc_str(AM_ERR_FULL), "disk full");
    assert_string_equal(am_rc_str(AM_ERR_READONLY), "storage is read-only");
    assert_string_equal(am_rc_str((am_rc)1000), "unknown error");
    assert_string_equal(am_store_errmsg(NULL), "no store");
}

/* Each SQLite failure reaches callers as the class they act on; extended
 * codes (as the store's connection reports them) included. */
static void store_sqlite_errors_map(void **state)
{
    (void)state;
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_OK), AM_OK);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_FULL), AM_ERR_FULL);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_READONLY), AM_ERR_READONLY);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_READONLY_DBMOVED), AM_ERR_READONLY);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_CORRUPT), AM_ERR_CORRUPT);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_NOTADB), AM_ERR_CORRUPT);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_BUSY), AM_ERR_BUSY);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_BUSY_SNAPSHOT), AM_ERR_BUSY);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_LOCKED), AM_ERR_BUSY);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_CANTOPEN), AM_ERR_IO);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_IOERR), AM_ERR_IO);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_IOERR_FSYNC), AM_ERR_IO);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_NOMEM), AM_ERR_NOMEM);
    assert_int_equal(am_store_rc_from_sqlite(SQLITE_ERROR), AM_ERR);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(store_open_creates_store),
    cmocka_unit_test(store_pragmas_are_set),
    cmocka_unit_test(store_journey_round_trip_every_field),
    cmocka_unit_test(store_case_codes),
    cmocka_unit_test(case_code_text),
    cmocka_unit_test(store_tricky_text_round_trip),
    cmocka_unit_test(store_journey_updates_refused_when_closed_or_absent),
    cmocka_unit_test(store_journeys_each_since_and_order),
    cmocka_unit_test(store_caller_transaction_is_left_to_caller),
    cmocka_unit_test(store_disk_full_rolls_back),
    cmocka_unit_test(store_outbox_claim_order_and_states),
    cmocka_unit_test(store_alert_get_reads_what_was_raised),
    cmocka_unit_test(store_writes_core_enum_names),
    cmocka_unit_test(store_inflight_back_to_pending_at_reopen),
    cmocka_unit_test(store_open_journeys_interrupted_at_reopen),
    cmocka_unit_test(store_second_writer_leaves_live_journey),
    cmocka_unit_test(store_requeue_quarantined),
    cmocka_unit_test(store_next_due),
    cmocka_unit_test(store_sync_log_order_and_limit),
    cmocka_unit_test(store_status_figures),
    cmocka_unit_test(store_meta_values),
    cmocka_unit_test(store_pin_state_persists),
    cmocka_unit_test(store_spend_counts_accepted_offers),
    cmocka_unit_test(store_names),
    cmocka_unit_test(store_sqlite_errors_map),
};

AM_TEST_MAIN(tests)
