/* private_file.h — files no one else may read: secrets and databases.
 *
 * A token, a signing secret, a voucher key or a TLS key is refused unless
 * it is a regular file (not a symbolic link someone could point
 * elsewhere), owned by the user running the program, and readable by that
 * user only (mode 0600 or 0400). The message names the setting, the path
 * and the command that fixes it.
 *
 * A database holds guests' words and contacts, and the hub's holds each
 * kiosk's signing secret: it is made with mode 0600 whatever the umask,
 * and one that others may read is made private before it is opened (its
 * -wal and -shm files too), or refused when this user cannot.
 */
#ifndef AMENDS_PRIVATE_FILE_H
#define AMENDS_PRIVATE_FILE_H

#include <stddef.h>

#include "amends/error.h"

/* Opens the secret file `path` for reading after the checks above; `what`
 * names it in messages ("sync.token_file"). Returns the descriptor, or -1
 * with *rc (AM_ERR_NOTFOUND when it does not exist, AM_ERR_CONFIG when it
 * fails a check, AM_ERR_IO) and err set. */
int am_secret_open(const char *path, const char *what, am_rc *rc, char *err, size_t errlen);

/* Reads the whole secret file `path` (at most len - 1 bytes; more is
 * AM_ERR_TOOBIG) into buf, NUL-terminated, after am_secret_open's checks. */
am_rc am_secret_read(const char *path, const char *what, char *buf, size_t len, size_t *got,
                     char *err, size_t errlen);

/* Makes the database file `path` private before it is opened: creates it
 * empty with mode 0600 when it does not exist; takes the group's and
 * others' permissions off it and its -wal and -shm files when it has
 * them, and then says what it did in `note` (empty when nothing was
 * done). Refuses a file this user cannot make private. */
am_rc am_private_db_prepare(const char *path, char *note, size_t notelen, char *err, size_t errlen);

#endif
