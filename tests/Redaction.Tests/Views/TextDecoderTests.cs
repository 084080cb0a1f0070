using Secrets.Runtime.Redaction.Views;

namespace Secrets.Runtime.Redaction.Tests.Views;

public sealed class TextDecoderTests
{
    /// <summary>
    /// A decoded view records which decoders its own characters can trigger (<see cref="TextDecoder.TriggeredBy"/>, a
    /// switch kept for the per-character path): each decoder's trigger must set that decoder's bit and no other.
    /// </summary>
    [Fact]
    public void Each_decoder_s_trigger_sets_its_own_bit_and_no_other()
    {
        for (var d = 0; d < TextDecoder.All.Length; d++)
        {
            Assert.Equal(1 << d, TextDecoder.TriggeredBy(TextDecoder.All[d].Trigger));
        }

        Assert.Equal(TextDecoder.AllBits, (1 << TextDecoder.All.Length) - 1);
        Assert.Equal(0, TextDecoder.TriggeredBy('a'));
    }
}
