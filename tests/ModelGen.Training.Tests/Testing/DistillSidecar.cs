using System.Text.Json;

namespace ModelGen.Training.Tests.Testing;

/// <summary>The JSON sidecar of a distillation fixture (tests/fixtures/distill/&lt;case&gt;.json).</summary>
internal sealed class DistillSidecar : IDisposable
{
    private readonly JsonDocument _document;

    private DistillSidecar(string name, JsonDocument document)
    {
        Name = name;
        _document = document;
    }

    public string Name { get; }

    public JsonElement Root => _document.RootElement;

    public static DistillSidecar Load(string name) =>
        new(name, JsonDocument.Parse(File.ReadAllText(Path.Combine(DistillCases.Directory, name + ".json"))));

    public JsonElement Schedule => Root.GetProperty("schedule");

    public JsonElement Optimizer => Root.GetProperty("optimizer");

    public IEnumerable<JsonElement> Steps => Root.GetProperty("steps").EnumerateArray();

    /// <summary><c>schedule.&lt;property&gt;</c> as (iteration, lr) pairs.</summary>
    public IEnumerable<(int Iteration, double Lr)> LrAtIteration(string property) =>
        Schedule.GetProperty(property).EnumerateObject().Select(p => (int.Parse(p.Name), p.Value.GetDouble()));

    public void Dispose() => _document.Dispose();
}
