/* main.c — amends-kiosk: wiring, then either the screen or a headless
 * automation script. Every setup step is checked; the one reason a step
 * failed is logged; teardown happens in one place. */
#include <SDL.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "amends/buf.h"
#include "amends/clock.h"
#include "amends/config_file.h"
#include "amends/log.h"
#include "amends/script.h"
#include "amends/sync.h"
#include "amends/ui.h"
#include "amends/ui_input.h"
#include "amends/version.h"
#include "amends/widget.h"
#include "app.h"
#include "notify.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static void usage(FILE *to)
{
    fprintf(to, "Usage: amends-kiosk [OPTION]...\n"
                "The amends service-recovery kiosk: a guest reports what went wrong, hears a\n"
                "sincere apology, chooses the fix and rates the recovery.\n"
                "\n"
                "  -c, --config FILE     site configuration (default: built-in defaults)\n"
                "  -d, --data-dir DIR    where the store lives (default: [kiosk] data_dir)\n"
                "      --windowed        a window instead of fullscreen\n"
                "      --size WxH        window or headless frame size (default: the display,\n"
                "                        1280x800 windowed and headless)\n"
                "      --accelerated     use a GPU renderer where there is one\n"
                "      --assets DIR      strings and fonts (default: $AMENDS_ASSETS or the\n"
                "                        source tree's assets/)\n"
                "      --headless        no window: run a script on a virtual clock\n"
                "      --script FILE     automation script to run (with --headless)\n"
                "  -v, --verbose         log debug lines\n"
                "  -h, --help            show this help and exit\n"
                "  -V, --version         show the version and exit\n"
                "\n"
                "Script commands (one a line): tap ID, tap-at X Y, type TEXT, key NAME,\n"
                "wait SECONDS, expect SCREEN, expect-text TEXT, shot FILE.png.\n"
                "\n"
                "Exit status: 0 ok (script completed, or the kiosk was closed), 1 failure\n"
                "(config, store, display or a script step; the reason is printed as\n"
                "FILE:LINE: reason), 2 usage error.\n");
}

