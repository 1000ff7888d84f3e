/* render_internal.h — what render.c and render_text.c share. */
#ifndef AMENDS_UI_RENDER_INTERNAL_H
#define AMENDS_UI_RENDER_INTERNAL_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdint.h>

#include "amends/ui_render.h"

enum { FACE_LATIN = 0, FACE_LATIN_BOLD, FACE_ARABIC, FACE_ARABIC_BOLD, FACE_CJK, FACE_COUNT };

#define FONT_SLOTS    20
#define TEXT_SLOTS    768
#define MEASURE_SLOTS 8192
/* Bytes of text textures kept: a few screens at 1920x1080. */
#define TEXT_BUDGET (6u << 20)

typedef struct font_slot {
    int face, px;
    TTF_Font *font;
    unsigned long used;
} font_slot;

typedef struct text_slot {
    uint64_t hash;
    char *text; /* copy of the key, NUL-terminated */
    size_t len;
    int font, px, rtl;
    bool guest;
    SDL_Texture *tex; /* coverage in alpha, coloured rgb (see recolour) */
    uint32_t rgb;
    int w, h;           /* the line's box: ascent + descent high */
    int ink_top, ink_h; /* the rows of it with ink, which tex holds */
    unsigned long used;
} text_slot;

typedef struct measure_slot {
    uint64_t hash;
    char *text;
    size_t len;
    int font, px;
    int w, h;
    unsigned long used;
} measure_slot;

#define DISC_SLOTS 128

typedef struct disc_slot {
    int radius;
    uint32_t rgb;
    SDL_Texture *tex;
} disc_slot;

struct am_render {
    SDL_Window *window;
    SDL_Renderer *renderer;
    SDL_Surface *surface; /* headless target */
    int width, height;
    SDL_Texture *logo;
    int logo_w, logo_h;
    char font_path[FACE_COUNT][1100];
    void *font_map[FACE_COUNT]; /* each face's file, mapped (map_font) */
    size_t font_map_len[FACE_COUNT];
    bool fonts_from_file; /* the bench's baseline: TTF_OpenFont on the path */
    font_slot fonts[FONT_SLOTS];
    text_slot texts[TEXT_SLOTS];
    size_t text_bytes; /* held by texts[].tex */
    measure_slot measures[MEASURE_SLOTS];
    disc_slot discs[DISC_SLOTS];
    int disc_next;
    unsigned long tick;         /* font use, for the fonts' LRU */
    unsigned long measure_tick; /* measurement use, for their LRU */
    unsigned long frame;        /* frames and preparations, for the texts' LRU */
    am_render_stats stats;
    bool ttf_up, img_up, sdl_up;
};

/* render_text.c */
void am_text_draw(am_render *r, const am_cmd *cmd);
void am_text_close(am_render *r);

#endif
