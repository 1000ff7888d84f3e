/* test_clock.c — the budget day starts at local midnight, also on the
 * days the clocks change. */
#include "am_test.h"

#include <stdlib.h>
#include <time.h>

#include "amends/clock.h"

static void use_zone(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* ms since the epoch of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = s};
    return (int64_t)timegm(&tm) * 1000;
}

static void utc_midnight(void **state)
{
    (void)state;
    use_zone("UTC");
    int64_t midnight = utc(2026, 11, 22, 0, 0, 0);
    assert_int_equal(am_local_day_start_ms(midnight), midnight);
    assert_int_equal(am_local_day_start_ms(midnight + 1), midnight);
    assert_int_equal(am_local_day_start_ms(utc(2026, 11, 22, 23, 59, 59) + 999), midnight);
    assert_int_equal(am_local_day_start_ms(midnight - 1), utc(2026, 11, 21, 0, 0, 0));
}

static void berlin_normal_and_change_days(void **state)
{
    (void)state;
    use_zone("Europe/Berlin");
    /* Winter: midnight is 23:00 UTC the day before. */
    assert_int_equal(am_local_day_start_ms(utc(2026, 1, 15, 12, 0, 0)), utc(2026, 1, 14, 23, 0, 0));
    /* Summer: 22:00 UTC the day before. */
    assert_int_equal(am_local_day_start_ms(utc(2026, 7, 15, 21, 59, 0)),
                     utc(2026, 7, 14, 22, 0, 0));
    /* 29 March 2026: 02:00 becomes 03:00. Midnight was still +01:00. */
    assert_int_equal(am_local_day_start_ms(utc(2026, 3, 29, 12, 0, 0)), utc(2026, 3, 28, 23, 0, 0));
    assert_int_equal(am_local_day_start_ms(utc(2026, 3, 29, 21, 59, 0)),
                     utc(2026, 3, 28, 23, 0, 0));
    /* 25 October 2026: 03:00 becomes 02:00. Midnight was +02:00. */
    assert_int_equal(am_local_day_start_ms(utc(2026, 10, 25, 12, 0, 0)),
                     utc(2026, 10, 24, 22, 0, 0));
    assert_int_equal(am_local_day_start_ms(utc(2026, 10, 25, 22, 59, 0)),
                     utc(2026, 10, 24, 22, 0, 0));
}

static void day_without_midnight_starts_at_its_first_moment(void **state)
{
    (void)state;
    /* Chile moves from 00:00 straight to 01:00 on 6 September 2026 (-04 to
     * -03): that day starts at 01:00 local, 04:00 UTC. */
    use_zone("America/Santiago");
    int64_t start = am_local_day_start_ms(utc(2026, 9, 6, 15, 0, 0));
    assert_int_equal(start, utc(2026, 9, 6, 4, 0, 0));
    assert_true(start <= utc(2026, 9, 6, 15, 0, 0));
}

static void utc_text_and_never(void **state)
{
    (void)state;
    char buf[32] = "x";
    am_format_utc(utc(2026, 11, 22, 8, 5, 9) + 999, buf, sizeof buf);
    assert_string_equal(buf, "2026-11-22T08:05:09Z");
    am_format_utc(0, buf, sizeof buf);
    assert_string_equal(buf, "");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(utc_text_and_never),
    cmocka_unit_test(utc_midnight),
    cmocka_unit_test(berlin_normal_and_change_days),
    cmocka_unit_test(day_without_midnight_starts_at_its_first_moment),
};

AM_TEST_MAIN(tests)
