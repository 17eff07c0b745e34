using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace ModelGen.Models.Weights.Torch;

/// <summary>
/// Reads the pickle of a torch.save archive without running any of it. Values become plain data:
/// null, bool, long (or <see cref="BigInteger"/>), double, string, byte[], <see cref="List{T}"/> (list),
/// object?[] (tuple), <see cref="HashSet{T}"/> (set), <see cref="PickleDict"/>, <see cref="TorchStorageReference"/>,
/// <see cref="TorchTensorReference"/>, <see cref="OpaquePickleValue"/>. Globals come from
/// <see cref="PickleAllowList"/> only. The reader is a loop over opcodes with no recursion; the value
/// stack, the MARK nesting and the memo are bounded, and every length is checked against the bytes left.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private const int MaxStackItems = 1 << 20;
    private const int MaxMarkDepth = 1000;
    private const int MaxMemoEntries = 1 << 22;
    private const int HighestProtocol = 5;

    private readonly string _path;
    private readonly byte[] _data;
    private readonly List<object?> _stack = [];
    private readonly List<int> _marks = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _position;
    private int? _protocol;

    private RestrictedUnpickler(string path, byte[] data)
    {
        _path = path;
        _data = data;
    }

    /// <param name="path">The checkpoint, for messages.</param>
    /// <returns>The unpickled value and the protocol its PROTO opcode names (null without one: protocol 0 or 1).</returns>
    public static (object? Value, int? Protocol) Load(string path, byte[] pickle)
    {
        var reader = new RestrictedUnpickler(path, pickle);
        var value = reader.Run();
        return (value, reader._protocol);
    }

    /// <summary>A value's kind in Python terms, for messages: "a list", "a tensor", ...</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        bool => "a bool",
        long or BigInteger => "an int",
        double => "a float",
        string => "a str",
        byte[] => "bytes",
        List<object?> => "a list",
        object?[] => "a tuple",
        HashSet<object?> => "a set",
        PickleDict => "a dict",
        TorchTensorReference => "a tensor",
        TorchStorageReference => "a storage",
        OpaquePickleValue opaque => $"an opaque '{opaque.Global}' value",
        PickleGlobal global => $"the global '{global.Name}'",
        _ => value.GetType().Name,
    };

    private object? Run()
    {
        while (true)
        {
            var at = _position;
            var op = (PickleOpcode)ReadByte();
            switch (op)
            {
                case PickleOpcode.Proto:
                    var protocol = ReadByte();
                    if (protocol > HighestProtocol)
                        throw Malformed($"it names pickle protocol {protocol}; the highest known is {HighestProtocol}");
                    _protocol = protocol;
                    break;
                case PickleOpcode.Frame:
                    ReadUInt64();
                    break;
                case PickleOpcode.Stop:
                    return Pop();

                case PickleOpcode.Mark:
                    if (_marks.Count >= MaxMarkDepth)
                        throw Malformed($"it nests more than {MaxMarkDepth} MARKs");
                    _marks.Add(_stack.Count);
                    break;
                case PickleOpcode.Pop:
                    if (_stack.Count > FrameStart)
                        _stack.RemoveAt(_stack.Count - 1);
                    else
                        PopMark();
                    break;
                case PickleOpcode.PopMark:
                    PopMark();
                    break;
                case PickleOpcode.Dup:
                    Push(Peek());
                    break;

                case PickleOpcode.None:
                    Push(null);
                    break;
                case PickleOpcode.NewTrue:
                    Push(true);
                    break;
                case PickleOpcode.NewFalse:
                    Push(false);
                    break;
                case PickleOpcode.BinInt:
                    Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4)));
                    break;
                case PickleOpcode.BinInt1:
                    Push((long)ReadByte());
                    break;
                case PickleOpcode.BinInt2:
                    Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2)));
                    break;
                case PickleOpcode.Long1:
                    Push(ReadLong(ReadByte()));
                    break;
                case PickleOpcode.Long4:
                    Push(ReadLong(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(Take(4)))));
                    break;
                case PickleOpcode.BinFloat:
                    Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8)));
                    break;

                case PickleOpcode.ShortBinUnicode:
                case PickleOpcode.ShortBinString:
                    Push(Encoding.UTF8.GetString(Take(ReadByte())));
                    break;
                case PickleOpcode.BinUnicode:
                    Push(Encoding.UTF8.GetString(Take(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))))));
                    break;
                case PickleOpcode.BinString:
                    Push(Encoding.UTF8.GetString(Take(ReadLength(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))));
                    break;
                case PickleOpcode.BinUnicode8:
                    Push(Encoding.UTF8.GetString(Take(ReadLength(ReadUInt64()))));
                    break;
                case PickleOpcode.ShortBinBytes:
                    Push(Take(ReadByte()).ToArray());
                    break;
                case PickleOpcode.BinBytes:
                    Push(Take(ReadLength(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))).ToArray());
                    break;
                case PickleOpcode.BinBytes8:
                case PickleOpcode.ByteArray8:
                    Push(Take(ReadLength(ReadUInt64())).ToArray());
                    break;

                case PickleOpcode.EmptyTuple:
                    Push(Array.Empty<object?>());
                    break;
                case PickleOpcode.Tuple1:
                    Push(new[] { Pop() });
                    break;
                case PickleOpcode.Tuple2:
                {
                    var second = Pop();
                    Push(new[] { Pop(), second });
                    break;
                }
                case PickleOpcode.Tuple3:
                {
                    var third = Pop();
                    var second = Pop();
                    Push(new[] { Pop(), second, third });
                    break;
                }
                case PickleOpcode.Tuple:
                    Push(PopMark());
                    break;
                case PickleOpcode.EmptyList:
                    Push(new List<object?>());
                    break;
                case PickleOpcode.List:
                    Push(new List<object?>(PopMark()));
                    break;
                case PickleOpcode.Append:
                {
                    var item = Pop();
                    Append(Peek(), [item]);
                    break;
                }
                case PickleOpcode.Appends:
                {
                    var items = PopMark();
                    Append(Peek(), items);
                    break;
                }
                case PickleOpcode.EmptyDict:
                    Push(new PickleDict());
                    break;
                case PickleOpcode.Dict:
                {
                    var dict = new PickleDict();
                    SetItems(dict, PopMark());
                    Push(dict);
                    break;
                }
                case PickleOpcode.SetItem:
                {
                    var value = Pop();
                    var key = Pop();
                    SetItems(Peek(), [key, value]);
                    break;
                }
                case PickleOpcode.SetItems:
                {
                    var items = PopMark();
                    SetItems(Peek(), items);
                    break;
                }
                case PickleOpcode.EmptySet:
                    Push(new HashSet<object?>());
                    break;
                case PickleOpcode.FrozenSet:
                    Push(new HashSet<object?>(PopMark()));
                    break;
                case PickleOpcode.AddItems:
                {
                    var items = PopMark();
                    AddItems(Peek(), items);
                    break;
                }

                case PickleOpcode.BinPut:
                    Memoize(ReadByte());
                    break;
                case PickleOpcode.LongBinPut:
                    Memoize(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)));
                    break;
                case PickleOpcode.Memoize:
                    Memoize(_memo.Count);
                    break;
                case PickleOpcode.BinGet:
                    Push(Recall(ReadByte()));
                    break;
                case PickleOpcode.LongBinGet:
                    Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(Take(4))));
                    break;

                case PickleOpcode.Global:
                {
                    var module = ReadLine();
                    Push(Resolve(module, ReadLine()));
                    break;
                }
                case PickleOpcode.StackGlobal:
                {
                    var name = Pop();
                    var module = Pop();
                    if (module is not string moduleName || name is not string globalName)
                        throw Malformed($"STACK_GLOBAL at byte {at} names a global by {Describe(module)} and {Describe(name)}, not two strings");
                    Push(Resolve(moduleName, globalName));
                    break;
                }
                case PickleOpcode.BinPersId:
                    Push(LoadPersistent(Pop()));
                    break;
                case PickleOpcode.Reduce:
                {
                    var arguments = Pop();
                    Push(Call(Pop(), arguments));
                    break;
                }
                case PickleOpcode.NewObj:
                {
                    var arguments = Pop();
                    Push(Construct(Pop(), arguments));
                    break;
                }
                case PickleOpcode.NewObjEx:
                {
                    Pop();
                    var arguments = Pop();
                    Push(Construct(Pop(), arguments));
                    break;
                }
                case PickleOpcode.Build:
                {
                    var state = Pop();
                    SetState(Peek(), state);
                    break;
                }

                default:
                    throw Enum.IsDefined(op)
                        ? new WeightFileException(_path, $"the checkpoint's pickle uses the opcode {op} (0x{(byte)op:x2}) at byte {at}, which torch.save does not write and this reader does not support")
                        : Malformed($"it has the unknown opcode 0x{(byte)op:x2} at byte {at}");
            }
        }
    }

    private PickleGlobal Resolve(string module, string name)
    {
        var dotted = $"{module}.{name}";
        return PickleAllowList.Find(dotted)
            ?? throw new WeightFileException(_path, $"refusing to load: the pickle asks for the global '{dotted}', which a weights file never needs");
    }

    /// <summary>torch.save names each storage by a persistent id ('storage', storage class, key, location, element count).</summary>
    private TorchStorageReference LoadPersistent(object? id)
    {
        if (id is object?[] { Length: 5 } fields
            && fields[0] is "storage"
            && fields[1] is PickleGlobal { Kind: PickleGlobalKind.Storage, StorageDType: { } dtype }
            && fields[2] is string key
            && fields[3] is string
            && fields[4] is long count and >= 0)
            return new TorchStorageReference(key, dtype, count);
        throw Malformed($"it has a persistent id that is not a torch storage reference ({Describe(id)})");
    }

    private object? Call(object? callable, object? arguments)
    {
        if (callable is OpaquePickleValue opaque)
            return opaque;
        if (callable is not PickleGlobal global)
            throw Malformed($"it calls {Describe(callable)}, which is not callable");
        if (arguments is not object?[] args)
            throw Malformed($"it calls '{global.Name}' with {Describe(arguments)} instead of an argument tuple");

        switch (global.Kind)
        {
            case PickleGlobalKind.OrderedDict:
            {
                var dict = new PickleDict();
                if (args.Length == 1 && args[0] is IEnumerable<object?> pairs)
                {
                    foreach (var pair in pairs)
                    {
                        if (pair is not IList<object?> { Count: 2 } keyValue)
                            throw Malformed($"it builds an OrderedDict from {Describe(pair)} instead of a key-value pair");
                        dict.Set(keyValue[0], keyValue[1]);
                    }
                }
                else if (args.Length != 0)
                    throw Malformed($"it builds an OrderedDict from {args.Length} arguments");
                return dict;
            }
            case PickleGlobalKind.Set:
                return args switch
                {
                    [] => new HashSet<object?>(),
                    [IEnumerable<object?> items] => new HashSet<object?>(items),
                    _ => throw Malformed($"it builds a set from {args.Length} arguments"),
                };
            case PickleGlobalKind.RebuildTensor when args.Length == 4:
            case PickleGlobalKind.RebuildTensorV2 when args.Length is 6 or 7:
                return RebuildTensor(global.Name, args);
            case PickleGlobalKind.RebuildParameter when args.Length == 3:
            case PickleGlobalKind.RebuildParameterWithState when args.Length == 4:
                return args[0] as TorchTensorReference ?? throw Malformed($"it makes a parameter of {Describe(args[0])}");
            case PickleGlobalKind.Opaque:
                return new OpaquePickleValue(global.Name);
            case PickleGlobalKind.Storage:
                throw Malformed($"it calls the storage class '{global.Name}', which torch.save only names in persistent ids");
            default:
                throw Malformed($"it calls '{global.Name}' with {args.Length} arguments");
        }
    }

    private TorchTensorReference RebuildTensor(string function, object?[] args)
    {
        if (args[0] is not TorchStorageReference storage)
            throw Malformed($"it calls '{function}' on {Describe(args[0])} instead of a storage");
        if (args[1] is not long offset)
            throw Malformed($"it calls '{function}' with the storage offset {Describe(args[1])}");
        return TorchTensorReference.Create(_path, storage, offset, Integers(function, "size", args[2]), Integers(function, "stride", args[3]));
    }

    private long[] Integers(string function, string what, object? value)
    {
        if (value is object?[] items && items.All(i => i is long))
            return items.Select(i => (long)i!).ToArray();
        throw Malformed($"it calls '{function}' with a {what} that is {Describe(value)}, not a tuple of ints");
    }

    /// <summary>NEWOBJ: class.__new__(class, *args). Only opaque classes and the containers are ever constructed.</summary>
    private object Construct(object? type, object? arguments)
    {
        if (arguments is not object?[])
            throw Malformed($"it constructs {Describe(type)} with {Describe(arguments)} instead of an argument tuple");
        return type switch
        {
            OpaquePickleValue opaque => opaque,
            PickleGlobal { Kind: PickleGlobalKind.Opaque } global => new OpaquePickleValue(global.Name),
            PickleGlobal { Kind: PickleGlobalKind.OrderedDict } => new PickleDict(),
            PickleGlobal { Kind: PickleGlobalKind.Set } => new HashSet<object?>(),
            _ => throw Malformed($"it constructs an object of {Describe(type)}, which is not a class"),
        };
    }

    /// <summary>BUILD. An OrderedDict's state (mmengine's <c>_metadata</c> of module versions) says nothing about the tensors and is dropped.</summary>
    private void SetState(object? target, object? state)
    {
        switch (target)
        {
            case OpaquePickleValue:
                return;
            case PickleDict when state is PickleDict or object?[] { Length: 2 } and [PickleDict or null, PickleDict or null]:
                return;
            default:
                throw Malformed($"it sets the state of {Describe(target)} to {Describe(state)}");
        }
    }

    private void Append(object? target, object?[] items)
    {
        switch (target)
        {
            case List<object?> list:
                if (list.Count + items.Length > MaxStackItems)
                    throw Malformed($"it builds a list of more than {MaxStackItems} items");
                list.AddRange(items);
                return;
            case OpaquePickleValue:
                return;
            default:
                throw Malformed($"it appends to {Describe(target)}");
        }
    }

    private void SetItems(object? target, object?[] items)
    {
        if (items.Length % 2 != 0)
            throw Malformed("it sets dict items from an odd number of values");
        switch (target)
        {
            case PickleDict dict:
                for (var i = 0; i < items.Length; i += 2)
                    dict.Set(items[i], items[i + 1]);
                return;
            case OpaquePickleValue:
                return;
            default:
                throw Malformed($"it sets items of {Describe(target)}");
        }
    }

    private void AddItems(object? target, object?[] items)
    {
        if (target is not HashSet<object?> set)
            throw Malformed($"it adds set items to {Describe(target)}");
        set.UnionWith(items);
    }

    private void Memoize(long index)
    {
        if (_memo.Count >= MaxMemoEntries && !_memo.ContainsKey(index))
            throw Malformed($"it memoizes more than {MaxMemoEntries} values");
        _memo[index] = Peek();
    }

    private object? Recall(long index) =>
        _memo.TryGetValue(index, out var value) ? value : throw Malformed($"it refers to memo entry {index}, which was never stored");

    private int FrameStart => _marks.Count == 0 ? 0 : _marks[^1];

    private void Push(object? value)
    {
        if (_stack.Count >= MaxStackItems)
            throw Malformed($"its stack grows beyond {MaxStackItems} values");
        _stack.Add(value);
    }

    private object? Peek() =>
        _stack.Count > FrameStart ? _stack[^1] : throw Malformed($"an opcode before byte {_position} needs a value, but the stack is empty");

    private object? Pop()
    {
        var value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object?[] PopMark()
    {
        if (_marks.Count == 0)
            throw Malformed($"an opcode before byte {_position} needs a MARK, but there is none");
        var start = _marks[^1];
        _marks.RemoveAt(_marks.Count - 1);
        var items = _stack.GetRange(start, _stack.Count - start).ToArray();
        _stack.RemoveRange(start, items.Length);
        return items;
    }

    private byte ReadByte() => Take(1)[0];

    private ulong ReadUInt64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position)
            throw Malformed("it ends in the middle of an opcode, without STOP (the pickle is truncated)");
        var span = _data.AsSpan(_position, count);
        _position += count;
        return span;
    }

    private int ReadLength(long length) =>
        length >= 0 && length <= _data.Length - _position
            ? (int)length
            : throw Malformed($"it declares a length of {length} bytes at byte {_position}, but only {_data.Length - _position} are left");

    private int ReadLength(ulong length) => ReadLength(length > long.MaxValue ? -1 : (long)length);

    /// <summary>A protocol 0 text line, as GLOBAL's module and name.</summary>
    private string ReadLine()
    {
        var end = Array.IndexOf(_data, (byte)'\n', _position);
        if (end < 0)
            throw Malformed("it ends in the middle of a GLOBAL name (the pickle is truncated)");
        var line = Encoding.UTF8.GetString(_data, _position, end - _position);
        _position = end + 1;
        return line;
    }

    /// <summary>LONG1 / LONG4: a little-endian two's-complement integer of any size.</summary>
    private object ReadLong(int byteCount)
    {
        var value = new BigInteger(Take(byteCount), isUnsigned: false, isBigEndian: false);
        return value >= long.MinValue && value <= long.MaxValue ? (long)value : (object)value;
    }

    private WeightFileException Malformed(string what) => new(_path, $"the checkpoint's pickle is malformed: {what}");
}
