/* dashboard_session.c — who may see the dashboard: signing in with a
 * manager token or a one-time login link, the session cookie (only its
 * hash is stored), the per-address limit on failed sign-ins, signing out,
 * and the CSRF token and Origin check every form passes. The pages are in
 * dashboard.c. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "dashboard_internal.h"
#include "hub_audit.h"
#include "hub_password.h"

#define COOKIE      "amends_session"
#define LINK_TTL_MS (60 * 1000)

/* --- sessions ---------------------------------------------------------------------------- */

void hub_dash_client_address(struct MHD_Connection *conn, char *out, size_t outlen)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, outlen, "unknown");
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)outlen);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)outlen);
}

hub_audit_entry hub_dash_entry(struct MHD_Connection *conn, char addr[HUB_DASH_ADDR_MAX],
                               const char *actor, const char *action, const char *site,
                               const char *target, const char *before, const char *after)
{
    hub_dash_client_address(conn, addr, HUB_DASH_ADDR_MAX);
    hub_audit_entry e = {.at_ms = am_wall_ms(),
                         .actor = actor,
                         .via = "dashboard",
                         .address = addr,
                         .action = action,
                         .site = site,
                         .target = target,
                         .before = before,
                         .after = after};
    return e;
}

void hub_dash_audit(hub_dash *d, struct MHD_Connection *conn, const char *actor, const char *action,
                    const char *site, const char *target, const char *before, const char *after,
                    const char *detail)
{
    char addr[HUB_DASH_ADDR_MAX];
    hub_audit_entry e = hub_dash_entry(conn, addr, actor, action, site, target, before, after);
    e.detail = detail;
    hub_audit(d->db, &e);
}

/* A session id or link code as the hub makes them: 43 URL-safe base64
 * characters (32 random bytes). Anything else is not looked up. */
bool hub_dash_code_shaped(const char *s)
{
    return s && strlen(s) == 43 &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") == 43;
}

am_rc hub_dash_session_of(hub_dash *d, struct MHD_Connection *conn, web_session *ws)
{
    memset(ws, 0, sizeof *ws);
    const char *id = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, COOKIE);
    if (!hub_dash_code_shaped(id))
        return AM_ERR_NOTFOUND;
    hub_token_hash(id, ws->id_hash);
    return hub_db_web_session(d->db, ws->id_hash, am_wall_ms(), ws->manager, sizeof ws->manager,
                              ws->csrf, sizeof ws->csrf);
}

/* Starts a session for `manager`, its audit entry in the same
 * transaction: *cookie gets the Set-Cookie value. */
static am_rc session_start(hub_dash *d, const char *manager, const hub_audit_entry *audit,
                           char *cookie, size_t cookielen)
{
    char id[HUB_TOKEN_MAX], csrf[HUB_TOKEN_MAX], hash[HUB_HASH_HEX];
    int64_t now = am_wall_ms(), ttl_s = (int64_t)d->cfg->session_hours * 3600;
    hub_token_new("", id);
    hub_token_new("", csrf);
    hub_token_hash(id, hash);
    am_rc rc = hub_db_web_add(d->db, hash, false, manager, csrf, now, now + ttl_s * 1000, audit);
    if (!rc)
        snprintf(cookie, cookielen,
                 COOKIE "=%s; Path=/; Max-Age=%lld; HttpOnly; Secure; SameSite=Strict", id,
                 (long long)ttl_s);
    sodium_memzero(id, sizeof id);
    return rc;
}

static const char clear_cookie[] = COOKIE "=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict";

am_rc hub_dash_login_link(hub_dash *d, const char *manager, const hub_audit_entry *audit,
                          char *path, size_t pathlen, int64_t *expires_ms)
{
    char code[HUB_TOKEN_MAX], hash[HUB_HASH_HEX];
    int64_t now = am_wall_ms();
    hub_token_new("", code);
    hub_token_hash(code, hash);
    *expires_ms = now + LINK_TTL_MS;
    am_rc rc = hub_db_web_add(d->db, hash, true, manager, "", now, *expires_ms, audit);
    if (!rc)
        snprintf(path, pathlen, "/login/once/%s", code);
    sodium_memzero(code, sizeof code);
    return rc;
}

/* One field of an application/x-www-form-urlencoded body, decoded; false
 * when absent, malformed or longer than outlen - 1. */
