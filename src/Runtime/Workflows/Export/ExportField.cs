namespace Secrets.Runtime.Workflows.Export;

/// <summary>How a literal secret value found in a field is replaced when a workflow is exported as a template.</summary>
internal enum ExportField
{
    /// <summary>A template: the value becomes <c>{{secrets.NAME}}</c>.</summary>
    Template,

    /// <summary>JavaScript: string literals holding the value become template literals reading <c>secrets.NAME</c>.</summary>
    JavaScript,

    /// <summary>C#: string literals holding the value become reads of an aliased credential.</summary>
    CSharp,
}
