/* report.c — the guest's report described once (see amends/report.h). */
#include "amends/report.h"

#include <stdio.h>
#include <string.h>

static const char *severity_name(int v)
{
    return am_severity_name((am_severity)v);
}
static const char *offer_state_name(int v)
{
    return am_offer_state_name((am_offer_state)v);
}
static const char *consent_name(int v)
{
    return am_consent_name((am_consent)v);
}

#define AT(member)       offsetof(am_report, member), sizeof(((am_report *)0)->member)
#define TEXT(member, cp) AT(member), (cp)
/* The largest offer value a report may carry, in minor units. */
#define MAX_VALUE_MINOR 1000000000000LL

/* name, kind, offset and size, cap, lo, hi, enum_name, enum_count, input, personal,
 * wire_optional */
const am_report_field_def am_report_fields[] = {
    {"lang", AM_RK_LANG, AT(lang), 0, 0, AM_LANG_COUNT - 1, NULL, 0, AM_FIELD_NONE, false, false},
    {"category", AM_RK_ID, AT(category), 0, 0, 0, NULL, 0, AM_FIELD_NONE, false, false},
    {"severity", AM_RK_ENUM, AT(severity), 0, AM_SEVERITY_MINOR, AM_SEVERITY_SEVERE, severity_name,
     AM_SEVERITY_SEVERE + 1, AM_FIELD_NONE, false, false},
    {"description", AM_RK_TEXT, TEXT(description, AM_CAP_DESCRIPTION), 0, 0, NULL, 0,
     AM_FIELD_DESCRIPTION, true, false},
    {"first_name", AM_RK_TEXT, TEXT(first_name, AM_CAP_NAME), 0, 0, NULL, 0, AM_FIELD_NAME, true,
     false},
    /* Where it happened names a place, not a person: it is what the hub
     * groups repeat issues by, so a purge keeps it. */
    {"location", AM_RK_TEXT, TEXT(location, AM_CAP_LOCATION), 0, 0, NULL, 0, AM_FIELD_LOCATION,
     false, true},
    {"resolution", AM_RK_ID_OPT, AT(resolution), 0, 0, 0, NULL, 0, AM_FIELD_NONE, false, false},
    {"resolution_text", AM_RK_TEXT, TEXT(resolution_text, AM_CAP_RESOLUTION_TEXT), 0, 0, NULL, 0,
     AM_FIELD_RESOLUTION_TEXT, true, false},
    {"offer", AM_RK_ID_OPT, AT(offer), 0, 0, 0, NULL, 0, AM_FIELD_NONE, false, false},
    {"offer_value_minor", AM_RK_INT64, AT(offer_value_minor), 0, 0, MAX_VALUE_MINOR, NULL, 0,
     AM_FIELD_NONE, false, false},
    {"offer_state", AM_RK_ENUM, AT(offer_state), 0, AM_OFFER_NONE, AM_OFFER_ESCALATED,
     offer_state_name, AM_OFFER_ESCALATED + 1, AM_FIELD_NONE, false, false},
    {"voucher", AM_RK_ASCII, TEXT(voucher, AM_VOUCHER_MAX - 1), 0, 0, NULL, 0, AM_FIELD_NONE, false,
     false},
    {"rating", AM_RK_INT, AT(rating), 0, 0, 5, NULL, 0, AM_FIELD_NONE, false, false},
    {"comment", AM_RK_TEXT, TEXT(comment, AM_CAP_COMMENT), 0, 0, NULL, 0, AM_FIELD_COMMENT, true,
     false},
    {"contact", AM_RK_TEXT, TEXT(contact, AM_CAP_CONTACT), 0, 0, NULL, 0, AM_FIELD_CONTACT, true,
     false},
    {"consent", AM_RK_ENUM, AT(consent), 0, AM_CONSENT_UNSET, AM_CONSENT_NO, consent_name,
     AM_CONSENT_NO + 1, AM_FIELD_NONE, false, false},
};
const size_t am_report_field_count = sizeof am_report_fields / sizeof am_report_fields[0];
_Static_assert(sizeof am_report_fields / sizeof am_report_fields[0] <= AM_REPORT_FIELDS_MAX,
               "more report fields than AM_REPORT_FIELDS_MAX");

