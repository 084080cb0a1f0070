using System.Security.Cryptography;
using System.Text;
using Secrets.Runtime.Store;
using Secrets.Runtime.Store.Access;
using Secrets.Runtime.Store.Listing;

namespace Secrets.Runtime.Benchmarks;

/// <summary>
/// Quick table for users, tokens and pages on the SQLite store: authenticating a bearer token beside hashing it
/// alone, and one page of 50 out of 1,000 secrets (with and without members) beside listing all 1,000.
/// </summary>
public sealed class AccessQuickBenchmark : IQuickBenchmark
{
    public string Name => "access";

    public IEnumerable<QuickRow> Run()
    {
        var home = Directory.CreateTempSubdirectory("bench-access-").FullName;
        try
        {
            var options = new StoreOptions
            {
                Home = home,
                Environment = new Dictionary<string, string?> { ["SECRETS_RUNTIME_MASTER_KEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) },
            };
            using var store = SecretStore.OpenAsync(options).GetAwaiter().GetResult();
            var boot = store.Access.BootstrapAsync().GetAwaiter().GetResult()!;
            var admin = store.Access.AuthenticateAsync(boot.Token.Bearer).GetAwaiter().GetResult().Principal!;
            for (var i = 0; i < 1000; i++)
            {
                store.SetAsync(admin, new SecretWrite { Scope = SecretScope.Project, Owner = "p" + (i % 10).ToString(System.Globalization.CultureInfo.InvariantCulture), Name = SecretName.Parse($"KEY_{i:D4}"), Value = "v" })
                    .GetAwaiter().GetResult();
            }

            var bearer = boot.Token.Bearer;
            var auth = QuickMeasure.Side(
                [() => SHA256.HashData(Encoding.UTF8.GetBytes(bearer)), () => store.Access.AuthenticateAsync(bearer).GetAwaiter().GetResult()],
                TimeSpan.FromSeconds(2), 50);
            var pages = QuickMeasure.Side(
                [
                    () => store.ListAsync(admin, new SecretListQuery()).GetAwaiter().GetResult(),
                    () => store.ListPageAsync(admin, new SecretPageQuery { Limit = 50 }).GetAwaiter().GetResult(),
                    () => store.ListPageAsync(admin, new SecretPageQuery { Limit = 50, IncludeMembers = true }).GetAwaiter().GetResult(),
                ],
                TimeSpan.FromSeconds(3), 5);
            return
            [
                new(Name, "SHA-256 of a bearer token (baseline)", QuickMeasure.Duration(auth[0].P50Ns)),
                new(Name, "authenticate a bearer token, remembered (SQLite: data version), p50", QuickMeasure.Duration(auth[1].P50Ns), QuickMeasure.Ratio(auth[1].P50Ns, auth[0].P50Ns)),
                new(Name, "list all 1,000 secrets (baseline), p50", QuickMeasure.Duration(pages[0].P50Ns)),
                new(Name, "one page of 50 of 1,000 secrets, p50", QuickMeasure.Duration(pages[1].P50Ns), QuickMeasure.Ratio(pages[1].P50Ns, pages[0].P50Ns)),
                new(Name, "one page of 50 of 1,000 secrets with their members, p50", QuickMeasure.Duration(pages[2].P50Ns), QuickMeasure.Ratio(pages[2].P50Ns, pages[0].P50Ns)),
            ];
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(home, recursive: true);
        }
    }
}
