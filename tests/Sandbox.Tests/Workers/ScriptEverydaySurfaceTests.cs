using System.Net;
using System.Security.Cryptography;
using System.Text;
using Secrets.Runtime.Sandbox.Workers;

namespace Secrets.Runtime.Sandbox.Tests.Workers;

/// <summary>
/// The everyday surface of issue #15, each script run end to end through <see cref="ScriptRunner"/> (compile worker,
/// policy, guards, image check, a sandboxed worker): JSON serialization, URL helpers, records, real cultures, time
/// zones, public-key crypto, AES-GCM and HKDF; and the neighbours of each widening that stay refused.
/// </summary>
[Collection(WorkersCollection.Name)]
public sealed class ScriptEverydaySurfaceTests(ScriptRunnerFixture workers)
{
    private const string Key = "whsec_everyday_3f2e1d";

    private Task<ScriptResult> Execute(string source, Dictionary<string, string>? secrets = null) => workers.Runner.RunAsync(new ScriptRequest
    {
        Source = source,
        Secrets = secrets ?? new Dictionary<string, string> { ["Key"] = Key },
        InputJson = "{}",
        Run = new Sandbox.CSharp.ScriptRunInfo("run-15", "wf", "node", "manual"),
    });

    private async Task<string> Run(string source, Dictionary<string, string>? secrets = null)
    {
        var result = await Execute(source, secrets);
        Assert.True(result.Status == ScriptStatus.Ok, $"{result.Status}: {result.Error} {string.Join("; ", result.Diagnostics)}");
        return System.Text.Json.JsonSerializer.Deserialize<string>(result.Value!.ToJsonString())!;
    }

    private static byte[] FromB64Url(string s) => Convert.FromBase64String(s.Replace('-', '+').Replace('_', '/') + new string('=', (4 - s.Length % 4) % 4));

    [Fact]
    public async Task A_json_round_trip_through_the_scripts_own_records_with_and_without_options()
    {
        var value = await Run("""
            using System.Text.Json.Serialization;
            enum Color { Red, Green }
            record Item(string Name, int Qty, Color Color);
            record Order(int Id, List<Item> Items, Dictionary<string, string> Tags, DateOnly Due);
            class Note { public string? Text { get; set; } public int[] Marks { get; set; } = []; }
            var order = new Order(7, [new Item("pen", 2, Color.Green)], new() { ["k"] = "v" }, new DateOnly(2026, 12, 2));
            var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase, WriteIndented = true };
            options.Converters.Add(new JsonStringEnumConverter());
            var json = JsonSerializer.Serialize(order, options);
            var back = JsonSerializer.Deserialize<Order>(json, options)!;
            var plain = JsonSerializer.Serialize(order);
            var note = JsonSerializer.Deserialize<Note>("{\"Text\":\"hi\",\"Marks\":[1,2]}")!;
            var list = JsonSerializer.Deserialize<List<Dictionary<string, double>>>("[{\"a\":1.5}]")!;
            return string.Join("|", json.Contains("\n  \"items\"") && json.Contains("\"color\": \"Green\""), back.Items[0] == order.Items[0], back.Tags["k"], back.Due,
                plain.Contains("\"Color\":1"), note.Text + note.Marks.Sum(), list[0]["a"], JsonSerializer.Serialize(new { a = 1, b = new[] { "x" }, c = (string?)null }),
                JsonSerializer.Deserialize<int[]>("[3,4]")!.Sum(), JsonSerializer.SerializeToNode(back, options)!["id"]);
            """);

        Assert.Equal("True|True|v|12/02/2026|True|hi3|1.5|{\"a\":1,\"b\":[\"x\"],\"c\":null}|7|7", value);
    }

