/* text.c — UTF-8 validation and capped editing of guest input. */
#include "amends/text.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most `avail` bytes), or 0 when
 * it is invalid: overlong forms, surrogates, past U+10FFFF, truncated, NUL. */
static size_t seq_len(const unsigned char *s, size_t avail)
{
    unsigned char c = s[0];
    if (c == 0)
        return 0;
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* past U+10FFFF */
    } else {
        return 0;
    }
    if (n > avail)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    }
    return n;
}

bool am_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = seq_len(p + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t am_utf8_count(const char *s)
{
    size_t count = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p & 0xC0) != 0x80)
            count++;
    }
    return count;
}

int am_utf8_append(char *buf, size_t bufsize, size_t max_chars, const char *add)
{
    size_t add_len = strlen(add);
    if (!am_utf8_valid(add, add_len))
        return AM_TEXT_INVALID;
    size_t used = strlen(buf);
    size_t chars = am_utf8_count(buf);
    const unsigned char *p = (const unsigned char *)add;
    size_t i = 0;
    while (i < add_len) {
        size_t n = seq_len(p + i, add_len - i);
        if (chars >= max_chars || used + n + 1 > bufsize)
            break;
        memcpy(buf + used, add + i, n);
        used += n;
        chars++;
        i += n;
    }
    buf[used] = '\0';
    return i < add_len ? AM_TEXT_TRUNCATED : AM_TEXT_OK;
}

void am_utf8_backspace(char *buf)
{
    size_t len = strlen(buf);
    while (len > 0) {
        len--;
        unsigned char c = (unsigned char)buf[len];
        if ((c & 0xC0) != 0x80)
            break;
    }
    am_wipe(buf + len, strlen(buf + len));
}

int am_utf8_set(char *dst, size_t dstsize, size_t max_chars, const char *src)
{
    if (!am_utf8_valid(src, strlen(src)))
        return AM_TEXT_INVALID;
    am_wipe(dst, strlen(dst));
    dst[0] = '\0';
    return am_utf8_append(dst, dstsize, max_chars, src);
}

int am_utf8_next(const char *s, size_t len, size_t i, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s + i;
    size_t left = len - i;
    if (u[0] < 0x80 || left < 2) {
        *cp = u[0];
        return 1;
    }
    if ((u[0] & 0xE0) == 0xC0) {
        *cp = ((uint32_t)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
        return 2;
    }
    if ((u[0] & 0xF0) == 0xE0 && left >= 3) {
        *cp = ((uint32_t)(u[0] & 0x0F) << 12) | ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
        return 3;
    }
    if (left >= 4) {
        *cp = ((uint32_t)(u[0] & 0x07) << 18) | ((uint32_t)(u[1] & 0x3F) << 12) |
              ((uint32_t)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
        return 4;
    }
    *cp = u[0];
    return 1;
}

int am_utf8_encode(uint32_t cp, char out[AM_UTF8_MAX])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

bool am_script_arabic(uint32_t cp)
{
    return (cp >= 0x0600 && cp <= 0x08FF) || (cp >= 0xFB50 && cp <= 0xFDFF) ||
           (cp >= 0xFE70 && cp <= 0xFEFF);
}

bool am_script_cjk(uint32_t cp)
{
    return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0xFF00 && cp <= 0xFFEF);
}

void am_wipe(void *p, size_t n)
{
    /* explicit_bzero: a memset the compiler may not drop because the memory
     * is about to be freed or reused. A volatile byte loop did the same ten
     * times slower, and batches of guest records are wiped on every sync. */
    if (p && n)
        explicit_bzero(p, n);
}
