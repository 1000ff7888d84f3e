/* main.c — amends-hub: the server, and the operator commands that
 * provision kiosks and managers against the same database.
 *
 *   amends-hub [--config FILE]                  run the hub
 *   amends-hub [--config FILE] kiosk add ID     new kiosk: token, secret and voucher key, shown
 * once amends-hub [--config FILE] kiosk voucher-key ID   voucher key for a kiosk added without one
 *   amends-hub [--config FILE] kiosk list       the fleet, as the manager API shows it
 *   amends-hub [--config FILE] manager add NAME new manager token, shown once
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "amends/proto.h"
#include "amends/version.h"
#include "amends/voucher.h"
#include "amends/webhook.h"
#include "hub_auth.h"
#include "hub_config.h"
#include "hub_db.h"
#include "hub_server.h"

#define DEFAULT_CONFIG "/etc/amends/hub.conf"

static const char usage_main[] =
    "usage: amends-hub [--config FILE] [COMMAND ...]\n"
    "\n"
    "Without a command, runs the hub: HTTPS ingest for kiosks and the manager API,\n"
    "until SIGTERM or SIGINT (then it stops accepting, finishes requests in flight\n"
    "and exits 0).\n"
    "\n"
    "commands:\n"
    "  kiosk add ID      provision a kiosk; prints its token, signing secret and voucher\n"
    "                    key once\n"
    "  kiosk voucher-key ID  a voucher key for a kiosk provisioned before vouchers\n"
    "  kiosk list        list provisioned kiosks and their health\n"
    "  manager add NAME  create a manager credential; prints its token once\n"
    "\n"
    "options:\n"
    "  --config FILE     hub configuration (default " DEFAULT_CONFIG ")\n"
    "  --help            this text (also after a command: amends-hub kiosk --help)\n"
    "  --version         print the version\n"
    "\n"
    "See docs/hub.md.\n";

static const char usage_kiosk[] =
    "usage: amends-hub [--config FILE] kiosk add ID\n"
    "       amends-hub [--config FILE] kiosk voucher-key ID\n"
    "       amends-hub [--config FILE] kiosk list\n"
    "\n"
    "add: ID is 1 to 64 of A-Z a-z 0-9 . _ - and must match the kiosk's [kiosk] id.\n"
    "Prints the bearer token, the whsec_ signing secret and the voucher key exactly\n"
    "once: put the token and secret in the kiosk's sync token_file and secret_file,\n"
    "and the voucher key (base64) decoded into /etc/amends/voucher.key, mode 0600:\n"
    "  (umask 077; printf '%s' KEY | base64 -d > /etc/amends/voucher.key)\n"
    "The hub keeps only the token's hash; it keeps the secret and the voucher key,\n"
    "which it needs to check signatures and vouchers.\n"
    "voucher-key: makes and prints (once) a voucher key for a kiosk that has none;\n"
    "never replaces one.\n"
    "list: prints the fleet as JSON (last seen, pending, quarantined, errors).\n";

static const char usage_manager[] =
    "usage: amends-hub [--config FILE] manager add NAME\n"
    "\n"
    "Creates a manager credential for the manager API (GET /v1/kiosks, /v1/feedback,\n"
    "...). NAME is 1 to 64 of A-Z a-z 0-9 . _ -. Prints the bearer token once; the hub\n"
    "keeps only its hash. Kiosk tokens never work for the manager API.\n";

/* A voucher key: 32 random bytes, standard base64 with padding (44
 * characters), so that `base64 -d` on the kiosk turns it into the key file. */
#define VOUCHER_KEY_B64                                                                            \
    sodium_base64_ENCODED_LEN(AM_VOUCHER_KEY_LEN, sodium_base64_VARIANT_ORIGINAL)

static void voucher_key_new(char out[VOUCHER_KEY_B64])
{
    unsigned char key[AM_VOUCHER_KEY_LEN];
    randombytes_buf(key, sizeof key);
    sodium_bin2base64(out, VOUCHER_KEY_B64, key, sizeof key, sodium_base64_VARIANT_ORIGINAL);
    sodium_memzero(key, sizeof key);
}

