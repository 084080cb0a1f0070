// Signs the run input's payload with HMAC-SHA256, the way webhook providers (GitHub, Stripe) do.
// The key reaches this script only under the alias bound in the workflow's credentials list.
using System.Security.Cryptography;

var payload = context.Input?["payload"]?.ToJsonString() ?? "{}";
var key = Encoding.UTF8.GetBytes(context.Secrets["SigningKey"]);
var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(payload));
context.Log($"signed a payload of {payload.Length} characters");
return new JsonObject
{
    ["payload"] = payload,
    ["signature"] = "sha256=" + Convert.ToHexString(mac).ToLowerInvariant(),
};
