/* test_script.c — the automation script parser. */
#include "am_test.h"

#include <stdlib.h>
#include <string.h>

#include "amends/script.h"

static am_script *parse_ok(const char *text)
{
    am_script *s = NULL;
    char err[256] = "";
    if (am_script_parse("t.script", text, &s, err, sizeof err) != AM_OK)
        fail_msg("unexpected error: %s", err);
    return s;
}

static void expect_error(const char *text, const char *message)
{
    am_script *s = NULL;
    char err[256] = "";
    assert_int_equal(am_script_parse("t.script", text, &s, err, sizeof err), AM_ERR_INVALID);
    assert_null(s);
    assert_string_equal(err, message);
}

static void parses_every_command(void **state)
{
    (void)state;
    am_script *s = parse_ok("# comment\n"
                            "\n"
                            "tap start\n"
                            "  tap-at 640 400  \n"
                            "type Hello, \"world\"\\nline two \xf0\x9f\x99\x82\n"
                            "key BackSpace\n"
                            "wait 2.5\n"
                            "expect category\n"
                            "expect-text We're sorry\n"
                            "shot out/attract.png\n"
                            "await-sync\n");
    assert_int_equal(s->count, 9);
    assert_int_equal(s->cmds[8].op, AM_OP_AWAIT_SYNC);
    assert_null(s->cmds[8].arg);
    assert_int_equal(s->cmds[0].op, AM_OP_TAP);
    assert_string_equal(s->cmds[0].arg, "start");
    assert_int_equal(s->cmds[0].line, 3);
    assert_int_equal(s->cmds[1].op, AM_OP_TAP_AT);
    assert_int_equal(s->cmds[1].x, 640);
    assert_int_equal(s->cmds[1].y, 400);
    assert_int_equal(s->cmds[2].op, AM_OP_TYPE);
    assert_string_equal(s->cmds[2].arg, "Hello, \"world\"\nline two \xf0\x9f\x99\x82");
    assert_int_equal(s->cmds[3].key, AM_KEY_BACKSPACE);
    assert_int_equal(s->cmds[4].wait_ms, 2500);
    assert_string_equal(s->cmds[5].arg, "category");
    assert_string_equal(s->cmds[6].arg, "We're sorry");
    assert_string_equal(s->cmds[7].arg, "out/attract.png");
    assert_int_equal(s->cmds[7].line, 10);
    am_script_free(s);
    /* Keys alone: every key a keypad or switch sends, and the ring. */
    s = parse_ok("key Tab\nkey BackTab\nkey Left\nkey Right\nkey Up\nkey Down\nkey Space\n"
                 "key Return\nexpect-focus category.room\n");
    assert_int_equal(s->count, 9);
    static const am_script_key keys[] = {AM_KEY_TAB, AM_KEY_BACKTAB, AM_KEY_LEFT,  AM_KEY_RIGHT,
                                         AM_KEY_UP,  AM_KEY_DOWN,    AM_KEY_SPACE, AM_KEY_RETURN};
    for (int i = 0; i < 8; i++)
        assert_int_equal(s->cmds[i].key, keys[i]);
    assert_int_equal(s->cmds[8].op, AM_OP_EXPECT_FOCUS);
    assert_string_equal(s->cmds[8].arg, "category.room");
    am_script_free(s);
}

static void errors_name_file_and_line(void **state)
{
    (void)state;
    expect_error("tap start\njump high\n",
                 "t.script:2: unknown command 'jump' (expected tap, tap-at, type, key, wait, "
                 "expect, expect-text, expect-focus, shot, await-sync or await-text)");
    expect_error("await-sync now\n", "t.script:1: await-sync takes nothing after it");
    expect_error("tap\n", "t.script:1: tap needs a widget id");
    expect_error("tap a b\n", "t.script:1: tap: 'a b' is not a widget id");
    expect_error("\n\ntap-at 10\n",
                 "t.script:3: tap-at needs two pixel coordinates X Y (whole numbers, 0 or more)");
    expect_error("tap-at -1 5\n",
                 "t.script:1: tap-at needs two pixel coordinates X Y (whole numbers, 0 or more)");
    expect_error("key Enter\n",
                 "t.script:1: key: 'Enter' is not a key (expected Return, Escape, BackSpace, Tab, "
                 "BackTab, Left, Right, Up, Down or Space)");
    expect_error("expect-focus\n", "t.script:1: expect-focus needs a widget id");
    expect_error("expect-focus a b\n", "t.script:1: expect-focus: 'a b' is not a widget id");
    expect_error("wait soon\n",
                 "t.script:1: wait: 'soon' is not a number of seconds (0 to 604800, e.g. 2 or "
                 "0.5)");
    expect_error("wait -1\n",
                 "t.script:1: wait: '-1' is not a number of seconds (0 to 604800, e.g. 2 or "
                 "0.5)");
    expect_error("wait 9999999\n",
                 "t.script:1: wait: '9999999' is not a number of seconds (0 to 604800, e.g. 2 "
                 "or 0.5)");
    expect_error("expect lobby\n", "t.script:1: expect: 'lobby' is not a screen id");
    expect_error("shot picture.jpg\n", "t.script:1: shot needs a file name ending in .png");
    expect_error("type bad \\q escape\n",
                 "t.script:1: type: unknown escape (use \\n, \\t or \\\\)");
    expect_error("tap start\ntype \xc3\x28\n", "t.script:2: line is not valid UTF-8");
}

static void empty_script_is_valid(void **state)
{
    (void)state;
    am_script *s = parse_ok("# nothing to do\n\n");
    assert_int_equal(s->count, 0);
    am_script_free(s);
}

static void crlf_lines_are_accepted(void **state)
{
    (void)state;
    am_script *s = parse_ok("tap start\r\nexpect category\r\n");
    assert_int_equal(s->count, 2);
    assert_string_equal(s->cmds[1].arg, "category");
    am_script_free(s);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(parses_every_command),
    cmocka_unit_test(errors_name_file_and_line),
    cmocka_unit_test(empty_script_is_valid),
    cmocka_unit_test(crlf_lines_are_accepted),
};

AM_TEST_MAIN(tests)
