/* case_code.h — the short code a guest reads and types to name their case
 * (for example HV-7K2M): a prefix that names the kiosk, a dash and four
 * characters without look-alikes. Made by the store when a report is
 * committed (so it exists offline), unique per kiosk; the hub finds the
 * case by it. Pure functions, no allocation. */
#ifndef AMENDS_CASE_CODE_H
#define AMENDS_CASE_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for a code and its terminating NUL: at most 15 characters, as the
 * hub keeps them. */
#define AM_CASE_CODE_MAX 16
/* A prefix is 1 to AM_CASE_PREFIX_MAX of A-Z and 0-9. */
#define AM_CASE_PREFIX_MAX 4
/* The characters after the dash. */
#define AM_CASE_CODE_TAIL 4

/* Read aloud or typed from a screen: no 0/O, 1/I/L, and no U (30 of them). */
extern const char am_case_code_alphabet[];

/* True for a prefix: 1 to AM_CASE_PREFIX_MAX of A-Z 0-9. */
bool am_case_prefix_valid(const char *prefix);
/* The prefix a kiosk id gives when [kiosk] case_prefix is empty: the
 * initials of its first two words (lobby-2 -> L2, front-desk -> FD), else
 * its first two letters or digits, upper-cased; "K" when it has none. */
void am_case_prefix_of(const char *kiosk_id, char *out, size_t len);
/* PREFIX-XXXX from four random numbers (any uint32 values). */
void am_case_code_make(const char *prefix, const uint32_t rnd[AM_CASE_CODE_TAIL], char *out,
                       size_t len);
/* True for a code as the kiosk makes them: a valid prefix, '-', four
 * characters of the alphabet. */
bool am_case_code_valid(const char *code);

#endif
