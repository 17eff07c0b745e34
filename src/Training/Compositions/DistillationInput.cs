using ModelGen.Models.Pretrained;

namespace ModelGen.Training.Compositions;

/// <summary>
/// The images a composition trains on, as upstream's data pipeline and <c>DetDataPreprocessor</c> make them: the
/// long side resized to the input size keeping the aspect ratio (<c>ResizeSAM</c>, bilinear), normalised with
/// <see cref="Preprocessing"/> (its channel order is the one the backbones see: RGB when upstream's
/// <c>bgr_to_rgb=True</c>), then padded bottom and right with <see cref="PadValue"/> to <see cref="Height"/> x
/// <see cref="Width"/> (<c>BatchFixedSizePad</c>, after normalising).
/// </summary>
public sealed record DistillationInput(int Height, int Width, Preprocessing Preprocessing, double PadValue = 0);
