using System.Runtime.InteropServices;

namespace SoftQRobotics.Learning.Blas;

/// <summary>
/// Holds asynchronous signals off the calling thread while native code that must not receive one runs
/// (docs/performance.md, "oneDNN and signals"). Synchronous signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
/// SIGTRAP) stay deliverable; a process-directed signal that arrives meanwhile goes to another thread, a
/// thread-directed one waits until <see cref="Restore"/>. Allocates nothing per call.
/// </summary>
internal static unsafe class SignalMask
{
    /// <summary>Bytes of glibc's sigset_t on Linux.</summary>
    public const int SetSize = 128;

    private const int SigBlock = 0, SigSetMask = 2;
    private static readonly int[] Synchronous = [4, 5, 7, 8, 11];   // SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV

    private static readonly delegate* unmanaged[Cdecl]<int, byte*, byte*, int> PthreadSigmask;
    private static readonly byte* Asynchronous;   // every signal but the synchronous ones (unmanaged: a fixed address)

    static SignalMask()
    {
        nint libc = NativeLibrary.Load("libc.so.6");
        PthreadSigmask = (delegate* unmanaged[Cdecl]<int, byte*, byte*, int>)NativeLibrary.GetExport(libc, "pthread_sigmask");
        var fill = (delegate* unmanaged[Cdecl]<byte*, int>)NativeLibrary.GetExport(libc, "sigfillset");
        var remove = (delegate* unmanaged[Cdecl]<byte*, int, int>)NativeLibrary.GetExport(libc, "sigdelset");
        Asynchronous = (byte*)NativeMemory.AllocZeroed(SetSize);
        fill(Asynchronous);
        foreach (int signal in Synchronous) remove(Asynchronous, signal);
    }

    /// <summary>Blocks the asynchronous signals on this thread; the mask before goes to <paramref name="previous"/> (<see cref="SetSize"/> bytes).</summary>
    /// <exception cref="InvalidOperationException">pthread_sigmask failed.</exception>
    public static void Block(byte* previous)
    {
        int error = PthreadSigmask(SigBlock, Asynchronous, previous);
        if (error != 0) throw new InvalidOperationException($"pthread_sigmask failed with error {error}");
    }

    /// <summary>Sets this thread's mask back to <paramref name="previous"/>, as <see cref="Block"/> left it.</summary>
    public static void Restore(byte* previous) => PthreadSigmask(SigSetMask, previous, null);
}
