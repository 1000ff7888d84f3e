/* voucher_internal.h — pieces of the voucher module shared between its
 * files and its tests; not part of the public surface. */
#ifndef AMENDS_VOUCHER_INTERNAL_H
#define AMENDS_VOUCHER_INTERNAL_H

#include "amends/voucher.h"

/* Multiplication in GF(32) modulo x^5 + x^2 + 1. */
unsigned am_voucher_gf_mul(unsigned a, unsigned b);
/* The check weight of symbol position 0..15 (position 15, the check
 * symbol, has weight 1). */
unsigned am_voucher_weight(int position);
/* The check symbol's value for the first 15 symbol values. */
unsigned am_voucher_check_symbol(const unsigned char values[AM_VOUCHER_SYMBOLS - 1]);
/* Symbol values (serial, tag, check) of a code. */
void am_voucher_pack(uint32_t short_serial, uint64_t tag, unsigned char values[AM_VOUCHER_SYMBOLS]);
/* Canonical text of 16 symbol values. */
void am_voucher_format(const unsigned char values[AM_VOUCHER_SYMBOLS],
                       char text[AM_VOUCHER_CODE_SIZE]);
/* The 60-bit tag for a kiosk and full serial. */
uint64_t am_voucher_tag(const am_voucher_key *key, const char *kiosk_id, int64_t serial);

#endif
