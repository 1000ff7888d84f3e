/* store.c — the kiosk's local SQLite store (see include/amends/store.h).
 *
 * Every write runs inside BEGIN IMMEDIATE, either its own or the caller's
 * (am_store_begin), so the write lock is taken up front and a busy store is
 * reported at BEGIN rather than half-way through a guest step. Values always
 * travel as bound parameters; the SQL text is constant.
 *
 * Read-write handles of one store are tracked with flock(2) on a side file,
 * DIR/amends.db-writers: every read-write handle holds it shared, and only a
 * handle that can take it exclusively (no other read-write handle is alive,
 * in this process or another) repairs what a crash left: open journeys
 * closed as interrupted, inflight records back to pending. Without this an
 * `amendsctl requeue` or the sync worker's own handle would interrupt the
 * guest who is using the kiosk right now. The kernel drops the lock when a
 * process dies, so a crash never leaves it held.
 */
#include "amends/clock.h"
#include "amends/log.h"
#include "amends/private_file.h"
#include "amends/store.h"
#include "amends/uuid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_internal.h"

#define MOD                   "store"
#define STORE_BUSY_TIMEOUT_MS 5000

/* --- text values --------------------------------------------------------- */

const char *const am_store_sync_state_names[] = {"none", "pending", "inflight", "synced",
                                                 "quarantined"};
const char *const am_store_record_kind_names[] = {"feedback", "alert", "voucher"};

_Static_assert(COUNT_OF(am_store_record_kind_names) == AM_RECORD_VOUCHER + 1,
               "an outbox record kind has no store name");

const char *am_store_name_of(const char *const *names, int count, int v)
{
    return v >= 0 && v < count ? names[v] : NULL;
}

int am_store_index_of(const char *const *names, int count, const char *name, int fallback)
{
    if (!name)
        return fallback;
    for (int i = 0; i < count; i++) {
        if (strcmp(names[i], name) == 0)
            return i;
    }
    return fallback;
}

const char *am_sync_state_name(am_sync_state s)
{
    const char *name =
        am_store_name_of(am_store_sync_state_names, COUNT_OF(am_store_sync_state_names), (int)s);
    return name ? name : "unknown";
}

const char *am_record_kind_name(am_record_kind k)
{
    const char *name =
        am_store_name_of(am_store_record_kind_names, COUNT_OF(am_store_record_kind_names), (int)k);
    return name ? name : "unknown";
}

/* --- errors -------------------------------------------------------------- */

/* What a person can do about each class of failure. */
static const char *store_hint(am_rc rc)
{
    switch (rc) {
    case AM_ERR_FULL:
        return " (the disk is full: free space so reports can be kept)";
    case AM_ERR_READONLY:
        return " (the store cannot be written: check the file's permissions and the disk)";
    case AM_ERR_CORRUPT:
        return " (the store is damaged: move it aside and restore a backup)";
    case AM_ERR_BUSY:
        return " (another program held the store for more than 5 seconds)";
    default:
        return "";
    }
}

am_rc am_store_failf(am_store *st, am_rc rc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(st->err, sizeof st->err, "%s: %s", st->path, msg);
    return rc;
}

am_rc am_store_fail(am_store *st, int sqlite_rc, const char *what)
{
    am_rc rc = am_store_rc_from_sqlite(sqlite_rc);
    if (rc == AM_OK)
        rc = AM_ERR;
    /* The connection's message says more (which table, which file
     * operation), when it is about this failure. */
    const char *detail = sqlite3_errstr(sqlite_rc);
    if (st->db && (sqlite3_extended_errcode(st->db) & 0xff) == (sqlite_rc & 0xff))
        detail = sqlite3_errmsg(st->db);
    return am_store_failf(st, rc, "%s: %s%s", what, detail, store_hint(rc));
}

const char *am_store_errmsg(const am_store *st)
{
    if (!st)
        return "no store";
    return st->err[0] ? st->err : "no error";
}

/* --- statements ---------------------------------------------------------- */

