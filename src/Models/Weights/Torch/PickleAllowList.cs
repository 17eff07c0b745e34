using System.Collections.Frozen;
using static TorchSharp.torch;

namespace ModelGen.Models.Weights.Torch;

/// <summary>
/// The only globals a checkpoint pickle may name, as with <c>torch.load(weights_only=True)</c>, plus a
/// few globals of mmengine / numpy training metadata that are kept as inert placeholders. Any other
/// global is refused when the pickle names it.
/// </summary>
internal static class PickleAllowList
{
    private static readonly FrozenDictionary<string, PickleGlobal> Globals = new PickleGlobal[]
    {
        new("collections.OrderedDict", PickleGlobalKind.OrderedDict),
        new("builtins.set", PickleGlobalKind.Set),
        new("builtins.frozenset", PickleGlobalKind.Set),
        new("__builtin__.set", PickleGlobalKind.Set),
        new("__builtin__.frozenset", PickleGlobalKind.Set),

        new("torch._utils._rebuild_tensor", PickleGlobalKind.RebuildTensor),
        new("torch._utils._rebuild_tensor_v2", PickleGlobalKind.RebuildTensorV2),
        new("torch._utils._rebuild_parameter", PickleGlobalKind.RebuildParameter),
        new("torch._utils._rebuild_parameter_with_state", PickleGlobalKind.RebuildParameterWithState),

        new("torch.FloatStorage", PickleGlobalKind.Storage, ScalarType.Float32),
        new("torch.DoubleStorage", PickleGlobalKind.Storage, ScalarType.Float64),
        new("torch.HalfStorage", PickleGlobalKind.Storage, ScalarType.Float16),
        new("torch.BFloat16Storage", PickleGlobalKind.Storage, ScalarType.BFloat16),
        new("torch.LongStorage", PickleGlobalKind.Storage, ScalarType.Int64),
        new("torch.IntStorage", PickleGlobalKind.Storage, ScalarType.Int32),
        new("torch.ShortStorage", PickleGlobalKind.Storage, ScalarType.Int16),
        new("torch.CharStorage", PickleGlobalKind.Storage, ScalarType.Int8),
        new("torch.ByteStorage", PickleGlobalKind.Storage, ScalarType.Byte),
        new("torch.BoolStorage", PickleGlobalKind.Storage, ScalarType.Bool),
        // An untyped storage is saved as raw bytes; its persistent id counts bytes.
        new("torch.UntypedStorage", PickleGlobalKind.Storage, ScalarType.Byte),
        new("torch.storage.UntypedStorage", PickleGlobalKind.Storage, ScalarType.Byte),

        // mmengine's MessageHub keeps HistoryBuffer objects of numpy arrays; protocol 2 writes bytes as
        // _codecs.encode(text, 'latin1') and HistoryBuffer's statistics methods as getattr(HistoryBuffer, name).
        new("mmengine.logging.history_buffer.HistoryBuffer", PickleGlobalKind.Opaque),
        new("numpy.core.multiarray._reconstruct", PickleGlobalKind.Opaque),
        new("numpy._core.multiarray._reconstruct", PickleGlobalKind.Opaque),
        new("numpy.ndarray", PickleGlobalKind.Opaque),
        new("numpy.dtype", PickleGlobalKind.Opaque),
        new("_codecs.encode", PickleGlobalKind.Opaque),
        new("__builtin__.getattr", PickleGlobalKind.Opaque),
        new("builtins.getattr", PickleGlobalKind.Opaque),
    }.ToFrozenDictionary(g => g.Name, StringComparer.Ordinal);

    /// <returns>The allowed global of that dotted name, or null when the pickle may not use it.</returns>
    public static PickleGlobal? Find(string name) => Globals.GetValueOrDefault(name);
}
