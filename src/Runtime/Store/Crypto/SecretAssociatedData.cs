using System.Buffers.Binary;
using System.Text;

namespace Secrets.Runtime.Store.Crypto;

/// <summary>
/// The AES-GCM associated data that binds a ciphertext to its row: scope, owner, name and version, each
/// length-prefixed so no field can be shifted into another. A ciphertext copied onto another row fails to decrypt.
/// </summary>
internal static class SecretAssociatedData
{
    private const string Context = "secrets-runtime/value/v1";

    public static byte[] For(SecretScope scope, string owner, SecretName name, int version)
    {
        using var stream = new MemoryStream();
        Field(stream, Context);
        Field(stream, scope.ToText());
        Field(stream, owner);
        Field(stream, name.Value);
        Span<byte> v = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(v, version);
        stream.Write(v);
        return stream.ToArray();
    }

    private static void Field(MemoryStream stream, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        stream.Write(length);
        stream.Write(bytes);
    }
}