/* Creates dir and its parents (mode 0700 for new ones). */
static int make_dirs(const char *dir)
{
    char path[AM_PATH_MAX];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

/* One kiosk per data dir: a second one would race the first for the
 * journey it has open. A POSIX record lock, not flock(2): it belongs to
 * this process alone, so a child some library forks (libdbus starting
 * dbus-launch, say) never holds it, and it dies with the process. */
static int lock_data_dir(const char *dir)
{
    char path[AM_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/kiosk.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "amends-kiosk: %s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    struct flock whole = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    if (fcntl(fd, F_SETLK, &whole) != 0) {
        if (errno == EAGAIN || errno == EACCES)
            fprintf(stderr, "amends-kiosk: another amends-kiosk is already running on %s\n", dir);
        else
            fprintf(stderr, "amends-kiosk: %s: cannot lock: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* libdbus, which SDL's X11 driver loads, forks dbus-launch to start a
 * session bus when it finds none. A kiosk wants no new bus and no process
 * beside it: "disabled:" tells libdbus there is none. A bus that exists
 * (a desktop's, which SDL asks to keep the screen on) is still used. Runs
 * before any thread starts, since setenv is not thread-safe. */
static void no_bus_autolaunch(void)
{
    if (getenv("DBUS_SESSION_BUS_ADDRESS"))
        return;
    const char *run = getenv("XDG_RUNTIME_DIR");
    char bus[AM_PATH_MAX];
    if (run && run[0] && snprintf(bus, sizeof bus, "%s/bus", run) < (int)sizeof bus &&
        access(bus, F_OK) == 0)
        return;
    setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:", 0);
}

static char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    am_buf buf;
    am_buf_init(&buf, 64u << 20); /* a script is never this large */
    for (;;) {
        char *space = am_buf_space(&buf, 4096);
        if (!space)
            break;
        size_t n = fread(space, 1, 4096, f);
        if (n == 0)
            break;
        am_buf_commit(&buf, n);
    }
    int failed = ferror(f) || !feof(f);
    fclose(f);
    size_t len = 0;
    char *text = failed ? NULL : am_buf_take(&buf, &len);
    am_buf_free(&buf);
    if (text && strlen(text) != len) { /* a NUL byte inside */
        free(text);
        errno = EINVAL;
        return NULL;
    }
    return text;
}

/* The event Return, Escape or BackSpace makes on the current screen when
 * no control has the keypad's ring: the screen's main action, back, or
 * deleting the last character. */
static am_event key_event(const am_journey *j, am_script_key key)
{
    am_event ev = {.type = AM_EV_TICK};
    am_screen screen = am_journey_screen(j);
    switch (key) {
    case AM_KEY_RETURN:
        if (screen == AM_SCREEN_ATTRACT)
            ev.type = AM_EV_START;
        else if (screen == AM_SCREEN_FOLLOWUP || screen == AM_SCREEN_THANKS)
            ev.type = AM_EV_DONE;
        else
            ev.type = AM_EV_NEXT;
        break;
    case AM_KEY_ESCAPE:
        ev.type = AM_EV_BACK;
        break;
    case AM_KEY_BACKSPACE:
        ev.type = screen == AM_SCREEN_MANAGER_PIN ? AM_EV_PIN_DELETE : AM_EV_BACKSPACE;
        break;
    default:
        break;
    }
    return ev;
}

/* A physical key (a USB keypad, a switch, a keyboard): Tab, Shift+Tab and
 * the arrows move the ring from control to control; Return, Enter and
 * Space do what a tap on the ringed control does. While a text field takes
 * the typing, Space types (the text input brings it) and the arrows do
 * not move; Return with the ring on that field, or on nothing, is the
 * screen's main action, as are Escape and BackSpace. */
static am_ui_result key_input(am_ui *ui, const am_journey *j, int64_t now_ms, am_script_key key,
                              am_event *ev)
{
    bool typing = am_journey_focus(j) != AM_FIELD_NONE;
    const char *ring = am_ui_key_focus(ui);
    bool ring_on_field = ring && !strncmp(ring, "field.", 6);
    switch (key) {
    case AM_KEY_TAB:
        return am_ui_key(ui, j, now_ms, AM_NAV_NEXT, ev);
    case AM_KEY_BACKTAB:
        return am_ui_key(ui, j, now_ms, AM_NAV_PREV, ev);
    case AM_KEY_DOWN:
    case AM_KEY_UP:
    case AM_KEY_LEFT:
    case AM_KEY_RIGHT: {
        if (typing && (key == AM_KEY_LEFT || key == AM_KEY_RIGHT))
            return AM_UI_NOTHING;
        static const am_nav nav[] = {[AM_KEY_DOWN] = AM_NAV_NEXT,
                                     [AM_KEY_UP] = AM_NAV_PREV,
                                     [AM_KEY_LEFT] = AM_NAV_LEFT,
                                     [AM_KEY_RIGHT] = AM_NAV_RIGHT};
        return am_ui_key(ui, j, now_ms, nav[key], ev);
    }
    case AM_KEY_SPACE:
        if (typing)
            return AM_UI_NOTHING;
        return am_ui_key(ui, j, now_ms, AM_NAV_ACTIVATE, ev);
    case AM_KEY_RETURN:
        if (ring && !(typing && ring_on_field)) {
            am_ui_result r = am_ui_key(ui, j, now_ms, AM_NAV_ACTIVATE, ev);
            if (r != AM_UI_NOTHING)
                return r;
        }
        *ev = key_event(j, key);
        return AM_UI_EVENT;
    case AM_KEY_ESCAPE:
    case AM_KEY_BACKSPACE:
        *ev = key_event(j, key);
        return AM_UI_EVENT;
    }
    return AM_UI_NOTHING;
}

/* The guest is gone: the screen drops its copies of their words too. */
static void follow_wipes(am_app *app, am_ui *ui, unsigned *seen)
{
    unsigned now = am_app_wipes(app);
    if (now != *seen) {
        *seen = now;
        am_ui_forget_guest(ui);
    }
}

/* A widget on the screen under the "still there?" prompt, which a tap
 * reaches only to answer the prompt. */
static bool under_prompt(const am_layout *l, const char *id)
{
    if (!l->prompting)
        return false;
    for (int i = 0; i < l->widget_count; i++) {
        if (strcmp(l->widgets[i].id, id) == 0)
            return true;
    }
    return false;
}

/* The manager screen shows the store's and the worker's figures as they
 * are now: read before each layout of that screen. */
static void refresh_manager(am_app *app, am_ui *ui, int64_t now_ms)
{
    if (am_journey_screen(am_app_journey(app)) != AM_SCREEN_MANAGER)
        return;
    am_manager_info info;
    am_app_manager_info(app, now_ms, &info);
    am_ui_set_manager_info(ui, &info);
}

/* Ids that name a widget somewhere, just not on this screen now. */
static bool known_widget(const am_config *cfg, const char *id)
{
    am_event ev;
    return am_widget_event(cfg, id, &ev) == 0 || strncmp(id, "kbd.", 4) == 0 ||
           strncmp(id, "pin.", 4) == 0;
}

enum { SCRIPT_DRAIN_MS = 10000 };

/* Waits at most limit_ms (real time) for the outbox to empty; not at all
 * once the hub has refused the kiosk's credentials or asked for a wait
 * beyond the limit. */
static void await_outbox(am_app *app, am_sync *sync, int64_t limit_ms)
{
    if (!sync)
        return;
    for (int64_t waited = 0; waited < limit_ms; waited += 20) {
        am_store_status st;
        if (am_store_get_status(am_app_store(app), &st) != AM_OK)
            return;
        if (st.pending + st.inflight == 0)
            return;
        am_sync_status ss;
        am_sync_get_status(sync, &ss);
        if (ss.phase == AM_SYNC_AUTH_FAILED || ss.phase == AM_SYNC_STOPPED)
            return;
        if (ss.phase == AM_SYNC_BACKOFF && ss.retry_at_ms - am_wall_ms() > limit_ms - waited)
            return;
        SDL_Delay(20);
    }
}

/* After a script, what it committed goes to the hub before the kiosk
 * exits, as it would on a kiosk that stays up (see await_outbox). What is
 * left stays pending for the next start. */
static void drain_outbox(am_app *app, am_sync *sync, int64_t limit_ms)
{
    if (!sync)
        return;
    await_outbox(app, sync, limit_ms);
    am_store_status st;
    if (am_store_get_status(am_app_store(app), &st) == AM_OK && st.pending + st.inflight > 0)
        am_log_warn("kiosk", "%lld record(s) not yet at the hub; they are sent at the next start",
                    (long long)(st.pending + st.inflight));
}

/* Runs a parsed script on a virtual clock against the real screen (drawn
 * only when a step needs it). Returns 0, or 1 with the reason printed as
 * FILE:LINE: reason. */
static int run_script(am_app *app, am_sync *sync, am_ui *ui, const am_config *cfg,
                      const am_script *script)
{
    int64_t clock_ms = 0;
    unsigned wipes_seen = am_app_wipes(app);
    int width = 0, height = 0;
    am_render_size(am_ui_renderer(ui), &width, &height);
    am_ui_wait_hyphenation(ui);
    for (size_t i = 0; i < script->count; i++) {
        const am_script_cmd *cmd = &script->cmds[i];
        const am_journey *j = am_app_journey(app);
        const char *screen = am_screen_id(am_journey_screen(j));
        am_event ev = {.type = AM_EV_TICK};
        char err[1024];
        refresh_manager(app, ui, clock_ms);
        switch (cmd->op) {
        case AM_OP_TAP: {
            const am_layout *l = am_ui_layout(ui, j, clock_ms);
            const am_widget *w = am_layout_find(l, cmd->arg);
            if (!w && under_prompt(l, cmd->arg)) {
                ev.type = AM_EV_STILL_HERE;
                break;
            }
            if (!w) {
                if (known_widget(cfg, cmd->arg))
                    fprintf(stderr, "%s:%d: tap %s: not possible on %s: it is not shown there\n",
                            script->name, cmd->line, cmd->arg, screen);
                else
                    fprintf(stderr, "%s:%d: tap %s: no such widget on %s\n", script->name,
                            cmd->line, cmd->arg, screen);
                return 1;
            }
            am_ui_result res = am_ui_activate(ui, w, &ev);
            if (res != AM_UI_EVENT)
                continue;
            break;
        }
        case AM_OP_TAP_AT: {
            if (cmd->x < 0 || cmd->y < 0 || cmd->x >= width || cmd->y >= height) {
                fprintf(stderr, "%s:%d: tap-at %d %d: outside the %dx%d screen\n", script->name,
                        cmd->line, cmd->x, cmd->y, width, height);
                return 1;
            }
            /* A touch on nothing does nothing, as on the real screen. */
            if (am_ui_tap(ui, j, clock_ms, cmd->x, cmd->y, &ev) != AM_UI_EVENT)
                continue;
            break;
        }
        case AM_OP_TYPE:
            ev.type = AM_EV_TEXT;
            ev.text = cmd->arg;
            break;
        case AM_OP_KEY: {
            am_ui_result res = key_input(ui, j, clock_ms, cmd->key, &ev);
            if (res != AM_UI_EVENT)
                continue;
            break;
        }
        case AM_OP_WAIT:
            clock_ms += cmd->wait_ms;
            am_app_advance(app, clock_ms);
            follow_wipes(app, ui, &wipes_seen);
            continue;
        case AM_OP_AWAIT_SYNC:
            /* The hub answers in real time; the virtual clock stands still
             * meanwhile, so no timer fires while the test waits. */
            await_outbox(app, sync, (int64_t)AM_SCRIPT_AWAIT_SYNC_S * 1000);
            am_app_advance(app, clock_ms);
            follow_wipes(app, ui, &wipes_seen);
            continue;
        case AM_OP_AWAIT_TEXT: {
            /* Real time, the virtual clock standing still: the app looks
             * at what the worker kept from the hub at each advance. */
            bool drawn = false;
            for (int64_t waited = 0; waited <= (int64_t)AM_SCRIPT_AWAIT_SYNC_S * 1000;
                 waited += 20) {
                am_app_advance(app, clock_ms);
                follow_wipes(app, ui, &wipes_seen);
                j = am_app_journey(app);
                drawn = am_layout_has_text(am_ui_layout(ui, j, clock_ms), cmd->arg);
                if (drawn)
                    break;
                SDL_Delay(20);
            }
            if (!drawn) {
                fprintf(
                    stderr, "%s:%d: expected text \"%s\" on %s within %d s, but it is not drawn\n",
                    script->name, cmd->line, cmd->arg,
                    am_screen_id(am_journey_screen(am_app_journey(app))), AM_SCRIPT_AWAIT_SYNC_S);
                return 1;
            }
            continue;
        }
        case AM_OP_EXPECT:
            if (strcmp(cmd->arg, screen) != 0) {
                fprintf(stderr, "%s:%d: expected screen %s, but %s is showing\n", script->name,
                        cmd->line, cmd->arg, screen);
                return 1;
            }
            continue;
        case AM_OP_EXPECT_TEXT:
            if (!am_layout_has_text(am_ui_layout(ui, j, clock_ms), cmd->arg)) {
                fprintf(stderr, "%s:%d: expected text \"%s\" on %s, but it is not drawn\n",
                        script->name, cmd->line, cmd->arg, screen);
                return 1;
            }
            continue;
        case AM_OP_EXPECT_FOCUS: {
            am_ui_layout(ui, j, clock_ms); /* a new screen drops the ring */
            const char *ring = am_ui_key_focus(ui);
            if (!ring || strcmp(ring, cmd->arg) != 0) {
                fprintf(stderr, "%s:%d: expected the focus ring on %s on %s, but it is on %s\n",
                        script->name, cmd->line, cmd->arg, screen, ring ? ring : "nothing");
                return 1;
            }
            continue;
        }
        case AM_OP_SHOT:
            if (am_ui_shot(ui, j, clock_ms, cmd->arg, err, sizeof err) != AM_OK) {
                fprintf(stderr, "%s:%d: shot: %s\n", script->name, cmd->line, err);
                return 1;
            }
            continue;
        }
        ev.now_ms = clock_ms;
        am_step step = am_app_event(app, &ev);
        follow_wipes(app, ui, &wipes_seen);
        if (am_app_quit_requested(app)) {
            if (i + 1 < script->count)
                am_log_warn("kiosk", "%s:%d: the kiosk was closed; %zu command(s) not run",
                            script->name, cmd->line, script->count - i - 1);
            return 0;
        }
        if (step != AM_STEP_OK) {
            static const char *const key_names[] = {"Return", "Escape", "BackSpace", "Tab"};
            char what[96];
            if (cmd->op == AM_OP_TAP)
                snprintf(what, sizeof what, "tap %s", cmd->arg);
            else if (cmd->op == AM_OP_TAP_AT)
                snprintf(what, sizeof what, "tap-at %d %d", cmd->x, cmd->y);
            else if (cmd->op == AM_OP_KEY)
                snprintf(what, sizeof what, "key %s", key_names[cmd->key]);
            else
                snprintf(what, sizeof what, "type");
            fprintf(stderr, "%s:%d: %s: not possible on %s: %s\n", script->name, cmd->line, what,
                    screen, am_journey_refusal(j));
            return 1;
        }
    }
    return 0;
}

/* What the screen shows that can change with time alone. */
typedef struct timed_view {
    am_screen screen;
    bool prompting;
    int seconds;
    am_urgent urgent; /* the hub's confirmation changes what thanks says */
    bool taken;       /* the hub said who took the call: staff_wait names them */
} timed_view;

static timed_view timed_view_of(const am_journey *j, int64_t now_ms)
{
    timed_view v = {am_journey_screen(j), false, 0, am_journey_urgent(j),
                    am_journey_taken_by(j, NULL) != NULL};
    v.prompting = am_journey_prompting(j, now_ms, &v.seconds);
    if (v.screen == AM_SCREEN_MANAGER_PIN)
        am_journey_pin_pad(j, now_ms, NULL, &v.seconds); /* a wait counting down */
    if (!v.prompting && v.screen == AM_SCREEN_THANKS) {
        int64_t due = am_journey_deadline(j);
        v.seconds = due == INT64_MAX || due <= now_ms ? 0 : (int)((due - now_ms + 999) / 1000);
    }
    return v;
}

/* How often the screen looks whether the hub has confirmed urgent alerts. */
enum { URGENT_POLL_MS = 250 };

/* When the screen must be looked at again with no input: the journey's
 * next timer, or the next tick of a countdown on show. */
static int64_t next_wake(const am_journey *j, int64_t now_ms)
{
    int64_t due = am_journey_deadline(j);
    timed_view v = timed_view_of(j, now_ms);
    if (due != INT64_MAX && v.seconds > 1 &&
        (v.prompting || v.screen == AM_SCREEN_THANKS || v.screen == AM_SCREEN_MANAGER_PIN))
        return due - (int64_t)(v.seconds - 1) * 1000;
    return due;
}

/* Feeds one input; returns false to quit. */
static bool handle_input(am_app *app, am_ui *ui, const am_config *cfg, am_press *press,
                         const am_input *in, int64_t now_ms, bool *dirty)
{
    const am_journey *j = am_app_journey(app);
    am_event ev = {.type = AM_EV_TICK};
    int64_t held_ms = am_press_track(press, in, now_ms);
    switch (in->type) {
    case AM_IN_QUIT:
        return false;
    case AM_IN_REDRAW:
        *dirty = true;
        return true;
    case AM_IN_PRESS:
        return true;
    case AM_IN_TAP: {
        /* The hidden gesture: a press held in the manager corner. */
        if (am_press_is_manager_gesture(am_ui_layout(ui, j, now_ms), cfg, press->x, press->y, in->x,
                                        in->y, held_ms)) {
            ev.type = AM_EV_MANAGER;
            break;
        }
        am_ui_result res = am_ui_tap(ui, j, now_ms, in->x, in->y, &ev);
        if (res == AM_UI_CHANGED)
            *dirty = true;
        if (res != AM_UI_EVENT)
            return true;
        break;
    }
    case AM_IN_KEY: {
        am_ui_result res = key_input(ui, j, now_ms, (am_script_key)in->key, &ev);
        if (res == AM_UI_CHANGED)
            *dirty = true;
        if (res != AM_UI_EVENT)
            return true;
        break;
    }
    case AM_IN_TEXT:
        /* A USB keyboard's digits work on the PIN pad too. */
        if (am_journey_screen(j) == AM_SCREEN_MANAGER_PIN && in->text[0] >= '0' &&
            in->text[0] <= '9' && in->text[1] == '\0') {
            ev.type = AM_EV_PIN_DIGIT;
            ev.value = in->text[0] - '0';
            break;
        }
        if (am_journey_focus(j) == AM_FIELD_NONE)
            return true;
        ev.type = AM_EV_TEXT;
        ev.text = in->text;
        break;
    case AM_IN_NONE:
        return true;
    }
    ev.now_ms = now_ms;
    if (am_app_event(app, &ev) == AM_STEP_OK)
        *dirty = true;
    return true;
}

/* The kiosk on a real screen: sleeps in SDL_WaitEventTimeout until input
 * or the journey's next deadline; draws only when something changed. SDL
 * turns SIGINT and SIGTERM into a quit event, so both end here in order. */
static int run_screen(am_app *app, am_ui *ui, const am_config *cfg)
{
    am_press press = {0};
    int64_t manager_drawn = 0;
    am_notify_init();
    Uint64 t0 = SDL_GetTicks64();
    unsigned wipes_seen = am_app_wipes(app);
    int width, height;
    am_render_size(am_ui_renderer(ui), &width, &height);
    bool dirty = true;
    timed_view shown = {AM_SCREEN_COUNT, false, 0, AM_URGENT_NONE, false};
    for (;;) {
        int64_t now = (int64_t)(SDL_GetTicks64() - t0);
        am_app_advance(app, now);
        follow_wipes(app, ui, &wipes_seen);
        const am_journey *j = am_app_journey(app);
        timed_view v = timed_view_of(j, now);
        /* The manager screen's figures change on their own (the worker
         * sends): look again every two seconds while it shows. */
        if (v.screen == AM_SCREEN_MANAGER && now - manager_drawn >= 2000)
            dirty = true;
        if (dirty || v.screen != shown.screen || v.prompting != shown.prompting ||
            v.seconds != shown.seconds || v.urgent != shown.urgent || v.taken != shown.taken) {
            refresh_manager(app, ui, now);
            am_ui_draw(ui, j, now);
            manager_drawn = now;
            shown = v;
            dirty = false;
        }
        /* The first frame is on screen: systemd may consider us started.
         * Every turn of this loop tells the watchdog the screen is alive;
         * a loop stuck anywhere gets the kiosk restarted. */
        am_notify_ready();
        am_notify_alive();
        int64_t wake = next_wake(j, now);
        if (v.screen == AM_SCREEN_MANAGER && (wake == INT64_MAX || wake > manager_drawn + 2000))
            wake = manager_drawn + 2000;
        /* Urgent alerts on their way: look for the hub's answer often. */
        if (am_app_urgent_waiting(app) && (wake == INT64_MAX || wake > now + URGENT_POLL_MS))
            wake = now + URGENT_POLL_MS;
        /* While the guest reads, warm one font size per turn so that the
         * next screen's first frame stays fast; poll until it is done. */
        if (am_ui_idle(ui, j))
            wake = now;
        int64_t watchdog = am_notify_max_sleep_ms();
        if (watchdog != INT64_MAX && (wake == INT64_MAX || wake - now > watchdog))
            wake = now + watchdog;
        SDL_Event e;
        int got;
        if (wake == INT64_MAX) {
            got = SDL_WaitEvent(&e);
        } else {
            int64_t wait = wake - now;
            got = SDL_WaitEventTimeout(&e, wait < 0 ? 0 : wait > INT_MAX ? INT_MAX : (int)wait);
        }
        if (!got)
            continue;
        do {
            am_input in = am_input_from_sdl(&e, width, height);
            now = (int64_t)(SDL_GetTicks64() - t0);
            if (!handle_input(app, ui, cfg, &press, &in, now, &dirty) ||
                am_app_quit_requested(app)) {
                am_notify_stopping();
                return 0;
            }
            follow_wipes(app, ui, &wipes_seen);
        } while (SDL_PollEvent(&e));
    }
}

static int parse_size(const char *s, int *w, int *h)
{
    char extra;
    if (sscanf(s, "%dx%d%c", w, h, &extra) != 2 || *w < 320 || *h < 240 || *w > 8192 || *h > 8192)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    const char *config_path = NULL, *data_dir = NULL, *script_path = NULL, *assets = NULL;
    bool headless = false, verbose = false, windowed = false, accelerated = false;
    int width = 0, height = 0;
    enum { OPT_HEADLESS = 256, OPT_SCRIPT, OPT_WINDOWED, OPT_SIZE, OPT_ASSETS, OPT_ACCEL };
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data-dir", required_argument, NULL, 'd'},
        {"headless", no_argument, NULL, OPT_HEADLESS},
        {"script", required_argument, NULL, OPT_SCRIPT},
        {"windowed", no_argument, NULL, OPT_WINDOWED},
        {"size", required_argument, NULL, OPT_SIZE},
        {"assets", required_argument, NULL, OPT_ASSETS},
        {"accelerated", no_argument, NULL, OPT_ACCEL},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "c:d:vhV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'd':
            data_dir = optarg;
            break;
        case OPT_HEADLESS:
            headless = true;
            break;
        case OPT_SCRIPT:
            script_path = optarg;
            break;
        case OPT_WINDOWED:
            windowed = true;
            break;
        case OPT_SIZE:
            if (parse_size(optarg, &width, &height) != 0) {
                fprintf(stderr,
                        "amends-kiosk: --size %s: expected WIDTHxHEIGHT, e.g. 1280x800 "
                        "(320x240 to 8192x8192)\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_ASSETS:
            assets = optarg;
            break;
        case OPT_ACCEL:
            accelerated = true;
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'V':
            printf("amends-kiosk %s\n", AM_VERSION);
            return EXIT_OK;
        default:
            fprintf(stderr, "Try 'amends-kiosk --help'.\n");
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "amends-kiosk: unexpected argument '%s'\nTry 'amends-kiosk --help'.\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    if (script_path && !headless) {
        fprintf(stderr, "amends-kiosk: --script needs --headless\n");
        return EXIT_USAGE;
    }
    if (headless && !script_path) {
        fprintf(stderr, "amends-kiosk: --headless needs --script FILE\n");
        return EXIT_USAGE;
    }

    am_log_set_ident("amends-kiosk");
    int status = EXIT_FAIL;
    int lock_fd = -1;
    am_config *cfg = NULL;
    am_script *script = NULL;
    am_app *app = NULL;
    am_sync *sync = NULL;
    am_ui *ui = NULL;
    char *script_text = NULL;
    char err[1024];

    if (am_config_load(config_path, &cfg, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    am_log_set_level(verbose ? AM_LOG_DEBUG : cfg->kiosk.log_level);
    if (!data_dir)
        data_dir = cfg->kiosk.data_dir;

    if (script_path) {
        script_text = read_text_file(script_path);
        if (!script_text) {
            fprintf(stderr, "%s: cannot read: %s\n", script_path, strerror(errno));
            goto out;
        }
        if (am_script_parse(script_path, script_text, &script, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            status = EXIT_USAGE;
            goto out;
        }
    }

    if (!headless)
        no_bus_autolaunch();
    if (make_dirs(data_dir) != 0) {
        fprintf(stderr, "amends-kiosk: %s: cannot create data directory: %s\n", data_dir,
                strerror(errno));
        goto out;
    }
    lock_fd = lock_data_dir(data_dir);
    if (lock_fd < 0)
        goto out;
    if (am_app_open(cfg, data_dir, 0, &app, err, sizeof err)) {
        fprintf(stderr, "amends-kiosk: %s\n", err);
        goto out;
    }
    if (script) {
        int64_t script_ms = 0;
        for (size_t i = 0; i < script->count; i++)
            script_ms += script->cmds[i].op == AM_OP_WAIT ? script->cmds[i].wait_ms : 0;
        /* Test hook, honoured by headless scripts only: the wall time the
         * script starts at (ms since the epoch), e.g. just before midnight
         * for the daily budget's tests. */
        const char *test_wall = getenv("AMENDS_TEST_WALL_MS");
        if (test_wall && test_wall[0]) {
            char *end;
            errno = 0;
            long long wall = strtoll(test_wall, &end, 10);
            if (errno || *end || wall <= 0) {
                fprintf(stderr, "amends-kiosk: AMENDS_TEST_WALL_MS=%s: not a time in ms\n",
                        test_wall);
                goto out;
            }
            am_app_set_wall_clock(app, (int64_t)wall, 0);
            am_log_warn("kiosk", "test clock: the script starts at wall time %lld ms", wall);
        } else {
            am_app_backdate(app, script_ms);
        }
    }
    /* After the store is open (it has repaired what a crash left), before
     * the screen: records kept while the window comes up go out meanwhile.
     * A worker that cannot start is logged and the kiosk runs on: every
     * report is kept in the store until sync works again. */
    am_sync_options so;
    /* The time zone is read once here, before the worker's thread exists:
     * glibc sets it up lazily from whichever thread asks first, and the
     * worker's TLS library asks too. */
    tzset();
    if (am_sync_options_from_config(cfg, &so) == AM_OK) {
        so.data_dir = data_dir; /* --data-dir wins over [kiosk] data_dir */
        if (am_sync_start(&so, &sync, err, sizeof err) != AM_OK)
            am_log_error("kiosk", "sync not started: %s; reports are kept on this device", err);
        am_app_set_sync(app, sync);
    } else {
        am_log_info("kiosk", "sync off ([sync] url is empty); reports are kept on this device");
    }
    am_ui_options uo = {
        .assets_dir = assets,
        .width = width,
        .height = height,
        .headless = headless,
        .fullscreen = !headless && !windowed,
        .accelerated = accelerated,
    };
    am_rc rc = am_ui_open(&uo, cfg, &ui, err, sizeof err);
    if (rc) {
        if (!headless && rc == AM_ERR_NOTFOUND) {
            fprintf(stderr,
                    "amends-kiosk: cannot open the kiosk window: %s.\n"
                    "Run the journey headless instead, on a virtual clock; it saves a PNG of\n"
                    "each screen in the current directory:\n"
                    "  %s --headless --script assets/demo/screens.script "
                    "--data-dir /tmp/amends-demo\n",
                    err, argv[0]);
        } else {
            fprintf(stderr, "amends-kiosk: %s\n", err);
        }
        goto out;
    }
    if (headless) {
        am_log_info("kiosk", "started %s, kiosk %s, %zu script commands", AM_VERSION, cfg->kiosk.id,
                    script->count);
        if (run_script(app, sync, ui, cfg, script) == 0) {
            am_log_info("kiosk", "script %s completed", script_path);
            status = EXIT_OK;
        }
        drain_outbox(app, sync, SCRIPT_DRAIN_MS);
    } else {
        int w, h;
        am_render_size(am_ui_renderer(ui), &w, &h);
        am_log_info("kiosk", "started %s, kiosk %s, screen %dx%d", AM_VERSION, cfg->kiosk.id, w, h);
        status = run_screen(app, ui, cfg) == 0 ? EXIT_OK : EXIT_FAIL;
        am_log_info("kiosk", "stopped");
    }
out:
    /* The worker first: it may be sending, and stopping is bounded. */
    am_sync_stop(sync);
    am_ui_close(ui);
    am_app_close(app);
    am_script_free(script);
    free(script_text);
    am_config_free(cfg);
    if (lock_fd >= 0)
        close(lock_fd);
    return status;
}
