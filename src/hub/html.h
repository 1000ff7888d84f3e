/* html.h — building HTML (and inline SVG) pages in memory.
 *
 * Markup written by the hub goes in with hub_html_raw / hub_html_fmt;
 * everything else — guest text, any value read from the database, anything
 * from a request — goes in with hub_html_text, which escapes it, so a
 * guest's words can only ever show as text.
 */
#ifndef AMENDS_HUB_HTML_H
#define AMENDS_HUB_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "amends/buf.h"

/* Pages are capped: a runaway page fails instead of eating memory. */
#define HUB_HTML_MAX (8u * 1024 * 1024)

/* Starts zeroed ({0}); the page holds guest text, so it is kept in core's
 * capped buffer, which wipes what it lets go. */
typedef struct hub_html {
    am_buf buf;
    bool started;
} hub_html;

/* Trusted markup, as is. */
void hub_html_raw(hub_html *h, const char *markup);
/* Trusted markup from a format; only for numbers and hub-made strings. */
void hub_html_fmt(hub_html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Untrusted text, escaped for element content and quoted attribute values
 * (& < > " ' become entities). NULL is written as nothing. */
void hub_html_text(hub_html *h, const char *text);
/* The page (malloc'd, the caller frees it), or NULL when building failed.
 * h is empty afterwards. */
char *hub_html_take(hub_html *h);
/* Frees what was built (accepts an empty or failed builder). */
void hub_html_clear(hub_html *h);

#endif
