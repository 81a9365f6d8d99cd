/* Helpers shared by sgt-lite's CPython bindings (audio/_mfcc_binding.c, events/_frames_binding.c).
 * Header-only: each binding includes it after Python.h. */
#ifndef SGT_PYHELP_H
#define SGT_PYHELP_H

#include <stdarg.h>

/* Raises sgt_lite.errors.<cls_name> (ValueError if that cannot be imported) with a formatted
 * message; a pending exception (a BufferError, say) is replaced. */
static void sgt_py_error(const char* cls_name, const char* format, ...) {
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

/* A new module holding one ready type under `name`, or NULL with an exception. */
static PyObject* sgt_py_module_with_type(struct PyModuleDef* def, PyTypeObject* type, const char* name) {
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
