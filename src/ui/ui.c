/* ui.c — the kiosk screen put together (see ui.h). */
#include "amends/ui.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "amends/clock.h"
#include "amends/text.h"
#include "hyphen.h"

struct am_ui {
    const am_config *cfg;
    am_i18n *i18n;
    am_render *render;
    am_layout *layout;
    am_kbd_state kbd;
    am_screen kbd_screen;
    am_field kbd_field;
    int kbd_lang;
    char typed[16];
    /* Idle preparation (am_ui_idle): the next screens' lines, then the
     * glyphs of guest text: the language warmed, the next size to warm,
     * and that language's characters. */
    struct am_ui_prep *prep;
    int warm_lang;
    size_t warm_next;
    char warm_chars[1536];
    am_manager_info manager;
    /* The control a keypad's ring is on (am_ui_key), on key_screen; it
     * goes when the screen changes. */
    char key_focus[AM_WIDGET_ID_MAX];
    am_screen key_screen;
};

/* An installed kiosk finds its assets next to itself: /usr/bin/amends-kiosk
 * uses /usr/share/amends, wherever the package put the prefix. */
static const char *installed_assets(void)
{
    static char dir[AM_PATH_MAX];
    char exe[AM_PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    char probe[AM_PATH_MAX + 64];
    if (snprintf(dir, sizeof dir, "%s/../share/amends", exe) >= (int)sizeof dir)
        return NULL;
    snprintf(probe, sizeof probe, "%s/i18n/en.ini", dir);
    return access(probe, R_OK) == 0 ? dir : NULL;
}

const char *am_ui_default_assets(void)
{
    const char *env = getenv("AMENDS_ASSETS");
    if (env && *env)
        return env;
    const char *installed = installed_assets();
    if (installed)
        return installed;
#ifdef AM_ASSETS_DIR
    return AM_ASSETS_DIR;
#else
    return "assets";
#endif
}

void am_ui_close(am_ui *ui)
{
    if (!ui)
        return;
    am_render_close(ui->render);
    am_i18n_free(ui->i18n);
    free(ui->layout);
    free(ui->prep);
    free(ui);
}

/* ---- idle preparation ------------------------------------------------------ */

/* A screen the guest may see next, as the journey events that reach it
 * from a new journey: the current journey's choices (language, category,
 * impact, resolution), never its text. */
typedef struct prep_plan {
    am_screen screen;
    int lang, category, resolution;
    am_severity severity;
    am_field focus; /* a field with focus (and the keyboard up) */
    bool escalated; /* the offer over budget */
    bool declined;  /* rating reached by declining the offer */
    bool prompt;    /* with "still there?" over it */
    bool store_fails;
    bool pin_locked; /* the PIN pad locked after wrong PINs */
    bool voucher;    /* thanks with a voucher (its code a stand-in) */
    bool typed;      /* a placeholder letter in the focused field: the
                      * keyboard's lower case, as after the first key */
    /* followup: the question a tap asks over it, with a placeholder letter
     * in the field it is about: Finish with a contact ("may we contact
     * you?") or Skip with a comment ("discard it?"). */
    enum { ASK_NONE = 0, ASK_CONSENT, ASK_DISCARD } ask;
} prep_plan;

#define PREP_PLANS 32
/* CPU per am_ui_idle call: a tap waits at most this (and one line). */
#define PREP_STEP_MS 1.5

struct am_ui_prep {
    uint64_t sig; /* of the journey state the plans were made for */
    prep_plan plans[PREP_PLANS];
    int plan_count, plan_next;
    int next_cmd; /* next command of `layout` to render; -1: not built */
    bool full;    /* the cache has no room left: stop */
    bool cut;     /* the layout build ran out of time (prep_measure) */
    double deadline;
    am_layout layout;
};

static double clock_ms(void)
{
    return (double)am_mono_ns() / 1e6;
}

/* Text sizes of the guest's own words (fields, and a name in the apology
 * and thanks titles), in design units, whose glyphs are warmed once the
 * next screens' lines are ready: guest text cannot be prepared as lines. */
static const struct {
    am_font font;
    double size;
} guest_sizes[] = {
    {AM_FONT_REGULAR, 26},
    {AM_FONT_REGULAR, 32},
    {AM_FONT_BOLD, 54},
    {AM_FONT_BOLD, 56},
};
#define GUEST_SIZE_COUNT (sizeof guest_sizes / sizeof guest_sizes[0])

/* Every character of `lang`'s kiosk strings, and printable ASCII (names,
 * e-mail addresses, site texts), each once, as one UTF-8 string. */
static void collect_chars(am_ui *ui, int lang)
{
    static unsigned char seen[0x10000 / 8];
    memset(seen, 0, sizeof seen);
    size_t len = 0, cap = sizeof ui->warm_chars - 4;
    for (uint32_t cp = 0x21; cp < 0x7F; cp++) {
        seen[cp / 8] |= (unsigned char)(1u << (cp % 8));
        len += (size_t)am_utf8_encode(cp, ui->warm_chars + len);
    }
    for (int k = 0; k < AM_STR_COUNT && len < cap; k++) {
        const unsigned char *t = (const unsigned char *)am_i18n_get(ui->i18n, lang, (am_str)k);
        while (*t && len < cap) {
            uint32_t cp = *t++;
            if (cp >= 0xE0 && cp < 0xF0 && t[0] && t[1]) {
                cp = ((cp & 0x0F) << 12) | ((uint32_t)(t[0] & 0x3F) << 6) | (t[1] & 0x3F);
                t += 2;
            } else if (cp >= 0xC0 && cp < 0xE0 && t[0]) {
                cp = ((cp & 0x1F) << 6) | (t[0] & 0x3F);
                t += 1;
            } else if (cp >= 0x80) {
                continue; /* beyond the BMP or not a lead byte: not warmed */
            }
            /* Chinese has too many characters for SDL_ttf's 256-glyph cache
             * per font, and each is large: warming them would cost memory
             * and be evicted anyway. */
            if (cp < 0x21 || (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                (cp >= 0xFF00 && cp <= 0xFFEF) || (seen[cp / 8] & (1u << (cp % 8))))
                continue;
            seen[cp / 8] |= (unsigned char)(1u << (cp % 8));
            len += (size_t)am_utf8_encode(cp, ui->warm_chars + len);
        }
    }
    ui->warm_chars[len] = '\0';
}

/* What the plans depend on: the screen and the guest's choices so far. */
static uint64_t journey_sig(const am_journey *j)
{
    const am_report *r = am_journey_report(j);
    uint64_t h = 1469598103934665603ull;
    int parts[] = {(int)am_journey_screen(j), am_journey_lang(j), (int)r->severity,
                   (int)r->offer_state};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        h ^= (uint64_t)(unsigned)parts[i];
        h *= 1099511628211ull;
    }
    for (const char *t = r->category; *t; t++) {
        h ^= (unsigned char)*t;
        h *= 1099511628211ull;
    }
    for (const char *t = r->resolution; *t; t++) {
        h ^= (unsigned char)*t;
        h *= 1099511628211ull;
    }
    return h;
}

static void add_plan(struct am_ui_prep *p, prep_plan plan)
{
    if (p->plan_count < PREP_PLANS)
        p->plans[p->plan_count++] = plan;
}

/* The screens reachable from j's in one step, likeliest first: the cache
 * keeps what fits (6 MiB), so the likeliest are the ones prepared. */
static void make_plans(am_ui *ui, const am_journey *j)
{
    struct am_ui_prep *p = ui->prep;
    const am_config *cfg = ui->cfg;
    const am_report *r = am_journey_report(j);
    p->plan_count = 0;
    int cat = am_config_category_index(cfg, r->category);
    if (cat < 0)
        cat = 0;
    int res = -1;
    for (int i = 0; i < cfg->resolution_count; i++) {
        if (r->resolution[0] && strcmp(cfg->resolutions[i].id, r->resolution) == 0)
            res = i;
    }
    int options[16];
    int option_count = am_config_options_for(cfg, cat, options, 16);
    prep_plan base = {
        .lang = am_journey_lang(j),
        .category = cat,
        .resolution = res >= 0           ? res
                      : option_count > 0 ? options[0]
                                         : -1,
        .severity = r->severity != AM_SEVERITY_NONE ? r->severity : AM_SEVERITY_SIGNIFICANT,
    };
    prep_plan q = base;
    am_screen screen = am_journey_screen(j);
    switch (screen) {
    case AM_SCREEN_ATTRACT:
        /* A tile on attract goes straight to details. */
        for (int i = 0; i < cfg->category_count && i < 4; i++) {
            q = base;
            q.screen = AM_SCREEN_DETAILS;
            q.category = i;
            add_plan(p, q);
        }
        q = base;
        q.screen = AM_SCREEN_CATEGORY;
        add_plan(p, q);
        for (int i = 0; i < cfg->kiosk.language_count; i++) {
            q = base;
            q.screen = AM_SCREEN_ATTRACT;
            q.lang = cfg->kiosk.languages[i];
            if (q.lang != base.lang)
                add_plan(p, q);
        }
        q = base;
        q.screen = AM_SCREEN_MANAGER_PIN;
        add_plan(p, q);
        break;
    case AM_SCREEN_CATEGORY:
        for (int i = 0; i < cfg->category_count; i++) {
            q = base;
            q.screen = AM_SCREEN_DETAILS;
            q.category = i;
            add_plan(p, q);
        }
        /* details opens with the keyboard down; a tap on "what happened"
         * brings it up. */
        q.focus = AM_FIELD_DESCRIPTION;
        add_plan(p, q);
        q = base;
        q.screen = AM_SCREEN_ATTRACT;
        add_plan(p, q);
        break;
    case AM_SCREEN_DETAILS:
        q.screen = AM_SCREEN_APOLOGY;
        q.resolution = -1;
        add_plan(p, q);
        q.resolution = base.resolution;
        q.screen = AM_SCREEN_DETAILS;
        q.focus = AM_FIELD_DESCRIPTION;
        add_plan(p, q);
        q.typed = true;
        add_plan(p, q);
        q.focus = AM_FIELD_NAME;
        q.typed = false;
        add_plan(p, q);
        q.typed = true;
        add_plan(p, q);
        q.focus = AM_FIELD_DESCRIPTION;
        q.typed = false;
        q.prompt = true;
        add_plan(p, q);
        q = base;
        q.screen = AM_SCREEN_OUT_OF_ORDER;
        q.store_fails = true;
        add_plan(p, q);
        break;
    case AM_SCREEN_APOLOGY:
        q.screen = AM_SCREEN_OFFER; /* or rating, when policy has no offer */
        add_plan(p, q);
        q.escalated = true;
        add_plan(p, q);
        q = base;
        for (int i = 0; i < option_count; i++) {
            if (cfg->resolutions[options[i]].asks_text) {
                q.screen = AM_SCREEN_APOLOGY;
                q.resolution = options[i];
                q.typed = false;
                add_plan(p, q);
                q.focus = AM_FIELD_RESOLUTION_TEXT;
                q.typed = true;
                add_plan(p, q);
                q.focus = AM_FIELD_NONE;
            }
        }
        q = base;
        q.prompt = true;
        q.screen = AM_SCREEN_APOLOGY;
        q.resolution = -1;
        add_plan(p, q);
        q = base;
        q.screen = AM_SCREEN_OUT_OF_ORDER;
        q.store_fails = true;
        add_plan(p, q);
        break;
    case AM_SCREEN_OFFER:
        q.screen = AM_SCREEN_FOLLOWUP;
        add_plan(p, q);
        q.focus = AM_FIELD_COMMENT;
        add_plan(p, q);
        q.focus = AM_FIELD_CONTACT;
        add_plan(p, q);
        q.focus = AM_FIELD_NONE;
        q.declined = true;
        add_plan(p, q);
        q = base;
        q.screen = AM_SCREEN_THANKS;
        add_plan(p, q);
        q = base;
        q.screen = AM_SCREEN_OFFER;
        q.prompt = true;
        add_plan(p, q);
        break;
    case AM_SCREEN_FOLLOWUP:
        q.screen = AM_SCREEN_FOLLOWUP;
        q.focus = AM_FIELD_COMMENT;
        add_plan(p, q);
        q.focus = AM_FIELD_CONTACT;
        add_plan(p, q);
        q.typed = true;
        add_plan(p, q);
        /* Finish or Skip ask a question first; its text wraps in Chinese
         * one character at a time, each prefix measured. */
        q = base;
        q.screen = AM_SCREEN_FOLLOWUP;
        q.ask = ASK_CONSENT;
        add_plan(p, q);
        q.ask = ASK_DISCARD;
        add_plan(p, q);
        q = base;
        q.screen = AM_SCREEN_THANKS;
        /* An accepted offer's voucher narrows the text beside its code. */
        q.voucher = r->offer_state == AM_OFFER_ACCEPTED;
        add_plan(p, q);
        q.voucher = false;
        q.screen = AM_SCREEN_FOLLOWUP;
        q.prompt = true;
        add_plan(p, q);
        break;
    case AM_SCREEN_STAFF_WAIT:
        /* "I can't wait" leads to the contact field. */
        q.screen = AM_SCREEN_FOLLOWUP;
        add_plan(p, q);
        q = base;
        q.screen = AM_SCREEN_ATTRACT;
        add_plan(p, q);
        break;
    case AM_SCREEN_MANAGER_PIN:
        q.screen = AM_SCREEN_MANAGER;
        add_plan(p, q);
        q.screen = AM_SCREEN_MANAGER_PIN;
        q.pin_locked = true;
        add_plan(p, q);
        q = base;
        q.screen = AM_SCREEN_ATTRACT;
        add_plan(p, q);
        break;
    case AM_SCREEN_THANKS:
    case AM_SCREEN_MANAGER:
    case AM_SCREEN_OUT_OF_ORDER:
    case AM_SCREEN_COUNT:
        /* Back to attract, in the kiosk's language after a guest. */
        q.screen = AM_SCREEN_ATTRACT;
        if (screen == AM_SCREEN_THANKS) {
            am_journey *fresh = am_journey_new(cfg, 0);
            if (fresh) {
                q.lang = am_journey_lang(fresh);
                am_journey_free(fresh);
            }
        }
        add_plan(p, q);
        break;
    }
}

static void feed_text(am_journey *s, am_event_type type, int value, const char *text,
                      int64_t now_ms, bool store_ok)
{
    am_event ev = {.type = type, .now_ms = now_ms, .value = value, .text = text};
    am_effects fx;
    am_journey_handle(s, &ev, &fx);
    for (int round = 0; round < 4 && am_effects_need_store(&fx); round++) {
        am_event answer = {.type = store_ok ? AM_EV_STORED : AM_EV_STORE_FAILED, .now_ms = now_ms};
        am_journey_handle(s, &answer, &fx);
    }
}

static void feed(am_journey *s, am_event_type type, int value, int64_t now_ms, bool store_ok)
{
    feed_text(s, type, value, NULL, now_ms, store_ok);
}

/* A new journey on the plan's screen, reached by taps alone: it holds no
 * guest text. *now_ms is its clock (past the idle timeout for a prompt). */
static am_journey *plan_journey(const am_ui *ui, const prep_plan *q, int64_t *now_ms)
{
    am_journey *s = am_journey_new(ui->cfg, 0);
    if (!s)
        return NULL;
    *now_ms = 0;
    feed(s, AM_EV_LANG, q->lang, 0, true);
    if (q->screen == AM_SCREEN_MANAGER_PIN || q->screen == AM_SCREEN_MANAGER) {
        /* The shadow's own answers, as the app gives them: this journey
         * only ever becomes a layout. */
        feed(s, AM_EV_MANAGER, 0, 0, true);
        if (q->pin_locked)
            feed(s, AM_EV_PIN_LOCKED, 15 * 60, 0, true);
        if (q->screen == AM_SCREEN_MANAGER) {
            feed(s, AM_EV_PIN_DIGIT, 0, 0, true);
            feed(s, AM_EV_PIN_OK, 0, 0, true);
            feed(s, AM_EV_PIN_ACCEPTED, 0, 0, true);
        }
    }
    if (q->screen == AM_SCREEN_ATTRACT || q->screen == AM_SCREEN_MANAGER_PIN ||
        q->screen == AM_SCREEN_MANAGER)
        return s;
    feed(s, AM_EV_START, 0, 0, true);
    if (q->screen == AM_SCREEN_CATEGORY)
        goto done;
    feed(s, AM_EV_CATEGORY, q->category, 0, true);
    if (q->screen == AM_SCREEN_DETAILS) {
        if (q->focus != AM_FIELD_NONE)
            feed(s, AM_EV_FOCUS, q->focus, 0, true);
        goto done;
    }
    feed(s, AM_EV_IMPACT, q->severity, 0, true);
    feed(s, AM_EV_NEXT, 0, 0, !q->store_fails);
    if (q->screen == AM_SCREEN_OUT_OF_ORDER)
        goto done;
    if (q->screen == AM_SCREEN_APOLOGY) {
        if (q->resolution >= 0) {
            feed(s, AM_EV_RESOLUTION, q->resolution, 0, true);
            if (q->focus != AM_FIELD_NONE)
                feed(s, AM_EV_FOCUS, q->focus, 0, true);
        }
        goto done;
    }
    if (q->escalated)
        am_journey_set_spend(s, INT64_MAX / 4, 1000);
    feed(s, AM_EV_RESOLUTION, q->resolution, 0, true);
    if (am_journey_screen(s) == AM_SCREEN_APOLOGY) /* an option that asks for words */
        feed(s, AM_EV_NEXT, 0, 0, true);
    if (q->screen == AM_SCREEN_OFFER)
        goto done;
    if (am_journey_screen(s) == AM_SCREEN_OFFER)
        feed(s, q->declined ? AM_EV_OFFER_DECLINE : AM_EV_OFFER_ACCEPT, 0, 0, true);
    feed(s, AM_EV_RATE, 4, 0, true);
    if (q->screen == AM_SCREEN_FOLLOWUP) {
        if (q->ask != ASK_NONE) {
            feed(s, AM_EV_FOCUS, q->ask == ASK_CONSENT ? AM_FIELD_CONTACT : AM_FIELD_COMMENT, 0,
                 true);
            feed_text(s, AM_EV_TEXT, 0, "x", 0, true);
            feed(s, q->ask == ASK_CONSENT ? AM_EV_DONE : AM_EV_SKIP, 0, 0, true);
        } else if (q->focus != AM_FIELD_NONE) {
            feed(s, AM_EV_FOCUS, q->focus, 0, true);
        }
        goto done;
    }
    feed(s, AM_EV_DONE, 0, 0, true);
    if (q->voucher)
        am_journey_set_voucher(s, "AAA-AAAA-AAAA");
done:
    if (q->typed && am_journey_focus(s) != AM_FIELD_NONE)
        feed_text(s, AM_EV_TEXT, 0, "x", 0, true);
    if (q->prompt) {
        *now_ms = (int64_t)ui->cfg->idle.timeout_s * 1000 + 500;
        feed(s, AM_EV_TICK, 0, *now_ms, true);
    }
    return s;
}

/* The measure callback of a plan's layout: measurements made before are
 * free; new ones only until the step's time is up, then a stand-in width
 * (the layout is thrown away and built again in the next step, which
 * finds those measurements made). */
static void prep_measure(void *ud, const char *text, size_t len, am_font font, int px, int *w,
                         int *h)
{
    am_ui *ui = ud;
    if (am_render_measure_cached(ui->render, text, len, font, px, w, h))
        return;
    if (ui->prep->cut || clock_ms() >= ui->prep->deadline) {
        ui->prep->cut = true;
        *w = 0;
        *h = px;
        return;
    }
    am_render_measure(ui->render, text, len, font, px, w, h);
}

/* Builds the plan's screen; false when the step's time ran out first. */
static bool build_plan(am_ui *ui, const prep_plan *q)
{
    struct am_ui_prep *p = ui->prep;
    int64_t now_ms;
    am_journey *s = plan_journey(ui, q, &now_ms);
    if (!s) {
        p->layout.cmd_count = 0; /* out of memory: nothing to prepare */
        return true;
    }
    int lang = am_journey_lang(s);
    am_kbd_layer letters = am_kbd_default_layer(lang);
    am_view v = {
        .cfg = ui->cfg,
        .i18n = ui->i18n,
        .journey = s,
        .now_ms = now_ms,
        .kbd = {.layer = letters, .letters = letters},
        .measure = prep_measure,
        .measure_ud = ui,
        .manager = &ui->manager,
    };
    am_render_size(ui->render, &v.width, &v.height);
    am_render_logo_size(ui->render, &v.logo_w, &v.logo_h);
    p->cut = false;
    am_layout_build(&p->layout, &v);
    am_journey_free(s);
    return !p->cut;
}

/* One step of glyph warming at the guest text sizes; false when done. */
static bool warm_step(am_ui *ui, int lang)
{
    if (lang != ui->warm_lang) {
        collect_chars(ui, lang);
        ui->warm_lang = lang;
        ui->warm_next = 0;
    }
    /* Chinese: see collect_chars. */
    if (lang == AM_LANG_ZH || ui->warm_next >= GUEST_SIZE_COUNT)
        return false;
    size_t i = ui->warm_next++;
    int w, h;
    am_render_size(ui->render, &w, &h);
    double unit = (w < h ? w : h) / 800.0;
    am_render_warm(ui->render, ui->warm_chars, guest_sizes[i].font,
                   (int)lround(guest_sizes[i].size * unit));
    return ui->warm_next < GUEST_SIZE_COUNT;
}

bool am_ui_idle(am_ui *ui, const am_journey *j)
{
    struct am_ui_prep *p = ui->prep;
    double start = clock_ms();
    p->deadline = start + PREP_STEP_MS;
    uint64_t sig = journey_sig(j);
    if (sig != p->sig || p->plan_count < 0) {
        p->sig = sig;
        make_plans(ui, j);
        p->plan_next = 0;
        p->next_cmd = -1;
        p->full = false;
    }
    while (p->plan_next < p->plan_count && !p->full) {
        if (p->next_cmd < 0) {
            if (!build_plan(ui, &p->plans[p->plan_next]))
                return true; /* measured what it could: the rest next step */
            p->next_cmd = 0;
        }
        while (p->next_cmd < p->layout.cmd_count) {
            if (clock_ms() >= p->deadline)
                return true;
            if (!am_render_prepare_line(ui->render, &p->layout.cmds[p->next_cmd])) {
                p->full = true;
                break;
            }
            p->next_cmd++;
        }
        if (!p->full) {
            p->plan_next++;
            p->next_cmd = -1;
        }
        if (clock_ms() >= p->deadline)
            return true;
    }
    return warm_step(ui, am_journey_lang(j));
}

am_rc am_ui_open(const am_ui_options *o, const am_config *cfg, am_ui **out, char *err,
                 size_t errlen)
{
    am_rc rc;
    *out = NULL;
    am_ui *ui = calloc(1, sizeof *ui);
    if (!ui || !(ui->layout = calloc(1, sizeof *ui->layout)) ||
        !(ui->prep = calloc(1, sizeof *ui->prep))) {
        if (ui)
            free(ui->layout);
        free(ui);
        snprintf(err, errlen, "out of memory");
        return AM_ERR_NOMEM;
    }
    ui->cfg = cfg;
    ui->kbd_screen = AM_SCREEN_COUNT;
    ui->warm_lang = -1;
    ui->prep->plan_count = -1; /* no plans made yet */
    const char *assets = o->assets_dir ? o->assets_dir : am_ui_default_assets();
    char dir[AM_PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s/i18n", assets);
    rc = am_i18n_load(dir, &ui->i18n, err, errlen);
    if (rc)
        goto out;
    char fonts[AM_PATH_MAX + 16];
    snprintf(fonts, sizeof fonts, "%s/fonts", assets);
    am_render_options ro = {
        .font_dir = fonts,
        .logo_path = cfg->theme.logo,
        .width = o->width,
        .height = o->height,
        .headless = o->headless,
        .fullscreen = o->fullscreen,
        .accelerated = o->accelerated,
        .fonts_from_file = o->fonts_from_file,
        .title = cfg->theme.brand[0] ? cfg->theme.brand : "amends",
    };
    rc = am_render_open(&ro, &ui->render, err, errlen);
    if (rc)
        goto out;
    /* The hyphenation dictionaries of the site's languages load on a
     * thread of their own (German's takes seconds); Latin words on an
     * Arabic or Chinese screen use English's. */
    bool want[AM_LANG_COUNT] = {false};
    for (int i = 0; i < cfg->kiosk.language_count; i++) {
        int lang = cfg->kiosk.languages[i];
        want[lang] = true;
        if (lang == AM_LANG_AR || lang == AM_LANG_ZH)
            want[AM_LANG_EN] = true;
    }
    am_hyphen_preload(want);
    /* The screen a started kiosk shows first: its text is rendered now,
     * during start-up (which bench/kiosk_bench.py times to the first saved
     * frame), rather than in a frame. */
    am_journey *first = am_journey_new(cfg, 0);
    if (first) {
        am_render_prepare(ui->render, am_ui_layout(ui, first, 0));
        am_journey_free(first);
    }
    *out = ui;
    ui = NULL;
out:
    am_ui_close(ui);
    return rc;
}

void am_ui_wait_hyphenation(am_ui *ui)
{
    for (int i = 0; i < ui->cfg->kiosk.language_count && i < AM_LANG_COUNT; i++)
        (void)am_hyphen_available(ui->cfg->kiosk.languages[i]);
}

am_render *am_ui_renderer(am_ui *ui)
{
    return ui->render;
}

const am_i18n *am_ui_strings(const am_ui *ui)
{
    return ui->i18n;
}

/* A new field, screen or language starts on that language's letters; the
 * contact field (an address, a phone) on the Latin ones. */
static void sync_keyboard(am_ui *ui, const am_journey *j)
{
    am_screen screen = am_journey_screen(j);
    am_field field = am_journey_focus(j);
    int lang = am_journey_lang(j);
    if (screen == ui->kbd_screen && field == ui->kbd_field && lang == ui->kbd_lang)
        return;
    ui->kbd_screen = screen;
    ui->kbd_field = field;
    ui->kbd_lang = lang;
    ui->kbd.letters = field == AM_FIELD_CONTACT ? AM_KBD_LATIN : am_kbd_default_layer(lang);
    ui->kbd.layer = ui->kbd.letters;
    ui->kbd.shift = false;
}

const am_layout *am_ui_layout(am_ui *ui, const am_journey *j, int64_t now_ms)
{
    sync_keyboard(ui, j);
    if (am_journey_screen(j) != ui->key_screen)
        ui->key_focus[0] = '\0';
    am_view v = {
        .cfg = ui->cfg,
        .i18n = ui->i18n,
        .journey = j,
        .now_ms = now_ms,
        .kbd = ui->kbd,
        .measure = am_render_measure,
        .measure_ud = ui->render,
        .manager = &ui->manager,
        .key_focus = ui->key_focus,
    };
    am_render_size(ui->render, &v.width, &v.height);
    am_render_logo_size(ui->render, &v.logo_w, &v.logo_h);
    am_layout_build(ui->layout, &v);
    return ui->layout;
}

void am_ui_draw(am_ui *ui, const am_journey *j, int64_t now_ms)
{
    am_render_frame(ui->render, am_ui_layout(ui, j, now_ms));
}

am_rc am_ui_shot(am_ui *ui, const am_journey *j, int64_t now_ms, const char *path, char *err,
                 size_t errlen)
{
    am_ui_draw(ui, j, now_ms);
    return am_render_save_png(ui->render, path, err, errlen);
}

am_ui_result am_ui_activate(am_ui *ui, const am_widget *w, am_event *ev)
{
    memset(ev, 0, sizeof *ev);
    switch (w->action) {
    case AM_ACT_EVENT:
        *ev = w->event;
        return AM_UI_EVENT;
    case AM_ACT_TYPE:
        snprintf(ui->typed, sizeof ui->typed, "%s", w->key_text);
        ev->type = AM_EV_TEXT;
        ev->text = ui->typed;
        ui->kbd.shift = false; /* one letter, as on a phone */
        return AM_UI_EVENT;
    case AM_ACT_KBD_SHIFT:
        ui->kbd.shift = !ui->kbd.shift;
        return AM_UI_CHANGED;
    case AM_ACT_KBD_LAYER:
        if (w->value < 0 || w->value >= AM_KBD_LAYER_COUNT)
            return AM_UI_NOTHING;
        ui->kbd.layer = (am_kbd_layer)w->value;
        if (w->value == AM_KBD_LATIN || w->value == AM_KBD_ARABIC)
            ui->kbd.letters = (am_kbd_layer)w->value;
        ui->kbd.shift = false;
        return AM_UI_CHANGED;
    case AM_ACT_NONE:
        break;
    }
    return AM_UI_NOTHING;
}

am_ui_result am_ui_tap(am_ui *ui, const am_journey *j, int64_t now_ms, int x, int y, am_event *ev)
{
    const am_layout *l = am_ui_layout(ui, j, now_ms);
    if (l->prompting) {
        memset(ev, 0, sizeof *ev);
        ev->type = AM_EV_STILL_HERE;
        return AM_UI_EVENT;
    }
    const am_widget *w = am_layout_hit(l, x, y);
    if (!w && l->asking && !am_rect_contains(l->ask_card, x, y)) {
        /* Beside the question: back to the screen, nothing lost. */
        memset(ev, 0, sizeof *ev);
        ev->type = AM_EV_BACK;
        return AM_UI_EVENT;
    }
    if (!w || w->kind == AM_WK_HIDDEN)
        return AM_UI_NOTHING;
    return am_ui_activate(ui, w, ev);
}

/* Whether the ring may stop on w: what a finger could use now, except
 * the on-screen keyboard's keys (a physical keyboard types) and the
 * manager's hidden corner. */
static bool key_reachable(const am_layout *l, const am_widget *w)
{
    if (w->kind == AM_WK_HIDDEN || (w->flags & AM_WF_DISABLED) || !strncmp(w->id, "kbd.", 4))
        return false;
    if (l->prompting || l->asking)
        return (w->flags & AM_WF_OVERLAY) != 0;
    return true;
}

/* The footer's buttons: laid out first (the screen's content fits above
 * them) but read last. */
static bool in_footer(const am_widget *w)
{
    static const char *const ids[] = {"back", "next", "skip", "done", "cant_wait"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if (!strcmp(w->id, ids[i]))
            return true;
    return false;
}

/* Reading order: the order the screen lays its controls out in, which is
 * the order of its content (a column of choices before the fields beside
 * it, a grid row by row), with the footer last, its buttons from the
 * start of the line (right to left in Arabic). */
static bool reads_before(const am_layout *l, const am_widget *a, const am_widget *b)
{
    bool fa = in_footer(a), fb = in_footer(b);
    if (fa != fb)
        return fb;
    if (fa)
        return l->rtl ? a->rect.x > b->rect.x : a->rect.x < b->rect.x;
    return a < b;
}

am_ui_result am_ui_key(am_ui *ui, const am_journey *j, int64_t now_ms, am_nav nav, am_event *ev)
{
    const am_layout *l = am_ui_layout(ui, j, now_ms);
    memset(ev, 0, sizeof *ev);
    if (nav == AM_NAV_ACTIVATE && l->prompting) {
        ev->type = AM_EV_STILL_HERE;
        return AM_UI_EVENT;
    }
    /* The reachable widgets, sorted into reading order (a handful: an
     * insertion sort). */
    int order[AM_LAYOUT_MAX_WIDGETS], n = 0, at = -1;
    for (int i = 0; i < l->widget_count; i++) {
        if (!key_reachable(l, &l->widgets[i]))
            continue;
        int k = n++;
        while (k > 0 && reads_before(l, &l->widgets[i], &l->widgets[order[k - 1]])) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = i;
    }
    for (int k = 0; k < n; k++)
        if (!strcmp(l->widgets[order[k]].id, ui->key_focus))
            at = k;
    if (nav == AM_NAV_ACTIVATE) {
        if (at < 0)
            return AM_UI_NOTHING;
        am_ui_result r = am_ui_activate(ui, &l->widgets[order[at]], ev);
        return r;
    }
    if (n == 0)
        return AM_UI_NOTHING;
    /* Left and right are the screen's; reading order runs the other way
     * in Arabic. */
    bool forward =
        nav == AM_NAV_NEXT || (nav == AM_NAV_RIGHT && !l->rtl) || (nav == AM_NAV_LEFT && l->rtl);
    int next = at < 0 ? (forward ? 0 : n - 1) : (at + (forward ? 1 : n - 1)) % n;
    snprintf(ui->key_focus, sizeof ui->key_focus, "%s", l->widgets[order[next]].id);
    ui->key_screen = am_journey_screen(j);
    return AM_UI_CHANGED;
}

const char *am_ui_key_focus(const am_ui *ui)
{
    return ui->key_focus[0] ? ui->key_focus : NULL;
}

void am_ui_set_manager_info(am_ui *ui, const am_manager_info *info)
{
    ui->manager = *info;
}

void am_ui_forget_guest(am_ui *ui)
{
    am_render_forget_guest(ui->render);
    memset(ui->typed, 0, sizeof ui->typed);
    ui->kbd_screen = AM_SCREEN_COUNT;
    /* The layout's arena held the guest's words too. */
    memset(ui->layout->arena, 0, sizeof ui->layout->arena);
    ui->layout->block_count = ui->layout->cmd_count = ui->layout->widget_count = 0;
}
