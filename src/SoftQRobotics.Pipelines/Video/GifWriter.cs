namespace SoftQRobotics.Pipelines.Video;

/// <summary>
/// Animated GIF (GIF89a, looping) with one global 256-colour palette: a 6 × 7 × 6 RGB cube and four
/// greys, each pixel mapped to the nearest cube level per channel (no dithering). Frames are
/// LZW-compressed with the GIF variant of the algorithm (variable code width 9–12, clear on a full table).
/// </summary>
public sealed class GifWriter : IFrameSink
{
    private const int RedLevels = 6, GreenLevels = 7, BlueLevels = 6;
    private static readonly byte[] Palette = BuildPalette();
    private static readonly byte[] RedIndex = LevelIndex(RedLevels), GreenIndex = LevelIndex(GreenLevels), BlueIndex = LevelIndex(BlueLevels);

    private readonly string _path, _temporary;
    private readonly int _width, _height;
    private readonly ushort _delayCentiseconds;
    private readonly FileStream _file;
    private readonly byte[] _indices;
    private readonly LzwEncoder _lzw = new();
    private int _frames;
    private bool _finished;

    /// <param name="fps">playback rate; GIF delays are whole centiseconds, so it is rounded to 100 / delay</param>
    public GifWriter(string path, int width, int height, double fps)
    {
        if (width is < 1 or > ushort.MaxValue || height is < 1 or > ushort.MaxValue) throw new ArgumentException($"a GIF cannot be {width} × {height}");
        if (!(fps > 0)) throw new ArgumentException("the frame rate must be positive");
        (_path, _width, _height) = (path, width, height);
        _delayCentiseconds = (ushort)Math.Clamp(Math.Round(100 / fps), 2, ushort.MaxValue);
        _indices = new byte[width * height];
        _temporary = VideoFile.TemporaryFor(path);
        _file = File.Create(_temporary);
        WriteHeader();
    }

    /// <summary>Frames per second after rounding the delay to whole centiseconds.</summary>
    public double Fps => 100.0 / _delayCentiseconds;

    /// <summary>The palette index of a colour: nearest level per channel in the 6 × 7 × 6 cube.</summary>
    public static byte Quantize(byte r, byte g, byte b) => (byte)((RedIndex[r] * GreenLevels + GreenIndex[g]) * BlueLevels + BlueIndex[b]);

