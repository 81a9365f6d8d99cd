/* Thin CPython binding of csrc/sgt_mfcc.c. Input arrives through the buffer
 * protocol (any C-contiguous float32 buffer); no numpy headers are needed.
 * Output is a fresh bytearray of float32 rows that the caller owns.
 *
 * Threads: the C state is not thread-safe and process() runs without the GIL,
 * so every method holds a per-object lock while it touches the state. A second
 * thread waits (with the GIL released) until the first one is done: calls on
 * one object are serialised, each one atomic, and never corrupt memory.
 *
 * Config errors (a wrong type, or a value the C core rejects) raise
 * sgt_lite.errors.ConfigError naming the field, its value and the rule. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>

#include <float.h>
#include <limits.h>
#include <math.h>

#include "csrc/sgt_mfcc.h"
#include "sgt_pyhelp.h"

typedef struct {
  PyObject_HEAD
  SgtMfccState state;
  int ready;
  PyThread_type_lock lock;
} MfccObject;

/* Takes the object's lock; while another thread holds it, waits without the GIL. */
static void Mfcc_lock(MfccObject* self) {
  if (!PyThread_acquire_lock(self->lock, NOWAIT_LOCK)) {
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    Py_END_ALLOW_THREADS
  }
}

static void Mfcc_unlock(MfccObject* self) { PyThread_release_lock(self->lock); }

/* Sets sgt_lite.errors.ConfigError. */
#define SetConfigError(...) sgt_py_error("ConfigError", __VA_ARGS__)

/* An int (never a bool or a float) that fits a C int; the C core checks its range. */
static int GetInt(PyObject* value, const char* name, int* out) {
  long long v;
  int overflow;
  if (value == NULL) return 1;
  if (PyBool_Check(value) || !PyLong_Check(value)) {
    SetConfigError("invalid MFCC config: %s must be an integer, got %R", name, value);
    return 0;
  }
  v = PyLong_AsLongLongAndOverflow(value, &overflow);
  if (v == -1 && PyErr_Occurred()) return 0;
  if (overflow != 0 || v < INT_MIN || v > INT_MAX) {
    SetConfigError("invalid MFCC config: %s=%R is far out of range", name, value);
    return 0;
  }
  *out = (int)v;
  return 1;
}

/* An int or a float (never a bool) that is finite as a float32. */
static int GetFloat(PyObject* value, const char* name, float* out) {
  double v;
  if (value == NULL) return 1;
  if (PyBool_Check(value) || !(PyLong_Check(value) || PyFloat_Check(value))) {
    SetConfigError("invalid MFCC config: %s must be a number, got %R", name, value);
    return 0;
  }
  v = PyFloat_AsDouble(value);
  if (v == -1.0 && PyErr_Occurred()) {
    if (!PyErr_ExceptionMatches(PyExc_OverflowError)) return 0;
    v = HUGE_VAL;
  }
  if (!(fabs(v) <= FLT_MAX)) {
    SetConfigError("invalid MFCC config: %s must be a finite float32, got %R", name, value);
    return 0;
  }
  *out = (float)v;
  return 1;
}

static PyObject* NamedFloat(const char* name, float value) {
  PyObject* number = PyFloat_FromDouble((double)value);
  PyObject* text;
  if (number == NULL) return NULL;
  text = PyUnicode_FromFormat("%s=%R", name, number);
  Py_DECREF(number);
  return text;
}

/* "n_mels=65536" for the field a config status is about. */
static PyObject* FieldValue(const SgtMfccConfig* c, SgtMfccStatus status) {
  switch (status) {
    case SGT_MFCC_ERR_SAMPLE_RATE: return PyUnicode_FromFormat("sample_rate=%d", c->sample_rate);
    case SGT_MFCC_ERR_N_FFT: return PyUnicode_FromFormat("n_fft=%d", c->n_fft);
    case SGT_MFCC_ERR_WIN_LENGTH: return PyUnicode_FromFormat("win_length=%d", c->win_length);
    case SGT_MFCC_ERR_HOP_LENGTH: return PyUnicode_FromFormat("hop_length=%d", c->hop_length);
    case SGT_MFCC_ERR_N_MELS: return PyUnicode_FromFormat("n_mels=%d", c->n_mels);
    case SGT_MFCC_ERR_N_MFCC: return PyUnicode_FromFormat("n_mfcc=%d", c->n_mfcc);
    case SGT_MFCC_ERR_PREEMPH: return NamedFloat("preemph", c->preemph);
    case SGT_MFCC_ERR_FMIN: return NamedFloat("fmin", c->fmin);
    case SGT_MFCC_ERR_FMAX: return NamedFloat("fmax", c->fmax);
    case SGT_MFCC_ERR_LOG_FLOOR: return NamedFloat("log_floor", c->log_floor);
    default: return PyUnicode_FromString("config");
  }
}