    [Fact]
    public async Task A_scripts_own_json_converter_reads_and_writes_its_type_in_a_round_trip()
    {
        var value = await Run("""
            using System.Text.Json.Serialization;
            record Money(decimal Amount, string Currency);
            record Invoice(string Id, Money Total, List<Money> Lines);
            sealed class MoneyConverter : JsonConverter<Money>
            {
                public override Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
                {
                    var parts = reader.GetString()!.Split(' ');
                    return new Money(decimal.Parse(parts[0], CultureInfo.InvariantCulture), parts[1]);
                }

                public override void Write(Utf8JsonWriter writer, Money value, JsonSerializerOptions options) =>
                    writer.WriteStringValue(value.Amount.ToString(CultureInfo.InvariantCulture) + " " + value.Currency);
            }
            var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
            options.Converters.Add(new MoneyConverter());
            var invoice = new Invoice("inv-7", new Money(12.50m, "EUR"), [new Money(10m, "EUR"), new Money(2.5m, "EUR")]);
            var json = JsonSerializer.Serialize(invoice, options);
            var back = JsonSerializer.Deserialize<Invoice>("{\"id\":\"inv-8\",\"total\":\"3.25 USD\",\"lines\":[\"3.25 USD\"]}", options)!;
            return json + "|" + back.Total + "|" + (back.Lines[0] == back.Total) + "|" + (JsonSerializer.Deserialize<Invoice>(json, options)!.Total == invoice.Total);
            """);

        Assert.Equal("{\"id\":\"inv-7\",\"total\":\"12.50 EUR\",\"lines\":[\"10 EUR\",\"2.5 EUR\"]}|Money { Amount = 3.25, Currency = USD }|True|True", value);
    }

    [Fact]
    public async Task Url_helpers_escape_reserved_characters_and_build_urls()
    {
        const string Reserved = "a b&c=d/e?f#g+h%é";
        var value = await Run($$"""
            using System.Net;
            var builder = new UriBuilder("https", "api.example.com") { Path = "/v1/items", Query = "q=" + Uri.EscapeDataString("x y") };
            var uri = new Uri("https://user@example.com:8443/a/b?c=1#f");
            return string.Join("|", Uri.EscapeDataString("{{Reserved}}"), WebUtility.UrlEncode("{{Reserved}}"), WebUtility.HtmlEncode("<a href='x'>&</a>"),
                builder.Uri.AbsoluteUri, uri.Host, uri.Port, uri.AbsolutePath, uri.Query, Uri.UnescapeDataString("%C3%A9"), new Uri(uri, "../z").AbsoluteUri);
            """);

        Assert.Equal(string.Join("|", Uri.EscapeDataString(Reserved), WebUtility.UrlEncode(Reserved), WebUtility.HtmlEncode("<a href='x'>&</a>"),
            "https://api.example.com/v1/items?q=x%20y", "example.com", "8443", "/a/b", "?c=1", "é", "https://user@example.com:8443/z"), value);
        Assert.Equal("a%20b%26c%3Dd%2Fe%3Ff%23g%2Bh%25%C3%A9", value.Split('|')[0]);
    }

    [Fact]
    public async Task Records_of_every_shape_run_overrides_inheritance_and_with_on_derived_records()
    {
        var value = await Run("""
            record Animal(string Name) { public virtual string Sound() => "..."; public override string ToString() => "animal " + Name; }
            record Dog(string Name, int Age) : Animal(Name) { public override string Sound() => "woof"; }
            sealed record Puppy(string Name) : Dog(Name, 0) { public override string ToString() => "puppy " + Name; protected override bool PrintMembers(StringBuilder b) => true; }
            readonly record struct Point(int X, int Y);
            record class Box<T>(T Value) { public T Value { get; init; } = Value; }
            Animal a = new Dog("rex", 3);
            var b = a with { Name = "max" };
            var p = new Puppy("bo");
            var q = p with { Age = 1 };
            var pt = new Point(1, 2) with { Y = 5 };
            return string.Join("|", a, b, b is Dog { Age: 3 }, b.Sound(), q, q == p, q.Age, new Dog("x", 1) == new Dog("x", 1), pt, new Box<int>(4) with { Value = 6 },
                new HashSet<Dog> { new("x", 1), new("x", 1) }.Count);
            """);

        Assert.Equal("Dog { Name = rex, Age = 3 }|Dog { Name = max, Age = 3 }|True|woof|puppy bo|False|1|True|Point { X = 1, Y = 5 }|Box { Value = 6 }|1", value);
    }

