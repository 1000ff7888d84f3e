/* config_internal.h — what src/config shares with its own tests.
 *
 * Not a public header: the kiosk and tools use config_file.h. The key list
 * is exposed so that a unit test can check that config/amends.conf
 * documents every key the loader accepts.
 */
#ifndef AMENDS_CONFIG_INTERNAL_H
#define AMENDS_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

/* The built-in defaults as INI text (defaults.c), parsed before any file. */
extern const char am_config_defaults_ini[];

/* Key number i the loader accepts: its section kind ("kiosk", "category",
 * ...), its name ("timeout", "label") and whether it takes language
 * suffixes ("label.es"). Returns false when i is past the last key. */
bool am_config_key_at(size_t i, const char **section, const char **key, bool *translatable);

#endif
