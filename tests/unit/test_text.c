/* test_text.c — UTF-8 rules for guest input. */
#include "am_test.h"

#include <string.h>

#include "amends/text.h"

static void valid_accepts_all_scripts_and_emoji(void **state)
{
    (void)state;
    const char *ok[] = {"plain",
                        "caf\xc3\xa9",
                        "\xd8\xb4\xd9\x83\xd8\xb1\xd8\xa7",
                        "\xe8\xb0\xa2\xe8\xb0\xa2",
                        "\xf0\x9f\x98\xa1\xf0\x9f\x91\x8d",
                        "quote \" comma , newline\n tab\t",
                        "'; DROP TABLE journeys; --"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_true(am_utf8_valid(ok[i], strlen(ok[i])));
}

static void valid_rejects_bad_sequences(void **state)
{
    (void)state;
    const char *bad[] = {
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong */
        "\xed\xa0\x80",     /* surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "\xc3",             /* truncated */
        "ab\xe2\x82",       /* truncated at end */
        "\x80",             /* lone continuation */
        "\xff",             /* never valid */
        "\xf0\x9f\x98",     /* truncated emoji */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(am_utf8_valid(bad[i], strlen(bad[i])));
    /* An embedded NUL is refused as well. */
    assert_false(am_utf8_valid("a\0b", 3));
}

static void append_caps_in_characters_without_splitting(void **state)
{
    (void)state;
    char buf[64] = "";
    assert_int_equal(am_utf8_append(buf, sizeof buf, 3, "\xc3\xa9\xc3\xa9"), AM_TEXT_OK);
    assert_int_equal(am_utf8_append(buf, sizeof buf, 3, "\xf0\x9f\x98\xa1x"), AM_TEXT_TRUNCATED);
    assert_string_equal(buf, "\xc3\xa9\xc3\xa9\xf0\x9f\x98\xa1");
    assert_int_equal(am_utf8_count(buf), 3);
}

static void append_respects_byte_capacity(void **state)
{
    (void)state;
    char buf[6] = "";
    /* Room for 5 bytes: two 2-byte characters fit, the third would split. */
    assert_int_equal(am_utf8_append(buf, sizeof buf, 100, "\xc3\xa9\xc3\xa9\xc3\xa9"),
                     AM_TEXT_TRUNCATED);
    assert_string_equal(buf, "\xc3\xa9\xc3\xa9");
    assert_true(am_utf8_valid(buf, strlen(buf)));
}

static void append_rejects_invalid_and_leaves_buffer(void **state)
{
    (void)state;
    char buf[16] = "keep";
    assert_int_equal(am_utf8_append(buf, sizeof buf, 100, "x\xc3"), AM_TEXT_INVALID);
    assert_string_equal(buf, "keep");
}

static void backspace_removes_whole_characters(void **state)
{
    (void)state;
    char buf[32] = "a\xc3\xa9\xf0\x9f\x98\xa1";
    am_utf8_backspace(buf);
    assert_string_equal(buf, "a\xc3\xa9");
    am_utf8_backspace(buf);
    assert_string_equal(buf, "a");
    am_utf8_backspace(buf);
    assert_string_equal(buf, "");
    am_utf8_backspace(buf);
    assert_string_equal(buf, "");
}

static void set_replaces_and_round_trips_tricky_text(void **state)
{
    (void)state;
    const char *tricky = "Robert'); DROP TABLE journeys;--, \"quoted\"\nline 2 \xf0\x9f\x99\x82";
    char buf[256] = "old text";
    assert_int_equal(am_utf8_set(buf, sizeof buf, 200, tricky), AM_TEXT_OK);
    assert_string_equal(buf, tricky);
}

static void wipe_zeroes_memory(void **state)
{
    (void)state;
    char secret[8] = "secret!";
    am_wipe(secret, sizeof secret);
    for (size_t i = 0; i < sizeof secret; i++)
        assert_int_equal(secret[i], 0);
}

/* The drawing side's decoder: every length, a sequence cut short by the
 * end, and which script a code point belongs to. */
static void next_decodes_and_scripts_classify(void **state)
{
    (void)state;
    const char *s = "a\xc3\xa9\xd8\xb4\xe8\xb0\xa2\xf0\x9f\x98\xa1";
    size_t len = strlen(s);
    uint32_t want[] = {'a', 0xE9, 0x0634, 0x8C22, 0x1F621};
    int lens[] = {1, 2, 2, 3, 4};
    size_t i = 0;
    for (int k = 0; k < 5; k++) {
        uint32_t cp = 0;
        int n = am_utf8_next(s, len, i, &cp);
        assert_int_equal(n, lens[k]);
        assert_int_equal(cp, want[k]);
        i += (size_t)n;
    }
    assert_int_equal(i, len);
    uint32_t cp = 0;
    assert_int_equal(am_utf8_next("\xe8\xb0", 2, 0, &cp), 1); /* cut short */
    assert_int_equal(cp, 0xE8);
    assert_true(am_script_arabic(0x0634) && am_script_arabic(0xFEFC));
    assert_false(am_script_arabic('a') || am_script_arabic(0x8C22));
    assert_true(am_script_cjk(0x8C22) && am_script_cjk(0xFF0C));
    assert_false(am_script_cjk(0x0634) || am_script_cjk('9'));
}

static void encode(uint32_t cp, const char *want)
{
    char out[AM_UTF8_MAX + 1];
    memset(out, 0x55, sizeof out);
    int n = am_utf8_encode(cp, out);
    assert_int_equal(n, (int)strlen(want));
    assert_memory_equal(out, want, (size_t)n);
    assert_int_equal((unsigned char)out[n], 0x55); /* nothing written past it */
    if (n > 0) {
        /* What it writes is valid UTF-8 and decodes back to cp. */
        assert_true(am_utf8_valid(out, (size_t)n));
        uint32_t back = 0xFFFFFFFF;
        assert_int_equal(am_utf8_next(out, (size_t)n, 0, &back), n);
        assert_int_equal(back, cp);
    }
}

/* The one encoder: every length's first and last code point, and the
 * values that have no UTF-8 form. */
static void encode_edges(void **state)
{
    (void)state;
    char out[AM_UTF8_MAX]; /* U+0000 is one zero byte (am_utf8_valid refuses NUL) */
    assert_int_equal(am_utf8_encode(0, out), 1);
    assert_int_equal(out[0], 0);
    encode(0x41, "A");
    encode(0x7F, "\x7f");
    encode(0x80, "\xc2\x80");
    encode(0xE9, "\xc3\xa9"); /* é */
    encode(0x7FF, "\xdf\xbf");
    encode(0x800, "\xe0\xa0\x80");
    encode(0x8C22, "\xe8\xb0\xa2"); /* 谢 */
    encode(0xD7FF, "\xed\x9f\xbf");
    encode(0xD800, ""); /* surrogates: refused */
    encode(0xDFFF, "");
    encode(0xE000, "\xee\x80\x80");
    encode(0xFFFD, "\xef\xbf\xbd");
    encode(0xFFFF, "\xef\xbf\xbf");
    encode(0x10000, "\xf0\x90\x80\x80");
    encode(0x1F600, "\xf0\x9f\x98\x80"); /* 😀 */
    encode(0x10FFFF, "\xf4\x8f\xbf\xbf");
    encode(0x110000, ""); /* past Unicode */
    encode(0xFFFFFFFF, "");
    /* Every scalar value round-trips through the decoder and the checker. */
    for (uint32_t cp = 1; cp <= 0x10FFFF; cp++) {
        char b[AM_UTF8_MAX];
        int n = am_utf8_encode(cp, b);
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            assert_int_equal(n, 0);
            continue;
        }
        assert_int_equal(n, cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
        uint32_t back = 0;
        if (am_utf8_next(b, (size_t)n, 0, &back) != n || back != cp || !am_utf8_valid(b, (size_t)n))
            fail_msg("U+%04X does not round-trip", (unsigned)cp);
    }
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(encode_edges),
    cmocka_unit_test(valid_accepts_all_scripts_and_emoji),
    cmocka_unit_test(valid_rejects_bad_sequences),
    cmocka_unit_test(append_caps_in_characters_without_splitting),
    cmocka_unit_test(append_respects_byte_capacity),
    cmocka_unit_test(append_rejects_invalid_and_leaves_buffer),
    cmocka_unit_test(backspace_removes_whole_characters),
    cmocka_unit_test(set_replaces_and_round_trips_tricky_text),
    cmocka_unit_test(wipe_zeroes_memory),
    cmocka_unit_test(next_decodes_and_scripts_classify),
};

AM_TEST_MAIN(tests)