/* Enums and the language are read and written through int. */
_Static_assert(sizeof(am_severity) == sizeof(int), "enums are stored through int");
_Static_assert(sizeof(am_offer_state) == sizeof(int), "enums are stored through int");
_Static_assert(sizeof(am_consent) == sizeof(int), "enums are stored through int");

const am_report_field_def *am_report_field_find(const char *name)
{
    for (size_t i = 0; name && i < am_report_field_count; i++) {
        if (strcmp(am_report_fields[i].name, name) == 0)
            return &am_report_fields[i];
    }
    return NULL;
}

const am_report_field_def *am_report_input_def(am_field f)
{
    for (size_t i = 0; f != AM_FIELD_NONE && i < am_report_field_count; i++) {
        if (am_report_fields[i].input == f)
            return &am_report_fields[i];
    }
    return NULL;
}

const void *am_report_member(const am_report *r, const am_report_field_def *d)
{
    return (const char *)r + d->offset;
}

void *am_report_member_mut(am_report *r, const am_report_field_def *d)
{
    return (char *)r + d->offset;
}

static bool is_int(am_report_kind k)
{
    return k == AM_RK_LANG || k == AM_RK_ENUM || k == AM_RK_INT;
}

bool am_report_kind_is_number(am_report_kind k)
{
    return k == AM_RK_INT || k == AM_RK_INT64;
}

int64_t am_report_get_int(const am_report *r, const am_report_field_def *d)
{
    const void *p = am_report_member(r, d);
    if (is_int(d->kind)) {
        int v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    if (d->kind == AM_RK_INT64) {
        int64_t v;
        memcpy(&v, p, sizeof v);
        return v;
    }
    return 0;
}

void am_report_set_int(am_report *r, const am_report_field_def *d, int64_t value)
{
    void *p = am_report_member_mut(r, d);
    if (is_int(d->kind)) {
        int v = (int)value;
        memcpy(p, &v, sizeof v);
    } else if (d->kind == AM_RK_INT64) {
        memcpy(p, &value, sizeof value);
    }
}

const char *am_report_get_text(const am_report *r, const am_report_field_def *d)
{
    if (is_int(d->kind) || d->kind == AM_RK_INT64)
        return NULL;
    return am_report_member(r, d);
}

const char *am_report_value_name(const am_report *r, const am_report_field_def *d)
{
    int64_t v = am_report_get_int(r, d);
    if (d->kind == AM_RK_LANG)
        return v >= 0 && v < AM_LANG_COUNT ? am_lang_codes[v] : NULL;
    if (d->kind == AM_RK_ENUM)
        return v >= 0 && v < d->enum_count ? d->enum_name((int)v) : NULL;
    return NULL;
}

int am_report_value_parse(const am_report_field_def *d, const char *name, int *value)
{
    if (!name)
        return -1;
    if (d->kind == AM_RK_LANG) {
        int lang = am_lang_index(name);
        if (lang < 0)
            return -1;
        *value = lang;
        return 0;
    }
    for (int v = 0; d->kind == AM_RK_ENUM && v < d->enum_count; v++) {
        if (strcmp(d->enum_name(v), name) == 0) {
            *value = v;
            return 0;
        }
    }
    return -1;
}

const char *am_report_value_text(const am_report *r, const am_report_field_def *d, char *buf,
                                 size_t buflen)
{
    const char *name;
    switch (d->kind) {
    case AM_RK_LANG:
    case AM_RK_ENUM:
        name = am_report_value_name(r, d);
        return name ? name : "";
    case AM_RK_INT:
    case AM_RK_INT64:
        snprintf(buf, buflen, "%lld", (long long)am_report_get_int(r, d));
        return buf;
    default:
        return am_report_get_text(r, d);
    }
}
