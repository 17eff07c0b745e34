using ModelGen.Models.Backbones;
using ModelGen.Models.Layers.Common;
using ModelGen.Models.Necks;
using TorchSharp;
using static TorchSharp.torch;

namespace ModelGen.Training.Distillation;

/// <summary>
/// OVSAM's and RWKV-SAM's <c>BackboneDistillation</c> (<c>seg/models/detectors/sam2clip_distill.py</c>,
/// <c>projects/rwkvsam/models/detectors/sam_clip_distill.py</c>): a student backbone and neck learn to reproduce a
/// teacher's features, with the loss <c>loss_weight · mean((teacher - student)²)</c> (mmdet's <c>MSELoss</c>).
/// Submodules carry upstream's names, <c>backbone_teacher</c>, <c>neck_teacher</c>, <c>backbone_student</c>,
/// <c>neck_student</c>, so the state dict is the detector's (up to the backbones' own key names).
/// </summary>
/// <remarks>
/// Without a teacher the module is upstream's <c>use_cache=True</c> form: the teacher's features come with the batch
/// (as the feature cache provides them). The teacher is a fixed target: it always runs under <c>no_grad</c>, as
/// upstream's frozen (<c>fix=True</c>) teachers do.
/// </remarks>
public sealed class BackboneDistillation : ExplicitModule<Tensor, Tensor>
{
    /// <param name="student">The student backbone.</param>
    /// <param name="studentNeck">The student neck; its output is compared with the teacher's.</param>
    /// <param name="teacher">The teacher backbone, or null to take the teacher's features from the batch (use_cache).</param>
    /// <param name="teacherNeck">The teacher neck; required with a teacher, e.g. <see cref="LastLayerNeck"/>.</param>
    /// <param name="lossWeight">mmdet MSELoss's <c>loss_weight</c>.</param>
    /// <param name="reduction">mmdet MSELoss's <c>reduction</c>: <c>mean</c> or <c>sum</c> over all elements.</param>
    public BackboneDistillation(IBackbone student, NeckModule studentNeck, IBackbone? teacher = null, NeckModule? teacherNeck = null, double lossWeight = 1.0, string reduction = "mean")
        : base(nameof(BackboneDistillation))
    {
        Reduction = reduction switch
        {
            "mean" => nn.Reduction.Mean,
            "sum" => nn.Reduction.Sum,
            _ => throw new ArgumentException($"The loss reduction '{reduction}' is neither 'mean' nor 'sum'.", nameof(reduction)),
        };
        ArgumentNullException.ThrowIfNull(student);
        ArgumentNullException.ThrowIfNull(studentNeck);
        if ((teacher is null) != (teacherNeck is null))
            throw new ArgumentException("Give the teacher together with its neck, or neither (teacher features from the batch).", nameof(teacherNeck));
        StudentOutput = studentNeck.Output(student.FeatureInfo);
        if (teacher is not null)
        {
            var teacherOutput = teacherNeck!.Output(teacher.FeatureInfo);
            if (teacherOutput.Channels != StudentOutput.Channels || teacherOutput.Reduction != StudentOutput.Reduction)
                throw new ArgumentException(
                    $"The teacher's features ({teacherOutput.Channels} channels, stride {teacherOutput.Reduction}) and the student's " +
                    $"({StudentOutput.Channels} channels, stride {StudentOutput.Reduction}) differ.", nameof(studentNeck));
            register_module("backbone_teacher", teacher.Module);
            register_module("neck_teacher", teacherNeck);
        }
        register_module("backbone_student", student.Module);
        register_module("neck_student", studentNeck);
        Teacher = teacher;
        TeacherNeck = teacherNeck;
        Student = student;
        StudentNeck = studentNeck;
        LossWeight = lossWeight;
    }

    /// <summary>The teacher backbone; null when its features come with the batch.</summary>
    public IBackbone? Teacher { get; }

    public NeckModule? TeacherNeck { get; }

    public IBackbone Student { get; }

    public NeckModule StudentNeck { get; }

    /// <summary>The channels and stride of the features both sides produce.</summary>
    public FeatureInfo StudentOutput { get; }

    public double LossWeight { get; }

    /// <summary>How the squared errors are reduced.</summary>
    public nn.Reduction Reduction { get; }

    /// <summary><c>neck_teacher(backbone_teacher(images))</c>, without autograd.</summary>
    public Tensor TeacherFeatures(Tensor images)
    {
        if (Teacher is null)
            throw new InvalidOperationException("This distillation has no teacher: its features come with the batch.");
        using var _ = no_grad();
        using var outputs = Teacher.Forward(images);
        return TeacherNeck!.Forward(outputs);
    }

    /// <summary><c>neck_student(backbone_student(images))</c>.</summary>
    public Tensor StudentFeatures(Tensor images)
    {
        using var outputs = Student.Forward(images);
        return StudentNeck.Forward(outputs);
    }

    /// <summary>The distillation loss: <c>loss_weight · mean((teacher - student)²)</c> over all elements (or their sum).</summary>
    public Tensor FeatureLoss(Tensor teacherFeatures, Tensor studentFeatures)
    {
        if (!teacherFeatures.shape.SequenceEqual(studentFeatures.shape))
            throw new ArgumentException(
                $"Teacher features [{string.Join(", ", teacherFeatures.shape)}] and student features [{string.Join(", ", studentFeatures.shape)}] differ in shape.");
        using var scope = NewDisposeScope();
        using var weight = LossWeight.ToScalar();
        var loss = nn.functional.mse_loss(teacherFeatures.to(studentFeatures.dtype), studentFeatures, Reduction).mul(weight);
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The loss of a batch: against <paramref name="teacherFeatures"/> when given (upstream's cached <c>gt_feats</c>),
    /// otherwise against the teacher run on the images.
    /// </summary>
    public Tensor Loss(Tensor images, Tensor? teacherFeatures)
    {
        using var scope = NewDisposeScope();
        var teacher = teacherFeatures ?? TeacherFeatures(images);
        return FeatureLoss(teacher, StudentFeatures(images)).MoveToOuterDisposeScope();
    }

    /// <summary>The loss of a batch against the teacher run on it.</summary>
    public override Tensor forward(Tensor images) => Loss(images, teacherFeatures: null);
}
