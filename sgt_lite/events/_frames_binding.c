/* Thin CPython binding of csrc/sgt_frames.c: one Frames object per audio stream. Arrays arrive
 * through the buffer protocol (C-contiguous float32 / float64); no numpy headers are needed.
 * Every method runs with the GIL held (each call is a few microseconds), so calls on one object
 * are serialised. Bad arguments raise sgt_lite.errors.ConfigError or BadAudioError. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <string.h>

#include "csrc/sgt_frames.h"
#include "sgt_pyhelp.h"

typedef struct {
  PyObject_HEAD
  SgtFramesConfig cfg;
  SgtFramesState st;
  PyTypeObject* frame_type;
} FramesObject;

#define set_error sgt_py_error

/* config[name] as n doubles (a number when n == 1, else a sequence of n numbers) */
static int get_doubles(PyObject* config, const char* name, double* out, Py_ssize_t n) {
  PyObject* v = PyDict_GetItemString(config, name);
  if (v == NULL) {
    set_error("ConfigError", "frames config: missing %s", name);
    return 0;
  }
  if (n == 1 && (PyFloat_Check(v) || PyLong_Check(v))) {
    out[0] = PyFloat_AsDouble(v);
    return !PyErr_Occurred();
  }
  PyObject* seq = PySequence_Fast(v, "not a sequence");
  if (seq == NULL || PySequence_Fast_GET_SIZE(seq) != n) {
    Py_XDECREF(seq);
    set_error("ConfigError", "frames config: %s must hold %zd numbers", name, n);
    return 0;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    out[i] = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(seq, i));
    if (PyErr_Occurred()) {
      Py_DECREF(seq);
      set_error("ConfigError", "frames config: %s[%zd] is not a number", name, i);
      return 0;
    }
  }
  Py_DECREF(seq);
  return 1;
}

static int get_int(PyObject* config, const char* name, int* out) {
  double v;
  if (!get_doubles(config, name, &v, 1)) return 0;
  if (!(v == floor(v)) || v < -1e9 || v > 1e9) {
    set_error("ConfigError", "frames config: %s must be a whole number", name);
    return 0;
  }
  *out = (int)v;
  return 1;
}

static Py_ssize_t seq_len(PyObject* config, const char* name) {
  PyObject* v = PyDict_GetItemString(config, name);
  return v == NULL ? -1 : PyObject_Length(v);
}

static int parse_config(PyObject* d, SgtFramesConfig* c) {
  double pairs[2 * SGT_VAD_PAIRS], centre[SGT_MAX_CELLS];
  Py_ssize_t nq = seq_len(d, "amp");
  PyErr_Clear();
  if (nq < 2 || nq > SGT_MAX_QUANTILES) {
    set_error("ConfigError", "frames config: amp must hold 2..%d quantiles", SGT_MAX_QUANTILES);
    return 0;
  }
  c->n_quantiles = (int)nq;
#define I(f) &&get_int(d, #f, &c->f)
#define D(f) &&get_doubles(d, #f, &c->f, 1)
#define A(f, n) &&get_doubles(d, #f, c->f, n)
  if (!(1 SGT_FRAMES_FIELDS(I, D, A) && get_doubles(d, "pairs", pairs, 2 * SGT_VAD_PAIRS) &&
        get_doubles(d, "amp", c->amp, nq) && get_doubles(d, "levels", c->levels, nq)))
    return 0;
#undef I
#undef D
#undef A
  if (c->n_cells < 1 || c->n_cells > SGT_MAX_CELLS) {
    set_error("ConfigError", "frames config: n_cells must be 1..%d", SGT_MAX_CELLS);
    return 0;
  }
  if (!get_doubles(d, "centre", centre, c->n_cells)) return 0;
  {
    const long row = (long)c->block * c->frame_size;
    double mean[4096], std[4096];
    if (c->block < 1 || c->frame_size < 1 || row > 4096) {
      set_error("ConfigError", "frames config: block * frame_size must be 1..4096");
      return 0;
    }
    if (!get_doubles(d, "feat_mean", mean, row) || !get_doubles(d, "feat_std", std, row)) return 0;
    for (int i = 0; i < row; i++) c->feat_mean[i] = (float)mean[i], c->feat_std[i] = (float)std[i];
  }
  for (int i = 0; i < c->n_cells; i++) c->centre[i] = centre[i] != 0.0;
  for (int i = 0; i < 2 * SGT_VAD_PAIRS; i++)
    if (!(pairs[i] >= 0 && pairs[i] < SGT_VAD_FEATURES)) {
      set_error("ConfigError", "frames config: pairs[%d] is not a feature index", i);
      return 0;
    }
  for (int i = 0; i < SGT_VAD_PAIRS; i++) c->pairs[i][0] = (int)pairs[2 * i], c->pairs[i][1] = (int)pairs[2 * i + 1];
  const char* why = sgt_frames_check(c);
  if (why != NULL) {
    set_error("ConfigError", "frames config: %s", why);
    return 0;
  }
  return 1;
}