    [Fact]
    public async Task A_german_culture_formats_numbers_and_dates_with_icu_inside_the_sandbox()
    {
        var value = await Run("""
            var de = new CultureInfo("de-DE");
            var date = new DateTime(2026, 3, 29, 14, 5, 0);
            return string.Join("|", 1234567.891m.ToString("N2", de), date.ToString("D", de), date.ToString("d", CultureInfo.GetCultureInfo("de-DE")),
                double.Parse("1.234,5", de).ToString(CultureInfo.InvariantCulture), 0.25.ToString("P0", de), de.DateTimeFormat.GetMonthName(12),
                string.Compare("Straße", "Strasse", de, CompareOptions.IgnoreNonSpace) == 0, "İ".ToLower(new CultureInfo("tr-TR")));
            """);

        Assert.Equal("1.234.567,89|Sonntag, 29. März 2026|29.03.2026|1234.5|25 %|Dezember|True|i", value.Replace('\u00a0', ' '));
    }

    [Fact]
    public async Task Berlin_and_utc_convert_across_a_daylight_saving_change()
    {
        var value = await Run("""
            var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
            var before = TimeZoneInfo.ConvertTime(new DateTimeOffset(2026, 3, 29, 0, 30, 0, TimeSpan.Zero), berlin);
            var after = TimeZoneInfo.ConvertTime(new DateTimeOffset(2026, 3, 29, 1, 30, 0, TimeSpan.Zero), berlin);
            var summerNoon = TimeZoneInfo.ConvertTimeToUtc(new DateTime(2026, 7, 1, 12, 0, 0), berlin);
            var winterNoon = TimeZoneInfo.ConvertTimeBySystemTimeZoneId(new DateTime(2026, 1, 15, 12, 0, 0, DateTimeKind.Utc), "Europe/Berlin");
            var backInOctober = TimeZoneInfo.ConvertTimeBySystemTimeZoneId(new DateTime(2026, 10, 25, 1, 30, 0), "UTC", "Europe/Berlin");
            return string.Join("|", before.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture), after.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture),
                summerNoon.ToString("HH:mm", CultureInfo.InvariantCulture), winterNoon.ToString("HH:mm", CultureInfo.InvariantCulture),
                backInOctober.ToString("HH:mm", CultureInfo.InvariantCulture), berlin.IsAmbiguousTime(backInOctober), berlin.IsDaylightSavingTime(after), berlin.BaseUtcOffset);
            """);

        Assert.Equal("2026-03-29 01:30 +01:00|2026-03-29 03:30 +02:00|10:00|13:00|02:30|True|True|01:00:00", value);
    }

