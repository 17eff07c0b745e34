using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Families;
using ModelGen.Generators.Families.Distillation;
using ModelGen.Generators.Json;
using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators
{
    /// <summary>
    /// Compiles every <c>*.model.json</c> AdditionalFile into a config record and a TorchSharp backbone class, or,
    /// for the <c>distillation</c> family, into a composition of such backbones.
    /// Pipeline: parse each file (cached per file) → resolve all backbone specs together (<c>extends</c> crosses
    /// files) into one equatable outcome per spec and a summary of every valid backbone, built-ins included → resolve
    /// the distillation specs against those summaries → emit each outcome (cached per spec).
    /// Spec diagnostics are reported here rather than from a separate analyzer: validating a spec needs
    /// the files it extends and every other spec (duplicate type names), which is exactly what this
    /// pipeline has already resolved, so an analyzer would repeat the whole resolution per file.
    /// </summary>
    [Generator(LanguageNames.CSharp)]
    public sealed class ModelSpecGenerator : IIncrementalGenerator
    {
        public const string SpecSuffix = ".model.json";

        /// <summary>The assembly that defines the base class of generated compositions.</summary>
        private const string TrainingAssembly = "ModelGen.Training";

        public void Initialize(IncrementalGeneratorInitializationContext context)
        {
            var documents = context.AdditionalTextsProvider
                .Where(text => text.Path.EndsWith(SpecSuffix, StringComparison.OrdinalIgnoreCase))
                .Select((text, cancellationToken) => Parse(text, cancellationToken))
                .WithTrackingName(TrackingNames.ParsedSpecs);

            var options = context.AnalyzerConfigOptionsProvider
                .Select((provider, _) => new GeneratorOptions(
                    provider.GlobalOptions.TryGetValue("build_property.RootNamespace", out var rootNamespace) ? rootNamespace : "",
                    provider.GlobalOptions.TryGetValue("build_property.ProjectDir", out var projectDirectory) ? projectDirectory : "",
                    provider.GlobalOptions.TryGetValue("build_property.ModelGenBuiltInSpecsDirectory", out var builtInSpecs) ? builtInSpecs : ""))
                .WithTrackingName(TrackingNames.Options);

            var parsed = documents.Collect().Combine(options);
            var backbones = parsed
                .Select((input, _) => ResolveSafely(input.Left, input.Right))
                .WithTrackingName(TrackingNames.ResolvedBackbones);
            var outcomes = backbones
                .SelectMany((resolution, _) => resolution.Outcomes)
                .WithTrackingName(TrackingNames.ResolvedSpecs);
            context.RegisterSourceOutput(outcomes, Emit);

            // Distillation specs are resolved after the backbones, against their summaries (equatable, so an edit that
            // leaves every summary as it was leaves the compositions cached). The built-ins' are computed from the
            // built-in files alone, so editing the project's specs does not resolve the package's again.
            var builtInSummaries = documents
                .Combine(options)
                .Where(pair => SpecResolver.IsBuiltIn(pair.Left, pair.Right))
                .Select((pair, _) => pair.Left)
                .Collect()
                .Combine(options)
                .Select((input, _) => SummarizeBuiltInsSafely(input.Left, input.Right))
                .WithTrackingName(TrackingNames.BuiltInSummaries);
            var summaries = backbones
                .Combine(builtInSummaries)
                .Select((input, _) => new ComposableBackbones(input.Left.Summaries.Concat(input.Right.Summaries).ToEquatableArray(), input.Right.BuiltInFailure))
                .WithTrackingName(TrackingNames.BackboneSummaries);
            var trainingReferenced = context.CompilationProvider
                .Select((compilation, _) => compilation.AssemblyName == TrainingAssembly || compilation.ReferencedAssemblyNames.Any(a => a.Name == TrainingAssembly))
                .WithTrackingName(TrackingNames.TrainingReferenced);
            var compositions = parsed
                .Combine(summaries)
                .Combine(trainingReferenced)
                .SelectMany((input, _) => ResolveDistillationsSafely(input.Left.Left.Left, input.Left.Left.Right, input.Left.Right, input.Right))
                .WithTrackingName(TrackingNames.ResolvedDistillations);
            context.RegisterSourceOutput(compositions, EmitComposition);

            // A spec saved under another name (sam.json) is not compiled: say so instead of staying silent.
            var misnamed = context.AdditionalTextsProvider
                .Where(text => text.Path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !text.Path.EndsWith(SpecSuffix, StringComparison.OrdinalIgnoreCase))
                .Select((text, cancellationToken) => MisnamedSpec(Parse(text, cancellationToken)))
                .Where(diagnostic => diagnostic is not null)
                .WithTrackingName(TrackingNames.MisnamedSpecs);
            context.RegisterSourceOutput(misnamed, (output, diagnostic) => output.ReportDiagnostic(diagnostic!.ToDiagnostic()));
        }

        /// <summary>MG0019 for a JSON object with a string <c>family</c> field naming a known family; null for any other JSON file.</summary>
        private static DiagnosticInfo? MisnamedSpec(SpecDocument document)
        {
            if (document.Root is not JsonObject root || root.Find(HeaderFields.Family)?.Value is not JsonString family || (ModelFamilies.Find(family.Value) is null && family.Value != DistillationFamily.Name))
                return null;
            var name = System.IO.Path.GetFileNameWithoutExtension(document.Path);
            return DiagnosticInfo.Create(
                DiagnosticDescriptors.NotASpecFile,
                family.Span,
                $"{System.IO.Path.GetFileName(document.Path)} has a 'family' field like a ModelGen spec, but only files ending in {SpecSuffix} are compiled; rename it to {name}{SpecSuffix} to generate its class.");
        }

        private static SpecDocument Parse(AdditionalText text, CancellationToken cancellationToken)
        {
            var path = text.Path;
            try
            {
                var content = text.GetText(cancellationToken)?.ToString();
                if (content is null)
                    return new SpecDocument(path, null, new DiagnosticInfo(DiagnosticDescriptors.InvalidJson.Id, "the file could not be read", SourceSpan.WholeFile(path)));
                var (root, error) = JsonParser.Parse(path, content);
                return new SpecDocument(path, root, error is null ? null : new DiagnosticInfo(DiagnosticDescriptors.InvalidJson.Id, error.Message, error.Span));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return new SpecDocument(path, null, new DiagnosticInfo(DiagnosticDescriptors.InvalidJson.Id, $"the file could not be read ({e.GetType().Name}: {e.Message})", SourceSpan.WholeFile(path)));
            }
        }

        private static BackboneResolution ResolveSafely(ImmutableArray<SpecDocument> documents, GeneratorOptions options)
        {
            try
            {
                return SpecResolver.Resolve(documents, options);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return new BackboneResolution(documents.Select(d => Failure(d.Path, e)).ToEquatableArray(), EquatableArray<BackboneSummary>.Empty);
            }
        }

        private static (EquatableArray<BackboneSummary> Summaries, string? BuiltInFailure) SummarizeBuiltInsSafely(ImmutableArray<SpecDocument> builtInDocuments, GeneratorOptions options)
        {
            try
            {
                return (SpecResolver.SummarizeBuiltIns(builtInDocuments, options), null);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return (EquatableArray<BackboneSummary>.Empty, $"{e.GetType().Name}: {e.Message}");
            }
        }

        private static ImmutableArray<DistillationOutcome> ResolveDistillationsSafely(ImmutableArray<SpecDocument> documents, GeneratorOptions options, ComposableBackbones backbones, bool trainingReferenced)
        {
            if (backbones.BuiltInFailure is string failure)
                return CompositionFailures(documents, $"the built-in specs could not be summarised: {failure}");
            try
            {
                return DistillationResolver.Resolve(documents, options, backbones.Summaries, trainingReferenced);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return CompositionFailures(documents, $"{e.GetType().Name}: {e.Message}");
            }
        }

        /// <summary>MG0018 on every file that declares the distillation family itself.</summary>
        private static ImmutableArray<DistillationOutcome> CompositionFailures(ImmutableArray<SpecDocument> documents, string reason) => documents
            .Where(d => d.Root is JsonObject root && root.Find(HeaderFields.Family)?.Value is JsonString { Value: DistillationFamily.Name })
            .Select(d => new DistillationOutcome(d.Path, Failure(d.Path, reason).Diagnostics, null))
            .ToImmutableArray();

        private static void EmitComposition(SourceProductionContext context, DistillationOutcome outcome)
        {
            foreach (var diagnostic in outcome.Diagnostics)
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
            if (outcome.Unit is null)
                return;
            string source;
            try
            {
                if (DistillationEmitter.CapturesItsOwnName(outcome.Unit))
                {
                    var header = outcome.Unit.Header;
                    context.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidName, header.NameSpan, $"'{header.Name}' is also a name the generated code of this composition uses (a member, a part's type or a namespace), so the class would capture it and the code would not compile; choose another class name, e.g. '{header.Name}Distillation'.").ToDiagnostic());
                    return;
                }
                source = DistillationEmitter.Emit(outcome.Unit);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                foreach (var diagnostic in Failure(outcome.Path, e).Diagnostics)
                    context.ReportDiagnostic(diagnostic.ToDiagnostic());
                return;
            }
            context.AddSource(DistillationEmitter.HintName(outcome.Unit), SourceText.From(source, System.Text.Encoding.UTF8));
        }

        private static void Emit(SourceProductionContext context, SpecOutcome outcome)
        {
            foreach (var diagnostic in outcome.Diagnostics)
                context.ReportDiagnostic(diagnostic.ToDiagnostic());
            if (outcome.Unit is null)
                return;

            string source;
            try
            {
                var family = ModelFamilies.Find(outcome.Unit.Header.Family)!;
                if (CapturedNames.Find(outcome.Unit, family) is string captured)
                {
                    context.ReportDiagnostic(CapturedNameDiagnostic(outcome.Unit.Header, captured).ToDiagnostic());
                    return;
                }
                source = ModelFileEmitter.Emit(outcome.Unit, family);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                foreach (var diagnostic in Failure(outcome.Path, e).Diagnostics)
                    context.ReportDiagnostic(diagnostic.ToDiagnostic());
                return;
            }
            context.AddSource(ModelFileEmitter.HintName(outcome.Unit), SourceText.From(source, System.Text.Encoding.UTF8));
        }

        private static DiagnosticInfo CapturedNameDiagnostic(ModelHeader header, string captured) => DiagnosticInfo.Create(
            DiagnosticDescriptors.InvalidName,
            header.NameSpan,
            captured == header.Name
                ? $"'{header.Name}' is also a name the generated code of this variant uses (a building block, member or keyword), so the class would capture it and the code would not compile; choose another class name, e.g. '{header.Name}Model'."
                : $"'{header.Name}' would generate the config record '{captured}', a name the generated code of this variant already uses; choose another class name, e.g. '{header.Name}Model'.");

        private static SpecOutcome Failure(string path, Exception e) => Failure(path, $"{e.GetType().Name}: {e.Message}");

        private static SpecOutcome Failure(string path, string reason) => new SpecOutcome(
            path,
            new[] { new DiagnosticInfo(DiagnosticDescriptors.InternalError.Id, $"ModelGen failed on this spec ({reason}). Please report it with the spec attached.", SourceSpan.WholeFile(path)) }.ToEquatableArray(),
            null);
    }
}
