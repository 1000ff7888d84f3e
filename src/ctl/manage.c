/* manage.c — `amendsctl requeue`, `purge` and `pin set`: the only
 * commands that open the store read-write.
 *
 * They are safe beside a running kiosk: the store's writers lock
 * (DIR/amends.db-writers, see src/store/store.c) means a second read-write
 * handle never repairs, so an open journey stays open; every write is one
 * short BEGIN IMMEDIATE transaction that waits out the kiosk's own (busy
 * timeout) and never runs while a PIN is being hashed. They refuse to run
 * as a user other than the store file's owner, so no file they create
 * (the WAL, the lock file) ends up unreadable to the kiosk. */
#include "manage.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "amends/clock.h"
#include "amends/store.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

#define PIN_MIN_DIGITS 4
#define PIN_MAX_DIGITS 12
/* Argon2id cost for the PIN: libsodium's "interactive" limits (2 passes,
 * 64 MiB, one thread). Measured: 66-70 ms and 68 MB peak RSS for the whole
 * `amendsctl pin set` on one x86-64 server core; a Raspberry Pi 4 is
 * several times slower at memory-hard work (not measured on one yet:
 * expect well under a second). The kiosk pays the same per check, which
 * also slows guessing against a copied store; 64 MiB fits any Pi with
 * 512 MB or more. */
#define PIN_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define PIN_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

static void format_local(int64_t ms, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%d %H:%M", &tm);
}

static int parse_format(const char *cmd, const char *s, bool *json)
{
    if (strcmp(s, "json") == 0 || strcmp(s, "text") == 0) {
        *json = s[0] == 'j';
        return 0;
    }
    fprintf(stderr, "amendsctl %s: --format must be text or json, not '%s'\n", cmd, s);
    return -1;
}

/* Prints and frees a JSON document. */
static int print_json(cJSON *doc)
{
    char *text = doc ? cJSON_Print(doc) : NULL;
    cJSON_Delete(doc);
    if (!text)
        return EXIT_FAIL;
    printf("%s\n", text);
    free(text);
    return ferror(stdout) ? EXIT_FAIL : EXIT_OK;
}

