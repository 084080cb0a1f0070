using System.Security.Cryptography;
using System.Text;

namespace Secrets.Runtime.Store.Access;

/// <summary>
/// Users, role grants and bearer tokens of a store. Tokens are 32 random bytes, shown once and stored as a SHA-256
/// hash (right for high-entropy secrets: nothing to guess, so no slow hash is needed), compared in constant time.
/// <see cref="AuthenticateAsync"/> turns a bearer token into a <see cref="Principal"/> carrying the user's grants and
/// the token's scopes. Every change is audited, never with a token's text.
/// </summary>
public sealed class AccessStore
{
    /// <summary>How every token starts; a token is <c>srt_</c>, a 16-hex-digit id, <c>_</c> and 43 base64url characters.</summary>
    public const string TokenPrefix = "srt_";

    /// <summary>The user <see cref="BootstrapAsync"/> creates when none is named.</summary>
    public const string DefaultAdminUser = "admin";

    private const int SecretBytes = 32;
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    private readonly IAccessRows _rows;
    private readonly TimeProvider _time;
    private readonly AuthenticationCache _cache;
    private long _tokenReads;

    internal AccessStore(IAccessRows rows, TimeProvider time, TimeSpan cacheLifetime)
    {
        _rows = rows;
        _time = time;
        _cache = new AuthenticationCache(time, cacheLifetime);
    }

    /// <summary>
    /// On a store with no users yet: creates <paramref name="userId"/> as admin of every organization and project,
    /// with one token holding every scope, and returns it (shown once). Null when the store already has users.
    /// </summary>
    public async Task<BootstrapResult?> BootstrapAsync(string userId = DefaultAdminUser, CancellationToken cancellationToken = default)
    {
        ValidateUser(userId);
        var now = _time.GetUtcNow();
        var (row, bearer) = NewToken(new TokenRequest { Name = "bootstrap", UserId = userId, Scopes = TokenScopes.All }, userId, now);
        RoleGrant[] grants = [new(SecretScope.Organization, "*", SecretRole.Admin), new(SecretScope.Project, "*", SecretRole.Admin)];
        var audit = new AuditEntry(now, userId, "bootstrap", null, null, null, null, $"admin user '{userId}', token {row.Info.Id}");
        return await _rows.BootstrapAsync(userId, grants, row, audit, cancellationToken).ConfigureAwait(false)
            ? new BootstrapResult(userId, new IssuedToken(row.Info, bearer))
            : null;
    }

    /// <summary>
    /// The principal of a bearer token (the text after <c>Bearer </c>): its user, that user's grants, and the token's
    /// scopes; or why it failed. Records when the token was last used (at most once a minute).
    /// </summary>
    /// <remarks>
    /// A success is remembered for at most <see cref="StoreOptions.MaxStaleness"/> (default 5 s), so a busy API reads
    /// neither the token nor the grants on every request. Expiry is checked on every call. A revocation or a grant
    /// change takes effect at once when made through this store, and when made anywhere else: on SQLite, at the next
    /// call after a write to the tokens, grants or users table by any process, a hand edit included; on PostgreSQL, within <c>MaxStaleness</c> (announced through
    /// the change feed, in milliseconds while its listener is up); a change made with raw SQL, within <c>MaxStaleness</c>.
    /// </remarks>
    public async Task<AuthenticationResult> AuthenticateAsync(string bearer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bearer);
        if (!TryParse(bearer, out var id))
        {
            return AuthenticationResult.Failed(AuthenticationFailure.Unknown);
        }

        var presented = Hash(bearer);

        // Both marks and the clock are read before the rows, so a change committed meanwhile makes the entry unusable.
        var mark = _rows.AccessMark();
        var changes = _cache.Changes;
        var readAt = _time.GetTimestamp();
        if (mark is { } current && _cache.Find(id, presented, current) is { } cached)
        {
            return await UseAsync(id, cached, cancellationToken).ConfigureAwait(false);
        }

