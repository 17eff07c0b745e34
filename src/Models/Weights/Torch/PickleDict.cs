namespace ModelGen.Models.Weights.Torch;

/// <summary>
/// A dict or OrderedDict of an unpickled checkpoint, in insertion order. As in Python, setting a string
/// key again replaces its value in place; other keys (ints of an optimizer state, ...) are only kept
/// in order, since nothing looks them up.
/// </summary>
internal sealed class PickleDict
{
    private readonly List<KeyValuePair<object?, object?>> _items = [];
    private readonly Dictionary<string, int> _stringKeys = new(StringComparer.Ordinal);

    public IReadOnlyList<KeyValuePair<object?, object?>> Items => _items;

    public void Set(object? key, object? value)
    {
        if (key is string name)
        {
            if (_stringKeys.TryGetValue(name, out var index))
            {
                _items[index] = new(key, value);
                return;
            }
            _stringKeys[name] = _items.Count;
        }
        _items.Add(new(key, value));
    }

    public bool TryGetValue(string key, out object? value)
    {
        if (_stringKeys.TryGetValue(key, out var index))
        {
            value = _items[index].Value;
            return true;
        }
        value = null;
        return false;
    }
}
