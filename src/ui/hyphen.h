/* hyphen.h — where a word may break with a hyphen, from the system's
 * hyphenation dictionaries (libhyphen, Debian's hyphen-en-us, hyphen-es,
 * hyphen-fr and hyphen-de in /usr/share/hyphen).
 *
 * English, Spanish, French and German have dictionaries; Chinese breaks
 * between characters and Arabic never breaks inside a word, so they have
 * none. Loading one takes from milliseconds (Spanish) to seconds (German,
 * 1 MB of patterns), far too long for a frame: am_hyphen_preload loads them
 * on a thread of their own while the kiosk starts, and am_hyphen_points
 * never waits: until its language is loaded a word has no points (the
 * layout then breaks it between letters, with a hyphen). Loaded
 * dictionaries are read-only and kept for the life of the process.
 */
#ifndef AMENDS_UI_HYPHEN_H
#define AMENDS_UI_HYPHEN_H

#include <stdbool.h>
#include <stddef.h>

/* The longest word looked up; longer ones get no points. */
#define AM_HYPHEN_WORD_MAX 96

/* Starts loading, on a thread of its own, the dictionaries of the
 * languages with want[lang] true. Once per process; later calls do nothing. */
void am_hyphen_preload(const bool want[]);

/* Marks in brk[0..len) the byte offsets of `word` (UTF-8, letters only,
 * any case) before which a hyphen may break it: brk[i] is true when "word
 * up to i" + "-" / "the rest" is a correct hyphenation in `lang`. Returns
 * how many points; 0 when there are none, the language has no dictionary
 * (or it is not installed: said once in the log), or it is not loaded yet.
 * Never waits. */
int am_hyphen_points(int lang, const char *word, size_t len, bool *brk);

/* Loads `lang`'s dictionary now if no one has (waiting for the loader if
 * it is at it), and says whether it is there. For tests and tools. */
bool am_hyphen_available(int lang);

#endif
