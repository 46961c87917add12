namespace SoftQRobotics.Pipelines;

/// <summary>Short names for runs of several configs in one figure or plot: the part of each config name that the others do not share.</summary>
public static class RunNames
{
    /// <summary>
    /// Each name without the leading and trailing parts every name shares: first whole '.'-separated parts, then
    /// '-'-separated words (e.g. swimmer-finish-line.sql.temp-alpha and swimmer-finish-line.sql.temp-reward-scale give
    /// alpha and reward-scale). A name that would lose everything keeps its last part; equal names stay whole.
    /// </summary>
    /// <returns>one short name per name, in order</returns>
    public static string[] Distinguishing(IReadOnlyList<string> names)
    {
        if (names.Distinct().Count() < 2) return names.ToArray();
        var parts = TrimShared(names.Select(n => n.Split('.')).ToArray());
        var words = TrimShared(parts.Select(p => string.Join('.', p).Split('-')).ToArray());
        return words.Select(w => string.Join('-', w)).ToArray();
    }

    /// <summary>Drops the leading, then the trailing, tokens that every sequence shares, keeping at least one token in each.</summary>
    private static string[][] TrimShared(string[][] sequences)
    {
        int shortest = sequences.Min(s => s.Length);
        int lead = 0;
        while (lead < shortest - 1 && sequences.All(s => s[lead] == sequences[0][lead])) lead++;
        int trail = 0;
        while (trail < shortest - lead - 1 && sequences.All(s => s[^(trail + 1)] == sequences[0][^(trail + 1)])) trail++;
        return sequences.Select(s => s[lead..(s.Length - trail)]).ToArray();
    }
}