bool hub_dash_form_value(const char *body, size_t len, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    const char *p = body, *end = body ? body + len : NULL;
    while (p && p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if ((size_t)(stop - p) > nlen && !memcmp(p, name, nlen) && p[nlen] == '=') {
            size_t o = 0;
            for (const char *q = p + nlen + 1; q < stop; q++) {
                char c = *q;
                if (c == '+') {
                    c = ' ';
                } else if (c == '%') {
                    unsigned v;
                    char hex[3] = {0};
                    if (stop - q < 3)
                        return false;
                    memcpy(hex, q + 1, 2);
                    if (strspn(hex, "0123456789abcdefABCDEF") != 2 || sscanf(hex, "%2x", &v) != 1)
                        return false;
                    c = (char)v;
                    q += 2;
                }
                if (o + 1 >= outlen || c == '\0')
                    return false;
                out[o++] = c;
            }
            out[o] = '\0';
            return true;
        }
        p = amp ? amp + 1 : NULL;
    }
    return false;
}

/* A POST from another site is refused even before the CSRF token: the
 * browser says where the form came from. Clients that send no Origin
 * (curl, scripts) still need the token. */
bool hub_dash_origin_ok(hub_dash *d, struct MHD_Connection *conn)
{
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!origin)
        return true;
    char want[300];
    snprintf(want, sizeof want, "%s://%s", d->cfg->tls ? "https" : "http", host ? host : "");
    return host && !strcmp(origin, want);
}

static bool csrf_ok(const web_session *ws, const char *body, size_t len)
{
    char got[64];
    size_t n = strlen(ws->csrf);
    if (!hub_dash_form_value(body, len, "csrf", got, sizeof got) || strlen(got) != n || n < 32)
        return false;
    return sodium_memcmp(got, ws->csrf, n) == 0;
}

/* --- sign-in ------------------------------------------------------------------------------ */

enum MHD_Result hub_dash_login_page(struct MHD_Connection *conn, unsigned status, const char *error,
                                    const char *retry_after)
{
    hub_html h = {0};
    hub_dash_page_start(&h, "Sign in", NULL);
    hub_html_raw(&h, "<main><div class=\"login\"><h2>Sign in</h2>");
    if (error) {
        hub_html_raw(&h, "<p class=\"err\" id=\"login-error\" role=\"alert\">");
        hub_html_text(&h, error);
        hub_html_raw(&h, "</p>");
    }
    hub_html_raw(&h, "<form method=\"post\" action=\"/login\">"
                     "<label for=\"name\">Name</label>"
                     "<input id=\"name\" name=\"name\" autocomplete=\"username\" "
                     "autocapitalize=\"none\" spellcheck=\"false\" required autofocus>"
                     "<label for=\"password\">Password</label>"
                     "<input id=\"password\" name=\"password\" type=\"password\" "
                     "autocomplete=\"current-password\" required>"
                     "<button type=\"submit\" class=\"primary\">Sign in</button></form>"
                     "<p class=\"muted\">Forgotten your password, or never set one? Ask an "
                     "administrator or your manager for a link to set a new one.</p>"
                     "<details><summary>Sign in with an API token</summary>"
                     "<form method=\"post\" action=\"/login\">"
                     "<label for=\"token\">API token</label>"
                     "<input id=\"token\" name=\"token\" type=\"password\" "
                     "autocomplete=\"off\" required>"
                     "<button type=\"submit\">Sign in with the token</button></form>"
                     "<p class=\"muted\">The <code>amm_...</code> token "
                     "<code>amends-hub token add</code> printed: for scripts and wall "
                     "screens.</p></details></div></main>");
    hub_dash_page_end_plain(&h);
    return hub_dash_send_page(conn, status, hub_html_take(&h), NULL, NULL, retry_after);
}

/* Refuses when this address has failed too often lately; true when a
 * response was queued. */
bool hub_dash_login_limited(hub_dash *d, struct MHD_Connection *conn, const char *addr,
                            enum MHD_Result *ret)
{
    int retry_s;
    if (hub_rate_check(d->login_fail, addr, am_wall_ms(), &retry_s))
        return false;
    char value[16], text[160];
    snprintf(value, sizeof value, "%d", retry_s);
    snprintf(text, sizeof text, "Too many failed sign-ins from this address: try again in %d s.",
             retry_s);
    am_log_warn(HUB_DASH_MOD, "sign-in from %s: rate limited for %d s", addr, retry_s);
    *ret = hub_dash_login_page(conn, 429, text, value);
    return true;
}

void hub_dash_login_failed(hub_dash *d, const char *addr)
{
    int retry_s;
    hub_rate_take(d->login_fail, addr, am_wall_ms(), &retry_s);
}

static enum MHD_Result signed_in(hub_dash *d, struct MHD_Connection *conn, const char *manager,
                                 const char *how)
{
    char cookie[256], addr[HUB_DASH_ADDR_MAX];
    hub_audit_entry e = hub_dash_entry(conn, addr, manager, "sign_in", NULL, manager, NULL, NULL);
    e.detail = how;
    am_rc rc = session_start(d, manager, &e, cookie, sizeof cookie);
    if (rc)
        return hub_dash_message_page(conn, 503, "Sign-in failed",
                                     "The hub could not store the session.");
    am_log_info(HUB_DASH_MOD, "manager %s signed in (%s)", manager, how);
    enum MHD_Result ret = hub_dash_redirect(conn, "/", cookie);
    sodium_memzero(cookie, sizeof cookie);
    return ret;
}

