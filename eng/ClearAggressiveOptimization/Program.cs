using System.Buffers.Binary;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

// Copies an assembly with MethodImplOptions.AggressiveOptimization cleared on every method, so crossgen2 precompiles
// them (it skips methods with that flag); nothing else changes. The metadata is read with System.Reflection.Metadata:
// the one bit is flipped in the MethodDef table's ImplFlags column, checked against the reader's value first.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: ClearAggressiveOptimization SOURCE DESTINATION");
    return 2;
}

var (source, destination) = (args[0], args[1]);
var bytes = File.ReadAllBytes(source);
var cleared = 0;
using (var pe = new PEReader(new MemoryStream(bytes, writable: false)))
{
    var reader = pe.GetMetadataReader();
    var table = pe.PEHeaders.MetadataStartOffset + reader.GetTableMetadataOffset(TableIndex.MethodDef);
    var rowSize = reader.GetTableRowSize(TableIndex.MethodDef);
    foreach (var handle in reader.MethodDefinitions)
    {
        var implementation = reader.GetMethodDefinition(handle).ImplAttributes;
        if ((implementation & MethodImplAttributes.AggressiveOptimization) == 0)
        {
            continue;
        }

        // A MethodDef row starts with its RVA (4 bytes), then its ImplFlags (2 bytes).
        var flags = bytes.AsSpan(table + ((MetadataTokens.GetRowNumber(handle) - 1) * rowSize) + 4, 2);
        if (BinaryPrimitives.ReadUInt16LittleEndian(flags) != (ushort)implementation)
        {
            Console.Error.WriteLine($"ClearAggressiveOptimization: {source}: a method's ImplFlags are not where the metadata says; nothing written");
            return 1;
        }

        BinaryPrimitives.WriteUInt16LittleEndian(flags, (ushort)(implementation & ~MethodImplAttributes.AggressiveOptimization));
        cleared++;
    }
}

using (var check = new PEReader(new MemoryStream(bytes, writable: false)))
{
    var reader = check.GetMetadataReader();
    if (reader.MethodDefinitions.Any(m => (reader.GetMethodDefinition(m).ImplAttributes & MethodImplAttributes.AggressiveOptimization) != 0))
    {
        Console.Error.WriteLine($"ClearAggressiveOptimization: {source}: a method still has the flag after clearing; nothing written");
        return 1;
    }
}

if (cleared == 0)
{
    Console.Error.WriteLine($"ClearAggressiveOptimization: {source}: no AggressiveOptimization method left to clear: take it off the list in src/Cli/ExpressionEngineReadyToRun.targets");
    return 1;
}

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
File.WriteAllBytes(destination, bytes);
Console.WriteLine($"{cleared} methods of {Path.GetFileName(source)}");
return 0;
