/* dashboard_internal.h — internal to the dashboard: what its two files
 * share. dashboard.c makes the pages and routes requests;
 * dashboard_session.c signs managers in and out, keeps their sessions and
 * checks every form's CSRF token and origin.
 */
#ifndef AMENDS_HUB_DASHBOARD_INTERNAL_H
#define AMENDS_HUB_DASHBOARD_INTERNAL_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "dashboard.h"
#include "html.h"
#include "hub_audit.h"
#include "hub_auth.h"

#define HUB_DASH_MOD "dashboard"

struct hub_dash {
    const hub_config *cfg;
    hub_db *db;
    hub_rate *login_fail;   /* failed sign-ins, per client address */
    hub_rate *voucher_fail; /* failed voucher checks, per person: the server's, borrowed */
};

/* A signed-in browser: who, the CSRF token its forms carry, and the hash
 * its session is stored under. Wipe it when the request is done. */
typedef struct web_session {
    char manager[128];
    char csrf[64];
    char id_hash[HUB_HASH_HEX];
    bool nav_vouchers, nav_audit, nav_trends, nav_notifications; /* the header links to the pages
                                                                  * the person may open */
} web_session;

/* --- pages (dashboard.c) ------------------------------------------------------------ */

/* Queues an HTML page; takes body (NULL: a plain 500 "out of memory").
 * cookie, location and retry_after are headers to add when not NULL. */
enum MHD_Result hub_dash_send_page(struct MHD_Connection *conn, unsigned status, char *body,
                                   const char *cookie, const char *location,
                                   const char *retry_after);
/* The top of every page, with the sign-out form when ws is not NULL. */
void hub_dash_page_start(hub_html *h, const char *title, const web_session *ws);
void hub_dash_page_end(hub_html *h);
/* The end of a page that shows no data (sign-in, passwords): no note on times. */
void hub_dash_page_end_plain(hub_html *h);
/* A short page with one message: errors, refusals. Carries no data. */
enum MHD_Result hub_dash_message_page(struct MHD_Connection *conn, unsigned status,
                                      const char *title, const char *text);
/* 403 for an action the role table refuses (site NULL: refused
 * everywhere). Carries no data. */
enum MHD_Result hub_dash_refused_page(struct MHD_Connection *conn, const hub_person *who,
                                      const char *action, const char *site);
/* 303 to location, setting cookie when not NULL. */
enum MHD_Result hub_dash_redirect(struct MHD_Connection *conn, const char *location,
                                  const char *cookie);

/* --- the voucher desk (dashboard_vouchers.c) and the audit page (dashboard_audit.c) --- */

/* GET /vouchers[?code=CODE]: the desk, with the verdict on CODE. */
enum MHD_Result hub_dash_voucher_desk(hub_dash *d, struct MHD_Connection *conn,
                                      const web_session *ws, const hub_person *who);
/* POST /vouchers/redeem (form already checked): code=CODE. */
enum MHD_Result hub_dash_voucher_redeem(hub_dash *d, struct MHD_Connection *conn,
                                        const web_session *ws, const hub_person *who,
                                        const char *body, size_t len);
/* GET /audit: the audit trail, filtered and paged as the query says. */
enum MHD_Result hub_dash_audit_page(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                    const hub_person *who);

/* GET /notifications: the outbox by site and the dead messages
 * (dashboard_notify.c). */
enum MHD_Result hub_dash_notifications_page(hub_dash *d, struct MHD_Connection *conn,
                                            const web_session *ws, const hub_person *who);
/* POST /notifications/{id}/retry (form already checked): a dead message
 * sent again. */
enum MHD_Result hub_dash_notification_retry(hub_dash *d, struct MHD_Connection *conn,
                                            const web_session *ws, const hub_person *who,
                                            const char *id);

/* --- cases (dashboard_cases.c) ---------------------------------------------------------- */

/* The front page's case queue: the cases `who` may see, filtered by the
 * query (site, team, state, overdue, mine), overdue and urgent first.
 * *overdue and *urgent count those shown. */
am_rc hub_dash_case_queue(hub_dash *d, struct MHD_Connection *conn, hub_html *h,
                          const hub_person *who, const cJSON *kiosks, int *overdue, int *urgent);
/* GET /cases/{id-or-code}: the case, its report, alerts, timeline and forms. */
enum MHD_Result hub_dash_case_page(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                   const hub_person *who, const char *key);
/* POST /cases/{id-or-code}/events (form already checked): one event, as
 * POST /v1/cases/{id}/events does it. */
