using ModelGen.Training.Distillation;
using ModelGen.Training.Tests.Testing;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace ModelGen.Training.Tests.Distillation;

/// <summary>
/// Each fixture's composition, before any step: the online teacher, the student, the loss through both teacher paths,
/// mmengine's weight decay of every parameter and the train/eval modes after <c>model.train()</c>.
/// </summary>
[Collection(DefaultDtypeCollection.Name)]
public sealed class CompositionTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void Online_teacher_reproduces_the_cached_features(string caseName)
    {
        using var fixture = DistillFixture.Load(caseName);
        using var setup = DistillationSetup.Build(fixture, ScalarType.Float64);
        using var inputs = fixture.Read("inputs");
        using var cached = fixture.Read("teacher_feat");
        var report = new ToleranceReport(caseName);
        var atol = fixture.Sidecar.Root.GetProperty("tolerances").GetProperty("teacher_feat_atol").GetDouble();
        for (var batch = 0; batch < inputs.shape[0]; batch++)
        {
            using var scope = NewDisposeScope();
            report.Tensor("teacher_feat", $"teacher_feat[{batch}]", cached[batch], setup.Model.TeacherFeatures(inputs[batch].to(ScalarType.Float64)), atol);
        }
        report.AssertAll(output);
    }

    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void Student_and_both_teacher_paths_give_the_first_steps_loss(string caseName)
    {
        using var fixture = DistillFixture.Load(caseName);
        using var setup = DistillationSetup.Build(fixture, ScalarType.Float64);
        var root = fixture.Sidecar.Root;
        var tolerances = root.GetProperty("tolerances");
        var firstBatch = root.GetProperty("data").GetProperty("batch_order")[0].GetInt32();
        using var inputs = fixture.Read("inputs");
        using var cached = fixture.Read("teacher_feat");
        using var expectedStudent = fixture.Read("student_feat_step0");
        setup.Model.train();
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = inputs[firstBatch].to(ScalarType.Float64);

        var report = new ToleranceReport(caseName);
        report.Tensor("student_feat_step0", "student_feat_step0", expectedStudent, setup.Model.StudentFeatures(images),
            tolerances.GetProperty("student_feat_step0_atol").GetDouble());
        var expectedLoss = root.GetProperty("steps")[0].GetProperty("loss_f64").GetDouble();
        var lossAtol = tolerances.GetProperty("loss_atol").GetDouble();
        report.Scalar("loss", "online teacher", expectedLoss, setup.Model.Loss(images, teacherFeatures: null).item<double>(), lossAtol);
        report.Scalar("loss", "cached teacher", expectedLoss, setup.Model.Loss(images, cached[firstBatch]).item<double>(), lossAtol);
        report.AssertAll(output);
    }

    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void Without_a_teacher_the_batchs_features_are_the_target(string caseName)
    {
        using var fixture = DistillFixture.Load(caseName);
        using var setup = DistillationSetup.Build(fixture, ScalarType.Float64);
        // Upstream's use_cache=True: no teacher is built. The modules stay owned by setup.Model.
        var cachedOnly = new BackboneDistillation(setup.Model.Student, setup.Model.StudentNeck, lossWeight: setup.Model.LossWeight);
        Assert.DoesNotContain(cachedOnly.named_children(), c => c.name.Contains("teacher", StringComparison.Ordinal));
        var firstBatch = fixture.Sidecar.Root.GetProperty("data").GetProperty("batch_order")[0].GetInt32();
        using var inputs = fixture.Read("inputs");
        using var cached = fixture.Read("teacher_feat");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var images = inputs[firstBatch].to(ScalarType.Float64);

        Assert.Throws<InvalidOperationException>(() => cachedOnly.Loss(images, teacherFeatures: null));
        var report = new ToleranceReport(caseName);
        report.Scalar("loss", "cached teacher, no teacher built", fixture.Sidecar.Root.GetProperty("steps")[0].GetProperty("loss_f64").GetDouble(),
            cachedOnly.Loss(images, cached[firstBatch]).item<double>(), fixture.Sidecar.Root.GetProperty("tolerances").GetProperty("loss_atol").GetDouble());
        report.AssertAll(output);
    }

    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void Every_parameter_gets_mmengines_group_and_weight_decay(string caseName)
    {
        using var fixture = DistillFixture.Load(caseName);
        using var setup = DistillationSetup.Build(fixture, ScalarType.Float32);
        var trainer = setup.CreateTrainer(fixture.Sidecar);
        using var optimizer = trainer.Optimizer;
        var expected = fixture.Sidecar.Root.GetProperty("parameters").EnumerateObject()
            .Where(p => p.Value.GetProperty("kind").GetString() == "parameter")
            .ToDictionary(p => p.Name, p => p.Value);

        Assert.Equal(expected.Count, optimizer.Groups.Count);
        foreach (var (group, index) in optimizer.Groups.Select((g, i) => (g, i)))
        {
            var name = setup.ToFixture[group.Name];
            Assert.Equal((name, expected[name].GetProperty("optimizer_group").GetInt32()), (name, index));
            Assert.Equal((name, expected[name].GetProperty("weight_decay").GetDouble()), (name, group.WeightDecay));
            Assert.Equal((name, expected[name].GetProperty("requires_grad").GetBoolean()), (name, group.Parameter.requires_grad));
        }
        Assert.Equal(
            fixture.Sidecar.Root.GetProperty("trainable_parameters").EnumerateArray().Select(p => p.GetString()),
            optimizer.TrainableGroups.Select(g => setup.ToFixture[g.Name]));
    }

    [Theory]
    [MemberData(nameof(DistillCases.Names), MemberType = typeof(DistillCases))]
    public void Train_mode_leaves_frozen_modules_in_eval(string caseName)
    {
        using var fixture = DistillFixture.Load(caseName);
        using var setup = DistillationSetup.Build(fixture, ScalarType.Float32);
        var trainer = setup.CreateTrainer(fixture.Sidecar);
        using var optimizer = trainer.Optimizer;
        trainer.BeginEpoch();

        var modules = setup.Model.named_modules().ToDictionary(m => m.name, m => m.module);
        modules[""] = setup.Model;
        var checkedModules = 0;
        foreach (var entry in fixture.Sidecar.Root.GetProperty("modules").GetProperty("train_mode_after_model_train").EnumerateObject())
        {
            // The data preprocessor and the loss are no modules here.
            if (entry.Name is "data_preprocessor" or "loss_distill")
                continue;
            var name = ModuleName(setup, entry.Name);
            Assert.Equal((entry.Name, entry.Value.GetBoolean()), (entry.Name, modules[name].training));
            checkedModules++;
        }
        Assert.True(checkedModules >= 4);
    }

    /// <summary>The composition's name of a detector module: OVSAM's wrapper names read through the backbone's ovsam alias scheme.</summary>
    private static string ModuleName(DistillationSetup setup, string detectorName)
    {
        const string Student = "backbone_student.";
        if (!detectorName.StartsWith(Student, StringComparison.Ordinal) || setup.Model.Student.CheckpointLayout.AliasSchemes.Count == 0)
            return detectorName;
        var own = setup.Model.Student.CheckpointLayout.Scheme("ovsam").FromAlias(detectorName[Student.Length..] + ".");
        return Student + own![..^1];
    }
}
