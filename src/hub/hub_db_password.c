/* hub_db_password.c — passwords, the links that set them, failed
 * sign-ins and their lockouts, and ending all of a person's sessions. */
#include "hub_db_internal.h"

#include "hub_auth.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define T(n) "CAST(?" #n " AS BIGINT)"

/* One text column of the first row into a buffer; counts rows. */
typedef struct text_row {
    char *out;
    size_t len;
    int rows;
    bool null;
} text_row;

static void on_text(void *ud, int ncols, const char *const *v)
{
    text_row *row = ud;
    if (ncols < 1)
        return;
    if (row->rows++ == 0) {
        row->null = v[0] == NULL;
        snprintf(row->out, row->len, "%s", v[0] ? v[0] : "");
    }
}

/* --- set-password links ------------------------------------------------------------------ */

am_rc hub_db_password_link_add(hub_db *db, const char *person, const char *token_hash,
                               int64_t now_ms, int64_t expires_ms, const hub_audit_entry *audit,
                               char *err, size_t errlen)
{
    int slot;
    int64_t changes = 0;
    num now = i64(now_ms), exp = i64(expires_ms);
    const char *old[] = {person};
    const char *gone[] = {now.s};
    const char *p[] = {token_hash, person, now.s, exp.s};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    /* A new link replaces the person's unused ones; used and expired
     * links go too once they are a day old, which keeps the table small. */
    if (!rc)
        rc =
            hub_db_run(db, conn, "DELETE FROM password_links WHERE person = ?1 AND used_at IS NULL",
                       1, old, NULL, NULL, NULL);
    if (!rc)
        rc = hub_db_run(db, conn,
                        "DELETE FROM password_links WHERE expires_at < " T(1) " - 86400000", 1,
                        gone, NULL, NULL, NULL);
    if (!rc)
        rc = hub_db_run(db, conn,
                        "INSERT INTO password_links (token_hash, person, created_at, expires_at) "
                        "SELECT ?1, name, " T(3) ", " T(4) " FROM people WHERE name = ?2",
                        4, p, NULL, NULL, &changes);
    if (!rc && changes != 1)
        rc = AM_ERR_NOTFOUND;
    if (!rc)
        rc = hub_db_audit_write(db, conn, audit);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc)
        db->drv->rollback(conn);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (rc == AM_ERR_NOTFOUND)
        snprintf(err, errlen, "no person '%s'", person);
    else if (rc)
        snprintf(err, errlen, "storing the link failed (see the log): nothing changed");
    return rc;
}

am_rc hub_db_password_link_new(hub_db *db, const char *person, int64_t now_ms, char *path,
                               size_t pathlen, int64_t *expires_ms, const hub_audit_entry *audit,
                               char *err, size_t errlen)
{
    char code[HUB_TOKEN_MAX], hash[HUB_HASH_HEX];
    hub_token_new("", code);
    hub_token_hash(code, hash);
    *expires_ms = now_ms + HUB_PASSWORD_LINK_MS;
    am_rc rc = hub_db_password_link_add(db, person, hash, now_ms, *expires_ms, audit, err, errlen);
    if (!rc)
        snprintf(path, pathlen, "/password/%s", code);
    sodium_memzero(code, sizeof code);
    return rc;
}

typedef struct link_row {
    char person[HUB_NAME_MAX];
    int64_t expires_at;
    bool used;
    int rows;
} link_row;

static void on_link(void *ud, int ncols, const char *const *v)
{
    link_row *row = ud;
    if (ncols < 3 || !v[0] || !v[1])
        return;
    row->rows++;
    snprintf(row->person, sizeof row->person, "%s", v[0]);
    row->expires_at = strtoll(v[1], NULL, 10);
    row->used = v[2] != NULL;
}

static am_rc link_state(hub_db *db, void *conn, const char *token_hash, int64_t now_ms,
                        hub_link_state *state, link_row *row)
{
    const char *p[] = {token_hash};
    am_rc rc = hub_db_run(db, conn,
                          "SELECT person, expires_at, used_at FROM password_links "
                          "WHERE token_hash = ?1",
                          1, p, on_link, row, NULL);
    if (rc)
        return rc;
    if (row->rows != 1)
        *state = HUB_LINK_UNKNOWN;
    else if (row->used)
        *state = HUB_LINK_USED;
    else if (row->expires_at <= now_ms)
        *state = HUB_LINK_EXPIRED;
    else
        *state = HUB_LINK_OK;
    return AM_OK;
}

