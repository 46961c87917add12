using System.Buffers.Binary;
using System.Text;
using SoftQRobotics.Pipelines;

namespace SoftQRobotics.Tests.Pipelines;

/// <summary>
/// The run's TensorBoard event files read back by an independent reader written here from the
/// format's definition: TFRecord framing, bitwise CRC-32C, a generic protobuf wire-format decoder.
/// </summary>
public class TensorBoardTests
{
    private const string Config = PipelineEndToEndTests.TinyConfig;

    [Fact]
    public void Crc32C_OfTheStandardCheckString_Is_E3069283()
    {
        Assert.Equal(0xE3069283u, Crc32C("123456789"u8));
    }

    [Fact]
    public void EventFile_HoldsEveryMetricsScalar_AtItsEnvStep_WithValidCrcs()
    {
        string dir = TestPaths.ScratchDirectory();
        string run = Train(dir, "--epochs", "3");
        var files = Directory.GetFiles(run, "events.out.tfevents.*");
        var events = ReadEvents(Assert.Single(files));
        Assert.Equal("brain.Event:2", Encoding.UTF8.GetString(Field(events[0], 3).Single().Bytes!));

        var rows = new RunDirectory(run).ReadMetrics();
        var scalarEvents = events.Skip(1).ToArray();
        Assert.Equal(rows.Count, scalarEvents.Length);
        for (int i = 0; i < rows.Count; i++)
        {
            var values = Scalars(scalarEvents[i]);
            Assert.Equal((long)rows[i]["env_steps"], Step(scalarEvents[i]));
            Assert.Equal(rows[i]["average_return"], values["eval/average_return"], 1e-5 * Math.Max(1, Math.Abs(rows[i]["average_return"])));
            Assert.Equal((float)rows[i]["gradient_steps_per_second"], values["perf/gradient_steps_per_second"]);
            foreach (var (column, value) in EpochMetrics.Columns.Zip(rows[i].Values()).Where(c => c.First != "env_steps"))
            {
                string tag = SoftQRobotics.Pipelines.Logging.MetricTags.Of(column);
                if (double.IsFinite(value)) Assert.Equal((float)value, values[tag]);
                else Assert.False(values.ContainsKey(tag), $"{tag} is not finite and should be skipped");
            }
            Assert.Contains("train/q_loss", values.Keys);
        }
        Directory.Delete(dir, true);
    }

    [Fact]
    public void Resume_AddsAFileThatStartsWithASessionStartAtTheCheckpointStep()
    {
        string dir = TestPaths.ScratchDirectory();
        string run = Train(dir, "--epochs", "2");
        Thread.Sleep(1100);   // event file names carry the second
        var (code, _, stderr) = TestPaths.RunCli("train", "--resume", run, "--epochs", "3");
        Assert.True(code == 0, stderr);
        var files = Directory.GetFiles(run, "events.out.tfevents.*").Order().ToArray();
        Assert.Equal(2, files.Length);
        var resumed = ReadEvents(files[1]);
        // SessionLog (field 6) with status (field 1) START (1) at the checkpoint's env steps
        var sessionLog = Field(resumed[1], 6).Single().Bytes!;
        Assert.Equal(1UL, Field(Decode(sessionLog), 1).Single().Varint);
        Assert.Equal(200, Step(resumed[1]));
        Assert.Equal(300, Step(resumed[2]));
        Directory.Delete(dir, true);
    }

    private static string Train(string dir, params string[] extra)
    {
        string config = Path.Combine(dir, "tb.yaml");
        File.WriteAllText(config, Config);
        string run = Path.Combine(dir, "run");
        var (code, _, stderr) = TestPaths.RunCli(["train", "--config", config, "--run-dir", run, .. extra]);
        Assert.True(code == 0, stderr);
        return run;
    }

    // ---- the independent reader --------------------------------------------------------------

    private sealed record WireField(int Number, int WireType, ulong Varint, byte[]? Bytes);

    private static List<List<WireField>> ReadEvents(string file)
    {
        var data = File.ReadAllBytes(file);
        var events = new List<List<WireField>>();
        int at = 0;
        while (at < data.Length)
        {
            var lengthBytes = data.AsSpan(at, 8);
            ulong length = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
            Assert.Equal(Masked(Crc32C(lengthBytes)), BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + 8, 4)));
            var payload = data.AsSpan(at + 12, (int)length);
            Assert.Equal(Masked(Crc32C(payload)), BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + 12 + (int)length, 4)));
            events.Add(Decode(payload.ToArray()));
            at += 12 + (int)length + 4;
        }
        Assert.Equal(data.Length, at);
        return events;
    }

    private static List<WireField> Decode(byte[] message)
    {
        var fields = new List<WireField>();
        int at = 0;
        ulong ReadVarint()
        {
            ulong value = 0;
            for (int shift = 0; ; shift += 7)
            {
                byte b = message[at++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80) return value;
            }
        }
        while (at < message.Length)
        {
            ulong key = ReadVarint();
            int number = (int)(key >> 3), wire = (int)(key & 7);
            switch (wire)
            {
                case 0: fields.Add(new(number, wire, ReadVarint(), null)); break;
                case 1: fields.Add(new(number, wire, 0, message[at..(at + 8)])); at += 8; break;
                case 2:
                    int length = (int)ReadVarint();
                    fields.Add(new(number, wire, 0, message[at..(at + length)]));
                    at += length;
                    break;
                case 5: fields.Add(new(number, wire, 0, message[at..(at + 4)])); at += 4; break;
                default: throw new InvalidDataException($"wire type {wire}");
            }
        }
        return fields;
    }

    private static IEnumerable<WireField> Field(List<WireField> message, int number) => message.Where(f => f.Number == number);

    private static long Step(List<WireField> e) => (long)(Field(e, 2).SingleOrDefault()?.Varint ?? 0);

    private static Dictionary<string, float> Scalars(List<WireField> e)
    {
        var summary = Decode(Field(e, 5).Single().Bytes!);
        var values = new Dictionary<string, float>();
        foreach (var value in Field(summary, 1).Select(v => Decode(v.Bytes!)))
        {
            string tag = Encoding.UTF8.GetString(Field(value, 1).Single().Bytes!);
            var simple = Field(value, 2).Single();
            Assert.Equal(5, simple.WireType);
            values.Add(tag, BinaryPrimitives.ReadSingleLittleEndian(simple.Bytes));
        }
        return values;
    }

    private static uint Masked(uint crc) => ((crc >> 15) | (crc << 17)) + 0xa282ead8u;

    /// <summary>CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit.</summary>
    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFFu;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
        }
        return ~crc;
    }
}