static int Frames_init(FramesObject* self, PyObject* args, PyObject* kwds) {
  static char* kwlist[] = {"config", "frame_type", NULL};
  PyObject *config, *frame_type;
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!", kwlist, &PyDict_Type, &config, &PyType_Type, &frame_type))
    return -1;
  if (!PyType_IsSubtype((PyTypeObject*)frame_type, &PyTuple_Type)) {
    set_error("ConfigError", "frame_type must be a tuple subclass (the Frame named tuple)");
    return -1;
  }
  memset(&self->cfg, 0, sizeof self->cfg);
  memset(&self->st, 0, sizeof self->st);
  if (!parse_config(config, &self->cfg)) return -1;
  Py_INCREF(frame_type);
  Py_XDECREF(self->frame_type);
  self->frame_type = (PyTypeObject*)frame_type;
  sgt_frames_reset(&self->cfg, &self->st);
  return 0;
}

static void Frames_dealloc(FramesObject* self) {
  Py_XDECREF(self->frame_type);
  Py_TYPE(self)->tp_free((PyObject*)self);
}

#define get_buffer(obj, view, fmt, count, writable, what) \
  sgt_py_floats(obj, view, fmt, count, writable, what, "BadAudioError")

static PyObject* Frames_reset(FramesObject* self, PyObject* Py_UNUSED(ignored)) {
  sgt_frames_reset(&self->cfg, &self->st);
  Py_RETURN_NONE;
}

static PyObject* Frames_set_style(FramesObject* self, PyObject* args) {
  PyObject *coef, *offset, *hazard;
  double c9[9], o5[5], h2[2] = {0.0, 0.0};
  if (!PyArg_ParseTuple(args, "OOO", &coef, &offset, &hazard)) return NULL;
  PyObject* d = Py_BuildValue("{sOsOsO}", "remainder", coef, "offset", offset, "hazard", hazard == Py_None ? Py_False : hazard);
  if (d == NULL) return NULL;
  int ok = get_doubles(d, "remainder", c9, 9) && get_doubles(d, "offset", o5, 5) &&
           (hazard == Py_None || get_doubles(d, "hazard", h2, 2));
  Py_DECREF(d);
  if (!ok) return NULL;
  SgtFramesState* st = &self->st;
  for (int j = 0; j < 3; j++) st->a1[j] = c9[3 * j], st->a2[j] = c9[3 * j + 1], st->e[j] = c9[3 * j + 2];
  memcpy(st->offset, o5, sizeof o5);
  if (st->frame == 0) memcpy(st->pose, o5, sizeof o5);   /* no frame yet: start in this style's pose */
  st->posing = 0;
  for (int j = 0; j < 5; j++) st->posing |= st->offset[j] != 0.0 || st->pose[j] != 0.0;
  st->has_hazard = hazard != Py_None;
  memcpy(st->hazard, h2, sizeof h2);
  Py_RETURN_NONE;
}

