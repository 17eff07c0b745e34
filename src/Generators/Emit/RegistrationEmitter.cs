using ModelGen.Generators.Pipeline;

namespace ModelGen.Generators.Emit
{
    /// <summary>Writes the module initializer through which every generated backbone registers itself with ModelZoo.</summary>
    internal static class RegistrationEmitter
    {
        public static void Emit(SourceWriter writer, GenerationUnit unit)
        {
            var name = unit.Header.Name;
            var config = ConfigRecordEmitter.TypeName(unit.Header);
            writer.Line("[global::System.Runtime.CompilerServices.ModuleInitializer]");
            writer.Line($"internal static void RegisterWithModelZoo() => ModelZoo.Register(new ModelRegistration(typeof({name}), {config}.Default, Features, Pretrained, fix => new {name}(fix)));");
        }
    }
}
