using System.Buffers.Binary;
using System.IO.Compression;

namespace SoftQRobotics.Pipelines.Video;

/// <summary>Writes 8-bit RGB PNG images (IHDR, one zlib IDAT, IEND; rows with the Sub filter).</summary>
public static class PngWriter
{
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>Writes <paramref name="rgb"/>, (height × width × 3), to <paramref name="path"/> atomically.</summary>
    public static void Write(string path, ReadOnlySpan<byte> rgb, int width, int height)
    {
        VideoFile.CheckFrame(rgb, width, height);
        string temporary = VideoFile.TemporaryFor(path);
        using (var file = File.Create(temporary))
        {
            file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
            var header = new byte[13];
            BinaryPrimitives.WriteInt32BigEndian(header, width);
            BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
            (header[8], header[9]) = (8, 2);   // bit depth 8, colour type RGB; compression, filter, interlace 0
            Chunk(file, "IHDR", header);
            Chunk(file, "IDAT", Compress(rgb, width, height));
            Chunk(file, "IEND", []);
        }
        VideoFile.Publish(temporary, path);
    }

    private static byte[] Compress(ReadOnlySpan<byte> rgb, int width, int height)
    {
        int stride = width * 3;
        var row = new byte[stride + 1];
        using var buffer = new MemoryStream();
        using (var zlib = new ZLibStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            for (int y = 0; y < height; y++)
            {
                var source = rgb.Slice(y * stride, stride);
                row[0] = 1;   // Sub: each byte minus the same channel of the pixel to its left
                for (int i = 0; i < stride; i++) row[i + 1] = (byte)(source[i] - (i >= 3 ? source[i - 3] : 0));
                zlib.Write(row);
            }
        }
        return buffer.ToArray();
    }

    private static void Chunk(Stream file, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        file.Write(word);
        Span<byte> typeBytes = [(byte)type[0], (byte)type[1], (byte)type[2], (byte)type[3]];
        file.Write(typeBytes);
        file.Write(data);
        uint crc = Crc32(Crc32(0xFFFFFFFFu, typeBytes), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        file.Write(word);
    }

    /// <summary>CRC-32 (ISO-HDLC, as PNG uses) continued from <paramref name="crc"/> (start with 0xFFFFFFFF, finish with ^ 0xFFFFFFFF).</summary>
    internal static uint Crc32(uint crc, ReadOnlySpan<byte> data)
    {
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}

/// <summary>
/// A PNG contact sheet: up to <c>tiles</c> frames spread evenly over the expected frame count, the
/// last frame always included, laid out in rows of four.
/// </summary>
public sealed class ContactSheetWriter : IFrameSink
{
    private const int Columns = 4, Gap = 4;
    private readonly string _path;
    private readonly int _width, _height, _stride, _tiles;
    private readonly List<byte[]> _kept = [];
    private readonly byte[] _last;
    private int _frames;
    private bool _lastKept;

    /// <param name="path">the .png file</param>
    /// <param name="expectedFrames">frames expected in all; every ⌈expected / tiles⌉-th is kept</param>
    /// <param name="tiles">frames on the sheet at most</param>
    public ContactSheetWriter(string path, int width, int height, int expectedFrames, int tiles = 12)
    {
        (_path, _width, _height, _tiles) = (path, width, height, tiles);
        _stride = Math.Max(1, (int)Math.Ceiling(Math.Max(1, expectedFrames) / (double)(tiles - 1)));
        _last = new byte[width * height * 3];
        VideoFile.TemporaryFor(path);   // fails now, not after rendering, if the directory is missing
    }

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<byte> rgb)
    {
        VideoFile.CheckFrame(rgb, _width, _height);
        _lastKept = _frames % _stride == 0 && _kept.Count < _tiles - 1;
        if (_lastKept) _kept.Add(rgb.ToArray());
        else rgb.CopyTo(_last);
        _frames++;
    }

    /// <inheritdoc/>
    public void Finish()
    {
        if (_frames == 0) throw new IOException($"{_path}: no frames to write");
        var tiles = new List<byte[]>(_kept);
        if (!_lastKept) tiles.Add(_last);
        int columns = Math.Min(Columns, tiles.Count), rows = (tiles.Count + columns - 1) / columns;
        int sheetWidth = columns * _width + (columns - 1) * Gap, sheetHeight = rows * _height + (rows - 1) * Gap;
        var sheet = new byte[sheetWidth * sheetHeight * 3];
        Array.Fill(sheet, (byte)255);
        for (int t = 0; t < tiles.Count; t++)
        {
            int left = t % columns * (_width + Gap), top = t / columns * (_height + Gap);
            for (int y = 0; y < _height; y++)
            {
                tiles[t].AsSpan(y * _width * 3, _width * 3).CopyTo(sheet.AsSpan(((top + y) * sheetWidth + left) * 3));
            }
        }
        PngWriter.Write(_path, sheet, sheetWidth, sheetHeight);
    }

    /// <inheritdoc/>
    public void Dispose() { }
}
