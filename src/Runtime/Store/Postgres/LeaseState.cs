namespace Secrets.Runtime.Store.Postgres;

/// <summary>What a lease renewal found.</summary>
internal enum LeaseState
{
    /// <summary>Still ours.</summary>
    Held,

    /// <summary>Still ours, and someone asked to cancel the run.</summary>
    CancelRequested,

    /// <summary>No longer ours: it expired and another attempt took the run.</summary>
    Lost,
}
