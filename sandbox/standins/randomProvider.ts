// Stand-in for the `random` provider's RandomPassword (pulumi-random cannot be had here). Same
// type token, inputs and outputs as @pulumi/random's SDK; every input change replaces the
// password, as in the real provider. Not implemented: `bcryptHash` (no bcrypt in Node's crypto).
import { randomInt } from "crypto";
import * as provider from "@pulumi/pulumi/provider";
import { changedKeys, plain, secret, Wire } from "./wire";

export const RandomPasswordType = "random:index/randomPassword:RandomPassword";

export interface PasswordInputs {
    length: number;
    special: boolean;
    upper: boolean;
    lower: boolean;
    numeric: boolean;
    number: boolean;
    minUpper: number;
    minLower: number;
    minNumeric: number;
    minSpecial: number;
    overrideSpecial?: string;
    keepers?: Record<string, string>;
}

/** Input names of RandomPassword, all of which force a new password. */
export const PasswordInputNames = ["length", "special", "upper", "lower", "numeric", "number", "minUpper", "minLower", "minNumeric", "minSpecial", "overrideSpecial", "keepers"] as const;

const Sets = { upper: "ABCDEFGHIJKLMNOPQRSTUVWXYZ", lower: "abcdefghijklmnopqrstuvwxyz", numeric: "0123456789", special: "!@#$%&*()-_=+[]{}<>:?" };

/** The real provider's defaults: every class on, no minimums. */
export function checkPassword(news: Record<string, unknown>): { inputs: PasswordInputs; failures: string[] } {
    const failures: string[] = [];
    const length = Number(news.length);
    if (!Number.isInteger(length) || length < 1) failures.push("length must be a positive integer");
    const inputs: PasswordInputs = {
        length,
        special: (news.special as boolean | undefined) ?? true,
        upper: (news.upper as boolean | undefined) ?? true,
        lower: (news.lower as boolean | undefined) ?? true,
        numeric: (news.numeric as boolean | undefined) ?? (news.number as boolean | undefined) ?? true,
        number: (news.number as boolean | undefined) ?? (news.numeric as boolean | undefined) ?? true,
        minUpper: Number(news.minUpper ?? 0),
        minLower: Number(news.minLower ?? 0),
        minNumeric: Number(news.minNumeric ?? 0),
        minSpecial: Number(news.minSpecial ?? 0),
        ...(news.overrideSpecial !== undefined ? { overrideSpecial: String(news.overrideSpecial) } : {}),
        ...(news.keepers !== undefined ? { keepers: news.keepers as Record<string, string> } : {}),
    };
    const mins = inputs.minUpper + inputs.minLower + inputs.minNumeric + inputs.minSpecial;
    if (mins > length) failures.push(`length (${length}) is less than the sum of the minimums (${mins})`);
    if (!inputs.upper && !inputs.lower && !inputs.numeric && !inputs.special) failures.push("at least one character class must be enabled");
    return { inputs, failures };
}

/** A password from the enabled classes, with the minimum counts, from a CSPRNG. */
export function generatePassword(i: PasswordInputs): string {
    const special = i.overrideSpecial ?? Sets.special;
    const classes: [boolean, string, number][] = [
        [i.upper, Sets.upper, i.minUpper], [i.lower, Sets.lower, i.minLower],
        [i.numeric, Sets.numeric, i.minNumeric], [i.special, special, i.minSpecial],
    ];
    const chars: string[] = [];
    let all = "";
    for (const [on, set, min] of classes) {
        if (!on) continue;
        all += set;
        for (let n = 0; n < min; n++) chars.push(set[randomInt(set.length)]);
    }
    while (chars.length < i.length) chars.push(all[randomInt(all.length)]);
    for (let n = chars.length - 1; n > 0; n--) {
        const j = randomInt(n + 1);
        [chars[n], chars[j]] = [chars[j], chars[n]];
    }
    return chars.join("");
}

export const randomProvider: provider.Provider = {
    version: "4.21.2",
    async check(_urn, _olds, news) {
        const { inputs, failures } = checkPassword(plain(news) as Record<string, unknown>);
        return { inputs: { ...inputs, ...(news.keepers !== undefined ? { keepers: news.keepers } : {}) }, failures: failures.map((reason) => ({ property: "", reason })) };
    },
    async diff(_id, _urn, olds, news) {
        const replaces = changedKeys(olds, news, PasswordInputNames);
        return { changes: replaces.length > 0, replaces };
    },
    async create(_urn, inputs: Record<string, Wire>) {
        const result = generatePassword(checkPassword(plain(inputs) as Record<string, unknown>).inputs);
        // The real provider's id is "none"; the password is a secret output.
        return { id: "none", outs: { ...inputs, result: secret(result) } };
    },
    async read(id, _urn, props) {
        return { id, props };
    },
};

if (require.main === module) {
    void provider.main(randomProvider, process.argv.slice(2));
}
