using System.Buffers.Binary;
using System.Text;

namespace ModelGen.Models.Tests.Weights.Torch;

/// <summary>
/// Hand-assembles pickle bytes the way torch.save writes them with protocol 2, so that tests can make
/// checkpoints (and broken or hostile ones) without Python.
/// </summary>
internal sealed class PickleBuilder
{
    private readonly List<byte> _bytes = [0x80, 2];

    public PickleBuilder Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    public PickleBuilder Op(char opcode) => Raw((byte)opcode);

    public PickleBuilder Global(string module, string name) => Op('c').Raw(Encoding.UTF8.GetBytes($"{module}\n{name}\n"));

    public PickleBuilder Str(string text)
    {
        var utf8 = Encoding.UTF8.GetBytes(text);
        var length = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, utf8.Length);
        return Op('X').Raw(length).Raw(utf8);
    }

    /// <summary>BININT for 32-bit values, LONG1 beyond.</summary>
    public PickleBuilder Int(long value)
    {
        if (value is >= int.MinValue and <= int.MaxValue)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(bytes, (int)value);
            return Op('J').Raw(bytes);
        }
        var wide = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(wide, value);
        return Raw(0x8a, 8).Raw(wide);
    }

    public PickleBuilder False() => Raw(0x89);

    public PickleBuilder Mark() => Op('(');

    public PickleBuilder Tuple() => Op('t');

    public PickleBuilder EmptyTuple() => Op(')');

    public PickleBuilder EmptyDict() => Op('}');

    public PickleBuilder EmptyList() => Op(']');

    public PickleBuilder SetItems() => Op('u');

    public PickleBuilder Appends() => Op('e');

    public PickleBuilder Reduce() => Op('R');

    public PickleBuilder Build() => Op('b');

    public PickleBuilder IntTuple(params long[] values)
    {
        Mark();
        foreach (var value in values)
            Int(value);
        return Tuple();
    }

    /// <summary><c>collections.OrderedDict()</c>.</summary>
    public PickleBuilder OrderedDict() => Global("collections", "OrderedDict").EmptyTuple().Reduce();

    /// <summary><c>_rebuild_tensor_v2(storage, offset, shape, stride, False, OrderedDict())</c> on the persistent id of storage record <paramref name="key"/>.</summary>
    public PickleBuilder Tensor(string storageClass, string key, long storageElements, long offset, long[] shape, long[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().Str("storage").Global("torch", storageClass).Str(key).Str("cpu").Int(storageElements).Tuple().Op('Q');
        Int(offset).IntTuple(shape).IntTuple(stride).False().OrderedDict();
        return Tuple().Reduce();
    }

    /// <summary>A row-major tensor viewing a whole storage.</summary>
    public PickleBuilder Tensor(string storageClass, string key, params long[] shape)
    {
        var stride = new long[shape.Length];
        var step = 1L;
        for (var i = shape.Length - 1; i >= 0; i--)
        {
            stride[i] = step;
            step *= shape[i];
        }
        return Tensor(storageClass, key, step, 0, shape, stride);
    }

    public byte[] Stop() => [.. _bytes, (byte)'.'];
}
