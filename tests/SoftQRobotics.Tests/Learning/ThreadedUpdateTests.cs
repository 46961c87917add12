using SoftQRobotics.Core;
using SoftQRobotics.Learning.Agents;
using SoftQRobotics.Learning.Replay;

namespace SoftQRobotics.Tests.Learning;

/// <summary>An SQL update on two threads (the minibatch's two halves at once, each its critic and sampler share) is the same computation as on one.</summary>
public class ThreadedUpdateTests
{
    [Theory]
    [InlineData(false, 16)]
    [InlineData(true, 16)]
    [InlineData(false, 15)]   // odd N: the halves are 8 and 7 states
    [InlineData(false, 1)]    // one state: the second half is empty
    public void TwoThreads_GiveBitIdenticalStates_ToOneThread(bool hardMaxTarget, int batchSize)
    {
        var settings = new SqlSettings { HiddenSizes = [32, 32], Particles = 8, ValueParticles = 12, BatchSize = batchSize, TargetUpdateInterval = 7, Alpha = 0.5 };
        var one = new SoftQLearning(5, 3, settings, seed: 4, threads: 1);
        var two = new SoftQLearning(5, 3, settings, seed: 4, threads: 2);
        if (hardMaxTarget)
        {
            foreach (var agent in new[] { one, two }) agent.SetEntropy(new EntropySettings(0.2, 6, 6, ValueTarget.HardMax));
        }
        var rng = new Rng(9);
        var batch = new TransitionBatch(batchSize, 5, 3);
        for (int u = 0; u < 20; u++)
        {
            rng.FillUniform(batch.Observations, -1, 1);
            rng.FillUniform(batch.Actions, -1, 1);
            rng.FillUniform(batch.Rewards, -1, 1);
            rng.FillUniform(batch.NextObservations, -1, 1);
            var (a, b) = (one.Update(batch), two.Update(batch));
            Assert.Equal(a, b);
        }
        var states = two.SaveState().ToDictionary(t => t.Name, t => t.Values);
        foreach (var (name, values) in one.SaveState()) Assert.Equal(values, states[name]);
    }

    [Fact]
    public void AnExceptionInTheWorkersPart_ReachesTheCaller()
    {
        var pair = new SoftQRobotics.Learning.Nn.ParallelPair();
        bool callerRan = false;
        var e = Assert.Throws<InvalidOperationException>(() => pair.Run(() => throw new InvalidOperationException("worker failed"), () => callerRan = true));
        Assert.Equal("worker failed", e.Message);
        Assert.True(callerRan);
        pair.Run(() => { }, () => { });   // still usable
    }
}
