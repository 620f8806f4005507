import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("flux-push", { policies });
