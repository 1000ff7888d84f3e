/* text.h — UTF-8 handling for guest input. Pure functions, no allocation.
 *
 * Guest text is stored exactly as typed: quotes, commas, newlines, SQL and
 * emoji round-trip unchanged. Only invalid UTF-8 (overlongs, surrogates,
 * code points past U+10FFFF, truncated sequences) and NUL are refused.
 */
#ifndef AMENDS_TEXT_H
#define AMENDS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when s[0..len) is valid UTF-8 with no NUL byte. */
bool am_utf8_valid(const char *s, size_t len);

/* Number of code points in a valid UTF-8 string. */
size_t am_utf8_count(const char *s);

/* Appends `add` to the NUL-terminated UTF-8 string in buf (capacity bufsize
 * bytes) while keeping at most max_chars code points and never splitting a
 * sequence. Returns AM_TEXT_OK, AM_TEXT_TRUNCATED when some of `add` did not
 * fit, or AM_TEXT_INVALID (buf untouched) when `add` is not valid UTF-8. */
enum { AM_TEXT_OK = 0, AM_TEXT_TRUNCATED = 1, AM_TEXT_INVALID = -1 };
int am_utf8_append(char *buf, size_t bufsize, size_t max_chars, const char *add);

/* Removes the last code point of buf (a no-op on an empty string). */
void am_utf8_backspace(char *buf);

/* Copies src into dst like am_utf8_append onto an empty buffer. */
int am_utf8_set(char *dst, size_t dstsize, size_t max_chars, const char *src);

/* Decodes the code point at s[i] (i < len) into *cp and returns its length
 * in bytes, 1 to 4. Lenient, for drawing text already checked: a byte that
 * does not start a whole sequence counts as one code point of its value. */
int am_utf8_next(const char *s, size_t len, size_t i, uint32_t *cp);

/* Encodes the code point cp as UTF-8 into out (no NUL added) and returns
 * its length, 1 to 4; 0, writing nothing, for a surrogate (U+D800 to
 * U+DFFF) or a value past U+10FFFF, which have no UTF-8 form. */
#define AM_UTF8_MAX 4
int am_utf8_encode(uint32_t cp, char out[AM_UTF8_MAX]);

/* Scripts that need their own face and direction when drawn. */
bool am_script_arabic(uint32_t cp); /* Arabic, its supplements and presentation forms */
bool am_script_cjk(uint32_t cp);    /* CJK, radicals to ideographs, and full-width forms */

/* Overwrites n bytes so that the compiler cannot drop the store. */
void am_wipe(void *p, size_t n);

#endif
