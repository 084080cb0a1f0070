namespace Secrets.Runtime.Console.Tests;

/// <summary>Whole journeys: one done with the keyboard alone, and one that watches everything the browser receives.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleJourneyTests(ConsoleServer server)
{
    [Fact]
    public async Task Create_to_delete_works_with_the_keyboard_alone()
    {
        var (context, page, recorder) = await server.OpenAsync();
        await using var _context = context;
        await page.GotoAsync("/console");
        await Expect(page.GetByLabel("API token")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(server.AdminToken);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Secrets", Exact = true })).ToBeVisibleAsync();

        // Tab to "New secret" and open it.
        await TabToAsync(page, "New secret");
        await page.Keyboard.PressAsync("Enter");
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New secret" });
        await Expect(dialog.GetByLabel("Name", new() { Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("keyboard_key");
        await page.Keyboard.PressAsync("Tab");
        await Expect(dialog.GetByLabel("Value", new() { Exact = true })).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("keyboard-value-42");
        await TabToAsync(page, "Create");
        await page.Keyboard.PressAsync("Enter");
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.Locator("tr[data-name='KEYBOARD_KEY']")).ToBeVisibleAsync();

        // Focus stays inside an open dialog: tabbing many times never reaches the page behind it.
        await TabToAsync(page, "Actions for KEYBOARD_KEY");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Replace value" })).ToBeFocusedAsync();
        for (var i = 0; i < 6; i++)
        {
            await page.Keyboard.PressAsync("ArrowDown");
        }

        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Delete" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        var delete = page.GetByRole(AriaRole.Dialog, new() { Name = "Delete secret" });
        await Expect(delete.GetByLabel("Confirm name")).ToBeFocusedAsync();
        for (var i = 0; i < 12; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            Assert.True(await page.EvaluateAsync<bool>("() => document.getElementById('delete-dialog').contains(document.activeElement)"), "focus left the open dialog");
        }

        // Escape closes it and returns focus to the row's actions button.
        await page.Keyboard.PressAsync("Escape");
        await Expect(delete).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Actions for KEYBOARD_KEY" })).ToBeFocusedAsync();

        await page.Keyboard.PressAsync("Enter");
        await page.Keyboard.PressAsync("ArrowUp");
        await Expect(page.GetByRole(AriaRole.Menuitem, new() { Name = "Delete" })).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(delete.GetByLabel("Confirm name")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("KEYBOARD_KEY");
        await TabToAsync(page, "Delete secret");
        await page.Keyboard.PressAsync("Enter");
        await Expect(delete).ToBeHiddenAsync();
        recorder.AssertNoPageErrors();
        await Expect(page.Locator("tr[data-name='KEYBOARD_KEY']")).ToHaveCountAsync(0);
        recorder.AssertNoPageErrors();
    }

    [Fact]
    public async Task No_saved_value_reaches_any_response_the_dom_storage_or_cookies()
    {
        const string created = "leak-probe-created-9f8e7d";
        const string replaced = "leak-probe-replaced-6c5b4a";
        const string imported = "leak-probe-imported-3a2b1c";
        var (context, page, recorder) = await server.OpenAsync();
        await using var _context = context;
        await ConsoleServer.SignInAsync(page, server.AdminToken);
        await recorder.SnapshotAsync(page, "sign-in");

        await page.GetByRole(AriaRole.Button, new() { Name = "New secret" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog, new() { Name = "New secret" });
        await dialog.GetByLabel("Name", new() { Exact = true }).FillAsync("LEAK_PROBE");
        await dialog.GetByLabel("Value", new() { Exact = true }).FillAsync(created);
        await dialog.GetByLabel("Value", new() { Exact = true }).DispatchEventAsync("input");
        await dialog.GetByLabel("Name", new() { Exact = true }).DispatchEventAsync("input");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        await Expect(page.Locator("tr[data-name='LEAK_PROBE']")).ToBeVisibleAsync();
        await recorder.SnapshotAsync(page, "create");

        await page.GetByRole(AriaRole.Button, new() { Name = "Actions for LEAK_PROBE" }).ClickAsync();
        await page.GetByRole(AriaRole.Menuitem, new() { Name = "Replace value" }).ClickAsync();
        var replace = page.GetByRole(AriaRole.Dialog, new() { Name = "Replace value" });
        await replace.GetByLabel("New value", new() { Exact = true }).FillAsync(replaced);
        await replace.GetByRole(AriaRole.Button, new() { Name = "Replace" }).ClickAsync();
        await Expect(page.Locator("tr[data-name='LEAK_PROBE']")).ToContainTextAsync("v2");
        await recorder.SnapshotAsync(page, "replace");

        await page.GetByRole(AriaRole.Button, new() { Name = "Import .env" }).ClickAsync();
        var import = page.GetByRole(AriaRole.Dialog, new() { Name = "Import .env" });
        await import.GetByLabel("Paste .env").FillAsync($"LEAK_IMPORTED={imported}\n");
        await import.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await import.GetByRole(AriaRole.Button, new() { Name = "Import" }).ClickAsync();
        await Expect(page.Locator("tr[data-name='LEAK_IMPORTED']")).ToBeVisibleAsync();
        await recorder.SnapshotAsync(page, "import");

        foreach (var action in new[] { "Versions", "Usage", "Members" })
        {
            await page.Keyboard.PressAsync("Escape");
            await page.GetByRole(AriaRole.Button, new() { Name = "Actions for LEAK_PROBE" }).ClickAsync();
            await page.GetByRole(AriaRole.Menuitem, new() { Name = action }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Dialog, new() { Name = $"{action} of LEAK_PROBE" })).ToBeVisibleAsync();
            await recorder.SnapshotAsync(page, action);
        }

        await page.Keyboard.PressAsync("Escape");
        foreach (var tab in new[] { "Audit", "Runs", "Personal", "Organization" })
        {
            await page.GetByRole(AriaRole.Tab, new() { Name = tab }).ClickAsync();
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
            await recorder.SnapshotAsync(page, tab);
        }

        await page.ReloadAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await recorder.SnapshotAsync(page, "reload");

        Assert.True(recorder.Count > 30, $"only {recorder.Count} texts were recorded");
        recorder.AssertNoPageErrors();
        await recorder.AssertAbsentAsync(created);
        await recorder.AssertAbsentAsync(replaced);
        await recorder.AssertAbsentAsync(imported);
        await recorder.AssertAbsentAsync(server.AdminToken);
        foreach (var line in server.Logs)
        {
            foreach (var value in new[] { created, replaced, imported })
            {
                Assert.DoesNotContain(value, line, StringComparison.Ordinal);
            }
        }
    }

    private static async Task TabToAsync(IPage page, string name)
    {
        for (var i = 0; i < 60; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            var focused = await page.EvaluateAsync<string>("() => { const e = document.activeElement; return e ? (e.getAttribute('aria-label') || e.textContent || '').trim() : ''; }");
            if (string.Equals(focused, name, StringComparison.Ordinal))
            {
                return;
            }
        }

        throw new InvalidOperationException($"Tab never reached '{name}'");
    }
}
