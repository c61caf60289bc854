/*
 * packet.c: lr_scan_packet on one captured frame (raw IPv4, UDP 10.0.0.1:1234 -> 10.0.0.2:53,
 * a DNS query for a.evil.com). Prints each sighting with where it was seen and the flow.
 * A pcap reader would pass each record's bytes, its file's LINKTYPE and its timestamp.
 */
#include <linerate.h>

#include <stdio.h>

static const unsigned char frame[] = {
    /* IPv4: 20 bytes, total length 56, UDP, 10.0.0.1 -> 10.0.0.2 */
    0x45, 0, 0, 56, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
    /* UDP: 1234 -> 53, length 36 */
    0x04, 0xd2, 0, 53, 0, 36, 0, 0,
    /* DNS query, one question: a.evil.com A IN */
    0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
    1, 'a', 4, 'e', 'v', 'i', 'l', 3, 'c', 'o', 'm', 0, 0, 1, 0, 1};

#define LINKTYPE_RAW 101

static void print_addr(const unsigned char *a, int family) {
    int i;
    if (family == 4) {
        printf("%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
        return;
    }
    for (i = 0; i < 16; i += 2) printf("%s%x", i ? ":" : "", (unsigned)(a[i] << 8 | a[i + 1]));
}

static int on_sighting(const lr_sighting *s, const lr_flow *f, void *userdata) {
    const lr_database *db = (const lr_database *)userdata;
    const char *value;
    size_t len;
    if (lr_database_indicator_value(db, s->indicator, &value, &len) != LR_OK) return 1;
    printf("%s %s %.*s at %lu..%lu in ", lr_where_name(s->where_seen), lr_kind_name(s->kind),
           (int)len, value, (unsigned long)s->start, (unsigned long)s->end);
    print_addr(f->src, f->family);
    printf(":%u -> ", (unsigned)f->sport);
    print_addr(f->dst, f->family);
    printf(":%u proto %u\n", (unsigned)f->dport, (unsigned)f->proto);
    return 0;
}

int main(void) {
    lr_builder *b;
    const lr_database *db;
    lr_scratch *scratch;
    uint32_t malformed = 0;
    lr_result r;

    if (lr_builder_new(&b) != LR_OK) return 1;
    r = lr_builder_add(b, LR_KIND_IP, "10.0.0.2:53", 11, NULL, NULL);
    if (r == LR_OK) r = lr_builder_add(b, LR_KIND_DOMAIN, "evil.com", 8, NULL, NULL);
    if (r == LR_OK) r = lr_builder_compile(b, &db);
    lr_builder_free(b);
    if (r != LR_OK) return 1;
    if (lr_scratch_new(&scratch) != LR_OK) return 1;

    r = lr_scan_packet(db, scratch, (const char *)frame, sizeof frame, LINKTYPE_RAW, 0,
                       on_sighting, (void *)db, &malformed);
    if (r == LR_OK) printf("malformed: %u\n", (unsigned)malformed);
    /* The same frame cut short: decoded as far as it goes. */
    if (r == LR_OK)
        r = lr_scan_packet(db, scratch, (const char *)frame, 30, LINKTYPE_RAW, 0, on_sighting,
                           (void *)db, &malformed);
    if (r == LR_OK) printf("malformed: %u\n", (unsigned)malformed);
    lr_scratch_free(scratch);
    lr_database_free(db);
    return r == LR_OK ? 0 : 1;
}
