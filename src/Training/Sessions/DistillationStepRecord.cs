namespace ModelGen.Training.Sessions;

/// <summary>One training iteration as the session logs it (a row of <c>log.csv</c>).</summary>
/// <param name="Epoch">The epoch, from 0.</param>
/// <param name="Iteration">The iteration, from 0.</param>
/// <param name="LearningRate">The first parameter group's rate during the step.</param>
/// <param name="GradNorm">The total gradient norm before clipping; null without clipping.</param>
/// <param name="ImagesPerSecond">The batch's images over the step's wall time (loading, teacher and update included).</param>
/// <param name="TeacherImages">How many of the batch's images the teacher ran on (0 when the cache held them all).</param>
public sealed record DistillationStepRecord(int Epoch, int Iteration, double Loss, double LearningRate, double? GradNorm, double ImagesPerSecond, int TeacherImages);
