using System.Diagnostics;
using ModelGen.Models.Layers.Sam;
using ModelGen.Models.Runtime;
using static TorchSharp.torch;

TensorMemory.OptimizeForLargeTensors();
var grid = int.Parse(args.Length > 0 ? args[0] : "64");
var reps = int.Parse(args.Length > 1 ? args[1] : "3");
manual_seed(1);
using var attn = new SamAttention(768, 12, true, true, grid);
using (no_grad()) { attn.RelPosH!.normal_(); attn.RelPosW!.normal_(); }
using var x = randn(1, grid, grid, 768);
using var ng = no_grad();

Tensor Sdpa(long blockBytes)
{
    using var scope = NewDisposeScope();
    var (b, h, w, c) = (1L, (long)grid, (long)grid, 768L);
    var heads = 12L; var d = c / heads; var S = b * heads; var T = h * w;
    var qkv = attn.Qkv.call(x).reshape(b, T, 3, heads, d).permute(2, 0, 3, 1, 4).reshape(3, S, T, d);
    var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
    var th = RelativePosition.Get(h, h, attn.RelPosH!); var tw = RelativePosition.Get(w, w, attn.RelPosW!);
    var rowBytes = S * w * T * 4; var rows = Math.Max(1, blockBytes / rowBytes);
    var outs = new List<Tensor>();
    for (long r = 0; r < h; r += rows)
    {
        var n = Math.Min(rows, h - r);
        var qb = q.narrow(1, r * w, n * w);
        var rq = qb.reshape(S, n, w, d);
        var relH = einsum("bhwc,hkc->bhwk", rq, th.narrow(0, r, n));
        var relW = einsum("bhwc,wkc->bhwk", rq, tw);
        var bias = (relH.unsqueeze(-1) + relW.unsqueeze(-2)).reshape(S, n * w, T);
        outs.Add(nn.functional.scaled_dot_product_attention(qb, k, v, bias));
    }
    var o = cat(outs.ToArray(), 1).view(b, heads, h, w, d).permute(0, 2, 3, 1, 4).reshape(b, h, w, c);
    return attn.Proj.call(o).MoveToOuterDisposeScope();
}

using var reference = (attn.ScoreBlockBytes = long.MaxValue) > 0 ? attn.call(x) : null!;
using (var s = Sdpa(32L << 20)) Console.WriteLine($"sdpa max diff {(s - reference).abs().max().item<float>():G3}, ref max {reference.abs().max().item<float>():G3}");
var modes = new (string, Func<Tensor>)[] {
  ("unblocked", () => { attn.ScoreBlockBytes = long.MaxValue; return attn.call(x); }),
  ("blocks 4MiB", () => { attn.ScoreBlockBytes = 4L << 20; return attn.call(x); }),
  ("blocks 32MiB", () => { attn.ScoreBlockBytes = 32L << 20; return attn.call(x); }),
  ("blocks 128MiB", () => { attn.ScoreBlockBytes = 128L << 20; return attn.call(x); }),
  ("sdpa 32MiB", () => Sdpa(32L << 20)),
  ("sdpa 128MiB", () => Sdpa(128L << 20)),
};
var times = modes.ToDictionary(m => m.Item1, _ => new List<double>());
for (var rep = 0; rep < reps + 1; rep++)
  foreach (var (name, f) in modes)
  {
    var sw = Stopwatch.StartNew(); using (f()) sw.Stop();
    if (rep > 0) times[name].Add(sw.Elapsed.TotalMilliseconds);
  }
foreach (var (name, t) in times) Console.WriteLine($"{name}: min {t.Min():F0} ms median {t.Order().ElementAt(t.Count/2):F0} ms");
Console.WriteLine(File.ReadAllText("/proc/loadavg"));
