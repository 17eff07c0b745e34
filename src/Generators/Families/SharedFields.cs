using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Model;

namespace ModelGen.Generators.Families
{
    /// <summary>
    /// The fields every family takes beside its architecture: whether the backbone is frozen, the
    /// conventions of the checkpoints its weights come in, and its named pretrained sources
    /// (upstream's <c>fix</c> and <c>init_cfg</c>).
    /// </summary>
    internal static class SharedFields
    {
        public const string Fix = "fix";
        public const string Checkpoint = "checkpoint";
        public const string Prefixes = "prefixes";
        public const string AliasSchemes = "aliasSchemes";
        public const string Pretrained = "pretrained";

        private static readonly Regex Tag = new Regex("^[a-z0-9][a-z0-9_.-]*$", RegexOptions.CultureInvariant);
        private static readonly Regex Hex = new Regex("^[0-9a-f]+$", RegexOptions.CultureInvariant);

        public static IReadOnlyList<FieldDefinition> PretrainedFields { get; } = new[]
        {
            new FieldDefinition("file", FieldKind.String, "File name the weights are published under"),
            new FieldDefinition("url", FieldKind.String, "Public download URL (http or https)"),
            new FieldDefinition("md5Prefix", FieldKind.String, "Leading hex digits of the file's MD5, as SAM's file names publish them").AsOptional(),
            new FieldDefinition("sha256", FieldKind.String, "The file's SHA-256 in hex, where published").AsOptional(),
            new FieldDefinition("prefix", FieldKind.String, "Key prefix of this variant's tensors in the file (empty: none)").WithDefault(""),
            new FieldDefinition("aliasScheme", FieldKind.String, "Alias scheme the file's names are read through (one of the variant's checkpoint.aliasSchemes)").AsOptional(),
            new FieldDefinition("license", FieldKind.String, "Licence of the weights"),
            new FieldDefinition("description", FieldKind.String, "What the weights were trained on").WithDefault(""),
            new FieldDefinition("mean", FieldKind.NumberList, "Per-channel mean subtracted from the input, on the scale of inputScale").WithLength(3).InRange(double.Epsilon, 1e6).AsOptional(),
            new FieldDefinition("std", FieldKind.NumberList, "Per-channel standard deviation the input is divided by, on the scale of inputScale").WithLength(3).InRange(double.Epsilon, 1e6).AsOptional(),
            new FieldDefinition("inputScale", FieldKind.Number, "Pixel value of full intensity the mean and std refer to (255: 0-255 pixels; 1: 0-1 pixels)").WithDefault(255.0).InRange(double.Epsilon, 65535.0),
            new FieldDefinition("channelOrder", FieldKind.Choice, "Channel order the weights expect").WithDefault("RGB").WithChoices("RGB", "BGR"),
        };

        /// <summary>The family's own fields followed by the shared ones.</summary>
        public static IReadOnlyList<FieldDefinition> With(params FieldDefinition[] own) => own.Concat(new[]
        {
            new FieldDefinition(Fix, FieldKind.Boolean, "Freeze the whole backbone (upstream fix=True): no gradients, always in eval mode").WithDefault(false),
            new FieldDefinition(Checkpoint, FieldKind.Object, "Conventions of the checkpoints this variant's weights come in").WithChildren(new[]
            {
                new FieldDefinition(Prefixes, FieldKind.StringList, "Key prefixes published checkpoints put this variant's tensors under, e.g. \"image_encoder.\"").WithDefault(EquatableArray<string>.Empty),
                new FieldDefinition(AliasSchemes, FieldKind.StringList, "Alias schemes of the family that map other layouts of the weights onto this variant's names, e.g. \"ovsam\"").WithDefault(EquatableArray<string>.Empty),
            }),
            new FieldDefinition(Pretrained, FieldKind.ObjectMap, "Named pretrained sources (upstream init_cfg checkpoints), by tag").WithDefault(EquatableArray<BoundMapEntry>.Empty).WithChildren(PretrainedFields),
        }).ToArray();