    /// <summary>The colour of palette entry <paramref name="index"/>.</summary>
    public static (byte R, byte G, byte B) PaletteColor(byte index) => (Palette[3 * index], Palette[3 * index + 1], Palette[3 * index + 2]);

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<byte> rgb)
    {
        VideoFile.CheckFrame(rgb, _width, _height);
        if (_finished) throw new InvalidOperationException("the GIF is already finished");
        for (int p = 0; p < _indices.Length; p++) _indices[p] = Quantize(rgb[3 * p], rgb[3 * p + 1], rgb[3 * p + 2]);

        // graphic control extension: no disposal, the frame delay, no transparency
        _file.Write([0x21, 0xF9, 0x04, 0x04, (byte)_delayCentiseconds, (byte)(_delayCentiseconds >> 8), 0x00, 0x00]);
        // image descriptor: the whole screen, global palette
        _file.WriteByte(0x2C);
        WriteUInt16(0);
        WriteUInt16(0);
        WriteUInt16(_width);
        WriteUInt16(_height);
        _file.WriteByte(0x00);
        _lzw.Encode(_indices, _file);
        _frames++;
    }

    /// <inheritdoc/>
    public void Finish()
    {
        if (_frames == 0) throw new IOException($"{_path}: no frames to write");
        _file.WriteByte(0x3B);
        _file.Dispose();
        _finished = true;
        VideoFile.Publish(_temporary, _path);
    }

    /// <summary>Closes the file; an unfinished GIF is deleted (no half-written file is left behind).</summary>
    public void Dispose()
    {
        _file.Dispose();
        if (!_finished && File.Exists(_temporary)) File.Delete(_temporary);
    }

    private void WriteHeader()
    {
        _file.Write("GIF89a"u8);
        WriteUInt16(_width);
        WriteUInt16(_height);
        _file.Write([0xF7, 0x00, 0x00]);   // global colour table of 256 entries, 8 bits per primary
        _file.Write(Palette);
        // NETSCAPE2.0 application extension: loop forever
        _file.Write([0x21, 0xFF, 0x0B]);
        _file.Write("NETSCAPE2.0"u8);
        _file.Write([0x03, 0x01, 0x00, 0x00, 0x00]);
    }

    private void WriteUInt16(int value)
    {
        _file.WriteByte((byte)value);
        _file.WriteByte((byte)(value >> 8));
    }

    private static byte[] BuildPalette()
    {
        var palette = new byte[256 * 3];
        int i = 0;
        for (int r = 0; r < RedLevels; r++)
        {
            for (int g = 0; g < GreenLevels; g++)
            {
                for (int b = 0; b < BlueLevels; b++, i++)
                {
                    (palette[3 * i], palette[3 * i + 1], palette[3 * i + 2]) = (Level(r, RedLevels), Level(g, GreenLevels), Level(b, BlueLevels));
                }
            }
        }
        for (int grey = 0; i < 256; i++, grey++) palette[3 * i] = palette[3 * i + 1] = palette[3 * i + 2] = (byte)(42 + 57 * grey);
        return palette;
    }

    private static byte Level(int index, int levels) => (byte)Math.Round(255.0 * index / (levels - 1));

    private static byte[] LevelIndex(int levels)
    {
        var map = new byte[256];
        for (int v = 0; v < 256; v++) map[v] = (byte)Math.Round(v * (levels - 1) / 255.0);
        return map;
    }

    /// <summary>GIF's LZW with 8-bit symbols: codes 0–255 literal, 256 clear, 257 end, 258… table entries.</summary>
    private sealed class LzwEncoder
    {
        private const int MinCodeSize = 8, Clear = 256, End = 257, MaxCodes = 4096;

        // (prefix code, next symbol) → code; an entry is valid only if its stamp is the current generation
        private readonly int[] _codes = new int[MaxCodes * 256];
        private readonly int[] _stamps = new int[MaxCodes * 256];
        private readonly byte[] _block = new byte[255];
        private int _generation, _blockLength, _bitCount, _width, _next;
        private uint _bits;
        private Stream _output = Stream.Null;

        public void Encode(ReadOnlySpan<byte> symbols, Stream output)
        {
            _output = output;
            output.WriteByte(MinCodeSize);
            (_bits, _bitCount, _blockLength) = (0, 0, 0);
            Reset();
            Emit(Clear);
            int prefix = symbols[0];
            for (int i = 1; i < symbols.Length; i++)
            {
                int key = prefix * 256 + symbols[i];
                if (_stamps[key] == _generation)
                {
                    prefix = _codes[key];
                    continue;
                }
                Emit(prefix);
                if (_next < MaxCodes)
                {
                    (_codes[key], _stamps[key]) = (_next++, _generation);
                    if (_next > (1 << _width) && _width < 12) _width++;
                }
                else
                {
                    Emit(Clear);
                    Reset();
                }
                prefix = symbols[i];
            }
            Emit(prefix);
            Emit(End);
            if (_bitCount > 0) Put((byte)_bits);
            if (_blockLength > 0) FlushBlock();
            output.WriteByte(0x00);
        }

        private void Reset()
        {
            _generation++;
            (_width, _next) = (MinCodeSize + 1, End + 1);
        }

        private void Emit(int code)
        {
            _bits |= (uint)code << _bitCount;
            _bitCount += _width;
            while (_bitCount >= 8)
            {
                Put((byte)_bits);
                _bits >>= 8;
                _bitCount -= 8;
            }
        }

        private void Put(byte b)
        {
            _block[_blockLength++] = b;
            if (_blockLength == _block.Length) FlushBlock();
        }

        private void FlushBlock()
        {
            _output.WriteByte((byte)_blockLength);
            _output.Write(_block, 0, _blockLength);
            _blockLength = 0;
        }
    }
}
