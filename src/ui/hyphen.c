/* hyphen.c — hyphenation points from libhyphen's dictionaries (see
 * hyphen.h). */
/* SCHED_IDLE is Linux's. */
#define _GNU_SOURCE
#include "hyphen.h"

#include <hyphen.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/config.h"
#include "amends/log.h"
#include "amends/text.h"

#ifndef AM_HYPHEN_DIR
#define AM_HYPHEN_DIR "/usr/share/hyphen"
#endif

/* Debian's files for the languages that hyphenate; NULL: none. */
static const char *const dict_files[AM_LANG_COUNT] = {
    [AM_LANG_EN] = "hyph_en_US.dic",
    [AM_LANG_ES] = "hyph_es_ES.dic",
    [AM_LANG_FR] = "hyph_fr.dic",
    [AM_LANG_DE] = "hyph_de_DE.dic",
};

enum { DICT_NONE = 0, DICT_LOADING, DICT_READY };

/* state goes NONE -> LOADING -> READY under mu; dict is written before
 * READY is published (release) and read only after it is seen (acquire). */
static struct {
    atomic_int state;
    HyphenDict *dict; /* READY and NULL: no dictionary for this language */
} dicts[AM_LANG_COUNT];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t loaded = PTHREAD_COND_INITIALIZER;
static bool preload_started;
static bool preload_want[AM_LANG_COUNT];

static HyphenDict *load(int lang)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", AM_HYPHEN_DIR, dict_files[lang]);
    HyphenDict *d = hnj_hyphen_load(path);
    if (!d)
        am_log_warn("ui",
                    "no hyphenation dictionary %s (install hyphen-%s): long %s words break "
                    "between letters, with a hyphen",
                    path, am_lang_codes[lang], am_lang_codes[lang]);
    return d;
}

/* Loads lang unless someone has or is at it. Called and returns with mu
 * held; lets go of it while loading. */
static void load_locked(int lang)
{
    if (atomic_load(&dicts[lang].state) != DICT_NONE)
        return;
    atomic_store(&dicts[lang].state, DICT_LOADING);
    pthread_mutex_unlock(&mu);
    HyphenDict *d = dict_files[lang] ? load(lang) : NULL;
    pthread_mutex_lock(&mu);
    dicts[lang].dict = d;
    atomic_store_explicit(&dicts[lang].state, DICT_READY, memory_order_release);
    pthread_cond_broadcast(&loaded);
}

static void *preload_main(void *arg)
{
    (void)arg;
    /* Only the CPU that nothing else wants: the screen's frames come
     * first (German's dictionary takes seconds to load). */
    struct sched_param idle = {.sched_priority = 0};
    if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &idle) != 0)
        am_log_debug("ui", "hyphenation dictionaries load at normal priority");
    /* The small ones first: they are ready in milliseconds. */
    static const int order[] = {AM_LANG_ES, AM_LANG_FR, AM_LANG_EN, AM_LANG_DE};
    pthread_mutex_lock(&mu);
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (preload_want[order[i]])
            load_locked(order[i]);
    pthread_mutex_unlock(&mu);
    return NULL;
}

void am_hyphen_preload(const bool want[])
{
    pthread_mutex_lock(&mu);
    if (!preload_started) {
        bool any = false;
        for (int lang = 0; lang < AM_LANG_COUNT; lang++) {
            preload_want[lang] = want[lang] && dict_files[lang];
            any |= preload_want[lang];
        }
        pthread_t t;
        pthread_attr_t attr;
        if (any && pthread_attr_init(&attr) == 0) {
            pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
            preload_started = pthread_create(&t, &attr, preload_main, NULL) == 0;
            pthread_attr_destroy(&attr);
            if (!preload_started)
                am_log_warn("ui", "cannot start loading the hyphenation dictionaries; long "
                                  "words break between letters, with a hyphen");
        }
    }
    pthread_mutex_unlock(&mu);
}

