/* test_ui_golden.c — golden screenshots of every screen: in each of the
 * six languages at 1280x800, English at 1080x1920 (portrait). The real
 * amends-kiosk runs a script headless (dummy video driver, software
 * renderer, virtual clock) and each `shot` is compared with
 * tests/goldens/<screen>-<lang>-<size>.png; see golden.h for tolerance and
 * regeneration. out_of_order has its golden in test_ui_kiosk.c, where the
 * store really fails.
 *
 * The kiosk gets a voucher key made here from fixed bytes, so an accepted
 * offer's code (the kiosk's first serial) is the same in every run: the
 * main run declines the offer (thanks without a voucher); thanks_voucher
 * accepts it and shows the code and its QR code. */
#include "am_test.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "amends/store.h"

#include "golden.h"

#define KIOSK       AM_BINARY_DIR "/bin/amends-kiosk"
#define GOLDEN_CONF AM_SOURCE_DIR "/tests/goldens/golden.conf"

static const char *const screens[] = {
    "attract", "manager_pin",    "category",     "details",  "idle",   "apology", "apology_other",
    "offer",   "followup_rated", "followup_ask", "followup", "thanks", "manager"};

/* dir/golden.conf: the hotel site, with dir/voucher.key holding a fixed
 * test key (never a real site's key). */
static void write_conf(const char *dir, char *conf, size_t conflen)
{
    char key[600];
    snprintf(key, sizeof key, "%s/voucher.key", dir);
    unsigned char bytes[32];
    for (size_t i = 0; i < sizeof bytes; i++)
        bytes[i] = (unsigned char)(0xA5 ^ (i * 7));
    int fd = open(key, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, sizeof bytes), (ssize_t)sizeof bytes);
    assert_int_equal(close(fd), 0);
    char *text = am_test_read_file(GOLDEN_CONF, NULL);
    assert_non_null(text);
    char *budget = strstr(text, "[budget]\n");
    assert_non_null(budget);
    budget += strlen("[budget]\n");
    snprintf(conf, conflen, "%s/golden.conf", dir);
    FILE *f = fopen(conf, "w");
    assert_non_null(f);
    fprintf(f, "%.*svoucher_key_file = voucher.key\n%s", (int)(budget - text), text, budget);
    assert_int_equal(fclose(f), 0);
    free(text);
}

/* dir/data with the manager PIN 1234, stored as `amendsctl pin set` does
 * (Argon2id; the cheapest cost, so the test stays quick). */
static void set_pin(const char *dir)
{
    char data[600], err[512];
    snprintf(data, sizeof data, "%s/data", dir);
    assert_int_equal(mkdir(data, 0700), 0);
    assert_true(sodium_init() >= 0);
    char hash[crypto_pwhash_STRBYTES];
    assert_int_equal(crypto_pwhash_str_alg(hash, "1234", 4, crypto_pwhash_OPSLIMIT_MIN,
                                           crypto_pwhash_MEMLIMIT_MIN,
                                           crypto_pwhash_ALG_ARGON2ID13),
                     0);
    am_store *st = NULL;
    assert_int_equal(am_store_open(data, AM_STORE_READWRITE, 0, &st, err, sizeof err), AM_OK);
    assert_int_equal(am_store_manager_pin_set(st, hash), AM_OK);
    am_store_close(st);
}

static void run_kiosk(const char *dir, const char *script, const char *size)
{
    char conf[600], out[600], err[600], data[600];
    write_conf(dir, conf, sizeof conf);
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(err, sizeof err, "%s/err", dir);
    snprintf(data, sizeof data, "%s/data", dir);
    char *argv[] = {KIOSK,    "--config",   conf,       "--data-dir",   data, "--headless",
                    "--size", (char *)size, "--script", (char *)script, NULL};
    int rc = am_test_run_program(argv, out, err);
    if (rc != 0) {
        char *e = am_test_read_file(err, NULL);
        fail_msg("kiosk exited %d:\n%s", rc, e ? e : "");
    }
}

/* What the guest types on the golden screens, in each language. */
typedef struct golden_words {
    const char *lang, *description, *name, *other, *contact;
} golden_words;

