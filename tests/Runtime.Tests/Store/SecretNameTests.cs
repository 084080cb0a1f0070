using Secrets.Runtime.Store;

namespace Secrets.Runtime.Tests.Store;

public sealed class SecretNameTests
{
    [Theory]
    [InlineData("stripe_key", "STRIPE_KEY")]
    [InlineData("_private", "_PRIVATE")]
    [InlineData("A1", "A1")]
    [InlineData("Openai_Api_Key_2", "OPENAI_API_KEY_2")]
    public void Input_is_upper_cased_and_accepted(string input, string expected)
    {
        Assert.Equal(expected, SecretName.Parse(input).Value);
    }

    [Theory]
    [InlineData("FOO.BAR", "'.'", "position 4")]
    [InlineData("1FOO", "'1'", "position 1")]
    [InlineData("FOO-BAR", "'-'", "position 4")]
    [InlineData("FOO BAR", "U+0020", "position 4")]
    [InlineData("CAFÉ", "'É'", "position 4")]
    public void Invalid_characters_are_refused_with_the_character_and_position(string input, string character, string position)
    {
        var ex = Assert.Throws<InvalidSecretNameException>(() => SecretName.Parse(input));
        Assert.Contains(character, ex.Message, StringComparison.Ordinal);
        Assert.Contains(position, ex.Message, StringComparison.Ordinal);
        Assert.Equal("store.name_invalid", ex.Code);
    }

    [Fact]
    public void Empty_and_too_long_names_are_refused()
    {
        Assert.Throws<InvalidSecretNameException>(() => SecretName.Parse(""));
        Assert.Equal(255, SecretName.Parse(new string('A', 255)).Value.Length);
        var ex = Assert.Throws<InvalidSecretNameException>(() => SecretName.Parse(new string('A', 256)));
        Assert.Contains("255", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_are_never_renamed_beyond_upper_casing()
    {
        Assert.False(SecretName.TryParse("my-key", out _, out var error));
        Assert.Contains("'-'", error, StringComparison.Ordinal);
    }
}