/* Opens an existing store read-write, as its owner only. */
static int open_store_rw(const char *cmd, const char *data_dir, am_store **st)
{
    char path[AM_PATH_MAX + 32], err[1024];
    struct stat sb;
    *st = NULL;
    snprintf(path, sizeof path, "%s/%s", data_dir, AM_STORE_FILE);
    if (stat(path, &sb) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            fprintf(stderr, "amendsctl %s: no store at %s\n", cmd, path);
        else
            fprintf(stderr, "amendsctl %s: %s: %s\n", cmd, path, strerror(errno));
        return EXIT_FAIL;
    }
    if (sb.st_uid != geteuid()) {
        struct passwd *pw = getpwuid(sb.st_uid);
        char owner[64];
        if (pw)
            snprintf(owner, sizeof owner, "%s", pw->pw_name);
        else
            snprintf(owner, sizeof owner, "%lu", (unsigned long)sb.st_uid);
        fprintf(stderr,
                "amendsctl %s: %s belongs to user %s; run this as that user (sudo -u %s "
                "amendsctl %s ...) so the kiosk can still use every file the store writes\n",
                cmd, path, owner, owner, cmd);
        return EXIT_FAIL;
    }
    if (am_store_open(data_dir, AM_STORE_READWRITE, am_wall_ms(), st, err, sizeof err)) {
        fprintf(stderr, "amendsctl %s: %s\n", cmd, err);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

/* ---- requeue ------------------------------------------------------------ */

static const char requeue_help[] =
    "Usage: amendsctl requeue [--format text|json]\n"
    "Puts every quarantined record (one the hub refused) back in the outbox as\n"
    "pending, so the kiosk's sync worker sends it again on its next pass. Fix the\n"
    "reason first (see 'amendsctl sync-log'). Safe while the kiosk runs.\n"
    "\n"
    "Exit status: 0 ok (also when nothing was quarantined), 1 failure, 2 usage.\n";

int am_ctl_requeue(const char *data_dir, const am_config *cfg, int argc, char **argv)
{
    bool json = false;
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int o;
    (void)cfg;
    optind = 0;
    while ((o = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
        if (o == 'h') {
            fputs(requeue_help, stdout);
            return EXIT_OK;
        }
        if (o != 'f' || parse_format("requeue", optarg, &json))
            return EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr, "amendsctl requeue: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    am_store *st;
    if (open_store_rw("requeue", data_dir, &st))
        return EXIT_FAIL;
    int count = 0;
    if (am_store_outbox_requeue(st, &count)) {
        fprintf(stderr, "amendsctl requeue: %s\n", am_store_errmsg(st));
        am_store_close(st);
        return EXIT_FAIL;
    }
    am_store_close(st);
    if (json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "requeued", count);
        return print_json(doc);
    }
    if (count == 0)
        printf("nothing to requeue: no record is quarantined\n");
    else
        printf("requeued %d record(s): pending again; the kiosk sends them on its next "
               "sync\n",
               count);
    return ferror(stdout) ? EXIT_FAIL : EXIT_OK;
}

/* ---- purge -------------------------------------------------------------- */

static const char purge_help[] =
    "Usage: amendsctl purge [--dry-run] [--days N] [--format text|json]\n"
    "Removes the personal data (first name, description, resolution text, comment,\n"
    "contact) of journeys the hub received more than N days ago. N is [store]\n"
    "retention_days of --config unless --days gives it. What is not personal stays\n"
    "(category, severity, outcome, rating, offer, consent, times) and the journey is\n"
    "marked purged. A journey the hub does not have yet (pending, inflight,\n"
    "quarantined or still open) is never touched, however old.\n"
    "\n"
    "The text is overwritten in the database file and the write-ahead log is\n"
    "emptied, so it cannot be recovered from the file. Safe while the kiosk runs.\n"
    "\n"
    "Options:\n"
    "  -n, --dry-run        list what would be purged; change nothing (read-only)\n"
    "      --days N         retention in days, 0 to 3650 (default: retention_days)\n"
    "  -f, --format FORMAT  text (default) or json\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 ok (also when nothing was due), 1 failure, 2 usage error.\n";

struct purge_ctx {
    bool json;
    bool list_text;
    cJSON *array;
    int64_t count;
};

static int purge_item(const am_purge_item *item, void *ud)
{
    struct purge_ctx *pc = ud;
    pc->count++;
    if (pc->json) {
        char closed[40], synced[40];
        am_format_utc(item->closed_at_ms, closed, sizeof closed);
        am_format_utc(item->synced_at_ms, synced, sizeof synced);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", item->id);
        cJSON_AddStringToObject(o, "closed", closed);
        cJSON_AddStringToObject(o, "synced", synced);
        cJSON_AddItemToArray(pc->array, o);
    } else if (pc->list_text) {
        char closed[40], synced[40];
        format_local(item->closed_at_ms, closed, sizeof closed);
        format_local(item->synced_at_ms, synced, sizeof synced);
        printf("%-36s  %-16s  %s\n", item->id, closed, synced);
    }
    return 0;
}

int am_ctl_purge(const char *data_dir, const am_config *cfg, int argc, char **argv)
{
    bool json = false, dry_run = false;
    long days = cfg->store.retention_days;
    static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'},
                                         {"days", required_argument, NULL, 'D'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "nf:h", opts, NULL)) != -1) {
        switch (o) {
        case 'h':
            fputs(purge_help, stdout);
            return EXIT_OK;
        case 'n':
            dry_run = true;
            break;
        case 'D': {
            char *end;
            errno = 0;
            days = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || days < 0 || days > 3650) {
                fprintf(stderr, "amendsctl purge: --days must be 0 to 3650, not '%s'\n", optarg);
                return EXIT_USAGE;
            }
            break;
        }
        case 'f':
            if (parse_format("purge", optarg, &json))
                return EXIT_USAGE;
            break;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "amendsctl purge: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }

    int64_t now = am_wall_ms();
    int64_t cutoff = now - (int64_t)days * 86400 * 1000;
    char cutoff_text[40], err[1024];
    struct purge_ctx pc = {.json = json, .list_text = dry_run && !json};
    int64_t unsynced = 0, purged = 0;
    bool file_clean = false;
    am_store *st = NULL;
    am_rc rc;
    if (json)
        pc.array = cJSON_CreateArray();
    if (dry_run) {
        /* Changes nothing, so it needs no write access at all. */
        if (am_store_open(data_dir, AM_STORE_READONLY, now, &st, err, sizeof err)) {
            fprintf(stderr, "amendsctl purge: %s\n", err);
            cJSON_Delete(pc.array);
            return EXIT_FAIL;
        }
        if (pc.list_text)
            printf("%-36s  %-16s  %s\n", "journey", "closed", "synced");
        rc = am_store_purge_each(st, cutoff, purge_item, &pc, &unsynced);
        purged = pc.count;
    } else {
        if (open_store_rw("purge", data_dir, &st)) {
            cJSON_Delete(pc.array);
            return EXIT_FAIL;
        }
        /* The list and the purge in one transaction: they name the same
         * journeys even if the kiosk syncs meanwhile. */
        rc = am_store_begin(st);
        if (!rc)
            rc = am_store_purge_each(st, cutoff, purge_item, &pc, &unsynced);
        if (!rc)
            rc = am_store_purge(st, cutoff, now, &purged);
        if (!rc)
            rc = am_store_commit(st);
        else
            am_store_rollback(st);
        if (!rc)
            rc = am_store_purge_flush(st, &file_clean);
    }
    if (rc) {
        fprintf(stderr, "amendsctl purge: %s\n", am_store_errmsg(st));
        am_store_close(st);
        cJSON_Delete(pc.array);
        return EXIT_FAIL;
    }
    am_store_close(st);

    if (json) {
        am_format_utc(cutoff, cutoff_text, sizeof cutoff_text);
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddBoolToObject(doc, "dry_run", dry_run);
        cJSON_AddNumberToObject(doc, "retention_days", (double)days);
        cJSON_AddStringToObject(doc, "synced_before", cutoff_text);
        cJSON_AddNumberToObject(doc, dry_run ? "would_purge" : "purged", (double)purged);
        cJSON_AddNumberToObject(doc, "kept_unsynced", (double)unsynced);
        if (!dry_run)
            cJSON_AddBoolToObject(doc, "file_clean", file_clean);
        cJSON_AddItemToObject(doc, "journeys", pc.array);
        return print_json(doc);
    }
    format_local(cutoff, cutoff_text, sizeof cutoff_text);
    if (dry_run) {
        if (purged == 0)
            printf("(none)\n");
        printf("would purge %lld journey(s) synced before %s (retention %ld days); dry run, "
               "nothing changed\n",
               (long long)purged, cutoff_text, days);
    } else {
        printf("purged the personal data of %lld journey(s) synced before %s (retention %ld "
               "days)\n",
               (long long)purged, cutoff_text, days);
        if (purged > 0 && !file_clean)
            printf("note: the kiosk was reading the store, so the write-ahead log still holds "
                   "old pages until its next checkpoint; run purge again later to be sure\n");
    }
    if (unsynced > 0)
        printf("kept %lld older journey(s) the hub does not have yet (see 'amendsctl "
               "status')\n",
               (long long)unsynced);
    return ferror(stdout) ? EXIT_FAIL : EXIT_OK;
}

/* ---- pin set ------------------------------------------------------------ */

static const char pin_help[] =
    "Usage: amendsctl pin set [--format text|json]\n"
    "Sets the PIN that opens manager mode on the kiosk: 4 to 12 digits, asked\n"
    "twice without echo. When standard input is not a terminal (a script), the\n"
    "first line is the PIN and a second line, if any, must repeat it. The PIN is\n"
    "kept only as an Argon2id hash (libsodium, 2 passes, 64 MiB; well under a\n"
    "second even on a Raspberry Pi). Setting a PIN also clears the failure counter and any\n"
    "lockout. Safe while the kiosk runs; the kiosk uses the new PIN at its next\n"
    "check.\n"
    "\n"
    "Exit status: 0 ok, 1 failure, 2 usage error (including a PIN that is not 4 to\n"
    "12 digits, or two entries that differ).\n";

/* Reads one line into buf without its newline. 0 ok, -1 end of input,
 * -2 too long (the rest of the line is consumed and wiped). */
static int read_line(FILE *in, char *buf, size_t len)
{
    size_t n = 0;
    int ch;
    bool too_long = false;
    while ((ch = fgetc(in)) != EOF && ch != '\n') {
        if (n + 1 < len)
            buf[n++] = (char)ch;
        else
            too_long = true;
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    if (too_long) {
        sodium_memzero(buf, len);
        return -2;
    }
    if (ch == EOF && n == 0)
        return -1;
    return 0;
}

/* Asks on the terminal with echo off. */
static int read_secret_tty(const char *prompt, char *buf, size_t len)
{
    struct termios old, quiet;
    if (tcgetattr(STDIN_FILENO, &old) != 0)
        return -1;
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    quiet.c_lflag |= ECHONL;
    fputs(prompt, stderr);
    fflush(stderr);
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
        return -1;
    int r = read_line(stdin, buf, len);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    return r;
}

static bool pin_valid(const char *pin)
{
    size_t n = strlen(pin);
    if (n < PIN_MIN_DIGITS || n > PIN_MAX_DIGITS)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (pin[i] < '0' || pin[i] > '9')
            return false;
    }
    return true;
}

/* Reads the PIN twice into pin (repeat is scratch); EXIT_OK or why not. */
static int read_new_pin(char *pin, char *repeat, size_t len)
{
    bool tty = isatty(STDIN_FILENO);
    int r = tty ? read_secret_tty("New manager PIN (4 to 12 digits): ", pin, len)
                : read_line(stdin, pin, len);
    if (r == -1) {
        fprintf(stderr, "amendsctl pin set: no PIN given%s\n",
                tty ? "" : " (standard input was empty)");
        return EXIT_USAGE;
    }
    if (r == -2 || !pin_valid(pin)) {
        fprintf(stderr, "amendsctl pin set: the PIN must be 4 to 12 digits (0-9), nothing "
                        "else; nothing changed\n");
        return EXIT_USAGE;
    }
    r = tty ? read_secret_tty("Repeat it: ", repeat, len) : read_line(stdin, repeat, len);
    if (r == -1 && !tty)
        return EXIT_OK; /* a script may give the PIN once */
    if (r != 0 || strcmp(pin, repeat) != 0) {
        fprintf(stderr, "amendsctl pin set: the two entries differ; nothing changed\n");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int cmd_pin_set(const char *data_dir, int argc, char **argv)
{
    bool json = false;
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
        if (o == 'h') {
            fputs(pin_help, stdout);
            return EXIT_OK;
        }
        if (o != 'f' || parse_format("pin set", optarg, &json))
            return EXIT_USAGE;
    }
    if (optind < argc) {
        fprintf(stderr,
                "amendsctl pin set: unexpected argument '%s' (the PIN is read from "
                "the terminal or standard input, never the command line)\n",
                argv[optind]);
        return EXIT_USAGE;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "amendsctl pin set: libsodium failed to initialise\n");
        return EXIT_FAIL;
    }
    /* Before asking for the PIN: a missing store or a wrong user is
     * better said before the manager types anything. */
    am_store *st;
    if (open_store_rw("pin set", data_dir, &st))
        return EXIT_FAIL;
    am_store_close(st);

    char pin[PIN_MAX_DIGITS + 2], repeat[PIN_MAX_DIGITS + 2];
    char hash[crypto_pwhash_STRBYTES];
    int status = read_new_pin(pin, repeat, sizeof pin);
    int64_t hash_ms = 0;
    if (status == EXIT_OK) {
        int64_t started = am_mono_ms();
        if (crypto_pwhash_str(hash, pin, strlen(pin), PIN_OPSLIMIT, PIN_MEMLIMIT) != 0) {
            fprintf(stderr,
                    "amendsctl pin set: hashing the PIN needs %zu MiB of memory and "
                    "could not get it\n",
                    (size_t)PIN_MEMLIMIT >> 20);
            status = EXIT_FAIL;
        }
        hash_ms = am_mono_ms() - started;
    }
    sodium_memzero(pin, sizeof pin);
    sodium_memzero(repeat, sizeof repeat);
    if (status != EXIT_OK)
        return status;

    /* The store is held only for the short write, not while hashing. */
    _Static_assert(crypto_pwhash_STRBYTES <= AM_PIN_HASH_MAX, "AM_PIN_HASH_MAX too small");
    if (open_store_rw("pin set", data_dir, &st))
        return EXIT_FAIL;
    if (am_store_manager_pin_set(st, hash)) {
        fprintf(stderr, "amendsctl pin set: %s\n", am_store_errmsg(st));
        am_store_close(st);
        return EXIT_FAIL;
    }
    am_store_close(st);
    sodium_memzero(hash, sizeof hash);

    if (json) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddBoolToObject(doc, "pin_set", true);
        cJSON_AddStringToObject(doc, "algorithm", "argon2id");
        cJSON_AddNumberToObject(doc, "opslimit", (double)PIN_OPSLIMIT);
        cJSON_AddNumberToObject(doc, "memlimit_bytes", (double)PIN_MEMLIMIT);
        cJSON_AddNumberToObject(doc, "hash_ms", (double)hash_ms);
        cJSON_AddBoolToObject(doc, "failures_cleared", true);
        return print_json(doc);
    }
    printf("manager PIN set (Argon2id, %llu passes, %zu MiB; hashing took %lld ms); failure "
           "counter and lockout cleared\n",
           (unsigned long long)PIN_OPSLIMIT, (size_t)PIN_MEMLIMIT >> 20, (long long)hash_ms);
    return ferror(stdout) ? EXIT_FAIL : EXIT_OK;
}

int am_ctl_pin(const char *data_dir, const am_config *cfg, int argc, char **argv)
{
    (void)cfg;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(pin_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "set") == 0)
        return cmd_pin_set(data_dir, argc - 1, argv + 1);
    fprintf(stderr, "amendsctl pin: unknown subcommand '%s' (set)\n", argv[1]);
    return EXIT_USAGE;
}
