using System;
using System.Collections.Generic;
using System.Linq;

namespace ModelGen.Generators.Pipeline
{
    /// <summary>
    /// The specs that ship inside the ModelGen package, named by stable references:
    /// <c>"extends": "modelgen:sam/vit_b"</c> is the file <c>sam/vit_b.model.json</c> of the package's specs
    /// folder (the build property <c>ModelGenBuiltInSpecsDirectory</c>). They are AdditionalFiles of the
    /// consuming project so the generator can read them, but they generate nothing there (the library
    /// already holds their classes), and a place in them is named by reference, not by NuGet-cache path.
    /// </summary>
    internal sealed class BuiltInSpecs
    {
        public const string Scheme = "modelgen:";

        /// <summary>The root namespace of ModelGen.Models, the library that compiles the built-in specs.</summary>
        public const string LibraryNamespace = "ModelGen.Models";

        private readonly string _directory;

        /// <param name="normalizedDirectory">The specs folder as a normalized full path, or "" when the project has none.</param>
        public BuiltInSpecs(string normalizedDirectory)
        {
            _directory = normalizedDirectory.Length == 0 ? "" : normalizedDirectory.TrimEnd('/') + "/";
        }

        public bool Available => _directory.Length > 0;

        public static bool IsReference(string extends) => extends.StartsWith(Scheme, StringComparison.Ordinal);

        public bool Contains(string normalizedPath) =>
            Available && normalizedPath.StartsWith(_directory, StringComparison.Ordinal) && normalizedPath.EndsWith(ModelSpecGenerator.SpecSuffix, StringComparison.Ordinal);

        /// <summary>The normalized path a reference names, or null when it is not a well-formed reference into the folder.</summary>
        public string? PathOf(string reference)
        {
            var segments = reference.Substring(Scheme.Length).Split('/');
            if (!Available || segments.Any(s => s.Length == 0 || s == "." || s == ".." || s.IndexOf('\\') >= 0))
                return null;
            return _directory + string.Join("/", segments) + ModelSpecGenerator.SpecSuffix;
        }

        /// <summary><c>modelgen:sam/vit_b</c> for the normalized path of a built-in spec.</summary>
        public string ReferenceOf(string normalizedPath) =>
            Scheme + normalizedPath.Substring(_directory.Length, normalizedPath.Length - _directory.Length - ModelSpecGenerator.SpecSuffix.Length);

        /// <summary>The references of every built-in spec among the given normalized paths, for suggestions.</summary>
        public IEnumerable<string> References(IEnumerable<string> normalizedPaths) =>
            normalizedPaths.Where(Contains).Select(ReferenceOf).OrderBy(r => r, StringComparer.Ordinal);
    }
}
