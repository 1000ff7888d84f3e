/* fuzz_response.c — the sync worker's reading of the hub's ingest answer
 * must never crash, leak or read out of bounds, whatever comes back (a
 * proxy's error page, a truncated body, a hostile server). A verdict is
 * only ever given for a record whose id the answer names at its index. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amends/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The batch the answers are read against: the ids used in the corpus. */
static const char batch_id[] = "0f0e0d0c-0b0a-4908-8706-050403020100";
static const char ids[3][AM_PROTO_UUID_LEN + 1] = {
    "11111111-1111-4111-8111-111111111111",
    "22222222-2222-4222-8222-222222222222",
    "33333333-3333-4333-8333-333333333333",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    am_sync_verdict verdicts[3];
    char err[256];
    /* Also through the copy the worker reads: NUL-terminated. */
    char *body = malloc(size + 1);
    if (!body)
        return 0;
    memcpy(body, data, size);
    body[size] = '\0';
    am_rc rc = am_sync_read_response(body, size, batch_id, ids, 3, verdicts, err, sizeof err);
    for (int i = 0; i < 3; i++) {
        if (rc != AM_OK && verdicts[i].answered)
            abort(); /* a refused answer must settle nothing */
        if (verdicts[i].answered && (int)verdicts[i].status >= AM_PROTO_STATUS_COUNT)
            abort();
        if (memchr(verdicts[i].reason, '\0', sizeof verdicts[i].reason) == NULL)
            abort();
    }
    if (rc != AM_OK && memchr(err, '\0', sizeof err) == NULL)
        abort();
    free(body);
    return 0;
}