static int open_db(const char *config_path, hub_config *cfg, int connections, hub_db **db)
{
    char err[1024];
    if (hub_config_load(config_path, cfg, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: %s\n", err);
        return 2;
    }
    am_log_set_level(cfg->log_level);
    if (hub_db_open(cfg, connections, db, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: database: %s\n", err);
        return 1;
    }
    return 0;
}

static int cmd_kiosk(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512];
    int status = 2;
    if (argc >= 1 && !strcmp(argv[0], "--help")) {
        fputs(usage_kiosk, stdout);
        return 0;
    }
    if (argc == 2 && !strcmp(argv[0], "add")) {
        if (!strcmp(argv[1], "--help")) {
            fputs(usage_kiosk, stdout);
            return 0;
        }
        if (!am_proto_kiosk_id_valid(argv[1])) {
            fprintf(stderr,
                    "amends-hub: kiosk add: '%s' is not a kiosk id (1 to 64 of "
                    "A-Z a-z 0-9 . _ -)\n",
                    argv[1]);
            return 2;
        }
        status = open_db(config_path, &cfg, 1, &db);
        if (status)
            return status;
        char token[HUB_TOKEN_MAX], hash[HUB_HASH_HEX], secret[AM_WEBHOOK_SECRET_MAX];
        char vkey[VOUCHER_KEY_B64];
        hub_token_new(HUB_KIOSK_TOKEN_PREFIX, token);
        hub_token_hash(token, hash);
        am_webhook_secret_new(secret);
        voucher_key_new(vkey);
        if (hub_db_kiosk_add(db, argv[1], hash, secret, am_wall_ms(), err, sizeof err) != AM_OK) {
            fprintf(stderr, "amends-hub: kiosk add: %s\n", err);
            status = 1;
        } else if (hub_db_voucher_key_add(db, argv[1], vkey, am_wall_ms(), err, sizeof err) !=
                   AM_OK) {
            /* The kiosk exists and can sync; only its voucher key is missing. */
            printf("kiosk: %s\ntoken: %s\nsecret: %s\n", argv[1], token, secret);
            fprintf(stderr,
                    "amends-hub: kiosk add: storing the voucher key failed: %s\n"
                    "amends-hub: the kiosk was added; run 'kiosk voucher-key %s' to try again\n",
                    err, argv[1]);
            status = 1;
        } else {
            printf("kiosk: %s\ntoken: %s\nsecret: %s\nvoucher_key: %s\n", argv[1], token, secret,
                   vkey);
            fprintf(stderr, "amends-hub: shown once: put the token in the kiosk's token_file, "
                            "the secret in its secret_file and the voucher key, base64-decoded, "
                            "in /etc/amends/voucher.key (mode 0600); see docs/vouchers.md\n");
            status = 0;
        }
        sodium_memzero(token, sizeof token);
        sodium_memzero(secret, sizeof secret);
        sodium_memzero(vkey, sizeof vkey);
        hub_db_close(db);
        return status;
    }
    if (argc == 2 && !strcmp(argv[0], "voucher-key")) {
        if (!am_proto_kiosk_id_valid(argv[1])) {
            fprintf(stderr, "amends-hub: kiosk voucher-key: '%s' is not a kiosk id\n", argv[1]);
            return 2;
        }
        status = open_db(config_path, &cfg, 1, &db);
        if (status)
            return status;
        char vkey[VOUCHER_KEY_B64];
        voucher_key_new(vkey);
        if (hub_db_voucher_key_add(db, argv[1], vkey, am_wall_ms(), err, sizeof err) != AM_OK) {
            fprintf(stderr, "amends-hub: kiosk voucher-key: %s\n", err);
            status = 1;
        } else {
            printf("kiosk: %s\nvoucher_key: %s\n", argv[1], vkey);
            fprintf(stderr, "amends-hub: shown once: put the voucher key, base64-decoded, in "
                            "/etc/amends/voucher.key (mode 0600); see docs/vouchers.md\n");
            status = 0;
        }
        sodium_memzero(vkey, sizeof vkey);
        hub_db_close(db);
        return status;
    }
    if (argc == 1 && !strcmp(argv[0], "list")) {
        status = open_db(config_path, &cfg, 1, &db);
        if (status)
            return status;
        cJSON *kiosks = NULL;
        if (hub_db_kiosks(db, &kiosks) != AM_OK) {
            fprintf(stderr, "amends-hub: kiosk list: reading the database failed\n");
            status = 1;
        } else {
            char *text = cJSON_Print(kiosks);
            if (text)
                printf("%s\n", text);
            free(text);
            cJSON_Delete(kiosks);
            status = 0;
        }
        hub_db_close(db);
        return status;
    }
    fputs(usage_kiosk, stderr);
    return 2;
}

static int cmd_manager(const char *config_path, int argc, char **argv)
{
    hub_config cfg;
    hub_db *db = NULL;
    char err[512];
    if (argc >= 1 && !strcmp(argv[0], "--help")) {
        fputs(usage_manager, stdout);
        return 0;
    }
    if (argc != 2 || strcmp(argv[0], "add") != 0) {
        fputs(usage_manager, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help")) {
        fputs(usage_manager, stdout);
        return 0;
    }
    if (!am_proto_kiosk_id_valid(argv[1])) {
        fprintf(stderr,
                "amends-hub: manager add: '%s' is not a valid name (1 to 64 of "
                "A-Z a-z 0-9 . _ -)\n",
                argv[1]);
        return 2;
    }
    int status = open_db(config_path, &cfg, 1, &db);
    if (status)
        return status;
    char token[HUB_TOKEN_MAX], hash[HUB_HASH_HEX];
    hub_token_new(HUB_MANAGER_TOKEN_PREFIX, token);
    hub_token_hash(token, hash);
    if (hub_db_manager_add(db, argv[1], hash, am_wall_ms(), err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: manager add: %s\n", err);
        status = 1;
    } else {
        printf("manager: %s\ntoken: %s\n", argv[1], token);
        status = 0;
    }
    sodium_memzero(token, sizeof token);
    hub_db_close(db);
    return status;
}

static int serve(const char *config_path)
{
    hub_config cfg;
    hub_db *db = NULL;
    hub_server *server = NULL;
    char err[1024];
    int status;
    sigset_t stop;

    /* Block the stop signals before any thread starts, so that every
     * thread inherits the mask and only sigwait below sees them. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (hub_config_load(config_path, &cfg, err, sizeof err) != AM_OK) {
        fprintf(stderr, "amends-hub: %s\n", err);
        return 2;
    }
    am_log_set_level(cfg.log_level);
    status = open_db(config_path, &cfg, cfg.threads, &db);
    if (status)
        return status;
    if (hub_server_start(&cfg, db, &server, err, sizeof err) != AM_OK) {
        am_log_error("hub", "%s", err);
        hub_db_close(db);
        return 1;
    }
    /* "ready: URL" is the line tests and service managers wait for. */
    char host[sizeof cfg.listen];
    memcpy(host, cfg.listen, sizeof host);
    char *colon = strrchr(host, ':');
    if (colon)
        *colon = '\0';
    am_log_info("hub", "amends-hub %s (%s database, %d connections) ready: %s://%s:%u", AM_VERSION,
                cfg.backend == HUB_DB_POSTGRESQL ? "postgresql" : "sqlite", cfg.threads,
                cfg.tls ? "https" : "http", host, hub_server_port(server));

    int sig = 0;
    sigwait(&stop, &sig);
    am_log_info("hub", "%s: no new connections; finishing requests in flight",
                sig == SIGTERM ? "SIGTERM" : "SIGINT");
    int left = hub_server_stop(server, cfg.drain_timeout_s);
    hub_db_close(db);
    am_log_info("hub", "stopped%s", left ? " with requests unfinished" : " cleanly");
    return left ? 1 : 0;
}

int main(int argc, char **argv)
{
    const char *config_path = DEFAULT_CONFIG;
    int i = 1;
    am_log_set_ident("amends-hub");
    if (sodium_init() < 0) {
        fprintf(stderr, "amends-hub: libsodium failed to initialise\n");
        return 1;
    }
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(usage_main, stdout);
            return 0;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("amends-hub %s\n", AM_VERSION);
            return 0;
        }
        if (!strcmp(argv[i], "--config")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "amends-hub: --config needs a FILE\n");
                return 2;
            }
            config_path = argv[++i];
            continue;
        }
        break;
    }
    if (i == argc)
        return serve(config_path);
    if (!strcmp(argv[i], "kiosk"))
        return cmd_kiosk(config_path, argc - i - 1, argv + i + 1);
    if (!strcmp(argv[i], "manager"))
        return cmd_manager(config_path, argc - i - 1, argv + i + 1);
    fprintf(stderr, "amends-hub: unknown command or option '%s'\n\n%s", argv[i], usage_main);
    return 2;
}
