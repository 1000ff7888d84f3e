/* input.c — SDL events to am_input, at the edge (see ui_input.h). */
#include "amends/ui_input.h"

#include <SDL.h>
#include <stdio.h>

#include "amends/script.h"

am_input am_input_from_sdl(const SDL_Event *e, int w, int h)
{
    am_input in = {.type = AM_IN_NONE};
    switch (e->type) {
    case SDL_QUIT:
        in.type = AM_IN_QUIT;
        break;
    case SDL_FINGERDOWN:
        in.type = AM_IN_PRESS;
        in.x = (int)(e->tfinger.x * (float)w);
        in.y = (int)(e->tfinger.y * (float)h);
        break;
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.which == SDL_TOUCH_MOUSEID || e->button.button != SDL_BUTTON_LEFT)
            break;
        in.type = AM_IN_PRESS;
        in.x = e->button.x;
        in.y = e->button.y;
        break;
    case SDL_FINGERUP:
        in.type = AM_IN_TAP;
        in.x = (int)(e->tfinger.x * (float)w);
        in.y = (int)(e->tfinger.y * (float)h);
        break;
    case SDL_MOUSEBUTTONUP:
        if (e->button.which == SDL_TOUCH_MOUSEID || e->button.button != SDL_BUTTON_LEFT)
            break;
        in.type = AM_IN_TAP;
        in.x = e->button.x;
        in.y = e->button.y;
        break;
    case SDL_KEYDOWN:
        switch (e->key.keysym.sym) {
        case SDLK_RETURN:
        case SDLK_KP_ENTER:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_RETURN;
            break;
        case SDLK_ESCAPE:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_ESCAPE;
            break;
        case SDLK_BACKSPACE:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_BACKSPACE;
            break;
        case SDLK_TAB:
            in.type = AM_IN_KEY;
            in.key = (e->key.keysym.mod & KMOD_SHIFT) ? AM_KEY_BACKTAB : AM_KEY_TAB;
            break;
        case SDLK_LEFT:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_LEFT;
            break;
        case SDLK_RIGHT:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_RIGHT;
            break;
        case SDLK_UP:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_UP;
            break;
        case SDLK_DOWN:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_DOWN;
            break;
        case SDLK_SPACE:
            in.type = AM_IN_KEY;
            in.key = AM_KEY_SPACE;
            break;
        default:
            break;
        }
        break;
    case SDL_TEXTINPUT:
        in.type = AM_IN_TEXT;
        snprintf(in.text, sizeof in.text, "%s", e->text.text);
        break;
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_EXPOSED ||
            e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
            e->window.event == SDL_WINDOWEVENT_RESTORED)
            in.type = AM_IN_REDRAW;
        break;
    default:
        break;
    }
    return in;
}

int64_t am_press_track(am_press *p, const am_input *in, int64_t now_ms)
{
    if (in->type == AM_IN_PRESS) {
        p->down = true;
        p->x = in->x;
        p->y = in->y;
        p->at_ms = now_ms;
        return -1;
    }
    if (in->type != AM_IN_TAP || !p->down)
        return -1;
    p->down = false;
    return now_ms >= p->at_ms ? now_ms - p->at_ms : 0;
}

bool am_press_is_manager_gesture(const am_layout *l, const am_config *cfg, int x0, int y0, int x1,
                                 int y1, int64_t held_ms)
{
    if (l->screen != AM_SCREEN_ATTRACT || l->prompting || held_ms < 0)
        return false;
    if (held_ms < (int64_t)cfg->manager.gesture_seconds * 1000)
        return false;
    const am_widget *w = am_layout_find(l, "manager");
    return w && am_rect_contains(w->rect, x0, y0) && am_rect_contains(w->rect, x1, y1);
}
