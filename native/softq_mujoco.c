// softq_mujoco: implementation of the flat ABI in softq_mujoco.h.
//
// Error handling: MuJoCo 2.2.2's default mju_error prints, waits on getchar() and calls exit(1).
// We install our own handler. Every entry point that can reach mju_error runs inside a guard
// (setjmp on a thread-local jump buffer); the handler copies the message and longjmps back to the
// guard, which returns -1 to C#. The engine is C, so no destructors are skipped; the data is
// reset afterwards because its stack pointer is left mid-step. An error outside any guard cannot
// return safely, so it aborts with the message instead of exiting silently.
#include "softq_mujoco.h"
#include "softq_internal.h"

#include <mujoco/mujoco.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Thread_local jmp_buf* tl_guard = NULL;
_Thread_local char tl_error[SQ_MESSAGE_SIZE];
static _Thread_local char tl_warning[SQ_MESSAGE_SIZE];

// the XML compiler swaps the global handlers while it runs, so loads are serialised
static pthread_mutex_t load_mutex = PTHREAD_MUTEX_INITIALIZER;

void copy_message(char* dst, int dst_size, const char* src) {
  if (dst && dst_size > 0) {
    strncpy(dst, src, (size_t)dst_size - 1);
    dst[dst_size - 1] = '\0';
  }
}

static void on_error(const char* msg) {
  copy_message(tl_error, SQ_MESSAGE_SIZE, msg);
  if (tl_guard) {
    longjmp(*tl_guard, 1);
  }
  fprintf(stderr, "softq_mujoco: MuJoCo error outside a guarded call: %s\n", msg);
  abort();
}

static void on_warning(const char* msg) {
  copy_message(tl_warning, SQ_MESSAGE_SIZE, msg);
}

void sq_install_handlers(void) {
  mju_user_error = on_error;
  mju_user_warning = on_warning;
}

__attribute__((constructor)) static void install_at_load(void) {
  sq_install_handlers();
}

int sq_abi_version(void) { return SQ_ABI_VERSION; }
int sq_header_version(void) { return mjVERSION_HEADER; }
int sq_library_version(void) { return mj_version(); }
int sq_warning_count(void) { return mjNWARNING; }
const char* sq_last_warning(void) { return tl_warning; }

//---------------------------------- models ----------------------------------------------------------

static mjModel* load_locked(const char* filename, const mjVFS* vfs, char* error, int error_size) {
  mjModel* m = NULL;
  jmp_buf guard;
  jmp_buf* outer = tl_guard;
  pthread_mutex_lock(&load_mutex);
  sq_install_handlers();
  tl_guard = &guard;
  if (setjmp(guard) == 0) {
    m = mj_loadXML(filename, vfs, error, error_size);
  } else {
    m = NULL;
    copy_message(error, error_size, tl_error);
  }
  tl_guard = outer;
  pthread_mutex_unlock(&load_mutex);
  if (!m && error && error_size > 0 && error[0] == '\0') {
    copy_message(error, error_size, "MuJoCo could not load the model (no message)");
  }
  return m;
}

mjModel* sq_model_load_file(const char* path, char* error, int error_size) {
  if (error && error_size > 0) error[0] = '\0';
  return load_locked(path, NULL, error, error_size);
}

mjModel* sq_model_load_xml(const char* xml, char* error, int error_size) {
  // mjVFS is ~2 MB: never on the stack
  static const char* name = "softq_model_from_string.xml";
  if (error && error_size > 0) error[0] = '\0';
  int len = (int)strlen(xml);
  if (len == 0) {
    // mj_makeEmptyFileVFS would raise mju_error for a zero-sized file
    copy_message(error, error_size, "XML Error: the model text is empty");
    return NULL;
  }
  mjVFS* vfs = (mjVFS*)malloc(sizeof(mjVFS));
  if (!vfs) {
    copy_message(error, error_size, "out of memory allocating the virtual file system");
    return NULL;
  }
  mj_defaultVFS(vfs);
  if (mj_makeEmptyFileVFS(vfs, name, len) != 0) {
    copy_message(error, error_size, "could not create the in-memory XML file");
    free(vfs);
    return NULL;
  }
  memcpy(vfs->filedata[mj_findFileVFS(vfs, name)], xml, (size_t)len);
  mjModel* m = load_locked(name, vfs, error, error_size);
  mj_deleteVFS(vfs);
  free(vfs);
  return m;
}

void sq_model_free(mjModel* m) {
  if (m) mj_deleteModel(m);
}

