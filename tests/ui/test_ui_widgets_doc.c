/* test_ui_widgets_doc.c — docs/widgets.md against the screens: every
 * widget a screen shows (each fixture state, both sites, a left to right
 * and a right to left language) has a row naming that screen, and every
 * id the doc names on a screen is shown there. Driven by the layout code,
 * so a screen that gains, loses or moves a widget fails here until the doc
 * says so. */
#include "am_test.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/i18n.h"
#include "amends/layout.h"
#include "ui_fixture.h"

#define WIDGETS_DOC AM_SOURCE_DIR "/docs/widgets.md"

#define MAX_ROWS 96
#define MAX_IDS  16
#define MAX_SEEN 1024

/* One row of the doc: ids (exact, or a prefix for `lang.XX`, `kbd.*`) and
 * the screens it names; `any` when it says "any" or "every" screen. */
typedef struct doc_row {
    char ids[MAX_IDS][AM_WIDGET_ID_MAX];
    bool prefix[MAX_IDS];
    int id_count;
    bool screens[AM_SCREEN_COUNT];
    bool any;
    int line;
} doc_row;

typedef struct seen {
    am_screen screen;
    char id[AM_WIDGET_ID_MAX];
} seen;

static void add_id(doc_row *r, const char *id, size_t len)
{
    if (r->id_count >= MAX_IDS || len == 0 || len >= AM_WIDGET_ID_MAX)
        return;
    char *out = r->ids[r->id_count];
    memcpy(out, id, len);
    out[len] = '\0';
    /* `lang.XX`, `category.ID`, `kbd.*`: a family of ids. */
    char *dot = strrchr(out, '.');
    bool family = dot && (dot[1] == '*' || (isupper((unsigned char)dot[1]) && dot[1]));
    if (family)
        dot[1] = '\0';
    r->prefix[r->id_count++] = family;
}

/* "`pin.0` ... `pin.9`" names pin.0 to pin.9. */
static void add_ids(doc_row *r, const char *cell)
{
    const char *p = cell;
    char prev[AM_WIDGET_ID_MAX] = "";
    bool range = false;
    while ((p = strchr(p, '`'))) {
        const char *end = strchr(p + 1, '`');
        if (!end)
            break;
        size_t len = (size_t)(end - p - 1);
        char id[AM_WIDGET_ID_MAX];
        snprintf(id, sizeof id, "%.*s", (int)len, p + 1);
        const char *pd = strrchr(prev, '.'), *id_dot = strrchr(id, '.');
        if (range && pd && id_dot && isdigit((unsigned char)pd[1]) &&
            isdigit((unsigned char)id_dot[1])) {
            int from = atoi(pd + 1), to = atoi(id_dot + 1);
            for (int k = from + 1; k < to; k++) {
                char mid[AM_WIDGET_ID_MAX];
                snprintf(mid, sizeof mid, "%.*s%d", (int)(pd + 1 - prev), prev, k);
                add_id(r, mid, strlen(mid));
            }
        }
        add_id(r, id, len);
        snprintf(prev, sizeof prev, "%s", id);
        p = end + 1;
        const char *next = strchr(p, '`');
        const char *dots = strstr(p, "...");
        range = next && dots && dots < next;
    }
}

static void add_screens(doc_row *r, const char *cell, size_t len)
{
    char words[1024];
    size_t n = 0;
    int depth = 0;
    /* "offer (escalated)": the parenthesis qualifies, it names no screen. */
    for (size_t i = 0; i < len && n + 1 < sizeof words; i++) {
        if (cell[i] == '(')
            depth++;
        else if (cell[i] == ')')
            depth--;
        else if (depth == 0)
            words[n++] = cell[i];
    }
    words[n] = '\0';
    for (char *w = strtok(words, " ,`\t"); w; w = strtok(NULL, " ,`\t")) {
        if (strcmp(w, "any") == 0 || strcmp(w, "every") == 0)
            r->any = true;
        for (int s = 0; s < AM_SCREEN_COUNT; s++) {
            if (strcmp(w, am_screen_id((am_screen)s)) == 0)
                r->screens[s] = true;
        }
    }
}