static enum MHD_Result login_token(hub_dash *d, struct MHD_Connection *conn, const char *addr,
                                   const char *body, size_t len)
{
    char token[HUB_TOKEN_MAX + 8], hash[HUB_HASH_HEX], name[128];
    if (!hub_dash_form_value(body, len, "token", token, sizeof token) || !token[0]) {
        hub_dash_login_failed(d, addr);
        hub_dash_audit(d, conn, "", "sign_in.failed", NULL, NULL, NULL, NULL, "no token given");
        return hub_dash_login_page(conn, 401, "Enter your API token.", NULL);
    }
    hub_token_hash(token, hash);
    sodium_memzero(token, sizeof token);
    am_rc rc = hub_db_manager_by_token(d->db, hash, name, sizeof name);
    if (rc == AM_ERR_NOTFOUND) {
        hub_dash_login_failed(d, addr);
        am_log_warn(HUB_DASH_MOD, "sign-in from %s refused: unknown API token", addr);
        hub_dash_audit(d, conn, "", "sign_in.failed", NULL, NULL, NULL, NULL,
                       "token not recognised");
        return hub_dash_login_page(conn, 401, "That API token is not recognised.", NULL);
    }
    if (rc)
        return hub_dash_message_page(conn, 503, "Sign-in failed", "The database is unavailable.");
    return signed_in(d, conn, name, "token");
}

/* The answer to a wrong name and to a wrong password alike. */
#define NO_MATCH "That name and password do not match. Check both and try again."

/* 429 while the name typed or the address is locked out; true when a
 * response was queued (or the database failed). The same text for a name
 * that exists and one that does not. */
static bool locked_out(hub_dash *d, struct MHD_Connection *conn, const char *name_key,
                       const char *addr_key, enum MHD_Result *ret)
{
    int64_t now = am_wall_ms(), by_name = 0, by_addr = 0;
    am_rc rc = hub_db_signin_locked(d->db, name_key, now, &by_name);
    if (!rc)
        rc = hub_db_signin_locked(d->db, addr_key, now, &by_addr);
    if (rc) {
        *ret = hub_dash_message_page(conn, 503, "Sign-in failed", "The database is unavailable.");
        return true;
    }
    int64_t until = by_name > by_addr ? by_name : by_addr;
    if (!until)
        return false;
    char value[24], text[256];
    int64_t wait_s = (until - now + 999) / 1000, minutes = (wait_s + 59) / 60;
    snprintf(value, sizeof value, "%lld", (long long)wait_s);
    snprintf(text, sizeof text,
             "Too many failed sign-ins for this name or from this address: signing in is "
             "locked for %lld more minute%s. An administrator can send you a link to set a new "
             "password, which lifts the lock.",
             (long long)minutes, minutes == 1 ? "" : "s");
    *ret = hub_dash_login_page(conn, 429, text, value);
    return true;
}

