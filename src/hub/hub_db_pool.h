/* hub_db_pool.h — internal to src/hub: the hub_db handle and its pool of
 * connections (hub_db_pool.c), which the queries in hub_db*.c borrow from.
 *
 * Every query takes a connection with hub_db_acquire and gives it back
 * with hub_db_release on every path; a write also holds hub_db_write_lock
 * around its transaction (a no-op but on SQLite).
 */
#ifndef AMENDS_HUB_DB_POOL_H
#define AMENDS_HUB_DB_POOL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "hub_db.h"
#include "hub_db_driver.h"

/* A first-come, first-served queue of waiting threads (hub_db_pool.c). */
typedef struct hub_db_waiter hub_db_waiter;
typedef struct hub_db_fifo {
    hub_db_waiter *head, *tail;
} hub_db_fifo;

struct hub_db {
    const hub_driver *drv;
    int count;
    void **conns;
    bool *in_use;
    pthread_mutex_t mu;
    hub_db_fifo pool_queue;
    int case_low_rating;    /* [cases] low_rating, for opening cases at ingest */
    atomic_uint purge_tick; /* hub_db_ingest.c forgets old ids every 512th ingest */
    /* SQLite has one writer at a time whatever we do; queueing writers
     * here in order beats its busy handler, which sleeps and polls and
     * lets an unlucky request wait seconds. PostgreSQL needs no lock. */
    bool serialize_writes;
    bool writing;
    hub_db_fifo write_queue;
};

/* A connection of the pool, waiting in order for one to be free; *slot
 * says which, for hub_db_release. */
void *hub_db_acquire(hub_db *db, int *slot);
void hub_db_release(hub_db *db, int slot);

/* One writer at a time, in order of arrival, when the backend has one
 * writer anyway (SQLite); nothing otherwise. */
void hub_db_write_lock(hub_db *db);
void hub_db_write_unlock(hub_db *db);

#endif