int sq_model_size(const mjModel* m, int which) {
  switch (which) {
    case SQ_NQ: return m->nq;
    case SQ_NV: return m->nv;
    case SQ_NU: return m->nu;
    case SQ_NA: return m->na;
    case SQ_NBODY: return m->nbody;
    case SQ_NJNT: return m->njnt;
    case SQ_NGEOM: return m->ngeom;
    case SQ_NSITE: return m->nsite;
    case SQ_NSENSOR: return m->nsensor;
    case SQ_NSENSORDATA: return m->nsensordata;
    case SQ_NKEY: return m->nkey;
    case SQ_NMOCAP: return m->nmocap;
    case SQ_NUMERIC: return m->nnumeric;
    default: return -1;
  }
}

double sq_model_timestep(const mjModel* m) { return m->opt.timestep; }
double sq_model_free_camera_fovy(const mjModel* m) { return m->vis.global.fovy; }

const void* sq_model_array(const mjModel* m, int which, int* rows, int* cols) {
  switch (which) {
    case SQ_ACTUATOR_CTRLRANGE: *rows = m->nu; *cols = 2; return m->actuator_ctrlrange;
    case SQ_ACTUATOR_CTRLLIMITED: *rows = m->nu; *cols = 1; return m->actuator_ctrllimited;
    case SQ_ACTUATOR_TRNID: *rows = m->nu; *cols = 2; return m->actuator_trnid;
    case SQ_JNT_TYPE: *rows = m->njnt; *cols = 1; return m->jnt_type;
    case SQ_JNT_QPOSADR: *rows = m->njnt; *cols = 1; return m->jnt_qposadr;
    case SQ_JNT_DOFADR: *rows = m->njnt; *cols = 1; return m->jnt_dofadr;
    case SQ_BODY_MASS: *rows = m->nbody; *cols = 1; return m->body_mass;
    case SQ_BODY_ROOTID: *rows = m->nbody; *cols = 1; return m->body_rootid;
    case SQ_QPOS0: *rows = m->nq; *cols = 1; return m->qpos0;
    case SQ_GEOM_SIZE: *rows = m->ngeom; *cols = 3; return m->geom_size;
    case SQ_GEOM_POS: *rows = m->ngeom; *cols = 3; return m->geom_pos;
    case SQ_GEOM_BODYID: *rows = m->ngeom; *cols = 1; return m->geom_bodyid;
    default: *rows = 0; *cols = 0; return NULL;
  }
}

int sq_name2id(const mjModel* m, int objtype, const char* name) {
  return mj_name2id(m, objtype, name);
}

const char* sq_id2name(const mjModel* m, int objtype, int id) {
  return mj_id2name(m, objtype, id);
}

int sq_numeric(const mjModel* m, const char* name, double* out, int capacity) {
  int id = mj_name2id(m, mjOBJ_NUMERIC, name);
  if (id < 0) return -1;
  int size = m->numeric_size[id];
  for (int i = 0; i < size && i < capacity; i++) out[i] = m->numeric_data[m->numeric_adr[id] + i];
  return size;
}

//---------------------------------- data --------------------------------------------------------------

mjData* sq_data_make(const mjModel* m, char* error, int error_size) {
  mjData* d = NULL;
  jmp_buf guard;
  jmp_buf* outer = tl_guard;
  if (error && error_size > 0) error[0] = '\0';
  tl_guard = &guard;
  if (setjmp(guard) == 0) {
    d = mj_makeData(m);
  } else {
    d = NULL;
    copy_message(error, error_size, tl_error);
  }
  tl_guard = outer;
  return d;
}

void sq_data_free(mjData* d) {
  if (d) mj_deleteData(d);
}

double* sq_data_array(const mjModel* m, mjData* d, int which, int* rows, int* cols) {
  switch (which) {
    case SQ_QPOS: *rows = m->nq; *cols = 1; return d->qpos;
    case SQ_QVEL: *rows = m->nv; *cols = 1; return d->qvel;
    case SQ_QACC: *rows = m->nv; *cols = 1; return d->qacc;
    case SQ_CTRL: *rows = m->nu; *cols = 1; return d->ctrl;
    case SQ_ACT: *rows = m->na; *cols = 1; return d->act;
    case SQ_XPOS: *rows = m->nbody; *cols = 3; return d->xpos;
    case SQ_XQUAT: *rows = m->nbody; *cols = 4; return d->xquat;
    case SQ_XMAT: *rows = m->nbody; *cols = 9; return d->xmat;
    case SQ_XIPOS: *rows = m->nbody; *cols = 3; return d->xipos;
    case SQ_CFRC_EXT: *rows = m->nbody; *cols = 6; return d->cfrc_ext;
    case SQ_SUBTREE_COM: *rows = m->nbody; *cols = 3; return d->subtree_com;
    case SQ_SUBTREE_LINVEL: *rows = m->nbody; *cols = 3; return d->subtree_linvel;
    case SQ_SENSORDATA: *rows = m->nsensordata; *cols = 1; return d->sensordata;
    case SQ_TIME: *rows = 1; *cols = 1; return &d->time;
    case SQ_QFRC_APPLIED: *rows = m->nv; *cols = 1; return d->qfrc_applied;
    case SQ_XFRC_APPLIED: *rows = m->nbody; *cols = 6; return d->xfrc_applied;
    case SQ_QACC_WARMSTART: *rows = m->nv; *cols = 1; return d->qacc_warmstart;
    default: *rows = 0; *cols = 0; return NULL;
  }
}

