/* hub_bench.c — load for amends-hub over real HTTPS: many kiosks posting
 * signed batches at once through the project's client (libcurl).
 *
 *   hub_bench --urls URL[,URL...] --ca FILE --kiosks FILE --manager TOKEN
 *             [--seconds N | --batches N] [--batch RECORDS] [--interval-ms N]
 *
 * FILE lists one kiosk a line: "ID TOKEN SECRET". Each kiosk is a thread
 * posting one batch after another (kiosk i goes to URL i mod count) until
 * the time or the batch count is up, pausing a random 0 to 2x --interval-ms
 * between batches when given (a fleet at a steady pace rather than flat out). At the end the hub's
 * own count of feedback per kiosk (GET /v1/kiosks) is compared with what the kiosks were told was
 * stored: any difference is a lost or duplicated record. Prints records/s and request latency (p50,
 * p99, max). Exit 1 on any error or mismatch. See bench/README.md.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "hub_client.h"
#include "amends/proto.h"

#define MAX_KIOSKS 1000
#define MAX_URLS   8

typedef struct kiosk {
    char id[AM_KIOSK_ID_MAX];
    char token[128];
    char secret[128];
    const char *url;
    /* results */
    long batches, errors, stored, duplicate, rejected;
    double *latency;
    size_t latency_count, latency_cap;
    char first_error[600];
} kiosk;

static const char *g_ca;
static double g_seconds;
static long g_batches;
static int g_batch_size = 100;
static long g_interval_ms; /* mean pause between a kiosk's batches; 0: none */
static struct timespec g_start;

static double since_start(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - g_start.tv_sec) + (now.tv_nsec - g_start.tv_nsec) / 1e9;
}

static void fill_record(am_proto_batch *b, const char *kiosk_id, long n)
{
    am_proto_record *r = am_proto_batch_add(b, AM_PROTO_FEEDBACK);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    am_proto_uuid_new(r->id);
    (void)kiosk_id;
    r->u.feedback.created_at = now - 90000;
    r->u.feedback.closed_at = now;
    am_report *rp = &r->u.feedback.report;
    rp->lang = (int)(n % AM_LANG_COUNT);
    snprintf(rp->category, sizeof rp->category, "%s", n % 3 ? "room" : "noise");
    rp->severity = (am_severity)(1 + n % 3);
    snprintf(rp->description, sizeof rp->description,
             "The shower ran cold for the whole stay and the heater in room %ld made a loud "
             "rattling noise all night, so we barely slept before an early flight.",
             n % 500);
    snprintf(rp->first_name, sizeof rp->first_name, "Guest");
    snprintf(rp->resolution, sizeof rp->resolution, "refund");
    snprintf(rp->offer, sizeof rp->offer, "breakfast");
    rp->offer_value_minor = 1500;
    rp->offer_state = AM_OFFER_ACCEPTED;
    snprintf(rp->voucher, sizeof rp->voucher, "K7Q2-9XPL");
    rp->rating = (int)(1 + n % 5);
    snprintf(rp->comment, sizeof rp->comment, "thank you for listening");
    if (n % 2) {
        snprintf(rp->contact, sizeof rp->contact, "room %ld", 100 + n % 400);
        rp->consent = AM_CONSENT_YES;
    }
    rp->outcome = AM_OUTCOME_COMPLETED;
}

static void add_latency(kiosk *k, double seconds)
{
    if (k->latency_count == k->latency_cap) {
        size_t cap = k->latency_cap ? k->latency_cap * 2 : 256;
        double *grown = realloc(k->latency, cap * sizeof *grown);
        if (!grown)
            return;
        k->latency = grown;
        k->latency_cap = cap;
    }
    k->latency[k->latency_count++] = seconds;
}

