using System.Text;

namespace VoiceAppliance.Tests.Cloud;

/// <summary>
/// Parses a <c>multipart/form-data</c> body (RFC 7578): parts separated by <c>--boundary</c> lines, each with
/// headers (<c>Content-Disposition: form-data; name="..."; filename="..."</c>, <c>Content-Type</c>), a blank line and
/// the data, the last boundary followed by <c>--</c>. Strict: a malformed body throws.
/// </summary>
internal static class Multipart
{
    public static IReadOnlyDictionary<string, (string? FileName, string? ContentType, byte[] Data)> Parse(string? contentType, byte[] body)
    {
        var result = new Dictionary<string, (string?, string?, byte[])>(StringComparer.Ordinal);
        if (contentType is null || !contentType.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return result;
        }

        var boundary = contentType.Split(';').Select(p => p.Trim()).First(p => p.StartsWith("boundary=", StringComparison.OrdinalIgnoreCase))["boundary=".Length..].Trim('"');
        var delimiter = Encoding.ASCII.GetBytes("--" + boundary);
        var pos = IndexOf(body, delimiter, 0);
        if (pos != 0)
        {
            throw new FormatException("the body does not start with the boundary");
        }

        while (true)
        {
            pos += delimiter.Length;
            if (body.AsSpan(pos).StartsWith("--"u8))
            {
                return result; // closing delimiter
            }

            if (!body.AsSpan(pos).StartsWith("\r\n"u8))
            {
                throw new FormatException("a boundary is not followed by CRLF");
            }

            pos += 2;
            var headerEnd = IndexOf(body, "\r\n\r\n"u8.ToArray(), pos);
            if (headerEnd < 0)
            {
                throw new FormatException("a part has no end of headers");
            }

            var headers = Encoding.UTF8.GetString(body, pos, headerEnd - pos).Split("\r\n");
            var dataStart = headerEnd + 4;
            var next = IndexOf(body, [.. "\r\n"u8.ToArray(), .. delimiter], dataStart);
            if (next < 0)
            {
                throw new FormatException("a part is not closed by the boundary");
            }

            string? name = null, fileName = null, type = null;
            foreach (var h in headers)
            {
                if (h.StartsWith("Content-Disposition:", StringComparison.OrdinalIgnoreCase))
                {
                    foreach (var p in h.Split(';').Select(p => p.Trim()))
                    {
                        if (p.StartsWith("name=", StringComparison.Ordinal))
                        {
                            name = p[5..].Trim('"');
                        }
                        else if (p.StartsWith("filename=", StringComparison.Ordinal))
                        {
                            fileName = p[9..].Trim('"');
                        }
                    }
                }
                else if (h.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))
                {
                    type = h[13..].Trim();
                }
            }

            if (name is null)
            {
                throw new FormatException("a part has no name");
            }

            result[name] = (fileName, type, body[dataStart..next]);
            pos = next + 2;
        }
    }

    private static int IndexOf(byte[] haystack, byte[] needle, int start)
    {
        var i = haystack.AsSpan(start).IndexOf(needle);
        return i < 0 ? -1 : start + i;
    }
}
