/* test_voucher_code.c — voucher codes as staff and guests meet them: a
 * code reads back as what was issued, typos are caught by the check
 * character, and guessed or altered codes are never accepted. */
#include "am_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/voucher/voucher_internal.h"
#include "amends/voucher.h"

#define KIOSK "lobby-1"
#define DAY   INT64_C(86400000)
#define NOW   INT64_C(1790000000000) /* 2026-09 */

static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* A fixed key, so a failure can be reproduced. */
static void test_key(am_voucher_key *key, unsigned char seed)
{
    for (int i = 0; i < AM_VOUCHER_KEY_LEN; i++)
        key->bytes[i] = (unsigned char)(seed * 31 + i * 7 + 1);
}

/* xorshift64*: reproducible randomness for the mass tests. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* The code's 16 symbols without dashes. */
static void symbols_of(const char *code, char out[AM_VOUCHER_SYMBOLS + 1])
{
    int n = 0;
    for (const char *p = code; *p; p++) {
        if (*p != '-')
            out[n++] = *p;
    }
    assert_int_equal(n, AM_VOUCHER_SYMBOLS);
    out[n] = '\0';
}

/* --- an in-memory record keeper, as the hub or the store would be ------- */

typedef struct records {
    am_voucher_record rec[64];
    int count;
} records;

static am_rc records_lookup(void *ud, const char *code, am_voucher_record *out)
{
    const records *rs = ud;
    for (int i = 0; i < rs->count; i++) {
        if (strcmp(rs->rec[i].code, code) == 0) {
            *out = rs->rec[i];
            return AM_OK;
        }
    }
    return AM_ERR_NOTFOUND;
}

static am_rc failing_lookup(void *ud, const char *code, am_voucher_record *out)
{
    (void)ud;
    (void)code;
    (void)out;
    return AM_ERR_BUSY;
}

static void add_record(records *rs, const am_voucher_key *key, int64_t serial, int64_t expires)
{
    am_voucher_record *r = &rs->rec[rs->count++];
    memset(r, 0, sizeof *r);
    assert_int_equal(am_voucher_encode(key, KIOSK, serial, r->code), AM_OK);
    snprintf(r->kiosk, sizeof r->kiosk, KIOSK);
    snprintf(r->offer_id, sizeof r->offer_id, "breakfast");
    r->serial = serial;
    r->value_minor = 1800;
    r->created_ms = NOW - DAY;
    r->expires_ms = expires;
}

/* --- the check character ------------------------------------------------ */

static void weights_are_distinct_and_nonzero(void **state)
{
    (void)state;
    for (int i = 0; i < AM_VOUCHER_SYMBOLS; i++) {
        assert_int_not_equal(am_voucher_weight(i), 0);
        for (int j = i + 1; j < AM_VOUCHER_SYMBOLS; j++)
            assert_int_not_equal(am_voucher_weight(i), am_voucher_weight(j));
    }
    assert_int_equal(am_voucher_weight(AM_VOUCHER_SYMBOLS - 1), 1);
    /* x^5 + x^2 + 1 is primitive: alpha has order 31, so a zero product
     * needs a zero factor (no zero divisors in a field). */
    for (unsigned a = 1; a < 32; a++) {
        for (unsigned b = 1; b < 32; b++)
            assert_int_not_equal(am_voucher_gf_mul(a, b), 0);
    }
}

/* Codes to run the exhaustive checks on: serials across the short-serial
 * wrap and two keys. */
#define EXHAUSTIVE_CODES 256
static void exhaustive_codes(char codes[EXHAUSTIVE_CODES][AM_VOUCHER_CODE_SIZE])
{
    am_voucher_key key;
    for (int i = 0; i < EXHAUSTIVE_CODES; i++) {
        test_key(&key, (unsigned char)(i & 1));
        int64_t serial = 1 + (int64_t)i * 257;
        assert_int_equal(am_voucher_encode(&key, KIOSK, serial, codes[i]), AM_OK);
    }
}

