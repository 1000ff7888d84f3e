/* render.c — SDL setup, shapes and frames (see ui_render.h). */
#include <SDL_image.h>
#include <math.h>
#include <png.h>
#include <qrencode.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "render_internal.h"

static const char *const face_files[FACE_COUNT] = {
    "NotoSans-Regular.ttf",    "NotoSans-Bold.ttf",         "NotoSansArabic-Regular.ttf",
    "NotoSansArabic-Bold.ttf", "DroidSansFallbackFull.ttf",
};

void am_render_close(am_render *r)
{
    if (!r)
        return;
    am_text_close(r);
    for (int i = 0; i < DISC_SLOTS; i++) {
        if (r->discs[i].tex)
            SDL_DestroyTexture(r->discs[i].tex);
    }
    if (r->logo)
        SDL_DestroyTexture(r->logo);
    if (r->renderer)
        SDL_DestroyRenderer(r->renderer);
    if (r->surface)
        SDL_FreeSurface(r->surface);
    if (r->window)
        SDL_DestroyWindow(r->window);
    if (r->img_up)
        IMG_Quit();
    if (r->ttf_up)
        TTF_Quit();
    if (r->sdl_up)
        SDL_Quit();
    for (int i = 0; i < FACE_COUNT; i++) {
        if (r->font_map[i])
            munmap(r->font_map[i], r->font_map_len[i]);
    }
    free(r);
}

/* Maps face i's file read-only. FreeType then reads glyphs from memory:
 * through a file, every glyph it loads costs a seek and a read (stdio
 * drops its buffer on each seek), and the Chinese face, whose glyphs are
 * spread over 4 MB, loads dozens per line. Only the pages touched count
 * in RSS, and they are the page cache's, shared and clean. */
static am_rc map_font(am_render *r, int i, char *err, size_t errlen)
{
    const char *path = r->font_path[i];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot read font: %s", path, strerror(errno));
        return AM_ERR_IO;
    }
    am_rc rc = AM_OK;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: cannot read font: %s", path, strerror(errno));
        rc = AM_ERR_IO;
        goto out;
    }
    /* SDL_RWFromConstMem takes an int size. */
    if (st.st_size <= 0 || st.st_size > INT_MAX) {
        snprintf(err, errlen, "%s: cannot read font: %lld bytes", path, (long long)st.st_size);
        rc = AM_ERR_IO;
        goto out;
    }
    void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "%s: cannot map font: %s", path, strerror(errno));
        rc = AM_ERR_IO;
        goto out;
    }
    r->font_map[i] = map;
    r->font_map_len[i] = (size_t)st.st_size;
out:
    close(fd);
    return rc;
}

static am_rc fail(char *err, size_t errlen, const char *what)
{
    snprintf(err, errlen, "%s: %s", what, SDL_GetError());
    return AM_ERR;
}