enum MHD_Result hub_dash_case_event(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                    const hub_person *who, const char *key, const char *body,
                                    size_t len);
/* POST /alerts/{id}/ack once the alert's site is allowed: acknowledges the
 * alert's case (and with it its alerts); a case past acknowledging keeps
 * its state and the alert alone is marked. Answers with the case page. */
enum MHD_Result hub_dash_alert_case_ack(hub_dash *d, struct MHD_Connection *conn,
                                        const hub_person *who, const char *alert);

/* GET /trends[?site=S&days=N]: the site's trends (hub_trends.h), drawn
 * (dashboard_trends.c). */
enum MHD_Result hub_dash_trends_page(hub_dash *d, struct MHD_Connection *conn,
                                     const web_session *ws, const hub_person *who);

/* --- sessions, sign-in and CSRF (dashboard_session.c) ----------------------------- */

/* One field of an application/x-www-form-urlencoded body, decoded; false
 * when absent, malformed or longer than outlen - 1. */
bool hub_dash_form_value(const char *body, size_t len, const char *name, char *out, size_t outlen);

/* The session the request's cookie names: AM_OK, AM_ERR_NOTFOUND (no
 * cookie, not one of ours, or expired) or a database error. */
am_rc hub_dash_session_of(hub_dash *d, struct MHD_Connection *conn, web_session *ws);
/* True when a POST may act for ws: its Origin (if sent) is this hub and
 * its body carries the session's CSRF token. */
bool hub_dash_form_ok(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                      const char *body, size_t len);
/* GET /login: the form, with an error line when error is not NULL. */
enum MHD_Result hub_dash_login_page(struct MHD_Connection *conn, unsigned status, const char *error,
                                    const char *retry_after);
/* POST /login with a manager token; failures count against the client's
 * address. */
enum MHD_Result hub_dash_login(hub_dash *d, struct MHD_Connection *conn, const char *body,
                               size_t len);
/* GET /login/once/CODE: uses up a one-time login link. */
enum MHD_Result hub_dash_link(hub_dash *d, struct MHD_Connection *conn, const char *code);
/* Records a change made through the dashboard by actor ("" when unknown,
 * such as a failed sign-in) from the client's address (hub_audit.h). */
void hub_dash_audit(hub_dash *d, struct MHD_Connection *conn, const char *actor, const char *action,
                    const char *site, const char *target, const char *before, const char *after,
                    const char *detail);
/* The entry of such a change, for the database to write in the change's
 * own transaction; addr (HUB_DASH_ADDR_MAX) holds the address it points at. */
#define HUB_DASH_ADDR_MAX 64
hub_audit_entry hub_dash_entry(struct MHD_Connection *conn, char addr[HUB_DASH_ADDR_MAX],
                               const char *actor, const char *action, const char *site,
                               const char *target, const char *before, const char *after);
/* POST /logout (form already checked): ends the session, clears the cookie.
 * everywhere: ends every session of the person, in every browser. */
enum MHD_Result hub_dash_logout(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                bool everywhere);

/* The client's address as text ("unknown" when there is none). */
void hub_dash_client_address(struct MHD_Connection *conn, char *out, size_t outlen);
/* True when s looks like a session id or link code the hub makes (43
 * URL-safe base64 characters); nothing else is looked up. */
bool hub_dash_code_shaped(const char *s);
/* False when the request's Origin header names another site. */
bool hub_dash_origin_ok(hub_dash *d, struct MHD_Connection *conn);
/* The per-address limit on failures (sign-ins, links): true, with a 429
 * page queued in *ret, when the address must wait; count a failure with
 * hub_dash_login_failed. */
bool hub_dash_login_limited(hub_dash *d, struct MHD_Connection *conn, const char *addr,
                            enum MHD_Result *ret);
void hub_dash_login_failed(hub_dash *d, const char *addr);

/* --- people (dashboard_people.c) -------------------------------------------------------- */

/* GET /people, POST /people, POST /people/{name}/role and
 * /people/{name}/password-link, once the role table let `who` in (the
 * form's CSRF token is checked already). */
enum MHD_Result hub_dash_people(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                const hub_person *who, const char *url, bool post, const char *body,
                                size_t len);

/* --- setting a password (dashboard_password.c) ---------------------------------------- */

/* GET and POST /password/CODE: the form that sets a password with a
 * one-time link, and setting it. */
enum MHD_Result hub_dash_password(hub_dash *d, struct MHD_Connection *conn, const char *code,
                                  bool post, const char *body, size_t len);

#endif
