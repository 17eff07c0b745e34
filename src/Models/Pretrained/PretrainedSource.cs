namespace ModelGen.Models.Pretrained;

/// <summary>
/// One published checkpoint a model can be initialised from: where to download it, how to check it,
/// where the model's keys sit inside it and how images must be prepared for it.
/// </summary>
/// <param name="Tag">The name of the weight set, e.g. <c>sa1b</c> or <c>openai</c>.</param>
/// <param name="FileName">
/// The file's name in the weights folders, no folder part: its published name, or where that is shared by
/// several sources (every open_clip Hub repository calls its file <c>open_clip_model.safetensors</c>) a unique one.
/// </param>
/// <param name="Url">Where it is downloaded from (http or https).</param>
/// <param name="Hash">The published digest, or null where none is published (the file is then not checked).</param>
/// <param name="Prefix">The prefix of this model's keys inside the file, e.g. <c>image_encoder.</c> or <c>visual.</c>; empty for none.</param>
/// <param name="AliasScheme">The name of the key mapping from the file's names to the model's, or null when they are the same.</param>
/// <param name="License">The licence the weights are published under.</param>
/// <param name="Preprocessing">How images must be prepared for these weights.</param>
/// <param name="Description">One line for listings.</param>
public sealed record PretrainedSource(
    string Tag,
    string FileName,
    string Url,
    FileHash? Hash = null,
    string Prefix = "",
    string? AliasScheme = null,
    string? License = null,
    Preprocessing? Preprocessing = null,
    string? Description = null)
{
    public string Tag { get; } = NotBlank(Tag, nameof(Tag));

    public string FileName { get; } = PlainFileName(FileName);

    public string Url { get; } = HttpUrl(Url);

    public string Prefix { get; } = Prefix ?? throw new ArgumentNullException(nameof(Prefix));

    private static string NotBlank(string value, string name) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("Give a non-empty value.", name) : value;

    // The name is joined to the weights folders, so it must not be able to point outside them.
    private static string PlainFileName(string fileName)
    {
        NotBlank(fileName, nameof(FileName));
        if (fileName is "." or ".." || fileName.IndexOfAny(['/', '\\']) >= 0 || fileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
            throw new ArgumentException($"'{fileName}' is not a plain file name.", nameof(FileName));
        return fileName;
    }

    private static string HttpUrl(string url)
    {
        NotBlank(url, nameof(Url));
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            throw new ArgumentException($"'{url}' is not an absolute http or https URL.", nameof(Url));
        return url;
    }
}
