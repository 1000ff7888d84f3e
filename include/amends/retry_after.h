/* retry_after.h — the Retry-After header (RFC 9110 section 10.2.3), with which
 * the hub asks a kiosk to wait. Implemented by src/proto/retry_after.c;
 * part of the amends_proto library. Pure: the caller brings the clock.
 */
#ifndef AMENDS_RETRY_AFTER_H
#define AMENDS_RETRY_AFTER_H

#include <stdint.h>

#include "amends/error.h"

/* Parses a Retry-After value: delta-seconds ("120") or an HTTP-date
 * (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", and the obsolete RFC 850
 * and asctime forms). Writes the wait in seconds from now_s (a date in the
 * past gives 0). AM_OK or AM_ERR_INVALID (the value is not either form;
 * the caller then uses its own backoff). */
am_rc am_proto_retry_after(const char *value, int64_t now_s, int64_t *delay_s);

#endif