am_rc am_render_open(const am_render_options *o, am_render **out, char *err, size_t errlen)
{
    am_rc rc = AM_OK;
    *out = NULL;
    am_render *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return AM_ERR_NOMEM;
    }
    for (int i = 0; i < FACE_COUNT; i++) {
        snprintf(r->font_path[i], sizeof r->font_path[i], "%s/%s", o->font_dir, face_files[i]);
        rc = map_font(r, i, err, errlen);
        if (rc)
            goto out;
    }
    r->fonts_from_file = o->fonts_from_file;
    if (o->headless) {
        /* dummy loads no GL; SDL must not take SIGTERM away from us. */
        SDL_SetHint(SDL_HINT_VIDEODRIVER, "dummy");
        SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
    }
    if (!o->accelerated)
        SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    if (SDL_Init(SDL_INIT_VIDEO) != 0) {
        rc = fail(err, errlen, "no display: cannot start SDL video");
        if (!o->headless)
            rc = AM_ERR_NOTFOUND;
        goto out;
    }
    r->sdl_up = true;
    if (!o->headless) {
        /* With no display SDL falls back to drivers that show nothing. */
        const char *driver = SDL_GetCurrentVideoDriver();
        if (!driver || strcmp(driver, "offscreen") == 0 || strcmp(driver, "dummy") == 0 ||
            strcmp(driver, "evdev") == 0) {
            snprintf(err, errlen, "no display (SDL found only the %s video driver)",
                     driver ? driver : "no");
            rc = AM_ERR_NOTFOUND;
            goto out;
        }
    }
    if (TTF_Init() != 0) {
        rc = fail(err, errlen, "cannot start SDL_ttf");
        goto out;
    }
    r->ttf_up = true;
    if ((IMG_Init(IMG_INIT_PNG) & IMG_INIT_PNG) == 0) {
        rc = fail(err, errlen, "cannot start SDL_image");
        goto out;
    }
    r->img_up = true;
    if (o->headless) {
        r->width = o->width > 0 ? o->width : 1280;
        r->height = o->height > 0 ? o->height : 800;
        r->surface =
            SDL_CreateRGBSurfaceWithFormat(0, r->width, r->height, 32, SDL_PIXELFORMAT_ARGB8888);
        if (!r->surface) {
            rc = fail(err, errlen, "cannot create the frame surface");
            goto out;
        }
        r->renderer = SDL_CreateSoftwareRenderer(r->surface);
        if (!r->renderer) {
            rc = fail(err, errlen, "cannot create the software renderer");
            goto out;
        }
    } else {
        Uint32 flags = SDL_WINDOW_SHOWN | SDL_WINDOW_ALLOW_HIGHDPI;
        int w = o->width > 0 ? o->width : 1280, h = o->height > 0 ? o->height : 800;
        if (o->fullscreen)
            flags |= o->width > 0 ? SDL_WINDOW_FULLSCREEN : SDL_WINDOW_FULLSCREEN_DESKTOP;
        r->window = SDL_CreateWindow(o->title ? o->title : "amends", SDL_WINDOWPOS_CENTERED,
                                     SDL_WINDOWPOS_CENTERED, w, h, flags);
        if (!r->window) {
            rc = fail(err, errlen, "cannot open the kiosk window");
            goto out;
        }
        r->renderer = SDL_CreateRenderer(
            r->window, -1, o->accelerated ? SDL_RENDERER_ACCELERATED : SDL_RENDERER_SOFTWARE);
        if (!r->renderer && o->accelerated)
            r->renderer = SDL_CreateRenderer(r->window, -1, SDL_RENDERER_SOFTWARE);
        if (!r->renderer) {
            rc = fail(err, errlen, "cannot create a renderer");
            goto out;
        }
        SDL_GetRendererOutputSize(r->renderer, &r->width, &r->height);
        SDL_DisableScreenSaver();
        /* A touch kiosk shows no pointer. */
        if (o->fullscreen || SDL_GetNumTouchDevices() > 0)
            SDL_ShowCursor(SDL_DISABLE);
    }
    SDL_SetRenderDrawBlendMode(r->renderer, SDL_BLENDMODE_BLEND);
    if (o->logo_path && o->logo_path[0]) {
        SDL_Surface *img = IMG_Load(o->logo_path);
        if (!img) {
            snprintf(err, errlen, "%s: cannot load logo: %s", o->logo_path, IMG_GetError());
            rc = AM_ERR_IO;
            goto out;
        }
        r->logo = SDL_CreateTextureFromSurface(r->renderer, img);
        r->logo_w = img->w;
        r->logo_h = img->h;
        SDL_FreeSurface(img);
        if (!r->logo) {
            rc = fail(err, errlen, "cannot make the logo texture");
            goto out;
        }
    }
    *out = r;
    r = NULL;
out:
    am_render_close(r);
    return rc;
}

void am_render_size(const am_render *r, int *w, int *h)
{
    *w = r->width;
    *h = r->height;
}

void am_render_logo_size(const am_render *r, int *w, int *h)
{
    *w = r->logo ? r->logo_w : 0;
    *h = r->logo ? r->logo_h : 0;
}

/* ---- shapes ------------------------------------------------------------------ */

static SDL_Color color_of(uint32_t argb)
{
    SDL_Color c = {(Uint8)(argb >> 16), (Uint8)(argb >> 8), (Uint8)argb, (Uint8)(argb >> 24)};
    return c;
}

/* A plain rect: opaque colours are copied, not blended, which is what
 * keeps a full redraw of a 1080p frame cheap in the software renderer. */
