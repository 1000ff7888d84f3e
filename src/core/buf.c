/* buf.c — the capped, wipe-on-grow buffer (see buf.h). */
#include "amends/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/text.h"

#define FIRST_CAP 256

void am_buf_init(am_buf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->rc = AM_OK;
}

static am_rc fail(am_buf *b, am_rc rc)
{
    size_t max = b->max;
    am_buf_free(b);
    b->max = max;
    b->rc = rc;
    return rc;
}

/* Room for `more` bytes and the NUL. Grows by doubling, never past the
 * cap; the old block is copied, wiped and freed (not realloc, which may
 * free it unwiped). */
static am_rc reserve(am_buf *b, size_t more)
{
    if (b->rc)
        return b->rc;
    if (more > b->max - b->len)
        return fail(b, AM_ERR_TOOBIG);
    size_t need = b->len + more + 1;
    if (need <= b->cap)
        return AM_OK;
    size_t cap = b->cap ? b->cap : FIRST_CAP;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (b->max < SIZE_MAX && cap > b->max + 1)
        cap = b->max + 1;
    char *p = malloc(cap);
    if (!p)
        return fail(b, AM_ERR_NOMEM);
    if (b->p) {
        memcpy(p, b->p, b->len + 1);
        am_wipe(b->p, b->cap);
        free(b->p);
    }
    b->p = p;
    b->cap = cap;
    return AM_OK;
}

am_rc am_buf_add(am_buf *b, const void *data, size_t n)
{
    am_rc rc = reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return AM_OK;
}

am_rc am_buf_adds(am_buf *b, const char *s)
{
    return am_buf_add(b, s, strlen(s));
}

am_rc am_buf_vaddf(am_buf *b, const char *fmt, va_list ap)
{
    if (b->rc)
        return b->rc;
    va_list again;
    va_copy(again, ap);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    am_rc rc = AM_OK;
    if (n < 0) {
        rc = fail(b, AM_ERR_INVALID);
    } else if ((size_t)n < sizeof small) {
        rc = am_buf_add(b, small, (size_t)n);
    } else {
        rc = reserve(b, (size_t)n);
        if (!rc) {
            vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
            b->len += (size_t)n;
        }
    }
    va_end(again);
    am_wipe(small, sizeof small);
    return rc;
}

am_rc am_buf_addf(am_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    am_rc rc = am_buf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *am_buf_space(am_buf *b, size_t n)
{
    if (reserve(b, n))
        return NULL;
    return b->p + b->len;
}

void am_buf_commit(am_buf *b, size_t n)
{
    if (b->rc || !b->p || n > b->cap - b->len - 1)
        return;
    b->len += n;
    b->p[b->len] = '\0';
}

const char *am_buf_str(const am_buf *b)
{
    return b->p && !b->rc ? b->p : "";
}

size_t am_buf_len(const am_buf *b)
{
    return b->rc ? 0 : b->len;
}

am_rc am_buf_rc(const am_buf *b)
{
    return b->rc;
}

char *am_buf_take(am_buf *b, size_t *len)
{
    if (len)
        *len = 0;
    if (b->rc)
        return NULL;
    char *p = b->p;
    if (!p) {
        p = malloc(1);
        if (!p)
            return NULL;
        p[0] = '\0';
    }
    if (len)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void am_buf_free(am_buf *b)
{
    if (!b)
        return;
    if (b->p) {
        am_wipe(b->p, b->cap);
        free(b->p);
    }
    b->p = NULL;
    b->len = b->cap = 0;
    b->rc = AM_OK;
}
