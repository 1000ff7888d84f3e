/* error.h — the one result type that every amends module returns.
 *
 * Functions return AM_OK (0) on success and a positive am_rc otherwise, so
 * callers check them the same way each time: `rc = f(); if (rc) goto out;`.
 * A human-readable reason goes into a caller-supplied buffer or the module's
 * own errmsg accessor; the code is for deciding what to do next.
 */
#ifndef AMENDS_ERROR_H
#define AMENDS_ERROR_H

typedef enum am_rc {
    AM_OK = 0,
    AM_ERR,          /* a failure with no more specific class */
    AM_ERR_NOMEM,    /* out of memory */
    AM_ERR_INVALID,  /* bad argument or input (bad UTF-8, bad value) */
    AM_ERR_NOTFOUND, /* the thing asked for does not exist */
    AM_ERR_IO,       /* a file or device failed */
    AM_ERR_FULL,     /* disk or database full, and nothing else: nothing more can be kept */
    AM_ERR_READONLY, /* storage is read-only */
    AM_ERR_CORRUPT,  /* storage is damaged */
    AM_ERR_BUSY,     /* storage locked by someone else past the busy timeout */
    AM_ERR_VERSION,  /* storage written by a newer amends */
    AM_ERR_CONFIG,   /* configuration is wrong */
    AM_ERR_LOCKED,   /* another instance holds the lock */
    AM_ERR_TOOBIG,   /* input over a size or count limit (a body, a batch) */
} am_rc;

/* Short English name of a result code ("disk full", ...); never NULL. */
const char *am_rc_str(am_rc rc);

#endif
