/* golden.h — compares a screenshot with its golden image under
 * tests/goldens. A missing golden fails. On a mismatch the actual,
 * expected and diff images are written next to the actual one and named in
 * the failure. AMENDS_UPDATE_GOLDENS=1 writes the actual image as the new
 * golden instead (review it before committing). */
#ifndef AM_UI_GOLDEN_H
#define AM_UI_GOLDEN_H

#include <SDL.h>
#include <SDL_image.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN_DIR AM_SOURCE_DIR "/tests/goldens"

/* A pixel differs when a channel is off by more than this; an image
 * differs when more than 1/GOLDEN_PIXELS_DIV of its pixels do. Font
 * rasterising is deterministic with the bundled fonts, so this only
 * absorbs rounding. */
#define GOLDEN_CHANNEL_TOLERANCE 24
#define GOLDEN_PIXELS_DIV        2000

static SDL_Surface *golden_load(const char *path)
{
    SDL_Surface *raw = IMG_Load(path);
    if (!raw)
        return NULL;
    SDL_Surface *s = SDL_ConvertSurfaceFormat(raw, SDL_PIXELFORMAT_ARGB8888, 0);
    SDL_FreeSurface(raw);
    return s;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = in ? fopen(to, "wb") : NULL;
    int rc = in && out ? 0 : -1;
    char buf[65536];
    size_t n;
    while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0)
        rc = fwrite(buf, 1, n, out) == n ? 0 : -1;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        rc = -1;
    return rc;
}

/* Returns NULL when `actual` matches golden NAME.png, else a message
 * (static buffer). */
static const char *golden_compare(const char *actual, const char *name)
{
    static char msg[4096];
    char golden[1024];
    snprintf(golden, sizeof golden, "%s/%s.png", GOLDEN_DIR, name);
    const char *update = getenv("AMENDS_UPDATE_GOLDENS");
    if (update && strcmp(update, "1") == 0) {
        if (copy_file(actual, golden) != 0) {
            snprintf(msg, sizeof msg, "cannot write %s", golden);
            return msg;
        }
        return NULL;
    }
    SDL_Surface *a = golden_load(actual);
    if (!a) {
        snprintf(msg, sizeof msg, "%s: the kiosk wrote no readable screenshot", actual);
        return msg;
    }
    SDL_Surface *e = golden_load(golden);
    if (!e) {
        SDL_FreeSurface(a);
        snprintf(msg, sizeof msg,
                 "%s: no golden image; look at %s and, if it is right, run the test with "
                 "AMENDS_UPDATE_GOLDENS=1",
                 golden, actual);
        return msg;
    }
    const char *result = NULL;
    if (a->w != e->w || a->h != e->h) {
        snprintf(msg, sizeof msg, "%s: %dx%d, but the golden is %dx%d", actual, a->w, a->h, e->w,
                 e->h);
        result = msg;
    } else {
        SDL_Surface *diff =
            SDL_CreateRGBSurfaceWithFormat(0, a->w, a->h, 32, SDL_PIXELFORMAT_ARGB8888);
        long differing = 0;
        for (int y = 0; y < a->h; y++) {
            const Uint32 *pa = (const Uint32 *)((const Uint8 *)a->pixels + y * a->pitch);
            const Uint32 *pe = (const Uint32 *)((const Uint8 *)e->pixels + y * e->pitch);
            Uint32 *pd = (Uint32 *)((Uint8 *)diff->pixels + y * diff->pitch);
            for (int x = 0; x < a->w; x++) {
                int worst = 0;
                for (int shift = 0; shift < 32; shift += 8) {
                    int d = abs((int)((pa[x] >> shift) & 0xFF) - (int)((pe[x] >> shift) & 0xFF));
                    worst = d > worst ? d : worst;
                }
                bool off = worst > GOLDEN_CHANNEL_TOLERANCE;
                differing += off;
                /* Differences in red over a faded copy of the expected. */
                pd[x] = off ? 0xFFFF0000u : 0xFF000000u | ((pe[x] >> 2) & 0x3F3F3Fu) | 0x808080u;
            }
        }
        if (differing > (long)a->w * a->h / GOLDEN_PIXELS_DIV) {
            char base[900], path[1100];
            snprintf(base, sizeof base, "%.880s", actual);
            char *dot = strrchr(base, '.');
            if (dot)
                *dot = '\0';
            snprintf(path, sizeof path, "%s.expected.png", base);
            copy_file(golden, path);
            snprintf(path, sizeof path, "%s.diff.png", base);
            IMG_SavePNG(diff, path);
            snprintf(msg, sizeof msg,
                     "%s differs from %s in %ld pixels; see %s.diff.png and %s.expected.png "
                     "(AMENDS_UPDATE_GOLDENS=1 accepts the new image)",
                     actual, golden, differing, base, base);
            result = msg;
        }
        SDL_FreeSurface(diff);
    }
    SDL_FreeSurface(a);
    SDL_FreeSurface(e);
    return result;
}

#endif
