using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/SoftQRobotics.Benchmarks -- --filter '*EnvStep*'
// (--job short for a quicker run, --job dry for a smoke run)
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
