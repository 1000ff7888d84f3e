/* voucher.c — `amendsctl voucher verify CODE` and `amendsctl voucher
 * keygen`. Verification is offline: the store is opened read-only and the
 * key comes from a file, so staff can check a code with the network down
 * and without disturbing the kiosk. */
#include "voucher.h"

#include <cjson/cJSON.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amends/clock.h"
#include "amends/store.h"
#include "amends/voucher.h"
#include "amends/voucher_store.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

static const char voucher_help[] =
    "Usage: amendsctl voucher verify CODE [--key FILE] [--format text|json]\n"
    "       amendsctl voucher keygen [--key FILE]\n"
    "\n"
    "verify   checks a voucher code offline against this kiosk's store and voucher\n"
    "         key. Case, spaces and dashes do not matter; O reads as 0, I and L as 1.\n"
    "         The answer is one of:\n"
    "           valid      genuine and not expired (offer, value, kiosk, expiry shown)\n"
    "           expired    genuine, but past its expiry date\n"
    "           tampered   the code does not match this kiosk's key: mistyped in more\n"
    "                      than one place, altered, or issued by another kiosk\n"
    "           unknown    made with this kiosk's key, but no record of it here\n"
    "           malformed  not a voucher code: wrong length, a character codes never\n"
    "                      use, or a typo caught by the check character\n"
    "         Whether a voucher was already redeemed is known only at the hub.\n"
    "keygen   creates a new voucher key file (32 random bytes, mode 0600); refuses to\n"
    "         replace an existing one. Give the hub a copy for this kiosk.\n"
    "\n"
    "Options:\n"
    "  -k, --key FILE       voucher key file (default: [budget] voucher_key_file of\n"
    "                       --config, else " AM_VOUCHER_DEFAULT_KEY "); it must be\n"
    "                       owned by the user running amendsctl, mode 0600/0400\n"
    "  -f, --format FORMAT  text (default) or json\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status of verify: 0 valid, 3 expired, 4 tampered, 5 unknown, 6 malformed;\n"
    "1 failure (no store, key file missing or refused), 2 usage error.\n";

static int status_exit(am_voucher_status s)
{
    switch (s) {
    case AM_VOUCHER_VALID:
        return EXIT_OK;
    case AM_VOUCHER_EXPIRED:
        return AM_CTL_EXIT_VOUCHER_EXPIRED;
    case AM_VOUCHER_TAMPERED:
        return AM_CTL_EXIT_VOUCHER_TAMPERED;
    case AM_VOUCHER_UNKNOWN:
        return AM_CTL_EXIT_VOUCHER_UNKNOWN;
    case AM_VOUCHER_MALFORMED:
    default:
        return AM_CTL_EXIT_VOUCHER_MALFORMED;
    }
}