        Interlocked.Increment(ref _tokenReads);
        var row = await _rows.TokenAsync(id, cancellationToken).ConfigureAwait(false);
        // Compared in constant time even when the id is unknown, so timing tells nothing about which ids exist.
        var matches = CryptographicOperations.FixedTimeEquals(presented, row?.Hash ?? new byte[presented.Length]) && row is not null;
        if (!matches)
        {
            return AuthenticationResult.Failed(AuthenticationFailure.Unknown);
        }

        var now = _time.GetUtcNow();
        if (row!.Info.RevokedAt is not null)
        {
            return AuthenticationResult.Failed(AuthenticationFailure.Revoked);
        }

        if (row.Info.ExpiresAt is { } expires && expires <= now)
        {
            return AuthenticationResult.Failed(AuthenticationFailure.Expired);
        }

        var principal = await PrincipalAsync(row.Info.UserId, cancellationToken).ConfigureAwait(false) with
        {
            Scopes = row.Info.Scopes.ToHashSet(StringComparer.Ordinal),
            TokenId = row.Info.Id,
        };
        var entry = new AuthenticationCache.Entry(presented, principal, row.Info.ExpiresAt, mark ?? 0, changes, readAt) { LastUsedAt = row.Info.LastUsedAt };
        if (mark is not null)
        {
            _cache.Add(id, entry);
        }

