namespace ModelGen.Training.Compositions;

/// <summary>The four parts of a distillation composition, combinable to say which of them a load or save covers.</summary>
[Flags]
public enum CompositionParts
{
    None = 0,
    Teacher = 1,
    TeacherNeck = 2,
    Student = 4,
    StudentNeck = 8,

    /// <summary>What training produces: the student backbone and its neck.</summary>
    Students = Student | StudentNeck,

    All = Teacher | TeacherNeck | Student | StudentNeck,
}
