/*
 * counters.c -- named counter registry (see counters.h).
 *
 * Open-addressing hash on the name; values live in separately allocated
 * cells so the pointers handed out stay valid when the table grows.
 * Callers: every service core (drop sites), ctl.c (the "counters" query).
 */
#include "runtime/counters.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    char *name;
    uint64_t *value;
} s_slot_t;

struct ls_counters {
    s_slot_t *slots;
    size_t cap;   /* power of two */
    size_t used;
};

static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

ls_counters_t *ls_counters_new(void)
{
    ls_counters_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cap = 64;
    self->slots = calloc(self->cap, sizeof *self->slots);
    if (!self->slots) {
        free(self);
        return NULL;
    }
    return self;
}

void ls_counters_destroy(ls_counters_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    ls_counters_t *self = *self_p;
    for (size_t i = 0; i < self->cap; i++) {
        free(self->slots[i].name);
        free(self->slots[i].value);
    }
    free(self->slots);
    free(self);
    *self_p = NULL;
}

static s_slot_t *s_find(const ls_counters_t *self, const char *name)
{
    size_t i = s_hash(name) & (self->cap - 1);
    while (self->slots[i].name) {
        if (strcmp(self->slots[i].name, name) == 0)
            return &self->slots[i];
        i = (i + 1) & (self->cap - 1);
    }
    return &self->slots[i]; /* empty slot */
}

static int s_grow(ls_counters_t *self)
{
    ls_counters_t bigger = {.cap = self->cap * 2};
    bigger.slots = calloc(bigger.cap, sizeof *bigger.slots);
    if (!bigger.slots)
        return -1;
    for (size_t i = 0; i < self->cap; i++)
        if (self->slots[i].name)
            *s_find(&bigger, self->slots[i].name) = self->slots[i];
    free(self->slots);
    self->slots = bigger.slots;
    self->cap = bigger.cap;
    return 0;
}

uint64_t *ls_counter(ls_counters_t *self, const char *name)
{
    s_slot_t *slot = s_find(self, name);
    if (slot->name)
        return slot->value;
    if ((self->used + 1) * 2 > self->cap) {
        if (s_grow(self) < 0)
            abort(); /* out of memory while registering a counter */
        slot = s_find(self, name);
    }
    slot->name = strdup(name);
    slot->value = calloc(1, sizeof *slot->value);
    if (!slot->name || !slot->value)
        abort();
    self->used++;
    return slot->value;
}

uint64_t ls_counter_get(const ls_counters_t *self, const char *name)
{
    const s_slot_t *slot = s_find(self, name);
    return slot->name ? *slot->value : 0;
}

static int s_cmp(const void *a, const void *b)
{
    return strcmp((*(const s_slot_t *const *)a)->name, (*(const s_slot_t *const *)b)->name);
}

void ls_counters_foreach(const ls_counters_t *self,
                         void (*fn)(const char *name, uint64_t value, void *arg), void *arg)
{
    const s_slot_t **sorted = malloc((self->used ? self->used : 1) * sizeof *sorted);
    if (!sorted)
        return;
    size_t n = 0;
    for (size_t i = 0; i < self->cap; i++)
        if (self->slots[i].name)
            sorted[n++] = &self->slots[i];
    qsort(sorted, n, sizeof *sorted, s_cmp);
    for (size_t i = 0; i < n; i++)
        fn(sorted[i]->name, *sorted[i]->value, arg);
    free(sorted);
}

size_t ls_counters_size(const ls_counters_t *self) { return self->used; }
