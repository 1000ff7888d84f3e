/* fuzz_voucher.c — the voucher code parser and the whole offline check
 * must never crash or read out of bounds, whatever staff type, and
 * whatever they type must get exactly one answer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amends/voucher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static am_rc one_record(void *ud, const char *code, am_voucher_record *rec)
{
    const am_voucher_record *known = ud;
    if (strcmp(code, known->code) != 0)
        return AM_ERR_NOTFOUND;
    *rec = *known;
    return AM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static am_voucher_key key = {{1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                  17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}};
    static am_voucher_record known;
    if (!known.code[0]) {
        am_voucher_encode(&key, "lobby-1", 7, known.code);
        strcpy(known.kiosk, "lobby-1");
        strcpy(known.offer_id, "breakfast");
        known.serial = 7;
        known.value_minor = 1500;
        known.expires_ms = INT64_C(1790000000000);
    }
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    am_voucher_code code;
    char why[160];
    am_rc rc = am_voucher_parse(text, &code, why, sizeof why);
    if (rc == AM_OK) {
        /* A parsed code reads back as itself. */
        am_voucher_code again;
        if (am_voucher_parse(code.text, &again, why, sizeof why) != AM_OK ||
            strcmp(again.text, code.text) != 0 || again.tag != code.tag ||
            again.short_serial != code.short_serial)
            abort();
    } else if (!why[0]) {
        abort(); /* every refusal says why */
    }
    am_voucher_result result;
    if (am_voucher_verify(&key, "lobby-1", text, INT64_C(1780000000000), 70000, one_record, &known,
                          &result) != AM_OK)
        abort();
    if ((unsigned)result.status >= AM_VOUCHER_STATUS_COUNT || !result.reason[0])
        abort();
    if ((result.status == AM_VOUCHER_MALFORMED) != (rc != AM_OK))
        abort();
    /* Only the one real code may be accepted. */
    if (result.status == AM_VOUCHER_VALID && strcmp(result.code.text, known.code) != 0)
        abort();
    free(text);
    return 0;
}
