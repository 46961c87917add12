using System.Globalization;
using System.Xml.Linq;

namespace SoftQRobotics.Envs.Arenas;

/// <summary>Generates an arena model: a robot's MJCF with an arena table's walls and goal marker added to its worldbody.</summary>
public static class ArenaBuilder
{
    /// <summary>Returns <paramref name="robotXml"/> with one box geom per wall and, if the table has a goal, a visual-only goal marker.</summary>
    public static string Build(string robotXml, ArenaTable arena)
    {
        var doc = XDocument.Parse(robotXml);
        var worldbody = doc.Root?.Element("worldbody") ?? throw new InvalidDataException("robot model has no <worldbody>");
        double h = arena.WallHeight;

        // walls collide with the robot (conaffinity 1); both they and the floor belong to the world body, so they never collide with each other
        foreach (var w in arena.Walls)
        {
            worldbody.Add(new XElement("geom",
                new XAttribute("name", $"wall_{w.Name}"),
                new XAttribute("type", "box"),
                new XAttribute("pos", Format(0.5 * (w.X0 + w.X1), 0.5 * (w.Y0 + w.Y1), 0.5 * h)),
                new XAttribute("size", Format(0.5 * (w.X1 - w.X0), 0.5 * (w.Y1 - w.Y0), 0.5 * h)),
                new XAttribute("contype", "1"),
                new XAttribute("conaffinity", "1"),
                new XAttribute("rgba", "0.62 0.6 0.55 1")));
        }

        // the goal is a marker only: it never collides
        if (arena.Goal is var (gx, gy))
        {
            worldbody.Add(new XElement("geom",
                new XAttribute("name", "goal_marker"),
                new XAttribute("type", "box"),
                new XAttribute("pos", Format(gx, gy, 0.01)),
                new XAttribute("size", Format(0.5, 0.5, 0.01)),
                new XAttribute("contype", "0"),
                new XAttribute("conaffinity", "0"),
                new XAttribute("rgba", "0.2 0.3 0.9 1")));
        }
        doc.Root!.SetAttributeValue("model", arena.Name);
        return doc.ToString();
    }

    /// <summary>
    /// Returns <paramref name="modelXml"/> with a visual-only geom added to its worldbody (it never collides, and the world body's
    /// geoms move nothing: the physics is unchanged), e.g. a finish line or a threshold disc for the renderer.
    /// </summary>
    /// <param name="size">MuJoCo's size of <paramref name="type"/> (box: half-extents; cylinder: radius, half-height)</param>
    public static string WithMarker(string modelXml, string name, string type, (double X, double Y, double Z) position, double[] size, string rgba)
    {
        var doc = XDocument.Parse(modelXml);
        var worldbody = doc.Root?.Element("worldbody") ?? throw new InvalidDataException("model has no <worldbody>");
        worldbody.Add(new XElement("geom",
            new XAttribute("name", name),
            new XAttribute("type", type),
            new XAttribute("pos", Format(position.X, position.Y, position.Z)),
            new XAttribute("size", Format(size)),
            new XAttribute("contype", "0"),
            new XAttribute("conaffinity", "0"),
            new XAttribute("rgba", rgba)));
        return doc.ToString();
    }

    private static string Format(params double[] values) =>
        string.Join(' ', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
