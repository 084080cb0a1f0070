namespace Secrets.Runtime.Redaction;

/// <summary>Receives one piece of masked output.</summary>
internal delegate void SpanWriter<in TState>(ReadOnlySpan<char> text, TState state);