am_rc hub_db_password_link(hub_db *db, const char *token_hash, int64_t now_ms,
                           hub_link_state *state, char *person, size_t personlen,
                           int64_t *expires_ms)
{
    int slot;
    link_row row = {.rows = 0};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = link_state(db, conn, token_hash, now_ms, state, &row);
    hub_db_release(db, slot);
    if (!rc) {
        snprintf(person, personlen, "%s", *state == HUB_LINK_UNKNOWN ? "" : row.person);
        *expires_ms = row.expires_at;
    }
    return rc;
}

am_rc hub_db_password_set(hub_db *db, const char *token_hash, const char *password_hash,
                          int64_t now_ms, const hub_audit_entry *audit, hub_link_state *state,
                          char *person, size_t personlen)
{
    int slot;
    num now = i64(now_ms);
    char who[HUB_NAME_MAX] = "";
    text_row taken = {.out = who, .len = sizeof who};
    const char *p[] = {token_hash, now.s};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    /* Whoever marks the link used owns it: one UPDATE, so of racing
     * requests (threads or hubs) exactly one sets the password. */
    if (!rc)
        rc = hub_db_run(db, conn,
                        "UPDATE password_links SET used_at = " T(
                            2) " WHERE token_hash = ?1 "
                               "AND used_at IS NULL AND expires_at > " T(2) " RETURNING person",
                        2, p, on_text, &taken, NULL);
    if (!rc && taken.rows != 1) {
        link_row row = {.rows = 0};
        rc = link_state(db, conn, token_hash, now_ms, state, &row);
        db->drv->rollback(conn);
        goto out;
    }
    if (!rc) {
        char key[HUB_NAME_MAX + 8];
        snprintf(key, sizeof key, "name:%s", who);
        const char *q[] = {password_hash, who};
        const char *k[] = {key};
        const char *s[] = {who};
        rc = hub_db_run(db, conn, "UPDATE people SET password_hash = ?1 WHERE name = ?2", 2, q,
                        NULL, NULL, NULL);
        /* A new password lifts the account's lockout and ends the
         * sessions signed in with the old one. */
        if (!rc)
            rc = hub_db_run(db, conn, "DELETE FROM sign_in_failures WHERE fail_key = ?1", 1, k,
                            NULL, NULL, NULL);
        if (!rc)
            rc = hub_db_run(db, conn,
                            "DELETE FROM web_sessions WHERE manager = ?1 AND kind = 'session'", 1,
                            s, NULL, NULL, NULL);
        if (!rc && audit) {
            hub_audit_entry e = *audit;
            e.actor = who;
            e.target = who;
            e.person_sites = who;
            rc = hub_db_audit_write(db, conn, &e);
        }
    }
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc)
        db->drv->rollback(conn);
    else
        *state = HUB_LINK_OK;
out:
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    if (!rc)
        snprintf(person, personlen, "%s", *state == HUB_LINK_UNKNOWN ? "" : who);
    return rc;
}

am_rc hub_db_password_hash_of(hub_db *db, const char *person, char *hash, size_t hashlen)
{
    int slot;
    text_row row = {.out = hash, .len = hashlen};
    const char *p[] = {person};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = hub_db_run(db, conn, "SELECT password_hash FROM people WHERE name = ?1", 1, p,
                          on_text, &row, NULL);
    hub_db_release(db, slot);
    if (rc)
        return rc;
    if (row.rows != 1 || row.null || !hash[0]) {
        hash[0] = '\0';
        return AM_ERR_NOTFOUND;
    }
    return AM_OK;
}

/* --- failed sign-ins and lockouts --------------------------------------------------------- */

static void on_int(void *ud, int ncols, const char *const *v)
{
    if (ncols >= 1 && v[0])
        *(int64_t *)ud = strtoll(v[0], NULL, 10);
}

