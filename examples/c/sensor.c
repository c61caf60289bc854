/*
 * sensor.c: a log sensor written in C on linerate's C API. It prints exactly what the Rust
 * example log_sensor prints (SPEC section 6): one JSON object per sighting per line, with the
 * fields input, line, start, end, observed, type, indicator, sources, refs.
 *
 *   sensor --intel PATH [--intel PATH]... [--allow PATH]... [--format NAME]
 *          [--exact-domains] [--now RFC3339] [INPUT|-]...
 *
 * Options as log_sensor's: intel and allowlist files are loaded in argument order, their
 * format detected from their content, or given by a --format before them ("auto" detects
 * again); each is named by its file name (unlike log_sensor, a directory is not
 * read: pass its files, in name order, for the same result). A line is the bytes up to "\n"
 * (a "\r" before it is dropped); a last line without "\n" counts. Without INPUT, stdin ("-")
 * is read.
 * --now (default: the clock) decides the validity windows. A summary goes to stderr. Exit 0
 * after a complete run, 1 when an input failed while being read, 2 on bad arguments, an
 * input that cannot be opened or an intel file that cannot be loaded.
 *
 * Build (see Makefile): cc -std=c99 -I../../include sensor.c liblinerate.a -lpthread -ldl -lm
 */
#include <linerate.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- JSON output ------------------------------------------------------------------------ */

/* The length of the UTF-8 sequence starting at s[0] (n bytes available), or 0 when it is
 * invalid; *bad is then the number of bytes that one U+FFFD replaces. This is Rust's
 * String::from_utf8_lossy rule (the "maximal subpart" practice of Unicode): a valid prefix
 * of a sequence is replaced by one U+FFFD, and the byte that broke it starts anew. */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad) {
    unsigned char b = s[0];
    size_t need, i;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b < 0x80) return 1;
    if (b >= 0xC2 && b <= 0xDF) need = 2;
    else if (b >= 0xE0 && b <= 0xEF) need = 3;
    else if (b >= 0xF0 && b <= 0xF4) need = 4;
    else { *bad = 1; return 0; }
    if (b == 0xE0) lo = 0xA0;
    else if (b == 0xED) hi = 0x9F;
    else if (b == 0xF0) lo = 0x90;
    else if (b == 0xF4) hi = 0x8F;
    for (i = 1; i < need; i++) {
        unsigned char c;
        if (i >= n) { *bad = i; return 0; }
        c = s[i];
        if (i == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) { *bad = i; return 0; }
    }
    return need;
}

/* Writes s[0..n] as a JSON string the way serde_json does: '"', '\\' and the control
 * characters escaped (\b \f \n \r \t, others as \u00XX), everything else as is, invalid
 * UTF-8 replaced by U+FFFD. */
