// What the shim's source files share and C# never sees: the error guard of softq_mujoco.c.
// A guarded call sets tl_guard to its own jmp_buf around MuJoCo calls; the error handler copies the
// message into tl_error and longjmps there.
#ifndef SOFTQ_INTERNAL_H_
#define SOFTQ_INTERNAL_H_

#include <setjmp.h>

#define SQ_MESSAGE_SIZE 1024

extern _Thread_local jmp_buf* tl_guard;
extern _Thread_local char tl_error[SQ_MESSAGE_SIZE];

void copy_message(char* dst, int dst_size, const char* src);

#endif  // SOFTQ_INTERNAL_H_
