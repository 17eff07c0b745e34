namespace ModelGen.Cli.Tests;

/// <summary><c>--project</c>'s choices before it builds; building and loading a real project is the CI's consumer step.</summary>
public sealed class ProjectBackbonesTests
{
    [Theory]
    [InlineData("net8.0;net10.0", "net10.0")]
    [InlineData("net10.0;net8.0", "net10.0")]
    [InlineData("net8.0", "net8.0")]
    [InlineData(" net8.0 ; net9.0 ", "net8.0")]
    public void A_multi_targeted_project_is_built_for_the_framework_the_tool_runs_on_if_it_can(string targetFrameworks, string expected) =>
        Assert.Equal(expected, ProjectBackbones.Framework(targetFrameworks));

    [Fact]
    public void A_missing_project_is_reported_and_nothing_is_built()
    {
        var output = new StringWriter();
        var missing = new FileInfo(Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "Missing.csproj"));

        Assert.False(ProjectBackbones.TryLoad(missing, output));
        Assert.Equal($"No project at {missing.FullName}.", output.ToString().Trim());
    }
}
