using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using ModelGen.Models.Tests.Testing;

namespace ModelGen.Models.Tests.Runtime;

/// <summary>
/// TorchSharp 0.107 turns a number passed where a <c>TorchSharp.Scalar</c> is expected (<c>x * 0.5</c>,
/// <c>x.pow(2)</c>) into a Scalar that nothing disposes: its native handle lives until a garbage collection, which a
/// forward that allocates almost no managed memory does not cause. Those small native blocks land inside the large
/// ones freed between tensors and keep glibc from reusing them, so with the allocator keeping freed memory
/// (<c>TensorMemory.OptimizeForLargeTensors</c>) the resident set grew by 64 MiB every few forwards of VITAMIN at
/// 1024² without bound. The library's sources must make and dispose their Scalars explicitly.
/// </summary>
public sealed class ImplicitScalarTests
{
    [Theory]
    [InlineData("src/Models")]
    [InlineData("src/Training")]
    public void No_number_is_converted_to_a_scalar_implicitly(string folder)
    {
        var found = ImplicitScalarConversions(Path.Combine(RepositoryPaths.Root, folder)).ToList();

        Assert.True(found.Count == 0, "Implicit Scalar conversions (dispose an explicit Scalar instead):\n"
                                      + string.Join("\n", found));
    }

    private static readonly CSharpParseOptions Preview = new(LanguageVersion.Preview);

    /// <summary>The scan itself finds each kind it looks for, and nothing in explicit code.</summary>
    [Fact]
    public void The_scan_finds_each_kind_of_implicit_scalar()
    {
        const string source = """
            using TorchSharp;
            using static TorchSharp.torch;
            static class Sample
            {
                static void Leaks(Tensor x)
                {
                    var a = x * 0.5;
                    var b = x.pow(2);
                    var c = linalg.vector_norm(x, 2, [1]);
                    var d = x.ToSingle();
                }

                static void Disposes(Tensor x)
                {
                    using var half = 0.5.ToScalar();
                    var a = x.mul(half);
                    var b = x * x;
                }
            }
            """;

        var found = ImplicitScalarConversions([CSharpSyntaxTree.ParseText(source, Preview, "Sample.cs")]).ToList();

        Assert.Equal(["x * 0.5", "2", "linalg.vector_norm(x, 2, [1])", "x.ToSingle()"],
            found.Select(line => line[(line.IndexOf(": ", StringComparison.Ordinal) + 2)..]));
    }

    private static IEnumerable<string> ImplicitScalarConversions(string folder) => ImplicitScalarConversions(
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}")
                           && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"))
            .Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path),
                Preview, path))
            .ToList());

    private static IEnumerable<string> ImplicitScalarConversions(IReadOnlyList<SyntaxTree> sources)
    {
        var trees = sources
            .Append(CSharpSyntaxTree.ParseText(ImplicitUsings, Preview))
            .ToList();
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Append(typeof(TorchSharp.Scalar).Assembly.Location)
            .Distinct()
            .Select(path => MetadataReference.CreateFromFile(path));
        var compilation = CSharpCompilation.Create("ScalarScan", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        var scalar = compilation.GetTypeByMetadataName("TorchSharp.Scalar")
                     ?? throw new InvalidOperationException("TorchSharp.Scalar is not in the scan's references.");
        var tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor")
                     ?? throw new InvalidOperationException("TorchSharp.torch.Tensor is not in the scan's references.");

        foreach (var tree in sources)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var expression in tree.GetRoot().DescendantNodes().OfType<ExpressionSyntax>())
            {
                if (!MakesAScalar(model, expression, scalar, tensor))
                    continue;
                var line = tree.GetLineSpan(expression.Span).StartLinePosition.Line + 1;
                var file = Path.IsPathRooted(tree.FilePath) ? Path.GetRelativePath(RepositoryPaths.Root, tree.FilePath) : tree.FilePath;
                yield return $"{file}:{line}: {expression}";
            }
        }
    }

    /// <summary>
    /// A number converted to a Scalar where it is passed; a Tensor operator with a number for an operand (TorchSharp
    /// converts it inside); or one of the TorchSharp members known to make a Scalar inside and not dispose it.
    /// </summary>
    private static bool MakesAScalar(SemanticModel model, ExpressionSyntax expression, INamedTypeSymbol scalar,
        INamedTypeSymbol tensor)
    {
        var conversion = model.GetConversion(expression);
        if (conversion.IsUserDefined && conversion.MethodSymbol is { } converter
                                     && SymbolEqualityComparer.Default.Equals(converter.ContainingType, scalar)
                                     && expression.Parent is not MemberAccessExpressionSyntax)
            return true;
        var info = model.GetSymbolInfo(expression);
        var symbol = (info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) as IMethodSymbol;
        if (symbol is null)
            return false;
        if (expression is BinaryExpressionSyntax or AssignmentExpressionSyntax or PrefixUnaryExpressionSyntax
            && symbol.MethodKind == MethodKind.UserDefinedOperator
            && SymbolEqualityComparer.Default.Equals(symbol.ContainingType, tensor)
            && symbol.Parameters.Any(parameter => parameter.Type.SpecialType is >= SpecialType.System_SByte
                and <= SpecialType.System_Double))
            return true;
        return expression is InvocationExpressionSyntax
               && symbol.ContainingNamespace?.ToDisplayString().StartsWith("TorchSharp", StringComparison.Ordinal) == true
               && KnownToMakeAScalar.Contains(symbol.Name);
    }

    /// <summary>What the SDK's implicit usings add to each project (they live in obj/, which the scan skips).</summary>
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    /// <summary>TorchSharp 0.107 members that turn an argument or the tensor into a Scalar and leave it undisposed.</summary>
    private static readonly HashSet<string> KnownToMakeAScalar =
    [
        "vector_norm", "matrix_norm", "ToSingle", "ToDouble", "ToHalf", "ToBFloat16", "ToSByte", "ToByte", "ToInt16",
        "ToInt32", "ToInt64", "ToBoolean", "ToComplexFloat32", "ToComplexFloat64", "ToComplex32", "ToComplex64",
    ];
}
