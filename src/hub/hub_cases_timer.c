/* hub_cases_timer.c — the hub's escalation timer: every [cases]
 * escalate_every_s it escalates the overdue cases one level, whether or not
 * anyone has the dashboard open (hub_case.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "amends/clock.h"
#include "amends/log.h"
#include "hub_case.h"

struct hub_case_timer {
    hub_db *db;
    int every_s;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
};

static void *run(void *arg)
{
    hub_case_timer *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        pthread_mutex_unlock(&t->mu);
        int escalated = 0, lost = 0;
        am_rc rc = hub_db_cases_escalate(t->db, am_wall_ms(), &escalated, &lost);
        if (rc)
            am_log_error("cases", "escalation pass failed (%s): trying again in %d s",
                         am_rc_str(rc), t->every_s);
        pthread_mutex_lock(&t->mu);
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += t->every_s;
        while (!t->stop && pthread_cond_timedwait(&t->cv, &t->mu, &until) != ETIMEDOUT)
            ;
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

am_rc hub_case_timer_start(hub_db *db, int every_s, hub_case_timer **out)
{
    hub_case_timer *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t)
        return AM_ERR_NOMEM;
    t->db = db;
    t->every_s = every_s;
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&t->mu, NULL);
    if (pthread_create(&t->thread, NULL, run, t) != 0) {
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        free(t);
        return AM_ERR;
    }
    *out = t;
    return AM_OK;
}

void hub_case_timer_stop(hub_case_timer *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    free(t);
}