/* run(n, stacked, raw, draws, uniforms, t0) -> n Frames */
static PyObject* Frames_run(FramesObject* self, PyObject* args) {
  PyObject *o_stacked, *o_raw, *o_draws, *o_u;
  Py_ssize_t n, t0;
  Py_buffer stacked, raw, draws, u;
  const SgtFramesConfig* c = &self->cfg;
  if (!PyArg_ParseTuple(args, "nOOOOn", &n, &o_stacked, &o_raw, &o_draws, &o_u, &t0)) return NULL;
  if (n < 0 || n > 1000000) return set_error("BadAudioError", "run: n=%zd frames is out of range", n), NULL;
  const Py_ssize_t row = (Py_ssize_t)c->block * c->frame_size;
  if (!get_buffer(o_stacked, &stacked, 'f', n * row, 0, "stacked")) return NULL;
  if (!get_buffer(o_raw, &raw, 'f', n * c->size, 0, "raw")) {
    PyBuffer_Release(&stacked);
    return NULL;
  }
  if (!get_buffer(o_draws, &draws, 'f', n * (c->noise_dim + 3), 0, "draws")) {
    PyBuffer_Release(&stacked);
    PyBuffer_Release(&raw);
    return NULL;
  }
  if (!get_buffer(o_u, &u, 'd', n * SGT_UNIFORMS, 0, "uniforms")) {
    PyBuffer_Release(&stacked);
    PyBuffer_Release(&raw);
    PyBuffer_Release(&draws);
    return NULL;
  }
  double out_small[6 * 8];
  int spk_small[8];
  double* out = n <= 8 ? out_small : PyMem_Malloc(sizeof(double) * 6 * n);
  int* spk = n <= 8 ? spk_small : PyMem_Malloc(sizeof(int) * n);
  PyObject* frames = NULL;
  if (out == NULL || spk == NULL) {
    PyErr_NoMemory();
    goto done;
  }
  int stride = (int)(draws.len / 4 / (n ? n : 1));
  sgt_frames_run(c, &self->st, (int)n, stacked.buf, raw.buf, draws.buf, stride, u.buf, out, spk);
  frames = PyList_New(n);
  if (frames == NULL) goto done;
  for (Py_ssize_t f = 0; f < n; f++) {
    PyObject* items[7];
    items[0] = PyFloat_FromDouble((double)(t0 + f) / c->fps);
    for (int j = 0; j < 6; j++) items[1 + j] = PyFloat_FromDouble(out[6 * f + j]);
    PyObject* fr = NULL;
    int bad = 0;
    for (int j = 0; j < 7; j++) bad |= items[j] == NULL;
    if (!bad) fr = self->frame_type->tp_alloc(self->frame_type, 7);
    if (fr == NULL) {
      for (int j = 0; j < 7; j++) Py_XDECREF(items[j]);
      Py_CLEAR(frames);
      goto done;
    }
    for (int j = 0; j < 7; j++) PyTuple_SET_ITEM(fr, j, items[j]);
    PyList_SET_ITEM(frames, f, fr);
  }
done:
  if (out != out_small) PyMem_Free(out);
  if (spk != spk_small) PyMem_Free(spk);
  PyBuffer_Release(&stacked);
  PyBuffer_Release(&raw);
  PyBuffer_Release(&draws);
  PyBuffer_Release(&u);
  return frames;
}

