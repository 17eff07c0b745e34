using System.Text.Json;
using ModelGen.Models.Weights;
using ModelGen.Training.Compositions;
using ModelGen.Training.Tests.Checkpoints;
using ModelGen.Training.Tests.Testing;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Compositions;

/// <summary>
/// Loading detector-named files into a composition (the mmengine training checkpoint fixture, our own safetensors) and
/// saving under upstream's names.
/// </summary>
public sealed class CompositionWeightsTests : IDisposable
{
    private static string FixturePath => Path.Combine(RepositoryPaths.Fixtures, "checkpoints", "mmengine_rwkvsam_tiny.pth");

    private readonly TemporaryFolder _folder = new();

    [Fact]
    public void The_mmengine_checkpoint_loads_into_every_part_and_reproduces_the_recorded_outputs()
    {
        using var composition = new TinyRwkvSamDistillation();

        var report = composition.LoadWeights(FixturePath);

        Assert.Empty(report.Absent);
        Assert.Equal([CompositionParts.Teacher, CompositionParts.Student, CompositionParts.StudentNeck], report.Parts.Keys.Order());
        Assert.Equal("ovsam", report.Parts[CompositionParts.Teacher].AliasScheme);
        Assert.Equal("backbone_teacher.", report.Parts[CompositionParts.Teacher].Prefix);
        Assert.All(report.Parts.Values, r => Assert.True(r.IsComplete));
        using var sidecar = JsonDocument.Parse(File.ReadAllText(Path.ChangeExtension(FixturePath, ".json")));
        var atol = sidecar.RootElement.GetProperty("outputs").EnumerateArray().ToDictionary(o => o.GetProperty("name").GetString()!, o => o.GetProperty("atol").GetDouble());
        using var reference = SafetensorsFile.Open(Path.ChangeExtension(FixturePath, ".ref.safetensors"));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var input = reference.Read("input");
        composition.Model.eval();
        AssertClose(reference.Read("neck_student.output"), composition.Model.StudentFeatures(input), atol["neck_student.output"]);
        AssertClose(reference.Read("teacher.output.1"), composition.Model.TeacherFeatures(input), atol["teacher.output.1"]);
    }

    [Fact]
    public void Saved_parts_are_under_the_detectors_names_and_load_back_bit_for_bit()
    {
        var path = _folder.File("all.safetensors");
        using var trained = new TinyRwkvSamDistillation();
        trained.LoadWeights(FixturePath);

        trained.SaveWeights(path, CompositionParts.All);
        using var fresh = new TinyRwkvSamDistillation();
        var report = fresh.LoadWeights(path);

        using (var file = SafetensorsFile.Open(path))
        {
            using var checkpoint = WeightFiles.Open(FixturePath);
            Assert.Equal(checkpoint.Tensors.Keys.Order(), file.Tensors.Keys.Order());
            Assert.Equal("pt", file.Metadata["format"]);
        }
        Assert.Empty(report.Absent);
        foreach (var ((name, expected), (_, actual)) in trained.Model.state_dict().Zip(fresh.Model.state_dict()))
            Bitwise.Equal(expected, actual, name);
    }

    [Fact]
    public void A_pth_path_is_written_as_torch_save_of_a_state_dict_and_loads_back_bit_for_bit()
    {
        var path = _folder.File("student.pth");
        using var trained = new TinyRwkvSamDistillation();
        trained.LoadWeights(FixturePath);

        trained.SaveWeights(path);
        using var fresh = new TinyRwkvSamDistillation();
        var report = fresh.LoadWeights(path, parts: CompositionParts.Students);

        using (var file = Models.Weights.Torch.TorchCheckpointFile.Open(path))
        {
            Assert.Equal("state_dict", file.UnwrappedFrom);
            Assert.Equal(["state_dict"], file.TopLevelKeys);
            Assert.Equal(trained.Parts.Where(p => p.Role is CompositionParts.Student or CompositionParts.StudentNeck).SelectMany(p => p.DetectorState().Keys).Order(), file.Tensors.Keys.Order());
        }
        Assert.Equal([CompositionParts.Student, CompositionParts.StudentNeck], report.Parts.Keys.Order());
        foreach (var (name, expected) in trained.Model.state_dict().Where(p => !p.Key.StartsWith("backbone_teacher.", StringComparison.Ordinal)))
            Bitwise.Equal(expected, fresh.Model.state_dict()[name], name);
    }

    [Fact]
    public void By_default_the_student_and_its_neck_are_saved_and_a_strict_load_of_all_parts_fails_before_copying_anything()
    {
        var path = _folder.File("student.safetensors");
        using var trained = new TinyRwkvSamDistillation();
        trained.LoadWeights(FixturePath);
        trained.SaveWeights(path);
        using var fresh = new TinyRwkvSamDistillation();
        using var before = fresh.Model.Student.Module.state_dict().First().Value.clone();

        var error = Assert.Throws<CompositionWeightsException>(() => fresh.LoadWeights(path));

        Assert.Contains("it holds nothing of Teacher (no key starts with 'backbone_teacher.')", error.Message);
        Bitwise.Equal(before, fresh.Model.Student.Module.state_dict().First().Value, "the student, untouched");
        var partial = fresh.LoadWeights(path, strict: false);
        Assert.Equal([CompositionParts.Teacher], partial.Absent);
        Assert.Equal([CompositionParts.Student, CompositionParts.StudentNeck], partial.Parts.Keys.Order());
        Assert.Equal([CompositionParts.Student, CompositionParts.StudentNeck], fresh.LoadWeights(path, parts: CompositionParts.Students).Parts.Keys.Order());
    }

    [Fact]
    public void A_part_of_other_shapes_fails_the_load_and_leaves_every_part_as_it_was()
    {
        var path = _folder.File("wrong.safetensors");
        using var trained = new TinyRwkvSamDistillation();
        trained.LoadWeights(FixturePath);
        var tensors = trained.Parts.SelectMany(p => p.DetectorState()).ToDictionary(p => p.Key, p => p.Value);
        using var wrongShape = zeros(3, 3);
        tensors["neck_student.out_proj.0.weight"] = wrongShape;
        SafetensorsWriter.Write(path, tensors);
        using var fresh = new TinyRwkvSamDistillation();
        var before = fresh.Model.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());

        var error = Assert.Throws<CompositionWeightsException>(() => fresh.LoadWeights(path, strict: false));

        Assert.Contains("StudentNeck (LastLayerProjNeck under 'neck_student.'): 1 mismatched", error.Message);
        foreach (var (name, value) in fresh.Model.state_dict())
            Bitwise.Equal(before[name], value, name);
        foreach (var value in before.Values)
            value.Dispose();
    }

    [Fact]
    public void Without_its_teacher_a_composition_cannot_save_it()
    {
        using var composition = new TinyRwkvSamDistillation(withTeacher: false);
        Assert.Equal([CompositionParts.Student, CompositionParts.StudentNeck], composition.Parts.Select(p => p.Role));
        Assert.Throws<InvalidOperationException>(() => composition.SaveWeights(_folder.File("x.safetensors"), CompositionParts.All));
        Assert.Equal([CompositionParts.Student, CompositionParts.StudentNeck], composition.LoadWeights(FixturePath).Parts.Keys.Order());
    }

    private static void AssertClose(Tensor expected, Tensor actual, double atol)
    {
        Assert.Equal(expected.shape, actual.shape);
        var error = (expected - actual).abs().max().item<float>();
        Assert.True(error <= atol, $"max |error| {error} > atol {atol}");
    }

    public void Dispose() => _folder.Dispose();
}
