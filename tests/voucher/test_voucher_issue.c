/* test_voucher_issue.c — what the kiosk does when a guest accepts an offer
 * (am_voucher_issue inside the guest step's transaction), and what staff
 * see when they check the code against the same store. */
#include "am_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/store.h"
#include "amends/voucher.h"
#include "amends/voucher_store.h"

#define KIOSK "lobby-1"
#define DAY   INT64_C(86400000)
#define NOW   INT64_C(1790000000000)

typedef struct fixture {
    char dir[512];
    am_store *st;
    am_voucher_key key;
    char journey[AM_UUID_LEN + 1];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    char err[512];
    am_test_tmpdir(f->dir, sizeof f->dir, "voucher-issue");
    assert_int_equal(am_store_open(f->dir, AM_STORE_READWRITE, NOW, &f->st, err, sizeof err),
                     AM_OK);
    am_report r;
    memset(&r, 0, sizeof r);
    snprintf(r.category, sizeof r.category, "room");
    r.severity = AM_SEVERITY_SEVERE;
    assert_int_equal(am_store_journey_open(f->st, KIOSK, &r, NOW, f->journey), AM_OK);
    for (int i = 0; i < AM_VOUCHER_KEY_LEN; i++)
        f->key.bytes[i] = (unsigned char)(200 - i);
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

static void issue_one(fixture *f, int64_t now, int days, char code[AM_VOUCHER_CODE_SIZE])
{
    char err[512];
    assert_int_equal(am_store_begin(f->st), AM_OK);
    am_rc rc = am_voucher_issue(f->st, &f->key, KIOSK, f->journey, "voucher", 2500, now, days, code,
                                err, sizeof err);
    if (rc)
        fail_msg("issue: %s", err);
    assert_int_equal(am_store_commit(f->st), AM_OK);
}

static void issued_voucher_verifies_with_its_offer(void **state)
{
    fixture *f = *state;
    char code[AM_VOUCHER_CODE_SIZE], err[512];
    issue_one(f, NOW, 30, code);
    assert_int_equal(strlen(code), 19);

    am_voucher_row row;
    assert_int_equal(am_store_voucher_get(f->st, code, &row), AM_OK);
    assert_int_equal(row.serial, 1);
    assert_int_equal(row.expires_ms, NOW + 30 * DAY);
    assert_string_equal(row.journey_id, f->journey);

    am_voucher_result r;
    assert_int_equal(
        am_voucher_verify_store(f->st, &f->key, KIOSK, code, NOW + DAY, &r, err, sizeof err),
        AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_VALID);
    assert_string_equal(r.rec.offer_id, "voucher");
    assert_int_equal(r.rec.value_minor, 2500);
    assert_string_equal(r.rec.kiosk, KIOSK);
    assert_int_equal(r.serial, 1);

    /* The same code, 31 days on. */
    assert_int_equal(
        am_voucher_verify_store(f->st, &f->key, KIOSK, code, NOW + 30 * DAY, &r, err, sizeof err),
        AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_EXPIRED);
}

static void each_voucher_gets_its_own_serial_and_code(void **state)
{
    fixture *f = *state;
    char codes[5][AM_VOUCHER_CODE_SIZE];
    for (int i = 0; i < 5; i++) {
        issue_one(f, NOW + i, 30, codes[i]);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(codes[i], codes[j]);
        am_voucher_row row;
        assert_int_equal(am_store_voucher_get(f->st, codes[i], &row), AM_OK);
        assert_int_equal(row.serial, i + 1);
    }
}

static void issue_outside_a_transaction_is_refused(void **state)
{
    fixture *f = *state;
    char code[AM_VOUCHER_CODE_SIZE], err[512];
    assert_int_equal(am_voucher_issue(f->st, &f->key, KIOSK, f->journey, "voucher", 2500, NOW, 30,
                                      code, err, sizeof err),
                     AM_ERR_INVALID);
    assert_non_null(strstr(err, "transaction"));
    assert_string_equal(code, "");
}

static void issue_for_a_missing_journey_rolls_back(void **state)
{
    fixture *f = *state;
    char code[AM_VOUCHER_CODE_SIZE], err[512];
    assert_int_equal(am_store_begin(f->st), AM_OK);
    assert_int_equal(am_voucher_issue(f->st, &f->key, KIOSK, "00000000-0000-4000-8000-00000000000",
                                      "voucher", 2500, NOW, 30, code, err, sizeof err),
                     AM_ERR_INVALID);
    assert_non_null(strstr(err, "does not exist"));
    am_store_rollback(f->st);
    int64_t max = -1;
    assert_int_equal(am_store_voucher_max_serial(f->st, KIOSK, &max), AM_OK);
    assert_int_equal(max, 0);
}

static void store_answers_unknown_and_tampered(void **state)
{
    fixture *f = *state;
    char code[AM_VOUCHER_CODE_SIZE], err[512];
    issue_one(f, NOW, 30, code);
    /* Made with the key, never stored (say, the store was replaced). */
    char unrecorded[AM_VOUCHER_CODE_SIZE];
    assert_int_equal(am_voucher_encode(&f->key, KIOSK, 2, unrecorded), AM_OK);
    am_voucher_result r;
    assert_int_equal(
        am_voucher_verify_store(f->st, &f->key, KIOSK, unrecorded, NOW, &r, err, sizeof err),
        AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_UNKNOWN);
    /* Checked with a different key: the stored record no longer matches. */
    am_voucher_key other = f->key;
    other.bytes[0] ^= 1;
    assert_int_equal(am_voucher_verify_store(f->st, &other, KIOSK, code, NOW, &r, err, sizeof err),
                     AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_TAMPERED);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(issued_voucher_verifies_with_its_offer, setup, teardown),
    cmocka_unit_test_setup_teardown(each_voucher_gets_its_own_serial_and_code, setup, teardown),
    cmocka_unit_test_setup_teardown(issue_outside_a_transaction_is_refused, setup, teardown),
    cmocka_unit_test_setup_teardown(issue_for_a_missing_journey_rolls_back, setup, teardown),
    cmocka_unit_test_setup_teardown(store_answers_unknown_and_tampered, setup, teardown),
};

AM_TEST_MAIN(tests)
