/* code.c — the text form of a voucher code: Crockford base32 symbols, the
 * check symbol, and lenient reading of what a person typed.
 *
 * The check symbol works in GF(32), the field of 5-bit values: position i
 * (0..15) has weight alpha^(15-i) for a primitive element alpha, and a code
 * is well formed when the weighted sum of its 16 symbols is zero. The
 * weights are all different and non-zero, so changing one symbol, or
 * swapping two different symbols anywhere in the code, always leaves a
 * non-zero sum (docs/vouchers.md has the argument; tests/voucher checks it
 * exhaustively). Unlike Crockford's mod-37 check it needs no extra symbols
 * (* ~ $ =), which are hard to read aloud and to type on a phone.
 */
#include "voucher_internal.h"

#include <stdio.h>
#include <string.h>

/* Crockford's alphabet: digits and letters without I, L, O and U. */
static const char symbols[32] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* alpha^k for k = 0..15 in GF(32) modulo x^5 + x^2 + 1 (alpha = x). */
static unsigned gf_alpha_pow(int k)
{
    unsigned v = 1;
    for (int i = 0; i < k; i++) {
        v <<= 1;
        if (v & 0x20)
            v ^= 0x25;
    }
    return v;
}

unsigned am_voucher_gf_mul(unsigned a, unsigned b)
{
    unsigned product = 0;
    a &= 0x1f;
    b &= 0x1f;
    while (b) {
        if (b & 1)
            product ^= a;
        b >>= 1;
        a <<= 1;
        if (a & 0x20)
            a ^= 0x25;
    }
    return product;
}

unsigned am_voucher_weight(int position)
{
    return gf_alpha_pow(AM_VOUCHER_SYMBOLS - 1 - position);
}

/* The weighted sum of the first `count` symbols. */
static unsigned weighted_sum(const unsigned char *values, int count)
{
    unsigned sum = 0;
    for (int i = 0; i < count; i++)
        sum ^= am_voucher_gf_mul(am_voucher_weight(i), values[i]);
    return sum;
}

unsigned am_voucher_check_symbol(const unsigned char values[AM_VOUCHER_SYMBOLS - 1])
{
    /* The check position has weight alpha^0 = 1, and -x = x in GF(32). */
    return weighted_sum(values, AM_VOUCHER_SYMBOLS - 1);
}

/* The value of a typed character: 0..31, -1 for a separator to skip, -2
 * for a character that is not used in codes. */
static int symbol_value(unsigned char c)
{
    if (c == ' ' || c == '-')
        return -1;
    if (c >= 'a' && c <= 'z')
        c = (unsigned char)(c - 'a' + 'A');
    if (c == 'O')
        return 0;
    if (c == 'I' || c == 'L')
        return 1;
    for (int v = 0; v < 32; v++) {
        if (symbols[v] == (char)c)
            return v;
    }
    return -2;
}

void am_voucher_format(const unsigned char values[AM_VOUCHER_SYMBOLS],
                       char text[AM_VOUCHER_CODE_SIZE])
{
    size_t at = 0;
    for (int i = 0; i < AM_VOUCHER_SYMBOLS; i++) {
        if (i > 0 && i % 4 == 0)
            text[at++] = '-';
        text[at++] = symbols[values[i] & 0x1f];
    }
    text[at] = '\0';
}

void am_voucher_pack(uint32_t short_serial, uint64_t tag, unsigned char values[AM_VOUCHER_SYMBOLS])
{
    for (int i = 0; i < 3; i++)
        values[i] = (unsigned char)((short_serial >> (5 * (2 - i))) & 0x1f);
    for (int i = 0; i < 12; i++)
        values[3 + i] = (unsigned char)((tag >> (5 * (11 - i))) & 0x1f);
    values[AM_VOUCHER_SYMBOLS - 1] = (unsigned char)am_voucher_check_symbol(values);
}

am_rc am_voucher_parse(const char *input, am_voucher_code *out, char *why, size_t whylen)
{
    unsigned char values[AM_VOUCHER_SYMBOLS];
    int count = 0;

    memset(out, 0, sizeof *out);
    if (!input || !input[0]) {
        snprintf(why, whylen, "no code given: a voucher code has 16 characters");
        return AM_ERR_INVALID;
    }
    size_t len = strnlen(input, AM_VOUCHER_INPUT_MAX + 1);
    if (len > AM_VOUCHER_INPUT_MAX) {
        snprintf(why, whylen,
                 "too long to be a voucher code (16 characters, e.g. 0A3K-7QX2-M9RD-4TWE)");
        return AM_ERR_INVALID;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)input[i];
        int v = symbol_value(c);
        if (v == -1)
            continue;
        if (v == -2) {
            if (c == 'U' || c == 'u')
                snprintf(why, whylen,
                         "'%c' (character %zu) is not used in voucher codes: it may be a V", c,
                         i + 1);
            else if (c > ' ' && c < 0x7f)
                snprintf(why, whylen, "'%c' (character %zu) is not used in voucher codes", c,
                         i + 1);
            else
                snprintf(why, whylen, "byte 0x%02x (character %zu) is not used in voucher codes", c,
                         i + 1);
            return AM_ERR_INVALID;
        }
        if (count < AM_VOUCHER_SYMBOLS)
            values[count] = (unsigned char)v;
        count++;
    }
    if (count != AM_VOUCHER_SYMBOLS) {
        snprintf(why, whylen, "a voucher code has 16 characters; this has %d", count);
        return AM_ERR_INVALID;
    }
    if (weighted_sum(values, AM_VOUCHER_SYMBOLS) != 0) {
        snprintf(why, whylen, "typo: check the code (its check character does not match)");
        return AM_ERR_INVALID;
    }
    uint32_t short_serial = 0;
    for (int i = 0; i < 3; i++)
        short_serial = (short_serial << 5) | values[i];
    uint64_t tag = 0;
    for (int i = 3; i < AM_VOUCHER_SYMBOLS - 1; i++)
        tag = (tag << 5) | values[i];
    out->short_serial = short_serial;
    out->tag = tag;
    am_voucher_format(values, out->text);
    if (whylen)
        why[0] = '\0';
    return AM_OK;
}
