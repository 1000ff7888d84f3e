/* hyphen.h — where a word may break with a hyphen, from the system's
 * hyphenation dictionaries (libhyphen, Debian's hyphen-en-us, hyphen-es,
 * hyphen-fr and hyphen-de in /usr/share/hyphen).
 *
 * English, Spanish, French and German have dictionaries; Chinese breaks
 * between characters and Arabic never breaks inside a word, so they have
 * none. A dictionary is loaded the first time a word of its language needs
 * breaking, and kept for the life of the process (read-only once loaded).
 * Not thread-safe: the layout is built on one thread.
 */
#ifndef AMENDS_UI_HYPHEN_H
#define AMENDS_UI_HYPHEN_H

#include <stdbool.h>
#include <stddef.h>

/* The longest word looked up; longer ones get no points. */
#define AM_HYPHEN_WORD_MAX 96

/* Marks in brk[0..len) the byte offsets of `word` (UTF-8, letters only,
 * any case) before which a hyphen may break it: brk[i] is true when "word
 * up to i" + "-" / "the rest" is a correct hyphenation in `lang`. Returns
 * how many points; 0 when there are none or the language has no
 * dictionary (or it is not installed: said once in the log). */
int am_hyphen_points(int lang, const char *word, size_t len, bool *brk);

/* Whether `lang` has a dictionary installed (loads it). */
bool am_hyphen_available(int lang);

#endif
