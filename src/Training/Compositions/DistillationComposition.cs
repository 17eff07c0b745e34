using ModelGen.Models.Backbones;
using ModelGen.Models.Necks;
using ModelGen.Models.Weights;
using ModelGen.Training.Distillation;
using TorchSharp.Modules;

namespace ModelGen.Training.Compositions;

/// <summary>
/// A distillation composition generated from a spec (family <c>distillation</c>): the teacher and student backbones
/// and necks it declares, assembled as upstream's <c>BackboneDistillation</c> detector (<see cref="Model"/>, whose
/// state dict uses the detector's names), with the spec's input, loss and recipe in <see cref="Spec"/>.
/// </summary>
public abstract partial class DistillationComposition : IDisposable
{
    /// <param name="teacher">The teacher, or null (with <paramref name="teacherNeck"/>) when its features come from a cache.</param>
    protected DistillationComposition(DistillationSpec spec, IBackbone? teacher, NeckModule? teacherNeck, IBackbone student, NeckModule studentNeck)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        Model = new BackboneDistillation(student, studentNeck, teacher, teacherNeck, spec.Loss.Weight, spec.Loss.Reduction);
        var parts = new List<CompositionPart>();
        if (teacher is not null)
        {
            parts.Add(new CompositionPart(CompositionParts.Teacher, spec.Teacher, teacher.Module, teacher.CheckpointLayout));
            parts.Add(new CompositionPart(CompositionParts.TeacherNeck, spec.TeacherNeck, teacherNeck!, CheckpointLayout.None));
        }
        parts.Add(new CompositionPart(CompositionParts.Student, spec.Student, student.Module, student.CheckpointLayout));
        parts.Add(new CompositionPart(CompositionParts.StudentNeck, spec.StudentNeck, studentNeck, CheckpointLayout.None));
        Parts = parts;
    }

    /// <summary>The built parts, in detector order: teacher and teacher neck (when built), student, student neck.</summary>
    public IReadOnlyList<CompositionPart> Parts { get; }

    public DistillationSpec Spec { get; }

    /// <summary>The detector: <c>backbone_teacher</c>, <c>neck_teacher</c>, <c>backbone_student</c>, <c>neck_student</c>.</summary>
    public BackboneDistillation Model { get; }

    public string Name => Spec.Name;

    /// <summary>Whether the teacher was built; without it the teacher's features must come from a cache.</summary>
    public bool HasTeacher => Model.Teacher is not null;

    /// <summary>The parameters training updates, under the detector's names (e.g. <c>neck_student.out_proj.0.weight</c>).</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters =>
        Model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter)).ToArray();

    public void Dispose()
    {
        Model.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A composition with typed parts, as the generated classes derive from it.</summary>
public abstract class DistillationComposition<TTeacher, TTeacherNeck, TStudent, TStudentNeck> : DistillationComposition
    where TTeacher : BackboneModule
    where TTeacherNeck : NeckModule
    where TStudent : BackboneModule
    where TStudentNeck : NeckModule
{
    protected DistillationComposition(DistillationSpec spec, TTeacher? teacher, TTeacherNeck? teacherNeck, TStudent student, TStudentNeck studentNeck)
        : base(spec, teacher, teacherNeck, student, studentNeck)
    {
        Teacher = teacher;
        TeacherNeck = teacherNeck;
        Student = student;
        StudentNeck = studentNeck;
    }

    /// <summary>The teacher backbone; null when the composition was built without it.</summary>
    public TTeacher? Teacher { get; }

    public TTeacherNeck? TeacherNeck { get; }

    public TStudent Student { get; }

    public TStudentNeck StudentNeck { get; }
}
