/* test_buf.c — core's capped buffer: the cap is never passed, a refusal
 * sticks and drops what was kept, and no block that held content goes back
 * to the heap unwiped (free is wrapped to look at each block as it goes). */
#include "am_test.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "amends/buf.h"

/* Linked with -Wl,--wrap=free: every free in this binary, core's included,
 * comes here first. When `watch` is the block being freed, record whether
 * its first watch_len bytes were all zero. */
void __real_free(void *p);
void __wrap_free(void *p);
static const void *watch;
static size_t watch_len;
static int watched_frees;
static bool watched_was_wiped;

void __wrap_free(void *p)
{
    if (p && p == watch) {
        const unsigned char *c = p;
        bool zero = true;
        for (size_t i = 0; i < watch_len; i++)
            zero = zero && c[i] == 0;
        watched_was_wiped = zero;
        watched_frees++;
        watch = NULL;
    }
    __real_free(p);
}

static void watch_block(const am_buf *b)
{
    watch = b->p;
    watch_len = b->cap;
    watched_frees = 0;
    watched_was_wiped = false;
}

static void appends_and_terminates(void **state)
{
    (void)state;
    am_buf b;
    am_buf_init(&b, 1000);
    assert_string_equal(am_buf_str(&b), "");
    assert_int_equal(am_buf_len(&b), 0);
    assert_int_equal(am_buf_adds(&b, "Zimmer 12"), AM_OK);
    assert_int_equal(am_buf_add(&b, ", kalt", 6), AM_OK);
    assert_int_equal(am_buf_addf(&b, " (%d%s)", 3, "°C"), AM_OK);
    assert_string_equal(am_buf_str(&b), "Zimmer 12, kalt (3°C)");
    assert_int_equal(am_buf_len(&b), strlen("Zimmer 12, kalt (3°C)"));
    /* Binary content keeps its NULs and is still terminated. */
    assert_int_equal(am_buf_add(&b, "a\0b", 3), AM_OK);
    assert_int_equal(am_buf_len(&b), strlen("Zimmer 12, kalt (3°C)") + 3);
    assert_int_equal(am_buf_str(&b)[am_buf_len(&b)], '\0');
    /* A long formatted append (past the formatter's small buffer). */
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    am_buf_free(&b);
    assert_int_equal(am_buf_addf(&b, "<%s>", big), AM_OK);
    assert_int_equal(am_buf_len(&b), 601);
    assert_int_equal(am_buf_str(&b)[0], '<');
    assert_int_equal(am_buf_str(&b)[600], '>');
    size_t len = 0;
    char *s = am_buf_take(&b, &len);
    assert_non_null(s);
    assert_int_equal(len, 601);
    assert_int_equal(strlen(s), 601);
    free(s);
    assert_int_equal(am_buf_len(&b), 0);
    s = am_buf_take(&b, &len); /* empty: "" that the caller frees */
    assert_string_equal(s, "");
    free(s);
    am_buf_free(&b);
    am_buf_free(NULL);
}

static void cap_is_refused_and_sticks(void **state)
{
    (void)state;
    am_buf b;
    am_buf_init(&b, 10);
    assert_int_equal(am_buf_adds(&b, "0123456789"), AM_OK); /* exactly the cap */
    assert_int_equal(am_buf_len(&b), 10);
    assert_true(b.cap <= 11); /* never allocated past the cap and its NUL */
    watch_block(&b);
    assert_int_equal(am_buf_adds(&b, "x"), AM_ERR_TOOBIG);
    /* What was kept is wiped and freed, and the refusal sticks. */
    assert_int_equal(watched_frees, 1);
    assert_true(watched_was_wiped);
    assert_int_equal(am_buf_rc(&b), AM_ERR_TOOBIG);
    assert_string_equal(am_buf_str(&b), "");
    assert_int_equal(am_buf_len(&b), 0);
    assert_int_equal(am_buf_adds(&b, ""), AM_ERR_TOOBIG);
    assert_int_equal(am_buf_addf(&b, "%d", 1), AM_ERR_TOOBIG);
    assert_null(am_buf_space(&b, 1));
    assert_null(am_buf_take(&b, NULL));
    /* Freed, it is usable again with the same cap. */
    am_buf_free(&b);
    assert_int_equal(am_buf_rc(&b), AM_OK);
    assert_int_equal(am_buf_adds(&b, "abc"), AM_OK);
    assert_int_equal(am_buf_addf(&b, "%s", "defghijk"), AM_ERR_TOOBIG); /* 11 > 10 */
    am_buf_free(&b);
    /* A length that would overflow size_t arithmetic is refused too. */
    am_buf_init(&b, 100);
    assert_int_equal(am_buf_adds(&b, "a"), AM_OK);
    assert_int_equal(am_buf_add(&b, "", SIZE_MAX), AM_ERR_TOOBIG);
    am_buf_free(&b);
    /* A zero cap holds only the empty string. */
    am_buf_init(&b, 0);
    assert_int_equal(am_buf_add(&b, "", 0), AM_OK);
    assert_int_equal(am_buf_adds(&b, "a"), AM_ERR_TOOBIG);
    am_buf_free(&b);
}

static void grow_wipes_the_old_block(void **state)
{
    (void)state;
    am_buf b;
    am_buf_init(&b, 1 << 20);
    const char *secret = "Maria Gonzalez, +34 600 123 456, room 214";
    assert_int_equal(am_buf_adds(&b, secret), AM_OK);
    int grows = 0;
    for (int i = 0; i < 200; i++) {
        char *before = b.p;
        size_t cap = b.cap;
        watch_block(&b);
        assert_int_equal(am_buf_adds(&b, secret), AM_OK);
        if (b.p != before) {
            /* It moved: the old block was wiped whole before it was freed. */
            assert_int_equal(watched_frees, 1);
            assert_true(watched_was_wiped);
            assert_true(b.cap > cap);
            grows++;
        } else {
            assert_int_equal(watched_frees, 0);
        }
    }
    watch = NULL;
    assert_true(grows >= 5); /* 256 bytes up to 8 KiB and more */
    assert_int_equal(am_buf_len(&b), 201 * strlen(secret));
    assert_memory_equal(am_buf_str(&b) + 200 * strlen(secret), secret, strlen(secret));
    /* Growing through am_buf_space wipes as well. */
    watch_block(&b);
    char *tail = am_buf_space(&b, b.cap);
    assert_non_null(tail);
    assert_int_equal(watched_frees, 1);
    assert_true(watched_was_wiped);
    memcpy(tail, "tail", 4);
    am_buf_commit(&b, 4);
    assert_int_equal(am_buf_len(&b), 201 * strlen(secret) + 4);
    assert_string_equal(am_buf_str(&b) + 201 * strlen(secret), "tail");
    am_buf_commit(&b, b.cap); /* more than was made room for: ignored */
    assert_int_equal(am_buf_len(&b), 201 * strlen(secret) + 4);
    /* And am_buf_free wipes the last block. */
    watch_block(&b);
    am_buf_free(&b);
    assert_int_equal(watched_frees, 1);
    assert_true(watched_was_wiped);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(appends_and_terminates),
    cmocka_unit_test(cap_is_refused_and_sticks),
    cmocka_unit_test(grow_wipes_the_old_block),
};

AM_TEST_MAIN(tests)
