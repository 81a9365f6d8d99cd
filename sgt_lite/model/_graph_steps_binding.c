/* The row loop of a buffer graph (sgt_lite/model/backends.py, _BufferGraph) in C: per row, copy the
 * network inputs and the LSTM state into the runtime's own input buffers, call its invoke, copy the
 * outputs and the new state out, and guard against NaN/Inf. The same copies the Python loop makes,
 * so the numbers are the same; what goes is the Python around each invoke. Arrays arrive through the
 * buffer protocol (C-contiguous float32); no numpy headers are needed. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <string.h>

#include "sgt_pyhelp.h"

enum { VX, VS, VH, VC, VO, VOH, VOC, N_VIEWS };

static const char* VIEW_NAMES[N_VIEWS] = {"views[0] (x)",   "views[1] (style)", "views[2] (h)",  "views[3] (c)",
                                          "views[4] (raw)", "views[5] (h')",    "views[6] (c')"};

static int all_finite(const float* x, Py_ssize_t n) {
  int ok = 1;
  for (Py_ssize_t i = 0; i < n; i++) ok &= isfinite(x[i]) != 0;
  return ok;
}

/* The NaN guard of one step: a finite step (out, h, c) is kept and out copied into last; else h and c
 * are zeroed and out takes last. Returns whether the step was finite. */
static int guard_row(float* out, float* h, float* c, float* last, Py_ssize_t size, Py_ssize_t state) {
  if (all_finite(out, size) & all_finite(h, state) & all_finite(c, state)) {
    memcpy(last, out, 4 * size);
    return 1;
  }
  memset(h, 0, 4 * state);
  memset(c, 0, 4 * state);
  memcpy(out, last, 4 * size);
  return 0;
}

static void release(Py_buffer* bufs, int n) {
  for (int i = 0; i < n; i++) PyBuffer_Release(&bufs[i]);
}

typedef struct {
  PyObject_HEAD
  PyObject* invoke;
  Py_buffer v[N_VIEWS];
  int got;
  Py_ssize_t split, width, state, size;
} StepsObject;

static void Steps_dealloc(StepsObject* self) {
  release(self->v, self->got);
  Py_XDECREF(self->invoke);
  Py_TYPE(self)->tp_free((PyObject*)self);
}

/* GraphSteps(invoke, views): the runtime's invoke and its 7 buffers, held for the object's life */
static int Steps_init(StepsObject* self, PyObject* args, PyObject* kwds) {
  static char* kwlist[] = {"invoke", "views", NULL};
  PyObject *invoke, *views;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO", kwlist, &invoke, &views)) return -1;
  if (self->invoke != NULL) {
    sgt_py_error("ConfigError", "a GraphSteps is bound once; make a new one");
    return -1;
  }
  if (!PyCallable_Check(invoke) || !PyTuple_Check(views) || PyTuple_GET_SIZE(views) != N_VIEWS) {
    sgt_py_error("ConfigError", "GraphSteps needs a callable invoke and a tuple of %d buffer views", N_VIEWS);
    return -1;
  }
  for (; self->got < N_VIEWS; self->got++)
    if (!sgt_py_floats(PyTuple_GET_ITEM(views, self->got), &self->v[self->got], 'f', 1, self->got < VO,
                       VIEW_NAMES[self->got], "ConfigError"))
      return -1;
  Py_buffer* v = self->v;
  self->split = v[VX].len / 4;
  self->width = self->split + v[VS].len / 4;
  self->state = v[VH].len / 4;
  self->size = v[VO].len / 4;
  if (v[VC].len != v[VH].len || v[VOH].len != v[VH].len || v[VOC].len != v[VH].len) {
    sgt_py_error("ConfigError", "the state views differ in size (h %zd, c %zd, h' %zd, c' %zd values)", self->state,
                 v[VC].len / 4, v[VOH].len / 4, v[VOC].len / 4);
    return -1;
  }
  Py_INCREF(invoke);
  self->invoke = invoke;
  return 0;
}

