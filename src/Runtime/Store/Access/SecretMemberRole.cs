namespace Secrets.Runtime.Store.Access;

/// <summary>A user's role on one secret.</summary>
public enum SecretMemberRole
{
    /// <summary>May use the secret in runs and see its metadata.</summary>
    Member,

    /// <summary>May also replace the value, edit, delete, restore and manage members.</summary>
    Admin,
}
