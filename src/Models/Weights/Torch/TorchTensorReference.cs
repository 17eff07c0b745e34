namespace ModelGen.Models.Weights.Torch;

/// <summary>
/// A tensor of an unpickled checkpoint, not yet read: a strided view of one storage record, from
/// <see cref="Offset"/> (in elements). Several tensors may view the same storage.
/// </summary>
internal sealed class TorchTensorReference
{
    private TorchTensorReference(TorchStorageReference storage, long offset, long[] shape, long[] stride, long elementCount, long end)
    {
        Storage = storage;
        Offset = offset;
        Shape = shape;
        Stride = stride;
        ElementCount = elementCount;
        End = end;
    }

    public TorchStorageReference Storage { get; }

    public long Offset { get; }

    public long[] Shape { get; }

    public long[] Stride { get; }

    public long ElementCount { get; }

    /// <summary>One past the last storage element the view reaches (<see cref="Offset"/> when the tensor is empty).</summary>
    public long End { get; }

    /// <summary>Whether the view is the plain row-major layout of its shape, so the elements from offset to end are the tensor.</summary>
    public bool IsRowMajor
    {
        get
        {
            var expected = 1L;
            for (var i = Shape.Length - 1; i >= 0; i--)
            {
                if (Shape[i] != 1 && Stride[i] != expected)
                    return false;
                expected *= Shape[i];
            }
            return true;
        }
    }

    public string ShapeText => $"[{string.Join(", ", Shape)}]";

    public string StrideText => $"[{string.Join(", ", Stride)}]";

    /// <summary>Checks a view's header values, which come from an untrusted file, so that every size derived from them is exact.</summary>
    public static TorchTensorReference Create(string path, TorchStorageReference storage, long offset, long[] shape, long[] stride)
    {
        var layout = $"shape [{string.Join(", ", shape)}], stride [{string.Join(", ", stride)}] and offset {offset}";
        if (shape.Length != stride.Length)
            throw new WeightFileException(path, $"a tensor has {layout}: the shape and the stride differ in length");
        if (offset < 0 || shape.Any(d => d < 0) || stride.Any(s => s < 0))
            throw new WeightFileException(path, $"a tensor has {layout}: negative values are not allowed");
        if (shape.Contains(0))
            return new TorchTensorReference(storage, offset, shape, stride, 0, offset);
        try
        {
            checked
            {
                var count = 1L;
                var last = 0L;
                for (var i = 0; i < shape.Length; i++)
                {
                    count *= shape[i];
                    last += (shape[i] - 1) * stride[i];
                }
                return new TorchTensorReference(storage, offset, shape, stride, count, offset + last + 1);
            }
        }
        catch (OverflowException)
        {
            throw new WeightFileException(path, $"a tensor has {layout}, whose size overflows 64 bits");
        }
    }
}