/* The rows of every table whose first column is ids. */
static int parse_doc(const char *text, doc_row *rows, int max)
{
    int n = 0, line = 0;
    for (const char *p = text; *p && n < max;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        line++;
        if (len > 3 && strncmp(p, "| `", 3) == 0) {
            const char *c1 = p + 1, *c2 = memchr(c1, '|', len - 1);
            const char *c3 = c2 ? memchr(c2 + 1, '|', (size_t)(p + len - c2 - 1)) : NULL;
            if (c2 && c3) {
                doc_row *r = &rows[n++];
                memset(r, 0, sizeof *r);
                r->line = line;
                char ids[512];
                snprintf(ids, sizeof ids, "%.*s", (int)(c2 - c1), c1);
                add_ids(r, ids);
                add_screens(r, c2 + 1, (size_t)(c3 - c2 - 1));
            }
        }
        p += len + (eol ? 1 : 0);
    }
    return n;
}

static bool row_has(const doc_row *r, const char *id)
{
    for (int i = 0; i < r->id_count; i++) {
        if (r->prefix[i] ? strncmp(id, r->ids[i], strlen(r->ids[i])) == 0
                         : strcmp(id, r->ids[i]) == 0)
            return true;
    }
    return false;
}

/* Every (screen, id) the fixture's states show on the site `conf`. */
static int collect(const char *conf, seen *out, int count, int max)
{
    am_config *cfg = NULL;
    am_i18n *i18n = NULL;
    char err[1024];
    if (am_config_load(conf, &cfg, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    if (am_i18n_load(ASSETS "/i18n", &i18n, err, sizeof err) != AM_OK)
        fail_msg("%s", err);
    am_layout *l = malloc(sizeof *l);
    assert_non_null(l);
    static const int langs[] = {AM_LANG_EN, AM_LANG_AR};
    /* Landscape and portrait: some widgets show on one only (low reach). */
    static const int sizes[][2] = {{1280, 800}, {1080, 1920}};
    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++)
        for (int s = 0; s < UI_STATE_COUNT; s++) {
            for (size_t k = 0; k < sizeof langs / sizeof langs[0]; k++) {
                am_journey *j = ui_journey_at(cfg, langs[k], (ui_state)s);
                am_kbd_layer letters = am_kbd_default_layer(langs[k]);
                am_view v = {.cfg = cfg,
                             .i18n = i18n,
                             .journey = j,
                             .now_ms = ui_fixture_now,
                             .width = sizes[z][0],
                             .height = sizes[z][1],
                             .kbd = {letters, letters, false},
                             .measure = ui_fixed_text};
                am_layout_build(l, &v);
                for (int i = 0; i < l->widget_count; i++) {
                    bool known = false;
                    for (int m = 0; m < count && !known; m++)
                        known =
                            out[m].screen == l->screen && strcmp(out[m].id, l->widgets[i].id) == 0;
                    if (known)
                        continue;
                    assert_true(count < max);
                    out[count].screen = l->screen;
                    snprintf(out[count].id, sizeof out[count].id, "%s", l->widgets[i].id);
                    count++;
                }
                am_journey_free(j);
            }
        }
    free(l);
    am_i18n_free(i18n);
    am_config_free(cfg);
    return count;
}

/* Checks `doc` against what the screens show; returns the number of
 * problems, the first few in err. */
static int check_doc(const char *doc, const seen *shown, int shown_count, char *err, size_t errlen)
{
    static doc_row rows[MAX_ROWS];
    int nrows = parse_doc(doc, rows, MAX_ROWS);
    int problems = 0;
    size_t used = 0;
    err[0] = '\0';
#define PROBLEM(...)                                                                               \
    do {                                                                                           \
        if (problems++ < 6 && used < errlen) {                                                     \
            int n_ = snprintf(err + used, errlen - used, __VA_ARGS__);                             \
            if (n_ > 0)                                                                            \
                used += (size_t)n_;                                                                \
        }                                                                                          \
    } while (0)
    if (nrows < 10)
        PROBLEM("only %d rows of ids in the doc; ", nrows);
    for (int i = 0; i < shown_count; i++) {
        bool documented = false;
        for (int r = 0; r < nrows && !documented; r++)
            documented =
                row_has(&rows[r], shown[i].id) && (rows[r].any || rows[r].screens[shown[i].screen]);
        if (!documented)
            PROBLEM("%s shows %s, which the doc does not name there; ",
                    am_screen_id(shown[i].screen), shown[i].id);
    }
    for (int r = 0; r < nrows; r++) {
        for (int s = 0; s < AM_SCREEN_COUNT; s++) {
            if (!rows[r].screens[s])
                continue;
            for (int i = 0; i < rows[r].id_count; i++) {
                bool found = false;
                for (int k = 0; k < shown_count && !found; k++) {
                    const char *id = shown[k].id;
                    found = shown[k].screen == (am_screen)s &&
                            (rows[r].prefix[i]
                                 ? strncmp(id, rows[r].ids[i], strlen(rows[r].ids[i])) == 0
                                 : strcmp(id, rows[r].ids[i]) == 0);
                }
                if (!found)
                    PROBLEM("widgets.md:%d names %s%s on %s, which that screen does not show; ",
                            rows[r].line, rows[r].ids[i], rows[r].prefix[i] ? "*" : "",
                            am_screen_id((am_screen)s));
            }
        }
    }
#undef PROBLEM
    return problems;
}

static seen shown[MAX_SEEN];

static int collect_all(void)
{
    int n = collect(AM_SOURCE_DIR "/tests/goldens/golden.conf", shown, 0, MAX_SEEN);
    n = collect(AM_SOURCE_DIR "/config/retail.conf", shown, n, MAX_SEEN);
    assert_true(n > 40);
    return n;
}

static void widgets_doc_matches_the_screens(void **state)
{
    (void)state;
    int n = collect_all();
    char *doc = am_test_read_file(WIDGETS_DOC, NULL);
    assert_non_null(doc);
    char err[2048];
    int problems = check_doc(doc, shown, n, err, sizeof err);
    if (problems)
        fail_msg("docs/widgets.md and the screens differ in %d places: %s", problems, err);
    free(doc);
}

/* The check can fail both ways: a row for an id no screen has, and a
 * screen's id with its row taken out. */
static void widgets_doc_check_finds_both_kinds_of_mismatch(void **state)
{
    (void)state;
    int n = collect_all();
    char *doc = am_test_read_file(WIDGETS_DOC, NULL);
    assert_non_null(doc);
    char err[2048];
    size_t len = strlen(doc);
    char *extra = malloc(len + 200);
    assert_non_null(extra);
    snprintf(extra, len + 200, "%s| `rating.maybe` | followup | `RATE` | no such widget |\n", doc);
    assert_true(check_doc(extra, shown, n, err, sizeof err) > 0);
    assert_non_null(strstr(err, "rating.maybe on followup"));
    /* Without the `impact.severe` row. */
    char *row = strstr(doc, "| `impact.severe`");
    assert_non_null(row);
    char *eol = strchr(row, '\n');
    assert_non_null(eol);
    snprintf(extra, len + 200, "%.*s%s", (int)(row - doc), doc, eol + 1);
    assert_true(check_doc(extra, shown, n, err, sizeof err) > 0);
    assert_non_null(strstr(err, "shows impact.severe"));
    free(extra);
    free(doc);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(widgets_doc_matches_the_screens),
    cmocka_unit_test(widgets_doc_check_finds_both_kinds_of_mismatch),
};

AM_TEST_MAIN(tests)
