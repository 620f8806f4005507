// Builds the config a program receives from the CLI for a stack: the stack file's values over the
// defaults Pulumi.yaml declares, every value a string (objects as JSON), project keys unprefixed.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { ConfigKey, ConfigKeys, ProjectName, RawConfig, SecretConfigKey, SecretConfigKeys } from "../../lib/config";

export const root = path.resolve(__dirname, "..", "..");

export interface ConfigDeclaration {
    type: "string" | "integer" | "boolean" | "array";
    default?: unknown;
    description?: string;
    items?: { type: string };
}

export function projectDeclarations(): Record<string, ConfigDeclaration> {
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { name: string; config: Record<string, ConfigDeclaration> };
    if (project.name !== ProjectName) throw new Error(`Pulumi.yaml names project ${project.name}, the program reads ${ProjectName}`);
    return project.config;
}

function asConfigString(v: unknown): string {
    return typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
}

const isSecretKey = (k: string): k is SecretConfigKey => (SecretConfigKeys as readonly string[]).includes(k);

/**
 * Defaults from Pulumi.yaml, then `overrides` (project keys, plain values as in a stack file). A
 * secret key in `overrides` counts as set (its value is never passed on), as readRawConfig does.
 */
export function withDefaults(overrides: Record<string, unknown> = {}): RawConfig {
    const raw: Partial<Record<ConfigKey, string>> = {};
    const secretsSet: SecretConfigKey[] = [];
    for (const [k, decl] of Object.entries(projectDeclarations())) {
        if (decl.default !== undefined) raw[k as ConfigKey] = asConfigString(decl.default);
    }
    for (const [k, v] of Object.entries(overrides)) {
        if (isSecretKey(k)) {
            if (v !== undefined) secretsSet.push(k);
            continue;
        }
        if (!(ConfigKeys as readonly string[]).includes(k)) throw new Error(`test sets undeclared key ${k}`);
        if (v === undefined) delete raw[k as ConfigKey];
        else raw[k as ConfigKey] = asConfigString(v);
    }
    return { ...raw, secretsSet };
}

/** What the CLI hands the program for `Pulumi.<stack>.yaml`, plus that file's other packages' keys. */
export function stackConfig(stack: string): { raw: RawConfig; others: Record<string, unknown> } {
    // A secret key appears in a stack file as `{ secure: ... }`: withDefaults notes only that it is set.
    const file = parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")) as { config?: Record<string, unknown> };
    const project: Record<string, unknown> = {};
    const others: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(file.config ?? {})) {
        if (k.startsWith(`${ProjectName}:`)) project[k.slice(ProjectName.length + 1)] = v;
        else others[k] = v;
    }
    return { raw: withDefaults(project), others };
}
