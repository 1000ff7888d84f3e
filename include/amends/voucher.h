/* voucher.h — goodwill voucher codes: issuing, parsing and offline checks.
 *
 * A code is 16 symbols of Crockford base32 (no I, L, O or U), shown as
 * four groups of four: SSST-TTTT-TTTT-TTTC. S is the voucher's serial
 * modulo 32768 (15 bits), T is a 60-bit HMAC-SHA256 tag made with the
 * issuing kiosk's voucher key over the kiosk id and the full serial, and C
 * is a check symbol that catches any one wrong symbol and any two swapped
 * symbols. The code names a voucher record (offer, value, expiry) that the
 * kiosk keeps in its store and syncs to the hub, which holds the same key.
 * docs/vouchers.md explains the design and why it is not Ed25519.
 *
 * Pure functions apart from the key file helpers; issuing and checking
 * against the kiosk's store are in voucher_store.h. Keys are borrowed and never copied outside the
 * caller's am_voucher_key; wipe it with am_voucher_key_wipe() when done.
 */
#ifndef AMENDS_VOUCHER_H
#define AMENDS_VOUCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/config.h"
#include "amends/error.h"

#define AM_VOUCHER_KEY_LEN     32 /* bytes in a voucher key file */
#define AM_VOUCHER_SYMBOLS     16 /* symbols in a code, the check symbol included */
#define AM_VOUCHER_CODE_SIZE   20 /* "XXXX-XXXX-XXXX-XXXX" and its NUL */
#define AM_VOUCHER_INPUT_MAX   64 /* longer input is refused before any work */
#define AM_VOUCHER_SHORT_BITS  15 /* serial bits carried in the code */
#define AM_VOUCHER_TAG_BITS    60 /* authentication bits carried in the code */
#define AM_VOUCHER_SERIAL_MAX  INT64_C(0x7fffffff) /* serials are 1..this */
#define AM_VOUCHER_OFFER_MAX   AM_ID_MAX
#define AM_VOUCHER_DEFAULT_KEY "/etc/amends/voucher.key"

/* --- keys ---------------------------------------------------------------- */

typedef struct am_voucher_key {
    unsigned char bytes[AM_VOUCHER_KEY_LEN];
} am_voucher_key;

/* Reads a key file: exactly 32 bytes, a regular file owned by the user
 * running the program, mode 0600 or 0400. Anything else is refused
 * (AM_ERR_CONFIG for permissions, owner or size; AM_ERR_NOTFOUND when the
 * file is missing; AM_ERR_IO otherwise) and err names the file, what was
 * found and what to do. */
am_rc am_voucher_key_load(const char *path, am_voucher_key *key, char *err, size_t errlen);

/* Creates a new key file with 32 random bytes, mode 0600, owned by the
 * caller. Refuses to replace an existing file (AM_ERR_INVALID): a new key
 * makes every voucher issued under the old one unverifiable. */
am_rc am_voucher_key_generate(const char *path, char *err, size_t errlen);

/* Overwrites the key in memory. Accepts NULL. */
void am_voucher_key_wipe(am_voucher_key *key);

/* --- codes --------------------------------------------------------------- */

/* A code that is well formed: 16 symbols whose check symbol is right. */
typedef struct am_voucher_code {
    char text[AM_VOUCHER_CODE_SIZE]; /* canonical: upper case, grouped by dashes */
    uint32_t short_serial;           /* serial modulo 32768 */
    uint64_t tag;                    /* the 60 authentication bits */
} am_voucher_code;

/* Reads a code as a person typed it: case does not matter, spaces and
 * dashes are ignored, O reads as 0 and I or L as 1. On failure returns
 * AM_ERR_INVALID and `why` says what is wrong in words for staff (wrong
 * length, a character that is not used, or "typo: check the code" when
 * the check symbol does not match). input may be NULL (malformed). */
am_rc am_voucher_parse(const char *input, am_voucher_code *out, char *why, size_t whylen);

/* The code for `serial` (1..AM_VOUCHER_SERIAL_MAX) of kiosk `kiosk_id`,
 * canonical, into code_out. This is what the kiosk shows on `thanks`. */
am_rc am_voucher_encode(const am_voucher_key *key, const char *kiosk_id, int64_t serial,
                        char code_out[AM_VOUCHER_CODE_SIZE]);

/* True when `code` was made with this key for this kiosk and serial.
 * Compares in constant time. */
bool am_voucher_authentic(const am_voucher_key *key, const char *kiosk_id, int64_t serial,
                          const am_voucher_code *code);

/* The full serials (1..max_serial + 32768, oldest first) that a code's
 * 15-bit short serial can stand for when no record says which: at most
 * `max` are written to out; returns how many exist. */
int am_voucher_serial_candidates(uint32_t short_serial, int64_t max_serial, int64_t *out, int max);

/* --- verification -------------------------------------------------------- */

typedef enum am_voucher_status {
    AM_VOUCHER_VALID = 0, /* authentic, on record, not expired */
    AM_VOUCHER_EXPIRED,   /* authentic and on record, but past its expiry */
    AM_VOUCHER_TAMPERED,  /* well formed, but the tag does not match */
    AM_VOUCHER_UNKNOWN,   /* authentic-looking, but there is no such record */
    AM_VOUCHER_MALFORMED, /* not a code: length, characters or check symbol */
    AM_VOUCHER_STATUS_COUNT
} am_voucher_status;
/* "valid", "expired", "tampered", "unknown", "malformed". */
const char *am_voucher_status_name(am_voucher_status s);

/* What a voucher record holds: on the kiosk a row of its store, at the hub
 * the synced copy. */
typedef struct am_voucher_record {
    char code[AM_VOUCHER_CODE_SIZE];
    char kiosk[AM_KIOSK_ID_MAX];
    int64_t serial;
    char offer_id[AM_VOUCHER_OFFER_MAX];
    int64_t value_minor; /* in the budget currency's minor unit */
    int64_t created_ms;
    int64_t expires_ms; /* wall clock; expired from this instant on */
} am_voucher_record;

/* Finds the record of a canonical code. Returns AM_OK and fills *rec,
 * AM_ERR_NOTFOUND, or another code when the lookup itself failed. */
typedef am_rc (*am_voucher_lookup_fn)(void *ud, const char *code, am_voucher_record *rec);

typedef struct am_voucher_result {
    am_voucher_status status;
    am_voucher_code code;  /* parsed code (text is "" when malformed) */
    am_voucher_record rec; /* the record, for VALID and EXPIRED */
    int64_t serial;        /* full serial; 0 when it cannot be known */
    char reason[192];      /* one line for staff */
} am_voucher_result;

/* The whole check: parse, find the record, authenticate with `key` (for
 * the record's kiosk, or `kiosk_id` when there is no record), then expiry.
 * max_serial is the highest serial the caller knows this kiosk issued (it
 * bounds which full serials an unrecorded code may stand for). Returns
 * AM_OK with the answer in *out, or the lookup's error. */
am_rc am_voucher_verify(const am_voucher_key *key, const char *kiosk_id, const char *input,
                        int64_t now_ms, int64_t max_serial, am_voucher_lookup_fn lookup, void *ud,
                        am_voucher_result *out);

/* Expiry of a voucher issued at issued_ms that stays valid `days` days
 * ([budget] voucher_days). */
int64_t am_voucher_expiry(int64_t issued_ms, int days);

#endif