static void format_time(int64_t ms, bool utc, char *buf, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (utc)
        gmtime_r(&t, &tm);
    else
        localtime_r(&t, &tm);
    strftime(buf, len, utc ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M", &tm);
}

/* "25.00 EUR" from minor units. */
static void format_value(int64_t minor, const char *currency, char *buf, size_t len)
{
    const char *sign = minor < 0 ? "-" : "";
    long long abs_minor = minor < 0 ? -(long long)minor : (long long)minor;
    snprintf(buf, len, "%s%lld.%02lld %s", sign, abs_minor / 100, abs_minor % 100, currency);
}

static const char *offer_text(const am_config *cfg, const char *offer_id)
{
    int i = am_config_offer_index(cfg, offer_id);
    return i >= 0 ? am_text_get(&cfg->offers[i].text, AM_LANG_EN) : "";
}

static int print_json(const am_config *cfg, const am_voucher_result *r, const char *input)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", am_voucher_status_name(r->status));
    cJSON_AddStringToObject(o, "code", r->code.text[0] ? r->code.text : input);
    cJSON_AddStringToObject(o, "reason", r->reason);
    if (r->status == AM_VOUCHER_VALID || r->status == AM_VOUCHER_EXPIRED) {
        char when[40], value[48];
        cJSON_AddStringToObject(o, "kiosk", r->rec.kiosk);
        cJSON_AddNumberToObject(o, "serial", (double)r->serial);
        cJSON_AddStringToObject(o, "offer", r->rec.offer_id);
        cJSON_AddStringToObject(o, "offer_text", offer_text(cfg, r->rec.offer_id));
        cJSON_AddNumberToObject(o, "value_minor", (double)r->rec.value_minor);
        format_value(r->rec.value_minor, cfg->budget.currency, value, sizeof value);
        cJSON_AddStringToObject(o, "value", value);
        cJSON_AddStringToObject(o, "currency", cfg->budget.currency);
        format_time(r->rec.created_ms, true, when, sizeof when);
        cJSON_AddStringToObject(o, "issued", when);
        format_time(r->rec.expires_ms, true, when, sizeof when);
        cJSON_AddStringToObject(o, "expires", when);
    } else if (r->status == AM_VOUCHER_UNKNOWN) {
        cJSON_AddNumberToObject(o, "serial", (double)r->serial);
    }
    char *text = cJSON_Print(o);
    cJSON_Delete(o);
    if (!text)
        return EXIT_FAIL;
    printf("%s\n", text);
    free(text);
    return 0;
}

static void print_text(const am_config *cfg, const am_voucher_result *r, const char *input)
{
    const char *code = r->code.text[0] ? r->code.text : input;
    switch (r->status) {
    case AM_VOUCHER_VALID:
    case AM_VOUCHER_EXPIRED: {
        char issued[40], expires[40], value[48];
        const char *text = offer_text(cfg, r->rec.offer_id);
        format_time(r->rec.created_ms, false, issued, sizeof issued);
        format_time(r->rec.expires_ms, false, expires, sizeof expires);
        format_value(r->rec.value_minor, cfg->budget.currency, value, sizeof value);
        printf("%s  %s\n", r->status == AM_VOUCHER_VALID ? "VALID  " : "EXPIRED", code);
        printf("offer    %s%s%s%s\n", r->rec.offer_id, text[0] ? " (" : "", text,
               text[0] ? ")" : "");
        printf("value    %s\n", value);
        printf("kiosk    %s, serial %lld\n", r->rec.kiosk, (long long)r->serial);
        printf("issued   %s\n", issued);
        printf("expires  %s%s\n", expires,
               r->status == AM_VOUCHER_EXPIRED ? " (expired: do not accept it)" : "");
        if (r->status == AM_VOUCHER_VALID)
            printf("note     checked offline: whether it was already redeemed is known only "
                   "at the hub\n");
        break;
    }
    case AM_VOUCHER_TAMPERED:
        printf("TAMPERED  %s\n%s\n", code, r->reason);
        break;
    case AM_VOUCHER_UNKNOWN:
        printf("UNKNOWN  %s\n%s\n", code, r->reason);
        break;
    case AM_VOUCHER_MALFORMED:
    default:
        printf("MALFORMED  %s\n%s\n", code, r->reason);
        break;
    }
}

/* The site's key file ([budget] voucher_key_file, which the configuration
 * defaults to AM_VOUCHER_DEFAULT_KEY). */
static const char *default_key(const am_config *cfg)
{
    return cfg && cfg->budget.voucher_key_file[0] ? cfg->budget.voucher_key_file
                                                  : AM_VOUCHER_DEFAULT_KEY;
}

