/*
 * The batch kernel as a standalone program, for AddressSanitizer and
 * UndefinedBehaviorSanitizer (tests/test_kernel_sanitizers.py).
 *
 *     driver MI_FILE MD_FILE REPLICATIONS TRACE_CAPACITY OUT_D_FILE OUT_I_FILE
 *
 * MI_FILE holds the int64 block of a packed model and MD_FILE its float64 block, as raw
 * native-endian words (simulator.engines.packing.pack); the header of the int64 block
 * gives the sizes of a replication's scratch and output rows. Replications 0 to
 * REPLICATIONS - 1 run one after another on one scratch slice, as a thread of the CPU
 * kernel runs them; then replication 0 runs once more with a trace of TRACE_CAPACITY
 * records (a small capacity checks that a trace is cut, not overrun). The output rows of
 * replications 0 to REPLICATIONS - 1 are written to OUT_D_FILE and OUT_I_FILE, one after
 * another, so that the caller can hold them against the CPU kernel's.
 *
 * Every block is its own allocation of exactly its size, so a read or write past any of
 * them is a sanitizer report. The scratch starts filled with junk, as the CPU kernel's
 * uninitialised slice does. Exit status: 0 when every replication ended with RS_OK or
 * RS_HEAP_FULL (the caller packs a heap large enough not to), 1 on another status, 2 on
 * bad arguments or files; a sanitizer report aborts the program. The line it prints says
 * how many of replications 0 to REPLICATIONS - 1 filled their heap.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../kernels/reelsim_kernel.c"

/* The words of a file of 8-byte items, in an allocation of exactly that size. */
static void *read_words(const char *path, long *count)
{
    FILE *f = fopen(path, "rb");
    long bytes;
    void *words;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (bytes = ftell(f)) < 0 || bytes % 8 != 0 ||
        bytes == 0 || fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "driver: cannot read %s as 8-byte words\n", path);
        if (f != NULL) {
            fclose(f);
        }
        return NULL;
    }
    words = malloc((size_t)bytes);
    if (words == NULL || fread(words, 1, (size_t)bytes, f) != (size_t)bytes) {
        fprintf(stderr, "driver: cannot read %s\n", path);
        free(words);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *count = bytes / 8;
    return words;
}

/* One replication with rows of exactly their size, written to the files when given; its
 * status. */
static rs_i64 run_one(const rs_i64 *mi, const double *md, rs_u64 *scratch, rs_u32 rep,
                      double *trace, rs_i64 trace_cap, rs_i64 *trace_count, FILE *f_d,
                      FILE *f_i)
{
    double *out_d = (double *)calloc((size_t)mi[RS_H_OUT_D_WORDS], sizeof(double));
    rs_i64 *out_i = (rs_i64 *)calloc((size_t)mi[RS_H_OUT_I_WORDS], sizeof(rs_i64));
    rs_i64 status;
    if (out_d == NULL || out_i == NULL) {
        fprintf(stderr, "driver: out of memory for the output rows\n");
        exit(2);
    }
    rs_run_replication(mi, md, scratch, out_d, out_i, rep, trace, trace_cap, trace_count);
    status = out_i[mi[RS_H_OI_STATUS]];
    if (f_d != NULL && (fwrite(out_d, sizeof(double), (size_t)mi[RS_H_OUT_D_WORDS], f_d) !=
                            (size_t)mi[RS_H_OUT_D_WORDS] ||
                        fwrite(out_i, sizeof(rs_i64), (size_t)mi[RS_H_OUT_I_WORDS], f_i) !=
                            (size_t)mi[RS_H_OUT_I_WORDS])) {
        fprintf(stderr, "driver: cannot write the output rows\n");
        exit(2);
    }
    free(out_d);
    free(out_i);
    return status;
}

int main(int argc, char **argv)
{
    long n_mi, n_md, reps, trace_cap, r;
    rs_i64 *mi;
    double *md, *trace;
    rs_u64 *scratch;
    rs_i64 status, trace_count = 0;
    FILE *f_d, *f_i;
    int heap_full = 0, failed = 0;
    if (argc != 7 || (reps = atol(argv[3])) < 1 || (trace_cap = atol(argv[4])) < 1) {
        fprintf(stderr, "usage: driver MI_FILE MD_FILE REPLICATIONS TRACE_CAPACITY "
                        "OUT_D_FILE OUT_I_FILE\n");
        return 2;
    }
    mi = (rs_i64 *)read_words(argv[1], &n_mi);
    md = (double *)read_words(argv[2], &n_md);
    if (mi == NULL || md == NULL) {
        return 2;
    }
    if (n_mi < RS_H_SIZE || mi[RS_H_SCRATCH_WORDS] <= 0 || mi[RS_H_OUT_D_WORDS] <= 0 ||
        mi[RS_H_OUT_I_WORDS] <= 0 || mi[RS_H_OI_STATUS] < 0 ||
        mi[RS_H_OI_STATUS] >= mi[RS_H_OUT_I_WORDS]) {
        fprintf(stderr, "driver: %s does not start with a kernel header\n", argv[1]);
        return 2;
    }
    scratch = (rs_u64 *)malloc((size_t)mi[RS_H_SCRATCH_WORDS] * sizeof(rs_u64));
    trace = (double *)malloc((size_t)trace_cap * RS_TRACE_WIDTH * sizeof(double));
    if (scratch == NULL || trace == NULL) {
        fprintf(stderr, "driver: out of memory for the scratch slice\n");
        return 2;
    }
    f_d = fopen(argv[5], "wb");
    f_i = fopen(argv[6], "wb");
    if (f_d == NULL || f_i == NULL) {
        fprintf(stderr, "driver: cannot open %s and %s for writing\n", argv[5], argv[6]);
        return 2;
    }
    memset(scratch, 0xA5, (size_t)mi[RS_H_SCRATCH_WORDS] * sizeof(rs_u64));
    for (r = 0; r <= reps; r++) {
        int traced = r == reps;
        status = run_one(mi, md, scratch, (rs_u32)(traced ? 0 : r), traced ? trace : 0,
                         traced ? (rs_i64)trace_cap : 0, traced ? &trace_count : 0,
                         traced ? NULL : f_d, traced ? NULL : f_i);
        if (status == RS_HEAP_FULL) {
            heap_full += !traced;
        } else if (status != RS_OK) {
            fprintf(stderr, "driver: replication %ld%s ended with status %lld\n",
                    traced ? 0L : r, traced ? " (traced)" : "", (long long)status);
            failed = 1;
        }
    }
    if (fclose(f_d) != 0 || fclose(f_i) != 0) {
        fprintf(stderr, "driver: cannot write the output rows\n");
        return 2;
    }
    printf("replications %ld, heap full %d, trace records %lld of capacity %ld\n", reps,
           heap_full, (long long)trace_count, trace_cap);
    free(trace);
    free(scratch);
    free(md);
    free(mi);
    return failed;
}
