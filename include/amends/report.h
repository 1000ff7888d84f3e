/* report.h — the guest's report (am_report, in journey.h) described once.
 *
 * One row per field of am_report that a guest gives: its name, its kind,
 * where it lives in the struct, its limits and how an enum value is named.
 * Everything that stores, sends, receives or exports a report walks this
 * table instead of spelling the fields out: the kiosk's store (columns,
 * binding, reading, purging), the wire format (src/proto/batch.c), the
 * hub's insert and query, both exports (amendsctl and the kiosk's USB
 * export, and the hub's /v1/feedback), and the journey and layout when they
 * look up the text field a guest types into.
 *
 * The name is the one name of the field everywhere: the key in the wire
 * format (docs/protocol.md), the column of the kiosk's store and of the
 * hub's database, and the column of every export. Values are written the
 * way the wire carries them: enums by name, the language by its code,
 * numbers as integers (money in minor units).
 *
 * The outcome of a journey is not in the table: it is the journey's state,
 * not something the guest gave, and each of those places handles it (and
 * the record's id, kiosk and times) before the report's fields.
 *
 * To add a field: add the member to am_report and one row to the table in
 * src/core/report.c (wire_optional true, so kiosks not yet updated are
 * still heard). The kiosk's store and the hub's database then need a
 * migration step that adds the column (src/store/schema.c, the hub's
 * migrations), and docs/protocol.md's feedback table lists the key. Nothing
 * else changes: tests/sync/test_report_fields.c walks the table through the
 * store, the wire, the hub and both exports, and checks the doc's table.
 */
#ifndef AMENDS_REPORT_H
#define AMENDS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amends/journey.h"

typedef enum am_report_kind {
    AM_RK_LANG = 0, /* int: an am_lang index; named by its code ("en") */
    AM_RK_ID,       /* char[]: a configuration id, [a-z0-9_]{1,32} */
    AM_RK_ID_OPT,   /* char[]: a configuration id or "" */
    AM_RK_TEXT,     /* char[]: what the guest typed, UTF-8, at most `cap` characters */
    AM_RK_ASCII,    /* char[]: printable ASCII, at most `cap` bytes */
    AM_RK_ENUM,     /* int: an enum value, named by `enum_name` */
    AM_RK_INT,      /* int: lo..hi */
    AM_RK_INT64,    /* int64_t: lo..hi */
} am_report_kind;

typedef struct am_report_field_def {
    const char *name; /* wire key, store and hub column, export column */
    am_report_kind kind;
    size_t offset; /* offsetof(am_report, member) */
    size_t size;   /* sizeof the member */
    size_t cap;    /* TEXT: characters; ASCII: bytes */
    /* ENUM, INT, INT64: the values a sent report may carry. */
    int64_t lo, hi;
    /* ENUM: the name of each value 0..enum_count-1 (value 0 may be named ""
     * and means "not given"); NULL for other kinds. */
    const char *(*enum_name)(int value);
    int enum_count;
    /* TEXT the guest types on a screen: which; AM_FIELD_NONE otherwise. */
    am_field input;
    /* Personal data: wiped when a manager purges old journeys. */
    bool personal;
    /* May be absent from a feedback record on the wire; it then reads as
     * 0 or "". For a field added once kiosks are deployed, so the hub still
     * takes an older kiosk's records; its zero must pass the field's rules
     * (an ID_OPT, TEXT or ASCII field, or a number whose lo is 0). */
    bool wire_optional;
} am_report_field_def;

/* The table, in wire order. Borrowed, static. It has at most
 * AM_REPORT_FIELDS_MAX rows, so users may size arrays by it. */
#define AM_REPORT_FIELDS_MAX 48
extern const am_report_field_def am_report_fields[];
extern const size_t am_report_field_count;

/* The row called `name`, or NULL. */
const am_report_field_def *am_report_field_find(const char *name);
/* The row of a text field a guest types into, or NULL for AM_FIELD_NONE. */
const am_report_field_def *am_report_input_def(am_field f);

/* Where field d lives in r. */
const void *am_report_member(const am_report *r, const am_report_field_def *d);
void *am_report_member_mut(am_report *r, const am_report_field_def *d);

/* LANG, ENUM, INT and INT64 fields as an integer; 0 for text kinds. */
int64_t am_report_get_int(const am_report *r, const am_report_field_def *d);
/* Sets a LANG, ENUM, INT or INT64 field; ignored for text kinds. */
void am_report_set_int(am_report *r, const am_report_field_def *d, int64_t value);
/* ID, ID_OPT, TEXT and ASCII fields: the text; NULL for other kinds. */
const char *am_report_get_text(const am_report *r, const am_report_field_def *d);

/* The value of ENUM field d as its name, or NULL when the value is not
 * 0..enum_count-1. LANG: the language code, NULL out of range. */
const char *am_report_value_name(const am_report *r, const am_report_field_def *d);
/* The value of name for ENUM field d (or the index of a language code for
 * LANG): 0 and *value set, or -1 when no value has that name. */
int am_report_value_parse(const am_report_field_def *d, const char *name, int *value);

/* Field d's value as text, the way the wire carries it: the string itself,
 * an enum's name, the language code, a number in decimal. Points into r,
 * into static names, or into buf (at least 24 bytes). Never NULL: an enum
 * or language out of range gives "". */
const char *am_report_value_text(const am_report *r, const am_report_field_def *d, char *buf,
                                 size_t buflen);

/* True for the kinds held as a number on the wire (INT, INT64). */
bool am_report_kind_is_number(am_report_kind k);

#endif
