/* dashboard_password.c — the page a one-time link opens to set a
 * password (/password/CODE), for a new person or after a reset. The link's
 * code is the credential: only its hash is stored, it is good once and for
 * 24 hours, and a link that is unknown, used or expired changes nothing. */
#include <arpa/inet.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "dashboard_internal.h"
#include "hub_password.h"

/* A page saying why the link cannot be used. */
static enum MHD_Result link_refused(struct MHD_Connection *conn, hub_link_state state,
                                    int64_t expires_ms)
{
    char text[512], when[32];
    unsigned status = 404;
    const char *title = "This link is not valid";
    if (state == HUB_LINK_USED) {
        status = 410;
        title = "This link has been used";
        snprintf(text, sizeof text,
                 "Each link sets a password once, and this one has. Sign in with that password, "
                 "or ask an administrator or your manager for a new link.");
    } else if (state == HUB_LINK_EXPIRED) {
        status = 410;
        title = "This link has expired";
        am_format_utc(expires_ms, when, sizeof when);
        snprintf(text, sizeof text,
                 "It was good until %s (UTC); links last 24 hours. Ask an administrator or your "
                 "manager for a new one.",
                 when);
    } else {
        snprintf(text, sizeof text,
                 "The hub knows no such link. Check that the whole link was copied; a link is "
                 "also replaced by a newer one made for the same person. Ask an administrator "
                 "or your manager for a new one.");
    }
    return hub_dash_message_page(conn, status, title, text);
}

static enum MHD_Result form_page(struct MHD_Connection *conn, unsigned status, const char *code,
                                 const char *person, const char *error)
{
    hub_html h = {0};
    hub_dash_page_start(&h, "Set your password", NULL);
    hub_html_raw(&h, "<main><div class=\"login\"><h2>Set your password</h2><p>For <b>");
    hub_html_text(&h, person);
    hub_html_raw(&h, "</b>, who will sign in with this name.</p>");
    if (error) {
        hub_html_raw(&h, "<p class=\"err\" id=\"password-error\" role=\"alert\">");
        hub_html_text(&h, error);
        hub_html_raw(&h, "</p>");
    }
    hub_html_raw(&h, "<form method=\"post\" action=\"/password/");
    hub_html_text(&h, code);
    hub_html_raw(&h, "\"><input type=\"hidden\" name=\"name\" autocomplete=\"username\" value=\"");
    hub_html_text(&h, person);
    hub_html_fmt(&h,
                 "\"><label for=\"password\">New password</label>"
                 "<input id=\"password\" name=\"password\" type=\"password\" "
                 "autocomplete=\"new-password\" minlength=\"%d\" required autofocus "
                 "aria-describedby=\"password-rules\">"
                 "<label for=\"again\">The same again</label>"
                 "<input id=\"again\" name=\"again\" type=\"password\" "
                 "autocomplete=\"new-password\" required>"
                 "<button type=\"submit\" class=\"primary\">Set the password</button></form>"
                 "<p class=\"muted\" id=\"password-rules\">At least %d characters, and not a "
                 "common word or password. A phrase of three or four unrelated words is long "
                 "enough and easy to remember. The link works once.</p></div></main>",
                 HUB_PASSWORD_MIN, HUB_PASSWORD_MIN);
    hub_dash_page_end_plain(&h);
    return hub_dash_send_page(conn, status, hub_html_take(&h), NULL, NULL, NULL);
}

static enum MHD_Result done_page(struct MHD_Connection *conn, const char *person)
{
    hub_html h = {0};
    hub_dash_page_start(&h, "Password set", NULL);
    hub_html_raw(&h, "<main><div class=\"login\"><h2>Password set</h2><p id=\"password-set\">"
                     "The password for <b>");
    hub_html_text(&h, person);
    hub_html_raw(&h, "</b> is set. Sessions signed in before have ended.</p>"
                     "<p><a href=\"/login\">Sign in</a></p></div></main>");
    hub_dash_page_end_plain(&h);
    return hub_dash_send_page(conn, 200, hub_html_take(&h), NULL, NULL, NULL);
}

enum MHD_Result hub_dash_password(hub_dash *d, struct MHD_Connection *conn, const char *code,
                                  bool post, const char *body, size_t len)
{
    char addr[INET6_ADDRSTRLEN + 1], hash[HUB_HASH_HEX], person[HUB_NAME_MAX], why[512];
    char pw[HUB_PASSWORD_MAX + 1] = "", again[HUB_PASSWORD_MAX + 1] = "";
    char pw_hash[HUB_PASSWORD_HASH_MAX];
    int64_t expires = 0;
    hub_link_state state = HUB_LINK_UNKNOWN;
    enum MHD_Result ret;
    hub_dash_client_address(conn, addr, sizeof addr);
    if (hub_dash_login_limited(d, conn, addr, &ret))
        return ret;
    if (post && !hub_dash_origin_ok(d, conn))
        return hub_dash_message_page(conn, 403, "Refused", "This form was sent from another site.");
    am_rc rc = AM_OK;
    if (hub_dash_code_shaped(code)) {
        hub_token_hash(code, hash);
        rc = hub_db_password_link(d->db, hash, am_wall_ms(), &state, person, sizeof person,
                                  &expires);
    }
    if (rc)
        return hub_dash_message_page(conn, 503, "Unavailable", "The database is unavailable.");
    if (state != HUB_LINK_OK) {
        hub_dash_login_failed(d, addr);
        am_log_warn(HUB_DASH_MOD, "set-password link from %s refused: %s", addr,
                    state == HUB_LINK_USED      ? "used already"
                    : state == HUB_LINK_EXPIRED ? "expired"
                                                : "unknown");
        return link_refused(conn, state, expires);
    }
    if (!post)
        return form_page(conn, 200, code, person, NULL);
    bool read = hub_dash_form_value(body, len, "password", pw, sizeof pw) &&
                hub_dash_form_value(body, len, "again", again, sizeof again);
    if (!read || !pw[0]) {
        snprintf(why, sizeof why, "Enter the new password twice (at most %d bytes).",
                 HUB_PASSWORD_MAX);
        rc = AM_ERR_INVALID;
    } else if (strcmp(pw, again) != 0) {
        snprintf(why, sizeof why, "The two passwords differ: type the same one twice.");
        rc = AM_ERR_INVALID;
    } else {
        rc = hub_password_check(pw, why, sizeof why);
    }
    if (!rc)
        rc = hub_password_hash(pw, pw_hash);
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(again, sizeof again);
    if (rc == AM_ERR_INVALID)
        return form_page(conn, 422, code, person, why);
    if (!rc) {
        /* Recorded as the link's person's own change, from this address. */
        char ea[HUB_DASH_ADDR_MAX];
        hub_audit_entry e =
            hub_dash_entry(conn, ea, person, "password.set", NULL, person, NULL, "a new password");
        e.detail = "through a set-password link";
        rc = hub_db_password_set(d->db, hash, pw_hash, am_wall_ms(), &e, &state, person,
                                 sizeof person);
    }
    sodium_memzero(pw_hash, sizeof pw_hash);
    if (rc)
        return hub_dash_message_page(conn, 503, "Password not set",
                                     "The hub could not store it: nothing changed. Try again.");
    if (state != HUB_LINK_OK)
        return link_refused(conn, state, expires);
    am_log_info(HUB_DASH_MOD, "%s set a password (from %s)", person, addr);
    return done_page(conn, person);
}
