using System.Collections.Concurrent;
using Secrets.Runtime.Sandbox.CSharp;

namespace Secrets.Runtime.Sandbox.Workers;

/// <summary>
/// Compiled scripts by <see cref="ScriptCompiler.CacheKey"/>: in memory, and (when a folder is given) on disk as
/// <c>KEY.dll</c>, owner-only, written atomically. Images read back from disk pass <see cref="ScriptCompiler.Checked"/>
/// again before use, so a damaged or planted file is refused, not run. Refusals are kept in memory only.
/// </summary>
internal sealed class ScriptImageCache
{
    private readonly ConcurrentDictionary<string, Task<ScriptCompilation>> _memory = new(StringComparer.Ordinal);
    private readonly string? _directory;

    public ScriptImageCache(string? directory) => _directory = directory;

    /// <summary>The cached compilation of <paramref name="key"/>, or the one <paramref name="compile"/> makes (once, even when asked concurrently).</summary>
    public async Task<ScriptCompilation> GetOrAddAsync(string key, Func<Task<ScriptCompilation>> compile)
    {
        var task = _memory.GetOrAdd(key, k => LoadOrCompileAsync(k, compile));
        try
        {
            return await task.ConfigureAwait(false);
        }
        catch
        {
            // A failed compile (the compile worker died) is not remembered; the next run tries again.
            _memory.TryRemove(KeyValuePair.Create(key, task));
            throw;
        }
    }

    /// <summary>True when <paramref name="key"/> is cached in memory or on disk.</summary>
    public bool Contains(string key) => _memory.ContainsKey(key) || (_directory is not null && File.Exists(PathOf(key)));

    /// <summary>Forgets a result that was not a verdict on the script (a compile limit), so the next run compiles again.</summary>
    public void Forget(string key) => _memory.TryRemove(key, out _);

    private async Task<ScriptCompilation> LoadOrCompileAsync(string key, Func<Task<ScriptCompilation>> compile)
    {
        if (_directory is not null && File.Exists(PathOf(key)))
        {
            var loaded = ScriptCompiler.Checked(await File.ReadAllBytesAsync(PathOf(key)).ConfigureAwait(false));
            if (loaded.Succeeded)
            {
                return loaded;
            }

            File.Delete(PathOf(key));
        }

        var compiled = await compile().ConfigureAwait(false);
        if (compiled.Succeeded && _directory is not null)
        {
            Save(key, compiled.Image!);
        }

        return compiled;
    }

    private void Save(string key, byte[] image)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            Directory.CreateDirectory(_directory!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            Directory.CreateDirectory(_directory!);
        }

        var temp = Path.Combine(_directory!, $".{key}.{Guid.NewGuid():N}.tmp");
        using (var file = new FileStream(temp, options))
        {
            file.Write(image);
        }

        File.Move(temp, PathOf(key), overwrite: true);
    }

    private string PathOf(string key) => Path.Combine(_directory!, key + ".dll");
}