static void json_str(FILE *out, const char *str, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    putc('"', out);
    while (i < n) {
        size_t bad = 0, len = utf8_seq(s + i, n - i, &bad);
        if (len == 0) {
            fputs("\xEF\xBF\xBD", out);
            i += bad;
            continue;
        }
        if (len > 1) {
            fwrite(s + i, 1, len, out);
        } else {
            unsigned char c = s[i];
            switch (c) {
            case '"': fputs("\\\"", out); break;
            case '\\': fputs("\\\\", out); break;
            case '\b': fputs("\\b", out); break;
            case '\f': fputs("\\f", out); break;
            case '\n': fputs("\\n", out); break;
            case '\r': fputs("\\r", out); break;
            case '\t': fputs("\\t", out); break;
            default:
                if (c < 0x20) fprintf(out, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
                else putc(c, out);
            }
        }
        i += len;
    }
    putc('"', out);
}

/* ---- scanning --------------------------------------------------------------------------- */

struct scan_ctx {
    const lr_database *db;
    FILE *out;
    const char *input;
    unsigned long long line_no; /* lines of the input before the block being scanned */
    unsigned long long sightings;
    lr_result failure; /* a metadata lookup that failed (should not happen) */
};

/* Writes a JSON array of an indicator's sources or refs. */
static lr_result json_list(FILE *out, const lr_database *db, uint32_t id, size_t count,
                           int refs) {
    size_t i;
    putc('[', out);
    for (i = 0; i < count; i++) {
        const char *p;
        size_t len;
        lr_result r = refs ? lr_database_indicator_ref(db, id, i, &p, &len)
                           : lr_database_indicator_source(db, id, i, &p, &len);
        if (r != LR_OK) return r;
        if (i > 0) putc(',', out);
        json_str(out, p, len);
    }
    putc(']', out);
    return LR_OK;
}

static int on_sighting(uint64_t line_no, const char *line, size_t line_len,
                       const lr_sighting *s, void *userdata) {
    struct scan_ctx *c = (struct scan_ctx *)userdata;
    lr_indicator info;
    const char *value;
    size_t value_len;
    const char *type = lr_kind_name(s->kind);
    lr_result r = lr_database_indicator(c->db, s->indicator, &info);
    if (r == LR_OK) r = lr_database_indicator_value(c->db, s->indicator, &value, &value_len);
    if (r != LR_OK || type == NULL || s->end < s->start || s->end > line_len) {
        c->failure = r != LR_OK ? r : LR_INVALID_VALUE;
        return 1; /* stop the scan */
    }
    fputs("{\"input\":", c->out);
    json_str(c->out, c->input, strlen(c->input));
    fprintf(c->out, ",\"line\":%llu,\"start\":%lu,\"end\":%lu,\"observed\":",
            c->line_no + (unsigned long long)line_no + 1, (unsigned long)s->start,
            (unsigned long)s->end);
    json_str(c->out, line + s->start, s->end - s->start);
    fputs(",\"type\":", c->out);
    json_str(c->out, type, strlen(type));
    fputs(",\"indicator\":", c->out);
    json_str(c->out, value, value_len);
    fputs(",\"sources\":", c->out);
    r = json_list(c->out, c->db, s->indicator, info.source_count, 0);
    if (r == LR_OK) {
        fputs(",\"refs\":", c->out);
        r = json_list(c->out, c->db, s->indicator, info.ref_count, 1);
    }
    fputs("}\n", c->out);
    if (r != LR_OK) {
        c->failure = r;
        return 1;
    }
    c->sightings++;
    return 0;
}

/* Reads a whole file into a malloc'ed buffer. Returns 0 on success. */
static int read_file(const char *path, char **data, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    if (f == NULL) return -1;
    for (;;) {
        size_t got;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb = (char *)realloc(buf, ncap);
            if (nb == NULL) { free(buf); fclose(f); return -1; }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (ferror(f)) { free(buf); fclose(f); return -1; }
    fclose(f);
    *data = buf;
    *len = n;
    return 0;
}

/* The file name of a path: what log_sensor names a feed (its source). */
static const char *base_name(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash != NULL && slash[1] != '\0' ? slash + 1 : path;
}

/* Loads one intel or allowlist file into the builder; prints its report to stderr.
 * Returns 0 on success. */
static int load(lr_builder *b, const char *path, const char *format, uint32_t flags) {
    char *data;
    size_t len, k;
    lr_load_report rep;
    lr_result r;
    const char *detail;
    if (read_file(path, &data, &len) != 0) {
        fprintf(stderr, "sensor: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    r = lr_builder_load(b, data, len, format, base_name(path), flags, &rep);
    free(data);
    if (r != LR_OK) {
        fprintf(stderr, "sensor: cannot load %s: %s: %s\n", path, lr_result_message(r),
                lr_builder_last_error(b));
        return -1;
    }
    fprintf(stderr, "sensor: %s (%s%s): %lu entries (", base_name(path), rep.format,
            (flags & LR_FLAG_ALLOW) ? ", allowlist" : "", (unsigned long)rep.total);
    for (k = 0; k < LR_KIND_COUNT; k++)
        if (rep.loaded[k] > 0)
            fprintf(stderr, "%s %lu ", lr_kind_name((uint32_t)k), (unsigned long)rep.loaded[k]);
    fprintf(stderr, "), %lu skipped, %lu ignored\n", (unsigned long)rep.skipped,
            (unsigned long)rep.ignored);
    detail = lr_builder_last_error(b);
    if (detail[0] != '\0') fprintf(stderr, "%s", detail);
    return 0;
}

/* Scans one input, a block of whole lines at a time (lr_scan_lines: the database's line
 * prefilter can search the block in one pass). Returns 0 on success, 1 on a read error, 2
 * on an API failure. */
static int scan_input(struct scan_ctx *c, lr_scratch *scratch, FILE *in, int64_t now,
                      unsigned long long *lines, unsigned long long *bytes) {
    char *buf = NULL;
    size_t cap = 0, len = 0, start = 0;
    int eof = 0, rc = 0;
    c->line_no = 0;
    while (rc == 0) {
        /* The end of the last whole line in buf[start..len] (or all of it at the end). */
        size_t end = len;
        uint64_t n = 0;
        lr_result r;
        while (end > start && buf[end - 1] != '\n') end--;
        if (end == start && !eof) {
            size_t got;
            if (start > 0) { /* keep the unfinished line at the front */
                memmove(buf, buf + start, len - start);
                len -= start;
                start = 0;
            }
            if (len == cap) {
                size_t ncap = cap ? cap * 2 : 65536;
                char *nb = (char *)realloc(buf, ncap);
                if (nb == NULL) { rc = 1; break; }
                buf = nb;
                cap = ncap;
            }
            got = fread(buf + len, 1, cap - len, in);
            len += got;
            *bytes += got;
            if (got == 0) {
                if (ferror(in)) rc = 1;
                eof = 1;
            }
            continue;
        }
        if (end == start) end = len; /* eof: the last line, without its newline */
        if (end == start) break;     /* eof, nothing left */
        r = lr_scan_lines(c->db, scratch, buf + start, end - start, now, on_sighting, c, &n);
        if (r != LR_OK) {
            fprintf(stderr, "sensor: scan failed: %s (%s)\n", lr_result_message(r),
                    lr_result_message(c->failure));
            rc = 2;
        }
        c->line_no += n;
        *lines += n;
        start = end;
    }
    free(buf);
    return rc;
}

static int usage(const char *msg) {
    fprintf(stderr,
            "sensor: %s\nusage: sensor --intel PATH [--intel PATH]... [--allow PATH]... "
            "[--format NAME] [--exact-domains] [--now RFC3339] [INPUT|-]...\n",
            msg);
    return 2;
}

int main(int argc, char **argv) {
    lr_builder *b = NULL;
    const lr_database *db = NULL;
    lr_scratch *scratch = NULL;
    const char *format = NULL;
    uint32_t exact = 0;
    int64_t now = (int64_t)time(NULL);
    int i, intel = 0, format_unused = 0, inputs = 0, status = 0;
    unsigned long long lines = 0, bytes = 0;
    struct scan_ctx c;

    /* Check the arguments first; --exact-domains and --now apply to everything. */
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--exact-domains") == 0) {
            exact = LR_FLAG_EXACT;
        } else if (strcmp(a, "--format") == 0 || strcmp(a, "--now") == 0 ||
                   strcmp(a, "--intel") == 0 || strcmp(a, "--allow") == 0) {
            if (i + 1 >= argc) return usage("an option is missing its value");
            if (strcmp(a, "--now") == 0 && lr_parse_timestamp(argv[i + 1], &now) != LR_OK)
                return usage("--now takes an RFC 3339 time such as 2024-05-01T00:00:00Z");
            if (strcmp(a, "--intel") == 0) intel++;
            format_unused = strcmp(a, "--format") == 0 ||
                            (format_unused && strcmp(a, "--now") == 0);
            i++;
        } else if (a[0] == '-' && a[1] == '-') {
            return usage("unknown option");
        }
    }
    if (intel == 0) return usage("at least one --intel PATH is required");
    if (format_unused) return usage("--format applies to the --intel/--allow paths after it");

    /* Load in argument order; --format applies to the paths after it ("auto": detect). */
    if (lr_builder_new(&b) != LR_OK) return 2;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--intel") == 0 || strcmp(argv[i], "--allow") == 0) {
            uint32_t flags = exact | (argv[i][2] == 'a' ? LR_FLAG_ALLOW : 0);
            if (load(b, argv[i + 1], format, flags) != 0) {
                lr_builder_free(b);
                return 2;
            }
            i++;
        } else if (strcmp(argv[i], "--format") == 0) {
            format = argv[++i];
        } else if (strcmp(argv[i], "--now") == 0) {
            i++;
        }
    }
    if (lr_builder_compile(b, &db) != LR_OK) {
        fprintf(stderr, "sensor: cannot compile: %s\n", lr_builder_last_error(b));
        lr_builder_free(b);
        return 2;
    }
    lr_builder_free(b); /* the database stands alone */
    if (lr_scratch_new(&scratch) != LR_OK) {
        lr_database_free(db);
        return 2;
    }

    memset(&c, 0, sizeof c);
    c.db = db;
    c.out = stdout;
    for (i = 1; i <= argc && status != 2; i++) {
        const char *name;
        FILE *in;
        int rc;
        if (i < argc) {
            if (strcmp(argv[i], "--exact-domains") == 0) continue;
            if (argv[i][0] == '-' && argv[i][1] == '-') { i++; continue; }
            name = argv[i];
        } else if (inputs == 0) {
            name = "-"; /* no INPUT: stdin */
        } else {
            break;
        }
        inputs++;
        in = strcmp(name, "-") == 0 ? stdin : fopen(name, "rb");
        if (in == NULL) {
            fprintf(stderr, "sensor: cannot open %s: %s\n", name, strerror(errno));
            status = 2;
            continue;
        }
        c.input = name;
        rc = scan_input(&c, scratch, in, now, &lines, &bytes);
        if (in != stdin) fclose(in);
        if (rc == 1) {
            fprintf(stderr, "sensor: error reading %s\n", name);
            status = 1;
        } else if (rc == 2) {
            status = 2;
        }
    }
    fflush(stdout);
    fprintf(stderr, "sensor: %llu lines, %llu bytes, %llu sightings\n", lines, bytes,
            c.sightings);
    lr_scratch_free(scratch);
    lr_database_free(db);
    return status;
}
