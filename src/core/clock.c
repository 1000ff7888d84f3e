/* clock.c — wall-clock and monotonic time, ages and the budget day (see
 * clock.h). */
#include "amends/clock.h"

#include <stdio.h>
#include <time.h>

int64_t am_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t am_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t am_mono_ms(void)
{
    return am_mono_ns() / 1000000;
}

am_age_unit am_age_split(int64_t age_ms, int64_t *count)
{
    int64_t s = age_ms > 0 ? age_ms / 1000 : 0;
    if (s < 120) {
        *count = s;
        return AM_AGE_SECONDS;
    }
    if (s < 7200) {
        *count = s / 60;
        return AM_AGE_MINUTES;
    }
    if (s < 172800) {
        *count = s / 3600;
        return AM_AGE_HOURS;
    }
    *count = s / 86400;
    return AM_AGE_DAYS;
}

void am_format_ago(int64_t at_ms, int64_t now_ms, char *buf, size_t len)
{
    static const char *const unit_text[] = {
        [AM_AGE_SECONDS] = "s",
        [AM_AGE_MINUTES] = " min",
        [AM_AGE_HOURS] = " h",
        [AM_AGE_DAYS] = " days",
    };
    int64_t n = 0;
    am_age_unit unit = am_age_split(now_ms - at_ms, &n);
    snprintf(buf, len, "%lld%s ago", (long long)n, unit_text[unit]);
}

void am_format_utc(int64_t ms, char *buf, size_t len)
{
    if (len == 0)
        return;
    buf[0] = '\0';
    if (ms <= 0)
        return;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int64_t seconds_into_day(time_t t)
{
    struct tm tm;
    if (!localtime_r(&t, &tm))
        return 0;
    return (int64_t)tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

int64_t am_local_day_start_ms(int64_t wall_ms)
{
    int64_t ms_part = wall_ms % 1000;
    if (ms_part < 0)
        ms_part += 1000;
    time_t t = (time_t)((wall_ms - ms_part) / 1000);
    /* Subtracting the wall clock's seconds since 00:00 lands on midnight
     * unless the UTC offset changed since then; then the candidate shows
     * 23:xx or 01:xx and is moved by that difference. A few rounds settle
     * any real offset change (at most hours). */
    time_t start = t - (time_t)seconds_into_day(t);
    for (int round = 0; round < 3; round++) {
        int64_t into = seconds_into_day(start);
        if (into == 0)
            break;
        if (into > 12 * 3600)
            start += (time_t)(24 * 3600 - into); /* 23:xx: midnight is ahead */
        else
            start -= (time_t)into; /* 01:xx: midnight is behind */
    }
    /* Never after the moment itself (a day without a 00:00). */
    if (start > t)
        start = t - (time_t)seconds_into_day(t);
    return (int64_t)start * 1000;
}
