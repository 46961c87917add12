// softq_mujoco: a thin, flat C ABI over MuJoCo for the C# bindings.
//
// C# never mirrors MuJoCo's structs: it sees opaque model/data handles, integer enums and
// pointers to contiguous arrays whose lengths this shim reports. Bump SQ_ABI_VERSION on any
// change to a signature or enum value below.
#ifndef SOFTQ_MUJOCO_H_
#define SOFTQ_MUJOCO_H_

#ifdef __cplusplus
extern "C" {
#endif

#define SQ_ABI_VERSION 3
#define SQ_EXPORT __attribute__((visibility("default")))

typedef struct mjModel_ mjModel;
typedef struct mjData_ mjData;

// model sizes (sq_model_size)
enum sqModelSize {
  SQ_NQ = 0, SQ_NV, SQ_NU, SQ_NA, SQ_NBODY, SQ_NJNT, SQ_NGEOM, SQ_NSITE, SQ_NSENSOR,
  SQ_NSENSORDATA, SQ_NKEY, SQ_NMOCAP, SQ_NUMERIC, SQ_NMODELSIZES
};

// model arrays (sq_model_array): element type and shape in the comment
enum sqModelArray {
  SQ_ACTUATOR_CTRLRANGE = 0,  // double (nu x 2)
  SQ_ACTUATOR_CTRLLIMITED,    // uint8  (nu x 1)
  SQ_ACTUATOR_TRNID,          // int    (nu x 2)
  SQ_JNT_TYPE,                // int    (njnt x 1)
  SQ_JNT_QPOSADR,             // int    (njnt x 1)
  SQ_JNT_DOFADR,              // int    (njnt x 1)
  SQ_BODY_MASS,               // double (nbody x 1)
  SQ_BODY_ROOTID,             // int    (nbody x 1)
  SQ_QPOS0,                   // double (nq x 1)
  SQ_GEOM_SIZE,               // double (ngeom x 3)
  SQ_GEOM_POS,                // double (ngeom x 3)
  SQ_GEOM_BODYID,             // int    (ngeom x 1)
  SQ_NMODELARRAYS
};

// data arrays (sq_data_array): all double, shape in the comment
enum sqDataArray {
  SQ_QPOS = 0,        // (nq x 1)
  SQ_QVEL,            // (nv x 1)
  SQ_QACC,            // (nv x 1)
  SQ_CTRL,            // (nu x 1)
  SQ_ACT,             // (na x 1)
  SQ_XPOS,            // (nbody x 3)
  SQ_XQUAT,           // (nbody x 4)
  SQ_XMAT,            // (nbody x 9)
  SQ_XIPOS,           // (nbody x 3)
  SQ_CFRC_EXT,        // (nbody x 6)  valid after mj_rnePostConstraint (SQ_AFTER_RNE_POST)
  SQ_SUBTREE_COM,     // (nbody x 3)
  SQ_SUBTREE_LINVEL,  // (nbody x 3)  valid after mj_subtreeVel (SQ_AFTER_SUBTREE_VEL)
  SQ_SENSORDATA,      // (nsensordata x 1)
  SQ_TIME,            // (1 x 1)
  SQ_QFRC_APPLIED,    // (nv x 1)
  SQ_XFRC_APPLIED,    // (nbody x 6)
  SQ_QACC_WARMSTART,  // (nv x 1)     the constraint solver's starting point (part of the state it depends on)
  SQ_NDATAARRAYS
};

// extra computations after stepping (sq_step flags)
enum sqStepFlags {
  SQ_AFTER_RNE_POST = 1,      // mj_rnePostConstraint: fills cfrc_ext, cacc, cfrc_int
  SQ_AFTER_SUBTREE_VEL = 2,   // mj_subtreeVel: fills subtree_linvel, subtree_angmom
  SQ_AFTER_FORWARD = 4,       // sq_step only: mj_forward at the state after the last substep first, so that
                              // every derived quantity (xpos, subtree_com, contacts, cfrc_ext, ...) describes
                              // that state; mj_step leaves them at the state before its integration
  SQ_REUSE_STAGES = 8         // sq_step only, before the first substep: the caller vouches that d's position and
                              // velocity stages describe its qpos and qvel (the last call was sq_forward or an
                              // sq_step with SQ_AFTER_FORWARD, and neither changed since); the first substep's
                              // forward starts at the acceleration stage (mj_forwardSkip), with the same result
};

// versions: ABI of this shim, mjVERSION_HEADER it was compiled with, mj_version() loaded
SQ_EXPORT int sq_abi_version(void);
SQ_EXPORT int sq_header_version(void);
SQ_EXPORT int sq_library_version(void);
SQ_EXPORT int sq_warning_count(void);   // mjNWARNING

// installs the error/warning handlers (idempotent; also done by every loader)
SQ_EXPORT void sq_install_handlers(void);

// model lifetime; on failure return NULL and write MuJoCo's message into error
SQ_EXPORT mjModel* sq_model_load_file(const char* path, char* error, int error_size);
SQ_EXPORT mjModel* sq_model_load_xml(const char* xml, char* error, int error_size);
SQ_EXPORT void sq_model_free(mjModel* m);

// model queries
SQ_EXPORT int sq_model_size(const mjModel* m, int which);
SQ_EXPORT double sq_model_timestep(const mjModel* m);
SQ_EXPORT double sq_model_free_camera_fovy(const mjModel* m);   // vis.global.fovy, degrees
SQ_EXPORT const void* sq_model_array(const mjModel* m, int which, int* rows, int* cols);
SQ_EXPORT int sq_name2id(const mjModel* m, int objtype, const char* name);
SQ_EXPORT const char* sq_id2name(const mjModel* m, int objtype, int id);
SQ_EXPORT int sq_numeric(const mjModel* m, const char* name, double* out, int capacity);

// data lifetime and access; pointers stay valid for the data's lifetime
SQ_EXPORT mjData* sq_data_make(const mjModel* m, char* error, int error_size);
SQ_EXPORT void sq_data_free(mjData* d);
SQ_EXPORT double* sq_data_array(const mjModel* m, mjData* d, int which, int* rows, int* cols);

// simulation verbs; return <0 on a MuJoCo error (message in error, data reset),
// otherwise the bitmask of warnings (1 << mjtWarning) raised during the call
SQ_EXPORT int sq_reset(const mjModel* m, mjData* d);
SQ_EXPORT int sq_forward(const mjModel* m, mjData* d, int flags, char* error, int error_size);
SQ_EXPORT int sq_step(const mjModel* m, mjData* d, int nstep, int flags,
                      char* error, int error_size);

// last warning text seen on this thread (empty if none); for diagnostics
SQ_EXPORT const char* sq_last_warning(void);

//---------------------------------- offscreen rendering (softq_render.c) -----------------------------
// One renderer = one EGL context (Mesa's surfaceless platform, software rasteriser when there is no
// GPU) + MuJoCo's scene and GL context with an offscreen buffer of exactly width x height. A renderer
// is current on one thread at a time: use it only from the thread that made it.
typedef struct sqRenderer_ sqRenderer;

// camera kinds (sq_render camera_type)
enum sqCameraType {
  SQ_CAMERA_FREE = 0,      // looks at lookat from distance, azimuth, elevation (degrees)
  SQ_CAMERA_TRACKING = 1   // like FREE, but lookat follows body track_body's subtree centre of mass
};

// creates a renderer for m (NULL on failure: the reason in error); width, height >= 1
SQ_EXPORT sqRenderer* sq_renderer_make(const mjModel* m, int width, int height, char* error, int error_size);
SQ_EXPORT void sq_renderer_free(sqRenderer* r);
// the GL vendor/renderer strings of the context ("Mesa", "llvmpipe (LLVM ...)")
SQ_EXPORT const char* sq_renderer_gl_info(const sqRenderer* r);
// renders d (positions must be current: after mj_forward or a post-step readout) into rgb,
// (height x width x 3) bytes, top row first; 0 on success, -1 on an error (message in error)
SQ_EXPORT int sq_render(sqRenderer* r, const mjModel* m, mjData* d, int camera_type, int track_body,
                        const double* lookat, double distance, double azimuth, double elevation,
                        unsigned char* rgb, char* error, int error_size);

// raises a MuJoCo error through mju_error inside the guard (tests the handler path)
SQ_EXPORT int sq_debug_raise_error(const char* message, char* error, int error_size);

#ifdef __cplusplus
}
#endif
#endif  // SOFTQ_MUJOCO_H_
