namespace Secrets.Runtime.Cli.Demo;

/// <summary>The sample workflows: where they are, the secrets each needs (scope, owner) and how each is run.</summary>
internal static class SampleCatalog
{
    /// <summary>A secret a sample needs, with where to store it.</summary>
    public sealed record NeededSecret(string Name, string Scope, string Owner, string Prefix, bool SentToServer = true)
    {
        /// <summary>The <c>secret set</c> arguments that store this secret where the sample expects it.</summary>
        public string[] SetArguments() => Scope switch
        {
            "project" => ["secret", "set", Name, "--scope", "project", "--project", Owner],
            "personal" => ["secret", "set", Name, "--scope", "personal", "--user", Owner],
            _ => ["secret", "set", Name],
        };
    }

    /// <summary>One run of a sample.</summary>
    public sealed record SampleRun(string Sample, string Trigger, string User, string InputJson, IReadOnlyList<NeededSecret> Secrets);

    public static IReadOnlyList<SampleRun> Runs(string baseUrl) =>
    [
        new("bearer-http", "manual", "alice", $$$"""{"baseUrl":"{{{baseUrl}}}","prompt":"hello"}""",
            [new("ANTHROPIC_API_KEY", "organization", "default", "sk-ant-")]),
        new("hmac-webhook", "webhook", "alice", $$$"""{"baseUrl":"{{{baseUrl}}}","payload":{"order":42,"total":"19.99"}}""",
            [new("WEBHOOK_SIGNING_SECRET", "project", "demo", "whsec_", SentToServer: false)]),
        new("slack-app-install", "manual", "alice", $$$"""{"baseUrl":"{{{baseUrl}}}","app":"acme-bot"}""",
            [new("SLACK_CLIENT_ID", "organization", "default", "cid-"), new("SLACK_CLIENT_SECRET", "organization", "default", "csec-"),
             new("SLACK_SIGNING_SECRET", "project", "demo", "ssig-"), new("SLACK_BOT_TOKEN", "personal", "alice", "xoxb-")]),
        new("mixed-scopes", "manual", "alice", $$$"""{"baseUrl":"{{{baseUrl}}}"}""",
            [new("OPENAI_API_KEY", "organization", "default", "sk-proj-"), new("DB_PASSWORD", "project", "reports", "pw-"),
             new("GITHUB_TOKEN", "personal", "alice", "ghp_alice_"), new("GITHUB_TOKEN", "personal", "bob", "ghp_bob_")]),
        new("mixed-scopes", "schedule", "alice", $$$"""{"baseUrl":"{{{baseUrl}}}"}""", []),
    ];

    /// <summary>The samples folder: searched upward from the current folder, then from the program's folder.</summary>
    public static string? FindSamplesFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "samples");
                if (File.Exists(Path.Combine(candidate, "workflow.schema.json")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
