/* response.c — the hub's answer to a batch, one result per record, and the
 * JSON error body of every refusal. */
#include "amends/proto.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amends/text.h"

static const char *const status_names[AM_PROTO_STATUS_COUNT] = {"stored", "duplicate", "rejected"};

const char *am_proto_status_name(am_proto_status s)
{
    if ((int)s < 0 || s >= AM_PROTO_STATUS_COUNT)
        return "";
    return status_names[s];
}

am_proto_response *am_proto_response_new(const char *batch, size_t count)
{
    if (!batch || strlen(batch) > AM_PROTO_UUID_LEN || count > AM_PROTO_MAX_RECORDS)
        return NULL;
    am_proto_response *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    if (count > 0) {
        r->results = calloc(count, sizeof *r->results);
        if (!r->results) {
            free(r);
            return NULL;
        }
    }
    r->count = count;
    for (size_t i = 0; i < count; i++)
        r->results[i].index = i;
    snprintf(r->batch, sizeof r->batch, "%s", batch);
    return r;
}

void am_proto_response_free(am_proto_response *r)
{
    if (!r)
        return;
    free(r->results);
    free(r);
}

char *am_proto_response_encode(const am_proto_response *r)
{
    char *text = NULL;
    size_t counts[AM_PROTO_STATUS_COUNT] = {0};
    cJSON *root = cJSON_CreateObject();
    cJSON *results = cJSON_CreateArray();
    if (!root || !results) {
        cJSON_Delete(results);
        goto out;
    }
    if (!cJSON_AddStringToObject(root, "batch", r->batch)) {
        cJSON_Delete(results);
        goto out;
    }
    for (size_t i = 0; i < r->count; i++) {
        const am_proto_result *res = &r->results[i];
        if ((int)res->status < 0 || res->status >= AM_PROTO_STATUS_COUNT)
            goto out_results;
        counts[res->status]++;
        cJSON *obj = cJSON_CreateObject();
        if (!obj || !cJSON_AddItemToArray(results, obj))
            goto out_results;
        cJSON *id = res->id[0] ? cJSON_CreateString(res->id) : cJSON_CreateNull();
        if (!cJSON_AddNumberToObject(obj, "index", (double)res->index) || !id ||
            !cJSON_AddItemToObject(obj, "id", id) ||
            !cJSON_AddStringToObject(obj, "status", status_names[res->status]))
            goto out_results;
        if (res->status == AM_PROTO_REJECTED &&
            !cJSON_AddStringToObject(obj, "reason", res->reason))
            goto out_results;
    }
    for (int s = 0; s < AM_PROTO_STATUS_COUNT; s++) {
        if (!cJSON_AddNumberToObject(root, status_names[s], (double)counts[s]))
            goto out_results;
    }
    if (!cJSON_AddItemToObject(root, "results", results))
        goto out_results;
    text = cJSON_PrintUnformatted(root);
    goto out;
out_results:
    cJSON_Delete(results);
out:
    cJSON_Delete(root);
    return text;
}

