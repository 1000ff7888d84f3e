/* test_store.c — the local SQLite store: durability settings, journeys, the
 * outbox, the sync log, status, migrations and the failures a kiosk meets
 * (read-only disk, damaged file, newer schema, full disk). */
#include "am_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "amends/clock.h"
#include "amends/store.h"
#include "../../src/store/schema.h"

#define KIOSK "lobby-1"

/* --- helpers ------------------------------------------------------------- */

static am_store *open_rw(const char *dir, int64_t now_ms)
{
    am_store *st = NULL;
    char err[1024] = "";
    am_rc rc = am_store_open(dir, AM_STORE_READWRITE, now_ms, &st, err, sizeof err);
    if (rc != AM_OK)
        fail_msg("am_store_open(%s): %s: %s", dir, am_rc_str(rc), err);
    assert_non_null(st);
    return st;
}

static am_store *open_ro(const char *dir)
{
    am_store *st = NULL;
    char err[1024] = "";
    am_rc rc = am_store_open(dir, AM_STORE_READONLY, 0, &st, err, sizeof err);
    if (rc != AM_OK)
        fail_msg("am_store_open(%s, read-only): %s: %s", dir, am_rc_str(rc), err);
    assert_non_null(st);
    return st;
}

static void store_path(char *buf, size_t size, const char *dir)
{
    int n = snprintf(buf, size, "%s/%s", dir, AM_STORE_FILE);
    assert_true(n > 0 && (size_t)n < size);
}

