/* test_ui_strings.c — every string in assets/i18n is one the kiosk uses:
 * each am_str of include/amends/i18n.h (whose keys are all the keys the
 * language files may have) is named somewhere in src/ besides the table
 * that maps it to its key. A string no screen shows any more fails here
 * until it is removed from the enum, the table and every language. */
#include "am_test.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/i18n.h"

#define I18N_H  AM_SOURCE_DIR "/include/amends/i18n.h"
#define SRC_DIR AM_SOURCE_DIR "/src"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* The enum's names in order, from the header: AM_STR_COUNT of them. */
static int enum_names(char names[][64])
{
    char *h = slurp(I18N_H);
    char *p = strstr(h, "typedef enum am_str {");
    assert_non_null(p);
    int count = 0;
    while ((p = strstr(p, "AM_STR_")) != NULL) {
        size_t len = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_");
        if (len == strlen("AM_STR_COUNT") && strncmp(p, "AM_STR_COUNT", len) == 0)
            break;
        /* Only the enumerators: a name followed by a comma or "= 0,". */
        if ((p[len] == ',' || strncmp(p + len, " = 0,", 5) == 0) && count < AM_STR_COUNT + 1) {
            snprintf(names[count], 64, "%.*s", (int)len, p);
            count++;
        }
        p += len;
    }
    free(h);
    return count;
}

/* Appends every .c file under dir, except the key table, to *all. */
static void read_sources(const char *dir, char **all, size_t *len)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n = strlen(e->d_name);
        if (n > 2 && strcmp(e->d_name + n - 2, ".c") == 0) {
            if (strcmp(path, SRC_DIR "/ui/i18n.c") == 0)
                continue;
            char *text = slurp(path);
            size_t tl = strlen(text);
            *all = realloc(*all, *len + tl + 2);
            assert_non_null(*all);
            memcpy(*all + *len, text, tl);
            (*all)[*len + tl] = '\n';
            *len += tl + 1;
            (*all)[*len] = '\0';
            free(text);
        } else if (!strchr(e->d_name, '.')) {
            read_sources(path, all, len); /* a directory */
        }
    }
    closedir(d);
}

/* Whether `name` appears in text as a whole identifier. */
static bool names(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(text, name); p; p = strstr(p + 1, name)) {
        char after = p[n];
        bool ident = (after >= 'A' && after <= 'Z') || (after >= '0' && after <= '9') ||
                     after == '_' || (after >= 'a' && after <= 'z');
        if (!ident)
            return true;
    }
    return false;
}

static void every_string_is_used(void **state)
{
    (void)state;
    static char enums[AM_STR_COUNT + 1][64];
    assert_int_equal(enum_names(enums), AM_STR_COUNT);
    char *src = NULL;
    size_t len = 0;
    read_sources(SRC_DIR, &src, &len);
    assert_non_null(src);
    int unused = 0;
    for (int i = 0; i < AM_STR_COUNT; i++) {
        if (!names(src, enums[i])) {
            print_error("%s (\"%s\" in assets/i18n) is used nowhere in src/\n", enums[i],
                        am_i18n_key_name((am_str)i));
            unused++;
        }
    }
    free(src);
    assert_int_equal(unused, 0);
}

/* The check itself: a name used nowhere is found, one used is not. */
static void the_check_finds_an_unused_name(void **state)
{
    (void)state;
    const char *text = "x = S(c, AM_STR_NEXT_PAGE);\ny = S(c, AM_STR_BACK);\n";
    assert_true(names(text, "AM_STR_BACK"));
    assert_false(names(text, "AM_STR_NEXT"));
    assert_false(names(text, "AM_STR_SKIP"));
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(every_string_is_used),
    cmocka_unit_test(the_check_finds_an_unused_name),
};

AM_TEST_MAIN(tests)
