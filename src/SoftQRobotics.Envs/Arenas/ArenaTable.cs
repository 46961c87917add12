using System.Text.Json;
using System.Text.Json.Serialization;
using SoftQRobotics.Envs.Mujoco;

namespace SoftQRobotics.Envs.Arenas;

/// <summary>An axis-aligned wall footprint: x ∈ [X0, X1], y ∈ [Y0, Y1], standing on the floor.</summary>
public readonly record struct Wall(string Name, double X0, double X1, double Y0, double Y1)
{
    /// <summary>Whether the point (x, y) lies inside the footprint.</summary>
    public bool Contains(double x, double y) => x > X0 && x < X1 && y > Y0 && y < Y1;
}

/// <summary>
/// An arena as data: wall footprints and an optional goal, read from models/arenas/NAME.json.
/// Adding an arena means adding a table.
/// </summary>
public sealed record ArenaTable(string Name, string Description, double WallHeight, IReadOnlyList<Wall> Walls, (double X, double Y)? Goal)
{
    /// <summary>Reads models/arenas/<paramref name="name"/>.json.</summary>
    /// <exception cref="InvalidDataException">the table is malformed; the message names the file and the problem.</exception>
    public static ArenaTable Load(string name) => Parse(name, ModelFiles.Read(Path.Combine("arenas", name + ".json")));

    /// <summary>Parses a table from JSON text.</summary>
    /// <exception cref="InvalidDataException">the table is malformed; the message names the arena and the problem.</exception>
    public static ArenaTable Parse(string name, string json)
    {
        TableJson table;
        try
        {
            table = JsonSerializer.Deserialize<TableJson>(json, Options) ?? throw new InvalidDataException($"arena '{name}': empty table");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"arena '{name}': malformed table: {e.Message}");
        }
        if (table.Walls is null) throw new InvalidDataException($"arena '{name}': 'walls' is missing");
        if (table.WallHeight is not > 0) throw new InvalidDataException($"arena '{name}': 'wall_height' must be positive");

        var walls = new List<Wall>();
        foreach (var w in table.Walls)
        {
            string wallName = w.Name ?? $"wall_{walls.Count}";
            if (w.X is not { Length: 2 } || w.Y is not { Length: 2 } || !(w.X[0] < w.X[1]) || !(w.Y[0] < w.Y[1]))
            {
                throw new InvalidDataException($"arena '{name}': wall '{wallName}' needs 'x' and 'y' as [low, high] with low < high");
            }
            walls.Add(new Wall(wallName, w.X[0], w.X[1], w.Y[0], w.Y[1]));
        }
        if (table.Goal is not null and not { Length: 2 }) throw new InvalidDataException($"arena '{name}': 'goal' must be [x, y]");
        (double, double)? goal = table.Goal is { } g ? (g[0], g[1]) : null;
        return new ArenaTable(name, table.Description ?? "", table.WallHeight.Value, walls, goal);
    }

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private sealed record WallJson(string? Name, double[]? X, double[]? Y);

    private sealed record TableJson(string? Description, double? WallHeight, WallJson[]? Walls, double[]? Goal);
}
