/* test_store_voucher.c — the store's voucher records: added with a
 * journey, found by code and by serial, serials handed out inside the
 * caller's transaction so that none is given twice, and each voucher
 * queued for the hub in the same transaction. */
#include "am_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/store.h"

typedef struct fixture {
    char dir[512];
    am_store *st;
    char journey_a[AM_UUID_LEN + 1]; /* kiosk lobby-1 */
    char journey_b[AM_UUID_LEN + 1]; /* kiosk lobby-2 */
} fixture;

static void open_journey(am_store *st, const char *kiosk, char *uuid)
{
    am_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.category, sizeof r.category, "room");
    r.severity = AM_SEVERITY_SEVERE;
    snprintf(r.offer, sizeof r.offer, "voucher");
    r.offer_value_minor = 2500;
    r.offer_state = AM_OFFER_ACCEPTED;
    assert_int_equal(am_store_journey_open(st, kiosk, &r, 1000, uuid), AM_OK);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[512];
    am_test_tmpdir(f->dir, sizeof f->dir, "store-voucher");
    assert_int_equal(am_store_open(f->dir, AM_STORE_READWRITE, 1000, &f->st, err, sizeof err),
                     AM_OK);
    open_journey(f->st, "lobby-1", f->journey_a);
    open_journey(f->st, "lobby-2", f->journey_b);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    am_store_close(f->st);
    am_test_rmtree(f->dir);
    free(f);
    return 0;
}

static am_voucher_row make_row(const char *code, const char *journey, int64_t serial)
{
    am_voucher_row v;
    memset(&v, 0, sizeof v);
    snprintf(v.code, sizeof v.code, "%s", code);
    snprintf(v.journey_id, sizeof v.journey_id, "%s", journey);
    snprintf(v.offer_id, sizeof v.offer_id, "voucher");
    v.value_minor = 2500;
    v.serial = serial;
    v.created_ms = 5000;
    v.expires_ms = 5000 + 30 * 86400000LL;
    return v;
}

/* Takes the next serial and adds a voucher with it, in one transaction. */
static int64_t issue(am_store *st, const char *kiosk, const char *journey, const char *code)
{
    int64_t serial = 0;
    assert_int_equal(am_store_begin(st), AM_OK);
    assert_int_equal(am_store_voucher_next_serial(st, kiosk, &serial), AM_OK);
    am_voucher_row v = make_row(code, journey, serial);
    assert_int_equal(am_store_voucher_add(st, &v), AM_OK);
    assert_int_equal(am_store_commit(st), AM_OK);
    return serial;
}

static void added_voucher_is_found_by_code_and_serial(void **state)
{
    fixture *f = *state;
    am_voucher_row v = make_row("0A3K-7QX2-M9RD-4TWE", f->journey_a, 1), got;
    assert_int_equal(am_store_voucher_add(f->st, &v), AM_OK);

    assert_int_equal(am_store_voucher_get(f->st, "0A3K-7QX2-M9RD-4TWE", &got), AM_OK);
    assert_string_equal(got.code, v.code);
    assert_string_equal(got.journey_id, f->journey_a);
    assert_string_equal(got.kiosk, "lobby-1");
    assert_string_equal(got.offer_id, "voucher");
    assert_int_equal(got.value_minor, 2500);
    assert_int_equal(got.serial, 1);
    assert_int_equal(got.created_ms, 5000);
    assert_int_equal(got.expires_ms, v.expires_ms);
    assert_false(got.redeemed);

    memset(&got, 0, sizeof got);
    assert_int_equal(am_store_voucher_get_serial(f->st, "lobby-1", 1, &got), AM_OK);
    assert_string_equal(got.code, v.code);
    assert_int_equal(am_store_voucher_get_serial(f->st, "lobby-2", 1, &got), AM_ERR_NOTFOUND);
    assert_int_equal(am_store_voucher_get(f->st, "0A3K-7QX2-M9RD-4TWF", &got), AM_ERR_NOTFOUND);
}

static void serials_count_up_per_kiosk(void **state)
{
    fixture *f = *state;
    int64_t max = -1;
    assert_int_equal(am_store_voucher_max_serial(f->st, "lobby-1", &max), AM_OK);
    assert_int_equal(max, 0);
    assert_int_equal(issue(f->st, "lobby-1", f->journey_a, "AAAA-0000-0000-0001"), 1);
    assert_int_equal(issue(f->st, "lobby-1", f->journey_a, "AAAA-0000-0000-0002"), 2);
    assert_int_equal(issue(f->st, "lobby-2", f->journey_b, "BBBB-0000-0000-0001"), 1);
    assert_int_equal(issue(f->st, "lobby-1", f->journey_a, "AAAA-0000-0000-0003"), 3);
    assert_int_equal(am_store_voucher_max_serial(f->st, "lobby-1", &max), AM_OK);
    assert_int_equal(max, 3);
    assert_int_equal(am_store_voucher_max_serial(f->st, "lobby-2", &max), AM_OK);
    assert_int_equal(max, 1);
}

