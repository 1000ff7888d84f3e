/* voucher_store.h — issuing and checking vouchers against the kiosk's own
 * store (src/voucher/voucher_store.c, library amends_voucher_store): the
 * glue the kiosk (issue) and amendsctl (verify) call. Kept apart from
 * voucher.h so that the hub, which checks vouchers against its own
 * database, links the codes without the kiosk's store.
 */
#ifndef AMENDS_VOUCHER_STORE_H
#define AMENDS_VOUCHER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "amends/error.h"
#include "amends/voucher.h"

typedef struct am_store am_store;

/* Issues a voucher for an accepted offer: takes the kiosk's next serial,
 * makes the code and stores the record, all inside the caller's
 * transaction (am_store_begin must be open; the caller commits with the
 * rest of the guest step). The journey must exist. On success code_out
 * holds the code to show. On failure the caller rolls back; err says why. */
am_rc am_voucher_issue(am_store *st, const am_voucher_key *key, const char *kiosk_id,
                       const char *journey_id, const char *offer_id, int64_t value_minor,
                       int64_t now_ms, int voucher_days, char code_out[AM_VOUCHER_CODE_SIZE],
                       char *err, size_t errlen);

/* am_voucher_verify against the kiosk's store (read-only is enough). */
am_rc am_voucher_verify_store(am_store *st, const am_voucher_key *key, const char *kiosk_id,
                              const char *input, int64_t now_ms, am_voucher_result *out, char *err,
                              size_t errlen);

#endif
