/*
 * hotswap.c: scanner threads keep scanning while a reloader publishes new databases through
 * an lr_shared handle; nobody locks. Each database of generation g holds always.example and
 * gen<g>.example, so every scan must see exactly those two (never a mix of generations), and
 * the scanners must end up on the last generation.
 *
 *   hotswap [--quick]       prints "ok: ..." and exits 0, or says what failed and exits 1
 */
#define _POSIX_C_SOURCE 200809L
#include <linerate.h>

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define SCANNERS 4
#define GENERATIONS 20

static const lr_shared *shared;
static char line[GENERATIONS * 20 + 32];
static pthread_mutex_t done_mu = PTHREAD_MUTEX_INITIALIZER;
static int done; /* set after the last publish (under done_mu) */

static int is_done(void) {
    int d;
    pthread_mutex_lock(&done_mu);
    d = done;
    pthread_mutex_unlock(&done_mu);
    return d;
}

struct scanner {
    pthread_t thread;
    long scans;
    int last_gen;
    int failed;
};

struct hits {
    const lr_database *db;
    int count, gen, always;
};

static int on_sighting(const lr_sighting *s, void *userdata) {
    struct hits *h = (struct hits *)userdata;
    const char *v;
    char text[64];
    size_t n;
    int g;
    if (lr_database_indicator_value(h->db, s->indicator, &v, &n) != LR_OK) return 1;
    if (n >= sizeof text) return 1;
    memcpy(text, v, n); /* lent strings are not NUL-terminated */
    text[n] = '\0';
    h->count++;
    if (strcmp(text, "always.example") == 0) h->always++;
    else if (sscanf(text, "gen%d.example", &g) == 1) h->gen = g;
    return 0;
}

static void *scan_loop(void *arg) {
    struct scanner *me = (struct scanner *)arg;
    lr_scratch *scratch;
    if (lr_scratch_new(&scratch) != LR_OK) { me->failed = 1; return NULL; }
    for (;;) {
        const lr_database *db;
        struct hits h;
        lr_result r;
        /* Read before acquiring: when set, this acquire sees the last publish. */
        int last_round = is_done();
        if (lr_shared_acquire(shared, &db) != LR_OK) { me->failed = 1; break; }
        memset(&h, 0, sizeof h);
        h.db = db;
        h.gen = -1;
        r = lr_scan_line(db, scratch, line, strlen(line), 0, on_sighting, &h);
        lr_database_free(db);
        if (r != LR_OK || h.count != 2 || h.always != 1 || h.gen < 0) {
            fprintf(stderr, "scan saw %d sightings (always %d, gen %d), result %u\n", h.count,
                    h.always, h.gen, (unsigned)r);
            me->failed = 1;
            break;
        }
        me->scans++;
        me->last_gen = h.gen;
        if (last_round) break;
    }
    lr_scratch_free(scratch);
    return NULL;
}

static const lr_database *generation(int g) {
    lr_builder *b;
    const lr_database *db = NULL;
    char name[32];
    int n = sprintf(name, "gen%d.example", g);
    if (lr_builder_new(&b) != LR_OK) return NULL;
    if (lr_builder_add(b, LR_KIND_DOMAIN, "always.example", 14, NULL, NULL) == LR_OK &&
        lr_builder_add(b, LR_KIND_DOMAIN, name, (size_t)n, NULL, NULL) == LR_OK)
        lr_builder_compile(b, &db);
    lr_builder_free(b);
    return db;
}

int main(int argc, char **argv) {
    struct scanner sc[SCANNERS];
    lr_shared *handle;
    const lr_database *db;
    int g, i, failed = 0, gens = argc > 1 && strcmp(argv[1], "--quick") == 0 ? 4 : GENERATIONS;
    long scans = 0;
    char *p = line;

    for (g = 0; g < gens; g++) p += sprintf(p, "gen%d.example ", g);
    strcpy(p, "always.example");

    db = generation(0);
    if (db == NULL || lr_shared_new(db, &handle) != LR_OK) return 1;
    lr_database_free(db); /* the handle holds its own reference */
    shared = handle;
    memset(sc, 0, sizeof sc);
    for (i = 0; i < SCANNERS; i++)
        if (pthread_create(&sc[i].thread, NULL, scan_loop, &sc[i]) != 0) return 1;
    for (g = 1; g < gens; g++) {
        db = generation(g);
        if (db == NULL || lr_shared_publish(handle, db) != LR_OK) failed = 1;
        lr_database_free(db);
    }
    pthread_mutex_lock(&done_mu);
    done = 1;
    pthread_mutex_unlock(&done_mu);
    for (i = 0; i < SCANNERS; i++) {
        pthread_join(sc[i].thread, NULL);
        scans += sc[i].scans;
        if (sc[i].failed) failed = 1;
        if (sc[i].last_gen != gens - 1) {
            fprintf(stderr, "scanner %d ended on generation %d, not %d\n", i, sc[i].last_gen,
                    gens - 1);
            failed = 1;
        }
    }
    lr_shared_free(handle);
    if (failed) return 1;
    printf("ok: %d scanners, %ld scans, %d generations\n", SCANNERS, scans, gens);
    return 0;
}
