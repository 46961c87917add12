// softq_render: offscreen rendering of MuJoCo scenes without a display (see softq_mujoco.h).
//
// GL path: EGL on Mesa's surfaceless platform (EGL_MESA_platform_surfaceless), which needs neither
// an X server nor a GPU: Mesa falls back to its software rasteriser (llvmpipe). The context is made
// current with no surface (EGL_KHR_surfaceless_context) and MuJoCo renders into its own offscreen
// framebuffer. MuJoCo finds the GL entry points through eglGetProcAddress because this library
// links libEGL. Every MuJoCo call runs inside the shim's error guard; EGL failures are reported,
// never fatal.
#include "softq_mujoco.h"
#include "softq_internal.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <mujoco/mujoco.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQ_MAX_GEOMS 2000

struct sqRenderer_ {
  EGLDisplay display;
  EGLContext context;
  mjModel* model;      // private copy whose offscreen buffer is sized to the request
  mjvScene scene;
  mjvOption option;
  mjvCamera camera;
  mjrContext gl;
  int width, height;
  unsigned char* row;  // (width x 3) scratch row for the vertical flip
  char info[256];
};

// one display for the process: eglTerminate would destroy every renderer's context, so it is never called
static pthread_mutex_t display_mutex = PTHREAD_MUTEX_INITIALIZER;
static EGLDisplay shared_display = EGL_NO_DISPLAY;

static void egl_message(char* error, int error_size, const char* what) {
  char text[SQ_MESSAGE_SIZE];
  snprintf(text, sizeof text, "%s failed (EGL error 0x%04x)", what, (unsigned)eglGetError());
  copy_message(error, error_size, text);
}

