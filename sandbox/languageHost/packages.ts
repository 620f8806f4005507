// GetRequiredPackages as the real Node language host computes it (getPackagesFromDir): walk the
// program directory, deeply, and report every package.json under a node_modules directory whose
// `pulumi` section says `"resource": true`. Policy packs (a directory with PulumiPolicy.*) are not
// the program's dependencies and are skipped; symlinks are followed once. Errors are collected, not
// fatal: the real host only logs them and still answers with what it found.
import * as fs from "fs";
import * as path from "path";
import { compatibleVersions, PackageDependency, PackageJson, packageDependency } from "./options";

export interface RequiredPackages {
    readonly packages: PackageDependency[];
    /** Problems met on the way (unreadable files, a third-party plugin without a name, ...). */
    readonly errors: string[];
    /** Set when two copies of @pulumi/pulumi cannot be loaded together (printed on stderr by the host). */
    readonly incompatible?: string;
}

const PolicyPackFiles = ["PulumiPolicy.json", "PulumiPolicy.yaml", "PulumiPolicy.yml"];

function isPolicyPack(dir: string): boolean {
    return PolicyPackFiles.some((f) => {
        try {
            return !fs.statSync(path.join(dir, f)).isDirectory();
        } catch {
            return false;
        }
    });
}

export function requiredPackages(programDirectory: string): RequiredPackages {
    const packages: PackageDependency[] = [];
    const errors: string[] = [];
    const pulumiVersions = new Map<string, string>();
    const visited = new Set<string>();

    const walk = (dirIn: string, inNodeModules: boolean) => {
        const dir = path.resolve(dirIn);
        if (visited.has(dir)) return;
        visited.add(dir);
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(dir, { withFileTypes: true });
        } catch (err) {
            errors.push(`reading plugin dir ${dir}: ${(err as Error).message}`);
            return;
        }
        // os.ReadDir returns entries sorted by name; so do we, so the answer's order is the real one's.
        entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const entry of entries) {
            let curr = path.join(dir, entry.name);
            let isDir = entry.isDirectory();
            if (entry.isSymbolicLink()) {
                try {
                    curr = fs.realpathSync(curr);
                    isDir = fs.statSync(curr).isDirectory();
                } catch (err) {
                    errors.push(`resolving link in plugin dir ${curr}: ${(err as Error).message}`);
                    continue;
                }
            }
            if (isDir) {
                if (isPolicyPack(curr)) continue;
                walk(curr, inNodeModules || path.basename(dir) === "node_modules");
            } else if (inNodeModules && entry.name === "package.json") {
                let info: PackageJson;
                try {
                    info = JSON.parse(fs.readFileSync(curr, "utf8")) as PackageJson;
                } catch (err) {
                    errors.push(`unmarshaling package.json ${curr}: ${(err as Error).message}`);
                    continue;
                }
                if (info.name === "@pulumi/pulumi") {
                    if (!/^\d+\.\d+\.\d+/.test(info.version ?? "")) {
                        errors.push(`Could not understand version ${info.version} in '${curr}'`);
                        continue;
                    }
                    pulumiVersions.set(curr, info.version as string);
                }
                try {
                    const dep = packageDependency(info);
                    if (dep) packages.push(dep);
                } catch (err) {
                    errors.push(`unmarshaling package.json ${curr}: ${(err as Error).message}`);
                }
            }
        }
    };
    walk(programDirectory, false);

    let incompatible: string | undefined;
    const [first, ...rest] = [...pulumiVersions.entries()];
    for (const [where, version] of rest) {
        const message = compatibleVersions(version, first[1]);
        if (message) {
            incompatible = `Found incompatible versions of @pulumi/pulumi. ${message}\n  Version ${first[1]} referenced at ${first[0]}\n  Version ${version} referenced at ${where}\n`;
            break;
        }
    }
    return { packages, errors, ...(incompatible ? { incompatible } : {}) };
}