am_rc am_store_stmt(am_store *st, enum store_stmt id, const char *sql, sqlite3_stmt **out)
{
    if (!st->stmts[id]) {
        int src =
            sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->stmts[id], NULL);
        if (src != SQLITE_OK) {
            st->stmts[id] = NULL;
            return am_store_fail(st, src, "preparing a statement");
        }
    }
    *out = st->stmts[id];
    return AM_OK;
}

void am_store_stmt_done(sqlite3_stmt *stmt)
{
    if (stmt) {
        sqlite3_reset(stmt);
        sqlite3_clear_bindings(stmt);
    }
}

int am_store_bind_text(sqlite3_stmt *stmt, int idx, const char *text, size_t cap)
{
    size_t len = strnlen(text, cap);
    if (len == cap)
        return SQLITE_TOOBIG;
    return sqlite3_bind_text(stmt, idx, text, (int)len, SQLITE_STATIC);
}

void am_store_column_text(sqlite3_stmt *stmt, int col, char *dst, size_t dstsize)
{
    const unsigned char *text = sqlite3_column_text(stmt, col);
    size_t len = text ? (size_t)sqlite3_column_bytes(stmt, col) : 0;
    if (len >= dstsize) {
        len = dstsize - 1;
        while (len > 0 && (text[len] & 0xc0) == 0x80)
            len--;
    }
    if (len)
        memcpy(dst, text, len);
    dst[len] = '\0';
}

/* --- transactions -------------------------------------------------------- */

static int store_exec(am_store *st, const char *sql)
{
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL);
}

am_rc am_store_write_begin(am_store *st, bool *own, const char *what)
{
    *own = false;
    if (st->mode == AM_STORE_READONLY)
        return am_store_failf(st, AM_ERR_READONLY, "%s: the store was opened read-only", what);
    if (st->in_tx)
        return AM_OK;
    int src = store_exec(st, "BEGIN IMMEDIATE");
    if (src != SQLITE_OK)
        return am_store_fail(st, src, what);
    *own = true;
    return AM_OK;
}

am_rc am_store_write_end(am_store *st, bool own, am_rc rc, const char *what)
{
    if (!own)
        return rc;
    if (rc == AM_OK) {
        int src = store_exec(st, "COMMIT");
        if (src != SQLITE_OK)
            rc = am_store_fail(st, src, what);
    }
    if (rc != AM_OK && !sqlite3_get_autocommit(st->db))
        store_exec(st, "ROLLBACK");
    return rc;
}

am_rc am_store_read_begin(am_store *st, bool *own, const char *what)
{
    *own = false;
    if (st->in_tx || !sqlite3_get_autocommit(st->db))
        return AM_OK;
    int src = store_exec(st, "BEGIN");
    if (src != SQLITE_OK)
        return am_store_fail(st, src, what);
    *own = true;
    return AM_OK;
}

void am_store_read_end(am_store *st, bool own)
{
    if (own && !sqlite3_get_autocommit(st->db))
        store_exec(st, "COMMIT");
}

am_rc am_store_begin(am_store *st)
{
    if (!st)
        return AM_ERR_INVALID;
    /* SQLite grants BEGIN IMMEDIATE to a read-only WAL connection and
     * refuses only the first write; refuse at once instead. */
    if (st->mode == AM_STORE_READONLY)
        return am_store_failf(st, AM_ERR_READONLY,
                              "starting a transaction: the store was opened read-only");
    if (st->in_tx)
        return am_store_failf(st, AM_ERR_INVALID, "a transaction is already open");
    int src = store_exec(st, "BEGIN IMMEDIATE");
    if (src != SQLITE_OK)
        return am_store_fail(st, src, "starting a transaction");
    st->in_tx = true;
    return AM_OK;
}

/* A commit that fails is rolled back here: SQLite cannot retry it, and the
 * caller then knows nothing of the step was kept. */