static void Mfcc_dealloc(MfccObject* self) {
  if (self->ready) SgtMfccFreeStateContents(&self->state);
  self->ready = 0;
  if (self->lock != NULL) PyThread_free_lock(self->lock);
  Py_TYPE(self)->tp_free((PyObject*)self);
}

static PyObject* Mfcc_new(PyTypeObject* type, PyObject* args, PyObject* kwds) {
  MfccObject* self = (MfccObject*)type->tp_alloc(type, 0);
  (void)args;
  (void)kwds;
  if (self == NULL) return NULL;
  self->lock = PyThread_allocate_lock();
  if (self->lock == NULL) {
    Py_DECREF(self);
    return PyErr_NoMemory();
  }
  return (PyObject*)self;
}

static int Mfcc_init(MfccObject* self, PyObject* args, PyObject* kwds) {
  static char* kwlist[] = {"sample_rate", "win_length", "hop_length", "n_fft", "preemph",
                           "n_mels", "fmin", "fmax", "n_mfcc", "log_floor", NULL};
  PyObject *sample_rate = NULL, *win_length = NULL, *hop_length = NULL, *n_fft = NULL,
           *preemph = NULL, *n_mels = NULL, *fmin = NULL, *fmax = NULL, *n_mfcc = NULL,
           *log_floor = NULL;
  SgtMfccConfig cfg;
  SgtMfccStatus status;
  SgtMfccFillConfigWithDefaults(&cfg);
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOOOOOOOOO", kwlist, &sample_rate, &win_length,
                                   &hop_length, &n_fft, &preemph, &n_mels, &fmin, &fmax, &n_mfcc,
                                   &log_floor))
    return -1;
  if (!GetInt(sample_rate, "sample_rate", &cfg.sample_rate) ||
      !GetInt(win_length, "win_length", &cfg.win_length) ||
      !GetInt(hop_length, "hop_length", &cfg.hop_length) || !GetInt(n_fft, "n_fft", &cfg.n_fft) ||
      !GetFloat(preemph, "preemph", &cfg.preemph) || !GetInt(n_mels, "n_mels", &cfg.n_mels) ||
      !GetFloat(fmin, "fmin", &cfg.fmin) || !GetFloat(fmax, "fmax", &cfg.fmax) ||
      !GetInt(n_mfcc, "n_mfcc", &cfg.n_mfcc) || !GetFloat(log_floor, "log_floor", &cfg.log_floor))
    return -1;
  status = SgtMfccCheckConfig(&cfg);
  if (status == SGT_MFCC_OK) {
    Mfcc_lock(self);
    if (self->ready) SgtMfccFreeStateContents(&self->state);
    self->ready = 0;
    Py_BEGIN_ALLOW_THREADS
    status = SgtMfccPopulateState(&cfg, &self->state);
    Py_END_ALLOW_THREADS
    self->ready = status == SGT_MFCC_OK;
    Mfcc_unlock(self);
  }
  if (status == SGT_MFCC_OK) return 0;
  if (status == SGT_MFCC_ERR_NOMEM) {
    PyErr_NoMemory();
  } else {
    PyObject* field = FieldValue(&cfg, status);
    if (field == NULL) return -1;
    SetConfigError("invalid MFCC config: %U: %s", field, SgtMfccStatusString(status));
    Py_DECREF(field);
  }
  return -1;
}

