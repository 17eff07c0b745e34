namespace ModelGen.Models.Pretrained;

/// <summary>How a checkpoint's publisher states the digest of its file.</summary>
public enum HashKind
{
    /// <summary>The first hex digits of the file's MD5, as SAM puts them in its file names (<c>sam_vit_b_01ec64.pth</c>).</summary>
    Md5Prefix,

    /// <summary>The file's whole SHA-256, as OpenAI puts it in the path of its CLIP download URLs.</summary>
    Sha256,
}
