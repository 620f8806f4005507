// The flux-push policy pack. `pulumi preview --policy-pack policy --policy-pack-config
// policy/config/<stack>.json` loads this file; the rules live in policies.ts so tests can import
// them without starting the pack's gRPC server (which `new PolicyPack` does).
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("flux-push", { policies });