static void fill_plain(am_render *r, int x, int y, int w, int h, uint32_t argb)
{
    if (w <= 0 || h <= 0)
        return;
    SDL_Color col = color_of(argb);
    SDL_SetRenderDrawBlendMode(r->renderer,
                               col.a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
    SDL_SetRenderDrawColor(r->renderer, col.r, col.g, col.b, col.a);
    SDL_Rect rc = {x, y, w, h};
    SDL_RenderFillRect(r->renderer, &rc);
}

/* An anti-aliased disc of radius `rad` in colour `rgb`, cached per radius
 * and colour; its four quarters are the corners of rounded rects. The
 * colour is in the pixels rather than a colour mod, which the software
 * renderer blends several times slower. */
static SDL_Texture *disc(am_render *r, int rad, uint32_t rgb)
{
    for (int i = 0; i < DISC_SLOTS; i++) {
        if (r->discs[i].tex && r->discs[i].radius == rad && r->discs[i].rgb == rgb)
            return r->discs[i].tex;
    }
    int slot = r->disc_next++ % DISC_SLOTS;
    if (r->discs[slot].tex)
        SDL_DestroyTexture(r->discs[slot].tex);
    r->discs[slot].tex = NULL;
    int size = 2 * rad;
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, size, size, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return NULL;
    for (int y = 0; y < size; y++) {
        Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + y * s->pitch);
        for (int x = 0; x < size; x++) {
            float dx = x + 0.5f - rad, dy = y + 0.5f - rad;
            float cover = rad - sqrtf(dx * dx + dy * dy) + 0.5f;
            cover = cover < 0 ? 0 : cover > 1 ? 1 : cover;
            row[x] = ((Uint32)(cover * 255.0f + 0.5f) << 24) | rgb;
        }
    }
    SDL_Texture *t = SDL_CreateTextureFromSurface(r->renderer, s);
    SDL_FreeSurface(s);
    if (!t)
        return NULL;
    SDL_SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
    r->discs[slot].tex = t;
    r->discs[slot].radius = rad;
    r->discs[slot].rgb = rgb;
    return t;
}

/* A filled rounded rect: three plain rects and four disc quarters. */
static void round_rect(am_render *r, float xf, float yf, float wf, float hf, float radf,
                       uint32_t argb)
{
    int x = (int)lroundf(xf), y = (int)lroundf(yf), w = (int)lroundf(wf), h = (int)lroundf(hf);
    int rad = (int)lroundf(radf);
    if (w <= 0 || h <= 0)
        return;
    if (rad > w / 2)
        rad = w / 2;
    if (rad > h / 2)
        rad = h / 2;
    SDL_Texture *t = rad > 0 ? disc(r, rad, argb & 0xFFFFFFu) : NULL;
    if (!t) {
        fill_plain(r, x, y, w, h, argb);
        return;
    }
    fill_plain(r, x + rad, y, w - 2 * rad, h, argb);
    fill_plain(r, x, y + rad, rad, h - 2 * rad, argb);
    fill_plain(r, x + w - rad, y + rad, rad, h - 2 * rad, argb);
    SDL_SetTextureAlphaMod(t, (Uint8)(argb >> 24));
    const SDL_Rect src[4] = {
        {0, 0, rad, rad}, {rad, 0, rad, rad}, {0, rad, rad, rad}, {rad, rad, rad, rad}};
    const SDL_Rect dst[4] = {{x, y, rad, rad},
                             {x + w - rad, y, rad, rad},
                             {x, y + h - rad, rad, rad},
                             {x + w - rad, y + h - rad, rad, rad}};
    for (int i = 0; i < 4; i++)
        SDL_RenderCopy(r->renderer, t, &src[i], &dst[i]);
}

static void draw_rect_cmd(am_render *r, const am_cmd *c)
{
    float x = (float)c->rect.x, y = (float)c->rect.y, w = (float)c->rect.w, h = (float)c->rect.h;
    float rad = (float)c->radius, b = (float)c->border;
    if (b > 0 && (c->border_color >> 24)) {
        round_rect(r, x, y, w, h, rad, c->border_color);
        round_rect(r, x + b, y + b, w - 2 * b, h - 2 * b, rad > b ? rad - b : 0, c->color);
    } else {
        round_rect(r, x, y, w, h, rad, c->color);
    }
}

