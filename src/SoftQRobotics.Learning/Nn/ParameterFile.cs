using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SoftQRobotics.Learning.Nn;

/// <summary>
/// Binary file of named float32 tensors with a checksum, written atomically.
/// </summary>
/// <remarks>
/// Layout (little-endian): the 8 ASCII bytes "SOFTQNN1"; int32 tensor count; per tensor an int32
/// UTF-8 name length, the name, an int32 element count and the float32 elements; finally the
/// 32-byte SHA-256 of everything before it. A write goes to PATH.tmp, is flushed to disk, then
/// renamed over PATH, so a crash never leaves a half-written PATH.
/// </remarks>
public static class ParameterFile
{
    private static readonly byte[] Magic = "SOFTQNN1"u8.ToArray();
    private const int ChecksumLength = 32;

    // chunk through which tensors are converted, hashed and written: below the large-object heap's 85 000 bytes,
    // so a checkpoint of any size allocates only this and the file's buffer (docs/testing.md, "Soak")
    private const int ChunkBytes = 64 * 1024;

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/> atomically, streaming: memory use does not grow with the tensors' size.</summary>
    public static void Save(string path, IEnumerable<(string Name, float[] Values)> tensors)
    {
        var list = tensors.ToList();
        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: ChunkBytes))
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            var chunk = new byte[ChunkBytes];
            void Emit(ReadOnlySpan<byte> bytes)
            {
                hash.AppendData(bytes);
                file.Write(bytes);
            }
            void EmitInt32(int value)
            {
                BinaryPrimitives.WriteInt32LittleEndian(chunk, value);
                Emit(chunk.AsSpan(0, 4));
            }

            Emit(Magic);
            EmitInt32(list.Count);
            foreach (var (name, values) in list)
            {
                var nameBytes = Encoding.UTF8.GetBytes(name);
                EmitInt32(nameBytes.Length);
                Emit(nameBytes);
                EmitInt32(values.Length);
                for (int offset = 0; offset < values.Length; offset += ChunkBytes / 4)
                {
                    int count = Math.Min(ChunkBytes / 4, values.Length - offset);
                    for (int i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(4 * i), values[offset + i]);
                    Emit(chunk.AsSpan(0, 4 * count));
                }
            }
            file.Write(hash.GetHashAndReset());
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads every tensor of <paramref name="path"/>, verifying its checksum; streaming, so memory use is the tensors' own.</summary>
    /// <exception cref="InvalidDataException">not such a file, truncated, or corrupt: the message says which, with the path.</exception>
    public static Dictionary<string, float[]> Load(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: ChunkBytes);
        long payloadLength = file.Length - ChecksumLength;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[ChunkBytes];
        long position = 0;
        InvalidDataException Corrupt() => new($"{path}: checksum mismatch: the file is corrupt or truncated");
        Span<byte> Take(int length)
        {
            if (position + length > payloadLength) throw Corrupt();
            var bytes = chunk.AsSpan(0, length);
            file.ReadExactly(bytes);
            hash.AppendData(bytes);
            position += length;
            return bytes;
        }

        if (payloadLength < Magic.Length + 4 || !Take(Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path}: not a SoftQRobotics parameter file (bad header)");
        }
        var tensors = new Dictionary<string, float[]>();
        int tensorCount = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        for (int t = 0; t < tensorCount; t++)
        {
            int nameLength = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
            if (nameLength < 0 || nameLength > ChunkBytes) throw Corrupt();
            string name = Encoding.UTF8.GetString(Take(nameLength));
            int length = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
            if (length < 0 || 4L * length > payloadLength - position) throw Corrupt();
            var values = new float[length];
            for (int offset = 0; offset < length; offset += ChunkBytes / 4)
            {
                int count = Math.Min(ChunkBytes / 4, length - offset);
                var bytes = Take(4 * count);
                for (int i = 0; i < count; i++) values[offset + i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
            }
            tensors[name] = values;
        }
        if (position != payloadLength) throw Corrupt();
        Span<byte> stored = stackalloc byte[ChecksumLength];
        file.ReadExactly(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored)) throw Corrupt();
        return tensors;
    }

    /// <summary>The tensor called <paramref name="name"/>, which must hold <paramref name="packedCount"/> 64-bit values (2 floats each).</summary>
    /// <exception cref="InvalidDataException">missing or of another size.</exception>
    public static float[] Take(Dictionary<string, float[]> tensors, string name, int packedCount, string path)
    {
        if (!tensors.TryGetValue(name, out var values)) throw new InvalidDataException($"{path}: tensor '{name}' is missing");
        if (values.Length != 2 * packedCount) throw new InvalidDataException($"{path}: tensor '{name}' has {values.Length} values, expected {2 * packedCount}");
        return values;
    }

    /// <summary>Copies the tensor called <paramref name="name"/> into <paramref name="destination"/>, checking its length.</summary>
    /// <exception cref="InvalidDataException">missing or of another size.</exception>
    public static void Restore(Dictionary<string, float[]> tensors, string name, Span<float> destination, string path)
    {
        if (!tensors.TryGetValue(name, out var values)) throw new InvalidDataException($"{path}: tensor '{name}' is missing");
        if (values.Length != destination.Length) throw new InvalidDataException($"{path}: tensor '{name}' has {values.Length} values, expected {destination.Length} (another architecture?)");
        values.CopyTo(destination);
    }
}

