/*
 * The batch kernel on CPU cores: a CPython extension around reelsim_kernel.c.
 *
 * ``run`` takes the model blocks, the replication numbers, the output arrays and one
 * scratch slice per thread (all NumPy arrays, through the buffer protocol), releases the
 * GIL and runs the replications on that many POSIX threads. Threads take replications
 * from a shared counter; each writes only its replication's rows of the outputs and its
 * own scratch slice, and a replication's result depends on nothing but its number, so the
 * results are the same for any thread count.
 *
 * The other functions expose single pieces of the kernel (Philox blocks, the uniforms of
 * an address, one sample of a distribution, the normal quantile) so that the tests can
 * hold them against the Python specification number by number.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pthread.h>
#include <string.h>

#include "reelsim_kernel.c"

typedef char rs_check_u32[sizeof(rs_u32) == 4 ? 1 : -1];
typedef char rs_check_u64[sizeof(rs_u64) == 8 ? 1 : -1];
typedef char rs_check_event[sizeof(rs_entry) == 8 * RS_EVENT_WORDS ? 1 : -1];

/* A buffer of 8-byte items, C-contiguous; writable when asked. */
static int get_buffer(PyObject *obj, Py_buffer *view, int writable, const char *name)
{
    int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
    if (PyObject_GetBuffer(obj, view, flags) != 0) {
        PyErr_Format(PyExc_TypeError, "expected %s to be a contiguous%s array of 8-byte items",
                     name, writable ? ", writable" : "");
        return -1;
    }
    if (view->itemsize != 8) {
        PyErr_Format(PyExc_TypeError, "expected %s to hold 8-byte items, got %zd-byte items",
                     name, view->itemsize);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

typedef struct {
    const rs_i64 *mi;
    const double *md;
    const rs_i64 *reps;
    double *out_d;
    rs_i64 *out_i;
    rs_u64 *scratch;
    rs_i64 n;
    rs_i64 next;
    rs_i64 scratch_words, out_d_words, out_i_words;
} rs_batch;

typedef struct {
    rs_batch *batch;
    rs_i64 slice;
} rs_worker;

static void *worker_main(void *arg)
{
    rs_worker *w = (rs_worker *)arg;
    rs_batch *b = w->batch;
    rs_u64 *scratch = b->scratch + w->slice * b->scratch_words;
    for (;;) {
        rs_i64 i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED);
        if (i >= b->n) {
            break;
        }
        rs_run_replication(b->mi, b->md, scratch, b->out_d + i * b->out_d_words,
                           b->out_i + i * b->out_i_words, (rs_u32)b->reps[i], 0, 0, 0);
    }
    return 0;
}

static PyObject *cpu_run(PyObject *self, PyObject *args, PyObject *kwargs)
{
    static char *kwlist[] = {"mi", "md", "reps", "out_d", "out_i", "scratch", "threads",
                             "trace", NULL};
    PyObject *o_mi, *o_md, *o_reps, *o_out_d, *o_out_i, *o_scratch, *o_trace = Py_None;
    Py_ssize_t threads;
    Py_buffer b_mi, b_md, b_reps, b_out_d, b_out_i, b_scratch, b_trace;
    int have_trace = 0;
    rs_batch batch;
    rs_i64 header, n, slices, trace_n = -1, t;
    PyObject *result = NULL;
    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "OOOOOOn|O", kwlist, &o_mi, &o_md, &o_reps,
                                     &o_out_d, &o_out_i, &o_scratch, &threads, &o_trace)) {
        return NULL;
    }
    if (get_buffer(o_mi, &b_mi, 0, "mi") != 0) {
        return NULL;
    }
    if (get_buffer(o_md, &b_md, 0, "md") != 0) {
        goto release_mi;
    }
    if (get_buffer(o_reps, &b_reps, 0, "reps") != 0) {
        goto release_md;
    }
    if (get_buffer(o_out_d, &b_out_d, 1, "out_d") != 0) {
        goto release_reps;
    }
    if (get_buffer(o_out_i, &b_out_i, 1, "out_i") != 0) {
        goto release_out_d;
    }
    if (get_buffer(o_scratch, &b_scratch, 1, "scratch") != 0) {
        goto release_out_i;
    }
    if (o_trace != Py_None) {
        if (get_buffer(o_trace, &b_trace, 1, "trace") != 0) {
            goto release_scratch;
        }
        have_trace = 1;
    }

    header = b_mi.len / 8;
    if (header < RS_H_SIZE) {
        PyErr_Format(PyExc_ValueError, "expected mi to hold at least the %d header slots, got %lld",
                     (int)RS_H_SIZE, (long long)header);
        goto release_all;
    }
    batch.mi = (const rs_i64 *)b_mi.buf;
    batch.md = (const double *)b_md.buf;
    batch.reps = (const rs_i64 *)b_reps.buf;
    batch.out_d = (double *)b_out_d.buf;
    batch.out_i = (rs_i64 *)b_out_i.buf;
    batch.scratch = (rs_u64 *)b_scratch.buf;
    batch.scratch_words = batch.mi[RS_H_SCRATCH_WORDS];
    batch.out_d_words = batch.mi[RS_H_OUT_D_WORDS];
    batch.out_i_words = batch.mi[RS_H_OUT_I_WORDS];
    batch.n = b_reps.len / 8;
    batch.next = 0;
    n = batch.n;
    if (batch.scratch_words <= 0 || batch.out_d_words <= 0 || batch.out_i_words <= 0) {
        PyErr_SetString(PyExc_ValueError, "expected a header with positive block sizes");
        goto release_all;
    }
    if (b_out_d.len / 8 < n * batch.out_d_words || b_out_i.len / 8 < n * batch.out_i_words) {
        PyErr_Format(PyExc_ValueError,
                     "expected outputs for %lld replications (%lld and %lld words each)",
                     (long long)n, (long long)batch.out_d_words, (long long)batch.out_i_words);
        goto release_all;
    }
    slices = (b_scratch.len / 8) / batch.scratch_words;
    if (threads < 1) {
        threads = 1;
    }
    if (threads > n) {
        threads = n > 0 ? (Py_ssize_t)n : 1;
    }
    if (slices < threads) {
        PyErr_Format(PyExc_ValueError,
                     "expected scratch for %zd threads (%lld words each), got room for %lld",
                     threads, (long long)batch.scratch_words, (long long)slices);
        goto release_all;
    }
    if (have_trace && n != 1) {
        PyErr_SetString(PyExc_ValueError, "a trace is recorded for one replication at a time");
        goto release_all;
    }

    if (have_trace) {
        double *trace = (double *)b_trace.buf;
        rs_i64 cap = (b_trace.len / 8) / RS_TRACE_WIDTH;
        Py_BEGIN_ALLOW_THREADS
        rs_run_replication(batch.mi, batch.md, batch.scratch, batch.out_d, batch.out_i,
                           (rs_u32)batch.reps[0], trace, cap, &trace_n);
        Py_END_ALLOW_THREADS
    } else if (threads == 1) {
        rs_worker w;
        w.batch = &batch;
        w.slice = 0;
        Py_BEGIN_ALLOW_THREADS
        worker_main(&w);
        Py_END_ALLOW_THREADS
    } else {
        pthread_t *ids = (pthread_t *)PyMem_RawMalloc(sizeof(pthread_t) * (size_t)threads);
        rs_worker *workers = (rs_worker *)PyMem_RawMalloc(sizeof(rs_worker) * (size_t)threads);
        rs_i64 started = 0;
        if (ids == NULL || workers == NULL) {
            PyMem_RawFree(ids);
            PyMem_RawFree(workers);
            PyErr_NoMemory();
            goto release_all;
        }
        Py_BEGIN_ALLOW_THREADS
        for (t = 0; t < threads; t++) {
            workers[t].batch = &batch;
            workers[t].slice = t;
            if (pthread_create(&ids[t], NULL, worker_main, &workers[t]) != 0) {
                break;
            }
            started += 1;
        }
        if (started == 0) {
            /* No thread could start: run on this one. */
            workers[0].batch = &batch;
            workers[0].slice = 0;
            worker_main(&workers[0]);
        }
        for (t = 0; t < started; t++) {
            pthread_join(ids[t], NULL);
        }
        Py_END_ALLOW_THREADS
        PyMem_RawFree(ids);
        PyMem_RawFree(workers);
    }
    result = PyLong_FromLongLong((long long)trace_n);