am_rc am_proto_response_decode(const char *body, size_t len, am_proto_response **out, char *err,
                               size_t errlen)
{
    am_rc rc = AM_ERR_INVALID;
    am_proto_response *r = NULL;
    *out = NULL;
    cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsObject(root)) {
        snprintf(err, errlen, "response is not a JSON object");
        goto out;
    }
    const cJSON *batch = cJSON_GetObjectItemCaseSensitive(root, "batch");
    const cJSON *results = cJSON_GetObjectItemCaseSensitive(root, "results");
    if (!cJSON_IsString(batch) || !am_proto_uuid_valid(batch->valuestring)) {
        snprintf(err, errlen, "response: batch is not a UUID");
        goto out;
    }
    if (!cJSON_IsArray(results) || cJSON_GetArraySize(results) > AM_PROTO_MAX_RECORDS) {
        snprintf(err, errlen, "response: results is not an array of at most %d",
                 AM_PROTO_MAX_RECORDS);
        goto out;
    }
    r = am_proto_response_new(batch->valuestring, (size_t)cJSON_GetArraySize(results));
    if (!r) {
        rc = AM_ERR_NOMEM;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    size_t i = 0;
    for (const cJSON *item = results->child; item; item = item->next, i++) {
        am_proto_result *res = &r->results[i];
        const cJSON *index = cJSON_GetObjectItemCaseSensitive(item, "index");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(item, "id");
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(item, "status");
        const cJSON *reason = cJSON_GetObjectItemCaseSensitive(item, "reason");
        if (!cJSON_IsNumber(index) || index->valuedouble < 0 ||
            index->valuedouble >= AM_PROTO_MAX_RECORDS ||
            index->valuedouble != (double)(size_t)index->valuedouble) {
            snprintf(err, errlen, "response: results[%zu].index is not a record index", i);
            goto out;
        }
        res->index = (size_t)index->valuedouble;
        if (cJSON_IsString(id) && am_proto_uuid_valid(id->valuestring))
            memcpy(res->id, id->valuestring, AM_PROTO_UUID_LEN + 1);
        else if (!cJSON_IsNull(id)) {
            snprintf(err, errlen, "response: results[%zu].id is neither a UUID nor null", i);
            goto out;
        }
        int s = -1;
        for (int k = 0; cJSON_IsString(status) && k < AM_PROTO_STATUS_COUNT; k++) {
            if (strcmp(status->valuestring, status_names[k]) == 0)
                s = k;
        }
        if (s < 0) {
            snprintf(err, errlen, "response: results[%zu].status is not a known status", i);
            goto out;
        }
        res->status = (am_proto_status)s;
        if (cJSON_IsString(reason))
            snprintf(res->reason, sizeof res->reason, "%s", reason->valuestring);
    }
    *out = r;
    r = NULL;
    rc = AM_OK;
out:
    am_proto_response_free(r);
    cJSON_Delete(root);
    return rc;
}

static void copy_name(const cJSON *v, char *out, size_t size)
{
    const char *s = cJSON_GetStringValue(v);
    size_t n = s ? strlen(s) : 0;
    if (!s || n >= size || !am_utf8_valid(s, n))
        n = 0;
    memcpy(out, s ? s : "", n);
    out[n] = '\0';
}

size_t am_proto_response_cases(const char *body, size_t len, am_proto_case *out, size_t max)
{
    size_t n = 0;
    cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
    const cJSON *cases = cJSON_GetObjectItemCaseSensitive(root, "cases");
    const cJSON *item;
    if (!cJSON_IsArray(cases))
        cases = NULL;
    cJSON_ArrayForEach(item, cases)
    {
        if (n >= max)
            break;
        const char *journey =
            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(item, "journey"));
        if (!journey || !am_proto_uuid_valid(journey))
            continue;
        am_proto_case *c = &out[n++];
        memset(c, 0, sizeof *c);
        memcpy(c->journey, journey, AM_PROTO_UUID_LEN + 1);
        copy_name(cJSON_GetObjectItemCaseSensitive(item, "code"), c->code, sizeof c->code);
        copy_name(cJSON_GetObjectItemCaseSensitive(item, "state"), c->state, sizeof c->state);
        copy_name(cJSON_GetObjectItemCaseSensitive(item, "by"), c->by, sizeof c->by);
        copy_name(cJSON_GetObjectItemCaseSensitive(item, "team"), c->team, sizeof c->team);
    }
    cJSON_Delete(root);
    return n;
}

char *am_proto_error_encode(const char *code, const char *reason)
{
    char *text = NULL;
    cJSON *root = cJSON_CreateObject();
    if (root && cJSON_AddStringToObject(root, "error", code ? code : "error") &&
        cJSON_AddStringToObject(root, "reason", reason ? reason : ""))
        text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return text;
}
