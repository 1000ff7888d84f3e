/* hyphen.c — hyphenation points from libhyphen's dictionaries (see
 * hyphen.h). */
#include "hyphen.h"

#include <hyphen.h>
#include <stdint.h>
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

static struct {
    bool tried;
    HyphenDict *dict; /* NULL: none, or not installed */
} dicts[AM_LANG_COUNT];

static HyphenDict *dict_for(int lang)
{
    if (lang < 0 || lang >= AM_LANG_COUNT || !dict_files[lang])
        return NULL;
    if (!dicts[lang].tried) {
        dicts[lang].tried = true;
        char path[256];
        snprintf(path, sizeof path, "%s/%s", AM_HYPHEN_DIR, dict_files[lang]);
        dicts[lang].dict = hnj_hyphen_load(path);
        if (!dicts[lang].dict)
            am_log_warn("ui",
                        "no hyphenation dictionary %s (install hyphen-%s): long %s words "
                        "break between letters, with a hyphen",
                        path, am_lang_codes[lang], am_lang_codes[lang]);
    }
    return dicts[lang].dict;
}

bool am_hyphen_available(int lang)
{
    return dict_for(lang) != NULL;
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
