/* Math classifier scoring in C: the byte-level half of classifiers/normalise.py, then fastText's
 * tokenisation, word lookup and word-n-gram hashing, summing rows of a projected logit table
 * (classifiers/linear.py explains the table).
 *
 * Python keeps the reference implementation; tests/classifiers/test_linear.py checks that this
 * file produces the same normalised text and the same probabilities as fastText itself. Each
 * normalisation step below is the literal counterpart of one line of normalise.py (same order,
 * same left-to-right non-overlapping replacement as bytes.replace / re.sub), so the two stay
 * comparable line by line.
 *
 * Built on first use by classifiers/native.py with the system C compiler and loaded with ctypes
 * (no Python headers needed); without a compiler the numpy path of linear.py is used.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { unsigned char *p; int64_t n; } buf_t;

/* ---------------------------------------------------------------- normalisation passes */

/* First occurrence of pat (m bytes) in b at or after `from`, or -1: memchr to each candidate. */
static int64_t find(const buf_t *b, int64_t from, const char *pat, int64_t m) {
    const unsigned char *end = b->p + b->n, *q = b->p + from;
    while (q + m <= end) {
        q = memchr(q, (unsigned char)pat[0], end - q - m + 1);
        if (!q) return -1;
        if (memcmp(q, pat, m) == 0) return q - b->p;
        q++;
    }
    return -1;
}

static int contains(const buf_t *b, const char *pat, int64_t m) { return find(b, 0, pat, m) >= 0; }

/* bytes.replace(pat, rep): src -> dst, left to right, non-overlapping. */
static void replace_all(const buf_t *src, buf_t *dst, const char *pat, int64_t m, const char *rep, int64_t r) {
    int64_t o = 0, i = 0;
    for (int64_t k; (k = find(src, i, pat, m)) >= 0; i = k + m) {
        memcpy(dst->p + o, src->p + i, k - i); o += k - i;
        memcpy(dst->p + o, rep, r); o += r;
    }
    memcpy(dst->p + o, src->p + i, src->n - i);
    dst->n = o + src->n - i;
}

static void swap(buf_t *a, buf_t *b) { buf_t t = *a; *a = *b; *b = t; }

/* replace_all into the spare buffer, then make it current (only when the pattern occurs). */
static void replace_in(buf_t *cur, buf_t *spare, const char *pat, int64_t m, const char *rep, int64_t r) {
    if (!contains(cur, pat, m)) return;
    replace_all(cur, spare, pat, m, rep, r);
    swap(cur, spare);
}

/* The Unicode regexes of normalise.py: a lead byte, then continuation bytes in ranges.
 * kind 0: \xe2\x80[\x90-\xa2] -> " " (dashes, quotes, bullets)
 * kind 1: \xe2(?:[\x84-\x8b][\x80-\xbf]|\x96[\xa0-\xbf]|\x97[\x80-\xbf]|\x80[\xb2\xb3]) -> padded
 * kind 2: \xc2[\xac\xb0\xb1\xb7] -> padded
 * kind 3: \xc3[\x97\xb7] -> padded
 * Returns the match length at p (0: none). */
static int unicode_match(int kind, const unsigned char *p, int64_t left) {
    switch (kind) {
    case 0:
        return left >= 3 && p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0x90 && p[2] <= 0xa2 ? 3 : 0;
    case 1:
        if (left < 3 || p[0] != 0xe2) return 0;
        if (p[1] >= 0x84 && p[1] <= 0x8b && p[2] >= 0x80 && p[2] <= 0xbf) return 3;
        if (p[1] == 0x96 && p[2] >= 0xa0 && p[2] <= 0xbf) return 3;
        if (p[1] == 0x97 && p[2] >= 0x80 && p[2] <= 0xbf) return 3;
        if (p[1] == 0x80 && (p[2] == 0xb2 || p[2] == 0xb3)) return 3;
        return 0;
    case 2:
        return left >= 2 && p[0] == 0xc2 && (p[1] == 0xac || p[1] == 0xb0 || p[1] == 0xb1 || p[1] == 0xb7) ? 2 : 0;
    default:
        return left >= 2 && p[0] == 0xc3 && (p[1] == 0x97 || p[1] == 0xb7) ? 2 : 0;
    }
}

