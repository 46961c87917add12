namespace SoftQRobotics.Learning.Nn;

/// <summary>Row-matrix helpers for building network inputs.</summary>
public static class Rows
{
    /// <summary>destination row i = left row i ⧺ right row i, for <paramref name="count"/> rows: (count × leftWidth) and (count × rightWidth) into (count × leftWidth+rightWidth).</summary>
    public static void Join(ReadOnlySpan<float> left, int leftWidth, ReadOnlySpan<float> right, int rightWidth, Span<float> destination, int count)
    {
        int width = leftWidth + rightWidth;
        if (destination.Length < count * width) throw new ArgumentException($"destination holds {destination.Length} values, {count} rows of {width} need more", nameof(destination));
        for (int i = 0; i < count; i++)
        {
            left.Slice(i * leftWidth, leftWidth).CopyTo(destination.Slice(i * width, leftWidth));
            right.Slice(i * rightWidth, rightWidth).CopyTo(destination.Slice(i * width + leftWidth, rightWidth));
        }
    }
}
