using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ModelGen.Models.IO;
using static TorchSharp.torch;

namespace ModelGen.Models.Weights.Torch;

/// <summary>
/// Writes named tensors as <c>torch.save</c> does (its zip format, pickle protocol 2), so that PyTorch's
/// <c>torch.load</c> and mmengine's checkpoint loaders read them: a dict <c>{wrapKey: OrderedDict(name → tensor)}</c>,
/// or the OrderedDict itself without a key. Only what <c>torch.load(weights_only=True)</c> accepts is written
/// (<c>collections.OrderedDict</c>, <c>torch._utils._rebuild_tensor_v2</c>, typed storages). The file is written atomically.
/// </summary>
public static class TorchCheckpointWriter
{
    private const string Archive = "archive";

    /// <param name="wrapKey">The top-level key the state dict goes under (mmengine reads <c>state_dict</c>), or null for a bare state dict.</param>
    /// <exception cref="NotSupportedException">A tensor has a dtype without a torch storage class here.</exception>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, string? wrapKey = "state_dict")
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        using var scope = NewDisposeScope();
        var entries = tensors.Select(t => (Name: t.Key, Storage: StorageClass(t.Key, t.Value.dtype), Data: t.Value.detach().cpu().contiguous())).ToList();
        WriteArchive(path, Pickle(entries, wrapKey), entries);
    }

    /// <summary>
    /// Writes one tensor as <c>torch.save(tensor)</c> does: the pickle's root is the tensor itself, as upstream's
    /// <c>BackboneDump</c> writes its <c>&lt;stem&gt;_&lt;model&gt;_cache.pth</c> files.
    /// </summary>
    public static void WriteTensor(string path, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensor);
        using var scope = NewDisposeScope();
        List<(string Name, string Storage, Tensor Data)> entries = [("tensor", StorageClass("tensor", tensor.dtype), tensor.detach().cpu().contiguous())];
        var p = new MemoryStream();
        p.Write([0x80, 2]); // PROTO 2
        RebuiltTensor(p, 0, entries[0].Storage, entries[0].Data);
        p.WriteByte((byte)'.'); // STOP
        WriteArchive(path, p.ToArray(), entries);
    }

    private static void WriteArchive(string path, byte[] pickle, List<(string Name, string Storage, Tensor Data)> entries)
    {
        AtomicFile.Write(path, stream =>
        {
            using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            WriteEntry(zip, "data.pkl", s => s.Write(pickle));
            for (var i = 0; i < entries.Count; i++)
            {
                var data = entries[i].Data;
                WriteEntry(zip, $"data/{i}", s => TensorBytes.ForEachPiece(data, (piece, _) => s.Write(piece)));
            }
            WriteEntry(zip, "version", s => s.Write("3\n"u8));
            WriteEntry(zip, "byteorder", s => s.Write("little"u8));
        });
    }

    private static void WriteEntry(ZipArchive zip, string name, Action<Stream> write)
    {
        using var entry = zip.CreateEntry($"{Archive}/{name}", CompressionLevel.NoCompression).Open();
        write(entry);
    }

    private static byte[] Pickle(List<(string Name, string Storage, Tensor Data)> entries, string? wrapKey)
    {
        var p = new MemoryStream();
        p.Write([0x80, 2]); // PROTO 2
        if (wrapKey is not null)
        {
            p.WriteByte((byte)'}'); // EMPTY_DICT
            Text(p, wrapKey);
        }
        OrderedDict(p);
        if (entries.Count > 0)
        {
            p.WriteByte((byte)'('); // MARK
            for (var i = 0; i < entries.Count; i++)
            {
                var (name, storage, data) = entries[i];
                Text(p, name);
                RebuiltTensor(p, i, storage, data);
            }
            p.WriteByte((byte)'u'); // SETITEMS
        }
        if (wrapKey is not null)
            p.WriteByte((byte)'s'); // SETITEM
        p.WriteByte((byte)'.'); // STOP
        return p.ToArray();
    }

    /// <summary><c>torch._utils._rebuild_tensor_v2(storage, 0, shape, stride, False, OrderedDict())</c> over the archive's record <paramref name="key"/>.</summary>
    private static void RebuiltTensor(MemoryStream p, int key, string storage, Tensor data)
    {
        Global(p, "torch._utils", "_rebuild_tensor_v2");
        p.WriteByte((byte)'(');
        // The storage as a persistent id: ('storage', torch.XStorage, key, location, size).
        p.WriteByte((byte)'(');
        Text(p, "storage");
        Global(p, "torch", storage);
        Text(p, key.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Text(p, "cpu");
        Integer(p, data.numel());
        p.WriteByte((byte)'t'); // TUPLE
        p.WriteByte((byte)'Q'); // BINPERSID
        Integer(p, 0);
        Tuple(p, data.shape);
        Tuple(p, data.stride());
        p.WriteByte(0x89); // NEWFALSE: requires_grad
        OrderedDict(p); // backward hooks
        p.WriteByte((byte)'t');
        p.WriteByte((byte)'R'); // REDUCE
    }

    private static void OrderedDict(MemoryStream p)
    {
        Global(p, "collections", "OrderedDict");
        p.WriteByte((byte)')'); // EMPTY_TUPLE
        p.WriteByte((byte)'R');
    }

    private static void Global(MemoryStream p, string module, string name)
    {
        p.WriteByte((byte)'c');
        p.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    }

    private static void Text(MemoryStream p, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)bytes.Length);
        p.WriteByte((byte)'X'); // BINUNICODE
        p.Write(length);
        p.Write(bytes);
    }

    private static void Integer(MemoryStream p, long value)
    {
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
            p.WriteByte((byte)'J'); // BININT
            p.Write(bytes);
            return;
        }
        Span<byte> wide = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(wide, value);
        p.Write([0x8a, 8]); // LONG1, 8 bytes
        p.Write(wide);
    }

    private static void Tuple(MemoryStream p, long[] values)
    {
        p.WriteByte((byte)'(');
        foreach (var value in values)
            Integer(p, value);
        p.WriteByte((byte)'t');
    }

    private static string StorageClass(string name, ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "FloatStorage",
        ScalarType.Float64 => "DoubleStorage",
        ScalarType.Float16 => "HalfStorage",
        ScalarType.BFloat16 => "BFloat16Storage",
        ScalarType.Int64 => "LongStorage",
        ScalarType.Int32 => "IntStorage",
        ScalarType.Int16 => "ShortStorage",
        ScalarType.Int8 => "CharStorage",
        ScalarType.Byte => "ByteStorage",
        ScalarType.Bool => "BoolStorage",
        _ => throw new NotSupportedException($"Tensor '{name}' has dtype {dtype}, which has no torch storage class here."),
    };
}