enum MHD_Result hub_dash_login(hub_dash *d, struct MHD_Connection *conn, const char *body,
                               size_t len)
{
    char addr[INET6_ADDRSTRLEN + 1], name[HUB_NAME_MAX], password[HUB_PASSWORD_MAX + 1];
    char name_key[HUB_NAME_MAX + 8], addr_key[INET6_ADDRSTRLEN + 16];
    char hash[HUB_PASSWORD_HASH_MAX] = "";
    enum MHD_Result ret;
    hub_dash_client_address(conn, addr, sizeof addr);
    if (hub_dash_login_limited(d, conn, addr, &ret))
        return ret;
    if (!hub_dash_origin_ok(d, conn))
        return hub_dash_message_page(conn, 403, "Refused", "This form was sent from another site.");
    if (hub_dash_form_value(body, len, "token", name, sizeof name) &&
        !hub_dash_form_value(body, len, "password", password, sizeof password)) {
        sodium_memzero(name, sizeof name);
        return login_token(d, conn, addr, body, len);
    }
    /* A name too long to be one, or a password too long to be one, is
     * read as empty: it cannot match, and is answered as any mismatch. */
    if (!hub_dash_form_value(body, len, "name", name, sizeof name))
        name[0] = '\0';
    if (!hub_dash_form_value(body, len, "password", password, sizeof password))
        password[0] = '\0';
    if (!name[0] || !password[0]) {
        sodium_memzero(password, sizeof password);
        return hub_dash_login_page(conn, 401, "Enter your name and your password.", NULL);
    }
    snprintf(name_key, sizeof name_key, "name:%s", name);
    snprintf(addr_key, sizeof addr_key, "address:%s", addr);
    if (locked_out(d, conn, name_key, addr_key, &ret)) {
        sodium_memzero(password, sizeof password);
        return ret;
    }
    /* An unknown name, or a person with no password yet, is checked
     * against a dummy hash: the same work, the same answer. */
    am_rc rc = hub_db_password_hash_of(d->db, name, hash, sizeof hash);
    if (rc && rc != AM_ERR_NOTFOUND) {
        sodium_memzero(password, sizeof password);
        return hub_dash_message_page(conn, 503, "Sign-in failed", "The database is unavailable.");
    }
    bool ok = hub_password_verify(rc ? NULL : hash, password);
    sodium_memzero(password, sizeof password);
    sodium_memzero(hash, sizeof hash);
    if (ok) {
        hub_db_signin_clear(d->db, name_key);
        return signed_in(d, conn, name, "password");
    }
    int64_t window = (int64_t)d->cfg->lockout_minutes * 60000;
    hub_dash_login_failed(d, addr);
    /* Both counts and the audit entry: one transaction. */
    char ea[HUB_DASH_ADDR_MAX];
    hub_audit_entry e = hub_dash_entry(conn, ea, "", "sign_in.failed", NULL, NULL, NULL, NULL);
    e.detail = "name and password do not match";
    hub_signin_count keys[] = {{.key = name_key, .max_failures = d->cfg->lockout_failures},
                               {.key = addr_key, .max_failures = d->cfg->lockout_address_failures}};
    rc = hub_db_signin_failed(d->db, keys, 2, e.at_ms, window, window, &e);
    if (!rc && keys[0].until_ms)
        am_log_warn(HUB_DASH_MOD, "sign-in: a name is locked out after %d failures (from %s)",
                    d->cfg->lockout_failures, addr);
    if (!rc && keys[1].until_ms)
        am_log_warn(HUB_DASH_MOD, "sign-in: address %s is locked out after %d failures", addr,
                    d->cfg->lockout_address_failures);
    /* The name typed is not logged: it may be a password typed in the
     * wrong field. */
    am_log_warn(HUB_DASH_MOD, "sign-in from %s refused: name and password do not match", addr);
    if (rc)
        return hub_dash_message_page(conn, 503, "Sign-in failed", "The database is unavailable.");
    return hub_dash_login_page(conn, 401, NO_MATCH, NULL);
}

enum MHD_Result hub_dash_link(hub_dash *d, struct MHD_Connection *conn, const char *code)
{
    char addr[INET6_ADDRSTRLEN + 1], hash[HUB_HASH_HEX], name[128];
    enum MHD_Result ret;
    hub_dash_client_address(conn, addr, sizeof addr);
    if (hub_dash_login_limited(d, conn, addr, &ret))
        return ret;
    am_rc rc = AM_ERR_NOTFOUND;
    if (hub_dash_code_shaped(code)) {
        hub_token_hash(code, hash);
        rc = hub_db_web_link_take(d->db, hash, am_wall_ms(), name, sizeof name);
    }
    if (rc == AM_ERR_NOTFOUND) {
        hub_dash_login_failed(d, addr);
        hub_dash_audit(d, conn, "", "sign_in.failed", NULL, NULL, NULL, NULL,
                       "login link used already, expired or unknown");
        return hub_dash_login_page(conn, 401, "That login link was used already or has expired.",
                                   NULL);
    }
    if (rc)
        return hub_dash_message_page(conn, 503, "Sign-in failed", "The database is unavailable.");
    return signed_in(d, conn, name, "login link");
}

/* --- the forms' checks and signing out ----------------------------------------------------- */

bool hub_dash_form_ok(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                      const char *body, size_t len)
{
    return hub_dash_origin_ok(d, conn) && csrf_ok(ws, body, len);
}

enum MHD_Result hub_dash_logout(hub_dash *d, struct MHD_Connection *conn, const web_session *ws,
                                bool everywhere)
{
    int64_t ended = 0;
    char addr[HUB_DASH_ADDR_MAX];
    hub_audit_entry e =
        hub_dash_entry(conn, addr, ws->manager, "sign_out", NULL, ws->manager, NULL, NULL);
    e.detail = everywhere ? "everywhere" : NULL;
    am_rc rc = everywhere ? hub_db_web_end_person(d->db, ws->manager, &e, &ended)
                          : hub_db_web_delete(d->db, ws->id_hash, &e);
    if (rc)
        return hub_dash_message_page(conn, 503, "Not signed out",
                                     "The database is unavailable: the session still stands. "
                                     "Try again.");
    if (everywhere)
        am_log_info(HUB_DASH_MOD, "%s signed out everywhere (%lld sessions ended)", ws->manager,
                    (long long)ended);
    else
        am_log_info(HUB_DASH_MOD, "%s signed out", ws->manager);
    return hub_dash_redirect(conn, "/login", clear_cookie);
}