static void check_catches_every_substitution(void **state)
{
    (void)state;
    static char codes[EXHAUSTIVE_CODES][AM_VOUCHER_CODE_SIZE];
    exhaustive_codes(codes);
    long tried = 0, accepted = 0;
    for (int c = 0; c < EXHAUSTIVE_CODES; c++) {
        char sym[AM_VOUCHER_SYMBOLS + 1];
        symbols_of(codes[c], sym);
        for (int pos = 0; pos < AM_VOUCHER_SYMBOLS; pos++) {
            for (int v = 0; v < 32; v++) {
                if (alphabet[v] == sym[pos])
                    continue;
                char typo[AM_VOUCHER_SYMBOLS + 1];
                memcpy(typo, sym, sizeof typo);
                typo[pos] = alphabet[v];
                am_voucher_code parsed;
                char why[160];
                tried++;
                if (am_voucher_parse(typo, &parsed, why, sizeof why) == AM_OK)
                    accepted++;
                else
                    assert_non_null(strstr(why, "typo: check the code"));
            }
        }
    }
    assert_int_equal(tried, (long)EXHAUSTIVE_CODES * AM_VOUCHER_SYMBOLS * 31);
    assert_int_equal(accepted, 0);
}

static void check_catches_every_transposition(void **state)
{
    (void)state;
    static char codes[EXHAUSTIVE_CODES][AM_VOUCHER_CODE_SIZE];
    exhaustive_codes(codes);
    long adjacent = 0, any_pair = 0, accepted = 0;
    for (int c = 0; c < EXHAUSTIVE_CODES; c++) {
        char sym[AM_VOUCHER_SYMBOLS + 1];
        symbols_of(codes[c], sym);
        /* Every pair, not only neighbours: the weights are all different. */
        for (int i = 0; i < AM_VOUCHER_SYMBOLS; i++) {
            for (int j = i + 1; j < AM_VOUCHER_SYMBOLS; j++) {
                if (sym[i] == sym[j])
                    continue; /* swapping equal symbols changes nothing */
                char swapped[AM_VOUCHER_SYMBOLS + 1];
                memcpy(swapped, sym, sizeof swapped);
                swapped[i] = sym[j];
                swapped[j] = sym[i];
                am_voucher_code parsed;
                char why[160];
                any_pair++;
                if (j == i + 1)
                    adjacent++;
                if (am_voucher_parse(swapped, &parsed, why, sizeof why) == AM_OK)
                    accepted++;
            }
        }
    }
    /* At most a few neighbours are equal symbols; nearly all are tried. */
    assert_true(adjacent > (long)EXHAUSTIVE_CODES * 14);
    assert_true(any_pair > (long)EXHAUSTIVE_CODES * 110);
    assert_int_equal(accepted, 0);
}

/* Any byte typed in place of a symbol: refused, or read as the very same
 * symbol (its lower case or look-alike), never as a different code. */
static void any_byte_substitution_is_refused_or_the_same_code(void **state)
{
    (void)state;
    static char codes[EXHAUSTIVE_CODES][AM_VOUCHER_CODE_SIZE];
    exhaustive_codes(codes);
    long same = 0, refused = 0;
    for (int c = 0; c < 32; c++) {
        char sym[AM_VOUCHER_SYMBOLS + 1];
        symbols_of(codes[c], sym);
        for (int pos = 0; pos < AM_VOUCHER_SYMBOLS; pos++) {
            for (int b = 1; b < 256; b++) {
                if (b == ' ' || b == '-')
                    continue; /* separators: the code gets shorter */
                char typo[AM_VOUCHER_SYMBOLS + 1];
                memcpy(typo, sym, sizeof typo);
                typo[pos] = (char)b;
                am_voucher_code parsed;
                char why[160];
                if (am_voucher_parse(typo, &parsed, why, sizeof why) == AM_OK) {
                    assert_string_equal(parsed.text, codes[c]);
                    same++;
                } else {
                    refused++;
                }
            }
        }
    }
    assert_true(same >= 32 * AM_VOUCHER_SYMBOLS); /* at least the symbol itself */
    assert_true(refused > 32 * AM_VOUCHER_SYMBOLS * 200);
}

/* --- reading codes -------------------------------------------------------- */

