using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Secrets.Runtime.Server.Contracts;
using Secrets.Runtime.Server.Endpoints;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Server.Http;

/// <summary>
/// The JSON of a listed secret (<see cref="SecretMeta"/>), kept with the store's row instance it was made from, one
/// form per role the caller can have on it. A page served again from the store's remembered rows then costs a copy of
/// each row's bytes instead of mapping and serializing 50 rows.
/// </summary>
/// <remarks>
/// Only rows of a remembered read are kept (the store hands them out from the second list of the same page on, see
/// <see cref="SecretStore.ListPageAsync"/>), so a page read for one call costs no more than its serialization; and
/// only as long as the row instance lives: a row read again after a write is a new instance with no JSON yet. A row
/// instance never changes, and an item's JSON depends on nothing but its row and the caller's role on it (members
/// come from the row; the role is computed per caller on every list, and each role has its own form), so a kept form
/// is exactly what the serializer would write now. Which rows a caller sees is still decided on every list.
/// </remarks>
internal sealed class SecretRowJson
{
    private readonly ConditionalWeakTable<SecretMetadata, Forms> _forms = [];

    /// <summary>The JSON of <paramref name="item"/> as <paramref name="caller"/> sees it; kept with <paramref name="row"/> when given.</summary>
    public ReadOnlySpan<byte> Of(SecretMetadata item, SecretMetadata? row, Principal caller)
    {
        if (row is null)
        {
            return Serialize(item, caller);
        }

        var admin = SecretMetaMapper.IsAdmin(item, caller);
        var forms = _forms.GetOrCreateValue(row);
        ref var kept = ref admin ? ref forms.Admin : ref forms.Member;
        return kept ??= Serialize(item, caller);
    }

    private static byte[] Serialize(SecretMetadata item, Principal caller)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonSerializer.Serialize(writer, SecretMetaMapper.ToMeta(item, caller, item.Members), ApiJsonContext.Default.SecretMeta);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private sealed class Forms
    {
        public byte[]? Admin;
        public byte[]? Member;
    }
}
