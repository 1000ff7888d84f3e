/* test_store_voucher.c — the store's voucher records: added with a
 * journey, found by code and by serial, and serials handed out inside the
 * caller's transaction so that none is given twice. */
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
    cmocka_unit_test_setup_teardown(added_voucher_is_found_by_code_and_serial, setup, teardown),
    cmocka_unit_test_setup_teardown(serials_count_up_per_kiosk, setup, teardown),
    cmocka_unit_test_setup_teardown(next_serial_needs_the_callers_transaction, setup, teardown),
    cmocka_unit_test_setup_teardown(rolled_back_voucher_leaves_no_trace, setup, teardown),
    cmocka_unit_test_setup_teardown(duplicates_and_orphans_are_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(read_only_store_reads_but_never_writes, setup, teardown),
    cmocka_unit_test_setup_teardown(vouchers_survive_reopening, setup, teardown),
};

AM_TEST_MAIN(tests)
