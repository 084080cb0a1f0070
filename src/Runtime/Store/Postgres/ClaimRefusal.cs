namespace Secrets.Runtime.Store.Postgres;

/// <summary>Why a claim was refused.</summary>
internal enum ClaimRefusal
{
    /// <summary>No such run.</summary>
    NotFound,

    /// <summary>Succeeded, failed or cancelled already.</summary>
    Finished,

    /// <summary>Another worker holds a live lease.</summary>
    Leased,
}
