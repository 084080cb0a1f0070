namespace Secrets.Runtime.Redaction;

/// <summary>
/// The values one run holds registered with a <see cref="SecretRedactor"/>. A value stays registered while any
/// lease holds it (or it was added without one); once the last lease is disposed it is released after
/// <see cref="RedactionOptions.ReleaseGracePeriod"/>, so a long-running host keeps only the values of live runs.
/// </summary>
public sealed class RedactionLease : IDisposable
{
    private readonly SecretRedactor _redactor;

    internal RedactionLease(SecretRedactor redactor) => _redactor = redactor;

    /// <summary>The registrations this lease holds (guarded by the redactor's write lock).</summary>
    internal HashSet<object> Held { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>Whether <see cref="Dispose"/> was called (guarded by the redactor's write lock).</summary>
    internal bool Released { get; set; }

    /// <summary>Registers more values for this run, in one batch, before any code sees them.</summary>
    /// <exception cref="ObjectDisposedException">The lease was disposed.</exception>
    public void Add(IEnumerable<RedactionValue> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        _redactor.Register(values, this);
    }

    /// <summary>Releases every value this lease holds (each stays registered for the grace period if no other lease holds it).</summary>
    public void Dispose() => _redactor.Release(this);
}