am_rc am_store_commit(am_store *st)
{
    if (!st)
        return AM_ERR_INVALID;
    if (!st->in_tx)
        return am_store_failf(st, AM_ERR_INVALID, "commit without a transaction");
    am_rc rc = AM_OK;
    int src = store_exec(st, "COMMIT");
    if (src != SQLITE_OK) {
        rc = am_store_fail(st, src, "committing");
        if (!sqlite3_get_autocommit(st->db))
            store_exec(st, "ROLLBACK");
    }
    st->in_tx = false;
    return rc;
}

void am_store_rollback(am_store *st)
{
    if (!st)
        return;
    /* SQLite itself rolls back after some failures (disk full, I/O). */
    if (st->db && !sqlite3_get_autocommit(st->db))
        store_exec(st, "ROLLBACK");
    st->in_tx = false;
}

/* --- UUIDs --------------------------------------------------------------- */

am_rc am_store_new_uuid(am_store *st, char out[AM_UUID_LEN + 1])
{
    unsigned char b[16];
    size_t got = 0;
    int tries = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0) {
            if (errno == EINTR && ++tries < 100)
                continue;
            return am_store_failf(st, AM_ERR_IO, "making a record id: getrandom: %s",
                                  strerror(errno));
        }
        got += (size_t)n;
    }
    am_uuid_v7_text(b, am_wall_ms(), out);
    return AM_OK;
}

/* --- meta ---------------------------------------------------------------- */

static const char SQL_META_SET[] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
                                   "ON CONFLICT (key) DO UPDATE SET value = excluded.value";
static const char SQL_META_GET[] = "SELECT value FROM meta WHERE key = ?1";

am_rc am_store_meta_set(am_store *st, const char *key, const char *value)
{
    static const char what[] = "setting a meta value";
    sqlite3_stmt *stmt = NULL;
    bool own = false;
    am_rc rc;

    if (!st || !key || !*key || !value)
        return AM_ERR_INVALID;
    rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    rc = am_store_stmt(st, STMT_META_SET, SQL_META_SET, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE)
        rc = am_store_fail(st, src, what);
out:
    am_store_stmt_done(stmt);
    return am_store_write_end(st, own, rc, what);
}

am_rc am_store_meta_get(am_store *st, const char *key, char *value, size_t valuelen)
{
    static const char what[] = "reading a meta value";
    sqlite3_stmt *stmt = NULL;
    am_rc rc;

    if (!st || !key || !value || valuelen == 0)
        return AM_ERR_INVALID;
    rc = am_store_stmt(st, STMT_META_GET, SQL_META_GET, &stmt);
    if (rc)
        goto out;
    int src = sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_DONE) {
        rc = AM_ERR_NOTFOUND; /* an answer, not a failure: errmsg unchanged */
        goto out;
    }
    if (src != SQLITE_ROW) {
        rc = am_store_fail(st, src, what);
        goto out;
    }
    const unsigned char *text = sqlite3_column_text(stmt, 0);
    size_t len = text ? (size_t)sqlite3_column_bytes(stmt, 0) : 0;
    /* A cut value would be a different value. */
    if (len >= valuelen) {
        rc = am_store_failf(st, AM_ERR_INVALID, "%s: value of '%.64s' is longer than %zu bytes",
                            what, key, valuelen - 1);
        goto out;
    }
    if (len)
        memcpy(value, text, len);
    value[len] = '\0';
out:
    am_store_stmt_done(stmt);
    return rc;
}

/* --- open and close ------------------------------------------------------ */

/* Runs constant SQL with one integer parameter and returns the number of
 * rows it changed in *changes. */
static am_rc exec_with_time(am_store *st, const char *sql, int64_t now_ms, int *changes,
                            const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = AM_OK;
    int src = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
    if (src == SQLITE_OK && sqlite3_bind_parameter_count(stmt) > 0)
        src = sqlite3_bind_int64(stmt, 1, now_ms);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src != SQLITE_DONE)
        rc = am_store_fail(st, src, what);
    else if (changes)
        *changes = sqlite3_changes(st->db);
    sqlite3_finalize(stmt);
    return rc;
}

