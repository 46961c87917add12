using System.Globalization;
using System.Net;
using System.Text;

namespace SoftQRobotics.Pipelines.Figures;

/// <summary>
/// A minimal SVG line chart: one panel with axes, ticks, labels, a legend, lines, shaded bands,
/// scatter paths and reference lines, in data coordinates. Figures are built from panels.
/// </summary>
public sealed class SvgChart(string title, string xLabel, string yLabel)
{
    private readonly List<(string Name, string Color, double[] X, double[] Y, double Width, string? Dash)> _lines = [];
    private readonly List<(string Color, double[] X, double[] Low, double[] High)> _bands = [];
    private readonly List<(string Label, string Color, double Value, bool Horizontal)> _references = [];
    private readonly List<(double X, double Y, string Color, double Radius)> _points = [];
    private readonly List<(string Color, double Width, List<(double X1, double Y1, double X2, double Y2)> Segments)> _segments = [];

    /// <summary>Fixed axis ranges (null: from the data).</summary>
    public (double Min, double Max)? XRange { get; set; }
    /// <summary>Fixed axis ranges (null: from the data).</summary>
    public (double Min, double Max)? YRange { get; set; }

    /// <summary>Palette for series in order.</summary>
    public static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

    /// <summary>Colour of reference lines (thresholds, the finish line): black, in no series' palette, so a reference never reads as a run.</summary>
    public const string ReferenceColor = "#000000";

    /// <summary>Adds a polyline; empty <paramref name="name"/> keeps it out of the legend. NaN points break nothing: they are skipped.</summary>
    public SvgChart Line(string name, string color, double[] x, double[] y, double width = 1.8, string? dash = null)
    {
        _lines.Add((name, color, x, y, width, dash));
        return this;
    }

    /// <summary>Adds a shaded band between <paramref name="low"/> and <paramref name="high"/>.</summary>
    public SvgChart Band(string color, double[] x, double[] low, double[] high)
    {
        _bands.Add((color, x, low, high));
        return this;
    }

    /// <summary>Adds a dashed reference line (y = value when horizontal, x = value otherwise).</summary>
    public SvgChart Reference(string label, string color, double value, bool horizontal = true)
    {
        _references.Add((label, color, value, horizontal));
        return this;
    }

    /// <summary>Adds unconnected line segments (contour lines), in data coordinates.</summary>
    public SvgChart Segments(string color, List<(double X1, double Y1, double X2, double Y2)> segments, double width = 0.8)
    {
        _segments.Add((color, width, segments));
        return this;
    }

    /// <summary>Adds a dot.</summary>
    public SvgChart Point(double x, double y, string color, double radius = 3)
    {
        _points.Add((x, y, color, radius));
        return this;
    }

