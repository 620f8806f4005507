// A throwaway project directory for verification tests: the real Pulumi.yaml and a stack file.
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";
import { root } from "./projectConfig";
import { tempDir } from "./tempDir";

/** A project dir with the real Pulumi.yaml and a stack file of our own. */
export function projectWith(stack: string, config: Record<string, unknown>): string {
    const dir = tempDir("verify-targets-");
    fs.copyFileSync(path.join(root, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), stringify({ config }));
    return dir;
}
