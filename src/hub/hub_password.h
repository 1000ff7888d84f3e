/* hub_password.h — people's passwords: the rules a new one must meet, and
 * Argon2id hashing (libsodium's crypto_pwhash_str, interactive limits).
 *
 * A password is at least HUB_PASSWORD_MIN characters (UTF-8 characters,
 * not bytes), at most HUB_PASSWORD_MAX bytes, and not common: neither it
 * nor what is left once digits and symbols around it are taken off is a
 * word of the list built into the hub (hub_common_words.c, made at build
 * time from Debian's wamerican word list and the stems of the most used
 * passwords in common-passwords.txt), nor one short piece repeated.
 */
#ifndef AMENDS_HUB_PASSWORD_H
#define AMENDS_HUB_PASSWORD_H

#include <stdbool.h>
#include <stddef.h>

#include "amends/error.h"

#define HUB_PASSWORD_MIN      12
#define HUB_PASSWORD_MAX      256 /* bytes */
#define HUB_PASSWORD_HASH_MAX 128 /* crypto_pwhash_STRBYTES */

/* AM_OK when pw may be set; otherwise AM_ERR_INVALID and `why`, a sentence
 * for the person choosing it (never the password itself). */
am_rc hub_password_check(const char *pw, char *why, size_t whylen);

/* True when `word` (lower case) is in the built-in list. */
bool hub_password_common_word(const char *word);
/* How many words the built-in list holds. */
size_t hub_password_common_count(void);

/* The Argon2id hash of pw, as a self-describing string (algorithm, limits,
 * salt). AM_ERR_NOMEM when libsodium cannot get the memory. */
am_rc hub_password_hash(const char *pw, char out[HUB_PASSWORD_HASH_MAX]);

/* True when pw matches hash. hash NULL or "" (an unknown person, or one
 * who has set no password) is checked against a dummy hash made at the
 * first call, so that the work, and so the time, is the same; it never
 * matches. Thread-safe. */
bool hub_password_verify(const char *hash, const char *pw);

#endif
