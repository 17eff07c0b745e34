using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// Makes one symbol-version requirement of an ELF64 little-endian shared library optional:
// the version's .gnu.version_r entry gets VER_FLG_WEAK and every undefined dynamic symbol bound
// to it becomes weak and unversioned. Written to a temporary file and moved over the original,
// so a hard link into the NuGet cache is never modified.
public class PatchElfWeakVersionNeed : Task
{
    private const uint ShtDynsym = 11;
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const uint ShtGnuVersym = 0x6fffffff;
    private const ushort VerFlgWeak = 0x2;
    private const ushort VerNdxGlobal = 1;
    private const byte StbWeak = 2;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string VersionName { get; set; } = "";
    [Required] public string SystemLibraries { get; set; } = "";

    public override bool Execute()
    {
        foreach (var candidate in SystemLibraries.Split(new[] { ';' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(candidate) && Contains(File.ReadAllBytes(candidate), Encoding.ASCII.GetBytes(VersionName + "\0")))
            {
                Log.LogMessage(MessageImportance.Low, $"{candidate} provides {VersionName}; TorchSharp natives left as they are.");
                return true;
            }
        }

        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var bytes = File.ReadAllBytes(path);
                var changed = Patch(bytes);
                if (changed == 0)
                {
                    Log.LogMessage(MessageImportance.Low, $"{path}: no required {VersionName} left to relax.");
                    continue;
                }

                var temporary = path + ".patching";
                File.WriteAllBytes(temporary, bytes);
                File.Delete(path);
                File.Move(temporary, path);
                Log.LogMessage(MessageImportance.Normal, $"{path}: made {VersionName} optional ({changed} entries) for this system's older libstdc++.");
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogError($"Could not patch {path} for {VersionName}: {e.Message}");
            }
        }

        return !Log.HasLoggedErrors;
    }

    private int Patch(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");

        var sectionHeaders = (long)U64(elf, 0x28);
        int sectionHeaderSize = U16(elf, 0x3a), sectionCount = U16(elf, 0x3c);

        long verneed = -1, verneedSize = 0, versym = -1, dynsym = -1, dynsymSize = 0, dynstr = -1;
        for (var i = 0; i < sectionCount; i++)
        {
            var header = sectionHeaders + (long)i * sectionHeaderSize;
            var type = U32(elf, header + 4);
            var offset = (long)U64(elf, header + 0x18);
            var size = (long)U64(elf, header + 0x20);
            var link = U32(elf, header + 0x28);
            if (type == ShtGnuVerneed) { verneed = offset; verneedSize = size; dynstr = (long)U64(elf, sectionHeaders + link * sectionHeaderSize + 0x18); }
            else if (type == ShtGnuVersym) { versym = offset; }
            else if (type == ShtDynsym) { dynsym = offset; dynsymSize = size; }
        }
        if (verneed < 0 || versym < 0 || dynsym < 0) return 0;

        var changed = 0;
        var versionIndex = -1;
        var entry = verneed;
        while (entry >= verneed && entry < verneed + verneedSize)
        {
            var auxiliary = entry + U32(elf, entry + 8);
            for (var j = 0; j < U16(elf, entry + 2); j++)
            {
                if (CString(elf, dynstr + U32(elf, auxiliary + 8)) == VersionName)
                {
                    versionIndex = U16(elf, auxiliary + 6);
                    var flags = U16(elf, auxiliary + 4);
                    if ((flags & VerFlgWeak) == 0) { W16(elf, auxiliary + 4, (ushort)(flags | VerFlgWeak)); changed++; }
                }
                auxiliary += U32(elf, auxiliary + 12);
            }
            var next = U32(elf, entry + 12);
            if (next == 0) break;
            entry += next;
        }
        if (versionIndex < 0) return changed;

        const int symbolSize = 24;
        for (long s = 0; s < dynsymSize / symbolSize; s++)
        {
            var version = versym + s * 2;
            var symbol = dynsym + s * symbolSize;
            var isUndefined = U16(elf, symbol + 6) == 0;
            if ((U16(elf, version) & 0x7fff) != versionIndex || !isUndefined) continue;
            W16(elf, version, VerNdxGlobal);
            elf[symbol + 4] = (byte)((StbWeak << 4) | (elf[symbol + 4] & 0xf));
            changed++;
        }
        return changed;
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return true;
        }
        return false;
    }

    private static string CString(byte[] b, long at)
    {
        var end = at;
        while (b[end] != 0) end++;
        return Encoding.ASCII.GetString(b, (int)at, (int)(end - at));
    }

    private static ushort U16(byte[] b, long at) => (ushort)(b[at] | (b[at + 1] << 8));
    private static uint U32(byte[] b, long at) => (uint)(U16(b, at) | (U16(b, at + 2) << 16));
    private static ulong U64(byte[] b, long at) => U32(b, at) | ((ulong)U32(b, at + 4) << 32);
    private static void W16(byte[] b, long at, ushort v) { b[at] = (byte)v; b[at + 1] = (byte)(v >> 8); }
}
