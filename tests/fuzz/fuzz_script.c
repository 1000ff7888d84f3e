/* fuzz_script.c — the automation script parser must never crash, leak or
 * read out of bounds, whatever a script file holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "amends/script.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    am_script *s = NULL;
    char err[512];
    if (am_script_parse("fuzz", text, &s, err, sizeof err) == AM_OK) {
        /* Whatever parsed must be usable as the runner would use it. */
        for (size_t i = 0; i < s->count; i++) {
            if (s->cmds[i].arg)
                (void)strlen(s->cmds[i].arg);
        }
    }
    am_script_free(s);
    free(text);
    return 0;
}