static const golden_words words[] = {
    {"en", "The shower ran cold all week.", "Amira", "A quieter room, please", "amira@example.com"},
    {"es", "La ducha salió fría toda la semana.", "Lucía", "Una habitación más tranquila",
     "lucia@example.com"},
    {"fr", "La douche était froide toute la semaine.", "Élodie", "Une chambre plus calme",
     "elodie@example.com"},
    {"de", "Die Dusche war die ganze Woche kalt.", "Jürgen", "Ein ruhigeres Zimmer, bitte",
     "juergen@example.com"},
    {"ar", "الماء في الحمام كان بارداً طوال الأسبوع", "أميرة", "غرفة أهدأ من فضلك",
     "+966 11 234 5678"},
    {"zh", "整个星期淋浴都是冷水。", "李娜", "请给我一间更安静的房间", "+86 10 1234 5678"},
};

static const golden_words *words_for(const char *lang)
{
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (strcmp(words[i].lang, lang) == 0)
            return &words[i];
    }
    fail_msg("no golden words for %s", lang);
    return NULL;
}

static void run_goldens(const char *lang, const char *size)
{
    char dir[512], script[600];
    char tag[64];
    snprintf(tag, sizeof tag, "golden-%s-%s", lang, size);
    am_test_tmpdir(dir, sizeof dir, tag);
    snprintf(script, sizeof script, "%s/screens.script", dir);
    const golden_words *w = words_for(lang);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    /* The hotel site waits 90 s before asking "still there?". */
    fprintf(f,
            "tap lang.%s\n"
            "shot %s/attract.png\n"
            "tap manager\n"
            "expect manager_pin\n"
            "shot %s/manager_pin.png\n"
            "tap back\n"
            "tap start\n"
            "shot %s/category.png\n"
            "tap category.room\n"
            "tap impact.severe\n"
            "tap field.description\n"
            "type %s\n"
            "tap field.name\n"
            "type %s\n"
            "shot %s/details.png\n"
            "wait 95\n"
            "shot %s/idle.png\n"
            "tap still_here\n"
            "expect details\n"
            "tap next\n"
            "expect apology\n"
            "shot %s/apology.png\n"
            "tap resolution.other\n"
            "tap field.other\n"
            "type %s\n"
            "shot %s/apology_other.png\n"
            "tap next\n"
            "expect offer\n"
            "shot %s/offer.png\n"
            "tap offer.decline\n"
            "expect followup\n"
            "tap rating.4\n"
            "shot %s/followup_rated.png\n"
            "tap field.contact\n"
            "type %s\n"
            "tap done\n"
            "expect followup\n"
            "shot %s/followup_ask.png\n"
            "tap-at 10 400\n" /* beside the question: back to the screen */
            "tap consent.yes\n"
            "shot %s/followup.png\n"
            "tap done\n"
            "expect thanks\n"
            "shot %s/thanks.png\n"
            "tap done\n"
            "tap manager\n"
            "tap pin.1\ntap pin.2\ntap pin.3\ntap pin.4\n"
            "tap pin.ok\n"
            "expect manager\n"
            "shot %s/manager.png\n",
            lang, dir, dir, dir, w->description, w->name, dir, dir, dir, w->other, dir, dir, dir,
            w->contact, dir, dir, dir, dir);
    fclose(f);
    set_pin(dir);
    run_kiosk(dir, script, size);
    int failures = 0;
    for (size_t i = 0; i < sizeof screens / sizeof screens[0]; i++) {
        char actual[700], name[128];
        snprintf(actual, sizeof actual, "%s/%s.png", dir, screens[i]);
        snprintf(name, sizeof name, "%s-%s-%s", screens[i], lang, size);
        const char *why = golden_compare(actual, name);
        if (why) {
            print_error("%s\n", why);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

static void goldens_en_1280x800(void **state)
{
    (void)state;
    run_goldens("en", "1280x800");
}

static void goldens_ar_1280x800(void **state)
{
    (void)state;
    run_goldens("ar", "1280x800");
}

static void goldens_es_1280x800(void **state)
{
    (void)state;
    run_goldens("es", "1280x800");
}

static void goldens_fr_1280x800(void **state)
{
    (void)state;
    run_goldens("fr", "1280x800");
}

static void goldens_de_1280x800(void **state)
{
    (void)state;
    run_goldens("de", "1280x800");
}

static void goldens_zh_1280x800(void **state)
{
    (void)state;
    run_goldens("zh", "1280x800");
}

/* details before anything is typed, in Arabic: the hints read right to
 * left, their brackets too ("(اختياري)"). */
static void golden_details_hint_ar_1280x800(void **state)
{
    (void)state;
    char dir[512], script[600], actual[700];
    am_test_tmpdir(dir, sizeof dir, "golden-hint-ar-1280x800");
    snprintf(script, sizeof script, "%s/hint.script", dir);
    snprintf(actual, sizeof actual, "%s/details_hint.png", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f, "tap lang.ar\ntap category.room\nexpect details\nshot %s\n", actual);
    fclose(f);
    run_kiosk(dir, script, "1280x800");
    const char *why = golden_compare(actual, "details_hint-ar-1280x800");
    if (why)
        fail_msg("%s", why);
}

/* A guest who switched on high contrast and large text on attract: the
 * switches shown on, then details with the keyboard up, in English and
 * in Arabic (the switches keep their side; the rest mirrors). */
static void run_modes_golden(const char *lang)
{
    char dir[512], script[600], attract[700], details[700], name[128], tag[64];
    snprintf(tag, sizeof tag, "golden-modes-%s", lang);
    am_test_tmpdir(dir, sizeof dir, tag);
    snprintf(script, sizeof script, "%s/modes.script", dir);
    snprintf(attract, sizeof attract, "%s/attract_modes.png", dir);
    snprintf(details, sizeof details, "%s/details_modes.png", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f,
            "tap lang.%s\ntap mode.contrast\ntap mode.large_text\nshot %s\n"
            "tap category.room\nexpect details\ntap impact.severe\ntap field.description\n"
            "type %s\nshot %s\n",
            lang, attract, !strcmp(lang, "ar") ? "الماء بارد" : "The shower ran cold.", details);
    fclose(f);
    run_kiosk(dir, script, "1280x800");
    snprintf(name, sizeof name, "attract_modes-%s-1280x800", lang);
    const char *why = golden_compare(attract, name);
    if (why)
        fail_msg("%s", why);
    snprintf(name, sizeof name, "details_modes-%s-1280x800", lang);
    why = golden_compare(details, name);
    if (why)
        fail_msg("%s", why);
}

static void golden_modes_en_1280x800(void **state)
{
    (void)state;
    run_modes_golden("en");
}

static void golden_modes_ar_1280x800(void **state)
{
    (void)state;
    run_modes_golden("ar");
}

/* Low reach on a portrait screen: everything in the lowest 60 %. */
static void golden_low_reach_en_1080x1920(void **state)
{
    (void)state;
    char dir[512], script[600], attract[700], details[700];
    am_test_tmpdir(dir, sizeof dir, "golden-low-reach");
    snprintf(script, sizeof script, "%s/reach.script", dir);
    snprintf(attract, sizeof attract, "%s/attract_low_reach.png", dir);
    snprintf(details, sizeof details, "%s/details_low_reach.png", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f,
            "tap mode.low_reach\nshot %s\ntap category.room\nexpect details\n"
            "tap field.description\ntype The shower ran cold.\nshot %s\n",
            attract, details);
    fclose(f);
    run_kiosk(dir, script, "1080x1920");
    const char *why = golden_compare(attract, "attract_low_reach-en-1080x1920");
    if (!why)
        why = golden_compare(details, "details_low_reach-en-1080x1920");
    if (why)
        fail_msg("%s", why);
}

static void goldens_en_1080x1920(void **state)
{
    (void)state;
    run_goldens("en", "1080x1920");
}

/* thanks after an accepted offer: the voucher code, large and grouped,
 * and its QR code. */
static void run_voucher_golden(const char *lang, const char *size)
{
    char dir[512], script[600], actual[700], name[128], tag[64];
    snprintf(tag, sizeof tag, "golden-voucher-%s-%s", lang, size);
    am_test_tmpdir(dir, sizeof dir, tag);
    snprintf(script, sizeof script, "%s/voucher.script", dir);
    snprintf(actual, sizeof actual, "%s/thanks_voucher.png", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f,
            "tap lang.%s\n"
            "tap start\n"
            "tap category.room\n"
            "tap impact.severe\n"
            "tap next\n"
            "tap resolution.change_room\n"
            "expect offer\n"
            "tap offer.accept\n"
            "tap skip\n"
            "expect thanks\n"
            "shot %s\n",
            lang, actual);
    fclose(f);
    /* Noon UTC on a fixed day: the voucher's last day, shown as a date, is
     * the same in any time zone a test machine has. */
    setenv("AMENDS_TEST_WALL_MS", "1796212800000", 1); /* 2026-12-02T12:00Z */
    run_kiosk(dir, script, size);
    unsetenv("AMENDS_TEST_WALL_MS");
    snprintf(name, sizeof name, "thanks_voucher-%s-%s", lang, size);
    const char *why = golden_compare(actual, name);
    if (why)
        fail_msg("%s", why);
}

static void golden_thanks_voucher_en_1280x800(void **state)
{
    (void)state;
    run_voucher_golden("en", "1280x800");
}

static void golden_thanks_voucher_ar_1280x800(void **state)
{
    (void)state;
    run_voucher_golden("ar", "1280x800");
}

/* The PIN pad shows a dot per digit typed: the pad with three digits is
 * its golden and differs from the empty pad, and from the pad with two. */
static bool same_pixels(const char *a, const char *b)
{
    SDL_Surface *sa = golden_load(a), *sb = golden_load(b);
    assert_non_null(sa);
    assert_non_null(sb);
    bool same = sa->w == sb->w && sa->h == sb->h;
    for (int y = 0; same && y < sa->h; y++)
        same = memcmp((char *)sa->pixels + y * sa->pitch, (char *)sb->pixels + y * sb->pitch,
                      (size_t)sa->w * 4) == 0;
    SDL_FreeSurface(sa);
    SDL_FreeSurface(sb);
    return same;
}

static void golden_pin_pad_shows_a_dot_per_digit(void **state)
{
    (void)state;
    char dir[512], script[600], empty[700], two[700], three[700];
    am_test_tmpdir(dir, sizeof dir, "golden-pin-dots");
    snprintf(script, sizeof script, "%s/pin.script", dir);
    snprintf(empty, sizeof empty, "%s/pin0.png", dir);
    snprintf(two, sizeof two, "%s/pin2.png", dir);
    snprintf(three, sizeof three, "%s/pin3.png", dir);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    fprintf(f,
            "tap manager\nexpect manager_pin\nshot %s\n"
            "tap pin.1\ntap pin.2\nshot %s\ntap pin.3\nshot %s\n",
            empty, two, three);
    fclose(f);
    set_pin(dir);
    run_kiosk(dir, script, "1280x800");
    assert_false(same_pixels(empty, three));
    assert_false(same_pixels(two, three));
    const char *why = golden_compare(three, "manager_pin_3_digits-en-1280x800");
    if (why)
        fail_msg("%s", why);
    am_test_rmtree(dir);
}

/* The comparison can fail: a golden against a different screen. */
static void comparison_catches_a_different_screen(void **state)
{
    (void)state;
    if (getenv("AMENDS_UPDATE_GOLDENS"))
        skip(); /* it would overwrite a golden with the wrong screen */
    char dir[512], actual[600];
    am_test_tmpdir(dir, sizeof dir, "golden-self");
    snprintf(actual, sizeof actual, "%s/category.png", dir);
    assert_int_equal(copy_file(GOLDEN_DIR "/category-en-1280x800.png", actual), 0);
    const char *why = golden_compare(actual, "attract-en-1280x800");
    assert_non_null(why);
    assert_non_null(strstr(why, "differs"));
    char diff[700];
    snprintf(diff, sizeof diff, "%s/category.diff.png", dir);
    SDL_Surface *d = IMG_Load(diff);
    assert_non_null(d);
    SDL_FreeSurface(d);
    why = golden_compare(actual, "no-such-golden");
    assert_non_null(why);
    assert_non_null(strstr(why, "no golden image"));
    am_test_rmtree(dir);
}

static const struct CMUnitTest tests[] = {
    cmocka_unit_test(goldens_en_1280x800),
    cmocka_unit_test(goldens_ar_1280x800),
    cmocka_unit_test(goldens_en_1080x1920),
    cmocka_unit_test(goldens_es_1280x800),
    cmocka_unit_test(goldens_fr_1280x800),
    cmocka_unit_test(goldens_de_1280x800),
    cmocka_unit_test(goldens_zh_1280x800),
    cmocka_unit_test(golden_details_hint_ar_1280x800),
    cmocka_unit_test(golden_modes_en_1280x800),
    cmocka_unit_test(golden_modes_ar_1280x800),
    cmocka_unit_test(golden_low_reach_en_1080x1920),
    cmocka_unit_test(golden_thanks_voucher_en_1280x800),
    cmocka_unit_test(golden_thanks_voucher_ar_1280x800),
    cmocka_unit_test(comparison_catches_a_different_screen),
    cmocka_unit_test(golden_pin_pad_shows_a_dot_per_digit),
};

AM_TEST_MAIN(tests)
