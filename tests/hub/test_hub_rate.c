/* test_hub_rate.c — the hub's per-kiosk rate limit (hub_auth.h) on a clock
 * the test moves, instead of waiting out a Retry-After in real time: the
 * seconds a 429 names are exactly when the kiosk gets through again. The
 * 429 itself, its Retry-After header and the per-kiosk allowance over HTTP
 * are in hub_cases.h (ingest_rate_limited_gets_429_with_retry_after). */
#include <stdint.h>

#include "am_test.h"
#include "hub_auth.h"

#define T0 1764662400000 /* any wall-clock time, ms */

/* As the hub tests' setup_rate: 60 a minute, a burst of 3. */
static void after_waiting_as_told_the_kiosk_gets_through(void **state)
{
    (void)state;
    hub_rate *r = hub_rate_new(60, 3);
    assert_non_null(r);
    int retry_s = -1;
    for (int i = 0; i < 3; i++)
        assert_true(hub_rate_take(r, "k1", T0, &retry_s));
    assert_false(hub_rate_take(r, "k1", T0, &retry_s));
    assert_true(retry_s >= 1 && retry_s <= 2);
    /* Another kiosk has its own allowance. */
    int other_s = -1;
    assert_true(hub_rate_take(r, "k2", T0, &other_s));
    /* Asked too early, still refused, and told to wait again. */
    int again_s = -1;
    assert_false(hub_rate_take(r, "k1", T0 + 500, &again_s));
    assert_true(again_s >= 1 && again_s <= retry_s);
    /* After waiting as told, k1 gets through again. */
    assert_true(hub_rate_take(r, "k1", T0 + (int64_t)retry_s * 1000, &again_s));
    hub_rate_free(r);
}

/* A limit that counts only failures: checking takes nothing. */
static void check_takes_nothing(void **state)
{
    (void)state;
    hub_rate *r = hub_rate_new(60, 1);
    assert_non_null(r);
    int retry_s = -1;
    for (int i = 0; i < 5; i++)
        assert_true(hub_rate_check(r, "m", T0, &retry_s));
    assert_true(hub_rate_take(r, "m", T0, &retry_s));
    assert_false(hub_rate_check(r, "m", T0, &retry_s));
    assert_true(retry_s >= 1);
    assert_true(hub_rate_check(r, "m", T0 + (int64_t)retry_s * 1000, &retry_s));
    hub_rate_free(r);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(after_waiting_as_told_the_kiosk_gets_through),
    cmocka_unit_test(check_takes_nothing),
};

AM_TEST_MAIN(tests)
