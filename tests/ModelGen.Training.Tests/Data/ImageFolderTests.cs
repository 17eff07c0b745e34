using ModelGen.Training.Data;
using ModelGen.Training.Tests.Checkpoints;
using ModelGen.Training.Tests.Testing;

namespace ModelGen.Training.Tests.Data;

public sealed class ImageFolderTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    [Fact]
    public void Images_are_the_pngs_and_jpegs_sorted_by_name_with_their_stems()
    {
        foreach (var name in new[] { "b.png", "a.JPG", "c.jpeg", "B.png" })
            TestImages.Gradient(_folder.Path, name, 8, 8, 0);
        File.WriteAllText(_folder.File("notes.txt"), "not an image");
        Directory.CreateDirectory(_folder.File("sub.png"));

        var folder = ImageFolder.Open(_folder.Path);

        Assert.Equal(["B", "a", "b", "c"], folder.Images.Select(i => i.Stem));
        Assert.Equal(_folder.File("a.JPG"), folder.Images[1].Path);
    }

    [Fact]
    public void An_empty_folder_is_an_error_naming_it()
    {
        File.WriteAllText(_folder.File("notes.txt"), "not an image");
        var error = Assert.Throws<ImageDataException>(() => ImageFolder.Open(_folder.Path));
        Assert.Equal($"{_folder.Path}: the folder holds no PNG or JPEG image (*.png, *.jpg, *.jpeg)", error.Message);
    }

    [Fact]
    public void A_missing_folder_is_an_error_naming_it()
    {
        var missing = _folder.File("missing");
        var error = Assert.Throws<ImageDataException>(() => ImageFolder.Open(missing));
        Assert.Equal($"{missing}: the folder does not exist", error.Message);
    }

    [Fact]
    public void Two_images_with_one_stem_are_refused_as_they_would_share_a_cache_entry()
    {
        TestImages.Gradient(_folder.Path, "sa_1.png", 8, 8, 0);
        TestImages.Gradient(_folder.Path, "sa_1.jpg", 8, 8, 1);
        var error = Assert.Throws<ImageDataException>(() => ImageFolder.Open(_folder.Path));
        Assert.Contains("sa_1.jpg and sa_1.png share the stem 'sa_1'", error.Message);
    }

    public void Dispose() => _folder.Dispose();
}
