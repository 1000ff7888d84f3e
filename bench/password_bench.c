/* password_bench.c — what a password sign-in costs the hub: Argon2id
 * hashing and verifying at libsodium's interactive limits, and verifying
 * for a name nobody has (against the dummy hash), which must cost the
 * same so that a wrong name and a wrong password cannot be told apart by
 * time. Prints the median of each and the ratio unknown/known.
 *
 *   build/bench/password_bench [ROUNDS]     (default 21)
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "amends/clock.h"
#include "hub_password.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp);
    return v[n / 2];
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 21;
    if (rounds < 1 || rounds > 1000 || sodium_init() < 0) {
        fprintf(stderr, "usage: password_bench [ROUNDS 1-1000]\n");
        return 2;
    }
    double *hash_ms = calloc((size_t)rounds, sizeof(double));
    double *known_ms = calloc((size_t)rounds, sizeof(double));
    double *unknown_ms = calloc((size_t)rounds, sizeof(double));
    char hash[HUB_PASSWORD_HASH_MAX];
    int wrong = 0;
    /* The dummy hash is made on first use: not counted. */
    hub_password_verify(NULL, "warm up the dummy");
    for (int i = 0; i < rounds; i++) {
        int64_t t0 = am_mono_ns();
        if (hub_password_hash("harbour lamp violet kettle", hash) != AM_OK)
            return 1;
        int64_t t1 = am_mono_ns();
        wrong += hub_password_verify(hash, "quiet orchard tram seventy");
        int64_t t2 = am_mono_ns();
        wrong += hub_password_verify(NULL, "quiet orchard tram seventy");
        int64_t t3 = am_mono_ns();
        hash_ms[i] = (double)(t1 - t0) / 1e6;
        known_ms[i] = (double)(t2 - t1) / 1e6;
        unknown_ms[i] = (double)(t3 - t2) / 1e6;
    }
    double h = median(hash_ms, rounds), k = median(known_ms, rounds),
           u = median(unknown_ms, rounds);
    printf("argon2id opslimit %llu memlimit %zu MiB, %d rounds (medians)\n",
           (unsigned long long)crypto_pwhash_OPSLIMIT_INTERACTIVE,
           (size_t)crypto_pwhash_MEMLIMIT_INTERACTIVE >> 20, rounds);
    printf("hash:                    %8.1f ms\n", h);
    printf("verify, known name:      %8.1f ms\n", k);
    printf("verify, unknown name:    %8.1f ms\n", u);
    printf("ratio unknown / known:   %8.3f\n", u / k);
    free(hash_ms);
    free(known_ms);
    free(unknown_ms);
    return wrong ? 1 : 0;
}
