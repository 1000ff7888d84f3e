/* buf.h — a growable byte buffer with a hard cap, for anything that may
 * hold a guest's words (request and reply bodies, pages, encoded batches).
 * Modelled on curl's dynbuf:
 *
 * - Every buffer has a cap, set once: an append that would take the content
 *   past `max` bytes is refused with AM_ERR_TOOBIG, so no input can make a
 *   buffer grow without bound.
 * - When the buffer grows, the old block is wiped before it is freed, and
 *   am_buf_free wipes too: guest text never lingers in freed heap.
 * - A refused append (too big, or out of memory) wipes and frees what was
 *   kept and sticks: later appends do nothing and return the same code, so
 *   a caller may append many times and check am_buf_rc once at the end.
 *
 * The struct is public so that it can live inside other structs and on the
 * stack; its fields are private: use the functions. The content is always
 * NUL-terminated (the terminator is not counted in the cap or the length).
 * libc only.
 */
#ifndef AMENDS_BUF_H
#define AMENDS_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include "amends/error.h"

typedef struct am_buf {
    char *p;    /* owned; NULL until the first byte */
    size_t len; /* content bytes, NUL not counted */
    size_t cap; /* bytes allocated at p */
    size_t max; /* hard cap on len */
    am_rc rc;   /* AM_OK, or the failure that stuck */
} am_buf;

/* An empty buffer that will hold at most `max` bytes. Allocates nothing. */
void am_buf_init(am_buf *b, size_t max);

/* Appends n bytes. AM_OK, AM_ERR_TOOBIG (the cap), AM_ERR_NOMEM, or the
 * failure that stuck earlier. */
am_rc am_buf_add(am_buf *b, const void *data, size_t n);
/* Appends a NUL-terminated string. */
am_rc am_buf_adds(am_buf *b, const char *s);
/* Appends printf-formatted text. */
am_rc am_buf_addf(am_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
am_rc am_buf_vaddf(am_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Makes room for n more bytes and returns where they go, for code that
 * writes in place (an encoder); am_buf_commit then counts what was written
 * (at most n). NULL when refused, as am_buf_add would be. */
char *am_buf_space(am_buf *b, size_t n);
void am_buf_commit(am_buf *b, size_t n);

/* The content, NUL-terminated; "" when empty or failed. Borrowed: valid
 * until the next call that changes b. */
const char *am_buf_str(const am_buf *b);
size_t am_buf_len(const am_buf *b);
/* AM_OK, or the failure that stuck. */
am_rc am_buf_rc(const am_buf *b);

/* Hands the content to the caller (free with free(); wipe it first if it
 * holds guest text) and leaves b empty with its cap. NULL when the buffer
 * failed or memory ran out; an empty buffer gives "". */
char *am_buf_take(am_buf *b, size_t *len);

/* Wipes and frees the content; b is then empty, with its cap and no
 * failure, ready for reuse. Accepts NULL. */
void am_buf_free(am_buf *b);

#endif
