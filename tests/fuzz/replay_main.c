/* replay_main.c — runs a fuzz target over every file of its corpus
 * directory, so the corpus (and every crasher kept in it) is replayed as an
 * ordinary test without libFuzzer. Fails when the directory is empty. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    DIR *dir = opendir(argv[1]);
    if (!dir) {
        perror(argv[1]);
        return 1;
    }
    int files = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", argv[1], de->d_name);
        FILE *f = fopen(path, "rb");
        if (!f) {
            perror(path);
            closedir(dir);
            return 1;
        }
        size_t cap = 1 << 16, len = 0;
        uint8_t *buf = malloc(cap);
        size_t n;
        while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
            len += n;
            if (len == cap) {
                uint8_t *bigger = realloc(buf, cap * 2);
                if (!bigger)
                    break;
                buf = bigger;
                cap *= 2;
            }
        }
        fclose(f);
        if (!buf) {
            closedir(dir);
            return 1;
        }
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        files++;
    }
    closedir(dir);
    if (files == 0) {
        fprintf(stderr, "%s: corpus is empty\n", argv[1]);
        return 1;
    }
    printf("replayed %d inputs from %s\n", files, argv[1]);
    return 0;
}
