/* test_uuid.c — record ids are UUID version 7: the RFC's own example, and
 * ids made later sort later. */
#include "am_test.h"

#include <string.h>

#include "amends/uuid.h"

/* RFC 9562, appendix A.6: unix_ts_ms 0x017F22E279B0, rand_a 0xCC3,
 * rand_b 0x18C4DC0C0C07398F. */
static void matches_the_rfc_example(void **state)
{
    (void)state;
    const unsigned char random16[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfc, 0xc3,
                                        0x58, 0xc4, 0xdc, 0x0c, 0x0c, 0x07, 0x39, 0x8f};
    char out[AM_UUID_TEXT_LEN + 1];
    memset(out, 'x', sizeof out);
    am_uuid_v7_text(random16, 0x017F22E279B0LL, out);
    assert_string_equal(out, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
}

static void later_ids_sort_later(void **state)
{
    (void)state;
    unsigned char r[16];
    char prev[AM_UUID_TEXT_LEN + 1], next[AM_UUID_TEXT_LEN + 1];
    memset(r, 0xff, sizeof r); /* the largest random part first */
    am_uuid_v7_text(r, 1795377367754LL, prev);
    memset(r, 0x00, sizeof r); /* then the smallest, one millisecond on */
    am_uuid_v7_text(r, 1795377367755LL, next);
    assert_true(strcmp(prev, next) < 0);
    assert_int_equal(next[14], '7');
    assert_true(strchr("89ab", next[19]) != NULL);
    assert_true(strchr("89ab", prev[19]) != NULL);
    /* Before 1970 is 0, not a wrapped-around future. */
    am_uuid_v7_text(r, -5, next);
    assert_string_equal(next, "00000000-0000-7000-8000-000000000000");
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(matches_the_rfc_example),
    cmocka_unit_test(later_ids_sort_later),
};

AM_TEST_MAIN(tests)
