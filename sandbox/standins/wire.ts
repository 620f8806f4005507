// The Pulumi wire format as a Node provider receives it: secrets arrive wrapped, and values not
// known yet (during preview) arrive as a sentinel string.
const SpecialSigKey = "4dabf18193072939515e22adb298388d";
const SecretSig = "1b47061264138c4ac30d75fd1eb44270";
export const UnknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type Wire = unknown;

export function isSecretValue(v: Wire): v is { value: unknown } {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SpecialSigKey] === SecretSig;
}

/** Plain values, secrets unwrapped, for the provider's own logic. */
export function plain(v: Wire): unknown {
    if (isSecretValue(v)) return plain(v.value);
    if (Array.isArray(v)) return v.map(plain);
    if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
    return v;
}

export function secret(value: unknown): Wire {
    return { [SpecialSigKey]: SecretSig, value };
}

/** Whether any part of the value is not known yet. */
export function hasUnknown(v: Wire): boolean {
    if (v === UnknownValue) return true;
    if (Array.isArray(v)) return v.some(hasUnknown);
    if (typeof v === "object" && v !== null) return Object.values(v).some(hasUnknown);
    return false;
}

/** A value's plain JSON with object keys sorted: the order in which a provider writes keys is no change. */
export function canonical(v: Wire): string {
    const sort = (x: unknown): unknown => {
        if (Array.isArray(x)) return x.map(sort);
        if (typeof x === "object" && x !== null) return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])]));
        return x;
    };
    return JSON.stringify(sort(plain(v)) ?? null);
}

/** Top-level keys whose (plain) values differ. */
export function changedKeys(olds: Record<string, Wire>, news: Record<string, Wire>, keys: readonly string[]): string[] {
    return keys.filter((k) => hasUnknown(news[k]) || canonical(olds[k]) !== canonical(news[k]));
}
