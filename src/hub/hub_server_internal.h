/* hub_server_internal.h — what hub_server.c (dispatch, authentication,
 * limits) shares with its handlers in hub_server_ingest.c and
 * hub_server_api.c: the server and request state and the responses. */
#ifndef AMENDS_HUB_SERVER_INTERNAL_H
#define AMENDS_HUB_SERVER_INTERNAL_H

#include <microhttpd.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "amends/buf.h"
#include "amends/proto.h"
#include "dashboard.h"
#include "hub_auth.h"
#include "hub_server.h"

struct hub_server {
    const hub_config *cfg;
    hub_db *db;
    hub_rate *rate;
    hub_rate *voucher_fail; /* failed voucher checks, per person */
    hub_dash *dash;
    struct MHD_Daemon *daemon;
    char *cert_pem;
    char *key_pem;
    uint16_t port;
    atomic_int in_flight;
    _Atomic int64_t audit_purged_ms; /* when old audit entries were last purged */
    atomic_bool draining;
};

typedef enum route {
    R_NONE = 0,
    R_INGEST,
    R_KIOSKS,
    R_INGEST_LOG,
    R_FEEDBACK,
    R_FOLLOWUPS,
    R_ALERTS,
    R_ALERT_ACK,
    R_VOUCHER,
    R_VOUCHER_REDEEM,
    R_LOGIN_LINK,
    R_ME,
    R_AUDIT,
    R_CASES,              /* GET /v1/cases (hub_server_cases.c) */
    R_CASE,               /* GET /v1/cases/{id-or-code} */
    R_CASE_EVENTS,        /* POST /v1/cases/{id}/events */
    R_TRENDS,             /* GET /v1/trends (hub_server_cases.c) */
    R_NOTIFICATIONS,      /* GET /v1/notifications (hub_server_notify.c) */
    R_NOTIFICATION_RETRY, /* POST /v1/notifications/{id}/retry */
    R_DASHBOARD,          /* the HTML pages (dashboard.c); other paths stay 404 */
} route;

typedef struct request {
    route route;
    char path_id[AM_KIOSK_ID_MAX + AM_PROTO_UUID_LEN]; /* {id} from the path */
    bool answered;                                     /* response already queued */
    bool too_large;
    am_buf body;       /* guest text: capped, wiped when it grows or goes */
    hub_kiosk kiosk;   /* R_INGEST: the kiosk the token belongs to */
    hub_person person; /* the manager API: the token's owner, their role and scope */
} request;

/* Logs and refuses (403) action for p, at site when given. */
enum MHD_Result hub_http_forbidden(struct MHD_Connection *conn, const hub_person *p,
                                   const char *action, const char *site);

/* POST /v1/ingest, the body complete (hub_server_ingest.c). */
enum MHD_Result hub_http_handle_ingest(hub_server *s, struct MHD_Connection *conn, request *req);

/* The manager API reads (hub_server_api.c). */
enum MHD_Result hub_http_handle_manager(hub_server *s, struct MHD_Connection *conn, request *req);

/* Voucher check and redeem (hub_server_api.c). */
enum MHD_Result hub_http_handle_voucher(hub_server *s, struct MHD_Connection *conn, request *req);

/* Query parameters (hub_server_api.c): false, and the first unknown one
 * in bad, when the query has a parameter not in `allowed`; a parameter's
 * value (NULL when absent or empty); limit (1-10000, default 1000); a time
 * as ms, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (absent: 0). */
bool hub_http_args_ok(struct MHD_Connection *conn, const char *const *allowed, char *bad,
                      size_t badlen);
const char *hub_http_arg(struct MHD_Connection *conn, const char *name);
bool hub_http_parse_limit(const char *text, int *out);
bool hub_http_parse_since(const char *text, int64_t *out);

/* The cases API (hub_server_cases.c). */
enum MHD_Result hub_http_handle_trends(hub_server *s, struct MHD_Connection *conn,
                                       const request *req);
enum MHD_Result hub_http_handle_cases(hub_server *s, struct MHD_Connection *conn, request *req);
enum MHD_Result hub_http_handle_notifications(hub_server *s, struct MHD_Connection *conn,
                                              request *req);

/* Records a change the request's person made through the API (hub_audit.h);
 * purges entries past the retention now and then. NULL: none. */
void hub_http_audit(hub_server *s, struct MHD_Connection *conn, const request *req,
                    const char *action, const char *site, const char *target, const char *before,
                    const char *after);
/* The entry hub_http_audit would store, for a change that stores it in its
 * own transaction; addr (64 bytes) holds the address it points at. Also
 * purges entries past the retention now and then. */
hub_audit_entry hub_http_entry(hub_server *s, struct MHD_Connection *conn, const request *req,
                               char addr[64], const char *action, const char *site,
                               const char *target, const char *before, const char *after);

/* The request header name, or NULL. */
const char *hub_http_header(struct MHD_Connection *conn, const char *name);

/* Logs the refusal in the ingest log and answers it. */
enum MHD_Result hub_http_ingest_refuse(hub_server *s, struct MHD_Connection *conn, request *req,
                                       const char *batch, unsigned status, const char *code,
                                       const char *reason);

/* What route r does, as the role table names it. */
const char *hub_http_route_action(route r);

/* Queues body (taken over, freed) with its type and up to two extra headers. */
enum MHD_Result hub_http_send_body(struct MHD_Connection *conn, unsigned status, char *body,
                                   const char *content_type, const char *h1, const char *v1,
                                   const char *h2, const char *v2);

/* Queues root as a 200 JSON answer and frees it. */
enum MHD_Result hub_http_send_cjson(struct MHD_Connection *conn, cJSON *root);

/* Queues the answer for a failed query rc. */
enum MHD_Result hub_http_send_db_error(struct MHD_Connection *conn, am_rc rc);

/* Queues the JSON error {"error": code, "reason": fmt...} with one extra header. */
enum MHD_Result hub_http_send_error_h(struct MHD_Connection *conn, unsigned status,
                                      const char *code, const char *h1, const char *v1,
                                      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Queues a JSON body (taken over). */
enum MHD_Result hub_http_send_json(struct MHD_Connection *conn, unsigned status, char *body);

#define hub_http_send_error(conn, status, code, ...)                                               \
    hub_http_send_error_h(conn, status, code, NULL, NULL, __VA_ARGS__)

#endif