static HyphenDict *dict_for(int lang)
{
    if (lang < 0 || lang >= AM_LANG_COUNT || !dict_files[lang])
        return NULL;
    if (atomic_load_explicit(&dicts[lang].state, memory_order_acquire) != DICT_READY)
        return NULL;
    return dicts[lang].dict;
}

bool am_hyphen_available(int lang)
{
    if (lang < 0 || lang >= AM_LANG_COUNT || !dict_files[lang])
        return false;
    pthread_mutex_lock(&mu);
    load_locked(lang);
    while (atomic_load(&dicts[lang].state) != DICT_READY)
        pthread_cond_wait(&loaded, &mu);
    bool ok = dicts[lang].dict != NULL;
    pthread_mutex_unlock(&mu);
    return ok;
}

/* The dictionaries hold lower-case patterns. */
static uint32_t lower(uint32_t cp)
{
    if ((cp >= 'A' && cp <= 'Z') || (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7))
        return cp + 32;
    if (cp >= 0x100 && cp <= 0x17F && cp != 0x130 && cp != 0x131 && (cp % 2) == 0)
        return cp + 1; /* Latin Extended-A pairs: Œ œ, Ł ł, ... (most) */
    return cp;
}

int am_hyphen_points(int lang, const char *word, size_t len, bool *brk)
{
    memset(brk, 0, len * sizeof *brk);
    HyphenDict *d = dict_for(lang);
    if (!d || len == 0)
        return 0;
    /* The word as the dictionary reads it: lower case, in its charset
     * (UTF-8, or ISO 8859-1 for German), one hyphen slot per character. */
    char w[AM_HYPHEN_WORD_MAX * 4 + 1];
    size_t offsets[AM_HYPHEN_WORD_MAX]; /* byte offset in `word` of each character */
    size_t wlen = 0;
    int chars = 0;
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        int step = am_utf8_next(word, len, i, &cp);
        if (step <= 0 || chars >= AM_HYPHEN_WORD_MAX)
            return 0;
        cp = lower(cp);
        offsets[chars++] = i;
        i += (size_t)step;
        if (d->utf8) {
            char enc[AM_UTF8_MAX];
            int n = am_utf8_encode(cp, enc);
            memcpy(w + wlen, enc, (size_t)n);
            wlen += (size_t)n;
        } else if (cp < 0x100) {
            w[wlen++] = (char)cp;
        } else {
            return 0; /* not in the dictionary's charset */
        }
    }
    w[wlen] = '\0';
    char hyphens[sizeof w + 5];
    char hyphenated[sizeof w * 2 + 8];
    char **rep = NULL;
    int *pos = NULL, *cut = NULL;
    int count = 0;
    if (hnj_hyphen_hyphenate3(d, w, (int)wlen, hyphens, hyphenated, &rep, &pos, &cut, 2, 2, 2, 2) !=
        0)
        goto out;
    /* hyphens[k] odd: a break after character k. A break that changes
     * the letters (old German "ck" -> "k-k") is left out. */
    for (int k = 0; k + 1 < chars; k++) {
        if (!(hyphens[k] & 1) || (rep && rep[k]))
            continue;
        brk[offsets[k + 1]] = true;
        count++;
    }
out:
    if (rep) {
        for (int k = 0; k < (int)wlen; k++)
            free(rep[k]);
        free(rep);
    }
    free(pos);
    free(cut);
    return count;
}

#if defined(__SANITIZE_ADDRESS__)
#define AM_HYPHEN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AM_HYPHEN_ASAN 1
#endif
#endif
#ifdef AM_HYPHEN_ASAN
/* LeakSanitizer: libhyphen's loader loses a few small strings of each
 * dictionary it reads, and a process may exit while the loader thread is
 * still reading one. Third-party frames only: a leak in amends code still
 * fails the ASan build. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libhyphen.so\n";
}
#endif