/* A thick polyline through `pts` as quads. */
static void thick_line(am_render *r, const SDL_FPoint *pts, int n, float width, uint32_t argb)
{
    SDL_Color col = color_of(argb);
    for (int i = 0; i + 1 < n; i++) {
        float dx = pts[i + 1].x - pts[i].x, dy = pts[i + 1].y - pts[i].y;
        float len = sqrtf(dx * dx + dy * dy);
        if (len <= 0)
            continue;
        float nx = -dy / len * width / 2, ny = dx / len * width / 2;
        SDL_Vertex v[4] = {
            {{pts[i].x + nx, pts[i].y + ny}, col, {0, 0}},
            {{pts[i].x - nx, pts[i].y - ny}, col, {0, 0}},
            {{pts[i + 1].x - nx, pts[i + 1].y - ny}, col, {0, 0}},
            {{pts[i + 1].x + nx, pts[i + 1].y + ny}, col, {0, 0}},
        };
        int idx[6] = {0, 1, 2, 0, 2, 3};
        SDL_SetRenderDrawBlendMode(r->renderer, SDL_BLENDMODE_BLEND);
        SDL_RenderGeometry(r->renderer, NULL, v, 4, idx, 6);
        /* Round the joints. */
        round_rect(r, pts[i + 1].x - width / 2, pts[i + 1].y - width / 2, width, width, width / 2,
                   argb);
    }
}

static void draw_face(am_render *r, const am_cmd *c)
{
    float x = (float)c->rect.x, y = (float)c->rect.y, d = (float)c->rect.w;
    round_rect(r, x, y, d, d, d / 2, c->color);
    uint32_t ink = 0xFF2A2A2Eu;
    float eye = d * 0.11f;
    round_rect(r, x + d * 0.33f - eye / 2, y + d * 0.36f - eye / 2, eye, eye, eye / 2, ink);
    round_rect(r, x + d * 0.67f - eye / 2, y + d * 0.36f - eye / 2, eye, eye, eye / 2, ink);
    /* The mouth bends from a frown (1) to a broad smile (5). */
    static const float bend[6] = {0, -0.16f, -0.07f, 0.0f, 0.09f, 0.17f};
    int value = c->value >= 1 && c->value <= 5 ? c->value : 3;
    SDL_FPoint pts[9];
    for (int i = 0; i < 9; i++) {
        float t = i / 8.0f;
        float px = x + d * (0.30f + 0.40f * t);
        float curve = 1.0f - (2 * t - 1) * (2 * t - 1);
        float py = y + d * (0.66f - (value >= 3 ? 0.0f : 0.06f)) + d * bend[value] * curve;
        pts[i] = (SDL_FPoint){px, py};
    }
    thick_line(r, pts, 9, d * 0.065f, ink);
}

static void draw_icon(am_render *r, const am_cmd *c)
{
    float x = (float)c->rect.x, y = (float)c->rect.y, s = (float)c->rect.w;
    SDL_Color col = color_of(c->color);
    SDL_SetRenderDrawBlendMode(r->renderer, SDL_BLENDMODE_BLEND);
    switch ((am_icon)c->value) {
    case AM_ICON_CHECK: {
        SDL_FPoint pts[3] = {{x + s * 0.12f, y + s * 0.52f},
                             {x + s * 0.40f, y + s * 0.80f},
                             {x + s * 0.88f, y + s * 0.22f}};
        thick_line(r, pts, 3, s * 0.14f, c->color);
        break;
    }
    case AM_ICON_BACKSPACE: {
        /* A left-pointing arrow. */
        SDL_Vertex v[3] = {{{x, y + s / 2}, col, {0, 0}},
                           {{x + s * 0.45f, y + s * 0.12f}, col, {0, 0}},
                           {{x + s * 0.45f, y + s * 0.88f}, col, {0, 0}}};
        SDL_RenderGeometry(r->renderer, NULL, v, 3, NULL, 0);
        round_rect(r, x + s * 0.40f, y + s * 0.38f, s * 0.60f, s * 0.24f, 0, c->color);
        break;
    }
    case AM_ICON_SHIFT: {
        SDL_Vertex v[3] = {{{x + s / 2, y}, col, {0, 0}},
                           {{x + s * 0.06f, y + s * 0.50f}, col, {0, 0}},
                           {{x + s * 0.94f, y + s * 0.50f}, col, {0, 0}}};
        SDL_RenderGeometry(r->renderer, NULL, v, 3, NULL, 0);
        round_rect(r, x + s * 0.32f, y + s * 0.45f, s * 0.36f, s * 0.50f, 0, c->color);
        break;
    }
    }
}

