using System.Collections.Generic;
using System.Linq;
using ModelGen.Generators.Families;
using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Emit
{
    /// <summary>
    /// Writes the members every generated backbone has beside its topology: the constructor's frozen/trainable
    /// options and their application, the frozen forward's scope, and the checkpoint conventions of its spec.
    /// </summary>
    internal static class BackboneMembersEmitter
    {
        /// <summary>The constructor's signature; <paramref name="extraParameters"/> are family options such as OpenCLIP's fixLayers.</summary>
        public static void OpenConstructor(SourceWriter writer, GenerationUnit unit, string extraParameters = "")
        {
            var name = unit.Header.Name;
            writer.Line($"/// <param name=\"fix\">Freeze the whole backbone (upstream <c>fix=True</c>); the spec's <c>fix</c> ({CSharpLiterals.Boolean(unit.Fields.Boolean(SharedFields.Fix))}) when null.</param>");
            writer.Open($"public {name}(bool? fix = null{extraParameters}) : base(nameof({name}))");
        }

        /// <summary>The constructor's last line: applies <c>fix</c>, and leaves the module in eval mode.</summary>
        public static void ApplyFreezing(SourceWriter writer, string frozenParts = "", string untrainedParameters = "")
        {
            var frozen = frozenParts.Length == 0 ? "global::System.Array.Empty<nn.Module>()" : frozenParts;
            var untrained = untrainedParameters.Length == 0 ? "global::System.Array.Empty<Parameter>()" : untrainedParameters;
            writer.Line($"ApplyFreezing(fix ?? Config.Fix, frozenParts: {frozen}, untrainedParameters: {untrained});");
        }

        /// <summary>A forward's first lines after its input checks: no graph when the backbone is fixed.</summary>
        public static void FixedForwardScope(SourceWriter writer) => writer.Line("using var fixedScope = FixedForwardScope();");

        /// <summary>The members every class ends with (checkpoint conventions, pretrained sources, the ModelZoo registration), then the class's closing brace.</summary>
        public static void CloseClass(SourceWriter writer, GenerationUnit unit)
        {
            CheckpointLayout(writer, unit);
            writer.Line();
            PretrainedSources(writer, unit);
            writer.Line();
            RegistrationEmitter.Emit(writer, unit);
            writer.Close();
        }

        /// <summary>The spec's checkpoint conventions: known prefixes and the declared alias schemes of the family.</summary>
        private static void CheckpointLayout(SourceWriter writer, GenerationUnit unit)
        {
            var family = ModelFamilies.Find(unit.Header.Family)!;
            var checkpoint = unit.Fields.Object(SharedFields.Checkpoint);
            var declared = checkpoint.Strings(SharedFields.AliasSchemes);
            var schemes = family.AliasSchemes(unit.Fields).Where(s => declared.Contains(s.Name)).ToList();
            writer.Line("/// <summary>The checkpoint conventions of the spec: the prefixes published files use and the alias schemes of other layouts.</summary>");
            writer.Line("public static global::ModelGen.Models.Weights.CheckpointLayout Checkpoints { get; } = new global::ModelGen.Models.Weights.CheckpointLayout(").Indent();
            writer.Line($"knownPrefixes: {CSharpLiterals.StringArray(checkpoint.Strings(SharedFields.Prefixes))},");
            writer.Line(schemes.Count == 0 ? "aliasSchemes: global::System.Array.Empty<global::ModelGen.Models.Weights.KeyAliasScheme>());" : "aliasSchemes: new[]");
            if (schemes.Count > 0)
            {
                writer.Line("{").Indent();
                foreach (var scheme in schemes)
                    WriteScheme(writer, scheme);
                writer.Outdent().Line("});");
            }
            writer.Outdent();
            writer.Line();
            writer.Line("public override global::ModelGen.Models.Weights.CheckpointLayout CheckpointLayout => Checkpoints;");
        }

        /// <summary>The spec's named pretrained sources (upstream init_cfg checkpoints), by tag.</summary>
        private static void PretrainedSources(SourceWriter writer, GenerationUnit unit)
        {
            const string Pretrained = "global::ModelGen.Models.Pretrained";
            var sources = unit.Fields.Map(SharedFields.Pretrained);
            writer.Line("/// <summary>The published weights this variant can be initialised from, by tag (see <see cref=\"BackboneModule.LoadPretrained\"/>).</summary>");
            writer.Line($"public static global::System.Collections.Generic.IReadOnlyDictionary<string, {Pretrained}.PretrainedSource> Pretrained {{ get; }} = new global::System.Collections.Generic.Dictionary<string, {Pretrained}.PretrainedSource>");
            writer.Line("{").Indent();
            foreach (var entry in sources)
            {
                var source = entry.Value;
                var md5 = source.OptionalString("md5Prefix");
                var sha256 = source.OptionalString("sha256");
                var hash = md5 is not null ? $"{Pretrained}.FileHash.Md5Prefix({CSharpLiterals.String(md5)})"
                    : sha256 is not null ? $"{Pretrained}.FileHash.Sha256({CSharpLiterals.String(sha256)})"
                    : "null";
                var scheme = source.OptionalString("aliasScheme");
                var preprocessing = source.Has("mean")
                    ? $"new {Pretrained}.Preprocessing({CSharpLiterals.NumberArray(source.Numbers("mean"))}, {CSharpLiterals.NumberArray(source.Numbers("std"))}, {CSharpLiterals.Number(source.Number("inputScale"))}, {CSharpLiterals.String(source.String("channelOrder"))})"
                    : "null";
                writer.Line($"[{CSharpLiterals.String(entry.Key)}] = new {Pretrained}.PretrainedSource(").Indent();
                writer.Line($"Tag: {CSharpLiterals.String(entry.Key)},");
                writer.Line($"FileName: {CSharpLiterals.String(source.String("file"))},");
                writer.Line($"Url: {CSharpLiterals.String(source.String("url"))},");
                writer.Line($"Hash: {hash},");
                writer.Line($"Prefix: {CSharpLiterals.String(source.String("prefix"))},");
                writer.Line($"AliasScheme: {(scheme is null ? "null" : CSharpLiterals.String(scheme))},");
                writer.Line($"License: {CSharpLiterals.String(source.String("license"))},");
                writer.Line($"Preprocessing: {preprocessing},");
                writer.Line($"Description: {CSharpLiterals.String(source.String("description"))}),");
                writer.Outdent();
            }
            writer.Outdent().Line("};");
            writer.Line();
            writer.Line($"public override global::System.Collections.Generic.IReadOnlyDictionary<string, {Pretrained}.PretrainedSource> PretrainedSources => Pretrained;");
        }

        private static void WriteScheme(SourceWriter writer, AliasSchemeModel scheme)
        {
            writer.Line($"new global::ModelGen.Models.Weights.KeyAliasScheme({CSharpLiterals.String(scheme.Name)}, {CSharpLiterals.String(scheme.Description)}, new global::ModelGen.Models.Weights.KeyAlias[]");
            writer.Line("{").Indent();
            foreach (var rule in scheme.Rules)
                writer.Line($"new({CSharpLiterals.String(rule.Own)}, {(rule.Alias is null ? "null" : CSharpLiterals.String(rule.Alias))}),");
            writer.Outdent().Line("}),");
        }
    }
}