//---------------------------------- simulation verbs ------------------------------------------------

static void warning_counts(const mjData* d, int* counts) {
  for (int i = 0; i < mjNWARNING; i++) counts[i] = d->warning[i].number;
}

static int new_warnings(const mjData* d, const int* before) {
  int mask = 0;
  for (int i = 0; i < mjNWARNING; i++) {
    if (d->warning[i].number != before[i]) mask |= 1 << i;
  }
  return mask;
}

static void after_step(const mjModel* m, mjData* d, int flags) {
  if (flags & SQ_AFTER_FORWARD) mj_forward(m, d);
  if (flags & SQ_AFTER_RNE_POST) mj_rnePostConstraint(m, d);
  if (flags & SQ_AFTER_SUBTREE_VEL) mj_subtreeVel(m, d);
}

// mj_step (MuJoCo 2.2.2, engine_forward.c) with its forward starting at the acceleration stage: the position
// and velocity stages, functions of qpos and qvel alone, are the caller's (docs/implementation-details.md,
// "Post-step readout"). A check that resets the data invalidates them: then the whole forward runs.
static void step_reusing_stages(const mjModel* m, mjData* d, const int* warnings_before) {
  if (m->opt.integrator != mjINT_EULER && m->opt.integrator != mjINT_RK4) {
    mj_step(m, d);   // the implicit integrator's function is not in 2.2.2's API
    return;
  }
  mj_checkPos(m, d);
  mj_checkVel(m, d);
  if (d->warning[mjWARN_BADQPOS].number != warnings_before[mjWARN_BADQPOS] ||
      d->warning[mjWARN_BADQVEL].number != warnings_before[mjWARN_BADQVEL]) {
    mj_forward(m, d);
  } else {
    mj_forwardSkip(m, d, mjSTAGE_VEL, 0);
  }
  mj_checkAcc(m, d);
  if (mjENABLED(mjENBL_FWDINV)) mj_compareFwdInv(m, d);
  if (m->opt.integrator == mjINT_EULER) mj_Euler(m, d);
  else mj_RungeKutta(m, d, 4);
}

int sq_reset(const mjModel* m, mjData* d) {
  mj_resetData(m, d);
  return 0;
}

int sq_step(const mjModel* m, mjData* d, int nstep, int flags, char* error, int error_size) {
  int before[mjNWARNING];
  jmp_buf guard;
  jmp_buf* outer = tl_guard;
  int result;
  warning_counts(d, before);
  tl_guard = &guard;
  if (setjmp(guard) == 0) {
    int first = 0;
    if ((flags & SQ_REUSE_STAGES) && nstep > 0) {
      step_reusing_stages(m, d, before);
      first = 1;
    }
    for (int i = first; i < nstep; i++) mj_step(m, d);
    after_step(m, d, flags);
    result = new_warnings(d, before);
  } else {
    copy_message(error, error_size, tl_error);
    mj_resetData(m, d);
    result = -1;
  }
  tl_guard = outer;
  return result;
}

int sq_forward(const mjModel* m, mjData* d, int flags, char* error, int error_size) {
  int before[mjNWARNING];
  jmp_buf guard;
  jmp_buf* outer = tl_guard;
  int result;
  warning_counts(d, before);
  tl_guard = &guard;
  if (setjmp(guard) == 0) {
    mj_forward(m, d);
    after_step(m, d, flags & ~SQ_AFTER_FORWARD);
    result = new_warnings(d, before);
  } else {
    copy_message(error, error_size, tl_error);
    mj_resetData(m, d);
    result = -1;
  }
  tl_guard = outer;
  return result;
}

int sq_debug_raise_error(const char* message, char* error, int error_size) {
  jmp_buf guard;
  jmp_buf* outer = tl_guard;
  int result;
  tl_guard = &guard;
  if (setjmp(guard) == 0) {
    mju_error(message);
    result = 0;
  } else {
    copy_message(error, error_size, tl_error);
    result = -1;
  }
  tl_guard = outer;
  return result;
}
