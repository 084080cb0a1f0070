using System.Globalization;
using Secrets.Runtime.Redaction;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Postgres;

// One "host" of a shared store, as a separate process: it opens the store from its environment and answers one line
// per command on stdin with "ok ..." or "error CODE". Values here are test values, so printing them is the point.
var environment = Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
    .ToDictionary(e => (string)e.Key, e => e.Value as string, StringComparer.Ordinal);
var options = new StoreOptions
{
    Home = environment["STORE_HOST_HOME"]!,
    Environment = environment,
    Database = environment["STORE_HOST_DATABASE"],
    MaxStaleness = TimeSpan.FromMilliseconds(int.Parse(environment["STORE_HOST_MAX_STALENESS_MS"]!, CultureInfo.InvariantCulture)),
    ListenForChanges = environment.GetValueOrDefault("STORE_HOST_LISTEN") != "0",
};
var admin = Principal.LocalAdmin("host");
await using var store = await SecretStore.OpenAsync(options);
var reader = (ISecretValueReader)store;
var rows = (PostgresSecretRows)store.Rows;
Console.WriteLine("ready");

while (Console.ReadLine() is { } line)
{
    var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
    if (parts.Length == 0)
    {
        continue;
    }

    try
    {
        var reply = parts[0] switch
        {
            "set" => Set(parts[1], parts[2]),
            "read" => Read(parts[1], parts.Length > 2 ? long.Parse(parts[2], CultureInfo.InvariantCulture) : 0),
            "increment" => Increment(parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture)),
            "rotate" => store.RotateKeyAsync(admin),
            "hammer" => Hammer(parts[1]),
            "listener" => Task.FromResult(rows.Feed.ListenerProcessId.ToString(CultureInfo.InvariantCulture)),
            "connects" => Task.FromResult(rows.Feed.ListenerConnects.ToString(CultureInfo.InvariantCulture)),
            "roundtrips" => Task.FromResult(rows.ReadRoundTrips.ToString(CultureInfo.InvariantCulture)),
            _ => throw new InvalidOperationException("unknown command " + parts[0]),
        };
        Console.WriteLine("ok " + await reply);
    }
    catch (SecretsRuntimeException ex)
    {
        Console.WriteLine($"error {ex.Code} {ex.Message}");
    }
}

async Task<string> Set(string name, string value)
{
    var written = await store.SetAsync(admin, new SecretWrite { Scope = SecretScope.Organization, Owner = "default", Name = SecretName.Parse(name), Value = value });
    return string.Create(CultureInfo.InvariantCulture, $"{written.Version} {written.Change}");
}

async Task<string> Read(string name, long minimumChange)
{
    var found = await reader.ReadManyAsync(Principal.LocalAdmin("host"), [new SecretKey(SecretScope.Organization, "default", SecretName.Parse(name))], minimumChange, CancellationToken.None);
    return found.Count == 0 ? "absent" : string.Create(CultureInfo.InvariantCulture, $"{found[0].Version} {found[0].Value}");
}

// Read-modify-write of a counter with check-and-set, retried on conflict: concurrent hosts must lose no increment.
async Task<string> Increment(string name, int times)
{
    var conflicts = 0;
    for (var i = 0; i < times; i++)
    {
        while (true)
        {
            var found = (await reader.ReadManyAsync(Principal.LocalAdmin("host"), [new SecretKey(SecretScope.Organization, "default", SecretName.Parse(name))], 0, CancellationToken.None))[0];
            try
            {
                await store.SetAsync(admin, new SecretWrite
                {
                    Scope = SecretScope.Organization, Owner = "default", Name = SecretName.Parse(name),
                    Value = (int.Parse(found.Value, CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture), ExpectedVersion = found.Version,
                });
                break;
            }
            catch (StoreException ex) when (ex.Kind == ErrorKind.Conflict)
            {
                conflicts++;
            }
        }
    }

    return conflicts.ToString(CultureInfo.InvariantCulture);
}

// Writes NAME over and over until the server has gone away (a write failed) and 20 writes after it succeeded, or 90 s
// passed: "SUCCESSES FAILURES | each distinct error message". The test restarts the server meanwhile.
async Task<string> Hammer(string name)
{
    Console.WriteLine("ok started");
    var (successes, failures, afterFailure) = (0, 0, 0);
    var messages = new SortedSet<string>(StringComparer.Ordinal);
    var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
    for (var i = 0; DateTimeOffset.UtcNow < deadline && (failures == 0 || afterFailure < 20); i++)
    {
        try
        {
            await Set(name, "hammer-" + i.ToString(CultureInfo.InvariantCulture));
            successes++;
            afterFailure += failures > 0 ? 1 : 0;
        }
        catch (SecretsRuntimeException ex)
        {
            failures++;
            afterFailure = 0;
            messages.Add(ex.Code + ": " + ex.Message);
        }
    }

    return string.Create(CultureInfo.InvariantCulture, $"{successes} {failures} | {string.Join(" | ", messages)}");
}
