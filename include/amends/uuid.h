/* uuid.h — the text form of the ids records carry: UUID version 7
 * (RFC 9562), lower case, 8-4-4-4-12.
 *
 * Version 7 puts the creation time in milliseconds first, so ids made
 * later sort later: indexes on them (the kiosk's outbox, the hub's
 * feedback, alerts and batches) grow at one end instead of touching a
 * random page per insert. The other 74 bits are random; the caller brings
 * them, so this stays libc only. */
#ifndef AMENDS_UUID_H
#define AMENDS_UUID_H

#include <stdint.h>

#define AM_UUID_TEXT_LEN 36

/* Writes the UUID made of `unix_ms` (negative counts as 0) and the random
 * bytes in `random16` (all 16 are read; 6 are replaced by the time and 6
 * bits by version and variant) to `out`, NUL-terminated. */
void am_uuid_v7_text(const unsigned char random16[16], int64_t unix_ms,
                     char out[AM_UUID_TEXT_LEN + 1]);

#endif
