/* error.c — names of the result codes, for messages people read. */
#include "amends/error.h"

const char *am_rc_str(am_rc rc)
{
    switch (rc) {
    case AM_OK:
        return "ok";
    case AM_ERR:
        return "failed";
    case AM_ERR_NOMEM:
        return "out of memory";
    case AM_ERR_INVALID:
        return "invalid input";
    case AM_ERR_NOTFOUND:
        return "not found";
    case AM_ERR_IO:
        return "input/output error";
    case AM_ERR_FULL:
        return "disk full";
    case AM_ERR_READONLY:
        return "storage is read-only";
    case AM_ERR_CORRUPT:
        return "storage is damaged";
    case AM_ERR_BUSY:
        return "storage is busy";
    case AM_ERR_VERSION:
        return "storage version not supported";
    case AM_ERR_CONFIG:
        return "configuration error";
    case AM_ERR_LOCKED:
        return "another instance is running";
    case AM_ERR_TOOBIG:
        return "over the size limit";
    }
    return "unknown error";
}