/* A connection of our own, beside the store's. */
static sqlite3 *raw_open(const char *dir, int flags)
{
    char path[1100];
    sqlite3 *db = NULL;
    store_path(path, sizeof path, dir);
    assert_int_equal(sqlite3_open_v2(path, &db, flags, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

static void raw_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    snprintf(buf, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
}

static void fill_report(am_report *r, const char *tag)
{
    memset(r, 0, sizeof *r);
    r->lang = 4;
    snprintf(r->category, sizeof r->category, "room");
    r->severity = AM_SEVERITY_SIGNIFICANT;
    snprintf(r->description, sizeof r->description, "%s: the shower ran cold", tag);
    snprintf(r->first_name, sizeof r->first_name, "Ana");
    snprintf(r->resolution, sizeof r->resolution, "other");
    snprintf(r->resolution_text, sizeof r->resolution_text, "%s: a quieter room", tag);
    snprintf(r->offer, sizeof r->offer, "breakfast");
    r->offer_value_minor = 1500;
    r->offer_state = AM_OFFER_ACCEPTED;
    snprintf(r->voucher, sizeof r->voucher, "AB12-CD34");
    r->rating = 4;
    snprintf(r->comment, sizeof r->comment, "%s: thank you", tag);
    snprintf(r->contact, sizeof r->contact, "ana@example.org");
    r->consent = AM_CONSENT_YES;
}

/* Every field a guest gives; outcome is checked on its own. */
static void assert_report_equal(const am_report *want, const am_report *got)
{
    assert_int_equal(want->lang, got->lang);
    assert_string_equal(want->category, got->category);
    assert_int_equal(want->severity, got->severity);
    assert_string_equal(want->description, got->description);
    assert_string_equal(want->first_name, got->first_name);
    assert_string_equal(want->resolution, got->resolution);
    assert_string_equal(want->resolution_text, got->resolution_text);
    assert_string_equal(want->offer, got->offer);
    assert_int_equal(want->offer_value_minor, got->offer_value_minor);
    assert_int_equal(want->offer_state, got->offer_state);
    assert_string_equal(want->voucher, got->voucher);
    assert_int_equal(want->rating, got->rating);
    assert_string_equal(want->comment, got->comment);
    assert_string_equal(want->contact, got->contact);
    assert_int_equal(want->consent, got->consent);
}

/* Opens and closes a journey in one go. */
static void closed_journey(am_store *st, const char *tag, int64_t at_ms, char *uuid)
{
    am_report r;
    fill_report(&r, tag);
    assert_int_equal(am_store_journey_open(st, KIOSK, &r, at_ms, uuid), AM_OK);
    assert_int_equal(am_store_journey_close(st, uuid, &r, AM_OUTCOME_COMPLETED, at_ms), AM_OK);
}

static am_sync_state sync_state_of(am_store *st, const char *uuid)
{
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(st, uuid, row), AM_OK);
    am_sync_state s = row->sync_state;
    free(row);
    return s;
}

/* A record id: UUID version 7 (amends/uuid.h) whose time is now, to the
 * second. */
static bool is_uuid_v7_now(const char *s)
{
    if (strlen(s) != AM_UUID_LEN)
        return false;
    for (int i = 0; i < AM_UUID_LEN; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        } else if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return false;
        }
    }
    if (s[14] != '7' || strchr("89ab", s[19]) == NULL)
        return false;
    char hex[13];
    memcpy(hex, s, 8);
    memcpy(hex + 8, s + 9, 4);
    hex[12] = '\0';
    long long ms = strtoll(hex, NULL, 16);
    long long now = (long long)am_wall_ms();
    return ms <= now && now - ms < 60000;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

struct collected {
    int count;
    char ids[8][AM_UUID_LEN + 1];
    int64_t created[8];
    am_report last;
    int stop_after; /* 0: never */
};

static int collect_journey(const am_journey_row *row, void *ud)
{
    struct collected *c = ud;
    if (c->count < 8) {
        memcpy(c->ids[c->count], row->id, sizeof row->id);
        c->created[c->count] = row->created_at_ms;
    }
    c->last = row->report;
    c->count++;
    return c->stop_after && c->count >= c->stop_after;
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

static void log_entry(am_sync_log_entry *e, int64_t at_ms, int http_status, const char *transport,
                      const char *outcome, const char *detail)
{
    memset(e, 0, sizeof *e);
    e->at_ms = at_ms;
    e->batch_size = (int)(at_ms / 1000);
    e->http_status = http_status;
    snprintf(e->transport, sizeof e->transport, "%s", transport);
    e->latency_ms = at_ms / 10;
    snprintf(e->outcome, sizeof e->outcome, "%s", outcome);
    snprintf(e->detail, sizeof e->detail, "%s", detail);
}

struct log_seen {
    int count;
    int stop_after;
    am_sync_log_entry e[8];
};

static int collect_log(const am_sync_log_entry *e, void *ud)
{
    struct log_seen *seen = ud;
    if (seen->count < 8)
        seen->e[seen->count] = *e;
    seen->count++;
    return seen->stop_after && seen->count >= seen->stop_after;
}

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

static void store_upgrade_v1_to_v2_keeps_data(void **state)
{
    (void)state;
    char dir[512], err[256] = "";
    am_test_tmpdir(dir, sizeof dir, "store_upgrade");
    sqlite3 *db = raw_open(dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    assert_int_equal(am_schema_migrate(db, 1, err, sizeof err), AM_OK);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'vouchers'"), 0);

    /* A version-1 kiosk's data: a closed journey in the outbox, one left
     * open by a stop, a sync log entry and a meta value. */
    const char *insert =
        "INSERT INTO journeys (id, kiosk, created_at_ms, updated_at_ms, closed_at_ms, outcome, "
        "lang, category, severity, description, first_name, resolution, resolution_text, offer, "
        "offer_value_minor, offer_state, voucher, rating, comment, contact, consent) VALUES "
        "(?1, 'old-kiosk', ?2, ?2, ?3, ?4, 2, 'food', 'minor', ?5, 'Zoë', 'refund', '', "
        "'dessert', 800, 'accepted', 'Q7-P2', 5, 'merci', 'zoe@example.org', 'yes')";
    const char *ids[2] = {"11111111-1111-4111-8111-111111111111",
                          "22222222-2222-4222-8222-222222222222"};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *stmt = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, insert, -1, &stmt, NULL), SQLITE_OK);
        sqlite3_bind_text(stmt, 1, ids[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 2, 1000 + i);
        if (i == 0)
            sqlite3_bind_int64(stmt, 3, 2000);
        else
            sqlite3_bind_null(stmt, 3);
        sqlite3_bind_text(stmt, 4, i == 0 ? "completed" : "open", -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 5, "soup was cold", -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
        sqlite3_finalize(stmt);
    }
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO outbox (uuid, kind, priority, state, attempts, next_try_ms, "
                     "last_error, created_ms, updated_ms) VALUES "
                     "('11111111-1111-4111-8111-111111111111', 'feedback', 1, 'quarantined', 3, "
                     "0, 'rejected', 2000, 2000);"
                     "INSERT INTO sync_log (at_ms, batch_size, http_status, transport, "
                     "latency_ms, outcome, detail) VALUES (2500, 1, 422, '', 80, 'quarantined', "
                     "'bad record');"
                     "INSERT INTO meta (key, value) VALUES ('kiosk.id', 'old-kiosk');",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    am_store *st = open_rw(dir, 9000);
    assert_int_equal(am_store_schema_version(st), AM_STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int(am_store_sqlite(st), "PRAGMA user_version"), AM_STORE_SCHEMA_VERSION);
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(st, ids[0], row), AM_OK);
    assert_string_equal(row->kiosk, "old-kiosk");
    assert_int_equal(row->report.outcome, AM_OUTCOME_COMPLETED);
    assert_int_equal(row->report.lang, 2);
    assert_string_equal(row->report.first_name, "Zo\xc3\xab");
    assert_string_equal(row->report.description, "soup was cold");
    assert_int_equal(row->report.offer_value_minor, 800);
    assert_int_equal(row->report.offer_state, AM_OFFER_ACCEPTED);
    assert_int_equal(row->report.consent, AM_CONSENT_YES);
    assert_int_equal(row->closed_at_ms, 2000);
    assert_int_equal(row->sync_state, AM_SYNC_QUARANTINED);
    /* The open one was interrupted by the old kiosk's stop. */
    assert_int_equal(am_store_interrupted_at_open(st), 1);
    assert_int_equal(am_store_journey_get(st, ids[1], row), AM_OK);
    assert_int_equal(row->report.outcome, AM_OUTCOME_INTERRUPTED);
    assert_int_equal(row->closed_at_ms, 9000);

    char value[32];
    assert_int_equal(am_store_meta_get(st, "kiosk.id", value, sizeof value), AM_OK);
    assert_string_equal(value, "old-kiosk");
    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.journeys, 2);
    assert_int_equal(s.quarantined, 1);
    assert_int_equal(s.pending, 1);
    assert_string_equal(s.last_error, "HTTP 422: bad record");

    /* Version 2's tables work. */
    am_pin_state ps;
    assert_int_equal(am_store_pin_state_get(st, &ps), AM_OK);
    assert_int_equal(ps.failures, 0);
    assert_int_equal(am_store_offer_record(st, ids[0], "dessert", 800, AM_OFFER_ACCEPTED, 9000),
                     AM_OK);
    assert_int_equal(raw_int(am_store_sqlite(st), "SELECT count(*) FROM vouchers"), 0);
    free(row);
    am_store_close(st);
    am_test_rmtree(dir);
}

/* Version 3 (issue 7): a version-2 store keeps its journeys, PIN failure
 * state and vouchers; journeys gain purged_at_ms (NULL: not purged) and
 * the manager table starts empty (no PIN set). */
static void store_upgrade_v2_to_v3_keeps_data(void **state)
{
    (void)state;
    char dir[512], err[256] = "";
    am_test_tmpdir(dir, sizeof dir, "store_upgrade_v3");
    sqlite3 *db = raw_open(dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    assert_int_equal(am_schema_migrate(db, 2, err, sizeof err), AM_OK);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 2);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'manager'"), 0);
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO journeys (id, kiosk, created_at_ms, updated_at_ms, "
                     "closed_at_ms, outcome, lang, category, severity, description, first_name, "
                     "resolution, resolution_text, offer, offer_value_minor, offer_state, "
                     "voucher, rating, comment, contact, consent) VALUES "
                     "('33333333-3333-4333-8333-333333333333', 'v2-kiosk', 1000, 1000, 2000, "
                     "'completed', 1, 'food', 'minor', 'cold soup', 'Ann', 'refund', '', "
                     "'dessert', 800, 'accepted', '', 4, 'ok', 'ann@example.org', 'yes');"
                     "INSERT INTO outbox (uuid, kind, priority, state, attempts, next_try_ms, "
                     "last_error, created_ms, updated_ms) VALUES "
                     "('33333333-3333-4333-8333-333333333333', 'feedback', 1, 'synced', 1, 0, "
                     "'', 2000, 2500);"
                     "UPDATE pin_state SET failures = 3, last_failure_ms = 1500, "
                     "locked_until_ms = 0 WHERE id = 1;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    /* Read-only refuses to upgrade; the kiosk's read-write open does. */
    am_store *st = NULL;
    assert_int_equal(am_store_open(dir, AM_STORE_READONLY, 9000, &st, err, sizeof err),
                     AM_ERR_VERSION);
    assert_non_null(strstr(err, "version 2 is older"));
    st = open_rw(dir, 9000);
    assert_int_equal(am_store_schema_version(st), AM_STORE_SCHEMA_VERSION);
    sqlite3 *sdb = am_store_sqlite(st);
    assert_int_equal(raw_int(sdb, "PRAGMA user_version"), AM_STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int(sdb, "SELECT count(*) FROM journeys WHERE purged_at_ms IS NULL"), 1);
    assert_int_equal(raw_int(sdb, "SELECT count(*) FROM manager"), 0);
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(st, "33333333-3333-4333-8333-333333333333", row), AM_OK);
    assert_string_equal(row->report.description, "cold soup");
    assert_int_equal(row->sync_state, AM_SYNC_SYNCED);
    free(row);
    am_pin_state ps;
    assert_int_equal(am_store_pin_state_get(st, &ps), AM_OK);
    assert_int_equal(ps.failures, 3);

    /* Version 3's additions work. */
    char hash[AM_PIN_HASH_MAX];
    assert_int_equal(am_store_manager_pin_get(st, hash, sizeof hash), AM_ERR_NOTFOUND);
    assert_int_equal(am_store_manager_pin_set(st, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA"),
                     AM_OK);
    assert_int_equal(am_store_manager_pin_get(st, hash, sizeof hash), AM_OK);
    assert_string_equal(hash, "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA");
    assert_int_equal(am_store_pin_state_get(st, &ps), AM_OK);
    assert_int_equal(ps.failures, 0); /* a new PIN clears the counter */
    /* Too small a buffer is refused, never cut. */
    char small[8];
    assert_int_equal(am_store_manager_pin_get(st, small, sizeof small), AM_ERR_INVALID);
    assert_int_equal(am_store_manager_pin_set(st, ""), AM_ERR_INVALID);
    int64_t purged = -1;
    assert_int_equal(am_store_purge(st, 3000, 9500, &purged), AM_OK);
    assert_int_equal(purged, 1);
    assert_int_equal(raw_int(sdb, "SELECT purged_at_ms FROM journeys"), 9500);
    am_store_close(st);
    am_test_rmtree(dir);
}

/* Version 5: the due index holds pending records only, the claim reads it
 * (not the table) in its order, and a version-4 store's backlog is claimed
 * as before: alerts first, then the oldest. */
static void store_upgrade_v4_to_v5_due_index_is_pending_only(void **state)
{
    (void)state;
    char dir[512], err[256] = "";
    am_test_tmpdir(dir, sizeof dir, "store_upgrade_v5");
    sqlite3 *db = raw_open(dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    assert_int_equal(am_schema_migrate(db, 4, err, sizeof err), AM_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO outbox (uuid, kind, priority, state, attempts, next_try_ms, "
                     "last_error, created_ms, updated_ms) VALUES "
                     "('00000000-0000-7000-8000-000000000001', 'feedback', 1, 'synced', 1, 0, "
                     "'', 1000, 1000),"
                     "('00000000-0000-7000-8000-000000000002', 'feedback', 1, 'pending', 0, 0, "
                     "'', 2000, 2000),"
                     "('00000000-0000-7000-8000-000000000003', 'alert', 0, 'pending', 0, 0, "
                     "'', 3000, 3000),"
                     "('00000000-0000-7000-8000-000000000004', 'feedback', 1, 'quarantined', 1, "
                     "0, 'rejected', 500, 500);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    am_store *st = open_rw(dir, 9000);
    sqlite3 *sdb = am_store_sqlite(st);
    assert_int_equal(raw_int(sdb, "PRAGMA user_version"), AM_STORE_SCHEMA_VERSION);
    char sql[256];
    raw_text(sdb, "SELECT sql FROM sqlite_master WHERE name = 'outbox_due'", sql, sizeof sql);
    assert_non_null(strstr(sql, "WHERE state = 'pending'"));
    /* Only the two pending records are in the index. */
    assert_int_equal(raw_int(sdb, "SELECT count(*) FROM outbox INDEXED BY outbox_due "
                                  "WHERE state = 'pending'"),
                     2);
    /* The claim's query reads the index in order: no table scan, no sort. */
    char plan[512] = "";
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(sdb,
                                        "EXPLAIN QUERY PLAN SELECT uuid, kind, attempts, rowid "
                                        "FROM outbox WHERE state = 'pending' AND next_try_ms <= "
                                        "?1 ORDER BY priority, created_ms, rowid LIMIT ?2",
                                        -1, &q, NULL),
                     SQLITE_OK);
    while (sqlite3_step(q) == SQLITE_ROW) {
        strncat(plan, (const char *)sqlite3_column_text(q, 3), sizeof plan - strlen(plan) - 2);
        strcat(plan, ";");
    }
    sqlite3_finalize(q);
    assert_non_null(strstr(plan, "USING INDEX outbox_due"));
    assert_null(strstr(plan, "TEMP B-TREE"));

    am_outbox_item items[4];
    int n = 0;
    assert_int_equal(am_store_outbox_claim(st, 9000, 4, items, &n), AM_OK);
    assert_int_equal(n, 2);
    assert_string_equal(items[0].uuid, "00000000-0000-7000-8000-000000000003");
    assert_string_equal(items[1].uuid, "00000000-0000-7000-8000-000000000002");
    assert_int_equal(raw_int(sdb, "SELECT count(*) FROM outbox INDEXED BY outbox_due "
                                  "WHERE state = 'pending'"),
                     0);
    /* A record sent again is back in the index, due at its next try. */
    assert_int_equal(
        am_store_outbox_settle_item(st, &items[1], AM_SYNC_PENDING, 9500, "HTTP 503", 9100), AM_OK);
    assert_int_equal(am_store_outbox_claim(st, 9400, 4, items, &n), AM_OK);
    assert_int_equal(n, 0);
    assert_int_equal(am_store_outbox_claim(st, 9500, 4, items, &n), AM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(items[0].uuid, "00000000-0000-7000-8000-000000000002");
    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.synced, 1);
    assert_int_equal(s.quarantined, 1);
    assert_int_equal(s.inflight, 2);
    assert_int_equal(s.pending, 0);
    am_store_close(st);
    am_test_rmtree(dir);
}

/* Version 4 (vouchers to the hub): a version-3 store's vouchers each get
 * an outbox record of their own, pending and due at once, so vouchers
 * issued before the upgrade reach the hub too; what was already in the
 * outbox is left as it was. */
static void store_upgrade_v3_to_v4_queues_vouchers(void **state)
{
    (void)state;
    char dir[512], err[256] = "";
    am_test_tmpdir(dir, sizeof dir, "store_upgrade_v4");
    sqlite3 *db = raw_open(dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    assert_int_equal(am_schema_migrate(db, 3, err, sizeof err), AM_OK);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 3);
    assert_int_equal(
        sqlite3_exec(db,
                     "INSERT INTO journeys (id, kiosk, created_at_ms, updated_at_ms, "
                     "closed_at_ms, outcome, lang, category, severity, description, first_name, "
                     "resolution, resolution_text, offer, offer_value_minor, offer_state, "
                     "voucher, rating, comment, contact, consent) VALUES "
                     "('44444444-4444-4444-8444-444444444444', 'v3-kiosk', 1000, 1000, 2000, "
                     "'completed', 1, 'room', 'severe', 'cold', 'Ann', 'replace', '', "
                     "'drink', 600, 'accepted', 'AAAA-BBBB-CCCC-DDDD', 5, '', '', '');"
                     "INSERT INTO outbox (uuid, kind, priority, state, attempts, next_try_ms, "
                     "last_error, created_ms, updated_ms) VALUES "
                     "('44444444-4444-4444-8444-444444444444', 'feedback', 1, 'synced', 1, 0, "
                     "'', 2000, 2500);"
                     "INSERT INTO vouchers (code, journey_id, offer_id, value_minor, serial, "
                     "expires_ms, created_ms, redeemed) VALUES "
                     "('AAAA-BBBB-CCCC-DDDD', '44444444-4444-4444-8444-444444444444', 'drink', "
                     "600, 1, 99000, 1500, 0),"
                     "('AAAA-BBBB-CCCC-EEEE', '44444444-4444-4444-8444-444444444444', 'drink', "
                     "600, 2, 99000, 1600, 0);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    am_store *st = NULL;
    assert_int_equal(am_store_open(dir, AM_STORE_READONLY, 9000, &st, err, sizeof err),
                     AM_ERR_VERSION);
    assert_non_null(strstr(err, "version 3 is older"));
    st = open_rw(dir, 9000);
    assert_int_equal(am_store_schema_version(st), AM_STORE_SCHEMA_VERSION);
    sqlite3 *sdb = am_store_sqlite(st);
    assert_int_equal(raw_int(sdb, "PRAGMA user_version"), AM_STORE_SCHEMA_VERSION);
    /* Each voucher has its own record id, a version-4 UUID. */
    am_voucher_row a, b;
    assert_int_equal(am_store_voucher_get(st, "AAAA-BBBB-CCCC-DDDD", &a), AM_OK);
    assert_int_equal(am_store_voucher_get(st, "AAAA-BBBB-CCCC-EEEE", &b), AM_OK);
    assert_int_equal(strlen(a.outbox_uuid), AM_UUID_LEN);
    assert_string_not_equal(a.outbox_uuid, b.outbox_uuid);
    for (const char *u = a.outbox_uuid; *u; u++)
        assert_true((*u >= '0' && *u <= '9') || (*u >= 'a' && *u <= 'f') || *u == '-');
    assert_int_equal(a.outbox_uuid[14], '4');
    assert_non_null(strchr("89ab", a.outbox_uuid[19]));

    am_store_status s;
    assert_int_equal(am_store_get_status(st, &s), AM_OK);
    assert_int_equal(s.pending, 2);
    assert_int_equal(s.synced, 1);
    am_outbox_item items[4];
    int count = 0;
    assert_int_equal(am_store_outbox_claim(st, 9000, 4, items, &count), AM_OK);
    assert_int_equal(count, 2);
    assert_int_equal(items[0].kind, AM_RECORD_VOUCHER);
    assert_string_equal(items[0].uuid, a.outbox_uuid); /* issued first, sent first */
    assert_int_equal(items[1].kind, AM_RECORD_VOUCHER);
    assert_string_equal(items[1].uuid, b.outbox_uuid);
    am_voucher_row sent;
    assert_int_equal(am_store_voucher_get_outbox(st, items[1].uuid, &sent), AM_OK);
    assert_string_equal(sent.code, "AAAA-BBBB-CCCC-EEEE");
    assert_int_equal(sent.serial, 2);
    am_store_close(st);
    am_test_rmtree(dir);
}

static void store_newer_version_refused(void **state)
{
    (void)state;
    char dir[512], path[1100], want[1400], err[1400] = "";
    am_test_tmpdir(dir, sizeof dir, "store_newer");
    store_path(path, sizeof path, dir);
    sqlite3 *db = raw_open(dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    assert_int_equal(
        sqlite3_exec(db, "CREATE TABLE future (x); PRAGMA user_version = 7", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    snprintf(want, sizeof want,
             "%s: store schema version 7 is newer than this amends supports (%d); install a newer "
             "amends or restore a backup made by this version",
             path, AM_STORE_SCHEMA_VERSION);
    am_store *st = (am_store *)&st; /* must come back NULL */
    assert_int_equal(am_store_open(dir, AM_STORE_READWRITE, 1000, &st, err, sizeof err),
                     AM_ERR_VERSION);
    assert_null(st);
    assert_string_equal(err, want);
    err[0] = '\0';
    assert_int_equal(am_store_open(dir, AM_STORE_READONLY, 1000, &st, err, sizeof err),
                     AM_ERR_VERSION);
    assert_string_equal(err, want);

    /* Left exactly as it was, down to its journal mode. */
    db = raw_open(dir, SQLITE_OPEN_READONLY);
    char journal[16];
    raw_text(db, "PRAGMA journal_mode", journal, sizeof journal);
    assert_string_equal(journal, "delete");
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 7);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"), 1);
    sqlite3_close(db);
    am_test_rmtree(dir);
}

static void store_readonly_refuses_older_version(void **state)
{
    (void)state;
    char dir[512], err[1400] = "";
    am_test_tmpdir(dir, sizeof dir, "store_ro_older");
    sqlite3 *db = raw_open(dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    assert_int_equal(am_schema_migrate(db, 1, err, sizeof err), AM_OK);
    sqlite3_close(db);

    am_store *st = NULL;
    assert_int_equal(am_store_open(dir, AM_STORE_READONLY, 1000, &st, err, sizeof err),
                     AM_ERR_VERSION);
    assert_null(st);
    assert_non_null(strstr(err, "version 1 is older"));
    assert_non_null(strstr(err, "start the kiosk once to upgrade"));
    /* Read-only never migrates. */
    db = raw_open(dir, SQLITE_OPEN_READONLY);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 1);
    sqlite3_close(db);
    am_test_rmtree(dir);
}

static void store_foreign_database_refused(void **state)
{
    (void)state;
    char dir[512], err[1400] = "";
    am_test_tmpdir(dir, sizeof dir, "store_foreign");
    sqlite3 *db = raw_open(dir, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE photos (id)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    am_store *st = NULL;
    assert_int_equal(am_store_open(dir, AM_STORE_READWRITE, 1000, &st, err, sizeof err),
                     AM_ERR_CORRUPT);
    assert_non_null(strstr(err, "not an amends store"));
    db = raw_open(dir, SQLITE_OPEN_READONLY);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"), 1);
    sqlite3_close(db);
    am_test_rmtree(dir);
}

/* --- read-only mode and failures ----------------------------------------- */

static void store_missing_store_readonly(void **state)
{
    (void)state;
    char dir[512], path[1100], want[1200], err[1400] = "";
    am_test_tmpdir(dir, sizeof dir, "store_missing");
    store_path(path, sizeof path, dir);
    snprintf(want, sizeof want, "no store at %s", path);
    am_store *st = NULL;
    assert_int_equal(am_store_open(dir, AM_STORE_READONLY, 0, &st, err, sizeof err),
                     AM_ERR_NOTFOUND);
    assert_null(st);
    assert_string_equal(err, want);
    assert_int_not_equal(access(path, F_OK), 0); /* nothing created */

    char missing_dir[600];
    snprintf(missing_dir, sizeof missing_dir, "%s/nowhere", dir);
    assert_int_equal(am_store_open(missing_dir, AM_STORE_READONLY, 0, &st, err, sizeof err),
                     AM_ERR_NOTFOUND);
    assert_int_equal(am_store_open(missing_dir, AM_STORE_READWRITE, 0, &st, err, sizeof err),
                     AM_ERR_IO);
    assert_non_null(strstr(err, "does not exist"));
    am_test_rmtree(dir);
}

static void store_readonly_refuses_writes(void **state)
{
    (void)state;
    char dir[512], path[1100], wal[1200], uuid[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_ro");
    store_path(path, sizeof path, dir);
    am_store *rw = open_rw(dir, 1000);
    closed_journey(rw, "kept", 100, uuid);
    am_store_close(rw);
    /* The kiosk is not running: no WAL files are left, and read-only must
     * still work. */
    snprintf(wal, sizeof wal, "%s-wal", path);
    assert_int_not_equal(access(wal, F_OK), 0);

    am_store *ro = open_ro(dir);
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(ro, uuid, row), AM_OK);
    assert_int_equal(row->report.outcome, AM_OUTCOME_COMPLETED);

    am_report r;
    fill_report(&r, "ro");
    char other[AM_UUID_LEN + 1];
    am_outbox_item items[2];
    int n = 0;
    am_pin_state ps = {0};
    am_sync_log_entry e;
    log_entry(&e, 1, 200, "", "ok", "");
    assert_int_equal(am_store_journey_open(ro, KIOSK, &r, 2000, other), AM_ERR_READONLY);
    assert_memory_equal(am_store_errmsg(ro), path, strlen(path));
    assert_int_equal(am_store_meta_set(ro, "k", "v"), AM_ERR_READONLY);
    assert_int_equal(am_store_begin(ro), AM_ERR_READONLY);
    assert_int_equal(am_store_outbox_claim(ro, 2000, 2, items, &n), AM_ERR_READONLY);
    assert_int_equal(n, 0);
    assert_int_equal(am_store_pin_state_set(ro, &ps), AM_ERR_READONLY);
    assert_int_equal(am_store_sync_log_add(ro, &e), AM_ERR_READONLY);
    assert_int_equal(am_store_outbox_requeue(ro, NULL), AM_ERR_READONLY);
    assert_int_equal(am_store_alert_raise(ro, KIOSK, NULL, AM_ALERT_SEVERE, "room",
                                          AM_SEVERITY_SEVERE, 2000, other),
                     AM_ERR_READONLY);
    am_store_status s;
    assert_int_equal(am_store_get_status(ro, &s), AM_OK);
    assert_int_equal(s.journeys, 1);
    assert_int_equal(s.pending, 1);
    free(row);
    am_store_close(ro);

    /* Nothing changed. */
    rw = open_rw(dir, 3000);
    assert_int_equal(am_store_get_status(rw, &s), AM_OK);
    assert_int_equal(s.journeys, 1);
    assert_int_equal(s.alerts, 0);
    am_store_close(rw);
    am_test_rmtree(dir);
}

static void store_readonly_while_writer_holds_transaction(void **state)
{
    (void)state;
    char dir[512], committed[AM_UUID_LEN + 1], uncommitted[AM_UUID_LEN + 1];
    am_test_tmpdir(dir, sizeof dir, "store_ro_concurrent");
    am_store *kiosk = open_rw(dir, 1000);
    closed_journey(kiosk, "committed", 100, committed);
    am_report r;
    fill_report(&r, "in progress");
    assert_int_equal(am_store_begin(kiosk), AM_OK);
    assert_int_equal(am_store_journey_open(kiosk, KIOSK, &r, 200, uncommitted), AM_OK);

    /* amendsctl status while the kiosk is inside a write: no waiting for
     * the busy timeout, and only committed data. */
    int64_t start = mono_ms();
    am_store *ctl = open_ro(dir);
    am_store_status s;
    assert_int_equal(am_store_get_status(ctl, &s), AM_OK);
    assert_true(mono_ms() - start < 2000);
    assert_int_equal(s.journeys, 1);
    assert_int_equal(s.open_journeys, 0);
    am_journey_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    assert_int_equal(am_store_journey_get(ctl, committed, row), AM_OK);
    assert_int_equal(am_store_journey_get(ctl, uncommitted, row), AM_ERR_NOTFOUND);
    struct collected c;
    memset(&c, 0, sizeof c);
    assert_int_equal(am_store_journeys_each(ctl, 0, collect_journey, &c), AM_OK);
    assert_int_equal(c.count, 1);

    /* The reader does not hold the writer up either. */
    assert_int_equal(am_store_commit(kiosk), AM_OK);
    assert_int_equal(am_store_get_status(ctl, &s), AM_OK);
    assert_int_equal(s.journeys, 2);
    assert_int_equal(s.open_journeys, 1);
    assert_int_equal(am_store_journey_get(ctl, uncommitted, row), AM_OK);
    assert_int_equal(row->report.outcome, AM_OUTCOME_OPEN);
    free(row);
    am_store_close(ctl);
    am_store_close(kiosk);
    am_test_rmtree(dir);
}

/* Opens dir read-write as an unprivileged user (root writes any file, so a
 * read-only file means nothing to it); returns the result code, and the
 * message in err. -1 when the user cannot be switched. */
static int open_rw_as_nobody(const char *dir, char *err, size_t errlen)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (setgid(65534) != 0 || setuid(65534) != 0)
            _exit(255);
        char msg[1400] = "";
        am_store *st = NULL;
        am_rc rc = am_store_open(dir, AM_STORE_READWRITE, 1000, &st, msg, sizeof msg);
        am_store_close(st);
        ssize_t w = write(fds[1], msg, strlen(msg));
        (void)w;
        _exit((int)rc);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t got;
    while (len + 1 < errlen && (got = read(fds[0], err + len, errlen - len - 1)) > 0)
        len += (size_t)got;
    err[len] = '\0';
    close(fds[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status) == 255 ? -1 : WEXITSTATUS(status);
}

static void store_unwritable_file_gives_readonly(void **state)
{
    (void)state;
    char dir[512], path[1100], err[1400] = "";
    /* Under /tmp so that another user can reach it when run as root. */
    snprintf(dir, sizeof dir, "/tmp/amends-store-ro.XXXXXX");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(chmod(dir, 0755), 0);
    store_path(path, sizeof path, dir);
    am_store *st = open_rw(dir, 1000);
    char uuid[AM_UUID_LEN + 1];
    closed_journey(st, "kept", 100, uuid);
    am_store_close(st);
    assert_int_equal(chmod(path, 0444), 0);

    int rc;
    if (geteuid() == 0) {
        rc = open_rw_as_nobody(dir, err, sizeof err);
        if (rc < 0) {
            am_test_rmtree(dir);
            skip();
        }
    } else {
        st = NULL;
        rc = am_store_open(dir, AM_STORE_READWRITE, 1000, &st, err, sizeof err);
        assert_null(st);
    }
    assert_int_equal(rc, AM_ERR_READONLY);
    assert_memory_equal(err, path, strlen(path));
    assert_non_null(strstr(err, "cannot be written"));

    /* Reading still works: managers can export what is there. */
    am_store *ro = open_ro(dir);
    am_store_status s;
    assert_int_equal(am_store_get_status(ro, &s), AM_OK);
    assert_int_equal(s.journeys, 1);
    am_store_close(ro);
    am_test_rmtree(dir);
}

static void store_corrupt_file_reported(void **state)
{
    (void)state;
    char dir[512], path[1100], err[1400] = "";
    am_test_tmpdir(dir, sizeof dir, "store_corrupt");
    store_path(path, sizeof path, dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    unsigned seed = 12345;
    for (int i = 0; i < 8192; i++) {
        seed = seed * 1103515245u + 12345u;
        fputc((int)((seed >> 16) & 0xff), f);
    }
    fclose(f);

    am_store *st = NULL;
    assert_int_equal(am_store_open(dir, AM_STORE_READWRITE, 1000, &st, err, sizeof err),
                     AM_ERR_CORRUPT);
    assert_null(st);
    assert_memory_equal(err, path, strlen(path));
    assert_non_null(strstr(err, "not a database"));
    assert_non_null(strstr(err, "restore a backup"));
    err[0] = '\0';
    assert_int_equal(am_store_open(dir, AM_STORE_READONLY, 1000, &st, err, sizeof err),
                     AM_ERR_CORRUPT);
    assert_memory_equal(err, path, strlen(path));
    assert_non_null(strstr(err, "not a database"));
    am_test_rmtree(dir);
}

/* --- names --------------------------------------------------------------- */

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
    cmocka_unit_test(store_upgrade_v1_to_v2_keeps_data),
    cmocka_unit_test(store_upgrade_v2_to_v3_keeps_data),
    cmocka_unit_test(store_upgrade_v3_to_v4_queues_vouchers),
    cmocka_unit_test(store_upgrade_v4_to_v5_due_index_is_pending_only),
    cmocka_unit_test(store_newer_version_refused),
    cmocka_unit_test(store_readonly_refuses_older_version),
    cmocka_unit_test(store_foreign_database_refused),
    cmocka_unit_test(store_missing_store_readonly),
    cmocka_unit_test(store_readonly_refuses_writes),
    cmocka_unit_test(store_readonly_while_writer_holds_transaction),
    cmocka_unit_test(store_unwritable_file_gives_readonly),
    cmocka_unit_test(store_corrupt_file_reported),
    cmocka_unit_test(store_names),
    cmocka_unit_test(store_sqlite_errors_map),
};

AM_TEST_MAIN(tests)
