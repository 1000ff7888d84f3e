/* kiosk_frames.c — frame time of every kiosk screen with the software
 * renderer, headless, at a given size (default 1920x1080).
 *
 * For each screen, as a guest meets it: first the screen they tap on to
 * get there (attract for category, details for apology, attract in the
 * kiosk's default language for attract in another, ...) is drawn, and
 * am_ui_idle runs until it has nothing left to prepare, as the window's
 * main loop does while the guest reads that screen (timed apart, idle_ms:
 * CPU the kiosk spends while nobody waits). Then the screen itself: its
 * first frame (the frame the guest waits for after the tap, with their own
 * text, if any, rendered in it) and the median and worst of 50 redraws (a
 * countdown tick, a keystroke elsewhere). Prints one line per screen and
 * the process's peak RSS; bench/kiosk_bench.py collects them. Not a test.
 *
 * Usage: kiosk_frames [WxH] [CONFIG] [LANG] [file]   (LANG: en, es, ..., default en)
 * "file": the baseline, fonts read from their files at each glyph load
 * (am_ui_options.fonts_from_file) rather than mapped, as before 2026-12-03.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "amends/ui.h"

/* ui_fixture.h is the tests' helper: its paths and its failure report. */
#define AM_SOURCE_DIR AM_BENCH_SOURCE_DIR
#define fail_msg(...) (fprintf(stderr, __VA_ARGS__), fputc('\n', stderr), exit(1))
#include "../tests/ui/ui_fixture.h"

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU time of this thread: what a frame costs, without the waits for a
 * core on a loaded machine. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Where each measured screen is reached from (UI_STATE_COUNT: attract in
 * the kiosk's default language, where a guest taps a language chip). */
static const ui_state predecessor[UI_STATE_COUNT] = {
    [UI_ATTRACT] = UI_STATE_COUNT,
    [UI_CATEGORY] = UI_ATTRACT,
    [UI_DETAILS] = UI_CATEGORY,
    [UI_APOLOGY] = UI_DETAILS,
    [UI_APOLOGY_OTHER] = UI_APOLOGY,
    [UI_OFFER] = UI_APOLOGY_OTHER,
    [UI_OFFER_ESCALATED] = UI_APOLOGY_OTHER,
    [UI_FOLLOWUP_RATED] = UI_OFFER,
    [UI_FOLLOWUP_COMMENT] = UI_FOLLOWUP_RATED,
    [UI_FOLLOWUP] = UI_FOLLOWUP_COMMENT,
    [UI_FOLLOWUP_ASK_CONSENT] = UI_FOLLOWUP,
    [UI_FOLLOWUP_ASK_DISCARD] = UI_FOLLOWUP_COMMENT,
    [UI_THANKS] = UI_FOLLOWUP,
    [UI_IDLE_PROMPT] = UI_DETAILS,
    [UI_OUT_OF_ORDER] = UI_DETAILS,
    [UI_STAFF_WAIT] = UI_APOLOGY,
    [UI_MANAGER_PIN] = UI_ATTRACT,
    [UI_PIN_LOCKED] = UI_MANAGER_PIN,
    [UI_MANAGER] = UI_MANAGER_PIN,
};

int main(int argc, char **argv)
{
    int w = 1920, h = 1080;
    if (argc > 1 && sscanf(argv[1], "%dx%d", &w, &h) != 2) {
        fprintf(stderr, "usage: kiosk_frames [WxH] [CONFIG] [LANG] [file]\n");
        return 2;
    }
    const char *conf =
        argc > 2 && argv[2][0] ? argv[2] : AM_BENCH_SOURCE_DIR "/tests/goldens/golden.conf";
    int lang = argc > 3 ? am_lang_index(argv[3]) : AM_LANG_EN;
    if (lang < 0) {
        fprintf(stderr, "kiosk_frames: unknown language %s\n", argv[3]);
        return 2;
    }
    bool from_file = argc > 4 && strcmp(argv[4], "file") == 0;
    if (argc > 4 && !from_file) {
        fprintf(stderr, "kiosk_frames: unknown font mode %s (only \"file\")\n", argv[4]);
        return 2;
    }
    char err[1024];
    am_config *cfg = NULL;
    if (am_config_load(conf, &cfg, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    am_ui_options o = {.assets_dir = AM_BENCH_SOURCE_DIR "/assets",
                       .width = w,
                       .height = h,
                       .headless = true,
                       .fonts_from_file = from_file};
    am_ui *ui = NULL;
    if (am_ui_open(&o, cfg, &ui, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    printf("# screen first_ms median_ms worst_ms idle_ms first_cpu_ms renders measures opens "
           "(%dx%d, software renderer, %s, fonts %s)\n",
           w, h, am_lang_codes[lang], from_file ? "from file" : "mapped");
    double worst_all = 0;
    for (int s = 0; s < UI_STATE_COUNT; s++) {
        /* The screen the guest taps on to get here, shown and prepared
         * from while they read it (attract: the kiosk's own language). */
        am_journey *before = predecessor[s] == UI_STATE_COUNT
                                 ? am_journey_new(cfg, 0)
                                 : ui_journey_at(cfg, lang, predecessor[s]);
        am_ui_draw(ui, before, ui_fixture_now);
        double t0 = now_ms();
        while (am_ui_idle(ui, before)) {
        }
        double idle = now_ms() - t0;
        am_journey_free(before);
        am_journey *j = ui_journey_at(cfg, lang, (ui_state)s);
        am_render_stats st0, st1;
        am_render_get_stats(am_ui_renderer(ui), &st0);
        double c0 = cpu_ms();
        t0 = now_ms();
        am_ui_draw(ui, j, ui_fixture_now);
        double first = now_ms() - t0;
        double first_cpu = cpu_ms() - c0;
        am_render_get_stats(am_ui_renderer(ui), &st1);
        enum { RUNS = 50 };
        double times[RUNS];
        for (int i = 0; i < RUNS; i++) {
            t0 = now_ms();
            am_ui_draw(ui, j, ui_fixture_now);
            times[i] = now_ms() - t0;
        }
        qsort(times, RUNS, sizeof times[0], cmp_double);
        printf("%s %.2f %.2f %.2f %.2f %.2f %lu %lu %lu\n", ui_state_names[s], first,
               times[RUNS / 2], times[RUNS - 1], idle, first_cpu,
               st1.text_renders - st0.text_renders, st1.measure_misses - st0.measure_misses,
               st1.font_opens - st0.font_opens);
        if (times[RUNS - 1] > worst_all)
            worst_all = times[RUNS - 1];
        am_journey_free(j);
    }
    printf("# worst redraw %.2f ms\n", worst_all);
    am_render_stats st;
    am_render_get_stats(am_ui_renderer(ui), &st);
    printf("# font_opens %lu prepared_renders %lu text_renders %lu warm_renders %lu\n",
           st.font_opens, st.prepared_renders, st.text_renders, st.warm_renders);
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        printf("# peak_rss_kib %ld\n", ru.ru_maxrss);
    /* Of the RSS now, pages of mapped files (the fonts among them). */
    FILE *status = fopen("/proc/self/status", "r");
    char line[256];
    while (status && fgets(line, sizeof line, status)) {
        if (strncmp(line, "RssFile:", 8) == 0 || strncmp(line, "RssAnon:", 8) == 0)
            printf("# %.*s_kib %ld\n", 7, line, strtol(line + 8, NULL, 10));
    }
    if (status)
        fclose(status);
    am_ui_close(ui);
    am_config_free(cfg);
    return 0;
}
