using System.Buffers.Binary;
using System.Text;

namespace ModelGen.Models.Tests.Weights;

/// <summary>Safetensors files built byte by byte, valid or broken on purpose.</summary>
internal static class HandMadeSafetensors
{
    /// <summary>A header record as JSON text; the defaults describe a valid two-float tensor at the start of the data.</summary>
    public static string Record(string dtype = "\"F32\"", string shape = "[2]", string offsets = "[0, 8]") =>
        $$"""{"dtype": {{dtype}}, "shape": {{shape}}, "data_offsets": {{offsets}}}""";

    /// <summary>The length prefix of <paramref name="header"/>, the header (UTF-8, unpadded), then <paramref name="dataBytes"/> bytes 0, 1, 2, ...</summary>
    public static byte[] File(string header, int dataBytes) => File(Encoding.UTF8.GetBytes(header), dataBytes);

    public static byte[] File(byte[] header, int dataBytes) =>
        [.. Prefix((ulong)header.Length), .. header, .. Enumerable.Range(0, dataBytes).Select(i => (byte)i)];

    /// <summary>A length prefix declaring <paramref name="headerLength"/> bytes, followed by <paramref name="rest"/>.</summary>
    public static byte[] WithDeclaredLength(ulong headerLength, byte[] rest) => [.. Prefix(headerLength), .. rest];

    private static byte[] Prefix(ulong headerLength)
    {
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, headerLength);
        return prefix;
    }
}
