/* hub_tz.h — a site's clock: times shown to a person in the time zone of
 * the site they concern, and the zone names and currencies a site may have.
 *
 * Zones are the IANA names of the system's tz database
 * (/usr/share/zoneinfo, Debian's tzdata): "Europe/London", "UTC".
 */
#ifndef AMENDS_HUB_TZ_H
#define AMENDS_HUB_TZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HUB_TZ_MAX       64 /* a zone name and its NUL */
#define HUB_CURRENCY_MAX 4  /* ISO 4217: three capitals and a NUL */

/* True when `zone` names a zone of the tz database: letters, digits and
 * "/_+-" only, no "..", and a TZif file under /usr/share/zoneinfo. */
bool hub_tz_valid(const char *zone);

/* True for three capital letters (an ISO 4217 code such as GBP). */
bool hub_currency_valid(const char *code);

typedef enum hub_tz_form {
    HUB_TZ_MINUTE, /* 2026-12-02 04:40 GMT */
    HUB_TZ_SECOND, /* 2026-12-02 04:40:07 GMT */
} hub_tz_form;

/* Formats ms since 1970 as wall time in `zone` followed by the zone's
 * abbreviation (GMT, BST, CET...), so that the reader knows which clock it
 * is. A NULL, empty or unknown zone formats in UTC. Thread-safe. */
void hub_tz_format(int64_t ms, const char *zone, hub_tz_form form, char *out, size_t outlen);

#endif