    /// <summary>Renders the panel as an SVG group at (<paramref name="left"/>, <paramref name="top"/>) of the given size.</summary>
    public string RenderPanel(double left, double top, double width, double height)
    {
        const double marginLeft = 62, marginRight = 14, marginTop = 30, marginBottom = 46;
        double plotW = width - marginLeft - marginRight, plotH = height - marginTop - marginBottom;
        var (x0, x1) = XRange ?? Extent(_lines.SelectMany(l => l.X).Concat(_bands.SelectMany(b => b.X)).Concat(_points.Select(p => p.X))
            .Concat(_references.Where(r => !r.Horizontal).Select(r => r.Value)));
        var (y0, y1) = YRange ?? Extent(_lines.SelectMany(l => l.Y).Concat(_bands.SelectMany(b => b.Low.Concat(b.High))).Concat(_points.Select(p => p.Y))
            .Concat(_references.Where(r => r.Horizontal).Select(r => r.Value)));
        double Sx(double x) => left + marginLeft + (x - x0) / (x1 - x0) * plotW;
        double Sy(double y) => top + marginTop + (1 - (y - y0) / (y1 - y0)) * plotH;

        var svg = new StringBuilder();
        svg.Append(Invariant($"<g class=\"panel\"><rect x=\"{left + marginLeft}\" y=\"{top + marginTop}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"white\" stroke=\"#444\"/>\n"));
        svg.Append(Invariant($"<text class=\"title\" x=\"{left + marginLeft + plotW / 2}\" y=\"{top + 18}\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">{Escape(title)}</text>\n"));

        // axes: ticks, grid and labels
        foreach (double t in Ticks(x0, x1))
        {
            double sx = Sx(t);
            svg.Append(Invariant($"<line x1=\"{sx}\" y1=\"{top + marginTop}\" x2=\"{sx}\" y2=\"{top + marginTop + plotH}\" stroke=\"#eee\"/>"));
            svg.Append(Invariant($"<text class=\"tick\" x=\"{sx}\" y=\"{top + marginTop + plotH + 16}\" text-anchor=\"middle\" font-size=\"11\">{Format(t)}</text>\n"));
        }
        foreach (double t in Ticks(y0, y1))
        {
            double sy = Sy(t);
            svg.Append(Invariant($"<line x1=\"{left + marginLeft}\" y1=\"{sy}\" x2=\"{left + marginLeft + plotW}\" y2=\"{sy}\" stroke=\"#eee\"/>"));
            svg.Append(Invariant($"<text class=\"tick\" x=\"{left + marginLeft - 6}\" y=\"{sy + 4}\" text-anchor=\"end\" font-size=\"11\">{Format(t)}</text>\n"));
        }
        svg.Append(Invariant($"<text class=\"xlabel\" x=\"{left + marginLeft + plotW / 2}\" y=\"{top + height - 8}\" text-anchor=\"middle\" font-size=\"12\">{Escape(xLabel)}</text>\n"));
        svg.Append(Invariant($"<text class=\"ylabel\" transform=\"translate({left + 16},{top + marginTop + plotH / 2}) rotate(-90)\" text-anchor=\"middle\" font-size=\"12\">{Escape(yLabel)}</text>\n"));

        // data, clipped to the plot area
        string clip = $"clip{Guid.NewGuid():N}";
        svg.Append(Invariant($"<clipPath id=\"{clip}\"><rect x=\"{left + marginLeft}\" y=\"{top + marginTop}\" width=\"{plotW}\" height=\"{plotH}\"/></clipPath><g clip-path=\"url(#{clip})\">\n"));
        foreach (var (color, x, low, high) in _bands)
        {
            var upper = x.Select((v, i) => (v, high[i])).Where(p => double.IsFinite(p.Item2)).Select(p => $"{Format(Sx(p.v))},{Format(Sy(p.Item2))}");
            var lower = x.Select((v, i) => (v, low[i])).Where(p => double.IsFinite(p.Item2)).Reverse().Select(p => $"{Format(Sx(p.v))},{Format(Sy(p.Item2))}");
            svg.Append($"<polygon class=\"band\" points=\"{string.Join(' ', upper.Concat(lower))}\" fill=\"{color}\" fill-opacity=\"0.2\" stroke=\"none\"/>\n");
        }
        foreach (var (_, color, x, y, lineWidth, dash) in _lines)
        {
            var points = x.Select((v, i) => (v, y[i])).Where(p => double.IsFinite(p.v) && double.IsFinite(p.Item2)).Select(p => $"{Format(Sx(p.v))},{Format(Sy(p.Item2))}");
            string dashAttribute = dash is null ? "" : $" stroke-dasharray=\"{dash}\"";
            svg.Append(Invariant($"<path class=\"series\" d=\"M{string.Join(" L", points)}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{lineWidth}\"{dashAttribute}/>\n"));
        }
        foreach (var (color, lineWidth, segments) in _segments)
        {
            var d = string.Concat(segments.Select(g => $"M{Format(Sx(g.X1))},{Format(Sy(g.Y1))}L{Format(Sx(g.X2))},{Format(Sy(g.Y2))}"));
            svg.Append(Invariant($"<path class=\"contour\" d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"{lineWidth}\"/>\n"));
        }
        foreach (var (x, y, color, radius) in _points)
        {
            svg.Append(Invariant($"<circle class=\"point\" cx=\"{Sx(x)}\" cy=\"{Sy(y)}\" r=\"{radius}\" fill=\"{color}\"/>"));
        }
        foreach (var (label, color, value, horizontal) in _references)
        {
            var (xa, ya, xb, yb) = horizontal ? (Sx(x0), Sy(value), Sx(x1), Sy(value)) : (Sx(value), Sy(y0), Sx(value), Sy(y1));
            svg.Append(Invariant($"<line class=\"reference\" x1=\"{xa}\" y1=\"{ya}\" x2=\"{xb}\" y2=\"{yb}\" stroke=\"{color}\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"><title>{Escape(label)}</title></line>\n"));
        }
        svg.Append("</g>\n");

        // legend: named lines and reference lines
        var entries = _lines.Where(l => l.Name.Length > 0).Select(l => (l.Name, l.Color)).Concat(_references.Select(r => (Name: r.Label, r.Color))).Distinct().ToList();
        double legendWidth = 32 + 6.6 * entries.Select(e => e.Name.Length).DefaultIfEmpty(0).Max();
        if (entries.Count > 0)
        {
            svg.Append(Invariant($"<rect x=\"{left + marginLeft + plotW - legendWidth - 6}\" y=\"{top + marginTop + 4}\" width=\"{legendWidth}\" height=\"{16 * entries.Count + 6}\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n"));
        }
        for (int i = 0; i < entries.Count; i++)
        {
            double ly = top + marginTop + 18 + 16 * i, lx = left + marginLeft + plotW - legendWidth;
            svg.Append(Invariant($"<g class=\"legend\"><line x1=\"{lx}\" y1=\"{ly - 4}\" x2=\"{lx + 18}\" y2=\"{ly - 4}\" stroke=\"{entries[i].Color}\" stroke-width=\"3\"/><text x=\"{lx + 24}\" y=\"{ly}\" font-size=\"11\">{Escape(entries[i].Name)}</text></g>\n"));
        }
        svg.Append("</g>\n");
        return svg.ToString();
    }

    /// <summary>Lays panels out in a grid and returns the SVG document.</summary>
    public static string Document(IReadOnlyList<SvgChart> panels, int columns, double panelWidth = 420, double panelHeight = 300, string? heading = null)
    {
        int rows = (panels.Count + columns - 1) / columns;
        double headingHeight = heading is null ? 0 : 28;
        double width = columns * panelWidth, height = rows * panelHeight + headingHeight;
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"DejaVu Sans, Arial, sans-serif\">\n"));
        svg.Append(Invariant($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"));
        if (heading is not null) svg.Append(Invariant($"<text x=\"{width / 2}\" y=\"20\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\">{Escape(heading)}</text>\n"));
        for (int i = 0; i < panels.Count; i++)
        {
            svg.Append(panels[i].RenderPanel(i % columns * panelWidth, headingHeight + i / columns * panelHeight, panelWidth, panelHeight));
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static (double, double) Extent(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToArray();
        if (finite.Length == 0) return (0, 1);
        double min = finite.Min(), max = finite.Max();
        if (max - min < 1e-12) (min, max) = (min - 1, max + 1);
        double pad = 0.04 * (max - min);
        return (min - pad, max + pad);
    }

    private static IEnumerable<double> Ticks(double min, double max)
    {
        double raw = (max - min) / 5, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        for (double t = Math.Ceiling(min / step) * step; t <= max + 1e-9 * step; t += step) yield return Math.Abs(t) < 1e-12 * step ? 0 : t;
    }

    private static string Format(double v) => v.ToString(Math.Abs(v) >= 1000 || v == Math.Round(v) ? "0.##" : "0.###", CultureInfo.InvariantCulture);
    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    private static string Escape(string s) => WebUtility.HtmlEncode(s);
}
