using System.Security.Cryptography;
using System.Text;
using SoftQRobotics.Learning.Nn;

namespace SoftQRobotics.Tests.Learning;

public class ParameterFileTests
{
    [Fact]
    public void Save_WritesTheDocumentedLayout_ByteForByte()
    {
        // the layout of ParameterFile's remarks, composed here with BinaryWriter and a one-shot SHA-256
        var tensors = new (string, float[])[] { ("q", [1.5f, -2f, float.Epsilon]), ("empty", []), ("ünï", Enumerable.Range(0, 40_000).Select(i => i * 0.25f).ToArray()) };
        var expected = new MemoryStream();
        using (var writer = new BinaryWriter(expected, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("SOFTQNN1"u8.ToArray());
            writer.Write(tensors.Length);
            foreach (var (name, values) in tensors)
            {
                writer.Write(Encoding.UTF8.GetByteCount(name));
                writer.Write(Encoding.UTF8.GetBytes(name));
                writer.Write(values.Length);
                foreach (float v in values) writer.Write(v);
            }
        }
        byte[] payload = expected.ToArray();

        string path = Path.Combine(TestPaths.ScratchDirectory(), "layout.bin");
        ParameterFile.Save(path, tensors);
        Assert.Equal([.. payload, .. SHA256.HashData(payload)], File.ReadAllBytes(path));

        var loaded = ParameterFile.Load(path);
        foreach (var (name, values) in tensors) Assert.Equal(values, loaded[name]);
    }

    [Fact]
    public void SaveAndLoad_AllocateNoCopyOfTheTensors()
    {
        // a checkpoint is written every epoch: a copy of it per write (a growing MemoryStream) lands on the
        // large-object heap and made a long run's committed memory climb; streaming keeps the cost flat
        string path = Path.Combine(TestPaths.ScratchDirectory(), "big.bin");
        // the least of three writes: the runtime's one-off work on this thread (a method's tier-up, a type's first use)
        // lands in one of them on some machines; a copy of the tensors would be in all three
        long AllocatedBySave(int floats)
        {
            var tensors = new (string, float[])[] { ("a", new float[floats]), ("b", new float[floats / 2]) };
            ParameterFile.Save(path, tensors);
            long least = long.MaxValue;
            for (int write = 0; write < 3; write++)
            {
                long before = GC.GetAllocatedBytesForCurrentThread();
                ParameterFile.Save(path, tensors);
                least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
            }
            return least;
        }
        long small = AllocatedBySave(250_000), large = AllocatedBySave(4_000_000);   // 1.5 MB and 24 MB of tensors
        Assert.True(large < 256 * 1024, $"saving 24 MB of tensors allocated {large} bytes");
        Assert.True(large - small < 16 * 1024, $"allocation grows with the tensors: {small} -> {large} bytes");

        long beforeLoad = GC.GetAllocatedBytesForCurrentThread();
        var loaded = ParameterFile.Load(path);
        long loadOverhead = GC.GetAllocatedBytesForCurrentThread() - beforeLoad - 4L * (4_000_000 + 2_000_000);
        Assert.True(loadOverhead < 256 * 1024, $"loading allocated {loadOverhead} bytes beyond the tensors");
        Assert.Equal(4_000_000, loaded["a"].Length);
    }

    [Fact]
    public void Load_NamesTheProblem_ForEveryKindOfDamage()
    {
        string path = Path.Combine(TestPaths.ScratchDirectory(), "damaged.bin");
        ParameterFile.Save(path, [("w", Enumerable.Range(0, 1000).Select(i => (float)i).ToArray())]);
        byte[] good = File.ReadAllBytes(path);
        void Check(byte[] bytes, string expected)
        {
            File.WriteAllBytes(path, bytes);
            var e = Assert.Throws<InvalidDataException>(() => ParameterFile.Load(path));
            Assert.Contains(expected, e.Message);
            Assert.Contains(path, e.Message);
        }
        var lengthTooLarge = (byte[])good.Clone();
        BitConverter.GetBytes(int.MaxValue).CopyTo(lengthTooLarge, 8 + 4 + 4 + 1);   // the tensor's element count
        Check(lengthTooLarge, "corrupt or truncated");
        var flippedValue = (byte[])good.Clone();
        flippedValue[2000] ^= 1;
        Check(flippedValue, "checksum mismatch");
        Check(good[..^1], "corrupt or truncated");
        Check([.. good, 0], "corrupt or truncated");
        Check([], "not a SoftQRobotics parameter file");
    }
}