static void draw_qr(am_render *r, const am_cmd *c)
{
    char buf[128];
    size_t len = c->len < sizeof buf - 1 ? c->len : sizeof buf - 1;
    memcpy(buf, c->text, len);
    buf[len] = '\0';
    QRcode *qr = QRcode_encodeString(buf, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr)
        return;
    int n = qr->width;
    int module = c->rect.w / n;
    if (module < 1)
        module = 1;
    int ox = c->rect.x + (c->rect.w - module * n) / 2,
        oy = c->rect.y + (c->rect.h - module * n) / 2;
    SDL_Color col = color_of(c->color);
    SDL_SetRenderDrawBlendMode(r->renderer, SDL_BLENDMODE_NONE);
    SDL_SetRenderDrawColor(r->renderer, col.r, col.g, col.b, col.a);
    for (int row = 0; row < n; row++) {
        for (int k = 0; k < n; k++) {
            if (qr->data[row * n + k] & 1) {
                SDL_Rect m = {ox + k * module, oy + row * module, module, module};
                SDL_RenderFillRect(r->renderer, &m);
            }
        }
    }
    QRcode_free(qr);
}

void am_render_frame(am_render *r, const am_layout *l)
{
    r->frame++;
    r->stats.frames++;
    /* No clear: every layout starts with a full-screen background. */
    for (int i = 0; i < l->cmd_count; i++) {
        const am_cmd *c = &l->cmds[i];
        switch (c->type) {
        case AM_CMD_RECT:
            draw_rect_cmd(r, c);
            break;
        case AM_CMD_TEXT:
            am_text_draw(r, c);
            break;
        case AM_CMD_FACE:
            draw_face(r, c);
            break;
        case AM_CMD_ICON:
            draw_icon(r, c);
            break;
        case AM_CMD_QR:
            draw_qr(r, c);
            break;
        case AM_CMD_LOGO:
            if (r->logo) {
                SDL_Rect dst = {c->rect.x, c->rect.y, c->rect.w, c->rect.h};
                SDL_RenderCopy(r->renderer, r->logo, NULL, &dst);
            }
            break;
        }
    }
    SDL_RenderPresent(r->renderer);
}

/* Writes an ARGB8888 surface as an RGB PNG. libpng directly rather than
 * IMG_SavePNG: fast compression and one fixed filter make a 1280x800 shot
 * several times quicker to write, which is most of the time from start to
 * the first saved frame. */
static am_rc write_png(SDL_Surface *s, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot write PNG: %s", path, strerror(errno));
        return AM_ERR_IO;
    }
    am_rc rc = AM_ERR_IO;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep row = malloc((size_t)s->w * 3);
    if (!png || !info || !row) {
        snprintf(err, errlen, "%s: cannot write PNG: out of memory", path);
        goto out;
    }
    if (setjmp(png_jmpbuf(png))) {
        snprintf(err, errlen, "%s: cannot write PNG", path);
        goto out;
    }
    png_init_io(png, f);
    png_set_compression_level(png, 1);
    png_set_filter(png, 0, PNG_FILTER_SUB);
    png_set_IHDR(png, info, (png_uint_32)s->w, (png_uint_32)s->h, 8, PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (int y = 0; y < s->h; y++) {
        const Uint32 *px = (const Uint32 *)((const Uint8 *)s->pixels + y * s->pitch);
        for (int x = 0; x < s->w; x++) {
            row[3 * x] = (png_byte)(px[x] >> 16);
            row[3 * x + 1] = (png_byte)(px[x] >> 8);
            row[3 * x + 2] = (png_byte)px[x];
        }
        png_write_row(png, row);
    }
    png_write_end(png, info);
    rc = AM_OK;
out:
    png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
    free(row);
    if (fclose(f) != 0 && rc == AM_OK) {
        snprintf(err, errlen, "%s: cannot write PNG: %s", path, strerror(errno));
        rc = AM_ERR_IO;
    }
    return rc;
}

am_rc am_render_save_png(am_render *r, const char *path, char *err, size_t errlen)
{
    SDL_Surface *shot =
        SDL_CreateRGBSurfaceWithFormat(0, r->width, r->height, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!shot)
        return fail(err, errlen, "cannot allocate the screenshot");
    am_rc rc;
    if (SDL_RenderReadPixels(r->renderer, NULL, SDL_PIXELFORMAT_ARGB8888, shot->pixels,
                             shot->pitch) != 0)
        rc = fail(err, errlen, "cannot read the frame");
    else
        rc = write_png(shot, path, err, errlen);
    SDL_FreeSurface(shot);
    return rc;
}