    [Fact]
    public async Task An_rs256_jwt_signed_in_the_script_verifies_on_the_host_with_the_public_key()
    {
        using var rsa = RSA.Create(2048);
        var value = await Run("""
            using System.Security.Cryptography;
            static string B64(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            var rsa = RSA.Create();
            rsa.ImportFromPem(context.Secrets["Private"]);
            var header = B64(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { alg = "RS256", typ = "JWT" })));
            var payload = B64(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { sub = context.Run.RunId, iat = 1764633600 })));
            var signature = rsa.SignData(Encoding.UTF8.GetBytes(header + "." + payload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            rsa.Dispose();
            return header + "." + payload + "." + B64(signature);
            """, new Dictionary<string, string> { ["Private"] = rsa.ExportPkcs8PrivateKeyPem() });

        var parts = value.Split('.');
        using var verifier = RSA.Create();
        verifier.ImportFromPem(rsa.ExportSubjectPublicKeyInfoPem());
        Assert.True(verifier.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), FromB64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        Assert.Equal("{\"sub\":\"run-15\",\"iat\":1764633600}", Encoding.UTF8.GetString(FromB64Url(parts[1])));
        Assert.False(verifier.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1] + "x"), FromB64Url(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task An_es256_signature_and_its_public_key_exported_by_the_script_verify_on_the_host()
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var value = await Run("""
            using System.Security.Cryptography;
            var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            ec.ImportFromPem(context.Secrets["Private"]);
            var data = Encoding.UTF8.GetBytes("header.payload");
            var signature = ec.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            var mine = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var ok = mine.VerifyData(data, mine.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256);
            return Convert.ToBase64String(ec.ExportSubjectPublicKeyInfo()) + "|" + Convert.ToBase64String(signature) + "|" + ok;
            """, new Dictionary<string, string> { ["Private"] = ec.ExportPkcs8PrivateKeyPem() });

        var parts = value.Split('|');
        Assert.Equal(Convert.ToBase64String(ec.ExportSubjectPublicKeyInfo()), parts[0]);
        Assert.True(ec.VerifyData("header.payload"u8, Convert.FromBase64String(parts[1]), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Equal("True", parts[2]);
    }

    [Fact]
    public async Task An_aes_gcm_round_trip_with_an_hkdf_key_decrypts_on_the_host()
    {
        var value = await Run("""
            using System.Security.Cryptography;
            var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(context.Secrets["Key"]), 32, Encoding.UTF8.GetBytes("salt"), Encoding.UTF8.GetBytes("info"));
            var nonce = new byte[12];
            RandomNumberGenerator.Fill(nonce);
            var plain = Encoding.UTF8.GetBytes("{\"card\":\"4111\"}");
            var cipher = new byte[plain.Length];
            var tag = new byte[16];
            using (var gcm = new AesGcm(key, 16)) { gcm.Encrypt(nonce, plain, cipher, tag, Encoding.UTF8.GetBytes("aad")); }
            var back = new byte[cipher.Length];
            using (var gcm = new AesGcm(key, 16)) { gcm.Decrypt(nonce, cipher, tag, back, Encoding.UTF8.GetBytes("aad")); }
            return string.Join("|", Convert.ToBase64String(nonce), Convert.ToBase64String(cipher), Convert.ToBase64String(tag), Encoding.UTF8.GetString(back));
            """);

        var parts = value.Split('|');
        var key = HKDF.DeriveKey(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(Key), 32, "salt"u8.ToArray(), "info"u8.ToArray());
        var cipher = Convert.FromBase64String(parts[1]);
        var plain = new byte[cipher.Length];
        using (var gcm = new AesGcm(key, 16))
        {
            gcm.Decrypt(Convert.FromBase64String(parts[0]), cipher, Convert.FromBase64String(parts[2]), plain, "aad"u8.ToArray());
        }

        Assert.Equal("{\"card\":\"4111\"}", Encoding.UTF8.GetString(plain));
        Assert.Equal("{\"card\":\"4111\"}", parts[3]);
    }

    [Fact]
    public async Task A_using_var_hmac_and_a_local_function_after_statements_run_as_written()
    {
        var value = await Run("""
            using System.Security.Cryptography;
            using var h = new HMACSHA256(Encoding.UTF8.GetBytes(context.Secrets["Key"]));
            var mac = Hex(h.ComputeHash(Encoding.UTF8.GetBytes("body")));
            using var second = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(context.Secrets["Key"]));
            second.AppendData(Encoding.UTF8.GetBytes("bo"));
            second.AppendData(Encoding.UTF8.GetBytes("dy"));
            return mac + "|" + Hex(second.GetHashAndReset());
            string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);
            """);

        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), "body"u8));
        Assert.Equal(expected + "|" + expected, value);
    }

    [Fact]
    public async Task Top_level_statements_with_using_var_keep_types_declared_between_them_and_name_the_right_lines()
    {
        var ok = await Run("""
            using System.Security.Cryptography;
            var before = Twice(2);
            using var sha = SHA256.Create();
            record Pair(int A, int B);
            var pair = new Pair(before, sha.ComputeHash(new byte[1]).Length); var total = pair.A + pair.B;
            int Twice(int x) => x * 2;
            return $"{pair} {total}";
            """);
        Assert.Equal("Pair { A = 4, B = 32 } 36", ok);

        var thrown = await Execute("var a = 1;\n  using var h = new System.Security.Cryptography.HMACSHA256(new byte[] { 1 });\nclass C { }\nvar b = a + 1;\nthrow new InvalidOperationException(\"at \" + b);");
        Assert.Equal(ScriptStatus.Error, thrown.Status);
        Assert.Equal("line 5: InvalidOperationException: at 2", thrown.Error);

        var refused = await Execute("using var h = new System.Security.Cryptography.HMACSHA256(new byte[] { 1 });\nvar x = 1;\n  return System.IO.File.ReadAllText(\"/etc/passwd\");");
        Assert.Equal(ScriptStatus.Rejected, refused.Status);
        Assert.Contains(refused.Diagnostics, d => d.Line == 3 && d.Code == "SR0002");

        var broken = await Execute("using var h = new System.Security.Cryptography.HMACSHA256(new byte[] { 1 });\nvar x = 1;\nreturn y;");
        Assert.Contains(broken.Diagnostics, d => d.Line == 3 && d.Column == 8 && d.Code == "CS0103");
    }

    [Theory]
    [InlineData("using var h = new System.Security.Cryptography.HMACSHA256(new byte[] { 1 });\nint Down(int n) => Down(n + 1) + 1;\nreturn Down(0);", LimitKind.Stack)]
    [InlineData("using var h = new System.Security.Cryptography.HMACSHA256(new byte[] { 1 });\ntry { while (true) { } } catch { }\nreturn 1;", LimitKind.Time)]
    public async Task The_guards_hold_in_a_script_compiled_as_one_block(string source, LimitKind limit)
    {
        var result = await workers.RunAsync(new ScriptRequest { Source = source, InputJson = "{}", Run = new Sandbox.CSharp.ScriptRunInfo("run-15", "wf", "node", "manual") }, TimeSpan.FromSeconds(1));

        Assert.Equal(ScriptStatus.Limited, result.Status);
        Assert.Equal(limit, result.Limit);
    }

    [Theory]
    [InlineData("using System.Security.Cryptography; return RSA.Create(\"RSA\").KeySize;")]
    [InlineData("using System.Security.Cryptography; return ECDsa.Create(\"ECDsa\").KeySize;")]
    [InlineData("TimeZoneInfo.ClearCachedData(); return 1;")]
    [InlineData("CultureInfo.CurrentCulture = new CultureInfo(\"de-DE\"); return 1;")]
    [InlineData("CultureInfo.DefaultThreadCurrentCulture = CultureInfo.GetCultureInfo(\"de-DE\"); return 1;")]
    [InlineData("return JsonSerializer.Deserialize(\"{}\", typeof(Dictionary<string, int>))!.ToString();")]
    [InlineData("var c = new System.Text.Json.Serialization.JsonStringEnumConverter(); return c.Type!.Name;")]
    [InlineData("var o = new JsonSerializerOptions(); return o.TypeInfoResolver is null;")]
    [InlineData("class Conv : System.Text.Json.Serialization.JsonConverter<int> { public override int Read(ref Utf8JsonReader r, Type t, JsonSerializerOptions o) => t.Name.Length; public override void Write(Utf8JsonWriter w, int v, JsonSerializerOptions o) { } } return 1;")]
    [InlineData("class Conv : System.Text.Json.Serialization.JsonConverter<int> { public override int Read(ref Utf8JsonReader r, Type t, JsonSerializerOptions o) => 1; public override void Write(Utf8JsonWriter w, int v, JsonSerializerOptions o) => w.WriteStringValue(Type.Assembly.FullName); } return 1;")]
    [InlineData("return new Uri(\"file:///etc/passwd\").GetType().Name;")]
    public async Task The_neighbours_of_the_widened_surface_stay_refused(string source)
    {
        var result = await Execute(source);

        Assert.True(result.Status == ScriptStatus.Rejected && result.Diagnostics.Any(d => d.Code is "SR0001" or "SR0002" or "SR0003"),
            $"{result.Status}: {result.Error} {string.Join("; ", result.Diagnostics)}");
    }
}
