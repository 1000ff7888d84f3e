/* config_file.h — reading and checking INI site configuration (inih).
 *
 * A file is applied on top of the built-in defaults. Sections that define
 * lists ([category.*], [resolution.*], [offer.*]) replace the built-in list
 * of their kind as soon as the file defines one; scalar keys override one by
 * one. Anything wrong stops loading with "FILE:LINE: key: what is wrong" in
 * err: unknown section or key, bad number, out of range, unknown category or
 * resolution referenced, unknown language, a file that does not exist. A typo
 * is never silently replaced by a default.
 */
#ifndef AMENDS_CONFIG_FILE_H
#define AMENDS_CONFIG_FILE_H

#include <stddef.h>

#include "amends/config.h"
#include "amends/error.h"

/* Loads the built-in defaults and then `path` (NULL: defaults only). On
 * success *out owns a new config (free with am_config_free). On failure
 * returns AM_ERR_CONFIG (or AM_ERR_NOMEM), *out is NULL and err holds one
 * line "FILE:LINE: key: reason". */
am_rc am_config_load(const char *path, am_config **out, char *err, size_t errlen);

/* Same, from text in memory; `name` stands for the file in messages. */
am_rc am_config_load_string(const char *name, const char *text, am_config **out, char *err,
                            size_t errlen);

#endif