static void unicode_sub(buf_t *cur, buf_t *spare, int kind) {
    const unsigned char lead = kind < 2 ? 0xe2 : kind == 2 ? 0xc2 : 0xc3;
    const buf_t *s = cur;
    int64_t o = 0, i = 0;
    while (i < s->n) {
        const unsigned char *q = memchr(s->p + i, lead, s->n - i);
        int64_t k = q ? q - s->p : s->n;
        memcpy(spare->p + o, s->p + i, k - i); o += k - i; i = k;
        if (i >= s->n) break;
        int m = unicode_match(kind, s->p + i, s->n - i);
        if (!m) { spare->p[o++] = s->p[i++]; continue; }
        spare->p[o++] = ' ';
        if (kind != 0) { /* padded: " \g<0> " */
            memcpy(spare->p + o, s->p + i, m); o += m;
            spare->p[o++] = ' ';
        }
        i += m;
    }
    spare->n = o;
    swap(cur, spare);
}

static int has_byte(const buf_t *b, unsigned char c) { return b->n && memchr(b->p, c, b->n) != NULL; }

/* normalise.py from `raw = text.encode(...)` on; `ascii` says whether the text was ASCII.
 * cur holds the input and, on return, the output; both buffers hold 3 * input + 16 bytes. */
static void normalise_bytes(buf_t *cur, buf_t *spare, int ascii) {
    /* raw.translate(_DIGITS_AND_SPACE, b"$") */
    static unsigned char digits_space[256];
    static unsigned char prose_punct[256];
    if (!digits_space['a']) { /* the two byte tables of normalise.py, filled on first use */
        for (int c = 0; c < 256; c++) digits_space[c] = prose_punct[c] = (unsigned char)c;
        for (int c = '0'; c <= '9'; c++) digits_space[c] = '0';
        for (const char *w = "\n\r\t\v\f"; *w; w++) digits_space[(unsigned char)*w] = ' ';
        digits_space[0] = ' ';
        for (const char *w = ".,;:!?\"'`()[]{}#@&~%"; *w; w++) prose_punct[(unsigned char)*w] = ' ';
    }
    int64_t o = 0;
    for (int64_t i = 0; i < cur->n; i++) {
        unsigned char c = cur->p[i];
        cur->p[o] = digits_space[c];
        o += c != '$';
    }
    cur->n = o;
    if (!ascii) { /* _unicode_pass */
        if (has_byte(cur, 0xe2)) {
            replace_in(cur, spare, "\xe2\x88\x92", 3, " - ", 3);
            unicode_sub(cur, spare, 0);
            unicode_sub(cur, spare, 1);
        }
        if (has_byte(cur, 0xc2)) unicode_sub(cur, spare, 2);
        if (has_byte(cur, 0xc3)) unicode_sub(cur, spare, 3);
    }
    while (contains(cur, "00", 2)) { replace_all(cur, spare, "00", 2, "0", 1); swap(cur, spare); }
    while (contains(cur, "0.0", 3)) { replace_all(cur, spare, "0.0", 3, "0", 1); swap(cur, spare); }
    while (contains(cur, "0,0", 3)) { replace_all(cur, spare, "0,0", 3, "0", 1); swap(cur, spare); }
    if (has_byte(cur, '\\')) {
        replace_in(cur, spare, "\\(", 2, " ", 1);
        replace_in(cur, spare, "\\)", 2, " ", 1);
        replace_in(cur, spare, "\\[", 2, " ", 1);
        replace_in(cur, spare, "\\]", 2, " ", 1);
        replace_in(cur, spare, "\\", 1, " \\", 2);
    }
    /* raw.translate(_PROSE_PUNCT) */
    for (int64_t i = 0; i < cur->n; i++) cur->p[i] = prose_punct[cur->p[i]];
    /* math symbols padded, in _PADDED order */
    static const char syms[] = "=+-*/^_<>|";
    for (const char *s = syms; *s; s++) {
        char pad[3] = {' ', *s, ' '};
        if (has_byte(cur, (unsigned char)*s)) replace_in(cur, spare, s, 1, pad, 3);
    }
}

