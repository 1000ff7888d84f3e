/* main.c — amends-kiosk: wiring, then either the screen or a headless
 * automation script. Every setup step is checked; the one reason a step
 * failed is logged; teardown happens in one place. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "amends/config_file.h"
#include "amends/log.h"
#include "amends/script.h"
#include "amends/version.h"
#include "amends/widget.h"
#include "app.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static void usage(FILE *to)
{
    fprintf(to, "Usage: amends-kiosk [OPTION]...\n"
                "The amends service-recovery kiosk: a guest reports what went wrong, hears a\n"
                "sincere apology, chooses the fix and rates the recovery.\n"
                "\n"
                "  -c, --config FILE     site configuration (default: built-in defaults)\n"
                "  -d, --data-dir DIR    where the store lives (default: [kiosk] data_dir)\n"
                "      --headless        no window: run a script on a virtual clock\n"
                "      --script FILE     automation script to run (with --headless)\n"
                "  -v, --verbose         log debug lines\n"
                "  -h, --help            show this help and exit\n"
                "  -V, --version         show the version and exit\n"
                "\n"
                "Script commands (one a line): tap ID, tap-at X Y, type TEXT, key NAME,\n"
                "wait SECONDS, expect SCREEN, expect-text TEXT, shot FILE.png.\n"
                "\n"
                "Exit status: 0 ok (script completed), 1 failure (config, store or a script\n"
                "step; the reason is printed as FILE:LINE: reason), 2 usage error.\n");
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
 * journey it has open. The lock dies with the process. */
static int lock_data_dir(const char *dir)
{
    char path[AM_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/kiosk.lock", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "amends-kiosk: %s: cannot open: %s\n", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            fprintf(stderr, "amends-kiosk: another amends-kiosk is already running on %s\n", dir);
        else
            fprintf(stderr, "amends-kiosk: %s: cannot lock: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static char *read_text_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            if (cap > (64u << 20))
                break; /* a script is never this large */
            char *grown = realloc(buf, cap ? cap * 2 : 8192);
            if (!grown)
                break;
            buf = grown;
            cap = cap ? cap * 2 : 8192;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0)
            break;
        len += n;
    }
    int failed = ferror(f) || !feof(f);
    fclose(f);
    if (failed || !buf) {
        free(buf);
        return NULL;
    }
    buf[len] = '\0';
    if (strlen(buf) != len) { /* a NUL byte inside */
        free(buf);
        errno = EINVAL;
        return NULL;
    }
    return buf;
}

/* The fields reachable with Tab on each screen, in order. */
static am_field next_field(am_screen screen, am_field current)
{
    static const am_field details[] = {AM_FIELD_DESCRIPTION, AM_FIELD_NAME};
    const am_field *order = NULL;
    size_t n = 0;
    static am_field single[1];
    switch (screen) {
    case AM_SCREEN_DETAILS:
        order = details;
        n = 2;
        break;
    case AM_SCREEN_RESOLUTION:
        single[0] = AM_FIELD_RESOLUTION_TEXT;
        order = single;
        n = 1;
        break;
    case AM_SCREEN_RATING:
        single[0] = AM_FIELD_COMMENT;
        order = single;
        n = 1;
        break;
    case AM_SCREEN_FOLLOWUP:
        single[0] = AM_FIELD_CONTACT;
        order = single;
        n = 1;
        break;
    default:
        return AM_FIELD_NONE;
    }
    for (size_t i = 0; i < n; i++) {
        if (order[i] == current)
            return order[(i + 1) % n];
    }
    return order[0];
}

/* The event a physical key makes on the current screen. */
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
        ev.type = AM_EV_BACKSPACE;
        break;
    case AM_KEY_TAB:
        ev.type = AM_EV_FOCUS;
        ev.value = (int)next_field(screen, am_journey_focus(j));
        break;
    }
    return ev;
}

/* Runs a parsed script on a virtual clock. Returns 0, or 1 with the reason
 * printed as FILE:LINE: reason. */
