using ModelGen.Models.Weights;
using ModelGen.Models.Weights.Torch;

namespace ModelGen.Models.Tests.Weights.Torch;

/// <summary>The pickle is data, never code: globals outside the allow-list are refused by name, and malformed opcode streams fail clearly.</summary>
public sealed class RestrictedUnpicklerTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("modelgen-unpickler-").FullName;

    [Theory]
    [InlineData("os", "system")]
    [InlineData("posix", "system")]
    [InlineData("builtins", "eval")]
    [InlineData("builtins", "exec")]
    [InlineData("__builtin__", "apply")]
    [InlineData("subprocess", "Popen")]
    [InlineData("torch", "load")]
    [InlineData("numpy", "load")]
    public void A_global_outside_the_allow_list_is_refused_by_name(string module, string name)
    {
        var pickle = new PickleBuilder().Global(module, name).Mark().Str("echo pwned").Tuple().Reduce().Stop();
        TorchArchiveTests.AssertRefused(Write("hostile.pth", pickle), $"refusing to load: the pickle asks for the global '{module}.{name}', which a weights file never needs");
    }

    [Fact]
    public void A_global_named_on_the_stack_is_refused_by_name_too()
    {
        var pickle = new PickleBuilder().Str("builtins").Str("eval").Raw(0x93).Mark().Str("1+1").Tuple().Reduce().Stop();
        TorchArchiveTests.AssertRefused(Write("stack_global.pth", pickle), "the global 'builtins.eval'");
    }

    [Fact]
    public void A_hostile_global_hidden_in_training_metadata_is_still_refused()
    {
        var pickle = new PickleBuilder().EmptyDict().Mark()
            .Str("state_dict").EmptyDict()
            .Str("message_hub").Global("__builtin__", "getattr").Mark().Global("os", "system").Str("system").Tuple().Reduce()
            .SetItems().Stop();
        TorchArchiveTests.AssertRefused(Write("hidden.pth", pickle), "the global 'os.system'");
    }

    [Fact]
    public void Opaque_metadata_is_carried_inert_beside_the_state_dict()
    {
        var pickle = new PickleBuilder().EmptyDict().Mark()
            .Str("state_dict").OrderedDict().EmptyDict().Str("_metadata").OrderedDict().Op('s').Build()
            .Str("message_hub")
                .Global("mmengine.logging.history_buffer", "HistoryBuffer").EmptyTuple().Raw(0x81)
                .EmptyDict().Str("min").Global("__builtin__", "getattr").Mark().Global("mmengine.logging.history_buffer", "HistoryBuffer").Str("min").Tuple().Reduce().Op('s')
                .Build()
            .Str("bytes").Global("_codecs", "encode").Mark().Str("\u00ff").Str("latin1").Tuple().Reduce()
            .SetItems().Stop();

        using var checkpoint = TorchCheckpointFile.Open(Write("metadata.pth", pickle));
        Assert.Equal("state_dict", checkpoint.UnwrappedFrom);
        Assert.Empty(checkpoint.Tensors);
    }

    [Fact]
    public void Calling_a_storage_class_is_refused() =>
        TorchArchiveTests.AssertRefused(Write("storage_call.pth", new PickleBuilder().Global("torch", "FloatStorage").EmptyTuple().Reduce().Stop()),
            "it calls the storage class 'torch.FloatStorage'");

    [Fact]
    public void An_unknown_opcode_is_refused() =>
        TorchArchiveTests.AssertRefused(Write("unknown_opcode.pth", new PickleBuilder().Raw(0xff).Stop()), "it has the unknown opcode 0xff at byte 2");

    [Fact]
    public void A_protocol_0_opcode_is_refused_as_unsupported() =>
        TorchArchiveTests.AssertRefused(Write("inst.pth", new PickleBuilder().Mark().Op('i').Raw("os\nsystem\n"u8.ToArray()).Stop()),
            "uses the opcode Inst (0x69) at byte 3, which torch.save does not write");

    [Fact]
    public void A_pickle_without_stop_is_truncated() =>
        TorchArchiveTests.AssertRefused(Write("no_stop.pth", new PickleBuilder().EmptyDict().Stop()[..^1]), "without STOP (the pickle is truncated)");

    [Fact]
    public void A_length_beyond_the_pickle_is_refused_before_allocating() =>
        TorchArchiveTests.AssertRefused(Write("long_string.pth", new PickleBuilder().Op('X').Raw(0xff, 0xff, 0xff, 0x7f).Stop()), "it declares a length of 2147483647 bytes");

    [Fact]
    public void A_memo_entry_never_stored_is_refused() =>
        TorchArchiveTests.AssertRefused(Write("memo.pth", new PickleBuilder().Op('h').Raw(9).Stop()), "it refers to memo entry 9, which was never stored");

    [Fact]
    public void An_empty_stack_is_refused() =>
        TorchArchiveTests.AssertRefused(Write("underflow.pth", new PickleBuilder().Mark().Op('s').Stop()), "the stack is empty");

    [Fact]
    public void Nesting_is_bounded()
    {
        var builder = new PickleBuilder();
        for (var i = 0; i < 1001; i++)
            builder.Mark();
        TorchArchiveTests.AssertRefused(Write("deep.pth", builder.Stop()), "it nests more than 1000 MARKs");
    }

    [Fact]
    public void A_persistent_id_that_is_not_a_storage_is_refused() =>
        TorchArchiveTests.AssertRefused(Write("persid.pth", new PickleBuilder().Str("/etc/passwd").Op('Q').Stop()), "a persistent id that is not a torch storage reference");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, byte[] pickle) => CheckpointArchive.Write(Path.Combine(_directory, name), pickle);
}
