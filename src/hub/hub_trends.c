/* hub_trends.c — a site's trends from its cases (hub_trends.h). */
#include "hub_trends.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hub_case.h"
#include "hub_db.h"

#define DAY_MS     (INT64_C(86400000))
#define CASES_MAX  10000
#define TEAMS_MAX  64
#define CAUSES_MAX 32
#define PLACES_MAX 512

static const char *str(const cJSON *o, const char *key)
{
    return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static int64_t num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int64_t hub_trends_percentile(const int64_t *sorted, size_t n, int p)
{
    if (!n)
        return 0;
    size_t rank = ((size_t)p * n + 99) / 100; /* ceil(p/100 * n) */
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

typedef struct place {
    const char *loc;
    int n;
} place;

static int by_count(const void *a, const void *b)
{
    const place *x = a, *y = b;
    if (x->n != y->n)
        return x->n > y->n ? -1 : 1;
    return strcmp(x->loc, y->loc);
}

typedef struct team_times {
    char team[AM_KIOSK_ID_MAX]; /* "" for no team */
    int cases;
    int64_t *ack, *res;
    size_t nack, nres;
} team_times;

static void add_times(cJSON *o, const char *prefix, int64_t *v, size_t n)
{
    char key[32];
    qsort(v, n, sizeof *v, cmp_i64);
    snprintf(key, sizeof key, "%s_median_ms", prefix);
    if (n)
        cJSON_AddNumberToObject(o, key, (double)hub_trends_percentile(v, n, 50));
    else
        cJSON_AddNullToObject(o, key);
    snprintf(key, sizeof key, "%s_p90_ms", prefix);
    if (n)
        cJSON_AddNumberToObject(o, key, (double)hub_trends_percentile(v, n, 90));
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *rating(int guests, int64_t sum)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "guests", guests);
    if (guests)
        cJSON_AddNumberToObject(o, "average", (double)sum / guests);
    else
        cJSON_AddNullToObject(o, "average");
    return o;
}

/* The report's rating of the case's journey, 0 when none. */
static int rating_of(const cJSON *reports, const cJSON *c)
{
    const char *kiosk = str(c, "kiosk"), *journey = str(c, "journey");
    const cJSON *r;
    cJSON_ArrayForEach(r, reports)
    {
        const char *k = str(r, "kiosk"), *id = str(r, "id");
        if (kiosk && journey && k && id && !strcmp(k, kiosk) && !strcmp(id, journey))
            return (int)num(r, "rating");
    }
    return 0;
}

am_rc hub_trends(hub_db *db, const char *site, int days, int64_t now_ms, cJSON **out)
{
    *out = NULL;
    if (days < 1)
        days = 1;
    if (days > HUB_TRENDS_DAYS_MAX)
        days = HUB_TRENDS_DAYS_MAX;
    int64_t since = (now_ms / DAY_MS - (days - 1)) * DAY_MS;
    int64_t repeat_since = now_ms - (int64_t)HUB_TRENDS_REPEAT_DAYS * DAY_MS;
    int64_t first = since < repeat_since ? since : repeat_since;
    hub_case_filter f = {.site = site, .since_ms = first, .now_ms = now_ms, .limit = CASES_MAX};
    hub_feedback_filter ff = {.since_ms = first - DAY_MS, .limit = CASES_MAX};
    cJSON *cases = NULL, *reports = NULL, *root = NULL;
    team_times *teams = calloc(TEAMS_MAX, sizeof *teams);
    size_t nteams = 0;
    char(*causes)[40] = calloc(CAUSES_MAX, sizeof *causes);
    size_t ncauses = 0;
    int *counts = calloc((size_t)CAUSES_MAX * (size_t)days, sizeof *counts);
    am_rc rc = teams && causes && counts ? AM_OK : AM_ERR_NOMEM;
    if (!rc)
        rc = hub_db_cases(db, &f, &cases);
    if (!rc)
        rc = hub_db_feedback(db, &ff, &reports);
    if (rc)
        goto out;
    int resolved = 0, in_time = 0, good_n = 0, late_n = 0;
    int64_t good_sum = 0, late_sum = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cases)
    {
        int64_t opened = num(c, "opened_at");
        if (opened < since)
            continue; /* only for repeats */
        const char *state = str(c, "state") ? str(c, "state") : "";
        const char *team = str(c, "team") ? str(c, "team") : "";
        team_times *t = NULL;
        for (size_t i = 0; i < nteams && !t; i++)
            t = !strcmp(teams[i].team, team) ? &teams[i] : NULL;
        if (!t && nteams < TEAMS_MAX) {
            t = &teams[nteams++];
            snprintf(t->team, sizeof t->team, "%s", team);
            t->ack = calloc(CASES_MAX, sizeof *t->ack);
            t->res = calloc(CASES_MAX, sizeof *t->res);
            if (!t->ack || !t->res) {
                rc = AM_ERR_NOMEM;
                goto out;
            }
        }
        if (!t)
            continue;
        t->cases++;
        if (num(c, "acknowledged_at"))
            t->ack[t->nack++] = num(c, "acknowledged_at") - opened;
        bool is_resolved = !strcmp(state, "resolved");
        if (is_resolved && num(c, "resolved_at")) {
            int64_t at = num(c, "resolved_at");
            t->res[t->nres++] = at - opened;
            resolved++;
            bool ok = at <= num(c, "resolve_due");
            in_time += ok;
            int day = (int)(at / DAY_MS - since / DAY_MS);
            const char *cause = str(c, "root_cause");
            if (cause && day >= 0 && day < days) {
                size_t k = 0;
                while (k < ncauses && strcmp(causes[k], cause))
                    k++;
                if (k == ncauses && ncauses < CAUSES_MAX)
                    snprintf(causes[ncauses++], sizeof causes[0], "%s", cause);
                if (k < ncauses)
                    counts[k * (size_t)days + (size_t)day]++;
            }
            int r = rating_of(reports, c);
            if (r > 0 && ok) {
                good_n++;
                good_sum += r;
            } else if (r > 0) {
                late_n++;
                late_sum += r;
            }
        } else if (!strcmp(state, "unresolved")) {
            int r = rating_of(reports, c);
            if (r > 0) {
                late_n++;
                late_sum += r;
            }
        }
    }

    root = cJSON_CreateObject();
    cJSON *rcause = cJSON_CreateObject(), *daylist = cJSON_CreateArray(),
          *series = cJSON_CreateArray(), *tlist = cJSON_CreateArray(),
          *deadline = cJSON_CreateObject(), *repeats = cJSON_CreateArray(),
          *ratings = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "site", site);
    cJSON_AddNumberToObject(root, "days", days);
    cJSON_AddNumberToObject(root, "since", (double)since);
    for (int d = 0; d < days; d++) {
        char label[16];
        time_t tt = (time_t)((since + d * DAY_MS) / 1000);
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(label, sizeof label, "%Y-%m-%d", &tm);
        cJSON_AddItemToArray(daylist, cJSON_CreateString(label));
    }
    for (size_t k = 0; k < ncauses; k++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "root_cause", causes[k]);
        cJSON_AddItemToObject(s, "counts", cJSON_CreateIntArray(&counts[k * (size_t)days], days));
        cJSON_AddItemToArray(series, s);
    }
    cJSON_AddItemToObject(rcause, "days", daylist);
    cJSON_AddItemToObject(rcause, "series", series);
    cJSON_AddItemToObject(root, "root_causes", rcause);
    for (size_t i = 0; i < nteams; i++) {
        team_times *t = &teams[i];
        cJSON *o = cJSON_CreateObject();
        if (t->team[0])
            cJSON_AddStringToObject(o, "team", t->team);
        else
            cJSON_AddNullToObject(o, "team");
        cJSON_AddNumberToObject(o, "cases", t->cases);
        cJSON_AddNumberToObject(o, "acknowledged", (double)t->nack);
        add_times(o, "ack", t->ack, t->nack);
        cJSON_AddNumberToObject(o, "resolved", (double)t->nres);
        add_times(o, "resolve", t->res, t->nres);
        cJSON_AddItemToArray(tlist, o);
    }
    cJSON_AddItemToObject(root, "teams", tlist);
    cJSON_AddNumberToObject(deadline, "resolved", resolved);
    cJSON_AddNumberToObject(deadline, "in_time", in_time);
    if (resolved)
        cJSON_AddNumberToObject(deadline, "share", (double)in_time / resolved);
    else
        cJSON_AddNullToObject(deadline, "share");
    cJSON_AddItemToObject(root, "deadline", deadline);

    /* Repeats: locations with two or more cases in the last 30 days, the
     * most first. */
    place *places = calloc(PLACES_MAX, sizeof *places);
    size_t nplaces = 0;
    const cJSON *each = places ? cases : NULL;
    cJSON_ArrayForEach(c, each)
    {
        const char *loc = str(c, "location");
        if (!loc || !*loc || num(c, "opened_at") < repeat_since)
            continue;
        size_t k = 0;
        while (k < nplaces && strcmp(places[k].loc, loc))
            k++;
        if (k == nplaces) {
            if (nplaces == PLACES_MAX)
                continue;
            places[nplaces++].loc = loc;
        }
        places[k].n++;
    }
    if (places)
        qsort(places, nplaces, sizeof *places, by_count);
    for (size_t k = 0; k < nplaces && places[k].n >= 2; k++) {
        cJSON *o = cJSON_CreateObject(), *codes = cJSON_CreateArray();
        cJSON_AddStringToObject(o, "location", places[k].loc);
        cJSON_AddNumberToObject(o, "cases", places[k].n);
        cJSON_ArrayForEach(c, cases)
        {
            const char *loc = str(c, "location");
            if (loc && !strcmp(loc, places[k].loc) && num(c, "opened_at") >= repeat_since)
                cJSON_AddItemToArray(codes, cJSON_CreateString(str(c, "code")));
        }
        cJSON_AddItemToObject(o, "codes", codes);
        cJSON_AddItemToArray(repeats, o);
    }
    free(places);
    cJSON_AddItemToObject(root, "repeats", repeats);
    cJSON_AddItemToObject(ratings, "in_time", rating(good_n, good_sum));
    cJSON_AddItemToObject(ratings, "late", rating(late_n, late_sum));
    cJSON_AddItemToObject(root, "rating", ratings);
    /* Every item above is added to root: a failed allocation shows as a
     * missing key; print it to be sure the whole is there. */
    char *check = cJSON_PrintUnformatted(root);
    if (!check)
        rc = AM_ERR_NOMEM;
    free(check);
out:
    for (size_t i = 0; teams && i < nteams; i++) {
        free(teams[i].ack);
        free(teams[i].res);
    }
    free(teams);
    free(causes);
    free(counts);
    cJSON_Delete(reports);
    if (rc) {
        cJSON_Delete(root);
        cJSON_Delete(cases);
        return rc;
    }
    cJSON_Delete(cases);
    *out = root;
    return AM_OK;
}