        return await UseAsync(id, entry, cancellationToken).ConfigureAwait(false);
    }

    private async Task<AuthenticationResult> UseAsync(string id, AuthenticationCache.Entry entry, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (entry.ExpiresAt is { } expires && expires <= now)
        {
            _cache.Remove(id);
            return AuthenticationResult.Failed(AuthenticationFailure.Expired);
        }

        if (entry.LastUsedAt is not { } last || last <= now - LastUsedResolution)
        {
            // At most one write a minute per token, not one per request.
            entry.LastUsedAt = now;
            await _rows.TouchTokenAsync(id, now, now - LastUsedResolution, cancellationToken).ConfigureAwait(false);
        }

        return AuthenticationResult.Success(entry.Principal);
    }

    /// <summary>How many times <see cref="AuthenticateAsync"/> read a token's row (tests tell a remembered authentication from a read one).</summary>
    internal long TokenReads => Interlocked.Read(ref _tokenReads);

    /// <summary>The principal of <paramref name="userId"/> with the grants persisted for it (no token, so no scope limit).</summary>
    public async Task<Principal> PrincipalAsync(string userId, CancellationToken cancellationToken = default)
    {
        ValidateUser(userId);
        var grants = await _rows.GrantsAsync(userId, cancellationToken).ConfigureAwait(false);
        return new Principal(userId, grants.Select(g => g.Grant).ToList());
    }

    /// <summary>
    /// Grants <paramref name="grant"/> to <paramref name="userId"/>, replacing the role the user held on the same
    /// scope and owner. The actor must be admin of that scope and owner (of every one for <c>*</c>).
    /// </summary>
    public async Task<UserGrant> GrantAsync(Principal actor, string userId, RoleGrant grant, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(grant);
        ValidateUser(userId);
        ValidateGrant(grant);
        RequireScope(actor, TokenScopes.SecretsAdmin);
        if (!actor.Has(grant.Scope, grant.Owner, SecretRole.Admin))
        {
            throw AccessErrors.NotAdmin(actor, $"grant roles on {grant.Scope.ToText()} '{grant.Owner}': that needs the admin role there");
        }

        var now = _time.GetUtcNow();
        var granted = new UserGrant(userId, grant, now, actor.UserId);
        try
        {
            await _rows.PutGrantAsync(granted, new AuditEntry(now, actor.AuditName, "grant", grant.Scope, grant.Owner, null, null,
                $"user '{userId}' is {grant.Role.ToString().ToLowerInvariant()}"), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Replacing a role can lower it: no remembered authentication of this user may outlive the write.
            _cache.Invalidate();
        }

        return granted;
    }

    /// <summary>Removes the role <paramref name="userId"/> holds on (scope, owner). The actor must be admin there.</summary>
    /// <exception cref="StoreException">The user holds no role there (<c>access.grant_not_found</c>), or the actor may not revoke it.</exception>
    public async Task RevokeGrantAsync(Principal actor, string userId, SecretScope scope, string owner, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ValidateUser(userId);
        var grant = new RoleGrant(scope, owner, SecretRole.Reader);
        ValidateGrant(grant);
        RequireScope(actor, TokenScopes.SecretsAdmin);
        if (!actor.Has(scope, owner, SecretRole.Admin))
        {
            throw AccessErrors.NotAdmin(actor, $"revoke roles on {scope.ToText()} '{owner}': that needs the admin role there");
        }

        var now = _time.GetUtcNow();
        bool deleted;
        try
        {
            deleted = await _rows.DeleteGrantAsync(userId, scope, owner, new AuditEntry(now, actor.AuditName, "grant_revoke", scope, owner, null, null, $"user '{userId}'"), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _cache.Invalidate();
        }

        if (!deleted)
        {
            throw AccessErrors.GrantMissing(userId, grant);
        }
    }

    /// <summary>The grants the actor may see: its own, and every grant on a scope and owner it is admin of.</summary>
    public async Task<IReadOnlyList<UserGrant>> ListGrantsAsync(Principal actor, string? userId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var all = await _rows.GrantsAsync(userId, cancellationToken).ConfigureAwait(false);
        return all.Where(g => g.UserId == actor.UserId || (actor.HasScope(TokenScopes.SecretsAdmin) && actor.Has(g.Grant.Scope, g.Grant.Owner, SecretRole.Admin))).ToList();
    }

    /// <summary>
    /// Creates a token and returns its text, this once. A user may create tokens for itself; for another user the
    /// actor must be admin of every organization. A token never gets a scope the actor's own token lacks.
    /// </summary>
    public async Task<IssuedToken> CreateTokenAsync(Principal actor, TokenRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(request);
        ValidateUser(request.UserId);
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > TokenRequest.MaxNameLength || request.Name.Any(char.IsControl))
        {
            throw AccessErrors.TokenNameInvalid();
        }

        foreach (var scope in request.Scopes)
        {
            if (!TokenScopes.IsKnown(scope))
            {
                throw AccessErrors.TokenScopeUnknown();
            }
        }

        RequireScope(actor, TokenScopes.TokensManage);
        RequireTokenOwner(actor, request.UserId, "create tokens for");
        foreach (var scope in request.Scopes.Count == 0 ? TokenScopes.Default : request.Scopes)
        {
            if (!actor.HasScope(scope))
            {
                throw AccessErrors.TokenScopeNotHeld(scope);
            }
        }

        var now = _time.GetUtcNow();
        if (request.ExpiresAt is { } expires && expires <= now)
        {
            throw AccessErrors.TokenExpiryPast();
        }

        var (row, bearer) = NewToken(request, actor.UserId, now);
        await _rows.InsertTokenAsync(row, new AuditEntry(now, actor.AuditName, "token_create", null, null, null, null,
            $"token {row.Info.Id} '{row.Info.Name}' for user '{row.Info.UserId}', scopes {string.Join(' ', row.Info.Scopes)}"), cancellationToken).ConfigureAwait(false);
        return new IssuedToken(row.Info, bearer);
    }

    /// <summary>The tokens the actor may see (never their text): its own, or, for an admin of every organization, every user's.</summary>
    public async Task<IReadOnlyList<AccessToken>> ListTokensAsync(Principal actor, string? userId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        RequireScope(actor, TokenScopes.TokensManage);
        if (!actor.IsStoreAdmin)
        {
            userId = actor.UserId;
        }

        return await _rows.TokensAsync(userId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Revokes a token at once: it no longer authenticates. A user may revoke its own tokens; an admin of every organization, any.</summary>
    /// <exception cref="StoreException">No such token (<c>access.token_not_found</c>), or the actor may not revoke it.</exception>
    public async Task RevokeTokenAsync(Principal actor, string tokenId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentNullException.ThrowIfNull(tokenId);
        RequireScope(actor, TokenScopes.TokensManage);
        var row = await _rows.TokenAsync(tokenId, cancellationToken).ConfigureAwait(false) ?? throw AccessErrors.TokenNotFound(tokenId);
        RequireTokenOwner(actor, row.Info.UserId, "revoke tokens of");
        var now = _time.GetUtcNow();
        try
        {
            await _rows.RevokeTokenAsync(tokenId, now, new AuditEntry(now, actor.AuditName, "token_revoke", null, null, null, null,
                $"token {tokenId} '{row.Info.Name}' of user '{row.Info.UserId}'"), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Revoked at once in this process, whatever another host or process still has to learn.
            _cache.Invalidate();
        }
    }

    /// <summary>Throws when <paramref name="principal"/>'s token lacks <paramref name="scope"/>.</summary>
    /// <exception cref="StoreException">The scope is missing (<c>access.scope_missing</c>).</exception>
    public static void RequireScope(Principal principal, string scope)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (!principal.HasScope(scope))
        {
            throw AccessErrors.ScopeMissing(principal, scope);
        }
    }

    internal static void ValidateUser(string userId)
    {
        if (string.IsNullOrWhiteSpace(userId) || userId.Length > 200 || userId.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
        {
            throw AccessErrors.UserInvalid();
        }
    }

    private static void ValidateGrant(RoleGrant grant)
    {
        if (grant.Scope == SecretScope.Personal)
        {
            throw AccessErrors.GrantScopeInvalid();
        }

        if (string.IsNullOrWhiteSpace(grant.Owner) || grant.Owner.Length > 200 || grant.Owner.Any(char.IsControl))
        {
            throw AccessErrors.GrantOwnerInvalid();
        }
    }

    private static void RequireTokenOwner(Principal actor, string userId, string what)
    {
        if (!string.Equals(actor.UserId, userId, StringComparison.Ordinal) && !actor.IsStoreAdmin)
        {
            throw AccessErrors.NotAdmin(actor, $"{what} user '{userId}': that needs the admin role on every organization (*)");
        }
    }

    private static (TokenRow Row, string Bearer) NewToken(TokenRequest request, string createdBy, DateTimeOffset now)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = RandomNumberGenerator.GetBytes(SecretBytes);
        var bearer = TokenPrefix + id + "_" + Base64Url(secret);
        CryptographicOperations.ZeroMemory(secret);
        var info = new AccessToken
        {
            Id = id,
            Name = request.Name,
            UserId = request.UserId,
            Scopes = (request.Scopes.Count == 0 ? TokenScopes.Default : request.Scopes).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            CreatedAt = now,
            CreatedBy = createdBy,
            ExpiresAt = request.ExpiresAt,
        };
        return (new TokenRow(info, Hash(bearer)), bearer);
    }

    private static bool TryParse(string bearer, out string id)
    {
        id = string.Empty;
        // srt_ + 16 hex + _ + 43 base64url characters.
        if (bearer.Length != TokenPrefix.Length + 16 + 1 + 43 || !bearer.StartsWith(TokenPrefix, StringComparison.Ordinal) || bearer[TokenPrefix.Length + 16] != '_')
        {
            return false;
        }

        var candidate = bearer.Substring(TokenPrefix.Length, 16);
        if (!candidate.All(char.IsAsciiHexDigitLower))
        {
            return false;
        }

        id = candidate;
        return true;
    }

    private static byte[] Hash(string bearer) => SHA256.HashData(Encoding.UTF8.GetBytes(bearer));

    private static string Base64Url(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    internal static string FormatScopes(IEnumerable<string> scopes) => string.Join(' ', scopes);

    internal static IReadOnlyList<string> ParseScopes(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