/* What a crash left behind: journeys still open are closed as interrupted
 * (keeping what the guest gave) and queued; records that were being sent
 * are pending again. One transaction, so a crash here repeats it cleanly. */
static am_rc store_repair(am_store *st, int64_t now_ms)
{
    static const char what[] = "closing journeys interrupted by a stop";
    bool own = false;
    int interrupted = 0;
    am_rc rc = am_store_write_begin(st, &own, what);
    if (rc)
        goto out;
    /* Queue first: afterwards they are no longer 'open'. */
    rc = exec_with_time(st,
                        "INSERT OR IGNORE INTO outbox (uuid, kind, priority, state, attempts, "
                        "next_try_ms, last_error, created_ms, updated_ms) "
                        "SELECT id, 'feedback', 1, 'pending', 0, ?1, '', ?1, ?1 "
                        "FROM journeys WHERE outcome = 'open' ORDER BY created_at_ms, rowid",
                        now_ms, NULL, what);
    if (rc)
        goto out;
    rc = exec_with_time(st,
                        "UPDATE journeys SET outcome = 'interrupted', closed_at_ms = ?1, "
                        "updated_at_ms = ?1 WHERE outcome = 'open'",
                        now_ms, &interrupted, what);
    if (rc)
        goto out;
    rc = exec_with_time(st, "UPDATE outbox SET state = 'pending' WHERE state = 'inflight'", now_ms,
                        NULL, "putting unsent records back in the queue");
out:
    rc = am_store_write_end(st, own, rc, what);
    if (rc == AM_OK)
        st->interrupted_at_open = interrupted;
    return rc;
}

/* errno of a failed file operation as an am_rc. */
static am_rc rc_from_errno(int err)
{
    switch (err) {
    case EROFS:
    case EACCES:
    case EPERM:
        return AM_ERR_READONLY;
    case ENOSPC:
    case EDQUOT:
        return AM_ERR_FULL;
    case ENOENT:
        return AM_ERR_NOTFOUND;
    case ENOMEM:
        return AM_ERR_NOMEM;
    default:
        return AM_ERR_IO;
    }
}

/* Takes the writers lock shared and says whether this handle is the only
 * read-write one (it could take it exclusively first). */
static am_rc writers_lock(am_store *st, const char *data_dir, bool *first)
{
    char lock_path[STORE_PATH_MAX];
    am_rc rc = AM_OK;
    *first = false;
    snprintf(lock_path, sizeof lock_path, "%s/%s-writers", data_dir, AM_STORE_FILE);
    st->writers_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (st->writers_fd < 0) {
        int e = errno;
        return am_store_failf(st,
                              rc_from_errno(e) == AM_ERR_NOTFOUND ? AM_ERR_IO : rc_from_errno(e),
                              "opening the lock file %s: %s", lock_path, strerror(e));
    }
    if (flock(st->writers_fd, LOCK_EX | LOCK_NB) == 0) {
        *first = true;
        return AM_OK;
    }
    if (errno != EWOULDBLOCK)
        goto fail;
    /* Another read-write handle exists. It may be repairing right now
     * (holding the lock exclusively); that is short, so wait for it as
     * long as SQLite would wait for a busy store. */
    for (int waited_ms = 0; waited_ms <= STORE_BUSY_TIMEOUT_MS; waited_ms += 10) {
        if (flock(st->writers_fd, LOCK_SH | LOCK_NB) == 0)
            return AM_OK;
        if (errno != EWOULDBLOCK)
            goto fail;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return am_store_failf(st, AM_ERR_BUSY, "another program kept the store locked for %d seconds",
                          STORE_BUSY_TIMEOUT_MS / 1000);
fail:
    rc = am_store_failf(st, AM_ERR_IO, "locking %s: %s", lock_path, strerror(errno));
    return rc;
}

/* Reads and checks one pragma's text answer. */
static am_rc pragma_text(am_store *st, const char *sql, char *value, size_t valuelen,
                         const char *what)
{
    sqlite3_stmt *stmt = NULL;
    am_rc rc = AM_OK;
    int src = sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL);
    if (src == SQLITE_OK)
        src = sqlite3_step(stmt);
    if (src == SQLITE_ROW)
        am_store_column_text(stmt, 0, value, valuelen);
    else if (src == SQLITE_DONE)
        value[0] = '\0';
    else
        rc = am_store_fail(st, src, what);
    sqlite3_finalize(stmt);
    return rc;
}