static int run_script(am_app *app, const am_config *cfg, const am_script *script)
{
    int64_t clock_ms = 0;
    for (size_t i = 0; i < script->count; i++) {
        const am_script_cmd *cmd = &script->cmds[i];
        const am_journey *j = am_app_journey(app);
        const char *screen = am_screen_id(am_journey_screen(j));
        am_event ev = {.type = AM_EV_TICK};
        switch (cmd->op) {
        case AM_OP_TAP:
            if (am_widget_event(cfg, cmd->arg, &ev) != 0) {
                fprintf(stderr, "%s:%d: tap %s: no such widget on %s\n", script->name, cmd->line,
                        cmd->arg, screen);
                return 1;
            }
            break;
        case AM_OP_TYPE:
            ev.type = AM_EV_TEXT;
            ev.text = cmd->arg;
            break;
        case AM_OP_KEY:
            ev = key_event(j, cmd->key);
            if (ev.type == AM_EV_FOCUS && ev.value == AM_FIELD_NONE) {
                fprintf(stderr, "%s:%d: key Tab: %s has no text field\n", script->name, cmd->line,
                        screen);
                return 1;
            }
            break;
        case AM_OP_WAIT:
            clock_ms += cmd->wait_ms;
            am_app_advance(app, clock_ms);
            continue;
        case AM_OP_EXPECT:
            if (strcmp(cmd->arg, screen) != 0) {
                fprintf(stderr, "%s:%d: expected screen %s, but %s is showing\n", script->name,
                        cmd->line, cmd->arg, screen);
                return 1;
            }
            continue;
        case AM_OP_TAP_AT:
        case AM_OP_EXPECT_TEXT:
        case AM_OP_SHOT:
            fprintf(stderr, "%s:%d: %s needs the kiosk screen, which this build does not have\n",
                    script->name, cmd->line, am_script_op_name(cmd->op));
            return 1;
        }
        ev.now_ms = clock_ms;
        am_step step = am_app_event(app, &ev);
        if (step != AM_STEP_OK) {
            static const char *const key_names[] = {"Return", "Escape", "BackSpace", "Tab"};
            char what[96];
            if (cmd->op == AM_OP_TAP)
                snprintf(what, sizeof what, "tap %s", cmd->arg);
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

int main(int argc, char **argv)
{
    const char *config_path = NULL, *data_dir = NULL, *script_path = NULL;
    bool headless = false, verbose = false;
    enum { OPT_HEADLESS = 256, OPT_SCRIPT };
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"data-dir", required_argument, NULL, 'd'},
        {"headless", no_argument, NULL, OPT_HEADLESS},
        {"script", required_argument, NULL, OPT_SCRIPT},
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
    if (!headless) {
        fprintf(stderr, "amends-kiosk: this build has no screen yet; run the journey headless:\n"
                        "  amends-kiosk --headless --script assets/demo/journey.script\n");
        return EXIT_USAGE;
    }
    if (!script_path) {
        fprintf(stderr, "amends-kiosk: --headless needs --script FILE\n");
        return EXIT_USAGE;
    }

    am_log_set_ident("amends-kiosk");
    int status = EXIT_FAIL;
    int lock_fd = -1;
    am_config *cfg = NULL;
    am_script *script = NULL;
    am_app *app = NULL;
    char *script_text = NULL;
    char err[1024];

    if (am_config_load(config_path, &cfg, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        goto out;
    }
    am_log_set_level(verbose ? AM_LOG_DEBUG : cfg->kiosk.log_level);
    if (!data_dir)
        data_dir = cfg->kiosk.data_dir;

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
    am_log_info("kiosk", "started %s, kiosk %s, %zu script commands", AM_VERSION, cfg->kiosk.id,
                script->count);
    if (run_script(app, cfg, script) == 0) {
        am_log_info("kiosk", "script %s completed", script_path);
        status = EXIT_OK;
    }
out:
    am_app_close(app);
    am_script_free(script);
    free(script_text);
    am_config_free(cfg);
    if (lock_fd >= 0)
        close(lock_fd);
    return status;
}