/// <summary>
/// Named integer counters in a checkpoint: one tensor per counter, <c>counter/NAME</c>. Checkpoints
/// written before counters had names kept them positionally in one tensor; <see cref="Read"/> still
/// reads those.
/// </summary>
public static class CheckpointCounters
{
    /// <summary>The tensor that stores counter <paramref name="name"/>.</summary>
    public static (string Name, float[] Values) Entry(string name, long value) => ($"counter/{name}", BitPacking.FromInt64([value]));

    /// <summary>Reads counter <paramref name="name"/>, or, from an older checkpoint, element <paramref name="legacyIndex"/> of the positional tensor <paramref name="legacyTensor"/> of <paramref name="legacyLength"/> counters.</summary>
    /// <exception cref="InvalidDataException">neither form is present, or it has the wrong size.</exception>
    public static long Read(Dictionary<string, float[]> tensors, string name, string source, string legacyTensor, int legacyIndex, int legacyLength)
    {
        if (tensors.ContainsKey($"counter/{name}")) return BitPacking.ToInt64(ParameterFile.Take(tensors, $"counter/{name}", 1, source))[0];
        if (tensors.ContainsKey(legacyTensor)) return BitPacking.ToInt64(ParameterFile.Take(tensors, legacyTensor, legacyLength, source))[legacyIndex];
        throw new InvalidDataException($"{source}: checkpoint has no counter '{name}'");
    }
}

/// <summary>Stores 64-bit integers and doubles bit-exactly in float32 tensors (two floats per value).</summary>
public static class BitPacking
{
    public static float[] FromUInt64(ReadOnlySpan<ulong> values)
    {
        var words = new float[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            words[2 * i] = BitConverter.Int32BitsToSingle((int)(values[i] & 0xFFFFFFFF));
            words[2 * i + 1] = BitConverter.Int32BitsToSingle((int)(values[i] >> 32));
        }
        return words;
    }

    public static ulong[] ToUInt64(ReadOnlySpan<float> words)
    {
        var values = new ulong[words.Length / 2];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (uint)BitConverter.SingleToInt32Bits(words[2 * i]) | ((ulong)(uint)BitConverter.SingleToInt32Bits(words[2 * i + 1]) << 32);
        }
        return values;
    }

    public static float[] FromInt64(ReadOnlySpan<long> values) => FromUInt64(values.ToArray().Select(v => (ulong)v).ToArray());
    public static long[] ToInt64(ReadOnlySpan<float> words) => ToUInt64(words).Select(v => (long)v).ToArray();
    public static float[] FromDouble(ReadOnlySpan<double> values) => FromUInt64(values.ToArray().Select(v => (ulong)BitConverter.DoubleToInt64Bits(v)).ToArray());
    public static double[] ToDouble(ReadOnlySpan<float> words) => ToUInt64(words).Select(v => BitConverter.Int64BitsToDouble((long)v)).ToArray();
}
