/* clock.h — wall-clock and monotonic time, ages for people, and the
 * kiosk's budget day.
 *
 * The daily offer budget resets at local midnight. The kiosk's UI thread,
 * its sync worker (for the heartbeat) and amendsctl all need the same
 * boundary, and the first two run at once: this uses localtime_r only,
 * never mktime, because mktime re-reads the time zone and rewrites glibc's
 * shared time-zone state on every call, which races with another thread.
 * Call tzset() once before starting threads.
 */
#ifndef AMENDS_CLOCK_H
#define AMENDS_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Wall-clock time now, in ms since the epoch (CLOCK_REALTIME): the one
 * clock records, logs and budgets are stamped with. */
int64_t am_wall_ms(void);

/* Monotonic time (CLOCK_MONOTONIC), for timeouts, deadlines and
 * measuring: never jumps when the wall clock is set. The origin is
 * arbitrary; only differences mean anything. */
int64_t am_mono_ms(void);
int64_t am_mono_ns(void);

/* The unit people read an age in, and how many of it: seconds under two
 * minutes, minutes under two hours, hours under two days, then days. A
 * negative age is 0 seconds. Every "N ago" in the project (amendsctl, the
 * dashboard, the manager screen in the guest's language) cuts here. */
typedef enum am_age_unit { AM_AGE_SECONDS, AM_AGE_MINUTES, AM_AGE_HOURS, AM_AGE_DAYS } am_age_unit;
am_age_unit am_age_split(int64_t age_ms, int64_t *count);

/* How long ago at_ms was, seen at now_ms (both wall-clock ms), in English
 * (am_age_split's units): "45s ago" under two minutes, "12 min ago" under two hours,
 * "5 h ago" under two days, then "3 days ago". A time in the future reads
 * "0s ago". len of 32 holds any of them. */
void am_format_ago(int64_t at_ms, int64_t now_ms, char *buf, size_t len);

/* ms since the epoch as UTC "2026-11-22T08:00:00Z"; "" for 0 or less,
 * which the store uses for "never". len of 21 or more holds it. */
void am_format_utc(int64_t ms, char *buf, size_t len);

/* Local midnight at or before wall_ms (ms since the epoch). On a day with
 * a daylight-saving change it is still the wall clock's 00:00; where 00:00
 * does not exist that day, the first moment of the day. */
int64_t am_local_day_start_ms(int64_t wall_ms);

#endif
