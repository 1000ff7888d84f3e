/* clock.h — wall-clock time and the kiosk's budget day.
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

/* ms since the epoch as UTC "2026-11-22T08:00:00Z"; "" for 0 or less,
 * which the store uses for "never". len of 21 or more holds it. */
void am_format_utc(int64_t ms, char *buf, size_t len);

/* Local midnight at or before wall_ms (ms since the epoch). On a day with
 * a daylight-saving change it is still the wall clock's 00:00; where 00:00
 * does not exist that day, the first moment of the day. */
int64_t am_local_day_start_ms(int64_t wall_ms);

#endif
