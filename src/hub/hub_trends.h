/* hub_trends.h — learning from cases: a site's trends, computed once for
 * GET /v1/trends and the dashboard's /trends page.
 *
 * Over the cases of one site opened in the last `days` days (UTC days,
 * today included):
 * - resolved cases by root cause, per UTC day of resolution;
 * - per team (null: no team), the time from opening to acknowledging and
 *   to resolving: median and 90th percentile by nearest rank (the value
 *   at position ceil(p/100 * n) of the sorted times), in ms;
 * - the share of resolved cases resolved by their resolve deadline;
 * - the guests' recovery rating (their report's 1-5) for cases resolved
 *   in time against cases resolved late or marked unresolved.
 * And, over the last 30 days whatever `days` is, the locations with two or
 * more cases: the same room twice stands out.
 */
#ifndef AMENDS_HUB_TRENDS_H
#define AMENDS_HUB_TRENDS_H

#include <cjson/cJSON.h>
#include <stdint.h>

#include "amends/error.h"

typedef struct hub_db hub_db;

#define HUB_TRENDS_DAYS_MAX    366
#define HUB_TRENDS_REPEAT_DAYS 30

/* {"site","days","since","root_causes":{"days":["YYYY-MM-DD"...],
 * "series":[{"root_cause","counts":[...]}...]},"teams":[{"team","cases",
 * "acknowledged","ack_median_ms","ack_p90_ms","resolved",
 * "resolve_median_ms","resolve_p90_ms"}...],"deadline":{"resolved",
 * "in_time","share"},"repeats":[{"location","cases","codes":[...]}...],
 * "rating":{"in_time":{"guests","average"},"late":{"guests","average"}}}.
 * A figure with nothing to measure is null. */
am_rc hub_trends(hub_db *db, const char *site, int days, int64_t now_ms, cJSON **out);

/* The nearest-rank percentile p (1-100) of n sorted values. */
int64_t hub_trends_percentile(const int64_t *sorted, size_t n, int p);

#endif
