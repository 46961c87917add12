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

    /// <summary>
    /// Work handed to an update as <c>beside</c> (the trainer's env step) runs once per update, on the
    /// worker thread when there are two, and changes nothing the update computes.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void WorkBesideAnUpdate_RunsOnce_AndLeavesTheUpdateUnchanged(int threads)
    {
        var settings = new SqlSettings { HiddenSizes = [32, 32], Particles = 8, ValueParticles = 12, BatchSize = 16, TargetUpdateInterval = 7 };
        var plain = new SoftQLearning(5, 3, settings, seed: 4, threads: 1);
        var withBeside = new SoftQLearning(5, 3, settings, seed: 4, threads: threads);
        var rng = new Rng(9);
        var batch = new TransitionBatch(16, 5, 3);
        var scratch = new float[4096];
        int calls = 0, besideThread = 0;
        Action beside = () =>
        {
            calls++;
            besideThread = Environment.CurrentManagedThreadId;
            new Rng(1).FillGaussian(scratch);   // an env step's worth of work
        };
        for (int u = 0; u < 10; u++)
        {
            rng.FillUniform(batch.Observations, -1, 1);
            rng.FillUniform(batch.NextObservations, -1, 1);
            Assert.Equal(plain.Update(batch), withBeside.Update(batch, beside));
            Assert.Equal(u + 1, calls);
            Assert.Equal(threads == 2, besideThread != Environment.CurrentManagedThreadId);
        }
        var states = withBeside.SaveState().ToDictionary(t => t.Name, t => t.Values);
        foreach (var (name, values) in plain.SaveState()) Assert.Equal(values, states[name]);

        // a failure beside the update reaches the caller and leaves the networks as they were
        var before = withBeside.Q.Parameters.ToArray();
        Assert.Throws<InvalidOperationException>(() => withBeside.Update(batch, () => throw new InvalidOperationException("env failed")));
        Assert.Equal(before, withBeside.Q.Parameters);
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
