// ILGPU's CPU accelerator emits the kernel launchers into a dynamic assembly named ILGPURuntime,
// which must see the kernels' internal shape structs.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("ILGPURuntime")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("SoftQRobotics.Tests")]
