namespace Secrets.Runtime.Sandbox.CSharp;

/// <summary>Thrown by <see cref="ScriptGuard"/> when a script breaches a budget; scripts cannot catch it.</summary>
public sealed class ScriptLimitException : Exception
{
    /// <summary>Creates the exception for <paramref name="limit"/>.</summary>
    internal ScriptLimitException(ScriptLimit limit)
        : base($"limit exceeded: {limit.ToString().ToLowerInvariant()}") => Limit = limit;

    /// <summary>Creates the exception.</summary>
    public ScriptLimitException()
        : this(ScriptLimit.Time)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ScriptLimitException(string message)
        : base(message) => Limit = ScriptLimit.Time;

    /// <summary>Creates the exception.</summary>
    public ScriptLimitException(string message, Exception innerException)
        : base(message, innerException) => Limit = ScriptLimit.Time;

    /// <summary>Which limit: time, stack or output.</summary>
    internal ScriptLimit Limit { get; }
}
