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

static void ago(int64_t age_ms, const char *want)
{
    const int64_t now = utc(2026, 11, 22, 8, 0, 0);
    char buf[32] = "x";
    am_format_ago(now - age_ms, now, buf, sizeof buf);
    assert_string_equal(buf, want);
}

/* One "N ago" for amendsctl, the manager screen and the dashboard: each
 * unit up to twice its size, then the next, ending in days. */
static void ago_boundaries_up_to_days(void **state)
{
    (void)state;
    ago(0, "0s ago");
    ago(999, "0s ago");
    ago(-5000, "0s ago"); /* a clock set back: never "in -5s" */
    ago(1000, "1s ago");
    ago(119999, "119s ago");
    ago(120000, "2 min ago");
    ago(7199999, "119 min ago");
    ago(7200000, "2 h ago");
    ago(172799999, "47 h ago");
    ago(172800000, "2 days ago");
    ago(INT64_C(400) * 86400000 + 5, "400 days ago");
    char small[8] = "x";
    am_format_ago(0, INT64_C(3) * 86400000, small, sizeof small); /* cut, still terminated */
    assert_string_equal(small, "3 days ");
}

/* The units every translated "N ago" is built from cut where
 * am_format_ago's do. */
static void age_split_cuts_like_ago(void **state)
{
    (void)state;
    static const struct {
        int64_t ms;
        am_age_unit unit;
        int64_t n;
    } cases[] = {
        {-5000, AM_AGE_SECONDS, 0},  {119999, AM_AGE_SECONDS, 119},
        {120000, AM_AGE_MINUTES, 2}, {7199999, AM_AGE_MINUTES, 119},
        {7200000, AM_AGE_HOURS, 2},  {172799999, AM_AGE_HOURS, 47},
        {172800000, AM_AGE_DAYS, 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t n = -1;
        assert_int_equal(am_age_split(cases[i].ms, &n), cases[i].unit);
        assert_int_equal(n, cases[i].n);
    }
}

static void monotonic_never_goes_back(void **state)
{
    (void)state;
    int64_t ns = am_mono_ns(), ms = am_mono_ms();
    assert_true(ms >= ns / 1000000);
    for (int i = 0; i < 1000; i++) {
        int64_t n2 = am_mono_ns();
        assert_true(n2 >= ns);
        ns = n2;
    }
    assert_true(am_mono_ms() >= ms);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(ago_boundaries_up_to_days),
    cmocka_unit_test(age_split_cuts_like_ago),
    cmocka_unit_test(monotonic_never_goes_back),
    cmocka_unit_test(utc_text_and_never),
    cmocka_unit_test(utc_midnight),
    cmocka_unit_test(berlin_normal_and_change_days),
    cmocka_unit_test(day_without_midnight_starts_at_its_first_moment),
};

AM_TEST_MAIN(tests)
