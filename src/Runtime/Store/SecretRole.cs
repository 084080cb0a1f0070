namespace Secrets.Runtime.Store;

/// <summary>What a principal may do in a scope. Each role includes the ones before it.</summary>
public enum SecretRole
{
    /// <summary>See names and metadata.</summary>
    Reader,

    /// <summary>Create, update and delete secrets.</summary>
    Writer,

    /// <summary>Everything, including key rotation and the audit log.</summary>
    Admin,
}
