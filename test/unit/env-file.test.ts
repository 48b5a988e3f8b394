import { parseEnvFile, splitSecretEnv } from "../../config/env-file";
import { isSecret } from "./harness";

describe("env files are read as docker run --env-file reads them", () => {
    test("KEY=VALUE lines: values literal (quotes, # and trailing spaces kept), comments only as whole lines, last one wins", () => {
        const text = [
            "# a comment",
            "",
            "   # an indented comment",
            "PORT=8000",
            "  GREETING=hello world  # not a comment",
            "SINGLE='kept quotes'",
            'DOUBLE="line1\\nline2"',
            "EMPTY=",
            "URL=http://example.com/#anchor",
            "EQ=a=b",
            "dotted.name=ok",
            "TAB=a\tb",
            "PORT=8001",
        ].join("\n");
        expect(parseEnvFile(text)).toEqual({
            entries: {
                PORT: "8001",
                GREETING: "hello world  # not a comment",
                SINGLE: "'kept quotes'",
                DOUBLE: '"line1\\nline2"',
                EMPTY: "",
                URL: "http://example.com/#anchor",
                EQ: "a=b",
                "dotted.name": "ok",
                TAB: "a\tb",
            },
            errors: [],
        });
    });

    test("LF and CRLF end lines, a byte order mark is skipped, a last line needs no newline", () => {
        const expected = { entries: { A: "1", B: "2" }, errors: [] };
        expect(parseEnvFile("A=1\nB=2\n")).toEqual(expected);
        expect(parseEnvFile("A=1\r\nB=2\r\n")).toEqual(expected);
        expect(parseEnvFile("\uFEFFA=1\r\nB=2")).toEqual(expected);
    });

    test("a CR that ends no line (classic Mac line endings) is refused, not read as one long value", () => {
        expect(parseEnvFile("A=1\rB=2\r").errors).toEqual([
            "line 1: a carriage return that ends no line (save the file with LF or CRLF line endings)",
        ]);
    });

    test("what Docker would refuse, or take from this machine's environment, is refused by line number, never with a value", () => {
        const parsed = parseEnvFile(
            [
                "GOOD=1",
                "AWS_SECRET_ACCESS_KEY",
                "export TOKEN=s3cr3t",
                "=value",
                "SPACED KEY=s3cr3t",
                "KEY =s3cr3t",
                "NUL=a\u0000s3cr3t",
                "ESC=\u001b[31ms3cr3t",
                "C1=\u0085s3cr3t",
                "OK=2",
            ].join("\n"),
        );
        expect(parsed.entries).toEqual({ GOOD: "1", OK: "2" });
        expect(parsed.errors).toEqual([
            'line 2: AWS_SECRET_ACCESS_KEY has no "=" (Docker would copy it from the environment of the machine reading the file; give its value)',
            'line 3: "export" is not part of Docker\'s env-file format (write TOKEN=...)',
            'line 4: no variable name before "="',
            'line 5: the variable name "SPACED KEY" contains white space',
            'line 6: the variable name "KEY" contains white space',
            "line 7: a NUL character",
            "line 8: the control character U+001B",
            "line 9: the control character U+0085",
        ]);
        expect(parsed.errors.join()).not.toContain("s3cr3t");
    });

    test("listed keys, and keys named like secrets, become secret env", async () => {
        const { env, secretEnv } = splitSecretEnv({ PORT: "8000", DB_PASS: "p", ADMIN_TOKEN: "t", API_KEY: "k", GREETING: "hi" }, [
            "DB_PASS",
        ]);
        expect(env).toEqual({ PORT: "8000", GREETING: "hi" });
        expect(Object.keys(secretEnv).sort()).toEqual(["ADMIN_TOKEN", "API_KEY", "DB_PASS"]);
        for (const v of Object.values(secretEnv)) expect(await isSecret(v)).toBe(true);
    });
});
