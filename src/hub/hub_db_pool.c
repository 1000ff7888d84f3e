/* hub_db_pool.c — the hub_db handle: opening it (connections, then the
 * schema migration on the first), the pool of connections the queries
 * borrow, and the write queue for SQLite. The queries are in hub_db*.c. */
#include "hub_db_pool.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "hub_case.h"
#include "hub_schema.h"

/* A waiter in a first-come, first-served queue. Under load, plain mutexes
 * and condition variables let some requests overtake others again and
 * again; a queue keeps the slowest request close to the typical one. */
struct hub_db_waiter {
    pthread_cond_t cv;
    int slot; /* the connection handed over; -1 while waiting */
    hub_db_waiter *next;
};

static void fifo_wait(hub_db_fifo *q, pthread_mutex_t *mu, hub_db_waiter *w)
{
    pthread_cond_init(&w->cv, NULL);
    w->slot = -1;
    w->next = NULL;
    if (q->tail)
        q->tail->next = w;
    else
        q->head = w;
    q->tail = w;
    while (w->slot < 0)
        pthread_cond_wait(&w->cv, mu);
    pthread_cond_destroy(&w->cv);
}

/* Hands `slot` to the first waiter; false when nobody waits. */
static bool fifo_hand_over(hub_db_fifo *q, int slot)
{
    hub_db_waiter *w = q->head;
    if (!w)
        return false;
    q->head = w->next;
    if (!q->head)
        q->tail = NULL;
    w->slot = slot;
    pthread_cond_signal(&w->cv);
    return true;
}

void hub_db_write_lock(hub_db *db)
{
    if (!db->serialize_writes)
        return;
    pthread_mutex_lock(&db->mu);
    if (!db->writing && !db->write_queue.head) {
        db->writing = true;
    } else {
        hub_db_waiter w;
        fifo_wait(&db->write_queue, &db->mu, &w);
    }
    pthread_mutex_unlock(&db->mu);
}

void hub_db_write_unlock(hub_db *db)
{
    if (!db->serialize_writes)
        return;
    pthread_mutex_lock(&db->mu);
    if (!fifo_hand_over(&db->write_queue, 0))
        db->writing = false;
    pthread_mutex_unlock(&db->mu);
}

/* --- pool ------------------------------------------------------------------ */

void *hub_db_acquire(hub_db *db, int *slot)
{
    pthread_mutex_lock(&db->mu);
    int found = -1;
    if (!db->pool_queue.head) {
        for (int i = 0; i < db->count && found < 0; i++) {
            if (!db->in_use[i])
                found = i;
        }
    }
    if (found >= 0) {
        db->in_use[found] = true;
    } else {
        hub_db_waiter w;
        fifo_wait(&db->pool_queue, &db->mu, &w);
        found = w.slot; /* handed over still marked in use */
    }
    pthread_mutex_unlock(&db->mu);
    *slot = found;
    return db->conns[found];
}

void hub_db_release(hub_db *db, int slot)
{
    pthread_mutex_lock(&db->mu);
    if (!fifo_hand_over(&db->pool_queue, slot))
        db->in_use[slot] = false;
    pthread_mutex_unlock(&db->mu);
}

void hub_db_close(hub_db *db)
{
    if (!db)
        return;
    for (int i = 0; i < db->count; i++) {
        if (db->conns[i])
            db->drv->disconnect(db->conns[i]);
    }
    pthread_mutex_destroy(&db->mu);
    free(db->conns);
    free(db->in_use);
    free(db);
}

am_rc hub_db_open(const hub_config *cfg, int connections, hub_db **out, char *err, size_t errlen)
{
    am_rc rc = AM_ERR_NOMEM;
    *out = NULL;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "libsodium failed to initialise");
        return AM_ERR;
    }
    hub_db *db = calloc(1, sizeof *db);
    if (!db) {
        snprintf(err, errlen, "out of memory");
        return AM_ERR_NOMEM;
    }
    db->drv = cfg->backend == HUB_DB_POSTGRESQL ? &hub_driver_pg : &hub_driver_sqlite;
    pthread_mutex_init(&db->mu, NULL);
    db->serialize_writes = cfg->backend == HUB_DB_SQLITE;
    db->case_low_rating = cfg->case_low_rating;
    db->conns = calloc((size_t)connections, sizeof *db->conns);
    db->in_use = calloc((size_t)connections, sizeof *db->in_use);
    if (!db->conns || !db->in_use) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    db->count = connections;
    for (int i = 0; i < connections; i++) {
        rc = db->drv->connect(cfg, &db->conns[i], err, errlen);
        if (rc)
            goto out;
        if (i == 0) {
            rc = hub_schema_migrate(db->drv, db->conns[0], hub_migrations, HUB_SCHEMA_VERSION, err,
                                    errlen);
            if (rc)
                goto out;
        }
    }
    rc = hub_db_cases_backfill(db);
    if (rc) {
        snprintf(err, errlen, "giving the upgraded cases their codes failed (see the log)");
        goto out;
    }
    *out = db;
    db = NULL;
out:
    hub_db_close(db);
    return rc;
}
