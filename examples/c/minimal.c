#include <linerate.h>
#include <stdio.h>
#include <string.h>

/* Called once per sighting, in order of position; return non-zero to stop the scan. */
static int on_sighting(const lr_sighting *s, void *userdata) {
    const lr_database *db = (const lr_database *)userdata;
    const char *value, *source;
    size_t value_len, source_len;
    if (lr_database_indicator_value(db, s->indicator, &value, &value_len) != LR_OK ||
        lr_database_indicator_source(db, s->indicator, 0, &source, &source_len) != LR_OK)
        return 1;
    printf("%s %.*s at %lu..%lu from %.*s\n", lr_kind_name(s->kind), (int)value_len, value,
           (unsigned long)s->start, (unsigned long)s->end, (int)source_len, source);
    return 0;
}

int main(void) {
    lr_builder *b;
    const lr_database *db;
    lr_scratch *scratch;
    lr_meta meta = {0};
    const char *line = "GET http://a.evil.com/x from 10.1.2.3";
    lr_result r;

    if (lr_builder_new(&b) != LR_OK) return 1;
    meta.source = "feed-a";
    r = lr_builder_add(b, LR_KIND_DOMAIN, "evil.com", 8, &meta, NULL);
    if (r == LR_OK) r = lr_builder_add(b, LR_KIND_IP, "10.0.0.0/8", 10, &meta, NULL);
    if (r == LR_OK) r = lr_builder_add(b, LR_KIND_IP, "10.0.0.1/8", 10, &meta, NULL);
    if (r != LR_OK) /* host bits set: rejected, with the reason */
        fprintf(stderr, "%s: %s\n", lr_result_message(r), lr_builder_last_error(b));
    r = lr_builder_compile(b, &db);
    lr_builder_free(b);
    if (r != LR_OK) return 1;

    if (lr_scratch_new(&scratch) != LR_OK) return 1; /* one per thread */
    r = lr_scan_line(db, scratch, line, strlen(line), 0 /* now */, on_sighting, (void *)db);
    lr_scratch_free(scratch);
    lr_database_free(db);
    return r == LR_OK ? 0 : 1;
}