static void round_trip_across_the_serial_wrap(void **state)
{
    (void)state;
    am_voucher_key key;
    test_key(&key, 3);
    static const int64_t serials[] = {1,     2,     31,    32,    1023,    1024,
                                      32767, 32768, 32769, 65536, 1000000, AM_VOUCHER_SERIAL_MAX};
    for (size_t i = 0; i < sizeof serials / sizeof serials[0]; i++) {
        char code[AM_VOUCHER_CODE_SIZE];
        am_voucher_code parsed;
        char why[160];
        assert_int_equal(am_voucher_encode(&key, KIOSK, serials[i], code), AM_OK);
        assert_int_equal(strlen(code), 19);
        assert_true(code[4] == '-' && code[9] == '-' && code[14] == '-');
        assert_int_equal(am_voucher_parse(code, &parsed, why, sizeof why), AM_OK);
        assert_string_equal(parsed.text, code);
        assert_int_equal(parsed.short_serial, (uint32_t)(serials[i] % 32768));
        assert_true(am_voucher_authentic(&key, KIOSK, serials[i], &parsed));
        assert_false(am_voucher_authentic(&key, KIOSK, serials[i] + 32768, &parsed));
        assert_false(am_voucher_authentic(&key, "lobby-2", serials[i], &parsed));
    }
    /* Serials one cycle apart share the short serial but not the code. */
    char a[AM_VOUCHER_CODE_SIZE], b[AM_VOUCHER_CODE_SIZE];
    assert_int_equal(am_voucher_encode(&key, KIOSK, 5, a), AM_OK);
    assert_int_equal(am_voucher_encode(&key, KIOSK, 5 + 32768, b), AM_OK);
    assert_memory_equal(a, b, 3);
    assert_string_not_equal(a, b);
    assert_int_equal(am_voucher_encode(&key, KIOSK, 0, a), AM_ERR_INVALID);
    assert_int_equal(am_voucher_encode(&key, KIOSK, AM_VOUCHER_SERIAL_MAX + 1, a), AM_ERR_INVALID);
    assert_int_equal(am_voucher_encode(&key, "", 1, a), AM_ERR_INVALID);
}

static void round_trip_of_many_serials(void **state)
{
    (void)state;
    am_voucher_key key;
    test_key(&key, 4);
    for (int64_t serial = 1; serial <= 70000; serial += 7) {
        char code[AM_VOUCHER_CODE_SIZE];
        am_voucher_code parsed;
        char why[160];
        assert_int_equal(am_voucher_encode(&key, KIOSK, serial, code), AM_OK);
        assert_int_equal(am_voucher_parse(code, &parsed, why, sizeof why), AM_OK);
        assert_string_equal(parsed.text, code);
        assert_true(am_voucher_authentic(&key, KIOSK, serial, &parsed));
    }
}

static void typed_leniently(void **state)
{
    (void)state;
    am_voucher_key key;
    test_key(&key, 5);
    /* Find a code with a 0 and a 1 in it, to type them as O and I/L. */
    char code[AM_VOUCHER_CODE_SIZE] = "";
    for (int64_t serial = 1; serial < 100000; serial++) {
        assert_int_equal(am_voucher_encode(&key, KIOSK, serial, code), AM_OK);
        if (strchr(code, '0') && strchr(code, '1'))
            break;
    }
    assert_non_null(strchr(code, '0'));
    char typed[64], lower[64], spaced[64];
    size_t n = 0, m = 0;
    int ones = 0;
    for (const char *p = code; *p; p++) {
        char c = *p;
        if (c == '-')
            continue;
        if (c == '0')
            c = 'o';
        else if (c == '1')
            c = ones++ % 2 ? 'l' : 'I';
        typed[n++] = c;
        lower[m++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    }
    typed[n] = '\0';
    lower[m] = '\0';
    snprintf(spaced, sizeof spaced, " %.4s %.4s  %.4s-%.4s ", code, code + 5, code + 10, code + 15);
    const char *forms[] = {code, typed, lower, spaced};
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        am_voucher_code parsed;
        char why[160];
        assert_int_equal(am_voucher_parse(forms[i], &parsed, why, sizeof why), AM_OK);
        assert_string_equal(parsed.text, code);
    }
}

