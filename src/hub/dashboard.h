/* dashboard.h — the manager's HTML dashboard: sign-in, sessions and pages.
 *
 * The pages: /, /kiosks/{id}, /login, /login/once/{code}, /logout,
 * /alerts/{id}/ack, /logout/everywhere, /password/{code}, /vouchers and
 * /vouchers/redeem (the voucher desk) and /audit (hub_server.c routes them
 * here). A person signs in at /login with their name and password (or an
 * API token, or a one-time login link made with the token through
 * POST /v1/login-link); the browser then holds a session
 * cookie (HttpOnly, Secure, SameSite=Strict) whose random id the hub keeps
 * only hashed. Every state-changing form carries the session's CSRF token.
 * Pages use no scripts and no external assets; every value from the
 * database is escaped (html.h). docs/hub.md describes the pages.
 */
#ifndef AMENDS_HUB_DASHBOARD_H
#define AMENDS_HUB_DASHBOARD_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/error.h"
#include "hub_auth.h"
#include "hub_config.h"
#include "hub_db.h"

typedef struct hub_dash hub_dash;

/* Largest form body the dashboard reads. */
#define HUB_DASH_BODY_MAX 32768

/* Borrows cfg and db, which must outlive it. NULL when out of memory. */
hub_dash *hub_dash_new(const hub_config *cfg, hub_db *db);
void hub_dash_free(hub_dash *d); /* accepts NULL */

/* The per-person limit on failed voucher checks the voucher desk shares
 * with the manager API (borrowed; must outlive d). */
void hub_dash_set_voucher_limit(hub_dash *d, hub_rate *voucher_fail);

/* Answers one dashboard request; body is the complete form body of a POST
 * (may be NULL). */
enum MHD_Result hub_dash_handle(hub_dash *d, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *body, size_t len);

/* The client's IP address as text ("unknown" when the connection has none). */
void hub_dash_client_address(struct MHD_Connection *conn, char *out, size_t outlen);

/* Makes a one-time login link for `manager`, valid for 60 s: *path gets
 * "/login/once/CODE". `audit` (may be NULL) is stored with it, in one
 * transaction. */
am_rc hub_dash_login_link(hub_dash *d, const char *manager, const hub_audit_entry *audit,
                          char *path, size_t pathlen, int64_t *expires_ms);

#endif