static PyObject* Mfcc_process(MfccObject* self, PyObject* arg) {
  Py_buffer view;
  PyObject* out = NULL;
  size_t n, max_frames = 0, frames = 0, n_read = 0, frame_bytes = sizeof(float);
  int ready;
  if (PyObject_GetBuffer(arg, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
  if (view.itemsize != 4 || view.format == NULL ||
      !(strcmp(view.format, "f") == 0 || strcmp(view.format, "<f") == 0 ||
        strcmp(view.format, "=f") == 0)) {
    PyBuffer_Release(&view);
    PyErr_SetString(PyExc_TypeError, "process() needs a contiguous float32 buffer");
    return NULL;
  }
  n = (size_t)(view.len / 4);
  Mfcc_lock(self);
  ready = self->ready;
  if (ready) {
    frame_bytes = (size_t)SgtMfccFrameSize(&self->state) * sizeof(float);
    max_frames = SgtMfccMaxFrames(&self->state, n);
    /* No Python code can run here (a bytearray is not GC-tracked, so allocating
     * it starts no collection): nothing can re-enter this object under the lock. */
    if (max_frames > (size_t)PY_SSIZE_T_MAX / frame_bytes)
      PyErr_NoMemory();
    else
      out = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(max_frames * frame_bytes));
    if (out != NULL) {
      Py_BEGIN_ALLOW_THREADS
      frames = SgtMfccProcessSamples(&self->state, (const float*)view.buf, n,
                                     (float*)PyByteArray_AS_STRING(out), max_frames, &n_read);
      Py_END_ALLOW_THREADS
    }
  }
  Mfcc_unlock(self);
  PyBuffer_Release(&view);
  if (!ready) {
    PyErr_SetString(PyExc_RuntimeError, "Mfcc object is not initialised");
    return NULL;
  }
  if (out == NULL) return NULL;
  if (frames != max_frames || n_read != n) {
    Py_DECREF(out);
    PyErr_SetString(PyExc_RuntimeError, "MFCC frame count mismatch (internal error)");
    return NULL;
  }
  return out;
}

static PyObject* Mfcc_reset(MfccObject* self, PyObject* Py_UNUSED(ignored)) {
  Mfcc_lock(self);
  if (self->ready) SgtMfccReset(&self->state);
  Mfcc_unlock(self);
  Py_RETURN_NONE;
}

static PyObject* Mfcc_get_frame_size(MfccObject* self, void* closure) {
  int value;
  (void)closure;
  Mfcc_lock(self);
  value = self->ready ? SgtMfccFrameSize(&self->state) : 0;
  Mfcc_unlock(self);
  return PyLong_FromLong(value);
}

static PyObject* Mfcc_get_buffered(MfccObject* self, void* closure) {
  int value;
  (void)closure;
  Mfcc_lock(self);
  value = self->ready ? self->state.filled : 0;
  Mfcc_unlock(self);
  return PyLong_FromLong(value);
}

static PyObject* Mfcc_get_nonfinite(MfccObject* self, void* closure) {
  size_t value;
  (void)closure;
  Mfcc_lock(self);
  value = self->ready ? self->state.nonfinite : 0;
  Mfcc_unlock(self);
  return PyLong_FromSize_t(value);
}

static PyMethodDef Mfcc_methods[] = {
    {"process", (PyCFunction)Mfcc_process, METH_O,
     "process(float32 buffer) -> bytearray of float32 frames (rows of frame_size)"},
    {"reset", (PyCFunction)Mfcc_reset, METH_NOARGS, "Forget buffered audio."},
    {NULL, NULL, 0, NULL}};

static PyGetSetDef Mfcc_getset[] = {
    {"frame_size", (getter)Mfcc_get_frame_size, NULL, "values per frame (n_mfcc + 1)", NULL},
    {"buffered", (getter)Mfcc_get_buffered, NULL, "samples held for the next frame", NULL},
    {"nonfinite", (getter)Mfcc_get_nonfinite, NULL, "NaN/Inf samples replaced by 0 so far", NULL},
    {NULL, NULL, NULL, NULL, NULL}};

static PyTypeObject MfccType = {
    PyVarObject_HEAD_INIT(NULL, 0) "sgt_lite.audio._mfcc.Mfcc", /* tp_name */
    sizeof(MfccObject),                                         /* tp_basicsize */
};

static struct PyModuleDef mfcc_module = {PyModuleDef_HEAD_INIT, "_mfcc",
                                         "C core of the sgt-lite MFCC frontend.", -1, NULL};

PyMODINIT_FUNC PyInit__mfcc(void) {
  MfccType.tp_dealloc = (destructor)Mfcc_dealloc;
  MfccType.tp_flags = Py_TPFLAGS_DEFAULT;
  MfccType.tp_doc =
      "Streaming MFCC state: Mfcc(sample_rate=16000, ...).process(buf). Safe to share between "
      "threads: calls are serialised by a per-object lock.";
  MfccType.tp_methods = Mfcc_methods;
  MfccType.tp_getset = Mfcc_getset;
  MfccType.tp_init = (initproc)Mfcc_init;
  MfccType.tp_new = Mfcc_new;
  return sgt_py_module_with_type(&mfcc_module, &MfccType, "Mfcc");
}