/* Exposed for the equality tests: normalise one document's bytes into out (3 * n + 16 bytes). */
int64_t octo_normalise(const unsigned char *in, int64_t n, int ascii, unsigned char *out, unsigned char *spare) {
    buf_t cur = {out, n}, sp = {spare, 0};
    memcpy(out, in, n);
    normalise_bytes(&cur, &sp, ascii);
    if (cur.p != out) memcpy(out, cur.p, cur.n);
    return cur.n;
}

/* ---------------------------------------------------------------- fastText lookup and scoring */

static uint32_t fnv1a(const unsigned char *s, int64_t n) {
    uint32_t h = 2166136261u;
    for (int64_t i = 0; i < n; i++) {
        h ^= (uint32_t)(int8_t)s[i]; /* fastText hashes signed chars */
        h *= 16777619u;
    }
    return h;
}

/* Open addressing by hash: slots hold word ids (-1 empty); size a power of two. */
void octo_vocab_build(const unsigned char *words, const int64_t *offsets, int64_t nwords,
                      uint32_t *hashes, int32_t *slots, int64_t size) {
    for (int64_t i = 0; i < size; i++) slots[i] = -1;
    for (int64_t w = 0; w < nwords; w++) {
        uint32_t h = fnv1a(words + offsets[w], offsets[w + 1] - offsets[w]);
        hashes[w] = h;
        int64_t s = h & (size - 1);
        while (slots[s] >= 0) s = (s + 1) & (size - 1);
        slots[s] = (int32_t)w;
    }
}

typedef struct {
    const unsigned char *words; const int64_t *offsets; const uint32_t *hashes;
    const int32_t *slots; int64_t size; int64_t nwords;
    const float *table; int nlabels; int word_ngrams; int64_t bucket;
} model_t;

static int32_t lookup(const model_t *m, const unsigned char *t, int64_t n, uint32_t h) {
    for (int64_t s = h & (m->size - 1); m->slots[s] >= 0; s = (s + 1) & (m->size - 1)) {
        int32_t w = m->slots[s];
        if (m->hashes[w] == h && m->offsets[w + 1] - m->offsets[w] == n && memcmp(m->words + m->offsets[w], t, n) == 0)
            return w;
    }
    return -1;
}

static int is_space(unsigned char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\v' || c == '\f' || c == 0;
}

/* One normalised line as fastText's predict reads it (line + "\n"): the rows of its words, then
 * of its word n-grams, into `rows`; returns how many. hbuf holds the word hashes. */
static int64_t line_rows(const model_t *m, const unsigned char *p, int64_t n, int32_t *hbuf, int64_t *rows) {
    int64_t nh = 0, nr = 0;
    for (int64_t i = 0; i <= n;) {
        const unsigned char *tok; int64_t len;
        if (i == n) { tok = (const unsigned char *)"</s>"; len = 4; i++; } /* the appended "\n" */
        else {
            if (is_space(p[i])) { i++; continue; }
            int64_t j = i;
            while (j < n && !is_space(p[j])) j++;
            tok = p + i; len = j - i; i = j;
        }
        uint32_t h = fnv1a(tok, len);
        int32_t wid = lookup(m, tok, len, h);
        if (wid < 0 && len >= 9 && memcmp(tok, "__label__", 9) == 0) continue; /* a label: no feature */
        if (wid >= 0) rows[nr++] = wid;
        hbuf[nh++] = (int32_t)h;
    }
    for (int64_t i = 0; i < nh; i++) {
        uint64_t h = (uint64_t)(int64_t)hbuf[i];
        for (int64_t j = i + 1; j < nh && j < i + m->word_ngrams; j++) {
            h = h * 116049371u + (uint64_t)(int64_t)hbuf[j];
            rows[nr++] = m->nwords + (int64_t)(h % (uint64_t)m->bucket);
        }
    }
    return nr;
}

