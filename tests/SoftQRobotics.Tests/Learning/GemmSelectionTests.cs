using System.Text.Json.Nodes;
using SoftQRobotics.Learning.Blas;

namespace SoftQRobotics.Tests.Learning;

/// <summary>SOFTQ_GEMM=auto: the fastest backend measured on a run's products, cached per machine, never trusted when the cache is corrupt or stale.</summary>
public class GemmSelectionTests : IDisposable
{
    private static readonly GemmShape[] Products = [new(false, false, 64, 64, 96), new(true, false, 64, 32, 128), new(false, true, 32, 64, 64)];
    private readonly string _folder = Directory.CreateTempSubdirectory("softq-gemm-choice-").FullName;

    private string CacheFile => Path.Combine(_folder, "softq", "gemm-choice.json");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void AMeasurement_IsCached_AndReadBackOnTheSameKey()
    {
        var first = GemmSelection.ChooseByMeasurement("sql", Products, CacheFile);
        Assert.Equal("measured", first.Reason);
        Assert.Equal(3, first.MicrosecondsPerUpdate.Count);   // every installed backend
        Assert.Equal(GemmSelection.Fastest(first.MicrosecondsPerUpdate), first.Backend);
        Assert.True(File.Exists(CacheFile));

        var second = GemmSelection.ChooseByMeasurement("sql", Products, CacheFile);
        Assert.Equal("cached", second.Reason);
        Assert.Equal(first.Backend, second.Backend);
        Assert.Equal(first.Key, second.Key);

        // another algorithm or other products: another key, measured beside the first
        Assert.Equal("measured", GemmSelection.ChooseByMeasurement("ddpg", Products, CacheFile).Reason);
        Assert.Equal("measured", GemmSelection.ChooseByMeasurement("sql", Products[..2], CacheFile).Reason);
        Assert.Equal(3, JsonNode.Parse(File.ReadAllText(CacheFile))!["entries"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("")]
    [InlineData("{\"format\": 7, \"entries\": []}")]
    [InlineData("{\"format\": 1, \"entries\": [{\"key\": {}}]}")]
    public void ACorruptCache_IsMeasuredAgain_AndRewritten(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(CacheFile)!);
        File.WriteAllText(CacheFile, content);
        var reports = new List<string>();
        var choice = GemmSelection.ChooseByMeasurement("sql", Products, CacheFile, reports.Add);
        Assert.Equal("measured", choice.Reason);
        var line = Assert.Single(reports);
        Assert.Contains("is unreadable", line);
        Assert.DoesNotContain('\n', line);
        Assert.Equal("cached", GemmSelection.ChooseByMeasurement("sql", Products, CacheFile).Reason);   // rewritten whole
    }

    [Fact]
    public void AnEntryThatDoesNotHoldTogether_OrAnotherMachinesEntry_IsNotTrusted()
    {
        var measured = GemmSelection.ChooseByMeasurement("sql", Products, CacheFile);
        var root = JsonNode.Parse(File.ReadAllText(CacheFile))!;
        var entry = root["entries"]![0]!;

        // its backend is not the one its own figures choose (not "the slowest": within the margin the slowest can be the choice)
        var notChosen = measured.MicrosecondsPerUpdate.Keys.First(name => name != Gemm.NameOf(measured.Backend));
        entry["backend"] = notChosen;
        File.WriteAllText(CacheFile, root.ToJsonString());
        Assert.Equal("measured", GemmSelection.ChooseByMeasurement("sql", Products, CacheFile).Reason);

        // the same products measured with other libraries (an upgrade) or on another CPU: stale, so measured again
        root = JsonNode.Parse(File.ReadAllText(CacheFile))!;
        root["entries"]![0]!["key"]!["libraries"] = "OpenBLAS 0.3.20 Haswell; oneDNN 2.5.0 avx2; BLIS 0.8.1 zen2";
        root["entries"]![0]!["key"]!["cpu"] = "another CPU";
        File.WriteAllText(CacheFile, root.ToJsonString());
        Assert.Equal("measured", GemmSelection.ChooseByMeasurement("sql", Products, CacheFile).Reason);
    }

    [Fact]
    public void Fastest_KeepsTheEarlierBackendWithinTheMargin()
    {
        Assert.Equal(GemmBackend.OneDnn, GemmSelection.Fastest(new Dictionary<string, double> { ["openblas"] = 100, ["onednn"] = 90, ["blis"] = 95 }));
        Assert.Equal(GemmBackend.OpenBlas, GemmSelection.Fastest(new Dictionary<string, double> { ["openblas"] = 100, ["onednn"] = 99, ["blis"] = 300 }));
        Assert.Equal(GemmBackend.Blis, GemmSelection.Fastest(new Dictionary<string, double> { ["blis"] = 5 }));
        Assert.Throws<ArgumentException>(() => GemmSelection.Fastest(new Dictionary<string, double>()));
    }
}