/* (xs, h, c, out, last, carry) -> [rows that gave NaN/Inf]; see backends._BufferGraph.steps */
static PyObject* Steps_call(StepsObject* self, PyObject* args, PyObject* kwds) {
  PyObject *o_xs, *o_h, *o_c, *o_out, *o_last, *bad = NULL;
  int carry;
  Py_buffer xs, h, c, out, last;
  Py_buffer* v = self->v;
  const Py_ssize_t split = self->split, width = self->width, state = self->state, size = self->size;
  if (self->invoke == NULL) {
    sgt_py_error("ConfigError", "GraphSteps was not initialised");
    return NULL;
  }
  if (!PyArg_ParseTuple(args, "OOOOOp", &o_xs, &o_h, &o_c, &o_out, &o_last, &carry)) return NULL;
  if (!sgt_py_floats(o_xs, &xs, 'f', 0, 0, "xs", "ConfigError")) return NULL;
  const Py_ssize_t n = xs.len / 4 / width, rows = carry ? 1 : n;
  if (xs.len != n * width * 4) {
    sgt_py_error("ConfigError", "xs has %zd values, not a whole number of %zd-value rows", xs.len / 4, width);
    goto fail_xs;
  }
  if (!sgt_py_floats(o_h, &h, 'f', rows * state, 1, "h", "ConfigError")) goto fail_xs;
  if (!sgt_py_floats(o_c, &c, 'f', rows * state, 1, "c", "ConfigError")) goto fail_h;
  if (!sgt_py_floats(o_out, &out, 'f', n * size, 1, "out", "ConfigError")) goto fail_c;
  if (!sgt_py_floats(o_last, &last, 'f', rows * size, 1, "last", "ConfigError")) goto fail_out;
  bad = PyList_New(0);
  if (bad == NULL) goto done;
  for (Py_ssize_t i = 0; i < n; i++) {
    const float* x = (const float*)xs.buf + i * width;
    float* hi = (float*)h.buf + (carry ? 0 : i) * state;
    float* ci = (float*)c.buf + (carry ? 0 : i) * state;
    float* oi = (float*)out.buf + i * size;
    float* li = (float*)last.buf + (carry ? 0 : i) * size;
    memcpy(v[VX].buf, x, 4 * split);
    memcpy(v[VS].buf, x + split, 4 * (width - split));
    memcpy(v[VH].buf, hi, 4 * state);
    memcpy(v[VC].buf, ci, 4 * state);
    PyObject* r = PyObject_CallNoArgs(self->invoke);
    if (r == NULL) {
      Py_CLEAR(bad);
      goto done;
    }
    Py_DECREF(r);
    memcpy(oi, v[VO].buf, 4 * size);
    memcpy(hi, v[VOH].buf, 4 * state);
    memcpy(ci, v[VOC].buf, 4 * state);
    if (!guard_row(oi, hi, ci, li, size, state)) {
      PyObject* k = PyLong_FromSsize_t(i);
      if (k == NULL || PyList_Append(bad, k) < 0) {
        Py_XDECREF(k);
        Py_CLEAR(bad);
        goto done;
      }
      Py_DECREF(k);
    }
  }
done:
  PyBuffer_Release(&last);
fail_out:
  PyBuffer_Release(&out);
fail_c:
  PyBuffer_Release(&c);
fail_h:
  PyBuffer_Release(&h);
fail_xs:
  PyBuffer_Release(&xs);
  return bad;
}

/* guard(out, h, c, last) -> finite: guard_row on one carried step. out and last: one row (size
 * values); h and c: one stream's whole state. */
static PyObject* graph_guard(PyObject* self, PyObject* args) {
  PyObject *o_out, *o_h, *o_c, *o_last, *res = NULL;
  Py_buffer out, h, c, last;
  if (!PyArg_ParseTuple(args, "OOOO", &o_out, &o_h, &o_c, &o_last)) return NULL;
  if (!sgt_py_floats(o_out, &out, 'f', 1, 1, "out", "ConfigError")) return NULL;
  if (!sgt_py_floats(o_h, &h, 'f', 1, 1, "h", "ConfigError")) goto fail_out;
  if (!sgt_py_floats(o_c, &c, 'f', h.len / 4, 1, "c", "ConfigError")) goto fail_h;
  if (!sgt_py_floats(o_last, &last, 'f', out.len / 4, 1, "last", "ConfigError")) goto fail_c;
  res = PyBool_FromLong(guard_row(out.buf, h.buf, c.buf, last.buf, out.len / 4, h.len / 4));
  PyBuffer_Release(&last);
fail_c:
  PyBuffer_Release(&c);
fail_h:
  PyBuffer_Release(&h);
fail_out:
  PyBuffer_Release(&out);
  return res;
}

static PyMethodDef graph_steps_methods[] = {
    {"guard", graph_guard, METH_VARARGS, "guard(out, h, c, last) -> finite (see guarded_steps.guarded_steps)"},
    {NULL, NULL, 0, NULL}};

static PyTypeObject StepsType = {PyVarObject_HEAD_INIT(NULL, 0) "sgt_lite.model._graph_steps.GraphSteps",
                                 sizeof(StepsObject)};

static struct PyModuleDef graph_steps_module = {PyModuleDef_HEAD_INIT, "_graph_steps",
                                                "A buffer graph's row loop in C (see sgt_lite/model/backends.py).", -1,
                                                graph_steps_methods};

PyMODINIT_FUNC PyInit__graph_steps(void) {
  StepsType.tp_dealloc = (destructor)Steps_dealloc;
  StepsType.tp_flags = Py_TPFLAGS_DEFAULT;
  StepsType.tp_doc = "GraphSteps(invoke, views)(xs, h, c, out, last, carry) -> rows replaced after NaN/Inf.";
  StepsType.tp_init = (initproc)Steps_init;
  StepsType.tp_call = (ternaryfunc)Steps_call;
  StepsType.tp_new = PyType_GenericNew;
  return sgt_py_module_with_type(&graph_steps_module, &StepsType, "GraphSteps");
}