am_rc hub_db_signin_locked(hub_db *db, const char *key, int64_t now_ms, int64_t *until_ms)
{
    int slot;
    int64_t until = 0;
    const char *p[] = {key};
    void *conn = hub_db_acquire(db, &slot);
    am_rc rc = hub_db_run(db, conn, "SELECT locked_until FROM sign_in_failures WHERE fail_key = ?1",
                          1, p, on_int, &until, NULL);
    hub_db_release(db, slot);
    *until_ms = !rc && until > now_ms ? until : 0;
    return rc;
}

/* Counts one failure of key k in the open transaction. */
static am_rc count_failure(hub_db *db, void *conn, hub_signin_count *k, int64_t now_ms,
                           int64_t window_ms, int64_t lock_ms)
{
    int64_t failures = 0;
    num now = i64(now_ms), win = i64(window_ms), lock = i64(now_ms + lock_ms);
    const char *p[] = {k->key, now.s, win.s};
    const char *l[] = {k->key, lock.s, now.s};
    k->until_ms = 0;
    /* One statement counts the failure, so racing hubs lose none: a
     * window that is over starts again at 1. */
    am_rc rc = hub_db_run(
        db, conn,
        "INSERT INTO sign_in_failures (fail_key, failures, window_start, locked_until) "
        "VALUES (?1, 1, " T(
            2) ", 0) ON CONFLICT (fail_key) DO UPDATE SET "
               "failures = CASE WHEN sign_in_failures.window_start <= " T(2) " - " T(
                   3) " THEN 1 ELSE sign_in_failures.failures + 1 END, "
                      "window_start = CASE WHEN sign_in_failures.window_start <= " T(2) " - " T(
                          3) " THEN " T(2) " ELSE sign_in_failures.window_start END "
                                           "RETURNING failures",
        3, p, on_int, &failures, NULL);
    if (!rc && failures >= k->max_failures) {
        rc = hub_db_run(db, conn,
                        "UPDATE sign_in_failures SET locked_until = " T(
                            2) ", failures = 0, "
                               "window_start = " T(3) " WHERE fail_key = ?1",
                        3, l, NULL, NULL, NULL);
        if (!rc)
            k->until_ms = now_ms + lock_ms;
    }
    return rc;
}

am_rc hub_db_signin_failed(hub_db *db, hub_signin_count *keys, size_t nkeys, int64_t now_ms,
                           int64_t window_ms, int64_t lock_ms, const hub_audit_entry *audit)
{
    int slot;
    num now = i64(now_ms), win = i64(window_ms);
    const char *purge[] = {now.s, win.s};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    /* Rows whose window and lock are over say nothing any more. */
    if (!rc)
        rc = hub_db_run(db, conn,
                        "DELETE FROM sign_in_failures WHERE locked_until <= " T(
                            1) " AND window_start <= " T(1) " - " T(2),
                        2, purge, NULL, NULL, NULL);
    for (size_t i = 0; !rc && i < nkeys; i++)
        rc = count_failure(db, conn, &keys[i], now_ms, window_ms, lock_ms);
    if (!rc)
        rc = hub_db_audit_write(db, conn, audit);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc) {
        db->drv->rollback(conn);
        for (size_t i = 0; i < nkeys; i++)
            keys[i].until_ms = 0;
    }
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}

am_rc hub_db_signin_clear(hub_db *db, const char *key)
{
    int slot;
    const char *p[] = {key};
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = hub_db_run(db, conn, "DELETE FROM sign_in_failures WHERE fail_key = ?1", 1, p, NULL,
                          NULL, NULL);
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}

/* --- sessions --------------------------------------------------------------------------- */

am_rc hub_db_web_end_person(hub_db *db, const char *person, const hub_audit_entry *audit,
                            int64_t *ended)
{
    int slot;
    const char *p[] = {person};
    *ended = 0;
    void *conn = hub_db_acquire(db, &slot);
    hub_db_write_lock(db);
    am_rc rc = db->drv->begin(conn);
    if (!rc)
        rc =
            hub_db_run(db, conn, "DELETE FROM web_sessions WHERE manager = ?1 AND kind = 'session'",
                       1, p, NULL, NULL, ended);
    if (!rc)
        rc = hub_db_audit_write(db, conn, audit);
    if (!rc)
        rc = db->drv->commit(conn);
    if (rc) {
        db->drv->rollback(conn);
        *ended = 0;
    }
    hub_db_write_unlock(db);
    hub_db_release(db, slot);
    return rc;
}
