/* hub_config.h — amends-hub's own configuration (INI, read with inih).
 *
 * The keys are one table in hub_config.c; docs/hub.md documents every
 * key and config/hub.conf shows each. Relative paths are taken relative
 * to the directory of the config file, so a hub directory can be moved
 * whole. Anything wrong stops loading with "FILE:LINE: key: reason".
 */
#ifndef AMENDS_HUB_CONFIG_H
#define AMENDS_HUB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "amends/error.h"
#include "amends/log.h"

#define HUB_PATH_MAX 1024

typedef enum hub_backend { HUB_DB_SQLITE = 0, HUB_DB_POSTGRESQL } hub_backend;

typedef struct hub_config {
    char source[HUB_PATH_MAX];
    /* [hub] */
    char listen[128]; /* as written: "127.0.0.1:8443", "[::1]:8443" */
    struct sockaddr_storage addr;
    socklen_t addr_len;
    bool loopback;
    bool tls;
    char cert[HUB_PATH_MAX];
    char key[HUB_PATH_MAX];
    int threads; /* database connections shared by the connection threads */
    size_t max_body_bytes;
    int rate_per_minute; /* per kiosk; 0 turns the limit off */
    int rate_burst;
    /* failed voucher checks (malformed, tampered, unknown) per manager */
    int voucher_fail_per_minute;
    int voucher_fail_burst;
    int drain_timeout_s;
    am_log_level log_level;
    /* [dashboard] */
    int silent_after_min;      /* a kiosk not heard from for longer stands out */
    int session_hours;         /* browser sessions expire this long after login */
    int chart_days;            /* days the trend charts cover, today included */
    int login_fail_per_minute; /* failed logins per client address */
    int login_fail_burst;
    /* failed password sign-ins, in the database: this many for one name, or
     * lockout_address_failures from one address, within lockout_minutes
     * lock it for lockout_minutes */
    int lockout_failures;
    int lockout_address_failures;
    int lockout_minutes;
    /* [audit] */
    int audit_retention_days; /* entries older than this are purged */
    /* [cases] */
    int case_low_rating;        /* a rating from 1 to this opens a case; 0: ratings open none */
    char case_root_causes[512]; /* the root causes a resolve may name: ids, comma-separated */
    int case_escalate_every_s;  /* how often the hub looks for overdue cases */
    /* [smtp]: where email notifications go (hub_mail.h); no url, no email */
    char smtp_url[512];
    char smtp_user[256];
    char smtp_password_file[HUB_PATH_MAX];
    char smtp_password[512]; /* read from password_file at load */
    char smtp_from[256];
    char smtp_ca_file[HUB_PATH_MAX];
    /* [notify] */
    char notify_public_url[256];      /* the dashboard's address, for links in messages; "" none */
    bool notify_allow_plain_loopback; /* http:// destinations on loopback (tests) */
    int notify_max_attempts;          /* sends of one message before it is dead */
    int notify_retry_base_ms;         /* the first retry's ceiling; doubles per attempt */
    int notify_retry_cap_s;           /* the longest wait between two attempts */
    int notify_poll_ms;               /* how often the dispatcher looks for due messages */
    int notify_lease_s;               /* a claimed message is another hub's again after this */
    int notify_timeout_s;             /* one send's time limit */
    /* [db] */
    hub_backend backend;
    char db_path[HUB_PATH_MAX];
    char conninfo[1024];
} hub_config;

/* The i-th key hub.conf may hold (section and name); false past the last.
 * For the test that every key is documented. */
bool hub_config_key_at(size_t i, const char **section, const char **key);

/* Fills cfg with the defaults, then reads `path`. On failure returns
 * AM_ERR_CONFIG with "FILE:LINE: key: reason" (or "FILE: reason") in err. */
am_rc hub_config_load(const char *path, hub_config *cfg, char *err, size_t errlen);

#endif