/* Reads the schema version and refuses what this handle cannot use: a
 * newer schema always (before anything touches the file), and in read-only
 * mode an older one, which only the kiosk may upgrade. */
static am_rc store_check_version(am_store *st, int *version_out)
{
    int src = SQLITE_OK;
    int version = am_schema_version(st->db, &src);
    if (version < 0)
        return am_store_fail(st, src, "reading the store");
    if (version > AM_STORE_SCHEMA_VERSION)
        return am_store_failf(st, AM_ERR_VERSION,
                              "store schema version %d is newer than this amends supports (%d); "
                              "install a newer amends or restore a backup made by this version",
                              version, AM_STORE_SCHEMA_VERSION);
    if (version < AM_STORE_SCHEMA_VERSION && st->mode == AM_STORE_READONLY) {
        if (version == 0)
            return am_store_failf(st, AM_ERR_VERSION,
                                  "the store is empty or not an amends store; start the kiosk "
                                  "once to create it");
        return am_store_failf(st, AM_ERR_VERSION,
                              "store schema version %d is older than this amends (%d); start "
                              "the kiosk once to upgrade it, then try again",
                              version, AM_STORE_SCHEMA_VERSION);
    }
    *version_out = version;
    return AM_OK;
}

/* Brings an older (or new, empty) store up to this version. */
static am_rc store_upgrade(am_store *st, int version)
{
    if (version < AM_STORE_SCHEMA_VERSION) {
        char err[512];
        am_rc rc = (am_rc)am_schema_migrate(st->db, AM_STORE_SCHEMA_VERSION, err, sizeof err);
        if (rc)
            return am_store_failf(st, rc, "%s%s", err, store_hint(rc));
    }
    st->schema_version = AM_STORE_SCHEMA_VERSION;
    return AM_OK;
}