static int cmd_verify(const char *data_dir, const am_config *cfg, int argc, char **argv)
{
    const char *key_path = default_key(cfg);
    bool json = false;
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "k:f:h", opts, NULL)) != -1) {
        switch (o) {
        case 'h':
            fputs(voucher_help, stdout);
            return EXIT_OK;
        case 'k':
            key_path = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0) {
                json = true;
            } else if (strcmp(optarg, "text") == 0) {
                json = false;
            } else {
                fprintf(stderr,
                        "amendsctl voucher verify: --format must be text or json, not "
                        "'%s'\n",
                        optarg);
                return EXIT_USAGE;
            }
            break;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "amendsctl voucher verify: give the code to check, e.g. "
                        "'amendsctl voucher verify 0A3K-7QX2-M9RD-4TWE'\n");
        return EXIT_USAGE;
    }
    /* A code read aloud is often typed in groups: "0A3K 7QX2 M9RD 4TWE". */
    char input[AM_VOUCHER_INPUT_MAX + 2] = "";
    for (int i = optind; i < argc; i++) {
        size_t used = strlen(input);
        int n = snprintf(input + used, sizeof input - used, "%s%s", i > optind ? " " : "", argv[i]);
        if (n < 0 || (size_t)n >= sizeof input - used)
            break; /* too long: the parser says so */
    }

    am_voucher_result result;
    am_voucher_key key;
    am_store *st = NULL;
    char err[1024];
    int status = EXIT_FAIL;

    /* A typo needs neither key nor store: say so even on a kiosk whose key
     * is missing. */
    memset(&result, 0, sizeof result);
    if (am_voucher_parse(input, &result.code, result.reason, sizeof result.reason) != AM_OK) {
        result.status = AM_VOUCHER_MALFORMED;
        goto answer;
    }
    if (am_voucher_key_load(key_path, &key, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amendsctl voucher verify: %s\n", err);
        return EXIT_FAIL;
    }
    if (am_store_open(data_dir, AM_STORE_READONLY, am_wall_ms(), &st, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amendsctl voucher verify: %s\n", err);
        am_voucher_key_wipe(&key);
        return EXIT_FAIL;
    }
    am_rc rc = am_voucher_verify_store(st, &key, cfg->kiosk.id, input, am_wall_ms(), &result, err,
                                       sizeof err);
    am_voucher_key_wipe(&key);
    am_store_close(st);
    if (rc != AM_OK) {
        fprintf(stderr, "amendsctl voucher verify: %s\n", err);
        return EXIT_FAIL;
    }
answer:
    if (json) {
        if (print_json(cfg, &result, input))
            return EXIT_FAIL;
    } else {
        print_text(cfg, &result, input);
    }
    status = status_exit(result.status);
    return ferror(stdout) ? EXIT_FAIL : status;
}

static int cmd_keygen(const am_config *cfg, int argc, char **argv)
{
    const char *key_path = default_key(cfg);
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int o;
    optind = 0;
    while ((o = getopt_long(argc, argv, "k:h", opts, NULL)) != -1) {
        if (o == 'h') {
            fputs(voucher_help, stdout);
            return EXIT_OK;
        }
        if (o != 'k')
            return EXIT_USAGE;
        key_path = optarg;
    }
    if (optind < argc) {
        fprintf(stderr, "amendsctl voucher keygen: unexpected argument '%s'\n", argv[optind]);
        return EXIT_USAGE;
    }
    char err[1024];
    if (am_voucher_key_generate(key_path, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amendsctl voucher keygen: %s\n", err);
        return EXIT_FAIL;
    }
    fprintf(stderr,
            "amendsctl: new voucher key in %s (mode 0600); copy it to the hub for this "
            "kiosk\n",
            key_path);
    return EXIT_OK;
}

int am_ctl_voucher(const char *data_dir, const am_config *cfg, int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(voucher_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (strcmp(argv[1], "verify") == 0)
        return cmd_verify(data_dir, cfg, argc - 1, argv + 1);
    if (strcmp(argv[1], "keygen") == 0)
        return cmd_keygen(cfg, argc - 1, argv + 1);
    fprintf(stderr, "amendsctl voucher: unknown subcommand '%s' (verify or keygen)\n", argv[1]);
    return EXIT_USAGE;
}