static void next_serial_needs_the_callers_transaction(void **state)
{
    fixture *f = *state;
    int64_t serial = 0;
    assert_int_equal(am_store_voucher_next_serial(f->st, "lobby-1", &serial), AM_ERR_INVALID);
    assert_non_null(strstr(am_store_errmsg(f->st), "am_store_begin"));
}

static void rolled_back_voucher_leaves_no_trace(void **state)
{
    fixture *f = *state;
    int64_t serial = 0;
    am_voucher_row got;
    assert_int_equal(am_store_begin(f->st), AM_OK);
    assert_int_equal(am_store_voucher_next_serial(f->st, "lobby-1", &serial), AM_OK);
    am_voucher_row v = make_row("CCCC-0000-0000-0001", f->journey_a, serial);
    assert_int_equal(am_store_voucher_add(f->st, &v), AM_OK);
    am_store_rollback(f->st);
    assert_int_equal(am_store_voucher_get(f->st, "CCCC-0000-0000-0001", &got), AM_ERR_NOTFOUND);
    /* Nor its record for the hub. */
    am_store_status s;
    assert_int_equal(am_store_get_status(f->st, &s), AM_OK);
    assert_int_equal(s.pending, 0);
    /* The serial was not used up. */
    assert_int_equal(issue(f->st, "lobby-1", f->journey_a, "CCCC-0000-0000-0002"), serial);
}

static void duplicates_and_orphans_are_refused(void **state)
{
    fixture *f = *state;
    am_voucher_row v = make_row("DDDD-0000-0000-0001", f->journey_a, 1), got;
    assert_int_equal(am_store_voucher_add(f->st, &v), AM_OK);

    am_voucher_row same_code = make_row("DDDD-0000-0000-0001", f->journey_a, 2);
    assert_int_equal(am_store_voucher_add(f->st, &same_code), AM_ERR_INVALID);
    assert_non_null(strstr(am_store_errmsg(f->st), "already stored"));

    am_voucher_row same_serial = make_row("DDDD-0000-0000-0002", f->journey_a, 1);
    assert_int_equal(am_store_voucher_add(f->st, &same_serial), AM_ERR_INVALID);
    assert_non_null(strstr(am_store_errmsg(f->st), "already issued serial 1"));
    /* The same serial on another kiosk is its own. */
    am_voucher_row other_kiosk = make_row("DDDD-0000-0000-0003", f->journey_b, 1);
    assert_int_equal(am_store_voucher_add(f->st, &other_kiosk), AM_OK);

    am_voucher_row orphan =
        make_row("DDDD-0000-0000-0004", "00000000-0000-4000-8000-000000000000", 7);
    assert_int_equal(am_store_voucher_add(f->st, &orphan), AM_ERR_INVALID);
    assert_non_null(strstr(am_store_errmsg(f->st), "does not exist"));
    assert_int_equal(am_store_voucher_get(f->st, "DDDD-0000-0000-0004", &got), AM_ERR_NOTFOUND);

    am_voucher_row no_serial = make_row("DDDD-0000-0000-0005", f->journey_a, 0);
    assert_int_equal(am_store_voucher_add(f->st, &no_serial), AM_ERR_INVALID);
    /* Only the two vouchers kept are queued: a refused one sends nothing. */
    am_store_status s;
    assert_int_equal(am_store_get_status(f->st, &s), AM_OK);
    assert_int_equal(s.pending, 2);
}

/* The voucher's record for the hub is in the outbox as soon as the
 * voucher is, due at once, ahead of the journey's feedback (which closes
 * later) and behind alerts; the worker finds the voucher by the record's
 * uuid. */
