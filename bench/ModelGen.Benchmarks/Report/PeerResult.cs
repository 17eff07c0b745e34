namespace ModelGen.Benchmarks.Report;

/// <summary>One measurement of a <see cref="PythonPeer"/>, under the native-memory settings named by <paramref name="Mode"/>.</summary>
internal sealed record PeerResult(PythonPeer Peer, string Mode, ForwardResult Result);
