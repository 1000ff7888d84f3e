/* hub_vouchers.c — checking a voucher code against what the hub holds,
 * for the manager API and the dashboard's voucher desk alike. */
#include "hub_vouchers.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct voucher_lookup {
    hub_db *db;
    hub_voucher *v;
    bool found;
} voucher_lookup;

static am_rc lookup_voucher(void *ud, const char *code, am_voucher_record *rec)
{
    voucher_lookup *l = ud;
    am_rc rc = hub_db_voucher_get(l->db, code, l->v);
    if (rc)
        return rc;
    l->found = true;
    *rec = l->v->rec;
    return AM_OK;
}

am_rc hub_voucher_verify(hub_db *db, const char *input, int64_t now_ms, hub_voucher *v,
                         am_voucher_result *res)
{
    voucher_lookup l = {.db = db, .v = v};
    am_voucher_key key;
    memset(res, 0, sizeof *res);
    am_rc rc = am_voucher_parse(input, &res->code, res->reason, sizeof res->reason);
    if (rc) {
        res->status = AM_VOUCHER_MALFORMED;
        return AM_OK;
    }
    rc = hub_db_voucher_get(db, res->code.text, v);
    if (rc == AM_OK) {
        rc = hub_db_voucher_key(db, v->rec.kiosk, &key);
        if (rc)
            return rc;
        rc = am_voucher_verify(&key, v->rec.kiosk, input, now_ms, v->rec.serial, lookup_voucher, &l,
                               res);
        am_voucher_key_wipe(&key);
        return rc;
    }
    if (rc != AM_ERR_NOTFOUND)
        return rc;
    hub_voucher_kiosk *kiosks = NULL;
    size_t count = 0;
    rc = hub_db_voucher_kiosks(db, &kiosks, &count);
    if (rc)
        return rc;
    am_voucher_result first;
    bool have_first = false;
    for (size_t i = 0; i < count && !rc; i++) {
        rc = am_voucher_verify(&kiosks[i].key, kiosks[i].kiosk, input, now_ms, kiosks[i].max_serial,
                               lookup_voucher, &l, res);
        if (!rc && res->status == AM_VOUCHER_UNKNOWN)
            break;
        if (!rc && !have_first) {
            first = *res;
            have_first = true;
        }
    }
    if (!rc && res->status != AM_VOUCHER_UNKNOWN) {
        if (have_first) {
            *res = first;
        } else {
            res->status = AM_VOUCHER_TAMPERED;
            snprintf(res->reason, sizeof res->reason,
                     "no kiosk's voucher key made this code: re-read it");
        }
    }
    if (kiosks)
        sodium_memzero(kiosks, count * sizeof *kiosks);
    free(kiosks);
    return rc;
}

void hub_voucher_target(const hub_voucher *v, char *out, size_t outlen)
{
    snprintf(out, outlen, "voucher %s (kiosk %s, serial %lld, offer %s)", v->rec.code, v->rec.kiosk,
             (long long)v->rec.serial, v->rec.offer_id);
}
