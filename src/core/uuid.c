/* uuid.c — UUID version 7 text (see include/amends/uuid.h). */
#include "amends/uuid.h"

void am_uuid_v7_text(const unsigned char random16[16], int64_t unix_ms,
                     char out[AM_UUID_TEXT_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    uint64_t ms = unix_ms > 0 ? (uint64_t)unix_ms : 0;
    for (int i = 0; i < 16; i++)
        b[i] = random16[i];
    for (int i = 0; i < 6; i++) /* 48 bits, big-endian */
        b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x70); /* version 7 */
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 9562 variant */
    int o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 0x0f];
    }
    out[o] = '\0';
}