static void malformed_codes_say_what_is_wrong(void **state)
{
    (void)state;
    am_voucher_key key;
    test_key(&key, 6);
    char code[AM_VOUCHER_CODE_SIZE];
    assert_int_equal(am_voucher_encode(&key, KIOSK, 42, code), AM_OK);
    struct {
        const char *input;
        const char *why;
    } cases[] = {
        {"", "no code given"},
        {"ABCD-EFGH-JKMN", "16 characters; this has 12"},
        {"ABCD-EFGH-JKMN-PQRS-T", "16 characters; this has 17"},
        {"ABCD-EFGH-JKMN-PQRU", "'U' (character 19) is not used in voucher codes: it may be a V"},
        {"ABCD-EFGH-JKMN-PQR!", "'!' (character 19) is not used"},
        {"ABCD-EFGH-JK\xc3\xa9N-PQRS", "byte 0xc3 (character 13)"},
        {"0000000000000000000000000000000000000000000000000000000000000000000", "too long"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        am_voucher_code parsed;
        char why[160];
        assert_int_equal(am_voucher_parse(cases[i].input, &parsed, why, sizeof why),
                         AM_ERR_INVALID);
        if (!strstr(why, cases[i].why))
            fail_msg("%s: got '%s', want '%s'", cases[i].input, why, cases[i].why);
    }
    am_voucher_code parsed;
    char why[160];
    assert_int_equal(am_voucher_parse(NULL, &parsed, why, sizeof why), AM_ERR_INVALID);
    char typo[AM_VOUCHER_CODE_SIZE];
    memcpy(typo, code, sizeof typo);
    typo[0] = typo[0] == '0' ? '2' : '0';
    assert_int_equal(am_voucher_parse(typo, &parsed, why, sizeof why), AM_ERR_INVALID);
    assert_non_null(strstr(why, "typo: check the code"));
}

/* --- none accepted -------------------------------------------------------- */

/* Accepted means the code passed as genuine: valid, expired or unknown
 * (made with the key). */
static bool accepted(am_voucher_status s)
{
    return s == AM_VOUCHER_VALID || s == AM_VOUCHER_EXPIRED || s == AM_VOUCHER_UNKNOWN;
}

static void random_codes_are_never_accepted(void **state)
{
    (void)state;
    am_voucher_key key;
    test_key(&key, 7);
    records *rs = calloc(1, sizeof *rs);
    for (int64_t serial = 1; serial <= 64; serial++)
        add_record(rs, &key, serial, NOW + 30 * DAY);
    long counts[AM_VOUCHER_STATUS_COUNT] = {0};
    rng_state = 0x1234567u;
    for (int i = 0; i < 100000; i++) {
        char input[AM_VOUCHER_SYMBOLS + 1];
        for (int j = 0; j < AM_VOUCHER_SYMBOLS; j++)
            input[j] = alphabet[rng() % 32];
        input[AM_VOUCHER_SYMBOLS] = '\0';
        am_voucher_result r;
        /* max_serial far along: every code has several serials to match. */
        assert_int_equal(am_voucher_verify(&key, KIOSK, input, NOW, 200000, records_lookup, rs, &r),
                         AM_OK);
        counts[r.status]++;
    }
    print_message("random codes: %ld malformed, %ld tampered, %ld accepted\n",
                  counts[AM_VOUCHER_MALFORMED], counts[AM_VOUCHER_TAMPERED],
                  counts[AM_VOUCHER_VALID] + counts[AM_VOUCHER_EXPIRED] +
                      counts[AM_VOUCHER_UNKNOWN]);
    assert_int_equal(
        counts[AM_VOUCHER_VALID] + counts[AM_VOUCHER_EXPIRED] + counts[AM_VOUCHER_UNKNOWN], 0);
    /* About one in 32 passes the check character and reaches the tag. */
    assert_true(counts[AM_VOUCHER_TAMPERED] > 2500 && counts[AM_VOUCHER_TAMPERED] < 3800);
    free(rs);
}

static void tampered_codes_are_never_accepted(void **state)
{
    (void)state;
    am_voucher_key key;
    test_key(&key, 8);
    records *rs = calloc(1, sizeof *rs);
    for (int64_t serial = 1; serial <= 64; serial++)
        add_record(rs, &key, serial, NOW + 30 * DAY);
    long one_typo_accepted = 0, one_typo_malformed = 0;
    long forged_accepted = 0, forged_tampered = 0;
    rng_state = 0xfeedu;
    for (int i = 0; i < 10000; i++) {
        const am_voucher_record *orig = &rs->rec[i % rs->count];
        char sym[AM_VOUCHER_SYMBOLS + 1];
        symbols_of(orig->code, sym);
        /* One character changed, as a typo or a clumsy forgery. */
        char typo[AM_VOUCHER_SYMBOLS + 1];
        memcpy(typo, sym, sizeof typo);
        int pos = (int)(rng() % AM_VOUCHER_SYMBOLS);
        int delta = 1 + (int)(rng() % 31);
        typo[pos] = alphabet[((strchr(alphabet, sym[pos]) - alphabet) + delta) % 32];
        am_voucher_result r;
        assert_int_equal(am_voucher_verify(&key, KIOSK, typo, NOW, 64, records_lookup, rs, &r),
                         AM_OK);
        if (accepted(r.status))
            one_typo_accepted++;
        if (r.status == AM_VOUCHER_MALFORMED)
            one_typo_malformed++;
        /* A forger who knows the check character: one tag symbol changed
         * and the check symbol recomputed. */
        unsigned char values[AM_VOUCHER_SYMBOLS];
        for (int j = 0; j < AM_VOUCHER_SYMBOLS; j++)
            values[j] = (unsigned char)(strchr(alphabet, sym[j]) - alphabet);
        int tpos = 3 + (int)(rng() % 12);
        values[tpos] = (unsigned char)((values[tpos] + delta) % 32);
        values[AM_VOUCHER_SYMBOLS - 1] = (unsigned char)am_voucher_check_symbol(values);
        char forged[AM_VOUCHER_CODE_SIZE];
        am_voucher_format(values, forged);
        assert_int_equal(am_voucher_verify(&key, KIOSK, forged, NOW, 64, records_lookup, rs, &r),
                         AM_OK);
        if (accepted(r.status))
            forged_accepted++;
        if (r.status == AM_VOUCHER_TAMPERED)
            forged_tampered++;
    }
    print_message("one-character tampered: %ld accepted, %ld caught by the check character; "
                  "check-corrected forgeries: %ld accepted, %ld tampered\n",
                  one_typo_accepted, one_typo_malformed, forged_accepted, forged_tampered);
    assert_int_equal(one_typo_accepted, 0);
    assert_int_equal(one_typo_malformed, 10000);
    assert_int_equal(forged_accepted, 0);
    assert_int_equal(forged_tampered, 10000);
    free(rs);
}

/* --- each answer ------------------------------------------------------------ */

static void each_answer_is_distinct(void **state)
{
    (void)state;
    am_voucher_key key, other;
    test_key(&key, 9);
    test_key(&other, 10);
    records rs = {0};
    add_record(&rs, &key, 1, NOW + 30 * DAY); /* valid */
    add_record(&rs, &key, 2, NOW - 1);        /* expired a moment ago */
    add_record(&rs, &key, 3, NOW);            /* expires at this instant */
    am_voucher_result r;

    assert_int_equal(
        am_voucher_verify(&key, KIOSK, rs.rec[0].code, NOW, 3, records_lookup, &rs, &r), AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_VALID);
    assert_int_equal(r.serial, 1);
    assert_string_equal(r.rec.offer_id, "breakfast");
    assert_int_equal(r.rec.value_minor, 1800);
    assert_string_equal(r.rec.kiosk, KIOSK);
    assert_int_equal(r.rec.expires_ms, NOW + 30 * DAY);

    assert_int_equal(
        am_voucher_verify(&key, KIOSK, rs.rec[1].code, NOW, 3, records_lookup, &rs, &r), AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_EXPIRED);
    assert_non_null(strstr(r.reason, "expired on"));
    assert_int_equal(
        am_voucher_verify(&key, KIOSK, rs.rec[2].code, NOW, 3, records_lookup, &rs, &r), AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_EXPIRED);

    /* Made with this key, never recorded here. */
    char unrecorded[AM_VOUCHER_CODE_SIZE];
    assert_int_equal(am_voucher_encode(&key, KIOSK, 4, unrecorded), AM_OK);
    assert_int_equal(am_voucher_verify(&key, KIOSK, unrecorded, NOW, 3, records_lookup, &rs, &r),
                     AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_UNKNOWN);
    assert_int_equal(r.serial, 4);
    assert_non_null(strstr(r.reason, "no record"));

    /* Another kiosk's code, or one made with another key. */
    char foreign[AM_VOUCHER_CODE_SIZE];
    assert_int_equal(am_voucher_encode(&key, "lobby-2", 4, foreign), AM_OK);
    assert_int_equal(am_voucher_verify(&key, KIOSK, foreign, NOW, 3, records_lookup, &rs, &r),
                     AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_TAMPERED);
    assert_int_equal(am_voucher_encode(&other, KIOSK, 4, foreign), AM_OK);
    assert_int_equal(am_voucher_verify(&key, KIOSK, foreign, NOW, 3, records_lookup, &rs, &r),
                     AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_TAMPERED);
    /* A record whose key changed since: tampered, not valid. */
    assert_int_equal(
        am_voucher_verify(&other, KIOSK, rs.rec[0].code, NOW, 3, records_lookup, &rs, &r), AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_TAMPERED);
    /* A record whose serial was edited: tampered. */
    rs.rec[0].serial = 9;
    assert_int_equal(
        am_voucher_verify(&key, KIOSK, rs.rec[0].code, NOW, 9, records_lookup, &rs, &r), AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_TAMPERED);

    assert_int_equal(am_voucher_verify(&key, KIOSK, "1234-5678", NOW, 3, records_lookup, &rs, &r),
                     AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_MALFORMED);
    assert_string_equal(r.code.text, "");

    /* A store that cannot be read is an error, not an answer. */
    assert_int_equal(am_voucher_verify(&key, KIOSK, unrecorded, NOW, 3, failing_lookup, NULL, &r),
                     AM_ERR_BUSY);

    for (int s = 0; s < AM_VOUCHER_STATUS_COUNT; s++) {
        for (int t = s + 1; t < AM_VOUCHER_STATUS_COUNT; t++)
            assert_string_not_equal(am_voucher_status_name((am_voucher_status)s),
                                    am_voucher_status_name((am_voucher_status)t));
    }
    assert_string_equal(am_voucher_status_name(AM_VOUCHER_TAMPERED), "tampered");
}

static void unrecorded_serials_from_later_cycles(void **state)
{
    (void)state;
    int64_t out[8];
    /* Before the first wrap each short serial stands for one serial. */
    assert_int_equal(am_voucher_serial_candidates(5, 0, out, 8), 1);
    assert_int_equal(out[0], 5);
    assert_int_equal(am_voucher_serial_candidates(0, 100, out, 8), 0);
    assert_int_equal(am_voucher_serial_candidates(5, 32767, out, 8), 1);
    assert_int_equal(am_voucher_serial_candidates(5, 32768, out, 8), 2);
    assert_int_equal(out[1], 32773);
    assert_int_equal(am_voucher_serial_candidates(0, 40000, out, 8), 1);
    assert_int_equal(out[0], 32768);
    assert_int_equal(am_voucher_serial_candidates(32768, 40000, out, 8), 0);

    am_voucher_key key;
    test_key(&key, 11);
    records rs = {0};
    char code[AM_VOUCHER_CODE_SIZE];
    assert_int_equal(am_voucher_encode(&key, KIOSK, 32768 + 9, code), AM_OK);
    am_voucher_result r;
    assert_int_equal(am_voucher_verify(&key, KIOSK, code, NOW, 32768 + 2, records_lookup, &rs, &r),
                     AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_UNKNOWN);
    assert_int_equal(r.serial, 32768 + 9);
    /* A keeper that has seen only the first cycle cannot place it. */
    assert_int_equal(am_voucher_verify(&key, KIOSK, code, NOW, 100, records_lookup, &rs, &r),
                     AM_OK);
    assert_int_equal(r.status, AM_VOUCHER_TAMPERED);
}

static void expiry_counts_whole_days(void **state)
{
    (void)state;
    assert_int_equal(am_voucher_expiry(NOW, 30), NOW + 30 * DAY);
    assert_int_equal(am_voucher_expiry(NOW, 1), NOW + DAY);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(weights_are_distinct_and_nonzero),
    cmocka_unit_test(check_catches_every_substitution),
    cmocka_unit_test(check_catches_every_transposition),
    cmocka_unit_test(any_byte_substitution_is_refused_or_the_same_code),
    cmocka_unit_test(round_trip_across_the_serial_wrap),
    cmocka_unit_test(round_trip_of_many_serials),
    cmocka_unit_test(typed_leniently),
    cmocka_unit_test(malformed_codes_say_what_is_wrong),
    cmocka_unit_test(random_codes_are_never_accepted),
    cmocka_unit_test(tampered_codes_are_never_accepted),
    cmocka_unit_test(each_answer_is_distinct),
    cmocka_unit_test(unrecorded_serials_from_later_cycles),
    cmocka_unit_test(expiry_counts_whole_days),
};

AM_TEST_MAIN(tests)
