using ModelGen.Training.Cache;
using ModelGen.Training.Compositions;
using ModelGen.Training.Data;
using ModelGen.Training.Tests.Compositions;
using ModelGen.Training.Tests.Testing;

namespace ModelGen.Training.Tests.Sessions;

/// <summary>A folder of five small PNGs of different shapes, and <see cref="TinyRwkvSamDistillation"/> with the mmengine fixture's weights (no random initialisation, so every build is the same).</summary>
internal static class SessionSetup
{
    public static string CheckpointFixture => Path.Combine(RepositoryPaths.Fixtures, "checkpoints", "mmengine_rwkvsam_tiny.pth");

    public static ImageDataset Images(string folder)
    {
        Directory.CreateDirectory(folder);
        (int Width, int Height)[] sizes = [(64, 48), (40, 64), (64, 64), (30, 50), (50, 20)];
        for (var i = 0; i < sizes.Length; i++)
            TestImages.Gradient(folder, $"sa_{i + 1}.png", sizes[i].Width, sizes[i].Height, i);
        return new ImageDataset(ImageFolder.Open(folder), TinyRwkvSamDistillation.Declaration.Input);
    }

    public static TinyRwkvSamDistillation Composition(bool withTeacher = true)
    {
        var composition = new TinyRwkvSamDistillation(withTeacher);
        composition.LoadWeights(CheckpointFixture);
        return composition;
    }

    public static FeatureCache Cache(DistillationComposition composition, string folder) =>
        new(folder, composition.Spec.TeacherIdentity("fixture mmengine_rwkvsam_tiny.pth"));
}
