using System.Security.Cryptography;
using Secrets.Runtime.Redaction;

namespace Secrets.Runtime.Store.Crypto;

/// <summary>
/// Finds the master key: <c>SECRETS_RUNTIME_MASTER_KEY</c> (base64 of 32 bytes) when set, else the key file
/// <c>master.key</c> in the home folder, created with mode 0600 on first use. A key file readable by group or others
/// is refused, and so is a missing or malformed key. Whether it is the key the store was made with is checked by
/// <see cref="Verify"/>, which hashes it; the key ring calls that before the key's first use.
/// </summary>
internal static class MasterKeySource
{
    public const string EnvironmentVariable = "SECRETS_RUNTIME_MASTER_KEY";
    public const string FileName = "master.key";

    /// <param name="options">Home folder and environment.</param>
    /// <param name="neededId">The id the store was created with (to name in errors), or null for a new store (a key file may then be created).</param>
    public static MasterKey Load(StoreOptions options, string? neededId)
    {
        if (options.Environment.TryGetValue(EnvironmentVariable, out var fromEnv) && !string.IsNullOrWhiteSpace(fromEnv))
        {
            return new MasterKey(Decode(fromEnv.Trim(), EnvironmentVariable), EnvironmentVariable);
        }

        var path = Path.Combine(options.Home, FileName);
        if (File.Exists(path))
        {
            if (!OperatingSystem.IsWindows())
            {
                var mode = File.GetUnixFileMode(path);
                const UnixFileMode open = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
                if ((mode & open) != 0)
                {
                    throw StoreErrors.KeyFilePermissions($"key file {path} is readable by group or others (mode {Convert.ToString((int)mode, 8)}); run 'chmod 600 {path}'");
                }
            }

            return new MasterKey(Decode(File.ReadAllText(path).Trim(), path), path);
        }

        if (neededId is not null)
        {
            throw StoreErrors.MasterKeyMissing($"master key {neededId} is missing: set {EnvironmentVariable} or restore {path}");
        }

        var key = RandomNumberGenerator.GetBytes(EnvelopeCipher.KeySize);
        var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(new FileStream(path, fileOptions)))
        {
            writer.Write(Convert.ToBase64String(key));
        }

        return new MasterKey(key, path);
    }

    /// <summary>Throws when <paramref name="key"/> is not the key the store was created with.</summary>
    public static void Verify(MasterKey key, string? neededId)
    {
        if (neededId is not null && key.Id != neededId)
        {
            throw StoreErrors.MasterKeyWrong($"the master key from {key.Source} is {key.Id}, but this store needs {neededId}");
        }
    }

    private static byte[] Decode(string base64, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw StoreErrors.MasterKeyInvalid($"{source} is not base64; it must hold 32 random bytes in base64");
        }

        if (key.Length != EnvelopeCipher.KeySize)
        {
            var length = key.Length;
            CryptographicOperations.ZeroMemory(key);
            throw StoreErrors.MasterKeyInvalid($"{source} holds {length} bytes; it must hold exactly 32 (base64)");
        }

        return key;
    }
}
