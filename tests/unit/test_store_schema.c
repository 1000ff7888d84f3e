/* test_store_schema.c — the store's schema over time: each migration keeps
 * what an older store holds, a newer or foreign file is refused, and the
 * failures a kiosk meets opening its file (read-only disk, unwritable or
 * damaged file) are reported, not hidden. */
#include "store_fixture.h"

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

/* Guests' words and contacts: the store is made 0600 under a umask that
 * would let others read it, and an existing one others may read (and its
 * write-ahead log) is made private when opened for writing. */
static void store_is_private(void **state)
{
    (void)state;
    char dir[512], path[1100], wal[1120];
    struct stat sb;
    mode_t old = umask(022);
    am_test_tmpdir(dir, sizeof dir, "store_private");
    store_path(path, sizeof path, dir);
    snprintf(wal, sizeof wal, "%s-wal", path);
    am_store *st = open_rw(dir, 1000);
    char uuid[AM_UUID_LEN + 1];
    closed_journey(st, "kept", 100, uuid);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(wal, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    am_store_close(st);
    assert_int_equal(chmod(path, 0644), 0);
    if (stat(wal, &sb) == 0)
        assert_int_equal(chmod(wal, 0664), 0);
    st = open_rw(dir, 2000);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    if (stat(wal, &sb) == 0)
        assert_int_equal(sb.st_mode & 0777, 0600);
    am_store_close(st);
    umask(old);
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
        sqlite3_exec(db, "CREATE TABLE future (x); PRAGMA user_version = 8", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    snprintf(want, sizeof want,
             "%s: store schema version 8 is newer than this amends supports (%d); install a newer "
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
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 8);
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

static const struct CMUnitTest tests[] = {
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
    cmocka_unit_test(store_is_private),
    cmocka_unit_test(store_corrupt_file_reported),
};

AM_TEST_MAIN(tests)
