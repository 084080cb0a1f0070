using Secrets.Runtime.Hosting;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Runs;

namespace Secrets.Runtime.Server;

/// <summary>How <c>secrets-runtime serve</c> listens and behaves, with safe defaults; checked by <see cref="Validate"/>.</summary>
public sealed class SecretsServerOptions
{
    /// <summary>The default address: loopback only, port 8700.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8700";

    /// <summary>Where to listen (semicolon-separated URLs). Default <see cref="DefaultUrl"/>; a non-loopback address needs <see cref="AllowRemote"/>.</summary>
    public string Urls { get; set; } = DefaultUrl;

    /// <summary>Listening on an address other than loopback must be asked for explicitly. Default false.</summary>
    public bool AllowRemote { get; set; }

    /// <summary>The runtime the server serves: home, master key source, database.</summary>
    public SecretsRuntimeOptions Runtime { get; set; } = new();

    /// <summary>How long shutdown waits for in-flight runs before cancelling them. Default 30 s; 1 s to 10 min.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest request body accepted, in bytes (a <c>.env</c> import, a workflow). Default 1 MiB; 64 KiB to 16 MiB.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Failed authentications allowed per client address in <see cref="FailedAuthenticationWindow"/> before it gets 429. Default 10; 1 to 10,000.</summary>
    public int FailedAuthenticationLimit { get; set; } = 10;

    /// <summary>The window of <see cref="FailedAuthenticationLimit"/>. Default 1 minute; 1 s to 1 h.</summary>
    public TimeSpan FailedAuthenticationWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The queue the run endpoints put runs on for workers (<c>secrets-runtime worker</c>), or null, the default: runs
    /// execute in this process. A queue needs the shared PostgreSQL store (<c>Runtime.Database</c> or
    /// <c>SECRETS_RUNTIME_DATABASE</c>); names are 1 to 50 lower-case letters, digits and '_'.
    /// </summary>
    public string? Queue { get; set; }

    /// <summary>Lease and retry settings of queued runs (the Hangfire invisibility timeout follows the lease). Default <see cref="RunQueueOptions"/>'s.</summary>
    internal RunQueueOptions QueueOptions { get; set; } = new();

    /// <summary>
    /// Mounts Hangfire's dashboard at <see cref="DashboardPath"/>, behind the server's authentication, for store
    /// admins only (a token with <c>secrets:admin</c> of a user who is admin of every organization). Default false: not mounted.
    /// Needs the shared PostgreSQL store.
    /// </summary>
    public bool Dashboard { get; set; }

    /// <summary>Where <see cref="Dashboard"/> is mounted.</summary>
    public const string DashboardPath = "/hangfire";

    /// <summary>Where the one-time bootstrap admin token is written on the first start with an empty store. Default the console.</summary>
    public TextWriter? BootstrapOutput { get; set; }

    /// <summary>Where the server's logs go (through the redacting pipeline). Default standard error, one compact JSON line per event.</summary>
    public Action<Serilog.Configuration.LoggerSinkConfiguration>? WriteLogsTo { get; set; }

    /// <summary>Checks every setting and lists every problem in one exception.</summary>
    /// <exception cref="ArgumentException">A setting is out of range or an address is not loopback without <see cref="AllowRemote"/>.</exception>
    public void Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Runtime.Home))
        {
            problems.Add("Runtime.Home is required: the folder of the store");
        }

        foreach (var url in SplitUrls(Urls))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                problems.Add($"'{url}' is not an http:// or https:// URL");
            }
            else if (!AllowRemote && !IsLoopback(uri))
            {
                problems.Add($"'{url}' is not a loopback address: listening beyond this machine must be configured explicitly (AllowRemote, --allow-remote)");
            }
        }

        if (ShutdownTimeout < TimeSpan.FromSeconds(1) || ShutdownTimeout > TimeSpan.FromMinutes(10))
        {
            problems.Add("ShutdownTimeout must be between 1 second and 10 minutes");
        }

        if (MaxRequestBodyBytes < 64 * 1024 || MaxRequestBodyBytes > 16 * 1024 * 1024)
        {
            problems.Add("MaxRequestBodyBytes must be between 64 KiB and 16 MiB");
        }

        if (FailedAuthenticationLimit is < 1 or > 10_000)
        {
            problems.Add("FailedAuthenticationLimit must be between 1 and 10,000");
        }

        if (FailedAuthenticationWindow < TimeSpan.FromSeconds(1) || FailedAuthenticationWindow > TimeSpan.FromHours(1))
        {
            problems.Add("FailedAuthenticationWindow must be between 1 second and 1 hour");
        }

        if (Queue is not null && !IsQueueName(Queue))
        {
            problems.Add("Queue is 1 to 50 characters: lower-case letters, digits and '_'");
        }

        try
        {
            QueueOptions.Validate();
        }
        catch (SecretsRuntimeException ex)
        {
            problems.Add(ex.Message);
        }

        if ((Queue is not null || Dashboard) && SharedDatabase() is null)
        {
            problems.Add("Queue and Dashboard need the shared PostgreSQL store: set Runtime.Database (--database) or SECRETS_RUNTIME_DATABASE");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException("invalid server options: " + string.Join("; ", problems));
        }
    }

    /// <summary>The shared PostgreSQL database the runtime will use, or null for the embedded SQLite store (or settings the runtime will refuse anyway).</summary>
    internal string? SharedDatabase()
    {
        try
        {
            return Runtime.Resolve().Store.Database;
        }
        catch (SecretsRuntimeException)
        {
            // Reported, with every other problem of the runtime's settings, when the runtime opens.
            return null;
        }
    }

    private static bool IsQueueName(string queue)
    {
        try
        {
            Secrets.Runtime.Runs.RunQueue.CheckQueueName(queue);
            return true;
        }
        catch (SecretsRuntimeException)
        {
            return false;
        }
    }

    /// <summary>The URLs of <see cref="Urls"/>, one per entry.</summary>
    public static IReadOnlyList<string> SplitUrls(string urls) =>
        (urls ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && System.Net.IPAddress.IsLoopback(address));
}