static EGLDisplay open_display(char* error, int error_size) {
  pthread_mutex_lock(&display_mutex);
  if (shared_display == EGL_NO_DISPLAY) {
    const char* client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display =
        (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
    if (!client || !strstr(client, "EGL_MESA_platform_surfaceless") || !get_platform_display) {
      copy_message(error, error_size,
                   "EGL has no surfaceless platform (EGL_MESA_platform_surfaceless): install Mesa's EGL "
                   "(Debian packages libegl1 libegl-mesa0 libgl1-mesa-dri)");
    } else {
      EGLDisplay display = get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
      EGLint major = 0, minor = 0;
      if (display == EGL_NO_DISPLAY || !eglInitialize(display, &major, &minor)) {
        egl_message(error, error_size, "eglInitialize on the surfaceless platform");
      } else {
        shared_display = display;
      }
    }
  }
  EGLDisplay display = shared_display;
  pthread_mutex_unlock(&display_mutex);
  return display;
}

static int make_context(sqRenderer* r, char* error, int error_size) {
  r->display = open_display(error, error_size);
  if (r->display == EGL_NO_DISPLAY) return -1;
  if (!eglBindAPI(EGL_OPENGL_API)) {
    egl_message(error, error_size, "eglBindAPI(EGL_OPENGL_API)");
    return -1;
  }
  const EGLint config_attributes[] = {
      EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8, EGL_ALPHA_SIZE, 8, EGL_DEPTH_SIZE, 24,
      EGL_STENCIL_SIZE, 8, EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_SURFACE_TYPE, EGL_DONT_CARE, EGL_NONE};
  EGLConfig config;
  EGLint count = 0;
  if (!eglChooseConfig(r->display, config_attributes, &config, 1, &count) || count < 1) {
    egl_message(error, error_size, "eglChooseConfig (RGBA8, depth 24, desktop OpenGL)");
    return -1;
  }
  // no version requested: Mesa gives its highest compatibility-profile context, which MuJoCo 2.2.2 needs
  r->context = eglCreateContext(r->display, config, EGL_NO_CONTEXT, NULL);
  if (r->context == EGL_NO_CONTEXT) {
    egl_message(error, error_size, "eglCreateContext (desktop OpenGL)");
    return -1;
  }
  if (!eglMakeCurrent(r->display, EGL_NO_SURFACE, EGL_NO_SURFACE, r->context)) {
    egl_message(error, error_size, "eglMakeCurrent without a surface");
    return -1;
  }
  return 0;
}

static int make_current(sqRenderer* r, char* error, int error_size) {
  if (eglGetCurrentContext() == r->context) return 0;
  if (eglMakeCurrent(r->display, EGL_NO_SURFACE, EGL_NO_SURFACE, r->context)) return 0;
  egl_message(error, error_size, "eglMakeCurrent (is the renderer used from the thread that made it?)");
  return -1;
}

void sq_renderer_free(sqRenderer* r) {
  if (!r) return;
  if (r->context != EGL_NO_CONTEXT && make_current(r, NULL, 0) == 0) {
    mjr_freeContext(&r->gl);
    eglMakeCurrent(r->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  }
  mjv_freeScene(&r->scene);
  if (r->context != EGL_NO_CONTEXT) eglDestroyContext(r->display, r->context);
  if (r->model) mj_deleteModel(r->model);
  free(r->row);
  free(r);
}

sqRenderer* sq_renderer_make(const mjModel* m, int width, int height, char* error, int error_size) {
  if (error && error_size > 0) error[0] = '\0';
  if (width < 1 || height < 1) {
    copy_message(error, error_size, "the image size must be at least 1 x 1");
    return NULL;
  }
  sqRenderer* r = (sqRenderer*)calloc(1, sizeof(sqRenderer));
  if (!r || !(r->row = (unsigned char*)malloc((size_t)width * 3))) {
    free(r);
    copy_message(error, error_size, "out of memory allocating a renderer");
    return NULL;
  }
  r->context = EGL_NO_CONTEXT;
  r->width = width;
  r->height = height;
  mjv_defaultScene(&r->scene);
  mjr_defaultContext(&r->gl);
  if (make_context(r, error, error_size) != 0) {
    sq_renderer_free(r);
    return NULL;
  }

  jmp_buf guard;
  jmp_buf* outer = tl_guard;
  int failed = 0;
  tl_guard = &guard;
  if (setjmp(guard) == 0) {
    r->model = mj_copyModel(NULL, m);
    r->model->vis.global.offwidth = width;
    r->model->vis.global.offheight = height;
    mjv_defaultOption(&r->option);
    mjv_defaultCamera(&r->camera);
    mjv_makeScene(r->model, &r->scene, SQ_MAX_GEOMS);
    mjr_makeContext(r->model, &r->gl, mjFONTSCALE_100);
    mjr_setBuffer(mjFB_OFFSCREEN, &r->gl);
    if (r->gl.currentBuffer != mjFB_OFFSCREEN) {
      copy_message(error, error_size, "the GL context has no offscreen framebuffer");
      failed = 1;
    } else if (r->gl.offWidth < width || r->gl.offHeight < height) {
      copy_message(error, error_size, "the offscreen framebuffer is smaller than requested");
      failed = 1;
    }
  } else {
    copy_message(error, error_size, tl_error);
    failed = 1;
  }
  tl_guard = outer;
  if (failed) {
    sq_renderer_free(r);
    return NULL;
  }
  snprintf(r->info, sizeof r->info, "EGL surfaceless, %s", eglQueryString(r->display, EGL_VENDOR));
  return r;
}

const char* sq_renderer_gl_info(const sqRenderer* r) { return r->info; }

int sq_render(sqRenderer* r, const mjModel* m, mjData* d, int camera_type, int track_body,
              const double* lookat, double distance, double azimuth, double elevation,
              unsigned char* rgb, char* error, int error_size) {
  if (make_current(r, error, error_size) != 0) return -1;
  r->camera.type = camera_type == SQ_CAMERA_TRACKING ? mjCAMERA_TRACKING : mjCAMERA_FREE;
  r->camera.trackbodyid = track_body;
  for (int i = 0; i < 3; i++) r->camera.lookat[i] = lookat[i];
  r->camera.distance = distance;
  r->camera.azimuth = azimuth;
  r->camera.elevation = elevation;

  jmp_buf guard;
  jmp_buf* outer = tl_guard;
  int result = 0;
  tl_guard = &guard;
  if (setjmp(guard) == 0) {
    mjrRect viewport = {0, 0, r->width, r->height};
    mjv_updateScene(m, d, &r->option, NULL, &r->camera, mjCAT_ALL, &r->scene);
    mjr_setBuffer(mjFB_OFFSCREEN, &r->gl);
    mjr_render(viewport, &r->scene, &r->gl);
    mjr_readPixels(rgb, NULL, viewport, &r->gl);
    int gl_error = mjr_getError();
    if (gl_error != 0) {
      char text[64];
      snprintf(text, sizeof text, "OpenGL error 0x%04x while rendering", (unsigned)gl_error);
      copy_message(error, error_size, text);
      result = -1;
    }
  } else {
    copy_message(error, error_size, tl_error);
    result = -1;
  }
  tl_guard = outer;
  if (result != 0) return result;

  // GL's rows run bottom-up: flip to top-down
  size_t stride = (size_t)r->width * 3;
  for (int top = 0, bottom = r->height - 1; top < bottom; top++, bottom--) {
    memcpy(r->row, rgb + top * stride, stride);
    memcpy(rgb + top * stride, rgb + bottom * stride, stride);
    memcpy(rgb + bottom * stride, r->row, stride);
  }
  return 0;
}
