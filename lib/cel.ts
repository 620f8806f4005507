// CEL string literals, for the values the stack writes into CEL: the Receiver's branch filter
// (lib/flux.ts) and the Actions OIDC validations (lib/oidc.ts). notification-controller evaluates
// both with cel-go. git check-ref-format accepts a branch such as `it's` or `say"hi"` (it refuses a
// backslash and control characters, but a value may come from elsewhere), so a value is escaped as
// the CEL language definition's string literals are read (cel-spec doc/langdef.md, "String and
// Bytes Values"): in a single-quoted literal `\\` and `\'` stand for a backslash and a quote, and
// `\xHH` for a character below 0x20 or DEL (a newline cannot stand in the literal). Every other
// character is itself, so an ordinary name is written exactly as before ('refs/heads/main').

/** `v` as a single-quoted CEL string literal that reads back as exactly `v`. */
export function celStringLiteral(v: string): string {
    let out = "";
    for (const ch of v) {
        const code = ch.codePointAt(0) as number;
        if (ch === "\\") out += "\\\\";
        else if (ch === "'") out += "\\'";
        else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, "0")}`;
        else out += ch;
    }
    return `'${out}'`;
}
