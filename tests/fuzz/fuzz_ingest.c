/* fuzz_ingest.c — the hub's ingest body parser must never crash, leak or
 * read out of bounds, whatever a kiosk (or anyone with a token) sends. What
 * decodes must encode again wherever every record is valid, and decoding
 * that encoding must give the same records. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amends/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    am_proto_batch *b = NULL;
    char err[256];
    if (am_proto_batch_decode((const char *)data, size, &b, err, sizeof err) != AM_OK)
        return 0;
    size_t valid = 0;
    for (size_t i = 0; i < b->count; i++) {
        char reason[AM_PROTO_REASON_MAX];
        if (b->records[i].valid) {
            valid++;
            if (!am_proto_record_check(&b->records[i], "r", reason, sizeof reason))
                abort(); /* decoding let through what checking refuses */
        }
    }
    if (valid == b->count) {
        char *text = am_proto_batch_encode(b, err, sizeof err);
        if (!text)
            abort();
        am_proto_batch *again = NULL;
        if (am_proto_batch_decode(text, strlen(text), &again, err, sizeof err) != AM_OK ||
            again->count != b->count)
            abort();
        for (size_t i = 0; i < b->count; i++) {
            if (!again->records[i].valid || strcmp(again->records[i].id, b->records[i].id) != 0)
                abort();
        }
        am_proto_batch_free(again);
        free(text);
    }
    am_proto_response *resp = am_proto_response_new(b->batch, b->count);
    if (resp) {
        for (size_t i = 0; i < b->count; i++) {
            memcpy(resp->results[i].id, b->records[i].id, sizeof resp->results[i].id);
            resp->results[i].status = b->records[i].valid ? AM_PROTO_STORED : AM_PROTO_REJECTED;
            memcpy(resp->results[i].reason, b->records[i].reason, sizeof resp->results[i].reason);
        }
        char *text = am_proto_response_encode(resp);
        free(text);
        am_proto_response_free(resp);
    }
    am_proto_batch_free(b);
    return 0;
}