release_all:
    if (have_trace) {
        PyBuffer_Release(&b_trace);
    }
release_scratch:
    PyBuffer_Release(&b_scratch);
release_out_i:
    PyBuffer_Release(&b_out_i);
release_out_d:
    PyBuffer_Release(&b_out_d);
release_reps:
    PyBuffer_Release(&b_reps);
release_md:
    PyBuffer_Release(&b_md);
release_mi:
    PyBuffer_Release(&b_mi);
    return result;
}

static PyObject *cpu_philox(PyObject *self, PyObject *args)
{
    unsigned long long c0, c1, c2, c3, k0, k1;
    rs_u32 c[4];
    rs_keys keys;
    (void)self;
    if (!PyArg_ParseTuple(args, "KKKKKK", &c0, &c1, &c2, &c3, &k0, &k1)) {
        return NULL;
    }
    rs_philox_keys(&keys, (rs_u32)k0, (rs_u32)k1);
    c[0] = (rs_u32)c0;
    c[1] = (rs_u32)c1;
    c[2] = (rs_u32)c2;
    c[3] = (rs_u32)c3;
    rs_philox(c, &keys);
    return Py_BuildValue("(kkkk)", (unsigned long)c[0], (unsigned long)c[1],
                         (unsigned long)c[2], (unsigned long)c[3]);
}

static PyObject *cpu_uniforms(PyObject *self, PyObject *args)
{
    unsigned long long seed, rep, purpose, owner, sub;
    Py_ssize_t n, i;
    rs_keys keys;
    rs_stream s;
    PyObject *list;
    (void)self;
    if (!PyArg_ParseTuple(args, "KKKKKn", &seed, &rep, &purpose, &owner, &sub, &n)) {
        return NULL;
    }
    rs_philox_keys(&keys, (rs_u32)(seed & 0xFFFFFFFFULL), (rs_u32)(seed >> 32));
    rs_stream_init(&s, &keys, (rs_u32)rep, (rs_u32)purpose, (rs_u32)owner, (rs_u32)sub);
    list = PyList_New(n);
    if (list == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        PyList_SET_ITEM(list, i, PyFloat_FromDouble(rs_next(&s)));
    }
    return list;
}