static void *run_kiosk(void *arg)
{
    kiosk *k = arg;
    char err[512];
    am_hub_client *c = am_hub_client_new(k->url, g_ca, k->token, k->secret);
    if (!c) {
        k->errors++;
        snprintf(k->first_error, sizeof k->first_error, "cannot make a client");
        return NULL;
    }
    long n = 0;
    unsigned seed = (unsigned)(uintptr_t)k;
    while ((g_batches > 0 && k->batches < g_batches) ||
           (g_batches == 0 && since_start() < g_seconds)) {
        char uuid[AM_PROTO_UUID_LEN + 1];
        am_proto_uuid_new(uuid);
        am_proto_batch *b = am_proto_batch_new(k->id, uuid, (size_t)g_batch_size);
        for (int i = 0; i < g_batch_size; i++)
            fill_record(b, k->id, n++);
        char *body = am_proto_batch_encode(b, err, sizeof err);
        am_hub_reply reply;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        am_rc rc =
            body ? am_hub_client_post_batch(c, body, strlen(body), uuid, &reply, err, sizeof err)
                 : AM_ERR_INVALID;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        k->batches++;
        if (rc != AM_OK || reply.status != 200) {
            k->errors++;
            if (!k->first_error[0])
                snprintf(k->first_error, sizeof k->first_error, "%s",
                         rc ? err : (reply.body ? reply.body : "?"));
        } else {
            add_latency(k, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
            am_proto_response *resp = NULL;
            if (am_proto_response_decode(reply.body, reply.len, &resp, err, sizeof err) != AM_OK) {
                k->errors++;
            } else {
                for (size_t i = 0; i < resp->count; i++) {
                    if (resp->results[i].status == AM_PROTO_STORED)
                        k->stored++;
                    else if (resp->results[i].status == AM_PROTO_DUPLICATE)
                        k->duplicate++;
                    else
                        k->rejected++;
                }
                am_proto_response_free(resp);
            }
        }
        if (rc == AM_OK)
            am_hub_reply_clear(&reply);
        free(body);
        am_proto_batch_free(b);
        if (g_interval_ms > 0) {
            /* Uniform 0..2x the mean, so kiosks do not march in step. */
            long pause = (long)(((double)rand_r(&seed) / RAND_MAX) * 2.0 * (double)g_interval_ms);
            struct timespec ts = {pause / 1000, (pause % 1000) * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    am_hub_client_free(c);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The hub's count of feedback per kiosk, summed over the given kiosks. */
static long hub_count(const char *url, const char *manager, kiosk *kiosks, int count)
{
    char err[256];
    am_hub_reply reply;
    am_hub_client *m = am_hub_client_new(url, g_ca, manager, NULL);
    if (!m || am_hub_client_request(m, "GET", "/v1/kiosks", &reply, err, sizeof err) != AM_OK ||
        reply.status != 200) {
        fprintf(stderr, "hub_bench: GET /v1/kiosks failed: %s\n", err);
        am_hub_client_free(m);
        return -1;
    }
    long total = 0;
    cJSON *root = cJSON_Parse(reply.body);
    cJSON *item;
    cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(root, "kiosks"))
    {
        const char *id = cJSON_GetObjectItemCaseSensitive(item, "id")->valuestring;
        for (int i = 0; i < count; i++) {
            if (!strcmp(kiosks[i].id, id))
                total += (long)cJSON_GetObjectItemCaseSensitive(item, "feedback")->valuedouble;
        }
    }
    cJSON_Delete(root);
    am_hub_reply_clear(&reply);
    am_hub_client_free(m);
    return total;
}

int main(int argc, char **argv)
{
    const char *urls_arg = NULL, *kiosks_path = NULL, *manager = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--urls") && v)
            urls_arg = argv[++i];
        else if (!strcmp(argv[i], "--ca") && v)
            g_ca = argv[++i];
        else if (!strcmp(argv[i], "--kiosks") && v)
            kiosks_path = argv[++i];
        else if (!strcmp(argv[i], "--manager") && v)
            manager = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && v)
            g_seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--batches") && v)
            g_batches = atol(argv[++i]);
        else if (!strcmp(argv[i], "--interval-ms") && v)
            g_interval_ms = atol(argv[++i]);
        else if (!strcmp(argv[i], "--batch") && v)
            g_batch_size = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--help")) {
            printf("usage: hub_bench --urls URL[,URL...] --ca FILE --kiosks FILE --manager TOKEN\n"
                   "                 [--seconds N | --batches N] [--batch RECORDS] [--interval-ms "
                   "N]\n");
            return 0;
        } else {
            fprintf(stderr, "hub_bench: unknown or incomplete option '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!urls_arg || !kiosks_path || !manager || (g_seconds <= 0 && g_batches <= 0) ||
        g_batch_size < 1 || g_batch_size > AM_PROTO_MAX_RECORDS) {
        fprintf(stderr, "hub_bench: --urls, --kiosks, --manager and --seconds or --batches are "
                        "needed (see --help)\n");
        return 2;
    }
    char urls_buf[1024];
    const char *urls[MAX_URLS];
    int url_count = 0;
    snprintf(urls_buf, sizeof urls_buf, "%s", urls_arg);
    for (char *tok = strtok(urls_buf, ","); tok && url_count < MAX_URLS; tok = strtok(NULL, ","))
        urls[url_count++] = tok;

    static kiosk kiosks[MAX_KIOSKS];
    int count = 0;
    FILE *f = fopen(kiosks_path, "r");
    if (!f) {
        perror(kiosks_path);
        return 2;
    }
    while (count < MAX_KIOSKS && fscanf(f, "%64s %127s %127s", kiosks[count].id,
                                        kiosks[count].token, kiosks[count].secret) == 3) {
        kiosks[count].url = urls[count % url_count];
        count++;
    }
    fclose(f);
    /* Some kiosks may already have records from an earlier run. */
    long before = hub_count(urls[0], manager, kiosks, count);
    if (before < 0)
        return 1;

    /* libcurl's global setup before any thread starts. */
    am_hub_client_free(am_hub_client_new(urls[0], g_ca, manager, NULL));
    pthread_t threads[MAX_KIOSKS];
    clock_gettime(CLOCK_MONOTONIC, &g_start);
    for (int i = 0; i < count; i++) {
        if (pthread_create(&threads[i], NULL, run_kiosk, &kiosks[i]) != 0) {
            fprintf(stderr, "hub_bench: cannot start thread %d\n", i);
            return 1;
        }
    }
    for (int i = 0; i < count; i++)
        pthread_join(threads[i], NULL);
    double elapsed = since_start();

    long batches = 0, errors = 0, stored = 0, duplicate = 0, rejected = 0;
    size_t lat_count = 0;
    for (int i = 0; i < count; i++) {
        batches += kiosks[i].batches;
        errors += kiosks[i].errors;
        stored += kiosks[i].stored;
        duplicate += kiosks[i].duplicate;
        rejected += kiosks[i].rejected;
        lat_count += kiosks[i].latency_count;
        if (kiosks[i].first_error[0] && errors == kiosks[i].errors)
            fprintf(stderr, "hub_bench: kiosk %s: %s\n", kiosks[i].id, kiosks[i].first_error);
    }
    double *lat = malloc((lat_count ? lat_count : 1) * sizeof *lat);
    size_t o = 0;
    for (int i = 0; i < count; i++) {
        memcpy(lat + o, kiosks[i].latency, kiosks[i].latency_count * sizeof *lat);
        o += kiosks[i].latency_count;
        free(kiosks[i].latency);
    }
    qsort(lat, lat_count, sizeof *lat, cmp_double);
    long after = hub_count(urls[0], manager, kiosks, count);
    long kept = after - before;

    printf("kiosks %d, hubs %d, batch %d records, mean pause %ld ms, %.1f s\n", count, url_count,
           g_batch_size, g_interval_ms, elapsed);
    printf("batches %ld, errors %ld, records stored %ld, duplicate %ld, rejected %ld\n", batches,
           errors, stored, duplicate, rejected);
    printf("throughput %.0f records/s (%.1f batches/s)\n", stored / elapsed, batches / elapsed);
    if (lat_count)
        printf("latency per batch: p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
               lat[lat_count / 2] * 1000, lat[(size_t)((double)lat_count * 0.99)] * 1000,
               lat[lat_count - 1] * 1000);
    printf("hub holds %ld new records for these kiosks: %s\n", kept,
           kept == stored ? "matches, nothing lost or duplicated" : "MISMATCH");
    free(lat);
    return (errors == 0 && duplicate == 0 && rejected == 0 && kept == stored) ? 0 : 1;
}
