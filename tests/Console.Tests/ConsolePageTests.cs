using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Secrets.Runtime.Console.Tests;

/// <summary>The Settings › Secrets page in Debian's Chromium, against a real server: each flow as a user does it.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsolePageTests(ConsoleServer server)
{
    private const string Org = "/api/v1/organizations/default/secrets/";

    private static ILocator Row(IPage page, string name) => page.Locator($"tr[data-name='{name}']");

    private static async Task OpenActionAsync(IPage page, string name, string action)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = $"Actions for {name}", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = action, Exact = true }).ClickAsync();
    }

    [Fact]
    public async Task Sign_in_takes_a_token_into_an_http_only_strict_cookie_and_sign_out_ends_it()
    {
        var (context, page, recorder) = await server.OpenAsync();
        await using var _context = context;
        await page.GotoAsync("/console");
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        recorder.AssertNoPageErrors();
        await page.GetByLabel("API token").FillAsync("srt_not-a-real-token");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByText("That token was not accepted.")).ToBeVisibleAsync();
        Assert.DoesNotContain(await context.CookiesAsync(), c => c.Name.Contains("session", StringComparison.Ordinal));

        await ConsoleServer.SignInAsync(page, server.AdminToken);
        var session = Assert.Single(await context.CookiesAsync(), c => c.Name.Contains("session", StringComparison.Ordinal));
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.DoesNotContain(server.AdminToken, session.Value, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await page.GetByLabel("API token").InputValueAsync());

        // Script on the page cannot read the session.
        Assert.DoesNotContain("session", await page.EvaluateAsync<string>("() => document.cookie"), StringComparison.Ordinal);

        await page.ReloadAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Secrets", Exact = true })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByLabel("API token")).ToBeVisibleAsync();
        await page.ReloadAsync();
        await Expect(page.GetByLabel("API token")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Revoking_the_token_a_browser_signed_in_with_ends_its_session_at_once()
    {
        var (id, bearer) = await server.CreateTokenAsync(server.AdminUser);
        var (context, page, _) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, bearer);
        Assert.Equal(200, await page.EvaluateAsync<int>("async () => (await fetch('/api/v1/me')).status"));

        await server.RevokeTokenAsync(id);

        // The cookie is still in the browser, but the session stands on the token, checked on every request.
        Assert.Contains(await context.CookiesAsync(), c => c.Name.Contains("session", StringComparison.Ordinal));
        Assert.Equal(401, await page.EvaluateAsync<int>("async () => (await fetch('/api/v1/me')).status"));
        await page.ReloadAsync();
        await Expect(page.GetByLabel("API token")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Create_upper_cases_the_name_as_typed_and_refuses_an_invalid_name_beside_the_field()
    {
        var (context, page, _) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "New secret" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New secret" });
        await Expect(dialog).ToBeVisibleAsync();

        var name = dialog.GetByLabel("Name", new() { Exact = true });
        await name.PressSequentiallyAsync("stripe_key");
        await Expect(name).ToHaveValueAsync("STRIPE_KEY");
        var create = dialog.GetByRole(AriaRole.Button, new() { Name = "Create" });
        await Expect(create).ToBeDisabledAsync();

        await name.FillAsync("");
        await name.PressSequentiallyAsync("9lives");
        await Expect(dialog.GetByText("A name cannot start with a digit.")).ToBeVisibleAsync();
        await name.FillAsync("");
        await name.PressSequentiallyAsync("bad-name");
        await Expect(dialog.GetByText("“-” at position 4 is not allowed")).ToBeVisibleAsync();
        await dialog.GetByLabel("Value", new() { Exact = true }).FillAsync("sk_live_create_value_1");
        await Expect(create).ToBeDisabledAsync();

        await name.FillAsync("");
        await name.PressSequentiallyAsync("stripe_key");
        await dialog.GetByLabel("Description", new() { Exact = true }).FillAsync("Stripe live key");
        await Expect(dialog.GetByText("22 B of 64 KiB")).ToBeVisibleAsync();
        Assert.Equal("off", await dialog.GetByLabel("Value", new() { Exact = true }).GetAttributeAsync("autocomplete"));
        await Expect(create).ToBeEnabledAsync();
        await SaveScreenshotAsync(page, "console-create.png");
        await create.ClickAsync();

        await Expect(dialog).ToBeHiddenAsync();
        var row = Row(page, "STRIPE_KEY");
        await Expect(row).ToContainTextAsync("Stripe live key");
        await Expect(row).ToContainTextAsync("v1 · updated just now by");
        await SaveScreenshotAsync(page, "console-list.png");

        // The same name again: the server's refusal appears beside the field.
        await page.GetByRole(AriaRole.Button, new() { Name = "New secret" }).ClickAsync();
        await name.PressSequentiallyAsync("stripe_key");
        await dialog.GetByLabel("Value", new() { Exact = true }).FillAsync("another");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(dialog.GetByText("STRIPE_KEY already exists here")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(dialog).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Replace_value_in_two_browsers_tells_the_slower_one_who_changed_it_and_reload_recovers()
    {
        await server.PutSecretAsync(server.AdminToken, Org + "SHARED_KEY", "shared-value-version-1");
        var (contextA, pageA, _) = await server.OpenAsync();
        var (contextB, pageB, _) = await server.OpenAsync();
        await using var _a = contextA;
        await using var _b = contextB;
        await ConsoleServer.SignInAsync(pageA, server.AdminToken);
        await ConsoleServer.SignInAsync(pageB, server.AdminToken);

        await OpenActionAsync(pageA, "SHARED_KEY", "Replace value");
        await OpenActionAsync(pageB, "SHARED_KEY", "Replace value");
        var dialogA = pageA.GetByRole(AriaRole.Dialog, new() { Name = "Replace value" });
        var dialogB = pageB.GetByRole(AriaRole.Dialog, new() { Name = "Replace value" });
        await Expect(dialogA.GetByText("current version v1")).ToBeVisibleAsync();
        await Expect(dialogA.GetByLabel("New value", new() { Exact = true })).ToHaveValueAsync(string.Empty);

        await dialogA.GetByLabel("New value", new() { Exact = true }).FillAsync("shared-value-version-2");
        await dialogA.GetByRole(AriaRole.Button, new() { Name = "Replace" }).ClickAsync();
        await Expect(dialogA).ToBeHiddenAsync();
        await Expect(Row(pageA, "SHARED_KEY")).ToContainTextAsync("v2");

        await dialogB.GetByLabel("New value", new() { Exact = true }).FillAsync("shared-value-version-3");
        await dialogB.GetByRole(AriaRole.Button, new() { Name = "Replace" }).ClickAsync();
        await Expect(dialogB.GetByText("changed since this dialog opened: it is now v2, updated by " + server.AdminUser)).ToBeVisibleAsync();
        await dialogB.GetByRole(AriaRole.Button, new() { Name = "Reload" }).ClickAsync();
        await Expect(dialogB.GetByText("current version v2")).ToBeVisibleAsync();
        await dialogB.GetByRole(AriaRole.Button, new() { Name = "Replace" }).ClickAsync();
        await Expect(dialogB).ToBeHiddenAsync();
        await Expect(Row(pageB, "SHARED_KEY")).ToContainTextAsync("v3");
    }

    [Fact]
    public async Task Edit_details_shows_the_name_disabled_and_changes_only_the_description()
    {
        await server.PutSecretAsync(server.AdminToken, Org + "EDIT_ME", "edit-me-value", "old words");
        var (context, page, _) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await OpenActionAsync(page, "EDIT_ME", "Edit details");
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Edit details" });
        await Expect(dialog.GetByLabel("Name")).ToBeDisabledAsync();
        await Expect(dialog.GetByLabel("Name")).ToHaveValueAsync("EDIT_ME");
        await dialog.GetByLabel("Description", new() { Exact = true }).FillAsync("new words");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(Row(page, "EDIT_ME")).ToContainTextAsync("new words");
        await Expect(Row(page, "EDIT_ME")).ToContainTextAsync("v1");
    }

    [Fact]
    public async Task Delete_names_the_workflows_that_use_the_secret_and_waits_for_the_name()
    {
        await server.PutSecretAsync(server.AdminToken, Org + "DOOMED_KEY", "doomed-value-123");
        await server.SaveWorkflowAsync("billing", "nightly-report", "DOOMED_KEY");
        var (context, page, _) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await OpenActionAsync(page, "DOOMED_KEY", "Delete");
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Delete secret" });
        await Expect(dialog.GetByRole(AriaRole.List, new() { Name = "Workflows that use it" })).ToContainTextAsync("nightly-report");
        var go = dialog.GetByRole(AriaRole.Button, new() { Name = "Delete secret" });
        await Expect(go).ToBeDisabledAsync();
        await dialog.GetByLabel("Confirm name").FillAsync("DOOMED");
        await Expect(go).ToBeDisabledAsync();
        await dialog.GetByLabel("Confirm name").FillAsync("DOOMED_KEY");
        await SaveScreenshotAsync(page, "console-delete.png");
        await go.ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(Row(page, "DOOMED_KEY")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Focus_a_keyboard_user_moved_on_to_stays_there_when_the_dialog_they_left_reports_its_close()
    {
        // The dialog's close event comes a task after it closed. A user who pressed Escape then Enter is already in
        // the row's menu by then; handing focus back to the dialog's opener would throw them out of it.
        await server.PutSecretAsync(server.AdminToken, Org + "FOCUS_KEY", "focus-key-value-31");
        var (context, page, recorder) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await OpenActionAsync(page, "FOCUS_KEY", "Delete");
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Delete secret" });
        await Expect(dialog.GetByLabel("Confirm name")).ToBeFocusedAsync();
        var focused = await page.EvaluateAsync<string>(@"() => new Promise(done => {
            document.getElementById('delete-dialog').close();
            document.getElementById('new-open').focus();
            setTimeout(() => done(document.activeElement.id), 100);
        })");
        Assert.Equal("new-open", focused);

        // With nothing else focused, the opener gets the focus back as before.
        await OpenActionAsync(page, "FOCUS_KEY", "Delete");
        await Expect(dialog.GetByLabel("Confirm name")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Actions for FOCUS_KEY" })).ToBeFocusedAsync();
        recorder.AssertNoPageErrors();
    }

    [Fact]
    public async Task Deleting_the_last_secret_of_a_scope_leaves_no_row_behind_and_says_the_list_is_empty()
    {
        // A user of their own, so no other test's secrets share the scope and the list really ends empty.
        var (_, bearer) = await server.CreateTokenAsync("last-one");
        await server.PutSecretAsync(bearer, "/api/v1/users/last-one/secrets/ONLY_KEY", "only-key-value-5150");
        var (context, page, recorder) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, bearer);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Personal" }).ClickAsync();
        await Expect(Row(page, "ONLY_KEY")).ToBeVisibleAsync();
        await OpenActionAsync(page, "ONLY_KEY", "Delete");
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Delete secret" });
        await dialog.GetByLabel("Confirm name").FillAsync("ONLY_KEY");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete secret" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.GetByText("No secrets here yet.")).ToBeVisibleAsync();
        await Expect(Row(page, "ONLY_KEY")).ToHaveCountAsync(0);
        recorder.AssertNoPageErrors();
    }

    [Fact]
    public async Task Env_import_previews_line_numbers_names_and_actions_without_values_then_imports()
    {
        await server.PutSecretAsync(server.AdminToken, Org + "IMPORT_EXISTING", "import-existing-old");
        var (context, page, recorder) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Import .env" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "Import .env" });
        await dialog.GetByLabel("Paste .env").FillAsync("# comment\nIMPORT_NEW=import-new-value-xyz\nIMPORT_EXISTING=import-existing-new\n");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        var preview = dialog.GetByRole(AriaRole.Table, new() { Name = "Preview" });
        await Expect(preview).ToContainTextAsync("IMPORT_NEW");
        await Expect(preview.Locator("tr", new() { HasText = "IMPORT_NEW" })).ToContainTextAsync("2");
        await Expect(preview.Locator("tr", new() { HasText = "IMPORT_NEW" })).ToContainTextAsync("create");
        await Expect(preview.Locator("tr", new() { HasText = "IMPORT_EXISTING" })).ToContainTextAsync("update");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(Row(page, "IMPORT_NEW")).ToBeVisibleAsync();
        await Expect(Row(page, "IMPORT_EXISTING")).ToContainTextAsync("v2");
        await recorder.SnapshotAsync(page, "import");
        await recorder.AssertAbsentAsync("import-new-value-xyz");
        await recorder.AssertAbsentAsync("import-existing-new");
    }

    [Fact]
    public async Task Members_are_added_and_removed_and_the_scope_admin_is_locked()
    {
        await server.PutSecretAsync(server.AdminToken, Org + "TEAM_KEY", "team-key-value");
        var (context, page, _) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await OpenActionAsync(page, "TEAM_KEY", "Members");
        var drawer = page.GetByRole(AriaRole.Dialog, new() { Name = "Members of TEAM_KEY" });
        await Expect(drawer).ToContainTextAsync(server.AdminUser);
        await drawer.GetByLabel("User").FillAsync("carol");
        await drawer.GetByLabel("Role").SelectOptionAsync("member");
        await drawer.GetByRole(AriaRole.Button, new() { Name = "Add member" }).ClickAsync();
        await Expect(drawer.GetByRole(AriaRole.Row, new() { Name = "carol" })).ToContainTextAsync("Member");
        await Expect(drawer.GetByRole(AriaRole.Button, new() { Name = $"Remove {server.AdminUser}" })).ToHaveCountAsync(0);
        await drawer.GetByRole(AriaRole.Button, new() { Name = "Remove carol" }).ClickAsync();
        await Expect(drawer.GetByRole(AriaRole.Row, new() { Name = "carol" })).ToHaveCountAsync(0);
        await page.Keyboard.PressAsync("Escape");
        await Expect(drawer).ToBeHiddenAsync();
    }

    [Fact]
    public async Task Versions_show_history_without_values_and_restore_after_confirmation()
    {
        await server.PutSecretAsync(server.AdminToken, Org + "ROLLING_KEY", "rolling-value-one");
        await server.PutSecretAsync(server.AdminToken, Org + "ROLLING_KEY", "rolling-value-two");
        var (context, page, recorder) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await OpenActionAsync(page, "ROLLING_KEY", "Versions");
        var drawer = page.GetByRole(AriaRole.Dialog, new() { Name = "Versions of ROLLING_KEY" });
        await Expect(drawer).ToContainTextAsync("v2");
        await drawer.GetByRole(AriaRole.Button, new() { Name = "Restore v1" }).ClickAsync();
        var confirm = page.GetByRole(AriaRole.Dialog, new() { Name = "Restore v1?" });
        await confirm.GetByRole(AriaRole.Button, new() { Name = "Restore" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Dialog, new() { Name = "Versions of ROLLING_KEY" })).ToContainTextAsync("v3");
        await Expect(Row(page, "ROLLING_KEY")).ToContainTextAsync("v3");
        await recorder.SnapshotAsync(page, "restore");
        await recorder.AssertAbsentAsync("rolling-value-one");
        await recorder.AssertAbsentAsync("rolling-value-two");
    }

    [Fact]
    public async Task Audit_tab_filters_and_downloads_csv()
    {
        await server.PutSecretAsync(server.AdminToken, Org + "AUDITED_KEY", "audited-value");
        var (context, page, _) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Audit" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Table)).ToContainTextAsync("AUDITED_KEY");
        await page.GetByLabel("Action", new() { Exact = true }).SelectOptionAsync("create");
        await Expect(page.GetByRole(AriaRole.Table)).ToContainTextAsync("AUDITED_KEY");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download CSV" }).ClickAsync());
        var path = await download.PathAsync();
        var csv = await File.ReadAllTextAsync(path!);
        Assert.Contains("AUDITED_KEY", csv, StringComparison.Ordinal);
        Assert.DoesNotContain("audited-value", csv, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_tab_lists_nodes_with_status_and_shows_the_record_masked()
    {
        await server.PutSecretAsync(server.AdminToken, Org + "RUN_TOKEN", "run-token-value-777");
        var runId = await server.RunInlineAsync("RUN_TOKEN");
        var (context, page, recorder) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await page.GetByRole(AriaRole.Tab, new() { Name = "Runs" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.List, new() { Name = $"Nodes of run {runId}" })).ToContainTextAsync("succeeded");
        await page.GetByRole(AriaRole.Button, new() { Name = $"Open run {runId}" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = $"Run {runId}" });
        await Expect(dialog).ToContainTextAsync("***");
        await SaveScreenshotAsync(page, "console-run.png");
        await recorder.SnapshotAsync(page, "run");
        await recorder.AssertAbsentAsync("run-token-value-777");
    }

    [Fact]
    public async Task The_page_loads_nothing_from_other_hosts_and_sends_strict_headers()
    {
        var (context, page, recorder) = await server.OpenAsync();
        await using var _context = context;
        var response = await page.GotoAsync("/console");
        var headers = await response!.AllHeadersAsync();
        var csp = headers["content-security-policy"];
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", headers["x-frame-options"]);
        Assert.Equal("no-referrer", headers["referrer-policy"]);

        // An inline script injected into the page does not run under the policy.
        await page.EvaluateAsync("() => { const s = document.createElement('script'); s.textContent = 'window.__ran = true'; document.body.append(s); }");
        Assert.False(await page.EvaluateAsync<bool>("() => window.__ran === true"));

        await ConsoleServer.SignInAsync(page, server.AdminToken);
        foreach (var field in new[] { "#new-value", "#replace-value", "#import-text", "#token-field" })
        {
            Assert.Equal("off", await page.Locator(field).GetAttributeAsync("autocomplete"));
        }

        Assert.Empty(recorder.ForeignRequests);
    }

    [Fact]
    public async Task An_unsafe_request_with_the_session_cookie_but_no_antiforgery_token_is_refused()
    {
        var (context, page, _) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        var status = await page.EvaluateAsync<int>(
            "async () => (await fetch('/api/v1/organizations/default/secrets/CSRF_KEY', { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ value: 'csrf-value' }) })).status");
        Assert.True(status is 400 or 401 or 403, $"status {status}");
        using var client = server.Api(server.AdminToken);
        using var check = await client.GetAsync(Org + "CSRF_KEY");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, check.StatusCode);
    }

    [Fact]
    public async Task Search_narrows_the_list_by_name_and_description_and_copy_reference_copies_the_template()
    {
        await server.PutSecretAsync(server.AdminToken, Org + "SEARCH_ALPHA", "search-alpha-value", "billing webhook");
        await server.PutSecretAsync(server.AdminToken, Org + "SEARCH_BETA", "search-beta-value", "crm sync");
        var (context, page, _) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search secrets" }).FillAsync("billing");
        await Expect(Row(page, "SEARCH_ALPHA")).ToBeVisibleAsync();
        await Expect(Row(page, "SEARCH_BETA")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search secrets" }).FillAsync("SEARCH_BETA");
        await Expect(Row(page, "SEARCH_BETA")).ToBeVisibleAsync();
        await Expect(Row(page, "SEARCH_ALPHA")).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search secrets" }).FillAsync("no-such-words");
        await Expect(page.GetByText("No secrets match")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Searchbox, new() { Name = "Search secrets" }).FillAsync("");

        await OpenActionAsync(page, "SEARCH_ALPHA", "Copy reference");
        Assert.Equal("{{secrets.SEARCH_ALPHA}}", await page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
    }

    [Fact]
    public async Task System_secrets_stay_hidden_until_asked_for_and_then_show_their_integration_and_no_edit_actions()
    {
        await server.PutSystemSecretAsync("GITHUB_APP_TOKEN", "ghs-system-value-123", "github");
        var (context, page, recorder) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Secrets", Exact = true })).ToBeVisibleAsync();
        await Expect(Row(page, "GITHUB_APP_TOKEN")).ToHaveCountAsync(0);
        await page.GetByLabel("Show system secrets").CheckAsync();
        await Expect(Row(page, "GITHUB_APP_TOKEN")).ToContainTextAsync("github");
        await page.GetByRole(AriaRole.Button, new() { Name = "Actions for GITHUB_APP_TOKEN", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Versions" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Replace value" })).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Delete" })).ToBeHiddenAsync();
        await recorder.SnapshotAsync(page, "system");
        await recorder.AssertAbsentAsync("ghs-system-value-123");
    }

    private static async Task SaveScreenshotAsync(IPage page, string file)
    {
        var png = await page.ScreenshotAsync(new() { FullPage = false });
        Assert.True(png.Length > 1000);
        if (Environment.GetEnvironmentVariable("SECRETS_RUNTIME_UPDATE_SCREENSHOTS") == "1")
        {
            Directory.CreateDirectory(ConsoleServer.DocsFolder);
            await File.WriteAllBytesAsync(Path.Combine(ConsoleServer.DocsFolder, file), png);
        }
    }
}
