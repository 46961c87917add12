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

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, IEnumerable<(string Name, float[] Values)> tensors)
    {
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            var list = tensors.ToList();
            writer.Write(Magic);
            writer.Write(list.Count);
            foreach (var (name, values) in list)
            {
                var nameBytes = Encoding.UTF8.GetBytes(name);
                writer.Write(nameBytes.Length);
                writer.Write(nameBytes);
                writer.Write(values.Length);
                foreach (float v in values) writer.Write(v);
            }
        }
        byte[] payload = body.ToArray();
        byte[] checksum = SHA256.HashData(payload);

        string temporary = path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(payload);
            file.Write(checksum);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Reads every tensor of <paramref name="path"/> after verifying its checksum.</summary>
    /// <exception cref="InvalidDataException">not such a file, truncated, or corrupt: the message says which, with the path.</exception>
    public static Dictionary<string, float[]> Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < Magic.Length + 4 + 32 || !bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{path}: not a SoftQRobotics parameter file (bad header)");
        }
        var payload = bytes.AsSpan(0, bytes.Length - 32);
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
        {
            throw new InvalidDataException($"{path}: checksum mismatch: the file is corrupt or truncated");
        }
        var tensors = new Dictionary<string, float[]>();
        using var reader = new BinaryReader(new MemoryStream(bytes, 0, payload.Length));
        reader.ReadBytes(Magic.Length);
        int count = reader.ReadInt32();
        for (int t = 0; t < count; t++)
        {
            string name = Encoding.UTF8.GetString(reader.ReadBytes(reader.ReadInt32()));
            var values = new float[reader.ReadInt32()];
            for (int i = 0; i < values.Length; i++) values[i] = reader.ReadSingle();
            tensors[name] = values;
        }
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

/// <summary>Stores 64-bit integers and doubles bit-exactly in float32 tensors (two floats per value).</summary>
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
