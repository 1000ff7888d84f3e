/* hub_vouchers.h — checking a voucher code: one path for the manager API
 * (GET /v1/vouchers/{code}) and the dashboard's voucher desk (/vouchers).
 * Redeeming is hub_db_voucher_redeem, for both. */
#ifndef AMENDS_HUB_VOUCHERS_H
#define AMENDS_HUB_VOUCHERS_H

#include <stddef.h>
#include <stdint.h>

#include "amends/voucher.h"
#include "hub_db.h"

/* Verifies `input` (as typed or scanned) with am_voucher_verify at now_ms:
 * with the key of the kiosk that the record names, or, when the hub holds
 * no record, with each kiosk's key in turn (a code one of them made is
 * "unknown": its record has not arrived; a code none of them made is
 * "tampered"). *v is the record when res->status is valid or expired. An
 * error only when the database failed. */
am_rc hub_voucher_verify(hub_db *db, const char *input, int64_t now_ms, hub_voucher *v,
                         am_voucher_result *res);

/* What the audit trail names a voucher by: its code, kiosk, serial and
 * offer (no guest's data: a voucher carries none). */
void hub_voucher_target(const hub_voucher *v, char *out, size_t outlen);

#endif
