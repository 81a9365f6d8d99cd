/* Helpers shared by sgt-lite's CPython bindings (audio/_mfcc_binding.c, events/_frames_binding.c,
 * model/_graph_steps_binding.c).
 * Header-only: each binding includes it after Python.h. */
#ifndef SGT_PYHELP_H
#define SGT_PYHELP_H

#include <stdarg.h>

/* Raises sgt_lite.errors.<cls_name> (ValueError if that cannot be imported) with a formatted
 * message; a pending exception (a BufferError, say) is replaced. */
static inline void sgt_py_error(const char* cls_name, const char* format, ...) {
  PyObject *errors, *cls, *message;
  va_list ap;
  PyErr_Clear(); /* a pending exception would make the import fail */
  errors = PyImport_ImportModule("sgt_lite.errors");
  cls = errors != NULL ? PyObject_GetAttrString(errors, cls_name) : NULL;
  Py_XDECREF(errors);
  PyErr_Clear();
  va_start(ap, format);
  message = PyUnicode_FromFormatV(format, ap);
  va_end(ap);
  if (message != NULL) PyErr_SetObject(cls != NULL ? cls : PyExc_ValueError, message);
  Py_XDECREF(message);
  Py_XDECREF(cls);
}

/* A C-contiguous buffer of at least `count` items of format fmt ('f' or 'd'), writable if asked;
 * 0 with sgt_lite.errors.<err> raised otherwise. */
static inline int sgt_py_floats(PyObject* obj, Py_buffer* view, char fmt, Py_ssize_t count, int writable, const char* what,
                                const char* err) {
  int flags = PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (writable ? PyBUF_WRITABLE : 0);
  const char* f;
  if (PyObject_GetBuffer(obj, view, flags) < 0) {
    sgt_py_error(err, "%s must be a C-contiguous%s float%d array", what, writable ? " writable" : "",
                 fmt == 'f' ? 32 : 64);
    return 0;
  }
  f = view->format ? view->format : "B";
  if (f[0] == '<' || f[0] == '=' || f[0] == '@') f++;
  if (f[0] != fmt || f[1] != '\0' || view->len < count * (Py_ssize_t)(fmt == 'f' ? 4 : 8)) {
    PyBuffer_Release(view);
    sgt_py_error(err, "%s must be a float%d array of at least %zd values", what, fmt == 'f' ? 32 : 64, count);
    return 0;
  }
  return 1;
}

/* A new module holding one ready type under `name`, or NULL with an exception. */
static inline PyObject* sgt_py_module_with_type(struct PyModuleDef* def, PyTypeObject* type, const char* name) {
  PyObject* m;
  if (PyType_Ready(type) < 0) return NULL;
  m = PyModule_Create(def);
  if (m == NULL) return NULL;
  Py_INCREF(type);
  if (PyModule_AddObject(m, name, (PyObject*)type) < 0) {
    Py_DECREF(type);
    Py_DECREF(m);
    return NULL;
  }
  return m;
}

#endif
