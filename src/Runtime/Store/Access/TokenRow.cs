namespace Secrets.Runtime.Store.Access;

/// <summary>A token as stored: its metadata and the SHA-256 of its text. Never the text.</summary>
internal sealed record TokenRow(AccessToken Info, byte[] Hash);