/* Sum the table rows of one line: a gather from a table of up to tens of MB, so the loads are
 * prefetched a few rows ahead. */
static void sum_rows(const model_t *m, const int64_t *rows, int64_t nr, double *sums) {
    enum { AHEAD = 16 };
    const int L = m->nlabels;
    if (L == 1) { /* binary models: independent accumulators keep several loads in flight */
        double acc[4] = {0, 0, 0, 0};
        int64_t i = 0;
        for (; i + 4 <= nr; i += 4) {
            if (i + AHEAD + 4 <= nr) {
                __builtin_prefetch(m->table + rows[i + AHEAD]);
                __builtin_prefetch(m->table + rows[i + AHEAD + 1]);
                __builtin_prefetch(m->table + rows[i + AHEAD + 2]);
                __builtin_prefetch(m->table + rows[i + AHEAD + 3]);
            }
            acc[0] += m->table[rows[i]];
            acc[1] += m->table[rows[i + 1]];
            acc[2] += m->table[rows[i + 2]];
            acc[3] += m->table[rows[i + 3]];
        }
        for (; i < nr; i++) acc[0] += m->table[rows[i]];
        sums[0] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        return;
    }
    for (int64_t i = 0; i < nr; i++) {
        if (i + AHEAD < nr) __builtin_prefetch(m->table + rows[i + AHEAD] * L);
        const float *r = m->table + rows[i] * L;
        for (int c = 0; c < L; c++) sums[c] += r[c];
    }
}

/* Score ndocs documents packed in `text` (document d is text[doc_off[d]:doc_off[d+1]], UTF-8 after
 * the str-level steps of normalise.py; ascii[d] says it is pure ASCII). Writes per document the
 * sum of its rows' logits (ndocs x nlabels) and its row count. Returns 0, or -1 without memory. */
int octo_score(const unsigned char *text, const int64_t *doc_off, const uint8_t *ascii, int64_t ndocs,
               const unsigned char *words, const int64_t *offsets, const uint32_t *hashes,
               const int32_t *slots, int64_t size, int64_t nwords,
               const float *table, int nlabels, int word_ngrams, int64_t bucket,
               double *sums, int64_t *counts) {
    model_t m = {words, offsets, hashes, slots, size, nwords, table, nlabels, word_ngrams, bucket};
    int64_t longest = 0;
    for (int64_t d = 0; d < ndocs; d++)
        if (doc_off[d + 1] - doc_off[d] > longest) longest = doc_off[d + 1] - doc_off[d];
    int64_t cap = 3 * longest + 16;
    unsigned char *a = malloc(cap), *b = malloc(cap);
    int32_t *hbuf = malloc(sizeof(int32_t) * (cap + 1));             /* a token per byte at most */
    int64_t *rows = malloc(sizeof(int64_t) * (cap + 1) * (word_ngrams > 0 ? word_ngrams : 1));
    if (!a || !b || !hbuf || !rows) { free(a); free(b); free(hbuf); free(rows); return -1; }
    for (int64_t d = 0; d < ndocs; d++) {
        buf_t cur = {a, doc_off[d + 1] - doc_off[d]}, spare = {b, 0};
        memcpy(a, text + doc_off[d], cur.n);
        normalise_bytes(&cur, &spare, ascii[d]);
        memset(sums + d * nlabels, 0, sizeof(double) * nlabels);
        counts[d] = line_rows(&m, cur.p, cur.n, hbuf, rows);
        sum_rows(&m, rows, counts[d], sums + d * nlabels);
    }
    free(a); free(b); free(hbuf); free(rows);
    return 0;
}
