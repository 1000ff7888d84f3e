/* fuzz_config.c — libFuzzer target for the site configuration loader.
 *
 * The input is used as the text of a config file: any bytes must give
 * either a config or one error line, never a crash, a leak or a hang. The
 * replay test runs tests/fuzz/corpus/config/ through it on every build. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amends/config_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    am_config *cfg = NULL;
    /* The loader takes NUL-terminated text, as read from a file; a NUL
     * inside the input simply ends the text early. */
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (am_config_load_string("fuzz.conf", text, &cfg, err, sizeof err) == AM_OK)
        am_config_free(cfg);
    free(text);
    return 0;
}
