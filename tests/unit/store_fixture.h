/* store_fixture.h — what the store's tests share: opening a store, reading
 * its file with SQLite directly, and reports to store. Included by
 * test_store.c (journeys, outbox, sync log, status) and test_store_schema.c
 * (migrations, versions, read-only and damaged files). */
#ifndef STORE_FIXTURE_H
#define STORE_FIXTURE_H

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

static inline am_store *open_rw(const char *dir, int64_t now_ms)
{
    am_store *st = NULL;
    char err[1024] = "";
    am_rc rc = am_store_open(dir, AM_STORE_READWRITE, now_ms, &st, err, sizeof err);
    if (rc != AM_OK)
        fail_msg("am_store_open(%s): %s: %s", dir, am_rc_str(rc), err);
    assert_non_null(st);
    return st;
}

static inline am_store *open_ro(const char *dir)
{
    am_store *st = NULL;
    char err[1024] = "";
    am_rc rc = am_store_open(dir, AM_STORE_READONLY, 0, &st, err, sizeof err);
    if (rc != AM_OK)
        fail_msg("am_store_open(%s, read-only): %s: %s", dir, am_rc_str(rc), err);
    assert_non_null(st);
    return st;
}

static inline void store_path(char *buf, size_t size, const char *dir)
{
    int n = snprintf(buf, size, "%s/%s", dir, AM_STORE_FILE);
    assert_true(n > 0 && (size_t)n < size);
}

/* A connection of our own, beside the store's. */
static inline sqlite3 *raw_open(const char *dir, int flags)
{
    char path[1100];
    sqlite3 *db = NULL;
    store_path(path, sizeof path, dir);
    assert_int_equal(sqlite3_open_v2(path, &db, flags, NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static inline int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

static inline void raw_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
    sqlite3_stmt *stmt = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
    snprintf(buf, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
}

static inline void fill_report(am_report *r, const char *tag)
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
static inline void assert_report_equal(const am_report *want, const am_report *got)
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
static inline void closed_journey(am_store *st, const char *tag, int64_t at_ms, char *uuid)
{
    am_report r;
    fill_report(&r, tag);
    assert_int_equal(am_store_journey_open(st, KIOSK, &r, at_ms, uuid), AM_OK);
    assert_int_equal(am_store_journey_close(st, uuid, &r, AM_OUTCOME_COMPLETED, at_ms), AM_OK);
}

static inline am_sync_state sync_state_of(am_store *st, const char *uuid)
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
static inline bool is_uuid_v7_now(const char *s)
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

static inline int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct collected {
    int count;
    char ids[8][AM_UUID_LEN + 1];
    int64_t created[8];
    am_report last;
    int stop_after; /* 0: never */
};

static inline int collect_journey(const am_journey_row *row, void *ud)
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

static inline void log_entry(am_sync_log_entry *e, int64_t at_ms, int http_status,
                             const char *transport, const char *outcome, const char *detail)
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

static inline int collect_log(const am_sync_log_entry *e, void *ud)
{
    struct log_seen *seen = ud;
    if (seen->count < 8)
        seen->e[seen->count] = *e;
    seen->count++;
    return seen->stop_after && seen->count >= seen->stop_after;
}

#endif
