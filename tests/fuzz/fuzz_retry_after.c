/* fuzz_retry_after.c — the Retry-After header, as the sync worker reads it
 * (delta-seconds or any of the three HTTP-date forms), must never crash or
 * overflow; whatever it reads, the wait the worker takes is bounded by its
 * cap and never negative. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amends/retry_after.h"
#include "amends/sync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char value[128];
    /* The worker keeps at most 63 bytes of the header. */
    size_t n = size < 63 ? size : 63;
    memcpy(value, data, n);
    value[n] = '\0';
    const int64_t now_s = 1700000000;
    int64_t ms = am_sync_retry_after_ms(value, now_s);
    if (ms < -1)
        abort();
    int64_t delay_s = 0;
    am_rc rc = am_proto_retry_after(value, now_s, &delay_s);
    if ((rc == AM_OK) != (ms >= 0))
        abort();
    if (rc == AM_OK && delay_s < 0)
        abort();
    int64_t wait = am_sync_backoff_ms(3, 1000, 300000, ms, 3600000, 0.5);
    if (wait < 0 || wait > 3600000)
        abort();
    return 0;
}
