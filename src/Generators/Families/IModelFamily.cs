using System.Collections.Generic;
using ModelGen.Generators.Diagnostics;
using ModelGen.Generators.Emit;
using ModelGen.Generators.Model;
using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Families
{
    /// <summary>
    /// A family of backbones: the fields its specs take, the checks a spec must pass beyond
    /// per-field types and ranges, and the emitter of its module class.
    /// </summary>
    internal interface IModelFamily
    {
        /// <summary>The value of a spec's <c>family</c> field, e.g. <c>sam-vit</c>.</summary>
        string Name { get; }

        /// <summary>One line on what the family is and where upstream defines it.</summary>
        string Summary { get; }

        IReadOnlyList<FieldDefinition> Fields { get; }

        /// <summary>Namespaces of the building blocks the generated module uses.</summary>
        IReadOnlyList<string> Usings { get; }

        /// <summary>The family's alias schemes for a spec's values: renamings between its state-dict names and other published layouts.</summary>
        IReadOnlyList<AliasSchemeModel> AliasSchemes(BoundObject fields);

        /// <summary>Cross-field checks; per-field type and range checks have already passed.</summary>
        void Validate(BoundObject fields, DiagnosticBag diagnostics);

        /// <summary>What the backbone of a valid spec takes and returns, for the specs that compose it.</summary>
        BackboneGeometry Geometry(BoundObject fields);

        /// <summary>Writes the module class (the config record is emitted separately).</summary>
        void EmitModule(SourceWriter writer, GenerationUnit unit);
    }
}
