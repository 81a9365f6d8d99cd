/* Thin CPython binding of csrc/sgt_mfcc.c. Input arrives through the buffer
 * protocol (any C-contiguous float32 buffer); no numpy headers are needed.
 * Output is a fresh bytearray of float32 rows that the caller owns. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "csrc/sgt_mfcc.h"

typedef struct {
  PyObject_HEAD
  SgtMfccState state;
  int ready;
} MfccObject;

static void Mfcc_dealloc(MfccObject* self) {
  if (self->ready) SgtMfccFreeStateContents(&self->state);
  self->ready = 0;
  Py_TYPE(self)->tp_free((PyObject*)self);
}

static int Mfcc_init(MfccObject* self, PyObject* args, PyObject* kwds) {
  static char* kwlist[] = {"sample_rate", "win_length", "hop_length", "n_fft", "preemph",
                           "n_mels", "fmin", "fmax", "n_mfcc", "log_floor", NULL};
  SgtMfccConfig cfg;
  SgtMfccStatus status;
  SgtMfccFillConfigWithDefaults(&cfg);
  if (!PyArg_ParseTupleAndKeywords(args, kwds, "|iiiififfif", kwlist, &cfg.sample_rate,
                                   &cfg.win_length, &cfg.hop_length, &cfg.n_fft, &cfg.preemph,
                                   &cfg.n_mels, &cfg.fmin, &cfg.fmax, &cfg.n_mfcc,
                                   &cfg.log_floor))
    return -1;
  if (self->ready) {
    SgtMfccFreeStateContents(&self->state);
    self->ready = 0;
  }
  status = SgtMfccPopulateState(&cfg, &self->state);
  if (status == SGT_MFCC_ERR_NOMEM) {
    PyErr_NoMemory();
    return -1;
  }
  if (status != SGT_MFCC_OK) {
    PyErr_SetString(PyExc_ValueError,
                    "invalid MFCC config: need power-of-two n_fft >= 4, 0 < hop <= win <= n_fft, "
                    "0 <= preemph < 1, 1 <= n_mfcc <= n_mels, 0 <= fmin < fmax <= sample_rate/2, "
                    "log_floor > 0");
    return -1;
  }
  self->ready = 1;
  return 0;
}

static PyObject* Mfcc_process(MfccObject* self, PyObject* arg) {
  Py_buffer view;
  PyObject* out;
  size_t n, max_frames, frames, n_read;
  const int frame_size = SgtMfccFrameSize(&self->state);
  if (!self->ready) {
    PyErr_SetString(PyExc_RuntimeError, "Mfcc object is not initialised");
    return NULL;
  }
  if (PyObject_GetBuffer(arg, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
  if (view.itemsize != 4 || view.format == NULL ||
      !(strcmp(view.format, "f") == 0 || strcmp(view.format, "<f") == 0 ||
        strcmp(view.format, "=f") == 0)) {
    PyBuffer_Release(&view);
    PyErr_SetString(PyExc_TypeError, "process() needs a contiguous float32 buffer");
    return NULL;
  }
  n = (size_t)(view.len / 4);
  max_frames = SgtMfccMaxFrames(&self->state, n);
  out = PyByteArray_FromStringAndSize(NULL, (Py_ssize_t)(max_frames * frame_size * sizeof(float)));
  if (out == NULL) {
    PyBuffer_Release(&view);
    return NULL;
  }
  Py_BEGIN_ALLOW_THREADS
  frames = SgtMfccProcessSamples(&self->state, (const float*)view.buf, n,
                                 (float*)PyByteArray_AS_STRING(out), max_frames, &n_read);
  Py_END_ALLOW_THREADS
  PyBuffer_Release(&view);
  if (frames != max_frames || n_read != n) {
    Py_DECREF(out);
    PyErr_SetString(PyExc_RuntimeError, "MFCC frame count mismatch (internal error)");
    return NULL;
  }
  return out;
}

static PyObject* Mfcc_reset(MfccObject* self, PyObject* Py_UNUSED(ignored)) {
  if (self->ready) SgtMfccReset(&self->state);
  Py_RETURN_NONE;
}

static PyObject* Mfcc_get_frame_size(MfccObject* self, void* closure) {
  (void)closure;
  return PyLong_FromLong(self->ready ? SgtMfccFrameSize(&self->state) : 0);
}

static PyObject* Mfcc_get_buffered(MfccObject* self, void* closure) {
  (void)closure;
  return PyLong_FromLong(self->ready ? self->state.filled : 0);
}

static PyObject* Mfcc_get_nonfinite(MfccObject* self, void* closure) {
  (void)closure;
  return PyLong_FromSize_t(self->ready ? self->state.nonfinite : 0);
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
  PyObject* m;
  MfccType.tp_dealloc = (destructor)Mfcc_dealloc;
  MfccType.tp_flags = Py_TPFLAGS_DEFAULT;
  MfccType.tp_doc = "Streaming MFCC state: Mfcc(sample_rate=16000, ...).process(buf)";
  MfccType.tp_methods = Mfcc_methods;
  MfccType.tp_getset = Mfcc_getset;
  MfccType.tp_init = (initproc)Mfcc_init;
  MfccType.tp_new = PyType_GenericNew;
  if (PyType_Ready(&MfccType) < 0) return NULL;
  m = PyModule_Create(&mfcc_module);
  if (m == NULL) return NULL;
  Py_INCREF(&MfccType);
  if (PyModule_AddObject(m, "Mfcc", (PyObject*)&MfccType) < 0) {
    Py_DECREF(&MfccType);
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
