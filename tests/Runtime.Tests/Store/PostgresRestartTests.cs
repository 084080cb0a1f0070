using System.Globalization;
using Npgsql;
using Secrets.Runtime.Store;

namespace Secrets.Runtime.Tests.Store;

/// <summary>PostgreSQL restarted under a working host, on a private cluster so no other test is disturbed.</summary>
[RequiresPostgres(Restarts = true)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresRestartTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [StoreFact]
    public async Task A_restart_mid_run_fails_in_flight_writes_naming_host_and_port_leaves_nothing_half_written_and_work_resumes()
    {
        var (directory, server) = await PostgresTestServer.StartPrivateAsync();
        try
        {
            using var fixture = new StoreFixture(StoreBackend.Postgres, server);
            var settings = new NpgsqlConnectionStringBuilder(server);
            await using var host = await StoreHostProcess.StartAsync(fixture, TimeSpan.FromSeconds(1));
            await host.SendAsync("set HAMMERED start");

            Assert.Equal("ok started", await host.AskAsync("hammer HAMMERED"));
            await PostgresTestServer.ControlAsync("restart", directory);
            var report = await host.NextAnswerAsync();
            output.WriteLine(report);

            // "SUCCESSES FAILURES | message | message ..."
            var parts = report.Split(" | ");
            var counts = parts[0].Split(' ').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToArray();
            Assert.True(counts[1] > 0, "no write failed: the restart did not happen while the host was writing");
            Assert.All(parts.Skip(1), message =>
            {
                Assert.StartsWith("store.database_unavailable: ", message, StringComparison.Ordinal);
                Assert.Contains($"{settings.Host}:{settings.Port}", message, StringComparison.Ordinal);
                Assert.DoesNotContain(settings.Password!, message, StringComparison.Ordinal);
            });

            // Nothing half-written: every version has its audit row and its change row, and the last one decrypts.
            var version = int.Parse(await fixture.ScalarAsync("SELECT version FROM secrets WHERE name = 'HAMMERED'"), CultureInfo.InvariantCulture);
            Assert.True(version >= 1 + counts[0], $"version {version} but {counts[0]} writes succeeded");
            Assert.Equal(version.ToString(CultureInfo.InvariantCulture), await fixture.ScalarAsync("SELECT COUNT(*) FROM audit WHERE name = 'HAMMERED'"));
            Assert.Equal(version.ToString(CultureInfo.InvariantCulture), await fixture.ScalarAsync("SELECT COUNT(*) FROM changes WHERE name = 'HAMMERED'"));
            Assert.StartsWith($"{version} hammer-", await host.SendAsync("read HAMMERED"), StringComparison.Ordinal);

            // The same host process carries on.
            Assert.Equal($"{version + 1} {await NextChangeAsync(fixture)}", await host.SendAsync("set HAMMERED after-restart"));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await PostgresTestServer.ControlAsync("stop", directory);
        }
    }

    private static async Task<string> NextChangeAsync(StoreFixture fixture) =>
        (long.Parse(await fixture.ScalarAsync("SELECT seq FROM change_counter"), CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
}