static void added_voucher_is_queued_for_the_hub(void **state)
{
    fixture *f = *state;
    char alert[AM_UUID_LEN + 1];
    assert_int_equal(issue(f->st, "lobby-1", f->journey_a, "GGGG-0000-0000-0001"), 1);
    am_voucher_row got;
    assert_int_equal(am_store_voucher_get(f->st, "GGGG-0000-0000-0001", &got), AM_OK);
    assert_int_equal(strlen(got.outbox_uuid), AM_UUID_LEN);

    am_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.category, sizeof r.category, "room");
    r.severity = AM_SEVERITY_SEVERE;
    r.outcome = AM_OUTCOME_COMPLETED;
    assert_int_equal(am_store_journey_close(f->st, f->journey_a, &r, AM_OUTCOME_COMPLETED, 6000),
                     AM_OK);
    assert_int_equal(am_store_alert_raise(f->st, "lobby-1", f->journey_a, AM_ALERT_SEVERE, "room",
                                          AM_SEVERITY_SEVERE, 7000, alert),
                     AM_OK);
    am_store_status s;
    assert_int_equal(am_store_get_status(f->st, &s), AM_OK);
    assert_int_equal(s.pending, 3);
    assert_int_equal(s.oldest_pending_ms, 5000); /* the voucher's issue time */

    am_outbox_item items[4];
    int count = 0;
    assert_int_equal(am_store_outbox_claim(f->st, 5000, 4, items, &count), AM_OK);
    assert_int_equal(count, 1); /* due at once: at its issue time */
    assert_int_equal(items[0].kind, AM_RECORD_VOUCHER);
    assert_string_equal(items[0].uuid, got.outbox_uuid);
    assert_int_equal(
        am_store_outbox_settle(f->st, items[0].uuid, AM_SYNC_PENDING, 0, "retry", 5001), AM_OK);
    assert_int_equal(am_store_outbox_claim(f->st, 8000, 4, items, &count), AM_OK);
    assert_int_equal(count, 3);
    assert_int_equal(items[0].kind, AM_RECORD_ALERT);
    assert_string_equal(items[0].uuid, alert);
    assert_int_equal(items[1].kind, AM_RECORD_VOUCHER);
    assert_int_equal(items[2].kind, AM_RECORD_FEEDBACK);
    assert_string_equal(items[2].uuid, f->journey_a);
    assert_string_equal(am_record_kind_name(items[1].kind), "voucher");

    am_voucher_row sent;
    assert_int_equal(am_store_voucher_get_outbox(f->st, items[1].uuid, &sent), AM_OK);
    assert_string_equal(sent.code, "GGGG-0000-0000-0001");
    assert_string_equal(sent.journey_id, f->journey_a);
    assert_string_equal(sent.kiosk, "lobby-1");
    assert_int_equal(sent.serial, 1);
    assert_int_equal(sent.created_ms, 5000);
    assert_int_equal(sent.expires_ms, got.expires_ms);
    assert_int_equal(am_store_voucher_get_outbox(f->st, f->journey_a, &sent), AM_ERR_NOTFOUND);

    /* Settled like any record; status counts it with the others. */
    for (int i = 0; i < count; i++)
        assert_int_equal(
            am_store_outbox_settle(f->st, items[i].uuid, AM_SYNC_SYNCED, 0, NULL, 8100), AM_OK);
    assert_int_equal(am_store_get_status(f->st, &s), AM_OK);
    assert_int_equal(s.pending + s.inflight, 0);
    assert_int_equal(s.synced, 3);

    /* Two vouchers get two records. */
    assert_int_equal(issue(f->st, "lobby-2", f->journey_b, "GGGG-0000-0000-0002"), 1);
    am_voucher_row second;
    assert_int_equal(am_store_voucher_get(f->st, "GGGG-0000-0000-0002", &second), AM_OK);
    assert_string_not_equal(second.outbox_uuid, got.outbox_uuid);
}

static void read_only_store_reads_but_never_writes(void **state)
{
    fixture *f = *state;
    am_voucher_row v = make_row("EEEE-0000-0000-0001", f->journey_a, 1), got;
    assert_int_equal(am_store_voucher_add(f->st, &v), AM_OK);
    am_store *ro = NULL;
    char err[512];
    assert_int_equal(am_store_open(f->dir, AM_STORE_READONLY, 2000, &ro, err, sizeof err), AM_OK);
    assert_int_equal(am_store_voucher_get(ro, "EEEE-0000-0000-0001", &got), AM_OK);
    assert_string_equal(got.kiosk, "lobby-1");
    int64_t max = 0;
    assert_int_equal(am_store_voucher_max_serial(ro, "lobby-1", &max), AM_OK);
    assert_int_equal(max, 1);
    am_voucher_row more = make_row("EEEE-0000-0000-0002", f->journey_a, 2);
    assert_int_equal(am_store_voucher_add(ro, &more), AM_ERR_READONLY);
    am_store_close(ro);
}

static void vouchers_survive_reopening(void **state)
{
    fixture *f = *state;
    issue(f->st, "lobby-1", f->journey_a, "FFFF-0000-0000-0001");
    am_store_close(f->st);
    char err[512];
    assert_int_equal(am_store_open(f->dir, AM_STORE_READWRITE, 3000, &f->st, err, sizeof err),
                     AM_OK);
    am_voucher_row got;
    assert_int_equal(am_store_voucher_get(f->st, "FFFF-0000-0000-0001", &got), AM_OK);
    assert_int_equal(issue(f->st, "lobby-1", f->journey_a, "FFFF-0000-0000-0002"), 2);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(added_voucher_is_queued_for_the_hub, setup, teardown),
    cmocka_unit_test_setup_teardown(added_voucher_is_found_by_code_and_serial, setup, teardown),
    cmocka_unit_test_setup_teardown(serials_count_up_per_kiosk, setup, teardown),
    cmocka_unit_test_setup_teardown(next_serial_needs_the_callers_transaction, setup, teardown),
    cmocka_unit_test_setup_teardown(rolled_back_voucher_leaves_no_trace, setup, teardown),
    cmocka_unit_test_setup_teardown(duplicates_and_orphans_are_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(read_only_store_reads_but_never_writes, setup, teardown),
    cmocka_unit_test_setup_teardown(vouchers_survive_reopening, setup, teardown),
};

AM_TEST_MAIN(tests)