static PyObject *cpu_sample(PyObject *self, PyObject *args)
{
    PyObject *o_di, *o_md;
    Py_ssize_t dist;
    unsigned long long seed, rep, purpose, owner, sub;
    Py_buffer b_di, b_md;
    rs_keys keys;
    rs_stream s;
    double x;
    (void)self;
    if (!PyArg_ParseTuple(args, "OOnKKKKK", &o_di, &o_md, &dist, &seed, &rep, &purpose, &owner,
                          &sub)) {
        return NULL;
    }
    if (get_buffer(o_di, &b_di, 0, "dist table") != 0) {
        return NULL;
    }
    if (get_buffer(o_md, &b_md, 0, "md") != 0) {
        PyBuffer_Release(&b_di);
        return NULL;
    }
    if (dist < 0 || (dist + 1) * RS_DI_SIZE > b_di.len / 8) {
        PyBuffer_Release(&b_di);
        PyBuffer_Release(&b_md);
        PyErr_Format(PyExc_IndexError, "no distribution %zd in the table", dist);
        return NULL;
    }
    rs_philox_keys(&keys, (rs_u32)(seed & 0xFFFFFFFFULL), (rs_u32)(seed >> 32));
    rs_stream_init(&s, &keys, (rs_u32)rep, (rs_u32)purpose, (rs_u32)owner, (rs_u32)sub);
    x = rs_sample((const rs_i64 *)b_di.buf, (const double *)b_md.buf, 0, (rs_i64)dist, &s);
    PyBuffer_Release(&b_di);
    PyBuffer_Release(&b_md);
    return PyFloat_FromDouble(x);
}

static PyObject *cpu_normal_ppf(PyObject *self, PyObject *arg)
{
    double p = PyFloat_AsDouble(arg);
    (void)self;
    if (p == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    return PyFloat_FromDouble(rs_normal_ppf(p));
}

static PyObject *cpu_to_uniform(PyObject *self, PyObject *args)
{
    unsigned long long hi, lo;
    (void)self;
    if (!PyArg_ParseTuple(args, "KK", &hi, &lo)) {
        return NULL;
    }
    return PyFloat_FromDouble(rs_to_uniform((rs_u32)hi, (rs_u32)lo));
}

static PyObject *cpu_day_of(PyObject *self, PyObject *arg)
{
    double t = PyFloat_AsDouble(arg);
    (void)self;
    if (t == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    return PyFloat_FromDouble(rs_day_of(t));
}

static PyMethodDef cpu_methods[] = {
    {"run", (PyCFunction)(void (*)(void))cpu_run, METH_VARARGS | METH_KEYWORDS,
     "run(mi, md, reps, out_d, out_i, scratch, threads, trace=None) -> int\n\n"
     "Run one replication per entry of reps; statuses land in out_i. With a trace buffer "
     "(one replication only) returns the number of trace records the run made (those "
     "beyond the buffer are dropped), else -1."},
    {"philox", cpu_philox, METH_VARARGS,
     "philox(c0, c1, c2, c3, k0, k1) -> (x0, x1, x2, x3): one Philox4x32-10 block."},
    {"uniforms", cpu_uniforms, METH_VARARGS,
     "uniforms(seed, rep, purpose, owner, sub, n) -> list: the first n uniforms of an address."},
    {"sample", cpu_sample, METH_VARARGS,
     "sample(dist_table, md, dist, seed, rep, purpose, owner, sub) -> float: one sample of a "
     "packed distribution from the stream at an address."},
    {"to_uniform", cpu_to_uniform, METH_VARARGS,
     "to_uniform(hi, lo) -> float: the uniform of two 32-bit words."},
    {"normal_ppf", cpu_normal_ppf, METH_O, "normal_ppf(p) -> float: AS241."},
    {"day_of", cpu_day_of, METH_O, "day_of(t) -> float: the daily bin of time t (hours)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef cpu_module = {
    PyModuleDef_HEAD_INIT, "kernels._cpu",
    "The reelsim batch kernel compiled for CPU cores (see kernels/cpu.py).", -1, cpu_methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__cpu(void)
{
    PyObject *m = PyModule_Create(&cpu_module);
    if (m == NULL) {
        return NULL;
    }
    if (PyModule_AddIntConstant(m, "HEADER_SIZE", RS_H_SIZE) != 0
        || PyModule_AddIntConstant(m, "LAYOUT_VERSION", RS_LAYOUT_VERSION) != 0
        || PyModule_AddIntConstant(m, "EVENT_WORDS", (long)(sizeof(rs_entry) / 8)) != 0
        || PyModule_AddIntConstant(m, "TRACE_WIDTH", RS_TRACE_WIDTH) != 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
