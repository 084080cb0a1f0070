using System.Buffers;
using System.Text;
using System.Text.Json;
using Secrets.Runtime.Server.Endpoints;
using Secrets.Runtime.Server.Http;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;
using StorePage = Secrets.Runtime.Store.Listing.SecretPage;

namespace Secrets.Runtime.Server.Tests.Http;

/// <summary>
/// A page written with each row's kept JSON is, byte for byte, what the generated serializer writes for it, for every
/// caller, however often the same row instances are listed, and a kept form never carries another caller's role.
/// </summary>
public sealed class SecretPageResultTests
{
    private static readonly Principal Admin = new("root", [new RoleGrant(SecretScope.Project, "*", SecretRole.Admin), new RoleGrant(SecretScope.Organization, "*", SecretRole.Admin)]);
    private static readonly Principal Reader = new("rita", [new RoleGrant(SecretScope.Project, "web", SecretRole.Reader)]);

    private static readonly SecretMetadata[] Rows =
    [
        Row("API_KEY", "with \"quotes\", <tags> & unicode é ☃", lastUsed: true, [new SecretMember("rita", SecretMemberRole.Member, false, null, null), new SecretMember("wendy", SecretMemberRole.Admin, false, null, null)]),
        Row("DB_PASSWORD", null, lastUsed: false, []),
        Row("SYSTEM_TOKEN", "managed", lastUsed: false, []) with { IsSystem = true, Integration = "github" },
    ];

    [Theory]
    [InlineData(true, null)]
    [InlineData(true, "eyJjdXJzb3IiOiJ4In0")]
    [InlineData(false, "eyJjdXJzb3IiOiJ4In0")]
    public void A_page_is_the_generated_serializers_bytes_for_each_caller_first_time_and_again(bool shared, string? cursor)
    {
        var json = new SecretRowJson();
        foreach (var caller in new[] { Admin, Reader, Admin, Reader })
        {
            var page = PageFor(caller, shared, cursor);

            Assert.Equal(Expected(page, caller), Written(page, caller, json));
        }
    }

    [Fact]
    public void A_row_listed_by_an_admin_then_by_a_member_carries_each_callers_own_role()
    {
        var json = new SecretRowJson();

        var asAdmin = JsonDocument.Parse(Written(PageFor(Admin, shared: true, null), Admin, json));
        var asReader = JsonDocument.Parse(Written(PageFor(Reader, shared: true, null), Reader, json));
        var asAdminAgain = JsonDocument.Parse(Written(PageFor(Admin, shared: true, null), Admin, json));

        Assert.All(asAdmin.RootElement.GetProperty("data").EnumerateArray(), e => Assert.Equal("admin", e.GetProperty("myRole").GetString()));
        Assert.All(asReader.RootElement.GetProperty("data").EnumerateArray(), e => Assert.Equal("member", e.GetProperty("myRole").GetString()));
        Assert.All(asAdminAgain.RootElement.GetProperty("data").EnumerateArray(), e => Assert.Equal("admin", e.GetProperty("myRole").GetString()));
    }

    [Fact]
    public void A_new_row_instance_for_the_same_secret_is_written_from_its_own_fields()
    {
        var json = new SecretRowJson();
        Written(PageFor(Admin, shared: true, null), Admin, json);

        // Read again after a write: a new instance, and its new description is what is written.
        var changed = Rows[0] with { Description = "changed", Version = 2 };
        var page = new StorePage([changed with { MyRole = SecretMemberRole.Admin }], null) { Rows = [changed] };

        var item = JsonDocument.Parse(Written(page, Admin, json)).RootElement.GetProperty("data")[0];
        Assert.Equal("changed", item.GetProperty("description").GetString());
        Assert.Equal(2, item.GetProperty("version").GetInt32());
    }

    /// <summary>A page as the store gives it to <paramref name="caller"/>: each item a copy of its row with the caller's role.</summary>
    private static StorePage PageFor(Principal caller, bool shared, string? cursor)
    {
        var items = Rows.Select(r => r with { MyRole = caller.Has(r.Scope, r.Owner, SecretRole.Admin) ? SecretMemberRole.Admin : SecretMemberRole.Member }).ToList();
        return new StorePage(items, cursor) { Rows = shared ? Rows : null };
    }

    private static string Written(StorePage page, Principal caller, SecretRowJson json)
    {
        var buffer = new ArrayBufferWriter<byte>();
        new SecretPageResult(page, caller, json).Write(new Utf8JsonWriter(buffer));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string Expected(StorePage page, Principal caller) =>
        JsonSerializer.Serialize(new Contracts.SecretPage([.. page.Items.Select(m => SecretMetaMapper.ToMeta(m, caller, m.Members))], page.NextCursor), ApiJsonContext.Default.SecretPage);

    private static SecretMetadata Row(string name, string? description, bool lastUsed, IReadOnlyList<SecretMember> members) => new()
    {
        Scope = SecretScope.Project,
        Owner = "web",
        Name = SecretName.Parse(name),
        Description = description,
        Version = 3,
        ValueLength = 12,
        CreatedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero).AddTicks(1234567),
        CreatedBy = "wendy",
        UpdatedAt = new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.Zero),
        UpdatedBy = "root",
        LastUsedAt = lastUsed ? new DateTimeOffset(2026, 3, 4, 5, 6, 7, TimeSpan.Zero) : null,
        Change = 17,
        Members = members,
    };
}
