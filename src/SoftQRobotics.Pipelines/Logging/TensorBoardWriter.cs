using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace SoftQRobotics.Pipelines.Logging;

/// <summary>
/// Writes a TensorBoard event file (<c>events.out.tfevents.TIME.HOST</c>): TFRecord framing (length,
/// masked CRC-32C of the length, payload, masked CRC-32C of the payload) around protobuf-encoded
/// <c>Event</c> messages. The first record carries <c>file_version = "brain.Event:2"</c>; scalars are
/// <c>Summary.Value.simple_value</c>. Every call is flushed, so TensorBoard follows a live run.
/// </summary>
public sealed class TensorBoardWriter : IDisposable
{
    private const uint MaskDelta = 0xa282ead8;
    private readonly FileStream _file;
    private readonly MemoryStream _event = new(), _summary = new(), _value = new();

    /// <summary>Creates a new event file in <paramref name="directory"/> (one per process: a resumed run adds a file).</summary>
    public TensorBoardWriter(string directory)
    {
        long seconds = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string name = $"events.out.tfevents.{seconds}.{Environment.MachineName}.{Environment.ProcessId}";
        Path = System.IO.Path.Combine(directory, name);
        _file = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.Read);
        WriteEvent(0, writeBody: e => WriteString(e, 3, "brain.Event:2"));
    }

    /// <summary>The event file.</summary>
    public string Path { get; }

    /// <summary>
    /// A SessionLog START at <paramref name="step"/>: TensorBoard then drops events of earlier files
    /// with larger steps (what a resumed run redoes).
    /// </summary>
    public void WriteSessionStart(long step) => WriteEvent(step, e =>
    {
        // Event.session_log (field 6) = SessionLog { status (field 1) = START (1) }
        WriteTag(e, 6, 2);
        WriteVarint(e, 2);
        WriteTag(e, 1, 0);
        WriteVarint(e, 1);
    });

    /// <summary>One event at <paramref name="step"/> holding every (tag, value); non-finite values are skipped.</summary>
    public void WriteScalars(long step, IEnumerable<(string Tag, double Value)> scalars) => WriteEvent(step, e =>
    {
        _summary.SetLength(0);
        Span<byte> f = stackalloc byte[4];
        foreach (var (tag, value) in scalars)
        {
            if (!double.IsFinite(value)) continue;
            _value.SetLength(0);
            WriteString(_value, 1, tag);                      // Summary.Value.tag
            WriteTag(_value, 2, 5);                           // Summary.Value.simple_value (float)
            BinaryPrimitives.WriteSingleLittleEndian(f, (float)value);
            _value.Write(f);
            WriteBytes(_summary, 1, _value);                  // Summary.value (repeated)
        }
        WriteBytes(e, 5, _summary);                           // Event.summary
    });

    /// <summary>Closes the file.</summary>
    public void Dispose() => _file.Dispose();

    private void WriteEvent(long step, Action<MemoryStream> writeBody)
    {
        _event.SetLength(0);
        WriteTag(_event, 1, 1);                               // Event.wall_time (double)
        Span<byte> d = stackalloc byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(d, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0);
        _event.Write(d);
        if (step != 0)
        {
            WriteTag(_event, 2, 0);                           // Event.step (int64)
            WriteVarint(_event, (ulong)step);
        }
        writeBody(_event);
        WriteRecord(_event.GetBuffer().AsSpan(0, (int)_event.Length));
    }

    private void WriteRecord(ReadOnlySpan<byte> payload)
    {
        Span<byte> header = stackalloc byte[12];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(header[8..], MaskedCrc32C(header[..8]));
        Span<byte> footer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(footer, MaskedCrc32C(payload));
        _file.Write(header);
        _file.Write(payload);
        _file.Write(footer);
        _file.Flush();
    }

    /// <summary>TFRecord's masked CRC-32C: rotate right by 15 bits, add 0xa282ead8.</summary>
    internal static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = Crc32.HashToUInt32(Crc32ParameterSet.Crc32C, data);
        return ((crc >> 15) | (crc << 17)) + MaskDelta;
    }

    private static void WriteTag(Stream s, int field, int wireType) => WriteVarint(s, (ulong)((field << 3) | wireType));

    private static void WriteVarint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        s.WriteByte((byte)value);
    }

    private static void WriteString(Stream s, int field, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        WriteTag(s, field, 2);
        WriteVarint(s, (ulong)bytes.Length);
        s.Write(bytes);
    }

    private static void WriteBytes(Stream s, int field, MemoryStream message)
    {
        WriteTag(s, field, 2);
        WriteVarint(s, (ulong)message.Length);
        s.Write(message.GetBuffer(), 0, (int)message.Length);
    }
}
