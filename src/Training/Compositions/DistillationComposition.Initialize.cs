using ModelGen.Models.Backbones;
using ModelGen.Models.Pretrained;
using ModelGen.Models.Weights;
using static TorchSharp.torch;

namespace ModelGen.Training.Compositions;

public abstract partial class DistillationComposition
{
    private const string PosEmbedKey = "pos_embed";

    /// <summary>
    /// Upstream's <c>init_cfg</c>s: each built backbone with a declared <see cref="DistillationPart.Pretrained"/> tag loads
    /// those weights (found in the weights folders or downloaded and verified); the student then loads
    /// <paramref name="studentCheckpoint"/> when given, by its <see cref="DistillationPart.CheckpointPrefix"/>; and with
    /// <see cref="DistillationSpec.StudentNeckEmbeddingFromTeacher"/> the student neck's <c>pos_embed</c> buffer becomes the
    /// teacher's pretrained <c>pos_embed</c> (upstream's <c>embedding_path</c>), read from the teacher's file when the
    /// teacher was not built.
    /// </summary>
    /// <param name="pretrained">
    /// The parts to initialise from their declarations: each backbone among them loads its tag, and with
    /// <see cref="CompositionParts.StudentNeck"/> the embedding is copied. Leave out a part whose weights the caller loads
    /// from a file of its own (then load the teacher's before, so that the embedding is copied from it).
    /// </param>
    public IReadOnlyList<PartInitialization> Initialize(
        WeightsDownloader? downloader = null, IProgress<DownloadProgress>? progress = null, string? studentCheckpoint = null, CompositionParts pretrained = CompositionParts.All)
    {
        var done = new List<PartInitialization>();
        foreach (var part in Parts.Where(p => pretrained.HasFlag(p.Role) && p.Declaration.Pretrained is not null && p.Module is BackboneModule))
        {
            var tag = part.Declaration.Pretrained!;
            var report = ((BackboneModule)part.Module).LoadPretrained(tag, downloader, progress);
            done.Add(new PartInitialization(part.Role, $"pretrained '{tag}'", report));
        }
        if (studentCheckpoint is not null)
        {
            var student = Parts.Single(p => p.Role == CompositionParts.Student);
            var report = WeightLoader.Load(student.Module, studentCheckpoint, student.Layout, student.Declaration.CheckpointPrefix);
            done.Add(new PartInitialization(CompositionParts.Student, studentCheckpoint, report));
        }
        if (pretrained.HasFlag(CompositionParts.StudentNeck) && Spec.StudentNeckEmbeddingFromTeacher)
            done.Add(CopyTeacherEmbedding(downloader, progress));
        return done;
    }

    private PartInitialization CopyTeacherEmbedding(WeightsDownloader? downloader, IProgress<DownloadProgress>? progress)
    {
        var neck = Parts.Single(p => p.Role == CompositionParts.StudentNeck).Module;
        var target = neck.state_dict().GetValueOrDefault(PosEmbedKey)
            ?? throw new InvalidOperationException($"{Name}: the student neck {neck.GetName()} has no '{PosEmbedKey}' buffer to take the teacher's embedding.");
        using var scope = NewDisposeScope();
        string origin;
        Tensor embedding;
        if (Parts.FirstOrDefault(p => p.Role == CompositionParts.Teacher) is { } teacher)
        {
            embedding = teacher.Module.state_dict().GetValueOrDefault(PosEmbedKey)
                ?? throw new InvalidOperationException($"{Name}: the teacher {Spec.Teacher.Type.Name} has no '{PosEmbedKey}'.");
            origin = $"the teacher's '{PosEmbedKey}'";
        }
        else
        {
            var source = Spec.TeacherPretrainedSource
                ?? throw new InvalidOperationException($"{Name}: the student neck's embedding comes from the teacher's pretrained weights, but the teacher declares none.");
            var path = (downloader ?? new WeightsDownloader()).Ensure(source, progress);
            using var file = WeightFiles.Open(path);
            var key = WeightKeys.NormalizePrefix(source.Prefix) + PosEmbedKey;
            if (!file.Tensors.ContainsKey(key))
                throw new WeightFileException(path, $"it has no '{key}', the teacher's position embedding");
            embedding = file.Read(key);
            origin = $"'{key}' of {path}";
        }
        if (!embedding.shape.SequenceEqual(target.shape))
            throw new InvalidOperationException(
                $"{Name}: the teacher's '{PosEmbedKey}' is [{string.Join(", ", embedding.shape)}], the student neck's [{string.Join(", ", target.shape)}].");
        using (no_grad())
            target.copy_(embedding);
        return new PartInitialization(CompositionParts.StudentNeck, origin, null);
    }
}