        public static void Validate(BoundObject fields, IModelFamily family, DiagnosticBag diagnostics)
        {
            var checkpoint = fields.Object(Checkpoint);
            var known = family.AliasSchemes(fields).Select(s => s.Name).ToList();
            var prefixes = checkpoint.Strings(Prefixes);
            for (var i = 0; i < prefixes.Count; i++)
                if (!IsPrefix(prefixes[i]) || prefixes[i].Length == 0)
                    diagnostics.Add(DiagnosticDescriptors.OutOfRange, checkpoint.SpanOfItem(Prefixes, i), $"'{Prefixes}' item \"{prefixes[i]}\" is not a key prefix; write the dotted path with its final dot, e.g. \"image_encoder.\".");
            var schemes = checkpoint.Strings(AliasSchemes);
            for (var i = 0; i < schemes.Count; i++)
            {
                if (!known.Contains(schemes[i]))
                    diagnostics.Add(DiagnosticDescriptors.InvalidChoice, checkpoint.SpanOfItem(AliasSchemes, i), known.Count == 0
                        ? $"'{AliasSchemes}' names \"{schemes[i]}\", but family '{family.Name}' has no alias schemes: its checkpoints use its own names."
                        : $"'{AliasSchemes}' names \"{schemes[i]}\"; family '{family.Name}' knows {string.Join(", ", known.Select(k => $"\"{k}\""))}.{Suggest(schemes[i], known)}");
                else if (schemes.Take(i).Contains(schemes[i]))
                    diagnostics.Add(DiagnosticDescriptors.DuplicateField, checkpoint.SpanOfItem(AliasSchemes, i), $"'{AliasSchemes}' lists \"{schemes[i]}\" twice; list it once.");
            }

            foreach (var entry in fields.Map(Pretrained))
                ValidateSource(entry, schemes, diagnostics);
        }

        private static void ValidateSource(BoundMapEntry entry, EquatableArray<string> schemes, DiagnosticBag diagnostics)
        {
            var source = entry.Value;
            if (!Tag.IsMatch(entry.Key))
                diagnostics.Add(DiagnosticDescriptors.InvalidName, entry.KeySpan, $"Pretrained tag '{entry.Key}' must be lower-case letters, digits, '_', '-' or '.', starting with a letter or digit (e.g. \"sa1b\", \"openai\").");
            var file = source.String("file");
            if (file.Length == 0 || file.IndexOfAny(new[] { '/', '\\' }) >= 0 || file == "." || file == "..")
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, source.SpanOf("file"), $"'file' \"{file}\" must be a bare file name (no folders), e.g. \"sam_vit_b_01ec64.pth\".");
            var url = source.String("url");
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "https" && uri.Scheme != "http"))
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, source.SpanOf("url"), $"'url' \"{url}\" is not an absolute http(s) URL.");
            var md5 = source.OptionalString("md5Prefix");
            var sha256 = source.OptionalString("sha256");
            if (md5 is not null && (md5.Length < 6 || md5.Length > 32 || !Hex.IsMatch(md5)))
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, source.SpanOf("md5Prefix"), $"'md5Prefix' \"{md5}\" must be 6 to 32 lower-case hex digits.");
            if (sha256 is not null && (sha256.Length != 64 || !Hex.IsMatch(sha256)))
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, source.SpanOf("sha256"), $"'sha256' \"{sha256}\" must be 64 lower-case hex digits.");
            if (md5 is not null && sha256 is not null)
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, source.SpanOf("sha256"), "Give one hash, 'md5Prefix' or 'sha256', not both.");
            if (!IsPrefix(source.String("prefix")))
                diagnostics.Add(DiagnosticDescriptors.OutOfRange, source.SpanOf("prefix"), $"'prefix' \"{source.String("prefix")}\" is not a key prefix; write the dotted path with its final dot (e.g. \"visual.\"), or \"\" for none.");
            var scheme = source.OptionalString("aliasScheme");
            if (scheme is not null && !schemes.Contains(scheme))
                diagnostics.Add(DiagnosticDescriptors.InvalidChoice, source.SpanOf("aliasScheme"), schemes.Count == 0
                    ? $"'aliasScheme' \"{scheme}\" is not among the variant's checkpoint.aliasSchemes, which are empty."
                    : $"'aliasScheme' \"{scheme}\" is not among the variant's checkpoint.aliasSchemes ({string.Join(", ", schemes.Select(s => $"\"{s}\""))}).");
            if (source.Has("mean") != source.Has("std"))
                diagnostics.Add(DiagnosticDescriptors.Inconsistent, source.Has("mean") ? source.SpanOf("mean") : source.SpanOf("std"), "Give 'mean' and 'std' together: preprocessing needs both.");
        }

        /// <summary>A dotted key path with its final dot (<c>image_encoder.</c>), or "" for none.</summary>
        public static bool IsPrefix(string prefix) =>
            prefix.Length == 0 || (prefix.EndsWith(".", StringComparison.Ordinal) && !prefix.StartsWith(".", StringComparison.Ordinal) && !prefix.Contains("..") && prefix.All(c => !char.IsWhiteSpace(c)));

        private static string Suggest(string value, IEnumerable<string> known)
        {
            var suggestion = NameSuggestions.Closest(value, known);
            return suggestion is null ? "" : $" Did you mean \"{suggestion}\"?";
        }
    }
}
