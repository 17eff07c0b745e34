using ModelGen.Models.Backbones;
using ModelGen.Models.OpenClip;
using ModelGen.Models.Pretrained;
using ModelGen.Models.Sam;

namespace ModelGen.Cli;

/// <summary>
/// The normalisation a run applies, as the variant's pretrained configuration says: the chosen source's, else the
/// first declared source's, else that of the weights the family is trained against (SAM's for SAM and for VITAMIN,
/// the SAM distillation student; OpenAI CLIP's for the OpenCLIP towers).
/// </summary>
internal static class InputPreprocessing
{
    public static (Preprocessing Preprocessing, string Origin) For(ModelRegistration registration, string? pretrainedTag)
    {
        if (pretrainedTag is not null && registration.Pretrained.TryGetValue(pretrainedTag, out var chosen) && chosen.Preprocessing is { } own)
            return (own, $"pretrained '{pretrainedTag}'");
        foreach (var source in registration.Pretrained.Values)
            if (source.Preprocessing is { } declared)
                return (declared, $"pretrained '{source.Tag}'");
        return registration.Config.Family.StartsWith("openclip", StringComparison.Ordinal)
            ? (OpenAiClip, $"OpenAI CLIP's; {registration.Name} declares none")
            : (Sam, $"SAM's; {registration.Name} declares none");
    }

    private static Preprocessing Sam => SamVitB.Pretrained["sa1b"].Preprocessing!;

    private static Preprocessing OpenAiClip => OpenClipRN50.Pretrained["openai"].Preprocessing!;
}