am_rc am_store_open(const char *data_dir, am_store_mode mode, int64_t now_ms, am_store **out,
                    char *err, size_t errlen)
{
    am_store *st = NULL;
    am_rc rc = AM_OK;
    bool first_writer = false;
    int version = 0;
    struct stat sb;

    if (out)
        *out = NULL;
    if (!data_dir || !*data_dir || !out ||
        (mode != AM_STORE_READWRITE && mode != AM_STORE_READONLY)) {
        if (err && errlen)
            snprintf(err, errlen, "opening the store: no data directory given");
        return AM_ERR_INVALID;
    }
    st = calloc(1, sizeof *st);
    if (!st) {
        if (err && errlen)
            snprintf(err, errlen, "opening the store: out of memory");
        return AM_ERR_NOMEM;
    }
    st->mode = mode;
    st->writers_fd = -1;
    int n = snprintf(st->path, sizeof st->path, "%s/%s", data_dir, AM_STORE_FILE);
    if (n < 0 || (size_t)n >= sizeof st->path) {
        rc = am_store_failf(st, AM_ERR_INVALID, "data directory path is too long");
        goto out;
    }

    if (mode == AM_STORE_READONLY) {
        /* Read-only never creates: a missing store is an answer, not a new
         * empty one. */
        if (stat(st->path, &sb) != 0) {
            int e = errno;
            if (e == ENOENT || e == ENOTDIR) {
                snprintf(st->err, sizeof st->err, "no store at %s", st->path);
                rc = AM_ERR_NOTFOUND;
            } else {
                rc = am_store_failf(st, e == EACCES ? AM_ERR_READONLY : AM_ERR_IO, "%s",
                                    strerror(e));
            }
            goto out;
        }
    } else if (stat(data_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        rc = am_store_failf(st, AM_ERR_IO, "data directory %s does not exist or is not a directory",
                            data_dir);
        goto out;
    }

    if (mode == AM_STORE_READWRITE) {
        /* Guests' words and contacts: the store is made 0600 whatever the
         * umask, and made private if it is not (private_file.h). */
        char note[1200], why[1400];
        rc = am_private_db_prepare(st->path, note, sizeof note, why, sizeof why);
        if (rc) {
            rc = am_store_failf(st, rc, "%s", why);
            goto out;
        }
        if (note[0])
            am_log_warn(MOD, "made the store private: %s", note);
    }
    int flags = SQLITE_OPEN_NOMUTEX |
                (mode == AM_STORE_READONLY ? SQLITE_OPEN_READONLY
                                           : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int src = sqlite3_open_v2(st->path, &st->db, flags, NULL);
    if (src != SQLITE_OK) {
        rc = am_store_fail(st, src, "opening");
        goto out;
    }
    sqlite3_extended_result_codes(st->db, 1);
    src = sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
    if (src != SQLITE_OK) {
        rc = am_store_fail(st, src, "setting the busy timeout");
        goto out;
    }

    /* SQLite quietly opens an unwritable file read-only; the kiosk must
     * know now, not when a guest's report cannot be kept. */
    if (mode == AM_STORE_READWRITE && sqlite3_db_readonly(st->db, "main") == 1) {
        rc = am_store_failf(st, AM_ERR_READONLY, "opening: the store file cannot be written%s",
                            store_hint(AM_ERR_READONLY));
        goto out;
    }
    rc = store_check_version(st, &version);
    if (rc)
        goto out;

    if (mode == AM_STORE_READWRITE) {
        rc = writers_lock(st, data_dir, &first_writer);
        if (rc)
            goto out;
        char journal[16];
        rc = pragma_text(st, "PRAGMA journal_mode = WAL", journal, sizeof journal, "opening");
        if (rc)
            goto out;
        if (strcmp(journal, "wal") != 0) {
            rc = am_store_failf(st, AM_ERR_IO,
                                "opening: cannot use write-ahead logging here "
                                "(journal mode stays %s)",
                                journal);
            goto out;
        }
        /* FULL: a commit is on disk before the guest sees the next screen.
         * secure_delete: text a guest corrected or that was purged is
         * overwritten, not left in free pages. */
        src = store_exec(st, "PRAGMA synchronous = FULL");
        if (src == SQLITE_OK)
            src = store_exec(st, "PRAGMA secure_delete = ON");
        if (src != SQLITE_OK) {
            rc = am_store_fail(st, src, "opening");
            goto out;
        }
    }

    rc = store_upgrade(st, version);
    if (rc)
        goto out;

    if (mode == AM_STORE_READWRITE) {
        if (first_writer) {
            rc = store_repair(st, now_ms);
            if (rc)
                goto out;
        }
        /* From here on other read-write handles may open beside this one. */
        if (flock(st->writers_fd, LOCK_SH) != 0) {
            rc = am_store_failf(st, AM_ERR_IO, "locking: %s", strerror(errno));
            goto out;
        }
    }
    st->err[0] = '\0';

out:
    if (rc) {
        if (err && errlen)
            snprintf(err, errlen, "%s", st->err);
        am_store_close(st);
        return rc;
    }
    *out = st;
    return AM_OK;
}

void am_store_close(am_store *st)
{
    if (!st)
        return;
    if (st->db && !sqlite3_get_autocommit(st->db))
        store_exec(st, "ROLLBACK");
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(st->stmts[i]);
    sqlite3_close(st->db);
    if (st->writers_fd >= 0)
        close(st->writers_fd);
    explicit_bzero(st, sizeof *st);
    free(st);
}

int am_store_interrupted_at_open(const am_store *st)
{
    return st ? st->interrupted_at_open : 0;
}

int am_store_schema_version(const am_store *st)
{
    return st ? st->schema_version : 0;
}

sqlite3 *am_store_sqlite(am_store *st)
{
    return st ? st->db : NULL;
}