/* inputs(n, stacked, draws, xs): the network inputs of n frames into xs (see sgt_frames_inputs) */
static PyObject* Frames_inputs(FramesObject* self, PyObject* args) {
  PyObject *o_stacked, *o_draws, *o_xs;
  Py_ssize_t n;
  Py_buffer stacked, draws, xs;
  const SgtFramesConfig* c = &self->cfg;
  if (!PyArg_ParseTuple(args, "nOOO", &n, &o_stacked, &o_draws, &o_xs)) return NULL;
  if (n < 0 || n > 1000000) return set_error("BadAudioError", "inputs: n=%zd frames is out of range", n), NULL;
  if (!get_buffer(o_stacked, &stacked, 'f', n * c->block * c->frame_size, 0, "stacked")) return NULL;
  if (!get_buffer(o_draws, &draws, 'f', n * (c->noise_dim + 3), 0, "draws")) {
    PyBuffer_Release(&stacked);
    return NULL;
  }
  if (!get_buffer(o_xs, &xs, 'f', n * c->input_dim, 1, "xs")) {
    PyBuffer_Release(&stacked);
    PyBuffer_Release(&draws);
    return NULL;
  }
  sgt_frames_inputs(c, (int)n, stacked.buf, draws.buf, (int)(draws.len / 4 / (n ? n : 1)), xs.buf);
  PyBuffer_Release(&stacked);
  PyBuffer_Release(&draws);
  PyBuffer_Release(&xs);
  Py_RETURN_NONE;
}

static PyObject* Frames_get_speaking(FramesObject* self, void* closure) { return PyBool_FromLong(self->st.speaking); }
static PyObject* Frames_get_engagement(FramesObject* self, void* closure) {
  return PyFloat_FromDouble(self->st.engagement);
}
static PyObject* Frames_get_nonfinite(FramesObject* self, void* closure) { return PyLong_FromLong(self->st.nonfinite); }
static PyObject* Frames_get_frame(FramesObject* self, void* closure) { return PyLong_FromLongLong(self->st.frame); }
static PyObject* Frames_get_pose(FramesObject* self, void* closure) {
  const double* p = self->st.pose;
  return Py_BuildValue("[ddddd]", p[0], p[1], p[2], p[3], p[4]);
}

static PyGetSetDef Frames_getset[] = {
    {"speaking", (getter)Frames_get_speaking, NULL, "voice-activity state at the last frame", NULL},
    {"engagement", (getter)Frames_get_engagement, NULL, "the head's engagement level", NULL},
    {"nonfinite", (getter)Frames_get_nonfinite, NULL, "non-finite eye-event logits seen since the start", NULL},
    {"frame", (getter)Frames_get_frame, NULL, "frames rendered since the last reset", NULL},
    {"pose", (getter)Frames_get_pose, NULL, "the current pose offset (eases to the style's)", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyMethodDef Frames_methods[] = {
    {"reset", (PyCFunction)Frames_reset, METH_NOARGS, "back to t = 0 (the style stays)"},
    {"set_style", (PyCFunction)Frames_set_style, METH_VARARGS, "set_style(remainder9, offset5, hazard2 or None)"},
    {"inputs", (PyCFunction)Frames_inputs, METH_VARARGS, "inputs(n, stacked, draws, xs): network inputs into xs"},
    {"run", (PyCFunction)Frames_run, METH_VARARGS, "run(n, stacked, raw, draws, uniforms, t0) -> frames"},
    {NULL, NULL, 0, NULL}};

static PyTypeObject FramesType = {PyVarObject_HEAD_INIT(NULL, 0) "sgt_lite.events._frames.Frames",
                                  sizeof(FramesObject)};

static struct PyModuleDef frames_module = {PyModuleDef_HEAD_INIT, "_frames",
                                           "The per-frame stages after the network, in C (see sgt_lite/events/native.py).",
                                           -1, NULL};

PyMODINIT_FUNC PyInit__frames(void) {
  FramesType.tp_dealloc = (destructor)Frames_dealloc;
  FramesType.tp_flags = Py_TPFLAGS_DEFAULT;
  FramesType.tp_doc = "Frames(config, frame_type): voice activity, eye events, head motion, pose and clamps of one stream.";
  FramesType.tp_methods = Frames_methods;
  FramesType.tp_getset = Frames_getset;
  FramesType.tp_init = (initproc)Frames_init;
  FramesType.tp_new = PyType_GenericNew;
  return sgt_py_module_with_type(&frames_module, &FramesType, "Frames");
}
