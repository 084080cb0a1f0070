namespace Secrets.Runtime.References;

/// <summary>How a secret was referred to in a workflow.</summary>
internal enum ReferenceSyntax
{
    /// <summary><c>{{$secret.NAME}}</c> in a string field.</summary>
    DollarSecret,

    /// <summary><c>{{secrets.NAME}}</c> in a string field.</summary>
    Secrets,

    /// <summary><c>{{NAME}}</c>: a bare upper-case name in a string field.</summary>
    Bare,

    /// <summary><c>secrets.NAME</c> inside JavaScript (an expression node or <c>{{= ... }}</c>).</summary>
    JavaScript,

    /// <summary>An entry of a code node's credentials list.</summary>
    Credential,
}
