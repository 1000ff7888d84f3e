/* hub_password.c — password rules and Argon2id hashing (libsodium). */
#include "hub_password.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Made at build time by common-words.sh: sorted in byte order. */
extern const char *const hub_common_words[];
extern const size_t hub_common_word_count;

static int cmp_word(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

bool hub_password_common_word(const char *word)
{
    return bsearch(word, hub_common_words, hub_common_word_count, sizeof hub_common_words[0],
                   cmp_word) != NULL;
}

size_t hub_password_common_count(void)
{
    return hub_common_word_count;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* True when s (length n > 1) is one shorter piece written again and again. */
static bool repeats(const char *s, size_t n)
{
    for (size_t unit = 1; unit <= n / 2; unit++) {
        if (n % unit)
            continue;
        size_t i = unit;
        while (i < n && s[i] == s[i - unit])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* Digits and symbols that stand for letters ("p@ssw0rd"). */
static char unleet(char c)
{
    static const char from[] = "0134578@$!|";
    static const char to[] = "oieastbasil";
    const char *p = c ? strchr(from, c) : NULL;
    return p ? to[p - from] : c;
}

am_rc hub_password_check(const char *pw, char *why, size_t whylen)
{
    size_t bytes = strlen(pw), chars = 0;
    for (size_t i = 0; i < bytes; i++)
        chars += ((unsigned char)pw[i] & 0xC0) != 0x80;
    if (bytes > HUB_PASSWORD_MAX) {
        snprintf(why, whylen, "The password is too long: at most %d bytes.", HUB_PASSWORD_MAX);
        return AM_ERR_INVALID;
    }
    if (chars < HUB_PASSWORD_MIN) {
        snprintf(why, whylen,
                 "The password is too short: it has %zu characters and needs at least %d. "
                 "A phrase of three or four unrelated words is long enough and easy to remember.",
                 chars, HUB_PASSWORD_MIN);
        return AM_ERR_INVALID;
    }
    char low[HUB_PASSWORD_MAX + 1], core[HUB_PASSWORD_MAX + 1];
    for (size_t i = 0; i <= bytes; i++)
        low[i] = (pw[i] >= 'A' && pw[i] <= 'Z') ? (char)(pw[i] - 'A' + 'a') : pw[i];
    /* What is left once digits and symbols at either end are taken off,
     * and the same with the digits and symbols inside read as letters. */
    size_t start = 0, end = bytes;
    while (start < end && !is_alpha(low[start]) && (unsigned char)low[start] < 0x80)
        start++;
    while (end > start && !is_alpha(low[end - 1]) && (unsigned char)low[end - 1] < 0x80)
        end--;
    size_t n = end - start;
    memcpy(core, low + start, n);
    core[n] = '\0';
    bool common = n == 0 || hub_password_common_word(low) || hub_password_common_word(core);
    if (!common) {
        for (size_t i = 0; i < n; i++)
            core[i] = unleet(core[i]);
        common = hub_password_common_word(core);
    }
    if (!common)
        common = repeats(low, bytes) || repeats(core, n);
    sodium_memzero(low, sizeof low);
    sodium_memzero(core, sizeof core);
    if (common) {
        snprintf(why, whylen,
                 "That password is too common: it is a common word or password, or one short "
                 "piece repeated, perhaps with digits or symbols added. Choose a phrase of three "
                 "or four unrelated words instead.");
        return AM_ERR_INVALID;
    }
    return AM_OK;
}

am_rc hub_password_hash(const char *pw, char out[HUB_PASSWORD_HASH_MAX])
{
    if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return AM_ERR_NOMEM;
    return AM_OK;
}

static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[HUB_PASSWORD_HASH_MAX];

static void make_dummy(void)
{
    char pw[HUB_PASSWORD_MIN * 4];
    randombytes_buf(pw, sizeof pw - 1);
    for (size_t i = 0; i < sizeof pw - 1; i++)
        pw[i] = (char)('a' + (unsigned char)pw[i] % 26);
    pw[sizeof pw - 1] = '\0';
    if (hub_password_hash(pw, dummy_hash) != AM_OK)
        dummy_hash[0] = '\0';
    sodium_memzero(pw, sizeof pw);
}

bool hub_password_verify(const char *hash, const char *pw)
{
    pthread_once(&dummy_once, make_dummy);
    bool real = hash && hash[0];
    const char *against = real ? hash : dummy_hash;
    if (!against[0])
        return false;
    bool ok = crypto_pwhash_str_verify(against, pw, strlen(pw)) == 0;
    return real && ok;
}
