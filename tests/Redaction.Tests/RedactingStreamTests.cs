using System.Text;

namespace Secrets.Runtime.Redaction.Tests;

public sealed class RedactingStreamTests
{
    [Fact]
    public void Bytes_split_anywhere_even_inside_a_multi_byte_character_are_masked()
    {
        const string text = "out: clé-🔑-secrète-42 done";
        var redactor = new SecretRedactor();
        redactor.Add("clé-🔑-secrète-42");
        var bytes = Encoding.UTF8.GetBytes(text);

        for (var split = 0; split <= bytes.Length; split++)
        {
            using var output = new MemoryStream();
            using (var stream = new RedactingStream(output, redactor, leaveOpen: true))
            {
                stream.Write(bytes, 0, split);
                stream.Write(bytes, split, bytes.Length - split);
            }

            Assert.Equal("out: *** done", Encoding.UTF8.GetString(output.ToArray()));
        }
    }
}
